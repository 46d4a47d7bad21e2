/*
 * Framing: encoding, the CRC-16/MODBUS check value, every parser event,
 * resynchronisation after noise, torn frames and bad lengths.
 */
#include <string.h>

#include "nvsim.h"
#include "frame.h"

/* Feed bytes; count events; keep the last good frame. */
static int
feed(struct hs_frame_rx *rx, const uint8_t *b, size_t n, int *crc, int *len,
    struct hs_frame *last)
{
	struct hs_frame		f;
	enum hs_frame_ev	ev;
	size_t			i;
	int			ok = 0;

	for (i = 0; i < n; i++) {
		hs_frame_rx_push(rx, b[i]);
		while ((ev = hs_frame_rx_next(rx, &f)) != HS_FRAME_NONE) {
			if (ev == HS_FRAME_OK) {
				ok++;
				*last = f;
			} else if (ev == HS_FRAME_E_CRC) {
				(*crc)++;
			} else {
				(*len)++;
			}
		}
	}
	return (ok);
}

static void
crc_check_value(void **state)
{
	/* CRC-16/MODBUS("123456789") = 0x4B37, sent 37 4B. */
	uint8_t	out[HS_FRAME_MAX];

	(void)state;
	assert_int_equal(hs_sts_crc16((const uint8_t *)"123456789", 9),
	    0x374B);
	assert_int_equal(hs_frame_encode(0x01, 0x07, NULL, 0, out), 6);
	assert_int_equal(out[0], 0xA5);
	assert_int_equal(out[1], 0);
	assert_int_equal(out[2], 0x01);
	assert_int_equal(out[3], 0x07);
	assert_int_equal(out[4] | out[5] << 8,
	    (uint16_t)(hs_sts_crc16(out + 1, 3) >> 8 |
	    hs_sts_crc16(out + 1, 3) << 8));
}

static void
roundtrip_all_lengths(void **state)
{
	struct hs_frame_rx	rx;
	struct hs_frame		f;
	uint8_t			pl[HS_FRAME_MAX_PAYLOAD], out[HS_FRAME_MAX];
	uint8_t			n, i;
	int			crc = 0, len = 0;

	(void)state;
	for (i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(0xA5 ^ i);	/* SOF bytes in the payload */
	hs_frame_rx_init(&rx);
	for (n = 0; n <= HS_FRAME_MAX_PAYLOAD; n++) {
		assert_int_equal(hs_frame_encode(0x10, n, pl, n, out),
		    n + HS_FRAME_OVERHEAD);
		assert_int_equal(feed(&rx, out, n + 6u, &crc, &len, &f), 1);
		assert_int_equal(f.type, 0x10);
		assert_int_equal(f.seq, n);
		assert_int_equal(f.len, n);
		assert_memory_equal(f.payload, pl, n);
	}
	assert_int_equal(crc + len, 0);
	assert_int_equal(hs_frame_encode(0x10, 0, pl, 15, out), 0);
}

static void
noise_then_frame(void **state)
{
	struct hs_frame_rx	rx;
	struct hs_frame		f;
	uint8_t			buf[64], n;
	int			crc = 0, len = 0;

	(void)state;
	memcpy(buf, "\x00\x13\x37\xFF", 4);
	n = hs_frame_encode(0x01, 9, NULL, 0, buf + 4);
	hs_frame_rx_init(&rx);
	assert_int_equal(feed(&rx, buf, 4u + n, &crc, &len, &f), 1);
	assert_int_equal(f.seq, 9);
	assert_int_equal(crc + len, 0);
}

static void
bad_crc_then_resync(void **state)
{
	struct hs_frame_rx	rx;
	struct hs_frame		f;
	uint8_t			buf[64], n, m;
	int			crc = 0, len = 0;

	(void)state;
	n = hs_frame_encode(0x10, 1, (const uint8_t *)"abcd", 4, buf);
	buf[5] ^= 0x01;			/* corrupt the payload */
	m = hs_frame_encode(0x11, 2, (const uint8_t *)"wxyz", 4, buf + n);
	hs_frame_rx_init(&rx);
	assert_int_equal(feed(&rx, buf, (size_t)(n + m), &crc, &len, &f), 1);
	assert_int_equal(crc, 1);
	assert_int_equal(f.type, 0x11);
	assert_int_equal(f.seq, 2);
}

/* A frame cut short (lost bytes) swallows the start of the next one;
 * the parser must still find a following frame. */
static void
torn_frame_resync(void **state)
{
	struct hs_frame_rx	rx;
	struct hs_frame		f;
	uint8_t			buf[64], n, m, k;
	int			crc = 0, len = 0, ok;

	(void)state;
	n = hs_frame_encode(0x10, 1, (const uint8_t *)"0123456789", 10, buf);
	n = 7;				/* only 7 of 16 bytes arrive */
	m = hs_frame_encode(0x11, 2, NULL, 0, buf + n);
	k = hs_frame_encode(0x12, 3, NULL, 0, buf + n + m);
	hs_frame_rx_init(&rx);
	ok = feed(&rx, buf, (size_t)(n + m + k), &crc, &len, &f);
	assert_true(ok >= 1);
	assert_int_equal(f.type, 0x12);
	assert_true(crc >= 1);
}

static void
bad_length(void **state)
{
	struct hs_frame_rx	rx;
	struct hs_frame		f;
	uint8_t			buf[32] = { 0xA5, 0x0F, 0x01, 0x00 }, n;
	int			crc = 0, len = 0;

	(void)state;
	n = hs_frame_encode(0x01, 5, NULL, 0, buf + 4);
	hs_frame_rx_init(&rx);
	assert_int_equal(feed(&rx, buf, 4u + n, &crc, &len, &f), 1);
	assert_int_equal(len, 1);
	assert_int_equal(f.seq, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crc_check_value),
		cmocka_unit_test(roundtrip_all_lengths),
		cmocka_unit_test(noise_then_frame),
		cmocka_unit_test(bad_crc_then_resync),
		cmocka_unit_test(torn_frame_resync),
		cmocka_unit_test(bad_length),
	};

	return (cmocka_run_group_tests_name("meter_frame", tests, NULL, NULL));
}
