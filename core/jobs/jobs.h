/*
 * Background jobs: durable work items in PostgreSQL (migration 0001),
 * shared by every worker of every node without a coordinator.
 *
 * Each worker polls for due jobs of the kinds it has handlers for and
 * claims a few with FOR UPDATE SKIP LOCKED, leasing them.  A handler runs
 * on the worker's event loop, may go asynchronous, and calls
 * hs_job_finish() exactly once.  A failed attempt is retried later with
 * exponential backoff and jitter until the kind's attempt limit; a worker
 * that dies mid-job leaves a lease that runs out, and the job is claimed
 * again.  So a job can run more than once: handlers must be idempotent
 * (the vend job fixes every token input up front, so a retry produces the
 * same token).
 */
#ifndef HS_JOBS_H
#define HS_JOBS_H

#include <stdint.h>

#define HS_JOB_KIND_MAX		64

struct hs_job {
	int64_t		 id;
	char		 kind[HS_JOB_KIND_MAX];
	char		*payload;	/* JSON text */
	int		 attempts;	/* including this one */
	int		 finished;
};

typedef void (*hs_job_handler_fn)(struct hs_job *job);

/*
 * Register a handler for a kind (per worker, before hs_jobs_setup).
 * max_attempts bounds retries; base_retry_ms is the first backoff.
 */
int	hs_jobs_register(const char *kind, hs_job_handler_fn fn,
	    int max_attempts, uint32_t base_retry_ms);

/*
 * A handler that takes every job of its kind from one claim at once (up
 * to 32), to do their work in one transaction; it calls hs_job_finish()
 * or hs_job_done_in_sql() once for each job.  The array is the caller's:
 * copy the pointers to keep them.
 */
typedef void (*hs_job_batch_fn)(struct hs_job **jobs, int n);

int	hs_jobs_register_batch(const char *kind, hs_job_batch_fn fn,
	    int max_attempts, uint32_t base_retry_ms);

/*
 * Start claiming; worker_name identifies leases ("node/pid").  A claimed
 * job is leased for lease_seconds: after that another worker may take it.
 */
int	hs_jobs_setup(const char *worker_name, int lease_seconds);

/*
 * The outcome of one attempt.  ok: done.  Otherwise error says why and
 * the job is retried (backoff, or after retry_after_ms when non-zero)
 * until its attempts run out, or never when permanent is set.
 */
void	hs_job_finish(struct hs_job *job, int ok, const char *error,
	    uint32_t retry_after_ms, int permanent);

/*
 * A handler finished its job inside its own last SQL statement (the
 * vend job marks itself done in the transaction that stores the token,
 * saving a commit): release it here without another query.
 */
void	hs_job_done_in_sql(struct hs_job *job);

/* This worker's lease name, for SQL that finishes a job itself. */
const char	*hs_jobs_worker(void);

/*
 * This worker just enqueued a job (a payment marked paid): claim now
 * rather than at the next poll, so the token follows in milliseconds.
 * Other workers and nodes find it at their next poll.
 */
void	hs_jobs_wake(void);

#endif
