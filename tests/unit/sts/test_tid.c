/*
 * Calendar arithmetic, TIDs for the three base dates, and the key expiry
 * rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sts/sts.h"

static uint32_t
tid_at(int base, int y, int mo, int d, int h, int mi, enum hs_sts_err want)
{
	struct hs_sts_utc	t = { y, mo, d, h, mi, 0 };
	uint32_t		tid = 0xDEADBEEF;

	assert_int_equal(hs_sts_tid_from_utc(base, &t, &tid), want);
	return (tid);
}

static void
civil(void **state)
{
	int32_t	y;
	int	m, d;

	(void)state;
	assert_int_equal(hs_sts_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(hs_sts_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(hs_sts_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(hs_sts_days_from_civil(2024, 2, 29) + 1,
	    hs_sts_days_from_civil(2024, 3, 1));
	for (int32_t z = -800000; z < 3000000; z += 37) {
		hs_sts_civil_from_days(z, &y, &m, &d);
		assert_int_equal(hs_sts_days_from_civil(y, m, d), z);
	}
}

static void
vectors(void **state)
{
	(void)state;
	assert_int_equal(tid_at(1993, 2004, 3, 1, 13, 55, HS_STS_OK),
	    5871715);
	assert_int_equal(tid_at(1993, 2004, 3, 1, 13, 0, HS_STS_OK),
	    5871660);
	assert_int_equal(tid_at(1993, 1993, 1, 1, 0, 0, HS_STS_OK), 0);
	/* Rollover: the last minute of each base date. */
	assert_int_equal(tid_at(1993, 2024, 11, 24, 20, 15, HS_STS_OK),
	    0xFFFFFF);
	tid_at(1993, 2024, 11, 24, 20, 16, HS_STS_E_RANGE);
	assert_int_equal(tid_at(2014, 2045, 11, 24, 20, 15, HS_STS_OK),
	    0xFFFFFF);
	tid_at(2014, 2045, 11, 24, 20, 16, HS_STS_E_RANGE);
	assert_int_equal(tid_at(2035, 2066, 11, 24, 20, 15, HS_STS_OK),
	    0xFFFFFF);
	tid_at(2035, 2066, 11, 24, 20, 16, HS_STS_E_RANGE);
	/* Before the base date, far after it, bad dates and bases. */
	tid_at(2014, 2013, 12, 31, 23, 59, HS_STS_E_RANGE);
	tid_at(1993, 9999, 12, 31, 23, 59, HS_STS_E_RANGE);
	tid_at(1993, 2023, 2, 29, 0, 0, HS_STS_E_ARG);
	tid_at(1993, 2024, 13, 1, 0, 0, HS_STS_E_ARG);
	tid_at(1993, 2024, 1, 1, 24, 0, HS_STS_E_ARG);
	tid_at(2000, 2024, 1, 1, 0, 0, HS_STS_E_ARG);
	assert_int_equal(tid_at(1993, 2024, 2, 29, 0, 0, HS_STS_OK) + 1440,
	    tid_at(1993, 2024, 3, 1, 0, 0, HS_STS_OK));
}

/* tid -> UTC -> tid is the identity over the whole range, every base. */
static void
inverse(void **state)
{
	static const int	bases[3] = { 1993, 2014, 2035 };
	struct hs_sts_utc	t;
	uint32_t		back;

	(void)state;
	for (int b = 0; b < 3; b++) {
		for (uint32_t tid = 0; tid <= 0xFFFFFF; tid += 997) {
			assert_int_equal(hs_sts_tid_to_utc(bases[b], tid, &t),
			    HS_STS_OK);
			assert_int_equal(hs_sts_tid_from_utc(bases[b], &t,
			    &back), HS_STS_OK);
			assert_int_equal(back, tid);
		}
		assert_int_equal(hs_sts_tid_to_utc(bases[b], 0xFFFFFF, &t),
		    HS_STS_OK);
		assert_int_equal(t.year, bases[b] + 31);
		assert_int_equal(t.month, 11);
		assert_int_equal(t.day, 24);
		assert_int_equal(t.hour, 20);
		assert_int_equal(t.minute, 15);
	}
}

static void
key_expiry(void **state)
{
	(void)state;
	assert_true(hs_sts_ken_allows(0, 0x00FFFF));
	assert_false(hs_sts_ken_allows(0, 0x010000));
	assert_true(hs_sts_ken_allows(0x59, 0x59FFFF));
	assert_false(hs_sts_ken_allows(0x59, 0x5A0000));
	assert_true(hs_sts_ken_allows(0xFE, 0xFEFFFF));
	assert_false(hs_sts_ken_allows(0xFE, 0xFF0000));
	assert_true(hs_sts_ken_allows(0xFF, 0xFFFFFF));	/* disabled */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(civil),
		cmocka_unit_test(vectors),
		cmocka_unit_test(inverse),
		cmocka_unit_test(key_expiry),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
