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
	msg.body = r->http->http_body ? (const char *)r->http->http_body->data
	    : "";
	msg.body_len = r->http->http_body ? r->http->http_body->offset : 0;

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
