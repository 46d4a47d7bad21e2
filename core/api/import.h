/*
 * Bulk import of customers and meters from CSV, the half that runs in C:
 * shared by the server (core/api/csv.c) and `hydrosync import`
 * (core/cli/import.c), so both accept exactly the same files.  Plain C:
 * no Kore, no libpq.
 *
 * hs_import_parse() reads the whole file once: the header names the
 * columns (any order, case-insensitive); every data row is checked field
 * by field (lengths, character sets, numbers and their ranges, allowed
 * values, the meter number's Luhn digit) and, when clean, appended to one
 * PostgreSQL array literal per column.  Rows with errors are left out and
 * their errors (row, column, message) kept.  The checks that need the
 * whole set or the database (duplicate numbers, unknown groups, tariffs
 * and customers) happen in ONE call of hs_import_customers() /
 * hs_import_meters() (migration 0006), which also receives the errors
 * found here, merges them with its own, and inserts everything, with one
 * audit row, only when nothing at all is wrong and it is not a dry run.
 *
 * Rows are numbered as a spreadsheet shows them: the header is row 1.
 */
#ifndef HS_IMPORT_H
#define HS_IMPORT_H

#include <stddef.h>

#include "api/csv.h"

#define HS_IMPORT_CUSTOMERS	1
#define HS_IMPORT_METERS	2

/* Errors listed in a report; the total is always exact. */
#define HS_IMPORT_ERRORS_MAX	1000

#define HS_IMPORT_COLS_MAX	16
#define HS_IMPORT_PARAMS_MAX	(9 + HS_IMPORT_COLS_MAX + 1)

struct hs_import_buf {
	char	*data;
	size_t	 len;
	size_t	 size;
};

struct hs_import {
	int			 kind;
	size_t			 ncols;
	/* Where each of the kind's columns is in the file, or -1. */
	int			 field[HS_IMPORT_COLS_MAX];
	size_t			 nheader;	/* fields in the header */

	/* One array literal per column, plus the row numbers and PANs. */
	struct hs_import_buf	 col[HS_IMPORT_COLS_MAX];
	struct hs_import_buf	 rownum;
	struct hs_import_buf	 pan;

	/* Errors found in C: the first HS_IMPORT_ERRORS_MAX of them. */
	struct hs_import_buf	 err_row;
	struct hs_import_buf	 err_col;
	struct hs_import_buf	 err_msg;
	size_t			 errors;	/* all of them */
	size_t			 listed;

	size_t			 rows;		/* data rows in the file */
	size_t			 clean;		/* rows passed on to SQL */
	int			 oom;

	/* The query's parameters as text (hs_import_params). */
	char			 num[5][24];
};

/* Parse and check a whole file; -1 only when out of memory. */
int	hs_import_parse(struct hs_import *imp, int kind, const void *data,
	    size_t len);

/*
 * The parameters of hs_import_sql(kind), valid while imp lives.  actor
 * goes to the audit row; utility is the utility's id as text.  Returns
 * the number of parameters.
 */
int	hs_import_params(struct hs_import *imp, const char *actor,
	    const char *utility, int dry_run,
	    const char *params[HS_IMPORT_PARAMS_MAX]);

/* "SELECT ok, report, summary FROM hs_import_...($1, ...)". */
const char	*hs_import_sql(int kind);

void	hs_import_free(struct hs_import *imp);

/*
 * A meter number (the DRN printed on the meter: 11 or 13 digits, the
 * last a Luhn digit) and the PAN made from it (IIN 600727 for 11 digits,
 * 0000 for 13).  The one definition of the rule, for the CSV import and
 * the JSON API.  Returns 0, or -1 with *why set to a static message.
 */
int	hs_meter_number_parse(const char *number, size_t len, char pan[19],
	    const char **why);

#endif
