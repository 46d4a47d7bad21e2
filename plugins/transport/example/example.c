/*
 * Example transport plugin: delivers each message as an HTTP POST of its
 * body to the URL in the `url` setting, through the host's asynchronous
 * HTTP client.  It is the template for integrators (docs/plugins.md) and the
 * plugin the foundation tests load; real transports (SMS, push, webhook)
 * follow the same shape.
 *
 * 2xx means delivered; 429, 5xx and network failures are retryable; any
 * other status is a permanent failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hydrosync/plugin.h"

struct example_ctx {
	const struct hs_host	*host;
	const char		*url;
	uint32_t		 timeout_ms;
};

struct example_send {
	struct example_ctx	*ctx;
	hs_send_done_fn		 done;
	void			*arg;
};

static const struct hs_setting_spec example_settings[] = {
	{ "url", 1, "where each message is POSTed" },
	{ "timeout_ms", 0, "request timeout in milliseconds (default 5000)" },
	{ NULL, 0, NULL }
};

static int
example_init(const struct hs_host *host, void **pctx)
{
	struct example_ctx	*ctx;
	const char		*v;
	char			*end;
	long			 ms;

	ctx = host->alloc(host->hctx, sizeof(*ctx));
	memset(ctx, 0, sizeof(*ctx));
	ctx->host = host;
	ctx->url = host->setting(host->hctx, "url");
	ctx->timeout_ms = 5000;
	if ((v = host->setting(host->hctx, "timeout_ms")) != NULL) {
		ms = strtol(v, &end, 10);
		if (*end != '\0' || ms < 1 || ms > 600000) {
			host->log(host->hctx, HS_LOG_ERR, "timeout_ms must be "
			    "1..600000, not '%s'", v);
			host->free(host->hctx, ctx);
			return (HS_E_CONFIG);
		}
		ctx->timeout_ms = (uint32_t)ms;
	}
	if (strncmp(ctx->url, "http://", 7) && strncmp(ctx->url, "https://", 8)) {
		host->log(host->hctx, HS_LOG_ERR, "url must start with http:// "
		    "or https://, not '%s'", ctx->url);
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

static void
example_sent(void *arg, const struct hs_http_resp *resp)
{
	struct example_send	*s = arg;
	struct hs_delivery	 d;

	memset(&d, 0, sizeof(d));
	d.size = sizeof(d);
	if (resp->error != HS_OK) {
		d.result = HS_E_UNAVAILABLE;
		d.retry_after_ms = 1000;
		snprintf(d.detail, sizeof(d.detail), "%s", resp->error_text);
	} else if (resp->status >= 200 && resp->status < 300) {
		d.result = HS_OK;
		snprintf(d.detail, sizeof(d.detail), "HTTP %d", resp->status);
	} else if (resp->status == 429 || resp->status >= 500) {
		d.result = HS_E_UNAVAILABLE;
		d.retry_after_ms = 1000;
		snprintf(d.detail, sizeof(d.detail), "HTTP %d", resp->status);
	} else {
		d.result = HS_E_INVALID;
		snprintf(d.detail, sizeof(d.detail), "HTTP %d", resp->status);
	}
	s->done(s->arg, &d);
	s->ctx->host->free(s->ctx->host->hctx, s);
}

static int
example_send(void *pctx, const struct hs_message *msg, hs_send_done_fn done,
    void *arg)
{
	struct example_ctx	*ctx = pctx;
	struct example_send	*s;
	struct hs_http_req	 req;
	struct hs_http_header	 hdr[2];
	int			 r;

	hdr[0].name = "content-type";
	hdr[0].value = "application/json";
	hdr[1].name = "idempotency-key";
	hdr[1].value = msg->message_id;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.method = "POST";
	req.url = ctx->url;
	req.headers = hdr;
	req.nheaders = 2;
	req.body = msg->body;
	req.body_len = msg->body_len;
	req.timeout_ms = ctx->timeout_ms;

	s = ctx->host->alloc(ctx->host->hctx, sizeof(*s));
	s->ctx = ctx;
	s->done = done;
	s->arg = arg;
	if ((r = ctx->host->http_request(ctx->host->hctx, &req, example_sent,
	    s)) != HS_OK) {
		ctx->host->free(ctx->host->hctx, s);
		return (r);
	}
	return (HS_E_PENDING);
}

static const struct hs_transport_ops example_ops = {
	.size = sizeof(struct hs_transport_ops),
	.channel = "example",
	.max_rate = 0,
	.send = example_send,
	.verify_status = NULL,
};

static const struct hs_plugin example_plugin = {
	.size = sizeof(struct hs_plugin),
	.abi = HS_ABI_VERSION,
	.kind = HS_KIND_TRANSPORT,
	.caps = 0,
	.name = "example-transport",
	.version = "1.0",
	.description = "POSTs each message to a configured URL",
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
