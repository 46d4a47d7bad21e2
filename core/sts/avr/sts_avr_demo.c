/*
 * A minimal ATmega328P program that decodes one EA11 (MISTY1) and one
 * EA07 (STA, IEC sample tables) token with the real meter decoder.  It is
 * what `make sts-avr-size` measures, and what tools/avrcycles runs under
 * simavr to count cycles:
 *
 *	GPIOR0 = 1 / 2   before / after the MISTY1 decode
 *	GPIOR0 = 3 / 4   before / after the STA decode
 *	GPIOR1 = rc      the decoder's result code after each decode
 *
 * It ends with interrupts off and the CPU asleep, which simavr treats as
 * a clean exit.
 */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <avr/sleep.h>
#include <string.h>

#include "sts/sts.h"

/* STSA CTSA01_04: DKGA04 decoder key and its 0.1 kWh token. */
static const uint8_t misty_dk[16] PROGMEM = {
	0xf9, 0x4b, 0x6e, 0xd3, 0x53, 0xc3, 0xbf, 0xdb,
	0x11, 0x3e, 0x2d, 0x3a, 0x7e, 0xa3, 0xc4, 0x1d
};
static const char misty_token[] PROGMEM = "59386323472137426967";

/* IEC sample STA example (test tables only). */
static const uint8_t sta_dk[8] PROGMEM = {
	0x0A, 0xBC, 0x12, 0xDE, 0xF3, 0x45, 0x67, 0x89
};
static const char sta_token[] PROGMEM = "51043465443420856213";
static const uint8_t sta_s1[16] PROGMEM = {
	12, 10, 8, 4, 3, 15, 0, 2, 14, 1, 5, 13, 6, 9, 7, 11
};
static const uint8_t sta_s2[16] PROGMEM = {
	6, 9, 7, 4, 3, 10, 12, 14, 2, 13, 1, 15, 0, 11, 8, 5
};
static const uint8_t sta_p[64] PROGMEM = {
	29, 27, 34, 9, 16, 62, 55, 2, 40, 49, 38, 25, 33, 61, 30, 23,
	1, 41, 21, 57, 42, 15, 5, 58, 19, 53, 22, 17, 48, 28, 24, 39,
	3, 60, 36, 14, 11, 52, 54, 12, 31, 51, 10, 26, 0, 45, 37, 43,
	44, 6, 59, 4, 7, 35, 56, 50, 13, 18, 32, 47, 46, 63, 20, 8
};

#define TID_SLOTS	20	/* the one public firmware keeps 20 */

static uint32_t			tid_slots[TID_SLOTS];
static struct hs_sts_meter	meter;
static struct hs_sts_sta_table	sta_table;
static struct hs_sts_result	result;

static void
decode(const char *token_P, uint8_t before, uint8_t after)
{
	char	digits[HS_STS_TOKEN_BUFSZ];

	memcpy_P(digits, token_P, sizeof(digits));
	GPIOR0 = before;
	hs_sts_meter_decode(&meter, digits, HS_STS_TOKEN_DIGITS, &result);
	GPIOR0 = after;
	GPIOR1 = (uint8_t)result.rc;
}

int
main(void)
{
	uint8_t	s1[16], s2[16], p[64];

	meter.kt = HS_STS_KT_DUTK;
	meter.ken = HS_STS_KEN_NONE;
	hs_sts_tidstore_init(&meter.tids, tid_slots, TID_SLOTS);

	meter.key.ea = HS_STS_EA11;
	memcpy_P(meter.key.dk, misty_dk, 16);
	decode(misty_token, 1, 2);

	memcpy_P(s1, sta_s1, 16);
	memcpy_P(s2, sta_s2, 16);
	memcpy_P(p, sta_p, 64);
	(void)hs_sts_sta_table_init(&sta_table, s1, s2, p, NULL);
	memset(&meter.key, 0, sizeof(meter.key));
	meter.key.ea = HS_STS_EA07;
	meter.key.sta = &sta_table;
	memcpy_P(meter.key.dk, sta_dk, 8);
	decode(sta_token, 3, 4);

	cli();
	sleep_enable();
	for (;;)
		sleep_cpu();
}
