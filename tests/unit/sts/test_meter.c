/*
 * The meter-side decoder: acceptance, every rejection, and key changes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vectors.h"

static struct hs_sts_sta_table	table;
static uint32_t			slots[8];

static void
meter(struct hs_sts_meter *m, uint8_t ea, uint16_t size)
{
	memset(m, 0, sizeof(*m));
	if (ea == HS_STS_EA07) {
		test_sta_table(&table);
		test_key_sta(&m->key, &table);
	} else {
		test_key_misty(&m->key);
	}
	m->kt = HS_STS_KT_DUTK;
	m->ken = HS_STS_KEN_NONE;
	m->sgc = 123457;
	memset(slots, 0, sizeof(slots));
	hs_sts_tidstore_init(&m->tids, slots, size);
}

static void
credit_token(const struct hs_sts_key *k, uint8_t sub, uint32_t tid,
    uint64_t units, char out[HS_STS_TOKEN_BUFSZ])
{
	struct hs_sts_plain	p;

	assert_int_equal(hs_sts_plain_credit(&p, sub, 5, tid, units),
	    HS_STS_OK);
	assert_int_equal(hs_sts_encode(k, &p, out), HS_STS_OK);
}

static enum hs_sts_rc
decode(struct hs_sts_meter *m, const char *tok, struct hs_sts_result *r)
{
	hs_sts_meter_decode(m, tok, strlen(tok), r);
	return (r->rc);
}

static void
accepted_then_used(void **state)
{
	struct hs_sts_meter	m;
	struct hs_sts_result	r;

	(void)state;
	meter(&m, HS_STS_EA11, 4);
	assert_int_equal(decode(&m, CTSA01_04_TOKEN, &r), HS_STS_RC_ACCEPTED);
	assert_int_equal(r.tclass, 0);
	assert_int_equal(r.subclass, 0);
	assert_int_equal(r.tid, 5871660);
	assert_int_equal(r.unit, HS_STS_UNIT_KWH);
	assert_int_equal(r.amount, 1);
	assert_int_equal(r.persist, HS_STS_PERSIST_TIDS);
	assert_int_equal(m.tids.count, 1);
	assert_int_equal(decode(&m, CTSA01_04_TOKEN, &r), HS_STS_RC_USED);
	assert_int_equal(r.persist, 0);
	assert_int_equal(m.tids.count, 1);
	/* STA, the IEC example: 25.6 kWh. */
	meter(&m, HS_STS_EA07, 4);
	assert_int_equal(decode(&m, IEC_TOKEN, &r), HS_STS_RC_ACCEPTED);
	assert_int_equal(r.amount, 256);
	assert_int_equal(r.tid, 0x19EB23);
	assert_int_equal(decode(&m, IEC_TOKEN, &r), HS_STS_RC_USED);
}

static void
old_when_full(void **state)
{
	struct hs_sts_meter	m;
	struct hs_sts_result	r;
	char			t[HS_STS_TOKEN_BUFSZ];

	(void)state;
	meter(&m, HS_STS_EA11, 3);
	/* Not full: an early TID is still fine. */
	credit_token(&m.key, 0, 300, 10, t);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_ACCEPTED);
	credit_token(&m.key, 0, 100, 10, t);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_ACCEPTED);
	credit_token(&m.key, 1, 200, 10, t);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_ACCEPTED);
	assert_int_equal(r.unit, HS_STS_UNIT_M3);
	/* Full {100, 200, 300}: below 100 is Old. */
	credit_token(&m.key, 0, 50, 10, t);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_OLD);
	assert_int_equal(r.tid, 50);
	/* 150 replaces the smallest (100); then 120 and 100 are Old. */
	credit_token(&m.key, 0, 150, 10, t);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_ACCEPTED);
	credit_token(&m.key, 0, 120, 10, t);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_OLD);
	credit_token(&m.key, 0, 100, 10, t);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_OLD);
	/* 200 is still remembered: Used, not Old. */
	credit_token(&m.key, 0, 200, 10, t);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_USED);
	credit_token(&m.key, 0, 10000, 10, t);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_ACCEPTED);
}

static void
key_expired(void **state)
{
	struct hs_sts_meter	m;
	struct hs_sts_result	r;
	char			t[HS_STS_TOKEN_BUFSZ];

	(void)state;
	meter(&m, HS_STS_EA07, 4);
	m.ken = 0x59;
	credit_token(&m.key, 0, 0x5A0000, 10, t);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_KEY_EXPIRED);
	assert_int_equal(m.tids.count, 0);
	credit_token(&m.key, 0, 0x59FFFF, 10, t);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_ACCEPTED);
	m.ken = HS_STS_KEN_NONE;
	credit_token(&m.key, 0, 0xFFFFFF, 10, t);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_ACCEPTED);
}

/* Flip each of the 66 bits of a valid token: never accepted. */
static void
crc_failure_bit_flips(void **state)
{
	struct hs_sts_meter	m;
	struct hs_sts_result	r;
	struct hs_sts_number	n, f;
	char			t[HS_STS_TOKEN_BUFSZ];

	(void)state;
	for (int ea = 0; ea < 2; ea++) {
		meter(&m, ea ? HS_STS_EA11 : HS_STS_EA07, 8);
		credit_token(&m.key, 0, 777777, 12345, t);
		assert_int_equal(hs_sts_number_parse(&n, t, 20), HS_STS_OK);
		for (int bit = 0; bit < 66; bit++) {
			f = n;
			f.b[8 - bit / 8] ^= (uint8_t)(1 << (bit % 8));
			hs_sts_number_format(&f, t);
			decode(&m, t, &r);
			if (r.rc != HS_STS_RC_CRC)
				fail_msg("bit %d: %s", bit,
				    hs_sts_rc_str(r.rc));
			assert_int_equal(m.tids.count, 0);
		}
		/* Wrong key. */
		m.key.dk[0] ^= 1;
		hs_sts_number_format(&n, t);
		assert_int_equal(decode(&m, t, &r), HS_STS_RC_CRC);
		m.key.dk[0] ^= 1;
		assert_int_equal(decode(&m, t, &r), HS_STS_RC_ACCEPTED);
	}
}

/* Every single wrong digit of a token is rejected. */
static void
mistyped_digits(void **state)
{
	struct hs_sts_meter	m;
	struct hs_sts_result	r;
	char			t[HS_STS_TOKEN_BUFSZ];

	(void)state;
	meter(&m, HS_STS_EA11, 8);
	for (int i = 0; i < 20; i++) {
		for (char d = '0'; d <= '9'; d++) {
			memcpy(t, CTSA01_04_TOKEN, sizeof(t));
			if (t[i] == d)
				continue;
			t[i] = d;
			decode(&m, t, &r);
			if (r.rc != HS_STS_RC_CRC && r.rc != HS_STS_RC_FORMAT &&
			    r.rc != HS_STS_RC_CLASS)
				fail_msg("%s: %s", t, hs_sts_rc_str(r.rc));
		}
	}
}

static void
class_bits_and_format(void **state)
{
	struct hs_sts_meter	m;
	struct hs_sts_result	r;
	struct hs_sts_number	n;
	uint8_t			block[8];
	char			t[HS_STS_TOKEN_BUFSZ];

	(void)state;
	meter(&m, HS_STS_EA07, 4);
	assert_int_equal(hs_sts_number_parse(&n, IEC_TOKEN, 20), HS_STS_OK);
	(void)hs_sts_number_split(&n, block);
	for (uint8_t c = 1; c < 4; c++) {
		hs_sts_number_join(&n, c, block);
		hs_sts_number_format(&n, t);
		decode(&m, t, &r);
		assert_int_equal(r.tclass, c);
		assert_int_equal(r.rc, c == 3 ? HS_STS_RC_CLASS :
		    HS_STS_RC_CRC);
	}
	assert_int_equal(decode(&m, "5104346544342085621", &r),
	    HS_STS_RC_FORMAT);
	assert_int_equal(decode(&m, "510434654434208562131", &r),
	    HS_STS_RC_FORMAT);
	assert_int_equal(decode(&m, "5104346544342085621a", &r),
	    HS_STS_RC_FORMAT);
	assert_int_equal(decode(&m, "73786976294838206464", &r),
	    HS_STS_RC_FORMAT);
	assert_int_equal(decode(&m, "", &r), HS_STS_RC_FORMAT);
	assert_int_equal(m.tids.count, 0);
}

static void
ddtk(void **state)
{
	struct hs_sts_meter	m;
	struct hs_sts_result	r;
	struct hs_sts_plain	p;
	char			t[HS_STS_TOKEN_BUFSZ];

	(void)state;
	meter(&m, HS_STS_EA11, 4);
	m.kt = HS_STS_KT_DDTK;
	assert_int_equal(decode(&m, CTSA01_04_TOKEN, &r), HS_STS_RC_DDTK);
	assert_int_equal(m.tids.count, 0);
	/* Management tokens still work on a default key. */
	assert_int_equal(hs_sts_plain_mgmt(&p, HS_STS_C2_MAX_POWER, 1, 9000,
	    1000), HS_STS_OK);
	assert_int_equal(hs_sts_encode(&m.key, &p, t), HS_STS_OK);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_ACCEPTED);
	assert_int_equal(r.unit, HS_STS_UNIT_WATT);
	assert_int_equal(r.amount, 1000);
	m.kt = HS_STS_KT_DUTK;
	assert_int_equal(decode(&m, CTSA01_04_TOKEN, &r), HS_STS_RC_ACCEPTED);
}

static void
other_results(void **state)
{
	struct hs_sts_meter	m;
	struct hs_sts_result	r;
	struct hs_sts_plain	p;
	char			t[HS_STS_TOKEN_BUFSZ];

	(void)state;
	meter(&m, HS_STS_EA11, 4);
	/* Class 1 needs no key at all. */
	memset(&m.key, 0, sizeof(m.key));
	assert_int_equal(hs_sts_plain_test(&p, 0, 0xFFFFFFFFFULL, 7),
	    HS_STS_OK);
	assert_int_equal(hs_sts_encode(NULL, &p, t), HS_STS_OK);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_TEST);
	assert_int_equal(r.has_tid, 0);
	assert_int_equal(decode(&m, CTSA01_04_TOKEN, &r), HS_STS_RC_NO_KEY);
	meter(&m, HS_STS_EA07, 4);
	m.key.sta = NULL;
	assert_int_equal(decode(&m, IEC_TOKEN, &r), HS_STS_RC_NO_KEY);
	/* Reserved subclasses. */
	meter(&m, HS_STS_EA11, 4);
	memset(&p, 0, sizeof(p));
	p.tclass = 2;
	p.subclass = 12;
	p.tid = 5;
	assert_int_equal(hs_sts_encode(&m.key, &p, t), HS_STS_OK);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_FUNCTION);
	p.tclass = 0;
	p.subclass = 9;
	assert_int_equal(hs_sts_encode(&m.key, &p, t), HS_STS_OK);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_FUNCTION);
	assert_int_equal(m.tids.count, 0);
	/* Currency: accepted with its unit; e = 31 is out of range. */
	credit_token(&m.key, HS_STS_C0_WATER_CURRENCY, 77, 12345678, t);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_ACCEPTED);
	assert_int_equal(r.unit, HS_STS_UNIT_CURRENCY);
	/* e = 3 here: steps of 1000, rounded up. */
	assert_true(r.amount >= 12345678 && r.amount < 12345678 + 1000);
	p.subclass = 4;
	p.rnd = 7;
	p.data = 0xFFFF;
	assert_int_equal(hs_sts_encode(&m.key, &p, t), HS_STS_OK);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_RANGE);
	/* Clear credit carries its register id. */
	assert_int_equal(hs_sts_plain_mgmt(&p, HS_STS_C2_CLEAR_CREDIT, 0, 88,
	    HS_STS_REGISTER_ALL), HS_STS_OK);
	assert_int_equal(hs_sts_encode(&m.key, &p, t), HS_STS_OK);
	assert_int_equal(decode(&m, t, &r), HS_STS_RC_ACCEPTED);
	assert_int_equal(r.value, 0xFFFF);
	assert_int_equal(r.unit, HS_STS_UNIT_NONE);
}

/* Build the KCT sections installing newdk, encoded under m's key. */
static unsigned
kct_tokens(const struct hs_sts_meter *m, const uint8_t *newdk, uint8_t kt,
    uint8_t ro, uint8_t ken, char t[4][HS_STS_TOKEN_BUFSZ])
{
	struct hs_sts_newkey	nk;
	struct hs_sts_plain	p[4];
	unsigned		n;

	memset(&nk, 0, sizeof(nk));
	memcpy(nk.dk, newdk, hs_sts_key_len(m->key.ea));
	nk.kt = kt;
	nk.krn = 2;
	nk.ti = 7;
	nk.ken = ken;
	nk.ro = ro;
	nk.sgc = 654321;
	assert_int_equal(hs_sts_kct_make(&nk, m->key.ea, p, &n), HS_STS_OK);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(hs_sts_encode(&m->key, &p[i], t[i]),
		    HS_STS_OK);
	return (n);
}

static void
kct_sta_two_sections(void **state)
{
	static const uint8_t	newdk[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct hs_sts_meter	m;
	struct hs_sts_result	r;
	struct hs_sts_key	oldkey, newkey;
	char			t[4][HS_STS_TOKEN_BUFSZ], c[HS_STS_TOKEN_BUFSZ];

	(void)state;
	for (int order = 0; order < 2; order++) {
		meter(&m, HS_STS_EA07, 4);
		oldkey = m.key;
		newkey = m.key;
		memcpy(newkey.dk, newdk, 8);
		assert_int_equal(kct_tokens(&m, newdk, 2, 0, 0xFF, t), 2);
		assert_int_equal(decode(&m, t[order], &r),
		    HS_STS_RC_KCT_PENDING);
		assert_int_equal(r.kct_need, 2);
		assert_int_equal(r.kct_have, 1 << order);
		assert_int_equal(r.persist, HS_STS_PERSIST_KCT);
		assert_int_equal(r.has_tid, 0);
		/* Not applied yet: old key still in force. */
		assert_true(hs_sts_key_equal(&m.key, &oldkey));
		credit_token(&oldkey, 0, 1000, 5, c);
		assert_int_equal(decode(&m, c, &r), HS_STS_RC_ACCEPTED);
		/* The same section again changes nothing. */
		assert_int_equal(decode(&m, t[order], &r),
		    HS_STS_RC_KCT_PENDING);
		assert_int_equal(decode(&m, t[1 - order], &r),
		    HS_STS_RC_KCT_APPLIED);
		assert_int_equal(r.persist, HS_STS_PERSIST_KEY |
		    HS_STS_PERSIST_KCT);
		assert_true(hs_sts_key_equal(&m.key, &newkey));
		assert_int_equal(m.krn, 2);
		assert_int_equal(m.ti, 7);
		assert_int_equal(m.sgc, 123457);	/* no SGC in EA07 */
		assert_int_equal(m.kct.have, 0);
		/* RO = 0: the TID store is kept. */
		assert_int_equal(m.tids.count, 1);
		assert_int_equal(decode(&m, c, &r), HS_STS_RC_CRC);
		credit_token(&newkey, 0, 1001, 5, c);
		assert_int_equal(decode(&m, c, &r), HS_STS_RC_ACCEPTED);
	}
}

static void
kct_misty_four_sections_rollover(void **state)
{
	static const uint8_t	newdk[16] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3,
				    4, 5, 6, 7, 8, 9, 10, 11, 12 };
	struct hs_sts_meter	m;
	struct hs_sts_result	r;
	struct hs_sts_key	newkey;
	struct hs_sts_newkey	installed;
	char			t[4][HS_STS_TOKEN_BUFSZ], c[HS_STS_TOKEN_BUFSZ];

	(void)state;
	meter(&m, HS_STS_EA11, 4);
	newkey = m.key;
	memcpy(newkey.dk, newdk, 16);
	for (uint32_t tid = 0xFFFFF0; tid < 0xFFFFF4; tid++) {
		credit_token(&m.key, 0, tid, 5, c);
		assert_int_equal(decode(&m, c, &r), HS_STS_RC_ACCEPTED);
	}
	assert_int_equal(m.tids.count, 4);
	assert_int_equal(kct_tokens(&m, newdk, 2, 1, 0x10, t), 4);
	/* Three of four sections: nothing applied, store untouched. */
	assert_int_equal(decode(&m, t[3], &r), HS_STS_RC_KCT_PENDING);
	assert_int_equal(decode(&m, t[0], &r), HS_STS_RC_KCT_PENDING);
	assert_int_equal(decode(&m, t[2], &r), HS_STS_RC_KCT_PENDING);
	assert_int_equal(r.kct_have, 0x0D);
	assert_int_equal(r.kct_need, 4);
	assert_int_equal(m.tids.count, 4);
	assert_false(hs_sts_key_equal(&m.key, &newkey));
	assert_int_equal(decode(&m, t[1], &r), HS_STS_RC_KCT_APPLIED);
	assert_int_equal(r.persist, HS_STS_PERSIST_KEY | HS_STS_PERSIST_KCT |
	    HS_STS_PERSIST_TIDS);
	assert_int_equal(r.newkey.ro, 1);
	assert_memory_equal(r.newkey.dk, newdk, 16);
	installed = r.newkey;
	/* Key and TID store changed together. */
	assert_true(hs_sts_key_equal(&m.key, &newkey));
	assert_int_equal(m.tids.count, 0);
	assert_int_equal(m.sgc, 654321);
	assert_int_equal(m.ken, 0x10);
	/* The new KEN applies at once. */
	credit_token(&newkey, 0, 0x110000, 5, c);
	assert_int_equal(decode(&m, c, &r), HS_STS_RC_KEY_EXPIRED);
	credit_token(&newkey, 0, 5, 5, c);
	assert_int_equal(decode(&m, c, &r), HS_STS_RC_ACCEPTED);
	/* Replaying the same KCT set re-applies the same key (KCTs carry no
	 * freshness, as in STS), which is idempotent. */
	hs_sts_meter_apply_kct(&m, &installed);
	assert_true(hs_sts_key_equal(&m.key, &newkey));
	assert_int_equal(m.tids.count, 0);
}

static void
kct_rejections(void **state)
{
	static const uint8_t	newdk[16] = { 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
				    9, 9, 9, 9, 9, 9 };
	struct hs_sts_meter	m;
	struct hs_sts_result	r;
	struct hs_sts_key	oldkey;
	char			t[4][HS_STS_TOKEN_BUFSZ];

	(void)state;
	/* Sections 3/4 mean nothing to an EA07 meter. */
	meter(&m, HS_STS_EA07, 4);
	{
		struct hs_sts_newkey	nk;
		struct hs_sts_plain	p[4];
		unsigned		n;

		memset(&nk, 0, sizeof(nk));
		nk.kt = 2;
		assert_int_equal(hs_sts_kct_make(&nk, HS_STS_EA11, p, &n),
		    HS_STS_OK);
		assert_int_equal(hs_sts_encode(&m.key, &p[2], t[2]),
		    HS_STS_OK);
	}
	assert_int_equal(decode(&m, t[2], &r), HS_STS_RC_KCT_SEQUENCE);
	assert_int_equal(m.kct.have, 0);
	/* A set installing the factory key type is dropped whole. */
	oldkey = m.key;
	assert_int_equal(kct_tokens(&m, newdk, HS_STS_KT_DITK, 1, 0xFF, t),
	    2);
	assert_int_equal(decode(&m, t[0], &r), HS_STS_RC_KCT_PENDING);
	assert_int_equal(decode(&m, t[1], &r), HS_STS_RC_KEY_TYPE);
	assert_true(hs_sts_key_equal(&m.key, &oldkey));
	assert_int_equal(m.kct.have, 0);
	/* Installing a default key (DDTK) works, then refuses credit. */
	assert_int_equal(kct_tokens(&m, newdk, HS_STS_KT_DDTK, 0, 0xFF, t),
	    2);
	assert_int_equal(decode(&m, t[0], &r), HS_STS_RC_KCT_PENDING);
	assert_int_equal(decode(&m, t[1], &r), HS_STS_RC_KCT_APPLIED);
	assert_int_equal(m.kt, HS_STS_KT_DDTK);
	{
		char	c[HS_STS_TOKEN_BUFSZ];

		credit_token(&m.key, 0, 1, 1, c);
		assert_int_equal(decode(&m, c, &r), HS_STS_RC_DDTK);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepted_then_used),
		cmocka_unit_test(old_when_full),
		cmocka_unit_test(key_expired),
		cmocka_unit_test(crc_failure_bit_flips),
		cmocka_unit_test(mistyped_digits),
		cmocka_unit_test(class_bits_and_format),
		cmocka_unit_test(ddtk),
		cmocka_unit_test(other_results),
		cmocka_unit_test(kct_sta_two_sections),
		cmocka_unit_test(kct_misty_four_sections_rollover),
		cmocka_unit_test(kct_rejections),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
