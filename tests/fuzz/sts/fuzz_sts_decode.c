/*
 * libFuzzer target: the meter-side decoder.  The first input byte picks
 * the meter's algorithm, key type, KEN and TID store size; the rest is the
 * text typed on the keypad.  Several tokens separated by '\n' are decoded
 * in turn against the same meter, so KCT sequences and the TID store get
 * exercised too.  Invariants are checked with __builtin_trap().
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sts/sts.h"

static const uint8_t s1[16] = { 12, 10, 8, 4, 3, 15, 0, 2, 14, 1, 5, 13, 6,
    9, 7, 11 };
static const uint8_t s2[16] = { 6, 9, 7, 4, 3, 10, 12, 14, 2, 13, 1, 15, 0,
    11, 8, 5 };
static const uint8_t p[64] = { 29, 27, 34, 9, 16, 62, 55, 2, 40, 49, 38, 25,
    33, 61, 30, 23, 1, 41, 21, 57, 42, 15, 5, 58, 19, 53, 22, 17, 48, 28, 24,
    39, 3, 60, 36, 14, 11, 52, 54, 12, 31, 51, 10, 26, 0, 45, 37, 43, 44, 6,
    59, 4, 7, 35, 56, 50, 13, 18, 32, 47, 46, 63, 20, 8 };
static const uint8_t dk[16] = { 0xf9, 0x4b, 0x6e, 0xd3, 0x53, 0xc3, 0xbf,
    0xdb, 0x11, 0x3e, 0x2d, 0x3a, 0x7e, 0xa3, 0xc4, 0x1d };

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_sts_sta_table	tab;
	struct hs_sts_meter	m;
	struct hs_sts_result	r;
	uint32_t		slots[5];
	const char		*s, *end, *nl;
	uint8_t			sel;

	if (size < 1)
		return (0);
	sel = data[0];
	memset(&m, 0, sizeof(m));
	if (hs_sts_sta_table_init(&tab, s1, s2, p, NULL) != HS_STS_OK)
		__builtin_trap();
	m.key.ea = sel & 1 ? HS_STS_EA11 : HS_STS_EA07;
	m.key.sta = sel & 1 ? NULL : &tab;
	memcpy(m.key.dk, dk, 16);
	m.kt = (sel >> 1) & 3;
	m.ken = sel & 8 ? 0x20 : HS_STS_KEN_NONE;
	hs_sts_tidstore_init(&m.tids, slots, (uint16_t)(1 + ((sel >> 4) & 3)));

	s = (const char *)data + 1;
	end = (const char *)data + size;
	while (s <= end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL)
			nl = end;
		hs_sts_meter_decode(&m, s, (size_t)(nl - s), &r);
		if (m.tids.count > m.tids.size)
			__builtin_trap();
		if (r.rc == HS_STS_RC_ACCEPTED && !r.has_tid)
			__builtin_trap();
		if (r.rc == HS_STS_RC_ACCEPTED && m.kt == HS_STS_KT_DDTK &&
		    r.tclass == HS_STS_CLASS_CREDIT)
			__builtin_trap();
		if (r.rc == HS_STS_RC_ACCEPTED &&
		    !hs_sts_ken_allows(m.ken, r.tid))
			__builtin_trap();
		if (r.rc == HS_STS_RC_ACCEPTED &&
		    hs_sts_tidstore_check(&m.tids, r.tid) != HS_STS_TID_USED)
			__builtin_trap();
		if (strcmp(hs_sts_rc_str(r.rc), "unknown") == 0)
			__builtin_trap();
		s = nl + 1;
	}
	return (0);
}
