/*
 * EA07, the Standard Transfer Algorithm: a 16-round substitution-
 * permutation network on a 64-bit block with a 64-bit key.
 *
 *   K = ROTR64(~DK, 12)
 *   16 times:  each nibble n := (bit 4n+3 of K) ? S2[n] : S1[n];
 *              output bit P[i] := input bit i;  K = ROTL64(K, 1)
 *
 * Decryption runs the rounds backwards with the inverse boxes.
 *
 * Constant time: the key bit that picks S1 or S2 becomes an all-ones or
 * all-zeros mask and both boxes are read (a mask select, no branch).  The
 * boxes are 16 bytes each, far inside one cache line, so the secret nibble
 * used as index does not choose between lines.  The permutation reads
 * public positions only.  Shifts are by constants or public loop indices
 * (variable shifts are loops on an AVR).
 *
 * State and key are held as 8 bytes, least significant first, so bit i
 * is byte i/8, bit i%8, and the code suits an 8-bit MCU as well.
 */
#include "sts/sts.h"

/* Big-endian block <-> little-endian working bytes. */
static void
reverse8(uint8_t dst[8], const uint8_t src[8])
{
	int	i;

	for (i = 0; i < 8; i++)
		dst[i] = src[7 - i];
}

static void
rotl1(uint8_t k[8])
{
	uint8_t	carry = k[7] >> 7;
	int	i;

	for (i = 7; i > 0; i--)
		k[i] = (uint8_t)(k[i] << 1 | k[i - 1] >> 7);
	k[0] = (uint8_t)(k[0] << 1 | carry);
}

static void
rotr1(uint8_t k[8])
{
	uint8_t	carry = (uint8_t)(k[0] << 7);
	int	i;

	for (i = 0; i < 7; i++)
		k[i] = (uint8_t)(k[i] >> 1 | k[i + 1] << 7);
	k[7] = (uint8_t)(k[7] >> 1 | carry);
}

/* K = ROTR64(~DK, 12): a byte rotation by one, then a nibble shift. */
static void
key_prepare(uint8_t k[8], const uint8_t dk[8])
{
	uint8_t	le[8];
	int	i;

	reverse8(le, dk);
	for (i = 0; i < 8; i++)
		le[i] = (uint8_t)~le[i];
	for (i = 0; i < 8; i++)
		k[i] = (uint8_t)(le[(i + 1) & 7] >> 4 | le[(i + 2) & 7] << 4);
	hs_sts_wipe(le, sizeof(le));
}

/*
 * Substitute all 16 nibbles.  The box for nibble n is chosen by key bit
 * 4n+3, i.e. bit 3 or 7 of key byte n/2.
 */
static void
substitute(uint8_t s[8], const uint8_t k[8], const uint8_t box1[16],
    const uint8_t box2[16])
{
	uint8_t	lo, hi, mlo, mhi;
	int	i;

	for (i = 0; i < 8; i++) {
		mlo = (uint8_t)-((k[i] >> 3) & 1);
		mhi = (uint8_t)-((k[i] >> 7) & 1);
		lo = s[i] & 15;
		hi = s[i] >> 4;
		lo = (uint8_t)((box1[lo] & ~mlo) | (box2[lo] & mlo));
		hi = (uint8_t)((box1[hi] & ~mhi) | (box2[hi] & mhi));
		s[i] = (uint8_t)(hi << 4 | lo);
	}
}

/* Forward: out bit p[i] = in bit i.  Inverse: out bit i = in bit p[i]. */
static void
permute(uint8_t s[8], const uint8_t p[64], int inverse)
{
	uint8_t	in[8], bit;
	int	i;
	unsigned src, dst;

	for (i = 0; i < 8; i++) {
		in[i] = s[i];
		s[i] = 0;
	}
	for (i = 0; i < 64; i++) {
		src = inverse ? p[i] : (unsigned)i;
		dst = inverse ? (unsigned)i : p[i];
		bit = (uint8_t)((in[src >> 3] >> (src & 7)) & 1);
		s[dst >> 3] |= (uint8_t)(bit << (dst & 7));
	}
	hs_sts_wipe(in, sizeof(in));
}

void
hs_sts_sta_encrypt(const struct hs_sts_sta_table *tab, const uint8_t dk[8],
    uint8_t block[8])
{
	uint8_t	k[8], s[8];
	int	r;

	key_prepare(k, dk);
	reverse8(s, block);
	for (r = 0; r < 16; r++) {
		substitute(s, k, tab->s1, tab->s2);
		permute(s, tab->p, 0);
		rotl1(k);
	}
	reverse8(block, s);
	hs_sts_wipe(k, sizeof(k));
	hs_sts_wipe(s, sizeof(s));
}

void
hs_sts_sta_decrypt(const struct hs_sts_sta_table *tab, const uint8_t dk[8],
    uint8_t block[8])
{
	uint8_t	k[8], s[8];
	int	r;

	key_prepare(k, dk);
	/* Round 15 used ROTL(K, 15); walk back from there. */
	for (r = 0; r < 15; r++)
		rotl1(k);
	reverse8(s, block);
	for (r = 15; r >= 0; r--) {
		permute(s, tab->p, 1);
		substitute(s, k, tab->s1inv, tab->s2inv);
		rotr1(k);
	}
	reverse8(block, s);
	hs_sts_wipe(k, sizeof(k));
	hs_sts_wipe(s, sizeof(s));
}
