/*
 * The gateway's WebSocket messages (docs/ble-gateway.md, "Messages"):
 * one JSON object per text message, bytes for the meter as hex.  Every
 * message from the gateway is parsed here, once, into a struct bgw_msg;
 * the rest of the plugin never looks at the text.  A message that does
 * not parse is refused whole, with the reason, and the caller drops it.
 */
#include <stdio.h>
#include <string.h>

#include "../../lib/pjson.h"
#include "blegw.h"

static const char	hexdigits[] = "0123456789abcdef";

void
bgw_hex(const uint8_t *b, size_t n, char *out)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexdigits[b[i] >> 4];
		out[2 * i + 1] = hexdigits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

int
bgw_unhex(const char *s, uint8_t *out, size_t max)
{
	size_t	n = strlen(s), i;
	int	hi, lo;

	if (n % 2 != 0 || n / 2 > max)
		return (-1);
	for (i = 0; i < n / 2; i++) {
		if ((hi = nibble(s[2 * i])) < 0 ||
		    (lo = nibble(s[2 * i + 1])) < 0)
			return (-1);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return ((int)(n / 2));
}

int
bgw_meter_id(const char *s, uint32_t *id)
{
	uint8_t	b[4];

	if (strlen(s) != 8 || bgw_unhex(s, b, sizeof(b)) != 4)
		return (-1);
	*id = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
	return (0);
}

static int
get_meter(const char *s, size_t len, uint32_t *id)
{
	char	text[16];

	if (pjson_string(s, len, "meter", text, sizeof(text)) == -1)
		return (-1);
	return (bgw_meter_id(text, id));
}

/* "ref": absent is 0, otherwise 1..2^32-1. */
static int
get_ref(const char *s, size_t len, uint32_t *ref)
{
	int64_t	v;

	*ref = 0;
	if (pjson_type(s, len, "ref") == -1)
		return (0);
	if (pjson_int(s, len, "ref", &v) == -1 || v < 1 || v > UINT32_MAX)
		return (-1);
	*ref = (uint32_t)v;
	return (0);
}

static const char *
parse_announce(const char *s, size_t len, struct bgw_msg *m)
{
	char	path[32], text[16];
	size_t	i;
	int	type;

	if (pjson_type(s, len, "meters") != PJSON_ARRAY)
		return ("announce without a meters list");
	for (i = 0;; i++) {
		snprintf(path, sizeof(path), "meters.%zu", i);
		if ((type = pjson_type(s, len, path)) == -1)
			break;
		if (i >= BGW_ANNOUNCE_MAX)
			return ("announce lists more than 256 meters");
		if (type != PJSON_STRING ||
		    pjson_string(s, len, path, text, sizeof(text)) == -1 ||
		    bgw_meter_id(text, &m->meters[m->nmeters]) == -1) {
			m->ignored++;
			continue;
		}
		m->nmeters++;
	}
	return (NULL);
}

static const char *
parse_rx(const char *s, size_t len, struct bgw_msg *m)
{
	char	text[2 * BGW_RX_MAX + 1];
	int	n;

	if (get_meter(s, len, &m->meter) == -1)
		return ("rx without a meter id");
	if (pjson_string(s, len, "hex", text, sizeof(text)) == -1 ||
	    (n = bgw_unhex(text, m->bytes, sizeof(m->bytes))) < 1)
		return ("rx needs hex, 1 to 256 bytes");
	m->nbytes = (size_t)n;
	return (NULL);
}

const char *
bgw_msg_parse(const char *s, size_t len, struct bgw_msg *m)
{
	char	op[16];

	memset(m, 0, sizeof(*m));
	if (len > BGW_MESSAGE_MAX)
		return ("message over 16 KiB");
	if (pjson_type(s, len, "") != PJSON_OBJECT)
		return ("not a JSON object");
	if (pjson_string(s, len, "op", op, sizeof(op)) == -1)
		return ("no op");
	if (!strcmp(op, "announce")) {
		m->op = BGW_OP_ANNOUNCE;
		return (parse_announce(s, len, m));
	}
	if (!strcmp(op, "rx")) {
		m->op = BGW_OP_RX;
		return (parse_rx(s, len, m));
	}
	if (!strcmp(op, "opened"))
		m->op = BGW_OP_OPENED;
	else if (!strcmp(op, "error"))
		m->op = BGW_OP_ERROR;
	else if (!strcmp(op, "closed"))
		m->op = BGW_OP_CLOSED;
	else
		return ("unknown op");
	if (get_meter(s, len, &m->meter) == -1)
		return ("no meter id (8 hex digits)");
	if (get_ref(s, len, &m->ref) == -1)
		return ("bad ref");
	if (m->op == BGW_OP_OPENED && m->ref == 0)
		return ("opened without a ref");
	if (m->op == BGW_OP_ERROR && pjson_string(s, len, "code", m->code,
	    sizeof(m->code)) == -1)
		return ("error without a code");
	/* Free text is optional and only ever logged; keep what fits. */
	if (pjson_string(s, len, m->op == BGW_OP_ERROR ? "message" : "reason",
	    m->text, sizeof(m->text)) == -1)
		m->text[0] = '\0';
	return (NULL);
}

static int
fits(int n, size_t len)
{
	return (n < 0 || (size_t)n >= len ? -1 : n);
}

int
bgw_msg_open(char *out, size_t len, uint32_t meter, uint32_t ref)
{
	return (fits(snprintf(out, len, "{\"op\": \"open\", \"meter\": "
	    "\"%08x\", \"ref\": %u}", meter, ref), len));
}

int
bgw_msg_tx(char *out, size_t len, uint32_t meter, const uint8_t *b, size_t n)
{
	char	hex[2 * HS_FRAME_MAX + 1];

	if (n > HS_FRAME_MAX)
		return (-1);
	bgw_hex(b, n, hex);
	return (fits(snprintf(out, len, "{\"op\": \"tx\", \"meter\": \"%08x\", "
	    "\"hex\": \"%s\"}", meter, hex), len));
}

int
bgw_msg_close(char *out, size_t len, uint32_t meter)
{
	return (fits(snprintf(out, len, "{\"op\": \"close\", \"meter\": "
	    "\"%08x\"}", meter), len));
}
