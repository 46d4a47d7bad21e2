/*
 * The webhook transport, loaded through the real loader with a fake host
 * (fake_host.c): the exact request, the signature recomputed with OpenSSL,
 * both signatures during a rotation, a stable event id across retries,
 * the mapping of HTTP outcomes, and what the plugin refuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_host.h"

#define SECRET		"whsec-current-0123456789abcdef01234567"
#define PREVIOUS	"whsec-previous-fedcba9876543210fedcba98"
#define URL		"https://erp.example.co.id/hooks/hydrosync?t=1"
#define ID		"msg-4242"
#define TYPE		"token.issued"
#define BODY		"{\"type\": \"token.issued\", " \
			"\"utility\": \"pdam-tirta\", \"customer\": " \
			"\"1001\", " \
			"\"data\": {\"token\": \"12345678901234567890\"}}"
/* fake_now_ms after fake_load, in seconds. */
#define TS		"1795340000"

static int
load_plain(void)
{
	return (fake_load("set hook secret %s\n", SECRET));
}

/* Every header, in order, with its exact value; nothing else is sent. */
static void
test_request_exact(void **state)
{
	char	sig[80];

	(void)state;
	assert_int_equal(load_plain(), 0);
	assert_string_equal(fake_ops()->channel, "webhook");
	assert_null(fake_ops()->verify_status);
	assert_int_equal(fake_send(ID, URL, TYPE, BODY), HS_E_PENDING);
	assert_int_equal(fake_requests, 1);
	assert_int_equal(fake_deliveries, 0);	/* not before the answer */

	assert_string_equal(fake_req.method, "POST");
	assert_string_equal(fake_req.url, URL);
	assert_int_equal(fake_req.timeout_ms, 5000);
	assert_int_equal(fake_req.body_len, strlen(BODY));
	assert_memory_equal(fake_req.body, BODY, strlen(BODY));
	assert_int_equal(fake_req.nheaders, 6);
	assert_string_equal(fake_req.names[0], "Content-Type");
	assert_string_equal(fake_req.values[0], "application/json");
	assert_string_equal(fake_req.names[1], "HydroSync-Event-Id");
	assert_string_equal(fake_req.values[1], ID);
	assert_string_equal(fake_req.names[2], "HydroSync-Event-Type");
	assert_string_equal(fake_req.values[2], TYPE);
	assert_string_equal(fake_req.names[3], "HydroSync-Timestamp");
	assert_string_equal(fake_req.values[3], TS);
	assert_string_equal(fake_req.names[4], "HydroSync-Signature");
	memcpy(sig, "v1=", 3);
	fake_hmac_hex(SECRET, TS, ID, BODY, strlen(BODY), sig + 3);
	assert_string_equal(fake_req.values[4], sig);
	assert_string_equal(fake_req.names[5], "User-Agent");
	assert_string_equal(fake_req.values[5], "HydroSync-Webhook/1.0");

	fake_answer(200, HS_OK, NULL, NULL);
	assert_int_equal(fake_deliveries, 1);
	assert_int_equal(fake_delivery.result, HS_OK);
	assert_int_equal(fake_delivery.retry_after_ms, 0);
	fake_unload();
}

/*
 * The signature over timestamp "." id "." body, recomputed from what was
 * sent; non-ASCII bytes in the body are signed as they are.
 */
static void
test_signature_recomputed(void **state)
{
	static const char	body[] = "{\"note\": \"Rp52.500 "
	    "\xe2\x80\x94 ok\"}";
	struct hs_message	msg;
	const char		*ts, *sig;
	char			want[65], other[65];

	(void)state;
	assert_int_equal(load_plain(), 0);
	fake_now_ms = 1700000000999LL;
	assert_int_equal(fake_send("msg-7", "http://127.0.0.1:9/hook",
	    "payment.received", body), HS_E_PENDING);
	assert_non_null(ts = fake_header("HydroSync-Timestamp"));
	assert_string_equal(ts, "1700000000");	/* whole seconds */
	assert_non_null(sig = fake_header("HydroSync-Signature"));
	assert_int_equal(strlen(sig), 3 + 64);
	assert_memory_equal(sig, "v1=", 3);
	fake_hmac_hex(SECRET, ts, "msg-7", body, strlen(body), want);
	assert_string_equal(sig + 3, want);
	/* Any change to timestamp, id or key changes it. */
	fake_hmac_hex(SECRET, "1700000001", "msg-7", body, strlen(body),
	    other);
	assert_string_not_equal(other, want);
	fake_hmac_hex(SECRET, ts, "msg-8", body, strlen(body), other);
	assert_string_not_equal(other, want);
	fake_hmac_hex(PREVIOUS, ts, "msg-7", body, strlen(body), other);
	assert_string_not_equal(other, want);
	fake_answer(204, HS_OK, NULL, NULL);
	assert_int_equal(fake_delivery.result, HS_OK);

	/* Without a done callback nothing can be reported: refused. */
	memset(&msg, 0, sizeof(msg));
	msg.size = sizeof(msg);
	msg.message_id = "msg-7";
	msg.recipient = "http://127.0.0.1:9/hook";
	msg.subject = "payment.received";
	msg.body = body;
	msg.body_len = strlen(body);
	assert_int_equal(fake_ops()->send(fake_slot.pctx, &msg, NULL, NULL),
	    HS_E_INVALID);
	assert_int_equal(fake_requests, 1);
	fake_unload();
}

/* While secret_previous is set, both signatures: current first. */
static void
test_rotation_two_signatures(void **state)
{
	char	want[160], cur[65], old[65];

	(void)state;
	assert_int_equal(fake_load("set hook secret %s\n"
	    "set hook secret_previous %s\n", SECRET, PREVIOUS), 0);
	assert_int_equal(fake_send(ID, URL, TYPE, BODY), HS_E_PENDING);
	fake_hmac_hex(SECRET, TS, ID, BODY, strlen(BODY), cur);
	fake_hmac_hex(PREVIOUS, TS, ID, BODY, strlen(BODY), old);
	snprintf(want, sizeof(want), "v1=%s,v1=%s", cur, old);
	assert_string_equal(fake_header("HydroSync-Signature"), want);
	fake_answer(200, HS_OK, NULL, NULL);
	fake_unload();

	/* An emptied secret_previous ends the rotation. */
	setenv("HS_TEST_WH_PREVIOUS", "", 1);
	assert_int_equal(fake_load("set hook secret %s\n"
	    "set hook secret_previous env:HS_TEST_WH_PREVIOUS\n", SECRET), 0);
	assert_int_equal(fake_send(ID, URL, TYPE, BODY), HS_E_PENDING);
	snprintf(want, sizeof(want), "v1=%s", cur);
	assert_string_equal(fake_header("HydroSync-Signature"), want);
	fake_answer(200, HS_OK, NULL, NULL);
	fake_unload();
	unsetenv("HS_TEST_WH_PREVIOUS");
}

/* A retry of the same message: the same event id, a fresh timestamp. */
static void
test_event_id_stable(void **state)
{
	char	first_ts[32], first_sig[80], want[65];

	(void)state;
	assert_int_equal(load_plain(), 0);
	assert_int_equal(fake_send(ID, URL, TYPE, BODY), HS_E_PENDING);
	assert_string_equal(fake_header("HydroSync-Event-Id"), ID);
	snprintf(first_ts, sizeof(first_ts), "%s",
	    fake_header("HydroSync-Timestamp"));
	snprintf(first_sig, sizeof(first_sig), "%s",
	    fake_header("HydroSync-Signature"));
	fake_answer(503, HS_OK, NULL, NULL);
	assert_int_equal(fake_delivery.result, HS_E_UNAVAILABLE);

	fake_now_ms += 4000;			/* the core's backoff */
	assert_int_equal(fake_send(ID, URL, TYPE, BODY), HS_E_PENDING);
	assert_int_equal(fake_requests, 2);
	assert_string_equal(fake_header("HydroSync-Event-Id"), ID);
	assert_string_equal(fake_header("HydroSync-Timestamp"), "1795340004");
	assert_string_not_equal(fake_header("HydroSync-Timestamp"), first_ts);
	assert_string_not_equal(fake_header("HydroSync-Signature"), first_sig);
	fake_hmac_hex(SECRET, "1795340004", ID, BODY, strlen(BODY), want);
	assert_string_equal(fake_header("HydroSync-Signature") + 3, want);
	fake_answer(200, HS_OK, NULL, NULL);
	assert_int_equal(fake_delivery.result, HS_OK);
	assert_int_equal(fake_deliveries, 2);
	fake_unload();
}

struct outcome {
	int		 status;
	int		 error;
	const char	*retry_after;
	int		 result;
	uint32_t	 retry_ms;
	const char	*detail;	/* a substring, or NULL */
};

/* How each answer maps onto a delivery. */
static void
test_outcomes(void **state)
{
	static const struct outcome	o[] = {
		{ 200, HS_OK, NULL, HS_OK, 0, "HTTP 200" },
		{ 202, HS_OK, NULL, HS_OK, 0, NULL },
		{ 410, HS_OK, NULL, HS_E_INVALID, 0, "unsubscribed" },
		{ 429, HS_OK, "7", HS_E_UNAVAILABLE, 7000, "7000 ms" },
		{ 429, HS_OK, " 1 ", HS_E_UNAVAILABLE, 1000, NULL },
		/* 30 s after fake_now_ms (1795340000.123 s) */
		{ 429, HS_OK, "Sun, 22 Nov 2026 09:33:50 GMT",
		    HS_E_UNAVAILABLE, 29877, NULL },
		{ 429, HS_OK, "99999999999999999999", HS_E_UNAVAILABLE,
		    3600000, NULL },
		{ 429, HS_OK, "soon", HS_E_UNAVAILABLE, 0, NULL },
		{ 429, HS_OK, NULL, HS_E_UNAVAILABLE, 0, "HTTP 429" },
		{ 500, HS_OK, NULL, HS_E_UNAVAILABLE, 0, "HTTP 500" },
		{ 503, HS_OK, "2", HS_E_UNAVAILABLE, 2000, NULL },
		{ 408, HS_OK, NULL, HS_E_UNAVAILABLE, 0, NULL },
		{ 0, HS_E_UNAVAILABLE, NULL, HS_E_UNAVAILABLE, 0, "timed out" },
		{ 404, HS_OK, NULL, HS_E_INVALID, 0, "HTTP 404" },
		{ 400, HS_OK, NULL, HS_E_INVALID, 0, NULL },
		{ 401, HS_OK, NULL, HS_E_DENIED, 0, "secret" },
		{ 302, HS_OK, NULL, HS_E_INVALID, 0, "redirect" },
	};
	size_t				i;

	(void)state;
	assert_int_equal(load_plain(), 0);
	for (i = 0; i < sizeof(o) / sizeof(o[0]); i++) {
		assert_int_equal(fake_send(ID, URL, TYPE, BODY), HS_E_PENDING);
		fake_answer(o[i].status, o[i].error, o[i].retry_after ?
		    "retry-after" : NULL, o[i].retry_after);
		if (fake_delivery.result != o[i].result ||
		    fake_delivery.retry_after_ms != o[i].retry_ms ||
		    (o[i].detail != NULL && strstr(fake_delivery.detail,
		    o[i].detail) == NULL))
			fail_msg("HTTP %d (Retry-After %s): result %d, retry "
			    "%u ms, '%s'", o[i].status, o[i].retry_after ?
			    o[i].retry_after : "-", fake_delivery.result,
			    fake_delivery.retry_after_ms, fake_delivery.detail);
		assert_int_equal(fake_deliveries, (int)i + 1);
	}
	fake_unload();
}

/* Not http(s)://: refused at once, nothing sent, done never called. */
static void
test_bad_url(void **state)
{
	static const char	*bad[] = {
		"ftp://erp.example.co.id/hook", "erp.example.co.id/hook", "",
		"http://", "https:///hook", "HTTPS://erp.example.co.id/",
		"https://erp.example.co.id/a b", "https://erp\r\nX: 1",
		"mailto:ops@example.co.id", NULL,
	};
	size_t			i;

	(void)state;
	assert_int_equal(load_plain(), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (fake_send(ID, bad[i], TYPE, BODY) != HS_E_INVALID)
			fail_msg("'%s' was not refused", bad[i] ? bad[i] :
			    "(null)");
	}
	/* Header injection through the id or type, a missing body. */
	assert_int_equal(fake_send("msg-1\r\nX-Evil: 1", URL, TYPE, BODY),
	    HS_E_INVALID);
	assert_int_equal(fake_send(ID, URL, "token issued", BODY),
	    HS_E_INVALID);
	assert_int_equal(fake_send(ID, URL, NULL, BODY), HS_E_INVALID);
	assert_int_equal(fake_send(NULL, URL, TYPE, BODY), HS_E_INVALID);
	assert_int_equal(fake_send(ID, URL, TYPE, ""), HS_E_INVALID);
	assert_int_equal(fake_requests, 0);
	assert_int_equal(fake_deliveries, 0);
	assert_int_equal(fake_send(ID, "http://127.0.0.1:8080/h", TYPE, BODY),
	    HS_E_PENDING);
	fake_answer(200, HS_OK, NULL, NULL);
	fake_unload();
}

/* The host's client refuses: its code comes back, done never runs. */
static void
test_http_refused(void **state)
{
	(void)state;
	assert_int_equal(load_plain(), 0);
	fake_http_rc = HS_E_UNAVAILABLE;
	assert_int_equal(fake_send(ID, URL, TYPE, BODY), HS_E_UNAVAILABLE);
	assert_int_equal(fake_requests, 1);
	assert_int_equal(fake_deliveries, 0);
	fake_unload();
}

/* A short or missing secret stops start-up with a reason. */
static void
test_short_secret(void **state)
{
	(void)state;
	assert_int_equal(fake_load("set hook secret %.31s\n", SECRET), -2);
	assert_non_null(strstr(fake_log, "secret must be at least 32"));
	assert_non_null(strstr(fake_err, "init failed"));
	assert_false(fake_slot.ready);
	assert_int_equal(fake_allocs, 0);

	assert_int_equal(fake_load("set hook secret %s\n"
	    "set hook secret_previous too-short\n", SECRET), -2);
	assert_non_null(strstr(fake_log, "secret_previous must be at least"));
	assert_int_equal(fake_allocs, 0);

	assert_int_equal(fake_load("set hook timeout_ms 5000\n"), -1);
	assert_non_null(strstr(fake_err, "missing required setting "
	    "'secret'"));

	/* Exactly 32 characters is enough. */
	assert_int_equal(fake_load("set hook secret %.32s\n", SECRET), 0);
	fake_unload();
}

/* timeout_ms and user_agent reach the request; bad values are refused. */
static void
test_settings(void **state)
{
	(void)state;
	assert_int_equal(fake_load("set hook secret %s\nset hook timeout_ms "
	    "1500\nset hook user_agent Acme Utility Hooks/2.0\n", SECRET), 0);
	assert_int_equal(fake_send(ID, URL, TYPE, BODY), HS_E_PENDING);
	assert_int_equal(fake_req.timeout_ms, 1500);
	assert_string_equal(fake_header("User-Agent"),
	    "Acme Utility Hooks/2.0");
	fake_answer(200, HS_OK, NULL, NULL);
	fake_unload();

	assert_int_equal(fake_load("set hook secret %s\nset hook timeout_ms "
	    "5s\n", SECRET), -2);
	assert_non_null(strstr(fake_log, "timeout_ms must be"));
	assert_int_equal(fake_load("set hook secret %s\nset hook timeout_ms "
	    "0\n", SECRET), -2);
	assert_int_equal(fake_allocs, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_exact),
		cmocka_unit_test(test_signature_recomputed),
		cmocka_unit_test(test_rotation_two_signatures),
		cmocka_unit_test(test_event_id_stable),
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_bad_url),
		cmocka_unit_test(test_http_refused),
		cmocka_unit_test(test_short_secret),
		cmocka_unit_test(test_settings),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
