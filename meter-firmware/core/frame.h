/*
 * BLE link framing (docs/ble-protocol.md, "Framing"):
 *
 *	A5 | LEN | TYPE | SEQ | PAYLOAD[LEN] | CRC lo | CRC hi
 *
 * LEN is 0..14 so a frame fits one 20-byte ATT write; the CRC is
 * CRC-16/MODBUS over LEN, TYPE, SEQ and the payload.  The receiver is a
 * byte stream parser that resynchronises after noise, a lost byte or a
 * bad frame by dropping the frame's first byte and scanning for the next
 * start byte among the bytes it already holds.
 */
#ifndef HS_FRAME_H
#define HS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define HS_FRAME_SOF		0xA5
#define HS_FRAME_MAX_PAYLOAD	14
#define HS_FRAME_OVERHEAD	6
#define HS_FRAME_MAX		(HS_FRAME_MAX_PAYLOAD + HS_FRAME_OVERHEAD)

struct hs_frame {
	uint8_t		type;
	uint8_t		seq;
	uint8_t		len;
	uint8_t		payload[HS_FRAME_MAX_PAYLOAD];
};

struct hs_frame_rx {
	uint8_t		b[HS_FRAME_MAX];
	uint8_t		n;
};

enum hs_frame_ev {
	HS_FRAME_NONE = 0,	/* need more bytes */
	HS_FRAME_OK,		/* *f holds a frame */
	HS_FRAME_E_LEN,		/* LEN > 14: one byte dropped, rescanning */
	HS_FRAME_E_CRC		/* CRC mismatch: one byte dropped */
};

void		hs_frame_rx_init(struct hs_frame_rx *rx);

/* Append one received byte.  Call hs_frame_rx_next() until it returns
 * HS_FRAME_NONE before pushing the next byte. */
void		hs_frame_rx_push(struct hs_frame_rx *rx, uint8_t byte);

enum hs_frame_ev hs_frame_rx_next(struct hs_frame_rx *rx, struct hs_frame *f);

/* Write the frame to out (HS_FRAME_MAX bytes); returns its length, or 0
 * when len is above HS_FRAME_MAX_PAYLOAD. */
uint8_t		hs_frame_encode(uint8_t type, uint8_t seq,
		    const uint8_t *payload, uint8_t len, uint8_t *out);

#endif /* HS_FRAME_H */
