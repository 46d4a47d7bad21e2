/*
 * The meter's BLE protocol engine.  docs/ble-protocol.md is the source
 * of truth for every byte; the constants below mirror its tables and
 * tests/unit/meter/test_doc.c checks the two agree.
 *
 * The phone-side helpers (hs_proto_auth_tag, hs_proto_session_key,
 * hs_proto_mac, hs_proto_transcript_*) are the same computations the
 * meter does, exported so apps, gateways and the server can reuse them.
 */
#ifndef HS_PROTO_H
#define HS_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "cmac.h"
#include "frame.h"
#include "grant.h"
#include "meter.h"

#define HS_PROTO_VERSION	1

/* Message types (phone to meter; the reply is type | 0x80). */
#define HS_MSG_HELLO		0x01
#define HS_MSG_GRANT		0x02
#define HS_MSG_AUTH		0x03
#define HS_MSG_STATUS		0x10
#define HS_MSG_INFO		0x11
#define HS_MSG_LOG		0x12
#define HS_MSG_TELEMETRY	0x13
#define HS_MSG_TOKEN		0x20
#define HS_MSG_DEBUG_PULSES	0x7E
#define HS_MSG_REPLY		0x80
#define HS_MSG_ALERT		0xC0	/* meter to phone, unsolicited */
#define HS_MSG_ERR		0xFF

/* ERR codes. */
#define HS_ERR_CRC		0x01
#define HS_ERR_LEN		0x02
#define HS_ERR_TYPE		0x03
#define HS_ERR_STATE		0x04
#define HS_ERR_AUTH		0x05
#define HS_ERR_MAC		0x06
#define HS_ERR_SEQ		0x07
#define HS_ERR_GRANT		0x08
#define HS_ERR_RIGHTS		0x09
#define HS_ERR_RANGE		0x0A
#define HS_ERR_LOCKED		0x0B
#define HS_ERR_DISABLED		0x0C

/* MAC direction bytes and derivation labels. */
#define HS_DIR_PHONE		0x50	/* 'P' */
#define HS_DIR_METER		0x4D	/* 'M' */
#define HS_LABEL_AUTH_PHONE	0x41	/* 'A' */
#define HS_LABEL_AUTH_METER	0x4D	/* 'M' */
#define HS_LABEL_SESSION	0x53	/* 'S' */
#define HS_LABEL_TRANSCRIPT	0x54	/* 'T' */
#define HS_LABEL_NONCE		0x4E	/* 'N' */

#define HS_MAC_LEN		4
#define HS_AUTH_TAG_LEN		6
#define HS_TELEMETRY_TAG_LEN	8
#define HS_LOG_PAGES		90	/* 1440 hours / 16 per page */

enum hs_proto_state {
	HS_PROTO_IDLE = 0,
	HS_PROTO_HELLO,		/* Nm issued, waiting for GRANT/AUTH */
	HS_PROTO_SESSION
};

struct hs_proto {
	struct hs_meter	*m;
	struct hs_frame_rx rx;
	uint8_t		state;
	uint8_t		debug;		/* accept DEBUG_PULSES */
	uint8_t		has_grant;
	uint8_t		grant[HS_GRANT_BODY];
	uint8_t		nm[8], np[8];
	uint8_t		ks[16];
	uint8_t		rights;
	uint8_t		last_seq;
	uint8_t		tcount;		/* frames in the transcript */
	uint32_t	nonce_ctr;
	struct hs_cmac	tr;		/* telemetry transcript, key K */
};

void	hs_proto_init(struct hs_proto *p, struct hs_meter *m, uint8_t debug);
/* The link dropped: forget the session and any partial frame. */
void	hs_proto_reset(struct hs_proto *p);
/* Bytes from the link; replies go out through hs_hal_link_write(). */
void	hs_proto_input(struct hs_proto *p, const uint8_t *buf, size_t n);
/* Send one ALERT frame per pending meter event. */
void	hs_proto_alerts(struct hs_proto *p);

/* ---- computations shared with the phone and the server ---- */

/* tag = CMAC_kx(label | meter_id | n1 | n2), first 6 bytes.  The phone
 * proves itself with (AUTH_PHONE, Nm, Np), the meter with (AUTH_METER,
 * Np, Nm). */
void	hs_proto_auth_tag(const uint8_t kx[16], uint8_t label,
	    uint32_t meter_id, const uint8_t n1[8], const uint8_t n2[8],
	    uint8_t tag[HS_AUTH_TAG_LEN]);
/* Ks = CMAC_kx('S' | Nm | Np). */
void	hs_proto_session_key(const uint8_t kx[16], const uint8_t nm[8],
	    const uint8_t np[8], uint8_t ks[16]);
/* mac = CMAC_ks(dir | type | seq | len | body), first 4 bytes, where
 * len is the whole payload length (body + 4). */
void	hs_proto_mac(const uint8_t ks[16], uint8_t dir, uint8_t type,
	    uint8_t seq, const uint8_t *body, uint8_t n,
	    uint8_t mac[HS_MAC_LEN]);
/* Telemetry transcript: init with K and the session's nonces, add every
 * MACed meter reply (body without its MAC), final gives the 8-byte tag. */
void	hs_proto_transcript_init(struct hs_cmac *c, const uint8_t k[16],
	    uint32_t meter_id, const uint8_t nm[8], const uint8_t np[8]);
void	hs_proto_transcript_add(struct hs_cmac *c, uint8_t type, uint8_t seq,
	    const uint8_t *body, uint8_t n);

#endif /* HS_PROTO_H */
