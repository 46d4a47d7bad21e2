/*
 * The meter-side decoder: one call per token typed on the keypad.
 *
 * Everything the meter remembers is in the caller's struct hs_sts_meter
 * (key, key attributes, TID store, pending key change sections), so the
 * firmware decides where it lives and when it is written.  The decoder
 * changes that state only as the last step of an accepted token, and says
 * in r->persist exactly which parts changed, so the firmware can journal
 * them together with the credit it is about to add.
 */
#include "sts/sts.h"

static int
meter_key_usable(const struct hs_sts_meter *m)
{
	if (hs_sts_key_len(m->key.ea) == 0)
		return (0);
	return (m->key.ea != HS_STS_EA07 || m->key.sta != NULL);
}

/* Expiry, Used, Old, in that order; records the TID when all pass. */
static enum hs_sts_rc
check_tid(struct hs_sts_meter *m, uint32_t tid, struct hs_sts_result *r)
{
	if (!hs_sts_ken_allows(m->ken, tid))
		return (HS_STS_RC_KEY_EXPIRED);
	switch (hs_sts_tidstore_check(&m->tids, tid)) {
	case HS_STS_TID_USED:
		return (HS_STS_RC_USED);
	case HS_STS_TID_OLD:
		return (HS_STS_RC_OLD);
	case HS_STS_TID_FRESH:
		break;
	}
	hs_sts_tidstore_record(&m->tids, tid);
	r->persist |= HS_STS_PERSIST_TIDS;
	return (HS_STS_RC_ACCEPTED);
}

static enum hs_sts_rc
credit(struct hs_sts_meter *m, const struct hs_sts_plain *p,
    struct hs_sts_result *r)
{
	uint64_t	units;
	int		negative;

	if (p->subclass > HS_STS_C0_TIME_CURRENCY)
		return (HS_STS_RC_FUNCTION);
	if (m->kt == HS_STS_KT_DDTK)
		return (HS_STS_RC_DDTK);
	r->unit = hs_sts_unit_of(p->tclass, p->subclass);
	if (r->unit == HS_STS_UNIT_CURRENCY) {
		if (hs_sts_currency_decode(p->data, p->rnd, &units,
		    &negative) != HS_STS_OK)
			return (HS_STS_RC_RANGE);
		r->amount = units;
		r->negative = (uint8_t)negative;
	} else {
		r->amount = hs_sts_amount_decode(p->data);
	}
	return (check_tid(m, p->tid, r));
}

static enum hs_sts_rc
management(struct hs_sts_meter *m, const struct hs_sts_plain *p,
    struct hs_sts_result *r)
{
	switch (p->subclass) {
	case HS_STS_C2_MAX_POWER:
	case HS_STS_C2_MAX_PHASE_UNBALANCE:
		r->unit = HS_STS_UNIT_WATT;
		r->amount = hs_sts_amount_decode(p->data);
		break;
	case HS_STS_C2_CLEAR_CREDIT:
	case HS_STS_C2_TARIFF_RATE:
	case HS_STS_C2_CLEAR_TAMPER:
	case HS_STS_C2_WATER_FACTOR:
		break;
	default:
		return (HS_STS_RC_FUNCTION);
	}
	return (check_tid(m, p->tid, r));
}

static enum hs_sts_rc
key_change(struct hs_sts_meter *m, const struct hs_sts_plain *p,
    struct hs_sts_result *r)
{
	enum hs_sts_kct_state	st;

	st = hs_sts_kct_collect(&m->kct, m->key.ea, &p->kct);
	if (st == HS_STS_KCT_SEQUENCE)
		return (HS_STS_RC_KCT_SEQUENCE);
	r->persist |= HS_STS_PERSIST_KCT;
	r->kct_have = m->kct.have;
	if (st == HS_STS_KCT_INCOMPLETE)
		return (HS_STS_RC_KCT_PENDING);
	/* The initialisation key type never leaves the factory: a set that
	 * would install one is dropped whole, not applied. */
	if (m->kct.nk.kt == HS_STS_KT_DITK) {
		hs_sts_wipe(&m->kct, sizeof(m->kct));
		r->kct_have = 0;
		return (HS_STS_RC_KEY_TYPE);
	}
	r->newkey = m->kct.nk;
	hs_sts_meter_apply_kct(m, &r->newkey);
	r->kct_have = 0;
	r->persist |= HS_STS_PERSIST_KEY;
	if (r->newkey.ro)
		r->persist |= HS_STS_PERSIST_TIDS;
	return (HS_STS_RC_KCT_APPLIED);
}

static enum hs_sts_rc
dispatch(struct hs_sts_meter *m, const char *digits, size_t len,
    struct hs_sts_result *r)
{
	struct hs_sts_number	n;
	struct hs_sts_plain	*p = &r->plain;
	uint8_t			block[8];
	enum hs_sts_err		err;

	if (hs_sts_number_parse(&n, digits, len) != HS_STS_OK)
		return (HS_STS_RC_FORMAT);
	r->tclass = hs_sts_number_split(&n, block);
	if (r->tclass > HS_STS_CLASS_MGMT)
		return (HS_STS_RC_CLASS);
	if (r->tclass != HS_STS_CLASS_TEST) {
		if (!meter_key_usable(m))
			return (HS_STS_RC_NO_KEY);
		(void)hs_sts_block_decrypt(&m->key, block);
	}
	err = hs_sts_plain_unpack(p, r->tclass, block);
	hs_sts_wipe(block, sizeof(block));
	if (err != HS_STS_OK) {
		/* Nothing in a block that fails its CRC is trustworthy. */
		hs_sts_wipe(p, sizeof(*p));
		p->tclass = r->tclass;
		return (HS_STS_RC_CRC);
	}
	r->subclass = p->subclass;
	r->has_tid = (uint8_t)hs_sts_has_tid(p->tclass, p->subclass);
	if (r->has_tid)
		r->tid = p->tid;
	r->value = p->data;
	switch (r->tclass) {
	case HS_STS_CLASS_TEST:
		return (p->subclass <= HS_STS_C1_TEST_MFR4 ? HS_STS_RC_TEST :
		    HS_STS_RC_FUNCTION);
	case HS_STS_CLASS_CREDIT:
		return (credit(m, p, r));
	default:
		if (hs_sts_is_kct(p->tclass, p->subclass))
			return (key_change(m, p, r));
		return (management(m, p, r));
	}
}

void
hs_sts_meter_decode(struct hs_sts_meter *m, const char *digits, size_t len,
    struct hs_sts_result *r)
{
	if (r == NULL)
		return;
	hs_sts_wipe(r, sizeof(*r));
	if (m == NULL) {
		r->rc = HS_STS_RC_NO_KEY;
		return;
	}
	r->kct_need = (uint8_t)hs_sts_kct_sections(m->key.ea);
	r->kct_have = m->kct.have;
	r->rc = dispatch(m, digits, len, r);
	/* Key bits of a KCT section stay in m->kct only. */
	r->plain.kct.nk = 0;
}

void
hs_sts_meter_apply_kct(struct hs_sts_meter *m, const struct hs_sts_newkey *nk)
{
	size_t	i, len = hs_sts_key_len(m->key.ea);

	for (i = 0; i < sizeof(m->key.dk); i++)
		m->key.dk[i] = i < len ? nk->dk[i] : 0;
	m->kt = nk->kt;
	m->krn = nk->krn;
	m->ti = nk->ti;
	m->ken = nk->ken;
	if (nk->has_sgc)
		m->sgc = nk->sgc;
	if (nk->ro)
		hs_sts_tidstore_clear(&m->tids);
	/* nk may point into m->kct; it has been fully used by now. */
	hs_sts_wipe(&m->kct, sizeof(m->kct));
}
