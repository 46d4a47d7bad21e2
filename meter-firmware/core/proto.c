/*
 * BLE protocol engine: framing errors, the HELLO/GRANT/AUTH handshake,
 * MAC-checked session reads, tokens with or without a session, and the
 * telemetry transcript (docs/ble-protocol.md).
 *
 * Every frame is parsed once here into a struct hs_frame; handlers see
 * only frames whose length they have checked.  Any MAC or sequence
 * failure ends the session, so an attacker gets one guess per HELLO.
 */
#include <string.h>

#include "sts/sts.h"
#include "aes.h"
#include "bytes.h"
#include "hal.h"
#include "hourlog.h"
#include "proto.h"

static void
send(uint8_t type, uint8_t seq, const uint8_t *payload, uint8_t len)
{
	uint8_t	out[HS_FRAME_MAX], n;

	n = hs_frame_encode(type, seq, payload, len, out);
	hs_hal_link_write(out, n);
}

static void
send_err(uint8_t seq, uint8_t code, uint8_t type, uint16_t arg)
{
	uint8_t	b[4];

	b[0] = code;
	b[1] = type;
	hs_put16(b + 2, arg);
	send(HS_MSG_ERR, seq, b, 4);
}

static void
end_session(struct hs_proto *p)
{
	p->state = HS_PROTO_IDLE;
	p->has_grant = 0;
	hs_sts_wipe(p->ks, sizeof(p->ks));
	hs_sts_wipe(&p->tr, sizeof(p->tr));
}

/* A session reply: body + MAC under Ks, and into the transcript. */
static void
send_session(struct hs_proto *p, uint8_t type, uint8_t seq, uint8_t *b,
    uint8_t n)
{
	hs_proto_transcript_add(&p->tr, type, seq, b, n);
	if (p->tcount != 0xFF)
		p->tcount++;
	hs_proto_mac(p->ks, HS_DIR_METER, type, seq, b, n, b + n);
	send(type, seq, b, (uint8_t)(n + HS_MAC_LEN));
}

/*
 * Gate for a frame that needs the session: state, exact length, strictly
 * increasing SEQ, MAC.  Returns 1 when the frame may be acted on.
 */
static int
session_ok(struct hs_proto *p, const struct hs_frame *f, uint8_t len)
{
	uint8_t	mac[HS_MAC_LEN];
	uint8_t	n = (uint8_t)(len - HS_MAC_LEN);

	if (p->state != HS_PROTO_SESSION) {
		send_err(f->seq, HS_ERR_AUTH, f->type, 0);
		return (0);
	}
	if (f->len != len) {
		send_err(f->seq, HS_ERR_LEN, f->type, 0);
		return (0);
	}
	if (f->seq <= p->last_seq) {
		end_session(p);
		send_err(f->seq, HS_ERR_SEQ, f->type, p->last_seq);
		return (0);
	}
	hs_proto_mac(p->ks, HS_DIR_PHONE, f->type, f->seq, f->payload, n, mac);
	if (!hs_cmac_equal(mac, f->payload + n, HS_MAC_LEN)) {
		end_session(p);
		send_err(f->seq, HS_ERR_MAC, f->type, 0);
		return (0);
	}
	p->last_seq = f->seq;
	return (1);
}

static int
rights_ok(struct hs_proto *p, const struct hs_frame *f, uint8_t right)
{
	if (p->rights & right)
		return (1);
	send_err(f->seq, HS_ERR_RIGHTS, f->type, 0);
	return (0);
}

/* Nm = first 8 bytes of AES_K('N' | meter_id | boot | counter | 0...):
 * unique per (boot, counter), so a meter challenge never repeats. */
static void
hello(struct hs_proto *p, const struct hs_frame *f)
{
	struct hs_meter	*m = p->m;
	uint8_t		blk[16], b[13];

	if (f->len != 0) {
		send_err(f->seq, HS_ERR_LEN, f->type, 0);
		return;
	}
	end_session(p);
	memset(blk, 0, sizeof(blk));
	blk[0] = HS_LABEL_NONCE;
	hs_put32(blk + 1, m->conf.meter_id);
	hs_put16(blk + 5, m->ring.boot);
	hs_put32(blk + 7, ++p->nonce_ctr);
	hs_aes128_encrypt(m->conf.key, blk, blk);
	memcpy(p->nm, blk, 8);
	p->state = HS_PROTO_HELLO;
	hs_put32(b, m->conf.meter_id);
	memcpy(b + 4, p->nm, 8);
	b[12] = HS_PROTO_VERSION;
	send(HS_MSG_HELLO | HS_MSG_REPLY, f->seq, b, 13);
}

static void
grant(struct hs_proto *p, const struct hs_frame *f)
{
	if (f->len != HS_GRANT_BODY) {
		send_err(f->seq, HS_ERR_LEN, f->type, 0);
		return;
	}
	if (p->state != HS_PROTO_HELLO) {
		send_err(f->seq, HS_ERR_STATE, f->type, 0);
		return;
	}
	memcpy(p->grant, f->payload, HS_GRANT_BODY);
	p->has_grant = 1;
	send(HS_MSG_GRANT | HS_MSG_REPLY, f->seq, NULL, 0);
}

/*
 * AUTH: the phone's tag proves it holds K (no grant) or the grant's Kg.
 * A grant must also be in date; its `issued` time is authenticated by
 * the tag, so it moves the meter's clock forward.
 */
static void
auth(struct hs_proto *p, const struct hs_frame *f)
{
	struct hs_meter	*m = p->m;
	struct hs_grant	g;
	uint8_t		kx[16], tag[HS_AUTH_TAG_LEN], b[HS_AUTH_TAG_LEN + 1];
	uint32_t	now;

	if (f->len != 8 + HS_AUTH_TAG_LEN) {
		send_err(f->seq, HS_ERR_LEN, f->type, 0);
		return;
	}
	if (p->state != HS_PROTO_HELLO) {
		send_err(f->seq, HS_ERR_STATE, f->type, 0);
		return;
	}
	memcpy(p->np, f->payload, 8);
	if (p->has_grant)
		hs_grant_key(m->conf.key, m->conf.meter_id, p->grant, kx);
	else
		memcpy(kx, m->conf.key, 16);
	hs_proto_auth_tag(kx, HS_LABEL_AUTH_PHONE, m->conf.meter_id, p->nm,
	    p->np, tag);
	if (!hs_cmac_equal(tag, f->payload + 8, HS_AUTH_TAG_LEN)) {
		end_session(p);
		hs_sts_wipe(kx, sizeof(kx));
		send_err(f->seq, HS_ERR_AUTH, f->type, 0);
		return;
	}
	p->rights = HS_GRANT_R_ALL;
	if (p->has_grant) {
		hs_grant_unpack(&g, p->grant);
		now = hs_meter_unix(m);
		if (g.issued > now)
			now = g.issued;
		if (g.expiry <= now || g.rights == 0) {
			end_session(p);
			hs_sts_wipe(kx, sizeof(kx));
			send_err(f->seq, HS_ERR_GRANT, f->type, 0);
			return;
		}
		hs_meter_set_time(m, g.issued);
		p->rights = g.rights;
	}
	hs_proto_session_key(kx, p->nm, p->np, p->ks);
	hs_proto_auth_tag(kx, HS_LABEL_AUTH_METER, m->conf.meter_id, p->np,
	    p->nm, b);
	hs_sts_wipe(kx, sizeof(kx));
	b[HS_AUTH_TAG_LEN] = p->rights;
	hs_proto_transcript_init(&p->tr, m->conf.key, m->conf.meter_id, p->nm,
	    p->np);
	p->tcount = 0;
	p->last_seq = f->seq;
	p->state = HS_PROTO_SESSION;
	send(HS_MSG_AUTH | HS_MSG_REPLY, f->seq, b, sizeof(b));
}

static void
status(struct hs_proto *p, const struct hs_frame *f)
{
	uint8_t	b[9 + HS_MAC_LEN];

	if (!session_ok(p, f, HS_MAC_LEN) || !rights_ok(p, f, HS_GRANT_R_STATUS))
		return;
	hs_put32(b, (uint32_t)hs_meter_credit(p->m));
	hs_put32(b + 4, p->m->ring.consumed);
	b[8] = hs_meter_flags(p->m);
	send_session(p, HS_MSG_STATUS | HS_MSG_REPLY, f->seq, b, 9);
}

static void
info(struct hs_proto *p, const struct hs_frame *f)
{
	uint8_t	b[9 + HS_MAC_LEN];

	if (!session_ok(p, f, HS_MAC_LEN) || !rights_ok(p, f, HS_GRANT_R_STATUS))
		return;
	b[0] = HS_METER_FW_MAJOR;
	b[1] = HS_METER_FW_MINOR;
	hs_put16(b + 2, p->m->battery_mv);
	hs_put24(b + 4, p->m->ring.hour);
	hs_put16(b + 7, p->m->ring.reverse);
	send_session(p, HS_MSG_INFO | HS_MSG_REPLY, f->seq, b, 9);
}

/* Page k holds the 16 closed hours ending 16k hours before the current
 * one, oldest first, two hours per byte (low nibble first). */
static void
log_page(struct hs_proto *p, const struct hs_frame *f)
{
	uint8_t		b[9 + HS_MAC_LEN], i, lo, hi;
	int32_t		h;

	if (!session_ok(p, f, 1 + HS_MAC_LEN) ||
	    !rights_ok(p, f, HS_GRANT_R_LOG))
		return;
	if (f->payload[0] >= HS_LOG_PAGES) {
		send_err(f->seq, HS_ERR_RANGE, f->type, HS_LOG_PAGES - 1);
		return;
	}
	b[0] = f->payload[0];
	h = (int32_t)p->m->ring.hour - 16 * ((int32_t)f->payload[0] + 1);
	for (i = 0; i < 8; i++, h += 2) {
		/* Hours before provisioning read as zero. */
		lo = h >= 0 ? hs_hourlog_get((uint32_t)h) : 0;
		hi = h + 1 >= 0 ? hs_hourlog_get((uint32_t)h + 1) : 0;
		b[1 + i] = (uint8_t)(lo | hi << 4);
	}
	send_session(p, HS_MSG_LOG | HS_MSG_REPLY, f->seq, b, 9);
}

static void
telemetry(struct hs_proto *p, const struct hs_frame *f)
{
	struct hs_cmac	c;
	uint8_t		b[1 + 16 + HS_MAC_LEN];

	if (!session_ok(p, f, HS_MAC_LEN) ||
	    !rights_ok(p, f, HS_GRANT_R_TELEMETRY))
		return;
	/* Finalise a copy: the transcript goes on growing. */
	c = p->tr;
	b[0] = p->tcount;
	hs_cmac_final(&c, b + 1);
	hs_proto_mac(p->ks, HS_DIR_METER, HS_MSG_TELEMETRY | HS_MSG_REPLY,
	    f->seq, b, 1 + HS_TELEMETRY_TAG_LEN, b + 1 + HS_TELEMETRY_TAG_LEN);
	send(HS_MSG_TELEMETRY | HS_MSG_REPLY, f->seq, b,
	    1 + HS_TELEMETRY_TAG_LEN + HS_MAC_LEN);
}

/*
 * TOKEN: 9 bytes (the 66-bit token number, big-endian) from anyone, as
 * on a keypad; 9 + MAC inside a session, answered with the credit.
 */
static void
token(struct hs_proto *p, const struct hs_frame *f)
{
	struct hs_sts_number	num;
	char			digits[HS_STS_TOKEN_BUFSZ];
	uint8_t			b[6 + HS_MAC_LEN], rc;
	size_t			dlen = HS_STS_TOKEN_DIGITS;
	uint32_t		left;
	int			in_session;

	if (f->len == 9 + HS_MAC_LEN) {
		if (!session_ok(p, f, 9 + HS_MAC_LEN))
			return;
		in_session = 1;
	} else if (f->len == 9) {
		in_session = 0;
	} else {
		send_err(f->seq, HS_ERR_LEN, f->type, 0);
		return;
	}
	if ((left = hs_meter_locked(p->m)) != 0) {
		send_err(f->seq, HS_ERR_LOCKED, f->type,
		    left > 0xFFFF ? 0xFFFF : (uint16_t)left);
		return;
	}
	memcpy(num.b, f->payload, 9);
	/* Bits 71..66 set: not a token number (the decoder says FORMAT). */
	if (num.b[0] & 0xFC)
		dlen = 0;
	hs_sts_number_format(&num, digits);
	b[0] = (uint8_t)hs_meter_token(p->m, digits, dlen, &rc);
	b[1] = rc;
	if (!in_session) {
		send(HS_MSG_TOKEN | HS_MSG_REPLY, f->seq, b, 2);
		return;
	}
	hs_put32(b + 2, (uint32_t)hs_meter_credit(p->m));
	send_session(p, HS_MSG_TOKEN | HS_MSG_REPLY, f->seq, b, 6);
}

static void
debug_pulses(struct hs_proto *p, const struct hs_frame *f)
{
	uint8_t		b[8];
	uint16_t	n;

	if (!p->debug) {
		send_err(f->seq, HS_ERR_DISABLED, f->type, 0);
		return;
	}
	if (f->len != 3) {
		send_err(f->seq, HS_ERR_LEN, f->type, 0);
		return;
	}
	for (n = hs_get16(f->payload); n > 0; n--)
		hs_meter_pulse(p->m, f->payload[2] != 0);
	hs_put32(b, p->m->ring.consumed);
	hs_put32(b + 4, (uint32_t)hs_meter_credit(p->m));
	send(HS_MSG_DEBUG_PULSES | HS_MSG_REPLY, f->seq, b, 8);
}

static void
dispatch(struct hs_proto *p, const struct hs_frame *f)
{
	switch (f->type) {
	case HS_MSG_HELLO:
		hello(p, f);
		break;
	case HS_MSG_GRANT:
		grant(p, f);
		break;
	case HS_MSG_AUTH:
		auth(p, f);
		break;
	case HS_MSG_STATUS:
		status(p, f);
		break;
	case HS_MSG_INFO:
		info(p, f);
		break;
	case HS_MSG_LOG:
		log_page(p, f);
		break;
	case HS_MSG_TELEMETRY:
		telemetry(p, f);
		break;
	case HS_MSG_TOKEN:
		token(p, f);
		break;
	case HS_MSG_DEBUG_PULSES:
		debug_pulses(p, f);
		break;
	default:
		send_err(f->seq, HS_ERR_TYPE, f->type, 0);
		break;
	}
}

void
hs_proto_init(struct hs_proto *p, struct hs_meter *m, uint8_t debug)
{
	memset(p, 0, sizeof(*p));
	p->m = m;
	p->debug = debug;
	hs_frame_rx_init(&p->rx);
}

void
hs_proto_reset(struct hs_proto *p)
{
	end_session(p);
	hs_frame_rx_init(&p->rx);
}

void
hs_proto_input(struct hs_proto *p, const uint8_t *buf, size_t n)
{
	struct hs_frame		f;
	enum hs_frame_ev	ev;
	size_t			i;

	for (i = 0; i < n; i++) {
		hs_frame_rx_push(&p->rx, buf[i]);
		while ((ev = hs_frame_rx_next(&p->rx, &f)) != HS_FRAME_NONE) {
			if (ev == HS_FRAME_OK)
				dispatch(p, &f);
			else
				send_err(0, ev == HS_FRAME_E_LEN ?
				    HS_ERR_LEN : HS_ERR_CRC, 0, 0);
		}
	}
}

void
hs_proto_alerts(struct hs_proto *p)
{
	uint8_t	ev = hs_meter_take_events(p->m), code, b[6];

	for (code = 1; ev != 0; code++, ev >>= 1) {
		if (!(ev & 1))
			continue;
		b[0] = code;
		hs_put32(b + 1, (uint32_t)hs_meter_credit(p->m));
		b[5] = hs_meter_flags(p->m);
		send(HS_MSG_ALERT, 0, b, 6);
	}
}
