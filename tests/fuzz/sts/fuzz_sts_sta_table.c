/*
 * libFuzzer target: the STA table text parser.  A table it accepts must
 * hold permutations with correct inverses, and encrypt/decrypt with it
 * must round-trip; a rejection must say what was wrong.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sts/sts.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t	dk[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct hs_sts_sta_table	t;
	struct hs_sts_sta_diag	d;
	uint8_t			b[8] = { 0x0B, 0x19, 0xEB, 0x23, 0x01, 0x00,
				    0xC2, 0x07 }, c[8];
	uint8_t			seen[64];
	int			i;

	if (hs_sts_sta_parse(&t, (const char *)data, size, &d) != HS_STS_OK) {
		if (d.fault == HS_STS_STA_OK)
			__builtin_trap();
		return (0);
	}
	for (i = 0; i < 16; i++) {
		if (t.s1inv[t.s1[i]] != i || t.s2inv[t.s2[i]] != i)
			__builtin_trap();
	}
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 64; i++) {
		if (t.p[i] > 63 || seen[t.p[i]]++)
			__builtin_trap();
	}
	memcpy(c, b, 8);
	hs_sts_sta_encrypt(&t, dk, c);
	hs_sts_sta_decrypt(&t, dk, c);
	if (memcmp(b, c, 8) != 0)
		__builtin_trap();
	return (0);
}
