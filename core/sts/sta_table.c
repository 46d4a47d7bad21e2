/*
 * STA tables: validation and the text format.  The engine never opens
 * files; the caller reads the file and hands over the bytes, so the same
 * parser serves the CLI, the server and a fuzzer.
 *
 * Every failure says what and where (struct hs_sts_sta_diag), because a
 * wrong table does not fail loudly later: it just makes every token CRC
 * fail, which would send someone chasing keys instead of a typo.
 */
#include "sts/sts.h"

#define NAME_S1	0
#define NAME_S2	1
#define NAME_P	2

static const char *const table_name[3] = { "S1", "S2", "P" };
static const uint8_t table_size[3] = { 16, 16, 64 };

static void
diag_set(struct hs_sts_sta_diag *d, enum hs_sts_sta_fault f, unsigned line,
    unsigned column, int which, unsigned index, unsigned long value)
{
	if (d == NULL)
		return;
	d->fault = f;
	d->line = line;
	d->column = column;
	d->which = which >= 0 ? table_name[which] : NULL;
	d->index = index;
	d->value = value;
}

/* Check values[0..n-1] is a permutation of 0..n-1. */
static enum hs_sts_err
check_perm(const uint8_t *v, unsigned n, int which, unsigned line,
    struct hs_sts_sta_diag *d)
{
	uint8_t		seen[64];
	unsigned	i;

	for (i = 0; i < n; i++)
		seen[i] = 0;
	for (i = 0; i < n; i++) {
		if (v[i] >= n) {
			diag_set(d, HS_STS_STA_VALUE, line, 0, which, i, v[i]);
			return (HS_STS_E_TABLE);
		}
		if (seen[v[i]]) {
			diag_set(d, HS_STS_STA_REPEAT, line, 0, which, i, v[i]);
			return (HS_STS_E_TABLE);
		}
		seen[v[i]] = 1;
	}
	return (HS_STS_OK);
}

enum hs_sts_err
hs_sts_sta_table_init(struct hs_sts_sta_table *tab, const uint8_t s1[16],
    const uint8_t s2[16], const uint8_t p[64], struct hs_sts_sta_diag *d)
{
	unsigned	i;

	if (tab == NULL || s1 == NULL || s2 == NULL || p == NULL)
		return (HS_STS_E_ARG);
	if (check_perm(s1, 16, NAME_S1, 0, d) != HS_STS_OK ||
	    check_perm(s2, 16, NAME_S2, 0, d) != HS_STS_OK ||
	    check_perm(p, 64, NAME_P, 0, d) != HS_STS_OK)
		return (HS_STS_E_TABLE);
	for (i = 0; i < 16; i++) {
		tab->s1[i] = s1[i];
		tab->s2[i] = s2[i];
		tab->s1inv[s1[i]] = (uint8_t)i;
		tab->s2inv[s2[i]] = (uint8_t)i;
	}
	for (i = 0; i < 64; i++)
		tab->p[i] = p[i];
	diag_set(d, HS_STS_STA_OK, 0, 0, -1, 0, 0);
	return (HS_STS_OK);
}

struct cursor {
	const char	*s;
	size_t		 len, pos;
	unsigned	 line;
	size_t		 line_start;
};

static int
peek(const struct cursor *c)
{
	return (c->pos < c->len ? (unsigned char)c->s[c->pos] : -1);
}

static void
skip_blanks(struct cursor *c)
{
	while (peek(c) == ' ' || peek(c) == '\t')
		c->pos++;
}

static unsigned
column(const struct cursor *c)
{
	return ((unsigned)(c->pos - c->line_start) + 1);
}

/* Skip to the start of the next line (past '\n'). */
static void
next_line(struct cursor *c)
{
	while (c->pos < c->len && c->s[c->pos] != '\n')
		c->pos++;
	if (c->pos < c->len)
		c->pos++;
	c->line++;
	c->line_start = c->pos;
}

static int
at_line_end(const struct cursor *c)
{
	int	ch = peek(c);

	return (ch == -1 || ch == '\n' || ch == '\r');
}

/* Read the name before '=' and return its index, or -1. */
static int
read_name(struct cursor *c)
{
	size_t	start = c->pos, n;
	int	i;

	while (peek(c) != -1 && ((peek(c) >= 'A' && peek(c) <= 'Z') ||
	    (peek(c) >= 'a' && peek(c) <= 'z') ||
	    (peek(c) >= '0' && peek(c) <= '9')))
		c->pos++;
	n = c->pos - start;
	for (i = 0; i < 3; i++) {
		if (n == (size_t)(table_name[i][1] ? 2 : 1) &&
		    c->s[start] == table_name[i][0] &&
		    (n == 1 || c->s[start + 1] == table_name[i][1]))
			return (i);
	}
	return (-1);
}

/* Parse "v, v, ..." to the end of the line into vals (up to max). */
static enum hs_sts_err
read_values(struct cursor *c, uint8_t *vals, int which, unsigned *count,
    struct hs_sts_sta_diag *d)
{
	unsigned long	v;
	unsigned	n = 0, max = table_size[which];

	for (;;) {
		skip_blanks(c);
		if (peek(c) < '0' || peek(c) > '9') {
			diag_set(d, HS_STS_STA_SYNTAX, c->line, column(c),
			    which, n, 0);
			return (HS_STS_E_TABLE);
		}
		v = 0;
		while (peek(c) >= '0' && peek(c) <= '9') {
			if (v < 1000)
				v = v * 10 + (unsigned long)(peek(c) - '0');
			c->pos++;
		}
		if (n >= max) {
			diag_set(d, HS_STS_STA_COUNT, c->line, 0, which, n + 1,
			    0);
			return (HS_STS_E_TABLE);
		}
		if (v >= max) {
			diag_set(d, HS_STS_STA_VALUE, c->line, 0, which, n, v);
			return (HS_STS_E_TABLE);
		}
		vals[n++] = (uint8_t)v;
		skip_blanks(c);
		if (peek(c) == ',') {
			c->pos++;
			continue;
		}
		if (peek(c) == '\r')
			c->pos++;
		if (!at_line_end(c)) {
			diag_set(d, HS_STS_STA_SYNTAX, c->line, column(c),
			    which, n, 0);
			return (HS_STS_E_TABLE);
		}
		break;
	}
	*count = n;
	if (n != max) {
		diag_set(d, HS_STS_STA_COUNT, c->line, 0, which, n, 0);
		return (HS_STS_E_TABLE);
	}
	return (HS_STS_OK);
}

enum hs_sts_err
hs_sts_sta_parse(struct hs_sts_sta_table *tab, const char *text, size_t len,
    struct hs_sts_sta_diag *d)
{
	struct cursor	c;
	uint8_t		vals[3][64];
	unsigned	line_of[3] = { 0, 0, 0 }, count;
	int		which, i;

	if (tab == NULL || (text == NULL && len != 0))
		return (HS_STS_E_ARG);
	c.s = text;
	c.len = len;
	c.pos = 0;
	c.line = 1;
	c.line_start = 0;
	while (c.pos < c.len) {
		skip_blanks(&c);
		if (at_line_end(&c) || peek(&c) == '#') {
			next_line(&c);
			continue;
		}
		if ((which = read_name(&c)) < 0) {
			diag_set(d, HS_STS_STA_NAME, c.line, column(&c), -1, 0,
			    0);
			return (HS_STS_E_TABLE);
		}
		if (line_of[which] != 0) {
			diag_set(d, HS_STS_STA_DUPLICATE, c.line, 0, which, 0,
			    line_of[which]);
			return (HS_STS_E_TABLE);
		}
		skip_blanks(&c);
		if (peek(&c) != '=') {
			diag_set(d, HS_STS_STA_SYNTAX, c.line, column(&c),
			    which, 0, 0);
			return (HS_STS_E_TABLE);
		}
		c.pos++;
		if (read_values(&c, vals[which], which, &count, d) !=
		    HS_STS_OK)
			return (HS_STS_E_TABLE);
		if (check_perm(vals[which], table_size[which], which, c.line,
		    d) != HS_STS_OK)
			return (HS_STS_E_TABLE);
		line_of[which] = c.line;
		next_line(&c);
	}
	for (i = 0; i < 3; i++) {
		if (line_of[i] == 0) {
			diag_set(d, HS_STS_STA_MISSING, 0, 0, i, 0, 0);
			return (HS_STS_E_TABLE);
		}
	}
	return (hs_sts_sta_table_init(tab, vals[NAME_S1], vals[NAME_S2],
	    vals[NAME_P], d));
}
