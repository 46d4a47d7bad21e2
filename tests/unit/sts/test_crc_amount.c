/*
 * CRC-16 and amount coding: the published examples, plus an exhaustive
 * check that encoding rounds every amount up to the nearest code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sts/sts.h"

static void
crc_examples(void **state)
{
	static const uint8_t	a[7] = { 0x00, 0x00, 0x4A, 0x2D, 0x90, 0x0F,
				    0xF2 };
	static const uint8_t	b[7] = { 0x00, 0x0B, 0x19, 0xEB, 0x23, 0x01,
				    0x00 };
	/* sts.org.za example: class 0, sub 0, RND 5, amount 10000; the TID
	 * bits shown there are 0xC02A55 (its decimal label is wrong). */
	static const uint8_t	c[7] = { 0x00, 0x05, 0xC0, 0x2A, 0x55, 0x27,
				    0x10 };
	/* CTSA01 step 1: class 0, block 05 599863 0001. */
	static const uint8_t	d[7] = { 0x00, 0x05, 0x59, 0x98, 0x63, 0x00,
				    0x01 };

	(void)state;
	assert_int_equal(hs_sts_crc16(a, 7), 0x0FFA);
	assert_int_equal(hs_sts_crc16(b, 7), 0xC207);
	assert_int_equal(hs_sts_crc16(c, 7), 0x1970);
	assert_int_equal(hs_sts_crc16(d, 7), 0x19E6);
	/* Any single-bit change is detected. */
	for (int i = 0; i < 56; i++) {
		uint8_t	x[7];

		for (int j = 0; j < 7; j++)
			x[j] = d[j];
		x[i / 8] ^= (uint8_t)(1 << (i % 8));
		assert_int_not_equal(hs_sts_crc16(x, 7), 0x19E6);
	}
}

static void
amount_examples(void **state)
{
	uint16_t	code;

	(void)state;
	assert_int_equal(hs_sts_amount_encode(163830, &code), HS_STS_OK);
	assert_int_equal(code, 0x7999);
	assert_int_equal(hs_sts_amount_decode(0x7999), 163834);
	assert_int_equal(hs_sts_amount_encode(1802240, &code), HS_STS_OK);
	assert_int_equal(code, 0xBF5D);
	assert_int_equal(hs_sts_amount_encode(18201620, &code), HS_STS_OK);
	assert_int_equal(code, 0xFFFF);
	assert_int_equal(hs_sts_amount_decode(0xFFFF), HS_STS_AMOUNT_MAX);
	assert_int_equal(hs_sts_amount_encode(1, &code), HS_STS_OK);
	assert_int_equal(code, 0x0001);
	assert_int_equal(hs_sts_amount_encode(0, &code), HS_STS_OK);
	assert_int_equal(code, 0);
	/* Boundaries of each exponent range. */
	assert_int_equal(hs_sts_amount_encode(16383, &code), HS_STS_OK);
	assert_int_equal(code, 0x3FFF);
	assert_int_equal(hs_sts_amount_encode(16384, &code), HS_STS_OK);
	assert_int_equal(code, 0x4000);
	assert_int_equal(hs_sts_amount_encode(16385, &code), HS_STS_OK);
	assert_int_equal(code, 0x4001);	/* rounded up to 16394 */
	assert_int_equal(hs_sts_amount_encode(180215, &code), HS_STS_OK);
	assert_int_equal(code, 0x8000);	/* gap: next range start 180224 */
	assert_int_equal(hs_sts_amount_encode(HS_STS_AMOUNT_MAX + 1, &code),
	    HS_STS_E_RANGE);
	assert_int_equal(hs_sts_amount_encode(UINT32_MAX, &code),
	    HS_STS_E_RANGE);
}

/* Every code decodes to a value that encodes back to the same code. */
static void
amount_all_codes(void **state)
{
	uint32_t	prev = 0;
	uint16_t	back;

	(void)state;
	for (uint32_t c = 0; c <= 0xFFFF; c++) {
		uint32_t	v = hs_sts_amount_decode((uint16_t)c);

		assert_int_equal(hs_sts_amount_encode(v, &back), HS_STS_OK);
		assert_int_equal(back, c);
		if (c > 0)
			assert_true(v > prev);	/* strictly increasing */
		prev = v;
	}
}

/*
 * Every amount 0..max: the code's value is >= the amount (rounded up) and
 * the code below it would be < the amount (the smallest such code).
 */
static void
amount_rounds_up_everywhere(void **state)
{
	uint16_t	code;

	(void)state;
	for (uint32_t u = 0; u <= HS_STS_AMOUNT_MAX; u++) {
		if (hs_sts_amount_encode(u, &code) != HS_STS_OK)
			fail_msg("encode(%u) failed", u);
		if (hs_sts_amount_decode(code) < u)
			fail_msg("encode(%u) rounded down", u);
		if (code > 0 && hs_sts_amount_decode((uint16_t)(code - 1)) >= u)
			fail_msg("encode(%u) not the smallest code", u);
	}
}

static void
currency(void **state)
{
	uint64_t	units;
	uint16_t	code;
	uint8_t		se;
	int		neg;

	(void)state;
	/* Chinese tool example: 100 units of currency = 10,000,000. */
	assert_int_equal(hs_sts_currency_encode(10000000, 0, &code, &se),
	    HS_STS_OK);
	assert_int_equal(hs_sts_currency_decode(code, se, &units, &neg),
	    HS_STS_OK);
	assert_true(units >= 10000000 && units < 10000000 + 1000);
	assert_int_equal(neg, 0);
	/* Round trips at range edges, exponents beyond 3, and the sign. */
	{
		static const uint64_t	v[] = { 0, 1, 16383, 16384, 180214,
		    180215, 1818624, 18201624, 18201625, 1000000000000ULL,
		    UINT64_MAX / 3, 18204444444444444443ULL };

		for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			assert_int_equal(hs_sts_currency_encode(v[i], 1, &code,
			    &se), HS_STS_OK);
			assert_int_equal(hs_sts_currency_decode(code, se,
			    &units, &neg), HS_STS_OK);
			assert_true(units >= v[i]);
			assert_int_equal(neg, 1);
			assert_int_equal(se >> 3, 1);
		}
	}
	/* Rounding up the largest values would leave 64 bits. */
	assert_int_equal(hs_sts_currency_encode(UINT64_MAX, 0, &code, &se),
	    HS_STS_E_RANGE);
	/* The 2-bit part of the exponent matches the kWh coding. */
	assert_int_equal(hs_sts_currency_encode(163830, 0, &code, &se),
	    HS_STS_OK);
	assert_int_equal(code, 0x7999);
	assert_int_equal(se, 0);
	/* e = 31 cannot be represented in 64 bits. */
	assert_int_equal(hs_sts_currency_decode(0xFFFF, 7, &units, &neg),
	    HS_STS_E_RANGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crc_examples),
		cmocka_unit_test(amount_examples),
		cmocka_unit_test(amount_all_codes),
		cmocka_unit_test(amount_rounds_up_everywhere),
		cmocka_unit_test(currency),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
