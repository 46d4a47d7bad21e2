/*
 * docs/ble-protocol.md is the source of truth; this test holds the code
 * to it.  It replays every "> " line of the worked examples into a meter
 * set up as the document says and requires the meter to answer exactly
 * the "< " lines that follow, and it checks the message type, error
 * code and token result tables against the constants.
 *
 * HS_DOC_PRINT=1 prints the example session as the code produces it
 * (used to write the document; the test itself never trusts it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "phone.h"

#define MAXLINES	64

struct line {
	char	dir;
	uint8_t	b[HS_FRAME_MAX * 4];
	size_t	n;
};

static struct line	lines[MAXLINES];
static int		nlines;
static char		*doc;

static char *
slurp(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	*buf;
	long	n;

	if (f == NULL)
		return (NULL);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return (NULL);
	}
	buf[n] = '\0';
	fclose(f);
	return (buf);
}

/* Example lines: "> A5 00 01 ..." or "< A5 ...", hex pairs only. */
static void
parse_examples(void)
{
	char		*s, *e;
	unsigned	v;
	int		k;

	nlines = 0;
	for (s = doc; s != NULL && *s; s = e ? e + 1 : NULL) {
		e = strchr(s, '\n');
		if ((s[0] != '>' && s[0] != '<') || s[1] != ' ')
			continue;
		if (nlines == MAXLINES)
			fail_msg("too many example lines");
		lines[nlines].dir = s[0];
		lines[nlines].n = 0;
		s += 2;
		while (sscanf(s, " %2x%n", &v, &k) == 1 &&
		    (e == NULL || s + k <= e)) {
			lines[nlines].b[lines[nlines].n++] = (uint8_t)v;
			s += k;
		}
		nlines++;
	}
}

static int
setup(void **state)
{
	(void)state;
	doc = slurp(HS_DOC_PATH);
	if (doc == NULL)
		return (-1);
	parse_examples();
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	free(doc);
	return (0);
}

static struct hs_meter	m;
static struct hs_proto	p;

/* The document's example meter: the test fixture (nvsim.h) with 1000 L
 * of credit, booted once. */
static void
example_meter(void)
{
	nv_reset();
	test_provision(HS_STS_EA11, HS_STS_KT_DUTK, HS_STS_KEN_NONE, 1000);
	test_boot(&m);
	hs_proto_init(&p, &m, 0);
}

static void
print_since(size_t from, char dir)
{
	size_t	i;

	printf("%c", dir);
	for (i = from; i < link_len; i++)
		printf(" %02X", link_buf[i]);
	printf("\n");
}

static void
print_frame(uint8_t type, uint8_t seq, const uint8_t *b, uint8_t n)
{
	uint8_t	out[HS_FRAME_MAX], len, i;

	len = hs_frame_encode(type, seq, b, n, out);
	printf(">");
	for (i = 0; i < len; i++)
		printf(" %02X", out[i]);
	printf("\n");
	hs_proto_input(&p, out, len);
}

/* Generate the example session (HS_DOC_PRINT=1). */
static void
print_examples(void)
{
	struct phone	ph;
	struct hs_frame	f;
	uint8_t		b[14], mac[4], tok[9];
	char		t[21];
	size_t		from;

	example_meter();
	memset(&ph, 0, sizeof(ph));
	ph.p = &p;
	from = link_len;
	print_frame(HS_MSG_HELLO, 1, NULL, 0);
	print_since(from, '<');
	(void)link_next(&ph.off, &f);
	memcpy(ph.nm, f.payload + 4, 8);
	memcpy(ph.np, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	memcpy(b, ph.np, 8);
	hs_proto_auth_tag(test_k, HS_LABEL_AUTH_PHONE, 0x01020304, ph.nm,
	    ph.np, b + 8);
	from = link_len;
	print_frame(HS_MSG_AUTH, 2, b, 14);
	print_since(from, '<');
	hs_proto_session_key(test_k, ph.nm, ph.np, ph.ks);
	hs_proto_mac(ph.ks, HS_DIR_PHONE, HS_MSG_STATUS, 3, NULL, 0, mac);
	from = link_len;
	print_frame(HS_MSG_STATUS, 3, mac, 4);
	print_since(from, '<');
	tok_water(HS_STS_EA11, 1000, 5, t);
	printf("token %s\n", t);
	tok_number(t, tok);
	from = link_len;
	print_frame(HS_MSG_TOKEN, 4, tok, 9);
	print_since(from, '<');
	from = link_len;
	print_frame(HS_MSG_TOKEN, 5, tok, 9);
	print_since(from, '<');
	from = link_len;
	print_frame(HS_MSG_STATUS, 6, mac, 4);
	print_since(from, '<');
}

static void
examples_replay(void **state)
{
	size_t	from;
	int	i, j, replies;

	(void)state;
	if (getenv("HS_DOC_PRINT") != NULL)
		print_examples();
	assert_true(nlines >= 8);
	example_meter();
	for (i = 0; i < nlines; i = j) {
		assert_int_equal(lines[i].dir, '>');
		from = link_len;
		hs_proto_input(&p, lines[i].b, lines[i].n);
		/* The meter's output is the concatenation of the "<"
		 * lines that follow, byte for byte. */
		replies = 0;
		for (j = i + 1; j < nlines && lines[j].dir == '<'; j++) {
			assert_true(from + lines[j].n <= link_len);
			assert_memory_equal(link_buf + from, lines[j].b,
			    lines[j].n);
			from += lines[j].n;
			replies++;
		}
		assert_int_equal(from, link_len);
		assert_true(replies >= 1);
	}
}

/* Table rows "| `0xNN` | NAME |": value and name must match the code,
 * and every name below must appear. */
struct named {
	const char	*name;
	unsigned	value;
};

static const struct named types[] = {
	{ "HELLO", HS_MSG_HELLO }, { "GRANT", HS_MSG_GRANT },
	{ "AUTH", HS_MSG_AUTH }, { "STATUS", HS_MSG_STATUS },
	{ "INFO", HS_MSG_INFO }, { "LOG", HS_MSG_LOG },
	{ "TELEMETRY", HS_MSG_TELEMETRY }, { "TOKEN", HS_MSG_TOKEN },
	{ "DEBUG_PULSES", HS_MSG_DEBUG_PULSES }, { "ALERT", HS_MSG_ALERT },
	{ "ERR", HS_MSG_ERR },
	{ "E_CRC", HS_ERR_CRC }, { "E_LEN", HS_ERR_LEN },
	{ "E_TYPE", HS_ERR_TYPE }, { "E_STATE", HS_ERR_STATE },
	{ "E_AUTH", HS_ERR_AUTH }, { "E_MAC", HS_ERR_MAC },
	{ "E_SEQ", HS_ERR_SEQ }, { "E_GRANT", HS_ERR_GRANT },
	{ "E_RIGHTS", HS_ERR_RIGHTS }, { "E_RANGE", HS_ERR_RANGE },
	{ "E_LOCKED", HS_ERR_LOCKED }, { "E_DISABLED", HS_ERR_DISABLED },
	{ "T_CREDIT", HS_TOK_CREDIT }, { "T_KEY_PENDING", HS_TOK_KEY_PENDING },
	{ "T_KEY_CHANGED", HS_TOK_KEY_CHANGED }, { "T_TEST", HS_TOK_TEST },
	{ "T_MGMT", HS_TOK_MGMT }, { "T_FORMAT", HS_TOK_FORMAT },
	{ "T_INVALID", HS_TOK_INVALID }, { "T_USED", HS_TOK_USED },
	{ "T_OLD", HS_TOK_OLD }, { "T_KEY_EXPIRED", HS_TOK_KEY_EXPIRED },
	{ "T_DDTK", HS_TOK_DDTK }, { "T_UNSUPPORTED", HS_TOK_UNSUPPORTED },
	{ "T_KEY_TYPE", HS_TOK_KEY_TYPE }, { "T_NO_KEY", HS_TOK_NO_KEY },
	{ "T_LOCKED", HS_TOK_LOCKED },
	{ "F_VALVE_OPEN", HS_METER_F_VALVE_OPEN },
	{ "F_LOW_CREDIT", HS_METER_F_LOW_CREDIT },
	{ "F_TAMPER", HS_METER_F_TAMPER }, { "F_REVERSE", HS_METER_F_REVERSE },
	{ "F_LOCKED", HS_METER_F_LOCKED },
	{ "F_BATTERY_LOW", HS_METER_F_BATTERY_LOW },
	{ "F_NO_CREDIT", HS_METER_F_NO_CREDIT },
	{ "R_STATUS", HS_GRANT_R_STATUS }, { "R_LOG", HS_GRANT_R_LOG },
	{ "R_TELEMETRY", HS_GRANT_R_TELEMETRY },
};

static void
tables_match_code(void **state)
{
	char		pat[64], *s;
	unsigned	v;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(pat, sizeof(pat), "| %s |", types[i].name);
		s = strstr(doc, pat);
		if (s == NULL)
			fail_msg("%s missing from the document", types[i].name);
		/* The value is in the cell before: "| `0xNN` | NAME |". */
		while (s > doc && s[-1] != '\n' && strncmp(s, "0x", 2) != 0)
			s--;
		if (sscanf(s, "0x%x", &v) != 1)
			fail_msg("no value for %s", types[i].name);
		if (v != types[i].value)
			fail_msg("%s: document 0x%02X, code 0x%02X",
			    types[i].name, v, types[i].value);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(examples_replay),
		cmocka_unit_test(tables_match_code),
	};

	return (cmocka_run_group_tests_name("meter_doc", tests, setup,
	    teardown));
}
