/*
 * The 66-bit token number.  A token is 20 decimal digits; its value is
 * below 2^66, so it lives in 9 bytes, most significant first, with the top
 * six bits zero.  Conversion is schoolbook multiply/divide by ten over the
 * byte array: no 128-bit integers, which avr-gcc does not have, and the
 * same code on the meter and the server.
 *
 * The class (2 bits) travels outside the encrypted block but is swapped
 * into bits 28..27 of it; the two block bits it displaces move to bits
 * 65..64.  Seen from the 64-bit block held big-endian in b[1..8], bits 28
 * and 27 are bits 4 and 3 of b[5].
 */
#include "sts/sts.h"

#define CLASS_BYTE	5	/* b[] index holding block bits 31..24 */
#define CLASS_SHIFT	3	/* block bit 27 within that byte */

enum hs_sts_err
hs_sts_number_parse(struct hs_sts_number *n, const char *s, size_t len)
{
	uint32_t	carry;
	size_t		i;
	int		j;

	if (n == NULL || (s == NULL && len != 0))
		return (HS_STS_E_ARG);
	/* Report a stray character before a wrong length: it is the more
	 * precise message for "1234-5678..." style input. */
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (HS_STS_E_DIGIT);
	}
	if (len != HS_STS_TOKEN_DIGITS)
		return (HS_STS_E_LENGTH);
	for (j = 0; j < 9; j++)
		n->b[j] = 0;
	/* Four digits per pass: value = value * 10^4 + chunk. */
	for (i = 0; i < len; i += 4) {
		carry = (uint32_t)(s[i] - '0') * 1000 +
		    (uint32_t)(s[i + 1] - '0') * 100 +
		    (uint32_t)(s[i + 2] - '0') * 10 +
		    (uint32_t)(s[i + 3] - '0');
		for (j = 8; j >= 0; j--) {
			carry += (uint32_t)n->b[j] * 10000;
			n->b[j] = (uint8_t)carry;
			carry >>= 8;
		}
		/* 20 digits are < 2^67, so nothing carries out of b[0]. */
	}
	if (n->b[0] & 0xFC)
		return (HS_STS_E_RANGE);
	return (HS_STS_OK);
}

/*
 * Divide by 10^4 per pass: each partial remainder (< 10^4 * 256) fits 32
 * bits, so five passes over the 9 bytes give the 20 digits.  Formatting
 * is vending-side work; the meter only parses.
 */
void
hs_sts_number_format(const struct hs_sts_number *n,
    char out[HS_STS_TOKEN_BUFSZ])
{
	uint8_t		v[9];
	uint32_t	rem;
	int		i, j, k, first = 0;

	for (j = 0; j < 9; j++)
		v[j] = n->b[j];
	for (i = HS_STS_TOKEN_DIGITS - 4; i >= 0; i -= 4) {
		rem = 0;
		for (j = first; j < 9; j++) {
			rem = (rem << 8) | v[j];
			v[j] = (uint8_t)(rem / 10000);
			rem %= 10000;
		}
		/* Leading bytes that reached zero stay zero. */
		while (first < 8 && v[first] == 0)
			first++;
		for (k = 3; k >= 0; k--) {
			out[i + k] = (char)('0' + rem % 10);
			rem /= 10;
		}
	}
	out[HS_STS_TOKEN_DIGITS] = '\0';
}

void
hs_sts_number_join(struct hs_sts_number *n, uint8_t tclass,
    const uint8_t block[8])
{
	uint8_t		displaced;
	int		j;

	for (j = 0; j < 8; j++)
		n->b[j + 1] = block[j];
	displaced = (uint8_t)((block[CLASS_BYTE - 1] >> CLASS_SHIFT) & 3);
	n->b[0] = displaced;
	n->b[CLASS_BYTE] = (uint8_t)((n->b[CLASS_BYTE] &
	    ~(3 << CLASS_SHIFT)) | ((tclass & 3) << CLASS_SHIFT));
}

uint8_t
hs_sts_number_split(const struct hs_sts_number *n, uint8_t block[8])
{
	uint8_t		tclass;
	int		j;

	tclass = (uint8_t)((n->b[CLASS_BYTE] >> CLASS_SHIFT) & 3);
	for (j = 0; j < 8; j++)
		block[j] = n->b[j + 1];
	block[CLASS_BYTE - 1] = (uint8_t)((block[CLASS_BYTE - 1] &
	    ~(3 << CLASS_SHIFT)) | ((n->b[0] & 3) << CLASS_SHIFT));
	return (tclass);
}
