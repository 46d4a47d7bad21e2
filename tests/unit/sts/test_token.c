/*
 * Whole tokens against the published vectors, and hs_sts_open() errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vectors.h"

static void
iec_sta_token(void **state)
{
	struct hs_sts_sta_table	t;
	struct hs_sts_key	k;
	struct hs_sts_plain	p;
	char			out[HS_STS_TOKEN_BUFSZ];

	(void)state;
	test_sta_table(&t);
	test_key_sta(&k, &t);
	assert_int_equal(hs_sts_plain_unpack(&p, 0, iec_plain), HS_STS_OK);
	assert_int_equal(hs_sts_encode(&k, &p, out), HS_STS_OK);
	assert_string_equal(out, IEC_TOKEN);
	memset(&p, 0xA5, sizeof(p));
	assert_int_equal(hs_sts_open(&k, IEC_TOKEN, 20, &p), HS_STS_OK);
	assert_int_equal(p.tclass, 0);
	assert_int_equal(p.subclass, 0);
	assert_int_equal(p.rnd, 0xB);
	assert_int_equal(p.tid, 0x19EB23);
	assert_int_equal(p.data, 0x0100);
	assert_int_equal(p.crc, 0xC207);
}

static void
ctsa01_04_misty_token(void **state)
{
	struct hs_sts_utc	when = { 2004, 3, 1, 13, 0, 0 };
	struct hs_sts_key	k;
	struct hs_sts_plain	p;
	uint32_t		tid;
	char			out[HS_STS_TOKEN_BUFSZ];

	(void)state;
	test_key_misty(&k);
	assert_int_equal(hs_sts_tid_from_utc(1993, &when, &tid), HS_STS_OK);
	assert_int_equal(hs_sts_plain_credit(&p, 0, 5, tid, 1), HS_STS_OK);
	assert_int_equal(hs_sts_encode(&k, &p, out), HS_STS_OK);
	assert_string_equal(out, CTSA01_04_TOKEN);
	assert_int_equal(hs_sts_open(&k, CTSA01_04_TOKEN, 20, &p), HS_STS_OK);
	assert_int_equal(p.tid, tid);
	assert_int_equal(hs_sts_amount_decode(p.data), 1);
}

static void
class1_needs_no_key(void **state)
{
	struct hs_sts_plain	p, q;
	char			out[HS_STS_TOKEN_BUFSZ];

	(void)state;
	assert_int_equal(hs_sts_plain_test(&p, 1, 0x123456, 0x0100),
	    HS_STS_OK);
	assert_int_equal(hs_sts_encode(NULL, &p, out), HS_STS_OK);
	assert_int_equal(hs_sts_open(NULL, out, 20, &q), HS_STS_OK);
	assert_int_equal(q.tclass, 1);
	assert_true(q.control == 0x123456);
	assert_int_equal(q.mfrcode, 0x0100);
}

static void
open_errors(void **state)
{
	struct hs_sts_sta_table	t;
	struct hs_sts_key	k;
	struct hs_sts_plain	p;

	(void)state;
	test_sta_table(&t);
	test_key_sta(&k, &t);
	k.dk[7] ^= 1;
	assert_int_equal(hs_sts_open(&k, IEC_TOKEN, 20, &p), HS_STS_E_CRC);
	k.sta = NULL;
	assert_int_equal(hs_sts_open(&k, IEC_TOKEN, 20, &p), HS_STS_E_KEY);
	test_key_misty(&k);
	k.ea = 9;
	assert_int_equal(hs_sts_open(&k, CTSA01_04_TOKEN, 20, &p),
	    HS_STS_E_KEY);
	test_key_misty(&k);
	assert_int_equal(hs_sts_open(&k, IEC_TOKEN, 20, &p), HS_STS_E_CRC);
	assert_int_equal(hs_sts_open(&k, "1234", 4, &p), HS_STS_E_LENGTH);
	/* Class 3: IEC token with bits 28..27 set (+ 3 * 2^27). */
	assert_int_equal(hs_sts_open(&k, "51043465443823509397", 20, &p),
	    HS_STS_E_CLASS);
}

static void
key_compare(void **state)
{
	struct hs_sts_key	a, b;

	(void)state;
	test_key_misty(&a);
	test_key_misty(&b);
	assert_true(hs_sts_key_equal(&a, &b));
	b.dk[15] ^= 0x80;
	assert_false(hs_sts_key_equal(&a, &b));
	b.dk[15] ^= 0x80;
	b.ea = HS_STS_EA07;
	assert_false(hs_sts_key_equal(&a, &b));
	assert_true(hs_sts_ct_equal("abc", "abc", 3));
	assert_false(hs_sts_ct_equal("abc", "abd", 3));
	assert_true(hs_sts_ct_equal("", "x", 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(iec_sta_token),
		cmocka_unit_test(ctsa01_04_misty_token),
		cmocka_unit_test(class1_needs_no_key),
		cmocka_unit_test(open_errors),
		cmocka_unit_test(key_compare),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
