/*
 * Prepaid vending end to end: a real server with the sandbox and cash
 * payment plugins and the soft HSM, the fake gateway (hs-fakepay) playing
 * the provider, the test PostgreSQL.
 *
 * Pay once, get exactly one token: quotes, Idempotency-Key semantics,
 * a payment made on the provider's side reaching the token, 100
 * concurrent duplicate notifications, forged, tampered and stale
 * notifications, a wrong amount, counter (cash) sales and receipts,
 * token history and re-send, a missed webhook settled by
 * reconciliation, a removed meter's refund, the provider down, and the
 * settlement report.
 */
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <openssl/hmac.h>

#include "hs_test_vend.h"

#define PASSWORD	HS_TEST_PASSWORD

static struct hs_test_server	srv;
static char			dir[1024];
static pid_t			fakepay;
static int			fp_port;
static long			meter1, meter2, meter_apt;

static struct hs_test_caller	admin = { "admin@tirta.demo", NULL, "", "" };
static struct hs_test_caller	kasir = { "kasir@tirta.demo", NULL, "", "" };
static struct hs_test_caller	siti = { "siti@example.id", NULL, "", "" };
static struct hs_test_caller	anon = { NULL, NULL, "", "" };
static struct hs_test_caller	melati = { "admin@melati.demo", NULL, "", "" };

/* ------------------------------------------------------------ helpers */

#define SANDBOX_KEY	HS_TEST_SANDBOX_KEY
#define json_long	hs_test_json_long
#define tokens_of	hs_test_tokens_of

static int
fp_call(const char *method, const char *path)
{
	return (hs_test_fakepay_call(fp_port, method, path));
}

static int
buy(struct hs_test_caller *c, long meter, long amount, const char *provider,
    const char *key, struct hs_test_purchase *p, struct hs_test_resp *keep)
{
	return (hs_test_buy(srv.port, c, meter, amount, provider, key, p,
	    keep));
}

static int
notify(const char *event, const struct hs_test_purchase *p,
    const char *status, long amount, long ts, const char *key)
{
	return (hs_test_notify(srv.port, event, p, status, amount, ts, key));
}

static void
wait_state(long id, const char *state, int seconds)
{
	if (hs_test_wait_state(id, state, seconds) == -1)
		fail_msg("purchase %ld never reached %s", id, state);
}

/* -------------------------------------------------------------- setup */

static int
setup(void **state)
{
	char	extra[8192];
	size_t	n;

	(void)state;
	if (hs_test_vend_prepare("vend", dir, sizeof(dir)) == -1)
		return (-1);
	if ((fakepay = hs_test_fakepay(&fp_port)) <= 0)
		return (-1);
	n = (size_t)snprintf(extra, sizeof(extra), "job_lease 5\n");
	hs_test_vend_conf(extra + n, sizeof(extra) - n, dir, fp_port);
	if (hs_test_server_start(&srv, 2, extra) != 0) {
		fprintf(stderr, "server did not start; see %s\n", srv.log);
		return (-1);
	}
	if (hs_test_login(srv.port, &admin, PASSWORD) != 200 ||
	    hs_test_login(srv.port, &kasir, PASSWORD) != 200 ||
	    hs_test_login(srv.port, &siti, PASSWORD) != 200 ||
	    hs_test_login(srv.port, &melati, PASSWORD) != 200)
		return (-1);
	meter1 = hs_test_sql_long("SELECT id FROM meters WHERE number = "
	    "'47040000011'");
	meter2 = hs_test_sql_long("SELECT id FROM meters WHERE number = "
	    "'47040000029'");
	meter_apt = hs_test_sql_long("SELECT id FROM meters WHERE number = "
	    "'47050000018'");
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	hs_test_server_stop(&srv);
	hs_test_kill(fakepay);
	return (0);
}

/* -------------------------------------------------------------- tests */

/*
 * Water through the progressive blocks from the month's start: Rp50,000
 * buys 10 m3 at 1,100 (11,000) + 10 m3 at 1,800 (18,000) + 10 m3 at 1,900
 * (19,000) + 2,000 / 2,100 = 0.952 m3: 30,952 litres, rounded up to
 * 31,000 (0.1 m3 steps); the admin fee Rp2,500 comes on top.
 */
static void
test_quote(void **state)
{
	struct hs_test_resp	r;
	char			path[128];

	(void)state;
	snprintf(path, sizeof(path), "/api/v1/meters/%ld/quote?amount=50000",
	    meter1);
	assert_int_equal(hs_test_call(srv.port, &siti, "GET", path, NULL, NULL,
	    &r), 200);
	assert_int_equal(json_long(r.body, "units_bought"), 30952);
	assert_int_equal(json_long(r.body, "units"), 31000);
	assert_int_equal(json_long(r.body, "total"), 52500);
	assert_int_equal(json_long(r.body, "admin_fee"), 2500);
	assert_non_null(strstr(r.body, "\"price\":2100"));
	hs_test_resp_free(&r);

	/*
	 * Electricity as PLN sells it: the 10% street-lighting tax comes out
	 * of Rp50,000, the rest buys kWh at Rp1,445: 45,000 / 1,445 =
	 * 31.141 kWh, a token of 31.2 kWh; no admin fee at this building.
	 */
	snprintf(path, sizeof(path), "/api/v1/meters/%ld/quote?amount=50000",
	    meter_apt);
	assert_int_equal(hs_test_call(srv.port, &melati, "GET", path, NULL,
	    NULL, &r), 200);
	assert_int_equal(json_long(r.body, "tax"), 5000);
	assert_int_equal(json_long(r.body, "units_bought"), 31141);
	assert_int_equal(json_long(r.body, "units"), 31200);
	assert_int_equal(json_long(r.body, "total"), 50000);
	hs_test_resp_free(&r);

	/* Another utility's meter does not exist for this one's staff. */
	snprintf(path, sizeof(path), "/api/v1/meters/%ld/quote?amount=50000",
	    meter_apt);
	assert_int_equal(hs_test_call(srv.port, &admin, "GET", path, NULL,
	    NULL, &r), 404);
	hs_test_resp_free(&r);

	snprintf(path, sizeof(path), "/api/v1/meters/%ld/quote?amount=500",
	    meter1);
	assert_int_equal(hs_test_call(srv.port, &siti, "GET", path, NULL, NULL,
	    &r), 422);
	hs_test_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/meters/%ld/quote?amount=50000",
	    meter2);
	assert_int_equal(hs_test_call(srv.port, &siti, "GET", path, NULL, NULL,
	    &r), 404);	/* Budi's meter: not Siti's */
	hs_test_resp_free(&r);
}

static void
test_idempotency(void **state)
{
	struct hs_test_resp	a, b, c;
	struct hs_test_purchase		p, q;
	char			body[128];

	(void)state;
	assert_int_equal(buy(&siti, meter1, 20000, "sandbox", "idem-1", &p,
	    &a), 201);
	assert_string_equal(p.state, "pending");
	assert_non_null(strstr(a.body, "/sandbox/pay/"));
	assert_int_equal(buy(&siti, meter1, 20000, "sandbox", "idem-1", &q,
	    &b), 201);
	assert_int_equal(q.id, p.id);
	assert_string_equal(a.body, b.body);
	assert_non_null(strstr(b.headers, "idempotent-replayed: true"));
	hs_test_resp_free(&a);
	hs_test_resp_free(&b);
	/* Same key, another body. */
	assert_int_equal(buy(&siti, meter1, 30000, "sandbox", "idem-1", NULL,
	    NULL), 422);
	/* No key at all. */
	snprintf(body, sizeof(body), "{\"meter_id\": %ld, \"amount\": 20000, "
	    "\"provider\": \"sandbox\"}", meter1);
	assert_int_equal(hs_test_call(srv.port, &siti, "POST",
	    "/api/v1/purchases", NULL, body, &c), 400);
	hs_test_resp_free(&c);
	/* A customer cannot take counter payments, nor buy for others. */
	assert_int_equal(buy(&siti, meter1, 20000, "cash", "idem-2", NULL,
	    NULL), 403);
	assert_int_equal(buy(&siti, meter2, 20000, "sandbox", "idem-3", NULL,
	    NULL), 404);
	assert_int_equal(buy(&siti, meter1, 20000, "nosuch", "idem-4", NULL,
	    NULL), 422);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM purchases"), 1);
}

/* The customer pays on the provider's page: the notification vends. */
static void
test_paid_to_token(void **state)
{
	struct hs_test_resp	r;
	struct hs_test_purchase		p;
	char			path[128], token[32];

	(void)state;
	assert_int_equal(buy(&siti, meter1, 50000, "sandbox", "pay-1", &p,
	    NULL), 201);
	snprintf(path, sizeof(path), "/_control/pay/%s?notify=1", p.order);
	assert_int_equal(fp_call("POST", path), 200);
	wait_state(p.id, "vended", 15);
	assert_int_equal(tokens_of(p.id), 1);
	snprintf(path, sizeof(path), "/api/v1/purchases/%ld", p.id);
	assert_int_equal(hs_test_call(srv.port, &siti, "GET", path, NULL, NULL,
	    &r), 200);
	assert_int_equal(hs_test_json_str(r.body, "token", token,
	    sizeof(token)), 0);
	assert_int_equal(strlen(token), 20);
	assert_int_equal(strspn(token, "0123456789"), 20);
	hs_test_resp_free(&r);
	/* The gateway delivering the same notification again changes nothing. */
	snprintf(path, sizeof(path), "/_control/resend/%s", p.order);
	assert_int_equal(fp_call("POST", path), 200);
	sleep(1);
	assert_int_equal(tokens_of(p.id), 1);
}

/* 100 deliveries of one notification at the same moment: one token. */
static void
test_concurrent_duplicates(void **state)
{
	struct hs_test_purchase	p;
	pid_t		kids[100];
	long		ts = (long)time(NULL);
	int		i, st, ok = 0;

	(void)state;
	assert_int_equal(buy(&siti, meter1, 10000, "sandbox", "dup-1", &p,
	    NULL), 201);
	for (i = 0; i < 100; i++) {
		if ((kids[i] = fork()) == 0)
			_exit(notify("evt_dup_100", &p, "paid", p.total, ts,
			    SANDBOX_KEY) == 200 ? 0 : 1);
	}
	for (i = 0; i < 100; i++) {
		waitpid(kids[i], &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			ok++;
	}
	assert_int_equal(ok, 100);
	wait_state(p.id, "vended", 15);
	sleep(1);
	assert_int_equal(tokens_of(p.id), 1);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM "
	    "payment_events WHERE order_id = '%s'", p.order), 1);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM jobs WHERE "
	    "kind = 'vend.token' AND payload->>'purchase' = '%ld'", p.id), 1);
}

/* Forged, tampered and stale notifications: refused, logged, no change. */
static void
test_forged_and_stale(void **state)
{
	struct hs_test_purchase	p;
	long		events, ts = (long)time(NULL);

	(void)state;
	assert_int_equal(buy(&siti, meter1, 10000, "sandbox", "forge-1", &p,
	    NULL), 201);
	events = hs_test_sql_long("SELECT count(*) FROM payment_events");
	assert_int_equal(notify("evt_forged", &p, "paid", p.total, ts,
	    "not-the-sandbox-key-at-all"), 401);
	assert_int_equal(notify("evt_stale", &p, "paid", p.total, ts - 3600,
	    SANDBOX_KEY), 401);
	assert_int_equal(notify("evt_future", &p, "paid", p.total, ts + 3600,
	    SANDBOX_KEY), 401);
	{
		/* Signed, then the amount changed on the way. */
		struct hs_test_resp	r;
		char			body[512], msg[600], sig[65], hdr[256];

		snprintf(body, sizeof(body), "{\"event_id\": \"evt_t\", "
		    "\"order_id\": \"%s\", \"payment_id\": \"x\", \"status\": "
		    "\"paid\", \"amount\": %ld, \"paid_at\": %ld, "
		    "\"timestamp\": %ld}", p.order, p.total, ts, ts);
		snprintf(msg, sizeof(msg), "%ld.%s", ts, body);
		hs_test_hmac_hex(SANDBOX_KEY, msg, sig);
		snprintf(body, sizeof(body), "{\"event_id\": \"evt_t\", "
		    "\"order_id\": \"%s\", \"payment_id\": \"x\", \"status\": "
		    "\"paid\", \"amount\": %ld, \"paid_at\": %ld, "
		    "\"timestamp\": %ld}", p.order, p.total + 1, ts, ts);
		snprintf(hdr, sizeof(hdr), "Content-Type: application/json\r\n"
		    "X-Sandbox-Timestamp: %ld\r\nX-Sandbox-Signature: %s\r\n",
		    ts, sig);
		assert_int_equal(hs_test_http(srv.port, "POST",
		    "/api/v1/payments/sandbox/notify", hdr, body, strlen(body),
		    &r), 0);
		assert_int_equal(r.status, 401);
		hs_test_resp_free(&r);
	}
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM "
	    "payment_events"), events);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM purchases "
	    "WHERE id = %ld AND state = 'pending'", p.id), 1);
	assert_true(hs_test_file_contains(srv.log, "payment.rejected"));
	/* An unknown provider name. */
	{
		struct hs_test_resp	r;

		assert_int_equal(hs_test_call(srv.port, &anon, "POST",
		    "/api/v1/payments/nosuch/notify", NULL, "{}", &r), 404);
		hs_test_resp_free(&r);
	}
}

/* Money arrived, but not what was ordered: never vended, for review. */
static void
test_amount_mismatch(void **state)
{
	struct hs_test_purchase	p;

	(void)state;
	assert_int_equal(buy(&siti, meter1, 10000, "sandbox", "mismatch-1", &p,
	    NULL), 201);
	assert_int_equal(notify("evt_short", &p, "paid", p.total - 1000,
	    (long)time(NULL), SANDBOX_KEY), 200);
	wait_state(p.id, "review", 5);
	sleep(1);
	assert_int_equal(tokens_of(p.id), 0);
}

/* The counter: a cashier sells for cash, prints a receipt. */
static void
test_cash_and_receipt(void **state)
{
	struct hs_test_resp	r;
	struct hs_test_purchase		p;
	char			path[128], token[32], grouped[32];

	(void)state;
	assert_int_equal(buy(&kasir, meter2, 100000, "cash", "cash-1", &p,
	    NULL), 201);
	assert_string_equal(p.state, "paid");
	wait_state(p.id, "vended", 15);
	snprintf(path, sizeof(path), "/api/v1/purchases/%ld/receipt", p.id);
	assert_int_equal(hs_test_call(srv.port, &kasir, "GET", path, NULL,
	    NULL, &r), 200);
	assert_non_null(strstr(r.headers, "text/html"));
	assert_non_null(strstr(r.body, "Budi Santoso"));
	assert_non_null(strstr(r.body, "Rp102.500"));
	assert_non_null(strstr(r.body, "Terima kasih - PDAM Tirta"));
	hs_test_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/purchases/%ld", p.id);
	assert_int_equal(hs_test_call(srv.port, &kasir, "GET", path, NULL,
	    NULL, &r), 200);
	assert_int_equal(hs_test_json_str(r.body, "token", token,
	    sizeof(token)), 0);
	hs_test_resp_free(&r);
	snprintf(grouped, sizeof(grouped), "%.4s %.4s %.4s %.4s %.4s", token,
	    token + 4, token + 8, token + 12, token + 16);
	snprintf(path, sizeof(path), "/api/v1/purchases/%ld/receipt", p.id);
	assert_int_equal(hs_test_call(srv.port, &kasir, "GET", path, NULL,
	    NULL, &r), 200);
	assert_non_null(strstr(r.body, grouped));
	hs_test_resp_free(&r);
	/* Siti cannot read Budi's receipt. */
	assert_int_equal(hs_test_call(srv.port, &siti, "GET", path, NULL, NULL,
	    &r), 404);
	hs_test_resp_free(&r);
}

static void
test_history_and_resend(void **state)
{
	struct hs_test_resp	r;
	char			path[128];
	long			id, customer;

	(void)state;
	id = hs_test_sql_longf("SELECT purchase_id FROM tokens WHERE "
	    "meter_id = %ld ORDER BY id LIMIT 1", meter1);
	customer = hs_test_sql_long("SELECT id FROM customers WHERE number = "
	    "'1001'");
	snprintf(path, sizeof(path), "/api/v1/meters/%ld/tokens", meter1);
	assert_int_equal(hs_test_call(srv.port, &siti, "GET", path, NULL, NULL,
	    &r), 200);
	{
		/* The list's own total (the last one; items have totals). */
		const char *t = r.body, *last = NULL;

		while ((t = strstr(t, "\"total\": ")) != NULL)
			last = t++;
		assert_non_null(last);
		assert_int_equal(atol(last + 9), hs_test_sql_longf(
		    "SELECT count(*) FROM tokens WHERE meter_id = %ld",
		    meter1));
	}
	hs_test_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/customers/%ld/tokens?format=csv",
	    customer);
	assert_int_equal(hs_test_call(srv.port, &siti, "GET", path, NULL, NULL,
	    &r), 200);
	assert_non_null(strstr(r.body, "\"token\""));
	hs_test_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/meters/%ld/tokens", meter2);
	assert_int_equal(hs_test_call(srv.port, &siti, "GET", path, NULL, NULL,
	    &r), 200);
	assert_non_null(strstr(r.body, "\"items\": []"));	/* not hers */
	hs_test_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/purchases/%ld/resend", id);
	assert_int_equal(hs_test_call(srv.port, &siti, "POST", path, NULL,
	    "{\"channel\": \"sms\"}", &r), 202);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM jobs WHERE "
	    "kind = 'notify.token' AND payload->>'purchase' = '%ld' AND "
	    "payload->>'resend' = 'true'", id), 1);
}

/* The notification never came: reconciliation asks and settles. */
static void
test_missed_webhook(void **state)
{
	struct hs_test_resp	r;
	struct hs_test_purchase		p;
	char			path[128];

	(void)state;
	assert_int_equal(buy(&siti, meter1, 15000, "sandbox", "missed-1", &p,
	    NULL), 201);
	snprintf(path, sizeof(path), "/_control/pay/%s?notify=0", p.order);
	assert_int_equal(fp_call("POST", path), 200);
	sleep(1);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM purchases "
	    "WHERE id = %ld AND state = 'pending'", p.id), 1);
	assert_int_equal(hs_test_call(srv.port, &admin, "POST",
	    "/api/v1/reconciliation/runs", NULL, "{}", &r), 202);
	hs_test_resp_free(&r);
	wait_state(p.id, "vended", 20);
	assert_int_equal(tokens_of(p.id), 1);
	assert_int_equal(hs_test_call(srv.port, &admin, "GET",
	    "/api/v1/reconciliation/runs", NULL, NULL, &r), 200);
	assert_non_null(strstr(r.body, "\"outcome\": \"paid\""));
	hs_test_resp_free(&r);
}

/* Paid for a meter removed meanwhile: a refund is due, then recorded. */
static void
test_refund_for_removed_meter(void **state)
{
	struct hs_test_resp	r;
	struct hs_test_purchase		p;
	char			path[128];
	long			m4;

	(void)state;
	m4 = hs_test_sql_long("SELECT id FROM meters WHERE number = "
	    "'47040000045'");
	assert_int_equal(buy(&admin, m4, 25000, "sandbox", "refund-1", &p,
	    NULL), 201);
	hs_test_sql_longf("SELECT count(*) FROM (SELECT hs_api_meter_update("
	    "'user:test', utility_id, id, '{\"status\": \"removed\"}') "
	    "FROM meters WHERE id = %ld) x", m4);
	assert_int_equal(notify("evt_refund", &p, "paid", p.total,
	    (long)time(NULL), SANDBOX_KEY), 200);
	wait_state(p.id, "refund_due", 15);
	assert_int_equal(tokens_of(p.id), 0);
	snprintf(path, sizeof(path), "/api/v1/purchases/%ld/refund", p.id);
	assert_int_equal(hs_test_call(srv.port, &kasir, "POST", path, NULL,
	    "{\"reason\": \"meter removed\"}", &r), 403);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(srv.port, &admin, "POST", path, NULL,
	    "{\"reason\": \"meter removed\", \"reference\": \"TRF-001\"}",
	    &r), 200);
	assert_non_null(strstr(r.body, "\"state\": \"refunded\""));
	hs_test_resp_free(&r);
	/* A vended purchase can never be refunded. */
	snprintf(path, sizeof(path), "/api/v1/purchases/%ld/refund",
	    hs_test_sql_long("SELECT purchase_id FROM tokens LIMIT 1"));
	assert_int_equal(hs_test_call(srv.port, &admin, "POST", path, NULL,
	    "{\"reason\": \"try\"}", &r), 422);
	hs_test_resp_free(&r);
}

/* The provider is down: 503, the same key works later; cash still sells. */
static void
test_provider_down(void **state)
{
	struct hs_test_purchase	p;

	(void)state;
	assert_int_equal(fp_call("POST", "/_control/fail?mode=500&count=1"),
	    200);
	assert_int_equal(buy(&siti, meter1, 12000, "sandbox", "down-1", NULL,
	    NULL), 503);
	assert_int_equal(buy(&kasir, meter2, 12000, "cash", "down-cash", &p,
	    NULL), 201);
	wait_state(p.id, "vended", 15);
	assert_int_equal(buy(&siti, meter1, 12000, "sandbox", "down-1", &p,
	    NULL), 201);
	assert_string_equal(p.state, "pending");
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM purchases "
	    "WHERE idem_key = 'down-1'"), 1);
}

/*
 * Midtrans and Xendit through their plugins and the fake gateway: create
 * with the provider's contract, pay on its side, its signed notification
 * (SHA-512 signature_key; x-callback-token with webhook-id) vends.
 */
static void
test_midtrans_and_xendit(void **state)
{
	struct hs_test_resp	r;
	struct hs_test_purchase	p, q;
	char			path[160], url[160];

	(void)state;
	assert_int_equal(buy(&siti, meter1, 21000, "midtrans", "mt-1", &p, &r),
	    201);
	assert_non_null(strstr(r.body, "/snap/v2/vtweb/"));
	hs_test_resp_free(&r);
	snprintf(path, sizeof(path), "/_control/pay/%s", p.order);
	assert_int_equal(fp_call("POST", path), 200);
	wait_state(p.id, "vended", 15);
	assert_int_equal(tokens_of(p.id), 1);
	/* The same notification again: a duplicate. */
	snprintf(path, sizeof(path), "/_control/resend/%s", p.order);
	assert_int_equal(fp_call("POST", path), 200);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/payments/"
	    "xendit/notify", srv.port);
	assert_int_equal(hs_test_http(fp_port, "PUT",
	    "/_control/xendit/callback_url", NULL, url, strlen(url), &r), 0);
	assert_int_equal(r.status, 200);
	hs_test_resp_free(&r);
	assert_int_equal(buy(&siti, meter1, 22000, "xendit", "xn-1", &q, &r),
	    201);
	assert_non_null(strstr(r.body, "/web/invoices/"));
	hs_test_resp_free(&r);
	snprintf(path, sizeof(path), "/_control/pay/%s", q.order);
	assert_int_equal(fp_call("POST", path), 200);
	wait_state(q.id, "vended", 15);
	snprintf(path, sizeof(path), "/_control/resend/%s", q.order);
	assert_int_equal(fp_call("POST", path), 200);
	sleep(1);
	assert_int_equal(tokens_of(p.id), 1);
	assert_int_equal(tokens_of(q.id), 1);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM "
	    "payment_events WHERE order_id IN ('%s', '%s') AND outcome = "
	    "'paid'", p.order, q.order), 2);

	/* Forged: a wrong signature_key, a wrong or missing callback token. */
	{
		char	 body[1024];
		long	 events = hs_test_sql_long("SELECT count(*) FROM "
		    "payment_events");

		snprintf(body, sizeof(body), "{\"transaction_status\": "
		    "\"settlement\", \"transaction_id\": \"forged-1\", "
		    "\"status_code\": \"200\", \"signature_key\": \"%0128d\", "
		    "\"order_id\": \"%s\", \"gross_amount\": \"%ld.00\", "
		    "\"fraud_status\": \"accept\"}", 7, p.order, p.total);
		assert_int_equal(hs_test_http(srv.port, "POST",
		    "/api/v1/payments/midtrans/notify",
		    "Content-Type: application/json\r\n", body, strlen(body),
		    &r), 0);
		assert_int_equal(r.status, 401);
		hs_test_resp_free(&r);
		snprintf(body, sizeof(body), "{\"id\": \"abc\", "
		    "\"external_id\": \"%s\", \"status\": \"PAID\", "
		    "\"amount\": %ld, \"paid_amount\": %ld}", q.order, q.total,
		    q.total);
		assert_int_equal(hs_test_http(srv.port, "POST",
		    "/api/v1/payments/xendit/notify", "Content-Type: "
		    "application/json\r\nx-callback-token: "
		    "fakepay-callback-token-0002\r\nwebhook-id: w1\r\n", body,
		    strlen(body), &r), 0);
		assert_int_equal(r.status, 401);
		hs_test_resp_free(&r);
		assert_int_equal(hs_test_http(srv.port, "POST",
		    "/api/v1/payments/xendit/notify", "Content-Type: "
		    "application/json\r\n", body, strlen(body), &r), 0);
		assert_int_equal(r.status, 401);
		hs_test_resp_free(&r);
		assert_int_equal(hs_test_sql_long("SELECT count(*) FROM "
		    "payment_events"), events);
	}

	/* Cancelling an unpaid Midtrans order tells the provider too. */
	assert_int_equal(buy(&siti, meter1, 23000, "midtrans", "mt-2", &p,
	    NULL), 201);
	snprintf(path, sizeof(path), "/api/v1/purchases/%ld/cancel", p.id);
	assert_int_equal(hs_test_call(srv.port, &siti, "POST", path, NULL,
	    "{}", &r), 200);
	assert_non_null(strstr(r.body, "\"state\": \"cancelled\""));
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(srv.port, &siti, "POST", path, NULL,
	    "{}", &r), 422);
	hs_test_resp_free(&r);
}

static void
test_settlement_report(void **state)
{
	struct hs_test_resp	r;
	char			path[160], day[16];
	PGresult		*res;

	(void)state;
	res = PQexec(hs_test_db(), "SELECT (now() AT TIME ZONE "
	    "'Asia/Jakarta')::date::text");
	snprintf(day, sizeof(day), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	snprintf(path, sizeof(path), "/api/v1/reports/settlement?date=%s&"
	    "provider=cash&format=csv", day);
	assert_int_equal(hs_test_call(srv.port, &kasir, "GET", path, NULL,
	    NULL, &r), 200);
	assert_non_null(strstr(r.body, "\"order_id\""));
	assert_non_null(strstr(r.body, "\"cash\""));
	assert_null(strstr(r.body, "\"sandbox\""));
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(srv.port, &kasir, "GET",
	    "/api/v1/reports/settlement?date=yesterday", NULL, NULL, &r), 422);
	hs_test_resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_idempotency),
		cmocka_unit_test(test_paid_to_token),
		cmocka_unit_test(test_concurrent_duplicates),
		cmocka_unit_test(test_forged_and_stale),
		cmocka_unit_test(test_amount_mismatch),
		cmocka_unit_test(test_cash_and_receipt),
		cmocka_unit_test(test_history_and_resend),
		cmocka_unit_test(test_missed_webhook),
		cmocka_unit_test(test_refund_for_removed_meter),
		cmocka_unit_test(test_provider_down),
		cmocka_unit_test(test_midtrans_and_xendit),
		cmocka_unit_test(test_settlement_report),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
