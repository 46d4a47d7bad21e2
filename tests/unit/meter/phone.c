/*
 * Scripted phone (phone.h).
 */
#include <string.h>

#include "bytes.h"
#include "phone.h"

void
phone_send(struct phone *ph, uint8_t type, const uint8_t *b, uint8_t n,
    int mac)
{
	uint8_t	pl[HS_FRAME_MAX_PAYLOAD], out[HS_FRAME_MAX], len;

	if (n > 0)
		memcpy(pl, b, n);
	if (mac) {
		hs_proto_mac(ph->ks, HS_DIR_PHONE, type, ph->seq, pl, n,
		    pl + n);
		n = (uint8_t)(n + HS_MAC_LEN);
	}
	len = hs_frame_encode(type, ph->seq, pl, n, out);
	hs_proto_input(ph->p, out, len);
}

void
phone_reply(struct phone *ph, struct hs_frame *f)
{
	if (!link_next(&ph->off, f))
		fail_msg("no reply from the meter");
}

int
phone_mac_ok(const struct phone *ph, const struct hs_frame *f)
{
	uint8_t	mac[HS_MAC_LEN], n;

	if (f->len < HS_MAC_LEN)
		return (0);
	n = (uint8_t)(f->len - HS_MAC_LEN);
	hs_proto_mac(ph->ks, HS_DIR_METER, f->type, f->seq, f->payload, n, mac);
	return (memcmp(mac, f->payload + n, HS_MAC_LEN) == 0);
}

uint8_t
phone_open(struct phone *ph, struct hs_proto *p, const uint8_t kx[16],
    const uint8_t *grant_body)
{
	struct hs_frame	f;
	uint8_t		b[14], tag[HS_AUTH_TAG_LEN];
	int		i;

	ph->p = p;
	memcpy(ph->kx, kx, 16);
	for (i = 0; i < 8; i++)
		ph->np[i] = (uint8_t)(0x11 * (i + 1));
	ph->seq = 1;
	phone_send(ph, HS_MSG_HELLO, NULL, 0, 0);
	phone_reply(ph, &f);
	if (f.type != (HS_MSG_HELLO | HS_MSG_REPLY) || f.len != 13)
		fail_msg("bad HELLO reply");
	memcpy(ph->nm, f.payload + 4, 8);
	if (grant_body != NULL) {
		ph->seq++;
		phone_send(ph, HS_MSG_GRANT, grant_body, HS_GRANT_BODY, 0);
		phone_reply(ph, &f);
		if (f.type != (HS_MSG_GRANT | HS_MSG_REPLY))
			fail_msg("bad GRANT reply");
	}
	ph->seq++;
	memcpy(b, ph->np, 8);
	hs_proto_auth_tag(kx, HS_LABEL_AUTH_PHONE, hs_get32(f.payload),
	    ph->nm, ph->np, b + 8);
	phone_send(ph, HS_MSG_AUTH, b, 14, 0);
	phone_reply(ph, &f);
	if (f.type == (HS_MSG_AUTH | HS_MSG_REPLY)) {
		hs_proto_auth_tag(kx, HS_LABEL_AUTH_METER, 0x01020304,
		    ph->np, ph->nm, tag);
		if (memcmp(tag, f.payload, HS_AUTH_TAG_LEN) != 0)
			fail_msg("meter failed to prove the key");
		hs_proto_session_key(kx, ph->nm, ph->np, ph->ks);
	}
	ph->seq++;
	return (f.type);
}
