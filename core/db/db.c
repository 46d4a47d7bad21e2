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
#define DB_STMTS_MAX		128	/* prepared statements per connection */

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
	uint64_t		 hash;	/* of sql */
	int			 bg;	/* background: waits for requests */
	TAILQ_ENTRY(db_query)	 list;
};

/* A statement this connection has prepared, named "s<slot>". */
struct db_stmt {
	uint64_t		 hash;
	char			*sql;
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
	int			 preparing;	/* slot being prepared, or -1 */
	struct db_stmt		 stmts[DB_STMTS_MAX];
	int			 nstmts;
};

TAILQ_HEAD(db_queue, db_query);
static struct db_queue		queue = TAILQ_HEAD_INITIALIZER(queue);
static struct db_queue		bgqueue = TAILQ_HEAD_INITIALIZER(bgqueue);
static int			bg_busy;
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

static uint64_t
sql_hash(const char *sql)
{
	uint64_t	h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *sql != '\0'; sql++)
		h = (h ^ (unsigned char)*sql) * 1099511628211ULL;
	return (h);
}

static void
stmts_forget(struct db_conn *c)
{
	int		i;

	for (i = 0; i < c->nstmts; i++)
		free(c->stmts[i].sql);
	c->nstmts = 0;
	c->preparing = -1;
}

static int
stmt_find(const struct db_conn *c, const struct db_query *q)
{
	int		i;

	for (i = 0; i < c->nstmts; i++) {
		if (c->stmts[i].hash == q->hash &&
		    !strcmp(c->stmts[i].sql, q->sql))
			return (i);
	}
	return (-1);
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
	stmts_forget(c);	/* they died with the session */
	if (c->backoff_ms == 0)
		c->backoff_ms = DB_RETRY_MIN_MS;
	else if (c->backoff_ms < DB_RETRY_MAX_MS)
		c->backoff_ms *= 2;
	c->retry_at = kore_time_ms() + c->backoff_ms;
	if ((q = c->query) != NULL) {
		c->query = NULL;
		bg_busy -= q->bg;
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

/*
 * Send q on c.  Each connection prepares the statements it runs (up to
 * DB_STMTS_MAX, then the rest go unprepared): the parse and plan of a
 * statement the server has seen are saved on every later call, which on
 * the paid-to-token path is a good part of the server's work.  The first
 * use on a connection costs one Prepare round trip.
 */
static void
conn_send(struct db_conn *c, struct db_query *q)
{
	char		name[16];
	int		r, slot, ok;

	c->query = q;
	c->state = CONN_BUSY;
	c->error[0] = '\0';
	c->sqlstate[0] = '\0';
	slot = c->preparing >= 0 ? -1 : stmt_find(c, q);
	if (slot == -1 && c->preparing < 0 && c->nstmts < DB_STMTS_MAX) {
		slot = c->nstmts;
		snprintf(name, sizeof(name), "s%d", slot);
		c->preparing = slot;
		ok = PQsendPrepare(c->pg, name, q->sql, q->nparams, NULL);
	} else if (slot >= 0) {
		hs_metrics_self()->db_queries++;
		snprintf(name, sizeof(name), "s%d", slot);
		ok = PQsendQueryPrepared(c->pg, name, q->nparams,
		    (const char *const *)q->params, NULL, NULL, 0);
	} else {
		hs_metrics_self()->db_queries++;
		c->preparing = -1;
		ok = PQsendQueryParams(c->pg, q->sql, q->nparams, NULL,
		    (const char *const *)q->params, NULL, NULL, 0);
	}
	if (!ok) {
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

/*
 * The Prepare for c->query finished.  On success remember the statement
 * and send the query itself (returns 1: the connection stays busy); on
 * failure deliver the error as the query's (returns 0).
 */
static int
prepared(struct db_conn *c)
{
	struct db_query	*q = c->query;
	int		 slot = c->preparing;

	c->preparing = -1;
	if (c->result != NULL) {
		PQclear(c->result);
		c->result = NULL;
	}
	if (c->error[0] != '\0')
		return (0);
	if ((c->stmts[slot].sql = strdup(q->sql)) == NULL)
		fatal("db: out of memory");
	c->stmts[slot].hash = q->hash;
	c->nstmts = slot + 1;
	conn_send(c, q);
	return (c->state == CONN_BUSY);
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
			if (c->preparing >= 0 && prepared(c))
				return;
			q = c->query;
			c->query = NULL;
			bg_busy -= q->bg;
			c->state = CONN_IDLE;
			res = c->result;
			c->result = NULL;
			if (c->error[0] != '\0') {
				if (res != NULL)
					PQclear(res);
				query_finish(q, NULL, c->error, c->sqlstate);
				/*
				 * A migration changed what a prepared
				 * statement returns: start a clean session.
				 */
				if (!strcmp(c->sqlstate, "0A000") &&
				    strstr(c->error, "cached plan") != NULL) {
					conn_fail(c, "a schema change "
					    "invalidated its statements");
					return;
				}
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

/*
 * Requests first: background work (jobs, the outbox) takes an idle
 * connection only when no request waits, and never the last quarter of
 * them, so a webhook or a page never queues behind a batch of vends.
 */
static void
dispatch(void)
{
	struct db_query	*q;
	int		 i, bg_max;

	bg_max = nconns > 1 ? nconns - (nconns + 3) / 4 : 1;
	for (i = 0; i < nconns; i++) {
		if (conns[i].state != CONN_IDLE)
			continue;
		if ((q = TAILQ_FIRST(&queue)) != NULL) {
			TAILQ_REMOVE(&queue, q, list);
		} else if ((q = TAILQ_FIRST(&bgqueue)) != NULL &&
		    bg_busy < bg_max) {
			TAILQ_REMOVE(&bgqueue, q, list);
			bg_busy++;
		} else {
			break;
		}
		queued--;
		conn_send(&conns[i], q);
	}
	update_gauges();
}

static void
expire(struct db_queue *qs, uint64_t now)
{
	struct db_query	*q, *next;

	for (q = TAILQ_FIRST(qs); q != NULL; q = next) {
		next = TAILQ_NEXT(q, list);
		if (now - q->queued_at < DB_QUEUE_WAIT_MS)
			continue;
		TAILQ_REMOVE(qs, q, list);
		queued--;
		query_finish(q, NULL, "database unavailable: no connection "
		    "within 5 s", "08001");
	}
}

/* Reconnect what is down and fail queries that waited too long. */
static void
db_tick(void *arg, u_int64_t now)
{
	int		 i;

	(void)arg;
	for (i = 0; i < nconns; i++) {
		if (conns[i].state == CONN_DOWN && now >= conns[i].retry_at)
			conn_start(&conns[i]);
	}
	expire(&queue, now);
	expire(&bgqueue, now);
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
		conns[i].preparing = -1;
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
		stmts_forget(&conns[i]);
	}
}

static int
enqueue(const char *sql, int nparams, const char *const *params,
    hs_db_done_fn done, void *arg, int bg)
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
	q->hash = sql_hash(sql);
	q->bg = bg;
	TAILQ_INSERT_TAIL(bg ? &bgqueue : &queue, q, list);
	queued++;
	dispatch();
	return (0);
}

int
hs_db_query(const char *sql, int nparams, const char *const *params,
    hs_db_done_fn done, void *arg)
{
	return (enqueue(sql, nparams, params, done, arg, 0));
}

int
hs_db_query_bg(const char *sql, int nparams, const char *const *params,
    hs_db_done_fn done, void *arg)
{
	return (enqueue(sql, nparams, params, done, arg, 1));
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

char *
hs_db_array(const char *const *items, size_t n)
{
	const char	*c;
	char		*out;
	size_t		 i, len = 3, o = 0;

	for (i = 0; i < n; i++)
		len += items[i] == NULL ? 5 : 2 * strlen(items[i]) + 3;
	if ((out = malloc(len)) == NULL)
		fatal("hs_db_array: out of memory");
	out[o++] = '{';
	for (i = 0; i < n; i++) {
		if (i > 0)
			out[o++] = ',';
		if (items[i] == NULL) {
			memcpy(out + o, "NULL", 4);
			o += 4;
			continue;
		}
		out[o++] = '"';
		for (c = items[i]; *c != '\0'; c++) {
			if (*c == '"' || *c == '\\')
				out[o++] = '\\';
			out[o++] = *c;
		}
		out[o++] = '"';
	}
	out[o++] = '}';
	out[o] = '\0';
	return (out);
}
