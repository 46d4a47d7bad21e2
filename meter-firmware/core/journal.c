/*
 * Record encoding and slot selection for the EEPROM journal (journal.h).
 * Records are serialised field by field, big-endian, so the layout is
 * the same on the AVR and on hosts and the docs can describe it.
 */
#include <string.h>

#include "sts/sts.h"
#include "bytes.h"
#include "hal.h"
#include "journal.h"

static const uint8_t conf_magic[3] = { 'H', 'S', 1 };

static int
crc_ok(const uint8_t *b, uint8_t size)
{
	uint16_t	c = hs_sts_crc16(b, (size_t)(size - 2));

	return (hs_get16(b + size - 2) == c);
}

static void
crc_put(uint8_t *b, uint8_t size)
{
	hs_put16(b + size - 2, hs_sts_crc16(b, (size_t)(size - 2)));
}

void
hs_j_conf_write(const struct hs_j_conf *c)
{
	uint8_t	b[HS_J_CONF_SIZE];

	memset(b, 0, sizeof(b));
	memcpy(b, conf_magic, 3);
	b[3] = c->commit_l;
	hs_put32(b + 4, c->meter_id);
	memcpy(b + 8, c->key, 16);
	hs_put16(b + 24, c->pulses_per_l);
	hs_put16(b + 26, c->low_credit_l);
	crc_put(b, sizeof(b));
	hs_hal_nv_write(HS_J_CONF_ADDR, b, sizeof(b));
}

int
hs_j_conf_read(struct hs_j_conf *c)
{
	uint8_t	b[HS_J_CONF_SIZE];

	hs_hal_nv_read(HS_J_CONF_ADDR, b, sizeof(b));
	if (memcmp(b, conf_magic, 3) != 0 || !crc_ok(b, sizeof(b)))
		return (-1);
	c->commit_l = b[3];
	c->meter_id = hs_get32(b + 4);
	memcpy(c->key, b + 8, 16);
	c->pulses_per_l = hs_get16(b + 24);
	c->low_credit_l = hs_get16(b + 26);
	if (c->pulses_per_l == 0 || c->commit_l == 0)
		return (-1);
	return (0);
}

static void
token_encode(const struct hs_j_token *t, uint8_t b[HS_J_TOKEN_SIZE])
{
	uint8_t	i;

	memset(b, 0, HS_J_TOKEN_SIZE);
	hs_put16(b, t->seq);
	hs_put32(b + 2, t->purchased);
	b[6] = t->ea;
	b[7] = t->kt;
	b[8] = t->krn;
	b[9] = t->ti;
	b[10] = t->ken;
	hs_put24(b + 11, t->sgc);
	memcpy(b + 14, t->dk, 16);
	b[30] = t->ntids;
	for (i = 0; i < HS_J_TIDS; i++)
		hs_put24(b + 31 + 3 * i, t->tids[i]);
	b[55] = t->bad;
	hs_put32(b + 56, t->lock_until);
	hs_put32(b + 60, t->time_offset);
	crc_put(b, HS_J_TOKEN_SIZE);
}

static int
token_decode(struct hs_j_token *t, const uint8_t b[HS_J_TOKEN_SIZE])
{
	uint8_t	i;

	if (!crc_ok(b, HS_J_TOKEN_SIZE) || b[30] > HS_J_TIDS)
		return (-1);
	t->seq = hs_get16(b);
	t->purchased = hs_get32(b + 2);
	t->ea = b[6];
	t->kt = b[7];
	t->krn = b[8];
	t->ti = b[9];
	t->ken = b[10];
	t->sgc = hs_get24(b + 11);
	memcpy(t->dk, b + 14, 16);
	t->ntids = b[30];
	for (i = 0; i < HS_J_TIDS; i++)
		t->tids[i] = hs_get24(b + 31 + 3 * i);
	t->bad = b[55];
	t->lock_until = hs_get32(b + 56);
	t->time_offset = hs_get32(b + 60);
	return (0);
}

int
hs_j_token_load(struct hs_j_token *t)
{
	struct hs_j_token	other;
	uint8_t			b[HS_J_TOKEN_SIZE];
	int			a_ok, b_ok;

	hs_hal_nv_read(HS_J_TOKEN_ADDR, b, HS_J_TOKEN_SIZE);
	a_ok = token_decode(t, b) == 0;
	hs_hal_nv_read(HS_J_TOKEN_ADDR + HS_J_TOKEN_SIZE, b, HS_J_TOKEN_SIZE);
	b_ok = token_decode(&other, b) == 0;
	if (b_ok && (!a_ok || (int16_t)(other.seq - t->seq) > 0)) {
		*t = other;
		return (1);
	}
	return (a_ok ? 0 : -1);
}

void
hs_j_token_commit(struct hs_j_token *t, uint8_t *slot)
{
	uint8_t	b[HS_J_TOKEN_SIZE];

	t->seq++;
	*slot ^= 1;
	token_encode(t, b);
	hs_hal_nv_write((uint16_t)(HS_J_TOKEN_ADDR + *slot * HS_J_TOKEN_SIZE),
	    b, HS_J_TOKEN_SIZE);
}

static void
ring_encode(const struct hs_j_ring *r, uint8_t b[HS_J_RING_SIZE])
{
	b[0] = r->seq;
	hs_put32(b + 1, r->consumed);
	hs_put16(b + 5, r->reverse);
	hs_put24(b + 7, r->hour);
	hs_put16(b + 10, r->hour_acc);
	b[12] = r->flags;
	hs_put16(b + 13, r->boot);
	b[15] = 0;
	crc_put(b, HS_J_RING_SIZE);
}

static int
ring_decode(struct hs_j_ring *r, const uint8_t b[HS_J_RING_SIZE])
{
	if (!crc_ok(b, HS_J_RING_SIZE))
		return (-1);
	r->seq = b[0];
	r->consumed = hs_get32(b + 1);
	r->reverse = hs_get16(b + 5);
	r->hour = hs_get24(b + 7);
	r->hour_acc = hs_get16(b + 10);
	r->flags = b[12];
	r->boot = hs_get16(b + 13);
	return (0);
}

/*
 * The newest slot is the valid one whose 8-bit sequence is ahead of
 * every other valid one (serial arithmetic: the six live sequences span
 * less than 128, so the signed difference orders them).
 */
int
hs_j_ring_load(struct hs_j_ring *r)
{
	struct hs_j_ring	cand;
	uint8_t			b[HS_J_RING_SIZE], i;
	int			best = -1;

	for (i = 0; i < HS_J_RING_SLOTS; i++) {
		hs_hal_nv_read((uint16_t)(HS_J_RING_ADDR + i * HS_J_RING_SIZE),
		    b, HS_J_RING_SIZE);
		if (ring_decode(&cand, b) != 0)
			continue;
		if (best < 0 || (int8_t)(cand.seq - r->seq) > 0) {
			*r = cand;
			best = i;
		}
	}
	return (best);
}

void
hs_j_ring_commit(struct hs_j_ring *r, uint8_t *slot)
{
	uint8_t	b[HS_J_RING_SIZE];

	r->seq++;
	*slot = (uint8_t)((*slot + 1) % HS_J_RING_SLOTS);
	ring_encode(r, b);
	hs_hal_nv_write((uint16_t)(HS_J_RING_ADDR + *slot * HS_J_RING_SIZE),
	    b, HS_J_RING_SIZE);
}

void
hs_j_zero(uint16_t addr, uint16_t len)
{
	static const uint8_t	zero[16];
	uint16_t		n;

	while (len > 0) {
		n = len < sizeof(zero) ? len : sizeof(zero);
		hs_hal_nv_write(addr, zero, n);
		addr = (uint16_t)(addr + n);
		len = (uint16_t)(len - n);
	}
}
