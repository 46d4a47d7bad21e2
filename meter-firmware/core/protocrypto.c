/*
 * The protocol's cryptography on its own, without the meter's hardware
 * layer: the AUTH tags, the session key, frame MACs and the telemetry
 * transcript (docs/ble-protocol.md §2 and §6).  The meter uses it, and so
 * do the server (verifying telemetry) and the test phone, so all three
 * compute exactly the same values.
 */
#include <string.h>

#include "bytes.h"
#include "cmac.h"
#include "proto.h"

void
hs_proto_auth_tag(const uint8_t kx[16], uint8_t label, uint32_t meter_id,
    const uint8_t n1[8], const uint8_t n2[8], uint8_t tag[HS_AUTH_TAG_LEN])
{
	uint8_t	msg[21], full[16];

	msg[0] = label;
	hs_put32(msg + 1, meter_id);
	memcpy(msg + 5, n1, 8);
	memcpy(msg + 13, n2, 8);
	hs_cmac(kx, msg, sizeof(msg), full);
	memcpy(tag, full, HS_AUTH_TAG_LEN);
}

void
hs_proto_session_key(const uint8_t kx[16], const uint8_t nm[8],
    const uint8_t np[8], uint8_t ks[16])
{
	uint8_t	msg[17];

	msg[0] = HS_LABEL_SESSION;
	memcpy(msg + 1, nm, 8);
	memcpy(msg + 9, np, 8);
	hs_cmac(kx, msg, sizeof(msg), ks);
}

void
hs_proto_mac(const uint8_t ks[16], uint8_t dir, uint8_t type, uint8_t seq,
    const uint8_t *body, uint8_t n, uint8_t mac[HS_MAC_LEN])
{
	struct hs_cmac	c;
	uint8_t		hdr[4], full[16];

	hdr[0] = dir;
	hdr[1] = type;
	hdr[2] = seq;
	hdr[3] = (uint8_t)(n + HS_MAC_LEN);
	hs_cmac_init(&c, ks);
	hs_cmac_update(&c, hdr, 4);
	hs_cmac_update(&c, body, n);
	hs_cmac_final(&c, full);
	memcpy(mac, full, HS_MAC_LEN);
}


void
hs_proto_transcript_init(struct hs_cmac *c, const uint8_t k[16],
    uint32_t meter_id, const uint8_t nm[8], const uint8_t np[8])
{
	uint8_t	hdr[5];

	hdr[0] = HS_LABEL_TRANSCRIPT;
	hs_put32(hdr + 1, meter_id);
	hs_cmac_init(c, k);
	hs_cmac_update(c, hdr, 5);
	hs_cmac_update(c, nm, 8);
	hs_cmac_update(c, np, 8);
}

void
hs_proto_transcript_add(struct hs_cmac *c, uint8_t type, uint8_t seq,
    const uint8_t *body, uint8_t n)
{
	uint8_t	hdr[3];

	hdr[0] = type;
	hdr[1] = seq;
	hdr[2] = n;
	hs_cmac_update(c, hdr, 3);
	hs_cmac_update(c, body, n);
}

