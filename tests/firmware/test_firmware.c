/*
 * The real ATmega328P image under simavr: a BLE central on the UART, the
 * flow reed, the wake button and the BLE STATE line on their pins, the
 * valve coils watched, and a power cycle that keeps the EEPROM.  The
 * EEPROM is provisioned by the host build of the same core, so this
 * also proves the layout is identical on both.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "avrsim.h"
#include "bytes.h"
#include "hal.h"
#include "meter.h"
#include "proto.h"

/* ---- host HAL: builds the EEPROM image ---- */
static uint8_t	image[HS_HAL_NV_SIZE];

void
hs_hal_nv_read(uint16_t a, void *b, uint16_t n)
{
	memcpy(b, image + a, n);
}

void
hs_hal_nv_write(uint16_t a, const void *b, uint16_t n)
{
	memcpy(image + a, b, n);
}

void
hs_hal_valve(uint8_t open)
{
	(void)open;
}

void
hs_hal_link_write(const uint8_t *b, uint8_t n)
{
	(void)b;
	(void)n;
}

static const uint8_t	K[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
			    12, 13, 14, 15 };
static struct hs_sts_key dk;
static struct avrsim	sim;
static size_t		rd;		/* next unread output byte */
static uint8_t		seq = 1, ks[16];

static void
provision(void)
{
	struct hs_meter_provision	p;
	int				i;

	memset(&p, 0, sizeof(p));
	p.conf.meter_id = 0x01020304;
	memcpy(p.conf.key, K, 16);
	p.conf.pulses_per_l = 1;
	p.conf.low_credit_l = 50;
	p.conf.commit_l = 10;
	p.ea = HS_STS_EA11;
	p.kt = HS_STS_KT_DUTK;
	p.ken = HS_STS_KEN_NONE;
	p.sgc = 123457;
	dk.ea = HS_STS_EA11;
	for (i = 0; i < 16; i++)
		dk.dk[i] = p.dk[i] = (uint8_t)(0x10 + i);
	memset(image, 0xFF, sizeof(image));
	hs_meter_provision(&p);
}

/* Press the wake button and connect a central. */
static void
connect(void)
{
	avrsim_pin(&sim, 'D', 6, 0);
	assert_int_equal(avrsim_run_ms(&sim, 20), 0);
	avrsim_pin(&sim, 'D', 6, 1);
	avrsim_pin(&sim, 'D', 3, 1);
	assert_int_equal(avrsim_run_ms(&sim, 20), 0);
	rd = sim.nout;
}

static void
request(uint8_t type, const uint8_t *b, uint8_t n, int mac,
    struct hs_frame *reply)
{
	struct hs_frame_rx	rx;
	enum hs_frame_ev	ev;
	uint8_t			pl[14], out[20], len;

	if (n > 0)
		memcpy(pl, b, n);
	if (mac) {
		hs_proto_mac(ks, HS_DIR_PHONE, type, seq, pl, n, pl + n);
		n = (uint8_t)(n + 4);
	}
	len = hs_frame_encode(type, seq++, pl, n, out);
	avrsim_uart(&sim, out, len);
	assert_int_equal(avrsim_run_ms(&sim, 300), 0);
	hs_frame_rx_init(&rx);
	while (rd < sim.nout) {
		hs_frame_rx_push(&rx, sim.out[rd++]);
		while ((ev = hs_frame_rx_next(&rx, reply)) != HS_FRAME_NONE)
			if (ev == HS_FRAME_OK && reply->type != HS_MSG_ALERT)
				return;
	}
	fail_msg("no reply to type 0x%02x", type);
}

static void
open_session(void)
{
	struct hs_frame	f;
	uint8_t		nm[8], b[14], tag[6];

	request(HS_MSG_HELLO, NULL, 0, 0, &f);
	assert_int_equal(f.type, 0x81);
	assert_int_equal(hs_get32(f.payload), 0x01020304);
	memcpy(nm, f.payload + 4, 8);
	memcpy(b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	hs_proto_auth_tag(K, HS_LABEL_AUTH_PHONE, 0x01020304, nm, b, b + 8);
	request(HS_MSG_AUTH, b, 14, 0, &f);
	assert_int_equal(f.type, 0x83);
	hs_proto_auth_tag(K, HS_LABEL_AUTH_METER, 0x01020304, b, nm, tag);
	assert_memory_equal(tag, f.payload, 6);
	hs_proto_session_key(K, nm, b, ks);
}

static void
status(int32_t *credit, uint32_t *consumed, uint8_t *flags)
{
	struct hs_frame	f;
	uint8_t		mac[4];

	request(HS_MSG_STATUS, NULL, 0, 1, &f);
	assert_int_equal(f.type, 0x90);
	hs_proto_mac(ks, HS_DIR_METER, f.type, f.seq, f.payload, 9, mac);
	assert_memory_equal(mac, f.payload + 9, 4);
	*credit = (int32_t)hs_get32(f.payload);
	*consumed = hs_get32(f.payload + 4);
	*flags = f.payload[8];
}

static void
pulses(int n)
{
	int	i;

	for (i = 0; i < n; i++) {
		avrsim_pin(&sim, 'D', 2, 0);
		assert_int_equal(avrsim_run_ms(&sim, 5), 0);
		avrsim_pin(&sim, 'D', 2, 1);
		assert_int_equal(avrsim_run_ms(&sim, 5), 0);
	}
}

static void
avr_meter_end_to_end(void **state)
{
	struct hs_sts_plain	pl;
	struct hs_sts_number	num;
	struct hs_frame		f;
	uint8_t			ee[1024], flags;
	char			t[21];
	int32_t			credit;
	uint32_t		consumed;

	(void)state;
	provision();
	assert_int_equal(avrsim_boot(&sim, HS_METER_ELF, image), 0);
	assert_int_equal(avrsim_run_ms(&sim, 200), 0);
	/* No credit: boot drives the valve closed. */
	assert_int_equal(sim.valve_closes, 1);
	assert_int_equal(sim.valve_opens, 0);
	connect();

	/* A token over BLE, no session: 0.1 m3 = 100 L; valve opens. */
	assert_int_equal(hs_sts_plain_credit(&pl, HS_STS_C0_WATER, 1, 5000,
	    1), HS_STS_OK);
	assert_int_equal(hs_sts_encode(&dk, &pl, t), HS_STS_OK);
	assert_int_equal(hs_sts_number_parse(&num, t, 20), HS_STS_OK);
	request(HS_MSG_TOKEN, num.b, 9, 0, &f);
	assert_int_equal(f.type, 0xA0);
	assert_int_equal(f.payload[0], HS_TOK_CREDIT);
	assert_int_equal(sim.valve_opens, 1);
	request(HS_MSG_TOKEN, num.b, 9, 0, &f);
	assert_int_equal(f.payload[0], HS_TOK_USED);

	/* Reads need a session. */
	request(HS_MSG_STATUS, (const uint8_t *)"\0\0\0\0", 4, 0, &f);
	assert_int_equal(f.type, HS_MSG_ERR);
	assert_int_equal(f.payload[0], HS_ERR_AUTH);
	open_session();
	status(&credit, &consumed, &flags);
	assert_int_equal(credit, 100);
	assert_int_equal(flags & HS_METER_F_VALVE_OPEN, HS_METER_F_VALVE_OPEN);

	/* 30 litres through the reed. */
	pulses(30);
	status(&credit, &consumed, &flags);
	assert_int_equal(credit, 70);
	assert_int_equal(consumed, 30);

	/* Power cycle keeping the EEPROM. */
	avrsim_eeprom(&sim, ee);
	avrsim_free(&sim);
	assert_int_equal(avrsim_boot(&sim, HS_METER_ELF, ee), 0);
	assert_int_equal(avrsim_run_ms(&sim, 200), 0);
	assert_int_equal(sim.valve_opens, 1);	/* re-driven open at boot */
	connect();
	seq = 1;
	open_session();
	status(&credit, &consumed, &flags);
	assert_int_equal(credit, 70);
	assert_int_equal(consumed, 30);
	request(HS_MSG_TOKEN, num.b, 9, 0, &f);
	assert_int_equal(f.payload[0], HS_TOK_USED);

	/* Drink the rest: the valve closes at zero. */
	pulses(70);
	assert_int_equal(sim.valve_closes, 1);
	status(&credit, &consumed, &flags);
	assert_int_equal(credit, 0);
	assert_true(flags & HS_METER_F_NO_CREDIT);
	assert_false(flags & HS_METER_F_VALVE_OPEN);
	avrsim_free(&sim);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(avr_meter_end_to_end),
	};

	return (cmocka_run_group_tests_name("meter_firmware_simavr", tests,
	    NULL, NULL));
}
