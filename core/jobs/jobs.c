#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <kore/kore.h>

#include "db/db.h"
#include "jobs/jobs.h"
#include "obs/log.h"
#include "obs/metrics.h"

#define JOBS_KINDS_MAX		16
#define JOBS_POLL_MS		200
#define JOBS_BATCH		32	/* claimed per poll */
#define JOBS_INFLIGHT_MAX	128	/* per worker */
#define JOBS_RETRY_CAP_MS	(10 * 60 * 1000)
/* A job still running after this many leases is let go (a lost handler). */
#define JOBS_RENEW_MAX		10

struct kind {
	char			 name[HS_JOB_KIND_MAX];
	hs_job_handler_fn	 fn;
	hs_job_batch_fn		 batch_fn;
	int			 max_attempts;
	uint32_t		 base_retry_ms;
};

static struct kind	kinds[JOBS_KINDS_MAX];
static int		nkinds;
static char		lease_owner[64];
static char		kinds_array[JOBS_KINDS_MAX * (HS_JOB_KIND_MAX + 3) + 3];
static int		inflight;
static int		claiming;
static char		lease[32];	/* "60 seconds" */
static int		lease_secs;

/*
 * The jobs this worker is running, so their leases can be renewed while
 * they run: a job that takes longer than its lease (a reconciliation run
 * asking a slow provider about many payments) must not be claimed by
 * another worker while this one still runs it.
 */
static struct {
	struct hs_job	*job;
	uint64_t	 since;		/* ms */
} held[JOBS_INFLIGHT_MAX];

static void
hold(struct hs_job *job)
{
	int	i;

	for (i = 0; i < JOBS_INFLIGHT_MAX; i++) {
		if (held[i].job == NULL) {
			held[i].job = job;
			held[i].since = kore_time_ms();
			return;
		}
	}
	fatalx("jobs: more than %d in flight", JOBS_INFLIGHT_MAX);
}

static void
release(struct hs_job *job)
{
	int	i;

	for (i = 0; i < JOBS_INFLIGHT_MAX; i++) {
		if (held[i].job == job) {
			held[i].job = NULL;
			return;
		}
	}
}

static void
renewed(void *arg, PGresult *res, const char *error, const char *state)
{
	(void)arg;
	(void)state;
	if (error != NULL)
		hs_log(HS_LOG_WARNING, "jobs.renew", "%s", error);
	if (res != NULL)
		PQclear(res);
}

/* Every third of a lease: extend the leases of the jobs still running. */
static void
renew_leases(void *arg, u_int64_t now)
{
	char		 ids[JOBS_INFLIGHT_MAX * 21 + 3];
	const char	*params[3];
	size_t		 off;
	int		 i, n;

	(void)arg;
	off = (size_t)snprintf(ids, sizeof(ids), "{");
	for (i = n = 0; i < JOBS_INFLIGHT_MAX; i++) {
		if (held[i].job == NULL || held[i].job->finished ||
		    now - held[i].since >
		    (uint64_t)lease_secs * 1000 * JOBS_RENEW_MAX)
			continue;
		off += (size_t)snprintf(ids + off, sizeof(ids) - off, "%s%lld",
		    n++ ? "," : "", (long long)held[i].job->id);
	}
	snprintf(ids + off, sizeof(ids) - off, "}");
	if (n == 0)
		return;
	params[0] = ids;
	params[1] = lease_owner;
	params[2] = lease;
	if (hs_db_query_bg("UPDATE jobs SET leased_until = now() + "
	    "$3::interval WHERE id = ANY($1::bigint[]) AND leased_by = $2 AND "
	    "state = 'running'", 3, params, renewed, NULL) == -1)
		hs_log(HS_LOG_WARNING, "jobs.renew", "database queue full");
}

static int
kind_add(const char *name, hs_job_handler_fn fn, hs_job_batch_fn batch_fn,
    int max_attempts, uint32_t base_retry_ms)
{
	if (nkinds == JOBS_KINDS_MAX || strlen(name) >= HS_JOB_KIND_MAX ||
	    max_attempts < 1)
		return (-1);
	snprintf(kinds[nkinds].name, sizeof(kinds[nkinds].name), "%s", name);
	kinds[nkinds].fn = fn;
	kinds[nkinds].batch_fn = batch_fn;
	kinds[nkinds].max_attempts = max_attempts;
	kinds[nkinds].base_retry_ms = base_retry_ms ? base_retry_ms : 1000;
	nkinds++;
	return (0);
}

int
hs_jobs_register(const char *name, hs_job_handler_fn fn, int max_attempts,
    uint32_t base_retry_ms)
{
	return (kind_add(name, fn, NULL, max_attempts, base_retry_ms));
}

int
hs_jobs_register_batch(const char *name, hs_job_batch_fn fn,
    int max_attempts, uint32_t base_retry_ms)
{
	return (kind_add(name, NULL, fn, max_attempts, base_retry_ms));
}

static const struct kind *
kind_of(const char *name)
{
	int	i;

	for (i = 0; i < nkinds; i++) {
		if (!strcmp(kinds[i].name, name))
			return (&kinds[i]);
	}
	return (NULL);
}

static void
finished(void *arg, PGresult *res, const char *error, const char *state)
{
	struct hs_job	*job = arg;

	(void)state;
	if (error != NULL)
		hs_log(HS_LOG_ERR, "jobs.finish", "job %lld (%s): cannot record "
		    "the outcome: %s (its lease will run out and it will run "
		    "again)", (long long)job->id, job->kind, error);
	else if (PQntuples(res) != 1)
		hs_log(HS_LOG_WARNING, "jobs.finish", "job %lld (%s): lease "
		    "lost before finishing; another worker has it",
		    (long long)job->id, job->kind);
	if (res != NULL)
		PQclear(res);
	release(job);
	free(job->payload);
	free(job);
	inflight--;
}

/* Backoff: base * 2^(attempt-1), capped, with up to 25% jitter. */
static uint32_t
backoff(const struct kind *k, int attempts)
{
	uint64_t	ms;
	uint32_t	jitter;

	ms = (uint64_t)k->base_retry_ms << (attempts > 20 ? 20 : attempts - 1);
	if (ms > JOBS_RETRY_CAP_MS)
		ms = JOBS_RETRY_CAP_MS;
	if (RAND_bytes((unsigned char *)&jitter, sizeof(jitter)) != 1)
		jitter = 0;
	return ((uint32_t)(ms + jitter % (ms / 4 + 1)));
}

void
hs_job_finish(struct hs_job *job, int ok, const char *error,
    uint32_t retry_after_ms, int permanent)
{
	const struct kind	*k = kind_of(job->kind);
	const char		*params[5];
	char			 id[24], retry[32];
	int			 retry_later;

	if (job->finished)
		fatal("job %lld finished twice", (long long)job->id);
	job->finished = 1;
	retry_later = !ok && !permanent && k != NULL &&
	    job->attempts < k->max_attempts;
	if (ok)
		hs_metrics_self()->jobs_done++;
	else
		hs_metrics_self()->jobs_failed++;
	if (!ok)
		hs_log(retry_later ? HS_LOG_WARNING : HS_LOG_ERR, "jobs.failed",
		    "job %lld (%s) attempt %d: %s%s", (long long)job->id,
		    job->kind, job->attempts, error ? error : "failed",
		    retry_later ? "; will retry" : "; giving up");

	snprintf(id, sizeof(id), "%lld", (long long)job->id);
	snprintf(retry, sizeof(retry), "%u", retry_after_ms ? retry_after_ms :
	    (k ? backoff(k, job->attempts) : 0));
	params[0] = id;
	params[1] = lease_owner;
	params[2] = ok ? "true" : "false";
	params[3] = ok ? NULL : (error ? error : "failed");
	params[4] = retry_later ? retry : NULL;
	if (hs_db_query_bg("SELECT hs_job_finish($1::bigint, $2, $3::boolean, $4, "
	    "now() + ($5::integer * interval '1 millisecond'))", 5, params,
	    finished, job) == -1)
		finished(job, NULL, "database queue full", "");
}

static void	poll_jobs(void *, u_int64_t);

static void
claimed(void *arg, PGresult *res, const char *error, const char *state)
{
	const struct kind	*k;
	struct hs_job		*job, *later[JOBS_BATCH], *group[JOBS_BATCH];
	int			 i, j, n, ngroup;

	(void)arg;
	(void)state;
	claiming = 0;
	if (error != NULL) {
		hs_log(HS_LOG_WARNING, "jobs.claim", "%s", error);
		return;
	}
	n = PQntuples(res);
	if (n > JOBS_BATCH)
		fatalx("jobs: claimed %d, more than asked", n);
	memset(later, 0, sizeof(later));
	for (i = 0; i < n; i++) {
		if ((job = calloc(1, sizeof(*job))) == NULL ||
		    (job->payload = strdup(PQgetvalue(res, i, 2))) == NULL)
			fatal("jobs: out of memory");
		job->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		snprintf(job->kind, sizeof(job->kind), "%s",
		    PQgetvalue(res, i, 1));
		job->attempts = atoi(PQgetvalue(res, i, 3));
		inflight++;
		hold(job);
		if ((k = kind_of(job->kind)) == NULL) {
			hs_job_finish(job, 0, "no handler for this kind", 0, 0);
			continue;
		}
		if (k->batch_fn != NULL)
			later[i] = job;
		else
			k->fn(job);
	}
	PQclear(res);
	/* Batch kinds: every job of the kind from this claim in one call. */
	for (j = 0; j < nkinds; j++) {
		if (kinds[j].batch_fn == NULL)
			continue;
		ngroup = 0;
		for (i = 0; i < n; i++) {
			if (later[i] != NULL &&
			    !strcmp(later[i]->kind, kinds[j].name))
				group[ngroup++] = later[i];
		}
		if (ngroup > 0)
			kinds[j].batch_fn(group, ngroup);
	}
	/* A full batch: more are probably due; don't wait for the timer. */
	if (n == JOBS_BATCH)
		poll_jobs(NULL, 0);
}

void
hs_job_done_in_sql(struct hs_job *job)
{
	if (job->finished)
		fatal("job %lld finished twice", (long long)job->id);
	job->finished = 1;
	hs_metrics_self()->jobs_done++;
	release(job);
	free(job->payload);
	free(job);
	inflight--;
}

const char *
hs_jobs_worker(void)
{
	return (lease_owner);
}

void
hs_jobs_wake(void)
{
	poll_jobs(NULL, 0);
}

static void
poll_jobs(void *arg, u_int64_t now)
{
	const char	*params[4];
	char		 limit[8];
	int		 room;

	(void)arg;
	(void)now;
	room = JOBS_INFLIGHT_MAX - inflight;
	if (claiming || nkinds == 0 || room <= 0)
		return;
	snprintf(limit, sizeof(limit), "%d", room < JOBS_BATCH ? room :
	    JOBS_BATCH);
	params[0] = kinds_array;
	params[1] = lease_owner;
	params[2] = limit;
	params[3] = lease;
	claiming = 1;
	if (hs_db_query_bg("SELECT id, kind, payload::text, attempts FROM "
	    "hs_job_claim($1::text[], $2, $3::integer, $4::interval)", 4,
	    params, claimed, NULL) == -1)
		claiming = 0;
}

int
hs_jobs_setup(const char *name, int lease_seconds)
{
	size_t	off;
	int	i;

	snprintf(lease_owner, sizeof(lease_owner), "%s", name);
	snprintf(lease, sizeof(lease), "%d seconds", lease_seconds);
	lease_secs = lease_seconds;
	off = (size_t)snprintf(kinds_array, sizeof(kinds_array), "{");
	for (i = 0; i < nkinds; i++)
		off += (size_t)snprintf(kinds_array + off,
		    sizeof(kinds_array) - off, "%s\"%s\"", i ? "," : "",
		    kinds[i].name);
	snprintf(kinds_array + off, sizeof(kinds_array) - off, "}");
	if (nkinds > 0) {
		kore_timer_add(poll_jobs, JOBS_POLL_MS, NULL, 0);
		kore_timer_add(renew_leases, lease_seconds * 1000 / 3 > 0 ?
		    (u_int64_t)lease_seconds * 1000 / 3 : 1000, NULL, 0);
	}
	return (0);
}
