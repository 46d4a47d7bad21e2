/*
 * Reconciliation: asking each provider about the payments we still think
 * are open, so a missed webhook costs minutes, not a customer's money.
 *
 * Every worker's timer enqueues one "payments.reconcile" job per interval
 * (the dedupe key is the interval's number), so however many nodes run,
 * one run happens per interval.  A run lists unpaid orders older than a
 * minute and paid ones still without a token (reported as stuck), asks
 * each order's provider for its status (a few at a time, asynchronously)
 * and applies each answer through hs_payment_event() exactly like a
 * webhook, under an event id of its own, so a later or earlier webhook
 * for the same change is a harmless duplicate.  Unpaid orders the
 * provider still calls pending after their expiry are closed.  Every
 * answer is kept as a reconciliation item: settled, closed, unchanged,
 * mismatch or error.
 */
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>

#include "api/result.h"
#include "db/db.h"
#include "http/routes.h"
#include "jobs/jobs.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "server/server.h"
#include "vend/vend.h"

#define RECONCILE_BATCH		500
#define RECONCILE_PARALLEL	8

struct recon_item {
	struct recon_run	*run;
	char			 purchase[24];
	char			 order[64];
	char			 provider[HS_CONF_NAME_MAX];
	char			 ref[128];
	int			 expired;
};

struct recon_run {
	struct hs_job		*job;
	char			 id[24];
	struct recon_item	*items;
	int			 nitems;
	int			 next;		/* next to ask */
	int			 open;		/* asked, not yet recorded */
};

static int	interval_s = 300;

static void	recon_pump(struct recon_run *);

static void
recon_finished(void *arg, PGresult *res, const char *error, const char *st)
{
	struct recon_run	*run = arg;

	(void)st;
	if (res != NULL)
		PQclear(res);
	hs_job_finish(run->job, error == NULL, error, 0, 0);
	free(run->items);
	free(run);
}

static void
item_recorded(void *arg, PGresult *res, const char *error, const char *st)
{
	struct recon_item	*it = arg;
	struct recon_run	*run = it->run;

	(void)st;
	if (error != NULL)
		hs_log(HS_LOG_WARNING, "reconcile.item", "order %s: %s",
		    it->order, error);
	else if (!strcmp(PQgetvalue(res, 0, 0), "paid")) {
		hs_metrics_self()->reconcile_settled++;
		hs_log(HS_LOG_NOTICE, "reconcile.settled", "order %s was paid "
		    "at %s without a notification reaching us; settled",
		    it->order, it->provider);
	}
	if (res != NULL)
		PQclear(res);
	run->open--;
	recon_pump(run);
}

static void
record(struct recon_item *it, const char *state, int64_t amount,
    const char *ref, const char *detail)
{
	const char	*params[8];
	char		 event[200], amt[24];

	snprintf(event, sizeof(event), "status:%s:%s:%lld", it->order,
	    state ? state : "-", (long long)amount);
	snprintf(amt, sizeof(amt), "%lld", (long long)amount);
	params[0] = it->run->id;
	params[1] = it->purchase;
	params[2] = event;
	params[3] = state;
	params[4] = state ? amt : NULL;
	params[5] = ref && ref[0] ? ref : NULL;
	params[6] = detail;
	params[7] = it->expired ? "true" : "false";
	if (hs_db_query_bg("SELECT hs_reconcile_item($1, $2, $3, $4, $5::bigint, "
	    "$6, $7, $8::boolean)", 8, params, item_recorded, it) == -1)
		item_recorded(it, NULL, "database queue full", "");
}

static void
status_done(void *arg, int result, const struct hs_payment_event *ev)
{
	struct recon_item	*it = arg;
	const char		*state;
	char			 detail[96];

	if (result == HS_OK && ev != NULL &&
	    (state = hs_vend_pay_state(ev->state)) != NULL) {
		record(it, state, ev->amount, ev->provider_ref, NULL);
		return;
	}
	/* The provider has never heard of an order that expired: close it. */
	if (result == HS_E_INVALID && it->expired) {
		record(it, "expired", 0, NULL, "unknown to the provider");
		return;
	}
	snprintf(detail, sizeof(detail), "status query failed (%d)", result);
	record(it, NULL, 0, NULL, detail);
}

static void
recon_ask(struct recon_item *it)
{
	const struct hs_payment_ops	*ops;
	struct hs_plugin_slot		*slot;
	int				 counter, rc;

	slot = hs_vend_provider(it->provider, &counter);
	if (slot == NULL || (ops = hs_plugin_payment(slot)) == NULL ||
	    ops->status == NULL) {
		record(it, NULL, 0, NULL, "provider not configured here");
		return;
	}
	rc = ops->status(slot->pctx, it->order, it->ref[0] ? it->ref : NULL,
	    status_done, it);
	if (rc != HS_OK && rc != HS_E_PENDING)
		status_done(it, rc, NULL);
}

static void
recon_pump(struct recon_run *run)
{
	const char	*params[1];

	while (run->open < RECONCILE_PARALLEL && run->next < run->nitems) {
		run->open++;
		recon_ask(&run->items[run->next++]);
	}
	if (run->open == 0 && run->next == run->nitems) {
		params[0] = run->id;
		if (hs_db_query_bg("SELECT hs_reconcile_finish($1)", 1, params,
		    recon_finished, run) == -1)
			recon_finished(run, NULL, "database queue full", "");
	}
}

static void
recon_started(void *arg, PGresult *res, const char *error, const char *st)
{
	struct recon_run	*run = arg;
	struct recon_item	*it;
	int			 i, n;

	(void)st;
	if (error != NULL) {
		hs_job_finish(run->job, 0, error, 0, 0);
		free(run);
		return;
	}
	n = PQntuples(res);
	snprintf(run->id, sizeof(run->id), "%s", n ? PQgetvalue(res, 0, 0) :
	    "0");
	if ((run->items = calloc((size_t)n + 1, sizeof(*it))) == NULL)
		fatal("reconcile: out of memory");
	for (i = 0; i < n; i++) {
		if (PQgetisnull(res, i, 1))
			continue;
		it = &run->items[run->nitems++];
		it->run = run;
		snprintf(it->purchase, sizeof(it->purchase), "%s",
		    PQgetvalue(res, i, 1));
		snprintf(it->order, sizeof(it->order), "%s",
		    PQgetvalue(res, i, 2));
		snprintf(it->provider, sizeof(it->provider), "%s",
		    PQgetvalue(res, i, 3));
		snprintf(it->ref, sizeof(it->ref), "%s", PQgetvalue(res, i, 4));
		it->expired = PQgetvalue(res, i, 7)[0] == 't';
	}
	PQclear(res);
	hs_log(HS_LOG_INFO, "reconcile.run", "run %s: %d open payment(s) to "
	    "check", run->id, run->nitems);
	recon_pump(run);
}

static void
reconcile_job(struct hs_job *job)
{
	struct recon_run	*run;
	const char		*params[3];
	char			 limit[16];
	int			 manual;

	if ((run = calloc(1, sizeof(*run))) == NULL)
		fatal("reconcile: out of memory");
	run->job = job;
	snprintf(limit, sizeof(limit), "%d", RECONCILE_BATCH);
	manual = strstr(job->payload, "manual") != NULL;
	params[0] = manual ? "manual" : "timer";
	params[1] = limit;
	/* Staff asking now want every open order checked, however new. */
	params[2] = manual ? "0 seconds" : "1 minute";
	if (hs_db_query_bg("SELECT * FROM hs_reconcile_start($1, $2::integer, "
	    "$3::interval)", 3, params, recon_started, run) == -1) {
		hs_job_finish(job, 0, "database queue full", 0, 0);
		free(run);
	}
}

static void
enqueued(void *arg, PGresult *res, const char *error, const char *st)
{
	(void)arg;
	(void)st;
	if (error != NULL)
		hs_log(HS_LOG_WARNING, "reconcile.schedule", "%s", error);
	if (res != NULL)
		PQclear(res);
}

/* One run per interval, whichever worker of whichever node asks first. */
static void
reconcile_tick(void *arg, u_int64_t now)
{
	const char	*params[1];
	char		 interval[16];

	(void)arg;
	(void)now;
	snprintf(interval, sizeof(interval), "%d", interval_s);
	params[0] = interval;
	hs_db_query_bg("SELECT hs_job_enqueue('payments.reconcile', "
	    "'{\"trigger\": \"timer\"}', 'reconcile:' || "
	    "(extract(epoch FROM now())::bigint / $1::integer), 'timer')", 1,
	    params, enqueued, NULL);
}

void
hs_vend_reconcile_setup(int interval_seconds)
{
	interval_s = interval_seconds;
	if (hs_jobs_register("payments.reconcile", reconcile_job, 3, 5000) ==
	    -1)
		fatalx("cannot register the reconciliation job");
	kore_timer_add(reconcile_tick, (uint64_t)(interval_s < 30 ?
	    interval_s : 30) * 1000, NULL, 0);
}

/* POST /api/v1/reconciliation/runs: run one now (admin). */
int
hs_vend_reconcile_now(struct hs_req *r)
{
	if (r->phase > 0) {
		if (r->error[0] != '\0')
			return (hs_vend_db_error(r));
		return (hs_reply(r, 202, "application/json",
		    "{\"queued\": true}", 16));
	}
	return (hs_req_query(r, "SELECT hs_job_enqueue('payments.reconcile', "
	    "'{\"trigger\": \"manual\"}', 'reconcile:manual:' || "
	    "(extract(epoch FROM now())::bigint / 10), 'api')", 0, NULL));
}

/* GET /api/v1/reconciliation/runs: recent runs with this utility's items. */
int
hs_vend_reconcile_list(struct hs_req *r)
{
	char		 utility[24], limit[8], offset[16];
	const char	*params[3];

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (hs_api_paging(r, limit, offset) == -1)
		return (HS_DONE);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = utility;
	params[1] = limit;
	params[2] = offset;
	return (hs_req_query(r, "SELECT hs_api_reconciliation_runs($1, $2, "
	    "$3)", 3, params));
}

/*
 * GET /api/v1/reports/settlement?date=YYYY-MM-DD&provider=NAME: the day's
 * settled payments per provider (?format=csv for the file).
 */
int
hs_vend_settlement(struct hs_req *r)
{
	char		 utility[24], day[16], provider[HS_CONF_NAME_MAX];
	const char	*params[3];

	if (r->phase > 0) {
		if (r->error[0] != '\0' && !strncmp(r->sqlstate, "22", 2))
			return (hs_reply_error(r, 422, "invalid_argument",
			    "date must be YYYY-MM-DD", "date"));
		return (hs_api_result(r, 200));
	}
	if (hs_req_arg(r, "date", day, sizeof(day)) == -1 ||
	    strlen(day) != 10 || strspn(day, "0123456789-") != 10)
		return (hs_reply_error(r, 422, "invalid_argument", "date must "
		    "be YYYY-MM-DD", "date"));
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = utility;
	params[1] = day;
	params[2] = hs_req_arg(r, "provider", provider, sizeof(provider)) ==
	    0 ? provider : NULL;
	return (hs_req_query(r, "SELECT hs_api_settlement($1, $2::date, $3)",
	    3, params));
}

void
hs_vend_setup(const struct hs_config *conf)
{
	hs_vend_jobs_register();
	hs_vend_reconcile_setup(conf->reconcile_interval);
}
