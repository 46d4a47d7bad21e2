/*
 * The background job runner: many jobs shared by two workers run exactly
 * once each; a failing job is retried with backoff up to its limit and
 * then given up; a job whose worker died (lease ran out) is taken over;
 * a job running longer than its lease keeps it; kinds nobody handles stay
 * queued.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <libpq-fe.h>

#include "hs_test.h"

static struct hs_test_server	srv;
static PGconn			*pg;

/* Wait up to ms for the query to return want. */
static int
wait_for(const char *q, long want, int ms)
{
	int	i;

	for (i = 0; i < ms / 50; i++) {
		if (hs_test_sql_long(q) == want)
			return (1);
		usleep(50000);
	}
	return (hs_test_sql_long(q) == want);
}

static int
setup(void **state)
{
	(void)state;
	pg = PQconnectdb(hs_test_pgurl());
	if (PQstatus(pg) != CONNECTION_OK)
		return (-1);
	return (hs_test_server_start(&srv, 2, NULL));
}

static int
teardown(void **state)
{
	(void)state;
	hs_test_server_stop(&srv);
	PQfinish(pg);
	return (0);
}

static void
test_each_job_runs_once(void **state)
{
	struct hs_test_resp	r;
	const char		*p;

	(void)state;
	hs_test_sql("INSERT INTO jobs (kind, payload) SELECT 'diag.noop', "
	    "jsonb_build_object('n', g) FROM generate_series(1, 300) g");
	hs_test_sql("INSERT INTO jobs (kind) VALUES ('nobody.handles.this')");
	if (!wait_for("SELECT count(*) FROM jobs WHERE kind = 'diag.noop' AND "
	    "state = 'done'", 300, 15000))
		fail_msg("only %ld of 300 jobs done", hs_test_sql_long("SELECT count(*) "
		    "FROM jobs WHERE kind = 'diag.noop' AND state = 'done'"));
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM jobs WHERE kind = "
	    "'diag.noop' AND attempts = 1 AND leased_by IS NULL AND "
	    "finished_at IS NOT NULL"), 300);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM jobs WHERE kind = "
	    "'nobody.handles.this' AND state = 'queued' AND attempts = 0"), 1);

	assert_int_equal(hs_test_http(srv.port, "GET", "/metrics", NULL, NULL,
	    0, &r), 0);
	p = strstr(r.body, "\nhydrosync_jobs_done_total ");
	assert_non_null(p);
	assert_true(atol(p + strlen("\nhydrosync_jobs_done_total ")) >= 300);
	hs_test_resp_free(&r);
}

static void
test_failures_retry_then_give_up(void **state)
{
	(void)state;
	hs_test_sql("INSERT INTO jobs (kind) VALUES ('diag.fail')");
	if (!wait_for("SELECT count(*) FROM jobs WHERE kind = 'diag.fail' AND "
	    "state = 'failed'", 1, 10000))
		fail_msg("the failing job was not given up");
	assert_int_equal(hs_test_sql_long("SELECT attempts FROM jobs WHERE kind = "
	    "'diag.fail'"), 3);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM jobs WHERE kind = "
	    "'diag.fail' AND last_error LIKE '%always fails%'"), 1);
	/* Two backoffs (100 ms, 200 ms, plus jitter) separate the attempts. */
	assert_true(hs_test_sql_long("SELECT (extract(epoch FROM finished_at - "
	    "created_at) * 1000)::bigint FROM jobs WHERE kind = "
	    "'diag.fail'") >= 300);
}

static void
test_dead_workers_lease_runs_out(void **state)
{
	(void)state;
	hs_test_sql("INSERT INTO jobs (kind, state, attempts, leased_until, leased_by) "
	    "VALUES ('diag.noop', 'running', 1, now() - interval '1 second', "
	    "'dead-node/1')");
	if (!wait_for("SELECT count(*) FROM jobs WHERE leased_by IS NULL AND "
	    "kind = 'diag.noop' AND attempts = 2 AND state = 'done'", 1, 5000))
		fail_msg("the abandoned job was not taken over");
	/* A live lease is left alone. */
	hs_test_sql("INSERT INTO jobs (kind, state, attempts, leased_until, leased_by) "
	    "VALUES ('diag.noop', 'running', 1, now() + interval '1 hour', "
	    "'busy-node/1')");
	usleep(1000000);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM jobs WHERE leased_by = "
	    "'busy-node/1' AND state = 'running'"), 1);
}

/*
 * A job that runs longer than its lease keeps it: the worker renews the
 * leases of the jobs it is still running, so no other worker takes one
 * over and runs it a second time meanwhile.
 */
static void
test_long_job_keeps_its_lease(void **state)
{
	(void)state;
	hs_test_server_stop(&srv);
	assert_int_equal(hs_test_server_start(&srv, 2, "job_lease 1\n"), 0);
	hs_test_sql("INSERT INTO jobs (kind, payload) VALUES ('diag.slow', "
	    "'{\"ms\": 4000}')");
	if (!wait_for("SELECT count(*) FROM jobs WHERE kind = 'diag.slow' AND "
	    "state = 'done'", 1, 10000))
		fail_msg("the slow job did not finish");
	/* Four leases long, claimed once. */
	assert_int_equal(hs_test_sql_long("SELECT attempts FROM jobs WHERE "
	    "kind = 'diag.slow'"), 1);
	assert_int_equal(hs_test_sql_long("SELECT (extract(epoch FROM "
	    "finished_at - created_at) >= 4)::int FROM jobs WHERE kind = "
	    "'diag.slow'"), 1);
	assert_false(hs_test_file_contains(srv.log, "lease lost"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_job_runs_once),
		cmocka_unit_test(test_failures_retry_then_give_up),
		cmocka_unit_test(test_dead_workers_lease_runs_out),
		cmocka_unit_test(test_long_job_keeps_its_lease),
	};

	return (cmocka_run_group_tests_name("jobs", tests, setup, teardown));
}
