/*
 * AES-128 (FIPS-197 C.1), AES-CMAC (RFC 4493 section 4, all four
 * examples, one shot and streamed in every split), and grant keys.
 */
#include <string.h>

#include "nvsim.h"
#include "aes.h"
#include "cmac.h"
#include "grant.h"

static const uint8_t rfc_key[16] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
	0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c
};
static const uint8_t rfc_msg[64] = {
	0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96,
	0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a,
	0xae, 0x2d, 0x8a, 0x57, 0x1e, 0x03, 0xac, 0x9c,
	0x9e, 0xb7, 0x6f, 0xac, 0x45, 0xaf, 0x8e, 0x51,
	0x30, 0xc8, 0x1c, 0x46, 0xa3, 0x5c, 0xe4, 0x11,
	0xe5, 0xfb, 0xc1, 0x19, 0x1a, 0x0a, 0x52, 0xef,
	0xf6, 0x9f, 0x24, 0x45, 0xdf, 0x4f, 0x9b, 0x17,
	0xad, 0x2b, 0x41, 0x7b, 0xe6, 0x6c, 0x37, 0x10
};
static const struct {
	size_t	len;
	uint8_t	tag[16];
} rfc_tags[] = {
	{ 0, { 0xbb, 0x1d, 0x69, 0x29, 0xe9, 0x59, 0x37, 0x28,
	    0x7f, 0xa3, 0x7d, 0x12, 0x9b, 0x75, 0x67, 0x46 } },
	{ 16, { 0x07, 0x0a, 0x16, 0xb4, 0x6b, 0x4d, 0x41, 0x44,
	    0xf7, 0x9b, 0xdd, 0x9d, 0xd0, 0x4a, 0x28, 0x7c } },
	{ 40, { 0xdf, 0xa6, 0x67, 0x47, 0xde, 0x9a, 0xe6, 0x30,
	    0x30, 0xca, 0x32, 0x61, 0x14, 0x97, 0xc8, 0x27 } },
	{ 64, { 0x51, 0xf0, 0xbe, 0xbf, 0x7e, 0x3b, 0x9d, 0x92,
	    0xfc, 0x49, 0x74, 0x17, 0x79, 0x36, 0x3c, 0xfe } }
};

static void
aes_fips197(void **state)
{
	static const uint8_t pt[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
	static const uint8_t ct[16] = { 0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b,
	    0x04, 0x30, 0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a };
	/* SP 800-38A F.1.1 ECB-AES128 block 1. */
	static const uint8_t ct2[16] = { 0x3a, 0xd7, 0x7b, 0xb4, 0x0d, 0x7a,
	    0x36, 0x60, 0xa8, 0x9e, 0xca, 0xf3, 0x24, 0x66, 0xef, 0x97 };
	uint8_t	out[16];

	(void)state;
	hs_aes128_encrypt(test_k, pt, out);
	assert_memory_equal(out, ct, 16);
	memcpy(out, rfc_msg, 16);
	hs_aes128_encrypt(rfc_key, out, out);	/* in place */
	assert_memory_equal(out, ct2, 16);
}

static void
cmac_rfc4493(void **state)
{
	uint8_t	tag[16];
	size_t	i;

	(void)state;
	for (i = 0; i < 4; i++) {
		hs_cmac(rfc_key, rfc_msg, rfc_tags[i].len, tag);
		assert_memory_equal(tag, rfc_tags[i].tag, 16);
	}
}

/* Every split point of every example must give the same tag. */
static void
cmac_streaming(void **state)
{
	struct hs_cmac	c;
	uint8_t		tag[16];
	size_t		i, cut;

	(void)state;
	for (i = 0; i < 4; i++) {
		for (cut = 0; cut <= rfc_tags[i].len; cut++) {
			hs_cmac_init(&c, rfc_key);
			hs_cmac_update(&c, rfc_msg, cut);
			hs_cmac_update(&c, rfc_msg + cut, rfc_tags[i].len - cut);
			hs_cmac_final(&c, tag);
			assert_memory_equal(tag, rfc_tags[i].tag, 16);
		}
	}
}

static void
cmac_equal(void **state)
{
	static const uint8_t a[4] = { 1, 2, 3, 4 }, b[4] = { 1, 2, 3, 5 };

	(void)state;
	assert_true(hs_cmac_equal(a, a, 4));
	assert_false(hs_cmac_equal(a, b, 4));
	assert_true(hs_cmac_equal(a, b, 3));
}

static void
grant_issue(void **state)
{
	struct hs_grant	g = { 42, 1700000000UL, 1700003600UL,
			    HS_GRANT_R_STATUS }, back;
	uint8_t		body[HS_GRANT_BODY], kg[16], kg2[16], flip[16];
	int		i;

	(void)state;
	assert_int_equal(hs_grant_issue(test_k, 7, &g, body, kg), 0);
	hs_grant_unpack(&back, body);
	assert_int_equal(back.customer_id, 42);
	assert_int_equal(back.issued, 1700000000UL);
	assert_int_equal(back.expiry, 1700003600UL);
	assert_int_equal(back.rights, HS_GRANT_R_STATUS);
	assert_int_equal(body[0], 0);
	assert_int_equal(body[3], 42);
	hs_grant_key(test_k, 7, body, kg2);
	assert_memory_equal(kg, kg2, 16);
	/* Another meter, or any bit of the body changed: another key. */
	hs_grant_key(test_k, 8, body, kg2);
	assert_memory_not_equal(kg, kg2, 16);
	for (i = 0; i < HS_GRANT_BODY * 8; i++) {
		body[i / 8] ^= (uint8_t)(1 << (i % 8));
		hs_grant_key(test_k, 7, body, flip);
		assert_memory_not_equal(kg, flip, 16);
		body[i / 8] ^= (uint8_t)(1 << (i % 8));
	}
	/* Empty grants are refused. */
	g.expiry = g.issued;
	assert_int_equal(hs_grant_issue(test_k, 7, &g, body, kg), -1);
	g.expiry = g.issued + 1;
	g.rights = 0;
	assert_int_equal(hs_grant_issue(test_k, 7, &g, body, kg), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(aes_fips197),
		cmocka_unit_test(cmac_rfc4493),
		cmocka_unit_test(cmac_streaming),
		cmocka_unit_test(cmac_equal),
		cmocka_unit_test(grant_issue),
	};

	return (cmocka_run_group_tests_name("meter_crypto", tests, NULL, NULL));
}
