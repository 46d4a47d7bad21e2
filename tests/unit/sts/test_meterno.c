/*
 * Meter numbers: Luhn digit, PAN and DRN construction and validation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sts/sts.h"

static void
luhn(void **state)
{
	(void)state;
	assert_int_equal(hs_sts_luhn_digit("010000000000", 12), 8);
	assert_int_equal(hs_sts_luhn_digit("60072700000000000", 17), 9);
	assert_int_equal(hs_sts_luhn_digit("00000100000000008", 17), 2);
	assert_int_equal(hs_sts_luhn_digit("7992739871", 10), 3);
	assert_int_equal(hs_sts_luhn_digit("79927x9871", 10), -1);
}

static void
pan(void **state)
{
	char	out[19];

	(void)state;
	assert_int_equal(hs_sts_pan_make("600727", 6, "00000000000", 11, out),
	    HS_STS_OK);
	assert_string_equal(out, "600727000000000009");
	assert_int_equal(hs_sts_pan_make("0000", 4, "0100000000008", 13, out),
	    HS_STS_OK);
	assert_string_equal(out, "000001000000000082");
	assert_int_equal(hs_sts_pan_make("600727", 6, "0000000000", 10, out),
	    HS_STS_E_LENGTH);
	assert_int_equal(hs_sts_pan_make("1234", 4, "0100000000008", 13, out),
	    HS_STS_E_RANGE);
	assert_int_equal(hs_sts_pan_make("60072a", 6, "00000000000", 11, out),
	    HS_STS_E_DIGIT);
	assert_int_equal(hs_sts_pan_validate("600727000000000009", 18),
	    HS_STS_OK);
	assert_int_equal(hs_sts_pan_validate("600727000000000008", 18),
	    HS_STS_E_CHECK);
	assert_int_equal(hs_sts_pan_validate("60072700000000009", 17),
	    HS_STS_E_LENGTH);
	assert_int_equal(hs_sts_pan_validate("6007270000000000090", 19),
	    HS_STS_E_LENGTH);
	assert_int_equal(hs_sts_pan_validate("60072700000000000a", 18),
	    HS_STS_E_DIGIT);
	/* Every single-digit error is caught by the check digit. */
	for (int i = 0; i < 18; i++) {
		for (char d = '0'; d <= '9'; d++) {
			char	p[19] = "600727000000000009";

			if (p[i] == d)
				continue;
			p[i] = d;
			assert_int_equal(hs_sts_pan_validate(p, 18),
			    HS_STS_E_CHECK);
		}
	}
}

static void
drn(void **state)
{
	(void)state;
	assert_int_equal(hs_sts_drn_validate("0100000000008", 13), HS_STS_OK);
	assert_int_equal(hs_sts_drn_validate("0100000000007", 13),
	    HS_STS_E_CHECK);
	assert_int_equal(hs_sts_drn_validate("00000000000", 11), HS_STS_OK);
	assert_int_equal(hs_sts_drn_validate("000000000000", 12),
	    HS_STS_E_LENGTH);
	assert_int_equal(hs_sts_drn_validate("0000000000 ", 11),
	    HS_STS_E_DIGIT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(luhn),
		cmocka_unit_test(pan),
		cmocka_unit_test(drn),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
