/*
 * The meter core (meter.h).  The rule behind every function here: state
 * changes in RAM first, then exactly one journal record is written, and
 * only after that does the meter act (valve, reply).  journal.h explains
 * why one record per change is enough to survive a power cut anywhere.
 */
#include <string.h>

#include "hal.h"
#include "hourlog.h"
#include "meter.h"

static void
tok_to_sts(struct hs_meter *m)
{
	uint8_t	i;

	memset(&m->sts, 0, sizeof(m->sts));
	m->sts.key.ea = m->tok.ea;
	memcpy(m->sts.key.dk, m->tok.dk, 16);
	m->sts.key.sta = m->tok.ea == HS_STS_EA07 ? m->sta : NULL;
	m->sts.kt = m->tok.kt;
	m->sts.krn = m->tok.krn;
	m->sts.ti = m->tok.ti;
	m->sts.ken = m->tok.ken;
	m->sts.sgc = m->tok.sgc;
	hs_sts_tidstore_init(&m->sts.tids, m->tid_slots, HS_J_TIDS);
	for (i = 0; i < m->tok.ntids; i++)
		m->tid_slots[i] = m->tok.tids[i];
	m->sts.tids.count = m->tok.ntids;
}

/* Copy what the decoder may have changed back into the record. */
static void
sts_to_tok(struct hs_meter *m)
{
	uint8_t	i;

	m->tok.ea = m->sts.key.ea;
	memcpy(m->tok.dk, m->sts.key.dk, 16);
	m->tok.kt = m->sts.kt;
	m->tok.krn = m->sts.krn;
	m->tok.ti = m->sts.ti;
	m->tok.ken = m->sts.ken;
	m->tok.sgc = m->sts.sgc;
	m->tok.ntids = (uint8_t)m->sts.tids.count;
	for (i = 0; i < HS_J_TIDS; i++)
		m->tok.tids[i] = i < m->tok.ntids ? m->tid_slots[i] : 0;
}

static void
commit_usage(struct hs_meter *m)
{
	hs_j_ring_commit(&m->ring, &m->ring_slot);
	m->committed = m->ring.consumed;
}

int32_t
hs_meter_credit(const struct hs_meter *m)
{
	return ((int32_t)(m->tok.purchased - m->ring.consumed));
}

/*
 * The valve follows the credit: open above zero, closed at or below.
 * Consumption is committed at the moment the valve closes so a reboot
 * finds the same decision.  Alerts fire on transitions only.
 */
static void
update_valve(struct hs_meter *m)
{
	int32_t	credit = hs_meter_credit(m);
	uint8_t	want = credit > 0, low;

	if (want != m->valve_open) {
		if (!want && m->ring.consumed != m->committed)
			commit_usage(m);
		hs_hal_valve(want);
		m->valve_open = want;
		m->events |= want ? HS_METER_EV_VALVE_OPENED :
		    HS_METER_EV_VALVE_CLOSED;
	}
	low = credit > 0 && credit <= (int32_t)m->conf.low_credit_l;
	if (low && !m->low)
		m->events |= HS_METER_EV_LOW_CREDIT;
	m->low = low;
}

void
hs_meter_provision(const struct hs_meter_provision *p)
{
	struct hs_j_token	t;
	struct hs_j_ring	r;
	uint8_t			slot;

	hs_j_zero(0, HS_HAL_NV_SIZE);
	hs_j_conf_write(&p->conf);
	memset(&t, 0, sizeof(t));
	t.purchased = p->credit_l;
	t.ea = p->ea;
	t.kt = p->kt;
	t.krn = p->krn;
	t.ti = p->ti;
	t.ken = p->ken;
	t.sgc = p->sgc;
	memcpy(t.dk, p->dk, 16);
	t.time_offset = p->unix_time;
	slot = 1;
	hs_j_token_commit(&t, &slot);
	memset(&r, 0, sizeof(r));
	slot = HS_J_RING_SLOTS - 1;
	hs_j_ring_commit(&r, &slot);
}

int
hs_meter_boot(struct hs_meter *m, const struct hs_sts_sta_table *sta)
{
	int	ts, rs;

	memset(m, 0, sizeof(*m));
	m->sta = sta;
	if (hs_j_conf_read(&m->conf) != 0)
		return (-1);
	if ((ts = hs_j_token_load(&m->tok)) < 0)
		return (-1);
	if ((rs = hs_j_ring_load(&m->ring)) < 0)
		return (-1);
	m->tok_slot = (uint8_t)ts;
	m->ring_slot = (uint8_t)rs;
	tok_to_sts(m);
	/* The boot counter makes every session nonce unique (proto.c). */
	m->ring.boot++;
	commit_usage(m);
	/* A latching valve keeps its position without power, but it may
	 * have been moved by hand or stopped half way: drive it once. */
	m->valve_open = hs_meter_credit(m) > 0;
	hs_hal_valve(m->valve_open);
	m->low = m->valve_open &&
	    hs_meter_credit(m) <= (int32_t)m->conf.low_credit_l;
	return (0);
}

static void
litre(struct hs_meter *m)
{
	m->ring.consumed++;
	if (m->ring.hour_acc != 0xFFFF)
		m->ring.hour_acc++;
	if (m->ring.consumed - m->committed >= m->conf.commit_l)
		commit_usage(m);
	update_valve(m);
}

/*
 * Pulses are counted net: a reed that chatters back and forth as the
 * water column rocks adds nothing.  A whole litre backwards is reverse
 * flow: counted apart (never credited back) and latched as an alarm.
 */
void
hs_meter_pulse(struct hs_meter *m, uint8_t reverse)
{
	int16_t	ppl = (int16_t)m->conf.pulses_per_l;

	m->acc = (int16_t)(m->acc + (reverse ? -1 : 1));
	if (m->acc >= ppl) {
		m->acc = (int16_t)(m->acc - ppl);
		litre(m);
	} else if (m->acc <= -ppl) {
		m->acc = (int16_t)(m->acc + ppl);
		if (m->ring.reverse != 0xFFFF)
			m->ring.reverse++;
		if (!(m->ring.flags & HS_METER_F_REVERSE)) {
			m->ring.flags |= HS_METER_F_REVERSE;
			m->events |= HS_METER_EV_REVERSE;
			commit_usage(m);
		}
	}
}

/* Close the hour: its log nibble first, then the ring record that moves
 * the hour on (a cut in between rewrites the same nibble later). */
static void
close_hour(struct hs_meter *m)
{
	hs_hourlog_put(m->ring.hour, hs_hourlog_code(m->ring.hour_acc));
	m->ring.hour = (m->ring.hour + 1) & 0xFFFFFFUL;
	m->ring.hour_acc = 0;
	commit_usage(m);
}

void
hs_meter_tick(struct hs_meter *m, uint16_t seconds)
{
	uint32_t	s = (uint32_t)m->sec + seconds;

	while (s >= 3600) {
		s -= 3600;
		close_hour(m);
	}
	m->sec = (uint16_t)s;
}

void
hs_meter_tamper(struct hs_meter *m, uint8_t open)
{
	m->tamper_in = open;
	if (open && !(m->ring.flags & HS_METER_F_TAMPER)) {
		m->ring.flags |= HS_METER_F_TAMPER;
		m->events |= HS_METER_EV_TAMPER;
		commit_usage(m);
	}
}

void
hs_meter_battery(struct hs_meter *m, uint16_t mv)
{
	m->battery_mv = mv;
}

uint32_t
hs_meter_seconds(const struct hs_meter *m)
{
	return (m->ring.hour * 3600UL + m->sec);
}

uint32_t
hs_meter_unix(const struct hs_meter *m)
{
	return (m->tok.time_offset + hs_meter_seconds(m));
}

void
hs_meter_set_time(struct hs_meter *m, uint32_t t)
{
	if (t <= hs_meter_unix(m))
		return;
	m->tok.time_offset = t - hs_meter_seconds(m);
	hs_j_token_commit(&m->tok, &m->tok_slot);
}

uint32_t
hs_meter_locked(const struct hs_meter *m)
{
	uint32_t	now = hs_meter_seconds(m);

	return (m->tok.lock_until > now ? m->tok.lock_until - now : 0);
}

uint8_t
hs_meter_flags(const struct hs_meter *m)
{
	uint8_t	f = m->ring.flags & (HS_METER_F_TAMPER | HS_METER_F_REVERSE);

	if (m->valve_open)
		f |= HS_METER_F_VALVE_OPEN;
	if (m->low)
		f |= HS_METER_F_LOW_CREDIT;
	if (hs_meter_locked(m))
		f |= HS_METER_F_LOCKED;
	if (m->battery_mv != 0 && m->battery_mv < HS_METER_BATTERY_LOW_MV)
		f |= HS_METER_F_BATTERY_LOW;
	if (hs_meter_credit(m) <= 0)
		f |= HS_METER_F_NO_CREDIT;
	return (f);
}

uint8_t
hs_meter_take_events(struct hs_meter *m)
{
	uint8_t	e = m->events;

	m->events = 0;
	return (e);
}

/* Count one more bad token and arm the lockout from the fifth on; the
 * delay doubles with every further bad token. */
static void
count_bad(struct hs_meter *m)
{
	uint8_t	shift;

	if (m->tok.bad != 0xFF)
		m->tok.bad++;
	if (m->tok.bad < HS_METER_BAD_LIMIT)
		return;
	shift = (uint8_t)(m->tok.bad - HS_METER_BAD_LIMIT);
	if (shift > HS_METER_LOCK_SHIFT_MAX)
		shift = HS_METER_LOCK_SHIFT_MAX;
	m->tok.lock_until = hs_meter_seconds(m) +
	    ((uint32_t)HS_METER_LOCK_BASE << shift);
}

static enum hs_meter_tok
rejection(enum hs_sts_rc rc)
{
	switch (rc) {
	case HS_STS_RC_USED:
		return (HS_TOK_USED);
	case HS_STS_RC_OLD:
		return (HS_TOK_OLD);
	case HS_STS_RC_KEY_EXPIRED:
		return (HS_TOK_KEY_EXPIRED);
	case HS_STS_RC_DDTK:
		return (HS_TOK_DDTK);
	case HS_STS_RC_KEY_TYPE:
		return (HS_TOK_KEY_TYPE);
	case HS_STS_RC_NO_KEY:
		return (HS_TOK_NO_KEY);
	default:
		return (HS_TOK_UNSUPPORTED);
	}
}

/* Apply an accepted class 0 or class 2 token to the RAM state. */
static enum hs_meter_tok
apply(struct hs_meter *m, const struct hs_sts_result *r, uint8_t *usage)
{
	uint64_t	litres;

	if (r->tclass == HS_STS_CLASS_CREDIT) {
		if (r->subclass != HS_STS_C0_WATER ||
		    r->unit != HS_STS_UNIT_M3)
			return (HS_TOK_UNSUPPORTED);
		/* 0.1 m3 steps are 100 litres. */
		litres = r->amount * 100U + m->tok.purchased;
		m->tok.purchased = litres > 0xFFFFFFFFULL ? 0xFFFFFFFFUL :
		    (uint32_t)litres;
		return (HS_TOK_CREDIT);
	}
	switch (r->subclass) {
	case HS_STS_C2_CLEAR_CREDIT:
		m->tok.purchased = m->ring.consumed;
		break;
	case HS_STS_C2_CLEAR_TAMPER:
		m->ring.flags &= (uint8_t)~(HS_METER_F_TAMPER |
		    HS_METER_F_REVERSE);
		*usage = 1;
		break;
	default:
		/* Power limits, tariff rates and factors mean nothing to a
		 * water meter counting litres: accepted, TID used, no-op. */
		break;
	}
	return (HS_TOK_MGMT);
}

/*
 * One token.  The bad-token count is raised and committed *before* the
 * decoder runs, so cutting the power while a guess is checked cannot
 * dodge the lockout; a token that turns out genuine clears it again in
 * the same write that records its TID and credit.
 */
enum hs_meter_tok
hs_meter_token(struct hs_meter *m, const char *digits, size_t len,
    uint8_t *sts_rc)
{
	struct hs_sts_result	r;
	enum hs_meter_tok	res;
	uint8_t			usage = 0;

	*sts_rc = 0xFF;
	if (hs_meter_locked(m))
		return (HS_TOK_LOCKED);
	count_bad(m);
	hs_j_token_commit(&m->tok, &m->tok_slot);

	hs_sts_meter_decode(&m->sts, digits, len, &r);
	*sts_rc = (uint8_t)r.rc;
	switch (r.rc) {
	case HS_STS_RC_FORMAT:
		return (HS_TOK_FORMAT);
	case HS_STS_RC_CRC:
	case HS_STS_RC_CLASS:
		return (HS_TOK_INVALID);
	case HS_STS_RC_ACCEPTED:
		res = apply(m, &r, &usage);
		break;
	case HS_STS_RC_TEST:
		res = HS_TOK_TEST;
		break;
	case HS_STS_RC_KCT_PENDING:
		res = HS_TOK_KEY_PENDING;
		break;
	case HS_STS_RC_KCT_APPLIED:
		res = HS_TOK_KEY_CHANGED;
		break;
	default:
		res = rejection(r.rc);
		break;
	}
	hs_sts_wipe(&r, sizeof(r));
	sts_to_tok(m);
	m->tok.bad = 0;
	m->tok.lock_until = 0;
	hs_j_token_commit(&m->tok, &m->tok_slot);
	if (usage)
		commit_usage(m);
	update_valve(m);
	return (res);
}
