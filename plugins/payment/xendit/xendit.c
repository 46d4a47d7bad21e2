/*
 * Xendit Invoices: the customer pays on Xendit's invoice page (VA, QRIS,
 * e-wallets, retail outlets); Xendit calls back.  The contract is in
 * docs/payments.md.
 *
 *   create    POST {api_url}/v2/invoices, Basic secret_key.  The callback
 *             URL is set once in Xendit's dashboard, so notify_url is not
 *             sent.
 *   callback  x-callback-token must equal callback_token (constant
 *             time); webhook-id is the event id (repeated on
 *             re-delivery; without one, id ":" status).  With signing_key
 *             set, a callback carrying X-Callback-Signature must match
 *             hex(HMAC-SHA256(signing_key, X-Callback-Timestamp "." body))
 *             and be at most max_age old (60 s ahead at most).
 *   status    GET {api_url}/v2/invoices/{id}
 *   cancel    POST {api_url}/invoices/{id}/expire!
 *
 * Status and cancel need Xendit's invoice id (provider_ref); without it
 * they are refused with HS_E_INVALID.  The amount reported is
 * paid_amount when present, else amount.
 *
 * create and status return HS_E_PENDING once the request is on its way;
 * cancel returns HS_OK (see xendit_cancel).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hydrosync/plugin.h"
#include "../../lib/phttp.h"
#include "../../lib/pjson.h"

#define KEY_MIN		16
#define KEY_MAX		150
#define FUTURE_SKEW_S	60
#define TIMEOUT_MS	15000

struct xendit {
	const struct hs_host	*host;
	char			 api_url[512];	/* no trailing slash */
	const char		*secret_key;
	const char		*callback_token;
	const char		*signing_key;	/* NULL: not configured */
	long long		 duration;
	long long		 max_age;
	char			 auth[320];	/* "Basic base64(key:)" */
};

#define CALL_CREATE	1
#define CALL_STATUS	2
#define CALL_CANCEL	3

/* One request in flight; freed after its done() has run. */
struct call {
	struct xendit		*xn;
	int			 kind;		/* CALL_* */
	hs_payment_created_fn	 created;
	hs_payment_status_fn	 status;
	void			*arg;
	int64_t			 amount;	/* CALL_CREATE: what we asked */
	char			 order_id[64];
	char			 ref[72];	/* invoice id asked about */
};

static const struct hs_setting_spec xendit_settings[] = {
	{ "api_url", 1, "https://api.xendit.co" },
	{ "secret_key", 1, "the secret API key (use env: or file:)" },
	{ "callback_token", 1, "the webhook verification token" },
	{ "signing_key", 0, "enables X-Callback-Signature checks" },
	{ "invoice_duration", 0, "seconds an invoice stays open (3600)" },
	{ "max_age", 0, "seconds a signed callback stays valid (300)" },
	{ NULL, 0, NULL }
};

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

static int
secret_ok(const char *s)
{
	return (s != NULL && strlen(s) >= KEY_MIN && strlen(s) <= KEY_MAX &&
	    header_safe(s));
}

/* Our order ids: letters, digits, '-' and '_', at most 50. */
static int
order_ok(const char *id)
{
	size_t	n;

	if (id == NULL || (n = strlen(id)) == 0 || n > 50)
		return (0);
	return (strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") == n);
}

/* Xendit invoice ids are hex; they go into URL paths unescaped. */
static int
invoice_id_ok(const char *id)
{
	size_t	n;

	if (id == NULL || (n = strlen(id)) == 0 || n > 64)
		return (0);
	return (strspn(id, "0123456789abcdefABCDEF") == n);
}

static int
xendit_init(const struct hs_host *host, void **pctx)
{
	struct xendit	*xn;
	const char	*url, *v;
	size_t		 n;

	xn = host->alloc(host->hctx, sizeof(*xn));
	memset(xn, 0, sizeof(*xn));
	xn->host = host;
	url = host->setting(host->hctx, "api_url");
	xn->secret_key = host->setting(host->hctx, "secret_key");
	xn->callback_token = host->setting(host->hctx, "callback_token");
	xn->signing_key = host->setting(host->hctx, "signing_key");
	xn->duration = 3600;
	xn->max_age = 300;
	if (!url_ok(url) || (n = strlen(url)) >= sizeof(xn->api_url)) {
		host->log(host->hctx, HS_LOG_ERR, "api_url must be an http:// "
		    "or https:// URL");
		goto bad;
	}
	while (n > 0 && url[n - 1] == '/')
		n--;
	memcpy(xn->api_url, url, n);
	xn->api_url[n] = '\0';
	/* Short secrets can be guessed: refuse them. */
	if (!secret_ok(xn->secret_key)) {
		host->log(host->hctx, HS_LOG_ERR, "secret_key must be %d to %d "
		    "printable characters", KEY_MIN, KEY_MAX);
		goto bad;
	}
	if (!secret_ok(xn->callback_token)) {
		host->log(host->hctx, HS_LOG_ERR, "callback_token must be %d "
		    "to %d printable characters", KEY_MIN, KEY_MAX);
		goto bad;
	}
	if (xn->signing_key != NULL && !secret_ok(xn->signing_key)) {
		host->log(host->hctx, HS_LOG_ERR, "signing_key must be %d to "
		    "%d printable characters", KEY_MIN, KEY_MAX);
		goto bad;
	}
	if ((v = host->setting(host->hctx, "invoice_duration")) != NULL &&
	    parse_num(v, 60, 31536000, &xn->duration) == -1) {
		host->log(host->hctx, HS_LOG_ERR, "invoice_duration must be a "
		    "number of seconds, 60 to 31536000");
		goto bad;
	}
	if ((v = host->setting(host->hctx, "max_age")) != NULL &&
	    parse_num(v, 10, 86400, &xn->max_age) == -1) {
		host->log(host->hctx, HS_LOG_ERR, "max_age must be a number of "
		    "seconds, 10 to 86400");
		goto bad;
	}
	if (phttp_basic(xn->secret_key, "", xn->auth, sizeof(xn->auth)) == -1) {
		host->log(host->hctx, HS_LOG_ERR, "secret_key too long for "
		    "HTTP Basic");
		goto bad;
	}
	*pctx = xn;
	return (HS_OK);
bad:
	host->free(host->hctx, xn);
	return (HS_E_CONFIG);
}

static void
xendit_fini(void *pctx)
{
	struct xendit	*xn = pctx;

	OPENSSL_cleanse(xn->auth, sizeof(xn->auth));
	xn->host->free(xn->host->hctx, xn);
}

static int
map_state(const char *s)
{
	if (!strcmp(s, "PENDING"))
		return (HS_PAY_PENDING);
	if (!strcmp(s, "PAID") || !strcmp(s, "SETTLED"))
		return (HS_PAY_PAID);
	if (!strcmp(s, "EXPIRED"))
		return (HS_PAY_EXPIRED);
	return (0);
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

/* "2026-11-22T11:50:34.000Z" (UTC, fraction optional) as Unix ms. */
static int
iso_ms(const char *s, int64_t *out)
{
	int	y, mo, d, h, mi, sec, n = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
	    &n) != 6 || n != 19 || y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > 31 || h > 23 || mi > 59 || sec > 60)
		return (-1);
	s += n;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	}
	if (strcmp(s, "Z"))
		return (-1);
	*out = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 +
	    (int64_t)sec * 1000;
	return (0);
}

/* An invoice (callback, status or cancel reply) as an event. */
static int
read_invoice(const char *b, size_t n, struct hs_payment_event *ev,
    const char *webhook_id)
{
	char	status[16];
	int	t;

	memset(ev, 0, sizeof(*ev));
	ev->size = sizeof(*ev);
	if (b == NULL || pjson_valid(b, n) != 0 ||
	    pjson_string(b, n, "id", ev->provider_ref,
	    sizeof(ev->provider_ref)) != 0 || ev->provider_ref[0] == '\0' ||
	    pjson_string(b, n, "external_id", ev->order_id,
	    sizeof(ev->order_id)) != 0 || ev->order_id[0] == '\0' ||
	    pjson_string(b, n, "status", status, sizeof(status)) != 0 ||
	    (ev->state = map_state(status)) == 0)
		return (HS_E_INVALID);
	/* A paid_amount that is there but unreadable is not "absent". */
	if ((t = pjson_type(b, n, "paid_amount")) != -1 && t != PJSON_NULL) {
		if (pjson_money(b, n, "paid_amount", &ev->amount) != 0)
			return (HS_E_INVALID);
	} else if (pjson_money(b, n, "amount", &ev->amount) != 0)
		return (HS_E_INVALID);
	if (webhook_id != NULL)
		snprintf(ev->event_id, sizeof(ev->event_id), "%s", webhook_id);
	else if ((size_t)snprintf(ev->event_id, sizeof(ev->event_id),
	    "%s:%s", ev->provider_ref, status) >= sizeof(ev->event_id))
		return (HS_E_INVALID);
	return (HS_OK);
}

static int
xendit_verify(void *pctx, const struct hs_http_header *headers,
    size_t nheaders, const void *body, size_t body_len,
    struct hs_payment_event *out)
{
	struct xendit	*xn = pctx;
	const char	*token, *sig, *ts, *id;
	long long	 t, now;
	size_t		 tlen;

	if (out == NULL || (body == NULL && body_len > 0))
		return (HS_E_INVALID);
	token = phttp_header(headers, nheaders, "x-callback-token");
	tlen = strlen(xn->callback_token);
	/* The length is not the secret; the bytes are compared blind. */
	if (token == NULL || strlen(token) != tlen ||
	    CRYPTO_memcmp(token, xn->callback_token, tlen) != 0)
		return (HS_E_DENIED);
	sig = phttp_header(headers, nheaders, "x-callback-signature");
	if (xn->signing_key != NULL && sig != NULL) {
		ts = phttp_header(headers, nheaders, "x-callback-timestamp");
		if (ts == NULL || strlen(ts) > 12 ||
		    parse_num(ts, 0, 999999999999LL, &t) == -1)
			return (HS_E_DENIED);
		if (phttp_hmac_check(xn->signing_key, ts, body, body_len,
		    sig) != 0)
			return (HS_E_DENIED);
		now = xn->host->now_ms(xn->host->hctx) / 1000;
		if (t < now - xn->max_age || t > now + FUTURE_SKEW_S)
			return (HS_E_DENIED);
	}
	id = phttp_header(headers, nheaders, "webhook-id");
	if (id != NULL && (id[0] == '\0' || strlen(id) > 100 ||
	    !header_safe(id)))
		return (HS_E_INVALID);
	return (read_invoice(body, body_len, out, id));
}

/* Say once why a call failed; credentials problems are the admin's. */
static void
log_failure(const struct call *c, const struct hs_http_resp *resp, int rc)
{
	static const char *const what[] = { "", "create", "status",
	    "cancel" };
	const struct hs_host	*host = c->xn->host;
	char			 msg[160];

	if (resp->error != HS_OK || resp->status == 0) {
		host->log(host->hctx, HS_LOG_WARNING, "%s %s: no answer: %s",
		    what[c->kind], c->kind == CALL_CREATE ? c->order_id :
		    c->ref, resp->error_text ? resp->error_text :
		    "unknown error");
		return;
	}
	if (pjson_string(resp->body, resp->body_len, "message", msg,
	    sizeof(msg)) == -1 && pjson_string(resp->body, resp->body_len,
	    "error_code", msg, sizeof(msg)) == -1)
		msg[0] = '\0';
	host->log(host->hctx, rc == HS_E_CONFIG ? HS_LOG_ERR : HS_LOG_WARNING,
	    "%s %s: HTTP %d%s%s%s", what[c->kind], c->kind == CALL_CREATE ?
	    c->order_id : c->ref, resp->status, msg[0] ? ": " : "", msg,
	    rc == HS_E_CONFIG ? " (Xendit refuses our secret_key)" : "");
}

/* A create reply: the invoice, checked against what we asked. */
static int
read_created(const struct call *c, const char *b, size_t n,
    struct hs_payment_created *cr)
{
	char	ext[64], when[40];
	int64_t	amount;

	if (pjson_string(b, n, "id", cr->provider_ref,
	    sizeof(cr->provider_ref)) != 0 ||
	    !invoice_id_ok(cr->provider_ref) ||
	    pjson_string(b, n, "external_id", ext, sizeof(ext)) != 0 ||
	    strcmp(ext, c->order_id) ||
	    pjson_money(b, n, "amount", &amount) != 0 || amount != c->amount ||
	    pjson_string(b, n, "invoice_url", cr->redirect_url,
	    sizeof(cr->redirect_url)) != 0 || !url_ok(cr->redirect_url))
		return (HS_E_INVALID);
	cr->action = HS_PAY_ACTION_REDIRECT;
	/* Xendit's own expiry when it says; ours otherwise. */
	if (pjson_string(b, n, "expiry_date", when, sizeof(when)) != 0 ||
	    iso_ms(when, &cr->expires_at_ms) != 0)
		cr->expires_at_ms = c->xn->host->now_ms(c->xn->host->hctx) +
		    c->xn->duration * 1000;
	return (HS_OK);
}

static void
call_done(void *arg, const struct hs_http_resp *resp)
{
	struct call			*c = arg;
	struct xendit			*xn = c->xn;
	struct hs_payment_created	 cr;
	struct hs_payment_event		 ev;
	int				 rc;

	if ((rc = phttp_result(resp)) != HS_OK)
		log_failure(c, resp, rc);
	if (c->kind == CALL_CREATE) {
		memset(&cr, 0, sizeof(cr));
		cr.size = sizeof(cr);
		if (rc == HS_OK && (rc = read_created(c, resp->body,
		    resp->body_len, &cr)) != HS_OK)
			xn->host->log(xn->host->hctx, HS_LOG_WARNING, "create "
			    "%s: Xendit's reply is not an invoice for this "
			    "order and amount", c->order_id);
		c->created(c->arg, rc, rc == HS_OK ? &cr : NULL);
	} else {
		if (rc == HS_OK && ((rc = read_invoice(resp->body,
		    resp->body_len, &ev, NULL)) != HS_OK ||
		    strcmp(ev.provider_ref, c->ref))) {
			rc = HS_E_INVALID;
			xn->host->log(xn->host->hctx, HS_LOG_WARNING, "%s %s: "
			    "the reply is not this invoice",
			    c->kind == CALL_STATUS ? "status" : "cancel",
			    c->ref);
		}
		if (c->status != NULL)
			c->status(c->arg, rc, rc == HS_OK ? &ev : NULL);
	}
	xn->host->free(xn->host->hctx, c);
}

/*
 * Start one request for c.  HS_OK when it is on its way (call_done runs
 * later and frees c); otherwise c is freed here and done never runs.
 */
static int
request(struct xendit *xn, const char *method, const char *url,
    const char *body, struct call *c)
{
	struct hs_http_header	 h[2];
	struct hs_http_req	 req;
	int			 rc;

	h[0].name = "Authorization";
	h[0].value = xn->auth;
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
	rc = xn->host->http_request(xn->host->hctx, &req, call_done, c);
	if (rc != HS_OK && rc != HS_E_PENDING) {
		xn->host->free(xn->host->hctx, c);
		return (rc);
	}
	return (HS_OK);
}

static struct call *
call_new(struct xendit *xn, int kind, void *arg)
{
	struct call	*c;

	c = xn->host->alloc(xn->host->hctx, sizeof(*c));
	memset(c, 0, sizeof(*c));
	c->xn = xn;
	c->kind = kind;
	c->arg = arg;
	return (c);
}

static int
xendit_create(void *pctx, const struct hs_payment_create *in,
    hs_payment_created_fn done, void *arg)
{
	struct xendit	*xn = pctx;
	struct call	*c;
	char		 body[6144], url[600], desc[1024], ret[1200];
	char		 email[600], redirects[2600], payer[700];
	int		 rc;

	if (done == NULL || !HS_HAS(in, struct hs_payment_create, notify_url) ||
	    !order_ok(in->order_id) || in->amount <= 0 ||
	    (in->currency != NULL && strcmp(in->currency, "IDR")))
		return (HS_E_INVALID);
	if (pjson_escape(in->description && in->description[0] ?
	    in->description : "Token", desc, sizeof(desc)) == -1 ||
	    pjson_escape(in->return_url ? in->return_url : "", ret,
	    sizeof(ret)) == -1 ||
	    pjson_escape(in->customer_email ? in->customer_email : "", email,
	    sizeof(email)) == -1)
		return (HS_E_INVALID);
	/* Only what we know: Xendit validates every URL and email sent. */
	redirects[0] = payer[0] = '\0';
	if (ret[0])
		snprintf(redirects, sizeof(redirects), ", "
		    "\"success_redirect_url\": \"%s\", "
		    "\"failure_redirect_url\": \"%s\"", ret, ret);
	if (email[0])
		snprintf(payer, sizeof(payer), ", \"payer_email\": \"%s\"",
		    email);
	if ((size_t)snprintf(body, sizeof(body), "{\"external_id\": \"%s\", "
	    "\"amount\": %lld, \"description\": \"%s\", "
	    "\"invoice_duration\": %lld, \"currency\": \"IDR\"%s%s}",
	    in->order_id, (long long)in->amount, desc, xn->duration,
	    redirects, payer) >= sizeof(body))
		return (HS_E_INVALID);
	snprintf(url, sizeof(url), "%s/v2/invoices", xn->api_url);
	c = call_new(xn, CALL_CREATE, arg);
	c->created = done;
	c->amount = in->amount;
	snprintf(c->order_id, sizeof(c->order_id), "%s", in->order_id);
	if ((rc = request(xn, "POST", url, body, c)) != HS_OK)
		return (rc);
	return (HS_E_PENDING);
}

static int
invoice_call(struct xendit *xn, int kind, const char *ref,
    hs_payment_status_fn done, void *arg)
{
	struct call	*c;
	char		 url[600];

	if (!invoice_id_ok(ref))
		return (HS_E_INVALID);
	if (kind == CALL_STATUS)
		snprintf(url, sizeof(url), "%s/v2/invoices/%s", xn->api_url,
		    ref);
	else
		snprintf(url, sizeof(url), "%s/invoices/%s/expire!",
		    xn->api_url, ref);
	c = call_new(xn, kind, arg);
	c->status = done;
	snprintf(c->ref, sizeof(c->ref), "%s", ref);
	return (request(xn, kind == CALL_STATUS ? "GET" : "POST", url,
	    kind == CALL_STATUS ? NULL : "{}", c));
}

static int
xendit_status(void *pctx, const char *order_id, const char *provider_ref,
    hs_payment_status_fn done, void *arg)
{
	int	rc;

	(void)order_id;
	if (done == NULL)
		return (HS_E_INVALID);
	if ((rc = invoice_call(pctx, CALL_STATUS, provider_ref, done, arg)) !=
	    HS_OK)
		return (rc);
	return (HS_E_PENDING);
}

/*
 * Cancel answers HS_OK once the request is on its way, not HS_E_PENDING:
 * the core's caller (core/vend/purchase.c) frees done's argument on any
 * other result, and done still runs later with it.
 */
static int
xendit_cancel(void *pctx, const char *order_id, const char *provider_ref,
    hs_payment_status_fn done, void *arg)
{
	(void)order_id;
	return (invoice_call(pctx, CALL_CANCEL, provider_ref, done, arg));
}

static const struct hs_payment_ops xendit_ops = {
	.size = sizeof(struct hs_payment_ops),
	.create = xendit_create,
	.verify_notification = xendit_verify,
	.status = xendit_status,
	.cancel = xendit_cancel,
};

static const struct hs_plugin xendit_plugin = {
	.size = sizeof(struct hs_plugin),
	.abi = HS_ABI_VERSION,
	.kind = HS_KIND_PAYMENT,
	.caps = 0,
	.name = "xendit",
	.version = "1.0",
	.description = "Xendit Invoices",
	.settings = xendit_settings,
	.init = xendit_init,
	.fini = xendit_fini,
	.ops = &xendit_ops,
};

HS_EXPORT const struct hs_plugin *
hs_plugin_entry(uint32_t host_abi)
{
	if (HS_ABI_MAJOR_OF(host_abi) != HS_ABI_MAJOR)
		return (NULL);
	return (&xendit_plugin);
}
