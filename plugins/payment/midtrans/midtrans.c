/*
 * Midtrans: Snap for creating payments (the customer is redirected to
 * Midtrans's page: VA, QRIS, e-wallets, cards), HTTP notifications and the
 * Core API for status and cancel.  The contract is in docs/payments.md.
 *
 *   create        POST {snap_url}/snap/v1/transactions, Basic server_key,
 *                 X-Override-Notification: our notify URL
 *   notification  signature_key = hex(SHA-512(order_id + status_code +
 *                 gross_amount + server_key)), compared in constant time
 *                 before anything else is believed; one notification per
 *                 status change, repeated at will: the event id is
 *                 transaction_id ":" transaction_status
 *   status        GET {api_url}/v2/{order_id}/status (signed the same way)
 *   cancel        POST {api_url}/v2/{order_id}/cancel
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hydrosync/plugin.h"
#include "../../lib/phttp.h"
#include "../../lib/pjson.h"

struct midtrans {
	const struct hs_host	*host;
	const char		*snap_url;
	const char		*api_url;
	const char		*server_key;
	long			 expiry_minutes;
	char			 auth[320];	/* "Basic base64(key:)" */
};

struct call {
	struct midtrans		*mt;
	int			 create;
	hs_payment_created_fn	 created;
	hs_payment_status_fn	 status;
	void			*arg;
};

static const struct hs_setting_spec midtrans_settings[] = {
	{ "snap_url", 1, "Snap base, https://app.midtrans.com" },
	{ "api_url", 1, "Core API base, https://api.midtrans.com" },
	{ "server_key", 1, "the merchant's server key (use env: or file:)" },
	{ "expiry_minutes", 0, "how long a payment stays open (default 60)" },
	{ NULL, 0, NULL }
};

static int
url_ok(const char *u)
{
	return (u != NULL && (!strncmp(u, "http://", 7) ||
	    !strncmp(u, "https://", 8)));
}

static int
midtrans_init(const struct hs_host *host, void **pctx)
{
	struct midtrans	*mt;
	const char	*v;

	mt = host->alloc(host->hctx, sizeof(*mt));
	mt->host = host;
	mt->snap_url = host->setting(host->hctx, "snap_url");
	mt->api_url = host->setting(host->hctx, "api_url");
	mt->server_key = host->setting(host->hctx, "server_key");
	mt->expiry_minutes = 60;
	if ((v = host->setting(host->hctx, "expiry_minutes")) != NULL)
		mt->expiry_minutes = strtol(v, NULL, 10);
	if (!url_ok(mt->snap_url) || !url_ok(mt->api_url)) {
		host->log(host->hctx, HS_LOG_ERR, "snap_url and api_url must be "
		    "http(s) URLs");
		goto bad;
	}
	if (mt->server_key == NULL || strlen(mt->server_key) < 16 ||
	    strlen(mt->server_key) > 150) {
		host->log(host->hctx, HS_LOG_ERR, "server_key must be 16 to 150 "
		    "characters");
		goto bad;
	}
	if (mt->expiry_minutes < 1 || mt->expiry_minutes > 10080) {
		host->log(host->hctx, HS_LOG_ERR, "expiry_minutes must be "
		    "1..10080");
		goto bad;
	}
	if (phttp_basic(mt->server_key, "", mt->auth, sizeof(mt->auth)) == -1)
		goto bad;
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

static int
map_state(const char *st, const char *fraud)
{
	if (!strcmp(st, "settlement"))
		return (HS_PAY_PAID);
	if (!strcmp(st, "capture"))
		return (fraud && !strcmp(fraud, "accept") ? HS_PAY_PAID :
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

/*
 * A notification or status body: verify its signature_key, then read
 * it.  HS_E_DENIED for a bad signature, HS_E_INVALID for anything
 * malformed.
 */
static int
read_signed(const struct midtrans *mt, const char *b, size_t n,
    struct hs_payment_event *ev)
{
	char		order[128], code[8], gross[32], sig[160], st[32];
	char		fraud[32], msg[512], want[129], txid[96];
	unsigned char	md[64];
	unsigned int	mdlen = sizeof(md);
	size_t		i;
	int64_t		amount;

	if (pjson_valid(b, n) != 0 ||
	    pjson_string(b, n, "order_id", order, sizeof(order)) != 0 ||
	    pjson_string(b, n, "status_code", code, sizeof(code)) != 0 ||
	    pjson_string(b, n, "gross_amount", gross, sizeof(gross)) != 0)
		return (HS_E_DENIED);
	if (pjson_string(b, n, "signature_key", sig, sizeof(sig)) != 0 ||
	    strlen(sig) != 128)
		return (HS_E_DENIED);
	snprintf(msg, sizeof(msg), "%s%s%s%s", order, code, gross,
	    mt->server_key);
	EVP_Digest(msg, strlen(msg), md, &mdlen, EVP_sha512(), NULL);
	OPENSSL_cleanse(msg, sizeof(msg));
	for (i = 0; i < 64; i++)
		snprintf(want + i * 2, 3, "%02x", md[i]);
	if (CRYPTO_memcmp(want, sig, 128) != 0)
		return (HS_E_DENIED);
	if (pjson_string(b, n, "transaction_status", st, sizeof(st)) != 0 ||
	    pjson_string(b, n, "transaction_id", txid, sizeof(txid)) != 0 ||
	    pjson_money(b, n, "gross_amount", &amount) != 0)
		return (HS_E_INVALID);
	if (pjson_string(b, n, "fraud_status", fraud, sizeof(fraud)) != 0)
		fraud[0] = '\0';
	if ((ev->state = map_state(st, fraud)) == 0)
		return (HS_E_INVALID);
	snprintf(ev->order_id, sizeof(ev->order_id), "%s", order);
	snprintf(ev->provider_ref, sizeof(ev->provider_ref), "%s", txid);
	if ((size_t)snprintf(ev->event_id, sizeof(ev->event_id), "%.95s:%.31s",
	    txid, st) >= sizeof(ev->event_id))
		return (HS_E_INVALID);
	ev->amount = amount;
	return (HS_OK);
}

/* A retried create after a timeout: Midtrans says the order id is taken;
 * the reconciliation asks for the status later. */
static int
create_result(const struct hs_http_resp *resp)
{
	if (resp->status == 400 && resp->body_len > 0 && memmem(resp->body,
	    resp->body_len, "already been taken", 18) != NULL)
		return (HS_E_UNAVAILABLE);
	return (phttp_result(resp));
}

static void
call_done(void *arg, const struct hs_http_resp *resp)
{
	struct call			*c = arg;
	struct hs_payment_created	 cr;
	struct hs_payment_event		 ev;
	int				 rc = c->create ?
	    create_result(resp) : phttp_result(resp);

	if (c->create) {
		memset(&cr, 0, sizeof(cr));
		cr.size = sizeof(cr);
		cr.action = HS_PAY_ACTION_REDIRECT;
		if (rc == HS_OK && (pjson_string(resp->body, resp->body_len,
		    "token", cr.provider_ref, sizeof(cr.provider_ref)) != 0 ||
		    pjson_string(resp->body, resp->body_len, "redirect_url",
		    cr.redirect_url, sizeof(cr.redirect_url)) != 0))
			rc = HS_E_INVALID;
		/* The Snap token is not the transaction id: keep it out. */
		cr.provider_ref[0] = '\0';
		cr.expires_at_ms = c->mt->host->now_ms(c->mt->host->hctx) +
		    c->mt->expiry_minutes * 60000;
		if (rc != HS_OK)
			c->mt->host->log(c->mt->host->hctx, HS_LOG_WARNING,
			    "create: HTTP %d %s", resp->status,
			    resp->error_text ? resp->error_text : "");
		c->created(c->arg, rc, rc == HS_OK ? &cr : NULL);
	} else {
		memset(&ev, 0, sizeof(ev));
		ev.size = sizeof(ev);
		if (rc == HS_OK) {
			rc = read_signed(c->mt, resp->body, resp->body_len,
			    &ev);
			if (rc == HS_E_DENIED)
				rc = HS_E_INVALID;
		}
		if (c->status != NULL)
			c->status(c->arg, rc, rc == HS_OK ? &ev : NULL);
	}
	c->mt->host->free(c->mt->host->hctx, c);
}

static int
request(struct midtrans *mt, const char *method, const char *url,
    const char *body, const char *notify, struct call *c)
{
	struct hs_http_header	 h[4];
	struct hs_http_req	 req;
	size_t			 n = 0;

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
	req.body_len = body ? strlen(body) : 0;
	req.timeout_ms = 15000;
	return (mt->host->http_request(mt->host->hctx, &req, call_done, c));
}

static struct call *
call_new(struct midtrans *mt, void *arg)
{
	struct call	*c;

	c = mt->host->alloc(mt->host->hctx, sizeof(*c));
	c->mt = mt;
	c->arg = arg;
	return (c);
}

static int
midtrans_create(void *pctx, const struct hs_payment_create *in,
    hs_payment_created_fn done, void *arg)
{
	struct midtrans	*mt = pctx;
	struct call	*c;
	char		 body[4096], url[600], order[300], name[300], phone[64];
	char		 email[300], desc[120], ret[1200];
	int		 rc;

	if (in->order_id == NULL || in->amount <= 0 ||
	    pjson_escape(in->order_id, order, sizeof(order)) == -1 ||
	    pjson_escape(in->customer_name ? in->customer_name : "", name,
	    sizeof(name)) == -1 ||
	    pjson_escape(in->customer_phone ? in->customer_phone : "", phone,
	    sizeof(phone)) == -1 ||
	    pjson_escape(in->customer_email ? in->customer_email : "", email,
	    sizeof(email)) == -1 ||
	    pjson_escape(in->description ? in->description : "Token", desc,
	    sizeof(desc)) == -1 ||
	    pjson_escape(in->return_url ? in->return_url : "", ret,
	    sizeof(ret)) == -1)
		return (HS_E_INVALID);
	/* Midtrans limits item names to 50 characters. */
	desc[50] = '\0';
	snprintf(body, sizeof(body), "{\"transaction_details\": {\"order_id\": "
	    "\"%s\", \"gross_amount\": %lld}, \"customer_details\": "
	    "{\"first_name\": \"%s\", \"phone\": \"%s\", \"email\": \"%s\"}, "
	    "\"item_details\": [{\"id\": \"token\", \"price\": %lld, "
	    "\"quantity\": 1, \"name\": \"%s\"}], \"expiry\": {\"unit\": "
	    "\"minutes\", \"duration\": %ld}, \"callbacks\": {\"finish\": "
	    "\"%s\"}}", order, (long long)in->amount, name, phone, email,
	    (long long)in->amount, desc, mt->expiry_minutes, ret);
	snprintf(url, sizeof(url), "%s/snap/v1/transactions", mt->snap_url);
	c = call_new(mt, arg);
	c->create = 1;
	c->created = done;
	if ((rc = request(mt, "POST", url, body, in->notify_url, c)) != HS_OK)
		mt->host->free(mt->host->hctx, c);
	return (rc);
}

static int
midtrans_verify(void *pctx, const struct hs_http_header *headers,
    size_t nheaders, const void *body, size_t body_len,
    struct hs_payment_event *out)
{
	(void)headers;
	(void)nheaders;
	return (read_signed(pctx, body, body_len, out));
}

static int
order_ok(const char *order_id)
{
	return (order_id != NULL && order_id[0] != '\0' &&
	    strspn(order_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
	    "wxyz0123456789-_.~") == strlen(order_id));
}

static int
api_call(struct midtrans *mt, const char *method, const char *order_id,
    const char *tail, hs_payment_status_fn done, void *arg)
{
	struct call	*c;
	char		 url[600];
	int		 rc;

	if (!order_ok(order_id))
		return (HS_E_INVALID);
	snprintf(url, sizeof(url), "%s/v2/%s/%s", mt->api_url, order_id, tail);
	c = call_new(mt, arg);
	c->status = done;
	if ((rc = request(mt, method, url, NULL, NULL, c)) != HS_OK)
		mt->host->free(mt->host->hctx, c);
	return (rc);
}

static int
midtrans_status(void *pctx, const char *order_id, const char *provider_ref,
    hs_payment_status_fn done, void *arg)
{
	(void)provider_ref;
	return (api_call(pctx, "GET", order_id, "status", done, arg));
}

static int
midtrans_cancel(void *pctx, const char *order_id, const char *provider_ref,
    hs_payment_status_fn done, void *arg)
{
	(void)provider_ref;
	return (api_call(pctx, "POST", order_id, "cancel", done, arg));
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
