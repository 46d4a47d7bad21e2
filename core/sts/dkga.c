/*
 * Decoder key generation, vending-server side only (needs OpenSSL; the
 * AVR build leaves this file out: a meter never derives keys).
 *
 * DKGA02 (64-bit DK from a 64-bit VK, single DES):
 *	PANBlock = the 16 rightmost digits of IIN || IAIN, as hex nibbles
 *		   (for a common key, KT 3, the IAIN digits are zeroed)
 *	CTLBlock = KT || SGC(6) || TI(2) || KRN || FFFFFF, as hex nibbles
 *	X = PANBlock ^ CTLBlock;  DK = DES_VK(X) ^ X ^ VK
 *
 * DKGA04 (160-bit VK, HMAC-SHA-256):
 *	data = 04 | 02 "04" | 02 BD | 02 EA | 02 TI | 00 |
 *	       04 | 06 SGC | 01 KT | 01 KRN | 12 PAN | L (uint32, DK bits)
 *	DK = first 8 (EA07) or 16 (EA11) bytes of HMAC(VK, data)
 *	(BD = "93" | "14" | "35", EA = "07" | "11", all fields ASCII)
 *
 * OpenSSL 3 moved single DES to the "legacy" provider.  Loading it into
 * the default library context would change what every other part of the
 * process gets from OpenSSL, so this file loads "legacy" and "default"
 * into its own OSSL_LIB_CTX and fetches DES and HMAC from there only.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "sts/sts.h"

struct hs_sts_dkga {
	OSSL_LIB_CTX	*lib;
	OSSL_PROVIDER	*legacy;
	OSSL_PROVIDER	*deflt;
	EVP_CIPHER	*des;
	EVP_MAC		*hmac;
};

struct hs_sts_dkga *
hs_sts_dkga_new(void)
{
	struct hs_sts_dkga	*c;

	if ((c = OPENSSL_zalloc(sizeof(*c))) == NULL)
		return (NULL);
	if ((c->lib = OSSL_LIB_CTX_new()) == NULL ||
	    (c->legacy = OSSL_PROVIDER_load(c->lib, "legacy")) == NULL ||
	    (c->deflt = OSSL_PROVIDER_load(c->lib, "default")) == NULL ||
	    (c->des = EVP_CIPHER_fetch(c->lib, "DES-ECB", NULL)) == NULL ||
	    (c->hmac = EVP_MAC_fetch(c->lib, "HMAC", NULL)) == NULL) {
		hs_sts_dkga_free(c);
		return (NULL);
	}
	return (c);
}

void
hs_sts_dkga_free(struct hs_sts_dkga *c)
{
	if (c == NULL)
		return;
	EVP_MAC_free(c->hmac);
	EVP_CIPHER_free(c->des);
	if (c->deflt != NULL)
		OSSL_PROVIDER_unload(c->deflt);
	if (c->legacy != NULL)
		OSSL_PROVIDER_unload(c->legacy);
	OSSL_LIB_CTX_free(c->lib);
	OPENSSL_free(c);
}

static enum hs_sts_err
check_input(const struct hs_sts_dkga_input *in)
{
	enum hs_sts_err	err;

	if ((err = hs_sts_pan_validate(in->pan, sizeof(in->pan))) !=
	    HS_STS_OK)
		return (err);
	if (in->sgc > 999999UL || in->ti > 99 || in->krn > 15 || in->kt > 3)
		return (HS_STS_E_RANGE);
	return (HS_STS_OK);
}

/* Write v as exactly n decimal digits. */
static void
put_decimal(char *out, uint32_t v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

static uint8_t
hexval(char c)
{
	return ((uint8_t)(c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10));
}

/* 16 hex characters to 8 bytes. */
static void
pack_nibbles(const char s[16], uint8_t out[8])
{
	int	i;

	for (i = 0; i < 8; i++)
		out[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
}

enum hs_sts_err
hs_sts_dkga02(struct hs_sts_dkga *c, const uint8_t vk[8],
    const struct hs_sts_dkga_input *in, uint8_t dk[8])
{
	static const char	hex[] = "0123456789ABCDEF";
	EVP_CIPHER_CTX		*ctx;
	char			 acct[17], ctl[16];
	uint8_t			 x[8], y[8], e[16];
	size_t			 iinlen, i;
	enum hs_sts_err		 err;
	int			 outl = 0, ok;

	if (c == NULL || vk == NULL || in == NULL || dk == NULL)
		return (HS_STS_E_ARG);
	if ((err = check_input(in)) != HS_STS_OK)
		return (err);
	memcpy(acct, in->pan, sizeof(acct));	/* IIN || IAIN, no check */
	if (in->kt == HS_STS_KT_DCTK) {
		iinlen = memcmp(acct, "0000", 4) == 0 ? 4 : 6;
		for (i = iinlen; i < sizeof(acct); i++)
			acct[i] = '0';
	}
	ctl[0] = hex[in->kt];
	put_decimal(ctl + 1, in->sgc, 6);
	put_decimal(ctl + 7, in->ti, 2);
	ctl[9] = hex[in->krn];
	memset(ctl + 10, 'F', 6);
	pack_nibbles(acct + 1, x);
	pack_nibbles(ctl, y);
	for (i = 0; i < 8; i++)
		x[i] ^= y[i];

	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return (HS_STS_E_KEY);
	ok = EVP_EncryptInit_ex2(ctx, c->des, vk, NULL, NULL) == 1 &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	    EVP_EncryptUpdate(ctx, e, &outl, x, sizeof(x)) == 1 &&
	    outl == (int)sizeof(x);
	EVP_CIPHER_CTX_free(ctx);
	if (ok) {
		for (i = 0; i < 8; i++)
			dk[i] = (uint8_t)(e[i] ^ x[i] ^ vk[i]);
	}
	hs_sts_wipe(e, sizeof(e));
	hs_sts_wipe(x, sizeof(x));
	return (ok ? HS_STS_OK : HS_STS_E_KEY);
}

enum hs_sts_err
hs_sts_dkga04(struct hs_sts_dkga *c, const uint8_t vk[20],
    const struct hs_sts_dkga_input *in, uint8_t dk[16], size_t *dklen)
{
	static const char	hex[] = "0123456789ABCDEF";
	OSSL_PARAM		params[2];
	EVP_MAC_CTX		*ctx;
	uint8_t			 data[64], mac[32];
	size_t			 n = 0, maclen = 0, len;
	enum hs_sts_err		 err;
	int			 ok;

	if (c == NULL || vk == NULL || in == NULL || dk == NULL ||
	    dklen == NULL)
		return (HS_STS_E_ARG);
	if ((err = check_input(in)) != HS_STS_OK)
		return (err);
	if (!hs_sts_base_valid(in->base))
		return (HS_STS_E_RANGE);
	if ((len = hs_sts_key_len(in->ea)) == 0)
		return (HS_STS_E_KEY);

	/* Label: four length-prefixed fields. */
	data[n++] = 0x04;
	data[n++] = 0x02;
	data[n++] = '0';
	data[n++] = '4';
	data[n++] = 0x02;
	put_decimal((char *)data + n, (uint32_t)(in->base % 100), 2);
	n += 2;
	data[n++] = 0x02;
	put_decimal((char *)data + n, in->ea, 2);
	n += 2;
	data[n++] = 0x02;
	put_decimal((char *)data + n, in->ti, 2);
	n += 2;
	data[n++] = 0x00;
	/* Context: four length-prefixed fields. */
	data[n++] = 0x04;
	data[n++] = 0x06;
	put_decimal((char *)data + n, in->sgc, 6);
	n += 6;
	data[n++] = 0x01;
	data[n++] = (uint8_t)hex[in->kt];
	data[n++] = 0x01;
	data[n++] = (uint8_t)hex[in->krn];
	data[n++] = 0x12;
	memcpy(data + n, in->pan, 18);
	n += 18;
	/* L: the DK length in bits, 32-bit big-endian. */
	data[n++] = 0;
	data[n++] = 0;
	data[n++] = 0;
	data[n++] = (uint8_t)(len * 8);

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_MAC_CTX_new(c->hmac)) == NULL)
		return (HS_STS_E_KEY);
	ok = EVP_MAC_init(ctx, vk, 20, params) == 1 &&
	    EVP_MAC_update(ctx, data, n) == 1 &&
	    EVP_MAC_final(ctx, mac, &maclen, sizeof(mac)) == 1 &&
	    maclen == sizeof(mac);
	EVP_MAC_CTX_free(ctx);
	if (ok) {
		memcpy(dk, mac, len);
		*dklen = len;
	}
	hs_sts_wipe(mac, sizeof(mac));
	return (ok ? HS_STS_OK : HS_STS_E_KEY);
}
