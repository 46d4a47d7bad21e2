/*
 * English descriptions of the engine's status and result codes, for logs,
 * the CLI and JSON.
 */
#include "sts/sts.h"

const char *
hs_sts_err_str(enum hs_sts_err e)
{
	switch (e) {
	case HS_STS_OK:
		return ("ok");
	case HS_STS_E_ARG:
		return ("invalid argument");
	case HS_STS_E_DIGIT:
		return ("not a decimal digit");
	case HS_STS_E_LENGTH:
		return ("wrong number of digits");
	case HS_STS_E_RANGE:
		return ("value out of range");
	case HS_STS_E_CHECK:
		return ("check digit mismatch");
	case HS_STS_E_CLASS:
		return ("class or subclass not valid here");
	case HS_STS_E_KEY:
		return ("unknown algorithm or missing STA tables");
	case HS_STS_E_CRC:
		return ("CRC mismatch");
	case HS_STS_E_TABLE:
		return ("invalid STA tables");
	}
	return ("unknown error");
}

const char *
hs_sts_rc_str(enum hs_sts_rc rc)
{
	switch (rc) {
	case HS_STS_RC_ACCEPTED:
		return ("accepted");
	case HS_STS_RC_TEST:
		return ("test");
	case HS_STS_RC_KCT_PENDING:
		return ("kct_pending");
	case HS_STS_RC_KCT_APPLIED:
		return ("kct_applied");
	case HS_STS_RC_FORMAT:
		return ("format");
	case HS_STS_RC_CRC:
		return ("crc");
	case HS_STS_RC_CLASS:
		return ("class");
	case HS_STS_RC_FUNCTION:
		return ("function");
	case HS_STS_RC_USED:
		return ("used");
	case HS_STS_RC_OLD:
		return ("old");
	case HS_STS_RC_KEY_EXPIRED:
		return ("key_expired");
	case HS_STS_RC_DDTK:
		return ("ddtk");
	case HS_STS_RC_KEY_TYPE:
		return ("key_type");
	case HS_STS_RC_KCT_SEQUENCE:
		return ("kct_sequence");
	case HS_STS_RC_RANGE:
		return ("range");
	case HS_STS_RC_NO_KEY:
		return ("no_key");
	}
	return ("unknown");
}

const char *
hs_sts_sta_fault_str(enum hs_sts_sta_fault f)
{
	switch (f) {
	case HS_STS_STA_OK:
		return ("ok");
	case HS_STS_STA_SYNTAX:
		return ("syntax error");
	case HS_STS_STA_NAME:
		return ("unknown table name (expected S1, S2 or P)");
	case HS_STS_STA_DUPLICATE:
		return ("table defined twice");
	case HS_STS_STA_MISSING:
		return ("table missing");
	case HS_STS_STA_COUNT:
		return ("wrong number of values");
	case HS_STS_STA_VALUE:
		return ("value out of range");
	case HS_STS_STA_REPEAT:
		return ("value repeated (not a permutation)");
	}
	return ("unknown fault");
}
