/*
 * What the 16-bit payload of a token measures, so callers can print and
 * apply amounts without their own subclass tables.
 */
#include "sts/sts.h"

enum hs_sts_unit
hs_sts_unit_of(uint8_t tclass, uint8_t subclass)
{
	if (tclass == HS_STS_CLASS_CREDIT) {
		switch (subclass) {
		case HS_STS_C0_ELECTRICITY:
			return (HS_STS_UNIT_KWH);
		case HS_STS_C0_WATER:
		case HS_STS_C0_GAS:
			return (HS_STS_UNIT_M3);
		case HS_STS_C0_TIME:
			return (HS_STS_UNIT_MINUTE);
		case HS_STS_C0_ELECTRICITY_CURRENCY:
		case HS_STS_C0_WATER_CURRENCY:
		case HS_STS_C0_GAS_CURRENCY:
		case HS_STS_C0_TIME_CURRENCY:
			return (HS_STS_UNIT_CURRENCY);
		default:
			return (HS_STS_UNIT_NONE);
		}
	}
	if (tclass == HS_STS_CLASS_MGMT && (subclass == HS_STS_C2_MAX_POWER ||
	    subclass == HS_STS_C2_MAX_PHASE_UNBALANCE))
		return (HS_STS_UNIT_WATT);
	return (HS_STS_UNIT_NONE);
}

const char *
hs_sts_unit_symbol(enum hs_sts_unit u)
{
	switch (u) {
	case HS_STS_UNIT_KWH:
		return ("kWh");
	case HS_STS_UNIT_M3:
		return ("m3");
	case HS_STS_UNIT_MINUTE:
		return ("min");
	case HS_STS_UNIT_CURRENCY:
		return ("currency");
	case HS_STS_UNIT_WATT:
		return ("W");
	case HS_STS_UNIT_NONE:
		break;
	}
	return ("");
}

unsigned
hs_sts_unit_decimals(enum hs_sts_unit u)
{
	switch (u) {
	case HS_STS_UNIT_KWH:
	case HS_STS_UNIT_M3:
	case HS_STS_UNIT_MINUTE:
		return (1);
	case HS_STS_UNIT_CURRENCY:
		return (5);
	case HS_STS_UNIT_WATT:
	case HS_STS_UNIT_NONE:
		break;
	}
	return (0);
}
