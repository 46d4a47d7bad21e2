/*
 * The EEPROM layout and its power-fail-safe records (1024 bytes):
 *
 *	0x000  32 B  config      written once at provisioning
 *	0x020  2x68  token       A/B slots: purchased litres, decoder key,
 *	                         TID store, bad-token lockout, clock offset
 *	0x0A8  6x18  usage ring  consumed and reverse litres, hour counter,
 *	                         litres this hour, flags, boot counter
 *	0x114  720 B hourly log  1440 hours, 4 bits each (hourlog.h)
 *	0x3E4   28 B spare
 *
 * Every record carries a sequence number and a CRC-16/MODBUS over the
 * rest.  A new record always goes to the slot holding the oldest copy,
 * so a write torn at any byte leaves the previous record valid and the
 * torn one fails its CRC: after a power loss the meter resumes from
 * either the old or the new record, never a mixture.
 *
 * Credit is never stored.  It is purchased - consumed, and the two live
 * in different records: a token acceptance writes purchased together
 * with the TID that made it (one token record), a flow update writes
 * consumed (one ring record).  Neither write has to be atomic with the
 * other, so no token can be counted twice or lost, whatever the timing
 * of a power cut.
 */
#ifndef HS_JOURNAL_H
#define HS_JOURNAL_H

#include <stdint.h>

#define HS_J_CONF_ADDR		0x000
#define HS_J_CONF_SIZE		32
#define HS_J_TOKEN_ADDR		0x020
#define HS_J_TOKEN_SIZE		68
#define HS_J_RING_ADDR		0x0A8
#define HS_J_RING_SIZE		18
#define HS_J_RING_SLOTS		6
#define HS_J_LOG_ADDR		0x114
#define HS_J_LOG_HOURS		1440
#define HS_J_LOG_SIZE		(HS_J_LOG_HOURS / 2)
#define HS_J_END		(HS_J_LOG_ADDR + HS_J_LOG_SIZE)

#define HS_J_TIDS		8	/* TID store entries (3 bytes each) */

struct hs_j_conf {
	uint32_t	meter_id;
	uint8_t		key[16];	/* per-meter BLE/telemetry key */
	uint16_t	pulses_per_l;	/* 1..1000 */
	uint16_t	low_credit_l;	/* warn at or below this credit */
	uint8_t		commit_l;	/* write usage every this many litres */
};

struct hs_j_token {
	uint16_t	seq;
	uint32_t	purchased;	/* litres bought, ever */
	uint8_t		ea, kt, krn, ti, ken;
	uint32_t	sgc;
	uint8_t		dk[16];
	uint8_t		ntids;
	uint32_t	tids[HS_J_TIDS];
	uint8_t		bad;		/* consecutive bad tokens */
	uint32_t	lock_until;	/* meter seconds (see meter.h) */
	uint32_t	time_offset;	/* Unix time = offset + meter seconds */
};

struct hs_j_ring {
	uint8_t		seq;
	uint32_t	consumed;	/* litres, forward */
	uint16_t	reverse;	/* litres, backwards */
	uint32_t	hour;		/* powered hours since provisioning */
	uint16_t	hour_acc;	/* litres in the current hour */
	uint8_t		flags;		/* HS_METER_F_TAMPER | _REVERSE */
	uint16_t	boot;		/* power-ups */
};

/* Config: 0 on success, -1 if absent or corrupt. */
void	hs_j_conf_write(const struct hs_j_conf *c);
int	hs_j_conf_read(struct hs_j_conf *c);

/* Load the newest valid token record into *t; returns its slot (0/1)
 * or -1 when neither slot is valid. */
int	hs_j_token_load(struct hs_j_token *t);
/* Write *t with seq + 1 into the slot other than *slot; updates both. */
void	hs_j_token_commit(struct hs_j_token *t, uint8_t *slot);

int	hs_j_ring_load(struct hs_j_ring *r);
void	hs_j_ring_commit(struct hs_j_ring *r, uint8_t *slot);

/* Fill [addr, addr + len) with zeros (provisioning). */
void	hs_j_zero(uint16_t addr, uint16_t len);

#endif /* HS_JOURNAL_H */
