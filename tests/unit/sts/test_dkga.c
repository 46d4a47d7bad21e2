/*
 * Decoder key generation (server side, OpenSSL): DKGA02 and DKGA04
 * vectors, the published DKGA02 intermediates, the common-key rule, and
 * that DES stays out of the process-wide OpenSSL context.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

#include "vectors.h"

static struct hs_sts_dkga	*ctx;

static int
setup(void **state)
{
	(void)state;
	ctx = hs_sts_dkga_new();
	return (ctx == NULL ? -1 : 0);
}

static int
teardown(void **state)
{
	(void)state;
	hs_sts_dkga_free(ctx);
	return (0);
}

static void
input(struct hs_sts_dkga_input *in, const char *pan, uint32_t sgc)
{
	memset(in, 0, sizeof(*in));
	memcpy(in->pan, pan, 18);
	in->sgc = sgc;
	in->ti = 1;
	in->krn = 1;
	in->kt = 2;
	in->base = 1993;
	in->ea = HS_STS_EA11;
}

static void
dkga02_vectors(void **state)
{
	struct hs_sts_dkga_input	in;
	uint8_t				dk[8];

	(void)state;
	input(&in, "600727000000000009", 123456);
	assert_int_equal(hs_sts_dkga02(ctx, dkga02_vk, &in, dk), HS_STS_OK);
	assert_memory_equal(dk, dkga02_dk1, 8);
	input(&in, "000001000000000082", 123456);
	assert_int_equal(hs_sts_dkga02(ctx, dkga02_vk, &in, dk), HS_STS_OK);
	assert_memory_equal(dk, dkga02_dk2, 8);
	/* Every input is bound into the key. */
	in.krn = 2;
	assert_int_equal(hs_sts_dkga02(ctx, dkga02_vk, &in, dk), HS_STS_OK);
	assert_memory_not_equal(dk, dkga02_dk2, 8);
}

/*
 * The published intermediates: X = PANBlock ^ CTLBlock and DES(VK, X);
 * DK = DES(VK, X) ^ X ^ VK.  DES is recomputed through a separate
 * legacy-provider context to check both columns of the table.
 */
static void
dkga02_intermediates(void **state)
{
	static const uint8_t	x1[8] = { 0x21, 0x51, 0x35, 0x60, 0x11, 0xff,
				    0xff, 0xff };
	static const uint8_t	e1[8] = { 0x6c, 0xa9, 0xaa, 0xd4, 0x27, 0x0f,
				    0xa7, 0x3b };
	static const uint8_t	x2[8] = { 0x21, 0x23, 0x55, 0x60, 0x11, 0xff,
				    0xff, 0xf7 };
	static const uint8_t	e2[8] = { 0x63, 0xc8, 0xdd, 0xed, 0x94, 0xcd,
				    0xc7, 0x9e };
	OSSL_LIB_CTX		*lib;
	OSSL_PROVIDER		*leg, *def;
	EVP_CIPHER		*des;
	EVP_CIPHER_CTX		*c;
	uint8_t			 out[16], dk[8];
	int			 outl;

	(void)state;
	for (int i = 0; i < 8; i++)
		dk[i] = (uint8_t)(e1[i] ^ x1[i] ^ dkga02_vk[i]);
	assert_memory_equal(dk, dkga02_dk1, 8);
	for (int i = 0; i < 8; i++)
		dk[i] = (uint8_t)(e2[i] ^ x2[i] ^ dkga02_vk[i]);
	assert_memory_equal(dk, dkga02_dk2, 8);

	assert_non_null(lib = OSSL_LIB_CTX_new());
	assert_non_null(leg = OSSL_PROVIDER_load(lib, "legacy"));
	assert_non_null(def = OSSL_PROVIDER_load(lib, "default"));
	assert_non_null(des = EVP_CIPHER_fetch(lib, "DES-ECB", NULL));
	assert_non_null(c = EVP_CIPHER_CTX_new());
	assert_int_equal(EVP_EncryptInit_ex2(c, des, dkga02_vk, NULL, NULL),
	    1);
	EVP_CIPHER_CTX_set_padding(c, 0);
	assert_int_equal(EVP_EncryptUpdate(c, out, &outl, x1, 8), 1);
	assert_memory_equal(out, e1, 8);
	assert_int_equal(EVP_EncryptUpdate(c, out, &outl, x2, 8), 1);
	assert_memory_equal(out, e2, 8);
	EVP_CIPHER_CTX_free(c);
	EVP_CIPHER_free(des);
	OSSL_PROVIDER_unload(def);
	OSSL_PROVIDER_unload(leg);
	OSSL_LIB_CTX_free(lib);
}

/* DCTK (KT 3) zeroes the account digits, so two meters share the key. */
static void
dkga02_common_key(void **state)
{
	struct hs_sts_dkga_input	in;
	uint8_t				a[8], b[8];

	(void)state;
	input(&in, "600727000000000009", 123456);
	in.kt = 3;
	assert_int_equal(hs_sts_dkga02(ctx, dkga02_vk, &in, a), HS_STS_OK);
	input(&in, "600727123456789014", 123456);
	assert_int_equal(hs_sts_pan_validate(in.pan, 18), HS_STS_OK);
	in.kt = 3;
	assert_int_equal(hs_sts_dkga02(ctx, dkga02_vk, &in, b), HS_STS_OK);
	assert_memory_equal(a, b, 8);
	in.kt = 2;
	assert_int_equal(hs_sts_dkga02(ctx, dkga02_vk, &in, b), HS_STS_OK);
	assert_memory_not_equal(a, b, 8);
}

static void
dkga04_vectors(void **state)
{
	struct hs_sts_dkga_input	in;
	uint8_t				dk[16];
	size_t				len = 0;

	(void)state;
	input(&in, "600727000000000009", 123457);
	assert_int_equal(hs_sts_dkga04(ctx, dkga04_vk, &in, dk, &len),
	    HS_STS_OK);
	assert_int_equal(len, 16);
	assert_memory_equal(dk, dkga04_misty_dk, 16);
	in.ea = HS_STS_EA07;
	assert_int_equal(hs_sts_dkga04(ctx, dkga04_vk, &in, dk, &len),
	    HS_STS_OK);
	assert_int_equal(len, 8);
	assert_memory_equal(dk, dkga04_sta_dk, 8);
	/* The base date is bound into the key. */
	in.base = 2014;
	assert_int_equal(hs_sts_dkga04(ctx, dkga04_vk, &in, dk, &len),
	    HS_STS_OK);
	assert_memory_not_equal(dk, dkga04_sta_dk, 8);
}

static void
bad_inputs(void **state)
{
	struct hs_sts_dkga_input	in;
	uint8_t				dk[16];
	size_t				len;

	(void)state;
	input(&in, "600727000000000008", 123456);
	assert_int_equal(hs_sts_dkga02(ctx, dkga02_vk, &in, dk),
	    HS_STS_E_CHECK);
	input(&in, "600727000000000009", 1000000);
	assert_int_equal(hs_sts_dkga02(ctx, dkga02_vk, &in, dk),
	    HS_STS_E_RANGE);
	input(&in, "600727000000000009", 123456);
	in.base = 2000;
	assert_int_equal(hs_sts_dkga04(ctx, dkga04_vk, &in, dk, &len),
	    HS_STS_E_RANGE);
	in.base = 1993;
	in.ea = 9;
	assert_int_equal(hs_sts_dkga04(ctx, dkga04_vk, &in, dk, &len),
	    HS_STS_E_KEY);
}

/* The legacy provider went into our own context only. */
static void
default_context_untouched(void **state)
{
	EVP_CIPHER	*des;

	(void)state;
	des = EVP_CIPHER_fetch(NULL, "DES-ECB", NULL);
	assert_null(des);
	EVP_CIPHER_free(des);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dkga02_vectors),
		cmocka_unit_test(dkga02_intermediates),
		cmocka_unit_test(dkga02_common_key),
		cmocka_unit_test(dkga04_vectors),
		cmocka_unit_test(bad_inputs),
		cmocka_unit_test(default_context_untouched),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
