/*
 * Any bytes through the CSV reader and both kinds of import: no crash,
 * no read outside the input, and the reader's own promises hold (fields
 * NUL-terminated at their length, at most HS_CSV_MAX_FIELDS, record
 * numbers increasing, every record consumes input so the loop ends).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/csv.h"
#include "api/import.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct hs_csv		 csv;
	struct hs_import	 imp;
	const char		*params[HS_IMPORT_PARAMS_MAX];
	size_t			 i, last = 0;
	int			 rc;

	if (hs_csv_init(&csv, data, len) == -1)
		return (0);
	while ((rc = hs_csv_next(&csv)) != HS_CSV_END) {
		if (csv.record != last + 1 || csv.nfields == 0 ||
		    csv.nfields > HS_CSV_MAX_FIELDS)
			abort();
		if (rc == HS_CSV_BAD && csv.err == NULL)
			abort();
		for (i = 0; i < csv.nfields; i++) {
			if (strlen(csv.fields[i]) > csv.lens[i] ||
			    csv.fields[i][csv.lens[i]] != '\0')
				abort();
		}
		last = csv.record;
	}
	hs_csv_free(&csv);

	if (hs_import_parse(&imp, HS_IMPORT_CUSTOMERS, data, len) == 0)
		(void)hs_import_params(&imp, "fuzz", "1", 1, params);
	hs_import_free(&imp);
	if (hs_import_parse(&imp, HS_IMPORT_METERS, data, len) == 0)
		(void)hs_import_params(&imp, "fuzz", "1", 0, params);
	hs_import_free(&imp);
	return (0);
}
