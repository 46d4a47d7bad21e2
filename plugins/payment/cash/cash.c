/*
 * Cash at the counter (loket): a cashier takes the money and the token is
 * sold at once.  No provider, no network, so it keeps selling when every
 * online provider is down.  The contract is in docs/payments.md.
 *
 *   create        HS_PAY_ACTION_DONE, provider_ref "CASH-<order_id>".
 *                 done() runs before create() returns, which then returns
 *                 HS_OK: there is nothing to wait for, and the ABI's
 *                 rule (docs/plugins.md) is exactly that an operation
 *                 that finished at once calls done before returning
 *                 HS_OK; only HS_E_PENDING promises a later call.
 *                 plugin.h's "done runs later" is about host->http_request,
 *                 which this plugin never uses.
 *   notification  none: HS_E_NOTSUP
 *   status        always paid: done() runs at once with HS_PAY_PAID,
 *                 event id "cash:<order_id>" and amount 0, since the
 *                 plugin keeps no record of what was paid (the core's
 *                 own record is the truth, and it never asks about
 *                 counter sales when it reconciles); HS_OK
 *   cancel        refused: the money is in the till (HS_E_NOTSUP)
 *
 * The core accepts "already paid" only from a plugin instance configured
 * as a counter (`set NAME counter yes`) and only from cashiers and
 * admins, and records the payment and the vend job in one transaction.
 * The optional setting receipt_footer is printed on receipts by the core.
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

	/*
	 * No secret and no peer: nothing to check.  The core reads
	 * receipt_footer itself when it prints a receipt.
	 */
	c = host->alloc(host->hctx, sizeof(*c));
	memset(c, 0, sizeof(*c));
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
order_ok(const char *id)
{
	return (id != NULL && id[0] != '\0' && strlen(id) <= 100);
}

static int
cash_create(void *pctx, const struct hs_payment_create *in,
    hs_payment_created_fn done, void *arg)
{
	struct cash			*c = pctx;
	struct hs_payment_created	 cr;

	if (done == NULL || !HS_HAS(in, struct hs_payment_create, amount) ||
	    !order_ok(in->order_id) || in->amount <= 0 ||
	    (HS_HAS(in, struct hs_payment_create, currency) &&
	    in->currency != NULL && strcmp(in->currency, "IDR")))
		return (HS_E_INVALID);
	memset(&cr, 0, sizeof(cr));
	cr.size = sizeof(cr);
	cr.action = HS_PAY_ACTION_DONE;
	snprintf(cr.provider_ref, sizeof(cr.provider_ref), "CASH-%s",
	    in->order_id);
	snprintf(cr.instruction, sizeof(cr.instruction), "Dibayar tunai di "
	    "loket");
	/* Paid already: nothing is left open to expire. */
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

static int
cash_status(void *pctx, const char *order_id, const char *provider_ref,
    hs_payment_status_fn done, void *arg)
{
	struct hs_payment_event	ev;

	(void)pctx;
	(void)provider_ref;
	if (done == NULL || !order_ok(order_id))
		return (HS_E_INVALID);
	memset(&ev, 0, sizeof(ev));
	ev.size = sizeof(ev);
	snprintf(ev.event_id, sizeof(ev.event_id), "cash:%s", order_id);
	snprintf(ev.order_id, sizeof(ev.order_id), "%s", order_id);
	snprintf(ev.provider_ref, sizeof(ev.provider_ref), "CASH-%s",
	    order_id);
	ev.state = HS_PAY_PAID;
	ev.amount = 0;
	done(arg, HS_OK, &ev);
	return (HS_OK);
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
	.caps = 0,
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
