/*
 * SMS over HTTP (channel "sms"), with two request profiles:
 *
 *   twilio   POST {base_url}/2010-04-01/Accounts/{account_sid}/Messages.json
 *            HTTP Basic (account_sid:auth_token), form To, From, Body,
 *            StatusCallback; 201 {"sid": ...}.  Delivery reports are
 *            signed: X-Twilio-Signature = base64(HMAC-SHA1(auth_token,
 *            status_url + every POST parameter sorted by name, name then
 *            value)).
 *   zenziva  POST {base_url}/api/sendsms/ form userkey, passkey, to,
 *            message; {"messageId", "status": "1", "text"}.  Zenziva does
 *            not sign its reports, so our callback URL is configured with a
 *            token it sends back in X-Callback-Token.
 *
 * The plugin never retries: 429 (with Retry-After), 5xx and timeouts are
 * HS_E_UNAVAILABLE and the core's dispatcher decides; other 4xx are
 * permanent.  SMS providers have no idempotency key, so the dispatcher
 * never re-sends a message whose outcome it did not learn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hydrosync/plugin.h"
#include "../../lib/phttp.h"
#include "../../lib/pjson.h"

#define BODY_MAX	1600
#define PARAMS_MAX	32

struct sms {
	const struct hs_host	*host;
	int			 twilio;
	const char		*base_url;
	const char		*sid, *token, *from, *status_url;
	const char		*userkey, *passkey, *callback_token;
	uint32_t		 timeout_ms;
	char			 auth[320];
};

struct send {
	struct sms	*sms;
	hs_send_done_fn	 done;
	void		*arg;
};

static const struct hs_setting_spec sms_settings[] = {
	{ "profile", 1, "twilio or zenziva" },
	{ "base_url", 1, "the provider, e.g. https://api.twilio.com" },
	{ "account_sid", 0, "twilio: the account SID" },
	{ "auth_token", 0, "twilio: the auth token (env: or file:)" },
	{ "from", 0, "twilio: the sending number or sender id" },
	{ "status_url", 0, "twilio: our delivery report URL, as Twilio calls "
	    "it (it is part of the signature)" },
	{ "userkey", 0, "zenziva: user key" },
	{ "passkey", 0, "zenziva: pass key (env: or file:)" },
	{ "callback_token", 0, "zenziva: token our report URL carries" },
	{ "timeout_ms", 0, "request timeout (default 5000)" },
	{ "rate", 0, "messages per second for this node (read by the core)" },
	{ NULL, 0, NULL }
};

static int
need(const struct hs_host *host, const char *v, const char *name)
{
	if (v == NULL || v[0] == '\0') {
		host->log(host->hctx, HS_LOG_ERR, "setting %s is required for "
		    "this profile", name);
		return (-1);
	}
	return (0);
}

static int
sms_init(const struct hs_host *host, void **pctx)
{
	struct sms	*s;
	const char	*v;

	s = host->alloc(host->hctx, sizeof(*s));
	s->host = host;
	s->base_url = host->setting(host->hctx, "base_url");
	v = host->setting(host->hctx, "profile");
	s->twilio = v != NULL && !strcmp(v, "twilio");
	s->timeout_ms = 5000;
	if ((v = host->setting(host->hctx, "timeout_ms")) != NULL)
		s->timeout_ms = (uint32_t)strtoul(v, NULL, 10);
	if (!s->twilio && (v = host->setting(host->hctx, "profile")) != NULL &&
	    strcmp(v, "zenziva")) {
		host->log(host->hctx, HS_LOG_ERR, "profile must be twilio or "
		    "zenziva");
		goto bad;
	}
	if (s->base_url == NULL || (strncmp(s->base_url, "http://", 7) &&
	    strncmp(s->base_url, "https://", 8))) {
		host->log(host->hctx, HS_LOG_ERR, "base_url must be http(s)");
		goto bad;
	}
	if (s->timeout_ms < 100 || s->timeout_ms > 60000) {
		host->log(host->hctx, HS_LOG_ERR, "timeout_ms must be "
		    "100..60000");
		goto bad;
	}
	if (s->twilio) {
		s->sid = host->setting(host->hctx, "account_sid");
		s->token = host->setting(host->hctx, "auth_token");
		s->from = host->setting(host->hctx, "from");
		s->status_url = host->setting(host->hctx, "status_url");
		if (need(host, s->sid, "account_sid") == -1 ||
		    need(host, s->token, "auth_token") == -1 ||
		    need(host, s->from, "from") == -1)
			goto bad;
		if (strlen(s->sid) > 64 || strspn(s->sid, "ABCDEFGHIJKLMNOPQ"
		    "RSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") !=
		    strlen(s->sid)) {
			host->log(host->hctx, HS_LOG_ERR, "account_sid must be "
			    "letters and digits");
			goto bad;
		}
		if (phttp_basic(s->sid, s->token, s->auth,
		    sizeof(s->auth)) == -1)
			goto bad;
	} else {
		s->userkey = host->setting(host->hctx, "userkey");
		s->passkey = host->setting(host->hctx, "passkey");
		s->callback_token = host->setting(host->hctx,
		    "callback_token");
		if (need(host, s->userkey, "userkey") == -1 ||
		    need(host, s->passkey, "passkey") == -1)
			goto bad;
	}
	*pctx = s;
	return (HS_OK);
bad:
	host->free(host->hctx, s);
	return (HS_E_CONFIG);
}

static void
sms_fini(void *pctx)
{
	struct sms	*s = pctx;

	OPENSSL_cleanse(s->auth, sizeof(s->auth));
	s->host->free(s->host->hctx, s);
}

/* application/x-www-form-urlencoded: unreserved bytes kept, the rest %XX. */
static int
form_add(char *out, size_t len, size_t *off, const char *name,
    const char *value)
{
	static const char	hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	size_t			 o = *off;

	if (o > 0 && o + 1 < len)
		out[o++] = '&';
	for (p = (const unsigned char *)name; *p != '\0' && o + 1 < len; p++)
		out[o++] = (char)*p;
	if (o + 1 < len)
		out[o++] = '=';
	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		if (o + 4 >= len)
			return (-1);
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	*off = o;
	return (0);
}

/* +62812..., 62812..., 0812...: E.164 for Twilio, 0... for Zenziva. */
static int
number(const char *in, int twilio, char *out, size_t len)
{
	const char	*d = in[0] == '+' ? in + 1 : in;
	size_t		 n = strlen(d);

	if (n < 8 || n > 15 || strspn(d, "0123456789") != n)
		return (-1);
	if (d[0] == '0')
		snprintf(out, len, twilio ? "+62%s" : "%s", twilio ? d + 1 : d);
	else
		snprintf(out, len, twilio ? "+%s" : "%s", d);
	return (0);
}

static void
sent(void *arg, const struct hs_http_resp *resp)
{
	struct send		*c = arg;
	struct hs_delivery	 d;
	const char		*ra;
	char			 st[8];

	memset(&d, 0, sizeof(d));
	d.size = sizeof(d);
	d.result = phttp_result(resp);
	if (d.result == HS_E_CONFIG)
		d.result = HS_E_INVALID;	/* credentials: permanent */
	if (resp->status == 429 && (ra = phttp_header(resp->headers,
	    resp->nheaders, "retry-after")) != NULL)
		d.retry_after_ms = (uint32_t)strtoul(ra, NULL, 10) * 1000;
	if (d.result == HS_OK) {
		if (c->sms->twilio) {
			if (pjson_string(resp->body, resp->body_len, "sid",
			    d.provider_ref, sizeof(d.provider_ref)) != 0)
				d.result = HS_E_INVALID;
		} else if (pjson_string(resp->body, resp->body_len,
		    "messageId", d.provider_ref, sizeof(d.provider_ref)) != 0 ||
		    pjson_string(resp->body, resp->body_len, "status", st,
		    sizeof(st)) != 0 || strcmp(st, "1")) {
			d.result = HS_E_INVALID;
		}
	}
	if (d.result != HS_OK) {
		/* A refused message has no provider id to be matched by. */
		d.provider_ref[0] = '\0';
		snprintf(d.detail, sizeof(d.detail), "HTTP %d %s",
		    resp->status, resp->error_text ? resp->error_text : "");
	}
	c->done(c->arg, &d);
	c->sms->host->free(c->sms->host->hctx, c);
}

static int
sms_send(void *pctx, const struct hs_message *msg, hs_send_done_fn done,
    void *arg)
{
	struct sms		*s = pctx;
	struct send		*c;
	struct hs_http_header	 h[2];
	struct hs_http_req	 req;
	char			 to[24], text[BODY_MAX + 1], body[6000];
	char			 url[600];
	size_t			 off = 0;
	int			 rc;

	if (msg->body_len == 0 || msg->body_len > BODY_MAX ||
	    number(msg->recipient, s->twilio, to, sizeof(to)) == -1)
		return (HS_E_INVALID);
	memcpy(text, msg->body, msg->body_len);
	text[msg->body_len] = '\0';
	if (s->twilio) {
		snprintf(url, sizeof(url), "%s/2010-04-01/Accounts/%s/"
		    "Messages.json", s->base_url, s->sid);
		if (form_add(body, sizeof(body), &off, "To", to) == -1 ||
		    form_add(body, sizeof(body), &off, "From", s->from) == -1 ||
		    form_add(body, sizeof(body), &off, "Body", text) == -1 ||
		    (s->status_url != NULL && form_add(body, sizeof(body),
		    &off, "StatusCallback", s->status_url) == -1))
			return (HS_E_INVALID);
	} else {
		snprintf(url, sizeof(url), "%s/api/sendsms/", s->base_url);
		if (form_add(body, sizeof(body), &off, "userkey",
		    s->userkey) == -1 ||
		    form_add(body, sizeof(body), &off, "passkey",
		    s->passkey) == -1 ||
		    form_add(body, sizeof(body), &off, "to", to) == -1 ||
		    form_add(body, sizeof(body), &off, "message", text) == -1)
			return (HS_E_INVALID);
	}
	h[0].name = "Content-Type";
	h[0].value = "application/x-www-form-urlencoded";
	h[1].name = "Authorization";
	h[1].value = s->auth;
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.method = "POST";
	req.url = url;
	req.headers = h;
	req.nheaders = s->twilio ? 2 : 1;
	req.body = body;
	req.body_len = off;
	req.timeout_ms = s->timeout_ms;
	c = s->host->alloc(s->host->hctx, sizeof(*c));
	c->sms = s;
	c->done = done;
	c->arg = arg;
	if ((rc = s->host->http_request(s->host->hctx, &req, sent, c)) !=
	    HS_OK)
		s->host->free(s->host->hctx, c);
	return (rc);
}

/* One form parameter, URL-decoded into out; 0 or -1. */
static int
form_get(const char *b, size_t n, const char *name, char *out, size_t len)
{
	size_t	nl = strlen(name), i = 0, o = 0;
	int	h1, h2;

	while (i < n) {
		if (n - i > nl && !strncmp(b + i, name, nl) && b[i + nl] == '=' &&
		    (i == 0 || b[i - 1] == '&')) {
			for (i += nl + 1; i < n && b[i] != '&' && o + 1 < len;
			    i++) {
				if (b[i] == '+')
					out[o++] = ' ';
				else if (b[i] == '%' && i + 2 < n &&
				    sscanf(b + i + 1, "%1x%1x", &h1, &h2) == 2) {
					out[o++] = (char)(h1 * 16 + h2);
					i += 2;
				} else
					out[o++] = b[i];
			}
			out[o] = '\0';
			return (0);
		}
		i++;
	}
	return (-1);
}

struct param {
	char	name[64];
	char	value[1024];
};

/* Twilio sorts the parameters by name (then value, for repeats). */
static int
cmp_param(const void *a, const void *b)
{
	const struct param	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return (c);
	return (strcmp(x->value, y->value));
}

/*
 * Twilio's signature: base64(HMAC-SHA1(auth_token, status_url followed by
 * every POST parameter, sorted by name, as name then value, both
 * URL-decoded)).  More parameters than we keep: refused, never guessed.
 */
static int
twilio_valid(const struct sms *s, const char *b, size_t n, const char *sig)
{
	struct param		 params[PARAMS_MAX];
	char			 copy[4096], *p, *eq, tmp[1200];
	char			 data[8192];
	unsigned char		 mac[20], enc[64];
	unsigned int		 maclen = sizeof(mac);
	size_t			 np = 0, off, i;

	if (sig == NULL || s->status_url == NULL || n >= sizeof(copy))
		return (0);
	memcpy(copy, b, n);
	copy[n] = '\0';
	for (p = strtok(copy, "&"); p != NULL; p = strtok(NULL, "&")) {
		if (np == PARAMS_MAX || (eq = strchr(p, '=')) == NULL)
			return (0);
		*eq = '\0';
		snprintf(tmp, sizeof(tmp), "v=%s", p);
		if (form_get(tmp, strlen(tmp), "v", params[np].name,
		    sizeof(params[np].name)) == -1)
			return (0);
		snprintf(tmp, sizeof(tmp), "v=%s", eq + 1);
		if (form_get(tmp, strlen(tmp), "v", params[np].value,
		    sizeof(params[np].value)) == -1)
			params[np].value[0] = '\0';
		np++;
	}
	qsort(params, np, sizeof(params[0]), cmp_param);
	off = (size_t)snprintf(data, sizeof(data), "%s", s->status_url);
	for (i = 0; i < np; i++) {
		off += (size_t)snprintf(data + off, sizeof(data) - off, "%s%s",
		    params[i].name, params[i].value);
		if (off >= sizeof(data))
			return (0);
	}
	HMAC(EVP_sha1(), s->token, (int)strlen(s->token),
	    (unsigned char *)data, off, mac, &maclen);
	EVP_EncodeBlock(enc, mac, 20);
	return (strlen(sig) == strlen((char *)enc) &&
	    CRYPTO_memcmp(sig, enc, strlen(sig)) == 0);
}

static int
sms_status(void *pctx, const struct hs_http_header *headers, size_t nheaders,
    const void *body, size_t body_len, char *message_id,
    size_t message_id_len, int *delivered)
{
	struct sms	*s = pctx;
	const char	*b = body, *tok;
	char		 status[32];

	if (s->twilio) {
		if (!twilio_valid(s, b, body_len, phttp_header(headers,
		    nheaders, "x-twilio-signature")))
			return (HS_E_DENIED);
		if (form_get(b, body_len, "MessageSid", message_id,
		    message_id_len) == -1 || form_get(b, body_len,
		    "MessageStatus", status, sizeof(status)) == -1)
			return (HS_E_INVALID);
		if (!strcmp(status, "delivered") || !strcmp(status, "read")) {
			*delivered = 1;
			return (HS_OK);
		}
		if (!strcmp(status, "failed") ||
		    !strcmp(status, "undelivered")) {
			*delivered = 0;
			return (HS_OK);
		}
		return (HS_E_PENDING);
	}
	tok = phttp_header(headers, nheaders, "x-callback-token");
	if (s->callback_token == NULL || tok == NULL ||
	    strlen(tok) != strlen(s->callback_token) ||
	    CRYPTO_memcmp(tok, s->callback_token, strlen(tok)) != 0)
		return (HS_E_DENIED);
	if (pjson_string(b, body_len, "messageId", message_id,
	    message_id_len) != 0 || pjson_string(b, body_len, "status", status,
	    sizeof(status)) != 0)
		return (HS_E_INVALID);
	*delivered = !strcasecmp(status, "DELIVERED");
	return (strcasecmp(status, "DELIVERED") && strcasecmp(status,
	    "FAILED") ? HS_E_PENDING : HS_OK);
}

static const struct hs_transport_ops sms_ops = {
	.size = sizeof(struct hs_transport_ops),
	.channel = "sms",
	.max_rate = 100,
	.send = sms_send,
	.verify_status = sms_status,
};

static const struct hs_plugin sms_plugin = {
	.size = sizeof(struct hs_plugin),
	.abi = HS_ABI_VERSION,
	.kind = HS_KIND_TRANSPORT,
	.name = "sms",
	.version = "1.0",
	.description = "SMS over HTTP: Twilio or Zenziva request profiles",
	.settings = sms_settings,
	.init = sms_init,
	.fini = sms_fini,
	.ops = &sms_ops,
};

HS_EXPORT const struct hs_plugin *
hs_plugin_entry(uint32_t host_abi)
{
	if (HS_ABI_MAJOR_OF(host_abi) != HS_ABI_MAJOR)
		return (NULL);
	return (&sms_plugin);
}
