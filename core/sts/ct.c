/*
 * Constant-time comparison and wiping of key material.
 */
#include "sts/sts.h"

/*
 * OR together the differences of every byte so the loop never exits early:
 * the running time reveals only n, not where two keys first differ.
 */
int
hs_sts_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile uint8_t	*pa = a, *pb = b;
	uint8_t			 diff = 0;
	size_t			 i;

	for (i = 0; i < n; i++)
		diff |= (uint8_t)(pa[i] ^ pb[i]);
	/* Map 0 -> 1 and 1..255 -> 0 without a branch. */
	return ((int)(1 & (((unsigned)diff - 1) >> 8)));
}

/*
 * A plain memset() of a buffer that is dead afterwards may be removed by
 * the optimiser; storing through a volatile pointer may not.
 */
void
hs_sts_wipe(void *p, size_t n)
{
	volatile uint8_t	*v = p;

	while (n--)
		*v++ = 0;
}
