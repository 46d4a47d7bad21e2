/*
 * Push transport (channel "push"): a notice goes to the customer's or a
 * staff member's open browsers (the PWA and the admin console keep /ws
 * open) through the core's WebSocket fan-out, on whichever node they are
 * connected to.  The recipient is "customer:<id>" or "user:<id>"; the
 * body is the notice as JSON.  Needs host ABI 1.1 (host->push).
 *
 * A browser that is not connected simply does not see it: push is the
 * instant channel, SMS the durable one, and the customer's preferences
 * choose which they get.  The message id travels inside the document so
 * a page that reconnects and re-reads can drop what it already showed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hydrosync/plugin.h"

struct push_ctx {
	const struct hs_host	*host;
};

struct push_send {
	hs_send_done_fn	 done;
	void		*arg;
};

static const struct hs_setting_spec push_settings[] = {
	{ NULL, 0, NULL }
};

static int
push_init(const struct hs_host *host, void **pctx)
{
	struct push_ctx	*ctx;

	if (!HS_HAS(host, struct hs_host, push)) {
		host->log(host->hctx, HS_LOG_ERR, "this host has no push "
		    "service (ABI 1.1 needed)");
		return (HS_E_CONFIG);
	}
	ctx = host->alloc(host->hctx, sizeof(*ctx));
	ctx->host = host;
	*pctx = ctx;
	return (HS_OK);
}

static void
push_fini(void *pctx)
{
	struct push_ctx	*ctx = pctx;

	ctx->host->free(ctx->host->hctx, ctx);
}

static void
pushed(void *arg, int result)
{
	struct push_send	*s = arg;
	struct hs_delivery	 d;

	memset(&d, 0, sizeof(d));
	d.size = sizeof(d);
	d.result = result;
	if (result != HS_OK)
		snprintf(d.detail, sizeof(d.detail), "the core could not "
		    "hand the notice on");
	s->done(s->arg, &d);
	free(s);
}

static int
push_send(void *pctx, const struct hs_message *msg, hs_send_done_fn done,
    void *arg)
{
	struct push_ctx		*ctx = pctx;
	struct push_send	*s;
	char			*doc;
	size_t			 len;
	int			 rc;

	if (msg->body_len == 0 || msg->body[0] != '{')
		return (HS_E_INVALID);
	/* {"id": "<message id>", <the notice's own members>} */
	len = msg->body_len + strlen(msg->message_id) + 16;
	if ((doc = malloc(len)) == NULL || (s = calloc(1, sizeof(*s))) ==
	    NULL) {
		free(doc);
		return (HS_E_INTERNAL);
	}
	len = (size_t)snprintf(doc, len, "{\"id\": \"%s\", %.*s",
	    msg->message_id, (int)(msg->body_len - 1), msg->body + 1);
	s->done = done;
	s->arg = arg;
	rc = ctx->host->push(ctx->host->hctx, msg->recipient, doc, len,
	    pushed, s);
	free(doc);
	if (rc != HS_OK)
		free(s);
	return (rc);
}

static const struct hs_transport_ops push_ops = {
	.size = sizeof(struct hs_transport_ops),
	.channel = "push",
	.max_rate = 0,
	.send = push_send,
	.verify_status = NULL,
};

static const struct hs_plugin push_plugin = {
	.size = sizeof(struct hs_plugin),
	.abi = HS_ABI_VERSION,
	.kind = HS_KIND_TRANSPORT,
	.name = "push",
	.version = "1.0",
	.description = "notices to open browsers over the core's WebSocket",
	.settings = push_settings,
	.init = push_init,
	.fini = push_fini,
	.ops = &push_ops,
};

HS_EXPORT const struct hs_plugin *
hs_plugin_entry(uint32_t host_abi)
{
	if (HS_ABI_MAJOR_OF(host_abi) != HS_ABI_MAJOR)
		return (NULL);
	return (&push_plugin);
}
