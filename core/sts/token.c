/*
 * Whole tokens, without meter state: plain contents to 20 digits and back.
 * Class 1 tokens are not encrypted (they are not meter specific), so they
 * need no key in either direction.
 */
#include "sts/sts.h"

enum hs_sts_err
hs_sts_encode(const struct hs_sts_key *k, struct hs_sts_plain *p,
    char out[HS_STS_TOKEN_BUFSZ])
{
	struct hs_sts_number	n;
	uint8_t			block[8];
	enum hs_sts_err		err;

	if (p == NULL || out == NULL)
		return (HS_STS_E_ARG);
	if ((err = hs_sts_plain_pack(p, block)) != HS_STS_OK)
		return (err);
	if (p->tclass != HS_STS_CLASS_TEST &&
	    (err = hs_sts_block_encrypt(k, block)) != HS_STS_OK) {
		hs_sts_wipe(block, sizeof(block));
		return (err);
	}
	hs_sts_number_join(&n, p->tclass, block);
	hs_sts_number_format(&n, out);
	hs_sts_wipe(block, sizeof(block));
	return (HS_STS_OK);
}

enum hs_sts_err
hs_sts_open(const struct hs_sts_key *k, const char *digits, size_t len,
    struct hs_sts_plain *p)
{
	struct hs_sts_number	n;
	uint8_t			block[8], tclass;
	enum hs_sts_err		err;

	if (p == NULL)
		return (HS_STS_E_ARG);
	if ((err = hs_sts_number_parse(&n, digits, len)) != HS_STS_OK)
		return (err);
	tclass = hs_sts_number_split(&n, block);
	if (tclass > HS_STS_CLASS_MGMT) {
		p->tclass = tclass;
		return (HS_STS_E_CLASS);
	}
	if (tclass != HS_STS_CLASS_TEST &&
	    (err = hs_sts_block_decrypt(k, block)) != HS_STS_OK)
		return (err);
	err = hs_sts_plain_unpack(p, tclass, block);
	hs_sts_wipe(block, sizeof(block));
	return (err);
}
