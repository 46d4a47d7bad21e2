/*
 * The CSV reader (core/api/csv_parse.c) against RFC 4180's corner cases
 * and the malformed input a migration really meets, and the import's
 * per-field checks (core/api/import.c): which rows and columns a bad file
 * is blamed for, and what reaches the SQL call.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "api/csv.h"
#include "api/import.h"

/* Read all of s; returns the number of records, each checked below. */
static struct hs_csv	csv;

static int
open_csv(const char *s, size_t len)
{
	hs_csv_free(&csv);
	return (hs_csv_init(&csv, s, len));
}

static void
expect_record(const char *const *want, size_t n)
{
	size_t	i;

	assert_int_equal(hs_csv_next(&csv), HS_CSV_RECORD);
	assert_int_equal(csv.nfields, n);
	for (i = 0; i < n; i++) {
		assert_string_equal(csv.fields[i], want[i]);
		assert_int_equal(csv.lens[i], strlen(want[i]));
	}
}

#define RECORD(...) do {						\
	const char *w_[] = { __VA_ARGS__ };				\
	expect_record(w_, sizeof(w_) / sizeof(w_[0]));			\
} while (0)

#define S(lit)	lit, sizeof(lit) - 1

static void
test_plain_crlf_lf(void **state)
{
	(void)state;
	assert_int_equal(open_csv(S("a,b,c\r\n1,2,3\n4,5,6")), 0);
	RECORD("a", "b", "c");
	assert_int_equal(csv.record, 1);
	RECORD("1", "2", "3");
	RECORD("4", "5", "6");
	assert_int_equal(csv.record, 3);
	assert_int_equal(hs_csv_next(&csv), HS_CSV_END);
}

static void
test_quoting(void **state)
{
	(void)state;
	assert_int_equal(open_csv(S("\"a,b\",\"say \"\"hi\"\"\",\"line\r\n"
	    "two\",\"\"\r\n")), 0);
	RECORD("a,b", "say \"hi\"", "line\r\ntwo", "");
	assert_int_equal(hs_csv_next(&csv), HS_CSV_END);
	/* A lone quote pair is an empty field, a lone "" inside is one ". */
	assert_int_equal(open_csv(S("\"\"\"\",x")), 0);
	RECORD("\"", "x");
}

static void
test_empty_fields_and_blank_lines(void **state)
{
	(void)state;
	assert_int_equal(open_csv(S(",,\n\n\r\na,,\nb,")), 0);
	RECORD("", "", "");
	RECORD("a", "", "");
	assert_int_equal(csv.record, 2);
	RECORD("b", "");
	assert_int_equal(hs_csv_next(&csv), HS_CSV_END);
}

static void
test_bom_is_skipped(void **state)
{
	(void)state;
	assert_int_equal(open_csv(S("\xef\xbb\xbfnumber,name\n")), 0);
	RECORD("number", "name");
}

static void
test_utf8(void **state)
{
	(void)state;
	/* Indonesian and CJK text is fine; a stray byte is not. */
	assert_int_equal(open_csv(S("Jl. Kenari \xe2\x80\x93 5,\xe6\x9d\xb1\n"
	    "ok,\xc3\x28\n")), 0);
	RECORD("Jl. Kenari \xe2\x80\x93 5", "\xe6\x9d\xb1");
	assert_int_equal(hs_csv_next(&csv), HS_CSV_BAD);
	assert_int_equal(csv.err_field, 1);
	assert_string_equal(csv.err, "is not valid UTF-8");
	/* Overlong encodings and surrogates are not UTF-8 either. */
	assert_false(hs_csv_utf8_valid((const unsigned char *)"\xc0\xaf", 2));
	assert_false(hs_csv_utf8_valid((const unsigned char *)"\xed\xa0\x80",
	    3));
	assert_false(hs_csv_utf8_valid((const unsigned char *)"\xe6\x9d", 2));
	assert_true(hs_csv_utf8_valid((const unsigned char *)"\xf0\x9f\x92\xa7",
	    4));
	assert_int_equal(hs_csv_utf8_chars("a\xe6\x9d\xb1z", 5), 3);
}

static void
test_nul_byte(void **state)
{
	static const char	in[] = "a,b\x00" "c\nd,e\n";

	(void)state;
	assert_int_equal(open_csv(in, sizeof(in) - 1), 0);
	assert_int_equal(hs_csv_next(&csv), HS_CSV_BAD);
	assert_int_equal(csv.err_field, 1);
	assert_string_equal(csv.err, "contains a NUL byte");
	/* The reader resyncs at the next record. */
	RECORD("d", "e");
}

static void
test_bad_quotes_resync(void **state)
{
	(void)state;
	assert_int_equal(open_csv(S("a\"b,c\n\"x\"y,z\nok,1\n")), 0);
	assert_int_equal(hs_csv_next(&csv), HS_CSV_BAD);
	assert_int_equal(csv.err_field, 0);
	assert_non_null(strstr(csv.err, "quote inside an unquoted field"));
	assert_int_equal(hs_csv_next(&csv), HS_CSV_BAD);
	assert_non_null(strstr(csv.err, "after a closing quote"));
	assert_int_equal(csv.record, 2);
	RECORD("ok", "1");
	assert_int_equal(csv.record, 3);
}

static void
test_unterminated_quote(void **state)
{
	(void)state;
	assert_int_equal(open_csv(S("a,b\n1,\"open\n2,3\n")), 0);
	RECORD("a", "b");
	assert_int_equal(hs_csv_next(&csv), HS_CSV_BAD);
	assert_string_equal(csv.err, "a quoted field is not closed");
	assert_int_equal(hs_csv_next(&csv), HS_CSV_END);
}

static void
test_bare_cr(void **state)
{
	(void)state;
	assert_int_equal(open_csv(S("a\rb,c\n")), 0);
	assert_int_equal(hs_csv_next(&csv), HS_CSV_BAD);
	assert_string_equal(csv.err, "a carriage return outside quotes");
}

static void
test_too_many_fields(void **state)
{
	char	line[300];
	size_t	i;

	(void)state;
	for (i = 0; i < 70; i++) {
		line[i * 2] = 'x';
		line[i * 2 + 1] = ',';
	}
	memcpy(line + 140, "y\nnext\n", 8);
	assert_int_equal(open_csv(line, strlen(line)), 0);
	assert_int_equal(hs_csv_next(&csv), HS_CSV_BAD);
	assert_int_equal(csv.err_field, -1);
	assert_int_equal(csv.nfields, HS_CSV_MAX_FIELDS);
	RECORD("next");
}

/* ---------------------------------------------------- the import's checks */

static struct hs_import	imp;

static void
import(int kind, const char *s)
{
	hs_import_free(&imp);
	assert_int_equal(hs_import_parse(&imp, kind, s, strlen(s)), 0);
}

static void
test_import_clean_customers(void **state)
{
	const char	*p[HS_IMPORT_PARAMS_MAX];

	(void)state;
	import(HS_IMPORT_CUSTOMERS, "Name,number,phone\r\n"
	    "\"Ani \"\"A\"\"\",C-1,'+628123456789\r\nBob,C-2,\r\n");
	assert_int_equal(imp.rows, 2);
	assert_int_equal(imp.clean, 2);
	assert_int_equal(imp.errors, 0);
	assert_int_equal(hs_import_params(&imp, "user:1", "7", 1, p), 16);
	assert_string_equal(p[2], "true");
	assert_string_equal(p[5], "{}");
	assert_string_equal(p[8], "{2,3}");			/* rows */
	assert_string_equal(p[9], "{\"C-1\",\"C-2\"}");		/* number */
	assert_string_equal(p[10], "{\"Ani \\\"A\\\"\",\"Bob\"}");
	assert_string_equal(p[11], "{NULL,NULL}");	/* no address column */
	/* An export's formula guard comes off; an empty cell is NULL. */
	assert_string_equal(p[12], "{\"+628123456789\",NULL}");
}

static void
test_import_errors_name_row_and_column(void **state)
{
	const char	*p[HS_IMPORT_PARAMS_MAX];

	(void)state;
	import(HS_IMPORT_CUSTOMERS, "number,name,email,phone\n"
	    "C-1,Ani,ani@x.id,0812345678\n"
	    "C 2,Bob,bob,12\n"
	    "C-3,,,\n"
	    "C-4,Dedi\n");
	assert_int_equal(imp.rows, 4);
	assert_int_equal(imp.clean, 1);
	assert_int_equal(imp.errors, 5);
	assert_int_equal(hs_import_params(&imp, "user:1", "7", 0, p), 16);
	assert_string_equal(p[4], "5");
	assert_string_equal(p[5], "{3,3,3,4,5}");
	assert_string_equal(p[6],
	    "{\"number\",\"phone\",\"email\",\"name\",NULL}");
	assert_non_null(strstr(p[7], "may contain only letters, digits and -"));
	assert_non_null(strstr(p[7], "has 2 fields; the header has 4"));
	assert_string_equal(p[8], "{2}");
}

static void
test_import_header_errors(void **state)
{
	const char	*p[HS_IMPORT_PARAMS_MAX];

	(void)state;
	import(HS_IMPORT_CUSTOMERS, "number,nama,number\nC-1,Ani,C-1\n");
	assert_int_equal(imp.rows, 0);
	assert_int_equal(imp.errors, 3);
	hs_import_params(&imp, "user:1", "7", 0, p);
	assert_string_equal(p[5], "{1,1,1}");
	assert_string_equal(p[6], "{\"nama\",\"number\",\"name\"}");
	import(HS_IMPORT_CUSTOMERS, "");
	assert_int_equal(imp.errors, 1);
}

static void
test_import_meters(void **state)
{
	const char	*p[HS_IMPORT_PARAMS_MAX];

	(void)state;
	import(HS_IMPORT_METERS, "number,service_type,sgc,dkga,key_type\n"
	    "47040000011,water,123457,2,1\n"
	    "47040000012,water,123457,,\n"
	    "0000000000001,gas,1000000,3,0\n");
	assert_int_equal(imp.clean, 1);
	assert_int_equal(imp.errors, 6);
	assert_int_equal(hs_import_params(&imp, "user:1", "7", 0, p), 24);
	assert_string_equal(p[5], "{3,4,4,4,4,4}");
	assert_non_null(strstr(p[7], "the check digit is wrong"));
	assert_non_null(strstr(p[7], "must be one of: water/electricity"));
	assert_string_equal(p[9], "{\"47040000011\"}");
	assert_string_equal(p[13], "{\"123457\"}");		/* sgc */
	assert_string_equal(p[23], "{\"600727470400000117\"}");	/* PAN */
}

static void
test_import_error_list_is_capped(void **state)
{
	static char	 big[64 * 2000 + 64];
	const char	*p[HS_IMPORT_PARAMS_MAX];
	size_t		 i, off;

	(void)state;
	off = (size_t)snprintf(big, sizeof(big), "number,name\n");
	for (i = 0; i < 1500; i++)
		off += (size_t)snprintf(big + off, sizeof(big) - off,
		    "x,Name %zu\n", i);
	import(HS_IMPORT_CUSTOMERS, big);
	assert_int_equal(imp.errors, 1500);
	assert_int_equal(imp.listed, HS_IMPORT_ERRORS_MAX);
	hs_import_params(&imp, "user:1", "7", 0, p);
	assert_string_equal(p[4], "1500");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_crlf_lf),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_empty_fields_and_blank_lines),
		cmocka_unit_test(test_bom_is_skipped),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_bad_quotes_resync),
		cmocka_unit_test(test_unterminated_quote),
		cmocka_unit_test(test_bare_cr),
		cmocka_unit_test(test_too_many_fields),
		cmocka_unit_test(test_import_clean_customers),
		cmocka_unit_test(test_import_errors_name_row_and_column),
		cmocka_unit_test(test_import_header_errors),
		cmocka_unit_test(test_import_meters),
		cmocka_unit_test(test_import_error_list_is_capped),
	};
	int	rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	hs_csv_free(&csv);
	hs_import_free(&imp);
	return (rc);
}
