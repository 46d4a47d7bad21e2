/*
 * The outbox dispatcher against a fake SMS gateway that throttles (429
 * with Retry-After), fails (500) and hangs (timeouts): every message is
 * delivered exactly once through the sms transport's Twilio profile; a
 * permanent refusal is not retried; a customer's quiet hours hold SMS
 * back.  Delivery reports: the gateway reports messages delivered or
 * failed, signed as Twilio signs them (and, with the Zenziva profile,
 * carrying the callback token), and the outbox says so; a forged report
 * is refused and changes nothing.
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

#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hs_test_vend.h"

#define TWILIO_SID	"ACfakesms0000000000000000000000001"
#define TWILIO_TOKEN	"fakesms-auth-token-0001"
#define ZENZIVA_TOKEN	"zenziva-callback-token-0001"

static struct hs_test_server	srv;
static pid_t			fake;
static int			fake_port;
static long			customer;

static int
setup(void **state)
{
	char	cmd[2048], extra[2048];

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s/%s/bin/hydrosync db demo --database "
	    "'%s' >/dev/null", hs_test_top(), hs_test_build(),
	    hs_test_pgurl());
	if (system(cmd) != 0 || (fake = hs_test_fakepay(&fake_port)) <= 0)
		return (-1);
	snprintf(extra, sizeof(extra),
	    "plugin sms transport %s/%s/plugins/transport/sms.so\n"
	    "set sms profile twilio\n"
	    "set sms base_url http://127.0.0.1:%d\n"
	    "set sms account_sid " TWILIO_SID "\n"
	    "set sms auth_token " TWILIO_TOKEN "\n"
	    "set sms from HydroSync\n"
	    "set sms status_url http://127.0.0.1:@PORT@/api/v1/transports/"
	    "sms/status\n"
	    "set sms timeout_ms 1000\n"
	    "plugin webhook transport %s/%s/plugins/transport/webhook.so\n"
	    "set webhook secret integrator-secret-0000000000000000002\n"
	    "set webhook secret_previous "
	    "integrator-secret-0000000000000000001\n"
	    "set webhook timeout_ms 1000\n",
	    hs_test_top(), hs_test_build(), fake_port, hs_test_top(),
	    hs_test_build());
	if (hs_test_server_start(&srv, 2, extra) != 0)
		return (-1);
	customer = hs_test_sql_long("SELECT id FROM customers WHERE number = "
	    "'1001'");
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	hs_test_server_stop(&srv);
	hs_test_kill(fake);
	return (0);
}

static long
accepted(const char *what)
{
	struct hs_test_resp	r;
	long			v;

	if (hs_test_http(fake_port, "GET", "/_control/sms", NULL, NULL, 0,
	    &r) != 0)
		fail_msg("the fake gateway does not answer");
	v = hs_test_json_long(r.body, what);
	hs_test_resp_free(&r);
	return (v);
}

static void
queue(const char *prefix, int n)
{
	char	q[512];
	int	i;

	for (i = 0; i < n; i++) {
		snprintf(q, sizeof(q), "SELECT hs_notify(utility_id, id, "
		    "'tamper', 'Meter dibuka', 'Pesan %s nomor %d', '{}', "
		    "'%s-%d') FROM customers WHERE id = %ld", prefix, i, prefix,
		    i, customer);
		hs_test_sql(q);
	}
}

static void
wait_sent(const char *prefix, long n, int seconds)
{
	int	i;

	for (i = 0; i < seconds * 10; i++) {
		if (hs_test_sql_longf("SELECT count(*) FROM outbox WHERE "
		    "channel = 'sms' AND idem_key LIKE '%s-%%' AND state = "
		    "'sent'", prefix) == n)
			return;
		usleep(100000);
	}
	fail_msg("only %ld of %ld %s messages sent", hs_test_sql_longf(
	    "SELECT count(*) FROM outbox WHERE channel = 'sms' AND idem_key "
	    "LIKE '%s-%%' AND state = 'sent'", prefix), n, prefix);
}

/* Throttled, failing and hanging: each message still goes exactly once. */
static void
test_exactly_once_through_failures(void **state)
{
	(void)state;
	assert_int_equal(hs_test_fakepay_call(fake_port, "POST",
	    "/_control/fail?mode=429&count=3"), 200);
	queue("a", 10);
	wait_sent("a", 10, 30);
	assert_int_equal(hs_test_fakepay_call(fake_port, "POST",
	    "/_control/fail?mode=500&count=3"), 200);
	queue("b", 10);
	wait_sent("b", 10, 40);
	assert_int_equal(hs_test_fakepay_call(fake_port, "POST",
	    "/_control/fail?mode=timeout&count=2"), 200);
	queue("c", 10);
	wait_sent("c", 10, 40);
	assert_int_equal(accepted("accepted"), 30);
	assert_int_equal(accepted("duplicates"), 0);
	/* The failures were retried, not dropped. */
	assert_true(hs_test_sql_long("SELECT count(*) FROM outbox WHERE "
	    "channel = 'sms' AND attempts > 1") >= 3);
	/* The same event queued again is the same message: not re-sent. */
	queue("a", 10);
	sleep(1);
	assert_int_equal(accepted("accepted"), 30);
}

/* A bad number is refused for good, once. */
static void
test_permanent_failure(void **state)
{
	(void)state;
	hs_test_sql("INSERT INTO outbox (utility_id, customer_id, kind, "
	    "channel, recipient, body, idem_key) SELECT utility_id, id, "
	    "'tamper', 'sms', '12', 'x', 'bad-number' FROM customers WHERE "
	    "number = '1001'");
	for (int i = 0; i < 50 && hs_test_sql_long("SELECT count(*) FROM "
	    "outbox WHERE idem_key = 'bad-number' AND state = 'failed'") != 1;
	    i++)
		usleep(100000);
	assert_int_equal(hs_test_sql_long("SELECT attempts FROM outbox WHERE "
	    "idem_key = 'bad-number' AND state = 'failed'"), 1);
}

/* During the customer's quiet hours, SMS waits for the morning. */
static void
test_quiet_hours(void **state)
{
	char	q[512];

	(void)state;
	snprintf(q, sizeof(q), "INSERT INTO notification_prefs (customer_id, "
	    "quiet_start, quiet_end) VALUES (%ld, ((now() AT TIME ZONE "
	    "'Asia/Jakarta') - interval '1 hour')::time, ((now() AT TIME ZONE "
	    "'Asia/Jakarta') + interval '1 hour')::time) ON CONFLICT "
	    "(customer_id) DO UPDATE SET quiet_start = EXCLUDED.quiet_start, "
	    "quiet_end = EXCLUDED.quiet_end", customer);
	hs_test_sql(q);
	queue("quiet", 1);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM outbox WHERE "
	    "idem_key = 'quiet-0:sms' AND not_before > now() + interval "
	    "'50 minutes'"), 1);
	/* Push is silent: it is not held back. */
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM outbox WHERE "
	    "idem_key = 'quiet-0:push' AND not_before <= now()"), 1);
}

static long
hooks(const char *what)
{
	struct hs_test_resp	r;
	long			v;

	if (hs_test_http(fake_port, "GET", "/_control/hooks", NULL, NULL, 0,
	    &r) != 0)
		fail_msg("the fake integrator does not answer");
	v = hs_test_json_long(r.body, what);
	hs_test_resp_free(&r);
	return (v);
}

/*
 * Integrators: signed webhooks (the integrator still knows only the
 * previous secret: rotation without a gap), retried through failures,
 * each event verified and seen exactly once.
 */
static void
test_signed_webhooks(void **state)
{
	char	q[512];
	int	i;

	(void)state;
	snprintf(q, sizeof(q), "INSERT INTO webhook_subscriptions (utility_id, "
	    "url, kinds) SELECT utility_id, 'http://127.0.0.1:%d/integrator/"
	    "hook', '{tamper}' FROM customers WHERE id = %ld", fake_port,
	    customer);
	hs_test_sql(q);
	assert_int_equal(hs_test_fakepay_call(fake_port, "POST",
	    "/_control/fail?mode=500&count=2"), 200);
	queue("hook", 5);
	for (i = 0; i < 300 && hooks("verified") < 5; i++)
		usleep(100000);
	assert_int_equal(hooks("verified"), 5);
	assert_int_equal(hooks("rejected"), 0);
	assert_int_equal(hooks("duplicates"), 0);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM outbox WHERE "
	    "channel = 'webhook' AND state = 'sent'"), 5);
}

/* Sign-up and reset codes (notify.otp jobs) go out as SMS, once. */
static void
test_one_time_codes(void **state)
{
	long	before = accepted("accepted");
	int	i;

	(void)state;
	hs_test_sql("SELECT hs_job_enqueue('notify.otp', jsonb_build_object("
	    "'utility_id', utility_id, 'customer_id', id, 'channel', 'sms', "
	    "'to', phone, 'purpose', 'signup', 'code', '123456', 'text', "
	    "'Kode pendaftaran HydroSync Anda: 123456'), NULL, 'test') FROM "
	    "customers WHERE number = '1001'");
	for (i = 0; i < 100 && hs_test_sql_long("SELECT count(*) FROM outbox "
	    "WHERE kind = 'otp' AND state = 'sent'") != 1; i++)
		usleep(100000);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM outbox WHERE "
	    "kind = 'otp' AND state = 'sent'"), 1);
	assert_int_equal(accepted("accepted"), before + 1);
}

/* ------------------------------------------------- delivery reports */

/* One SMS to recipient, written to the outbox as an event would. */
static void
outbox_sms(const char *idem, const char *recipient, const char *text)
{
	char	q[512];

	snprintf(q, sizeof(q), "INSERT INTO outbox (utility_id, customer_id, "
	    "kind, channel, recipient, body, idem_key) SELECT utility_id, id, "
	    "'tamper', 'sms', '%s', '%s', '%s' FROM customers WHERE id = %ld",
	    recipient, text, idem, customer);
	hs_test_sql(q);
}

static void
wait_state(const char *idem, const char *state, int seconds)
{
	int	i;

	for (i = 0; i < seconds * 10; i++) {
		if (hs_test_sql_longf("SELECT count(*) FROM outbox WHERE "
		    "idem_key = '%s' AND state = '%s'", idem, state) == 1)
			return;
		usleep(100000);
	}
	fail_msg("%s is not %s after %d s", idem, state, seconds);
}

/* The gateway's id for the message (its sid), once sent. */
static void
provider_ref(const char *idem, char *out, size_t len)
{
	PGresult	*res;
	char		 q[256];

	snprintf(q, sizeof(q), "SELECT provider_ref FROM outbox WHERE "
	    "idem_key = '%s' AND provider_ref IS NOT NULL", idem);
	res = PQexec(hs_test_db(), q);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		fail_msg("%s has no provider_ref", idem);
	snprintf(out, len, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
}

/* Ask the fake gateway to report; the status it answers. */
static int
report(const char *query)
{
	char	path[320];

	snprintf(path, sizeof(path), "/_control/sms/report?%s", query);
	return (hs_test_fakepay_call(fake_port, "POST", path));
}

struct tw_param {
	const char	*name;
	const char	*value;
};

static int
tw_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct tw_param *)a)->name,
	    ((const struct tw_param *)b)->name));
}

/*
 * Twilio's signature, computed here as Twilio documents it (not as the
 * plugin does): base64(HMAC-SHA1(token, url + name + value of each
 * parameter, sorted by name)).
 */
static void
tw_sign(const char *token, const char *url, const struct tw_param *params,
    size_t n, char *out)
{
	struct tw_param	sorted[16];
	unsigned char	mac[20];
	unsigned int	maclen = sizeof(mac);
	char		data[4096];
	size_t		i, off;

	assert_true(n <= 16);
	memcpy(sorted, params, n * sizeof(params[0]));
	qsort(sorted, n, sizeof(sorted[0]), tw_cmp);
	off = (size_t)snprintf(data, sizeof(data), "%s", url);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(data + off, sizeof(data) - off, "%s%s",
		    sorted[i].name, sorted[i].value);
	assert_true(off < sizeof(data));
	HMAC(EVP_sha1(), token, (int)strlen(token), (unsigned char *)data,
	    off, mac, &maclen);
	EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
}

/* The form Twilio posts for message ref with status, as it orders it. */
static void
tw_body(char *out, size_t len, const char *ref, const char *status)
{
	snprintf(out, len, "SmsSid=%s&SmsStatus=%s&MessageStatus=%s&To="
	    "%%2B6281234569903&MessageSid=%s&AccountSid=" TWILIO_SID "&From="
	    "HydroSync&ApiVersion=2010-04-01&ErrorCode=30008", ref, status,
	    status, ref);
}

/* POST a delivery report to the core; its status. */
static int
post_report(const char *headers, const char *body, const char *type)
{
	struct hs_test_resp	r;
	char			h[512];
	int			status;

	snprintf(h, sizeof(h), "Content-Type: %s\r\n%s", type,
	    headers ? headers : "");
	if (hs_test_http(srv.port, "POST", "/api/v1/transports/sms/status",
	    h, body, strlen(body), &r) != 0)
		fail_msg("the server does not answer");
	status = r.status;
	if (status == 401)
		assert_non_null(strstr(r.body, "unverified"));
	hs_test_resp_free(&r);
	return (status);
}

/* The row is still as the send left it: sent, not delivered. */
static void
assert_untouched(const char *idem)
{
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM outbox WHERE "
	    "idem_key = '%s' AND state = 'sent' AND delivered_at IS NULL AND "
	    "last_error IS NULL", idem), 1);
}

/* Reported delivered by the gateway (by phone number): delivered. */
static void
test_report_delivered(void **state)
{
	long	before = accepted("reported");

	(void)state;
	outbox_sms("report-ok", "6281234569901", "Laporan 1");
	wait_state("report-ok", "sent", 10);
	assert_int_equal(report("to=6281234569901&status=delivered"), 200);
	assert_int_equal(accepted("reported"), before + 1);
	wait_state("report-ok", "delivered", 30);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM outbox WHERE "
	    "idem_key = 'report-ok' AND delivered_at IS NOT NULL AND "
	    "delivered_at >= sent_at"), 1);
	/* No other message changed. */
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM outbox WHERE "
	    "channel = 'sms' AND state = 'delivered'"), 1);
}

/* Reported failed (by the gateway's id): failed, with the reason. */
static void
test_report_failed(void **state)
{
	char	ref[128], q[256];

	(void)state;
	outbox_sms("report-failed", "6281234569902", "Laporan 2");
	wait_state("report-failed", "sent", 10);
	provider_ref("report-failed", ref, sizeof(ref));
	assert_int_equal(report("sid=SMnosuchmessage&status=failed"), 404);
	snprintf(q, sizeof(q), "sid=%s&status=failed", ref);
	assert_int_equal(report(q), 200);
	wait_state("report-failed", "failed", 30);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM outbox WHERE "
	    "idem_key = 'report-failed' AND delivered_at IS NULL AND "
	    "last_error = 'the provider reports it undelivered'"), 1);
}

/*
 * Forged reports (unsigned, signed with another token, a parameter
 * changed after signing, a parameter added) are refused with 401 and
 * change nothing; the genuine report, built the same way, is taken.
 */
static void
test_report_forged(void **state)
{
	struct tw_param	 p[] = {
		{ "SmsSid", NULL }, { "SmsStatus", "failed" },
		{ "MessageStatus", "failed" }, { "To", "+6281234569903" },
		{ "MessageSid", NULL }, { "AccountSid", TWILIO_SID },
		{ "From", "HydroSync" }, { "ApiVersion", "2010-04-01" },
		{ "ErrorCode", "30008" },
	};
	char		 ref[128], url[128], sig[64], hdr[128], body[1024];
	const char	*type = "application/x-www-form-urlencoded";

	(void)state;
	outbox_sms("report-forged", "6281234569903", "Laporan 3");
	wait_state("report-forged", "sent", 10);
	provider_ref("report-forged", ref, sizeof(ref));
	p[0].value = p[4].value = ref;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/transports/"
	    "sms/status", srv.port);

	/* Unsigned. */
	tw_body(body, sizeof(body), ref, "failed");
	assert_int_equal(post_report(NULL, body, type), 401);
	assert_untouched("report-forged");

	/* Signed with a token that is not ours. */
	tw_sign("not-the-auth-token", url, p, 9, sig);
	snprintf(hdr, sizeof(hdr), "X-Twilio-Signature: %s\r\n", sig);
	assert_int_equal(post_report(hdr, body, type), 401);
	assert_untouched("report-forged");

	/* A genuine signature over "failed", the body changed to delivered. */
	tw_sign(TWILIO_TOKEN, url, p, 9, sig);
	snprintf(hdr, sizeof(hdr), "X-Twilio-Signature: %s\r\n", sig);
	tw_body(body, sizeof(body), ref, "delivered");
	assert_int_equal(post_report(hdr, body, type), 401);
	assert_untouched("report-forged");

	/* The genuine body with a parameter added. */
	tw_body(body, sizeof(body), ref, "failed");
	strcat(body, "&Price=0");
	assert_int_equal(post_report(hdr, body, type), 401);
	assert_untouched("report-forged");

	/* The genuine report itself is taken: the refusals were forgeries. */
	tw_body(body, sizeof(body), ref, "failed");
	assert_int_equal(post_report(hdr, body, type), 200);
	wait_state("report-forged", "failed", 5);
}

/*
 * The Zenziva profile end to end (the server restarted with it): sent
 * through sendsms, reported by the gateway with the callback token to
 * the URL configured for it; a report with another token is refused and
 * one with a status that is not final changes nothing.
 */
/*
 * A report can beat the dispatcher's record of the send (outcomes are
 * written a batch at a time): it waits and is applied then.  And a late
 * "failed" does not undo a delivery.
 */
static void
test_report_early_and_late(void **state)
{
	long	id;

	(void)state;
	id = hs_test_sql_long("INSERT INTO outbox (utility_id, customer_id, "
	    "kind, channel, recipient, body, idem_key, state, leased_by, "
	    "leased_until) SELECT utility_id, id, 'tamper', 'sms', "
	    "'+6281200000000', 'early', 'early-1:sms', 'sending', 'w-test', "
	    "now() + interval '1 minute' FROM customers WHERE number = '1001' "
	    "RETURNING id");
	hs_test_sql("SELECT hs_outbox_delivery('sms', 'SMearly0001', true, "
	    "NULL)");
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM "
	    "outbox_early_reports WHERE provider_ref = 'SMearly0001'"), 1);
	assert_int_equal(hs_test_sql_longf("SELECT hs_outbox_results('w-test', "
	    "ARRAY[%ld]::bigint[], ARRAY[true], ARRAY[NULL]::integer[], "
	    "ARRAY['SMearly0001'], ARRAY[NULL]::text[])", id), 1);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM outbox WHERE "
	    "id = %ld AND state = 'delivered' AND delivered_at IS NOT NULL",
	    id), 1);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM "
	    "outbox_early_reports"), 0);
	hs_test_sql("SELECT hs_outbox_delivery('sms', 'SMearly0001', false, "
	    "'late failure')");
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM outbox WHERE "
	    "id = %ld AND state = 'delivered'", id), 1);
}

static void
test_zenziva_reports(void **state)
{
	struct hs_test_resp	 r;
	char			 extra[1024], url[128], ref[128], q[256];
	char			 body[256];
	const char		*type = "application/json";

	(void)state;
	hs_test_server_stop(&srv);
	snprintf(extra, sizeof(extra),
	    "plugin sms transport %s/%s/plugins/transport/sms.so\n"
	    "set sms profile zenziva\n"
	    "set sms base_url http://127.0.0.1:%d\n"
	    "set sms userkey fakeuser\n"
	    "set sms passkey fakepass\n"
	    "set sms callback_token " ZENZIVA_TOKEN "\n"
	    "set sms timeout_ms 1000\n", hs_test_top(), hs_test_build(),
	    fake_port);
	assert_int_equal(hs_test_server_start(&srv, 1, extra), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/transports/"
	    "sms/status", srv.port);
	assert_int_equal(hs_test_http(fake_port, "POST",
	    "/_control/zenziva/callback?token=" ZENZIVA_TOKEN, NULL, url,
	    strlen(url), &r), 0);
	assert_int_equal(r.status, 200);
	hs_test_resp_free(&r);

	outbox_sms("zenziva-ok", "081234569904", "Laporan 4");
	outbox_sms("zenziva-failed", "081234569905", "Laporan 5");
	wait_state("zenziva-ok", "sent", 10);
	wait_state("zenziva-failed", "sent", 10);
	provider_ref("zenziva-ok", ref, sizeof(ref));

	/* Another token, or none: refused, nothing changes. */
	snprintf(body, sizeof(body), "{\"messageId\": \"%s\", \"status\": "
	    "\"DELIVERED\"}", ref);
	assert_int_equal(post_report("X-Callback-Token: " ZENZIVA_TOKEN "x\r\n",
	    body, type), 401);
	assert_int_equal(post_report(NULL, body, type), 401);
	assert_untouched("zenziva-ok");
	/* Not final yet: taken, nothing changes. */
	snprintf(body, sizeof(body), "{\"messageId\": \"%s\", \"status\": "
	    "\"SENT\"}", ref);
	assert_int_equal(post_report("X-Callback-Token: " ZENZIVA_TOKEN "\r\n",
	    body, type), 200);
	assert_untouched("zenziva-ok");

	assert_int_equal(report("to=081234569904&status=delivered"), 200);
	wait_state("zenziva-ok", "delivered", 30);
	provider_ref("zenziva-failed", ref, sizeof(ref));
	snprintf(q, sizeof(q), "sid=%s&status=undelivered", ref);
	assert_int_equal(report(q), 200);
	wait_state("zenziva-failed", "failed", 30);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM outbox WHERE "
	    "idem_key IN ('zenziva-ok', 'zenziva-failed') AND (state = "
	    "'delivered') = (delivered_at IS NOT NULL)"), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exactly_once_through_failures),
		cmocka_unit_test(test_permanent_failure),
		cmocka_unit_test(test_quiet_hours),
		cmocka_unit_test(test_signed_webhooks),
		cmocka_unit_test(test_one_time_codes),
		cmocka_unit_test(test_report_delivered),
		cmocka_unit_test(test_report_failed),
		cmocka_unit_test(test_report_forged),
		cmocka_unit_test(test_report_early_and_late),
		/* Last: it restarts the server with the Zenziva profile. */
		cmocka_unit_test(test_zenziva_reports),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
