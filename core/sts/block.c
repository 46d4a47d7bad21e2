/*
 * The 64-bit plaintext block: which bits hold what for each class and
 * subclass, and the CRC that protects them.  Blocks are 8 bytes, most
 * significant first, so b[0] holds bits 63..56:
 *
 *   register layout   b0 = subclass:4 rnd:4, b1..b3 = TID, b4..b5 = data
 *   class 1 sub 0     b0 = subclass:4 control[35..32], b1..b4 = control,
 *                     b5 = MfrCode
 *   class 1 sub 1     b0 = subclass:4 control[27..24], b1..b3 = control,
 *                     b4..b5 = MfrCode
 *   KCT section 1     b0 = 3:4 KENHO:4, b1 = KRN:4 RO:1 res:1 KT:2, b2..b5
 *   KCT section 2     b0 = 4:4 KENLO:4, b1 = TI, b2..b5 = new key bits
 *   KCT section 3/4   b0 = 8|9:4 SGC[11..8]:4, b1 = SGC[7..0], b2..b5
 *   all               b6..b7 = CRC
 *
 * The CRC runs over 7 bytes: the class, then b0..b5 (the 50-bit value
 * class:2 || block[63..16], zero-extended), plus one 0x01 byte for the
 * currency subclasses ("CRC_C").
 */
#include <string.h>

#include "sts/sts.h"

int
hs_sts_has_tid(uint8_t tclass, uint8_t subclass)
{
	if (tclass == HS_STS_CLASS_CREDIT)
		return (1);
	return (tclass == HS_STS_CLASS_MGMT && !hs_sts_is_kct(tclass, subclass));
}

int
hs_sts_is_kct(uint8_t tclass, uint8_t subclass)
{
	return (tclass == HS_STS_CLASS_MGMT && (subclass == HS_STS_C2_KCT1 ||
	    subclass == HS_STS_C2_KCT2 || subclass == HS_STS_C2_KCT3 ||
	    subclass == HS_STS_C2_KCT4));
}

static int
is_currency(uint8_t tclass, uint8_t subclass)
{
	return (tclass == HS_STS_CLASS_CREDIT && subclass >= 4 &&
	    subclass <= 7);
}

static uint16_t
block_crc(uint8_t tclass, const uint8_t block[8])
{
	uint8_t		in[8];
	int		i;

	in[0] = tclass;
	for (i = 0; i < 6; i++)
		in[i + 1] = block[i];
	in[7] = 0x01;
	return (hs_sts_crc16(in, is_currency(tclass, block[0] >> 4) ? 8 : 7));
}

static int
kct_section_of(uint8_t subclass)
{
	switch (subclass) {
	case HS_STS_C2_KCT1:
		return (1);
	case HS_STS_C2_KCT2:
		return (2);
	case HS_STS_C2_KCT3:
		return (3);
	case HS_STS_C2_KCT4:
		return (4);
	}
	return (0);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static enum hs_sts_err
pack_kct(const struct hs_sts_plain *p, uint8_t b[8])
{
	const struct hs_sts_kct_section	*k = &p->kct;

	if (k->section != kct_section_of(p->subclass))
		return (HS_STS_E_CLASS);
	switch (k->section) {
	case 1:
		if (k->ken_half > 15 || k->krn > 15 || k->ro > 1 ||
		    k->reserved > 1 || k->kt > 3)
			return (HS_STS_E_RANGE);
		b[0] = (uint8_t)(p->subclass << 4 | k->ken_half);
		b[1] = (uint8_t)(k->krn << 4 | k->ro << 3 | k->reserved << 2 |
		    k->kt);
		break;
	case 2:
		if (k->ken_half > 15 || k->ti > 99)
			return (HS_STS_E_RANGE);
		b[0] = (uint8_t)(p->subclass << 4 | k->ken_half);
		b[1] = k->ti;
		break;
	default:
		if (k->sgc_half > 0xFFF)
			return (HS_STS_E_RANGE);
		b[0] = (uint8_t)(p->subclass << 4 | k->sgc_half >> 8);
		b[1] = (uint8_t)k->sgc_half;
		break;
	}
	put32(b + 2, k->nk);
	return (HS_STS_OK);
}

static enum hs_sts_err
pack_test(const struct hs_sts_plain *p, uint8_t b[8])
{
	uint64_t	c = p->control;

	if (p->subclass == HS_STS_C1_TEST_MFR2) {
		if (c >> 36 || p->mfrcode > 0xFF)
			return (HS_STS_E_RANGE);
		b[0] = (uint8_t)(p->subclass << 4 | (uint8_t)(c >> 32));
		put32(b + 1, (uint32_t)c);
		b[5] = (uint8_t)p->mfrcode;
		return (HS_STS_OK);
	}
	if (p->subclass == HS_STS_C1_TEST_MFR4) {
		if (c >> 28)
			return (HS_STS_E_RANGE);
		b[0] = (uint8_t)(p->subclass << 4 | (uint8_t)(c >> 24));
		b[1] = (uint8_t)(c >> 16);
		b[2] = (uint8_t)(c >> 8);
		b[3] = (uint8_t)c;
		b[4] = (uint8_t)(p->mfrcode >> 8);
		b[5] = (uint8_t)p->mfrcode;
		return (HS_STS_OK);
	}
	return (HS_STS_E_CLASS);
}

enum hs_sts_err
hs_sts_plain_pack(struct hs_sts_plain *p, uint8_t b[8])
{
	enum hs_sts_err	err;

	if (p == NULL || b == NULL)
		return (HS_STS_E_ARG);
	if (p->tclass > HS_STS_CLASS_MGMT || p->subclass > 15)
		return (HS_STS_E_CLASS);
	if (p->tclass == HS_STS_CLASS_TEST) {
		if ((err = pack_test(p, b)) != HS_STS_OK)
			return (err);
	} else if (hs_sts_is_kct(p->tclass, p->subclass)) {
		if ((err = pack_kct(p, b)) != HS_STS_OK)
			return (err);
	} else {
		if (p->rnd > 15 || p->tid > HS_STS_TID_MAX)
			return (HS_STS_E_RANGE);
		b[0] = (uint8_t)(p->subclass << 4 | p->rnd);
		b[1] = (uint8_t)(p->tid >> 16);
		b[2] = (uint8_t)(p->tid >> 8);
		b[3] = (uint8_t)p->tid;
		b[4] = (uint8_t)(p->data >> 8);
		b[5] = (uint8_t)p->data;
	}
	p->crc = block_crc(p->tclass, b);
	b[6] = (uint8_t)(p->crc >> 8);
	b[7] = (uint8_t)p->crc;
	return (HS_STS_OK);
}

static void
unpack_fields(struct hs_sts_plain *p, const uint8_t b[8])
{
	struct hs_sts_kct_section	*k = &p->kct;

	if (p->tclass == HS_STS_CLASS_TEST && p->subclass == 0) {
		p->control = (uint64_t)(b[0] & 15) << 32 | get32(b + 1);
		p->mfrcode = b[5];
		return;
	}
	if (p->tclass == HS_STS_CLASS_TEST && p->subclass == 1) {
		p->control = (uint64_t)(b[0] & 15) << 24 |
		    (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
		p->mfrcode = (uint16_t)(b[4] << 8 | b[5]);
		return;
	}
	if (hs_sts_is_kct(p->tclass, p->subclass)) {
		k->section = (uint8_t)kct_section_of(p->subclass);
		k->nk = get32(b + 2);
		if (k->section <= 2)
			k->ken_half = b[0] & 15;
		if (k->section == 1) {
			k->krn = b[1] >> 4;
			k->ro = (b[1] >> 3) & 1;
			k->reserved = (b[1] >> 2) & 1;
			k->kt = b[1] & 3;
		} else if (k->section == 2) {
			k->ti = b[1];
		} else {
			k->sgc_half = (uint16_t)((b[0] & 15) << 8 | b[1]);
		}
		return;
	}
	/* Register layout; also used to show unknown subclasses. */
	p->rnd = b[0] & 15;
	p->tid = (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	p->data = (uint16_t)(b[4] << 8 | b[5]);
}

enum hs_sts_err
hs_sts_plain_unpack(struct hs_sts_plain *p, uint8_t tclass,
    const uint8_t b[8])
{
	uint8_t		want[2];
	uint16_t	crc;

	if (p == NULL || b == NULL)
		return (HS_STS_E_ARG);
	memset(p, 0, sizeof(*p));
	p->tclass = tclass;
	p->subclass = b[0] >> 4;
	if (tclass > HS_STS_CLASS_MGMT)
		return (HS_STS_E_CLASS);
	unpack_fields(p, b);
	p->crc = (uint16_t)(b[6] << 8 | b[7]);
	crc = block_crc(tclass, b);
	want[0] = (uint8_t)(crc >> 8);
	want[1] = (uint8_t)crc;
	if (!hs_sts_ct_equal(want, b + 6, 2))
		return (HS_STS_E_CRC);
	return (HS_STS_OK);
}

enum hs_sts_err
hs_sts_plain_credit(struct hs_sts_plain *p, uint8_t subclass, uint8_t rnd,
    uint32_t tid, uint64_t units)
{
	enum hs_sts_err	err;
	uint16_t	code;
	uint8_t		se;

	if (p == NULL)
		return (HS_STS_E_ARG);
	if (subclass > 7)
		return (HS_STS_E_CLASS);
	if (rnd > 15 || tid > HS_STS_TID_MAX)
		return (HS_STS_E_RANGE);
	if (is_currency(HS_STS_CLASS_CREDIT, subclass)) {
		err = hs_sts_currency_encode(units, 0, &code, &se);
		rnd = se;
	} else if (units > HS_STS_AMOUNT_MAX) {
		err = HS_STS_E_RANGE;
	} else {
		err = hs_sts_amount_encode((uint32_t)units, &code);
	}
	if (err != HS_STS_OK)
		return (err);
	memset(p, 0, sizeof(*p));
	p->tclass = HS_STS_CLASS_CREDIT;
	p->subclass = subclass;
	p->rnd = rnd;
	p->tid = tid;
	p->data = code;
	return (HS_STS_OK);
}

enum hs_sts_err
hs_sts_plain_mgmt(struct hs_sts_plain *p, uint8_t subclass, uint8_t rnd,
    uint32_t tid, uint32_t value)
{
	enum hs_sts_err	err = HS_STS_OK;
	uint16_t	data;

	if (p == NULL)
		return (HS_STS_E_ARG);
	if (rnd > 15 || tid > HS_STS_TID_MAX)
		return (HS_STS_E_RANGE);
	switch (subclass) {
	case HS_STS_C2_MAX_POWER:
	case HS_STS_C2_MAX_PHASE_UNBALANCE:
		err = hs_sts_amount_encode(value, &data);
		break;
	case HS_STS_C2_CLEAR_CREDIT:
	case HS_STS_C2_TARIFF_RATE:
	case HS_STS_C2_WATER_FACTOR:
		if (value > 0xFFFF)
			return (HS_STS_E_RANGE);
		data = (uint16_t)value;
		break;
	case HS_STS_C2_CLEAR_TAMPER:
		if (value != 0)
			return (HS_STS_E_RANGE);
		data = 0;
		break;
	default:
		return (HS_STS_E_CLASS);
	}
	if (err != HS_STS_OK)
		return (err);
	memset(p, 0, sizeof(*p));
	p->tclass = HS_STS_CLASS_MGMT;
	p->subclass = subclass;
	p->rnd = rnd;
	p->tid = tid;
	p->data = data;
	return (HS_STS_OK);
}

enum hs_sts_err
hs_sts_plain_test(struct hs_sts_plain *p, uint8_t subclass, uint64_t control,
    uint16_t mfrcode)
{
	if (p == NULL)
		return (HS_STS_E_ARG);
	if (subclass > HS_STS_C1_TEST_MFR4)
		return (HS_STS_E_CLASS);
	if ((subclass == 0 && (control >> 36 || mfrcode > 0xFF)) ||
	    (subclass == 1 && control >> 28))
		return (HS_STS_E_RANGE);
	memset(p, 0, sizeof(*p));
	p->tclass = HS_STS_CLASS_TEST;
	p->subclass = subclass;
	p->control = control;
	p->mfrcode = mfrcode;
	return (HS_STS_OK);
}
