/*
 * Postpaid billing: the tariff arithmetic (SQL's hs_bill_charges against
 * core/tariff's hs_tariff_bill on random tariffs and usages, and the
 * notes' worked example), readings from the field with their checks and
 * a supervisor's review, and the billing run: preview, commit, re-run
 * without duplicates, a correction changing an open invoice, a paid one
 * left alone, a late penalty, customers seeing only their own, and one
 * invoice per customer for a customer with two meters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tariff/tariff.h"

#include "hs_test.h"
#include "hs_test_vend.h"

static struct hs_test_server	srv;
static struct hs_test_caller	admin = { "admin@tirta.demo", NULL, "", "" };
static struct hs_test_caller	op = { "operator@tirta.demo", NULL, "", "" };
static struct hs_test_caller	tech = { "teknisi@tirta.demo", NULL, "", "" };
static struct hs_test_caller	siti = { "siti@example.id", NULL, "", "" };
static long			meter;		/* Budi's, made postpaid */

static int
setup(void **state)
{
	char	cmd[2048];

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s/%s/bin/hydrosync db demo --database "
	    "'%s' >/dev/null", hs_test_top(), hs_test_build(),
	    hs_test_pgurl());
	if (system(cmd) != 0 || hs_test_server_start(&srv, 2, NULL) != 0)
		return (-1);
	if (hs_test_login(srv.port, &admin, HS_TEST_PASSWORD) != 200 ||
	    hs_test_login(srv.port, &op, HS_TEST_PASSWORD) != 200 ||
	    hs_test_login(srv.port, &tech, HS_TEST_PASSWORD) != 200 ||
	    hs_test_login(srv.port, &siti, HS_TEST_PASSWORD) != 200)
		return (-1);
	meter = hs_test_sql_long("SELECT id FROM meters WHERE number = "
	    "'47040000029'");
	{
		struct hs_test_resp	r;
		char			path[64];

		/* Staff switch the meter to postpaid through the API. */
		snprintf(path, sizeof(path), "/api/v1/meters/%ld", meter);
		if (hs_test_call(srv.port, &admin, "PATCH", path, NULL,
		    "{\"billing\": \"monthly\"}", &r) != 422)
			return (-1);
		hs_test_resp_free(&r);
		if (hs_test_call(srv.port, &admin, "PATCH", path, NULL,
		    "{\"billing\": \"postpaid\"}", &r) != 200 ||
		    strstr(r.body, "\"billing\": \"postpaid\"") == NULL)
			return (-1);
		hs_test_resp_free(&r);
	}
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	hs_test_server_stop(&srv);
	return (0);
}

static int
reading(const char *period, long value, const char *source,
    const char *client, struct hs_test_resp *r)
{
	char	body[512];

	snprintf(body, sizeof(body), "{\"meter_id\": %ld, \"period\": \"%s\", "
	    "\"value\": %ld, \"source\": \"%s\", \"client_id\": \"%s\"}",
	    meter, period, value, source, client);
	return (hs_test_call(srv.port, &tech, "POST", "/api/v1/readings",
	    NULL, body, r));
}

static void
expect_state(const char *period, long value, const char *client,
    const char *state, const char *flag)
{
	struct hs_test_resp	r;
	char			want[64];

	assert_int_equal(reading(period, value, "technician", client, &r), 201);
	snprintf(want, sizeof(want), "\"state\": \"%s\"", state);
	if (strstr(r.body, want) == NULL)
		fail_msg("reading %ld for %s: want %s, got %s", value, period,
		    state, r.body);
	if (flag != NULL)
		assert_non_null(strstr(r.body, flag));
	hs_test_resp_free(&r);
}

static int
bill(const char *period, int preview, struct hs_test_resp *r)
{
	char	body[128];

	snprintf(body, sizeof(body), "{\"period\": \"%s\", \"preview\": %s}",
	    period, preview ? "true" : "false");
	return (hs_test_call(srv.port, &admin, "POST", "/api/v1/billing/runs",
	    NULL, body, r));
}

/* The SQL billing and core/tariff agree, line for line in total. */
static void
test_sql_matches_c(void **state)
{
	struct hs_tariff	t;
	struct hs_tariff_bill	b;
	char			q[1024], upto[256], price[256];
	int			i, k, off1, off2;
	long			units;

	(void)state;
	srand(20261206);
	for (i = 0; i < 300; i++) {
		memset(&t, 0, sizeof(t));
		t.nblocks = 1 + rand() % 4;
		t.resolution = 100;
		off1 = snprintf(upto, sizeof(upto), "{");
		off2 = snprintf(price, sizeof(price), "{");
		for (k = 0; k < t.nblocks; k++) {
			t.blocks[k].upto = k == t.nblocks - 1 ?
			    HS_TARIFF_NO_END : (k ? t.blocks[k - 1].upto : 0) +
			    1000 + rand() % 15000;
			t.blocks[k].price = (long)(500 + rand() % 9000) * 1000;
			off1 += snprintf(upto + off1, sizeof(upto) - off1,
			    "%s%s", k ? "," : "", k == t.nblocks - 1 ? "NULL" :
			    "");
			if (k < t.nblocks - 1)
				off1 += snprintf(upto + off1, sizeof(upto) -
				    off1, "%lld", (long long)t.blocks[k].upto);
			off2 += snprintf(price + off2, sizeof(price) - off2,
			    "%s%lld", k ? "," : "",
			    (long long)(t.blocks[k].price / 1000));
		}
		snprintf(upto + off1, sizeof(upto) - off1, "}");
		snprintf(price + off2, sizeof(price) - off2, "}");
		t.fixed_monthly = rand() % 3 ? 0 : rand() % 20000;
		t.minimum_charge = rand() % 2 ? 0 : rand() % 40000;
		t.admin_fee = rand() % 5000;
		t.tax_bp = rand() % 2 ? 0 : rand() % 1500;
		units = rand() % 3 == 0 ? rand() % 2000 : rand() % 90000;
		assert_int_equal(hs_tariff_bill(&t, units, &b), 0);
		snprintf(q, sizeof(q), "SELECT (c).total * 1000000000 + "
		    "(c).usage_amount FROM (SELECT hs_bill_charges('%s', '%s', "
		    "%ld, %lld, %lld, %lld, %d) AS c) x", upto, price, units,
		    (long long)t.fixed_monthly, (long long)t.minimum_charge,
		    (long long)t.admin_fee, t.tax_bp);
		if (hs_test_sql_long(q) != b.total * 1000000000 + b.usage)
			fail_msg("case %d: %s: SQL %ld, C total %lld usage %lld",
			    i, q, hs_test_sql_long(q), (long long)b.total,
			    (long long)b.usage);
	}
}

/* peers.md 5.2: Tirta Lawu R1, 25 m3 = 10 x 1,100 + 10 x 1,800 + 5 x 1,900. */
static void
test_worked_example(void **state)
{
	(void)state;
	assert_int_equal(hs_test_sql_long("SELECT (hs_bill_charges("
	    "hs_blocks_upto(v.blocks), hs_blocks_price(v.blocks), 25000, 0, 0, "
	    "0, 0)).usage_amount FROM tariff_versions v JOIN tariff_groups g ON "
	    "g.id = v.tariff_group_id WHERE g.code = 'AIR-R1'"), 38500);
}

static void
test_readings(void **state)
{
	struct hs_test_resp	r;
	char			path[96];
	long			id, n;

	(void)state;
	/* Usual use ~15 m3 a month over three months. */
	expect_state("2026-07", 100000, "r-07", "accepted", NULL);
	expect_state("2026-08", 115000, "r-08", "accepted", NULL);
	expect_state("2026-09", 131000, "r-09", "accepted", NULL);
	expect_state("2026-10", 145000, "r-10", "accepted", NULL);
	/* A phone back online sends its queue again: stored once. */
	assert_int_equal(reading("2026-10", 145000, "technician", "r-10", &r),
	    201);
	assert_non_null(strstr(r.body, "\"replayed\": true"));
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM readings "
	    "WHERE meter_id = %ld AND period = '2026-10-01'", meter), 1);
	/* Lower than the last, a jump, an estimate: flagged. */
	expect_state("2026-11", 140000, "r-11a", "flagged", "lower_than_last");
	expect_state("2026-11", 245000, "r-11b", "flagged", "jump");
	assert_int_equal(reading("2026-11", 160000, "estimate", "r-11c", &r),
	    201);
	assert_non_null(strstr(r.body, "estimated"));
	hs_test_resp_free(&r);
	/* Bad input: refused, nothing stored. */
	n = hs_test_sql_long("SELECT count(*) FROM readings");
	assert_int_equal(reading("2026-13", 1, "technician", "bad-1", &r), 422);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM readings"), n);

	/* The technician may not review; a supervisor corrects, audited. */
	id = hs_test_sql_long("SELECT id FROM readings WHERE client_id = "
	    "'r-11a'");
	snprintf(path, sizeof(path), "/api/v1/readings/%ld/review", id);
	assert_int_equal(hs_test_call(srv.port, &tech, "POST", path, NULL,
	    "{\"action\": \"approve\"}", &r), 403);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(srv.port, &op, "POST", path, NULL,
	    "{\"action\": \"correct\", \"value\": 160000}", &r), 422);
	assert_non_null(strstr(r.body, "note"));
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(srv.port, &op, "POST", path, NULL,
	    "{\"action\": \"correct\", \"value\": 160000, \"note\": \"digits "
	    "read wrong, photo shows 160\"}", &r), 200);
	assert_non_null(strstr(r.body, "\"state\": \"corrected\""));
	assert_non_null(strstr(r.body, "\"usage\": 15000"));
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(srv.port, &op, "POST", path, NULL,
	    "{\"action\": \"approve\"}", &r), 409);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM audit_log "
	    "WHERE action = 'reading:correct' AND object_id = '%ld'", id), 1);
	/* The flagged queue holds the two left. */
	assert_int_equal(hs_test_call(srv.port, &op, "GET",
	    "/api/v1/readings?state=flagged", NULL, NULL, &r), 200);
	assert_int_equal(hs_test_json_long(r.body, "total"), 2);
	hs_test_resp_free(&r);
	/* A photo must be a photo. */
	snprintf(path, sizeof(path), "/api/v1/readings/%ld/photo", id);
	assert_int_equal(hs_test_call(srv.port, &tech, "POST", path,
	    "Content-Type: image/jpeg\r\n", "not a jpeg", &r), 415);
	hs_test_resp_free(&r);
}

static void
test_billing_run(void **state)
{
	struct hs_test_resp	r;
	char			path[96];
	long			inv;

	(void)state;
	/* October: 145,000 - 131,000 = 14 m3. */
	assert_int_equal(bill("2026-10", 1, &r), 200);
	assert_int_equal(hs_test_json_long(r.body, "created"), 1);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM invoices"), 0);
	assert_int_equal(bill("2026-10", 0, &r), 200);
	hs_test_resp_free(&r);
	/* 10 x 1,100 + 4 x 1,800 = 18,200, + fixed 8,000 + admin 2,500. */
	assert_int_equal(hs_test_sql_long("SELECT total FROM invoices WHERE "
	    "period = '2026-10-01'"), 28700);
	/* Again: nothing new, nothing changed. */
	assert_int_equal(bill("2026-10", 0, &r), 200);
	assert_int_equal(hs_test_json_long(r.body, "unchanged"), 1);
	assert_int_equal(hs_test_json_long(r.body, "created"), 0);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM invoices"), 1);

	/* A correction to October changes the open invoice (version 2). */
	hs_test_sql("UPDATE readings SET value = 146000, usage = 15000 WHERE "
	    "client_id = 'r-10'");
	assert_int_equal(bill("2026-10", 0, &r), 200);
	assert_int_equal(hs_test_json_long(r.body, "changed"), 1);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT version * 100000 + total "
	    "FROM invoices WHERE period = '2026-10-01'"), 200000 + 30500);

	/* November, with October unpaid past its due date: 2% penalty. */
	hs_test_sql("UPDATE invoices SET due_date = '2026-11-15' WHERE period "
	    "= '2026-10-01'");
	assert_int_equal(bill("2026-11", 0, &r), 200);
	hs_test_resp_free(&r);
	/* 160,000 - 146,000 = 14 m3 again; penalty 2% of 30,500 = 610. */
	assert_int_equal(hs_test_sql_long("SELECT penalty * 1000000 + arrears "
	    "FROM invoices WHERE period = '2026-11-01'"), 610L * 1000000 +
	    30500);
	assert_int_equal(hs_test_sql_long("SELECT total FROM invoices WHERE "
	    "period = '2026-11-01'"), 28700 + 610);

	/* Each new invoice told its customer, in the run's transaction. */
	assert_true(hs_test_sql_long("SELECT count(*) FROM outbox o JOIN "
	    "invoices i ON o.idem_key LIKE 'bill:' || i.id || ':%' WHERE "
	    "o.kind = 'bill'") >= 2);
	/* Overdue reminders: one per invoice a week. */
	assert_int_equal(hs_test_sql_long("SELECT (hs_bill_overdue_notify("
	    "'2026-12-22') > 0)::int"), 1);
	assert_int_equal(hs_test_sql_long("SELECT hs_bill_overdue_notify("
	    "'2026-12-24')"), 0);
	assert_int_equal(hs_test_sql_long("SELECT (hs_bill_overdue_notify("
	    "'2026-12-30') > 0)::int"), 1);
	assert_true(hs_test_sql_long("SELECT count(*) FROM outbox WHERE "
	    "idem_key LIKE 'overdue:%' AND body LIKE '%lewat jatuh tempo%'") >
	    0);

	/* A paid invoice is never rewritten; the run says it would differ. */
	hs_test_sql("UPDATE invoices SET state = 'paid', paid_amount = total "
	    "WHERE period = '2026-10-01'");
	hs_test_sql("UPDATE readings SET value = 147000 WHERE client_id = "
	    "'r-10'");
	assert_int_equal(bill("2026-10", 0, &r), 200);
	assert_int_equal(hs_test_json_long(r.body, "locked"), 1);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT total FROM invoices WHERE "
	    "period = '2026-10-01'"), 30500);

	/* Customers see their own invoices only. */
	inv = hs_test_sql_long("SELECT id FROM invoices WHERE period = "
	    "'2026-11-01'");
	snprintf(path, sizeof(path), "/api/v1/invoices/%ld", inv);
	assert_int_equal(hs_test_call(srv.port, &siti, "GET", path, NULL, NULL,
	    &r), 404);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(srv.port, &op, "GET", path, NULL, NULL,
	    &r), 200);
	assert_non_null(strstr(r.body, "\"late penalty\""));
	assert_non_null(strstr(r.body, "Budi"));
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(srv.port, &siti, "GET",
	    "/api/v1/invoices", NULL, NULL, &r), 200);
	assert_int_equal(hs_test_json_long(r.body, "total"), 0);
	hs_test_resp_free(&r);
	/* Only an admin runs billing. */
	assert_int_equal(hs_test_call(srv.port, &op, "POST",
	    "/api/v1/billing/runs", NULL, "{\"period\": \"2026-11\"}", &r), 403);
	hs_test_resp_free(&r);
}

/*
 * One invoice per customer and period: Budi takes on a second postpaid
 * meter under another tariff; January bills both on one invoice, a
 * section each, with one late penalty for the customer.
 */
static void
test_customer_invoice(void **state)
{
	struct hs_test_resp	r;
	char			path[96];
	long			inv;

	(void)state;
	hs_test_sql("UPDATE meters SET billing = 'postpaid', customer_id = "
	    "(SELECT id FROM customers WHERE number = '1002') WHERE number = "
	    "'47040000037'");
	hs_test_sql("INSERT INTO readings (utility_id, meter_id, period, value, "
	    "source, state, read_at, taken_by) SELECT utility_id, id, p, v, "
	    "'technician', 'accepted', now(), 'tech' FROM meters, (VALUES "
	    "('2026-12-01'::date, 2000), ('2027-01-01', 8000)) x (p, v) WHERE "
	    "number = '47040000037'");
	hs_test_sql("INSERT INTO readings (utility_id, meter_id, period, value, "
	    "source, state, read_at, taken_by) SELECT utility_id, id, "
	    "'2027-01-01', 172000, 'technician', 'accepted', now(), 'tech' "
	    "FROM meters WHERE number = '47040000029'");
	assert_int_equal(bill("2027-01", 0, &r), 200);
	assert_int_equal(hs_test_json_long(r.body, "created"), 1);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM invoices WHERE "
	    "period = '2027-01-01'"), 1);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM invoice_meters "
	    "WHERE period = '2027-01-01'"), 2);
	/*
	 * 12 m3 on R1: 10 x 1,100 + 2 x 1,800 + 8,000 + 2,500 = 25,100;
	 * 6 m3 on N1: 13,200 topped up to the 22,000 minimum + 10,000 +
	 * 2,500 = 34,500; November's 29,310 past due at 2%: 586.
	 */
	assert_int_equal(hs_test_sql_long("SELECT total FROM invoice_meters "
	    "im JOIN meters m ON m.id = im.meter_id WHERE im.period = "
	    "'2027-01-01' AND m.number = '47040000029'"), 25100);
	assert_int_equal(hs_test_sql_long("SELECT total FROM invoice_meters "
	    "im JOIN meters m ON m.id = im.meter_id WHERE im.period = "
	    "'2027-01-01' AND m.number = '47040000037'"), 34500);
	assert_int_equal(hs_test_sql_long("SELECT penalty * 1000000 + total "
	    "FROM invoices WHERE period = '2027-01-01'"), 586L * 1000000 +
	    25100 + 34500 + 586);
	assert_int_equal(hs_test_sql_long("SELECT usage FROM invoices WHERE "
	    "period = '2027-01-01'"), 18000);

	/* Again: one invoice, two sections, nothing changed. */
	assert_int_equal(bill("2027-01", 0, &r), 200);
	assert_int_equal(hs_test_json_long(r.body, "unchanged"), 1);
	assert_int_equal(hs_test_json_long(r.body, "created"), 0);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT count(*) * 10 + (SELECT "
	    "count(*) FROM invoice_meters WHERE period = '2027-01-01') FROM "
	    "invoices WHERE period = '2027-01-01'"), 12);

	/* A corrected stand on one meter rewrites its section only. */
	hs_test_sql("UPDATE readings SET value = 9000 WHERE period = "
	    "'2027-01-01' AND meter_id = (SELECT id FROM meters WHERE number = "
	    "'47040000037')");
	assert_int_equal(bill("2027-01", 0, &r), 200);
	assert_int_equal(hs_test_json_long(r.body, "changed"), 1);
	assert_non_null(strstr(r.body, "\"customer\": \"1002\""));
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT total * 10 + version FROM "
	    "invoices WHERE period = '2027-01-01'"), (25100L + 34500 + 586) *
	    10 + 2);
	assert_int_equal(hs_test_sql_long("SELECT usage FROM invoice_meters im "
	    "JOIN meters m ON m.id = im.meter_id WHERE im.period = "
	    "'2027-01-01' AND m.number = '47040000037'"), 7000);

	/* The invoice shows both meters; the report splits it by tariff. */
	inv = hs_test_sql_long("SELECT id FROM invoices WHERE period = "
	    "'2027-01-01'");
	snprintf(path, sizeof(path), "/api/v1/invoices/%ld", inv);
	assert_int_equal(hs_test_call(srv.port, &op, "GET", path, NULL, NULL,
	    &r), 200);
	assert_non_null(strstr(r.body, "\"number\": \"INV-202701-1002\""));
	assert_non_null(strstr(r.body, "\"meter_number\": \"47040000029\""));
	assert_non_null(strstr(r.body, "\"meter_number\": \"47040000037\""));
	assert_non_null(strstr(r.body, "\"tariff\": \"AIR-N1\""));
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(srv.port, &admin, "GET",
	    "/api/v1/reports/billing?period=2027-01", NULL, NULL, &r), 200);
	assert_int_equal(hs_test_json_long(r.body, "invoices"), 1);
	/* 60,186 split 25,100 : 34,500 -> R1 25,347, N1 34,839. */
	assert_non_null(strstr(r.body, "\"by\": \"tariff\", \"group\": "
	    "\"AIR-N1\", \"usage\": 7000, \"billed\": 34839"));
	assert_non_null(strstr(r.body, "\"by\": \"tariff\", \"group\": "
	    "\"AIR-R1\", \"usage\": 12000, \"billed\": 25347"));
	hs_test_resp_free(&r);

	/* The meter goes back to its owner: not billed twice for January. */
	hs_test_sql("UPDATE meters SET customer_id = (SELECT id FROM customers "
	    "WHERE number = '1003') WHERE number = '47040000037'");
	assert_int_equal(bill("2027-01", 1, &r), 200);
	assert_non_null(strstr(r.body, "billed_to_another_customer"));
	assert_int_equal(hs_test_json_long(r.body, "created"), 0);
	hs_test_resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sql_matches_c),
		cmocka_unit_test(test_worked_example),
		cmocka_unit_test(test_readings),
		cmocka_unit_test(test_billing_run),
		cmocka_unit_test(test_customer_invoice),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
