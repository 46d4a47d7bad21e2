/*
 * Block layouts for every class/subclass family, the CRC placement and
 * CRC_C for currency, and field range checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vectors.h"

static void
ctsa01_block_vector(void **state)
{
	struct hs_sts_plain	p, q;
	uint8_t			b[8];

	(void)state;
	assert_int_equal(hs_sts_plain_credit(&p, 0, 5, CTSA01_TID, 1),
	    HS_STS_OK);
	assert_int_equal(hs_sts_plain_pack(&p, b), HS_STS_OK);
	assert_memory_equal(b, ctsa01_block, 8);
	assert_int_equal(p.crc, 0x19E6);
	assert_int_equal(hs_sts_plain_unpack(&q, 0, b), HS_STS_OK);
	assert_int_equal(q.tid, CTSA01_TID);
	assert_int_equal(q.rnd, 5);
	assert_int_equal(q.data, 1);
	/* The same block read as class 2 fails: the class is in the CRC. */
	assert_int_equal(hs_sts_plain_unpack(&q, 2, b), HS_STS_E_CRC);
	assert_int_equal(hs_sts_plain_unpack(&q, 1, b), HS_STS_E_CRC);
	assert_int_equal(hs_sts_plain_unpack(&q, 3, b), HS_STS_E_CLASS);
	/* IEC sample data block. */
	assert_int_equal(hs_sts_plain_unpack(&q, 0, iec_plain), HS_STS_OK);
	assert_int_equal(q.subclass, 0);
	assert_int_equal(q.rnd, 0xB);
	assert_int_equal(q.tid, 0x19EB23);
	assert_int_equal(q.data, 0x0100);
}

static void
crc_flips(void **state)
{
	struct hs_sts_plain	q;
	uint8_t			b[8];

	(void)state;
	for (int bit = 0; bit < 64; bit++) {
		memcpy(b, ctsa01_block, 8);
		b[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
		assert_int_equal(hs_sts_plain_unpack(&q, 0, b), HS_STS_E_CRC);
	}
}

static void
test_tokens(void **state)
{
	struct hs_sts_plain	p, q;
	uint8_t			b[8];

	(void)state;
	assert_int_equal(hs_sts_plain_test(&p, 0, 0xFFFFFFFFFULL, 0xAB),
	    HS_STS_OK);
	assert_int_equal(hs_sts_plain_pack(&p, b), HS_STS_OK);
	assert_int_equal(b[0], 0x0F);
	assert_int_equal(b[5], 0xAB);
	assert_int_equal(hs_sts_plain_unpack(&q, 1, b), HS_STS_OK);
	assert_true(q.control == 0xFFFFFFFFFULL);
	assert_int_equal(q.mfrcode, 0xAB);
	assert_int_equal(hs_sts_plain_test(&p, 1, 0x0ABCDEF, 0x1234),
	    HS_STS_OK);
	assert_int_equal(hs_sts_plain_pack(&p, b), HS_STS_OK);
	assert_int_equal(b[0], 0x10);
	assert_int_equal(b[4], 0x12);
	assert_int_equal(hs_sts_plain_unpack(&q, 1, b), HS_STS_OK);
	assert_true(q.control == 0x0ABCDEF);
	assert_int_equal(q.mfrcode, 0x1234);
	assert_int_equal(hs_sts_plain_test(&p, 0, 1ULL << 36, 0),
	    HS_STS_E_RANGE);
	assert_int_equal(hs_sts_plain_test(&p, 0, 0, 0x100), HS_STS_E_RANGE);
	assert_int_equal(hs_sts_plain_test(&p, 1, 1ULL << 28, 0),
	    HS_STS_E_RANGE);
	assert_int_equal(hs_sts_plain_test(&p, 2, 0, 0), HS_STS_E_CLASS);
}

static void
management(void **state)
{
	struct hs_sts_plain	p, q;
	uint8_t			b[8];

	(void)state;
	/* CTSA03 style: 1000 W max power, amount-coded. */
	assert_int_equal(hs_sts_plain_mgmt(&p, 0, 5, 1234, 1000), HS_STS_OK);
	assert_int_equal(p.data, 1000);
	assert_int_equal(hs_sts_plain_mgmt(&p, 0, 5, 1234, 20000), HS_STS_OK);
	assert_int_equal(hs_sts_amount_decode(p.data), 20004);
	assert_int_equal(hs_sts_plain_mgmt(&p, 1, 5, 1, 0xFFFF), HS_STS_OK);
	assert_int_equal(hs_sts_plain_pack(&p, b), HS_STS_OK);
	assert_int_equal(hs_sts_plain_unpack(&q, 2, b), HS_STS_OK);
	assert_int_equal(q.data, 0xFFFF);
	assert_int_equal(q.subclass, 1);
	assert_int_equal(hs_sts_plain_mgmt(&p, 1, 5, 1, 0x10000),
	    HS_STS_E_RANGE);
	assert_int_equal(hs_sts_plain_mgmt(&p, 5, 5, 1, 1), HS_STS_E_RANGE);
	assert_int_equal(hs_sts_plain_mgmt(&p, 5, 5, 1, 0), HS_STS_OK);
	assert_int_equal(hs_sts_plain_mgmt(&p, 3, 5, 1, 0), HS_STS_E_CLASS);
	assert_int_equal(hs_sts_plain_mgmt(&p, 10, 5, 1, 0), HS_STS_E_CLASS);
	assert_int_equal(hs_sts_plain_mgmt(&p, 0, 16, 1, 0), HS_STS_E_RANGE);
	assert_int_equal(hs_sts_plain_mgmt(&p, 0, 0, 0x1000000, 0),
	    HS_STS_E_RANGE);
	assert_int_equal(hs_sts_plain_credit(&p, 0, 0, 0, 18201625),
	    HS_STS_E_RANGE);
	assert_int_equal(hs_sts_plain_credit(&p, 8, 0, 0, 1), HS_STS_E_CLASS);
}

/* Currency subclasses use S&E in the RND field and CRC_C. */
static void
currency_crc_c(void **state)
{
	struct hs_sts_plain	p, q;
	uint8_t			b[8], in[8];

	(void)state;
	assert_int_equal(hs_sts_plain_credit(&p, 4, 9, 1000, 10000000),
	    HS_STS_OK);
	assert_int_equal(p.rnd, 0);	/* S&E, not the RND given */
	assert_int_equal(hs_sts_plain_pack(&p, b), HS_STS_OK);
	in[0] = 0;
	memcpy(in + 1, b, 6);
	in[7] = 1;
	assert_int_equal(p.crc, hs_sts_crc16(in, 8));
	assert_int_not_equal(p.crc, hs_sts_crc16(in, 7));
	assert_int_equal(hs_sts_plain_unpack(&q, 0, b), HS_STS_OK);
	/* Subclass 0 with the same fields uses the plain CRC. */
	assert_int_equal(hs_sts_plain_credit(&p, 0, 0, 1000, 1), HS_STS_OK);
	assert_int_equal(hs_sts_plain_pack(&p, b), HS_STS_OK);
	memcpy(in + 1, b, 6);
	assert_int_equal(p.crc, hs_sts_crc16(in, 7));
}

static void
kct_layouts(void **state)
{
	struct hs_sts_newkey	nk;
	struct hs_sts_plain	p[4], q;
	uint8_t			b[8];
	unsigned		n;

	(void)state;
	memset(&nk, 0, sizeof(nk));
	memcpy(nk.dk, rfc_key, 16);
	nk.kt = 2;
	nk.krn = 9;
	nk.ti = 99;
	nk.ken = 0xA5;
	nk.ro = 1;
	nk.sgc = 123457;	/* 0x01E241: high 0x01E, low 0x241 */
	assert_int_equal(hs_sts_kct_make(&nk, HS_STS_EA11, p, &n), HS_STS_OK);
	assert_int_equal(n, 4);
	assert_int_equal(hs_sts_plain_pack(&p[0], b), HS_STS_OK);
	assert_int_equal(b[0], 0x3A);		/* sub 3, KENHO A */
	assert_int_equal(b[1], 0x9 << 4 | 1 << 3 | 2);
	assert_int_equal(b[2], 0x00);		/* NKHO = key bytes 0..3 */
	assert_int_equal(b[5], 0x33);
	assert_int_equal(hs_sts_plain_pack(&p[1], b), HS_STS_OK);
	assert_int_equal(b[0], 0x45);		/* sub 4, KENLO 5 */
	assert_int_equal(b[1], 99);
	assert_int_equal(b[2], 0xcc);		/* NKLO = key bytes 12..15 */
	assert_int_equal(hs_sts_plain_pack(&p[2], b), HS_STS_OK);
	assert_int_equal(b[0], 0x82);		/* sub 8, SGCLO 0x241 */
	assert_int_equal(b[1], 0x41);
	assert_int_equal(b[2], 0x44);		/* NKMO2 = key bytes 4..7 */
	assert_int_equal(hs_sts_plain_pack(&p[3], b), HS_STS_OK);
	assert_int_equal(b[0], 0x90);		/* sub 9, SGCHO 0x01E */
	assert_int_equal(b[1], 0x1E);
	assert_int_equal(b[2], 0x88);		/* NKMO1 = key bytes 8..11 */
	assert_int_equal(hs_sts_plain_unpack(&q, 2, b), HS_STS_OK);
	assert_int_equal(q.kct.section, 4);
	assert_int_equal(q.kct.sgc_half, 0x01E);
	assert_int_equal(q.kct.nk, 0x8899aabbUL);
	assert_int_equal(hs_sts_kct_make(&nk, HS_STS_EA07, p, &n), HS_STS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(p[1].kct.nk, 0x44556677UL);
	assert_int_equal(hs_sts_kct_make(&nk, 9, p, &n), HS_STS_E_KEY);
	nk.ti = 100;
	assert_int_equal(hs_sts_kct_make(&nk, HS_STS_EA07, p, &n),
	    HS_STS_E_RANGE);
	assert_false(hs_sts_has_tid(2, 3));
	assert_true(hs_sts_has_tid(2, 0));
	assert_true(hs_sts_has_tid(0, 7));
	assert_false(hs_sts_has_tid(1, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ctsa01_block_vector),
		cmocka_unit_test(crc_flips),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(management),
		cmocka_unit_test(currency_crc_c),
		cmocka_unit_test(kct_layouts),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
