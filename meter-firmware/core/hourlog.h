/*
 * The hourly consumption log: 1440 hours (60 days) in 720 bytes of
 * EEPROM, one 4-bit code per hour.  Code c stands for F[c] litres, F the
 * Fibonacci-like scale
 *
 *	c     0 1 2 3 4 5  6  7  8  9  10  11  12  13  14  15
 *	F[c]  0 1 2 3 5 8 13 21 34 55  89 144 233 377 610 987
 *
 * and an hour's litres are stored as the nearest code (ties go down),
 * so 0..3 L are exact, the relative error is at most about 24 %, and 15
 * means 799 L or more.  The meter's total counters stay exact; the log
 * is for the shape of consumption (night flow, leaks, daily pattern).
 * Hour h lives at nibble h mod 1440, low nibble first.
 */
#ifndef HS_HOURLOG_H
#define HS_HOURLOG_H

#include <stdint.h>

uint8_t		hs_hourlog_code(uint16_t litres);
uint16_t	hs_hourlog_litres(uint8_t code);

/* Store the code of hour `hour` (only its nibble changes). */
void		hs_hourlog_put(uint32_t hour, uint8_t code);
uint8_t		hs_hourlog_get(uint32_t hour);

#endif /* HS_HOURLOG_H */
