/*
 * An RFC 4180 CSV reader over a buffer held in memory, shared by the
 * server's import endpoints, `hydrosync import` and the fuzzer.  Plain C:
 * no Kore, no libpq.
 *
 * The reader hands out one record at a time, its fields unescaped and
 * NUL-terminated.  It accepts what RFC 4180 describes and what real
 * exports produce: CRLF or LF line ends, a missing final line end, a
 * UTF-8 byte-order mark at the start (spreadsheets write one), and blank
 * lines (skipped).  Every field must be valid UTF-8 without NUL bytes.
 *
 * A record that breaks the format is reported, not fatal: hs_csv_next()
 * returns HS_CSV_BAD with the reason and the field it concerns, and the
 * reader carries on at the next record, so an import can list every bad
 * row of a file in one pass.  Only an unterminated quoted field swallows
 * the rest of the input (there is no way to tell where it should end).
 */
#ifndef HS_CSV_H
#define HS_CSV_H

#include <stddef.h>

#define HS_CSV_MAX_FIELDS	64

#define HS_CSV_END	0	/* no more records */
#define HS_CSV_RECORD	1	/* a well-formed record */
#define HS_CSV_BAD	2	/* a malformed record: see err, err_field */

struct hs_csv {
	const unsigned char	*p;		/* next byte to read */
	const unsigned char	*end;
	size_t			 record;	/* 1-based; the header is 1 */
	size_t			 nfields;
	char			*fields[HS_CSV_MAX_FIELDS];
	size_t			 lens[HS_CSV_MAX_FIELDS];
	const char		*err;		/* static text, for HS_CSV_BAD */
	int			 err_field;	/* 0-based, -1 for the record */

	/* Unescaped text of the current record; as large as the input. */
	char			*buf;
	size_t			 bufsz;
};

/* Read from data[0..len); -1 when out of memory. */
int	hs_csv_init(struct hs_csv *csv, const void *data, size_t len);
void	hs_csv_free(struct hs_csv *csv);

/* The next record: HS_CSV_RECORD, HS_CSV_BAD or HS_CSV_END. */
int	hs_csv_next(struct hs_csv *csv);

/* Is s[0..len) valid UTF-8 (no overlongs, no surrogates)? */
int	hs_csv_utf8_valid(const unsigned char *s, size_t len);

/* The number of characters (code points) in valid UTF-8 text. */
size_t	hs_csv_utf8_chars(const char *s, size_t len);

#endif
