/*
 * The sandbox payment provider: HydroSync's own test gateway, for demos,
 * `make run` and the tests (build/bin/hs-fakepay plays it).  It follows
 * the shape of the real providers so a demo walks the production path:
 * create, a pay page, a signed notification, status queries.  The
 * contract is in docs/payments.md.
 *
 *   create        POST {base_url}/sandbox/v1/payments  (Bearer api_key)
 *   notification  X-Sandbox-Timestamp, X-Sandbox-Signature =
 *                 hex(HMAC-SHA256(api_key, timestamp "." body)); older
 *                 than max_age or over 60 s ahead: stale, refused
 *   status        GET {base_url}/sandbox/v1/payments/{order_id}
 *   cancel        POST {base_url}/sandbox/v1/payments/{order_id}/cancel
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hydrosync/plugin.h"
#include "../../lib/phttp.h"
#include "../../lib/pjson.h"

#define KEY_MIN		16
#define FUTURE_SKEW_S	60

struct sandbox {
	const struct hs_host	*host;
	const char		*base_url;
	const char		*api_key;
	const char		*method;	/* redirect, va, qris, code */
	long			 max_age;
};

struct call {
	struct sandbox		*sb;
	int			 kind;		/* CALL_* */
	hs_payment_created_fn	 created;
	hs_payment_status_fn	 status;
	void			*arg;
	char			 order_id[128];
};

#define CALL_CREATE	1
#define CALL_STATUS	2

static const struct hs_setting_spec sandbox_settings[] = {
	{ "base_url", 1, "the gateway, e.g. http://127.0.0.1:8890" },
	{ "api_key", 1, "shared secret: API bearer and notification key" },
	{ "method", 0, "redirect (default), va, qris or code" },
	{ "max_age", 0, "seconds a notification stays valid (default 300)" },
	{ NULL, 0, NULL }
};

static int
sandbox_init(const struct hs_host *host, void **pctx)
{
	struct sandbox	*sb;
	const char	*v;

	sb = host->alloc(host->hctx, sizeof(*sb));
	sb->host = host;
	sb->base_url = host->setting(host->hctx, "base_url");
	sb->api_key = host->setting(host->hctx, "api_key");
	sb->method = host->setting(host->hctx, "method");
	sb->max_age = 300;
	if ((v = host->setting(host->hctx, "max_age")) != NULL)
		sb->max_age = strtol(v, NULL, 10);
	if (sb->method == NULL)
		sb->method = "redirect";
	if (strncmp(sb->base_url, "http://", 7) &&
	    strncmp(sb->base_url, "https://", 8)) {
		host->log(host->hctx, HS_LOG_ERR, "base_url must be an http(s) "
		    "URL");
		goto bad;
	}
	if (sb->api_key == NULL || strlen(sb->api_key) < KEY_MIN) {
		host->log(host->hctx, HS_LOG_ERR, "api_key must be at least %d "
		    "characters", KEY_MIN);
		goto bad;
	}
	if (strcmp(sb->method, "redirect") && strcmp(sb->method, "va") &&
	    strcmp(sb->method, "qris") && strcmp(sb->method, "code")) {
		host->log(host->hctx, HS_LOG_ERR, "method must be redirect, va, "
		    "qris or code");
		goto bad;
	}
	if (sb->max_age < 10 || sb->max_age > 86400) {
		host->log(host->hctx, HS_LOG_ERR, "max_age must be 10..86400");
		goto bad;
	}
	*pctx = sb;
	return (HS_OK);
bad:
	host->free(host->hctx, sb);
	return (HS_E_CONFIG);
}

static void
sandbox_fini(void *pctx)
{
	struct sandbox	*sb = pctx;

	sb->host->free(sb->host->hctx, sb);
}

static int
map_state(const char *s)
{
	if (!strcmp(s, "pending"))
		return (HS_PAY_PENDING);
	if (!strcmp(s, "paid"))
		return (HS_PAY_PAID);
	if (!strcmp(s, "declined"))
		return (HS_PAY_FAILED);
	if (!strcmp(s, "expired"))
		return (HS_PAY_EXPIRED);
	if (!strcmp(s, "cancelled"))
		return (HS_PAY_CANCELLED);
	return (0);
}

/* A payment object from the gateway, as an event. */
static int
parse_payment(const char *body, size_t len, struct hs_payment_event *ev)
{
	char	status[32];

	if (pjson_string(body, len, "order_id", ev->order_id,
	    sizeof(ev->order_id)) != 0 ||
	    pjson_string(body, len, "id", ev->provider_ref,
	    sizeof(ev->provider_ref)) != 0 ||
	    pjson_string(body, len, "status", status, sizeof(status)) != 0 ||
	    pjson_int(body, len, "amount", &ev->amount) != 0 ||
	    (ev->state = map_state(status)) == 0)
		return (HS_E_INVALID);
	if ((size_t)snprintf(ev->event_id, sizeof(ev->event_id), "status:%.64s:"
	    "%.31s", ev->order_id, status) >= sizeof(ev->event_id))
		return (HS_E_INVALID);
	return (HS_OK);
}

static void
call_done(void *arg, const struct hs_http_resp *resp)
{
	struct call			*c = arg;
	struct hs_payment_created	 cr;
	struct hs_payment_event		 ev;
	const char			*b = resp->body;
	size_t				 n = resp->body_len;
	int				 rc = phttp_result(resp);

	if (c->kind == CALL_CREATE) {
		memset(&cr, 0, sizeof(cr));
		cr.size = sizeof(cr);
		if (rc == HS_OK && (pjson_string(b, n, "id", cr.provider_ref,
		    sizeof(cr.provider_ref)) != 0 || pjson_string(b, n,
		    "pay_url", cr.redirect_url, sizeof(cr.redirect_url)) != 0 ||
		    pjson_int(b, n, "expires_at", &cr.expires_at_ms) != 0))
			rc = HS_E_INVALID;
		cr.action = HS_PAY_ACTION_REDIRECT;
		if (rc == HS_OK && !strcmp(c->sb->method, "va")) {
			cr.action = HS_PAY_ACTION_VA;
			pjson_string(b, n, "va_number", cr.instruction,
			    sizeof(cr.instruction));
		} else if (rc == HS_OK && !strcmp(c->sb->method, "qris")) {
			cr.action = HS_PAY_ACTION_QRIS;
			pjson_string(b, n, "qris", cr.instruction,
			    sizeof(cr.instruction));
		} else if (rc == HS_OK && !strcmp(c->sb->method, "code")) {
			cr.action = HS_PAY_ACTION_CODE;
			pjson_string(b, n, "payment_code", cr.instruction,
			    sizeof(cr.instruction));
		}
		if (rc != HS_OK)
			c->sb->host->log(c->sb->host->hctx, HS_LOG_WARNING,
			    "create %s: HTTP %d %s", c->order_id, resp->status,
			    resp->error_text ? resp->error_text : "");
		c->created(c->arg, rc, rc == HS_OK ? &cr : NULL);
	} else {
		memset(&ev, 0, sizeof(ev));
		ev.size = sizeof(ev);
		if (rc == HS_OK)
			rc = parse_payment(b, n, &ev);
		if (c->status != NULL)
			c->status(c->arg, rc, rc == HS_OK ? &ev : NULL);
	}
	c->sb->host->free(c->sb->host->hctx, c);
}

static int
request(struct sandbox *sb, const char *method, const char *path,
    const char *body, struct call *c)
{
	struct hs_http_header	 h[2];
	struct hs_http_req	 req;
	char			 url[1024], auth[600];

	snprintf(url, sizeof(url), "%s%s", sb->base_url, path);
	snprintf(auth, sizeof(auth), "Bearer %s", sb->api_key);
	h[0].name = "Authorization";
	h[0].value = auth;
	h[1].name = "Content-Type";
	h[1].value = "application/json";
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.method = method;
	req.url = url;
	req.headers = h;
	req.nheaders = body ? 2 : 1;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.timeout_ms = 10000;
	return (sb->host->http_request(sb->host->hctx, &req, call_done, c));
}

static struct call *
call_new(struct sandbox *sb, int kind, const char *order_id, void *arg)
{
	struct call	*c;

	c = sb->host->alloc(sb->host->hctx, sizeof(*c));
	c->sb = sb;
	c->kind = kind;
	c->arg = arg;
	snprintf(c->order_id, sizeof(c->order_id), "%s", order_id);
	return (c);
}

static int
sandbox_create(void *pctx, const struct hs_payment_create *in,
    hs_payment_created_fn done, void *arg)
{
	struct sandbox	*sb = pctx;
	struct call	*c;
	char		 body[4096], order[300], desc[400], ret[1200];
	char		 notify[1200];
	int		 rc;

	if (in->order_id == NULL || in->amount <= 0 ||
	    pjson_escape(in->order_id, order, sizeof(order)) == -1 ||
	    pjson_escape(in->description ? in->description : "", desc,
	    sizeof(desc)) == -1 ||
	    pjson_escape(in->return_url ? in->return_url : "", ret,
	    sizeof(ret)) == -1 ||
	    pjson_escape(in->notify_url ? in->notify_url : "", notify,
	    sizeof(notify)) == -1)
		return (HS_E_INVALID);
	snprintf(body, sizeof(body), "{\"order_id\": \"%s\", \"amount\": %lld, "
	    "\"description\": \"%s\", \"return_url\": \"%s\", \"notify_url\": "
	    "\"%s\", \"expires_at\": %lld, \"method\": \"%s\"}", order,
	    (long long)in->amount, desc, ret, notify,
	    (long long)in->expires_at_ms, sb->method);
	c = call_new(sb, CALL_CREATE, in->order_id, arg);
	c->created = done;
	if ((rc = request(sb, "POST", "/sandbox/v1/payments", body, c)) !=
	    HS_OK)
		sb->host->free(sb->host->hctx, c);
	return (rc);
}

static int
sandbox_verify(void *pctx, const struct hs_http_header *headers,
    size_t nheaders, const void *body, size_t body_len,
    struct hs_payment_event *out)
{
	struct sandbox	*sb = pctx;
	const char	*ts, *sig, *b = body;
	char		 status[32];
	int64_t		 t, now, body_ts;
	char		*end;

	ts = phttp_header(headers, nheaders, "x-sandbox-timestamp");
	sig = phttp_header(headers, nheaders, "x-sandbox-signature");
	if (ts == NULL || sig == NULL)
		return (HS_E_DENIED);
	t = strtoll(ts, &end, 10);
	if (*ts == '\0' || *end != '\0')
		return (HS_E_DENIED);
	/* The signature over the raw bytes, before anything is believed. */
	if (phttp_hmac_check(sb->api_key, ts, body, body_len, sig) != 0)
		return (HS_E_DENIED);
	now = sb->host->now_ms(sb->host->hctx) / 1000;
	if (t < now - sb->max_age || t > now + FUTURE_SKEW_S)
		return (HS_E_DENIED);
	if (pjson_valid(b, body_len) != 0 ||
	    pjson_int(b, body_len, "timestamp", &body_ts) != 0 ||
	    body_ts != t ||
	    pjson_string(b, body_len, "event_id", out->event_id,
	    sizeof(out->event_id)) != 0 ||
	    pjson_string(b, body_len, "order_id", out->order_id,
	    sizeof(out->order_id)) != 0 ||
	    pjson_string(b, body_len, "payment_id", out->provider_ref,
	    sizeof(out->provider_ref)) != 0 ||
	    pjson_string(b, body_len, "status", status, sizeof(status)) != 0 ||
	    pjson_int(b, body_len, "amount", &out->amount) != 0 ||
	    (out->state = map_state(status)) == 0)
		return (HS_E_INVALID);
	return (HS_OK);
}

static int
order_path(char *path, size_t len, const char *order_id, const char *tail)
{
	size_t	i;

	/* Our order ids are [A-Za-z0-9-]; anything else is not ours. */
	for (i = 0; order_id[i] != '\0'; i++) {
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-_", order_id[i]))
			return (-1);
	}
	if (i == 0)
		return (-1);
	snprintf(path, len, "/sandbox/v1/payments/%s%s", order_id, tail);
	return (0);
}

static int
sandbox_status(void *pctx, const char *order_id, const char *provider_ref,
    hs_payment_status_fn done, void *arg)
{
	struct sandbox	*sb = pctx;
	struct call	*c;
	char		 path[256];
	int		 rc;

	(void)provider_ref;
	if (order_path(path, sizeof(path), order_id, "") == -1)
		return (HS_E_INVALID);
	c = call_new(sb, CALL_STATUS, order_id, arg);
	c->status = done;
	if ((rc = request(sb, "GET", path, NULL, c)) != HS_OK)
		sb->host->free(sb->host->hctx, c);
	return (rc);
}

static int
sandbox_cancel(void *pctx, const char *order_id, const char *provider_ref,
    hs_payment_status_fn done, void *arg)
{
	struct sandbox	*sb = pctx;
	struct call	*c;
	char		 path[256];
	int		 rc;

	(void)provider_ref;
	if (order_path(path, sizeof(path), order_id, "/cancel") == -1)
		return (HS_E_INVALID);
	c = call_new(sb, CALL_STATUS, order_id, arg);
	c->status = done;
	if ((rc = request(sb, "POST", path, "{}", c)) != HS_OK)
		sb->host->free(sb->host->hctx, c);
	return (rc);
}

static const struct hs_payment_ops sandbox_ops = {
	.size = sizeof(struct hs_payment_ops),
	.create = sandbox_create,
	.verify_notification = sandbox_verify,
	.status = sandbox_status,
	.cancel = sandbox_cancel,
};

static const struct hs_plugin sandbox_plugin = {
	.size = sizeof(struct hs_plugin),
	.abi = HS_ABI_VERSION,
	.kind = HS_KIND_PAYMENT,
	.name = "sandbox",
	.version = "1.0",
	.description = "HydroSync's sandbox gateway (demos and tests)",
	.settings = sandbox_settings,
	.init = sandbox_init,
	.fini = sandbox_fini,
	.ops = &sandbox_ops,
};

HS_EXPORT const struct hs_plugin *
hs_plugin_entry(uint32_t host_abi)
{
	if (HS_ABI_MAJOR_OF(host_abi) != HS_ABI_MAJOR)
		return (NULL);
	return (&sandbox_plugin);
}
