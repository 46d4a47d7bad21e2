/*
 * Key rotation through the core: `hydrosync keys kct --utility` takes the
 * affected meters from the database, issues their key change tokens
 * through the configured HSM plugin, stores them as pending orders, skips
 * meters that already have one, and audits every meter in the hash chain.
 * Key change tokens carry no TID, so the stored tokens must equal the ones
 * the CSV path prints for the same meter.
 */
#include <sys/wait.h>

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

static char	dir[1024], conf[1200], keys[1400];
static PGconn	*pg;

static int
run(const char *args, char *out, size_t len)
{
	char	 cmd[4096];
	FILE	*fp;
	size_t	 n;
	int	 status;

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", keys, args);
	fp = popen(cmd, "r");
	n = fread(out, 1, len - 1, fp);
	out[n] = '\0';
	status = pclose(fp);
	return (WEXITSTATUS(status));
}

static int
setup(void **state)
{
	char	 cmd[4096], out[4096];
	FILE	*fp;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/%s/tests/run/keyrot-%d", hs_test_top(),
	    hs_test_build(), (int)getpid());
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && openssl rand -hex 32 > "
	    "'%s/master' && %s/%s/bin/hydrosync db demo --database '%s' "
	    ">/dev/null", dir, dir, hs_test_top(), hs_test_build(),
	    hs_test_pgurl());
	if (system(cmd) != 0)
		return (-1);
	snprintf(conf, sizeof(conf), "%s/hydrosync.conf", dir);
	if ((fp = fopen(conf, "w")) == NULL)
		return (-1);
	fprintf(fp, "database %s\nplugin vault hsm %s/%s/plugins/hsm/soft.so\n"
	    "set vault keystore %s/keys.hsks\nset vault master_key file:%s/"
	    "master\n", hs_test_pgurl(), hs_test_top(), hs_test_build(), dir,
	    dir);
	fclose(fp);
	snprintf(keys, sizeof(keys), "%s/%s/bin/hydrosync keys --config '%s' "
	    "--actor tester", hs_test_top(), hs_test_build(), conf);
	if (run("--yes create", out, sizeof(out)) != 0 ||
	    run("generate --sgc 123457 --krn 1 --dkga 04", out,
	    sizeof(out)) != 0 ||
	    run("generate --sgc 123457 --krn 2 --dkga 04", out,
	    sizeof(out)) != 0) {
		fprintf(stderr, "%s\n", out);
		return (-1);
	}
	pg = PQconnectdb(hs_test_pgurl());
	return (PQstatus(pg) == CONNECTION_OK ? 0 : -1);
}

static int
teardown(void **state)
{
	(void)state;
	PQfinish(pg);
	return (0);
}

static void
test_rotation_through_the_database(void **state)
{
	char		 out[8192], csv[1600], args[2048], want[256];
	PGresult	*res;
	FILE		*fp;
	long		 meters, audit_before;

	(void)state;
	meters = hs_test_sql_long("SELECT count(*) FROM meters m JOIN utilities u ON "
	    "u.id = m.utility_id WHERE u.code = 'pdam-tirta' AND sgc = 123457 "
	    "AND key_revision = 1");
	assert_true(meters >= 4);
	audit_before = hs_test_sql_long("SELECT count(*) FROM audit_log");

	/* Refused without confirmation, and nothing stored. */
	assert_int_not_equal(run("kct --utility pdam-tirta --sgc 123457 "
	    "--krn 1 --new-krn 2 </dev/null", out, sizeof(out)), 0);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM key_change_orders"), 0);

	assert_int_equal(run("--yes kct --utility pdam-tirta --sgc 123457 "
	    "--krn 1 --new-krn 2", out, sizeof(out)), 0);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM key_change_orders "
	    "WHERE state = 'pending' AND from_krn = 1 AND to_krn = 2 AND "
	    "cardinality(tokens) = 4"), meters);
	/* One audit row per meter and one for the run; the chain holds. */
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM audit_log"),
	    audit_before + meters + 1);
	{
		char cmd[2048];

		snprintf(cmd, sizeof(cmd), "%s/%s/bin/hydrosync audit verify "
		    "--database '%s' | grep -q 'audit log intact'",
		    hs_test_top(), hs_test_build(), hs_test_pgurl());
		assert_int_equal(system(cmd), 0);
	}

	/* Running it again changes nothing. */
	assert_int_equal(run("--yes kct --utility pdam-tirta --sgc 123457 "
	    "--krn 1 --new-krn 2", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "0 meters got key change tokens"));
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM key_change_orders"),
	    meters);

	/* The stored tokens are those the CSV path gives for that meter. */
	res = PQexec(pg, "SELECT m.pan, m.tariff_index, array_to_string("
	    "k.tokens, ',') FROM key_change_orders k JOIN meters m ON m.id = "
	    "k.meter_id ORDER BY k.id LIMIT 1");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	snprintf(csv, sizeof(csv), "%s/meters.csv", dir);
	fp = fopen(csv, "w");
	fprintf(fp, "pan,sgc,ti,krn,kt,ea,dkga,base_date\n%s,123457,%s,1,2,"
	    "11,4,2014\n", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	fclose(fp);
	snprintf(want, sizeof(want), "%s,%s", PQgetvalue(res, 0, 0),
	    PQgetvalue(res, 0, 2));
	PQclear(res);
	snprintf(args, sizeof(args), "--yes kct --meters '%s' --new-krn 2",
	    csv);
	assert_int_equal(run(args, out, sizeof(out)), 0);
	if (strstr(out, want) == NULL)
		fail_msg("CSV path printed '%s', database holds '%s'", out,
		    want);

	/* Another utility's meters are untouched. */
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM key_change_orders k "
	    "JOIN utilities u ON u.id = k.utility_id WHERE u.code <> "
	    "'pdam-tirta'"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rotation_through_the_database),
	};

	return (cmocka_run_group_tests_name("key rotation", tests, setup,
	    teardown));
}
