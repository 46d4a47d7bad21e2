/*
 * Meter numbers.  The DRN printed on a meter is MfrCode + serial + Luhn
 * digit (11 digits, or 13 with a 4-digit MfrCode).  The PAN used for key
 * derivation is IIN + IAIN + Luhn digit, 18 digits: IIN 600727 with an
 * 11-digit IAIN, or the common-code IIN 0000 with a 13-digit one.
 */
#include "sts/sts.h"

static int
all_digits(const char *s, size_t n)
{
	size_t	i;

	if (s == NULL)
		return (0);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (0);
	}
	return (1);
}

/* Standard Luhn: double every second digit, starting with the rightmost
 * payload digit (the check digit will sit to its right). */
int
hs_sts_luhn_digit(const char *digits, size_t n)
{
	unsigned	sum = 0, d;
	size_t		i;
	int		dbl = 1;

	if (!all_digits(digits, n))
		return (-1);
	for (i = n; i > 0; i--) {
		d = (unsigned)(digits[i - 1] - '0');
		if (dbl) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
		dbl = !dbl;
	}
	return ((int)((10 - sum % 10) % 10));
}

static enum hs_sts_err
check_luhn(const char *s, size_t len)
{
	if (!all_digits(s, len))
		return (HS_STS_E_DIGIT);
	if (hs_sts_luhn_digit(s, len - 1) != s[len - 1] - '0')
		return (HS_STS_E_CHECK);
	return (HS_STS_OK);
}

enum hs_sts_err
hs_sts_drn_validate(const char *drn, size_t len)
{
	if (drn == NULL)
		return (HS_STS_E_ARG);
	if (!all_digits(drn, len))
		return (HS_STS_E_DIGIT);
	if (len != 11 && len != 13)
		return (HS_STS_E_LENGTH);
	return (check_luhn(drn, len));
}

enum hs_sts_err
hs_sts_pan_validate(const char *pan, size_t len)
{
	if (pan == NULL)
		return (HS_STS_E_ARG);
	if (!all_digits(pan, len))
		return (HS_STS_E_DIGIT);
	if (len != 18)
		return (HS_STS_E_LENGTH);
	return (check_luhn(pan, len));
}

enum hs_sts_err
hs_sts_pan_make(const char *iin, size_t iinlen, const char *iain,
    size_t iainlen, char out[19])
{
	size_t	i;
	int	check;

	if (iin == NULL || iain == NULL || out == NULL)
		return (HS_STS_E_ARG);
	if (!all_digits(iin, iinlen) || !all_digits(iain, iainlen))
		return (HS_STS_E_DIGIT);
	if ((iinlen != 6 && iinlen != 4) || iinlen + iainlen != 17)
		return (HS_STS_E_LENGTH);
	/* A 4-digit IIN is the common code "0000" of the 2018 edition. */
	if (iinlen == 4 && (iin[0] | iin[1] | iin[2] | iin[3]) != '0')
		return (HS_STS_E_RANGE);
	for (i = 0; i < iinlen; i++)
		out[i] = iin[i];
	for (i = 0; i < iainlen; i++)
		out[iinlen + i] = iain[i];
	check = hs_sts_luhn_digit(out, 17);
	out[17] = (char)('0' + check);
	out[18] = '\0';
	return (HS_STS_OK);
}
