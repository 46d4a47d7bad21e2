/*
 * Hourly log codec and storage (see hourlog.h for the scale).
 */
#include "hal.h"
#include "hourlog.h"
#include "journal.h"

static const uint16_t scale[16] = {
	0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987
};

uint8_t
hs_hourlog_code(uint16_t litres)
{
	uint8_t	c;

	for (c = 0; c < 15; c++) {
		/* Nearest: stop when litres is no closer to the next. */
		if ((uint32_t)litres * 2 <= (uint32_t)scale[c] + scale[c + 1])
			return (c);
	}
	return (15);
}

uint16_t
hs_hourlog_litres(uint8_t code)
{
	return (scale[code & 15]);
}

static uint16_t
addr_of(uint32_t hour)
{
	return ((uint16_t)(HS_J_LOG_ADDR + (hour % HS_J_LOG_HOURS) / 2));
}

void
hs_hourlog_put(uint32_t hour, uint8_t code)
{
	uint8_t	b, nb;

	hs_hal_nv_read(addr_of(hour), &b, 1);
	if (hour % 2 == 0)
		nb = (uint8_t)((b & 0xF0) | (code & 15));
	else
		nb = (uint8_t)((b & 0x0F) | (uint8_t)(code << 4));
	/* Rewriting an unchanged byte would only wear the cell. */
	if (nb != b)
		hs_hal_nv_write(addr_of(hour), &nb, 1);
}

uint8_t
hs_hourlog_get(uint32_t hour)
{
	uint8_t	b;

	hs_hal_nv_read(addr_of(hour), &b, 1);
	return ((uint8_t)(hour % 2 == 0 ? b & 15 : b >> 4));
}
