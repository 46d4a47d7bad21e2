/*
 * The job queue: every session with a meter, a delivery or a telemetry
 * read, from the moment it is asked for until it is answered.
 *
 * Jobs run in order, deliveries before every waiting read; one session
 * per meter at a time (the gateway holds a meter's link for one socket,
 * one session), at most `sessions` at once.  Each running job waits for
 * the answer to its current step by a deadline (timeout_ms); a delivery
 * must also be answered by its budget (delivery_ms), queueing included.
 * One host timer is kept due by the earliest of all those deadlines.
 *
 * Reads come from the gateway's announcements and, when none came for
 * poll_seconds, from the poll, which reads the meters last announced.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sts/sts.h"
#include "blegw.h"

struct bgw_job *
bgw_job_new(struct bgw *gw, enum bgw_kind kind, uint32_t meter)
{
	struct bgw_job	*job;

	job = gw->host->alloc(gw->host->hctx, sizeof(*job));
	memset(job, 0, sizeof(*job));
	job->gw = gw;
	job->kind = kind;
	job->step = BGW_QUEUED;
	job->meter = meter;
	bgw_meter_key(gw->master, meter, job->k);
	return (job);
}

/* Keys, nonces and the transcript go with it. */
void
bgw_job_free(struct bgw_job *job)
{
	const struct hs_host	*host = job->gw->host;

	hs_sts_wipe(job, sizeof(*job));
	host->free(host->hctx, job);
}

/* Deliveries go before every waiting telemetry pull. */
void
bgw_job_queue(struct bgw *gw, struct bgw_job *job)
{
	struct bgw_job	*j;

	if (job->kind == BGW_DELIVER) {
		TAILQ_FOREACH(j, &gw->jobs, entry) {
			if (j->kind == BGW_PULL && j->step == BGW_QUEUED)
				break;
		}
		if (j != NULL)
			TAILQ_INSERT_BEFORE(j, job, entry);
		else
			TAILQ_INSERT_TAIL(&gw->jobs, job, entry);
		gw->ndeliveries++;
	} else
		TAILQ_INSERT_TAIL(&gw->jobs, job, entry);
	gw->njobs++;
}

static void
job_remove(struct bgw_job *job)
{
	struct bgw	*gw = job->gw;

	TAILQ_REMOVE(&gw->jobs, job, entry);
	gw->njobs--;
	if (job->step != BGW_QUEUED)
		gw->nrunning--;
	bgw_job_free(job);
}

/* The job for this meter that holds (or asked for) its link. */
static struct bgw_job *
job_running(struct bgw *gw, uint32_t meter)
{
	struct bgw_job	*job;

	TAILQ_FOREACH(job, &gw->jobs, entry) {
		if (job->meter == meter && job->step != BGW_QUEUED)
			return (job);
	}
	return (NULL);
}

static int
meter_has_job(struct bgw *gw, uint32_t meter)
{
	struct bgw_job	*job;

	TAILQ_FOREACH(job, &gw->jobs, entry) {
		if (job->meter == meter)
			return (1);
	}
	return (0);
}

void
bgw_answer_v(hs_send_done_fn done, void *arg, int result, uint32_t retry_ms,
    const char *ref, const char *fmt, va_list ap)
{
	struct hs_delivery	d;

	memset(&d, 0, sizeof(d));
	d.size = sizeof(d);
	d.result = result;
	d.retry_after_ms = retry_ms;
	if (ref != NULL)
		snprintf(d.provider_ref, sizeof(d.provider_ref), "%s", ref);
	vsnprintf(d.detail, sizeof(d.detail), fmt, ap);
	done(arg, &d);
}

void
bgw_job_answer(struct bgw_job *job, int result, uint32_t retry_ms,
    const char *ref, const char *fmt, ...)
{
	hs_send_done_fn	 done = job->done;
	va_list		 ap;

	if (done == NULL)
		return;
	job->done = NULL;
	job->gw->ndeliveries--;
	va_start(ap, fmt);
	bgw_answer_v(done, job->arg, result, retry_ms, ref, fmt, ap);
	va_end(ap);
}

void
bgw_job_end(struct bgw_job *job)
{
	struct bgw	*gw = job->gw;
	char		 msg[64];

	if (job->done != NULL)
		bgw_job_answer(job, HS_E_INTERNAL, 0, NULL, "the session ended "
		    "without an outcome");
	/* A lost "close" is harmless: the gateway frees idle links. */
	if (job->step != BGW_QUEUED)
		(void)bgw_gateway_send(gw, msg, bgw_msg_close(msg, sizeof(msg),
		    job->meter));
	job_remove(job);
}

void
bgw_job_fail(struct bgw_job *job, int result, uint32_t retry_ms,
    const char *fmt, ...)
{
	char	detail[BGW_DETAIL_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (job->done != NULL)
		bgw_job_answer(job, result, retry_ms, NULL, "%s", detail);
	else
		bgw_log(job->gw, result == HS_E_UNAVAILABLE ? HS_LOG_INFO :
		    HS_LOG_WARNING, "meter %08x: telemetry not read: %s",
		    job->meter, detail);
	bgw_job_end(job);
}

/*
 * Every job fails at once; the link to the gateway is already gone.  A
 * delivery may be retried once the next connection attempt is made.
 */
void
bgw_jobs_abort(struct bgw *gw, const char *why)
{
	struct bgw_job	*job;
	uint32_t	 retry = bgw_gateway_wait_ms(gw);

	if (retry < 1000)
		retry = 1000;
	while ((job = TAILQ_FIRST(&gw->jobs)) != NULL) {
		bgw_job_answer(job, HS_E_UNAVAILABLE, retry, NULL, "%s", why);
		job_remove(job);
	}
	bgw_timer_stop(gw, &gw->deadline_timer);
	gw->deadline_due_ms = 0;
}

void
bgw_jobs_free(struct bgw *gw)
{
	bgw_jobs_abort(gw, "the worker is stopping");
}

static const char *
step_name(enum bgw_step step)
{
	static const char	*names[] = { "queued", "open", "HELLO", "AUTH",
	    "TOKEN", "STATUS", "INFO", "LOG", "TELEMETRY" };

	return ((size_t)step < sizeof(names) / sizeof(names[0]) ?
	    names[step] : "?");
}

static void
job_start(struct bgw_job *job)
{
	struct bgw	*gw = job->gw;
	char		 msg[96];

	if (++gw->next_ref == 0)
		gw->next_ref = 1;
	/* Unsent: the link is closing and will fail the job. */
	if (bgw_gateway_send(gw, msg, bgw_msg_open(msg, sizeof(msg),
	    job->meter, gw->next_ref)) == -1)
		return;
	job->ref = gw->next_ref;
	job->step = BGW_OPEN;
	job->deadline_ms = bgw_now(gw) + gw->timeout_ms;
	gw->nrunning++;
}

/*
 * An "open" the gateway left unanswered for a whole reply timeout, while
 * it sent nothing at all: the gateway, not a meter, stopped answering.
 */
static int
gateway_silent(const struct bgw *gw, const struct bgw_job *job)
{
	return (job->step == BGW_OPEN &&
	    gw->heard_ms < job->deadline_ms - (int64_t)gw->timeout_ms);
}

/*
 * Fail every job whose step or whole delivery ran out of time.  Returns
 * 1 when the gateway itself went silent: the connection was dropped and
 * every job with it.
 */
static int
jobs_expire(struct bgw *gw, int64_t now)
{
	struct bgw_job	*job, *next;
	char		 why[160];

	for (job = TAILQ_FIRST(&gw->jobs); job != NULL; job = next) {
		next = TAILQ_NEXT(job, entry);
		if (job->step != BGW_QUEUED && now >= job->deadline_ms) {
			if (gateway_silent(gw, job)) {
				snprintf(why, sizeof(why), "the gateway "
				    "stopped answering (no answer to open "
				    "%08x, no message for %u ms)", job->meter,
				    gw->timeout_ms);
				bgw_gateway_drop(gw, why);
				return (1);
			}
			bgw_job_fail(job, HS_E_UNAVAILABLE, 0, "%s did not "
			    "answer %s within %u ms", job->step == BGW_OPEN ?
			    "the gateway" : "the meter", step_name(job->step),
			    gw->timeout_ms);
		} else if (job->done != NULL && now >= job->budget_ms)
			bgw_job_fail(job, HS_E_UNAVAILABLE, 0, "not delivered "
			    "within %u ms (%s)", gw->budget_ms,
			    step_name(job->step));
	}
	return (0);
}

static void
deadline_fire(void *arg)
{
	struct bgw	*gw = arg;

	gw->deadline_timer = NULL;
	gw->deadline_due_ms = 0;
	bgw_jobs_run(gw);
}

/*
 * Keep the deadline timer due by the earliest deadline of any job: the
 * current step's reply, or a waiting delivery's budget.  A timer already
 * due sooner is kept; when it finds nothing expired, jobs_run arms the
 * next one, so a step that moved a deadline later costs no cancel.
 */
static void
deadline_arm(struct bgw *gw, int64_t now)
{
	struct bgw_job	*job;
	int64_t		 first = 0, t;

	TAILQ_FOREACH(job, &gw->jobs, entry) {
		t = job->step != BGW_QUEUED ? job->deadline_ms :
		    job->done != NULL ? job->budget_ms : 0;
		if (t != 0 && (first == 0 || t < first))
			first = t;
	}
	if (first == 0) {
		bgw_timer_stop(gw, &gw->deadline_timer);
		gw->deadline_due_ms = 0;
		return;
	}
	if (gw->deadline_timer != NULL && gw->deadline_due_ms <= first)
		return;
	gw->deadline_due_ms = first;
	bgw_timer_set(gw, &gw->deadline_timer, first > now ?
	    (uint32_t)(first - now) : 0, deadline_fire);
}

void
bgw_jobs_run(struct bgw *gw)
{
	struct bgw_job	*job, *next;
	int64_t		 now = bgw_now(gw);

	if (jobs_expire(gw, now))
		return;
	for (job = TAILQ_FIRST(&gw->jobs); job != NULL && gw->up &&
	    gw->nrunning < gw->sessions_max; job = next) {
		next = TAILQ_NEXT(job, entry);
		if (job->step == BGW_QUEUED &&
		    job_running(gw, job->meter) == NULL)
			job_start(job);
	}
	deadline_arm(gw, now);
}

/* ------------------------------------------------- gateway's messages */

/* Queue a telemetry read of each meter that has no job yet. */
static void
read_meters(struct bgw *gw, const uint32_t *meters, size_t n)
{
	struct bgw_job	*job;
	size_t		 i, skipped = 0;

	for (i = 0; i < n; i++) {
		if (meter_has_job(gw, meters[i]))
			continue;
		if (gw->njobs >= BGW_JOBS_MAX) {
			skipped++;
			continue;
		}
		job = bgw_job_new(gw, BGW_PULL, meters[i]);
		bgw_job_queue(gw, job);
	}
	if (skipped > 0)
		bgw_log(gw, HS_LOG_WARNING, "the job queue is full: %zu "
		    "announced meter(s) not read this time", skipped);
}

/*
 * Nothing announced for poll_seconds: read the meters of the last
 * announcement as if announced again.  The gateway still decides what is
 * reachable: a meter gone since answers "unknown_meter" or
 * "unreachable", and its read is logged and skipped.
 */
static void
poll_fire(void *arg)
{
	struct bgw	*gw = arg;

	gw->poll_timer = NULL;
	bgw_log(gw, HS_LOG_INFO, "no announcement for %u s; reading the %zu "
	    "meter(s) last announced", gw->poll_ms / 1000, gw->nknown);
	read_meters(gw, gw->known, gw->nknown);
	bgw_poll_arm(gw);
	bgw_jobs_run(gw);
}

/*
 * Count poll_seconds afresh, up to a tenth less: the workers of a core
 * connect together and would otherwise all poll in the same instant and
 * find each other's sessions holding the meters.
 */
void
bgw_poll_arm(struct bgw *gw)
{
	if (gw->poll_ms == 0 || !gw->up)
		return;
	bgw_timer_set(gw, &gw->poll_timer, gw->poll_ms -
	    bgw_random_below(gw, gw->poll_ms / 10 + 1), poll_fire);
}

static void
announce(struct bgw *gw, const struct bgw_msg *m)
{
	if (m->ignored > 0)
		bgw_log(gw, HS_LOG_NOTICE, "the announcement had %zu entries "
		    "that are not meter ids", m->ignored);
	memcpy(gw->known, m->meters, m->nmeters * sizeof(m->meters[0]));
	gw->nknown = m->nmeters;
	read_meters(gw, m->meters, m->nmeters);
	bgw_poll_arm(gw);
}

static void
gateway_error(struct bgw_job *job, const struct bgw_msg *m)
{
	if (!strcmp(m->code, "busy"))
		bgw_job_fail(job, HS_E_UNAVAILABLE, 2000, "the meter's link is "
		    "in use by another session");
	else if (!strcmp(m->code, "unreachable"))
		bgw_job_fail(job, HS_E_UNAVAILABLE, 30000, "the gateway cannot "
		    "reach meter %08x%s%s", job->meter, m->text[0] ? ": " : "",
		    m->text);
	else if (!strcmp(m->code, "unknown_meter"))
		bgw_job_fail(job, HS_E_UNAVAILABLE, 60000, "meter %08x is not "
		    "behind this gateway", job->meter);
	else
		bgw_job_fail(job, HS_E_UNAVAILABLE, 0, "the gateway said %s%s%s",
		    m->code, m->text[0] ? ": " : "", m->text);
}

void
bgw_jobs_message(struct bgw *gw, const struct bgw_msg *m)
{
	struct bgw_job	*job;

	job = m->op == BGW_OP_ANNOUNCE ? NULL : job_running(gw, m->meter);
	switch (m->op) {
	case BGW_OP_ANNOUNCE:
		announce(gw, m);
		break;
	case BGW_OP_OPENED:
		if (job != NULL && job->step == BGW_OPEN && job->ref == m->ref)
			bgw_session_begin(job);
		break;
	case BGW_OP_ERROR:
		if (job != NULL && (m->ref == 0 || m->ref == job->ref))
			gateway_error(job, m);
		break;
	case BGW_OP_RX:
		if (job != NULL && job->step > BGW_OPEN)
			bgw_session_input(job, m->bytes, m->nbytes);
		break;
	case BGW_OP_CLOSED:
		if (job != NULL)
			bgw_job_fail(job, HS_E_UNAVAILABLE, 0, "the gateway "
			    "lost the meter's link%s%s", m->text[0] ? ": " : "",
			    m->text);
		break;
	default:
		break;
	}
	bgw_jobs_run(gw);
}
