/*
 * Tariff arithmetic against worked examples from PDAM and PLN practice,
 * and properties every quote must have: what is sold is the most the
 * payment covers, never more, and token rounding favours the customer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tariff/tariff.h"

/* PDAM Tirta Lawu, household R1: 0-10 m3 Rp1,100; 11-20 Rp1,800;
 * 21-30 Rp1,900; above Rp2,100 (litres; prices per m3 x 1000). */
static struct hs_tariff
water_r1(void)
{
	struct hs_tariff	t;

	memset(&t, 0, sizeof(t));
	t.nblocks = 4;
	t.blocks[0].upto = 10000;
	t.blocks[0].price = 1100000;
	t.blocks[1].upto = 20000;
	t.blocks[1].price = 1800000;
	t.blocks[2].upto = 30000;
	t.blocks[2].price = 1900000;
	t.blocks[3].upto = HS_TARIFF_NO_END;
	t.blocks[3].price = 2100000;
	t.resolution = 100;		/* STS water: 0.1 m3 */
	return (t);
}

/* PLN 1,300 VA prepaid: Rp1,444.70 per kWh, PPJ 3%, admin Rp1,750 (Wh). */
static struct hs_tariff
pln_1300(void)
{
	struct hs_tariff	t;

	memset(&t, 0, sizeof(t));
	t.nblocks = 1;
	t.blocks[0].upto = HS_TARIFF_NO_END;
	t.blocks[0].price = 1444700;
	t.tax_bp = 300;
	t.admin_fee = 1750;
	t.resolution = 100;		/* STS electricity: 0.1 kWh */
	return (t);
}

static void
test_bill_25m3_household(void **state)
{
	struct hs_tariff	t = water_r1();
	struct hs_tariff_bill	b;

	(void)state;
	/* The published example: 10x1,100 + 10x1,800 + 5x1,900 = 38,500. */
	assert_int_equal(hs_tariff_bill(&t, 25000, &b), 0);
	assert_int_equal(b.usage, 38500);
	assert_int_equal(b.total, 38500);
	assert_int_equal(b.nlines, 3);
	assert_int_equal(b.lines[0].units, 10000);
	assert_int_equal(b.lines[0].amount, 11000);
	assert_int_equal(b.lines[1].amount, 18000);
	assert_int_equal(b.lines[2].units, 5000);
	assert_int_equal(b.lines[2].amount, 9500);

	/* With the fixed charge, admin fee and a minimum of 10 m3. */
	t.fixed_monthly = 8000;
	t.admin_fee = 2500;
	t.minimum_charge = 11000;
	assert_int_equal(hs_tariff_bill(&t, 25000, &b), 0);
	assert_int_equal(b.total, 38500 + 8000 + 2500);
	assert_int_equal(hs_tariff_bill(&t, 3000, &b), 0);
	assert_int_equal(b.usage, 3300);
	assert_int_equal(b.minimum_topup, 11000 - 3300);
	assert_int_equal(b.total, 11000 + 8000 + 2500);
	assert_int_equal(hs_tariff_bill(&t, 0, &b), 0);
	assert_int_equal(b.total, 11000 + 8000 + 2500);
}

static void
test_pln_example(void **state)
{
	struct hs_tariff	 t = pln_1300();
	struct hs_tariff_quote	 q;

	(void)state;
	/* Rp50,000, PPJ 3%: 48,500 / 1,444.70 = 33.57 kWh; admin on top. */
	assert_int_equal(hs_tariff_quote(&t, 0, 50000, &q), 0);
	assert_int_equal(q.tax, 1500);
	assert_int_equal(q.value, 48500);
	assert_int_equal(q.units, 33570);		/* Wh: 33.57 kWh */
	assert_int_equal(q.token_units, 33600);	/* 33.6 kWh on the token */
	assert_int_equal(q.total, 51750);
	assert_int_equal(q.nlines, 3);
	assert_string_equal(q.lines[1].what, "tax");
	assert_string_equal(q.lines[2].what, "admin fee");
	assert_int_equal(hs_tariff_quote(&t, 0, 100000, &q), 0);
	assert_int_equal(q.units, 67141);		/* 67.14 kWh */
}

static void
test_prepaid_water_through_blocks(void **state)
{
	struct hs_tariff	 t = water_r1();
	struct hs_tariff_quote	 q;

	(void)state;
	t.admin_fee = 2500;
	/* From zero: 11,000 + 18,000 + 19,000 = 48,000 buys 30 m3; the last
	 * 2,000 buys 2,000/2,100 m3 = 952 L. */
	assert_int_equal(hs_tariff_quote(&t, 0, 50000, &q), 0);
	assert_int_equal(q.units, 30952);
	assert_int_equal(q.token_units, 31000);
	assert_int_equal(q.total, 52500);
	assert_int_equal(q.nlines, 5);
	assert_int_equal(q.lines[3].block, 3);
	assert_int_equal(q.lines[3].units, 952);
	/* After 25 m3 this month: 5 m3 at 1,900 then 40,500 at 2,100. */
	assert_int_equal(hs_tariff_quote(&t, 25000, 50000, &q), 0);
	assert_int_equal(q.units, 5000 + 19285);
	assert_int_equal(q.lines[0].block, 2);
	/* Too little to buy a litre. */
	assert_int_equal(hs_tariff_quote(&t, 0, 1, &q), -1);
	assert_int_equal(hs_tariff_quote(&t, 0, 0, &q), -1);
	assert_int_equal(hs_tariff_quote(&t, -1, 1000, &q), -1);
}

/* The units sold are the most the value pays for: one more would not be
 * covered (checked with the independent cost function). */
static void
test_quote_is_maximal(void **state)
{
	struct hs_tariff	 t = water_r1();
	struct hs_tariff_quote	 q;
	int64_t			 prior, amount, cost, more;
	int			 i;

	(void)state;
	srand(1234);
	t.tax_bp = 1000;
	for (i = 0; i < 20000; i++) {
		prior = rand() % 60000;
		amount = 100 + rand() % 400000;
		assert_int_equal(hs_tariff_quote(&t, prior, amount, &q), 0);
		cost = hs_tariff_cost(&t, prior, q.units, NULL, NULL);
		more = hs_tariff_cost(&t, prior, q.units + 1, NULL, NULL);
		if (cost > q.value * 1000 || more <= q.value * 1000)
			fail_msg("prior %lld amount %lld: %lld units cost %lld "
			    "(+1: %lld) of %lld", (long long)prior,
			    (long long)amount, (long long)q.units,
			    (long long)cost, (long long)more,
			    (long long)q.value * 1000);
		assert_true(q.token_units >= q.units);
		assert_true(q.token_units - q.units < t.resolution);
		assert_int_equal(q.token_units % t.resolution, 0);
	}
}

static void
test_bad_tariffs_refused(void **state)
{
	struct hs_tariff	t;
	struct hs_tariff_quote	q;

	(void)state;
	t = water_r1();
	assert_null(hs_tariff_check(&t));
	t.blocks[1].upto = 9000;
	assert_string_equal(hs_tariff_check(&t), "blocks must ascend");
	t = water_r1();
	t.blocks[1].upto = HS_TARIFF_NO_END;
	assert_string_equal(hs_tariff_check(&t),
	    "only the last block may be open-ended");
	t = water_r1();
	t.blocks[2].price = -1;
	assert_non_null(hs_tariff_check(&t));
	t = water_r1();
	t.tax_bp = 10001;
	assert_non_null(hs_tariff_check(&t));
	t = water_r1();
	t.nblocks = 0;
	assert_non_null(hs_tariff_check(&t));
	assert_int_equal(hs_tariff_quote(&t, 0, 1000, &q), -1);
	/* A free open-ended block cannot be sold. */
	t = water_r1();
	t.blocks[3].price = 0;
	assert_int_equal(hs_tariff_quote(&t, 40000, 1000, &q), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bill_25m3_household),
		cmocka_unit_test(test_pln_example),
		cmocka_unit_test(test_prepaid_water_through_blocks),
		cmocka_unit_test(test_quote_is_maximal),
		cmocka_unit_test(test_bad_tariffs_refused),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
