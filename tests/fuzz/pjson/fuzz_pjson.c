/*
 * The plugins' JSON reader takes bodies from the network before (and
 * after) their signatures are checked: it must never read out of bounds,
 * recurse without limit or write past its output, whatever the bytes.
 * Every path lookup the payment plugins use is tried on each input, and
 * the reader's own promises are checked (abort() marks a broken one):
 *   - no lookup answers from a document pjson_valid() refuses;
 *   - a string comes back NUL-terminated inside its buffer, valid for
 *     pjson_escape() (well-formed UTF-8), and escaping it and reading it
 *     back gives the same bytes;
 *   - money is never negative, and is an int when pjson_int says so.
 * The input is copied to a buffer of exactly its length, so ASan sees
 * any read past the end.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pjson.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static const char *const paths[] = {
	"", "order_id", "status", "amount", "timestamp", "event_id",
	"transaction_details.order_id", "va_numbers.0.va_number",
	"gross_amount", "paid_amount", "signature_key", "a.b.c.d.e.f", "0",
	"1.0", "items.3", "a..b", "a.", ".a", "list.01", "s",
};

/* Escape s, wrap it in a document and read it back: the same bytes. */
static void
roundtrip(const char *s)
{
	char	esc[6 * 64 + 1], doc[6 * 64 + 16], back[64];
	int	n;

	if (pjson_escape(s, esc, sizeof(esc)) == -1)
		abort();
	n = snprintf(doc, sizeof(doc), "[\"%s\"]", esc);
	if (n < 0 || (size_t)n >= sizeof(doc) ||
	    pjson_string(doc, (size_t)n, "0", back, sizeof(back)) == -1 ||
	    strcmp(back, s))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char		*s, out[64], tiny[2], esc[256], in[64];
	int64_t		 v, m;
	size_t		 i, n;
	int		 valid, b, t;

	if ((s = malloc(len ? len : 1)) == NULL)
		return (0);
	memcpy(s, data, len);
	valid = pjson_valid(s, len) == 0;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		memset(out, 'x', sizeof(out));
		if (pjson_string(s, len, paths[i], out, sizeof(out)) == 0) {
			if (!valid || memchr(out, '\0', sizeof(out)) == NULL)
				abort();
			roundtrip(out);
		}
		if (pjson_string(s, len, paths[i], tiny, sizeof(tiny)) == 0 &&
		    (!valid || strlen(tiny) > 1))
			abort();
		if (pjson_int(s, len, paths[i], &v) == 0 && !valid)
			abort();
		if (pjson_money(s, len, paths[i], &m) == 0) {
			if (!valid || m < 0)
				abort();
			if (pjson_int(s, len, paths[i], &v) == 0 && v != m)
				abort();
		}
		if (pjson_bool(s, len, paths[i], &b) == 0 &&
		    (!valid || (b != 0 && b != 1)))
			abort();
		t = pjson_type(s, len, paths[i]);
		if (t != -1 && (!valid || t < PJSON_NULL || t > PJSON_OBJECT))
			abort();
	}
	free(s);

	/* The escaper on the same bytes as a C string. */
	n = len < sizeof(in) - 1 ? len : sizeof(in) - 1;
	memcpy(in, data, n);
	in[n] = '\0';
	if (pjson_escape(in, esc, sizeof(esc)) == 0)
		roundtrip(in);
	(void)pjson_escape(in, esc, 8);
	return (0);
}
