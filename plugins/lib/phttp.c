#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "phttp.h"

const char *
phttp_header(const struct hs_http_header *h, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (!strcasecmp(h[i].name, name))
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
	int		n;

	if ((size_t)snprintf(plain, sizeof(plain), "%s:%s", user, password) >=
	    sizeof(plain))
		return (-1);
	n = EVP_EncodeBlock(enc, (const unsigned char *)plain,
	    (int)strlen(plain));
	OPENSSL_cleanse(plain, sizeof(plain));
	if (n < 0 || (size_t)snprintf(out, len, "Basic %s", enc) >= len)
		return (-1);
	return (0);
}

int
phttp_hmac_check(const char *key, const char *prefix, const void *body,
    size_t body_len, const char *sig_hex)
{
	unsigned char	 mac[32], *msg;
	unsigned int	 maclen = sizeof(mac);
	char		 hex[65];
	size_t		 plen = strlen(prefix), i;

	if (sig_hex == NULL || strlen(sig_hex) != 64 ||
	    (msg = malloc(plen + 1 + body_len)) == NULL)
		return (-1);
	memcpy(msg, prefix, plen);
	msg[plen] = '.';
	memcpy(msg + plen + 1, body, body_len);
	HMAC(EVP_sha256(), key, (int)strlen(key), msg, plen + 1 + body_len,
	    mac, &maclen);
	free(msg);
	for (i = 0; i < 32; i++)
		snprintf(hex + i * 2, 3, "%02x", mac[i]);
	return (CRYPTO_memcmp(hex, sig_hex, 64) == 0 ? 0 : -1);
}
