/*
 * The RFC 4180 reader (see csv.h).  One pass over the input, one copy of
 * each field into a buffer allocated once: a record's unescaped text is
 * never longer than its raw text, so a buffer the size of the input (plus
 * one NUL per field) holds any record and reading never allocates again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/csv.h"

int
hs_csv_init(struct hs_csv *csv, const void *data, size_t len)
{
	memset(csv, 0, sizeof(*csv));
	csv->p = data;
	csv->end = csv->p + len;
	/* Spreadsheets start UTF-8 exports with a byte-order mark. */
	if (len >= 3 && csv->p[0] == 0xef && csv->p[1] == 0xbb &&
	    csv->p[2] == 0xbf)
		csv->p += 3;
	csv->bufsz = len + HS_CSV_MAX_FIELDS + 1;
	if ((csv->buf = malloc(csv->bufsz)) == NULL)
		return (-1);
	csv->err_field = -1;
	return (0);
}

void
hs_csv_free(struct hs_csv *csv)
{
	free(csv->buf);
	csv->buf = NULL;
}

/* Remember the first thing wrong with the record; later ones add nothing. */
static void
bad(struct hs_csv *csv, int field, const char *why)
{
	if (csv->err != NULL)
		return;
	csv->err = why;
	csv->err_field = field;
}

/* Does p start a line end (LF or CRLF)? */
static int
line_end(const unsigned char *p, const unsigned char *end)
{
	return (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'));
}

/*
 * Copy one field starting at csv->p into out.  Returns its length; *term
 * says what ended it: ',' (another field follows), '\n' (the record
 * ended) or 0 (the input ended).
 */
static size_t
field(struct hs_csv *csv, int idx, char *out, int *term)
{
	const unsigned char	*p = csv->p, *end = csv->end;
	size_t			 n = 0;

	if (p < end && *p == '"') {
		for (p++;; p++) {
			if (p == end) {
				bad(csv, idx, "a quoted field is not closed");
				break;
			}
			if (*p == '"') {
				if (p + 1 < end && p[1] == '"') {
					out[n++] = '"';
					p++;
					continue;
				}
				p++;
				break;
			}
			out[n++] = (char)*p;
		}
		if (p < end && *p != ',' && !line_end(p, end))
			bad(csv, idx, "text after a closing quote (quote the "
			    "whole field and double the quotes inside it)");
	}
	/* Unquoted text, or what follows a misplaced closing quote. */
	while (p < end && *p != ',' && !line_end(p, end)) {
		if (*p == '"')
			bad(csv, idx, "a quote inside an unquoted field (quote "
			    "the field and double the quote)");
		else if (*p == '\r')
			bad(csv, idx, "a carriage return outside quotes");
		out[n++] = (char)*p++;
	}
	if (p == end) {
		*term = 0;
	} else if (*p == ',') {
		*term = ',';
		p++;
	} else {
		*term = '\n';
		p += *p == '\r' ? 2 : 1;
	}
	csv->p = p;
	if (memchr(out, '\0', n) != NULL)
		bad(csv, idx, "contains a NUL byte");
	else if (!hs_csv_utf8_valid((const unsigned char *)out, n))
		bad(csv, idx, "is not valid UTF-8");
	out[n] = '\0';
	return (n);
}

int
hs_csv_next(struct hs_csv *csv)
{
	char	*out;
	size_t	 n;
	int	 term, idx;

	/* Blank lines separate nothing; skip them. */
	while (csv->p < csv->end && line_end(csv->p, csv->end))
		csv->p += *csv->p == '\r' ? 2 : 1;
	if (csv->p >= csv->end)
		return (HS_CSV_END);
	csv->record++;
	csv->nfields = 0;
	csv->err = NULL;
	csv->err_field = -1;
	out = csv->buf;
	for (idx = 0;; idx++) {
		if (idx >= HS_CSV_MAX_FIELDS) {
			/* Read the excess over the last slot, to resync. */
			bad(csv, -1, "too many fields (at most 64)");
			out = csv->fields[HS_CSV_MAX_FIELDS - 1];
			csv->lens[HS_CSV_MAX_FIELDS - 1] = field(csv,
			    HS_CSV_MAX_FIELDS - 1, out, &term);
		} else {
			n = field(csv, idx, out, &term);
			csv->fields[idx] = out;
			csv->lens[idx] = n;
			csv->nfields++;
			out += n + 1;
		}
		/* After "a,b," at the very end, the next field is empty. */
		if (term != ',')
			break;
	}
	return (csv->err != NULL ? HS_CSV_BAD : HS_CSV_RECORD);
}

int
hs_csv_utf8_valid(const unsigned char *s, size_t len)
{
	size_t		i = 0, need, k;
	uint32_t	cp, min;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			need = 1;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			need = 2;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			need = 3;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else {
			return (0);
		}
		if (len - i <= need)
			return (0);
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
		i += need + 1;
	}
	return (1);
}

size_t
hs_csv_utf8_chars(const char *s, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	}
	return (n);
}
