/*
 * The host services a plugin receives (struct hs_host).  Each call gets
 * hctx, which the loader pointed at the plugin's slot, so the host knows
 * which plugin is asking: its logs are attributed and its settings scoped.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <openssl/rand.h>

#include <kore/kore.h>

#include "net/httpc.h"
#include "net/wsc.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "db/db.h"
#include "server/server.h"

static void	host_log(void *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
host_log(void *hctx, int level, const char *fmt, ...)
{
	struct hs_plugin_slot	*slot = hctx;
	va_list			 ap;

	va_start(ap, fmt);
	hs_logv(level, "plugin", slot->conf->name, fmt, ap);
	va_end(ap);
}

static const char *
host_setting(void *hctx, const char *key)
{
	return (hs_plugin_setting(hctx, key));
}

static int64_t
host_now_ms(void *hctx)
{
	struct timeval	tv;

	(void)hctx;
	gettimeofday(&tv, NULL);
	return ((int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000);
}

static int
host_random(void *hctx, void *buf, size_t len)
{
	(void)hctx;
	if (len > INT32_MAX || RAND_bytes(buf, (int)len) != 1)
		return (HS_E_INTERNAL);
	return (HS_OK);
}

static void *
host_alloc(void *hctx, size_t len)
{
	void	*p;

	(void)hctx;
	if ((p = calloc(1, len ? len : 1)) == NULL)
		fatal("plugin allocation of %zu bytes failed", len);
	return (p);
}

static void
host_free(void *hctx, void *p)
{
	(void)hctx;
	free(p);
}

static int
host_http_request(void *hctx, const struct hs_http_req *req,
    hs_http_done_fn done, void *arg)
{
	(void)hctx;
	if (req == NULL || req->size < offsetof(struct hs_http_req,
	    timeout_ms) + sizeof(req->timeout_ms))
		return (HS_E_INVALID);
	return (hs_httpc_request(req, done, arg));
}

struct enqueue {
	char	kind[64];
};

static void
enqueued(void *arg, PGresult *res, const char *error, const char *state)
{
	struct enqueue	*e = arg;

	(void)state;
	if (res != NULL)
		PQclear(res);
	if (error != NULL)
		hs_log(HS_LOG_ERR, "jobs.enqueue", "job %s not enqueued: %s",
		    e->kind, error);
	free(e);
}

/*
 * The insert is asynchronous; the job exists once it commits.  A plugin
 * that must not lose a job passes a dedupe key and may enqueue again.
 */
static int
host_job_enqueue(void *hctx, const char *kind, const char *payload,
    const char *dedupe_key)
{
	struct hs_plugin_slot	*slot = hctx;
	struct enqueue		*e;
	const char		*params[4];

	if (kind == NULL || payload == NULL || strlen(kind) >= 64)
		return (HS_E_INVALID);
	if ((e = calloc(1, sizeof(*e))) == NULL)
		fatal("job enqueue: out of memory");
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	params[0] = kind;
	params[1] = payload;
	params[2] = dedupe_key;
	params[3] = slot->conf->name;
	if (hs_db_query("SELECT hs_job_enqueue($1, $2::jsonb, $3, $4)", 4,
	    params, enqueued, e) == -1) {
		free(e);
		return (HS_E_UNAVAILABLE);
	}
	hs_metrics_self()->jobs_enqueued++;
	return (HS_OK);
}

static struct hs_ws *
host_ws_connect(void *hctx, const struct hs_ws_conf *conf,
    const struct hs_ws_events *events, void *arg)
{
	(void)hctx;
	if (conf == NULL || conf->size < offsetof(struct hs_ws_conf,
	    connect_timeout_ms) + sizeof(conf->connect_timeout_ms) ||
	    events == NULL || events->size < offsetof(struct hs_ws_events,
	    on_close) + sizeof(events->on_close))
		return (NULL);
	return (hs_wsc_connect(conf, events, arg));
}

static int
host_ws_send(void *hctx, struct hs_ws *ws, const void *data, size_t len,
    int binary)
{
	(void)hctx;
	return (hs_wsc_send(ws, data, len, binary));
}

static void
host_ws_close(void *hctx, struct hs_ws *ws)
{
	(void)hctx;
	hs_wsc_close(ws);
}

struct hs_timer {
	struct kore_timer	*kt;
	hs_timer_fn		 fn;
	void			*arg;
};

static void
host_timer_fire(void *arg, u_int64_t now)
{
	struct hs_timer	*t = arg;
	hs_timer_fn	 fn = t->fn;
	void		*fn_arg = t->arg;

	(void)now;
	/* Kore frees a one-shot timer after this returns; ours goes now. */
	free(t);
	fn(fn_arg);
}

static struct hs_timer *
host_timer(void *hctx, uint32_t ms, hs_timer_fn fn, void *arg)
{
	struct hs_timer	*t;

	(void)hctx;
	if (fn == NULL)
		return (NULL);
	if ((t = calloc(1, sizeof(*t))) == NULL)
		fatal("host: out of memory");
	t->fn = fn;
	t->arg = arg;
	t->kt = kore_timer_add(host_timer_fire, ms, t, KORE_TIMER_ONESHOT);
	return (t);
}

static void
host_timer_cancel(void *hctx, struct hs_timer *t)
{
	(void)hctx;
	if (t == NULL)
		return;
	kore_timer_remove(t->kt);
	free(t);
}

struct push_call {
	hs_push_done_fn	 done;
	void		*arg;
};

static void
pushed(void *arg, PGresult *res, const char *error, const char *state)
{
	struct push_call	*p = arg;

	(void)state;
	if (res != NULL)
		PQclear(res);
	p->done(p->arg, error == NULL ? HS_OK : HS_E_UNAVAILABLE);
	free(p);
}

/*
 * NOTIFY hs_push: every worker of every node hears it on its LISTEN
 * connection and passes it to its own sockets of that audience.
 */
static int
host_push(void *hctx, const char *audience, const void *json, size_t len,
    hs_push_done_fn done, void *arg)
{
	struct push_call	*p;
	const char		*params[2];
	char			*text;
	int			 rc;

	(void)hctx;
	if (audience == NULL || json == NULL || done == NULL || len == 0 ||
	    len > 7000 || (strncmp(audience, "customer:", 9) &&
	    strncmp(audience, "user:", 5)))
		return (HS_E_INVALID);
	if ((text = malloc(len + 1)) == NULL ||
	    (p = calloc(1, sizeof(*p))) == NULL)
		fatal("push: out of memory");
	memcpy(text, json, len);
	text[len] = '\0';
	p->done = done;
	p->arg = arg;
	params[0] = audience;
	params[1] = text;
	/* Without waiting for the WAL flush: migration 0027. */
	rc = hs_db_query("SELECT hs_notify_async('hs_push', jsonb_build_object("
	    "'audience', $1::text, 'data', $2::text)::text)", 2, params,
	    pushed, p);
	free(text);
	if (rc == -1) {
		free(p);
		return (HS_E_UNAVAILABLE);
	}
	return (HS_OK);
}

void
hs_host_template(struct hs_host *host)
{
	memset(host, 0, sizeof(*host));
	host->size = sizeof(*host);
	host->abi = HS_ABI_VERSION;
	host->log = host_log;
	host->setting = host_setting;
	host->now_ms = host_now_ms;
	host->random = host_random;
	host->alloc = host_alloc;
	host->free = host_free;
	host->http_request = host_http_request;
	host->job_enqueue = host_job_enqueue;
	host->ws_connect = host_ws_connect;
	host->ws_send = host_ws_send;
	host->ws_close = host_ws_close;
	host->push = host_push;
	host->timer = host_timer;
	host->timer_cancel = host_timer_cancel;
}
