/*
 * Cash at the counter (loket): a cashier takes the money and the token is
 * sold at once.  No provider, no network, so it keeps selling when every
 * online provider is down.
 *
 * create() answers HS_PAY_ACTION_DONE with provider_ref "CASH-<order>"
 * and calls done before it returns: there is nothing to wait for.  The
 * core accepts "already paid" only from a plugin instance configured as a
 * counter (`set NAME counter yes`) and only from cashiers and admins, and
 * records the payment and the vend job in one transaction.  Cash has no
 * notifications and no status to ask for (HS_E_NOTSUP).
 * The optional setting receipt_footer is printed on receipts.
 */
#include <stdio.h>
#include <string.h>

#include "hydrosync/plugin.h"

struct cash {
	const struct hs_host	*host;
};

static const struct hs_setting_spec cash_settings[] = {
	{ "receipt_footer", 0, "a line printed at the foot of receipts" },
	{ NULL, 0, NULL }
};

static int
cash_init(const struct hs_host *host, void **pctx)
{
	struct cash	*c;

	c = host->alloc(host->hctx, sizeof(*c));
	c->host = host;
	*pctx = c;
	return (HS_OK);
}

static void
cash_fini(void *pctx)
{
	struct cash	*c = pctx;

	c->host->free(c->host->hctx, c);
}

static int
cash_create(void *pctx, const struct hs_payment_create *in,
    hs_payment_created_fn done, void *arg)
{
	struct cash			*c = pctx;
	struct hs_payment_created	 cr;

	if (in->order_id == NULL || in->order_id[0] == '\0' || in->amount <= 0)
		return (HS_E_INVALID);
	memset(&cr, 0, sizeof(cr));
	cr.size = sizeof(cr);
	cr.action = HS_PAY_ACTION_DONE;
	if ((size_t)snprintf(cr.provider_ref, sizeof(cr.provider_ref),
	    "CASH-%s", in->order_id) >= sizeof(cr.provider_ref))
		return (HS_E_INVALID);
	snprintf(cr.instruction, sizeof(cr.instruction), "Dibayar tunai di "
	    "loket");
	cr.expires_at_ms = c->host->now_ms(c->host->hctx);
	done(arg, HS_OK, &cr);
	return (HS_OK);
}

static int
cash_verify(void *pctx, const struct hs_http_header *headers,
    size_t nheaders, const void *body, size_t body_len,
    struct hs_payment_event *out)
{
	(void)pctx;
	(void)headers;
	(void)nheaders;
	(void)body;
	(void)body_len;
	(void)out;
	return (HS_E_NOTSUP);
}

/* Nothing to ask: the core's own record is the truth for cash. */
static int
cash_status(void *pctx, const char *order_id, const char *provider_ref,
    hs_payment_status_fn done, void *arg)
{
	(void)pctx;
	(void)order_id;
	(void)provider_ref;
	(void)done;
	(void)arg;
	return (HS_E_NOTSUP);
}

static int
cash_cancel(void *pctx, const char *order_id, const char *provider_ref,
    hs_payment_status_fn done, void *arg)
{
	(void)pctx;
	(void)order_id;
	(void)provider_ref;
	(void)done;
	(void)arg;
	return (HS_E_NOTSUP);
}

static const struct hs_payment_ops cash_ops = {
	.size = sizeof(struct hs_payment_ops),
	.create = cash_create,
	.verify_notification = cash_verify,
	.status = cash_status,
	.cancel = cash_cancel,
};

static const struct hs_plugin cash_plugin = {
	.size = sizeof(struct hs_plugin),
	.abi = HS_ABI_VERSION,
	.kind = HS_KIND_PAYMENT,
	.name = "cash",
	.version = "1.0",
	.description = "cash at the utility's counter",
	.settings = cash_settings,
	.init = cash_init,
	.fini = cash_fini,
	.ops = &cash_ops,
};

HS_EXPORT const struct hs_plugin *
hs_plugin_entry(uint32_t host_abi)
{
	if (HS_ABI_MAJOR_OF(host_abi) != HS_ABI_MAJOR)
		return (NULL);
	return (&cash_plugin);
}
