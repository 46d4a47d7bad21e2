/*
 * Paying bills from the customer app through an online payment plugin:
 *
 *   POST /api/v1/bills/orders  {"provider"} with an Idempotency-Key
 *       an order for everything the customer owes, created at the
 *       provider; the reply says what the customer must do (the
 *       provider's page, a virtual account, a QRIS string) and when it
 *       expires.  The same key again returns the same order.
 *   GET  /api/v1/bills/orders/{order_id}
 *
 * The provider's verified notification arrives at the usual
 * /api/v1/payments/{provider}/notify and is applied to the invoices in
 * SQL (hs_bill_order_event, migration 0022); the browser's return from
 * the provider's page is never believed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kore/kore.h>

#include "api/result.h"
#include "db/db.h"
#include "http/body.h"
#include "http/routes.h"
#include "obs/log.h"
#include "server/server.h"
#include "vend/vend.h"

#define ORDER_EXPIRY_MIN	60

struct portal {
	struct hs_plugin_slot		*slot;
	struct hs_ticket		*ticket;
	char				 provider[HS_CONF_NAME_MAX];
	char				 order_id[64];
	int64_t				 amount;
	int				 result;
	int				 gone;	/* the request went away */
	struct hs_payment_created	 created;
};

static void
ignored(void *arg, PGresult *res, const char *error, const char *state)
{
	(void)state;
	if (error != NULL)
		hs_log(HS_LOG_ERR, "bill.order", "%s: %s", (const char *)arg,
		    error);
	if (res != NULL)
		PQclear(res);
}

static void
portal_free(void *arg)
{
	struct portal	*p = arg;

	/* A create still running keeps p; created() frees it. */
	if (p->ticket != NULL)
		p->gone = 1;
	else
		free(p);
}

/* The provider answered: wake the request, or record it alone. */
static void
created(void *arg, int result, const struct hs_payment_created *c)
{
	struct portal	*p = arg;
	const char	*params[5];
	char		 expires[32];

	p->result = result;
	if (result == HS_OK && c != NULL)
		p->created = *c;
	if (!p->gone && hs_ticket_req(p->ticket) != NULL) {
		hs_ticket_resume(p->ticket);
		p->ticket = NULL;
		return;
	}
	hs_ticket_resume(p->ticket);
	p->ticket = NULL;
	params[0] = p->order_id;
	if (result == HS_OK) {
		snprintf(expires, sizeof(expires), "%lld",
		    (long long)(p->created.expires_at_ms / 1000));
		params[1] = p->created.provider_ref[0] ?
		    p->created.provider_ref : NULL;
		params[2] = p->created.redirect_url;
		params[3] = p->created.instruction;
		params[4] = expires;
		hs_db_query("SELECT hs_bill_order_created($1, $2, $3, $4, "
		    "to_timestamp($5::bigint))", 5, params, ignored,
		    "created");
	} else {
		params[1] = "the payment provider did not answer";
		hs_db_query("SELECT hs_bill_order_failed($1, $2)", 2, params,
		    ignored, "failed");
	}
	free(p);
}

struct order_body {
	char	provider[HS_CONF_NAME_MAX];
};

static const struct hs_field order_fields[] = {
	{ "provider", HS_F_STRING, offsetof(struct order_body, provider), 1,
	    HS_CONF_NAME_MAX - 1, 1, "abcdefghijklmnopqrstuvwxyz0123456789-_" },
};

static int
order_begin(struct hs_req *r)
{
	struct order_body	 b;
	struct portal		*p;
	const char		*params[5], *key;
	char			 utility[24], customer[24];
	uint32_t		 present;
	int			 counter;

	key = hs_req_header(r, "idempotency-key");
	if (key == NULL || strlen(key) < 8 || strlen(key) > 64)
		return (hs_reply_error(r, 422, "invalid_field", "send an "
		    "Idempotency-Key (8 to 64 characters)", "Idempotency-Key"));
	memset(&b, 0, sizeof(b));
	if (hs_body_parse(r, order_fields, 1, &b, &present) == -1)
		return (HS_DONE);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("bill order: out of memory");
	r->data = p;
	r->data_free = portal_free;
	snprintf(p->provider, sizeof(p->provider), "%s", b.provider);
	if ((p->slot = hs_vend_provider(b.provider, &counter)) == NULL ||
	    counter)
		return (hs_reply_error(r, 422, "invalid_field", "provider is "
		    "one of GET /api/v1/payments/providers (not the counter)",
		    "provider"));
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	snprintf(customer, sizeof(customer), "%lld",
	    (long long)r->who.customer_id);
	params[0] = r->who.actor;
	params[1] = utility;
	params[2] = customer;
	params[3] = b.provider;
	params[4] = key;
	return (hs_req_query(r, "SELECT hs_bill_order_begin($1, $2, $3, $4, "
	    "$5)", 5, params));
}

static int
order_call(struct hs_req *r, struct portal *p)
{
	const struct hs_payment_ops	*ops = hs_plugin_payment(p->slot);
	struct hs_payment_create	 in;
	struct kore_json		 j;
	struct kore_json_item		*it;
	char				 ret[512], notify[512], state[24];
	const char			*json;
	int				 rc;

	if (r->error[0] != '\0') {
		if (!strcmp(r->sqlstate, "HS409"))
			return (hs_reply_error(r, 409, "conflict", "nothing is "
			    "owed", NULL));
		return (hs_api_result(r, 201));
	}
	json = PQgetvalue(r->res, 0, 0);
	kore_json_init(&j, json, strlen(json));
	if (!kore_json_parse(&j) || (it = kore_json_find(j.root, "state",
	    KORE_JSON_TYPE_STRING)) == NULL) {
		kore_json_cleanup(&j);
		return (hs_reply_error(r, 500, "internal", "order", NULL));
	}
	snprintf(state, sizeof(state), "%s", it->data.string);
	it = kore_json_find(j.root, "order_id", KORE_JSON_TYPE_STRING);
	snprintf(p->order_id, sizeof(p->order_id), "%s", it ?
	    it->data.string : "");
	it = kore_json_find(j.root, "amount", KORE_JSON_TYPE_INTEGER_U64);
	p->amount = it ? (int64_t)it->data.u64 : 0;
	kore_json_cleanup(&j);
	/* An order past creation (a retried request): its state answers. */
	if (strcmp(state, "created") && strcmp(state, "create_failed"))
		return (hs_reply(r, 201, "application/json", json,
		    strlen(json)));
	memset(&in, 0, sizeof(in));
	in.size = sizeof(in);
	in.order_id = p->order_id;
	in.amount = p->amount;
	in.currency = "IDR";
	in.description = "Tagihan air";
	snprintf(ret, sizeof(ret), "%s/app/?order=%s", hs_vend_public_url(),
	    p->order_id);
	in.return_url = ret;
	snprintf(notify, sizeof(notify), "%s/api/v1/payments/%s/notify",
	    hs_vend_public_url(), p->provider);
	in.notify_url = notify;
	in.expires_at_ms = ((int64_t)time(NULL) + ORDER_EXPIRY_MIN * 60) *
	    1000;
	p->ticket = hs_req_ticket(r);
	rc = ops->create(p->slot->pctx, &in, created, p);
	if (rc != HS_OK && rc != HS_E_PENDING)
		created(p, rc, NULL);	/* refused at once */
	return (HS_AGAIN);
}

static int
order_record(struct hs_req *r, struct portal *p)
{
	const char	*params[5];
	char		 expires[32];

	params[0] = p->order_id;
	if (p->result != HS_OK) {
		params[1] = p->result == HS_E_UNAVAILABLE ? "the payment "
		    "provider did not answer" : "the payment provider refused";
		return (hs_req_query(r, "SELECT hs_bill_order_failed($1, $2)",
		    2, params));
	}
	snprintf(expires, sizeof(expires), "%lld",
	    (long long)(p->created.expires_at_ms / 1000));
	params[1] = p->created.provider_ref[0] ? p->created.provider_ref :
	    NULL;
	params[2] = p->created.redirect_url;
	params[3] = p->created.instruction;
	params[4] = expires;
	return (hs_req_query(r, "SELECT hs_bill_order_created($1, $2, $3, $4, "
	    "to_timestamp($5::bigint))", 5, params));
}

int
hs_bill_order_create(struct hs_req *r)
{
	struct portal	*p = r->data;

	switch (r->phase) {
	case 0:
		return (order_begin(r));
	case 1:
		return (order_call(r, p));
	case 2:
		return (order_record(r, p));
	case 3:
		if (r->error[0] != '\0')
			return (hs_api_result(r, 201));
		if (p->result != HS_OK)
			return (hs_reply_error(r, p->result ==
			    HS_E_UNAVAILABLE ? 503 : 502, "provider_failed",
			    "the payment provider did not take the order; "
			    "retry with the same Idempotency-Key or choose "
			    "another provider", "provider"));
		return (hs_api_result(r, 201));
	}
	return (hs_reply_error(r, 500, "internal", "bill order", NULL));
}

int
hs_bill_order_get(struct hs_req *r)
{
	char		 utility[24], only[24], order[128];
	const char	*params[3];

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (strlen(r->params[0]) >= sizeof(order) ||
	    strspn(r->params[0], "BL-0123456789") != strlen(r->params[0]))
		return (hs_reply_error(r, 404, "not_found", "no such order",
		    NULL));
	snprintf(order, sizeof(order), "%s", r->params[0]);
	params[1] = hs_api_scope(r, utility, only);
	params[0] = utility;
	params[2] = order;
	return (hs_req_query(r, "SELECT hs_api_bill_order($1, $2::bigint, $3)",
	    3, params));
}
