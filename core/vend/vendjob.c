/*
 * The vend job ("vend.token"): turn a paid purchase into its token.
 *
 * Queued in the transaction that marked the purchase paid (one job per
 * purchase: its dedupe key), claimed by any worker of any node with
 * FOR UPDATE SKIP LOCKED.  Every token input was fixed when the purchase
 * was created, so the job can run any number of times (a crash after the
 * HSM call, a lease that ran out) and always computes the same 20 digits;
 * hs_vend_store() keeps the first and returns it to every later run.
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

struct vend {
	struct hs_job	*job;
	char		 purchase[24];
	char		 token[HS_TOKEN_DIGITS + 1];
	char		 hsm[HS_CONF_NAME_MAX];
};

static void
vend_free(struct vend *v)
{
	free(v);
}

static void
vend_finish(struct vend *v, int ok, const char *error, uint32_t retry_ms,
    int permanent)
{
	hs_job_finish(v->job, ok, error, retry_ms, permanent);
	vend_free(v);
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
vend_stored(void *arg, PGresult *res, const char *error, const char *state)
{
	struct vend	*v = arg;
	int		 stored;

	(void)state;
	if (error != NULL) {
		vend_finish(v, 0, error, 0, 0);
		return;
	}
	stored = PQgetvalue(res, 0, 1)[0] == 't';
	if (strcmp(PQgetvalue(res, 0, 0), v->token))
		hs_log(HS_LOG_ERR, "vend.mismatch", "purchase %s: a retried "
		    "vend made other digits than the stored token; the stored "
		    "one stands (token inputs are supposed to be fixed)",
		    v->purchase);
	if (stored) {
		hs_metrics_self()->vend_tokens++;
		hs_log(HS_LOG_INFO, "vend.token", "purchase %s: token stored "
		    "(%s)", v->purchase, v->hsm);
	}
	PQclear(res);
	hs_fault("vend.after_store");
	/* hs_vend_store marked the job done in the same transaction. */
	hs_job_done_in_sql(v->job);
	vend_free(v);
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

static void
vend_inputs(void *arg, PGresult *res, const char *error, const char *state)
{
	struct vend		*v = arg;
	struct hs_hsm_meter	 m;
	struct hs_hsm_token	 t;
	const char		*params[5];
	char			 why[160], job[24];
	long long		 paid_for;

	(void)state;
	if (error != NULL) {
		vend_finish(v, 0, error, 0, 0);
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		vend_finish(v, 0, "no such purchase", 0, 1);
		return;
	}
	/* Already vended, refunded, or never paid: nothing to do. */
	if (!PQgetisnull(res, 0, 1) || strcmp(PQgetvalue(res, 0, 0), "paid")) {
		PQclear(res);
		vend_finish(v, 1, NULL, 0, 0);
		return;
	}
	if (!strcmp(PQgetvalue(res, 0, 15), "removed")) {
		PQclear(res);
		params[0] = v->purchase;
		params[1] = "the meter was removed before the token was issued";
		if (hs_db_query("SELECT hs_vend_refund_due($1, $2)", 2,
		    params, refund_recorded, v) == -1)
			vend_finish(v, 0, "database queue full", 0, 0);
		return;
	}
	paid_for = strtoll(PQgetvalue(res, 0, 16), NULL, 10);
	if (paid_for > VEND_STUCK_SECONDS) {
		hs_metrics_self()->vend_stuck++;
		hs_log(HS_LOG_ERR, "vend.stuck", "purchase %s (%s) was paid "
		    "%lld s ago and still has no token", v->purchase,
		    PQgetvalue(res, 0, 17), paid_for);
	}
	if (!strcmp(PQgetvalue(res, 0, 15), "blocked")) {
		PQclear(res);
		vend_finish(v, 0, "the meter is blocked; the token waits until "
		    "it is unblocked or the purchase is refunded",
		    BLOCKED_RETRY_MS, 0);
		return;
	}

	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	m.pan = PQgetvalue(res, 0, 2);
	m.sgc = (uint32_t)strtoul(PQgetvalue(res, 0, 3), NULL, 10);
	m.ti = (uint8_t)atoi(PQgetvalue(res, 0, 4));
	m.krn = (uint8_t)atoi(PQgetvalue(res, 0, 5));
	m.kt = (uint8_t)atoi(PQgetvalue(res, 0, 6));
	m.ken = (uint8_t)atoi(PQgetvalue(res, 0, 7));
	m.ea = (uint8_t)atoi(PQgetvalue(res, 0, 8));
	m.dkga = (uint8_t)atoi(PQgetvalue(res, 0, 9));
	m.base_date = (uint16_t)atoi(PQgetvalue(res, 0, 10));
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.token_class = 0;
	t.subclass = (uint8_t)atoi(PQgetvalue(res, 0, 11));
	t.amount = strtoull(PQgetvalue(res, 0, 12), NULL, 10);
	t.rnd = (uint8_t)atoi(PQgetvalue(res, 0, 13));
	t.issued_at = strtoll(PQgetvalue(res, 0, 14), NULL, 10);

	if (vend_hsm(v, &m, &t, why, sizeof(why)) == -1) {
		PQclear(res);
		hs_metrics_self()->vend_hsm_failures++;
		vend_finish(v, 0, why, 0, 0);
		return;
	}
	PQclear(res);
	hs_fault("vend.after_hsm");
	snprintf(job, sizeof(job), "%lld", (long long)v->job->id);
	params[0] = v->purchase;
	params[1] = v->token;
	params[2] = v->hsm;
	params[3] = job;
	params[4] = hs_jobs_worker();
	if (hs_db_query("SELECT token, stored FROM hs_vend_store($1, $2, $3, "
	    "$4, $5)", 5, params, vend_stored, v) == -1)
		vend_finish(v, 0, "database queue full", 0, 0);
}

static void
vend_job(struct hs_job *job)
{
	struct kore_json	 j;
	struct kore_json_item	*id;
	struct vend		*v;
	const char		*params[1];

	if ((v = calloc(1, sizeof(*v))) == NULL)
		fatal("vend: out of memory");
	v->job = job;
	kore_json_init(&j, job->payload, strlen(job->payload));
	if (!kore_json_parse(&j) || (id = kore_json_find(j.root, "purchase",
	    KORE_JSON_TYPE_INTEGER_U64)) == NULL) {
		kore_json_cleanup(&j);
		vend_finish(v, 0, "payload without a purchase id", 0, 1);
		return;
	}
	snprintf(v->purchase, sizeof(v->purchase), "%llu",
	    (unsigned long long)id->data.u64);
	kore_json_cleanup(&j);
	params[0] = v->purchase;
	if (hs_db_query("SELECT * FROM hs_vend_inputs($1)", 1, params,
	    vend_inputs, v) == -1)
		vend_finish(v, 0, "database queue full", 0, 0);
}

void
hs_vend_jobs_register(void)
{
	if (hs_jobs_register("vend.token", vend_job, VEND_ATTEMPTS,
	    VEND_RETRY_MS) == -1)
		fatalx("cannot register the vend job");
}
