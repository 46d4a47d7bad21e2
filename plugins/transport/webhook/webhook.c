/*
 * Signed webhooks to integrators (channel "webhook").  The recipient is the
 * integrator's URL, the body the JSON event the core built, the subject
 * the event type.  Each event is POSTed with
 *
 *   Content-Type          application/json
 *   HydroSync-Event-Id    the message id: the same on every retry, so the
 *                         integrator drops what it has already seen
 *   HydroSync-Event-Type  the subject ("token.issued", ...)
 *   HydroSync-Timestamp   Unix seconds of this attempt
 *   HydroSync-Signature   v1=hex(HMAC-SHA256(secret, timestamp "." id "."
 *                         body)), and ",v1=..." with secret_previous
 *                         while it is set, so an integrator can move to a
 *                         new secret without a gap
 *   User-Agent            the user_agent setting
 *
 * Outcomes: 2xx delivered; 410 Gone, the integrator unsubscribed:
 * permanent; 429 retried after its Retry-After; 408, 5xx, timeouts and
 * connection failures retried with the core's backoff; any other status
 * (other 4xx, 3xx: redirects are not followed) permanent.
 * docs/webhooks.md is the integrator's side of this contract.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hydrosync/plugin.h"
#include "webhook.h"

#define TIMEOUT_DEFAULT		5000
#define TIMEOUT_MAX		600000
#define USER_AGENT_DEFAULT	"HydroSync-Webhook/1.0"
#define ID_MAX			128
#define TYPE_MAX		64
#define USER_AGENT_MAX		128
#define NHEADERS		6

struct hook {
	const struct hs_host	*host;
	const char		*secret;
	const char		*previous;	/* NULL when not rotating */
	const char		*user_agent;
	uint32_t		 timeout_ms;
	struct wh_mac		 mac;
};

/* One delivery in flight. */
struct call {
	struct hook		*h;
	hs_send_done_fn		 done;
	void			*arg;
};

static const struct hs_setting_spec hook_settings[] = {
	{ "secret", 1, "signing secret shared with the integrators, at "
	    "least 32 characters" },
	{ "secret_previous", 0, "the secret being retired: while set, every "
	    "request also carries its signature" },
	{ "timeout_ms", 0, "whole-request timeout in milliseconds (default "
	    "5000)" },
	{ "user_agent", 0, "User-Agent header (default "
	    "HydroSync-Webhook/1.0)" },
	{ NULL, 0, NULL }
};

static int
hook_refuse(const struct hs_host *host, struct hook *h, const char *why)
{
	host->log(host->hctx, HS_LOG_ERR, "%s", why);
	if (h->mac.mac != NULL)
		wh_mac_close(&h->mac);
	host->free(host->hctx, h);
	return (HS_E_CONFIG);
}

static int
hook_init(const struct hs_host *host, void **pctx)
{
	struct hook	*h;
	const char	*v;
	char		*end;
	long		 ms;

	h = host->alloc(host->hctx, sizeof(*h));
	memset(h, 0, sizeof(*h));
	h->host = host;
	h->secret = host->setting(host->hctx, "secret");
	h->previous = host->setting(host->hctx, "secret_previous");
	h->user_agent = host->setting(host->hctx, "user_agent");
	h->timeout_ms = TIMEOUT_DEFAULT;

	if (h->secret == NULL || strlen(h->secret) < WH_SECRET_MIN)
		return (hook_refuse(host, h, "secret must be at least 32 "
		    "characters"));
	/* An empty secret_previous (an emptied env: variable) means none. */
	if (h->previous != NULL && h->previous[0] == '\0')
		h->previous = NULL;
	if (h->previous != NULL && strlen(h->previous) < WH_SECRET_MIN)
		return (hook_refuse(host, h, "secret_previous must be at least "
		    "32 characters"));
	if ((v = host->setting(host->hctx, "timeout_ms")) != NULL) {
		errno = 0;
		ms = strtol(v, &end, 10);
		if (end == v || *end != '\0' || errno == ERANGE || ms < 1 ||
		    ms > TIMEOUT_MAX)
			return (hook_refuse(host, h, "timeout_ms must be a "
			    "number of milliseconds, 1..600000"));
		h->timeout_ms = (uint32_t)ms;
	}
	if (h->user_agent == NULL)
		h->user_agent = USER_AGENT_DEFAULT;
	else if (!wh_header_ok(h->user_agent, USER_AGENT_MAX, 1))
		return (hook_refuse(host, h, "user_agent must be 1..128 "
		    "printable characters"));
	if (wh_mac_open(&h->mac) == -1)
		return (hook_refuse(host, h, "OpenSSL has no HMAC"));
	*pctx = h;
	return (HS_OK);
}

static void
hook_fini(void *pctx)
{
	struct hook	*h = pctx;

	wh_mac_close(&h->mac);
	h->host->free(h->host->hctx, h);
}

static const char *
resp_header(const struct hs_http_resp *resp, const char *name)
{
	size_t	i;

	for (i = 0; i < resp->nheaders; i++)
		if (resp->headers[i].name != NULL &&
		    strcasecmp(resp->headers[i].name, name) == 0)
			return (resp->headers[i].value);
	return (NULL);
}

/* One HTTP outcome as a delivery (docs/webhooks.md, "Answers, ..."). */
static void
hook_outcome(const struct hook *h, const struct hs_http_resp *resp,
    struct hs_delivery *d)
{
	int	st = resp->status;

	if (resp->error != HS_OK || st == 0) {
		d->result = HS_E_UNAVAILABLE;
		snprintf(d->detail, sizeof(d->detail), "no answer: %s",
		    resp->error_text != NULL && resp->error_text[0] != '\0' ?
		    resp->error_text : "connection failed or timed out");
		return;
	}
	if (st >= 200 && st < 300) {
		d->result = HS_OK;
		snprintf(d->detail, sizeof(d->detail), "HTTP %d", st);
		return;
	}
	if (st == 408 || st == 429 || st >= 500) {
		d->result = HS_E_UNAVAILABLE;
		/* 0 when absent: the core's own backoff and jitter apply. */
		d->retry_after_ms = wh_retry_after(resp_header(resp,
		    "retry-after"), h->host->now_ms(h->host->hctx));
		if (d->retry_after_ms != 0)
			snprintf(d->detail, sizeof(d->detail), "HTTP %d, retry "
			    "after %u ms", st, d->retry_after_ms);
		else
			snprintf(d->detail, sizeof(d->detail), "HTTP %d", st);
		return;
	}
	if (st == 410) {
		d->result = HS_E_INVALID;
		snprintf(d->detail, sizeof(d->detail), "HTTP 410 Gone: the "
		    "integrator unsubscribed this URL");
	} else if (st == 401 || st == 403) {
		d->result = HS_E_DENIED;
		snprintf(d->detail, sizeof(d->detail), "HTTP %d: the "
		    "integrator refused the signature (check the shared "
		    "secret)", st);
	} else if (st >= 300 && st < 400) {
		d->result = HS_E_INVALID;
		snprintf(d->detail, sizeof(d->detail), "HTTP %d: redirects "
		    "are not followed; register the final URL", st);
	} else {
		d->result = HS_E_INVALID;
		snprintf(d->detail, sizeof(d->detail), "HTTP %d", st);
	}
}

static void
hook_done(void *arg, const struct hs_http_resp *resp)
{
	struct call		*c = arg;
	struct hook		*h = c->h;
	struct hs_delivery	 d;

	memset(&d, 0, sizeof(d));
	d.size = sizeof(d);
	hook_outcome(h, resp, &d);
	c->done(c->arg, &d);
	h->host->free(h->host->hctx, c);
}

static int
hook_send(void *pctx, const struct hs_message *msg, hs_send_done_fn done,
    void *arg)
{
	struct hook		*h = pctx;
	struct call		*c;
	struct hs_http_header	 hd[NHEADERS];
	struct hs_http_req	 req;
	char			 ts[WH_TS_LEN], sig[WH_SIG_LEN];
	int			 rc;

	if (msg == NULL || done == NULL)
		return (HS_E_INVALID);
	if (!wh_url_ok(msg->recipient)) {
		h->host->log(h->host->hctx, HS_LOG_WARNING, "%s: not an "
		    "http:// or https:// URL", msg->message_id != NULL ?
		    msg->message_id : "(no id)");
		return (HS_E_INVALID);
	}
	if (!wh_header_ok(msg->message_id, ID_MAX, 0) ||
	    !wh_header_ok(msg->subject, TYPE_MAX, 0) ||
	    msg->body == NULL || msg->body_len == 0) {
		h->host->log(h->host->hctx, HS_LOG_WARNING, "a webhook needs "
		    "a message id, an event type (subject) of printable "
		    "characters without blanks and a body");
		return (HS_E_INVALID);
	}

	snprintf(ts, sizeof(ts), "%lld",
	    (long long)(h->host->now_ms(h->host->hctx) / 1000));
	if (wh_signature(&h->mac, h->secret, h->previous, ts, msg->message_id,
	    msg->body, msg->body_len, sig) == -1) {
		h->host->log(h->host->hctx, HS_LOG_ERR, "%s: HMAC-SHA256 "
		    "failed", msg->message_id);
		return (HS_E_INTERNAL);
	}
	hd[0].name = "Content-Type";
	hd[0].value = "application/json";
	hd[1].name = "HydroSync-Event-Id";
	hd[1].value = msg->message_id;
	hd[2].name = "HydroSync-Event-Type";
	hd[2].value = msg->subject;
	hd[3].name = "HydroSync-Timestamp";
	hd[3].value = ts;
	hd[4].name = "HydroSync-Signature";
	hd[4].value = sig;
	hd[5].name = "User-Agent";
	hd[5].value = h->user_agent;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.method = "POST";
	req.url = msg->recipient;
	req.headers = hd;
	req.nheaders = NHEADERS;
	req.body = msg->body;
	req.body_len = msg->body_len;
	req.timeout_ms = h->timeout_ms;

	c = h->host->alloc(h->host->hctx, sizeof(*c));
	c->h = h;
	c->done = done;
	c->arg = arg;
	if ((rc = h->host->http_request(h->host->hctx, &req, hook_done,
	    c)) != HS_OK) {
		/* done never runs; the core records rc itself. */
		h->host->free(h->host->hctx, c);
		return (rc);
	}
	return (HS_E_PENDING);
}

static const struct hs_transport_ops hook_ops = {
	.size = sizeof(struct hs_transport_ops),
	.channel = "webhook",
	.max_rate = 0,
	.send = hook_send,
	.verify_status = NULL,
};

static const struct hs_plugin hook_plugin = {
	.size = sizeof(struct hs_plugin),
	.abi = HS_ABI_VERSION,
	.kind = HS_KIND_TRANSPORT,
	.caps = 0,
	.name = "webhook",
	.version = "1.1",
	.description = "signed webhooks to integrators",
	.settings = hook_settings,
	.init = hook_init,
	.fini = hook_fini,
	.ops = &hook_ops,
};

HS_EXPORT const struct hs_plugin *
hs_plugin_entry(uint32_t host_abi)
{
	if (HS_ABI_MAJOR_OF(host_abi) != HS_ABI_MAJOR)
		return (NULL);
	return (&hook_plugin);
}
