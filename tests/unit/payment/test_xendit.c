/*
 * The Xendit payment plugin through the real loader and a fake host: the
 * invoice create request (HTTP Basic, JSON fields, no notify URL) and its
 * reply, HTTP outcomes mapped to ABI results, callbacks verified by
 * x-callback-token and, with signing_key set, by X-Callback-Signature
 * (valid, forged, tampered, unsigned, stale, from the future,
 * malformed), every documented state, status and cancel (expire!).
 * Expected signatures are computed here with OpenSSL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pay_test.h"

#define SECRET	"xnd_development_TESTSECRET0123456789"
#define TOKEN	"fakepay-callback-token-0002"
#define SIGNKEY	"xendit-signing-key-0123456789"
#define API	"https://api.xendit.test"
#define ORDER	"HS-3001"
#define INV	"579c8d61f23fa4ca35e52da4"

static int
load(const char *extra)
{
	return (test_load("plugin pay payment %s/plugins/payment/xendit.so\n"
	    "set pay api_url " API "\nset pay secret_key " SECRET "\n"
	    "set pay callback_token " TOKEN "\n%s", HS_TEST_BUILD, extra));
}

static int
create_in(const struct hs_payment_create *in)
{
	return (test_ops()->create(test_pctx(), in, on_created, &cb_arg));
}

static int
create(const char *order, int64_t amount)
{
	struct hs_payment_create	in = test_create_in(order, amount);

	return (create_in(&in));
}

/* An invoice as Xendit returns it. */
static const char *
invoice(const char *id, const char *order, const char *status,
    long long amount, const char *extra)
{
	static char	b[2048];

	snprintf(b, sizeof(b), "{\"id\": \"%s\", \"external_id\": \"%s\", "
	    "\"user_id\": \"5781d19b2e2385880609791c\", \"status\": \"%s\", "
	    "\"merchant_name\": \"PDAM Tirta\", \"amount\": %lld, "
	    "\"invoice_url\": \"https://checkout-staging.xendit.test/web/%s\", "
	    "\"expiry_date\": \"2023-11-15T22:13:20.000Z\", \"currency\": "
	    "\"IDR\"%s}", id, order, status, amount, id, extra ? extra : "");
	return (b);
}

static void
test_create_request(void **state)
{
	char	auth[256];

	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(create(ORDER, 22000), HS_E_PENDING);
	assert_int_equal(created_calls, 0);
	assert_string_equal(test_req.method, "POST");
	assert_string_equal(test_req.url, API "/v2/invoices");
	test_basic(SECRET, "", auth, sizeof(auth));
	assert_string_equal(test_header("Authorization"), auth);
	assert_string_equal(test_header("Content-Type"), "application/json");
	assert_int_equal(pjson_valid(test_req.body, test_req.body_len), 0);
	assert_string_equal(test_body_str("external_id"), ORDER);
	assert_int_equal(test_body_int("amount"), 22000);
	assert_string_equal(test_body_str("description"),
	    "Token listrik HS-1001");
	assert_int_equal(test_body_int("invoice_duration"), 3600);
	assert_string_equal(test_body_str("currency"), "IDR");
	assert_string_equal(test_body_str("success_redirect_url"),
	    "https://hs.example.id/pay/return?order=HS-1001");
	assert_string_equal(test_body_str("failure_redirect_url"),
	    "https://hs.example.id/pay/return?order=HS-1001");
	assert_string_equal(test_body_str("payer_email"), "siti@example.id");
	/* The callback URL lives in Xendit's dashboard, not here. */
	assert_null(strstr(test_req.body, "notify"));
	assert_null(strstr(test_req.body, "callback"));

	test_respond(200, invoice(INV, ORDER, "PENDING", 22000, NULL));
	assert_int_equal(created_calls, 1);
	assert_int_equal(created_rc, HS_OK);
	assert_int_equal(created_out.action, HS_PAY_ACTION_REDIRECT);
	assert_string_equal(created_out.provider_ref, INV);
	assert_string_equal(created_out.redirect_url,
	    "https://checkout-staging.xendit.test/web/" INV);
	/* expiry_date: 2023-11-15T22:13:20Z. */
	assert_int_equal(created_out.expires_at_ms, 1700086400000LL);
	test_unload();
}

static void
test_create_fields(void **state)
{
	struct hs_payment_create	in = test_create_in(ORDER, 5000);

	(void)state;
	assert_int_equal(load("set pay invoice_duration 900\n"), 0);
	in.customer_email = NULL;
	in.return_url = NULL;
	in.description = "Token \"air\"\t\xe2\x82\xac";
	assert_int_equal(create_in(&in), HS_E_PENDING);
	assert_int_equal(pjson_valid(test_req.body, test_req.body_len), 0);
	assert_int_equal(test_body_int("invoice_duration"), 900);
	assert_string_equal(test_body_str("description"), in.description);
	assert_int_equal(pjson_type(test_req.body, test_req.body_len,
	    "payer_email"), -1);
	assert_int_equal(pjson_type(test_req.body, test_req.body_len,
	    "success_redirect_url"), -1);
	/* No expiry_date in the reply: ours. */
	test_respond(200, "{\"id\": \"" INV "\", \"external_id\": \"" ORDER
	    "\", \"status\": \"PENDING\", \"amount\": 5000, \"invoice_url\": "
	    "\"https://checkout.xendit.test/web/" INV "\"}");
	assert_int_equal(created_rc, HS_OK);
	assert_int_equal(created_out.expires_at_ms, TEST_NOW_MS + 900000);
	test_unload();
}

static int
create_answered(int status, const char *body)
{
	assert_int_equal(create(ORDER, 22000), HS_E_PENDING);
	if (status < 0)
		test_respond_error("TLS handshake failed");
	else
		test_respond(status, body);
	return (created_rc);
}

static void
test_create_errors(void **state)
{
	int	n;

	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(create_answered(-1, NULL), HS_E_UNAVAILABLE);
	assert_int_equal(create_answered(500, "{\"error_code\": "
	    "\"SERVER_ERROR\"}"), HS_E_UNAVAILABLE);
	assert_int_equal(create_answered(503, NULL), HS_E_UNAVAILABLE);
	assert_int_equal(create_answered(429, "{\"error_code\": "
	    "\"RATE_LIMIT_EXCEEDED\"}"), HS_E_UNAVAILABLE);
	assert_int_equal(test_log_err, 0);
	assert_int_equal(create_answered(401, "{\"error_code\": "
	    "\"INVALID_API_KEY\", \"message\": \"API key is not "
	    "authorized\"}"), HS_E_CONFIG);
	assert_int_equal(test_log_err, 1);
	assert_non_null(strstr(test_log, "API key is not authorized"));
	assert_null(strstr(test_log, SECRET));
	assert_int_equal(create_answered(403, NULL), HS_E_CONFIG);
	assert_int_equal(create_answered(400, "{\"error_code\": "
	    "\"API_VALIDATION_ERROR\"}"), HS_E_INVALID);
	assert_int_equal(create_answered(200, "{}"), HS_E_INVALID);
	assert_int_equal(create_answered(200, invoice(INV, "HS-9", "PENDING",
	    22000, NULL)), HS_E_INVALID);
	assert_int_equal(create_answered(200, invoice(INV, ORDER, "PENDING",
	    21000, NULL)), HS_E_INVALID);
	assert_int_equal(create_answered(200, invoice("../../x", ORDER,
	    "PENDING", 22000, NULL)), HS_E_INVALID);
	assert_int_equal(created_calls, 11);

	n = test_nreq;
	test_http_rc = HS_E_UNAVAILABLE;
	assert_int_equal(create(ORDER, 22000), HS_E_UNAVAILABLE);
	test_http_rc = HS_OK;
	assert_int_equal(create(ORDER, 0), HS_E_INVALID);
	assert_int_equal(create("HS\"3001", 100), HS_E_INVALID);
	assert_int_equal(test_nreq, n + 1);
	assert_int_equal(created_calls, 11);
	test_unload();
}

/* ----------------------------------------------------------- callbacks */

static char	cbody[2048];

static const char *
callback(const char *status, const char *amounts)
{
	snprintf(cbody, sizeof(cbody), "{\"id\": \"" INV "\", \"external_id\": "
	    "\"" ORDER "\", \"user_id\": \"5781d19b2e2385880609791c\", "
	    "\"is_high\": false, \"payment_method\": \"BANK_TRANSFER\", "
	    "\"status\": \"%s\", \"merchant_name\": \"PDAM Tirta\", %s, "
	    "\"bank_code\": \"BCA\", \"paid_at\": \"2023-11-14T22:10:00.000Z\", "
	    "\"payment_channel\": \"BCA\", \"payment_destination\": "
	    "\"8808123456789012\", \"currency\": \"IDR\", \"created\": "
	    "\"2023-11-14T21:13:20.000Z\", \"updated\": "
	    "\"2023-11-14T22:10:01.000Z\"}", status, amounts);
	return (cbody);
}

/* Deliver with these headers (NULL values are left out). */
static int
deliver(const char *body, const char *token, const char *webhook_id,
    const char *ts, const char *sig, struct hs_payment_event *ev)
{
	struct hs_http_header	h[5];
	size_t			n = 0;

	h[n].name = "content-type";
	h[n++].value = "application/json";
	if (token != NULL) {
		h[n].name = "x-callback-token";
		h[n++].value = token;
	}
	if (webhook_id != NULL) {
		h[n].name = "webhook-id";
		h[n++].value = webhook_id;
	}
	if (ts != NULL) {
		h[n].name = "x-callback-timestamp";
		h[n++].value = ts;
	}
	if (sig != NULL) {
		h[n].name = "x-callback-signature";
		h[n++].value = sig;
	}
	memset(ev, 0, sizeof(*ev));
	ev->size = sizeof(*ev);
	return (test_ops()->verify_notification(test_pctx(), h, n, body,
	    strlen(body), ev));
}

static void
test_callback_valid(void **state)
{
	struct hs_payment_event	ev;

	(void)state;
	assert_int_equal(load(""), 0);
	callback("PAID", "\"amount\": 22000, \"paid_amount\": 22000");
	assert_int_equal(deliver(cbody, TOKEN, "wh_1a2b3c", NULL, NULL, &ev),
	    HS_OK);
	assert_string_equal(ev.event_id, "wh_1a2b3c");
	assert_string_equal(ev.order_id, ORDER);
	assert_string_equal(ev.provider_ref, INV);
	assert_int_equal(ev.state, HS_PAY_PAID);
	assert_int_equal(ev.amount, 22000);
	/* Without webhook-id: id ":" status. */
	assert_int_equal(deliver(cbody, TOKEN, NULL, NULL, NULL, &ev), HS_OK);
	assert_string_equal(ev.event_id, INV ":PAID");
	/* paid_amount is what came in, when it differs. */
	callback("PAID", "\"amount\": 22000, \"paid_amount\": 21000");
	assert_int_equal(deliver(cbody, TOKEN, "wh_2", NULL, NULL, &ev), HS_OK);
	assert_int_equal(ev.amount, 21000);
	/* No paid_amount (or null): amount. */
	callback("EXPIRED", "\"amount\": 22000");
	assert_int_equal(deliver(cbody, TOKEN, "wh_3", NULL, NULL, &ev), HS_OK);
	assert_int_equal(ev.amount, 22000);
	assert_int_equal(ev.state, HS_PAY_EXPIRED);
	callback("PENDING", "\"amount\": 22000, \"paid_amount\": null");
	assert_int_equal(deliver(cbody, TOKEN, "wh_4", NULL, NULL, &ev), HS_OK);
	assert_int_equal(ev.amount, 22000);
	/* A signature is checked only when signing_key is set. */
	assert_int_equal(deliver(cbody, TOKEN, "wh_5", "1", "00", &ev), HS_OK);
	test_unload();
}

static void
test_callback_refused(void **state)
{
	struct hs_payment_event	ev;

	(void)state;
	assert_int_equal(load(""), 0);
	callback("PAID", "\"amount\": 22000, \"paid_amount\": 22000");
	assert_int_equal(deliver(cbody, NULL, "w1", NULL, NULL, &ev),
	    HS_E_DENIED);
	assert_int_equal(deliver(cbody, "fakepay-callback-token-0003", "w1",
	    NULL, NULL, &ev), HS_E_DENIED);
	assert_int_equal(deliver(cbody, "fakepay-callback-token-000", "w1",
	    NULL, NULL, &ev), HS_E_DENIED);
	assert_int_equal(deliver(cbody, TOKEN "0", "w1", NULL, NULL, &ev),
	    HS_E_DENIED);
	assert_int_equal(deliver(cbody, "", "w1", NULL, NULL, &ev),
	    HS_E_DENIED);
	test_unload();
}

static void
test_callback_malformed(void **state)
{
	struct hs_payment_event	ev;

	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(deliver("", TOKEN, "w", NULL, NULL, &ev),
	    HS_E_INVALID);
	assert_int_equal(deliver("{\"id\": ", TOKEN, "w", NULL, NULL, &ev),
	    HS_E_INVALID);
	callback("PAID", "\"amount\": 22000, \"paid_amount\": 22000.5");
	assert_int_equal(deliver(cbody, TOKEN, "w", NULL, NULL, &ev),
	    HS_E_INVALID);
	/* A bad paid_amount is not replaced by amount. */
	callback("PAID", "\"amount\": 22000, \"paid_amount\": \"lots\"");
	assert_int_equal(deliver(cbody, TOKEN, "w", NULL, NULL, &ev),
	    HS_E_INVALID);
	callback("PAID", "\"amount\": -22000");
	assert_int_equal(deliver(cbody, TOKEN, "w", NULL, NULL, &ev),
	    HS_E_INVALID);
	callback("FAILED", "\"amount\": 22000");
	assert_int_equal(deliver(cbody, TOKEN, "w", NULL, NULL, &ev),
	    HS_E_INVALID);
	callback("paid", "\"amount\": 22000");
	assert_int_equal(deliver(cbody, TOKEN, "w", NULL, NULL, &ev),
	    HS_E_INVALID);
	/* An empty or absurd webhook-id. */
	callback("PAID", "\"amount\": 22000");
	assert_int_equal(deliver(cbody, TOKEN, "", NULL, NULL, &ev),
	    HS_E_INVALID);
	assert_int_equal(deliver(cbody, TOKEN, "a b", NULL, NULL, &ev),
	    HS_E_INVALID);
	test_unload();
}

/* With signing_key: X-Callback-Signature over timestamp "." body. */
static void
test_callback_signed(void **state)
{
	struct hs_payment_event	ev;
	char			ts[32], sig[65], b[2048], *p;

	(void)state;
	assert_int_equal(load("set pay signing_key " SIGNKEY "\n"), 0);
	callback("PAID", "\"amount\": 22000, \"paid_amount\": 22000");
	snprintf(ts, sizeof(ts), "%lld", TEST_NOW_S);
	test_hmac_hex(SIGNKEY, ts, cbody, sig);
	assert_int_equal(deliver(cbody, TOKEN, "w1", ts, sig, &ev), HS_OK);
	assert_int_equal(ev.state, HS_PAY_PAID);
	/* The token is still required. */
	assert_int_equal(deliver(cbody, "wrong-token-0000000000", "w1", ts,
	    sig, &ev), HS_E_DENIED);
	/* Forged: another key. */
	test_hmac_hex("someone-elses-key-000000", ts, cbody, sig);
	assert_int_equal(deliver(cbody, TOKEN, "w1", ts, sig, &ev),
	    HS_E_DENIED);
	/* Tampered: the paid amount raised after signing. */
	test_hmac_hex(SIGNKEY, ts, cbody, sig);
	snprintf(b, sizeof(b), "%s", cbody);
	assert_non_null(p = strstr(b, "\"paid_amount\": 22000"));
	p[15] = '9';
	assert_int_equal(deliver(b, TOKEN, "w1", ts, sig, &ev), HS_E_DENIED);
	/* No timestamp header; another timestamp than signed. */
	assert_int_equal(deliver(cbody, TOKEN, "w1", NULL, sig, &ev),
	    HS_E_DENIED);
	assert_int_equal(deliver(cbody, TOKEN, "w1", "1700000001", sig, &ev),
	    HS_E_DENIED);
	/* Stale, and from the future, though correctly signed. */
	snprintf(ts, sizeof(ts), "%lld", TEST_NOW_S - 301);
	test_hmac_hex(SIGNKEY, ts, cbody, sig);
	assert_int_equal(deliver(cbody, TOKEN, "w1", ts, sig, &ev),
	    HS_E_DENIED);
	snprintf(ts, sizeof(ts), "%lld", TEST_NOW_S + 61);
	test_hmac_hex(SIGNKEY, ts, cbody, sig);
	assert_int_equal(deliver(cbody, TOKEN, "w1", ts, sig, &ev),
	    HS_E_DENIED);
	snprintf(ts, sizeof(ts), "%lld", TEST_NOW_S - 300);
	test_hmac_hex(SIGNKEY, ts, cbody, sig);
	assert_int_equal(deliver(cbody, TOKEN, "w1", ts, sig, &ev), HS_OK);
	/* Signed and fresh, but not JSON. */
	snprintf(ts, sizeof(ts), "%lld", TEST_NOW_S);
	test_hmac_hex(SIGNKEY, ts, "{\"id\"", sig);
	assert_int_equal(deliver("{\"id\"", TOKEN, "w1", ts, sig, &ev),
	    HS_E_INVALID);
	/* No signature at all: the token alone (docs/payments.md). */
	assert_int_equal(deliver(cbody, TOKEN, "w1", NULL, NULL, &ev), HS_OK);
	test_unload();

	/* A shorter max_age is honoured. */
	assert_int_equal(load("set pay signing_key " SIGNKEY "\n"
	    "set pay max_age 60\n"), 0);
	snprintf(ts, sizeof(ts), "%lld", TEST_NOW_S - 61);
	test_hmac_hex(SIGNKEY, ts, cbody, sig);
	assert_int_equal(deliver(cbody, TOKEN, "w1", ts, sig, &ev),
	    HS_E_DENIED);
	test_unload();
}

static const struct {
	const char	*status;
	int		 state;
} states[] = {
	{ "PENDING", HS_PAY_PENDING },
	{ "PAID", HS_PAY_PAID },
	{ "SETTLED", HS_PAY_PAID },
	{ "EXPIRED", HS_PAY_EXPIRED },
};

static void
test_state_mapping(void **state)
{
	struct hs_payment_event	ev;
	size_t			i;

	(void)state;
	assert_int_equal(load(""), 0);
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		callback(states[i].status, "\"amount\": 22000");
		assert_int_equal(deliver(cbody, TOKEN, "w", NULL, NULL, &ev),
		    HS_OK);
		assert_int_equal(ev.state, states[i].state);

		assert_int_equal(test_ops()->status(test_pctx(), ORDER, INV,
		    on_status, &cb_arg), HS_E_PENDING);
		test_respond(200, invoice(INV, ORDER, states[i].status, 22000,
		    NULL));
		assert_int_equal(status_rc, HS_OK);
		assert_int_equal(status_out.state, states[i].state);
	}
	test_unload();
}

static int
status_answered(int status, const char *body)
{
	assert_int_equal(test_ops()->status(test_pctx(), ORDER, INV,
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
	char	auth[256];

	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(status_answered(200, invoice(INV, ORDER, "PAID",
	    22000, ", \"paid_amount\": 22000")), HS_OK);
	assert_string_equal(test_req.method, "GET");
	assert_string_equal(test_req.url, API "/v2/invoices/" INV);
	test_basic(SECRET, "", auth, sizeof(auth));
	assert_string_equal(test_header("Authorization"), auth);
	assert_int_equal(test_req.has_body, 0);
	assert_string_equal(status_out.order_id, ORDER);
	assert_string_equal(status_out.provider_ref, INV);
	assert_int_equal(status_out.state, HS_PAY_PAID);
	assert_int_equal(status_out.amount, 22000);

	assert_int_equal(status_answered(404, "{\"error_code\": "
	    "\"INVOICE_NOT_FOUND_ERROR\"}"), HS_E_INVALID);
	assert_int_equal(status_answered(500, NULL), HS_E_UNAVAILABLE);
	assert_int_equal(status_answered(429, NULL), HS_E_UNAVAILABLE);
	assert_int_equal(status_answered(-1, NULL), HS_E_UNAVAILABLE);
	assert_int_equal(status_answered(401, NULL), HS_E_CONFIG);
	assert_int_equal(status_answered(200, "<html>"), HS_E_INVALID);
	/* Another invoice than the one asked about. */
	assert_int_equal(status_answered(200, invoice("0123456789abcdef01234567",
	    ORDER, "PAID", 22000, NULL)), HS_E_INVALID);
	assert_int_equal(status_calls, 8);
	/* Status needs the invoice id. */
	assert_int_equal(test_ops()->status(test_pctx(), ORDER, NULL,
	    on_status, &cb_arg), HS_E_INVALID);
	assert_int_equal(test_ops()->status(test_pctx(), ORDER, "../x",
	    on_status, &cb_arg), HS_E_INVALID);
	assert_int_equal(status_calls, 8);
	test_unload();
}

static void
test_cancel(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	/* HS_OK, not HS_E_PENDING: see xendit_cancel. */
	assert_int_equal(test_ops()->cancel(test_pctx(), ORDER, INV,
	    on_status, &cb_arg), HS_OK);
	assert_int_equal(status_calls, 0);
	assert_string_equal(test_req.method, "POST");
	assert_string_equal(test_req.url, API "/invoices/" INV "/expire!");
	test_respond(200, invoice(INV, ORDER, "EXPIRED", 22000, NULL));
	assert_int_equal(status_calls, 1);
	assert_int_equal(status_rc, HS_OK);
	assert_int_equal(status_out.state, HS_PAY_EXPIRED);

	assert_int_equal(test_ops()->cancel(test_pctx(), ORDER, INV, NULL,
	    NULL), HS_OK);
	test_respond(404, NULL);
	assert_int_equal(status_calls, 1);
	assert_int_equal(test_ops()->cancel(test_pctx(), ORDER, NULL,
	    on_status, &cb_arg), HS_E_INVALID);
	test_unload();
}

static void
test_init_refusals(void **state)
{
	(void)state;
	assert_int_equal(test_load("plugin pay payment "
	    "%s/plugins/payment/xendit.so\nset pay api_url " API "\n"
	    "set pay secret_key xnd_short\nset pay callback_token " TOKEN "\n",
	    HS_TEST_BUILD), -2);
	assert_non_null(strstr(test_log, "secret_key must be"));
	assert_int_equal(test_log_err, 1);
	assert_int_equal(test_load("plugin pay payment "
	    "%s/plugins/payment/xendit.so\nset pay api_url " API "\n"
	    "set pay secret_key " SECRET "\nset pay callback_token abc\n",
	    HS_TEST_BUILD), -2);
	assert_non_null(strstr(test_log, "callback_token must be"));
	assert_int_equal(load("set pay signing_key short\n"), -2);
	assert_non_null(strstr(test_log, "signing_key must be"));
	assert_int_equal(load("set pay invoice_duration 10\n"), -2);
	assert_int_equal(load("set pay max_age -1\n"), -2);
	assert_int_equal(test_load("plugin pay payment "
	    "%s/plugins/payment/xendit.so\nset pay api_url " API "\n"
	    "set pay secret_key " SECRET "\n", HS_TEST_BUILD), -1);
	assert_non_null(strstr(test_err, "missing required setting "
	    "'callback_token'"));
	assert_int_equal(load(""), 0);
	assert_string_equal(test_slot.desc->name, "xendit");
	assert_string_equal(test_slot.desc->version, "1.0");
	test_unload();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_request),
		cmocka_unit_test(test_create_fields),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_callback_valid),
		cmocka_unit_test(test_callback_refused),
		cmocka_unit_test(test_callback_malformed),
		cmocka_unit_test(test_callback_signed),
		cmocka_unit_test(test_state_mapping),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_init_refusals),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
