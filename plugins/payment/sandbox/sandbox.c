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
 *                 than max_age or over 60 s ahead: stale, refused; the
 *                 body's "timestamp" must equal the header's
 *   status        GET {base_url}/sandbox/v1/payments/{order_id}
 *   cancel        POST {base_url}/sandbox/v1/payments/{order_id}/cancel
 *
 * create and status return HS_E_PENDING once the request is on its way
 * and answer through done; cancel returns HS_OK instead (see
 * sandbox_cancel).  Nothing here blocks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hydrosync/plugin.h"
#include "../../lib/phttp.h"
#include "../../lib/pjson.h"

#define KEY_MIN		16
#define KEY_MAX		256
#define FUTURE_SKEW_S	60
#define TIMEOUT_MS	10000

struct sandbox {
	const struct hs_host	*host;
	char			 base_url[512];	/* no trailing slash */
	const char		*api_key;
	const char		*method;	/* redirect, va, qris or code */
	long long		 max_age;
};

#define CALL_CREATE	1
#define CALL_STATUS	2
#define CALL_CANCEL	3

/* One request in flight; freed after its done() has run. */
struct call {
	struct sandbox		*sb;
	int			 kind;		/* CALL_* */
	hs_payment_created_fn	 created;
	hs_payment_status_fn	 status;
	void			*arg;
	int64_t			 amount;	/* CALL_CREATE: what we asked */
	char			 order_id[64];
};

static const struct hs_setting_spec sandbox_settings[] = {
	{ "base_url", 1, "the gateway, e.g. http://127.0.0.1:8890" },
	{ "api_key", 1, "shared secret, 16+ characters: API bearer and "
	    "notification key (use env: or file:)" },
	{ "method", 0, "redirect (default), va, qris or code" },
	{ "max_age", 0, "seconds a notification stays valid (default 300)" },
	{ NULL, 0, NULL }
};

/* A whole decimal number in [min, max]: digits only, or -1. */
static int
parse_num(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s < '0' || *s > '9')
		return (-1);
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

/* Printable ASCII only: it goes into an HTTP header. */
static int
header_safe(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s < 0x21 || *s > 0x7e)
			return (0);
	}
	return (1);
}

static int
url_ok(const char *u)
{
	return (u != NULL && (!strncmp(u, "http://", 7) ||
	    !strncmp(u, "https://", 8)) && header_safe(u));
}

/*
 * Our order ids ("HS-" and letters and digits) go into URL paths
 * unescaped: anything outside this set is not one of ours.
 */
static int
order_ok(const char *id)
{
	size_t	n;

	if (id == NULL || (n = strlen(id)) == 0 || n > 50)
		return (0);
	return (strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") == n);
}

static int
sandbox_init(const struct hs_host *host, void **pctx)
{
	struct sandbox	*sb;
	const char	*url, *v;
	size_t		 n;

	sb = host->alloc(host->hctx, sizeof(*sb));
	memset(sb, 0, sizeof(*sb));
	sb->host = host;
	url = host->setting(host->hctx, "base_url");
	sb->api_key = host->setting(host->hctx, "api_key");
	sb->method = host->setting(host->hctx, "method");
	if (sb->method == NULL)
		sb->method = "redirect";
	sb->max_age = 300;
	if (!url_ok(url) || (n = strlen(url)) >= sizeof(sb->base_url)) {
		host->log(host->hctx, HS_LOG_ERR, "base_url must be an http:// "
		    "or https:// URL under %zu characters",
		    sizeof(sb->base_url));
		goto bad;
	}
	/* "http://host/" and "http://host" name the same gateway. */
	while (n > 0 && url[n - 1] == '/')
		n--;
	memcpy(sb->base_url, url, n);
	sb->base_url[n] = '\0';
	if (sb->api_key == NULL || strlen(sb->api_key) < KEY_MIN ||
	    strlen(sb->api_key) > KEY_MAX || !header_safe(sb->api_key)) {
		host->log(host->hctx, HS_LOG_ERR, "api_key must be %d to %d "
		    "printable characters: a short key can be guessed",
		    KEY_MIN, KEY_MAX);
		goto bad;
	}
	if (strcmp(sb->method, "redirect") && strcmp(sb->method, "va") &&
	    strcmp(sb->method, "qris") && strcmp(sb->method, "code")) {
		host->log(host->hctx, HS_LOG_ERR, "method must be redirect, va, "
		    "qris or code, not '%s'", sb->method);
		goto bad;
	}
	if ((v = host->setting(host->hctx, "max_age")) != NULL &&
	    parse_num(v, 10, 86400, &sb->max_age) == -1) {
		host->log(host->hctx, HS_LOG_ERR, "max_age must be a number of "
		    "seconds, 10 to 86400");
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

/* Say once why a call failed; credentials problems are the admin's. */
static void
log_failure(struct sandbox *sb, const struct call *c,
    const struct hs_http_resp *resp, int rc)
{
	static const char *const what[] = { "", "create", "status",
	    "cancel" };
	char	 msg[160];

	if (resp->error != HS_OK || resp->status == 0) {
		sb->host->log(sb->host->hctx, HS_LOG_WARNING, "%s %s: no "
		    "answer: %s", what[c->kind], c->order_id,
		    resp->error_text ? resp->error_text : "unknown error");
		return;
	}
	if (pjson_string(resp->body, resp->body_len, "error", msg,
	    sizeof(msg)) == -1)
		msg[0] = '\0';
	sb->host->log(sb->host->hctx, rc == HS_E_CONFIG ? HS_LOG_ERR :
	    HS_LOG_WARNING, "%s %s: HTTP %d%s%s%s", what[c->kind],
	    c->order_id, resp->status, msg[0] ? ": " : "", msg,
	    rc == HS_E_CONFIG ? " (the gateway refuses our api_key)" : "");
}

/* A create reply: the payment object, checked against what we asked. */
static int
read_created(const struct call *c, const char *b, size_t n,
    struct hs_payment_created *cr)
{
	const char	*field = NULL;
	char		 order[64];
	int64_t		 amount;

	if (pjson_string(b, n, "id", cr->provider_ref,
	    sizeof(cr->provider_ref)) == -1 || cr->provider_ref[0] == '\0' ||
	    pjson_string(b, n, "order_id", order, sizeof(order)) == -1 ||
	    strcmp(order, c->order_id) ||
	    pjson_money(b, n, "amount", &amount) == -1 ||
	    amount != c->amount ||
	    pjson_string(b, n, "pay_url", cr->redirect_url,
	    sizeof(cr->redirect_url)) == -1 || !url_ok(cr->redirect_url) ||
	    pjson_int(b, n, "expires_at", &cr->expires_at_ms) == -1)
		return (HS_E_INVALID);
	cr->action = HS_PAY_ACTION_REDIRECT;
	if (!strcmp(c->sb->method, "va")) {
		cr->action = HS_PAY_ACTION_VA;
		field = "va_number";
	} else if (!strcmp(c->sb->method, "qris")) {
		cr->action = HS_PAY_ACTION_QRIS;
		field = "qris";
	} else if (!strcmp(c->sb->method, "code")) {
		cr->action = HS_PAY_ACTION_CODE;
		field = "payment_code";
	}
	/* The pay page stays in redirect_url as a fallback. */
	if (field != NULL && (pjson_string(b, n, field, cr->instruction,
	    sizeof(cr->instruction)) == -1 || cr->instruction[0] == '\0'))
		return (HS_E_INVALID);
	return (HS_OK);
}

/* A payment object (status or cancel reply) as an event. */
static int
read_payment(const struct call *c, const char *b, size_t n,
    struct hs_payment_event *ev)
{
	char	status[32];

	if (pjson_string(b, n, "order_id", ev->order_id,
	    sizeof(ev->order_id)) == -1 || strcmp(ev->order_id, c->order_id) ||
	    pjson_string(b, n, "id", ev->provider_ref,
	    sizeof(ev->provider_ref)) == -1 ||
	    pjson_string(b, n, "status", status, sizeof(status)) == -1 ||
	    pjson_money(b, n, "amount", &ev->amount) == -1 ||
	    (ev->state = map_state(status)) == 0)
		return (HS_E_INVALID);
	/* Not a delivery: the core keys status answers itself. */
	snprintf(ev->event_id, sizeof(ev->event_id), "status:%.63s:%.31s",
	    ev->order_id, status);
	return (HS_OK);
}

static void
call_done(void *arg, const struct hs_http_resp *resp)
{
	struct call			*c = arg;
	struct sandbox			*sb = c->sb;
	struct hs_payment_created	 cr;
	struct hs_payment_event		 ev;
	int				 rc;

	if ((rc = phttp_result(resp)) != HS_OK)
		log_failure(sb, c, resp, rc);
	if (c->kind == CALL_CREATE) {
		memset(&cr, 0, sizeof(cr));
		cr.size = sizeof(cr);
		if (rc == HS_OK && (rc = read_created(c, resp->body,
		    resp->body_len, &cr)) != HS_OK)
			sb->host->log(sb->host->hctx, HS_LOG_WARNING, "create "
			    "%s: the gateway's reply is not a payment for this "
			    "order and amount", c->order_id);
		c->created(c->arg, rc, rc == HS_OK ? &cr : NULL);
	} else {
		memset(&ev, 0, sizeof(ev));
		ev.size = sizeof(ev);
		if (rc == HS_OK && (rc = read_payment(c, resp->body,
		    resp->body_len, &ev)) != HS_OK)
			sb->host->log(sb->host->hctx, HS_LOG_WARNING, "status "
			    "%s: the gateway's reply cannot be read",
			    c->order_id);
		if (c->status != NULL)
			c->status(c->arg, rc, rc == HS_OK ? &ev : NULL);
	}
	sb->host->free(sb->host->hctx, c);
}

/*
 * Start one request for c.  HS_OK when it is on its way (call_done runs
 * later and frees c); otherwise c is freed here and done never runs.
 */
static int
request(struct sandbox *sb, const char *method, const char *path,
    const char *body, struct call *c)
{
	struct hs_http_header	 h[2];
	struct hs_http_req	 req;
	char			 url[1024], auth[KEY_MAX + 8];
	int			 rc;

	if ((size_t)snprintf(url, sizeof(url), "%s%s", sb->base_url, path) >=
	    sizeof(url)) {
		sb->host->free(sb->host->hctx, c);
		return (HS_E_INVALID);
	}
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
	req.nheaders = body != NULL ? 2 : 1;
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	req.timeout_ms = TIMEOUT_MS;
	rc = sb->host->http_request(sb->host->hctx, &req, call_done, c);
	if (rc != HS_OK && rc != HS_E_PENDING) {
		sb->host->free(sb->host->hctx, c);
		return (rc);
	}
	return (HS_OK);
}

static struct call *
call_new(struct sandbox *sb, int kind, const char *order_id, void *arg)
{
	struct call	*c;

	c = sb->host->alloc(sb->host->hctx, sizeof(*c));
	memset(c, 0, sizeof(*c));
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
	char		 body[4096], desc[1024], ret[1200], notify[1200];
	int64_t		 expires = 0;
	int		 rc;

	if (done == NULL || !HS_HAS(in, struct hs_payment_create, notify_url) ||
	    !order_ok(in->order_id) || in->amount <= 0 ||
	    (in->currency != NULL && strcmp(in->currency, "IDR")))
		return (HS_E_INVALID);
	if (HS_HAS(in, struct hs_payment_create, expires_at_ms))
		expires = in->expires_at_ms;
	if (pjson_escape(in->description ? in->description : "", desc,
	    sizeof(desc)) == -1 ||
	    pjson_escape(in->return_url ? in->return_url : "", ret,
	    sizeof(ret)) == -1 ||
	    pjson_escape(in->notify_url ? in->notify_url : "", notify,
	    sizeof(notify)) == -1)
		return (HS_E_INVALID);
	/* order_id needs no escaping: order_ok() allows none of " \ or <0x20. */
	if ((size_t)snprintf(body, sizeof(body), "{\"order_id\": \"%s\", "
	    "\"amount\": %lld, \"description\": \"%s\", \"return_url\": "
	    "\"%s\", \"notify_url\": \"%s\", \"expires_at\": %lld, "
	    "\"method\": \"%s\"}", in->order_id, (long long)in->amount, desc,
	    ret, notify, (long long)expires, sb->method) >= sizeof(body))
		return (HS_E_INVALID);
	c = call_new(sb, CALL_CREATE, in->order_id, arg);
	c->created = done;
	c->amount = in->amount;
	if ((rc = request(sb, "POST", "/sandbox/v1/payments", body, c)) !=
	    HS_OK)
		return (rc);
	return (HS_E_PENDING);
}

static int
sandbox_verify(void *pctx, const struct hs_http_header *headers,
    size_t nheaders, const void *body, size_t body_len,
    struct hs_payment_event *out)
{
	struct sandbox	*sb = pctx;
	const char	*ts, *sig, *b = body;
	char		 status[32];
	int64_t		 now, body_ts;
	long long	 t;

	if (out == NULL || (body == NULL && body_len > 0))
		return (HS_E_INVALID);
	ts = phttp_header(headers, nheaders, "x-sandbox-timestamp");
	sig = phttp_header(headers, nheaders, "x-sandbox-signature");
	/* A timestamp is plain digits: no sign, no space, no overflow. */
	if (ts == NULL || sig == NULL || strlen(ts) > 12 ||
	    parse_num(ts, 0, 999999999999LL, &t) == -1)
		return (HS_E_DENIED);
	/* The signature over the raw bytes, before anything is believed. */
	if (phttp_hmac_check(sb->api_key, ts, body, body_len, sig) != 0)
		return (HS_E_DENIED);
	now = sb->host->now_ms(sb->host->hctx) / 1000;
	if (t < now - sb->max_age || t > now + FUTURE_SKEW_S)
		return (HS_E_DENIED);
	if (pjson_valid(b, body_len) != 0)
		return (HS_E_INVALID);
	/*
	 * The signed body names its own time; one that disagrees with the
	 * signed header is not a delivery the gateway made as it is.
	 */
	if (pjson_int(b, body_len, "timestamp", &body_ts) != 0 ||
	    body_ts != t)
		return (HS_E_DENIED);
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	if (pjson_string(b, body_len, "event_id", out->event_id,
	    sizeof(out->event_id)) != 0 || out->event_id[0] == '\0' ||
	    pjson_string(b, body_len, "order_id", out->order_id,
	    sizeof(out->order_id)) != 0 || out->order_id[0] == '\0' ||
	    pjson_string(b, body_len, "payment_id", out->provider_ref,
	    sizeof(out->provider_ref)) != 0 ||
	    pjson_string(b, body_len, "status", status, sizeof(status)) != 0 ||
	    pjson_money(b, body_len, "amount", &out->amount) != 0 ||
	    (out->state = map_state(status)) == 0)
		return (HS_E_INVALID);
	return (HS_OK);
}

static int
sandbox_status(void *pctx, const char *order_id, const char *provider_ref,
    hs_payment_status_fn done, void *arg)
{
	struct sandbox	*sb = pctx;
	struct call	*c;
	char		 path[128];
	int		 rc;

	(void)provider_ref;
	if (done == NULL || !order_ok(order_id))
		return (HS_E_INVALID);
	snprintf(path, sizeof(path), "/sandbox/v1/payments/%s", order_id);
	c = call_new(sb, CALL_STATUS, order_id, arg);
	c->status = done;
	if ((rc = request(sb, "GET", path, NULL, c)) != HS_OK)
		return (rc);
	return (HS_E_PENDING);
}

/*
 * Cancel answers HS_OK once the request is on its way, not HS_E_PENDING:
 * the core's caller (core/vend/purchase.c) frees done's argument on any
 * other result, and done still runs later with it.
 */
static int
sandbox_cancel(void *pctx, const char *order_id, const char *provider_ref,
    hs_payment_status_fn done, void *arg)
{
	struct sandbox	*sb = pctx;
	struct call	*c;
	char		 path[128];

	(void)provider_ref;
	if (!order_ok(order_id))
		return (HS_E_INVALID);
	snprintf(path, sizeof(path), "/sandbox/v1/payments/%s/cancel",
	    order_id);
	c = call_new(sb, CALL_CANCEL, order_id, arg);
	c->status = done;
	return (request(sb, "POST", path, "{}", c));
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
	.caps = 0,
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
