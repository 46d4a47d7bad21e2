/*
 * Xendit Invoices: the customer pays on Xendit's invoice page (VA, QRIS,
 * e-wallets, retail outlets); Xendit calls back.  The contract is in
 * docs/payments.md.
 *
 *   create    POST {api_url}/v2/invoices, Basic secret_key
 *   callback  x-callback-token must equal callback_token (constant
 *             time); webhook-id is the event id (repeated on
 *             re-delivery).  With signing_key set, a callback carrying
 *             X-Callback-Signature must match HMAC-SHA256(signing_key,
 *             X-Callback-Timestamp "." body) and be at most max_age old.
 *   status    GET {api_url}/v2/invoices/{id}
 *   cancel    POST {api_url}/invoices/{id}/expire!
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hydrosync/plugin.h"
#include "../../lib/phttp.h"
#include "../../lib/pjson.h"

struct xendit {
	const struct hs_host	*host;
	const char		*api_url;
	const char		*secret_key;
	const char		*callback_token;
	const char		*signing_key;
	long			 duration;
	long			 max_age;
	char			 auth[320];
};

struct call {
	struct xendit		*xn;
	int			 create;
	hs_payment_created_fn	 created;
	hs_payment_status_fn	 status;
	void			*arg;
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
xendit_init(const struct hs_host *host, void **pctx)
{
	struct xendit	*xn;
	const char	*v;

	xn = host->alloc(host->hctx, sizeof(*xn));
	xn->host = host;
	xn->api_url = host->setting(host->hctx, "api_url");
	xn->secret_key = host->setting(host->hctx, "secret_key");
	xn->callback_token = host->setting(host->hctx, "callback_token");
	xn->signing_key = host->setting(host->hctx, "signing_key");
	xn->duration = 3600;
	xn->max_age = 300;
	if ((v = host->setting(host->hctx, "invoice_duration")) != NULL)
		xn->duration = strtol(v, NULL, 10);
	if ((v = host->setting(host->hctx, "max_age")) != NULL)
		xn->max_age = strtol(v, NULL, 10);
	if (xn->api_url == NULL || (strncmp(xn->api_url, "http://", 7) &&
	    strncmp(xn->api_url, "https://", 8))) {
		host->log(host->hctx, HS_LOG_ERR, "api_url must be an http(s) "
		    "URL");
		goto bad;
	}
	if (xn->secret_key == NULL || strlen(xn->secret_key) < 16 ||
	    strlen(xn->secret_key) > 150 || xn->callback_token == NULL ||
	    strlen(xn->callback_token) < 16) {
		host->log(host->hctx, HS_LOG_ERR, "secret_key (16..150) and "
		    "callback_token (16 or more characters) are required");
		goto bad;
	}
	if (xn->duration < 60 || xn->duration > 31536000 ||
	    xn->max_age < 10 || xn->max_age > 86400) {
		host->log(host->hctx, HS_LOG_ERR, "invoice_duration or max_age "
		    "out of range");
		goto bad;
	}
	if (phttp_basic(xn->secret_key, "", xn->auth, sizeof(xn->auth)) == -1)
		goto bad;
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

/* An invoice (callback or GET) as an event. */
static int
read_invoice(const char *b, size_t n, struct hs_payment_event *ev,
    const char *webhook_id)
{
	char	status[16];

	if (pjson_valid(b, n) != 0 ||
	    pjson_string(b, n, "id", ev->provider_ref,
	    sizeof(ev->provider_ref)) != 0 ||
	    pjson_string(b, n, "external_id", ev->order_id,
	    sizeof(ev->order_id)) != 0 ||
	    pjson_string(b, n, "status", status, sizeof(status)) != 0 ||
	    (ev->state = map_state(status)) == 0)
		return (HS_E_INVALID);
	if (pjson_money(b, n, "paid_amount", &ev->amount) != 0 &&
	    pjson_money(b, n, "amount", &ev->amount) != 0)
		return (HS_E_INVALID);
	if (webhook_id != NULL)
		snprintf(ev->event_id, sizeof(ev->event_id), "%s", webhook_id);
	else if ((size_t)snprintf(ev->event_id, sizeof(ev->event_id),
	    "%.100s:%.15s", ev->provider_ref, status) >= sizeof(ev->event_id))
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

	token = phttp_header(headers, nheaders, "x-callback-token");
	if (token == NULL || strlen(token) != strlen(xn->callback_token) ||
	    CRYPTO_memcmp(token, xn->callback_token, strlen(token)) != 0)
		return (HS_E_DENIED);
	sig = phttp_header(headers, nheaders, "x-callback-signature");
	if (xn->signing_key != NULL && sig != NULL) {
		if ((ts = phttp_header(headers, nheaders,
		    "x-callback-timestamp")) == NULL)
			return (HS_E_DENIED);
		t = strtoll(ts, NULL, 10);
		now = xn->host->now_ms(xn->host->hctx) / 1000;
		if (t < now - xn->max_age || t > now + 60)
			return (HS_E_DENIED);
		if (phttp_hmac_check(xn->signing_key, ts, body, body_len,
		    sig) != 0)
			return (HS_E_DENIED);
	}
	id = phttp_header(headers, nheaders, "webhook-id");
	if (id != NULL && (id[0] == '\0' || strlen(id) > 100))
		return (HS_E_INVALID);
	return (read_invoice(body, body_len, out, id));
}

static void
call_done(void *arg, const struct hs_http_resp *resp)
{
	struct call			*c = arg;
	struct hs_payment_created	 cr;
	struct hs_payment_event		 ev;
	int				 rc = phttp_result(resp);

	if (c->create) {
		memset(&cr, 0, sizeof(cr));
		cr.size = sizeof(cr);
		cr.action = HS_PAY_ACTION_REDIRECT;
		if (rc == HS_OK && (pjson_string(resp->body, resp->body_len,
		    "id", cr.provider_ref, sizeof(cr.provider_ref)) != 0 ||
		    pjson_string(resp->body, resp->body_len, "invoice_url",
		    cr.redirect_url, sizeof(cr.redirect_url)) != 0))
			rc = HS_E_INVALID;
		cr.expires_at_ms = c->xn->host->now_ms(c->xn->host->hctx) +
		    c->xn->duration * 1000;
		if (rc != HS_OK)
			c->xn->host->log(c->xn->host->hctx, HS_LOG_WARNING,
			    "create: HTTP %d %s", resp->status,
			    resp->error_text ? resp->error_text : "");
		c->created(c->arg, rc, rc == HS_OK ? &cr : NULL);
	} else {
		memset(&ev, 0, sizeof(ev));
		ev.size = sizeof(ev);
		if (rc == HS_OK)
			rc = read_invoice(resp->body, resp->body_len, &ev,
			    NULL);
		if (c->status != NULL)
			c->status(c->arg, rc, rc == HS_OK ? &ev : NULL);
	}
	c->xn->host->free(c->xn->host->hctx, c);
}

static int
request(struct xendit *xn, const char *method, const char *url,
    const char *body, struct call *c)
{
	struct hs_http_header	 h[2];
	struct hs_http_req	 req;

	h[0].name = "Authorization";
	h[0].value = xn->auth;
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
	req.timeout_ms = 15000;
	return (xn->host->http_request(xn->host->hctx, &req, call_done, c));
}

static int
xendit_create(void *pctx, const struct hs_payment_create *in,
    hs_payment_created_fn done, void *arg)
{
	struct xendit	*xn = pctx;
	struct call	*c;
	char		 body[4096], url[600], order[300], desc[400];
	char		 ret[1200], email[300];
	int		 rc;

	if (in->order_id == NULL || in->amount <= 0 ||
	    pjson_escape(in->order_id, order, sizeof(order)) == -1 ||
	    pjson_escape(in->description ? in->description : "", desc,
	    sizeof(desc)) == -1 ||
	    pjson_escape(in->return_url ? in->return_url : "", ret,
	    sizeof(ret)) == -1 ||
	    pjson_escape(in->customer_email ? in->customer_email : "", email,
	    sizeof(email)) == -1)
		return (HS_E_INVALID);
	snprintf(body, sizeof(body), "{\"external_id\": \"%s\", \"amount\": "
	    "%lld, \"description\": \"%s\", \"invoice_duration\": %ld, "
	    "\"currency\": \"IDR\", \"success_redirect_url\": \"%s\", "
	    "\"failure_redirect_url\": \"%s\"%s%s%s}", order,
	    (long long)in->amount, desc, xn->duration, ret, ret,
	    email[0] ? ", \"payer_email\": \"" : "", email,
	    email[0] ? "\"" : "");
	snprintf(url, sizeof(url), "%s/v2/invoices", xn->api_url);
	c = xn->host->alloc(xn->host->hctx, sizeof(*c));
	c->xn = xn;
	c->create = 1;
	c->created = done;
	c->arg = arg;
	if ((rc = request(xn, "POST", url, body, c)) != HS_OK)
		xn->host->free(xn->host->hctx, c);
	return (rc);
}

static int
invoice_call(struct xendit *xn, const char *method, const char *prefix,
    const char *ref, const char *suffix, hs_payment_status_fn done, void *arg)
{
	struct call	*c;
	char		 url[600];
	int		 rc;

	/* Xendit invoice ids are hex; anything else is not an invoice. */
	if (ref == NULL || ref[0] == '\0' ||
	    strspn(ref, "0123456789abcdefABCDEF") != strlen(ref))
		return (HS_E_INVALID);
	snprintf(url, sizeof(url), "%s%s%s%s", xn->api_url, prefix, ref,
	    suffix);
	c = xn->host->alloc(xn->host->hctx, sizeof(*c));
	c->xn = xn;
	c->status = done;
	c->arg = arg;
	if ((rc = request(xn, method, url, method[0] == 'P' ? "{}" : NULL,
	    c)) != HS_OK)
		xn->host->free(xn->host->hctx, c);
	return (rc);
}

static int
xendit_status(void *pctx, const char *order_id, const char *provider_ref,
    hs_payment_status_fn done, void *arg)
{
	(void)order_id;
	return (invoice_call(pctx, "GET", "/v2/invoices/", provider_ref, "",
	    done, arg));
}

static int
xendit_cancel(void *pctx, const char *order_id, const char *provider_ref,
    hs_payment_status_fn done, void *arg)
{
	(void)order_id;
	return (invoice_call(pctx, "POST", "/invoices/", provider_ref,
	    "/expire!", done, arg));
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
