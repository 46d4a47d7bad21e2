/*
 * The cash (counter) payment plugin through the real loader and a fake
 * host: create answers "already paid" before it returns, with no network;
 * notifications and cancel are refused; status always reports paid.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pay_test.h"

#define ORDER	"HS-4001"

static int
load(const char *extra)
{
	return (test_load("plugin pay payment %s/plugins/payment/cash.so\n%s",
	    HS_TEST_BUILD, extra));
}

/* done runs inside create, which then returns HS_OK (docs/plugins.md). */
static void
test_create(void **state)
{
	struct hs_payment_create	in = test_create_in(ORDER, 50000);

	(void)state;
	assert_int_equal(load("set pay receipt_footer Terima kasih\n"), 0);
	assert_int_equal(test_ops()->create(test_pctx(), &in, on_created,
	    &cb_arg), HS_OK);
	assert_int_equal(created_calls, 1);
	assert_int_equal(created_rc, HS_OK);
	assert_int_equal(created_out.action, HS_PAY_ACTION_DONE);
	assert_string_equal(created_out.provider_ref, "CASH-" ORDER);
	assert_string_equal(created_out.redirect_url, "");
	assert_int_equal(created_out.expires_at_ms, TEST_NOW_MS);
	/* No network, whatever the host's HTTP client would say. */
	assert_int_equal(test_nreq, 0);
	test_http_rc = HS_E_UNAVAILABLE;
	assert_int_equal(test_ops()->create(test_pctx(), &in, on_created,
	    &cb_arg), HS_OK);
	assert_int_equal(created_calls, 2);
	assert_int_equal(test_nreq, 0);

	/* Refused inputs: done never runs. */
	in.amount = 0;
	assert_int_equal(test_ops()->create(test_pctx(), &in, on_created,
	    &cb_arg), HS_E_INVALID);
	in.amount = 100;
	in.order_id = "";
	assert_int_equal(test_ops()->create(test_pctx(), &in, on_created,
	    &cb_arg), HS_E_INVALID);
	in.order_id = ORDER;
	in.currency = "USD";
	assert_int_equal(test_ops()->create(test_pctx(), &in, on_created,
	    &cb_arg), HS_E_INVALID);
	assert_int_equal(created_calls, 2);
	test_unload();
}

static void
test_no_notifications(void **state)
{
	struct hs_payment_event	ev;
	struct hs_http_header	h[1] = { { "content-type",
	    "application/json" } };
	const char		*body = "{\"order_id\": \"" ORDER "\", "
	    "\"status\": \"paid\"}";

	(void)state;
	assert_int_equal(load(""), 0);
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(test_ops()->verify_notification(test_pctx(), h, 1,
	    body, strlen(body), &ev), HS_E_NOTSUP);
	assert_string_equal(ev.event_id, "");
	test_unload();
}

static void
test_status(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(test_ops()->status(test_pctx(), ORDER, "CASH-" ORDER,
	    on_status, &cb_arg), HS_OK);
	assert_int_equal(status_calls, 1);
	assert_int_equal(status_rc, HS_OK);
	assert_int_equal(status_out.state, HS_PAY_PAID);
	assert_string_equal(status_out.event_id, "cash:" ORDER);
	assert_string_equal(status_out.order_id, ORDER);
	assert_string_equal(status_out.provider_ref, "CASH-" ORDER);
	assert_int_equal(test_nreq, 0);
	assert_int_equal(test_ops()->status(test_pctx(), NULL, NULL,
	    on_status, &cb_arg), HS_E_INVALID);
	assert_int_equal(status_calls, 1);
	test_unload();
}

static void
test_cancel(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(test_ops()->cancel(test_pctx(), ORDER, "CASH-" ORDER,
	    on_status, &cb_arg), HS_E_NOTSUP);
	assert_int_equal(test_ops()->cancel(test_pctx(), ORDER, NULL, NULL,
	    NULL), HS_E_NOTSUP);
	assert_int_equal(status_calls, 0);
	assert_int_equal(test_nreq, 0);
	test_unload();
}

static void
test_descriptor(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	assert_string_equal(test_slot.desc->name, "cash");
	assert_string_equal(test_slot.desc->version, "1.0");
	assert_int_equal(test_slot.desc->kind, HS_KIND_PAYMENT);
	assert_string_equal(test_slot.desc->settings[0].key, "receipt_footer");
	assert_int_equal(test_slot.desc->settings[0].required, 0);
	assert_null(test_slot.desc->settings[1].key);
	test_unload();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_no_notifications),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_descriptor),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
