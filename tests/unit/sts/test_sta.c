/*
 * EA07 STA with the IEC sample tables, and the STA table parser.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vectors.h"

static void
iec_vector(void **state)
{
	struct hs_sts_sta_table	t;
	uint8_t			b[8];

	(void)state;
	assert_int_equal(hs_sts_sta_table_init(&t, iec_s1, iec_s2, iec_p,
	    NULL), HS_STS_OK);
	memcpy(b, iec_plain, 8);
	hs_sts_sta_encrypt(&t, iec_dk, b);
	assert_memory_equal(b, iec_cipher, 8);
	hs_sts_sta_decrypt(&t, iec_dk, b);
	assert_memory_equal(b, iec_plain, 8);
}

/* Every key bit matters (one-bit key change alters the ciphertext) and
 * decrypt inverts encrypt for many keys and blocks. */
static void
key_bits_and_inverse(void **state)
{
	struct hs_sts_sta_table	t;
	uint8_t			k[8], b[8], c[8];
	uint32_t		x = 99;

	(void)state;
	test_sta_table(&t);
	for (int bit = 0; bit < 64; bit++) {
		memcpy(k, iec_dk, 8);
		k[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		memcpy(b, iec_plain, 8);
		hs_sts_sta_encrypt(&t, k, b);
		assert_memory_not_equal(b, iec_cipher, 8);
	}
	for (int i = 0; i < 2000; i++) {
		for (int j = 0; j < 8; j++) {
			x = x * 1664525 + 1013904223;
			k[j] = (uint8_t)(x >> 24);
			x = x * 1664525 + 1013904223;
			b[j] = (uint8_t)(x >> 24);
		}
		memcpy(c, b, 8);
		hs_sts_sta_encrypt(&t, k, c);
		hs_sts_sta_decrypt(&t, k, c);
		assert_memory_equal(b, c, 8);
	}
}

static enum hs_sts_err
parse(const char *text, struct hs_sts_sta_table *t, struct hs_sts_sta_diag *d)
{
	return (hs_sts_sta_parse(t, text, strlen(text), d));
}

static void
parse_ok(void **state)
{
	struct hs_sts_sta_table	t, ref;
	struct hs_sts_sta_diag	d;

	(void)state;
	test_sta_table(&ref);
	assert_int_equal(parse(iec_table_text, &t, &d), HS_STS_OK);
	assert_memory_equal(&t, &ref, sizeof(t));
	/* Any order, CRLF, blanks around separators. */
	assert_int_equal(parse("\r\nP=29,27,34,9,16,62,55,2,40,49,38,25,33,61,"
	    "30,23,1,41,21,57,42,15,5,58,19,53,22,17,48,28,24,39,3,60,36,14,"
	    "11,52,54,12,31,51,10,26,0,45,37,43,44,6,59,4,7,35,56,50,13,18,32,"
	    "47,46,63,20,8\r\n  S2 =\t6, 9, 7, 4, 3, 10, 12, 14, 2, 13, 1, 15, "
	    "0, 11, 8, 5 \r\nS1 = 12,10,8,4,3,15,0,2,14,1,5,13,6,9,7,11",
	    &t, &d), HS_STS_OK);
	assert_memory_equal(&t, &ref, sizeof(t));
}

#define P_OK "P = 29,27,34,9,16,62,55,2,40,49,38,25,33,61,30,23,1,41,21,57," \
	"42,15,5,58,19,53,22,17,48,28,24,39,3,60,36,14,11,52,54,12,31,51,10," \
	"26,0,45,37,43,44,6,59,4,7,35,56,50,13,18,32,47,46,63,20,8\n"
#define S2_OK "S2 = 6,9,7,4,3,10,12,14,2,13,1,15,0,11,8,5\n"

static void
parse_errors(void **state)
{
	struct hs_sts_sta_table	t;
	struct hs_sts_sta_diag	d;

	(void)state;
	/* Repeated value in S1: position 3 repeats 12. */
	assert_int_equal(parse("S1 = 12,10,12,4,3,15,0,2,14,1,5,13,6,9,7,11\n"
	    S2_OK P_OK, &t, &d), HS_STS_E_TABLE);
	assert_int_equal(d.fault, HS_STS_STA_REPEAT);
	assert_string_equal(d.which, "S1");
	assert_int_equal(d.line, 1);
	assert_int_equal(d.index, 2);
	assert_int_equal(d.value, 12);
	/* Value out of range. */
	assert_int_equal(parse("S1 = 12,10,8,4,3,15,0,2,14,1,5,13,6,9,7,16\n"
	    S2_OK P_OK, &t, &d), HS_STS_E_TABLE);
	assert_int_equal(d.fault, HS_STS_STA_VALUE);
	assert_int_equal(d.index, 15);
	assert_int_equal(d.value, 16);
	/* Too few and too many values. */
	assert_int_equal(parse("S1 = 12,10,8\n" S2_OK P_OK, &t, &d),
	    HS_STS_E_TABLE);
	assert_int_equal(d.fault, HS_STS_STA_COUNT);
	assert_int_equal(d.index, 3);
	assert_int_equal(parse("S1 = 12,10,8,4,3,15,0,2,14,1,5,13,6,9,7,11,1\n"
	    S2_OK P_OK, &t, &d), HS_STS_E_TABLE);
	assert_int_equal(d.fault, HS_STS_STA_COUNT);
	/* Missing P, duplicate S2, unknown name, syntax. */
	assert_int_equal(parse("S1 = 12,10,8,4,3,15,0,2,14,1,5,13,6,9,7,11\n"
	    S2_OK, &t, &d), HS_STS_E_TABLE);
	assert_int_equal(d.fault, HS_STS_STA_MISSING);
	assert_string_equal(d.which, "P");
	assert_int_equal(parse(S2_OK S2_OK, &t, &d), HS_STS_E_TABLE);
	assert_int_equal(d.fault, HS_STS_STA_DUPLICATE);
	assert_int_equal(d.line, 2);
	assert_int_equal(parse("S3 = 1\n", &t, &d), HS_STS_E_TABLE);
	assert_int_equal(d.fault, HS_STS_STA_NAME);
	assert_int_equal(parse("S1 : 1\n", &t, &d), HS_STS_E_TABLE);
	assert_int_equal(d.fault, HS_STS_STA_SYNTAX);
	assert_int_equal(d.column, 4);
	assert_int_equal(parse("S1 = 12,,10\n", &t, &d), HS_STS_E_TABLE);
	assert_int_equal(d.fault, HS_STS_STA_SYNTAX);
	assert_int_equal(parse("S1 = 12;10\n", &t, &d), HS_STS_E_TABLE);
	assert_int_equal(d.fault, HS_STS_STA_SYNTAX);
	assert_int_equal(parse("", &t, &d), HS_STS_E_TABLE);
	assert_int_equal(d.fault, HS_STS_STA_MISSING);
	/* P must be a permutation of 0..63 too. */
	assert_int_equal(parse("S1 = 12,10,8,4,3,15,0,2,14,1,5,13,6,9,7,11\n"
	    S2_OK "P = 29,29,34,9,16,62,55,2,40,49,38,25,33,61,30,23,1,41,21,"
	    "57,42,15,5,58,19,53,22,17,48,28,24,39,3,60,36,14,11,52,54,12,31,"
	    "51,10,26,0,45,37,43,44,6,59,4,7,35,56,50,13,18,32,47,46,63,20,8\n",
	    &t, &d), HS_STS_E_TABLE);
	assert_int_equal(d.fault, HS_STS_STA_REPEAT);
	assert_string_equal(d.which, "P");
	assert_int_equal(d.line, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(iec_vector),
		cmocka_unit_test(key_bits_and_inverse),
		cmocka_unit_test(parse_ok),
		cmocka_unit_test(parse_errors),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
