/*
 * The plugins' JSON reader takes bodies from the network before (and
 * after) their signatures are checked: it must never read out of bounds,
 * recurse without limit or write past its output, whatever the bytes.
 * Every path lookup the payment plugins use is tried on each input.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pjson.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static const char *const paths[] = {
	"order_id", "status", "amount", "timestamp", "event_id",
	"transaction_details.order_id", "va_numbers.0.va_number",
	"gross_amount", "a.b.c.d.e.f", "0", "items.3", "",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char	*s = (const char *)data;
	char		 out[64], esc[256], in[64];
	int64_t		 v;
	size_t		 i, n;

	(void)pjson_valid(s, len);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		(void)pjson_string(s, len, paths[i], out, sizeof(out));
		(void)pjson_int(s, len, paths[i], &v);
		(void)pjson_money(s, len, paths[i], &v);
	}
	n = len < sizeof(in) - 1 ? len : sizeof(in) - 1;
	memcpy(in, data, n);
	in[n] = '\0';
	(void)pjson_escape(in, esc, sizeof(esc));
	(void)pjson_escape(in, esc, 8);
	return (0);
}
