/*
 * The sandbox payment plugin through the real loader and a fake host:
 * the create request it builds and how it reads the reply, HTTP outcomes
 * mapped to ABI results, signed notifications (valid, forged, tampered,
 * unsigned, stale, from the future, malformed), every documented state,
 * status and cancel.  Expected signatures are computed here with OpenSSL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pay_test.h"

#define KEY	"sandbox-test-key-0123456789"
#define BASE	"http://127.0.0.1:8890"
#define ORDER	"HS-1001"

static int
load(const char *extra)
{
	return (test_load("plugin pay payment %s/plugins/payment/sandbox.so\n"
	    "set pay base_url " BASE "/\nset pay api_key " KEY "\n%s",
	    HS_TEST_BUILD, extra));
}

/* A payment object as the gateway returns it. */
static const char *
payment(const char *order, const char *status, long long amount)
{
	static char	b[1024];

	snprintf(b, sizeof(b), "{\"id\": \"sbx_0123abcd\", \"order_id\": "
	    "\"%s\", \"status\": \"%s\", \"amount\": %lld, \"pay_url\": "
	    "\"http://127.0.0.1:8890/sandbox/pay/sbx_0123abcd\", "
	    "\"va_number\": \"8808000000000001\", \"qris\": "
	    "\"00020101021226570011ID.FAKEPAY\", \"payment_code\": "
	    "\"000000000001\", \"expires_at\": 1700003600000}", order, status,
	    amount);
	return (b);
}

static int
create(const char *order, int64_t amount)
{
	struct hs_payment_create	in = test_create_in(order, amount);

	return (test_ops()->create(test_pctx(), &in, on_created, &cb_arg));
}

/* The create request, exactly as docs/payments.md describes it. */
static void
test_create_request(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(create(ORDER, 12500), HS_E_PENDING);
	assert_int_equal(created_calls, 0);	/* later, never inside */
	assert_string_equal(test_req.method, "POST");
	assert_string_equal(test_req.url, BASE "/sandbox/v1/payments");
	assert_string_equal(test_header("Authorization"), "Bearer " KEY);
	assert_string_equal(test_header("Content-Type"), "application/json");
	assert_int_equal(pjson_valid(test_req.body, test_req.body_len), 0);
	assert_string_equal(test_body_str("order_id"), ORDER);
	assert_int_equal(test_body_int("amount"), 12500);
	assert_string_equal(test_body_str("description"),
	    "Token listrik HS-1001");
	assert_string_equal(test_body_str("return_url"),
	    "https://hs.example.id/pay/return?order=HS-1001");
	assert_string_equal(test_body_str("notify_url"),
	    "https://hs.example.id/api/v1/payments/pay/notify");
	assert_int_equal(test_body_int("expires_at"), TEST_NOW_MS + 3600000);
	assert_string_equal(test_body_str("method"), "redirect");

	test_respond(201, payment(ORDER, "pending", 12500));
	assert_int_equal(created_calls, 1);
	assert_int_equal(created_rc, HS_OK);
	assert_int_equal(created_out.action, HS_PAY_ACTION_REDIRECT);
	assert_string_equal(created_out.provider_ref, "sbx_0123abcd");
	assert_string_equal(created_out.redirect_url,
	    "http://127.0.0.1:8890/sandbox/pay/sbx_0123abcd");
	assert_string_equal(created_out.instruction, "");
	assert_int_equal(created_out.expires_at_ms, 1700003600000LL);

	/* 200: the same order and amount created before. */
	assert_int_equal(create(ORDER, 12500), HS_E_PENDING);
	test_respond(200, payment(ORDER, "pending", 12500));
	assert_int_equal(created_rc, HS_OK);
	assert_int_equal(created_calls, 2);
	test_unload();
}

/* Quotes, control characters and non-ASCII survive as JSON. */
static void
test_create_escapes(void **state)
{
	struct hs_payment_create	in = test_create_in(ORDER, 5000);

	(void)state;
	in.description = "Token \"air\" \\ baris\nbaru \xc3\xa9\x01";
	assert_int_equal(load(""), 0);
	assert_int_equal(test_ops()->create(test_pctx(), &in, on_created,
	    &cb_arg), HS_E_PENDING);
	assert_int_equal(pjson_valid(test_req.body, test_req.body_len), 0);
	assert_string_equal(test_body_str("description"), in.description);
	test_respond_error("timeout");
	/* Invalid UTF-8 is never sent. */
	in.description = "bad \xff byte";
	assert_int_equal(test_ops()->create(test_pctx(), &in, on_created,
	    &cb_arg), HS_E_INVALID);
	assert_int_equal(test_nreq, 1);
	test_unload();
}

/* va, qris, code: the instruction shown, the pay page kept. */
static void
test_create_methods(void **state)
{
	static const struct {
		const char	*method;
		int		 action;
		const char	*instruction;
	} m[] = {
		{ "va", HS_PAY_ACTION_VA, "8808000000000001" },
		{ "qris", HS_PAY_ACTION_QRIS, "00020101021226570011ID.FAKEPAY" },
		{ "code", HS_PAY_ACTION_CODE, "000000000001" },
		{ "redirect", HS_PAY_ACTION_REDIRECT, "" },
	};
	char	extra[64];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		snprintf(extra, sizeof(extra), "set pay method %s\n",
		    m[i].method);
		assert_int_equal(load(extra), 0);
		assert_int_equal(create(ORDER, 12500), HS_E_PENDING);
		assert_string_equal(test_body_str("method"), m[i].method);
		test_respond(201, payment(ORDER, "pending", 12500));
		assert_int_equal(created_rc, HS_OK);
		assert_int_equal(created_out.action, m[i].action);
		assert_string_equal(created_out.instruction, m[i].instruction);
		assert_string_equal(created_out.redirect_url,
		    "http://127.0.0.1:8890/sandbox/pay/sbx_0123abcd");
		assert_string_equal(created_out.provider_ref, "sbx_0123abcd");
		test_unload();
	}
	/* The field the method needs is missing: not a usable answer. */
	assert_int_equal(load("set pay method va\n"), 0);
	assert_int_equal(create(ORDER, 12500), HS_E_PENDING);
	test_respond(201, "{\"id\": \"sbx_1\", \"order_id\": \"HS-1001\", "
	    "\"status\": \"pending\", \"amount\": 12500, \"pay_url\": "
	    "\"http://x/p\", \"expires_at\": 1}");
	assert_int_equal(created_rc, HS_E_INVALID);
	test_unload();
}

static int
create_answered(int status, const char *body)
{
	assert_int_equal(create(ORDER, 12500), HS_E_PENDING);
	if (status < 0)
		test_respond_error("connection timed out");
	else
		test_respond(status, body);
	return (created_rc);
}

/* Network errors, 429 and 5xx retry; 401 is ours to fix; 4xx refused. */
static void
test_create_errors(void **state)
{
	struct hs_payment_create	in;
	int				n;

	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(create_answered(-1, NULL), HS_E_UNAVAILABLE);
	assert_int_equal(create_answered(500, "oops"), HS_E_UNAVAILABLE);
	assert_int_equal(create_answered(503, NULL), HS_E_UNAVAILABLE);
	assert_int_equal(create_answered(429, "{}"), HS_E_UNAVAILABLE);
	assert_int_equal(test_log_err, 0);
	assert_int_equal(create_answered(401, "{\"error\": \"bad api key\"}"),
	    HS_E_CONFIG);
	assert_int_equal(test_log_err, 1);
	assert_non_null(strstr(test_log, "HTTP 401: bad api key"));
	assert_null(strstr(test_log, KEY));
	assert_int_equal(create_answered(403, "{}"), HS_E_CONFIG);
	assert_int_equal(create_answered(400, "{\"error\": \"amount\"}"),
	    HS_E_INVALID);
	assert_int_equal(create_answered(409, "{\"error\": \"amount\"}"),
	    HS_E_INVALID);
	assert_int_equal(create_answered(404, NULL), HS_E_INVALID);
	/* 2xx, but not a payment for this order and amount. */
	assert_int_equal(create_answered(201, "not json"), HS_E_INVALID);
	assert_int_equal(create_answered(201, payment("HS-9999", "pending",
	    12500)), HS_E_INVALID);
	assert_int_equal(create_answered(201, payment(ORDER, "pending",
	    12499)), HS_E_INVALID);
	assert_int_equal(create_answered(201, "{\"id\": \"sbx_1\", "
	    "\"order_id\": \"HS-1001\", \"amount\": 12500, \"pay_url\": "
	    "\"javascript:alert(1)\", \"expires_at\": 1}"), HS_E_INVALID);
	assert_int_equal(created_calls, 13);

	/* The host refuses the request: done never runs. */
	n = created_calls;
	test_http_rc = HS_E_UNAVAILABLE;
	assert_int_equal(create(ORDER, 12500), HS_E_UNAVAILABLE);
	test_http_rc = HS_OK;
	assert_int_equal(created_calls, n);

	/* Refused before any request. */
	n = test_nreq;
	assert_int_equal(create(ORDER, 0), HS_E_INVALID);
	assert_int_equal(create(ORDER, -5), HS_E_INVALID);
	assert_int_equal(create("HS-1001/../x", 100), HS_E_INVALID);
	assert_int_equal(create("", 100), HS_E_INVALID);
	in = test_create_in(ORDER, 100);
	in.currency = "USD";
	assert_int_equal(test_ops()->create(test_pctx(), &in, on_created,
	    &cb_arg), HS_E_INVALID);
	assert_int_equal(test_nreq, n);
	assert_int_equal(created_calls, 13);
	test_unload();
}

/* ------------------------------------------------------- notifications */

static char	nbody[1024];

static const char *
notification(const char *event, const char *status, const char *amount,
    long long ts)
{
	snprintf(nbody, sizeof(nbody), "{\"event_id\": \"%s\", \"order_id\": "
	    "\"" ORDER "\", \"payment_id\": \"sbx_0123abcd\", \"status\": "
	    "\"%s\", \"amount\": %s, \"paid_at\": %lld, \"timestamp\": %lld}",
	    event, status, amount, ts, ts);
	return (nbody);
}

/* Deliver body with the given headers (NULL: header left out). */
static int
deliver(const char *body, const char *ts, const char *sig,
    struct hs_payment_event *ev)
{
	struct hs_http_header	h[3];
	size_t			n = 0;

	h[n].name = "content-type";
	h[n++].value = "application/json";
	if (ts != NULL) {
		h[n].name = "x-sandbox-timestamp";
		h[n++].value = ts;
	}
	if (sig != NULL) {
		h[n].name = "x-sandbox-signature";
		h[n++].value = sig;
	}
	memset(ev, 0, sizeof(*ev));
	ev->size = sizeof(*ev);
	return (test_ops()->verify_notification(test_pctx(), h, n, body,
	    strlen(body), ev));
}

/* Signed with key at time t, delivered with its own timestamp. */
static int
signed_delivery(const char *key, long long t, const char *body,
    struct hs_payment_event *ev)
{
	char	ts[32], sig[65];

	snprintf(ts, sizeof(ts), "%lld", t);
	test_hmac_hex(key, ts, body, sig);
	return (deliver(body, ts, sig, ev));
}

static void
test_notify_valid(void **state)
{
	struct hs_payment_event	ev;
	char			ts[32], sig[65];
	size_t			i;

	(void)state;
	assert_int_equal(load(""), 0);
	notification("evt_42", "paid", "12500", TEST_NOW_S);
	assert_int_equal(signed_delivery(KEY, TEST_NOW_S, nbody, &ev), HS_OK);
	assert_string_equal(ev.event_id, "evt_42");
	assert_string_equal(ev.order_id, ORDER);
	assert_string_equal(ev.provider_ref, "sbx_0123abcd");
	assert_int_equal(ev.state, HS_PAY_PAID);
	assert_int_equal(ev.amount, 12500);
	assert_int_equal(ev.size, sizeof(ev));

	/* Header names in any case; hex in upper case too. */
	snprintf(ts, sizeof(ts), "%lld", TEST_NOW_S);
	test_hmac_hex(KEY, ts, nbody, sig);
	for (i = 0; sig[i] != '\0'; i++)
		if (sig[i] >= 'a' && sig[i] <= 'f')
			sig[i] = (char)(sig[i] - 'a' + 'A');
	{
		struct hs_http_header	h[2] = {
			{ "X-SANDBOX-TIMESTAMP", ts },
			{ "X-Sandbox-Signature", sig },
		};

		assert_int_equal(test_ops()->verify_notification(test_pctx(),
		    h, 2, nbody, strlen(nbody), &ev), HS_OK);
	}

	/* The edges of the window are inside it. */
	notification("evt_old", "paid", "12500", TEST_NOW_S - 300);
	assert_int_equal(signed_delivery(KEY, TEST_NOW_S - 300, nbody, &ev),
	    HS_OK);
	notification("evt_new", "paid", "12500", TEST_NOW_S + 60);
	assert_int_equal(signed_delivery(KEY, TEST_NOW_S + 60, nbody, &ev),
	    HS_OK);
	test_unload();
}

static void
test_notify_refused(void **state)
{
	struct hs_payment_event	ev;
	char			ts[32], sig[65], tampered[1024], *p;

	(void)state;
	assert_int_equal(load(""), 0);
	snprintf(ts, sizeof(ts), "%lld", TEST_NOW_S);
	notification("evt_1", "paid", "12500", TEST_NOW_S);

	/* Forged: signed with another key. */
	assert_int_equal(signed_delivery("not-the-sandbox-key-at-all",
	    TEST_NOW_S, nbody, &ev), HS_E_DENIED);
	/* Tampered: the amount changed after signing. */
	test_hmac_hex(KEY, ts, nbody, sig);
	snprintf(tampered, sizeof(tampered), "%s", nbody);
	assert_non_null(p = strstr(tampered, "12500"));
	p[0] = '9';
	assert_int_equal(deliver(tampered, ts, sig, &ev), HS_E_DENIED);
	/* The signature of another timestamp. */
	test_hmac_hex(KEY, "1700000001", nbody, sig);
	assert_int_equal(deliver(nbody, ts, sig, &ev), HS_E_DENIED);
	/* Missing headers, an empty or short signature, not hex. */
	test_hmac_hex(KEY, ts, nbody, sig);
	assert_int_equal(deliver(nbody, ts, NULL, &ev), HS_E_DENIED);
	assert_int_equal(deliver(nbody, NULL, sig, &ev), HS_E_DENIED);
	assert_int_equal(deliver(nbody, ts, "", &ev), HS_E_DENIED);
	sig[63] = '\0';
	assert_int_equal(deliver(nbody, ts, sig, &ev), HS_E_DENIED);
	test_hmac_hex(KEY, ts, nbody, sig);
	sig[10] = 'g';
	assert_int_equal(deliver(nbody, ts, sig, &ev), HS_E_DENIED);
	/* A timestamp that is not plain digits, even if signed so. */
	test_hmac_hex(KEY, "+1700000000", nbody, sig);
	assert_int_equal(deliver(nbody, "+1700000000", sig, &ev), HS_E_DENIED);
	test_hmac_hex(KEY, " 1700000000", nbody, sig);
	assert_int_equal(deliver(nbody, " 1700000000", sig, &ev), HS_E_DENIED);
	test_hmac_hex(KEY, "99999999999999999999", nbody, sig);
	assert_int_equal(deliver(nbody, "99999999999999999999", sig, &ev),
	    HS_E_DENIED);

	/* Stale and from the future, though correctly signed. */
	notification("evt_2", "paid", "12500", TEST_NOW_S - 301);
	assert_int_equal(signed_delivery(KEY, TEST_NOW_S - 301, nbody, &ev),
	    HS_E_DENIED);
	notification("evt_3", "paid", "12500", TEST_NOW_S - 3600);
	assert_int_equal(signed_delivery(KEY, TEST_NOW_S - 3600, nbody, &ev),
	    HS_E_DENIED);
	notification("evt_4", "paid", "12500", TEST_NOW_S + 61);
	assert_int_equal(signed_delivery(KEY, TEST_NOW_S + 61, nbody, &ev),
	    HS_E_DENIED);
	/* The body's timestamp is not the header's. */
	notification("evt_5", "paid", "12500", TEST_NOW_S - 10);
	assert_int_equal(signed_delivery(KEY, TEST_NOW_S, nbody, &ev),
	    HS_E_DENIED);
	test_unload();

	/* A shorter max_age is honoured. */
	assert_int_equal(load("set pay max_age 30\n"), 0);
	notification("evt_6", "paid", "12500", TEST_NOW_S - 31);
	assert_int_equal(signed_delivery(KEY, TEST_NOW_S - 31, nbody, &ev),
	    HS_E_DENIED);
	notification("evt_7", "paid", "12500", TEST_NOW_S - 30);
	assert_int_equal(signed_delivery(KEY, TEST_NOW_S - 30, nbody, &ev),
	    HS_OK);
	test_unload();
}

/* Signed correctly, but not a notification we can read. */
static void
test_notify_malformed(void **state)
{
	struct hs_payment_event	ev;
	char			b[512];

	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(signed_delivery(KEY, TEST_NOW_S, "{\"event_id\": ",
	    &ev), HS_E_INVALID);
	assert_int_equal(signed_delivery(KEY, TEST_NOW_S, "", &ev),
	    HS_E_INVALID);
	snprintf(b, sizeof(b), "{\"timestamp\": %lld} trailing", TEST_NOW_S);
	assert_int_equal(signed_delivery(KEY, TEST_NOW_S, b, &ev),
	    HS_E_INVALID);
	snprintf(b, sizeof(b), "{\"order_id\": \"" ORDER "\", \"status\": "
	    "\"paid\", \"amount\": 1, \"timestamp\": %lld}", TEST_NOW_S);
	assert_int_equal(signed_delivery(KEY, TEST_NOW_S, b, &ev),
	    HS_E_INVALID);	/* no event_id */
	notification("evt_1", "refunded", "12500", TEST_NOW_S);
	assert_int_equal(signed_delivery(KEY, TEST_NOW_S, nbody, &ev),
	    HS_E_INVALID);	/* not a sandbox status */
	notification("evt_1", "paid", "12500.5", TEST_NOW_S);
	assert_int_equal(signed_delivery(KEY, TEST_NOW_S, nbody, &ev),
	    HS_E_INVALID);
	notification("evt_1", "paid", "\"lots\"", TEST_NOW_S);
	assert_int_equal(signed_delivery(KEY, TEST_NOW_S, nbody, &ev),
	    HS_E_INVALID);
	notification("evt_1", "paid", "-12500", TEST_NOW_S);
	assert_int_equal(signed_delivery(KEY, TEST_NOW_S, nbody, &ev),
	    HS_E_INVALID);
	/* The signed field twice: which one would the gateway mean? */
	snprintf(b, sizeof(b), "{\"event_id\": \"e\", \"order_id\": \"" ORDER
	    "\", \"payment_id\": \"p\", \"status\": \"paid\", \"amount\": 1, "
	    "\"amount\": 99999, \"timestamp\": %lld}", TEST_NOW_S);
	assert_int_equal(signed_delivery(KEY, TEST_NOW_S, b, &ev),
	    HS_E_INVALID);
	test_unload();
}

static const struct {
	const char	*status;
	int		 state;
} states[] = {
	{ "pending", HS_PAY_PENDING },
	{ "paid", HS_PAY_PAID },
	{ "declined", HS_PAY_FAILED },
	{ "expired", HS_PAY_EXPIRED },
	{ "cancelled", HS_PAY_CANCELLED },
};

/* Every documented status, in a notification and in a status reply. */
static void
test_state_mapping(void **state)
{
	struct hs_payment_event	ev;
	size_t			i;

	(void)state;
	assert_int_equal(load(""), 0);
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		notification("evt_s", states[i].status, "12500", TEST_NOW_S);
		assert_int_equal(signed_delivery(KEY, TEST_NOW_S, nbody, &ev),
		    HS_OK);
		assert_int_equal(ev.state, states[i].state);

		assert_int_equal(test_ops()->status(test_pctx(), ORDER, NULL,
		    on_status, &cb_arg), HS_E_PENDING);
		test_respond(200, payment(ORDER, states[i].status, 12500));
		assert_int_equal(status_rc, HS_OK);
		assert_int_equal(status_out.state, states[i].state);
	}
	test_unload();
}

static int
status_answered(int status, const char *body)
{
	assert_int_equal(test_ops()->status(test_pctx(), ORDER, "sbx_0123abcd",
	    on_status, &cb_arg), HS_E_PENDING);
	if (status < 0)
		test_respond_error("timeout");
	else
		test_respond(status, body);
	return (status_rc);
}

static void
test_status(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(status_answered(200, payment(ORDER, "paid", 12500)),
	    HS_OK);
	assert_string_equal(test_req.method, "GET");
	assert_string_equal(test_req.url, BASE "/sandbox/v1/payments/" ORDER);
	assert_string_equal(test_header("Authorization"), "Bearer " KEY);
	assert_int_equal(test_req.has_body, 0);
	assert_string_equal(status_out.order_id, ORDER);
	assert_string_equal(status_out.provider_ref, "sbx_0123abcd");
	assert_int_equal(status_out.state, HS_PAY_PAID);
	assert_int_equal(status_out.amount, 12500);
	assert_true(status_out.event_id[0] != '\0');

	assert_int_equal(status_answered(404, "{\"error\": \"no such "
	    "payment\"}"), HS_E_INVALID);
	assert_int_equal(status_answered(500, NULL), HS_E_UNAVAILABLE);
	assert_int_equal(status_answered(429, NULL), HS_E_UNAVAILABLE);
	assert_int_equal(status_answered(-1, NULL), HS_E_UNAVAILABLE);
	assert_int_equal(status_answered(401, NULL), HS_E_CONFIG);
	assert_int_equal(status_answered(200, "[]"), HS_E_INVALID);
	assert_int_equal(status_answered(200, payment("HS-2", "paid", 1)),
	    HS_E_INVALID);
	assert_int_equal(status_calls, 8);
	assert_int_equal(test_ops()->status(test_pctx(), "HS 1", NULL,
	    on_status, &cb_arg), HS_E_INVALID);
	assert_int_equal(test_ops()->status(test_pctx(), NULL, NULL,
	    on_status, &cb_arg), HS_E_INVALID);
	assert_int_equal(status_calls, 8);
	test_unload();
}

static void
test_cancel(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	/* HS_OK, not HS_E_PENDING: see sandbox_cancel. */
	assert_int_equal(test_ops()->cancel(test_pctx(), ORDER, "sbx_0123abcd",
	    on_status, &cb_arg), HS_OK);
	assert_int_equal(status_calls, 0);
	assert_string_equal(test_req.method, "POST");
	assert_string_equal(test_req.url, BASE "/sandbox/v1/payments/" ORDER
	    "/cancel");
	assert_string_equal(test_header("Authorization"), "Bearer " KEY);
	test_respond(200, payment(ORDER, "cancelled", 12500));
	assert_int_equal(status_calls, 1);
	assert_int_equal(status_rc, HS_OK);
	assert_int_equal(status_out.state, HS_PAY_CANCELLED);

	/* Already paid: refused. */
	assert_int_equal(test_ops()->cancel(test_pctx(), ORDER, NULL,
	    on_status, &cb_arg), HS_OK);
	test_respond(409, "{\"error\": \"already paid\"}");
	assert_int_equal(status_rc, HS_E_INVALID);

	/* done may be NULL. */
	assert_int_equal(test_ops()->cancel(test_pctx(), ORDER, NULL, NULL,
	    NULL), HS_OK);
	test_respond(200, payment(ORDER, "cancelled", 12500));
	assert_int_equal(status_calls, 2);
	assert_int_equal(test_ops()->cancel(test_pctx(), "x?y", NULL, NULL,
	    NULL), HS_E_INVALID);
	test_unload();
}

static void
test_init_refusals(void **state)
{
	(void)state;
	/* A key too short to be a secret. */
	assert_int_equal(test_load("plugin pay payment "
	    "%s/plugins/payment/sandbox.so\nset pay base_url " BASE "\n"
	    "set pay api_key short-key\n", HS_TEST_BUILD), -2);
	assert_non_null(strstr(test_log, "api_key must be"));
	assert_int_equal(test_log_err, 1);
	assert_int_equal(test_load("plugin pay payment "
	    "%s/plugins/payment/sandbox.so\nset pay base_url ftp://x\n"
	    "set pay api_key " KEY "\n", HS_TEST_BUILD), -2);
	assert_non_null(strstr(test_log, "base_url"));
	assert_int_equal(load("set pay method cheque\n"), -2);
	assert_non_null(strstr(test_log, "method"));
	assert_int_equal(load("set pay max_age 5\n"), -2);
	assert_int_equal(load("set pay max_age 300s\n"), -2);
	assert_non_null(strstr(test_log, "max_age"));
	/* The loader itself refuses a missing required setting. */
	assert_int_equal(test_load("plugin pay payment "
	    "%s/plugins/payment/sandbox.so\nset pay base_url " BASE "\n",
	    HS_TEST_BUILD), -1);
	assert_non_null(strstr(test_err, "missing required setting "
	    "'api_key'"));
	/* The descriptor. */
	assert_int_equal(load(""), 0);
	assert_string_equal(test_slot.desc->name, "sandbox");
	assert_string_equal(test_slot.desc->version, "1.0");
	assert_int_equal(test_slot.desc->kind, HS_KIND_PAYMENT);
	test_unload();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_request),
		cmocka_unit_test(test_create_escapes),
		cmocka_unit_test(test_create_methods),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_notify_valid),
		cmocka_unit_test(test_notify_refused),
		cmocka_unit_test(test_notify_malformed),
		cmocka_unit_test(test_state_mapping),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_init_refusals),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
