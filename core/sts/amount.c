/*
 * Amount coding.  16 bits = exponent (2 bits) + mantissa (14 bits).  Each
 * exponent step multiplies the resolution by ten and starts where the
 * previous one ended, so the ranges do not overlap:
 *
 *	e  first value   step    last value (0.1 units)
 *	0          0        1        16 383
 *	1     16 384       10       180 214
 *	2    180 224      100     1 818 524
 *	3  1 818 624    1 000    18 201 624
 *
 * Encoding rounds up, in the customer's favour: a value between two codes
 * gets the larger one.  The currency form extends the exponent to 5 bits.
 */
#include "sts/sts.h"

#define MANTISSA_MAX	16383U

/* Start of the range of exponent e (e = 0..3). */
static const uint32_t amount_offset[4] = { 0, 16384UL, 180224UL, 1818624UL };
static const uint32_t amount_step[4] = { 1, 10, 100, 1000 };

enum hs_sts_err
hs_sts_amount_encode(uint32_t units, uint16_t *code)
{
	uint32_t	m, rest;
	unsigned	e;

	if (code == NULL)
		return (HS_STS_E_ARG);
	if (units > HS_STS_AMOUNT_MAX)
		return (HS_STS_E_RANGE);
	for (e = 0; e < 4; e++) {
		if (units <= amount_offset[e]) {
			/* Falls in the gap below this range: round up to
			 * its first value. */
			m = 0;
		} else {
			rest = units - amount_offset[e];
			m = (rest + amount_step[e] - 1) / amount_step[e];
		}
		if (m <= MANTISSA_MAX) {
			*code = (uint16_t)((e << 14) | m);
			return (HS_STS_OK);
		}
	}
	return (HS_STS_E_RANGE);
}

uint32_t
hs_sts_amount_decode(uint16_t code)
{
	unsigned	e = code >> 14;

	return ((uint32_t)(code & MANTISSA_MAX) * amount_step[e] +
	    amount_offset[e]);
}

/*
 * Currency: e = e4..e0, with e1e0 in code bits 15..14 and e4e3e2 in S&E
 * bits 2..0, the sign in S&E bit 3.  Offsets grow as 16384 * (10^e - 1) / 9;
 * anything that would pass 2^64 - 1 is reported as out of range.
 */
#define CURRENCY_EXP_MAX	31

enum hs_sts_err
hs_sts_currency_encode(uint64_t units, int negative, uint16_t *code,
    uint8_t *se)
{
	uint64_t	off = 0, step = 1, m;
	unsigned	e;

	if (code == NULL || se == NULL)
		return (HS_STS_E_ARG);
	for (e = 0; e <= CURRENCY_EXP_MAX; e++) {
		if (units <= off)
			m = 0;
		else
			m = (units - off - 1) / step + 1;
		if (m <= MANTISSA_MAX) {
			/* Rounding up must not leave 64 bits. */
			if (m != 0 && m > (UINT64_MAX - off) / step)
				return (HS_STS_E_RANGE);
			*code = (uint16_t)(((e & 3) << 14) | m);
			*se = (uint8_t)((negative ? 8 : 0) | (e >> 2));
			return (HS_STS_OK);
		}
		/* Next range; cannot overflow before m fits, because
		 * 16383 * 10^16 already exceeds 2^64. */
		off += 16384 * step;
		step *= 10;
	}
	return (HS_STS_E_RANGE);
}

enum hs_sts_err
hs_sts_currency_decode(uint16_t code, uint8_t se, uint64_t *units,
    int *negative)
{
	uint64_t	off = 0, step = 1, m = code & MANTISSA_MAX;
	unsigned	e, i;

	if (units == NULL || negative == NULL)
		return (HS_STS_E_ARG);
	e = (unsigned)((code >> 14) | ((se & 7) << 2));
	for (i = 0; i < e; i++) {
		if (step > UINT64_MAX / 16384 ||
		    off > UINT64_MAX - 16384 * step ||
		    step > UINT64_MAX / 10)
			return (HS_STS_E_RANGE);
		off += 16384 * step;
		step *= 10;
	}
	if (m != 0 && m > (UINT64_MAX - off) / step)
		return (HS_STS_E_RANGE);
	*units = m * step + off;
	*negative = (se >> 3) & 1;
	return (HS_STS_OK);
}
