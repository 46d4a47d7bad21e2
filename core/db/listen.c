#include <sys/epoll.h>

#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <libpq-fe.h>

#include "db/listen.h"
#include "obs/log.h"

#define LISTEN_CHANNELS_MAX	8
#define LISTEN_RETRY_MS		500

enum listen_state {
	L_DOWN,
	L_CONNECTING,
	L_SUBSCRIBING,
	L_UP,
};

struct listen_conn {
	struct kore_event	 evt;	/* first: Kore casts to it */
	enum listen_state	 state;
	PGconn			*pg;
	uint64_t		 retry_at;
};

static struct listen_conn	lc;
static char			*conninfo;
static char			*channels[LISTEN_CHANNELS_MAX];
static int			 nchannels;
static hs_listen_fn		 notify_cb;
static hs_listen_reset_fn	 reset_cb;
static struct kore_timer	*timer;

static void	listen_start(void);

static void
watch(int want_write)
{
	kore_platform_event_schedule(PQsocket(lc.pg), EPOLLIN | EPOLLRDHUP |
	    (want_write ? EPOLLOUT : 0), 0, &lc);
}

static void
listen_fail(const char *why)
{
	if (lc.state == L_UP)
		hs_log(HS_LOG_WARNING, "db.listen_lost", "%s", why);
	if (lc.pg != NULL)
		PQfinish(lc.pg);
	lc.pg = NULL;
	lc.state = L_DOWN;
	lc.retry_at = kore_time_ms() + LISTEN_RETRY_MS;
	/* Whatever was announced while we were away is lost. */
	reset_cb();
}

/* Send LISTEN for every channel in one query string. */
static void
subscribe(void)
{
	char	sql[512], *q;
	int	i;

	sql[0] = '\0';
	for (i = 0; i < nchannels; i++) {
		q = PQescapeIdentifier(lc.pg, channels[i], strlen(channels[i]));
		if (q == NULL) {
			listen_fail("cannot quote a channel name");
			return;
		}
		strncat(sql, "LISTEN ", sizeof(sql) - strlen(sql) - 1);
		strncat(sql, q, sizeof(sql) - strlen(sql) - 1);
		strncat(sql, ";", sizeof(sql) - strlen(sql) - 1);
		PQfreemem(q);
	}
	if (!PQsendQuery(lc.pg, sql)) {
		listen_fail(PQerrorMessage(lc.pg));
		return;
	}
	lc.state = L_SUBSCRIBING;
	watch(PQflush(lc.pg) == 1);
}

static void
drain(void)
{
	PGnotify	*n;
	PGresult	*res;

	if (!PQconsumeInput(lc.pg)) {
		listen_fail(PQerrorMessage(lc.pg));
		return;
	}
	while (!PQisBusy(lc.pg) && (res = PQgetResult(lc.pg)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			hs_log(HS_LOG_ERR, "db.listen", "LISTEN failed: %s",
			    PQresultErrorMessage(res));
			PQclear(res);
			listen_fail("LISTEN failed");
			return;
		}
		PQclear(res);
		if (lc.state == L_SUBSCRIBING) {
			lc.state = L_UP;
			/* Anything cached before this moment may be stale. */
			reset_cb();
		}
	}
	while ((n = PQnotifies(lc.pg)) != NULL) {
		notify_cb(n->relname, n->extra);
		PQfreemem(n);
	}
}

static void
listen_event(void *arg, int error)
{
	(void)arg;
	(void)error;
	switch (lc.state) {
	case L_CONNECTING:
		switch (PQconnectPoll(lc.pg)) {
		case PGRES_POLLING_READING:
			watch(0);
			return;
		case PGRES_POLLING_WRITING:
			watch(1);
			return;
		case PGRES_POLLING_OK:
			PQsetnonblocking(lc.pg, 1);
			subscribe();
			return;
		default:
			listen_fail(PQerrorMessage(lc.pg));
			return;
		}
	case L_SUBSCRIBING:
	case L_UP:
		if (PQflush(lc.pg) == -1) {
			listen_fail("cannot send");
			return;
		}
		drain();
		if (lc.pg != NULL && PQstatus(lc.pg) == CONNECTION_BAD)
			listen_fail("connection closed");
		return;
	case L_DOWN:
		return;
	}
}

static void
listen_start(void)
{
	if ((lc.pg = PQconnectStart(conninfo)) == NULL ||
	    PQstatus(lc.pg) == CONNECTION_BAD) {
		listen_fail(lc.pg ? PQerrorMessage(lc.pg) : "out of memory");
		return;
	}
	lc.state = L_CONNECTING;
	watch(1);
}

static void
listen_tick(void *arg, u_int64_t now)
{
	(void)arg;
	if (lc.state == L_DOWN && now >= lc.retry_at)
		listen_start();
}

int
hs_listen_setup(const char *info, const char *const *chans, int n,
    hs_listen_fn on_notify, hs_listen_reset_fn on_reset)
{
	int	i;

	if (n < 1 || n > LISTEN_CHANNELS_MAX)
		return (-1);
	if ((conninfo = strdup(info)) == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		if ((channels[i] = strdup(chans[i])) == NULL)
			return (-1);
	}
	nchannels = n;
	notify_cb = on_notify;
	reset_cb = on_reset;
	memset(&lc, 0, sizeof(lc));
	lc.evt.type = KORE_TYPE_PGSQL_CONN;
	lc.evt.handle = listen_event;
	listen_start();
	timer = kore_timer_add(listen_tick, 100, NULL, 0);
	return (0);
}

void
hs_listen_teardown(void)
{
	if (lc.pg != NULL)
		PQfinish(lc.pg);
	lc.pg = NULL;
	lc.state = L_DOWN;
}

int
hs_listen_up(void)
{
	return (lc.state == L_UP);
}

void
hs_listen_poll(void)
{
	if (lc.state == L_UP)
		drain();
}
