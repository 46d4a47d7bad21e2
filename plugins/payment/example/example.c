/*
 * Example payment plugin: the smallest complete payment provider, for
 * integrators to copy (docs/plugins.md) and for the foundation tests.
 *
 *   create        answers at once with a redirect to <pay_url>?order=<id>
 *   notification  a form body "event_id=..&order_id=..&state=paid&amount=N"
 *                 whose X-Example-Token header must equal the `token`
 *                 setting (compared in constant time)
 *   status        GET <status_url>?order=<id>, answered with the same form
 *
 * It is not a real provider: the real ones (sandbox, midtrans, xendit,
 * cash) live beside it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hydrosync/plugin.h"

struct example_ctx {
	const struct hs_host	*host;
	const char		*pay_url;
	const char		*status_url;
	const char		*token;
};

struct example_status {
	struct example_ctx	*ctx;
	hs_payment_status_fn	 done;
	void			*arg;
	char			 order_id[128];
};

static const struct hs_setting_spec example_settings[] = {
	{ "token", 1, "shared secret the provider sends in X-Example-Token" },
	{ "pay_url", 1, "page the customer is sent to" },
	{ "status_url", 0, "where payment status is asked (GET ?order=)" },
	{ NULL, 0, NULL }
};

static int
example_init(const struct hs_host *host, void **pctx)
{
	struct example_ctx	*ctx;

	ctx = host->alloc(host->hctx, sizeof(*ctx));
	ctx->host = host;
	ctx->token = host->setting(host->hctx, "token");
	ctx->pay_url = host->setting(host->hctx, "pay_url");
	ctx->status_url = host->setting(host->hctx, "status_url");
	if (ctx->token == NULL || strlen(ctx->token) < 16) {
		host->log(host->hctx, HS_LOG_ERR, "token must be at least 16 "
		    "characters");
		host->free(host->hctx, ctx);
		return (HS_E_CONFIG);
	}
	*pctx = ctx;
	return (HS_OK);
}

static void
example_fini(void *pctx)
{
	struct example_ctx	*ctx = pctx;

	ctx->host->free(ctx->host->hctx, ctx);
}

static int
example_create(void *pctx, const struct hs_payment_create *in,
    hs_payment_created_fn done, void *arg)
{
	struct example_ctx		*ctx = pctx;
	struct hs_payment_created	 out;
	int				 n;

	memset(&out, 0, sizeof(out));
	out.size = sizeof(out);
	out.action = HS_PAY_ACTION_REDIRECT;
	out.expires_at_ms = in->expires_at_ms;
	n = snprintf(out.provider_ref, sizeof(out.provider_ref), "ex-%s",
	    in->order_id);
	if (n < 0 || (size_t)n >= sizeof(out.provider_ref))
		return (HS_E_INVALID);
	n = snprintf(out.redirect_url, sizeof(out.redirect_url),
	    "%s?order=%s&amount=%lld", ctx->pay_url, in->order_id,
	    (long long)in->amount);
	if (n < 0 || (size_t)n >= sizeof(out.redirect_url))
		return (HS_E_INVALID);
	done(arg, HS_OK, &out);
	return (HS_OK);
}

/* Constant-time comparison so the token cannot be guessed byte by byte. */
static int
token_equal(const char *a, const char *b, size_t blen)
{
	size_t		i, alen;
	unsigned char	diff;

	alen = strlen(a);
	diff = alen != blen;
	for (i = 0; i < blen; i++)
		diff |= (unsigned char)(a[i % (alen ? alen : 1)] ^ b[i]);
	return (diff == 0);
}

/* Copy the value of key from a form body "k=v&k=v" into out. */
static int
form_value(const char *body, size_t len, const char *key, char *out,
    size_t outlen)
{
	size_t		i, klen, n;

	klen = strlen(key);
	for (i = 0; i < len; ) {
		if (len - i > klen && !memcmp(body + i, key, klen) &&
		    body[i + klen] == '=') {
			i += klen + 1;
			for (n = 0; i < len && body[i] != '&'; i++) {
				if (n + 1 >= outlen)
					return (-1);
				out[n++] = body[i];
			}
			out[n] = '\0';
			return (n > 0 ? 0 : -1);
		}
		while (i < len && body[i] != '&')
			i++;
		i++;
	}
	return (-1);
}

static int
parse_event(const char *body, size_t len, struct hs_payment_event *out)
{
	char		state[32], amount[32], *end;

	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	if (form_value(body, len, "event_id", out->event_id,
	    sizeof(out->event_id)) == -1 ||
	    form_value(body, len, "order_id", out->order_id,
	    sizeof(out->order_id)) == -1 ||
	    form_value(body, len, "state", state, sizeof(state)) == -1 ||
	    form_value(body, len, "amount", amount, sizeof(amount)) == -1)
		return (HS_E_INVALID);
	out->amount = strtoll(amount, &end, 10);
	if (*end != '\0' || out->amount < 0)
		return (HS_E_INVALID);
	if (!strcmp(state, "paid"))
		out->state = HS_PAY_PAID;
	else if (!strcmp(state, "failed"))
		out->state = HS_PAY_FAILED;
	else if (!strcmp(state, "expired"))
		out->state = HS_PAY_EXPIRED;
	else if (!strcmp(state, "pending"))
		out->state = HS_PAY_PENDING;
	else
		return (HS_E_INVALID);
	snprintf(out->provider_ref, sizeof(out->provider_ref), "ex-%.120s",
	    out->order_id);
	return (HS_OK);
}

static int
example_verify(void *pctx, const struct hs_http_header *headers,
    size_t nheaders, const void *body, size_t body_len,
    struct hs_payment_event *out)
{
	struct example_ctx	*ctx = pctx;
	size_t			 i;
	const char		*got;

	got = NULL;
	for (i = 0; i < nheaders; i++) {
		if (!strcasecmp(headers[i].name, "x-example-token"))
			got = headers[i].value;
	}
	if (got == NULL || !token_equal(got, ctx->token, strlen(ctx->token)))
		return (HS_E_DENIED);
	return (parse_event(body, body_len, out));
}

static void
example_status_done(void *arg, const struct hs_http_resp *resp)
{
	struct example_status	*st = arg;
	struct hs_payment_event	 ev;
	int			 r;

	memset(&ev, 0, sizeof(ev));
	if (resp->error != HS_OK || resp->status != 200)
		r = HS_E_UNAVAILABLE;
	else
		r = parse_event(resp->body, resp->body_len, &ev);
	st->done(st->arg, r, r == HS_OK ? &ev : NULL);
	st->ctx->host->free(st->ctx->host->hctx, st);
}

static int
example_status(void *pctx, const char *order_id, const char *provider_ref,
    hs_payment_status_fn done, void *arg)
{
	struct example_ctx	*ctx = pctx;
	struct example_status	*st;
	struct hs_http_req	 req;
	char			 url[1024];
	int			 r, n;

	(void)provider_ref;
	if (ctx->status_url == NULL)
		return (HS_E_NOTSUP);
	n = snprintf(url, sizeof(url), "%s?order=%s", ctx->status_url,
	    order_id);
	if (n < 0 || (size_t)n >= sizeof(url))
		return (HS_E_INVALID);
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.method = "GET";
	req.url = url;
	st = ctx->host->alloc(ctx->host->hctx, sizeof(*st));
	st->ctx = ctx;
	st->done = done;
	st->arg = arg;
	snprintf(st->order_id, sizeof(st->order_id), "%s", order_id);
	if ((r = ctx->host->http_request(ctx->host->hctx, &req,
	    example_status_done, st)) != HS_OK) {
		ctx->host->free(ctx->host->hctx, st);
		return (r);
	}
	return (HS_E_PENDING);
}

static const struct hs_payment_ops example_ops = {
	.size = sizeof(struct hs_payment_ops),
	.create = example_create,
	.verify_notification = example_verify,
	.status = example_status,
	.cancel = NULL,
};

static const struct hs_plugin example_plugin = {
	.size = sizeof(struct hs_plugin),
	.abi = HS_ABI_VERSION,
	.kind = HS_KIND_PAYMENT,
	.caps = 0,
	.name = "example-payment",
	.version = "1.0",
	.description = "minimal redirect payment provider for integrators",
	.settings = example_settings,
	.init = example_init,
	.fini = example_fini,
	.ops = &example_ops,
};

HS_EXPORT const struct hs_plugin *
hs_plugin_entry(uint32_t host_abi)
{
	if (HS_ABI_MAJOR_OF(host_abi) != HS_ABI_MAJOR)
		return (NULL);
	return (&example_plugin);
}
