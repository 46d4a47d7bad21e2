/*
 * Signed webhooks to integrators (channel "webhook"): the recipient is the
 * integrator's URL, the body the event as JSON, the subject its type.
 *
 *   HydroSync-Event-Id    the message id: the same on every retry, so the
 *                         integrator drops what it has seen
 *   HydroSync-Event-Type  token, low_balance, payment, tamper, ...
 *   HydroSync-Timestamp   Unix seconds; integrators refuse old ones
 *   HydroSync-Signature   v1=hex(HMAC-SHA256(secret, timestamp "." id "."
 *                         body)), one v1= per secret: while
 *                         secret_previous is set both are sent, so an
 *                         integrator can move to a new secret without a
 *                         gap
 *
 * 2xx delivered; 410 Gone: the integrator unsubscribed, permanent; 408,
 * 429 (Retry-After honoured), 5xx, timeouts: retried by the core; other
 * 4xx permanent.  docs/webhooks.md is the integrator's side.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hydrosync/plugin.h"
#include "../../lib/phttp.h"

#define SECRET_MIN	32

struct hook {
	const struct hs_host	*host;
	const char		*secret;
	const char		*previous;
	uint32_t		 timeout_ms;
};

struct call {
	struct hook	*h;
	hs_send_done_fn	 done;
	void		*arg;
};

static const struct hs_setting_spec hook_settings[] = {
	{ "secret", 1, "signing secret shared with the integrators (32+)" },
	{ "secret_previous", 0, "the old secret, also signed with during a "
	    "rotation" },
	{ "timeout_ms", 0, "request timeout (default 5000)" },
	{ NULL, 0, NULL }
};

static int
hook_init(const struct hs_host *host, void **pctx)
{
	struct hook	*h;
	const char	*v;

	h = host->alloc(host->hctx, sizeof(*h));
	h->host = host;
	h->secret = host->setting(host->hctx, "secret");
	h->previous = host->setting(host->hctx, "secret_previous");
	h->timeout_ms = 5000;
	if ((v = host->setting(host->hctx, "timeout_ms")) != NULL)
		h->timeout_ms = (uint32_t)strtoul(v, NULL, 10);
	if (h->secret == NULL || strlen(h->secret) < SECRET_MIN ||
	    (h->previous != NULL && strlen(h->previous) < SECRET_MIN)) {
		host->log(host->hctx, HS_LOG_ERR, "secret (and secret_previous) "
		    "must be at least %d characters", SECRET_MIN);
		host->free(host->hctx, h);
		return (HS_E_CONFIG);
	}
	if (h->timeout_ms < 100 || h->timeout_ms > 60000) {
		host->log(host->hctx, HS_LOG_ERR, "timeout_ms must be "
		    "100..60000");
		host->free(host->hctx, h);
		return (HS_E_CONFIG);
	}
	*pctx = h;
	return (HS_OK);
}

static void
hook_fini(void *pctx)
{
	struct hook	*h = pctx;

	h->host->free(h->host->hctx, h);
}

static int
sign(const char *secret, const char *ts, const char *id, const char *body,
    size_t len, char out[65])
{
	unsigned char	 mac[32], *msg;
	unsigned int	 maclen = sizeof(mac);
	size_t		 tl = strlen(ts), il = strlen(id), i;

	if ((msg = malloc(tl + il + 2 + len)) == NULL)
		return (-1);
	memcpy(msg, ts, tl);
	msg[tl] = '.';
	memcpy(msg + tl + 1, id, il);
	msg[tl + 1 + il] = '.';
	memcpy(msg + tl + il + 2, body, len);
	HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, tl + il + 2 + len,
	    mac, &maclen);
	free(msg);
	for (i = 0; i < 32; i++)
		snprintf(out + i * 2, 3, "%02x", mac[i]);
	return (0);
}

static void
hook_done(void *arg, const struct hs_http_resp *resp)
{
	struct call		*c = arg;
	struct hs_delivery	 d;
	const char		*ra;

	memset(&d, 0, sizeof(d));
	d.size = sizeof(d);
	if (resp->status == 408)
		d.result = HS_E_UNAVAILABLE;
	else if ((d.result = phttp_result(resp)) == HS_E_CONFIG)
		d.result = HS_E_INVALID;	/* the integrator's 401/403 */
	if (resp->status == 429 && (ra = phttp_header(resp->headers,
	    resp->nheaders, "retry-after")) != NULL)
		d.retry_after_ms = (uint32_t)strtoul(ra, NULL, 10) * 1000;
	if (d.result != HS_OK)
		snprintf(d.detail, sizeof(d.detail), "HTTP %d %s%s",
		    resp->status, resp->error_text ? resp->error_text : "",
		    resp->status == 410 ? " (unsubscribed)" : "");
	c->done(c->arg, &d);
	c->h->host->free(c->h->host->hctx, c);
}

static int
hook_send(void *pctx, const struct hs_message *msg, hs_send_done_fn done,
    void *arg)
{
	struct hook		*h = pctx;
	struct call		*c;
	struct hs_http_header	 hd[6];
	struct hs_http_req	 req;
	char			 ts[24], s1[65], s2[65], sig[160];
	int			 rc;

	if (msg->recipient == NULL || (strncmp(msg->recipient, "http://", 7) &&
	    strncmp(msg->recipient, "https://", 8)) || msg->body_len == 0)
		return (HS_E_INVALID);
	snprintf(ts, sizeof(ts), "%lld",
	    (long long)(h->host->now_ms(h->host->hctx) / 1000));
	if (sign(h->secret, ts, msg->message_id, msg->body, msg->body_len,
	    s1) == -1)
		return (HS_E_INTERNAL);
	if (h->previous != NULL) {
		if (sign(h->previous, ts, msg->message_id, msg->body,
		    msg->body_len, s2) == -1)
			return (HS_E_INTERNAL);
		snprintf(sig, sizeof(sig), "v1=%s,v1=%s", s1, s2);
	} else
		snprintf(sig, sizeof(sig), "v1=%s", s1);
	hd[0].name = "Content-Type";
	hd[0].value = "application/json";
	hd[1].name = "HydroSync-Event-Id";
	hd[1].value = msg->message_id;
	hd[2].name = "HydroSync-Event-Type";
	hd[2].value = msg->subject ? msg->subject : "event";
	hd[3].name = "HydroSync-Timestamp";
	hd[3].value = ts;
	hd[4].name = "HydroSync-Signature";
	hd[4].value = sig;
	hd[5].name = "User-Agent";
	hd[5].value = "HydroSync-Webhook/1.0";
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.method = "POST";
	req.url = msg->recipient;
	req.headers = hd;
	req.nheaders = 6;
	req.body = msg->body;
	req.body_len = msg->body_len;
	req.timeout_ms = h->timeout_ms;
	c = h->host->alloc(h->host->hctx, sizeof(*c));
	c->h = h;
	c->done = done;
	c->arg = arg;
	if ((rc = h->host->http_request(h->host->hctx, &req, hook_done, c)) !=
	    HS_OK)
		h->host->free(h->host->hctx, c);
	return (rc);
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
	.name = "webhook",
	.version = "1.0",
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
