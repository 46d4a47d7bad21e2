/*
 * Jobs that turn events into outbox messages.
 *
 * "notify.token": the token notice.  The vend job's transaction queues
 * this job with the token; it writes the notice into the outbox for the
 * customer's channels (hs_notify_token, idempotent per purchase, or per
 * re-send request).  A separate job rather than a trigger keeps the vend
 * transaction short; the job is durable, so the notice cannot be lost.
 */
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>

#include "db/db.h"
#include "jobs/jobs.h"
#include "notify/notify.h"
#include "obs/log.h"

/* Both jobs finish when their one statement has committed. */
static void
token_done(void *arg, PGresult *res, const char *error, const char *state)
{
	struct hs_job	*job = arg;

	(void)state;
	if (res != NULL)
		PQclear(res);
	hs_job_finish(job, error == NULL, error, 0, 0);
}

static void
token_job(struct hs_job *job)
{
	struct kore_json	 j;
	struct kore_json_item	*id, *resend;
	const char		*params[2];
	char			 purchase[24], key[24];

	kore_json_init(&j, job->payload, strlen(job->payload));
	if (!kore_json_parse(&j) || (id = kore_json_find(j.root, "purchase",
	    KORE_JSON_TYPE_INTEGER_U64)) == NULL) {
		kore_json_cleanup(&j);
		hs_job_finish(job, 0, "payload without a purchase id", 0, 1);
		return;
	}
	snprintf(purchase, sizeof(purchase), "%llu",
	    (unsigned long long)id->data.u64);
	resend = kore_json_find(j.root, "resend", KORE_JSON_TYPE_LITERAL);
	/* A re-send is a new message: keyed by this job. */
	snprintf(key, sizeof(key), "%lld", (long long)job->id);
	kore_json_cleanup(&j);
	params[0] = purchase;
	params[1] = resend != NULL ? key : NULL;
	if (hs_db_query_bg("SELECT hs_notify_token($1, $2)", 2, params,
	    token_done, job) == -1)
		hs_job_finish(job, 0, "database queue full", 0, 0);
}

/* "notify.otp": a sign-up or reset code, into the outbox. */
static void
otp_job(struct hs_job *job)
{
	const char	*params[2];
	char		 id[24];

	snprintf(id, sizeof(id), "%lld", (long long)job->id);
	params[0] = id;
	params[1] = job->payload;
	if (hs_db_query_bg("SELECT hs_notify_otp($1, $2::jsonb)", 2, params,
	    token_done, job) == -1)
		hs_job_finish(job, 0, "database queue full", 0, 0);
}

void
hs_notify_jobs_register(void)
{
	if (hs_jobs_register("notify.token", token_job, 20, 1000) == -1 ||
	    hs_jobs_register("notify.otp", otp_job, 20, 1000) == -1)
		fatalx("cannot register the notification jobs");
	hs_notify_telemetry_register();
}
