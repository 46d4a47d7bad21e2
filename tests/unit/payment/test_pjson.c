/*
 * The plugins' JSON reader (plugins/lib/pjson.c): validation, dotted
 * paths with array indices, string unescaping (\u escapes and surrogate
 * pairs to UTF-8), integers and their range, money ("12500.00" yes,
 * "12500.50" no), booleans, the depth limit, duplicate keys, the
 * escaper, and inputs that are not NUL-terminated (each copied into a
 * buffer of exactly its length, so ASan sees any read past the end).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../plugins/lib/pjson.h"

/* s copied into a heap buffer of exactly strlen(s) bytes, no NUL. */
static char *
exact(const char *s)
{
	size_t	n = strlen(s);
	char	*p;

	assert_non_null(p = malloc(n ? n : 1));
	memcpy(p, s, n);
	return (p);
}

static int
valid(const char *s)
{
	char	*p = exact(s);
	int	 r = pjson_valid(p, strlen(s));

	free(p);
	return (r);
}

static int
str(const char *doc, const char *path, char *out, size_t outlen)
{
	char	*p = exact(doc);
	int	 r = pjson_string(p, strlen(doc), path, out, outlen);

	free(p);
	return (r);
}

static int
num(const char *doc, const char *path, int64_t *v)
{
	char	*p = exact(doc);
	int	 r = pjson_int(p, strlen(doc), path, v);

	free(p);
	return (r);
}

static int
money(const char *doc, const char *path, int64_t *v)
{
	char	*p = exact(doc);
	int	 r = pjson_money(p, strlen(doc), path, v);

	free(p);
	return (r);
}

static int
type(const char *doc, const char *path)
{
	char	*p = exact(doc);
	int	 r = pjson_type(p, strlen(doc), path);

	free(p);
	return (r);
}

static void
test_valid(void **state)
{
	static const char *const good[] = {
		"{}", "[]", "0", "-0", "1.5", "-1.5e-3", "1E+9", "\"\"",
		"true", "false", "null", " \t\r\n{ \"a\" : [ 1 , { } ] } \n",
		"{\"a\": {\"b\": [1, 2, {\"c\": null}]}}", "\"\\u00e9\"",
		"\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
	};
	static const char *const bad[] = {
		"", " ", "{", "}", "[", "[1,]", "[,1]", "{\"a\":1,}",
		"{\"a\" 1}", "{a: 1}", "{'a': 1}", "{\"a\":}", "01", "1.",
		".5", "-", "+1", "1e", "1e+", "0x10", "NaN", "Infinity",
		"tru", "nul", "True", "\"abc", "\"a\\\"", "\"\\x\"",
		"\"\\u12\"", "\"\\u12g4\"", "\"tab\there\"", "{} {}",
		"{}x", "[1] ,", "\"\\ud800\"", "\"\\udc00\"",
		"\"\\ud800\\u0041\"", "\"\\u0000\"", "\"\xff\"",
		"\"\xc0\x80\"", "\"\xed\xa0\x80\"", "\"\xf5\x80\x80\x80\"",
		"\"\xe2\x82\"", "\"\x80\"", "\"\xf0\x9f\x98\"",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (valid(good[i]) != 0)
			fail_msg("refused: %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (valid(bad[i]) != -1)
			fail_msg("accepted: %s", bad[i]);
	/* A NUL inside is not white space; a NULL document is nothing. */
	assert_int_equal(pjson_valid("{}\0", 3), -1);
	assert_int_equal(pjson_valid("{\"a\0\": 1}", 9), -1);
	assert_int_equal(pjson_valid(NULL, 0), -1);
}

/* Every proper prefix of an object is incomplete, and read safely. */
static void
test_prefixes(void **state)
{
	const char	*doc = "{\"order_id\": \"HS-1\", \"va_numbers\": "
	    "[{\"bank\": \"bca\", \"va_number\": \"8808\\u00e9\"}], "
	    "\"amount\": \"12500.00\", \"n\": -12.5e+3, \"ok\": true}";
	char		*p, out[64];
	int64_t		 v;
	size_t		 n;

	(void)state;
	for (n = 0; n < strlen(doc); n++) {
		assert_non_null(p = malloc(n ? n : 1));
		memcpy(p, doc, n);
		assert_int_equal(pjson_valid(p, n), -1);
		assert_int_equal(pjson_string(p, n, "va_numbers.0.va_number",
		    out, sizeof(out)), -1);
		assert_int_equal(pjson_money(p, n, "amount", &v), -1);
		free(p);
	}
	assert_int_equal(str(doc, "va_numbers.0.va_number", out, sizeof(out)),
	    0);
	assert_string_equal(out, "8808\xc3\xa9");
	assert_int_equal(money(doc, "amount", &v), 0);
	assert_int_equal(v, 12500);
}

static void
test_paths(void **state)
{
	const char	*doc = "{\"transaction_details\": {\"order_id\": "
	    "\"HS-7\", \"gross_amount\": 12500}, \"va_numbers\": "
	    "[{\"bank\": \"bca\", \"va_number\": \"111\"}, {\"bank\": "
	    "\"bni\", \"va_number\": \"222\"}], \"list\": [10, [20, 21], "
	    "{\"x\": \"y\"}], \"a.b\": 1, \"\": \"empty\"}";
	char		out[64];
	int64_t		v;

	(void)state;
	assert_int_equal(str(doc, "transaction_details.order_id", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "HS-7");
	assert_int_equal(num(doc, "transaction_details.gross_amount", &v), 0);
	assert_int_equal(v, 12500);
	assert_int_equal(str(doc, "va_numbers.0.va_number", out, sizeof(out)),
	    0);
	assert_string_equal(out, "111");
	assert_int_equal(str(doc, "va_numbers.1.va_number", out, sizeof(out)),
	    0);
	assert_string_equal(out, "222");
	assert_int_equal(str(doc, "va_numbers.1.bank", out, sizeof(out)), 0);
	assert_string_equal(out, "bni");
	assert_int_equal(num(doc, "list.0", &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(num(doc, "list.1.1", &v), 0);
	assert_int_equal(v, 21);
	assert_int_equal(str(doc, "list.2.x", out, sizeof(out)), 0);
	assert_string_equal(out, "y");
	assert_int_equal(type(doc, ""), PJSON_OBJECT);
	assert_int_equal(type(doc, "list"), PJSON_ARRAY);
	assert_int_equal(type(doc, "va_numbers.0"), PJSON_OBJECT);

	/* Absent, out of range, of the wrong kind, badly spelt. */
	assert_int_equal(type(doc, "nope"), -1);
	assert_int_equal(type(doc, "va_numbers.2"), -1);
	assert_int_equal(type(doc, "va_numbers.2.va_number"), -1);
	assert_int_equal(type(doc, "list.3"), -1);
	assert_int_equal(type(doc, "list.-1"), -1);
	assert_int_equal(type(doc, "list.+1"), -1);
	assert_int_equal(type(doc, "list.01"), -1);
	assert_int_equal(type(doc, "list. 1"), -1);
	assert_int_equal(type(doc, "list.1x"), -1);
	assert_int_equal(type(doc, "list.99999999999999999999"), -1);
	assert_int_equal(type(doc, "list.x"), -1);
	assert_int_equal(type(doc, "transaction_details.0"), -1);
	assert_int_equal(type(doc, "transaction_details.order_id.x"), -1);
	assert_int_equal(type(doc, "a.b"), -1);	/* dots are separators */
	assert_int_equal(type(doc, "list..0"), -1);
	assert_int_equal(type(doc, "list."), -1);
	assert_int_equal(type(doc, ".list"), -1);
	assert_int_equal(type("[]", "0"), -1);
	assert_int_equal(type("{}", "a"), -1);
	assert_int_equal(type("\"s\"", "a"), -1);
	assert_int_equal(pjson_type("{}", 2, NULL), -1);
	/* The root itself. */
	assert_int_equal(str("  \"root\" ", "", out, sizeof(out)), 0);
	assert_string_equal(out, "root");
	assert_int_equal(num("42", "", &v), 0);
	assert_int_equal(v, 42);
}

static void
test_keys(void **state)
{
	char	doc[1024], out[32];
	int64_t	v;

	(void)state;
	/* Keys compare after unescaping. */
	assert_int_equal(num("{\"a\\u0062\": 7}", "ab", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(num("{\"caf\\u00e9\": 8}", "caf\xc3\xa9", &v), 0);
	assert_int_equal(v, 8);
	/* A prefix or an extension of the key is another key. */
	assert_int_equal(num("{\"amount_x\": 1, \"amoun\": 2}", "amount", &v),
	    -1);
	/* A long key before the one asked for does not get in the way. */
	snprintf(doc, sizeof(doc), "{\"%0300d\": 1, \"b\": 2}", 0);
	assert_int_equal(num(doc, "b", &v), 0);
	assert_int_equal(v, 2);
	/* The key asked for, twice: refused, whichever comes first. */
	assert_int_equal(num("{\"amount\": 1, \"amount\": 2}", "amount", &v),
	    -1);
	assert_int_equal(num("{\"amount\": 1, \"am\\u006funt\": 2}", "amount",
	    &v), -1);
	assert_int_equal(str("{\"s\": \"a\", \"x\": 0, \"s\": \"b\"}", "s",
	    out, sizeof(out)), -1);
	/* A duplicate elsewhere does not matter to this lookup. */
	assert_int_equal(num("{\"x\": {\"a\": 1, \"a\": 2}, \"b\": 3}", "b",
	    &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(num("{\"x\": {\"a\": 1, \"a\": 2}, \"b\": 3}", "x.a",
	    &v), -1);
}

static void
test_strings(void **state)
{
	char	out[64], small[4];

	(void)state;
	assert_int_equal(str("{\"s\": \"q\\\"b\\\\s\\/n\\nr\\rt\\tb\\bf\\f\"}",
	    "s", out, sizeof(out)), 0);
	assert_string_equal(out, "q\"b\\s/n\nr\rt\tb\bf\f");
	assert_int_equal(str("\"\\u00e9\\u00E9\\u20ac\\u0041\"", "", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "\xc3\xa9\xc3\xa9\xe2\x82\xac" "A");
	/* A surrogate pair is one code point, four bytes of UTF-8. */
	assert_int_equal(str("\"\\ud83d\\ude00!\"", "", out, sizeof(out)), 0);
	assert_string_equal(out, "\xf0\x9f\x98\x80!");
	assert_int_equal(str("\"\\uDBFF\\uDFFF\"", "", out, sizeof(out)), 0);
	assert_string_equal(out, "\xf4\x8f\xbf\xbf");
	/* Raw UTF-8 passes as it is. */
	assert_int_equal(str("\"Rp \xe2\x82\xac \xf0\x9f\x92\xa7\"", "", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "Rp \xe2\x82\xac \xf0\x9f\x92\xa7");
	/* Broken escapes and surrogates, NUL. */
	assert_int_equal(str("\"\\ud83d\"", "", out, sizeof(out)), -1);
	assert_int_equal(str("\"\\ude00\"", "", out, sizeof(out)), -1);
	assert_int_equal(str("\"\\ud83d\\ud83d\"", "", out, sizeof(out)), -1);
	assert_int_equal(str("\"\\ud83dx\"", "", out, sizeof(out)), -1);
	assert_int_equal(str("\"a\\u0000b\"", "", out, sizeof(out)), -1);
	assert_int_equal(str("\"\\u00\"", "", out, sizeof(out)), -1);

	/* Exactly fits (3 bytes and the NUL), one byte short, nothing. */
	assert_int_equal(str("\"abc\"", "", small, sizeof(small)), 0);
	assert_string_equal(small, "abc");
	assert_int_equal(str("\"abcd\"", "", small, sizeof(small)), -1);
	assert_string_equal(small, "");
	assert_int_equal(str("\"\\u20ac\"", "", small, sizeof(small)), 0);
	assert_int_equal(str("\"a\\u20ac\"", "", small, sizeof(small)), -1);
	assert_int_equal(str("\"abc\"", "", small, 0), -1);
	assert_int_equal(str("\"\"", "", small, 1), 0);
	assert_string_equal(small, "");
	/* Not a string. */
	assert_int_equal(str("{\"s\": 12}", "s", out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(str("{\"s\": null}", "s", out, sizeof(out)), -1);
	assert_int_equal(str("{\"s\": [\"x\"]}", "s", out, sizeof(out)), -1);
	/* The document must be valid, not just the part that is read. */
	assert_int_equal(str("{\"s\": \"ok\", \"t\": }", "s", out,
	    sizeof(out)), -1);
	assert_int_equal(str("{\"s\": \"ok\"} trailing", "s", out,
	    sizeof(out)), -1);
}

static void
test_ints(void **state)
{
	static const struct {
		const char	*doc;
		int		 ok;
		int64_t		 v;
	} c[] = {
		{ "0", 1, 0 },
		{ "-0", 1, 0 },
		{ "12500", 1, 12500 },
		{ "-12500", 1, -12500 },
		{ "9223372036854775807", 1, INT64_MAX },
		{ "-9223372036854775807", 1, -INT64_MAX },
		{ "9223372036854775808", 0, 0 },
		{ "-9223372036854775808", 0, 0 },
		{ "99999999999999999999999", 0, 0 },
		{ "12500.00", 0, 0 },
		{ "12500.5", 0, 0 },
		{ "1e3", 0, 0 },
		{ "1E3", 0, 0 },
		{ "\"12500\"", 0, 0 },
		{ "true", 0, 0 },
		{ "null", 0, 0 },
		{ "[1]", 0, 0 },
	};
	int64_t	v;
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		v = 99;
		if (num(c[i].doc, "", &v) != (c[i].ok ? 0 : -1))
			fail_msg("%s: wrong verdict", c[i].doc);
		if (c[i].ok && v != c[i].v)
			fail_msg("%s: %lld", c[i].doc, (long long)v);
	}
	assert_int_equal(num("{\"a\": [1, -2]}", "a.1", &v), 0);
	assert_int_equal(v, -2);
}

static void
test_money(void **state)
{
	static const struct {
		const char	*doc;
		int		 ok;
		int64_t		 v;
	} c[] = {
		{ "12500", 1, 12500 },
		{ "0", 1, 0 },
		{ "\"12500.00\"", 1, 12500 },
		{ "\"12500.0\"", 1, 12500 },
		{ "\"12500\"", 1, 12500 },
		{ "\"0.00\"", 1, 0 },
		{ "12500.00", 1, 12500 },
		{ "12500.0", 1, 12500 },
		{ "\"9223372036854775807\"", 1, INT64_MAX },
		{ "\"12500.50\"", 0, 0 },
		{ "\"12500.01\"", 0, 0 },
		{ "\"12500.5\"", 0, 0 },
		{ "12500.50", 0, 0 },
		{ "12500.5", 0, 0 },
		{ "\"12500.000\"", 0, 0 },
		{ "\"12500.\"", 0, 0 },
		{ "\".00\"", 0, 0 },
		{ "\"\"", 0, 0 },
		{ "\"-12500.00\"", 0, 0 },
		{ "-12500", 0, 0 },
		{ "-0", 0, 0 },
		{ "\"+12500\"", 0, 0 },
		{ "\" 12500\"", 0, 0 },
		{ "\"12500 \"", 0, 0 },
		{ "\"012500\"", 0, 0 },
		{ "\"12,500\"", 0, 0 },
		{ "\"12.500,00\"", 0, 0 },
		{ "\"1e4\"", 0, 0 },
		{ "1e4", 0, 0 },
		{ "1.0e4", 0, 0 },
		{ "\"9223372036854775808\"", 0, 0 },
		{ "\"99999999999999999999.00\"", 0, 0 },
		{ "\"\\u0031\\u0032\"", 1, 12 },
		{ "true", 0, 0 },
		{ "null", 0, 0 },
	};
	int64_t	v;
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		v = 99;
		if (money(c[i].doc, "", &v) != (c[i].ok ? 0 : -1))
			fail_msg("%s: wrong verdict", c[i].doc);
		if (c[i].ok && v != c[i].v)
			fail_msg("%s: %lld", c[i].doc, (long long)v);
	}
	assert_int_equal(money("{\"gross_amount\": \"12500.00\"}",
	    "gross_amount", &v), 0);
	assert_int_equal(v, 12500);
}

static void
test_bool_and_types(void **state)
{
	const char	*doc = "{\"t\": true, \"f\": false, \"n\": null, "
	    "\"i\": 1, \"s\": \"true\", \"a\": [], \"o\": {}}";
	char		*p = exact(doc);
	size_t		 n = strlen(doc);
	int		 b = 7;

	(void)state;
	assert_int_equal(pjson_bool(p, n, "t", &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(pjson_bool(p, n, "f", &b), 0);
	assert_int_equal(b, 0);
	assert_int_equal(pjson_bool(p, n, "n", &b), -1);
	assert_int_equal(pjson_bool(p, n, "i", &b), -1);
	assert_int_equal(pjson_bool(p, n, "s", &b), -1);
	assert_int_equal(pjson_bool(p, n, "x", &b), -1);
	assert_int_equal(pjson_type(p, n, "t"), PJSON_TRUE);
	assert_int_equal(pjson_type(p, n, "f"), PJSON_FALSE);
	assert_int_equal(pjson_type(p, n, "n"), PJSON_NULL);
	assert_int_equal(pjson_type(p, n, "i"), PJSON_NUMBER);
	assert_int_equal(pjson_type(p, n, "s"), PJSON_STRING);
	assert_int_equal(pjson_type(p, n, "a"), PJSON_ARRAY);
	assert_int_equal(pjson_type(p, n, "o"), PJSON_OBJECT);
	free(p);
}

/* PJSON_DEPTH nested containers are fine; one more is refused. */
static void
test_depth(void **state)
{
	char	doc[8 * PJSON_DEPTH + 64], *big;
	size_t	i, n;
	int64_t	v;

	(void)state;
	for (n = 0, i = 0; i < PJSON_DEPTH; i++)
		doc[n++] = '[';
	doc[n++] = '1';
	for (i = 0; i < PJSON_DEPTH; i++)
		doc[n++] = ']';
	doc[n] = '\0';
	assert_int_equal(valid(doc), 0);
	assert_int_equal(num(doc, "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.0.0.0.0.0.0.0", &v), 0);
	assert_int_equal(v, 1);
	memmove(doc + 1, doc, n + 1);
	doc[0] = '[';
	strcat(doc, "]");
	assert_int_equal(valid(doc), -1);
	assert_int_equal(num(doc, "0", &v), -1);

	/* Objects count the same. */
	for (n = 0, i = 0; i < PJSON_DEPTH; i++)
		n += (size_t)sprintf(doc + n, "{\"a\":");
	n += (size_t)sprintf(doc + n, "1");
	for (i = 0; i < PJSON_DEPTH; i++)
		doc[n++] = '}';
	doc[n] = '\0';
	assert_int_equal(valid(doc), 0);
	memmove(doc + 5, doc, n + 1);
	memcpy(doc, "{\"a\":", 5);
	strcat(doc, "}");
	assert_int_equal(valid(doc), -1);

	/* A megabyte of '[' is refused quickly, without a deep stack. */
	n = 1 << 20;
	assert_non_null(big = malloc(n));
	memset(big, '[', n);
	assert_int_equal(pjson_valid(big, n), -1);
	assert_int_equal(pjson_int(big, n, "0.0", &v), -1);
	memset(big, '{', n);
	assert_int_equal(pjson_valid(big, n), -1);
	free(big);
}

static void
test_escape(void **state)
{
	char	out[256], wide[1024], doc[1100], back[256], in[128], tiny[5];
	size_t	i;

	(void)state;
	assert_int_equal(pjson_escape("plain text", out, sizeof(out)), 0);
	assert_string_equal(out, "plain text");
	assert_int_equal(pjson_escape("q\"b\\", out, sizeof(out)), 0);
	assert_string_equal(out, "q\\\"b\\\\");
	assert_int_equal(pjson_escape("a\nb\rc\td\x01" "e\x1f", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "a\\nb\\rc\\td\\u0001e\\u001f");
	assert_int_equal(pjson_escape("caf\xc3\xa9 \xf0\x9f\x92\xa7 \x7f", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "caf\xc3\xa9 \xf0\x9f\x92\xa7 \x7f");
	/* Never sends invalid UTF-8. */
	assert_int_equal(pjson_escape("bad \xff", out, sizeof(out)), -1);
	assert_int_equal(pjson_escape("cut \xe2\x82", out, sizeof(out)), -1);
	assert_int_equal(pjson_escape("\xc0\x80", out, sizeof(out)), -1);
	/* Room for the text and its NUL, or -1. */
	assert_int_equal(pjson_escape("abcd", tiny, sizeof(tiny)), 0);
	assert_string_equal(tiny, "abcd");
	assert_int_equal(pjson_escape("abcde", tiny, sizeof(tiny)), -1);
	assert_int_equal(pjson_escape("ab\"c", tiny, sizeof(tiny)), -1);
	assert_int_equal(pjson_escape("a\x01", tiny, sizeof(tiny)), -1);
	assert_int_equal(pjson_escape("", tiny, 1), 0);
	assert_string_equal(tiny, "");
	assert_int_equal(pjson_escape("a", tiny, 0), -1);
	assert_int_equal(pjson_escape(NULL, tiny, sizeof(tiny)), -1);

	/* Every ASCII byte survives a trip through JSON and back. */
	for (i = 1; i < 128; i++)
		in[i - 1] = (char)i;
	in[127] = '\0';
	assert_int_equal(pjson_escape(in, out, sizeof(out)), -1);
	assert_int_equal(pjson_escape(in, wide, sizeof(wide)), 0);
	assert_true((size_t)snprintf(doc, sizeof(doc), "{\"v\": \"%s\"}",
	    wide) < sizeof(doc));
	assert_int_equal(str(doc, "v", back, sizeof(back)), 0);
	assert_string_equal(back, in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_ints),
		cmocka_unit_test(test_money),
		cmocka_unit_test(test_bool_and_types),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_escape),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
