/*
 * Token identifiers: whole minutes since a base date, 00:00 UTC.  The
 * calendar arithmetic is Howard Hinnant's days_from_civil/civil_from_days
 * (public domain algorithms), kept in 32-bit integers so it is correct on
 * an AVR, whose int is 16 bits, and needs no time.h.
 */
#include "sts/sts.h"

#define MINUTES_PER_DAY	1440L

int32_t
hs_sts_days_from_civil(int32_t y, int m, int d)
{
	int32_t		era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097L + doe - 719468L);
}

void
hs_sts_civil_from_days(int32_t z, int32_t *y, int *m, int *d)
{
	int32_t		era, doe, yoe, doy, mp;

	z += 719468L;
	era = (z >= 0 ? z : z - 146096L) / 146097L;
	doe = z - era * 146097L;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096L) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
days_in_month(int32_t y, int m)
{
	static const uint8_t	mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int			leap;

	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return (mdays[m - 1] + (m == 2 && leap));
}

int
hs_sts_utc_valid(const struct hs_sts_utc *t)
{
	if (t == NULL)
		return (0);
	if (t->year < 1900 || t->year > 9999 || t->month < 1 || t->month > 12)
		return (0);
	if (t->day < 1 || t->day > days_in_month(t->year, t->month))
		return (0);
	if (t->hour < 0 || t->hour > 23 || t->minute < 0 || t->minute > 59)
		return (0);
	return (t->second >= 0 && t->second <= 59);
}

int
hs_sts_base_valid(int base)
{
	return (base == HS_STS_BASE_1993 || base == HS_STS_BASE_2014 ||
	    base == HS_STS_BASE_2035);
}

enum hs_sts_err
hs_sts_tid_from_utc(int base, const struct hs_sts_utc *t, uint32_t *tid)
{
	int32_t		days;
	uint32_t	minutes;

	if (tid == NULL || !hs_sts_base_valid(base) || !hs_sts_utc_valid(t))
		return (HS_STS_E_ARG);
	days = hs_sts_days_from_civil(t->year, t->month, t->day) -
	    hs_sts_days_from_civil(base, 1, 1);
	/* Check the day count before multiplying, so nothing overflows. */
	if (days < 0 || days > (int32_t)(HS_STS_TID_MAX / MINUTES_PER_DAY))
		return (HS_STS_E_RANGE);
	minutes = (uint32_t)days * MINUTES_PER_DAY + (uint32_t)t->hour * 60 +
	    (uint32_t)t->minute;
	if (minutes > HS_STS_TID_MAX)
		return (HS_STS_E_RANGE);
	*tid = minutes;
	return (HS_STS_OK);
}

enum hs_sts_err
hs_sts_tid_to_utc(int base, uint32_t tid, struct hs_sts_utc *t)
{
	int32_t		days, y;

	if (t == NULL || !hs_sts_base_valid(base) || tid > HS_STS_TID_MAX)
		return (HS_STS_E_ARG);
	days = hs_sts_days_from_civil(base, 1, 1) +
	    (int32_t)(tid / MINUTES_PER_DAY);
	hs_sts_civil_from_days(days, &y, &t->month, &t->day);
	t->year = (int)y;
	t->hour = (int)(tid % MINUTES_PER_DAY / 60);
	t->minute = (int)(tid % 60);
	t->second = 0;
	return (HS_STS_OK);
}

int
hs_sts_ken_allows(uint8_t ken, uint32_t tid)
{
	return (ken == HS_STS_KEN_NONE || (tid >> 16) <= ken);
}
