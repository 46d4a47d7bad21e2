/*
 * Key change tokens: building the sections on the vending side and
 * collecting them on the meter.  A KCT has no TID and no freshness of its
 * own; all sections are encrypted under the meter's current key, which is
 * what authorises them.  The meter must not use any part of a new key
 * until every section has arrived, so the sections are gathered in a
 * caller-owned struct hs_sts_kct_pending and applied in one step.
 */
#include <string.h>

#include "sts/sts.h"

static const uint8_t kct_subclass[5] = {
	0, HS_STS_C2_KCT1, HS_STS_C2_KCT2, HS_STS_C2_KCT3, HS_STS_C2_KCT4
};

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Key byte offset carried by section s, for 2- and 4-section sets. */
static const uint8_t off07[5] = { 0, 0, 4, 0, 0 };
static const uint8_t off11[5] = { 0, 0, 12, 4, 8 };

/*
 * Vending side: split a new key into sections.  Each section carries 32
 * key bits; section 1 carries KT, KRN, RO and the high half of KEN,
 * section 2 TI and the low half of KEN, sections 3/4 (MISTY1 only) the
 * two halves of the SGC.
 */
enum hs_sts_err
hs_sts_kct_make(const struct hs_sts_newkey *nk, uint8_t ea,
    struct hs_sts_plain out[4], unsigned *n)
{
	const uint8_t		*off;
	unsigned		 s, count;

	if (nk == NULL || out == NULL || n == NULL)
		return (HS_STS_E_ARG);
	if ((count = hs_sts_kct_sections(ea)) == 0)
		return (HS_STS_E_KEY);
	if (nk->kt > 3 || nk->krn > 15 || nk->ti > 99 || nk->ro > 1 ||
	    (count == 4 && nk->sgc > 999999UL))
		return (HS_STS_E_RANGE);
	off = count == 2 ? off07 : off11;
	for (s = 1; s <= count; s++) {
		struct hs_sts_plain		*p = &out[s - 1];
		struct hs_sts_kct_section	*k = &p->kct;

		memset(p, 0, sizeof(*p));
		p->tclass = HS_STS_CLASS_MGMT;
		p->subclass = kct_subclass[s];
		k->section = (uint8_t)s;
		k->nk = get32(nk->dk + off[s]);
		switch (s) {
		case 1:
			k->ken_half = nk->ken >> 4;
			k->krn = nk->krn;
			k->ro = nk->ro;
			k->kt = nk->kt;
			break;
		case 2:
			k->ken_half = nk->ken & 15;
			k->ti = nk->ti;
			break;
		case 3:
			k->sgc_half = (uint16_t)(nk->sgc & 0xFFF);
			break;
		case 4:
			k->sgc_half = (uint16_t)(nk->sgc >> 12);
			break;
		}
	}
	*n = count;
	return (HS_STS_OK);
}

unsigned
hs_sts_kct_sections(uint8_t ea)
{
	if (ea == HS_STS_EA07)
		return (2);
	if (ea == HS_STS_EA11)
		return (4);
	return (0);
}

enum hs_sts_kct_state
hs_sts_kct_collect(struct hs_sts_kct_pending *pend, uint8_t ea,
    const struct hs_sts_kct_section *k)
{
	struct hs_sts_newkey	*nk = &pend->nk;
	unsigned		 count;
	uint8_t			 all;

	count = hs_sts_kct_sections(ea);
	if (count == 0 || k->section < 1 || k->section > count)
		return (HS_STS_KCT_SEQUENCE);
	/* A repeated section replaces the earlier copy: the user may have
	 * retyped it, and both copies were authorised by the same key. */
	put32(nk->dk + (count == 2 ? off07 : off11)[k->section], k->nk);
	switch (k->section) {
	case 1:
		nk->ken = (uint8_t)((nk->ken & 0x0F) | k->ken_half << 4);
		nk->krn = k->krn;
		nk->ro = k->ro;
		nk->kt = k->kt;
		break;
	case 2:
		nk->ken = (uint8_t)((nk->ken & 0xF0) | k->ken_half);
		nk->ti = k->ti;
		break;
	case 3:
		nk->sgc = (nk->sgc & 0xFFF000UL) | k->sgc_half;
		break;
	case 4:
		nk->sgc = (nk->sgc & 0xFFFUL) | (uint32_t)k->sgc_half << 12;
		break;
	}
	nk->has_sgc = count == 4;
	pend->have |= (uint8_t)(1 << (k->section - 1));
	all = (uint8_t)((1 << count) - 1);
	return ((pend->have & all) == all ? HS_STS_KCT_COMPLETE :
	    HS_STS_KCT_INCOMPLETE);
}
