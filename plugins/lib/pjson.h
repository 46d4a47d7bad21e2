/*
 * A small JSON reader for plugins: no allocation, bounded depth, every
 * read checked against the end of the buffer.  Values are found by a
 * dotted path of object keys and array indices ("va_numbers.0.va_number");
 * the empty path is the document itself.  Plugins link it statically
 * (plugins/payment/payment.mk); it never becomes part of the ABI.
 *
 * Every lookup validates the whole document first (RFC 8259, strings in
 * UTF-8, at most PJSON_DEPTH nested containers), so a lookup never
 * answers from a document that would be refused as a whole.  An object
 * holding the looked-up key twice is refused: two parsers that disagree
 * on which copy wins are how signed fields get smuggled.
 *
 * Inputs need not be NUL-terminated.  Every function returns 0 or -1.
 */
#ifndef HS_PJSON_H
#define HS_PJSON_H

#include <stddef.h>
#include <stdint.h>

#define PJSON_DEPTH	32

/* Value types, from pjson_type(). */
#define PJSON_NULL	1
#define PJSON_FALSE	2
#define PJSON_TRUE	3
#define PJSON_NUMBER	4
#define PJSON_STRING	5
#define PJSON_ARRAY	6
#define PJSON_OBJECT	7

/* 0 when s[0..len) is one well-formed JSON value (and nothing after). */
int	pjson_valid(const char *s, size_t len);

/* The PJSON_* type of the value at path, or -1 when there is none. */
int	pjson_type(const char *s, size_t len, const char *path);

/*
 * The string at path, unescaped (\uXXXX, surrogate pairs included, to
 * UTF-8) into out, NUL-terminated.  -1 when it is not a string, holds
 * \u0000 or does not fit in outlen bytes.
 */
int	pjson_string(const char *s, size_t len, const char *path, char *out,
	    size_t outlen);

/*
 * The integer at path: a number without fraction or exponent that fits
 * in an int64_t ("12", "-7"; not "12.0", "1e3", "12500.00").
 */
int	pjson_int(const char *s, size_t len, const char *path, int64_t *out);

/*
 * Money in whole rupiah at path, never negative: an integer number, a
 * number whose fraction is exactly ".0" or ".00", or a string of digits
 * with an optional ".0" or ".00" ("12500.00", as Midtrans sends it).  Any
 * other fraction ("12500.50"), a sign, an exponent or leading zeros are
 * refused: a payment is never rounded.
 */
int	pjson_money(const char *s, size_t len, const char *path,
	    int64_t *out);

/* The boolean at path: 1 for true, 0 for false. */
int	pjson_bool(const char *s, size_t len, const char *path, int *out);

/*
 * in escaped for the inside of a JSON string (no quotes added), for
 * building request bodies with snprintf.  -1 when out is too short or in
 * is not valid UTF-8.
 */
int	pjson_escape(const char *in, char *out, size_t outlen);

#endif
