#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pjson.h"

struct cur {
	const char	*p;
	const char	*end;
};

static void
ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
	    *c->p == '\n' || *c->p == '\r'))
		c->p++;
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

static int
put(char *out, size_t outlen, size_t *o, char ch)
{
	if (out == NULL)
		return (0);
	if (*o + 1 >= outlen)
		return (-1);
	out[(*o)++] = ch;
	return (0);
}

static int
put_utf8(char *out, size_t outlen, size_t *o, uint32_t u)
{
	if (u < 0x80)
		return (put(out, outlen, o, (char)u));
	if (u < 0x800)
		return (put(out, outlen, o, (char)(0xc0 | u >> 6)) ||
		    put(out, outlen, o, (char)(0x80 | (u & 0x3f))));
	if (u < 0x10000)
		return (put(out, outlen, o, (char)(0xe0 | u >> 12)) ||
		    put(out, outlen, o, (char)(0x80 | (u >> 6 & 0x3f))) ||
		    put(out, outlen, o, (char)(0x80 | (u & 0x3f))));
	return (put(out, outlen, o, (char)(0xf0 | u >> 18)) ||
	    put(out, outlen, o, (char)(0x80 | (u >> 12 & 0x3f))) ||
	    put(out, outlen, o, (char)(0x80 | (u >> 6 & 0x3f))) ||
	    put(out, outlen, o, (char)(0x80 | (u & 0x3f))));
}

/*
 * A string at c->p (the opening quote); unescaped into out when out is
 * not NULL.  0 with c->p after the closing quote, or -1.
 */
static int
string(struct cur *c, char *out, size_t outlen)
{
	size_t		o = 0;
	uint32_t	u, lo;
	char		ch;

	if (c->p >= c->end || *c->p != '"')
		return (-1);
	c->p++;
	while (c->p < c->end) {
		ch = *c->p++;
		if (ch == '"') {
			if (out != NULL)
				out[o] = '\0';
			return (0);
		}
		if ((unsigned char)ch < 0x20)
			return (-1);
		if (ch != '\\') {
			if (put(out, outlen, &o, ch) == -1)
				return (-1);
			continue;
		}
		if (c->p >= c->end)
			return (-1);
		ch = *c->p++;
		switch (ch) {
		case '"': case '\\': case '/':
			break;
		case 'b': ch = '\b'; break;
		case 'f': ch = '\f'; break;
		case 'n': ch = '\n'; break;
		case 'r': ch = '\r'; break;
		case 't': ch = '\t'; break;
		case 'u':
			if (hex4(c->p, c->end, &u) == -1)
				return (-1);
			c->p += 4;
			if (u >= 0xd800 && u < 0xdc00) {
				if (c->end - c->p < 6 || c->p[0] != '\\' ||
				    c->p[1] != 'u' ||
				    hex4(c->p + 2, c->end, &lo) == -1 ||
				    lo < 0xdc00 || lo > 0xdfff)
					return (-1);
				c->p += 6;
				u = 0x10000 + ((u - 0xd800) << 10) +
				    (lo - 0xdc00);
			} else if (u >= 0xdc00 && u < 0xe000) {
				return (-1);
			}
			if (u == 0 || put_utf8(out, outlen, &o, u) == -1)
				return (-1);
			continue;
		default:
			return (-1);
		}
		if (put(out, outlen, &o, ch) == -1)
			return (-1);
	}
	return (-1);
}

static int
number(struct cur *c)
{
	const char	*start = c->p;

	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p >= c->end || *c->p < '0' || *c->p > '9')
		return (-1);
	if (*c->p == '0')
		c->p++;
	else
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return (-1);
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return (-1);
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	return (c->p > start ? 0 : -1);
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

/* Skip one value (and the white space before it); 0 or -1. */
static int
skip(struct cur *c, int depth)
{
	ws(c);
	if (c->p >= c->end || depth > PJSON_DEPTH)
		return (-1);
	switch (*c->p) {
	case '"':
		return (string(c, NULL, 0));
	case '{':
		c->p++;
		ws(c);
		if (c->p < c->end && *c->p == '}') {
			c->p++;
			return (0);
		}
		for (;;) {
			ws(c);
			if (string(c, NULL, 0) == -1)
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
	struct cur	c = { s, s + len };

	if (s == NULL || skip(&c, 0) == -1)
		return (-1);
	ws(&c);
	return (c.p == c.end ? 0 : -1);
}

/*
 * Move c to the value at path in the (valid) document; 0 or -1.  A key
 * is compared after unescaping, so "a\u0062" matches "ab".
 */
static int
find(struct cur *c, const char *path)
{
	char		 seg[128], key[128];
	const char	*dot;
	size_t		 n;
	long		 idx, i;
	char		*end;

	while (*path != '\0') {
		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		if (n == 0 || n >= sizeof(seg))
			return (-1);
		memcpy(seg, path, n);
		seg[n] = '\0';
		path += n + (dot ? 1 : 0);
		ws(c);
		if (c->p >= c->end)
			return (-1);
		if (*c->p == '{') {
			c->p++;
			for (;;) {
				ws(c);
				if (c->p < c->end && *c->p == '}')
					return (-1);
				if (string(c, key, sizeof(key)) == -1)
					return (-1);
				ws(c);
				if (c->p >= c->end || *c->p++ != ':')
					return (-1);
				if (!strcmp(key, seg))
					break;
				if (skip(c, 1) == -1)
					return (-1);
				ws(c);
				if (c->p >= c->end || *c->p++ != ',')
					return (-1);
			}
		} else if (*c->p == '[') {
			idx = strtol(seg, &end, 10);
			if (*end != '\0' || idx < 0)
				return (-1);
			c->p++;
			for (i = 0; i < idx; i++) {
				if (skip(c, 1) == -1)
					return (-1);
				ws(c);
				if (c->p >= c->end || *c->p++ != ',')
					return (-1);
			}
			ws(c);
			if (c->p < c->end && *c->p == ']')
				return (-1);
		} else {
			return (-1);
		}
	}
	ws(c);
	return (c->p < c->end ? 0 : -1);
}

int
pjson_string(const char *s, size_t len, const char *path, char *out,
    size_t outlen)
{
	struct cur	c = { s, s + len };

	if (outlen == 0 || pjson_valid(s, len) == -1 || find(&c, path) == -1)
		return (-1);
	return (string(&c, out, outlen));
}

static int
digits(const char *p, size_t n, int64_t *out)
{
	int64_t	v = 0;
	size_t		i;

	if (n == 0 || n > 18)
		return (-1);
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return (-1);
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return (0);
}

int
pjson_int(const char *s, size_t len, const char *path, int64_t *out)
{
	struct cur	 c = { s, s + len };
	const char	*start;
	int		 neg = 0;

	if (pjson_valid(s, len) == -1 || find(&c, path) == -1)
		return (-1);
	start = c.p;
	if (number(&c) == -1)
		return (-1);
	if (*start == '-') {
		neg = 1;
		start++;
	}
	if (digits(start, (size_t)(c.p - start), out) == -1)
		return (-1);
	if (neg)
		*out = -*out;
	return (0);
}

int
pjson_money(const char *s, size_t len, const char *path, int64_t *out)
{
	char		 text[32], *dot;
	size_t		 n;

	if (pjson_int(s, len, path, out) == 0)
		return (*out >= 0 ? 0 : -1);
	if (pjson_string(s, len, path, text, sizeof(text)) == -1)
		return (-1);
	n = strlen(text);
	if ((dot = strchr(text, '.')) != NULL) {
		if (strcmp(dot, ".0") && strcmp(dot, ".00"))
			return (-1);
		n = (size_t)(dot - text);
	}
	return (digits(text, n, out));
}

int
pjson_escape(const char *in, char *out, size_t outlen)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			o = 0;
	unsigned char		ch;

	for (; *in != '\0'; in++) {
		ch = (unsigned char)*in;
		if (o + 7 >= outlen)
			return (-1);
		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else if (ch < 0x20) {
			out[o++] = '\\';
			out[o++] = 'u';
			out[o++] = '0';
			out[o++] = '0';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		} else {
			out[o++] = (char)ch;
		}
	}
	if (o >= outlen)
		return (-1);
	out[o] = '\0';
	return (0);
}
