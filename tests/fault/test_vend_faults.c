/*
 * Vending under faults: pay once, get exactly one token, whatever breaks.
 *
 *   - the whole server killed with SIGKILL right after a payment was
 *     recorded, right after the HSM made the token, and right after the
 *     token was stored (HS_FAULT fault points, core/server/fault.c), then
 *     restarted;
 *   - PostgreSQL stopped and started while notifications stream in, the
 *     "provider" retrying each until it gets a 2xx;
 *   - the only HSM down for a while (purchases wait, then complete), and
 *     a second HSM taking over when the first is down.
 *
 * After each: every paid purchase has exactly one token and no payment
 * is lost.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <libpq-fe.h>

#include "hs_test_vend.h"

static char		dir[1024];
static pid_t		fakepay;
static int		fp_port;
static long		meter1;

static struct hs_test_caller	siti = { "siti@example.id", NULL, "", "" };

/* Every purchase the provider reported paid has exactly one token. */
static void
assert_exactly_one_token_each(void)
{
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM purchases p "
	    "WHERE p.state IN ('paid', 'vended') AND (SELECT count(*) FROM "
	    "tokens t WHERE t.purchase_id = p.id) <> 1"), 0);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM purchases p "
	    "WHERE p.state = 'paid'"), 0);
}

static int
start(struct hs_test_server *srv, const char *fault, const char *hsm_conf)
{
	char	extra[8192];
	size_t	n;
	int	rc;

	n = (size_t)snprintf(extra, sizeof(extra), "job_lease 2\n");
	hs_test_vend_conf(extra + n, sizeof(extra) - n, dir, fp_port);
	if (hsm_conf != NULL) {
		/* Replace the soft HSM by the given HSM lines. */
		char	*vault = strstr(extra, "plugin vault hsm");

		snprintf(vault, sizeof(extra) - (size_t)(vault - extra), "%s",
		    hsm_conf);
	}
	if (fault != NULL)
		setenv("HS_FAULT", fault, 1);
	rc = hs_test_server_start(srv, 2, extra);
	unsetenv("HS_FAULT");
	if (rc == 0 && hs_test_login(srv->port, &siti, HS_TEST_PASSWORD) !=
	    200)
		rc = -1;
	return (rc);
}

/*
 * Wait until the killed server is gone: its workers died of SIGKILL at
 * the fault point (status 9, nothing finished cleanly), the parent
 * exited, the port is closed.
 */
static void
wait_dead(struct hs_test_server *srv)
{
	struct hs_test_resp	r;
	int			i;

	for (i = 0; i < 100 && !hs_test_pid_gone(srv->pid); i++)
		usleep(100000);
	assert_true(hs_test_pid_gone(srv->pid));
	assert_int_equal(hs_test_http(srv->port, "GET", "/healthz", NULL,
	    NULL, 0, &r), -1);
	assert_true(hs_test_file_contains(srv->log, "exited with status 9"));
}

static int
setup(void **state)
{
	(void)state;
	if (hs_test_vend_prepare("faults", dir, sizeof(dir)) == -1)
		return (-1);
	if ((fakepay = hs_test_fakepay(&fp_port)) <= 0)
		return (-1);
	meter1 = hs_test_sql_long("SELECT id FROM meters WHERE number = "
	    "'47040000011'");
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	hs_test_kill(fakepay);
	return (0);
}

/*
 * Killed right after the notification committed, before the provider
 * saw the 200: the provider delivers again after the restart; the token
 * comes once.
 */
static void
test_kill_after_payment_recorded(void **state)
{
	struct hs_test_server	srv;
	struct hs_test_purchase	p;
	long			ts = (long)time(NULL);

	(void)state;
	assert_int_equal(start(&srv, "payment.after_record", NULL), 0);
	assert_int_equal(hs_test_buy(srv.port, &siti, meter1, 10000,
	    "sandbox", "kill-1", &p, NULL), 201);
	assert_int_equal(hs_test_notify(srv.port, "evt_kill_1", &p, "paid",
	    p.total, ts, HS_TEST_SANDBOX_KEY), -1);
	wait_dead(&srv);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM purchases "
	    "WHERE id = %ld AND state = 'paid'", p.id), 1);

	assert_int_equal(start(&srv, NULL, NULL), 0);
	assert_int_equal(hs_test_notify(srv.port, "evt_kill_1", &p, "paid",
	    p.total, ts, HS_TEST_SANDBOX_KEY), 200);
	assert_int_equal(hs_test_wait_state(p.id, "vended", 20), 0);
	sleep(1);
	assert_int_equal(hs_test_tokens_of(p.id), 1);
	assert_exactly_one_token_each();
	hs_test_server_stop(&srv);
}

/* Killed between the HSM call and storing the token. */
static void
test_kill_after_hsm(void **state)
{
	struct hs_test_server	srv;
	struct hs_test_purchase	p;

	(void)state;
	assert_int_equal(start(&srv, "vend.after_hsm", NULL), 0);
	assert_int_equal(hs_test_buy(srv.port, &siti, meter1, 11000,
	    "sandbox", "kill-2", &p, NULL), 201);
	/* Recorded and answered; the vend job then kills the server. */
	assert_int_equal(hs_test_notify(srv.port, "evt_kill_2", &p, "paid",
	    p.total, (long)time(NULL), HS_TEST_SANDBOX_KEY), 200);
	wait_dead(&srv);
	assert_int_equal(hs_test_tokens_of(p.id), 0);

	assert_int_equal(start(&srv, NULL, NULL), 0);
	assert_int_equal(hs_test_wait_state(p.id, "vended", 20), 0);
	sleep(1);
	assert_int_equal(hs_test_tokens_of(p.id), 1);
	assert_exactly_one_token_each();
	hs_test_server_stop(&srv);
}

/*
 * Killed right after the token was stored.  The vend job is marked done
 * in the same transaction as the token, so nothing is left half done:
 * after the restart there is still exactly one token and no job to run.
 */
static void
test_kill_after_token_stored(void **state)
{
	struct hs_test_server	srv;
	struct hs_test_purchase	p;
	char			before[32], after[32];
	PGresult		*res;

	(void)state;
	assert_int_equal(start(&srv, "vend.after_store", NULL), 0);
	assert_int_equal(hs_test_buy(srv.port, &siti, meter1, 12000,
	    "sandbox", "kill-3", &p, NULL), 201);
	assert_int_equal(hs_test_notify(srv.port, "evt_kill_3", &p, "paid",
	    p.total, (long)time(NULL), HS_TEST_SANDBOX_KEY), 200);
	wait_dead(&srv);
	assert_int_equal(hs_test_tokens_of(p.id), 1);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM jobs WHERE "
	    "kind = 'vend.token' AND payload->>'purchase' = '%ld' AND "
	    "state = 'done'", p.id), 1);
	res = PQexec(hs_test_db(), "SELECT token FROM tokens ORDER BY id DESC "
	    "LIMIT 1");
	snprintf(before, sizeof(before), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);

	assert_int_equal(start(&srv, NULL, NULL), 0);
	{
		int	i;

		for (i = 0; i < 200; i++) {
			if (hs_test_sql_longf("SELECT count(*) FROM jobs "
			    "WHERE kind = 'vend.token' AND payload->>"
			    "'purchase' = '%ld' AND state = 'done'", p.id) == 1)
				break;
			usleep(100000);
		}
	}
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM jobs WHERE "
	    "kind = 'vend.token' AND payload->>'purchase' = '%ld' AND "
	    "state = 'done'", p.id), 1);
	res = PQexec(hs_test_db(), "SELECT token FROM tokens ORDER BY id DESC "
	    "LIMIT 1");
	snprintf(after, sizeof(after), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	assert_string_equal(before, after);
	assert_int_equal(hs_test_tokens_of(p.id), 1);
	assert_exactly_one_token_each();
	hs_test_server_stop(&srv);
}

/*
 * PostgreSQL goes away for a few seconds while 30 payments arrive; the
 * "provider" re-delivers each until it gets a 2xx, as real ones do.
 */
static void
test_postgres_restart_under_load(void **state)
{
	struct hs_test_server	srv;
	struct hs_test_purchase	p[30];
	char			key[32], cmd[2048];
	pid_t			sender;
	int			i, st;
	long			paid_before;

	(void)state;
	assert_int_equal(start(&srv, NULL, NULL), 0);
	paid_before = hs_test_sql_long("SELECT count(*) FROM purchases WHERE "
	    "state IN ('paid', 'vended')");
	for (i = 0; i < 30; i++) {
		snprintf(key, sizeof(key), "pg-%d", i);
		assert_int_equal(hs_test_buy(srv.port, &siti, meter1, 5000 +
		    i * 100, "sandbox", key, &p[i], NULL), 201);
	}
	if ((sender = fork()) == 0) {
		for (i = 0; i < 30; i++) {
			char	event[32];
			int	tries;

			snprintf(event, sizeof(event), "evt_pg_%d", i);
			for (tries = 0; tries < 600; tries++) {
				if (hs_test_notify(srv.port, event, &p[i],
				    "paid", p[i].total, (long)time(NULL),
				    HS_TEST_SANDBOX_KEY) == 200)
					break;
				usleep(100000);
			}
			if (tries == 600)
				_exit(1);
			usleep(50000);
		}
		_exit(0);
	}
	usleep(300000);
	snprintf(cmd, sizeof(cmd), "cd %s && mk/pg.sh stop %s >/dev/null && "
	    "sleep 2 && mk/pg.sh start %s %s >/dev/null", hs_test_top(),
	    getenv("HS_TEST_PGDIR"), getenv("HS_TEST_PGDIR"),
	    getenv("HS_TEST_PGPORT"));
	assert_int_equal(system(cmd), 0);
	assert_int_equal(waitpid(sender, &st, 0), sender);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	for (i = 0; i < 30; i++)
		assert_int_equal(hs_test_wait_state(p[i].id, "vended", 30), 0);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM purchases WHERE "
	    "state IN ('paid', 'vended')"), paid_before + 30);
	assert_exactly_one_token_each();
	hs_test_server_stop(&srv);
}

/* The only HSM is down: the purchase waits, then completes. */
static void
test_hsm_down_then_back(void **state)
{
	struct hs_test_server	srv;
	struct hs_test_purchase	p;
	char			hsm[4096], down[1200];
	FILE			*fp;

	(void)state;
	snprintf(down, sizeof(down), "%s/hsm-down", dir);
	assert_non_null(fp = fopen(down, "w"));
	fclose(fp);
	snprintf(hsm, sizeof(hsm), "plugin flaky hsm %s/%s/tests/fault/"
	    "flaky_hsm.so\nset flaky inner %s/%s/plugins/hsm/soft.so\n"
	    "set flaky down_file %s\nset flaky keystore %s/keys.hsks\n"
	    "set flaky master_key file:%s/master\n", hs_test_top(),
	    hs_test_build(), hs_test_top(), hs_test_build(), down, dir, dir);
	assert_int_equal(start(&srv, NULL, hsm), 0);
	assert_int_equal(hs_test_buy(srv.port, &siti, meter1, 13000,
	    "sandbox", "hsm-1", &p, NULL), 201);
	assert_int_equal(hs_test_notify(srv.port, "evt_hsm_1", &p, "paid",
	    p.total, (long)time(NULL), HS_TEST_SANDBOX_KEY), 200);
	sleep(3);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM purchases "
	    "WHERE id = %ld AND state = 'paid'", p.id), 1);
	assert_true(hs_test_sql_longf("SELECT attempts FROM jobs WHERE kind = "
	    "'vend.token' AND payload->>'purchase' = '%ld'", p.id) >= 2);
	unlink(down);
	assert_int_equal(hs_test_wait_state(p.id, "vended", 30), 0);
	assert_int_equal(hs_test_tokens_of(p.id), 1);
	assert_exactly_one_token_each();
	hs_test_server_stop(&srv);

	/* Two HSMs: the first down, the second vends at once. */
	assert_non_null(fp = fopen(down, "w"));
	fclose(fp);
	snprintf(hsm + strlen(hsm), sizeof(hsm) - strlen(hsm),
	    "plugin vault hsm %s/%s/plugins/hsm/soft.so\n"
	    "set vault keystore %s/keys.hsks\n"
	    "set vault master_key file:%s/master\n", hs_test_top(),
	    hs_test_build(), dir, dir);
	assert_int_equal(start(&srv, NULL, hsm), 0);
	assert_int_equal(hs_test_buy(srv.port, &siti, meter1, 14000,
	    "sandbox", "hsm-2", &p, NULL), 201);
	assert_int_equal(hs_test_notify(srv.port, "evt_hsm_2", &p, "paid",
	    p.total, (long)time(NULL), HS_TEST_SANDBOX_KEY), 200);
	assert_int_equal(hs_test_wait_state(p.id, "vended", 10), 0);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM tokens WHERE "
	    "purchase_id = %ld AND hsm = 'vault'", p.id), 1);
	unlink(down);
	hs_test_server_stop(&srv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_after_payment_recorded),
		cmocka_unit_test(test_kill_after_hsm),
		cmocka_unit_test(test_kill_after_token_stored),
		cmocka_unit_test(test_postgres_restart_under_load),
		cmocka_unit_test(test_hsm_down_then_back),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
