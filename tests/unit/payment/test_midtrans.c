/*
 * The Midtrans payment plugin through the real loader and a fake host:
 * the Snap create request (HTTP Basic, X-Override-Notification, the JSON
 * fields), its reply and its failures ("already been taken" included),
 * notifications verified by signature_key (valid, forged, tampered,
 * unsigned, malformed, fractional amounts), every documented state,
 * status (signed) and cancel.  Expected signatures are computed here
 * with OpenSSL.
 *
 * Midtrans notifications carry no timestamp, so there is no staleness
 * to test: a replayed notification is the same event (same
 * transaction_id and status), which the core de-duplicates.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pay_test.h"

#define KEY	"SB-Mid-server-TESTKEY0123456789"
#define SNAP	"https://app.sandbox.midtrans.test"
#define API	"https://api.sandbox.midtrans.test"
#define ORDER	"HS-2001"
#define TXID	"9aed5972-5b6a-401e-894b-a32c91ed1a3a"

static int
load(const char *extra)
{
	return (test_load("plugin pay payment %s/plugins/payment/midtrans.so\n"
	    "set pay snap_url " SNAP "\nset pay api_url " API "/\n"
	    "set pay server_key " KEY "\n%s", HS_TEST_BUILD, extra));
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

static void
test_create_request(void **state)
{
	char	auth[256];

	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(create(ORDER, 12500), HS_E_PENDING);
	assert_int_equal(created_calls, 0);
	assert_string_equal(test_req.method, "POST");
	assert_string_equal(test_req.url, SNAP "/snap/v1/transactions");
	/* HTTP Basic: the server key as user name, an empty password. */
	test_basic(KEY, "", auth, sizeof(auth));
	assert_string_equal(test_header("Authorization"), auth);
	assert_string_equal(auth, "Basic U0ItTWlkLXNlcnZlci1URVNUS0VZMDEy"
	    "MzQ1Njc4OTo=");
	assert_string_equal(test_header("X-Override-Notification"),
	    "https://hs.example.id/api/v1/payments/pay/notify");
	assert_string_equal(test_header("Content-Type"), "application/json");
	assert_string_equal(test_header("Accept"), "application/json");
	assert_int_equal(pjson_valid(test_req.body, test_req.body_len), 0);
	assert_string_equal(test_body_str("transaction_details.order_id"),
	    ORDER);
	assert_int_equal(test_body_int("transaction_details.gross_amount"),
	    12500);
	assert_string_equal(test_body_str("customer_details.first_name"),
	    "Siti Aminah");
	assert_string_equal(test_body_str("customer_details.phone"),
	    "+6281234567890");
	assert_string_equal(test_body_str("customer_details.email"),
	    "siti@example.id");
	assert_string_equal(test_body_str("item_details.0.id"), "token");
	assert_int_equal(test_body_int("item_details.0.price"), 12500);
	assert_int_equal(test_body_int("item_details.0.quantity"), 1);
	assert_string_equal(test_body_str("item_details.0.name"),
	    "Token listrik HS-1001");
	assert_int_equal(pjson_type(test_req.body, test_req.body_len,
	    "item_details.1"), -1);
	assert_string_equal(test_body_str("expiry.unit"), "minutes");
	assert_int_equal(test_body_int("expiry.duration"), 60);
	assert_string_equal(test_body_str("callbacks.finish"),
	    "https://hs.example.id/pay/return?order=HS-1001");

	test_respond(201, "{\"token\": \"66e4fa55-fdac-4ef9-91b5-733b97d1b862\","
	    " \"redirect_url\": \"https://app.sandbox.midtrans.test/snap/v2/"
	    "vtweb/66e4fa55-fdac-4ef9-91b5-733b97d1b862\"}");
	assert_int_equal(created_calls, 1);
	assert_int_equal(created_rc, HS_OK);
	assert_int_equal(created_out.action, HS_PAY_ACTION_REDIRECT);
	assert_string_equal(created_out.redirect_url, "https://app.sandbox."
	    "midtrans.test/snap/v2/vtweb/66e4fa55-fdac-4ef9-91b5-733b97d1b862");
	/* The Snap token is not the transaction id (see midtrans.c). */
	assert_string_equal(created_out.provider_ref, "");
	assert_int_equal(created_out.expires_at_ms, TEST_NOW_MS + 60 * 60000);
	test_unload();
}

/* What we do not know is left out; long names are cut by character. */
static void
test_create_fields(void **state)
{
	struct hs_payment_create	in = test_create_in(ORDER, 7000);
	char				name[64];

	(void)state;
	assert_int_equal(load("set pay expiry_minutes 15\n"), 0);
	in.customer_phone = NULL;
	in.customer_email = NULL;
	in.return_url = NULL;
	in.notify_url = NULL;
	/* 45 ASCII, then 10 two-byte characters: 55 characters. */
	in.description = "Token air PDAM Tirta Kencana untuk pelanggan "
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9";
	assert_int_equal(create_in(&in), HS_E_PENDING);
	assert_null(test_header("X-Override-Notification"));
	assert_int_equal(pjson_valid(test_req.body, test_req.body_len), 0);
	assert_string_equal(test_body_str("customer_details.first_name"),
	    "Siti Aminah");
	assert_int_equal(pjson_type(test_req.body, test_req.body_len,
	    "customer_details.phone"), -1);
	assert_int_equal(pjson_type(test_req.body, test_req.body_len,
	    "customer_details.email"), -1);
	assert_int_equal(pjson_type(test_req.body, test_req.body_len,
	    "callbacks"), -1);
	assert_int_equal(test_body_int("expiry.duration"), 15);
	assert_true((size_t)snprintf(name, sizeof(name), "%s",
	    test_body_str("item_details.0.name")) < sizeof(name));
	/* 50 characters: 45 + 5 whole two-byte ones. */
	assert_int_equal(strlen(name), 45 + 5 * 2);
	assert_memory_equal(name, in.description, strlen(name));
	test_respond(201, "{\"token\": \"t\", \"redirect_url\": "
	    "\"https://app.sandbox.midtrans.test/snap/v2/vtweb/t\"}");
	assert_int_equal(created_rc, HS_OK);
	assert_int_equal(created_out.expires_at_ms, TEST_NOW_MS + 15 * 60000);

	/* Nobody at all: no customer_details. */
	in.customer_name = NULL;
	in.description = "Token \"air\"";
	assert_int_equal(create_in(&in), HS_E_PENDING);
	assert_int_equal(pjson_type(test_req.body, test_req.body_len,
	    "customer_details"), -1);
	assert_string_equal(test_body_str("item_details.0.name"),
	    "Token \"air\"");
	test_respond_error("timeout");
	test_unload();
}

static int
create_answered(int status, const char *body)
{
	assert_int_equal(create(ORDER, 12500), HS_E_PENDING);
	if (status < 0)
		test_respond_error("connection refused");
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
	/* A retried create after a lost answer: ask for status later. */
	assert_int_equal(create_answered(400, "{\"error_messages\": "
	    "[\"transaction_details.order_id has already been taken\"]}"),
	    HS_E_UNAVAILABLE);
	assert_int_equal(create_answered(400, "{\"error_messages\": "
	    "[\"transaction_details.gross_amount is required\"]}"),
	    HS_E_INVALID);
	assert_non_null(strstr(test_log, "gross_amount is required"));
	assert_int_equal(test_log_err, 0);
	assert_int_equal(create_answered(401, "{\"error_messages\": "
	    "[\"Access denied due to unauthorized transaction\"]}"),
	    HS_E_CONFIG);
	assert_int_equal(test_log_err, 1);
	assert_null(strstr(test_log, KEY));
	assert_int_equal(create_answered(500, NULL), HS_E_UNAVAILABLE);
	assert_int_equal(create_answered(502, "<html>"), HS_E_UNAVAILABLE);
	assert_int_equal(create_answered(429, NULL), HS_E_UNAVAILABLE);
	assert_int_equal(create_answered(-1, NULL), HS_E_UNAVAILABLE);
	assert_int_equal(create_answered(201, "{\"token\": \"t\"}"),
	    HS_E_INVALID);
	assert_int_equal(create_answered(201, "{\"token\": \"t\", "
	    "\"redirect_url\": \"data:text/html,x\"}"), HS_E_INVALID);
	assert_int_equal(create_answered(201, "<html>"), HS_E_INVALID);
	assert_int_equal(created_calls, 10);

	n = test_nreq;
	test_http_rc = HS_E_UNAVAILABLE;
	assert_int_equal(create(ORDER, 12500), HS_E_UNAVAILABLE);
	test_http_rc = HS_OK;
	assert_int_equal(create(ORDER, 0), HS_E_INVALID);
	assert_int_equal(create("HS 2001", 100), HS_E_INVALID);
	assert_int_equal(create("HS-20010000000000000000000000000000000000000000"
	    "00000", 100), HS_E_INVALID);
	assert_int_equal(test_nreq, n + 1);
	assert_int_equal(created_calls, 10);
	test_unload();
}

/* ------------------------------------------------------- notifications */

static char	nbody[2048];

/*
 * A notification as Midtrans sends it, signed with key over order_id,
 * status_code and gross_amount.
 */
static const char *
notification(const char *key, const char *order, const char *status,
    const char *code, const char *gross, const char *fraud)
{
	char	msg[512], sig[129];

	snprintf(msg, sizeof(msg), "%s%s%s%s", order, code, gross, key);
	test_sha512_hex(msg, sig);
	snprintf(nbody, sizeof(nbody), "{\"transaction_time\": "
	    "\"2023-11-15 05:13:20\", \"transaction_status\": \"%s\", "
	    "\"transaction_id\": \"" TXID "\", \"status_message\": "
	    "\"midtrans payment notification\", \"status_code\": \"%s\", "
	    "\"signature_key\": \"%s\", \"payment_type\": \"bank_transfer\", "
	    "\"order_id\": \"%s\", \"merchant_id\": \"G141532850\", "
	    "\"gross_amount\": \"%s\"%s%s%s, \"currency\": \"IDR\"}", status,
	    code, sig, order, gross, fraud ? ", \"fraud_status\": \"" : "",
	    fraud ? fraud : "", fraud ? "\"" : "");
	return (nbody);
}

static int
deliver(const char *body, struct hs_payment_event *ev)
{
	struct hs_http_header	h[1] = { { "content-type",
	    "application/json" } };

	memset(ev, 0, sizeof(*ev));
	ev->size = sizeof(*ev);
	return (test_ops()->verify_notification(test_pctx(), h, 1, body,
	    strlen(body), ev));
}

static void
test_notify_valid(void **state)
{
	struct hs_payment_event	ev;
	char			*p;

	(void)state;
	assert_int_equal(load(""), 0);
	notification(KEY, ORDER, "settlement", "200", "12500.00", "accept");
	assert_int_equal(deliver(nbody, &ev), HS_OK);
	assert_string_equal(ev.event_id, TXID ":settlement");
	assert_string_equal(ev.order_id, ORDER);
	assert_string_equal(ev.provider_ref, TXID);
	assert_int_equal(ev.state, HS_PAY_PAID);
	assert_int_equal(ev.amount, 12500);
	assert_int_equal(ev.size, sizeof(ev));
	/* The same transaction's next status: another event id. */
	notification(KEY, ORDER, "pending", "201", "12500.00", NULL);
	assert_int_equal(deliver(nbody, &ev), HS_OK);
	assert_string_equal(ev.event_id, TXID ":pending");
	assert_int_equal(ev.state, HS_PAY_PENDING);
	/* Hex in upper case is the same signature. */
	notification(KEY, ORDER, "settlement", "200", "12500.00", NULL);
	assert_non_null(p = strstr(nbody, "\"signature_key\": \""));
	for (p += 18; *p != '"'; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_int_equal(deliver(nbody, &ev), HS_OK);
	test_unload();
}

static void
test_notify_refused(void **state)
{
	struct hs_payment_event	ev;
	char			b[2048], *p;

	(void)state;
	assert_int_equal(load(""), 0);
	/* Forged: signed with another server key. */
	notification("SB-Mid-server-SOMEONEELSE0000", ORDER, "settlement",
	    "200", "12500.00", "accept");
	assert_int_equal(deliver(nbody, &ev), HS_E_DENIED);
	/* Tampered: the amount changed after signing. */
	notification(KEY, ORDER, "settlement", "200", "12500.00", "accept");
	snprintf(b, sizeof(b), "%s", nbody);
	assert_non_null(p = strstr(b, "\"12500.00\""));
	p[1] = '9';
	assert_int_equal(deliver(b, &ev), HS_E_DENIED);
	/* Tampered: another order. */
	snprintf(b, sizeof(b), "%s", nbody);
	assert_non_null(p = strstr(b, "\"" ORDER "\""));
	p[6] = '9';
	assert_int_equal(deliver(b, &ev), HS_E_DENIED);
	/* Tampered: another status code. */
	snprintf(b, sizeof(b), "%s", nbody);
	assert_non_null(p = strstr(b, "\"status_code\": \"200\""));
	p[17] = '1';
	assert_int_equal(deliver(b, &ev), HS_E_DENIED);
	/* Missing, empty, short, not hex. */
	assert_int_equal(deliver("{\"transaction_status\": \"settlement\", "
	    "\"transaction_id\": \"t\", \"status_code\": \"200\", "
	    "\"order_id\": \"" ORDER "\", \"gross_amount\": \"12500.00\"}",
	    &ev), HS_E_DENIED);
	snprintf(b, sizeof(b), "%s", nbody);
	assert_non_null(p = strstr(b, "\"signature_key\": \""));
	p[18] = '"';		/* "signature_key": "" followed by junk */
	assert_int_equal(deliver(b, &ev), HS_E_INVALID);
	snprintf(b, sizeof(b), "%s", nbody);
	assert_non_null(p = strstr(b, "\"signature_key\": \""));
	p[18] = 'z';
	assert_int_equal(deliver(b, &ev), HS_E_DENIED);
	/* A signed field missing: nothing to verify. */
	assert_int_equal(deliver("{\"signature_key\": \"00\", "
	    "\"order_id\": \"" ORDER "\"}", &ev), HS_E_DENIED);
	/* The integration test's forgery: all zeros. */
	snprintf(b, sizeof(b), "{\"transaction_status\": \"settlement\", "
	    "\"transaction_id\": \"forged-1\", \"status_code\": \"200\", "
	    "\"signature_key\": \"%0128d\", \"order_id\": \"" ORDER "\", "
	    "\"gross_amount\": \"12500.00\", \"fraud_status\": \"accept\"}", 7);
	assert_int_equal(deliver(b, &ev), HS_E_DENIED);
	test_unload();
}

static void
test_notify_malformed(void **state)
{
	struct hs_payment_event	ev;
	char			b[4096], *p;

	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(deliver("", &ev), HS_E_INVALID);
	assert_int_equal(deliver("{\"order_id\": ", &ev), HS_E_INVALID);
	assert_int_equal(deliver("transaction_status=settlement", &ev),
	    HS_E_INVALID);
	notification(KEY, ORDER, "settlement", "200", "12500.00", NULL);
	snprintf(b, sizeof(b), "%s}", nbody);
	assert_int_equal(deliver(b, &ev), HS_E_INVALID);
	/* Signed, but the amount is not whole rupiah. */
	notification(KEY, ORDER, "settlement", "200", "12500.50", NULL);
	assert_int_equal(deliver(nbody, &ev), HS_E_INVALID);
	notification(KEY, ORDER, "settlement", "200", "-12500.00", NULL);
	assert_int_equal(deliver(nbody, &ev), HS_E_INVALID);
	notification(KEY, ORDER, "settlement", "200", "1.25e4", NULL);
	assert_int_equal(deliver(nbody, &ev), HS_E_INVALID);
	/* Signed, but a status Midtrans does not have. */
	notification(KEY, ORDER, "paid", "200", "12500.00", NULL);
	assert_int_equal(deliver(nbody, &ev), HS_E_INVALID);
	/* Signed, but no transaction id. */
	notification(KEY, ORDER, "settlement", "200", "12500.00", NULL);
	assert_non_null(p = strstr(nbody, "\"transaction_id\""));
	memcpy(p, "\"transaction_xx\"", 16);
	assert_int_equal(deliver(nbody, &ev), HS_E_INVALID);
	/* "12500" and "12500.0" are whole rupiah too. */
	notification(KEY, ORDER, "settlement", "200", "12500", NULL);
	assert_int_equal(deliver(nbody, &ev), HS_OK);
	assert_int_equal(ev.amount, 12500);
	test_unload();
}

static const struct {
	const char	*status;
	const char	*fraud;		/* NULL: no fraud_status */
	int		 state;
} states[] = {
	{ "settlement", NULL, HS_PAY_PAID },
	{ "settlement", "accept", HS_PAY_PAID },
	{ "capture", "accept", HS_PAY_PAID },
	{ "capture", "challenge", HS_PAY_PENDING },
	{ "capture", NULL, HS_PAY_PENDING },
	{ "pending", NULL, HS_PAY_PENDING },
	{ "authorize", NULL, HS_PAY_PENDING },
	{ "deny", NULL, HS_PAY_FAILED },
	{ "failure", NULL, HS_PAY_FAILED },
	{ "expire", NULL, HS_PAY_EXPIRED },
	{ "cancel", NULL, HS_PAY_CANCELLED },
	{ "refund", NULL, HS_PAY_REFUNDED },
	{ "partial_refund", NULL, HS_PAY_REFUNDED },
	{ "chargeback", NULL, HS_PAY_REFUNDED },
};

static void
test_state_mapping(void **state)
{
	struct hs_payment_event	ev;
	size_t			i;

	(void)state;
	assert_int_equal(load(""), 0);
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		notification(KEY, ORDER, states[i].status, "200", "12500.00",
		    states[i].fraud);
		assert_int_equal(deliver(nbody, &ev), HS_OK);
		if (ev.state != states[i].state)
			fail_msg("%s/%s: state %d, want %d", states[i].status,
			    states[i].fraud ? states[i].fraud : "-", ev.state,
			    states[i].state);
		/* transaction_id ":" transaction_status */
		assert_memory_equal(ev.event_id, TXID ":", strlen(TXID) + 1);
		assert_string_equal(ev.event_id + strlen(TXID) + 1,
		    states[i].status);

		assert_int_equal(test_ops()->status(test_pctx(), ORDER, NULL,
		    on_status, &cb_arg), HS_E_PENDING);
		test_respond(200, nbody);
		assert_int_equal(status_rc, HS_OK);
		assert_int_equal(status_out.state, states[i].state);
	}
	test_unload();
}

static int
status_answered(int status, const char *body)
{
	assert_int_equal(test_ops()->status(test_pctx(), ORDER, NULL,
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
	char	auth[256], b[2048], *p;

	(void)state;
	assert_int_equal(load(""), 0);
	notification(KEY, ORDER, "settlement", "200", "21000.00", "accept");
	assert_int_equal(status_answered(200, nbody), HS_OK);
	assert_string_equal(test_req.method, "GET");
	assert_string_equal(test_req.url, API "/v2/" ORDER "/status");
	test_basic(KEY, "", auth, sizeof(auth));
	assert_string_equal(test_header("Authorization"), auth);
	assert_int_equal(test_req.has_body, 0);
	assert_string_equal(status_out.order_id, ORDER);
	assert_string_equal(status_out.provider_ref, TXID);
	assert_int_equal(status_out.state, HS_PAY_PAID);
	assert_int_equal(status_out.amount, 21000);

	/* Unknown order: HTTP 404, or HTTP 200 with status_code 404. */
	assert_int_equal(status_answered(404, "{\"status_code\": \"404\", "
	    "\"status_message\": \"Transaction doesn't exist.\"}"),
	    HS_E_INVALID);
	assert_int_equal(status_answered(200, "{\"status_code\": \"404\", "
	    "\"status_message\": \"Transaction doesn't exist.\"}"),
	    HS_E_INVALID);
	assert_int_equal(status_answered(200, "{\"status_code\": \"500\"}"),
	    HS_E_UNAVAILABLE);
	assert_int_equal(status_answered(200, "{\"status_code\": \"401\"}"),
	    HS_E_CONFIG);
	assert_int_equal(status_answered(500, NULL), HS_E_UNAVAILABLE);
	assert_int_equal(status_answered(429, NULL), HS_E_UNAVAILABLE);
	assert_int_equal(status_answered(-1, NULL), HS_E_UNAVAILABLE);
	assert_int_equal(status_answered(401, NULL), HS_E_CONFIG);
	/* A status must be signed, and signed by our key. */
	assert_int_equal(status_answered(200, "{\"status_code\": \"200\", "
	    "\"transaction_status\": \"settlement\", \"transaction_id\": "
	    "\"t\", \"order_id\": \"" ORDER "\", \"gross_amount\": "
	    "\"12500.00\"}"), HS_E_DENIED);
	notification("SB-Mid-server-SOMEONEELSE0000", ORDER, "settlement",
	    "200", "12500.00", NULL);
	assert_int_equal(status_answered(200, nbody), HS_E_DENIED);
	notification(KEY, ORDER, "settlement", "200", "12500.00", NULL);
	snprintf(b, sizeof(b), "%s", nbody);
	assert_non_null(p = strstr(b, "\"12500.00\""));
	p[1] = '9';
	assert_int_equal(status_answered(200, b), HS_E_DENIED);
	/* Signed, but about another order. */
	notification(KEY, "HS-2002", "settlement", "200", "12500.00", NULL);
	assert_int_equal(status_answered(200, nbody), HS_E_INVALID);
	assert_int_equal(status_answered(200, "not json"), HS_E_INVALID);
	assert_int_equal(status_calls, 14);
	assert_int_equal(test_ops()->status(test_pctx(), "HS/2001", NULL,
	    on_status, &cb_arg), HS_E_INVALID);
	assert_int_equal(status_calls, 14);
	test_unload();
}

static void
test_cancel(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	/* HS_OK, not HS_E_PENDING: see midtrans_cancel. */
	assert_int_equal(test_ops()->cancel(test_pctx(), ORDER, NULL,
	    on_status, &cb_arg), HS_OK);
	assert_int_equal(status_calls, 0);
	assert_string_equal(test_req.method, "POST");
	assert_string_equal(test_req.url, API "/v2/" ORDER "/cancel");
	notification(KEY, ORDER, "cancel", "200", "12500.00", NULL);
	test_respond(200, nbody);
	assert_int_equal(status_calls, 1);
	assert_int_equal(status_rc, HS_OK);
	assert_int_equal(status_out.state, HS_PAY_CANCELLED);

	/* The Core API's own cancel reply carries no signature_key. */
	assert_int_equal(test_ops()->cancel(test_pctx(), ORDER, NULL,
	    on_status, &cb_arg), HS_OK);
	test_respond(200, "{\"status_code\": \"200\", \"status_message\": "
	    "\"Success, transaction is canceled\", \"transaction_id\": \""
	    TXID "\", \"order_id\": \"" ORDER "\", \"gross_amount\": "
	    "\"12500.00\", \"payment_type\": \"bank_transfer\", "
	    "\"transaction_status\": \"cancel\"}");
	assert_int_equal(status_rc, HS_OK);
	assert_int_equal(status_out.state, HS_PAY_CANCELLED);
	assert_string_equal(status_out.provider_ref, TXID);

	/* Too late to cancel. */
	assert_int_equal(test_ops()->cancel(test_pctx(), ORDER, NULL,
	    on_status, &cb_arg), HS_OK);
	test_respond(412, "{\"status_code\": \"412\", \"status_message\": "
	    "\"Merchant cannot modify the status of the transaction\"}");
	assert_int_equal(status_rc, HS_E_INVALID);
	assert_int_equal(test_ops()->cancel(test_pctx(), ORDER, NULL,
	    on_status, &cb_arg), HS_OK);
	test_respond(200, "{\"status_code\": \"412\"}");
	assert_int_equal(status_rc, HS_E_INVALID);

	/* done may be NULL. */
	assert_int_equal(test_ops()->cancel(test_pctx(), ORDER, NULL, NULL,
	    NULL), HS_OK);
	test_respond(500, NULL);
	assert_int_equal(status_calls, 4);
	test_unload();
}

static void
test_init_refusals(void **state)
{
	(void)state;
	assert_int_equal(test_load("plugin pay payment "
	    "%s/plugins/payment/midtrans.so\nset pay snap_url " SNAP "\n"
	    "set pay api_url " API "\nset pay server_key SB-Mid-short\n",
	    HS_TEST_BUILD), -2);
	assert_non_null(strstr(test_log, "server_key must be"));
	assert_int_equal(test_log_err, 1);
	assert_int_equal(test_load("plugin pay payment "
	    "%s/plugins/payment/midtrans.so\nset pay snap_url app.midtrans.com\n"
	    "set pay api_url " API "\nset pay server_key " KEY "\n",
	    HS_TEST_BUILD), -2);
	assert_non_null(strstr(test_log, "snap_url"));
	assert_int_equal(load("set pay expiry_minutes 0\n"), -2);
	assert_int_equal(load("set pay expiry_minutes ten\n"), -2);
	assert_non_null(strstr(test_log, "expiry_minutes"));
	assert_int_equal(test_load("plugin pay payment "
	    "%s/plugins/payment/midtrans.so\nset pay snap_url " SNAP "\n"
	    "set pay server_key " KEY "\n", HS_TEST_BUILD), -1);
	assert_non_null(strstr(test_err, "missing required setting "
	    "'api_url'"));
	assert_int_equal(load(""), 0);
	assert_string_equal(test_slot.desc->name, "midtrans");
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
