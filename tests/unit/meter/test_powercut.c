/*
 * Power-loss injection.  For every N the EEPROM accepts only N more
 * bytes (the power fails between byte N and N+1) while the meter
 * accepts a token, counts consumption across a commit and an hour
 * boundary, or refuses a bad token.  After a reboot from what reached
 * the EEPROM: credit is never lost nor doubled, consumption never goes
 * backwards past the last commit, and the lockout count never drops.
 * The loop stops at the first N that no longer cuts anything.
 */
#include <string.h>

#include "nvsim.h"
#include "hourlog.h"

static struct hs_meter	m;
static uint8_t		image[HS_HAL_NV_SIZE];

static void
start(uint32_t credit)
{
	nv_reset();
	test_provision(HS_STS_EA11, HS_STS_KT_DUTK, HS_STS_KEN_NONE, credit);
	test_boot(&m);
	memcpy(image, nv_mem, sizeof(image));
}

/* Restore the pre-operation image and arm the cut after n bytes. */
static void
arm(long n)
{
	memcpy(nv_mem, image, sizeof(image));
	test_boot(&m);
	nv_written = 0;
	nv_budget = n;
}

/* Returns 1 when the cut happened (some write was lost). */
static int
cut_hit(void)
{
	int	hit = nv_budget == 0;

	nv_budget = -1;
	return (hit);
}

static void
token_acceptance(void **state)
{
	char			t[21];
	enum hs_meter_tok	r;
	uint8_t			rc;
	long			n;
	int			hit, both = 0;

	(void)state;
	start(500);
	tok_water(HS_STS_EA11, 4242, 3, t);		/* 300 litres */
	for (n = 0;; n++) {
		arm(n);
		r = hs_meter_token(&m, t, 20, &rc);
		hit = cut_hit();
		test_boot(&m);
		if (hs_meter_credit(&m) == 800) {
			/* Credited: the TID went with it. */
			assert_int_equal(hs_meter_token(&m, t, 20, &rc),
			    HS_TOK_USED);
			both |= 1;
		} else {
			/* Not credited: the token still works, once. */
			assert_int_equal(hs_meter_credit(&m), 500);
			assert_int_equal(hs_meter_token(&m, t, 20, &rc),
			    HS_TOK_CREDIT);
			assert_int_equal(hs_meter_credit(&m), 800);
			assert_int_equal(hs_meter_token(&m, t, 20, &rc),
			    HS_TOK_USED);
			both |= 2;
		}
		assert_int_equal(hs_meter_credit(&m), 800);
		if (!hit) {
			assert_int_equal(r, HS_TOK_CREDIT);
			break;
		}
	}
	/* Both outcomes were seen, and the loop covered a real write. */
	assert_int_equal(both, 3);
	assert_true(n > HS_J_TOKEN_SIZE);
}

static void
consumption_update(void **state)
{
	long		n;
	uint32_t	done, total = 25, before;
	int		hit;

	(void)state;
	start(1000);
	for (n = 0;; n++) {
		arm(n);
		before = m.ring.consumed;
		/* Seconds into the hour are RAM only: set them after boot. */
		hs_meter_tick(&m, 3590);
		/* Once the power is gone no more pulses are counted. */
		for (done = 0; done < total && nv_budget != 0; done++) {
			hs_meter_pulse(&m, 0);
			if (done == 12)
				hs_meter_tick(&m, 10);	/* hour closes */
		}
		hit = cut_hit();
		test_boot(&m);
		/* Never more consumption than happened, and at most one
		 * commit interval less (the pulses since the last commit). */
		assert_true(m.ring.consumed <= before + done);
		assert_true(before + done - m.ring.consumed <= m.conf.commit_l);
		/* Credit is purchased - consumed; the purchase is intact. */
		assert_int_equal(m.tok.purchased, 1000);
		assert_int_equal(hs_meter_credit(&m),
		    1000 - (int32_t)m.ring.consumed);
		if (!hit) {
			/* Commits at 10 L, at the hour (13 L), at 23 L. */
			assert_int_equal(m.ring.consumed, before + 23);
			assert_int_equal(m.ring.hour, 1);
			assert_int_equal(hs_hourlog_get(0),
			    hs_hourlog_code(13));
			break;
		}
	}
	assert_true(n > HS_J_RING_SIZE);
}

static void
bad_token_cannot_dodge_lockout(void **state)
{
	char			t[21];
	enum hs_meter_tok	r;
	uint8_t			rc;
	long			n;
	int			i, hit;

	(void)state;
	start(100);
	tok_water(HS_STS_EA07, 9, 1, t);		/* wrong key */
	for (i = 0; i < 4; i++)
		assert_int_equal(hs_meter_token(&m, t, 20, &rc),
		    HS_TOK_INVALID);
	memcpy(image, nv_mem, sizeof(image));
	for (n = 0;; n++) {
		arm(n);
		r = hs_meter_token(&m, t, 20, &rc);
		hit = cut_hit();
		test_boot(&m);
		/* Either the cut struck before the count was stored (then
		 * no answer ever left the meter) or the count is 5. */
		if (m.tok.bad == 4) {
			assert_true(hit);
		} else {
			assert_int_equal(m.tok.bad, 5);
			assert_true(hs_meter_locked(&m) > 0);
		}
		if (!hit) {
			assert_int_equal(r, HS_TOK_INVALID);
			break;
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(token_acceptance),
		cmocka_unit_test(consumption_update),
		cmocka_unit_test(bad_token_cannot_dodge_lockout),
	};

	return (cmocka_run_group_tests_name("meter_powercut", tests, NULL,
	    NULL));
}
