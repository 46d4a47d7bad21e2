/*
 * Quotes: what an amount in rupiah buys on a meter today.
 *
 * The tariff version valid today (in the utility's zone) comes from the
 * database as JSON blocks in rupiah per m3 or kWh; the arithmetic is
 * core/tariff's, in integers.  Water is priced against what the meter has
 * bought this calendar month, through the progressive blocks; electricity
 * has one block, and kWh = (amount - tax) / rate as PLN does.  The admin
 * fee is paid on top.  The units a token carries are rounded up to STS's
 * 0.1 m3 or 0.1 kWh, in the customer's favour.
 */
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>

#include "api/result.h"
#include "http/routes.h"
#include "server/server.h"
#include "vend/vend.h"

#define BASE_UNITS_PER_STEP	100	/* 0.1 m3 = 100 l, 0.1 kWh = 100 Wh */
#define AMOUNT_MIN		1000	/* rupiah */
#define AMOUNT_MAX		50000000

/* Parse [{"upto": n|null, "price": rupiah}, ...] into t. */
static int
blocks_parse(const char *text, struct hs_tariff *t)
{
	struct kore_json	 j;
	struct kore_json_item	*arr, *it, *upto, *price;
	int			 rc = -1;

	kore_json_init(&j, text, strlen(text));
	if (!kore_json_parse(&j) || j.root->type != KORE_JSON_TYPE_ARRAY)
		goto out;
	arr = j.root;
	t->nblocks = 0;
	TAILQ_FOREACH(it, &arr->data.items, list) {
		if (t->nblocks == HS_TARIFF_BLOCKS_MAX ||
		    it->type != KORE_JSON_TYPE_OBJECT)
			goto out;
		upto = kore_json_find(it, "upto", KORE_JSON_TYPE_INTEGER_U64);
		price = kore_json_find(it, "price",
		    KORE_JSON_TYPE_INTEGER_U64);
		if (price == NULL)
			goto out;
		t->blocks[t->nblocks].upto = upto ?
		    (int64_t)upto->data.u64 : HS_TARIFF_NO_END;
		t->blocks[t->nblocks].price = (int64_t)price->data.u64 * 1000;
		t->nblocks++;
	}
	rc = t->nblocks > 0 ? 0 : -1;
out:
	kore_json_cleanup(&j);
	return (rc);
}

int
hs_vend_quote_row(struct hs_req *r, PGresult *res, int64_t amount,
    struct hs_vend_quote *out)
{
	struct hs_tariff	t;

	if (PQntuples(res) != 1)
		return (hs_reply_error(r, 404, "not_found", "no such meter",
		    "meter_id") - 1);
	memset(out, 0, sizeof(*out));
	out->meter_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	snprintf(out->status, sizeof(out->status), "%s",
	    PQgetvalue(res, 0, 2));
	snprintf(out->service, sizeof(out->service), "%s",
	    PQgetvalue(res, 0, 3));
	if (strcmp(out->status, "active"))
		return (hs_reply_error(r, 422, "meter_not_active", "the meter "
		    "is not active: tokens cannot be sold for it",
		    "meter_id") - 1);
	if (PQgetisnull(res, 0, 5))
		return (hs_reply_error(r, 422, "no_tariff", "the meter has no "
		    "tariff valid today", "meter_id") - 1);
	out->tariff_version = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
	out->prior = strtoll(PQgetvalue(res, 0, 9), NULL, 10);

	memset(&t, 0, sizeof(t));
	if (blocks_parse(PQgetvalue(res, 0, 6), &t) == -1)
		return (hs_reply_error(r, 500, "bad_tariff", "the meter's "
		    "tariff blocks cannot be read", NULL) - 1);
	t.admin_fee = strtoll(PQgetvalue(res, 0, 7), NULL, 10);
	t.tax_bp = atoi(PQgetvalue(res, 0, 8));
	t.resolution = BASE_UNITS_PER_STEP;
	if (amount < AMOUNT_MIN || amount > AMOUNT_MAX)
		return (hs_reply_error(r, 422, "invalid_field", "amount must "
		    "be from Rp1,000 to Rp50,000,000", "amount") - 1);
	if (hs_tariff_quote(&t, out->prior, amount, &out->q) == -1)
		return (hs_reply_error(r, 422, "amount_too_small", "this "
		    "amount buys nothing under the meter's tariff",
		    "amount") - 1);
	return (0);
}

void
hs_vend_quote_members(struct hs_json *j, const struct hs_vend_quote *v)
{
	const struct hs_tariff_quote	*q = &v->q;
	int				 i;

	hs_json_kint(j, "meter_id", v->meter_id);
	hs_json_kstr(j, "service_type", v->service);
	hs_json_kstr(j, "unit", strcmp(v->service, "water") ? "kWh" : "m3");
	hs_json_kint(j, "tariff_version_id", v->tariff_version);
	hs_json_kint(j, "month_prior", v->prior);
	hs_json_kint(j, "amount", q->amount);
	hs_json_kint(j, "tax", q->tax);
	hs_json_kint(j, "admin_fee", q->admin_fee);
	hs_json_kint(j, "total", q->total);
	/* Litres or Wh the token carries (0.1 m3 / 0.1 kWh steps). */
	hs_json_kint(j, "units", q->token_units);
	hs_json_kint(j, "units_bought", q->units);
	hs_json_key(j, "lines");
	hs_json_array(j);
	for (i = 0; i < q->nlines; i++) {
		hs_json_object(j);
		hs_json_kstr(j, "what", q->lines[i].what);
		if (q->lines[i].block >= 0)
			hs_json_kint(j, "block", q->lines[i].block + 1);
		if (q->lines[i].units > 0)
			hs_json_kint(j, "units", q->lines[i].units);
		if (!strcmp(q->lines[i].what, "block"))
			hs_json_kint(j, "price", q->lines[i].price / 1000);
		else if (!strcmp(q->lines[i].what, "tax"))
			hs_json_kint(j, "rate_bp", q->lines[i].price);
		hs_json_kint(j, "amount", q->lines[i].amount);
		hs_json_end_object(j);
	}
	hs_json_end_array(j);
}

/*
 * GET /api/v1/meters/{id}/quote?amount=N: the price breakdown a customer
 * sees before paying.  Nothing is written.
 */
int
hs_vend_quote(struct hs_req *r)
{
	struct hs_vend_quote	 v;
	struct kore_buf		 buf;
	struct hs_json		 j;
	char			 utility[24], id[24], only[24], amount[24];
	char			*end;
	const char		*params[3], *scope;
	int64_t			 a;

	if (hs_req_arg(r, "amount", amount, sizeof(amount)) == -1)
		return (hs_reply_error(r, 422, "invalid_argument", "amount is "
		    "required", "amount"));
	a = strtoll(amount, &end, 10);
	if (amount[0] == '\0' || *end != '\0')
		return (hs_reply_error(r, 422, "invalid_argument", "amount "
		    "must be whole rupiah", "amount"));
	if (r->phase > 0) {
		if (r->error[0] != '\0')
			return (hs_vend_db_error(r));
		if (hs_vend_quote_row(r, r->res, a, &v) == -1)
			return (HS_DONE);
		kore_buf_init(&buf, 1024);
		hs_json_init(&j, &buf);
		hs_json_object(&j);
		hs_vend_quote_members(&j, &v);
		hs_json_end_object(&j);
		return (hs_reply_json(r, 200, &buf));
	}
	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	scope = hs_api_scope(r, utility, only);
	params[0] = utility;
	params[1] = id;
	params[2] = scope;
	return (hs_req_query(r, "SELECT * FROM hs_vend_quote_inputs($1, $2, "
	    "$3)", 3, params));
}

struct hs_plugin_slot *
hs_vend_provider(const char *name, int *counter)
{
	struct hs_plugin_slot	*slot;
	const char		*v;

	if ((slot = hs_server_plugin(name)) == NULL ||
	    hs_plugin_payment(slot) == NULL)
		return (NULL);
	v = hs_conf_plugin_setting(slot->conf, "counter");
	*counter = v != NULL && !strcmp(v, "yes");
	return (slot);
}

int
hs_vend_counter_allowed(const struct hs_principal *who)
{
	if (who->role == HS_ROLE_CASHIER || who->role == HS_ROLE_ADMIN)
		return (1);
	return (who->role == HS_ROLE_INTEGRATOR &&
	    strstr(who->permissions, "purchases:counter") != NULL);
}

/*
 * GET /api/v1/payments/providers: the payment providers this caller may
 * choose, in configuration order (customers never see counters).
 */
int
hs_vend_providers(struct hs_req *r)
{
	const struct hs_config	*conf = hs_server_config();
	struct hs_plugin_slot	*slot;
	struct kore_buf		 buf;
	struct hs_json		 j;
	const char		*label;
	size_t			 i;
	int			 counter;

	kore_buf_init(&buf, 512);
	hs_json_init(&j, &buf);
	hs_json_object(&j);
	hs_json_key(&j, "items");
	hs_json_array(&j);
	for (i = 0; i < conf->nplugins; i++) {
		slot = hs_vend_provider(conf->plugins[i].name, &counter);
		if (slot == NULL || (counter &&
		    !hs_vend_counter_allowed(&r->who)))
			continue;
		label = hs_conf_plugin_setting(slot->conf, "label");
		hs_json_object(&j);
		hs_json_kstr(&j, "name", conf->plugins[i].name);
		hs_json_kstr(&j, "label", label ? label :
		    conf->plugins[i].name);
		hs_json_kstr(&j, "plugin", slot->desc->name);
		hs_json_kbool(&j, "counter", counter);
		hs_json_end_object(&j);
	}
	hs_json_end_array(&j);
	hs_json_end_object(&j);
	return (hs_reply_json(r, 200, &buf));
}

const char *
hs_vend_public_url(void)
{
	static char		 url[300];
	const struct hs_config	*conf = hs_server_config();

	if (url[0] != '\0')
		return (url);
	if (conf->public_url[0] != '\0')
		snprintf(url, sizeof(url), "%s", conf->public_url);
	else
		snprintf(url, sizeof(url), "http://%s:%u", conf->bind_addr,
		    conf->port);
	return (url);
}

const char *
hs_vend_pay_state(int state)
{
	switch (state) {
	case HS_PAY_PENDING:
		return ("pending");
	case HS_PAY_PAID:
		return ("paid");
	case HS_PAY_FAILED:
		return ("failed");
	case HS_PAY_EXPIRED:
		return ("expired");
	case HS_PAY_CANCELLED:
		return ("cancelled");
	case HS_PAY_REFUNDED:
		return ("refunded");
	}
	return (NULL);
}

/* SQLSTATEs the vending functions raise: HS404, HS409, HS422. */
int
hs_vend_db_error(struct hs_req *r)
{
	char	field[64], msg[600];

	hs_api_raised(r, field, msg);
	if (!strcmp(r->sqlstate, "HS404"))
		return (hs_reply_error(r, 404, "not_found", msg,
		    field[0] ? field : NULL));
	if (!strcmp(r->sqlstate, "HS409"))
		return (hs_reply_error(r, 409, "conflict", msg,
		    field[0] ? field : NULL));
	if (!strcmp(r->sqlstate, "HS422"))
		return (hs_reply_error(r, 422, "invalid_state", msg,
		    field[0] ? field : NULL));
	return (hs_reply_error(r, 503, "unavailable", "the database did not "
	    "answer; try again", NULL));
}

int
hs_vend_json_member(const char *json, const char *path, char *out,
    size_t len)
{
	struct kore_json	 j;
	struct kore_json_item	*it;
	int			 rc = -1;

	kore_json_init(&j, json, strlen(json));
	if (!kore_json_parse(&j))
		goto out;
	if ((it = kore_json_find(j.root, path, KORE_JSON_TYPE_STRING)) !=
	    NULL) {
		if (strlen(it->data.string) < len) {
			snprintf(out, len, "%s", it->data.string);
			rc = 0;
		}
	} else if ((it = kore_json_find(j.root, path,
	    KORE_JSON_TYPE_INTEGER_U64)) != NULL) {
		snprintf(out, len, "%llu", (unsigned long long)it->data.u64);
		rc = 0;
	} else if ((it = kore_json_find(j.root, path,
	    KORE_JSON_TYPE_INTEGER)) != NULL) {
		snprintf(out, len, "%lld", (long long)it->data.s64);
		rc = 0;
	}
out:
	kore_json_cleanup(&j);
	return (rc);
}
