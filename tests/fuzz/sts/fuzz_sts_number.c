/*
 * libFuzzer target: the 20-digit parser.  Whatever parses must format back
 * to the same digits, and split/join must be inverse.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sts/sts.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_sts_number	n, m;
	uint8_t			block[8], tclass;
	char			out[HS_STS_TOKEN_BUFSZ];

	if (hs_sts_number_parse(&n, (const char *)data, size) != HS_STS_OK)
		return (0);
	if (size != 20 || (n.b[0] & 0xFC) != 0)
		__builtin_trap();
	hs_sts_number_format(&n, out);
	if (memcmp(out, data, 20) != 0 || out[20] != '\0')
		__builtin_trap();
	tclass = hs_sts_number_split(&n, block);
	hs_sts_number_join(&m, tclass, block);
	if (memcmp(&m, &n, sizeof(n)) != 0)
		__builtin_trap();
	return (0);
}
