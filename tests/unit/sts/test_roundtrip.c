/*
 * Encode -> decode round trips for every class and subclass, across all
 * 65536 amount codes, the amount range boundaries and the three base
 * dates, under EA07 (IEC sample tables) and EA11.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vectors.h"

static const int	bases[3] = { 1993, 2014, 2035 };

struct fixture {
	struct hs_sts_sta_table	table;
	struct hs_sts_key	key[2];
};

static int
setup(void **state)
{
	static struct fixture	f;

	test_sta_table(&f.table);
	test_key_sta(&f.key[0], &f.table);
	test_key_misty(&f.key[1]);
	*state = &f;
	return (0);
}

/* Encode p under k, open it again, and compare every field. */
static void
roundtrip(const struct hs_sts_key *k, struct hs_sts_plain *p)
{
	struct hs_sts_plain	q;
	char			out[HS_STS_TOKEN_BUFSZ];

	if (hs_sts_encode(k, p, out) != HS_STS_OK)
		fail_msg("encode class %u sub %u failed", p->tclass,
		    p->subclass);
	if (hs_sts_open(k, out, strlen(out), &q) != HS_STS_OK)
		fail_msg("open %s failed", out);
	if (q.tclass != p->tclass || q.subclass != p->subclass ||
	    q.crc != p->crc)
		fail_msg("class/subclass/crc differ for %s", out);
	if (hs_sts_has_tid(p->tclass, p->subclass) &&
	    (q.rnd != p->rnd || q.tid != p->tid || q.data != p->data))
		fail_msg("fields differ for %s", out);
	if (p->tclass == 1 && (q.control != p->control ||
	    q.mfrcode != p->mfrcode))
		fail_msg("class 1 fields differ for %s", out);
	if (hs_sts_is_kct(p->tclass, p->subclass) &&
	    memcmp(&q.kct, &p->kct, sizeof(q.kct)) != 0)
		fail_msg("kct fields differ for %s", out);
}

/* All amount codes, credit subclasses 0..3, spread over TIDs and bases. */
static void
credit_all_codes(void **state)
{
	struct fixture		*f = *state;
	struct hs_sts_plain	 p;
	uint32_t		 tid;

	for (int ea = 0; ea < 2; ea++) {
		for (uint32_t c = 0; c <= 0xFFFF; c++) {
			tid = (c * 2654435761UL) & HS_STS_TID_MAX;
			assert_int_equal(hs_sts_plain_credit(&p,
			    (uint8_t)(c & 3), (uint8_t)(c >> 4 & 15), tid,
			    hs_sts_amount_decode((uint16_t)c)), HS_STS_OK);
			assert_int_equal(p.data, c);
			roundtrip(&f->key[ea], &p);
		}
	}
}

/* Currency subclasses 4..7: every code with every S&E value. */
static void
currency_all_codes(void **state)
{
	struct fixture		*f = *state;
	struct hs_sts_plain	 p;

	for (uint32_t c = 0; c <= 0xFFFF; c++) {
		memset(&p, 0, sizeof(p));
		p.tclass = 0;
		p.subclass = (uint8_t)(4 + (c & 3));
		p.rnd = (uint8_t)(c >> 2 & 15);
		p.tid = c * 97;
		p.data = (uint16_t)c;
		roundtrip(&f->key[c & 1], &p);
	}
}

/* Range boundaries, every credit subclass, each base date's first and
 * last minute. */
static void
boundaries_and_base_dates(void **state)
{
	static const uint32_t	units[] = { 0, 1, 16383, 16384, 16385,
		180214, 180215, 180224, 1818524, 1818525, 1818624,
		HS_STS_AMOUNT_MAX - 1, HS_STS_AMOUNT_MAX };
	struct fixture		*f = *state;
	struct hs_sts_plain	 p, q;
	struct hs_sts_utc	 t;
	uint32_t		 tid;
	char			 out[HS_STS_TOKEN_BUFSZ];

	for (int b = 0; b < 3; b++) {
		for (int edge = 0; edge < 2; edge++) {
			struct hs_sts_utc first = { bases[b], 1, 1, 0, 0, 0 };
			struct hs_sts_utc last = { bases[b] + 31, 11, 24, 20,
			    15, 59 };

			assert_int_equal(hs_sts_tid_from_utc(bases[b],
			    edge ? &last : &first, &tid), HS_STS_OK);
			assert_int_equal(tid, edge ? HS_STS_TID_MAX : 0);
			for (size_t i = 0; i < sizeof(units) /
			    sizeof(units[0]); i++) {
				for (uint8_t s = 0; s < 4; s++) {
					assert_int_equal(hs_sts_plain_credit(
					    &p, s, 7, tid, units[i]), HS_STS_OK);
					assert_true(hs_sts_amount_decode(p.data)
					    >= units[i]);
					for (int ea = 0; ea < 2; ea++) {
						roundtrip(&f->key[ea], &p);
						hs_sts_encode(&f->key[ea], &p,
						    out);
						hs_sts_open(&f->key[ea], out,
						    20, &q);
						hs_sts_tid_to_utc(bases[b],
						    q.tid, &t);
						assert_int_equal(t.year,
						    edge ? bases[b] + 31 :
						    bases[b]);
					}
				}
			}
		}
	}
}

static void
management_all(void **state)
{
	static const uint8_t	valued[] = { 1, 2, 7 };
	struct fixture		*f = *state;
	struct hs_sts_plain	 p;

	for (uint32_t c = 0; c <= 0xFFFF; c += 3) {
		int	ea = (int)(c & 1);

		assert_int_equal(hs_sts_plain_mgmt(&p, c & 4 ? 6 : 0, 3,
		    c * 31, hs_sts_amount_decode((uint16_t)c)), HS_STS_OK);
		assert_int_equal(p.data, c);
		roundtrip(&f->key[ea], &p);
		assert_int_equal(hs_sts_plain_mgmt(&p, valued[c % 3], 9,
		    c * 7, c), HS_STS_OK);
		roundtrip(&f->key[ea], &p);
	}
	assert_int_equal(hs_sts_plain_mgmt(&p, 5, 1, 42, 0), HS_STS_OK);
	roundtrip(&f->key[0], &p);
	roundtrip(&f->key[1], &p);
}

static void
kct_and_test_tokens(void **state)
{
	struct fixture		*f = *state;
	struct hs_sts_newkey	 nk;
	struct hs_sts_plain	 p[4];
	unsigned		 n;
	uint32_t		 x = 1;

	for (int i = 0; i < 500; i++) {
		memset(&nk, 0, sizeof(nk));
		for (int j = 0; j < 16; j++) {
			x = x * 1664525 + 1013904223;
			nk.dk[j] = (uint8_t)(x >> 24);
		}
		nk.kt = (uint8_t)(x & 3);
		nk.krn = (uint8_t)(x >> 4 & 15);
		nk.ti = (uint8_t)(x % 100);
		nk.ken = (uint8_t)(x >> 8);
		nk.ro = (uint8_t)(x >> 16 & 1);
		nk.sgc = x % 1000000;
		for (int ea = 0; ea < 2; ea++) {
			assert_int_equal(hs_sts_kct_make(&nk, ea ? HS_STS_EA11 :
			    HS_STS_EA07, p, &n), HS_STS_OK);
			for (unsigned s = 0; s < n; s++)
				roundtrip(&f->key[ea], &p[s]);
		}
		assert_int_equal(hs_sts_plain_test(&p[0], (uint8_t)(i & 1),
		    (uint64_t)x << 3 & ((i & 1) ? 0xFFFFFFFULL :
		    0xFFFFFFFFFULL), (uint16_t)(x & ((i & 1) ? 0xFFFF : 0xFF))),
		    HS_STS_OK);
		roundtrip(NULL, &p[0]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(credit_all_codes),
		cmocka_unit_test(currency_all_codes),
		cmocka_unit_test(boundaries_and_base_dates),
		cmocka_unit_test(management_all),
		cmocka_unit_test(kct_and_test_tokens),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
