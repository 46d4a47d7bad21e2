/*
 * The prepaid water meter core: credit, consumption, valve, alarms,
 * hourly log and the token keypad, on top of the STS engine and the
 * EEPROM journal.  Portable C99; the board feeds it events:
 *
 *	hs_meter_pulse()    one flow sensor pulse (forward or reverse)
 *	hs_meter_tick()     seconds elapsed (the watchdog on the AVR)
 *	hs_meter_tamper()   the case switch changed
 *	hs_meter_battery()  a battery measurement
 *	hs_meter_token()    a 20-digit token (from BLE or a keypad)
 *
 * and it answers through the HAL (hal.h): EEPROM, valve, link.
 *
 * Units: credit and volumes in whole litres; pulses_per_l pulses make a
 * litre.  Credit = purchased - consumed and may go below zero by the
 * water that passes while the valve closes; the next purchase pays it.
 *
 * Time: "meter seconds" count powered time since provisioning (hour *
 * 3600 + seconds into the hour).  They survive a power cut at the last
 * committed hour.  Unix time is meter seconds + time_offset, and the
 * offset only moves forward, when an authenticated grant brings a later
 * server time (proto.c).
 */
#ifndef HS_METER_H
#define HS_METER_H

#include <stddef.h>
#include <stdint.h>

#include "sts/sts.h"
#include "journal.h"

#define HS_METER_FW_MAJOR	1
#define HS_METER_FW_MINOR	0

/* Status flags (STATUS frame, docs/ble-protocol.md). */
#define HS_METER_F_VALVE_OPEN	0x01
#define HS_METER_F_LOW_CREDIT	0x02
#define HS_METER_F_TAMPER	0x04	/* case opened (latched) */
#define HS_METER_F_REVERSE	0x08	/* reverse flow seen (latched) */
#define HS_METER_F_LOCKED	0x10	/* bad-token lockout active */
#define HS_METER_F_BATTERY_LOW	0x20
#define HS_METER_F_NO_CREDIT	0x40	/* credit <= 0 */

/* Events for the link (ALERT frames), bit per code. */
#define HS_METER_EV_LOW_CREDIT	0x01
#define HS_METER_EV_VALVE_CLOSED 0x02
#define HS_METER_EV_VALVE_OPENED 0x04
#define HS_METER_EV_TAMPER	0x08
#define HS_METER_EV_REVERSE	0x10

#define HS_METER_BAD_LIMIT	5	/* bad tokens before the lockout */
#define HS_METER_LOCK_BASE	30	/* seconds, doubled per further bad */
#define HS_METER_LOCK_SHIFT_MAX	10	/* longest lockout 30 * 1024 s */
#define HS_METER_BATTERY_LOW_MV	2200

/* Token outcomes as the user sees them (TOKEN reply, first byte). */
enum hs_meter_tok {
	HS_TOK_CREDIT = 0x00,		/* water credit added */
	HS_TOK_KEY_PENDING = 0x01,	/* key change section stored */
	HS_TOK_KEY_CHANGED = 0x02,	/* new decoder key installed */
	HS_TOK_TEST = 0x03,		/* class 1 test token */
	HS_TOK_MGMT = 0x04,		/* management token applied */
	HS_TOK_FORMAT = 0x10,		/* not a token number */
	HS_TOK_INVALID = 0x11,		/* CRC: wrong meter, typo, forgery */
	HS_TOK_USED = 0x12,
	HS_TOK_OLD = 0x13,
	HS_TOK_KEY_EXPIRED = 0x14,
	HS_TOK_DDTK = 0x15,		/* credit on the default key */
	HS_TOK_UNSUPPORTED = 0x16,	/* class/subclass not for water */
	HS_TOK_KEY_TYPE = 0x17,		/* KCT would install a factory key */
	HS_TOK_NO_KEY = 0x18,		/* meter has no usable key */
	HS_TOK_LOCKED = 0x19		/* refused: lockout running */
};

/* What provisioning writes (factory or the virtual meter's options). */
struct hs_meter_provision {
	struct hs_j_conf	conf;
	uint8_t			ea, kt, krn, ti, ken;
	uint32_t		sgc;
	uint8_t			dk[16];
	uint32_t		credit_l;	/* initial credit */
	uint32_t		unix_time;	/* 0 if unknown */
};

struct hs_meter {
	struct hs_j_conf	conf;
	struct hs_j_token	tok;		/* RAM copy of the record */
	struct hs_j_ring	ring;		/* RAM copy, consumed ahead */
	uint8_t			tok_slot, ring_slot;
	uint32_t		committed;	/* ring.consumed last written */
	struct hs_sts_meter	sts;
	uint32_t		tid_slots[HS_J_TIDS];
	const struct hs_sts_sta_table *sta;	/* EA07 tables, or NULL */
	uint16_t		sec;		/* seconds into the hour */
	int16_t			acc;		/* net pulses, |acc| < 1 litre */
	uint16_t		battery_mv;
	uint8_t			tamper_in;	/* switch state now */
	uint8_t			valve_open;
	uint8_t			low;		/* low credit flag state */
	uint8_t			events;		/* HS_METER_EV_*, for alerts */
};

/* Erase the EEPROM layout and write a fresh meter. */
void		hs_meter_provision(const struct hs_meter_provision *p);

/* Load the meter from EEPROM and drive the valve to match the credit.
 * sta: EA07 tables (kept by the caller), or NULL.  -1 if unprovisioned. */
int		hs_meter_boot(struct hs_meter *m,
		    const struct hs_sts_sta_table *sta);

void		hs_meter_pulse(struct hs_meter *m, uint8_t reverse);
void		hs_meter_tick(struct hs_meter *m, uint16_t seconds);
void		hs_meter_tamper(struct hs_meter *m, uint8_t open);
void		hs_meter_battery(struct hs_meter *m, uint16_t mv);

/* Enter one token of len digits; *sts_rc receives the engine's code
 * (0xFF when the engine did not run). */
enum hs_meter_tok hs_meter_token(struct hs_meter *m, const char *digits,
		    size_t len, uint8_t *sts_rc);

int32_t		hs_meter_credit(const struct hs_meter *m);
uint8_t		hs_meter_flags(const struct hs_meter *m);
uint32_t	hs_meter_seconds(const struct hs_meter *m);
uint32_t	hs_meter_unix(const struct hs_meter *m);
/* Seconds left of the lockout, 0 when tokens are accepted. */
uint32_t	hs_meter_locked(const struct hs_meter *m);
/* Advance Unix time to at least t (never backwards); persists. */
void		hs_meter_set_time(struct hs_meter *m, uint32_t t);
/* Take and clear the pending HS_METER_EV_* bits. */
uint8_t		hs_meter_take_events(struct hs_meter *m);

#endif /* HS_METER_H */
