/*
 * A customer pays their water bill from the app through the sandbox
 * provider: the order asks for everything owed, the provider's verified
 * notification pays the invoices (oldest first), a repeated notification
 * pays nothing twice, the same Idempotency-Key returns the same order,
 * and with nothing owed no order is made.
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

#include "hs_test.h"
#include "hs_test_vend.h"

static struct hs_test_server	srv;
static struct hs_test_caller	siti = { "siti@example.id", NULL, "", "" };
static char			dir[512];
static pid_t			fakepay = -1;
static int			fp_port;
static long			owed;

static int
setup(void **state)
{
	char	extra[8192];

	(void)state;
	if (hs_test_vend_prepare("billportal", dir, sizeof(dir)) == -1 ||
	    (fakepay = hs_test_fakepay(&fp_port)) <= 0)
		return (-1);
	hs_test_vend_conf(extra, sizeof(extra), dir, fp_port);
	if (hs_test_server_start(&srv, 2, extra) != 0 ||
	    hs_test_login(srv.port, &siti, HS_TEST_PASSWORD) != 200)
		return (-1);
	/* Siti's postpaid meter, billed for October and November. */
	hs_test_sql("INSERT INTO meters (utility_id, customer_id, number, pan, "
	    "service_type, tariff_group_id, sgc, billing) SELECT c.utility_id, "
	    "c.id, '47040000136', '600727470400001361', 'water', g.id, 123457, "
	    "'postpaid' FROM customers c JOIN tariff_groups g ON g.code = "
	    "'AIR-R1' WHERE c.number = '1001'");
	hs_test_sql("SELECT hs_reading_submit('tech', m.utility_id, m.id, p.d, "
	    "p.v, 'technician', now(), 'bp-' || p.v, NULL, NULL, NULL) FROM "
	    "meters m, (VALUES (DATE '2026-09-01', 10000::bigint), "
	    "(DATE '2026-10-01', 30000), (DATE '2026-11-01', 55000)) p (d, v) "
	    "WHERE m.number = '47040000136'");
	hs_test_sql("SELECT hs_billing_run('admin', id, d, false, 20) FROM "
	    "utilities, (VALUES (DATE '2026-10-01'), (DATE '2026-11-01')) x (d) "
	    "WHERE code = 'pdam-tirta'");
	owed = hs_test_sql_long("SELECT sum(total) FROM invoices");
	return (hs_test_sql_long("SELECT count(*) FROM invoices") == 2 ? 0 :
	    -1);
}

static int
teardown(void **state)
{
	(void)state;
	hs_test_server_stop(&srv);
	hs_test_kill(fakepay);
	return (0);
}

static int
order(const char *key, struct hs_test_resp *r)
{
	char	hdr[128];

	if (key != NULL)
		snprintf(hdr, sizeof(hdr), "Idempotency-Key: %s\r\n", key);
	return (hs_test_call(srv.port, &siti, "POST", "/api/v1/bills/orders",
	    key ? hdr : NULL, "{\"provider\": \"sandbox\"}", r));
}

static void
test_pay_bills_online(void **state)
{
	struct hs_test_resp	r;
	char			id[64], path[128];
	int			i;

	(void)state;
	assert_int_equal(order(NULL, &r), 422);
	hs_test_resp_free(&r);
	assert_int_equal(order("bill-order-0001", &r), 201);
	assert_int_equal(hs_test_json_str(r.body, "order_id", id, sizeof(id)),
	    0);
	assert_int_equal(hs_test_json_long(r.body, "amount"), owed);
	assert_non_null(strstr(r.body, "\"state\": \"pending\""));
	assert_non_null(strstr(r.body, "/sandbox/pay/"));
	hs_test_resp_free(&r);
	/* The same key: the same order. */
	assert_int_equal(order("bill-order-0001", &r), 201);
	assert_non_null(strstr(r.body, id));
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM bill_orders"),
	    1);

	/* The customer pays on the provider's page; its notification pays. */
	snprintf(path, sizeof(path), "/_control/pay/%s", id);
	assert_int_equal(hs_test_fakepay_call(fp_port, "POST", path), 200);
	for (i = 0; i < 100 && hs_test_sql_long("SELECT count(*) FROM "
	    "invoices WHERE state = 'paid'") < 2; i++)
		usleep(100000);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM invoices "
	    "WHERE state = 'paid'"), 2);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM bill_orders "
	    "WHERE state = 'paid' AND payment_id IS NOT NULL"), 1);
	/* A repeated notification pays nothing twice. */
	snprintf(path, sizeof(path), "/_control/resend/%s", id);
	assert_int_equal(hs_test_fakepay_call(fp_port, "POST", path), 200);
	sleep(1);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM bill_payments"),
	    1);
	assert_int_equal(hs_test_sql_long("SELECT sum(paid_amount) FROM "
	    "invoices"), owed);
	snprintf(path, sizeof(path), "/api/v1/bills/orders/%s", id);
	assert_int_equal(hs_test_call(srv.port, &siti, "GET", path, NULL, NULL,
	    &r), 200);
	assert_non_null(strstr(r.body, "\"state\": \"paid\""));
	hs_test_resp_free(&r);
	/* Nothing owed: no order. */
	assert_int_equal(order("bill-order-0002", &r), 409);
	hs_test_resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pay_bills_online),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
