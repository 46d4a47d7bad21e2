/*
 * Midtrans: Snap for creating payments (the customer is redirected to
 * Midtrans's page: VA, QRIS, e-wallets, cards), HTTP notifications and the
 * Core API for status and cancel.  The contract is in docs/payments.md.
 *
 *   create        POST {snap_url}/snap/v1/transactions, Basic server_key,
 *                 X-Override-Notification: our notify URL.  A reused
 *                 order id ("has already been taken") is HS_E_UNAVAILABLE:
 *                 the first try reached Midtrans, and the core's
 *                 reconciliation asks for its status.
 *   notification  signature_key = hex(SHA-512(order_id + status_code +
 *                 gross_amount + server_key)), compared in constant time
 *                 before anything else is believed; one notification per
 *                 status change, repeated at will: the event id is
 *                 transaction_id ":" transaction_status
 *   status        GET {api_url}/v2/{order_id}/status, signed the same way
 *                 and verified too
 *   cancel        POST {api_url}/v2/{order_id}/cancel; its reply is
 *                 verified when it carries a signature_key (the Core API
 *                 does not sign cancel replies; it came over our own
 *                 authenticated request, and the core only logs it)
 *
 * Snap's create reply has a token and a redirect URL but no transaction
 * id, so provider_ref stays empty until the first notification: the core
 * keeps the first provider_ref it is given, and the Snap token is not
 * what Midtrans's dashboard or API know the payment by.
 *
 * create and status return HS_E_PENDING once the request is on its way;
 * cancel returns HS_OK (see midtrans_cancel).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hydrosync/plugin.h"
#include "../../lib/phttp.h"
#include "../../lib/pjson.h"

#define KEY_MIN		16
#define KEY_MAX		150
#define ITEM_NAME_MAX	50	/* Midtrans refuses longer item names */
#define TIMEOUT_MS	15000

struct midtrans {
	const struct hs_host	*host;
	char			 snap_url[512];	/* no trailing slash */
	char			 api_url[512];
	const char		*server_key;
	long long		 expiry_minutes;
	char			 auth[320];	/* "Basic base64(key:)" */
};

#define CALL_CREATE	1
#define CALL_STATUS	2
#define CALL_CANCEL	3

/* One request in flight; freed after its done() has run. */
struct call {
	struct midtrans		*mt;
	int			 kind;		/* CALL_* */
	hs_payment_created_fn	 created;
	hs_payment_status_fn	 status;
	void			*arg;
	char			 order_id[64];
};

/* A request body being built. */
struct out {
	char	buf[6144];
	size_t	len;
	int	err;
};

static const struct hs_setting_spec midtrans_settings[] = {
	{ "snap_url", 1, "Snap base, https://app.midtrans.com" },
	{ "api_url", 1, "Core API base, https://api.midtrans.com" },
	{ "server_key", 1, "the merchant's server key (use env: or file:)" },
	{ "expiry_minutes", 0, "how long a payment stays open (default 60)" },
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

/* A base URL without its trailing slashes into out; -1 when unusable. */
static int
base_url(const char *u, char *out, size_t len)
{
	size_t	n;

	if (!url_ok(u) || (n = strlen(u)) >= len)
		return (-1);
	while (n > 0 && u[n - 1] == '/')
		n--;
	memcpy(out, u, n);
	out[n] = '\0';
	return (0);
}

/*
 * Order ids go into Core API paths unescaped; Midtrans allows letters,
 * digits, '-', '_', '~' and '.', at most 50.
 */
static int
order_ok(const char *id)
{
	size_t	n;

	if (id == NULL || (n = strlen(id)) == 0 || n > 50)
		return (0);
	return (strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_.~") == n);
}

static int
midtrans_init(const struct hs_host *host, void **pctx)
{
	struct midtrans	*mt;
	const char	*v;

	mt = host->alloc(host->hctx, sizeof(*mt));
	memset(mt, 0, sizeof(*mt));
	mt->host = host;
	mt->server_key = host->setting(host->hctx, "server_key");
	mt->expiry_minutes = 60;
	if (base_url(host->setting(host->hctx, "snap_url"), mt->snap_url,
	    sizeof(mt->snap_url)) == -1 ||
	    base_url(host->setting(host->hctx, "api_url"), mt->api_url,
	    sizeof(mt->api_url)) == -1) {
		host->log(host->hctx, HS_LOG_ERR, "snap_url and api_url must be "
		    "http:// or https:// URLs");
		goto bad;
	}
	if (mt->server_key == NULL || strlen(mt->server_key) < KEY_MIN ||
	    strlen(mt->server_key) > KEY_MAX || !header_safe(mt->server_key)) {
		host->log(host->hctx, HS_LOG_ERR, "server_key must be %d to %d "
		    "printable characters: a short key can be guessed",
		    KEY_MIN, KEY_MAX);
		goto bad;
	}
	if ((v = host->setting(host->hctx, "expiry_minutes")) != NULL &&
	    parse_num(v, 1, 10080, &mt->expiry_minutes) == -1) {
		host->log(host->hctx, HS_LOG_ERR, "expiry_minutes must be a "
		    "number, 1 to 10080");
		goto bad;
	}
	if (phttp_basic(mt->server_key, "", mt->auth, sizeof(mt->auth)) == -1) {
		host->log(host->hctx, HS_LOG_ERR, "server_key too long for "
		    "HTTP Basic");
		goto bad;
	}
	*pctx = mt;
	return (HS_OK);
bad:
	host->free(host->hctx, mt);
	return (HS_E_CONFIG);
}

static void
midtrans_fini(void *pctx)
{
	struct midtrans	*mt = pctx;

	OPENSSL_cleanse(mt->auth, sizeof(mt->auth));
	mt->host->free(mt->host->hctx, mt);
}

/* Only an accepted capture is money in; a challenged one waits. */
static int
map_state(const char *st, const char *fraud)
{
	if (!strcmp(st, "settlement"))
		return (HS_PAY_PAID);
	if (!strcmp(st, "capture"))
		return (!strcmp(fraud, "accept") ? HS_PAY_PAID :
		    HS_PAY_PENDING);
	if (!strcmp(st, "pending") || !strcmp(st, "authorize"))
		return (HS_PAY_PENDING);
	if (!strcmp(st, "deny") || !strcmp(st, "failure"))
		return (HS_PAY_FAILED);
	if (!strcmp(st, "expire"))
		return (HS_PAY_EXPIRED);
	if (!strcmp(st, "cancel"))
		return (HS_PAY_CANCELLED);
	if (!strcmp(st, "refund") || !strcmp(st, "partial_refund") ||
	    !strcmp(st, "chargeback") || !strcmp(st, "partial_chargeback"))
		return (HS_PAY_REFUNDED);
	return (0);
}

/* Does sig equal hex(SHA-512(order + code + gross + server_key))? */
static int
signature_ok(const struct midtrans *mt, const char *order, const char *code,
    const char *gross, const char *sig)
{
	EVP_MD_CTX	*md;
	unsigned char	 digest[64];
	unsigned int	 dlen = 0;
	int		 ok;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return (0);
	/* Streamed, so the server key is never copied into a buffer. */
	ok = EVP_DigestInit_ex(md, EVP_sha512(), NULL) == 1 &&
	    EVP_DigestUpdate(md, order, strlen(order)) == 1 &&
	    EVP_DigestUpdate(md, code, strlen(code)) == 1 &&
	    EVP_DigestUpdate(md, gross, strlen(gross)) == 1 &&
	    EVP_DigestUpdate(md, mt->server_key, strlen(mt->server_key)) ==
	    1 && EVP_DigestFinal_ex(md, digest, &dlen) == 1 && dlen == 64;
	EVP_MD_CTX_free(md);
	return (ok && phttp_hex_equal(digest, sizeof(digest), sig) == 0);
}

/*
 * Check a notification or status body's signature_key over the raw
 * fields, before anything in it is believed.  HS_E_INVALID for a body
 * that is not JSON at all; HS_E_DENIED for a missing or wrong signature,
 * or missing signed fields (nothing to verify is not verified).
 */
static int
verify_body(const struct midtrans *mt, const char *b, size_t n)
{
	char	order[64], code[8], gross[32], sig[136];

	if (b == NULL || pjson_valid(b, n) != 0)
		return (HS_E_INVALID);
	if (pjson_string(b, n, "signature_key", sig, sizeof(sig)) != 0 ||
	    pjson_string(b, n, "order_id", order, sizeof(order)) != 0 ||
	    pjson_string(b, n, "status_code", code, sizeof(code)) != 0 ||
	    pjson_string(b, n, "gross_amount", gross, sizeof(gross)) != 0 ||
	    !signature_ok(mt, order, code, gross, sig))
		return (HS_E_DENIED);
	return (HS_OK);
}

/* A transaction body (already verified where that is required). */
static int
read_event(const char *b, size_t n, struct hs_payment_event *ev)
{
	char	st[32], fraud[32], txid[96];
	int	t;

	memset(ev, 0, sizeof(*ev));
	ev->size = sizeof(*ev);
	if (pjson_string(b, n, "order_id", ev->order_id,
	    sizeof(ev->order_id)) != 0 || ev->order_id[0] == '\0' ||
	    pjson_string(b, n, "transaction_status", st, sizeof(st)) != 0 ||
	    pjson_string(b, n, "transaction_id", txid, sizeof(txid)) != 0 ||
	    txid[0] == '\0' ||
	    pjson_money(b, n, "gross_amount", &ev->amount) != 0)
		return (HS_E_INVALID);
	/* fraud_status is only there for cards. */
	if ((t = pjson_type(b, n, "fraud_status")) == -1 || t == PJSON_NULL)
		fraud[0] = '\0';
	else if (pjson_string(b, n, "fraud_status", fraud, sizeof(fraud)) != 0)
		return (HS_E_INVALID);
	if ((ev->state = map_state(st, fraud)) == 0)
		return (HS_E_INVALID);
	snprintf(ev->provider_ref, sizeof(ev->provider_ref), "%s", txid);
	snprintf(ev->event_id, sizeof(ev->event_id), "%s:%s", txid, st);
	return (HS_OK);
}

/*
 * The Core API answers some failures with HTTP 200 and its own
 * status_code in an unsigned body ({"status_code": "404", ...}).
 */
static int
unsigned_result(const char *b, size_t n)
{
	char	code[8];

	if (pjson_string(b, n, "status_code", code, sizeof(code)) != 0)
		return (HS_E_INVALID);
	if (!strcmp(code, "401") || !strcmp(code, "403"))
		return (HS_E_CONFIG);
	if (code[0] == '5' || !strcmp(code, "429"))
		return (HS_E_UNAVAILABLE);
	if (code[0] != '2')
		return (HS_E_INVALID);
	return (HS_OK);
}

/* A status or cancel reply for c's order. */
static int
read_reply(const struct call *c, const char *b, size_t n,
    struct hs_payment_event *ev)
{
	int	rc;

	if (b == NULL || pjson_valid(b, n) != 0)
		return (HS_E_INVALID);
	if (pjson_type(b, n, "signature_key") != -1) {
		if ((rc = verify_body(c->mt, b, n)) != HS_OK)
			return (rc);
	} else {
		if ((rc = unsigned_result(b, n)) != HS_OK)
			return (rc);
		/* A status is signed (docs/payments.md); a cancel is not. */
		if (c->kind == CALL_STATUS)
			return (HS_E_DENIED);
	}
	if ((rc = read_event(b, n, ev)) != HS_OK)
		return (rc);
	if (strcmp(ev->order_id, c->order_id))
		return (HS_E_INVALID);
	return (HS_OK);
}

/*
 * A create's HTTP outcome.  A reused order id means an earlier try
 * reached Midtrans (its answer was lost): not a refusal, so the core
 * keeps the order and its reconciliation asks for the status.
 */
static int
create_result(const struct hs_http_resp *resp)
{
	if (resp->error == HS_OK && resp->status == 400 &&
	    resp->body != NULL && memmem(resp->body, resp->body_len,
	    "already been taken", 18) != NULL)
		return (HS_E_UNAVAILABLE);
	return (phttp_result(resp));
}

/* Say once why a call failed; credentials problems are the admin's. */
static void
log_failure(const struct call *c, const struct hs_http_resp *resp, int rc)
{
	static const char *const what[] = { "", "create", "status",
	    "cancel" };
	const struct hs_host	*host = c->mt->host;
	char			 msg[160];

	if (resp->error != HS_OK || resp->status == 0) {
		host->log(host->hctx, HS_LOG_WARNING, "%s %s: no answer: %s",
		    what[c->kind], c->order_id, resp->error_text ?
		    resp->error_text : "unknown error");
		return;
	}
	if (pjson_string(resp->body, resp->body_len, "error_messages.0", msg,
	    sizeof(msg)) == -1 && pjson_string(resp->body, resp->body_len,
	    "status_message", msg, sizeof(msg)) == -1)
		msg[0] = '\0';
	host->log(host->hctx, rc == HS_E_CONFIG ? HS_LOG_ERR : HS_LOG_WARNING,
	    "%s %s: HTTP %d%s%s%s", what[c->kind], c->order_id, resp->status,
	    msg[0] ? ": " : "", msg, rc == HS_E_CONFIG ? " (Midtrans refuses "
	    "our server_key)" : "");
}

static void
call_done(void *arg, const struct hs_http_resp *resp)
{
	struct call			*c = arg;
	struct midtrans			*mt = c->mt;
	struct hs_payment_created	 cr;
	struct hs_payment_event		 ev;
	char				 token[128];
	int				 rc;

	rc = c->kind == CALL_CREATE ? create_result(resp) : phttp_result(resp);
	if (rc != HS_OK)
		log_failure(c, resp, rc);
	if (c->kind == CALL_CREATE) {
		memset(&cr, 0, sizeof(cr));
		cr.size = sizeof(cr);
		cr.action = HS_PAY_ACTION_REDIRECT;
		if (rc == HS_OK && (pjson_string(resp->body, resp->body_len,
		    "token", token, sizeof(token)) != 0 || token[0] == '\0' ||
		    pjson_string(resp->body, resp->body_len, "redirect_url",
		    cr.redirect_url, sizeof(cr.redirect_url)) != 0 ||
		    !url_ok(cr.redirect_url))) {
			mt->host->log(mt->host->hctx, HS_LOG_WARNING, "create "
			    "%s: Snap's reply has no token and redirect_url",
			    c->order_id);
			rc = HS_E_INVALID;
		}
		cr.expires_at_ms = mt->host->now_ms(mt->host->hctx) +
		    mt->expiry_minutes * 60000;
		c->created(c->arg, rc, rc == HS_OK ? &cr : NULL);
	} else {
		memset(&ev, 0, sizeof(ev));
		ev.size = sizeof(ev);
		if (rc == HS_OK && (rc = read_reply(c, resp->body,
		    resp->body_len, &ev)) != HS_OK)
			mt->host->log(mt->host->hctx, rc == HS_E_DENIED ?
			    HS_LOG_ERR : HS_LOG_WARNING, "%s %s: %s",
			    c->kind == CALL_STATUS ? "status" : "cancel",
			    c->order_id, rc == HS_E_DENIED ? "the reply's "
			    "signature_key does not verify" : "the reply "
			    "cannot be read");
		if (c->status != NULL)
			c->status(c->arg, rc, rc == HS_OK ? &ev : NULL);
	}
	mt->host->free(mt->host->hctx, c);
}

/*
 * Start one request for c.  HS_OK when it is on its way (call_done runs
 * later and frees c); otherwise c is freed here and done never runs.
 */
static int
request(struct midtrans *mt, const char *method, const char *url,
    const char *body, const char *notify, struct call *c)
{
	struct hs_http_header	 h[4];
	struct hs_http_req	 req;
	size_t			 n = 0;
	int			 rc;

	h[n].name = "Authorization";
	h[n++].value = mt->auth;
	h[n].name = "Accept";
	h[n++].value = "application/json";
	if (body != NULL) {
		h[n].name = "Content-Type";
		h[n++].value = "application/json";
	}
	if (notify != NULL) {
		h[n].name = "X-Override-Notification";
		h[n++].value = notify;
	}
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.method = method;
	req.url = url;
	req.headers = h;
	req.nheaders = n;
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	req.timeout_ms = TIMEOUT_MS;
	rc = mt->host->http_request(mt->host->hctx, &req, call_done, c);
	if (rc != HS_OK && rc != HS_E_PENDING) {
		mt->host->free(mt->host->hctx, c);
		return (rc);
	}
	return (HS_OK);
}

static struct call *
call_new(struct midtrans *mt, int kind, const char *order_id, void *arg)
{
	struct call	*c;

	c = mt->host->alloc(mt->host->hctx, sizeof(*c));
	memset(c, 0, sizeof(*c));
	c->mt = mt;
	c->kind = kind;
	c->arg = arg;
	snprintf(c->order_id, sizeof(c->order_id), "%s", order_id);
	return (c);
}

static void	add(struct out *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* Append to a body; a body that does not fit is marked, never cut. */
static void
add(struct out *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (o->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, sizeof(o->buf) - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(o->buf) - o->len) {
		o->err = 1;
		return;
	}
	o->len += (size_t)n;
}

/* The first max characters (not bytes) of s into out. */
static void
clip(const char *s, size_t max, char *out, size_t len)
{
	size_t	i, j = 0, chars = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == max)
			break;
		if (j + 1 >= len)
			break;
		out[j++] = s[i];
	}
	out[j] = '\0';
}

static int
midtrans_create(void *pctx, const struct hs_payment_create *in,
    hs_payment_created_fn done, void *arg)
{
	struct midtrans	*mt = pctx;
	struct call	*c;
	struct out	 o;
	const char	*notify = NULL, *sep = "";
	char		 url[600], item[4 * ITEM_NAME_MAX + 1], name[401];
	char		 e_item[1024], e_name[1024], e_phone[256], e_email[1024];
	char		 e_ret[1200];
	int		 rc;

	if (done == NULL || !HS_HAS(in, struct hs_payment_create, notify_url) ||
	    !order_ok(in->order_id) || in->amount <= 0 ||
	    (in->currency != NULL && strcmp(in->currency, "IDR")))
		return (HS_E_INVALID);
	if (in->notify_url != NULL && in->notify_url[0] != '\0') {
		if (!url_ok(in->notify_url))
			return (HS_E_INVALID);
		notify = in->notify_url;
	}
	clip(in->description && in->description[0] ? in->description :
	    "Token", ITEM_NAME_MAX, item, sizeof(item));
	clip(in->customer_name ? in->customer_name : "", 100, name,
	    sizeof(name));
	if (pjson_escape(item, e_item, sizeof(e_item)) == -1 ||
	    pjson_escape(name, e_name, sizeof(e_name)) == -1 ||
	    pjson_escape(in->customer_phone ? in->customer_phone : "",
	    e_phone, sizeof(e_phone)) == -1 ||
	    pjson_escape(in->customer_email ? in->customer_email : "",
	    e_email, sizeof(e_email)) == -1 ||
	    pjson_escape(in->return_url ? in->return_url : "", e_ret,
	    sizeof(e_ret)) == -1)
		return (HS_E_INVALID);

	memset(&o, 0, sizeof(o));
	add(&o, "{\"transaction_details\": {\"order_id\": \"%s\", "
	    "\"gross_amount\": %lld}", in->order_id, (long long)in->amount);
	/* Only what we know: Midtrans refuses an empty email or phone. */
	if (e_name[0] || e_phone[0] || e_email[0]) {
		add(&o, ", \"customer_details\": {");
		if (e_name[0]) {
			add(&o, "\"first_name\": \"%s\"", e_name);
			sep = ", ";
		}
		if (e_phone[0]) {
			add(&o, "%s\"phone\": \"%s\"", sep, e_phone);
			sep = ", ";
		}
		if (e_email[0])
			add(&o, "%s\"email\": \"%s\"", sep, e_email);
		add(&o, "}");
	}
	/* One item whose price is the whole amount: Snap checks the sum. */
	add(&o, ", \"item_details\": [{\"id\": \"token\", \"price\": %lld, "
	    "\"quantity\": 1, \"name\": \"%s\"}], \"expiry\": {\"unit\": "
	    "\"minutes\", \"duration\": %lld}", (long long)in->amount, e_item,
	    mt->expiry_minutes);
	if (e_ret[0])
		add(&o, ", \"callbacks\": {\"finish\": \"%s\"}", e_ret);
	add(&o, "}");
	if (o.err)
		return (HS_E_INVALID);

	snprintf(url, sizeof(url), "%s/snap/v1/transactions", mt->snap_url);
	c = call_new(mt, CALL_CREATE, in->order_id, arg);
	c->created = done;
	if ((rc = request(mt, "POST", url, o.buf, notify, c)) != HS_OK)
		return (rc);
	return (HS_E_PENDING);
}

static int
midtrans_verify(void *pctx, const struct hs_http_header *headers,
    size_t nheaders, const void *body, size_t body_len,
    struct hs_payment_event *out)
{
	int	rc;

	/* Midtrans signs the body alone; no header carries anything. */
	(void)headers;
	(void)nheaders;
	if (out == NULL)
		return (HS_E_INVALID);
	if ((rc = verify_body(pctx, body, body_len)) != HS_OK)
		return (rc);
	return (read_event(body, body_len, out));
}

static int
api_call(struct midtrans *mt, int kind, const char *order_id,
    hs_payment_status_fn done, void *arg)
{
	struct call	*c;
	char		 url[600];

	if (!order_ok(order_id))
		return (HS_E_INVALID);
	snprintf(url, sizeof(url), "%s/v2/%s/%s", mt->api_url, order_id,
	    kind == CALL_STATUS ? "status" : "cancel");
	c = call_new(mt, kind, order_id, arg);
	c->status = done;
	return (request(mt, kind == CALL_STATUS ? "GET" : "POST", url, NULL,
	    NULL, c));
}

static int
midtrans_status(void *pctx, const char *order_id, const char *provider_ref,
    hs_payment_status_fn done, void *arg)
{
	int	rc;

	/* The Core API knows a payment by our order id. */
	(void)provider_ref;
	if (done == NULL)
		return (HS_E_INVALID);
	if ((rc = api_call(pctx, CALL_STATUS, order_id, done, arg)) != HS_OK)
		return (rc);
	return (HS_E_PENDING);
}

/*
 * Cancel answers HS_OK once the request is on its way, not HS_E_PENDING:
 * the core's caller (core/vend/purchase.c) frees done's argument on any
 * other result, and done still runs later with it.
 */
static int
midtrans_cancel(void *pctx, const char *order_id, const char *provider_ref,
    hs_payment_status_fn done, void *arg)
{
	(void)provider_ref;
	return (api_call(pctx, CALL_CANCEL, order_id, done, arg));
}

static const struct hs_payment_ops midtrans_ops = {
	.size = sizeof(struct hs_payment_ops),
	.create = midtrans_create,
	.verify_notification = midtrans_verify,
	.status = midtrans_status,
	.cancel = midtrans_cancel,
};

static const struct hs_plugin midtrans_plugin = {
	.size = sizeof(struct hs_plugin),
	.abi = HS_ABI_VERSION,
	.kind = HS_KIND_PAYMENT,
	.caps = 0,
	.name = "midtrans",
	.version = "1.0",
	.description = "Midtrans Snap and Core API",
	.settings = midtrans_settings,
	.init = midtrans_init,
	.fini = midtrans_fini,
	.ops = &midtrans_ops,
};

HS_EXPORT const struct hs_plugin *
hs_plugin_entry(uint32_t host_abi)
{
	if (HS_ABI_MAJOR_OF(host_abi) != HS_ABI_MAJOR)
		return (NULL);
	return (&midtrans_plugin);
}
