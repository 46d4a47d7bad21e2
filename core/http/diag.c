/*
 * Diagnostics routes, served only when hydrosync.conf says
 * `diagnostics yes` (the integration tests do; production never should).
 * They let a test drive a plugin or the database directly so that the
 * foundation can be checked before the features that use it exist.
 */
#include <stdlib.h>
#include <string.h>

#include "http/routes.h"
#include "http/json.h"
#include "plugin/loader.h"
#include "net/wsc.h"
#include "jobs/jobs.h"
#include "obs/log.h"
#include "server/server.h"

struct diag_send {
	struct hs_ticket	*ticket;
	struct hs_delivery	 d;
};

static void
diag_sent(void *arg, const struct hs_delivery *d)
{
	struct hs_ticket	*t = arg;
	struct hs_req		*r;
	struct hs_delivery	*copy;

	if ((r = hs_ticket_req(t)) != NULL) {
		copy = malloc(sizeof(*copy));
		if (copy == NULL)
			fatal("diag: out of memory");
		*copy = *d;
		r->data = copy;
		r->data_free = free;
	}
	hs_ticket_resume(t);
}

static int
diag_reply(struct hs_req *r, const struct hs_delivery *d)
{
	struct kore_buf	buf;
	struct hs_json	j;

	kore_buf_init(&buf, 256);
	hs_json_init(&j, &buf);
	hs_json_object(&j);
	hs_json_kint(&j, "result", d->result);
	hs_json_kstr(&j, "detail", d->detail);
	hs_json_end_object(&j);
	hs_reply_json(r, d->result == HS_OK ? 200 : 502, &buf);
	kore_buf_cleanup(&buf);
	return (HS_DONE);
}

int
hs_diag_transport(struct hs_req *r)
{
	struct hs_plugin_slot		*slot;
	const struct hs_transport_ops	*ops;
	struct hs_message		 msg;
	struct hs_ticket		*t;
	char				 id[64];
	int				 rc;

	if (r->phase > 0)
		return (diag_reply(r, r->data));

	slot = hs_server_plugin(r->params[0]);
	if (slot == NULL || (ops = hs_plugin_transport(slot)) == NULL)
		return (hs_reply_error(r, 404, "not_found",
		    "no transport plugin of that name", "name"));

	memset(&msg, 0, sizeof(msg));
	msg.size = sizeof(msg);
	snprintf(id, sizeof(id), "diag-%llu",
	    (unsigned long long)r->start_us);
	msg.message_id = id;
	msg.recipient = "diagnostics";
	msg.body = hs_req_body(r, &msg.body_len);

	t = hs_req_ticket(r);
	rc = ops->send(slot->pctx, &msg, diag_sent, t);
	if (rc != HS_OK && rc != HS_E_PENDING) {
		struct hs_delivery	d;

		memset(&d, 0, sizeof(d));
		d.result = rc;
		snprintf(d.detail, sizeof(d.detail), "send refused (%d)", rc);
		diag_sent(t, &d);
	}
	return (HS_AGAIN);
}

/* Answer after pg_sleep(ms/1000): shows a slow query blocks nothing. */
int
hs_diag_sleep(struct hs_req *r)
{
	const char	*params[1];
	char		 secs[32];
	long		 ms;

	if (r->phase == 0) {
		ms = 100;
		snprintf(secs, sizeof(secs), "%.3f", (double)ms / 1000.0);
		params[0] = secs;
		return (hs_req_query(r, "SELECT pg_sleep($1::float8)", 1,
		    params));
	}
	if (r->error[0] != '\0')
		return (hs_reply_error(r, 503, "database", r->error, NULL));
	return (hs_reply(r, 200, "application/json", "{\"slept\":true}", 14));
}

/* Kore calls these by name for the echo socket. */
void	hs_diag_ws_connect(struct connection *);
void	hs_diag_ws_message(struct connection *, u_int8_t, void *, size_t);
void	hs_diag_ws_disconnect(struct connection *);

void
hs_diag_ws_connect(struct connection *c)
{
	(void)c;
}

void
hs_diag_ws_message(struct connection *c, u_int8_t op, void *data,
    size_t len)
{
	kore_websocket_send(c, op, data, len);
}

void
hs_diag_ws_disconnect(struct connection *c)
{
	(void)c;
}

int
hs_diag_ws_echo(struct hs_req *r)
{
	kore_websocket_handshake(r->http, "hs_diag_ws_connect",
	    "hs_diag_ws_message", "hs_diag_ws_disconnect");
	return (HS_DONE);
}

static void	diag_ws_free(void *);

struct diag_ws {
	struct hs_ticket	*ticket;
	char			*echo;
	int			 code;
};

static void
diag_ws_message(void *arg, struct hs_ws *ws, const void *data, size_t len,
    int binary)
{
	struct diag_ws	*d = arg;

	(void)binary;
	if (d->echo == NULL && (d->echo = malloc(len + 1)) != NULL) {
		memcpy(d->echo, data, len);
		d->echo[len] = '\0';
	}
	hs_wsc_close(ws);
}

static void
diag_ws_close(void *arg, struct hs_ws *ws, int code, const char *reason)
{
	struct diag_ws	*d = arg;
	struct hs_req	*r;

	(void)ws;
	(void)reason;
	d->code = code;
	if ((r = hs_ticket_req(d->ticket)) != NULL) {
		r->data = d;
		r->data_free = diag_ws_free;
	} else {
		diag_ws_free(d);
	}
	hs_ticket_resume(d->ticket);
}

static void
diag_ws_free(void *arg)
{
	struct diag_ws	*d = arg;

	free(d->echo);
	free(d);
}

int
hs_diag_ws_roundtrip(struct hs_req *r)
{
	static const struct hs_ws_events	 events = {
		sizeof(struct hs_ws_events), NULL, diag_ws_message,
		diag_ws_close
	};
	struct hs_ws_conf	 conf;
	struct hs_ws		*ws;
	struct diag_ws		*d;
	struct kore_buf		 buf;
	struct hs_json		 j;
	const void		*body;
	size_t			 len;
	char			 url[256];

	if (r->phase > 0) {
		d = r->data;
		kore_buf_init(&buf, 256);
		hs_json_init(&j, &buf);
		hs_json_object(&j);
		hs_json_kstr(&j, "echo", d->echo);
		hs_json_kint(&j, "close_code", d->code);
		hs_json_end_object(&j);
		hs_reply_json(r, d->echo != NULL ? 200 : 502, &buf);
		kore_buf_cleanup(&buf);
		return (HS_DONE);
	}
	snprintf(url, sizeof(url), "ws://127.0.0.1:%s/_diag/ws/echo",
	    r->params[0]);
	memset(&conf, 0, sizeof(conf));
	conf.size = sizeof(conf);
	conf.url = url;
	conf.connect_timeout_ms = 3000;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		fatal("diag: out of memory");
	if ((ws = hs_wsc_connect(&conf, &events, d)) == NULL) {
		free(d);
		return (hs_reply_error(r, 400, "bad_url", "cannot connect",
		    "port"));
	}
	d->ticket = hs_req_ticket(r);
	/* Queued until the socket opens. */
	body = hs_req_body(r, &len);
	hs_wsc_send(ws, body, len, 0);
	return (HS_AGAIN);
}

/* The route table as the dispatcher enforces it, for the role matrix. */
int
hs_diag_routes(struct hs_req *r)
{
	static const struct {
		uint32_t	 bit;
		const char	*name;
	} roles[] = {
		{ HS_ROLE_PUBLIC, "public" }, { HS_ROLE_ADMIN, "admin" },
		{ HS_ROLE_OPERATOR, "operator" }, { HS_ROLE_CASHIER, "cashier" },
		{ HS_ROLE_TECHNICIAN, "technician" },
		{ HS_ROLE_CUSTOMER, "customer" },
		{ HS_ROLE_INTEGRATOR, "integrator" }, { HS_ROLE_DIAG, "diag" },
	};
	const struct hs_route	*t;
	struct kore_buf		 buf;
	struct hs_json		 j;
	size_t			 i, k, n;

	t = hs_router_table(&n);
	kore_buf_init(&buf, 4096);
	hs_json_init(&j, &buf);
	hs_json_array(&j);
	for (i = 0; i < n; i++) {
		hs_json_object(&j);
		hs_json_kstr(&j, "method", t[i].method);
		hs_json_kstr(&j, "path", t[i].path);
		hs_json_kstr(&j, "permission", t[i].permission);
		hs_json_key(&j, "roles");
		hs_json_array(&j);
		for (k = 0; k < sizeof(roles) / sizeof(roles[0]); k++) {
			if (t[i].roles & roles[k].bit)
				hs_json_string(&j, roles[k].name);
		}
		hs_json_end_array(&j);
		hs_json_end_object(&j);
	}
	hs_json_end_array(&j);
	hs_reply_json(r, 200, &buf);
	kore_buf_cleanup(&buf);
	return (HS_DONE);
}

/* Job kinds for the job runner's tests: one that succeeds, one that
 * always fails (retried with a short backoff, then given up), one that
 * takes its time. */
static void
diag_job_noop(struct hs_job *job)
{
	hs_job_finish(job, 1, NULL, 0, 0);
}

static void
diag_job_fail(struct hs_job *job)
{
	hs_job_finish(job, 0, "diag.fail always fails", 0, 0);
}

static void
diag_job_slow_done(void *arg, u_int64_t now)
{
	(void)now;
	hs_job_finish(arg, 1, NULL, 0, 0);
}

/* Runs for {"ms": N} milliseconds without blocking the worker, as a job
 * waiting on a slow provider does. */
static void
diag_job_slow(struct hs_job *job)
{
	const char	*p = strstr(job->payload, "\"ms\":");
	long		 ms = p != NULL ? strtol(p + 5, NULL, 10) : 0;

	if (ms <= 0 || ms > 600000) {
		hs_job_finish(job, 0, "diag.slow: ms 1-600000", 0, 1);
		return;
	}
	kore_timer_add(diag_job_slow_done, (u_int64_t)ms, job, 1);
}

void
hs_diag_jobs_register(void)
{
	hs_jobs_register("diag.noop", diag_job_noop, 3, 100);
	hs_jobs_register("diag.fail", diag_job_fail, 3, 100);
	hs_jobs_register("diag.slow", diag_job_slow, 3, 100);
}
