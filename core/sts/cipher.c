/*
 * One entry point per direction for "encrypt this block under this
 * decoder key", whatever the algorithm.  Key schedules are built on the
 * stack for each call and wiped before returning: a meter decodes a token
 * every few days, and a vending server handles a different meter's key on
 * each request, so caching schedules would only leave key material lying
 * around.
 */
#include "sts/sts.h"

size_t
hs_sts_key_len(uint8_t ea)
{
	if (ea == HS_STS_EA07)
		return (8);
	if (ea == HS_STS_EA11)
		return (16);
	return (0);
}

int
hs_sts_key_equal(const struct hs_sts_key *a, const struct hs_sts_key *b)
{
	size_t	len;

	if (a == NULL || b == NULL || a->ea != b->ea)
		return (0);
	if ((len = hs_sts_key_len(a->ea)) == 0)
		return (0);
	return (hs_sts_ct_equal(a->dk, b->dk, len));
}

static enum hs_sts_err
run_cipher(const struct hs_sts_key *k, uint8_t block[8], int decrypt)
{
	struct hs_sts_misty1	ks;

	if (k == NULL || block == NULL)
		return (HS_STS_E_ARG);
	switch (k->ea) {
	case HS_STS_EA07:
		if (k->sta == NULL)
			return (HS_STS_E_KEY);
		if (decrypt)
			hs_sts_sta_decrypt(k->sta, k->dk, block);
		else
			hs_sts_sta_encrypt(k->sta, k->dk, block);
		return (HS_STS_OK);
	case HS_STS_EA11:
		hs_sts_misty1_init(&ks, k->dk);
		if (decrypt)
			hs_sts_misty1_decrypt(&ks, block, block);
		else
			hs_sts_misty1_encrypt(&ks, block, block);
		hs_sts_wipe(&ks, sizeof(ks));
		return (HS_STS_OK);
	}
	return (HS_STS_E_KEY);
}

enum hs_sts_err
hs_sts_block_encrypt(const struct hs_sts_key *k, uint8_t block[8])
{
	return (run_cipher(k, block, 0));
}

enum hs_sts_err
hs_sts_block_decrypt(const struct hs_sts_key *k, uint8_t block[8])
{
	return (run_cipher(k, block, 1));
}
