/*
 * The plugins' JSON reader (see pjson.h).  It reads provider bodies that
 * arrive from the network, some before their signature is checked, so it
 * trusts nothing: every byte read is checked against the end of the
 * buffer, nesting is limited to PJSON_DEPTH (the only recursion, and it is
 * bounded by that), and output buffers are never written past their size.
 * It allocates nothing and keeps no state between calls.
 *
 * A lookup validates the whole document and then walks it again to the
 * value; bodies are a few kilobytes, so the second pass costs less than
 * a cleverer design would in code to get wrong.
 */
#include <stdint.h>
#include <string.h>

#include "pjson.h"

struct cur {
	const char	*p;
	const char	*end;
};

/*
 * Where the bytes of an unescaped string go: into a buffer, compared with
 * an expected key, both, or nowhere (validation only).
 */
struct sink {
	char		*buf;		/* NULL: not stored */
	size_t		 cap;
	size_t		 n;		/* bytes produced so far */
	const char	*want;		/* NULL: nothing to compare */
	size_t		 wantlen;
	int		 differs;
};

static void
ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
	    *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int
emit(struct sink *k, unsigned char ch)
{
	if (k == NULL)
		return (0);
	if (k->want != NULL && (k->n >= k->wantlen ||
	    (unsigned char)k->want[k->n] != ch))
		k->differs = 1;
	if (k->buf != NULL) {
		/* Keep one byte for the NUL. */
		if (k->n + 1 >= k->cap)
			return (-1);
		k->buf[k->n] = (char)ch;
	}
	k->n++;
	return (0);
}

/* One code point as UTF-8 into k; 0, or -1 when it does not fit. */
static int
emit_utf8(struct sink *k, uint32_t u)
{
	unsigned char	b[4];
	size_t		n, i;

	if (u < 0x80) {
		b[0] = (unsigned char)u;
		n = 1;
	} else if (u < 0x800) {
		b[0] = (unsigned char)(0xc0 | u >> 6);
		b[1] = (unsigned char)(0x80 | (u & 0x3f));
		n = 2;
	} else if (u < 0x10000) {
		b[0] = (unsigned char)(0xe0 | u >> 12);
		b[1] = (unsigned char)(0x80 | (u >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (u & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | u >> 18);
		b[1] = (unsigned char)(0x80 | (u >> 12 & 0x3f));
		b[2] = (unsigned char)(0x80 | (u >> 6 & 0x3f));
		b[3] = (unsigned char)(0x80 | (u & 0x3f));
		n = 4;
	}
	for (i = 0; i < n; i++) {
		if (emit(k, b[i]) == -1)
			return (-1);
	}
	return (0);
}

/*
 * The length of the well-formed UTF-8 sequence (of a code point at or
 * above U+0080) starting at p, or 0.  Overlong forms, surrogates and
 * anything past U+10FFFF are refused (RFC 3629), so what we pass on to
 * PostgreSQL as text is always acceptable to it.
 */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return (0);
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return (0);
	for (i = 2; i < n; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return (0);
	}
	return (n);
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return (ch - '0');
	if (ch >= 'a' && ch <= 'f')
		return (ch - 'a' + 10);
	if (ch >= 'A' && ch <= 'F')
		return (ch - 'A' + 10);
	return (-1);
}

/* Four hex digits at p (before end) as a number. */
static int
hex4(const char *p, const char *end, uint32_t *v)
{
	int	i, h;

	if (end - p < 4)
		return (-1);
	*v = 0;
	for (i = 0; i < 4; i++) {
		if ((h = hexval(p[i])) < 0)
			return (-1);
		*v = *v << 4 | (uint32_t)h;
	}
	return (0);
}

/* After a backslash at c->p: one escape into k, c->p past it. */
static int
escape(struct cur *c, struct sink *k)
{
	uint32_t	u, lo;
	char		ch;

	if (c->end - c->p < 2)
		return (-1);
	ch = c->p[1];
	c->p += 2;
	switch (ch) {
	case '"':
	case '\\':
	case '/':
		return (emit(k, (unsigned char)ch));
	case 'b':
		return (emit(k, '\b'));
	case 'f':
		return (emit(k, '\f'));
	case 'n':
		return (emit(k, '\n'));
	case 'r':
		return (emit(k, '\r'));
	case 't':
		return (emit(k, '\t'));
	case 'u':
		break;
	default:
		return (-1);
	}
	if (hex4(c->p, c->end, &u) == -1)
		return (-1);
	c->p += 4;
	if (u >= 0xd800 && u <= 0xdbff) {
		/* A high surrogate must be followed by a low one. */
		if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' ||
		    hex4(c->p + 2, c->end, &lo) == -1 ||
		    lo < 0xdc00 || lo > 0xdfff)
			return (-1);
		c->p += 6;
		u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
	} else if (u >= 0xdc00 && u <= 0xdfff)
		return (-1);
	/* A NUL would cut the C string the caller gets: refuse it. */
	if (u == 0)
		return (-1);
	return (emit_utf8(k, u));
}

/*
 * A string at c->p (its opening quote), unescaped into k (which may be
 * NULL); 0 with c->p after the closing quote, or -1.
 */
static int
string(struct cur *c, struct sink *k)
{
	const unsigned char	*p;
	size_t			 n, i;
	unsigned char		 ch;

	if (c->p >= c->end || *c->p != '"')
		return (-1);
	c->p++;
	for (;;) {
		if (c->p >= c->end)
			return (-1);
		ch = (unsigned char)*c->p;
		if (ch == '"')
			break;
		if (ch < 0x20)
			return (-1);
		if (ch == '\\') {
			if (escape(c, k) == -1)
				return (-1);
			continue;
		}
		if (ch < 0x80) {
			if (emit(k, ch) == -1)
				return (-1);
			c->p++;
			continue;
		}
		p = (const unsigned char *)c->p;
		if ((n = utf8_len(p, (const unsigned char *)c->end)) == 0)
			return (-1);
		for (i = 0; i < n; i++) {
			if (emit(k, p[i]) == -1)
				return (-1);
		}
		c->p += n;
	}
	c->p++;
	if (k != NULL && k->buf != NULL)
		k->buf[k->n] = '\0';
	return (0);
}

static int
is_digit(const struct cur *c)
{
	return (c->p < c->end && *c->p >= '0' && *c->p <= '9');
}

/* A number (RFC 8259 grammar) at c->p; 0 with c->p after it, or -1. */
static int
number(struct cur *c)
{
	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (!is_digit(c))
		return (-1);
	if (*c->p == '0')
		c->p++;
	else
		while (is_digit(c))
			c->p++;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (!is_digit(c))
			return (-1);
		while (is_digit(c))
			c->p++;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (!is_digit(c))
			return (-1);
		while (is_digit(c))
			c->p++;
	}
	return (0);
}

static int
literal(struct cur *c, const char *word)
{
	size_t	n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n))
		return (-1);
	c->p += n;
	return (0);
}

/*
 * Skip one value and the white space before it; 0 or -1.  depth is the
 * number of containers around the value: a container is entered only
 * below PJSON_DEPTH, which bounds the recursion.
 */
static int
skip(struct cur *c, int depth)
{
	ws(c);
	if (c->p >= c->end)
		return (-1);
	switch (*c->p) {
	case '"':
		return (string(c, NULL));
	case '{':
		if (depth >= PJSON_DEPTH)
			return (-1);
		c->p++;
		ws(c);
		if (c->p < c->end && *c->p == '}') {
			c->p++;
			return (0);
		}
		for (;;) {
			ws(c);
			if (string(c, NULL) == -1)
				return (-1);
			ws(c);
			if (c->p >= c->end || *c->p++ != ':' ||
			    skip(c, depth + 1) == -1)
				return (-1);
			ws(c);
			if (c->p >= c->end)
				return (-1);
			if (*c->p == '}') {
				c->p++;
				return (0);
			}
			if (*c->p++ != ',')
				return (-1);
		}
	case '[':
		if (depth >= PJSON_DEPTH)
			return (-1);
		c->p++;
		ws(c);
		if (c->p < c->end && *c->p == ']') {
			c->p++;
			return (0);
		}
		for (;;) {
			if (skip(c, depth + 1) == -1)
				return (-1);
			ws(c);
			if (c->p >= c->end)
				return (-1);
			if (*c->p == ']') {
				c->p++;
				return (0);
			}
			if (*c->p++ != ',')
				return (-1);
		}
	case 't':
		return (literal(c, "true"));
	case 'f':
		return (literal(c, "false"));
	case 'n':
		return (literal(c, "null"));
	default:
		return (number(c));
	}
}

int
pjson_valid(const char *s, size_t len)
{
	struct cur	c;

	if (s == NULL)
		return (-1);
	c.p = s;
	c.end = s + len;
	if (skip(&c, 0) == -1)
		return (-1);
	ws(&c);
	return (c.p == c.end ? 0 : -1);
}

/*
 * c->p is at '{': move it to the value of the member named key[0..n).
 * The key is compared after unescaping, so "a\u0062" matches "ab"; a key
 * present twice is refused.
 */
static int
member(struct cur *c, const char *key, size_t n)
{
	struct sink	 k;
	const char	*found = NULL;

	c->p++;
	ws(c);
	if (c->p < c->end && *c->p == '}')
		return (-1);
	for (;;) {
		memset(&k, 0, sizeof(k));
		k.want = key;
		k.wantlen = n;
		ws(c);
		if (string(c, &k) == -1)
			return (-1);
		ws(c);
		if (c->p >= c->end || *c->p++ != ':')
			return (-1);
		ws(c);
		if (!k.differs && k.n == n) {
			if (found != NULL)
				return (-1);
			found = c->p;
		}
		if (skip(c, 0) == -1)
			return (-1);
		ws(c);
		if (c->p >= c->end)
			return (-1);
		if (*c->p == '}')
			break;
		if (*c->p++ != ',')
			return (-1);
	}
	if (found == NULL)
		return (-1);
	c->p = found;
	return (0);
}

/* c->p is at '[': move it to the element whose decimal index is seg. */
static int
element(struct cur *c, const char *seg, size_t n)
{
	size_t	i, idx = 0;

	/* Digits only: no sign, no space, no leading zero, no overflow. */
	if (n == 0 || n > 6 || (n > 1 && seg[0] == '0'))
		return (-1);
	for (i = 0; i < n; i++) {
		if (seg[i] < '0' || seg[i] > '9')
			return (-1);
		idx = idx * 10 + (size_t)(seg[i] - '0');
	}
	c->p++;
	ws(c);
	if (c->p < c->end && *c->p == ']')
		return (-1);
	for (i = 0; i < idx; i++) {
		if (skip(c, 0) == -1)
			return (-1);
		ws(c);
		if (c->p >= c->end || *c->p++ != ',')
			return (-1);
	}
	ws(c);
	return (c->p < c->end ? 0 : -1);
}

/*
 * Validate s[0..len) and leave c at the value at path; 0 or -1.  Path
 * segments are separated by single dots; an empty segment is refused.
 */
static int
lookup(const char *s, size_t len, const char *path, struct cur *c)
{
	const char	*seg, *dot;
	size_t		 n;

	if (path == NULL || pjson_valid(s, len) == -1)
		return (-1);
	c->p = s;
	c->end = s + len;
	while (*path != '\0') {
		seg = path;
		dot = strchr(path, '.');
		n = dot != NULL ? (size_t)(dot - path) : strlen(path);
		path += n;
		if (dot != NULL && *++path == '\0')
			return (-1);
		if (n == 0)
			return (-1);
		ws(c);
		if (c->p >= c->end)
			return (-1);
		if (*c->p == '{') {
			if (member(c, seg, n) == -1)
				return (-1);
		} else if (*c->p == '[') {
			if (element(c, seg, n) == -1)
				return (-1);
		} else
			return (-1);
	}
	ws(c);
	return (c->p < c->end ? 0 : -1);
}

int
pjson_type(const char *s, size_t len, const char *path)
{
	struct cur	c;

	if (lookup(s, len, path, &c) == -1)
		return (-1);
	switch (*c.p) {
	case '"':
		return (PJSON_STRING);
	case '{':
		return (PJSON_OBJECT);
	case '[':
		return (PJSON_ARRAY);
	case 't':
		return (PJSON_TRUE);
	case 'f':
		return (PJSON_FALSE);
	case 'n':
		return (PJSON_NULL);
	default:
		return (PJSON_NUMBER);
	}
}

int
pjson_string(const char *s, size_t len, const char *path, char *out,
    size_t outlen)
{
	struct cur	c;
	struct sink	k;

	if (out == NULL || outlen == 0)
		return (-1);
	out[0] = '\0';
	if (lookup(s, len, path, &c) == -1)
		return (-1);
	memset(&k, 0, sizeof(k));
	k.buf = out;
	k.cap = outlen;
	if (string(&c, &k) == -1) {
		out[0] = '\0';
		return (-1);
	}
	return (0);
}

/* Decimal digits p[0..n) without a leading zero, at most INT64_MAX. */
static int
uint_digits(const char *p, size_t n, int64_t *out)
{
	int64_t	v = 0;
	size_t	i;
	int	d;

	if (n == 0 || (n > 1 && p[0] == '0'))
		return (-1);
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return (-1);
		d = p[i] - '0';
		if (v > (INT64_MAX - d) / 10)
			return (-1);
		v = v * 10 + d;
	}
	*out = v;
	return (0);
}

int
pjson_int(const char *s, size_t len, const char *path, int64_t *out)
{
	struct cur	 c;
	const char	*start;
	int64_t		 v;
	int		 neg = 0;

	if (lookup(s, len, path, &c) == -1)
		return (-1);
	start = c.p;
	if (number(&c) == -1)
		return (-1);
	if (*start == '-') {
		neg = 1;
		start++;
	}
	/* Any '.', 'e' or 'E' makes uint_digits refuse. */
	if (uint_digits(start, (size_t)(c.p - start), &v) == -1)
		return (-1);
	*out = neg ? -v : v;
	return (0);
}

/* "12500", "12500.0" or "12500.00" as whole rupiah. */
static int
money_text(const char *p, size_t n, int64_t *out)
{
	const char	*dot;
	size_t		 ilen;

	if ((dot = memchr(p, '.', n)) != NULL) {
		ilen = (size_t)(dot - p);
		if (!(n - ilen == 2 && dot[1] == '0') &&
		    !(n - ilen == 3 && dot[1] == '0' && dot[2] == '0'))
			return (-1);
	} else
		ilen = n;
	return (uint_digits(p, ilen, out));
}

int
pjson_money(const char *s, size_t len, const char *path, int64_t *out)
{
	struct cur	 c;
	const char	*start;
	char		 text[32];
	int64_t		 v;

	if (lookup(s, len, path, &c) == -1)
		return (-1);
	if (*c.p == '"') {
		if (pjson_string(s, len, path, text, sizeof(text)) == -1 ||
		    money_text(text, strlen(text), &v) == -1)
			return (-1);
	} else {
		start = c.p;
		if (number(&c) == -1 ||
		    money_text(start, (size_t)(c.p - start), &v) == -1)
			return (-1);
	}
	*out = v;
	return (0);
}

int
pjson_bool(const char *s, size_t len, const char *path, int *out)
{
	struct cur	c;

	if (lookup(s, len, path, &c) == -1)
		return (-1);
	if (literal(&c, "true") == 0)
		*out = 1;
	else if (literal(&c, "false") == 0)
		*out = 0;
	else
		return (-1);
	return (0);
}

int
pjson_escape(const char *in, char *out, size_t outlen)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p, *end;
	char			 e[7];
	size_t			 o = 0, n;
	unsigned char		 ch;

	if (in == NULL || out == NULL || outlen == 0)
		return (-1);
	p = (const unsigned char *)in;
	end = p + strlen(in);
	while (p < end) {
		ch = *p;
		if (ch >= 0x80) {
			if ((n = utf8_len(p, end)) == 0)
				return (-1);
			memcpy(e, p, n);
		} else if (ch == '"' || ch == '\\') {
			e[0] = '\\';
			e[1] = (char)ch;
			n = 2;
		} else if (ch == '\n' || ch == '\r' || ch == '\t') {
			e[0] = '\\';
			e[1] = ch == '\n' ? 'n' : ch == '\r' ? 'r' : 't';
			n = 2;
		} else if (ch < 0x20) {
			memcpy(e, "\\u00", 4);
			e[4] = hex[ch >> 4];
			e[5] = hex[ch & 15];
			n = 6;
		} else {
			e[0] = (char)ch;
			n = 1;
		}
		/* n bytes and, in the end, the NUL. */
		if (outlen - o <= n) {
			out[0] = '\0';
			return (-1);
		}
		memcpy(out + o, e, n);
		o += n;
		p += ch >= 0x80 ? n : 1;
	}
	out[o] = '\0';
	return (0);
}
