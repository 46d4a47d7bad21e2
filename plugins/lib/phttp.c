/*
 * HTTP and signature helpers shared by the plugins (see phttp.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "phttp.h"

const char *
phttp_header(const struct hs_http_header *h, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (h[i].name != NULL && !strcasecmp(h[i].name, name))
			return (h[i].value);
	}
	return (NULL);
}

int
phttp_result(const struct hs_http_resp *resp)
{
	if (resp->error != HS_OK || resp->status == 0 ||
	    resp->status == 429 || resp->status >= 500)
		return (HS_E_UNAVAILABLE);
	if (resp->status == 401 || resp->status == 403)
		return (HS_E_CONFIG);
	if (resp->status >= 400)
		return (HS_E_INVALID);
	return (HS_OK);
}

int
phttp_basic(const char *user, const char *password, char *out, size_t len)
{
	unsigned char	enc[400];
	char		plain[300];
	int		n, r = 0;

	if ((size_t)snprintf(plain, sizeof(plain), "%s:%s", user, password) >=
	    sizeof(plain))
		r = -1;
	else {
		/* 299 bytes encode to at most 400 with the NUL. */
		n = EVP_EncodeBlock(enc, (const unsigned char *)plain,
		    (int)strlen(plain));
		if (n < 0 || (size_t)snprintf(out, len, "Basic %s", enc) >=
		    len)
			r = -1;
	}
	/* Base64 is not encryption: wipe both copies of the secret. */
	OPENSSL_cleanse(plain, sizeof(plain));
	OPENSSL_cleanse(enc, sizeof(enc));
	return (r);
}

static int
nibble(char ch)
{
	if (ch >= '0' && ch <= '9')
		return (ch - '0');
	if (ch >= 'a' && ch <= 'f')
		return (ch - 'a' + 10);
	if (ch >= 'A' && ch <= 'F')
		return (ch - 'A' + 10);
	return (-1);
}

int
phttp_hex_equal(const unsigned char *mac, size_t len, const char *hex)
{
	unsigned char	got[64];
	size_t		i;
	int		hi, lo;

	/*
	 * Decoding first means only the attacker's own digits decide how
	 * long the parse takes; the secret-dependent comparison is the
	 * constant-time one below.
	 */
	if (hex == NULL || len > sizeof(got) || strlen(hex) != len * 2)
		return (-1);
	for (i = 0; i < len; i++) {
		if ((hi = nibble(hex[2 * i])) < 0 ||
		    (lo = nibble(hex[2 * i + 1])) < 0)
			return (-1);
		got[i] = (unsigned char)(hi << 4 | lo);
	}
	return (CRYPTO_memcmp(got, mac, len) == 0 ? 0 : -1);
}

int
phttp_hmac_check(const char *key, const char *prefix, const void *body,
    size_t body_len, const char *sig_hex)
{
	static char	 digest[] = "SHA256";
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx = NULL;
	OSSL_PARAM	 params[2];
	unsigned char	 md[32];
	size_t		 mdlen = 0;
	int		 ok;

	if (key == NULL || prefix == NULL || sig_hex == NULL ||
	    (body == NULL && body_len > 0))
		return (-1);
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return (-1);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* Streamed: the signed message is never copied into one buffer. */
	ok = (ctx = EVP_MAC_CTX_new(mac)) != NULL &&
	    EVP_MAC_init(ctx, (const unsigned char *)key, strlen(key),
	    params) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)prefix,
	    strlen(prefix)) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)".", 1) == 1 &&
	    (body_len == 0 || EVP_MAC_update(ctx, body, body_len) == 1) &&
	    EVP_MAC_final(ctx, md, &mdlen, sizeof(md)) == 1 &&
	    mdlen == sizeof(md);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	if (!ok)
		return (-1);
	return (phttp_hex_equal(md, sizeof(md), sig_hex));
}
