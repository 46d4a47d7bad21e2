/*
 * The outbox dispatcher against a fake SMS gateway that throttles (429
 * with Retry-After), fails (500) and hangs (timeouts): every message is
 * delivered exactly once through the sms transport's Twilio profile; a
 * permanent refusal is not retried; a customer's quiet hours hold SMS
 * back.
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

#include "hs_test_vend.h"

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
	    "set sms account_sid ACfakesms0000000000000000000000001\n"
	    "set sms auth_token fakesms-auth-token-0001\n"
	    "set sms from HydroSync\n"
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exactly_once_through_failures),
		cmocka_unit_test(test_permanent_failure),
		cmocka_unit_test(test_quiet_hours),
		cmocka_unit_test(test_signed_webhooks),
		cmocka_unit_test(test_one_time_codes),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
