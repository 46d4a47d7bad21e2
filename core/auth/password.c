#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "auth/password.h"

#define SCRYPT_LN	15
#define SCRYPT_R	8
#define SCRYPT_P	3
#define SALT_LEN	16
#define KEY_LEN		32

static int
scrypt(const char *password, const unsigned char *salt, size_t saltlen,
    int ln, int r, int p, unsigned char *out, size_t outlen)
{
	EVP_KDF		*kdf;
	EVP_KDF_CTX	*ctx;
	OSSL_PARAM	 params[6];
	uint64_t	 n = (uint64_t)1 << ln;
	uint32_t	 ur = (uint32_t)r, up = (uint32_t)p;
	uint64_t	 maxmem = (uint64_t)256 * 1024 * 1024;
	int		 ok;

	if ((kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL)) == NULL)
		return (-1);
	ctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (ctx == NULL)
		return (-1);
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	    (void *)(uintptr_t)password, strlen(password));
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)(uintptr_t)salt, saltlen);
	params[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	params[3] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &ur);
	params[4] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &up);
	params[5] = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(ctx, out, outlen, params) == 1;
	/* maxmem defaults to 1 MiB in some builds; set it explicitly. */
	if (!ok) {
		OSSL_PARAM	mm[2];

		mm[0] = OSSL_PARAM_construct_uint64(
		    OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem);
		mm[1] = OSSL_PARAM_construct_end();
		ok = EVP_KDF_CTX_set_params(ctx, mm) == 1 &&
		    EVP_KDF_derive(ctx, out, outlen, params) == 1;
	}
	EVP_KDF_CTX_free(ctx);
	return (ok ? 0 : -1);
}

int
hs_password_hash(const char *password, char *out, size_t outlen)
{
	unsigned char	salt[SALT_LEN], key[KEY_LEN];
	char		salt64[32], key64[64];
	int		n;

	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return (-1);
	if (scrypt(password, salt, sizeof(salt), SCRYPT_LN, SCRYPT_R,
	    SCRYPT_P, key, sizeof(key)) == -1)
		return (-1);
	EVP_EncodeBlock((unsigned char *)salt64, salt, sizeof(salt));
	EVP_EncodeBlock((unsigned char *)key64, key, sizeof(key));
	OPENSSL_cleanse(key, sizeof(key));
	n = snprintf(out, outlen, "$scrypt$ln=%d,r=%d,p=%d$%s$%s", SCRYPT_LN,
	    SCRYPT_R, SCRYPT_P, salt64, key64);
	return (n > 0 && (size_t)n < outlen ? 0 : -1);
}

int
hs_password_verify(const char *password, const char *stored)
{
	unsigned char	salt[64], want[64], got[64];
	char		salt64[64], key64[96];
	int		ln, r, p, saltlen, keylen, ok;

	if (sscanf(stored, "$scrypt$ln=%d,r=%d,p=%d$%63[^$]$%95s", &ln, &r,
	    &p, salt64, key64) != 5 || ln < 10 || ln > 22 || r < 1 ||
	    r > 32 || p < 1 || p > 16)
		return (-1);
	saltlen = EVP_DecodeBlock(salt, (unsigned char *)salt64,
	    (int)strlen(salt64));
	keylen = EVP_DecodeBlock(want, (unsigned char *)key64,
	    (int)strlen(key64));
	if (saltlen < SALT_LEN || keylen < KEY_LEN)
		return (-1);
	/* EVP_DecodeBlock counts base64 padding as bytes. */
	saltlen = SALT_LEN;
	keylen = KEY_LEN;
	if (scrypt(password, salt, (size_t)saltlen, ln, r, p, got,
	    (size_t)keylen) == -1)
		return (-1);
	ok = CRYPTO_memcmp(got, want, (size_t)keylen) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return (ok);
}

const char *
hs_password_weak(const char *password)
{
	size_t	len = strlen(password);

	if (len < HS_PASSWORD_MIN)
		return ("at least 12 characters");
	if (len > HS_PASSWORD_MAX)
		return ("at most 128 characters");
	return (NULL);
}
