/*
 * The daily "bills.overdue" job: reminders for invoices unpaid after their
 * due date (hs_bill_overdue_notify, at most one per invoice a week).
 * Every worker's timer asks for today's job; the dedupe key makes it one
 * job a day for the whole cluster, whichever worker of whichever node
 * asks first.
 */
#include <kore/kore.h>

#include "db/db.h"
#include "jobs/jobs.h"
#include "bill/bill.h"

#define OVERDUE_TICK_MS	(15 * 60 * 1000)

static void
reminded(void *arg, PGresult *res, const char *error, const char *state)
{
	struct hs_job	*job = arg;

	(void)state;
	if (res != NULL)
		PQclear(res);
	hs_job_finish(job, error == NULL, error, 0, 0);
}

static void
overdue_job(struct hs_job *job)
{
	if (hs_db_query_bg("SELECT hs_bill_overdue_notify(current_date)", 0,
	    NULL, reminded, job) == -1)
		hs_job_finish(job, 0, "database queue full", 0, 0);
}

static void
enqueued(void *arg, PGresult *res, const char *error, const char *state)
{
	(void)arg;
	(void)error;
	(void)state;
	if (res != NULL)
		PQclear(res);
}

static void
overdue_tick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;
	hs_db_query_bg("SELECT hs_job_enqueue('bills.overdue', '{}', "
	    "'overdue:' || current_date, 'timer')", 0, NULL, enqueued, NULL);
}

void
hs_bill_setup(void)
{
	if (hs_jobs_register("bills.overdue", overdue_job, 5, 60000) == -1)
		fatalx("cannot register the overdue job");
	kore_timer_add(overdue_tick, OVERDUE_TICK_MS, NULL, 0);
	overdue_tick(NULL, 0);
}
