/*
 * EA11: MISTY1 (RFC 2994), 128-bit key, 64-bit block, 8 rounds.  STS uses
 * it on the 8 block bytes in order, with the 16 DK bytes in order.
 *
 * How the S-boxes are computed, and why.  The classic implementation reads
 * S7 (128 bytes) and S9 (1 KiB) with secret indices, which leaks through
 * the cache on a shared server.  Three forms were measured on one core of
 * the build machine (AMD EPYC, gcc -O2, key schedule + one encryption):
 *
 *	full tables                         5.7 M blocks/s  secret line index
 *	line tables (this file, default)    2.2 M blocks/s  one line per table
 *	boolean (HS_STS_MISTY1_BOOLEAN)     0.36 M blocks/s no memory lookups
 *
 * The boolean form (the S-boxes' algebraic normal form, as in RFC 2994
 * section 2.4/2.5) misses the 1 M tokens/s target, so the default is the
 * line form: S7 is split on its top input bit into two 64-byte halves,
 * both read and mask-selected; S9 is quadratic, so with x = h:l (4 + 5
 * bits) S9(x) = P[l] ^ R[h] ^ (x5 ? N5[l]) ^ ... ^ (x8 ? N8[l]), six tables
 * of at most 64 bytes, all read on every call and combined with masks.
 * Every table access therefore touches the same cache lines whatever the
 * secret; only the offset within a line varies (a residual leak that needs
 * in-line bank timing, not the cache).  Build with -DHS_STS_MISTY1_BOOLEAN
 * where even that matters more than speed.  On an AVR there is no cache and
 * flash reads take fixed time, so the same tables are constant time there.
 *
 * The key schedule (32 x 16 bits) lives on the caller's stack in struct
 * hs_sts_misty1; callers wipe it (cipher.c does).
 */
#include "sts/sts.h"
#include "sts/rom.h"

#if defined(HS_STS_MISTY1_BOOLEAN)
/*
 * Algebraic normal form of S7 (degree 3) and S9 (degree 2), bit i of the
 * input in xi; only bit 0 of each intermediate is meaningful.  Generated
 * from the RFC 2994 tables by a Moebius transform; the unit tests check
 * every input against the RFC tables.
 */
static uint16_t
s7_bool(uint16_t x)
{
	uint16_t	x0, x1, x2, x3, x4, x5, x6;
	uint16_t	p003, p005, p006, p007, p009, p00a, p00c, p00d;
	uint16_t	p00e, p011, p012, p013, p014, p015, p018, p019;
	uint16_t	p01a, p01c, p021, p022, p023, p024, p025, p026;
	uint16_t	p028, p029, p02a, p030, p031, p032, p034, p038;
	uint16_t	p041, p042, p043, p044, p046, p048, p049, p04a;
	uint16_t	p04c, p050, p051, p052, p054, p060, p061, p062;
	uint16_t	p064, p068, p070;
	uint16_t	y;

	x0 = x;
	x1 = x >> 1;
	x2 = x >> 2;
	x3 = x >> 3;
	x4 = x >> 4;
	x5 = x >> 5;
	x6 = x >> 6;
	p00a = x1 & x3;
	p009 = x0 & x3;
	p019 = p009 & x4;
	p022 = x1 & x5;
	p005 = x0 & x2;
	p025 = p005 & x5;
	p030 = x4 & x5;
	p003 = x0 & x1;
	p043 = p003 & x6;
	p044 = x2 & x6;
	p021 = x0 & x5;
	p061 = p021 & x6;
	p028 = x3 & x5;
	p068 = p028 & x6;
	p011 = x0 & x4;
	p018 = x3 & x4;
	p014 = x2 & x4;
	p034 = p014 & x5;
	p041 = x0 & x6;
	p048 = x3 & x6;
	p00c = x2 & x3;
	p04c = p00c & x6;
	p012 = x1 & x4;
	p052 = p012 & x6;
	p006 = x1 & x2;
	p00d = p005 & x3;
	p013 = p003 & x4;
	p031 = p011 & x5;
	p038 = p018 & x5;
	p042 = x1 & x6;
	p049 = p009 & x6;
	p050 = x4 & x6;
	p054 = p014 & x6;
	p007 = p003 & x2;
	p032 = p012 & x5;
	p04a = p00a & x6;
	p051 = p011 & x6;
	p060 = x5 & x6;
	p01a = p00a & x4;
	p024 = x2 & x5;
	p026 = p006 & x5;
	p029 = p009 & x5;
	p062 = p022 & x6;
	p070 = p030 & x6;
	p00e = p006 & x3;
	p015 = p005 & x4;
	p023 = p003 & x5;
	p064 = p024 & x6;
	p01c = p00c & x4;
	p02a = p00a & x5;
	p046 = p006 & x6;
	y = 0x01b;
	y ^= (uint16_t)(((x0 ^ p00a ^ p019 ^ p022 ^ p025 ^ p030 ^ p043 ^
	    p044 ^ p061 ^ p068) & 1) << 0);
	y ^= (uint16_t)(((p005 ^ p011 ^ p018 ^ p022 ^ p034 ^ x6 ^ p041 ^
	    p048 ^ p04c ^ p052 ^ p061) & 1) << 1);
	y ^= (uint16_t)(((p006 ^ p00d ^ x4 ^ p012 ^ p013 ^ p021 ^ p031 ^
	    p038 ^ p042 ^ p048 ^ p049 ^ p050 ^ p054) & 1) << 2);
	y ^= (uint16_t)(((x0 ^ x1 ^ p007 ^ p009 ^ p014 ^ p032 ^ p044 ^
	    p04a ^ p051 ^ p060) & 1) << 3);
	y ^= (uint16_t)(((p00c ^ p011 ^ p01a ^ x5 ^ p024 ^ p026 ^ p029 ^
	    p042 ^ p062 ^ p070) & 1) << 4);
	y ^= (uint16_t)(((x0 ^ x1 ^ x2 ^ p007 ^ p009 ^ p00e ^ p012 ^ p015 ^
	    p021 ^ p023 ^ p028 ^ p041 ^ p064) & 1) << 5);
	y ^= (uint16_t)(((p003 ^ x3 ^ p009 ^ p01c ^ p021 ^ p024 ^ p028 ^
	    p02a ^ p042 ^ p046 ^ p049 ^ p050 ^ p064) & 1) << 6);
	return (y);
}

static uint16_t
s9_bool(uint16_t x)
{
	uint16_t	x0, x1, x2, x3, x4, x5, x6, x7, x8;
	uint16_t	p003, p005, p006, p009, p00a, p00c, p011, p012;
	uint16_t	p014, p018, p021, p022, p024, p028, p030, p041;
	uint16_t	p042, p044, p048, p050, p060, p081, p082, p084;
	uint16_t	p088, p090, p0a0, p0c0, p101, p102, p104, p108;
	uint16_t	p110, p120, p140, p180;
	uint16_t	y;

	x0 = x;
	x1 = x >> 1;
	x2 = x >> 2;
	x3 = x >> 3;
	x4 = x >> 4;
	x5 = x >> 5;
	x6 = x >> 6;
	x7 = x >> 7;
	x8 = x >> 8;
	p011 = x0 & x4;
	p021 = x0 & x5;
	p022 = x1 & x5;
	p042 = x1 & x6;
	p044 = x2 & x6;
	p084 = x2 & x7;
	p088 = x3 & x7;
	p108 = x3 & x8;
	p110 = x4 & x8;
	p005 = x0 & x2;
	p00a = x1 & x3;
	p00c = x2 & x3;
	p018 = x3 & x4;
	p030 = x4 & x5;
	p041 = x0 & x6;
	p101 = x0 & x8;
	p120 = x5 & x8;
	p003 = x0 & x1;
	p014 = x2 & x4;
	p060 = x5 & x6;
	p082 = x1 & x7;
	p006 = x1 & x2;
	p028 = x3 & x5;
	p0c0 = x6 & x7;
	p104 = x2 & x8;
	p009 = x0 & x3;
	p050 = x4 & x6;
	p180 = x7 & x8;
	p012 = x1 & x4;
	p0a0 = x5 & x7;
	p024 = x2 & x5;
	p140 = x6 & x8;
	p048 = x3 & x6;
	p081 = x0 & x7;
	p090 = x4 & x7;
	p102 = x1 & x8;
	y = 0x1c3;
	y ^= (uint16_t)(((p011 ^ p021 ^ p022 ^ p042 ^ p044 ^ p084 ^ p088 ^
	    p108 ^ p110) & 1) << 0);
	y ^= (uint16_t)(((p005 ^ x3 ^ p00a ^ p00c ^ p018 ^ p030 ^ p041 ^
	    p044 ^ x7 ^ p101 ^ p108 ^ p120) & 1) << 1);
	y ^= (uint16_t)(((p003 ^ p00a ^ x4 ^ p011 ^ p014 ^ p018 ^ p030 ^
	    p041 ^ p060 ^ p082 ^ p088 ^ x8) & 1) << 2);
	y ^= (uint16_t)(((x0 ^ p006 ^ p014 ^ x5 ^ p022 ^ p028 ^ p030 ^
	    p060 ^ p082 ^ p0c0 ^ p104 ^ p110) & 1) << 3);
	y ^= (uint16_t)(((x1 ^ p009 ^ p00c ^ p021 ^ p028 ^ x6 ^ p044 ^
	    p050 ^ p060 ^ p0c0 ^ p104 ^ p180) & 1) << 4);
	y ^= (uint16_t)(((x2 ^ p009 ^ p012 ^ p018 ^ p042 ^ p050 ^ x7 ^
	    p088 ^ p0a0 ^ p0c0 ^ p101 ^ p180) & 1) << 5);
	y ^= (uint16_t)(((p003 ^ x3 ^ p012 ^ p024 ^ p030 ^ p084 ^ p0a0 ^
	    x8 ^ p101 ^ p110 ^ p140 ^ p180) & 1) << 6);
	y ^= (uint16_t)(((x1 ^ p003 ^ p006 ^ p00c ^ p011 ^ x5 ^ p042 ^
	    p048 ^ p081 ^ p090 ^ p0c0 ^ p102) & 1) << 7);
	y ^= (uint16_t)(((x0 ^ p003 ^ p006 ^ x4 ^ p021 ^ p024 ^ p048 ^
	    p060 ^ p081 ^ p101 ^ p108 ^ p140) & 1) << 8);
	return (y);
}

#define S7(x)	s7_bool(x)
#define S9(x)	s9_bool(x)

#else /* line tables */

/* S7: entries 0..63 and 64..127, one 64-byte line each. */
static const uint8_t s7_half[2][64] HS_STS_ROM HS_STS_LINE_ALIGN = {
	{
		0x1b, 0x32, 0x33, 0x5a, 0x3b, 0x10, 0x17, 0x54,
		0x5b, 0x1a, 0x72, 0x73, 0x6b, 0x2c, 0x66, 0x49,
		0x1f, 0x24, 0x13, 0x6c, 0x37, 0x2e, 0x3f, 0x4a,
		0x5d, 0x0f, 0x40, 0x56, 0x25, 0x51, 0x1c, 0x04,
		0x0b, 0x46, 0x20, 0x0d, 0x7b, 0x35, 0x44, 0x42,
		0x2b, 0x1e, 0x41, 0x14, 0x4b, 0x79, 0x15, 0x6f,
		0x0e, 0x55, 0x09, 0x36, 0x74, 0x0c, 0x67, 0x53,
		0x28, 0x0a, 0x7e, 0x38, 0x02, 0x07, 0x60, 0x29,
	},
	{
		0x19, 0x12, 0x65, 0x2f, 0x30, 0x39, 0x08, 0x68,
		0x5f, 0x78, 0x2a, 0x4c, 0x64, 0x45, 0x75, 0x3d,
		0x59, 0x48, 0x03, 0x57, 0x7c, 0x4f, 0x62, 0x3c,
		0x1d, 0x21, 0x5e, 0x27, 0x6a, 0x70, 0x4d, 0x3a,
		0x01, 0x6d, 0x6e, 0x63, 0x18, 0x77, 0x23, 0x05,
		0x26, 0x76, 0x00, 0x31, 0x2d, 0x7a, 0x7f, 0x61,
		0x50, 0x22, 0x11, 0x06, 0x47, 0x16, 0x52, 0x4e,
		0x71, 0x3e, 0x69, 0x43, 0x34, 0x5c, 0x58, 0x7d,
	},
};

static const uint16_t s9_lo[5][32] HS_STS_ROM HS_STS_LINE_ALIGN = {
	{	/* S9(l) for h = 0 */
		0x1c3, 0x0cb, 0x153, 0x19f, 0x1e3, 0x0e9, 0x0fb, 0x035,
		0x181, 0x0b9, 0x117, 0x1eb, 0x133, 0x009, 0x02d, 0x0d3,
		0x0c7, 0x14a, 0x037, 0x07e, 0x0eb, 0x164, 0x193, 0x1d8,
		0x0a3, 0x11e, 0x055, 0x02c, 0x01d, 0x1a2, 0x163, 0x118,
	},
	{	/* cross terms with x5 */
		0x000, 0x111, 0x009, 0x118, 0x140, 0x051, 0x149, 0x058,
		0x018, 0x109, 0x011, 0x100, 0x158, 0x049, 0x151, 0x040,
		0x04e, 0x15f, 0x047, 0x156, 0x10e, 0x01f, 0x107, 0x016,
		0x056, 0x147, 0x05f, 0x14e, 0x116, 0x007, 0x11f, 0x00e,
	},
	{	/* cross terms with x6 */
		0x000, 0x006, 0x0a1, 0x0a7, 0x013, 0x015, 0x0b2, 0x0b4,
		0x180, 0x186, 0x121, 0x127, 0x193, 0x195, 0x132, 0x134,
		0x030, 0x036, 0x091, 0x097, 0x023, 0x025, 0x082, 0x084,
		0x1b0, 0x1b6, 0x111, 0x117, 0x1a3, 0x1a5, 0x102, 0x104,
	},
	{	/* cross terms with x7 */
		0x000, 0x180, 0x00c, 0x18c, 0x041, 0x1c1, 0x04d, 0x1cd,
		0x025, 0x1a5, 0x029, 0x1a9, 0x064, 0x1e4, 0x068, 0x1e8,
		0x080, 0x100, 0x08c, 0x10c, 0x0c1, 0x141, 0x0cd, 0x14d,
		0x0a5, 0x125, 0x0a9, 0x129, 0x0e4, 0x164, 0x0e8, 0x168,
	},
	{	/* cross terms with x8 */
		0x000, 0x162, 0x080, 0x1e2, 0x018, 0x17a, 0x098, 0x1fa,
		0x103, 0x061, 0x183, 0x0e1, 0x11b, 0x079, 0x19b, 0x0f9,
		0x049, 0x12b, 0x0c9, 0x1ab, 0x051, 0x133, 0x0d1, 0x1b3,
		0x14a, 0x028, 0x1ca, 0x0a8, 0x152, 0x030, 0x1d2, 0x0b0,
	},
};

static const uint16_t s9_hi[16] HS_STS_ROM HS_STS_LINE_ALIGN = {
	0x000, 0x088, 0x010, 0x184, 0x022, 0x0ca, 0x08a, 0x17e,
	0x044, 0x0ce, 0x114, 0x082, 0x016, 0x0fc, 0x1fe, 0x008,
};

static inline uint16_t
s7_line(uint16_t x)
{
	uint16_t	lo, hi, mask;

	lo = hs_sts_rom8(&s7_half[0][x & 63]);
	hi = hs_sts_rom8(&s7_half[1][x & 63]);
	mask = (uint16_t)-((x >> 6) & 1);
	return ((uint16_t)(lo ^ ((lo ^ hi) & mask)));
}

static inline uint16_t
s9_line(uint16_t x)
{
	uint16_t	l = x & 31, y;
	int		j;

	y = (uint16_t)(hs_sts_rom16(&s9_lo[0][l]) ^
	    hs_sts_rom16(&s9_hi[x >> 5]));
	for (j = 1; j <= 4; j++)
		y ^= (uint16_t)(hs_sts_rom16(&s9_lo[j][l]) &
		    (uint16_t)-((x >> (j + 4)) & 1));
	return (y);
}

#define S7(x)	s7_line(x)
#define S9(x)	s9_line(x)

#endif

static inline uint16_t
fi(uint16_t in, uint16_t key)
{
	uint16_t	d9, d7;

	d9 = in >> 7;
	d7 = in & 0x7f;
	d9 = (uint16_t)((S9(d9) ^ d7) & 0x1ff);
	d7 = (uint16_t)((S7(d7) ^ d9) & 0x7f);
	d7 ^= key >> 9;
	d9 ^= key & 0x1ff;
	d9 = (uint16_t)((S9(d9) ^ d7) & 0x1ff);
	return ((uint16_t)(d7 << 9 | d9));
}

/* ek[0..7] = the key words, ek[8..15] = FI(ek[i], ek[i+1]); the RFC's
 * EK[16..31] are the 9/7-bit halves of ek[8..15], split inside fi(). */
void
hs_sts_misty1_init(struct hs_sts_misty1 *ks, const uint8_t key[16])
{
	int	i;

	for (i = 0; i < 8; i++)
		ks->ek[i] = (uint16_t)(key[2 * i] << 8 | key[2 * i + 1]);
	for (i = 0; i < 8; i++)
		ks->ek[i + 8] = fi(ks->ek[i], ks->ek[(i + 1) & 7]);
}

static inline uint32_t
fo(const uint16_t *ek, uint32_t in, int k)
{
	uint16_t	t0 = (uint16_t)(in >> 16), t1 = (uint16_t)in;

	t0 ^= ek[k];
	t0 = fi(t0, ek[((k + 5) & 7) + 8]);
	t0 ^= t1;
	t1 ^= ek[(k + 2) & 7];
	t1 = fi(t1, ek[((k + 1) & 7) + 8]);
	t1 ^= t0;
	t0 ^= ek[(k + 7) & 7];
	t0 = fi(t0, ek[((k + 3) & 7) + 8]);
	t0 ^= t1;
	t1 ^= ek[(k + 4) & 7];
	return ((uint32_t)t1 << 16 | t0);
}

static inline uint32_t
fl(const uint16_t *ek, uint32_t in, int k)
{
	uint16_t	d0 = (uint16_t)(in >> 16), d1 = (uint16_t)in;

	if ((k & 1) == 0) {
		d1 ^= d0 & ek[k / 2];
		d0 ^= d1 | ek[((k / 2 + 6) & 7) + 8];
	} else {
		d1 ^= d0 & ek[(((k - 1) / 2 + 2) & 7) + 8];
		d0 ^= d1 | ek[((k - 1) / 2 + 4) & 7];
	}
	return ((uint32_t)d0 << 16 | d1);
}

static inline uint32_t
flinv(const uint16_t *ek, uint32_t in, int k)
{
	uint16_t	d0 = (uint16_t)(in >> 16), d1 = (uint16_t)in;

	if ((k & 1) == 0) {
		d0 ^= d1 | ek[((k / 2 + 6) & 7) + 8];
		d1 ^= d0 & ek[k / 2];
	} else {
		d0 ^= d1 | ek[((k - 1) / 2 + 4) & 7];
		d1 ^= d0 & ek[(((k - 1) / 2 + 2) & 7) + 8];
	}
	return ((uint32_t)d0 << 16 | d1);
}

static uint32_t
load32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static void
store32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#define ROUND_PAIR(r) do {					\
	d0 = fl(ks->ek, d0, (r));				\
	d1 = fl(ks->ek, d1, (r) + 1);				\
	d1 ^= fo(ks->ek, d0, (r));				\
	d0 ^= fo(ks->ek, d1, (r) + 1);				\
} while (0)

#define INV_ROUND_PAIR(r) do {					\
	d0 ^= fo(ks->ek, d1, (r) + 1);				\
	d1 ^= fo(ks->ek, d0, (r));				\
	d0 = flinv(ks->ek, d0, (r));				\
	d1 = flinv(ks->ek, d1, (r) + 1);			\
} while (0)

void
hs_sts_misty1_encrypt(const struct hs_sts_misty1 *ks, const uint8_t in[8],
    uint8_t out[8])
{
	uint32_t	d0 = load32(in), d1 = load32(in + 4);

	/*
	 * Rounds in pairs, unrolled so the round number (public, and the
	 * only thing fl() branches on) is a constant in each copy.
	 */
	ROUND_PAIR(0);
	ROUND_PAIR(2);
	ROUND_PAIR(4);
	ROUND_PAIR(6);
	d0 = fl(ks->ek, d0, 8);
	d1 = fl(ks->ek, d1, 9);
	store32(out, d1);
	store32(out + 4, d0);
}

void
hs_sts_misty1_decrypt(const struct hs_sts_misty1 *ks, const uint8_t in[8],
    uint8_t out[8])
{
	uint32_t	d1 = load32(in), d0 = load32(in + 4);

	d0 = flinv(ks->ek, d0, 8);
	d1 = flinv(ks->ek, d1, 9);
	INV_ROUND_PAIR(6);
	INV_ROUND_PAIR(4);
	INV_ROUND_PAIR(2);
	INV_ROUND_PAIR(0);
	store32(out, d0);
	store32(out + 4, d1);
}
