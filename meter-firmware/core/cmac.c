/*
 * AES-CMAC.  The last block is held back in buf until final() knows
 * whether it is complete (K1) or must be padded (K2), as RFC 4493
 * section 2.4 requires.
 */
#include <string.h>

#include "aes.h"
#include "cmac.h"

void
hs_cmac_init(struct hs_cmac *c, const uint8_t key[16])
{
	memcpy(c->key, key, 16);
	memset(c->x, 0, 16);
	c->n = 0;
}

static void
chain(struct hs_cmac *c)
{
	uint8_t	i;

	for (i = 0; i < 16; i++)
		c->x[i] ^= c->buf[i];
	hs_aes128_encrypt(c->key, c->x, c->x);
	c->n = 0;
}

void
hs_cmac_update(struct hs_cmac *c, const void *data, size_t len)
{
	const uint8_t	*p = data;

	while (len > 0) {
		/* A full buffer is chained only when more data follows. */
		if (c->n == 16)
			chain(c);
		c->buf[c->n++] = *p++;
		len--;
	}
}

/* Subkey doubling: shift left by one bit, xor 0x87 on carry out. */
static void
dbl(uint8_t k[16])
{
	uint8_t	i, carry = (uint8_t)(k[0] >> 7);

	for (i = 0; i < 15; i++)
		k[i] = (uint8_t)((k[i] << 1) | (k[i + 1] >> 7));
	k[15] = (uint8_t)((k[15] << 1) ^ (carry ? 0x87 : 0x00));
}

void
hs_cmac_final(struct hs_cmac *c, uint8_t tag[16])
{
	uint8_t	k[16], i;

	memset(k, 0, 16);
	hs_aes128_encrypt(c->key, k, k);
	dbl(k);
	if (c->n < 16) {
		dbl(k);
		c->buf[c->n] = 0x80;
		for (i = (uint8_t)(c->n + 1); i < 16; i++)
			c->buf[i] = 0;
	}
	for (i = 0; i < 16; i++)
		c->buf[i] ^= k[i];
	chain(c);
	memcpy(tag, c->x, 16);
	memset(k, 0, 16);
	memset(c->key, 0, 16);
}

void
hs_cmac(const uint8_t key[16], const void *data, size_t len,
    uint8_t tag[16])
{
	struct hs_cmac	c;

	hs_cmac_init(&c, key);
	hs_cmac_update(&c, data, len);
	hs_cmac_final(&c, tag);
}

int
hs_cmac_equal(const uint8_t *a, const uint8_t *b, uint8_t n)
{
	uint8_t	d = 0, i;

	for (i = 0; i < n; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return (d == 0);
}
