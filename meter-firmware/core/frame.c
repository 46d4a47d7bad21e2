/*
 * Frame encoder and resynchronising parser.  The CRC is the token
 * engine's CRC-16/MODBUS, so the firmware carries one CRC routine.
 */
#include <string.h>

#include "sts/sts.h"
#include "frame.h"

/* hs_sts_crc16() returns the CRC byte-swapped (as a token stores it):
 * its high byte is the CRC's low byte, sent first. */
static void
put_crc(const uint8_t *p, uint8_t n, uint8_t out[2])
{
	uint16_t	c = hs_sts_crc16(p, n);

	out[0] = (uint8_t)(c >> 8);
	out[1] = (uint8_t)c;
}

void
hs_frame_rx_init(struct hs_frame_rx *rx)
{
	rx->n = 0;
}

void
hs_frame_rx_push(struct hs_frame_rx *rx, uint8_t byte)
{
	if (rx->n < HS_FRAME_MAX)
		rx->b[rx->n++] = byte;
}

static void
drop(struct hs_frame_rx *rx, uint8_t k)
{
	memmove(rx->b, rx->b + k, (size_t)(rx->n - k));
	rx->n = (uint8_t)(rx->n - k);
}

enum hs_frame_ev
hs_frame_rx_next(struct hs_frame_rx *rx, struct hs_frame *f)
{
	uint8_t	i, len, crc[2];

	/* Skip to the first start byte. */
	for (i = 0; i < rx->n && rx->b[i] != HS_FRAME_SOF; i++)
		;
	if (i > 0)
		drop(rx, i);
	if (rx->n < 2)
		return (HS_FRAME_NONE);
	len = rx->b[1];
	if (len > HS_FRAME_MAX_PAYLOAD) {
		drop(rx, 1);
		return (HS_FRAME_E_LEN);
	}
	if (rx->n < len + HS_FRAME_OVERHEAD)
		return (HS_FRAME_NONE);
	put_crc(rx->b + 1, (uint8_t)(len + 3), crc);
	if (crc[0] != rx->b[len + 4] || crc[1] != rx->b[len + 5]) {
		drop(rx, 1);
		return (HS_FRAME_E_CRC);
	}
	f->len = len;
	f->type = rx->b[2];
	f->seq = rx->b[3];
	memcpy(f->payload, rx->b + 4, len);
	drop(rx, (uint8_t)(len + HS_FRAME_OVERHEAD));
	return (HS_FRAME_OK);
}

uint8_t
hs_frame_encode(uint8_t type, uint8_t seq, const uint8_t *payload,
    uint8_t len, uint8_t *out)
{
	if (len > HS_FRAME_MAX_PAYLOAD)
		return (0);
	out[0] = HS_FRAME_SOF;
	out[1] = len;
	out[2] = type;
	out[3] = seq;
	if (len > 0)
		memcpy(out + 4, payload, len);
	put_crc(out + 1, (uint8_t)(len + 3), out + 4 + len);
	return ((uint8_t)(len + HS_FRAME_OVERHEAD));
}
