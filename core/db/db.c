#include <sys/epoll.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>

#include "db/db.h"
#include "obs/log.h"
#include "obs/metrics.h"

#define DB_CONNS_MAX		64
#define DB_QUEUE_MAX		4096
#define DB_QUEUE_WAIT_MS	5000	/* fail a query that waits longer */
#define DB_RETRY_MIN_MS		100
#define DB_RETRY_MAX_MS		5000
#define DB_TICK_MS		100

enum conn_state {
	CONN_DOWN,
	CONN_CONNECTING,
	CONN_IDLE,
	CONN_BUSY,
};

struct db_query {
	char			*sql;
	int			 nparams;
	char			**params;
	hs_db_done_fn		 done;
	void			*arg;
	uint64_t		 queued_at;
	TAILQ_ENTRY(db_query)	 list;
};

struct db_conn {
	struct kore_event	 evt;	/* first: Kore casts to it */
	int			 index;
	enum conn_state		 state;
	PGconn			*pg;
	int			 fd;
	struct db_query		*query;
	PGresult		*result;
	char			 error[512];
	char			 sqlstate[6];
	uint64_t		 retry_at;
	uint32_t		 backoff_ms;
	int			 ever_connected;
};

static TAILQ_HEAD(, db_query)	queue = TAILQ_HEAD_INITIALIZER(queue);
static struct db_conn		conns[DB_CONNS_MAX];
static int			nconns;
static int			queued;
static char			*conninfo;
static struct kore_timer	*tick;

static void	conn_event(void *, int);
static void	conn_start(struct db_conn *);
static void	dispatch(void);

static void
query_free(struct db_query *q)
{
	int		i;

	for (i = 0; i < q->nparams; i++)
		free(q->params[i]);
	free(q->params);
	free(q->sql);
	free(q);
}

static void
query_finish(struct db_query *q, PGresult *res, const char *error,
    const char *sqlstate)
{
	if (error != NULL)
		hs_metrics_self()->db_errors++;
	q->done(q->arg, res, error, sqlstate ? sqlstate : "");
	query_free(q);
}

static void
watch(struct db_conn *c, int want_write)
{
	int		events;

	events = EPOLLIN | EPOLLRDHUP;
	if (want_write)
		events |= EPOLLOUT;
	kore_platform_event_schedule(c->fd, events, 0, c);
}

static void
update_gauges(void)
{
	struct hs_metrics_worker	*m = hs_metrics_self();
	int				 i, open, busy;

	open = busy = 0;
	for (i = 0; i < nconns; i++) {
		if (conns[i].state == CONN_IDLE || conns[i].state == CONN_BUSY)
			open++;
		if (conns[i].state == CONN_BUSY)
			busy++;
	}
	m->db_conns_open = (uint64_t)open;
	m->db_conns_busy = (uint64_t)busy;
	m->db_queue = (uint64_t)queued;
}

/*
 * A connection failed: fail its query (its outcome is unknown, so callers
 * must be idempotent, which the SQL functions are) and plan a reconnect
 * with exponential backoff.
 */
static void
conn_fail(struct db_conn *c, const char *why)
{
	struct db_query	*q;

	if (c->state != CONN_CONNECTING || c->ever_connected)
		hs_log(HS_LOG_WARNING, "db.conn_lost", "connection %d: %s",
		    c->index, why);
	if (c->result != NULL) {
		PQclear(c->result);
		c->result = NULL;
	}
	if (c->pg != NULL) {
		PQfinish(c->pg);	/* closing the fd removes it from epoll */
		c->pg = NULL;
	}
	c->fd = -1;
	c->state = CONN_DOWN;
	if (c->backoff_ms == 0)
		c->backoff_ms = DB_RETRY_MIN_MS;
	else if (c->backoff_ms < DB_RETRY_MAX_MS)
		c->backoff_ms *= 2;
	c->retry_at = kore_time_ms() + c->backoff_ms;
	if ((q = c->query) != NULL) {
		c->query = NULL;
		query_finish(q, NULL, why, "08006");
	}
	update_gauges();
}

static void
conn_start(struct db_conn *c)
{
	c->pg = PQconnectStart(conninfo);
	if (c->pg == NULL) {
		conn_fail(c, "out of memory");
		return;
	}
	if (PQstatus(c->pg) == CONNECTION_BAD) {
		snprintf(c->error, sizeof(c->error), "%s",
		    PQerrorMessage(c->pg));
		conn_fail(c, c->error);
		return;
	}
	c->fd = PQsocket(c->pg);
	c->state = CONN_CONNECTING;
	watch(c, 1);
}

static void
conn_poll_connect(struct db_conn *c)
{
	switch (PQconnectPoll(c->pg)) {
	case PGRES_POLLING_READING:
		watch(c, 0);
		return;
	case PGRES_POLLING_WRITING:
		watch(c, 1);
		return;
	case PGRES_POLLING_OK:
		if (PQsetnonblocking(c->pg, 1) == -1) {
			conn_fail(c, "cannot make the connection non-blocking");
			return;
		}
		if (c->ever_connected)
			hs_metrics_self()->db_reconnects++;
		c->ever_connected = 1;
		c->backoff_ms = 0;
		c->state = CONN_IDLE;
		watch(c, 0);
		update_gauges();
		dispatch();
		return;
	default:
		snprintf(c->error, sizeof(c->error), "%s",
		    PQerrorMessage(c->pg));
		conn_fail(c, c->error);
		return;
	}
}

static void
conn_send(struct db_conn *c, struct db_query *q)
{
	int		r;

	c->query = q;
	c->state = CONN_BUSY;
	c->error[0] = '\0';
	c->sqlstate[0] = '\0';
	hs_metrics_self()->db_queries++;
	if (!PQsendQueryParams(c->pg, q->sql, q->nparams, NULL,
	    (const char *const *)q->params, NULL, NULL, 0)) {
		snprintf(c->error, sizeof(c->error), "%s",
		    PQerrorMessage(c->pg));
		conn_fail(c, c->error);
		return;
	}
	if ((r = PQflush(c->pg)) == -1) {
		conn_fail(c, "cannot send the query");
		return;
	}
	watch(c, r == 1);
}

/* Read what arrived; when the query's last result is in, deliver it. */
static void
conn_read(struct db_conn *c)
{
	PGresult		*res;
	struct db_query		*q;
	const char		*state;

	if (!PQconsumeInput(c->pg)) {
		snprintf(c->error, sizeof(c->error), "%s",
		    PQerrorMessage(c->pg));
		conn_fail(c, c->error);
		return;
	}
	while (c->state == CONN_BUSY && !PQisBusy(c->pg)) {
		if ((res = PQgetResult(c->pg)) == NULL) {
			q = c->query;
			c->query = NULL;
			c->state = CONN_IDLE;
			res = c->result;
			c->result = NULL;
			if (c->error[0] != '\0') {
				if (res != NULL)
					PQclear(res);
				query_finish(q, NULL, c->error, c->sqlstate);
			} else {
				query_finish(q, res, NULL, NULL);
			}
			update_gauges();
			dispatch();
			return;
		}
		switch (PQresultStatus(res)) {
		case PGRES_TUPLES_OK:
		case PGRES_COMMAND_OK:
			if (c->result != NULL)
				PQclear(c->result);
			c->result = res;
			break;
		default:
			if (c->error[0] == '\0') {
				snprintf(c->error, sizeof(c->error), "%s",
				    PQresultErrorMessage(res));
				state = PQresultErrorField(res,
				    PG_DIAG_SQLSTATE);
				snprintf(c->sqlstate, sizeof(c->sqlstate),
				    "%s", state ? state : "");
			}
			PQclear(res);
			break;
		}
	}
	/* Notifications are not used on pool connections; drop them. */
	while (c->pg != NULL && PQnotifies(c->pg) != NULL)
		;
}

static void
conn_event(void *arg, int error)
{
	struct db_conn	*c = arg;
	int		 r;

	(void)error;	/* libpq itself tells us what went wrong */
	switch (c->state) {
	case CONN_CONNECTING:
		conn_poll_connect(c);
		break;
	case CONN_BUSY:
		if ((r = PQflush(c->pg)) == -1) {
			conn_fail(c, "cannot send the query");
			break;
		}
		watch(c, r == 1);
		conn_read(c);
		break;
	case CONN_IDLE:
		/* The server closed an idle connection, or sent a notice. */
		if (!PQconsumeInput(c->pg) || PQstatus(c->pg) == CONNECTION_BAD)
			conn_fail(c, "server closed the connection");
		break;
	case CONN_DOWN:
		break;
	}
}

static void
dispatch(void)
{
	struct db_query	*q;
	int		 i;

	for (i = 0; i < nconns && !TAILQ_EMPTY(&queue); i++) {
		if (conns[i].state != CONN_IDLE)
			continue;
		q = TAILQ_FIRST(&queue);
		TAILQ_REMOVE(&queue, q, list);
		queued--;
		conn_send(&conns[i], q);
	}
	update_gauges();
}

/* Reconnect what is down and fail queries that waited too long. */
static void
db_tick(void *arg, u_int64_t now)
{
	struct db_query	*q, *next;
	int		 i;

	(void)arg;
	for (i = 0; i < nconns; i++) {
		if (conns[i].state == CONN_DOWN && now >= conns[i].retry_at)
			conn_start(&conns[i]);
	}
	for (q = TAILQ_FIRST(&queue); q != NULL; q = next) {
		next = TAILQ_NEXT(q, list);
		if (now - q->queued_at < DB_QUEUE_WAIT_MS)
			continue;
		TAILQ_REMOVE(&queue, q, list);
		queued--;
		query_finish(q, NULL, "database unavailable: no connection "
		    "within 5 s", "08001");
	}
	update_gauges();
}

int
hs_db_setup(const char *info, int n)
{
	int		i;

	if (n < 1 || n > DB_CONNS_MAX)
		return (-1);
	free(conninfo);
	if ((conninfo = strdup(info)) == NULL)
		return (-1);
	nconns = n;
	for (i = 0; i < nconns; i++) {
		memset(&conns[i], 0, sizeof(conns[i]));
		conns[i].evt.type = KORE_TYPE_PGSQL_CONN;
		conns[i].evt.handle = conn_event;
		conns[i].index = i;
		conns[i].fd = -1;
		conn_start(&conns[i]);
	}
	tick = kore_timer_add(db_tick, DB_TICK_MS, NULL, 0);
	return (0);
}

void
hs_db_teardown(void)
{
	int		i;

	for (i = 0; i < nconns; i++) {
		if (conns[i].pg != NULL)
			PQfinish(conns[i].pg);
		conns[i].pg = NULL;
	}
}

int
hs_db_query(const char *sql, int nparams, const char *const *params,
    hs_db_done_fn done, void *arg)
{
	struct db_query	*q;
	int		 i;

	if (queued >= DB_QUEUE_MAX)
		return (-1);
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->sql = strdup(sql)) == NULL)
		fatal("hs_db_query: out of memory");
	if (nparams > 0 &&
	    (q->params = calloc((size_t)nparams, sizeof(char *))) == NULL)
		fatal("hs_db_query: out of memory");
	for (i = 0; i < nparams; i++) {
		if (params[i] != NULL && (q->params[i] = strdup(params[i])) ==
		    NULL)
			fatal("hs_db_query: out of memory");
	}
	q->nparams = nparams;
	q->done = done;
	q->arg = arg;
	q->queued_at = kore_time_ms();
	TAILQ_INSERT_TAIL(&queue, q, list);
	queued++;
	dispatch();
	return (0);
}

int
hs_db_connected(void)
{
	int		i, n;

	for (n = 0, i = 0; i < nconns; i++) {
		if (conns[i].state == CONN_IDLE || conns[i].state == CONN_BUSY)
			n++;
	}
	return (n);
}
