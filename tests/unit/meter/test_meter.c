/*
 * The meter core: token acceptance and every rejection, key change,
 * valve and low-credit logic, tamper, reverse flow, the hourly log and
 * the bad-token lockout (also across a power loss).
 */
#include <string.h>

#include "nvsim.h"
#include "hourlog.h"

static struct hs_meter	m;

static enum hs_meter_tok
enter(const char *digits)
{
	uint8_t	rc;

	return (hs_meter_token(&m, digits, strlen(digits), &rc));
}

static void
fresh(uint8_t ea, uint8_t kt, uint8_t ken, uint32_t credit)
{
	nv_reset();
	test_provision(ea, kt, ken, credit);
	test_boot(&m);
}

static void
reboot(void)
{
	nv_budget = -1;
	test_boot(&m);
}

static void
credit_both_algorithms(void **state)
{
	static const uint8_t eas[2] = { HS_STS_EA11, HS_STS_EA07 };
	char	t[21];
	int	i;

	(void)state;
	for (i = 0; i < 2; i++) {
		fresh(eas[i], HS_STS_KT_DUTK, HS_STS_KEN_NONE, 0);
		assert_int_equal(valve_state, 0);
		tok_water(eas[i], 1000, 12, t);		/* 1.2 m3 */
		assert_int_equal(enter(t), HS_TOK_CREDIT);
		assert_int_equal(hs_meter_credit(&m), 1200);
		assert_int_equal(valve_state, 1);
		assert_int_equal(enter(t), HS_TOK_USED);
		assert_int_equal(hs_meter_credit(&m), 1200);
		reboot();
		assert_int_equal(hs_meter_credit(&m), 1200);
		assert_int_equal(enter(t), HS_TOK_USED);
	}
}

static void
rejections(void **state)
{
	char	t[21];
	int	i;

	(void)state;
	fresh(HS_STS_EA11, HS_STS_KT_DUTK, HS_STS_KEN_NONE, 100);
	assert_int_equal(enter("1234"), HS_TOK_FORMAT);
	assert_int_equal(enter("1234567890123456789x"), HS_TOK_FORMAT);
	tok_water(HS_STS_EA11, 500, 1, t);
	t[19] = t[19] == '9' ? '0' : (char)(t[19] + 1);
	assert_int_equal(enter(t), HS_TOK_INVALID);
	tok_water(HS_STS_EA07, 500, 1, t);	/* another meter's key */
	assert_int_equal(enter(t), HS_TOK_INVALID);
	/* Fill the 8-entry TID store, then an older TID is Old. */
	for (i = 0; i < HS_J_TIDS; i++) {
		tok_water(HS_STS_EA11, 2000u + (uint32_t)i, 1, t);
		assert_int_equal(enter(t), HS_TOK_CREDIT);
	}
	tok_water(HS_STS_EA11, 1999, 1, t);
	assert_int_equal(enter(t), HS_TOK_OLD);
	assert_int_equal(hs_meter_credit(&m), 100 + 800);
	/* Electricity credit is no use to a water meter: TID spent. */
	{
		struct hs_sts_plain p;

		assert_int_equal(hs_sts_plain_credit(&p, HS_STS_C0_ELECTRICITY,
		    1, 3000, 10), HS_STS_OK);
		assert_int_equal(hs_sts_encode(test_sts_key(HS_STS_EA11), &p,
		    t), HS_STS_OK);
		assert_int_equal(enter(t), HS_TOK_UNSUPPORTED);
		assert_int_equal(enter(t), HS_TOK_USED);
	}
	assert_int_equal(hs_meter_credit(&m), 900);

	/* Key expiry: KEN 0 refuses TIDs from 65536 minutes on. */
	fresh(HS_STS_EA11, HS_STS_KT_DUTK, 0, 0);
	tok_water(HS_STS_EA11, 70000, 1, t);
	assert_int_equal(enter(t), HS_TOK_KEY_EXPIRED);
	tok_water(HS_STS_EA11, 60000, 1, t);
	assert_int_equal(enter(t), HS_TOK_CREDIT);

	/* Default key: no credit. */
	fresh(HS_STS_EA11, HS_STS_KT_DDTK, HS_STS_KEN_NONE, 0);
	tok_water(HS_STS_EA11, 100, 1, t);
	assert_int_equal(enter(t), HS_TOK_DDTK);
	assert_int_equal(hs_meter_credit(&m), 0);

	/* EA07 without tables: the meter has no usable key. */
	fresh(HS_STS_EA07, HS_STS_KT_DUTK, HS_STS_KEN_NONE, 0);
	assert_int_equal(hs_meter_boot(&m, NULL), 0);
	tok_water(HS_STS_EA07, 100, 1, t);
	assert_int_equal(enter(t), HS_TOK_NO_KEY);
}

static void
key_change(void **state)
{
	struct hs_sts_newkey	nk;
	struct hs_sts_plain	sec[4];
	struct hs_sts_key	newk;
	char			t[21];
	unsigned		n, i;

	(void)state;
	fresh(HS_STS_EA11, HS_STS_KT_DUTK, HS_STS_KEN_NONE, 0);
	memset(&nk, 0, sizeof(nk));
	for (i = 0; i < 16; i++)
		nk.dk[i] = (uint8_t)(0xA0 + i);
	nk.kt = HS_STS_KT_DUTK;
	nk.krn = 2;
	nk.ken = HS_STS_KEN_NONE;
	nk.ro = 1;
	assert_int_equal(hs_sts_kct_make(&nk, HS_STS_EA11, sec, &n), 0);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++) {
		assert_int_equal(hs_sts_encode(test_sts_key(HS_STS_EA11),
		    &sec[i], t), HS_STS_OK);
		assert_int_equal(enter(t), i + 1 < n ? HS_TOK_KEY_PENDING :
		    HS_TOK_KEY_CHANGED);
	}
	/* The new key survives a reboot and the old one is refused. */
	reboot();
	assert_int_equal(m.tok.krn, 2);
	tok_water(HS_STS_EA11, 100, 1, t);
	assert_int_equal(enter(t), HS_TOK_INVALID);
	newk = *test_sts_key(HS_STS_EA11);
	memcpy(newk.dk, nk.dk, 16);
	{
		struct hs_sts_plain p;

		assert_int_equal(hs_sts_plain_credit(&p, HS_STS_C0_WATER, 0,
		    100, 1), HS_STS_OK);
		assert_int_equal(hs_sts_encode(&newk, &p, t), HS_STS_OK);
	}
	assert_int_equal(enter(t), HS_TOK_CREDIT);
	/* A KCT installing a factory key is refused. */
	nk.kt = HS_STS_KT_DITK;
	assert_int_equal(hs_sts_kct_make(&nk, HS_STS_EA11, sec, &n), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(hs_sts_encode(&newk, &sec[i], t), HS_STS_OK);
		if (i + 1 == n)
			assert_int_equal(enter(t), HS_TOK_KEY_TYPE);
		else
			(void)enter(t);
	}
}

static void
test_and_management_tokens(void **state)
{
	struct hs_sts_plain	p;
	char			t[21];

	(void)state;
	fresh(HS_STS_EA11, HS_STS_KT_DUTK, HS_STS_KEN_NONE, 300);
	assert_int_equal(hs_sts_plain_test(&p, HS_STS_C1_TEST_MFR2, 1, 0),
	    HS_STS_OK);
	assert_int_equal(hs_sts_encode(NULL, &p, t), HS_STS_OK);
	assert_int_equal(enter(t), HS_TOK_TEST);
	hs_meter_tamper(&m, 1);
	assert_true(hs_meter_flags(&m) & HS_METER_F_TAMPER);
	tok_mgmt(HS_STS_EA11, HS_STS_C2_CLEAR_TAMPER, 10, 0, t);
	assert_int_equal(enter(t), HS_TOK_MGMT);
	assert_false(hs_meter_flags(&m) & HS_METER_F_TAMPER);
	reboot();
	assert_false(hs_meter_flags(&m) & HS_METER_F_TAMPER);
	tok_mgmt(HS_STS_EA11, HS_STS_C2_CLEAR_CREDIT, 11, 0xFFFF, t);
	assert_int_equal(enter(t), HS_TOK_MGMT);
	assert_int_equal(hs_meter_credit(&m), 0);
	assert_int_equal(valve_state, 0);
}

static void
valve_and_low_credit(void **state)
{
	char	t[21];
	int	i;

	(void)state;
	fresh(HS_STS_EA11, HS_STS_KT_DUTK, HS_STS_KEN_NONE, 60);
	assert_int_equal(valve_state, 1);
	(void)hs_meter_take_events(&m);
	for (i = 0; i < 10; i++)
		hs_meter_pulse(&m, 0);
	assert_int_equal(hs_meter_credit(&m), 50);
	assert_int_equal(hs_meter_take_events(&m), HS_METER_EV_LOW_CREDIT);
	assert_true(hs_meter_flags(&m) & HS_METER_F_LOW_CREDIT);
	for (i = 0; i < 49; i++)
		hs_meter_pulse(&m, 0);
	assert_int_equal(valve_state, 1);
	hs_meter_pulse(&m, 0);
	assert_int_equal(hs_meter_credit(&m), 0);
	assert_int_equal(valve_state, 0);
	assert_int_equal(hs_meter_take_events(&m), HS_METER_EV_VALVE_CLOSED);
	assert_true(hs_meter_flags(&m) & HS_METER_F_NO_CREDIT);
	/* Water still in the pipe: debt, paid by the next token. */
	hs_meter_pulse(&m, 0);
	hs_meter_pulse(&m, 0);
	assert_int_equal(hs_meter_credit(&m), -2);
	/* The closing point was committed: a reboot keeps the valve shut. */
	reboot();
	assert_int_equal(valve_state, 0);
	assert_true(hs_meter_credit(&m) <= 0);
	tok_water(HS_STS_EA11, 77, 1, t);
	assert_int_equal(enter(t), HS_TOK_CREDIT);
	assert_true(hs_meter_credit(&m) >= 98);
	assert_int_equal(valve_state, 1);
	assert_int_equal(hs_meter_take_events(&m), HS_METER_EV_VALVE_OPENED);
}

static void
pulses_per_litre_and_reverse(void **state)
{
	int	i;

	(void)state;
	fresh(HS_STS_EA11, HS_STS_KT_DUTK, HS_STS_KEN_NONE, 1000);
	m.conf.pulses_per_l = 4;
	for (i = 0; i < 7; i++)
		hs_meter_pulse(&m, 0);
	assert_int_equal(m.ring.consumed, 1);
	/* Chatter back and forth counts nothing. */
	for (i = 0; i < 20; i++) {
		hs_meter_pulse(&m, 1);
		hs_meter_pulse(&m, 0);
	}
	assert_int_equal(m.ring.consumed, 1);
	assert_int_equal(m.ring.reverse, 0);
	for (i = 0; i < 3 + 8; i++)
		hs_meter_pulse(&m, 1);
	assert_int_equal(m.ring.reverse, 2);
	assert_int_equal(m.ring.consumed, 1);
	assert_true(hs_meter_flags(&m) & HS_METER_F_REVERSE);
	assert_true(hs_meter_take_events(&m) & HS_METER_EV_REVERSE);
	reboot();
	assert_true(hs_meter_flags(&m) & HS_METER_F_REVERSE);
}

static void
hourly_log(void **state)
{
	static const uint16_t litres[] = { 0, 1, 3, 4, 7, 30, 700, 2000 };
	static const uint8_t codes[] = { 0, 1, 3, 3, 5, 8, 14, 15 };
	size_t	h;
	uint16_t i;

	(void)state;
	for (h = 0; h < sizeof(codes); h++)
		assert_int_equal(hs_hourlog_code(litres[h]), codes[h]);
	for (i = 0; i < 16; i++)
		assert_int_equal(hs_hourlog_code(hs_hourlog_litres(
		    (uint8_t)i)), i);
	fresh(HS_STS_EA11, HS_STS_KT_DUTK, HS_STS_KEN_NONE, 100000);
	for (h = 0; h < sizeof(codes); h++) {
		for (i = 0; i < litres[h]; i++)
			hs_meter_pulse(&m, 0);
		hs_meter_tick(&m, 3599);
		hs_meter_tick(&m, 1);
	}
	assert_int_equal(m.ring.hour, sizeof(codes));
	for (h = 0; h < sizeof(codes); h++)
		assert_int_equal(hs_hourlog_get(h), codes[h]);
	/* 1440 hours later the slot is reused. */
	hs_meter_tick(&m, 60000);
	hs_meter_tick(&m, 60000);
	assert_int_equal(m.ring.hour, sizeof(codes) + 33);
	for (i = 0; i < 1440 - 33; i++)
		hs_meter_tick(&m, 3600);
	assert_int_equal(m.ring.hour, 1440 + sizeof(codes));
	assert_int_equal(hs_hourlog_get(1), 0);
	reboot();
	assert_int_equal(m.ring.hour, 1440 + sizeof(codes));
}

static void
lockout_grows_and_survives_power_loss(void **state)
{
	char		t[21], good[21];
	uint32_t	first, second;
	int		i;

	(void)state;
	fresh(HS_STS_EA11, HS_STS_KT_DUTK, HS_STS_KEN_NONE, 100);
	tok_water(HS_STS_EA07, 1, 1, t);	/* wrong key: CRC fails */
	tok_water(HS_STS_EA11, 5, 1, good);
	for (i = 0; i < 4; i++)
		assert_int_equal(enter(t), HS_TOK_INVALID);
	assert_int_equal(hs_meter_locked(&m), 0);
	assert_int_equal(enter(t), HS_TOK_INVALID);
	first = hs_meter_locked(&m);
	assert_int_equal(first, HS_METER_LOCK_BASE);
	assert_int_equal(enter(good), HS_TOK_LOCKED);
	/* Power loss does not lift it. */
	reboot();
	assert_true(hs_meter_locked(&m) >= first);
	assert_true(hs_meter_flags(&m) & HS_METER_F_LOCKED);
	assert_int_equal(enter(good), HS_TOK_LOCKED);
	hs_meter_tick(&m, (uint16_t)hs_meter_locked(&m));
	assert_int_equal(hs_meter_locked(&m), 0);
	/* The sixth bad token doubles the delay. */
	assert_int_equal(enter(t), HS_TOK_INVALID);
	second = hs_meter_locked(&m);
	assert_int_equal(second, 2 * HS_METER_LOCK_BASE);
	hs_meter_tick(&m, (uint16_t)second);
	/* A good token clears the count. */
	assert_int_equal(enter(good), HS_TOK_CREDIT);
	assert_int_equal(m.tok.bad, 0);
	reboot();
	assert_int_equal(m.tok.bad, 0);
	assert_int_equal(hs_meter_credit(&m), 200);
}

static void
clock_moves_forward_only(void **state)
{
	(void)state;
	fresh(HS_STS_EA11, HS_STS_KT_DUTK, HS_STS_KEN_NONE, 100);
	assert_int_equal(hs_meter_unix(&m), 1700000000UL);
	hs_meter_tick(&m, 10);
	assert_int_equal(hs_meter_unix(&m), 1700000010UL);
	hs_meter_set_time(&m, 1600000000UL);
	assert_int_equal(hs_meter_unix(&m), 1700000010UL);
	hs_meter_set_time(&m, 1800000000UL);
	assert_int_equal(hs_meter_unix(&m), 1800000000UL);
	reboot();
	/* The seconds into the hour are lost, the offset is not. */
	assert_int_equal(hs_meter_unix(&m), 1800000000UL - 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(credit_both_algorithms),
		cmocka_unit_test(rejections),
		cmocka_unit_test(key_change),
		cmocka_unit_test(test_and_management_tokens),
		cmocka_unit_test(valve_and_low_credit),
		cmocka_unit_test(pulses_per_litre_and_reverse),
		cmocka_unit_test(hourly_log),
		cmocka_unit_test(lockout_grows_and_survives_power_loss),
		cmocka_unit_test(clock_moves_forward_only),
	};

	return (cmocka_run_group_tests_name("meter_core", tests, NULL, NULL));
}
