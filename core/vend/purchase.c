/*
 * POST /api/v1/purchases: buy a token.
 *
 * The request carries an Idempotency-Key.  The same key with the same
 * body gets the stored reply; with another body 422; while the first
 * request still runs 409.  A request that died half way (a crash) is
 * resumed by a retry once its lease ran out: the purchase it created is
 * found by its key, and the provider is asked again with the same order
 * id, which providers treat as the same payment.
 *
 * Steps, one SQL function each:
 *   1. hs_idem_begin           claim the key
 *   2. hs_vend_quote_inputs    the meter, tariff and month so far
 *   3. hs_purchase_create      fix every token input (re-quoted when the
 *                              month total moved under us)
 *   4. the payment plugin's create(), asynchronous
 *   5. hs_purchase_created     what the customer must do, stored with the
 *                              idempotent reply in the same transaction
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "api/result.h"
#include "db/db.h"
#include "http/body.h"
#include "http/routes.h"
#include "jobs/jobs.h"
#include "obs/log.h"
#include "server/server.h"
#include "vend/vend.h"

#define IDEM_KEY_MAX		200
#define QUOTE_TRIES		3
#define ORDER_EXPIRY_MIN	60

struct purchase_body {
	int64_t	meter_id;
	int64_t	amount;
	char	provider[HS_CONF_NAME_MAX];
	char	return_path[201];
};

static const struct hs_field purchase_fields[] = {
	{ "meter_id", HS_F_INT, offsetof(struct purchase_body, meter_id), 1,
	    INT64_MAX, 1, NULL },
	{ "amount", HS_F_INT, offsetof(struct purchase_body, amount), 1,
	    INT64_MAX, 1, NULL },
	{ "provider", HS_F_STRING, offsetof(struct purchase_body, provider), 1,
	    HS_CONF_NAME_MAX - 1, 1, "abcdefghijklmnopqrstuvwxyz0123456789-_" },
	{ "return_path", HS_F_STRING, offsetof(struct purchase_body,
	    return_path), 1, 200, 0, NULL },
};

/*
 * One provider call.  It outlives the request when the client goes away,
 * so that what the provider answered is still recorded.
 */
struct create_call {
	struct hs_ticket		*ticket;
	char				 order_id[64];
	int				 result;
	int				 counter;
	struct hs_payment_created	 created;
};

struct purchase {
	struct purchase_body	 b;
	char			 key[IDEM_KEY_MAX + 1];
	char			 hash[65];
	char			 id[24];
	char			 order_id[64];
	int			 tries;
	int			 counter;
	struct hs_plugin_slot	*slot;
	struct hs_vend_quote	 v;
	char			 name[201], phone[17], email[255];
	struct create_call	*call;
};

static void
purchase_free(void *arg)
{
	/*
	 * A provider call still out keeps its own state (struct
	 * create_call): create_done records the answer and frees it.
	 */
	free(arg);
}

static void
ignore_result(void *arg, PGresult *res, const char *error, const char *state)
{
	(void)state;
	if (error != NULL)
		hs_log(HS_LOG_WARNING, "vend.record", "%s: %s",
		    (const char *)arg, error);
	if (res != NULL)
		PQclear(res);
}

static void
release_key(struct hs_req *r, struct purchase *p)
{
	const char	*params[2];

	params[0] = r->who.actor;
	params[1] = p->key;
	hs_db_query("SELECT hs_idem_release($1, $2)", 2, params, ignore_result,
	    "idempotency release");
}

static void
hash_request(struct hs_req *r, char out[65])
{
	unsigned char	 md[32];
	const void	*body;
	size_t		 len, i;
	EVP_MD_CTX	*ctx;

	body = hs_req_body(r, &len);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, r->http->path, strlen(r->http->path)) != 1 ||
	    EVP_DigestUpdate(ctx, "\n", 1) != 1 ||
	    EVP_DigestUpdate(ctx, body, len) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, NULL) != 1)
		fatal("purchase: sha256 failed");
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < sizeof(md); i++)
		snprintf(out + i * 2, 3, "%02x", md[i]);
}

static int
key_ok(const char *key)
{
	size_t	i, len = strlen(key);

	if (len == 0 || len > IDEM_KEY_MAX)
		return (0);
	for (i = 0; i < len; i++) {
		if (key[i] < 0x21 || key[i] > 0x7e)
			return (0);
	}
	return (1);
}

/* Step 1: the body, the provider, the key. */
static int
purchase_begin(struct hs_req *r, struct purchase *p)
{
	const char	*key, *params[4];
	uint32_t	 present;

	if (hs_body_parse(r, purchase_fields, 4, &p->b, &present) == -1)
		return (HS_DONE);
	if ((key = hs_req_header(r, "idempotency-key")) == NULL)
		return (hs_reply_error(r, 400, "idempotency_key_required",
		    "send an Idempotency-Key header (a unique value per "
		    "purchase, reused on retries)", NULL));
	if (!key_ok(key))
		return (hs_reply_error(r, 400, "bad_idempotency_key", "the "
		    "Idempotency-Key must be 1 to 200 printable characters",
		    NULL));
	snprintf(p->key, sizeof(p->key), "%s", key);
	if ((p->slot = hs_vend_provider(p->b.provider, &p->counter)) == NULL)
		return (hs_reply_error(r, 422, "invalid_field", "no payment "
		    "provider of that name", "provider"));
	if (p->counter && !hs_vend_counter_allowed(&r->who))
		return (hs_reply_error(r, 403, "forbidden", "counter payments "
		    "are taken by cashiers", "provider"));
	if ((present & (1u << 3)) && (p->b.return_path[0] != '/' ||
	    p->b.return_path[1] == '/' || strchr(p->b.return_path, '\\')))
		return (hs_reply_error(r, 422, "invalid_field", "return_path "
		    "must be a path on this site, starting with one /",
		    "return_path"));
	if (!(present & (1u << 3)))
		snprintf(p->b.return_path, sizeof(p->b.return_path), "/app/");
	hash_request(r, p->hash);
	params[0] = r->who.actor;
	params[1] = p->key;
	params[2] = p->hash;
	params[3] = "60 seconds";
	return (hs_req_query(r, "SELECT outcome, status, response FROM "
	    "hs_idem_begin($1, $2, $3, $4::interval)", 4, params));
}

static int
quote_inputs(struct hs_req *r, struct purchase *p)
{
	char		 utility[24], meter[24], only[24];
	const char	*params[3], *scope;

	snprintf(meter, sizeof(meter), "%lld", (long long)p->b.meter_id);
	scope = hs_api_scope(r, utility, only);
	params[0] = utility;
	params[1] = meter;
	params[2] = scope;
	r->phase = 1;
	return (hs_req_query(r, "SELECT * FROM hs_vend_quote_inputs($1, $2, "
	    "$3)", 3, params));
}

/* Step 2: the idempotency outcome; start quoting for a new run. */
static int
purchase_idem(struct hs_req *r, struct purchase *p)
{
	const char	*outcome;

	if (r->error[0] != '\0' || PQntuples(r->res) != 1)
		return (hs_vend_db_error(r));
	outcome = PQgetvalue(r->res, 0, 0);
	if (!strcmp(outcome, "replay")) {
		http_response_header(r->http, "idempotent-replayed", "true");
		return (hs_reply(r, atoi(PQgetvalue(r->res, 0, 1)),
		    "application/json", PQgetvalue(r->res, 0, 2),
		    (size_t)PQgetlength(r->res, 0, 2)));
	}
	if (!strcmp(outcome, "mismatch"))
		return (hs_reply_error(r, 422, "idempotency_key_reused", "this "
		    "Idempotency-Key was used for another request", NULL));
	if (!strcmp(outcome, "running"))
		return (hs_reply_error(r, 409, "request_in_progress", "a "
		    "request with this Idempotency-Key is still running; "
		    "retry shortly", NULL));
	return (quote_inputs(r, p));
}

/* Step 3: quote and create the purchase with every token input fixed. */
static int
purchase_create(struct hs_req *r, struct purchase *p)
{
	struct hs_json	 j;
	struct kore_buf	 lines;
	char		 utility[24], meter[24], only[24], amount[24], tax[24];
	char		 fee[24], units[24], tamount[24], version[24];
	char		 prior[24], rnd[8], counter[8], expiry[8];
	const char	*params[18], *scope;
	unsigned char	 random;
	int		 rc;

	if (r->error[0] != '\0') {
		release_key(r, p);
		return (hs_vend_db_error(r));
	}
	if (hs_vend_quote_row(r, r->res, p->b.amount, &p->v) == -1) {
		release_key(r, p);
		return (HS_DONE);
	}
	snprintf(p->name, sizeof(p->name), "%s", PQgetvalue(r->res, 0, 12));
	snprintf(p->phone, sizeof(p->phone), "%s", PQgetvalue(r->res, 0, 13));
	snprintf(p->email, sizeof(p->email), "%s", PQgetvalue(r->res, 0, 14));

	kore_buf_init(&lines, 1024);
	hs_json_init(&j, &lines);
	hs_json_object(&j);
	hs_vend_quote_members(&j, &p->v);
	hs_json_end_object(&j);
	kore_buf_append(&lines, "", 1);

	if (RAND_bytes(&random, 1) != 1)
		fatal("purchase: no randomness");
	snprintf(meter, sizeof(meter), "%lld", (long long)p->b.meter_id);
	snprintf(amount, sizeof(amount), "%lld", (long long)p->v.q.amount);
	snprintf(tax, sizeof(tax), "%lld", (long long)p->v.q.tax);
	snprintf(fee, sizeof(fee), "%lld", (long long)p->v.q.admin_fee);
	snprintf(units, sizeof(units), "%lld", (long long)p->v.q.token_units);
	snprintf(tamount, sizeof(tamount), "%lld",
	    (long long)(p->v.q.token_units / 100));
	snprintf(version, sizeof(version), "%lld",
	    (long long)p->v.tariff_version);
	snprintf(prior, sizeof(prior), "%lld", (long long)p->v.prior);
	snprintf(rnd, sizeof(rnd), "%u", random & 0x0f);
	snprintf(counter, sizeof(counter), "%s", p->counter ? "true" : "false");
	snprintf(expiry, sizeof(expiry), "%d", ORDER_EXPIRY_MIN);
	scope = hs_api_scope(r, utility, only);
	params[0] = r->who.actor;
	params[1] = utility;
	params[2] = meter;
	params[3] = scope;
	params[4] = p->b.provider;
	params[5] = counter;
	params[6] = amount;
	params[7] = tax;
	params[8] = fee;
	params[9] = units;
	params[10] = tamount;
	params[11] = (const char *)lines.data;
	params[12] = version;
	params[13] = prior;
	params[14] = rnd;
	params[15] = r->who.actor;
	params[16] = p->key;
	params[17] = expiry;
	rc = hs_req_query(r, "SELECT created, purchase::text FROM "
	    "hs_purchase_create($1, $2, $3, $4, $5, $6::boolean, $7, $8, $9, "
	    "$10, $11, $12::jsonb, $13, $14, $15::integer, $16, $17, "
	    "$18::integer)", 18, params);
	kore_buf_cleanup(&lines);
	return (rc);
}

/* The provider's answer: keep it, wake the request or record it alone. */
static void
create_done(void *arg, int result, const struct hs_payment_created *created)
{
	struct create_call	*c = arg;
	struct hs_req		*r;
	const char		*params[7];
	char			 expires[32];

	c->result = result;
	if (result == HS_OK && created != NULL)
		c->created = *created;
	if (c->ticket != NULL && (r = hs_ticket_req(c->ticket)) != NULL) {
		hs_ticket_resume(c->ticket);
		return;
	}
	/* The client went away: record the provider's answer anyway. */
	if (c->ticket != NULL)
		hs_ticket_resume(c->ticket);
	if (result == HS_OK) {
		snprintf(expires, sizeof(expires), "%lld",
		    (long long)(c->created.expires_at_ms / 1000));
		params[0] = c->order_id;
		/* No reference yet (Midtrans's Snap gives none): NULL, so
		 * the provider's own id can be stored when it arrives. */
		params[1] = c->created.provider_ref[0] ?
		    c->created.provider_ref : NULL;
		params[2] = "redirect";
		params[3] = c->created.redirect_url;
		params[4] = c->created.instruction;
		params[5] = expires;
		params[6] = c->counter && c->created.action ==
		    HS_PAY_ACTION_DONE ? "true" : "false";
		hs_db_query("SELECT hs_purchase_created($1, $2, $3, $4, $5, "
		    "to_timestamp($6::bigint), $7::boolean)", 7, params,
		    ignore_result, "purchase created");
	} else {
		params[0] = c->order_id;
		params[1] = "the provider did not answer";
		params[2] = "true";
		hs_db_query("SELECT hs_purchase_create_failed($1, $2, "
		    "$3::boolean)", 3, params, ignore_result,
		    "purchase create failed");
	}
	free(c);
}

static const char *
action_name(int action)
{
	switch (action) {
	case HS_PAY_ACTION_REDIRECT:
		return ("redirect");
	case HS_PAY_ACTION_VA:
		return ("virtual_account");
	case HS_PAY_ACTION_QRIS:
		return ("qris");
	case HS_PAY_ACTION_CODE:
		return ("payment_code");
	case HS_PAY_ACTION_DONE:
		return ("paid");
	}
	return (NULL);
}

/* Step 4: ask the payment plugin to create the payment. */
static int
purchase_call(struct hs_req *r, struct purchase *p)
{
	const struct hs_payment_ops	*ops = hs_plugin_payment(p->slot);
	struct hs_payment_create	 in;
	struct create_call		*c;
	char				 desc[160], ret[512], notify[512];
	char				 state[24];
	const char			*json;
	int				 rc;

	if (r->error[0] != '\0') {
		if (!strcmp(r->sqlstate, "HS409") &&
		    strstr(r->error, "prior") != NULL &&
		    ++p->tries < QUOTE_TRIES)
			return (quote_inputs(r, p));
		release_key(r, p);
		return (hs_vend_db_error(r));
	}
	json = PQgetvalue(r->res, 0, 1);
	if (hs_vend_json_member(json, "order_id", p->order_id,
	    sizeof(p->order_id)) == -1 ||
	    hs_vend_json_member(json, "state", state, sizeof(state)) == -1 ||
	    hs_vend_json_member(json, "id", p->id, sizeof(p->id)) == -1)
		return (hs_reply_error(r, 500, "internal", "purchase record "
		    "unreadable", NULL));
	/*
	 * A resumed run whose purchase is already past creation (the
	 * crash came after the provider answered): its stored state is the
	 * reply.
	 */
	if (strcmp(state, "created") && strcmp(state, "create_failed"))
		return (hs_reply(r, 201, "application/json", json,
		    strlen(json)));

	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("purchase: out of memory");
	snprintf(c->order_id, sizeof(c->order_id), "%s", p->order_id);
	c->counter = p->counter;
	c->created.size = sizeof(c->created);
	p->call = c;

	memset(&in, 0, sizeof(in));
	in.size = sizeof(in);
	in.order_id = p->order_id;
	in.amount = p->v.q.total;
	in.currency = "IDR";
	snprintf(desc, sizeof(desc), "Token %s %s",
	    strcmp(p->v.service, "water") ? "listrik" : "air", p->order_id);
	in.description = desc;
	in.customer_name = p->name;
	in.customer_phone = p->phone[0] ? p->phone : NULL;
	in.customer_email = p->email[0] ? p->email : NULL;
	snprintf(ret, sizeof(ret), "%s%s%sorder=%s", hs_vend_public_url(),
	    p->b.return_path, strchr(p->b.return_path, '?') ? "&" : "?",
	    p->order_id);
	in.return_url = ret;
	snprintf(notify, sizeof(notify), "%s/api/v1/payments/%s/notify",
	    hs_vend_public_url(), p->b.provider);
	in.notify_url = notify;
	in.expires_at_ms = ((int64_t)time(NULL) + ORDER_EXPIRY_MIN * 60) *
	    1000;

	c->ticket = hs_req_ticket(r);
	rc = ops->create(p->slot->pctx, &in, create_done, c);
	if (rc != HS_OK && rc != HS_E_PENDING) {
		/* Refused at once: done() will never run. */
		create_done(c, rc, NULL);
	}
	return (HS_AGAIN);
}

/* Step 5: record the provider's answer with the idempotent reply. */
static int
purchase_record(struct hs_req *r, struct purchase *p)
{
	struct create_call	*c = p->call;
	const char		*params[9], *action;
	char			 expires[32], err[160];
	int			 paid, rc;

	p->call = NULL;
	if (c->result != HS_OK) {
		params[0] = c->order_id;
		params[2] = c->result == HS_E_UNAVAILABLE ? "true" : "false";
		snprintf(err, sizeof(err), "%s", c->result == HS_E_UNAVAILABLE ?
		    "the payment provider did not answer" :
		    "the payment provider refused the payment");
		params[1] = err;
		params[3] = r->who.actor;
		params[4] = p->key;
		if (!strcmp(params[2], "true")) {
			r->phase = 20;
			rc = hs_req_query(r, "SELECT "
			    "hs_purchase_create_failed($1, $2, $3::boolean), "
			    "hs_idem_release($4, $5)", 5, params);
			free(c);
			return (rc);
		}
		r->phase = 30;
		rc = (hs_req_query(r, "WITH p AS (SELECT "
		    "hs_purchase_create_failed($1, $2, $3::boolean) AS j) "
		    "SELECT jsonb_build_object('error', jsonb_build_object("
		    "'code', 'provider_refused', 'message', $2::text, "
		    "'purchase', p.j))::text, hs_idem_finish($4, $5, 502, "
		    "jsonb_build_object('error', jsonb_build_object('code', "
		    "'provider_refused', 'message', $2::text, 'purchase', "
		    "p.j))::text) FROM p", 5, params));
		free(c);
		return (rc);
	}
	paid = c->created.action == HS_PAY_ACTION_DONE;
	if (paid && !p->counter) {
		/* Only a counter may say "already paid"; never trust it. */
		hs_log(HS_LOG_ERR, "vend.provider", "%s answered 'paid' for "
		    "order %s but is not a counter provider; ignored",
		    p->b.provider, c->order_id);
		paid = 0;
	}
	if ((action = action_name(c->created.action)) == NULL)
		action = "redirect";
	snprintf(expires, sizeof(expires), "%lld",
	    (long long)(c->created.expires_at_ms / 1000));
	params[0] = c->order_id;
	params[1] = c->created.provider_ref[0] ? c->created.provider_ref :
	    NULL;
	params[2] = action;
	params[3] = c->created.redirect_url[0] ? c->created.redirect_url :
	    NULL;
	params[4] = c->created.instruction[0] ? c->created.instruction : NULL;
	params[5] = c->created.expires_at_ms > 0 ? expires : NULL;
	params[6] = paid ? "true" : "false";
	params[7] = r->who.actor;
	params[8] = p->key;
	rc = hs_req_query(r, "WITH p AS (SELECT hs_purchase_created($1, $2, "
	    "$3, $4, $5, to_timestamp($6::bigint), $7::boolean) AS j) "
	    "SELECT p.j::text, hs_idem_finish($8, $9, 201, p.j::text) "
	    "FROM p", 9, params);
	free(c);
	return (rc);
}

int
hs_vend_purchase_create(struct hs_req *r)
{
	struct purchase	*p = r->data;

	switch (r->phase) {
	case 0:
		if ((p = calloc(1, sizeof(*p))) == NULL)
			fatal("purchase: out of memory");
		r->data = p;
		r->data_free = purchase_free;
		return (purchase_begin(r, p));
	case 1:
		return (purchase_idem(r, p));
	case 2:
		return (purchase_create(r, p));
	case 3:
		return (purchase_call(r, p));
	case 4:
		return (purchase_record(r, p));
	case 5:
		if (r->error[0] != '\0')
			return (hs_vend_db_error(r));
		/* A counter sale was paid at once: vend now. */
		if (p->counter)
			hs_jobs_wake();
		return (hs_reply(r, 201, "application/json",
		    PQgetvalue(r->res, 0, 0),
		    (size_t)PQgetlength(r->res, 0, 0)));
	case 21:
		return (hs_reply_error(r, 503, "provider_unavailable", "the "
		    "payment provider did not answer; retry with the same "
		    "Idempotency-Key, or choose another provider", "provider"));
	case 31:
		if (r->error[0] != '\0')
			return (hs_vend_db_error(r));
		return (hs_reply(r, 502, "application/json",
		    PQgetvalue(r->res, 0, 0),
		    (size_t)PQgetlength(r->res, 0, 0)));
	}
	return (hs_reply_error(r, 500, "internal", "purchase state", NULL));
}

/* ------------------------------------------------------------ reading */

static int
scoped_query(struct hs_req *r, const char *sql, int extra,
    const char *const *more)
{
	char		 utility[24], id[24], only[24];
	const char	*params[6], *scope;
	int		 i;

	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	scope = hs_api_scope(r, utility, only);
	params[0] = utility;
	params[1] = id;
	params[2] = scope;
	for (i = 0; i < extra; i++)
		params[3 + i] = more[i];
	return (hs_req_query(r, sql, 3 + extra, params));
}

int
hs_vend_purchase_get(struct hs_req *r)
{
	if (r->phase > 0)
		return (hs_api_result(r, 200));
	return (scoped_query(r, "SELECT hs_api_purchase($1, $2, $3)", 0,
	    NULL));
}

static int
id_arg(struct hs_req *r, const char *name, char *out, size_t len)
{
	if (hs_req_arg(r, name, out, len) == -1)
		return (0);
	if (out[0] == '\0' || strlen(out) > 18 ||
	    strspn(out, "0123456789") != strlen(out)) {
		hs_reply_error(r, 422, "invalid_argument", "must be a number",
		    name);
		return (-1);
	}
	return (1);
}

int
hs_vend_purchase_list(struct hs_req *r)
{
	char		 utility[24], only[24], meter[24], customer[24];
	char		 state[16], provider[HS_CONF_NAME_MAX], limit[8];
	char		 offset[16];
	const char	*params[8], *scope;
	int		 m, c;

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (hs_api_paging(r, limit, offset) == -1 ||
	    (m = id_arg(r, "meter_id", meter, sizeof(meter))) == -1 ||
	    (c = id_arg(r, "customer_id", customer, sizeof(customer))) == -1)
		return (HS_DONE);
	scope = hs_api_scope(r, utility, only);
	params[0] = utility;
	params[1] = scope;
	params[2] = m ? meter : NULL;
	params[3] = c ? customer : NULL;
	params[4] = hs_req_arg(r, "state", state, sizeof(state)) == 0 ?
	    state : NULL;
	params[5] = hs_req_arg(r, "provider", provider, sizeof(provider)) ==
	    0 ? provider : NULL;
	params[6] = limit;
	params[7] = offset;
	return (hs_req_query(r, "SELECT hs_api_purchases($1, $2, $3, $4, $5, "
	    "$6, $7, $8)", 8, params));
}

/* Token history: /meters/{id}/tokens and /customers/{id}/tokens. */
static int
tokens_list(struct hs_req *r, int by_meter)
{
	char		 utility[24], only[24], id[24], limit[8], offset[16];
	const char	*params[6], *scope;

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (hs_api_paging(r, limit, offset) == -1 || hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	if (!by_meter && r->who.role == HS_ROLE_CUSTOMER &&
	    strtoll(id, NULL, 10) != r->who.customer_id)
		return (hs_reply_error(r, 404, "not_found", "no such record",
		    NULL));
	scope = hs_api_scope(r, utility, only);
	params[0] = utility;
	params[1] = scope;
	params[2] = by_meter ? id : NULL;
	params[3] = by_meter ? NULL : id;
	params[4] = limit;
	params[5] = offset;
	return (hs_req_query(r, "SELECT hs_api_tokens($1, $2, $3, $4, $5, $6)",
	    6, params));
}

int
hs_vend_meter_tokens(struct hs_req *r)
{
	return (tokens_list(r, 1));
}

int
hs_vend_customer_tokens(struct hs_req *r)
{
	return (tokens_list(r, 0));
}

/* ------------------------------------------------------------ actions */

static int
action_result(struct hs_req *r, int status)
{
	if (r->error[0] != '\0')
		return (hs_vend_db_error(r));
	return (hs_api_result(r, status));
}

/*
 * POST /api/v1/purchases/{id}/cancel: give up an unpaid order.  The
 * provider is told (best effort: a payment that arrives anyway is still
 * honoured, see hs_payment_event).
 */
static void
cancel_done(void *arg, int result, const struct hs_payment_event *ev)
{
	(void)ev;
	if (result != HS_OK)
		hs_log(HS_LOG_INFO, "vend.cancel", "provider cancel of %s: %d",
		    (const char *)arg, result);
	free(arg);
}

int
hs_vend_purchase_cancel(struct hs_req *r)
{
	const struct hs_payment_ops	*ops;
	struct hs_plugin_slot		*slot;
	const char			*json;
	char				 provider[HS_CONF_NAME_MAX], order[64];
	char				 ref[128], *arg;
	int				 counter, rc;

	if (r->phase == 0)
		return (scoped_query(r, "SELECT hs_purchase_cancel($4, $1, $2, "
		    "$3)::text", 1, (const char *const []){ r->who.actor }));
	if (r->error[0] != '\0' || PQntuples(r->res) != 1 ||
	    PQgetisnull(r->res, 0, 0))
		return (action_result(r, 200));
	json = PQgetvalue(r->res, 0, 0);
	if (hs_vend_json_member(json, "provider", provider,
	    sizeof(provider)) == 0 &&
	    hs_vend_json_member(json, "order_id", order, sizeof(order)) == 0 &&
	    (slot = hs_vend_provider(provider, &counter)) != NULL &&
	    (ops = hs_plugin_payment(slot)) != NULL && ops->cancel != NULL) {
		if (hs_vend_json_member(json, "provider_ref", ref,
		    sizeof(ref)) == -1)
			ref[0] = '\0';
		if ((arg = strdup(order)) == NULL)
			fatal("cancel: out of memory");
		rc = ops->cancel(slot->pctx, order, ref[0] ? ref : NULL,
		    cancel_done, arg);
		/* Started (HS_OK or HS_E_PENDING): cancel_done frees it. */
		if (rc != HS_OK && rc != HS_E_PENDING)
			free(arg);
	}
	return (hs_reply(r, 200, "application/json", json, strlen(json)));
}

struct refund_body {
	char	reason[301];
	char	reference[129];
};

static const struct hs_field refund_fields[] = {
	{ "reason", HS_F_STRING, offsetof(struct refund_body, reason), 3, 300,
	    1, NULL },
	{ "reference", HS_F_STRING, offsetof(struct refund_body, reference),
	    1, 128, 0, NULL },
};

/*
 * POST /api/v1/purchases/{id}/refund: record that the money went back
 * (admin).  Refused once a token exists: a token cannot be taken back.
 */
int
hs_vend_purchase_refund(struct hs_req *r)
{
	struct refund_body	 b;
	char			 utility[24], id[24];
	const char		*params[5];
	uint32_t		 present;

	if (r->phase > 0)
		return (action_result(r, 200));
	memset(&b, 0, sizeof(b));
	if (hs_api_id(r, 0, id) == -1 ||
	    hs_body_parse(r, refund_fields, 2, &b, &present) == -1)
		return (HS_DONE);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = r->who.actor;
	params[1] = utility;
	params[2] = id;
	params[3] = b.reason;
	params[4] = (present & 2u) ? b.reference : NULL;
	return (hs_req_query(r, "SELECT hs_purchase_refund($1, $2, $3, $4, "
	    "$5)", 5, params));
}

struct resend_body {
	char	channel[16];
};

static const struct hs_field resend_fields[] = {
	{ "channel", HS_F_STRING, offsetof(struct resend_body, channel), 2, 15,
	    0, "abcdefghijklmnopqrstuvwxyz-" },
};

/* POST /api/v1/purchases/{id}/resend: send an issued token again. */
int
hs_vend_purchase_resend(struct hs_req *r)
{
	struct resend_body	 b;
	char			 utility[24], id[24], only[24];
	const char		*params[5], *scope;
	uint32_t		 present;

	if (r->phase > 0)
		return (action_result(r, 202));
	memset(&b, 0, sizeof(b));
	if (hs_api_id(r, 0, id) == -1 ||
	    hs_body_parse(r, resend_fields, 1, &b, &present) == -1)
		return (HS_DONE);
	scope = hs_api_scope(r, utility, only);
	params[0] = r->who.actor;
	params[1] = utility;
	params[2] = id;
	params[3] = scope;
	params[4] = present ? b.channel : "default";
	return (hs_req_query(r, "SELECT hs_purchase_resend($1, $2, $3, $4, "
	    "$5)", 5, params));
}
