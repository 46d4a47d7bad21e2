/*
 * The BLE protocol engine: sessions under the meter key and under
 * grants, every ERR code, tokens with and without a session, log pages,
 * telemetry verified the way the server will, and alerts.
 */
#include <string.h>

#include "bytes.h"
#include "phone.h"

static struct hs_meter	m;
static struct hs_proto	p;

static void
setup_meter(uint32_t credit, uint8_t debug)
{
	nv_reset();
	test_provision(HS_STS_EA11, HS_STS_KT_DUTK, HS_STS_KEN_NONE, credit);
	test_boot(&m);
	hs_proto_init(&p, &m, debug);
}

static void
expect_err(struct phone *ph, uint8_t code, uint8_t type)
{
	struct hs_frame	f;

	phone_reply(ph, &f);
	assert_int_equal(f.type, HS_MSG_ERR);
	assert_int_equal(f.len, 4);
	assert_int_equal(f.payload[0], code);
	assert_int_equal(f.payload[1], type);
}

static void
session_reads(void **state)
{
	struct phone	ph;
	struct hs_frame	f;
	uint8_t		page = 0;

	(void)state;
	memset(&ph, 0, sizeof(ph));
	setup_meter(1000, 0);
	assert_int_equal(phone_open(&ph, &p, test_k, NULL),
	    HS_MSG_AUTH | HS_MSG_REPLY);
	phone_send(&ph, HS_MSG_STATUS, NULL, 0, 1);
	phone_reply(&ph, &f);
	assert_int_equal(f.type, 0x90);
	assert_true(phone_mac_ok(&ph, &f));
	assert_int_equal(hs_get32(f.payload), 1000);
	assert_int_equal(hs_get32(f.payload + 4), 0);
	assert_int_equal(f.payload[8], HS_METER_F_VALVE_OPEN);
	ph.seq++;
	hs_meter_battery(&m, 2950);
	phone_send(&ph, HS_MSG_INFO, NULL, 0, 1);
	phone_reply(&ph, &f);
	assert_int_equal(f.type, 0x91);
	assert_true(phone_mac_ok(&ph, &f));
	assert_int_equal(f.payload[0], HS_METER_FW_MAJOR);
	assert_int_equal(hs_get16(f.payload + 2), 2950);
	ph.seq++;
	/* A log page: 5 litres in hour 0, 2 in hour 17. */
	{
		int i;

		for (i = 0; i < 5; i++)
			hs_meter_pulse(&m, 0);
		hs_meter_tick(&m, 3600);
		hs_meter_tick(&m, 16 * 3600);
		hs_meter_pulse(&m, 0);
		hs_meter_pulse(&m, 0);
		hs_meter_tick(&m, 3600);
		hs_meter_tick(&m, 14 * 3600);	/* now hour 32 */
	}
	phone_send(&ph, HS_MSG_LOG, &page, 1, 1);
	phone_reply(&ph, &f);
	assert_int_equal(f.type, 0x92);
	assert_true(phone_mac_ok(&ph, &f));
	/* Page 0 = hours 16..31: hour 17 is the high nibble of byte 0. */
	assert_int_equal(f.payload[1], 2 << 4);
	ph.seq++;
	page = 1;
	phone_send(&ph, HS_MSG_LOG, &page, 1, 1);
	phone_reply(&ph, &f);
	assert_int_equal(f.payload[1], 4);	/* hour 0: 5 L = code 4 */
	ph.seq++;
	page = 89;
	phone_send(&ph, HS_MSG_LOG, &page, 1, 1);
	phone_reply(&ph, &f);
	assert_int_equal(f.type, 0x92);
	ph.seq++;
	page = 90;
	phone_send(&ph, HS_MSG_LOG, &page, 1, 1);
	expect_err(&ph, HS_ERR_RANGE, HS_MSG_LOG);
}

/* The server's side of telemetry: recompute the transcript under K from
 * the frames the phone uploads and compare the meter's tag. */
static void
telemetry_verifiable(void **state)
{
	struct phone	ph;
	struct hs_frame	f, got[2];
	struct hs_cmac	c;
	uint8_t		tag[16];
	int		i;

	(void)state;
	memset(&ph, 0, sizeof(ph));
	setup_meter(700, 0);
	assert_int_equal(phone_open(&ph, &p, test_k, NULL), 0x83);
	phone_send(&ph, HS_MSG_STATUS, NULL, 0, 1);
	phone_reply(&ph, &got[0]);
	ph.seq++;
	phone_send(&ph, HS_MSG_INFO, NULL, 0, 1);
	phone_reply(&ph, &got[1]);
	ph.seq++;
	phone_send(&ph, HS_MSG_TELEMETRY, NULL, 0, 1);
	phone_reply(&ph, &f);
	assert_int_equal(f.type, 0x93);
	assert_true(phone_mac_ok(&ph, &f));
	assert_int_equal(f.payload[0], 2);
	hs_proto_transcript_init(&c, test_k, 0x01020304, ph.nm, ph.np);
	for (i = 0; i < 2; i++)
		hs_proto_transcript_add(&c, got[i].type, got[i].seq,
		    got[i].payload, (uint8_t)(got[i].len - HS_MAC_LEN));
	hs_cmac_final(&c, tag);
	assert_memory_equal(tag, f.payload + 1, HS_TELEMETRY_TAG_LEN);
	/* A phone that changes the credit it uploads is caught. */
	got[0].payload[3] ^= 1;
	hs_proto_transcript_init(&c, test_k, 0x01020304, ph.nm, ph.np);
	for (i = 0; i < 2; i++)
		hs_proto_transcript_add(&c, got[i].type, got[i].seq,
		    got[i].payload, (uint8_t)(got[i].len - HS_MAC_LEN));
	hs_cmac_final(&c, tag);
	assert_memory_not_equal(tag, f.payload + 1, HS_TELEMETRY_TAG_LEN);
}

static void
grant_sessions(void **state)
{
	struct phone	ph;
	struct hs_frame	f;
	struct hs_grant	g = { 77, 1700001000UL, 1700004600UL,
			    HS_GRANT_R_STATUS };
	uint8_t		body[HS_GRANT_BODY], kg[16], page = 0;

	(void)state;
	memset(&ph, 0, sizeof(ph));
	setup_meter(1000, 0);
	assert_int_equal(hs_grant_issue(test_k, 0x01020304, &g, body, kg), 0);
	assert_int_equal(phone_open(&ph, &p, kg, body), 0x83);
	/* The grant's issue time moved the meter clock forward. */
	assert_int_equal(hs_meter_unix(&m), 1700001000UL);
	phone_send(&ph, HS_MSG_STATUS, NULL, 0, 1);
	phone_reply(&ph, &f);
	assert_int_equal(f.type, 0x90);
	assert_true(phone_mac_ok(&ph, &f));
	ph.seq++;
	phone_send(&ph, HS_MSG_LOG, &page, 1, 1);
	expect_err(&ph, HS_ERR_RIGHTS, HS_MSG_LOG);
	ph.seq++;
	phone_send(&ph, HS_MSG_TELEMETRY, NULL, 0, 1);
	expect_err(&ph, HS_ERR_RIGHTS, HS_MSG_TELEMETRY);

	/* The phone holds Kg, not K: it cannot open a meter-key session. */
	memset(&ph, 0, sizeof(ph));
	ph.off = link_len;
	assert_int_equal(phone_open(&ph, &p, kg, NULL), HS_MSG_ERR);
	/* A changed body (longer expiry) gives another key: refused. */
	memset(&ph, 0, sizeof(ph));
	ph.off = link_len;
	body[11] ^= 0x40;
	assert_int_equal(phone_open(&ph, &p, kg, body), HS_MSG_ERR);
	body[11] ^= 0x40;
	/* Expired once the meter clock passes expiry. */
	hs_meter_tick(&m, 3600);
	memset(&ph, 0, sizeof(ph));
	ph.off = link_len;
	assert_int_equal(phone_open(&ph, &p, kg, body), HS_MSG_ERR);
	assert_int_equal(link_buf[link_len - 6], HS_ERR_GRANT);
}

static void
every_error_code(void **state)
{
	struct phone	ph;
	struct hs_frame	f;
	uint8_t		raw[32], b[14], n;
	char		t[21];

	(void)state;
	memset(&ph, 0, sizeof(ph));
	setup_meter(1000, 0);
	ph.p = &p;
	ph.seq = 1;
	/* E_CRC */
	n = hs_frame_encode(HS_MSG_HELLO, 1, NULL, 0, raw);
	raw[n - 1] ^= 0xFF;
	hs_proto_input(&p, raw, n);
	expect_err(&ph, HS_ERR_CRC, 0);
	/* E_LEN: LEN field above 14, and a wrong length for the type. */
	memcpy(raw, "\xA5\x0F", 2);
	hs_proto_input(&p, raw, 2);
	expect_err(&ph, HS_ERR_LEN, 0);
	phone_send(&ph, HS_MSG_HELLO, b, 1, 0);
	expect_err(&ph, HS_ERR_LEN, HS_MSG_HELLO);
	/* E_TYPE */
	phone_send(&ph, 0x55, NULL, 0, 0);
	expect_err(&ph, HS_ERR_TYPE, 0x55);
	/* E_STATE: AUTH or GRANT before HELLO. */
	memset(b, 0, sizeof(b));
	phone_send(&ph, HS_MSG_AUTH, b, 14, 0);
	expect_err(&ph, HS_ERR_STATE, HS_MSG_AUTH);
	phone_send(&ph, HS_MSG_GRANT, b, HS_GRANT_BODY, 0);
	expect_err(&ph, HS_ERR_STATE, HS_MSG_GRANT);
	/* E_AUTH: reads without a session, and a wrong AUTH tag. */
	phone_send(&ph, HS_MSG_STATUS, b, 4, 0);
	expect_err(&ph, HS_ERR_AUTH, HS_MSG_STATUS);
	phone_send(&ph, HS_MSG_HELLO, NULL, 0, 0);
	phone_reply(&ph, &f);
	phone_send(&ph, HS_MSG_AUTH, b, 14, 0);
	expect_err(&ph, HS_ERR_AUTH, HS_MSG_AUTH);
	/* E_MAC ends the session. */
	memset(&ph, 0, sizeof(ph));
	ph.off = link_len;
	assert_int_equal(phone_open(&ph, &p, test_k, NULL), 0x83);
	ph.ks[0] ^= 1;
	phone_send(&ph, HS_MSG_STATUS, NULL, 0, 1);
	expect_err(&ph, HS_ERR_MAC, HS_MSG_STATUS);
	ph.ks[0] ^= 1;
	ph.seq++;
	phone_send(&ph, HS_MSG_STATUS, NULL, 0, 1);
	expect_err(&ph, HS_ERR_AUTH, HS_MSG_STATUS);
	/* E_SEQ: a replayed frame ends the session too. */
	memset(&ph, 0, sizeof(ph));
	ph.off = link_len;
	assert_int_equal(phone_open(&ph, &p, test_k, NULL), 0x83);
	phone_send(&ph, HS_MSG_STATUS, NULL, 0, 1);
	phone_reply(&ph, &f);
	phone_send(&ph, HS_MSG_STATUS, NULL, 0, 1);	/* same SEQ */
	expect_err(&ph, HS_ERR_SEQ, HS_MSG_STATUS);
	ph.seq++;
	phone_send(&ph, HS_MSG_STATUS, NULL, 0, 1);
	expect_err(&ph, HS_ERR_AUTH, HS_MSG_STATUS);
	/* E_DISABLED: debug pulses need the flag. */
	phone_send(&ph, HS_MSG_DEBUG_PULSES, (const uint8_t *)"\0\1\0", 3, 0);
	expect_err(&ph, HS_ERR_DISABLED, HS_MSG_DEBUG_PULSES);
	/* E_LOCKED after five bad tokens; the argument is the wait. */
	tok_water(HS_STS_EA07, 1, 1, t);
	tok_number(t, b);
	for (n = 0; n < 5; n++) {
		phone_send(&ph, HS_MSG_TOKEN, b, 9, 0);
		phone_reply(&ph, &f);
		assert_int_equal(f.type, 0xA0);
		assert_int_equal(f.payload[0], HS_TOK_INVALID);
	}
	phone_send(&ph, HS_MSG_TOKEN, b, 9, 0);
	phone_reply(&ph, &f);
	assert_int_equal(f.type, HS_MSG_ERR);
	assert_int_equal(f.payload[0], HS_ERR_LOCKED);
	assert_int_equal(hs_get16(f.payload + 2), HS_METER_LOCK_BASE);
	/* E_GRANT and E_RIGHTS and E_RANGE: see the other tests. */
}

static void
tokens_with_and_without_session(void **state)
{
	struct phone	ph;
	struct hs_frame	f;
	uint8_t		b[14];
	char		t[21];

	(void)state;
	memset(&ph, 0, sizeof(ph));
	setup_meter(0, 0);
	ph.p = &p;
	tok_water(HS_STS_EA11, 10, 5, t);
	tok_number(t, b);
	phone_send(&ph, HS_MSG_TOKEN, b, 9, 0);
	phone_reply(&ph, &f);
	assert_int_equal(f.type, 0xA0);
	assert_int_equal(f.len, 2);
	assert_int_equal(f.payload[0], HS_TOK_CREDIT);
	assert_int_equal(f.payload[1], HS_STS_RC_ACCEPTED);
	assert_int_equal(hs_meter_credit(&m), 500);
	/* In a session the reply carries the credit and a MAC. */
	assert_int_equal(phone_open(&ph, &p, test_k, NULL), 0x83);
	tok_water(HS_STS_EA11, 11, 2, t);
	tok_number(t, b);
	phone_send(&ph, HS_MSG_TOKEN, b, 9, 1);
	phone_reply(&ph, &f);
	assert_int_equal(f.len, 10);
	assert_true(phone_mac_ok(&ph, &f));
	assert_int_equal(f.payload[0], HS_TOK_CREDIT);
	assert_int_equal(hs_get32(f.payload + 2), 700);
	ph.seq++;
	phone_send(&ph, HS_MSG_TOKEN, b, 9, 1);
	phone_reply(&ph, &f);
	assert_int_equal(f.payload[0], HS_TOK_USED);
	ph.seq++;
	/* A number above 2^66 is a format error. */
	b[0] = 0xFF;
	phone_send(&ph, HS_MSG_TOKEN, b, 9, 0);
	phone_reply(&ph, &f);
	assert_int_equal(f.payload[0], HS_TOK_FORMAT);
	phone_send(&ph, HS_MSG_TOKEN, b, 7, 0);
	expect_err(&ph, HS_ERR_LEN, HS_MSG_TOKEN);
}

static void
debug_pulses_and_alerts(void **state)
{
	struct phone	ph;
	struct hs_frame	f;

	(void)state;
	memset(&ph, 0, sizeof(ph));
	setup_meter(60, 1);
	ph.p = &p;
	hs_proto_alerts(&p);
	assert_int_equal(link_len, 0);
	phone_send(&ph, HS_MSG_DEBUG_PULSES, (const uint8_t *)"\0\x3C\0", 3,
	    0);
	phone_reply(&ph, &f);
	assert_int_equal(f.type, 0xFE);
	assert_int_equal(hs_get32(f.payload), 60);
	assert_int_equal(valve_state, 0);
	hs_proto_alerts(&p);
	phone_reply(&ph, &f);
	assert_int_equal(f.type, HS_MSG_ALERT);
	assert_int_equal(f.payload[0], 1);	/* low credit */
	phone_reply(&ph, &f);
	assert_int_equal(f.payload[0], 2);	/* valve closed */
	assert_int_equal(hs_get32(f.payload + 1), 0);
	assert_false(link_next(&ph.off, &f));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(session_reads),
		cmocka_unit_test(telemetry_verifiable),
		cmocka_unit_test(grant_sessions),
		cmocka_unit_test(every_error_code),
		cmocka_unit_test(tokens_with_and_without_session),
		cmocka_unit_test(debug_pulses_and_alerts),
	};

	return (cmocka_run_group_tests_name("meter_proto", tests, NULL, NULL));
}
