/*
 * A small JSON reader for plugins: no allocation, bounded depth, every
 * read checked against the end of the buffer.  Values are found by a
 * dotted path of object keys and array indices ("va_numbers.0.va_number").
 * Plugins link it statically (plugins/payment/payment.mk); it never
 * becomes part of the ABI.
 */
#ifndef HS_PJSON_H
#define HS_PJSON_H

#include <stddef.h>
#include <stdint.h>

#define PJSON_DEPTH	32

/* 0 when s[0..len) is one well-formed JSON value (and nothing after). */
int	pjson_valid(const char *s, size_t len);

/* The string at path, unescaped (\uXXXX to UTF-8) into out; 0 or -1. */
int	pjson_string(const char *s, size_t len, const char *path, char *out,
	    size_t outlen);

/* The integer at path (a number without fraction or exponent); 0 or -1. */
int	pjson_int(const char *s, size_t len, const char *path, int64_t *out);

/*
 * Money in whole rupiah at path: an integer number, or a string of digits
 * with an optional ".0" or ".00" ("12500.00"); any other fraction is
 * refused.  0 or -1.
 */
int	pjson_money(const char *s, size_t len, const char *path,
	    int64_t *out);

/* in escaped for a JSON string (without quotes); -1 when out is short. */
int	pjson_escape(const char *in, char *out, size_t outlen);

#endif
