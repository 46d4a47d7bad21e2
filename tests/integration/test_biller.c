/*
 * The biller's host-to-host API as a bank uses it: signed requests
 * (unsigned, forged and stale ones refused, nothing changed), inquiry,
 * payment of everything owed (a wrong amount refused; the same request
 * again gets the same answer; the reference reused for another amount
 * refused; a second payment finds nothing owed), reversal on the day
 * (the invoice owed again), a reversal after the bank's payment request
 * timed out, a reversal for a payment that never arrived (the late
 * payment then refused), and no reversal on a later day.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hs_test.h"
#include "hs_test_vend.h"

#define PARTNER	"bank-kalsel"
#define SECRET	"bank-kalsel-shared-secret-000000000001"

static struct hs_test_server	srv;
static long			owed;

/* POST path with body, signed as the partner at time t (0: now). */
static int
h2h(const char *path, const char *body, const char *secret, time_t t,
    struct hs_test_resp *r)
{
	unsigned char	 digest[32], mac[64];
	unsigned int	 maclen = sizeof(mac);
	char		 hex[65], sig[129], ts[40], msg[1024], hdr[512];
	struct tm	 tm;
	int		 i;

	if (t == 0)
		t = time(NULL);
	t += 7 * 3600;			/* WIB, as a Jakarta bank writes it */
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S+07:00", &tm);
	EVP_Digest(body, strlen(body), digest, NULL, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(hex + i * 2, 3, "%02x", digest[i]);
	snprintf(msg, sizeof(msg), "POST:%s:%s:%s", path, hex, ts);
	HMAC(EVP_sha512(), secret, (int)strlen(secret), (unsigned char *)msg,
	    strlen(msg), mac, &maclen);
	for (i = 0; i < 64; i++)
		snprintf(sig + i * 2, 3, "%02x", mac[i]);
	snprintf(hdr, sizeof(hdr), "Content-Type: application/json\r\n"
	    "X-Partner-Id: " PARTNER "\r\nX-Timestamp: %s\r\n"
	    "X-Signature: %s\r\n", ts, sig);
	if (hs_test_http(srv.port, "POST", path, hdr, body, strlen(body),
	    r) != 0)
		return (-1);
	return (r->status);
}

static int
pay(const char *reference, long amount, struct hs_test_resp *r)
{
	char	body[256];

	snprintf(body, sizeof(body), "{\"customer_no\": \"1002\", "
	    "\"reference\": \"%s\", \"amount\": %ld}", reference, amount);
	return (h2h("/api/v1/biller/payment", body, SECRET, 0, r));
}

static int
reverse(const char *reference, struct hs_test_resp *r)
{
	char	body[128];

	snprintf(body, sizeof(body), "{\"reference\": \"%s\"}", reference);
	return (h2h("/api/v1/biller/reversal", body, SECRET, 0, r));
}

static long
inquire_total(void)
{
	struct hs_test_resp	r;
	long			v;

	assert_int_equal(h2h("/api/v1/biller/inquiry", "{\"customer_no\": "
	    "\"1002\"}", SECRET, 0, &r), 200);
	v = hs_test_json_long(r.body, "total");
	hs_test_resp_free(&r);
	return (v);
}

static int
setup(void **state)
{
	char	cmd[2048];

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s/%s/bin/hydrosync db demo --database "
	    "'%s' >/dev/null", hs_test_top(), hs_test_build(),
	    hs_test_pgurl());
	if (system(cmd) != 0 || hs_test_server_start(&srv, 2,
	    "biller_partner " PARTNER " pdam-tirta " SECRET "\n") != 0)
		return (-1);
	/* Budi's meter, postpaid, read in October and November, billed. */
	hs_test_sql("UPDATE meters SET billing = 'postpaid' WHERE number = "
	    "'47040000029'");
	hs_test_sql("SELECT hs_reading_submit('tech', m.utility_id, m.id, "
	    "p.d, p.v, 'technician', now(), 'h2h-' || p.v, NULL, NULL, NULL) "
	    "FROM meters m, (VALUES (DATE '2026-10-01', 100000::bigint), "
	    "(DATE '2026-11-01', 125000)) p (d, v) WHERE m.number = "
	    "'47040000029'");
	hs_test_sql("SELECT hs_billing_run('admin', id, '2026-11-01', false, "
	    "20) FROM utilities WHERE code = 'pdam-tirta'");
	owed = hs_test_sql_long("SELECT total FROM invoices");
	return (owed > 0 ? 0 : -1);
}

static int
teardown(void **state)
{
	(void)state;
	hs_test_server_stop(&srv);
	return (0);
}

static void
test_signatures(void **state)
{
	struct hs_test_resp	r;
	const char		*body = "{\"customer_no\": \"1002\"}";

	(void)state;
	assert_int_equal(hs_test_http(srv.port, "POST",
	    "/api/v1/biller/inquiry", "Content-Type: application/json\r\n",
	    body, strlen(body), &r), 0);
	assert_int_equal(r.status, 401);
	hs_test_resp_free(&r);
	assert_int_equal(h2h("/api/v1/biller/inquiry", body,
	    "another-secret-000000000000000000000000", 0, &r), 401);
	hs_test_resp_free(&r);
	assert_int_equal(h2h("/api/v1/biller/inquiry", body, SECRET,
	    time(NULL) - 600, &r), 401);
	hs_test_resp_free(&r);
	/* A forged payment changes nothing. */
	assert_int_equal(h2h("/api/v1/biller/payment", "{\"customer_no\": "
	    "\"1002\", \"reference\": \"F1\", \"amount\": 1}", "x-forged-secret-"
	    "000000000000000000000000", 0, &r), 401);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM "
	    "bill_payments"), 0);
	assert_true(hs_test_file_contains(srv.log, "biller.rejected"));
}

static void
test_inquiry_payment_reversal(void **state)
{
	struct hs_test_resp	r;

	(void)state;
	assert_int_equal(inquire_total(), owed);
	assert_int_equal(h2h("/api/v1/biller/inquiry", "{\"customer_no\": "
	    "\"9999\"}", SECRET, 0, &r), 404);
	hs_test_resp_free(&r);
	/* Not everything owed: refused, nothing changed. */
	assert_int_equal(pay("REF-1", owed - 1, &r), 422);
	hs_test_resp_free(&r);
	assert_int_equal(inquire_total(), owed);

	/* Past due and disconnected when the bank's payment comes. */
	hs_test_sql("UPDATE invoices SET due_date = due_date - 90");
	hs_test_sql("UPDATE meters SET status = 'blocked' WHERE number = "
	    "'47040000029'");
	assert_int_equal(pay("REF-1", owed, &r), 200);
	assert_non_null(strstr(r.body, "\"state\": \"paid\""));
	hs_test_resp_free(&r);
	assert_int_equal(inquire_total(), 0);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM "
	    "reconnection_orders WHERE state = 'open'"), 1);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM invoices "
	    "WHERE state = 'paid'"), 1);
	/* The bank did not hear back and asks again: the same answer. */
	assert_int_equal(pay("REF-1", owed, &r), 200);
	assert_non_null(strstr(r.body, "\"replayed\": true"));
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM "
	    "bill_payments"), 1);
	assert_int_equal(pay("REF-1", owed + 1, &r), 409);
	hs_test_resp_free(&r);
	assert_int_equal(pay("REF-2", owed, &r), 409);	/* already paid */
	hs_test_resp_free(&r);

	/* Reversed the same day: owed again, and again idempotent. */
	assert_int_equal(reverse("REF-1", &r), 200);
	assert_non_null(strstr(r.body, "\"state\": \"reversed\""));
	hs_test_resp_free(&r);
	assert_int_equal(inquire_total(), owed);
	assert_int_equal(reverse("REF-1", &r), 200);
	hs_test_resp_free(&r);
	assert_int_equal(inquire_total(), owed);
	/* Owing past due again: no reconnection after all. */
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM "
	    "reconnection_orders WHERE state = 'cancelled'"), 1);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM "
	    "reconnection_orders WHERE state = 'open'"), 0);
	hs_test_sql("UPDATE invoices SET due_date = due_date + 90");
	hs_test_sql("UPDATE meters SET status = 'active' WHERE number = "
	    "'47040000029'");
	hs_test_sql("DELETE FROM reconnection_orders");
}

/* A payment request that timed out at the bank, then its reversal. */
static void
test_reversal_after_timeout(void **state)
{
	struct hs_test_resp	r;

	(void)state;
	/* The payment arrived (the bank just never saw our answer). */
	assert_int_equal(pay("REF-T1", owed, &r), 200);
	hs_test_resp_free(&r);
	assert_int_equal(reverse("REF-T1", &r), 200);
	assert_non_null(strstr(r.body, "\"state\": \"reversed\""));
	hs_test_resp_free(&r);
	assert_int_equal(inquire_total(), owed);

	/* This one never arrived: the reversal is remembered ... */
	assert_int_equal(reverse("REF-T2", &r), 200);
	assert_non_null(strstr(r.body, "\"found\": false"));
	hs_test_resp_free(&r);
	/* ... and the payment, arriving late, is refused. */
	assert_int_equal(pay("REF-T2", owed, &r), 409);
	hs_test_resp_free(&r);
	assert_int_equal(inquire_total(), owed);
	assert_int_equal(h2h("/api/v1/biller/status", "{\"reference\": "
	    "\"REF-T2\"}", SECRET, 0, &r), 200);
	assert_non_null(strstr(r.body, "\"reversed\""));
	hs_test_resp_free(&r);
}

static void
test_no_reversal_later(void **state)
{
	struct hs_test_resp	r;

	(void)state;
	assert_int_equal(pay("REF-D1", owed, &r), 200);
	hs_test_resp_free(&r);
	hs_test_sql("UPDATE bill_payments SET paid_at = now() - interval "
	    "'2 days' WHERE reference = 'REF-D1'");
	assert_int_equal(reverse("REF-D1", &r), 409);
	hs_test_resp_free(&r);
	assert_int_equal(inquire_total(), 0);
	assert_int_equal(h2h("/api/v1/biller/status", "{\"reference\": "
	    "\"REF-D1\"}", SECRET, 0, &r), 200);
	assert_non_null(strstr(r.body, "\"state\": \"paid\""));
	hs_test_resp_free(&r);
}

/* The counter, the report and the field team's lists. */
static void
test_counter_and_lists(void **state)
{
	struct hs_test_caller	kasir = { "kasir@tirta.demo", NULL, "", "" };
	struct hs_test_caller	admin = { "admin@tirta.demo", NULL, "", "" };
	struct hs_test_resp	r;
	char			body[128], path[64];
	long			dec, meter;

	(void)state;
	meter = hs_test_sql_long("SELECT id FROM meters WHERE number = "
	    "'47040000029'");
	assert_int_equal(hs_test_login(srv.port, &kasir, HS_TEST_PASSWORD),
	    200);
	assert_int_equal(hs_test_login(srv.port, &admin, HS_TEST_PASSWORD),
	    200);
	/* December's bill, long past due for the test. */
	hs_test_sql("SELECT hs_reading_submit('tech', m.utility_id, m.id, "
	    "'2026-12-01', 140000, 'technician', now(), 'h2h-dec', NULL, NULL, "
	    "NULL) FROM meters m WHERE m.number = '47040000029'");
	hs_test_sql("SELECT hs_billing_run('admin', id, '2026-12-01', false, "
	    "20) FROM utilities WHERE code = 'pdam-tirta'");
	dec = hs_test_sql_long("SELECT total FROM invoices WHERE period = "
	    "'2026-12-01'");
	hs_test_sql("UPDATE invoices SET due_date = current_date - 40 WHERE "
	    "period = '2026-12-01'");
	assert_int_equal(hs_test_call(srv.port, &admin, "GET",
	    "/api/v1/billing/disconnections?days=30", NULL, NULL, &r), 200);
	assert_non_null(strstr(r.body, "47040000029"));
	hs_test_resp_free(&r);
	/* The field team disconnects it. */
	snprintf(path, sizeof(path), "/api/v1/meters/%ld", meter);
	assert_int_equal(hs_test_call(srv.port, &admin, "PATCH", path, NULL,
	    "{\"status\": \"blocked\"}", &r), 200);
	hs_test_resp_free(&r);

	/* Part at the counter: the key makes a retry pay once. */
	snprintf(body, sizeof(body), "{\"customer_no\": \"1002\", "
	    "\"amount\": 1000}");
	assert_int_equal(hs_test_call(srv.port, &kasir, "POST",
	    "/api/v1/bills/payments", NULL, body, &r), 422);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(srv.port, &kasir, "POST",
	    "/api/v1/bills/payments", "Idempotency-Key: kasir-0001-abcd\r\n",
	    body, &r), 201);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(srv.port, &kasir, "POST",
	    "/api/v1/bills/payments", "Idempotency-Key: kasir-0001-abcd\r\n",
	    body, &r), 201);
	assert_non_null(strstr(r.body, "\"replayed\": true"));
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT paid_amount FROM invoices "
	    "WHERE period = '2026-12-01' AND state = 'partial'"), 1000);
	/* Still owing past due: no reconnection yet. */
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM "
	    "reconnection_orders"), 0);
	/* The rest: off the disconnection list, and a reconnection order. */
	snprintf(body, sizeof(body), "{\"customer_no\": \"1002\", "
	    "\"amount\": %ld}", dec - 1000);
	assert_int_equal(hs_test_call(srv.port, &kasir, "POST",
	    "/api/v1/bills/payments", "Idempotency-Key: kasir-0002-abcd\r\n",
	    body, &r), 201);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(srv.port, &admin, "GET",
	    "/api/v1/billing/disconnections?days=30", NULL, NULL, &r), 200);
	assert_null(strstr(r.body, "47040000029"));
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(srv.port, &admin, "GET",
	    "/api/v1/billing/reconnections", NULL, NULL, &r), 200);
	assert_non_null(strstr(r.body, "\"meter\": \"47040000029\""));
	assert_non_null(strstr(r.body, "\"outstanding\": 0"));
	hs_test_resp_free(&r);
	/* Reconnected: the order is done and off the list. */
	assert_int_equal(hs_test_call(srv.port, &admin, "PATCH", path, NULL,
	    "{\"status\": \"active\"}", &r), 200);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(srv.port, &admin, "GET",
	    "/api/v1/billing/reconnections", NULL, NULL, &r), 200);
	assert_null(strstr(r.body, "47040000029"));
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM "
	    "reconnection_orders WHERE state = 'done' AND closed_at IS NOT "
	    "NULL"), 1);
	/* Billed against collected, also per service area. */
	snprintf(body, sizeof(body), "/api/v1/customers/%ld",
	    hs_test_sql_long("SELECT id FROM customers WHERE number = '1002'"));
	assert_int_equal(hs_test_call(srv.port, &admin, "PATCH", body, NULL,
	    "{\"area\": \"Karanganyar Utara\"}", &r), 200);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(srv.port, &admin, "GET",
	    "/api/v1/reports/billing?period=2026-12", NULL, NULL, &r), 200);
	assert_non_null(strstr(r.body, "\"by\": \"area\", \"group\": "
	    "\"Karanganyar Utara\""));
	assert_int_equal(hs_test_json_long(r.body, "billed"), dec);
	assert_int_equal(hs_test_json_long(r.body, "collected"), dec);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(srv.port, &kasir, "GET",
	    "/api/v1/reports/billing?period=2026-12", NULL, NULL, &r), 403);
	hs_test_resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_inquiry_payment_reversal),
		cmocka_unit_test(test_reversal_after_timeout),
		cmocka_unit_test(test_no_reversal_later),
		cmocka_unit_test(test_counter_and_lists),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
