/*
 * The 20-digit token number: parsing, formatting, range and the class-bit
 * transposition.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vectors.h"

static enum hs_sts_err
parse(const char *s, struct hs_sts_number *n)
{
	return (hs_sts_number_parse(n, s, strlen(s)));
}

static void
iec_example(void **state)
{
	struct hs_sts_number	n;
	uint8_t			block[8];
	char			out[HS_STS_TOKEN_BUFSZ];

	(void)state;
	hs_sts_number_join(&n, 0, iec_cipher);
	assert_memory_equal(n.b, iec_number, 9);
	hs_sts_number_format(&n, out);
	assert_string_equal(out, IEC_TOKEN);
	assert_int_equal(parse(IEC_TOKEN, &n), HS_STS_OK);
	assert_memory_equal(n.b, iec_number, 9);
	assert_int_equal(hs_sts_number_split(&n, block), 0);
	assert_memory_equal(block, iec_cipher, 8);
}

static void
malformed(void **state)
{
	struct hs_sts_number	n;

	(void)state;
	assert_int_equal(parse("5104346544342085621", &n), HS_STS_E_LENGTH);
	assert_int_equal(parse("510434654434208562130", &n),
	    HS_STS_E_LENGTH);
	assert_int_equal(parse("", &n), HS_STS_E_LENGTH);
	assert_int_equal(parse("5104346544342085621x", &n), HS_STS_E_DIGIT);
	assert_int_equal(parse("5104 3465 4434 2085 6213", &n),
	    HS_STS_E_DIGIT);
	assert_int_equal(parse("-1043465443420856213", &n), HS_STS_E_DIGIT);
	/* 2^66 - 1 is the largest token, 2^66 the first out of range. */
	assert_int_equal(parse("73786976294838206463", &n), HS_STS_OK);
	assert_int_equal(parse("73786976294838206464", &n), HS_STS_E_RANGE);
	assert_int_equal(parse("99999999999999999999", &n), HS_STS_E_RANGE);
	assert_int_equal(parse("00000000000000000000", &n), HS_STS_OK);
	/* An embedded NUL is not a digit. */
	assert_int_equal(hs_sts_number_parse(&n, "0000000000\0" "000000000",
	    20), HS_STS_E_DIGIT);
}

/* Pseudo-random 66-bit numbers survive format -> parse unchanged, and
 * join/split round-trips every class. */
static void
roundtrip(void **state)
{
	struct hs_sts_number	n, m;
	uint32_t		x = 0x12345678;
	uint8_t			block[8], back[8];
	char			out[HS_STS_TOKEN_BUFSZ];

	(void)state;
	for (int i = 0; i < 20000; i++) {
		for (int j = 0; j < 8; j++) {
			x = x * 1103515245 + 12345;
			block[j] = (uint8_t)(x >> 16);
		}
		hs_sts_number_join(&n, (uint8_t)(i & 3), block);
		assert_int_equal(n.b[0] & 0xFC, 0);
		hs_sts_number_format(&n, out);
		assert_int_equal(strlen(out), 20);
		assert_int_equal(parse(out, &m), HS_STS_OK);
		assert_memory_equal(n.b, m.b, 9);
		assert_int_equal(hs_sts_number_split(&m, back), i & 3);
		assert_memory_equal(block, back, 8);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(iec_example),
		cmocka_unit_test(malformed),
		cmocka_unit_test(roundtrip),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
