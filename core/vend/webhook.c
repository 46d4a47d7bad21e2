/*
 * POST /api/v1/payments/{provider}/notify: a payment provider tells us a
 * payment changed.
 *
 * The plugin verifies the raw request (signature, shared token, age)
 * before anything in it is believed, and parses it into an event.  A
 * forged or stale notification is refused with 401 and logged; nothing is
 * written.  A verified one goes to hs_payment_event(), which records the
 * raw event once per (provider, event id) and, in the same transaction,
 * marks the purchase paid and queues its vend job.  Duplicates (providers
 * re-deliver until they see a 2xx) are answered 200 and change nothing.
 * The browser's return from the provider's page is never trusted: only
 * this route and the reconciliation job's status queries mark payments.
 */
#include <string.h>

#include "http/routes.h"
#include "jobs/jobs.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "server/fault.h"
#include "server/server.h"
#include "vend/vend.h"

#define HEADERS_MAX	64

struct webhook {
	char			 lower[HEADERS_MAX][64];
	struct hs_http_header	 headers[HEADERS_MAX];
	size_t			 n;
};

static int
webhook_verify(struct hs_req *r)
{
	const struct hs_payment_ops	*ops;
	struct hs_plugin_slot		*slot;
	struct hs_payment_event		 ev;
	struct webhook			 w;
	const void			*body;
	const char			*state, *params[8];
	char				 amount[24], addr[64];
	size_t				 len;
	int				 counter, rc;

	if ((slot = hs_vend_provider(r->params[0], &counter)) == NULL ||
	    (ops = hs_plugin_payment(slot)) == NULL)
		return (hs_reply_error(r, 404, "not_found", "no payment "
		    "provider of that name", NULL));
	body = hs_req_body(r, &len);
	w.n = hs_req_headers(r, w.headers, w.lower, HEADERS_MAX);
	memset(&ev, 0, sizeof(ev));
	ev.size = sizeof(ev);
	rc = ops->verify_notification(slot->pctx, w.headers, w.n, body, len,
	    &ev);
	hs_req_address(r, addr, sizeof(addr));
	if (rc == HS_E_DENIED) {
		hs_metrics_self()->webhooks_rejected++;
		hs_log(HS_LOG_WARNING, "payment.rejected", "provider %s: a "
		    "notification from %s failed verification (forged, "
		    "tampered or stale); nothing was changed", r->params[0],
		    addr);
		return (hs_reply_error(r, 401, "unverified", "the "
		    "notification's signature or age does not verify", NULL));
	}
	if (rc == HS_E_NOTSUP)
		return (hs_reply_error(r, 404, "not_found", "this provider "
		    "sends no notifications", NULL));
	state = rc == HS_OK ? hs_vend_pay_state(ev.state) : NULL;
	if (state == NULL || ev.event_id[0] == '\0' ||
	    ev.order_id[0] == '\0') {
		hs_metrics_self()->webhooks_rejected++;
		hs_log(HS_LOG_WARNING, "payment.malformed", "provider %s: a "
		    "notification from %s could not be parsed (%d)",
		    r->params[0], addr, rc);
		return (hs_reply_error(r, 400, "malformed", "the notification "
		    "cannot be read", NULL));
	}
	snprintf(amount, sizeof(amount), "%lld", (long long)ev.amount);
	params[0] = r->params[0];
	params[1] = ev.event_id;
	params[2] = ev.order_id;
	params[3] = ev.provider_ref[0] ? ev.provider_ref : NULL;
	params[4] = state;
	params[5] = amount;
	params[6] = "webhook";
	params[7] = len > 0 ? (const char *)body : NULL;
	/* The body is not NUL-terminated; copy it into a C string. */
	if (len > 0) {
		char	*copy;
		int	 q;

		if ((copy = malloc(len + 1)) == NULL)
			fatal("webhook: out of memory");
		memcpy(copy, body, len);
		copy[len] = '\0';
		if (strlen(copy) != len)
			copy[0] = '\0';		/* binary: not kept */
		params[7] = copy;
		q = hs_req_query(r, "SELECT hs_payment_event($1, $2, $3, $4, "
		    "$5, $6::bigint, $7, $8)", 8, params);
		free(copy);
		return (q);
	}
	return (hs_req_query(r, "SELECT hs_payment_event($1, $2, $3, $4, $5, "
	    "$6::bigint, $7, $8)", 8, params));
}

int
hs_vend_webhook(struct hs_req *r)
{
	const char	*outcome;
	char		 reply[96];

	if (r->phase == 0)
		return (webhook_verify(r));
	if (r->error[0] != '\0') {
		/* Not recorded: the provider retries until it sees a 2xx. */
		hs_log(HS_LOG_WARNING, "payment.unrecorded", "provider %s: %s",
		    r->params[0], r->error);
		return (hs_reply_error(r, 503, "unavailable", "not recorded; "
		    "deliver again", NULL));
	}
	outcome = PQgetvalue(r->res, 0, 0);
	hs_fault("payment.after_record");
	if (!strcmp(outcome, "paid"))
		hs_jobs_wake();
	if (!strcmp(outcome, "duplicate"))
		hs_metrics_self()->webhooks_duplicate++;
	else
		hs_metrics_self()->webhooks_accepted++;
	if (strcmp(outcome, "duplicate") && strcmp(outcome, "paid") &&
	    strcmp(outcome, "pending") && strcmp(outcome, "already_paid"))
		hs_log(HS_LOG_NOTICE, "payment.event", "provider %s: %s",
		    r->params[0], outcome);
	snprintf(reply, sizeof(reply), "{\"outcome\": \"%s\"}", outcome);
	return (hs_reply(r, 200, "application/json", reply, strlen(reply)));
}
