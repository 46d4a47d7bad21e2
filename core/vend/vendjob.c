/*
 * The vend job ("vend.token"): turn a paid purchase into its token.
 *
 * Queued in the transaction that marked the purchase paid (one job per
 * purchase: its dedupe key), claimed by any worker of any node with
 * FOR UPDATE SKIP LOCKED.  Every token input was fixed when the purchase
 * was created, so the job can run any number of times (a crash after the
 * HSM call, a lease that ran out) and always computes the same 20 digits;
 * hs_vend_store_many() keeps the first and returns it to every later run.
 *
 * The jobs of one claim are vended together: one query reads all their
 * inputs, the HSM makes each token, and one transaction stores every
 * token with its notice and marks its job done (migration 0012).  Under
 * load that is a few statements and one commit per batch, not per token.
 *
 * HSM plugins are tried in the order hydrosync.conf lists them: when one
 * is down (HS_E_UNAVAILABLE) the next vends.  When none can, the job is
 * retried with backoff, without limit, and every attempt for a purchase
 * paid more than two minutes ago raises the vend-stuck alert (log line
 * vend.stuck and the hydrosync_vend_stuck_total counter).
 */
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>

#include "db/db.h"
#include "jobs/jobs.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "server/fault.h"
#include "server/server.h"
#include "vend/vend.h"

#define VEND_ATTEMPTS		100000	/* never give up on paid money */
#define VEND_RETRY_MS		1000
#define VEND_STUCK_SECONDS	120
#define BLOCKED_RETRY_MS	(5 * 60 * 1000)
#define VEND_BATCH_MAX		64	/* at least the jobs' claim batch */

struct vend {
	struct hs_job	*job;
	char		 purchase[24];
	char		 token[HS_TOKEN_DIGITS + 1];
	char		 hsm[HS_CONF_NAME_MAX];
};

/* The vends of one claim still in flight; NULL slots are finished. */
struct batch {
	int		 n;
	struct vend	*v[VEND_BATCH_MAX];
};

static void
vend_finish(struct vend *v, int ok, const char *error, uint32_t retry_ms,
    int permanent)
{
	hs_job_finish(v->job, ok, error, retry_ms, permanent);
	free(v);
}

/* Fail every vend still in the batch (retried later), and the batch. */
static void
batch_fail(struct batch *b, const char *error)
{
	int		i;

	for (i = 0; i < b->n; i++) {
		if (b->v[i] != NULL)
			vend_finish(b->v[i], 0, error, 0, 0);
	}
	free(b);
}

static int
batch_find(const struct batch *b, const char *purchase)
{
	int		i;

	for (i = 0; i < b->n; i++) {
		if (b->v[i] != NULL && !strcmp(b->v[i]->purchase, purchase))
			return (i);
	}
	return (-1);
}

/* One field of the batch's vends as an array literal (free it). */
static char *
batch_array(const struct batch *b, int field)
{
	const struct vend	*v;
	const char		*items[VEND_BATCH_MAX];
	char			 ids[VEND_BATCH_MAX][24];
	int			 i;

	for (i = 0; i < b->n; i++) {
		v = b->v[i];
		if (field == 0)
			items[i] = v->purchase;
		else if (field == 1)
			items[i] = v->token;
		else if (field == 2)
			items[i] = v->hsm;
		else {
			snprintf(ids[i], sizeof(ids[i]), "%lld",
			    (long long)v->job->id);
			items[i] = ids[i];
		}
	}
	return (hs_db_array(items, (size_t)b->n));
}

/* The meter is gone: the money is owed back (retried until recorded). */
static void
refund_recorded(void *arg, PGresult *res, const char *error, const char *st)
{
	struct vend	*v = arg;

	(void)st;
	if (res != NULL)
		PQclear(res);
	if (error != NULL) {
		vend_finish(v, 0, error, 0, 0);
		return;
	}
	hs_log(HS_LOG_WARNING, "vend.refund_due", "purchase %s: the meter was "
	    "removed; a refund is due", v->purchase);
	vend_finish(v, 1, NULL, 0, 0);
}

static void
stored(void *arg, PGresult *res, const char *error, const char *state)
{
	struct batch	*b = arg;
	struct vend	*v;
	int		 i, row, n;

	(void)state;
	if (error != NULL) {
		batch_fail(b, error);
		return;
	}
	hs_fault("vend.after_store");
	n = PQntuples(res);
	for (row = 0; row < n; row++) {
		if ((i = batch_find(b, PQgetvalue(res, row, 0))) == -1)
			continue;
		v = b->v[i];
		b->v[i] = NULL;
		if (!PQgetisnull(res, row, 3)) {
			vend_finish(v, 0, PQgetvalue(res, row, 3), 0, 0);
			continue;
		}
		if (strcmp(PQgetvalue(res, row, 1), v->token))
			hs_log(HS_LOG_ERR, "vend.mismatch", "purchase %s: a "
			    "retried vend made other digits than the stored "
			    "token; the stored one stands (token inputs are "
			    "supposed to be fixed)", v->purchase);
		if (PQgetvalue(res, row, 2)[0] == 't') {
			hs_metrics_self()->vend_tokens++;
			hs_log(HS_LOG_INFO, "vend.token", "purchase %s: token "
			    "stored (%s)", v->purchase, v->hsm);
		}
		/* hs_vend_store_many marked the job done with the token. */
		hs_job_done_in_sql(v->job);
		free(v);
	}
	PQclear(res);
	batch_fail(b, "the store returned no row for this purchase");
}

/* Ask the HSM plugins in order; the first that answers vends. */
static int
vend_hsm(struct vend *v, const struct hs_hsm_meter *m,
    const struct hs_hsm_token *t, char *why, size_t whylen)
{
	const struct hs_config	*conf = hs_server_config();
	const struct hs_hsm_ops	*ops;
	struct hs_plugin_slot	*slot;
	size_t			 i;
	int			 rc, tried = 0;

	snprintf(why, whylen, "no hsm plugin is configured");
	for (i = 0; i < conf->nplugins; i++) {
		slot = hs_server_plugin(conf->plugins[i].name);
		if (slot == NULL || (ops = hs_plugin_hsm(slot)) == NULL)
			continue;
		tried++;
		rc = ops->vend(slot->pctx, m, t, v->token);
		if (rc == HS_OK && strlen(v->token) == HS_TOKEN_DIGITS) {
			snprintf(v->hsm, sizeof(v->hsm), "%s",
			    conf->plugins[i].name);
			return (0);
		}
		snprintf(why, whylen, "hsm %s: %s (%d)", conf->plugins[i].name,
		    rc == HS_E_UNAVAILABLE ? "unavailable" : "refused", rc);
		hs_log(HS_LOG_WARNING, "vend.hsm", "purchase %s: %s%s",
		    v->purchase, why, tried ? "; trying the next" : "");
	}
	return (-1);
}

/*
 * One purchase's inputs (a row of hs_vend_inputs_many): returns 1 when
 * the HSM made its token, 0 when the vend is finished (nothing to do,
 * refund, blocked meter, HSM down) and v is gone.
 */
static int
vend_one(struct vend *v, PGresult *res, int row)
{
	struct hs_hsm_meter	 m;
	struct hs_hsm_token	 t;
	const char		*params[2];
	char			 why[160];
	long long		 paid_for;

	/* Already vended, refunded, or never paid: nothing to do. */
	if (!PQgetisnull(res, row, 2) || strcmp(PQgetvalue(res, row, 1),
	    "paid")) {
		vend_finish(v, 1, NULL, 0, 0);
		return (0);
	}
	if (!strcmp(PQgetvalue(res, row, 16), "removed")) {
		params[0] = v->purchase;
		params[1] = "the meter was removed before the token was issued";
		if (hs_db_query_bg("SELECT hs_vend_refund_due($1, $2)", 2,
		    params, refund_recorded, v) == -1)
			vend_finish(v, 0, "database queue full", 0, 0);
		return (0);
	}
	paid_for = strtoll(PQgetvalue(res, row, 17), NULL, 10);
	if (paid_for > VEND_STUCK_SECONDS) {
		hs_metrics_self()->vend_stuck++;
		hs_log(HS_LOG_ERR, "vend.stuck", "purchase %s (%s) was paid "
		    "%lld s ago and still has no token", v->purchase,
		    PQgetvalue(res, row, 18), paid_for);
	}
	if (!strcmp(PQgetvalue(res, row, 16), "blocked")) {
		vend_finish(v, 0, "the meter is blocked; the token waits until "
		    "it is unblocked or the purchase is refunded",
		    BLOCKED_RETRY_MS, 0);
		return (0);
	}

	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	m.pan = PQgetvalue(res, row, 3);
	m.sgc = (uint32_t)strtoul(PQgetvalue(res, row, 4), NULL, 10);
	m.ti = (uint8_t)atoi(PQgetvalue(res, row, 5));
	m.krn = (uint8_t)atoi(PQgetvalue(res, row, 6));
	m.kt = (uint8_t)atoi(PQgetvalue(res, row, 7));
	m.ken = (uint8_t)atoi(PQgetvalue(res, row, 8));
	m.ea = (uint8_t)atoi(PQgetvalue(res, row, 9));
	m.dkga = (uint8_t)atoi(PQgetvalue(res, row, 10));
	m.base_date = (uint16_t)atoi(PQgetvalue(res, row, 11));
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.token_class = 0;
	t.subclass = (uint8_t)atoi(PQgetvalue(res, row, 12));
	t.amount = strtoull(PQgetvalue(res, row, 13), NULL, 10);
	t.rnd = (uint8_t)atoi(PQgetvalue(res, row, 14));
	t.issued_at = strtoll(PQgetvalue(res, row, 15), NULL, 10);

	if (vend_hsm(v, &m, &t, why, sizeof(why)) == -1) {
		hs_metrics_self()->vend_hsm_failures++;
		vend_finish(v, 0, why, 0, 0);
		return (0);
	}
	return (1);
}

static void
inputs(void *arg, PGresult *res, const char *error, const char *state)
{
	struct batch	*b = arg;
	struct vend	*ready[VEND_BATCH_MAX];
	char		*params[5];
	int		 i, row, n, nready = 0, rc;

	(void)state;
	if (error != NULL) {
		batch_fail(b, error);
		return;
	}
	n = PQntuples(res);
	for (row = 0; row < n; row++) {
		if ((i = batch_find(b, PQgetvalue(res, row, 0))) == -1)
			continue;
		if (vend_one(b->v[i], res, row))
			ready[nready++] = b->v[i];
		b->v[i] = NULL;
	}
	PQclear(res);
	/* Whatever had no row: the purchase does not exist. */
	for (i = 0; i < b->n; i++) {
		if (b->v[i] != NULL)
			vend_finish(b->v[i], 0, "no such purchase", 0, 1);
	}
	if (nready == 0) {
		free(b);
		return;
	}
	hs_fault("vend.after_hsm");
	memcpy(b->v, ready, sizeof(ready[0]) * (size_t)nready);
	b->n = nready;
	for (i = 0; i < 4; i++)
		params[i] = batch_array(b, i);
	params[4] = (char *)hs_jobs_worker();
	rc = hs_db_query_bg("SELECT purchase, token, stored, error FROM "
	    "hs_vend_store_many($1::bigint[], $2::text[], $3::text[], "
	    "$4::bigint[], $5)", 5, (const char *const *)params, stored, b);
	for (i = 0; i < 4; i++)
		free(params[i]);
	if (rc == -1)
		batch_fail(b, "database queue full");
}

static void
vend_batch(struct hs_job **jobs, int n)
{
	struct kore_json	 j;
	struct kore_json_item	*id;
	struct batch		*b;
	struct vend		*v;
	const char		*params[1];
	char			*ids;
	int			 i, rc;

	if (n > VEND_BATCH_MAX)
		fatalx("vend: a batch of %d jobs", n);
	if ((b = calloc(1, sizeof(*b))) == NULL)
		fatal("vend: out of memory");
	for (i = 0; i < n; i++) {
		if ((v = calloc(1, sizeof(*v))) == NULL)
			fatal("vend: out of memory");
		v->job = jobs[i];
		kore_json_init(&j, jobs[i]->payload, strlen(jobs[i]->payload));
		if (!kore_json_parse(&j) || (id = kore_json_find(j.root,
		    "purchase", KORE_JSON_TYPE_INTEGER_U64)) == NULL) {
			kore_json_cleanup(&j);
			vend_finish(v, 0, "payload without a purchase id", 0, 1);
			continue;
		}
		snprintf(v->purchase, sizeof(v->purchase), "%llu",
		    (unsigned long long)id->data.u64);
		kore_json_cleanup(&j);
		b->v[b->n++] = v;
	}
	if (b->n == 0) {
		free(b);
		return;
	}
	ids = batch_array(b, 0);
	params[0] = ids;
	rc = hs_db_query_bg("SELECT * FROM hs_vend_inputs_many($1::bigint[])",
	    1, params, inputs, b);
	free(ids);
	if (rc == -1)
		batch_fail(b, "database queue full");
}

void
hs_vend_jobs_register(void)
{
	if (hs_jobs_register_batch("vend.token", vend_batch, VEND_ATTEMPTS,
	    VEND_RETRY_MS) == -1)
		fatalx("cannot register the vend job");
}
