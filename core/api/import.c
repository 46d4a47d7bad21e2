/*
 * The C half of the CSV import (see import.h): the columns each kind of
 * file may have, the per-field rules, and the array literals handed to
 * the one SQL call that does the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/import.h"
#include "sts/sts.h"

#define NUMCHARS	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
			"abcdefghijklmnopqrstuvwxyz-"
#define CODECHARS	NUMCHARS "._"

enum col_type {
	T_CODE,		/* identifiers: a fixed character set */
	T_TEXT,		/* free text, one line */
	T_LINES,	/* free text, may span lines (addresses) */
	T_PHONE,
	T_EMAIL,
	T_INT,
	T_CHOICE,	/* one of "a|b|c" */
	T_DRN		/* a meter number; also yields the PAN */
};

struct col {
	const char	*name;
	enum col_type	 type;
	int		 required;	/* in the header and never empty */
	long		 min, max;	/* characters, or the value for T_INT */
	const char	*allowed;	/* T_CODE: characters; T_CHOICE: values */
	const char	*rule;		/* T_CODE: the characters, in words */
};

/* The order of each table is the order of the SQL function's arrays. */
static const struct col customer_cols[] = {
	{ "number", T_CODE, 1, 3, 32, NUMCHARS, "letters, digits and -" },
	{ "name", T_TEXT, 1, 1, 200, NULL, NULL },
	{ "address", T_LINES, 0, 0, 300, NULL, NULL },
	{ "phone", T_PHONE, 0, 0, 0, NULL, NULL },
	{ "email", T_EMAIL, 0, 3, 254, NULL, NULL },
	{ "group", T_CODE, 0, 1, 32, CODECHARS, "letters, digits and . _ -" },
	{ "status", T_CHOICE, 0, 0, 0, "active|inactive", NULL },
};

static const struct col meter_cols[] = {
	{ "number", T_DRN, 1, 0, 0, NULL, NULL },
	{ "customer_number", T_CODE, 0, 3, 32, NUMCHARS,
	    "letters, digits and -" },
	{ "service_type", T_CHOICE, 1, 0, 0, "water|electricity", NULL },
	{ "tariff", T_CODE, 0, 1, 32, CODECHARS, "letters, digits and . _ -" },
	{ "sgc", T_INT, 1, 0, 999999, NULL, NULL },
	{ "tariff_index", T_INT, 0, 0, 99, NULL, NULL },
	{ "key_revision", T_INT, 0, 1, 9, NULL, NULL },
	{ "key_type", T_INT, 0, 1, 3, NULL, NULL },
	{ "key_expiry", T_INT, 0, 0, 255, NULL, NULL },
	{ "algorithm", T_CHOICE, 0, 0, 0, "EA07|EA11", NULL },
	{ "dkga", T_CHOICE, 0, 0, 0, "2|4", NULL },
	{ "base_date", T_CHOICE, 0, 0, 0, "1993|2014|2035", NULL },
	{ "install_address", T_LINES, 0, 0, 300, NULL, NULL },
	{ "status", T_CHOICE, 0, 0, 0, "active|blocked|removed", NULL },
};

#define NCUSTOMER_COLS	(sizeof(customer_cols) / sizeof(customer_cols[0]))
#define NMETER_COLS	(sizeof(meter_cols) / sizeof(meter_cols[0]))

static const struct col *
cols_of(int kind, size_t *n)
{
	if (kind == HS_IMPORT_METERS) {
		*n = NMETER_COLS;
		return (meter_cols);
	}
	*n = NCUSTOMER_COLS;
	return (customer_cols);
}

int
hs_meter_number_parse(const char *number, size_t len, char pan[19],
    const char **why)
{
	if ((len != 11 && len != 13) ||
	    strspn(number, "0123456789") < len) {
		*why = "must be 11 or 13 digits";
		return (-1);
	}
	if (hs_sts_drn_validate(number, len) != HS_STS_OK) {
		*why = "the check digit is wrong (11 or 13 digits, Luhn)";
		return (-1);
	}
	if (hs_sts_pan_make(len == 11 ? "600727" : "0000", len == 11 ? 6 : 4,
	    number, len, pan) != HS_STS_OK) {
		*why = "cannot make a PAN from this meter number";
		return (-1);
	}
	return (0);
}

/* ------------------------------------------------------------ buffers */

static void
buf_add(struct hs_import *imp, struct hs_import_buf *b, const char *s,
    size_t len)
{
	size_t	 want;
	char	*p;

	if (imp->oom)
		return;
	if (b->len + len + 1 > b->size) {
		want = b->size ? b->size : 4096;
		while (want < b->len + len + 1)
			want *= 2;
		if ((p = realloc(b->data, want)) == NULL) {
			imp->oom = 1;
			return;
		}
		b->data = p;
		b->size = want;
	}
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
}

/* The array literal, closed; "{}" when it has no elements. */
static const char *
array_text(struct hs_import *imp, struct hs_import_buf *b)
{
	if (b->len == 0)
		return ("{}");
	if (b->data[b->len - 1] != '}')
		buf_add(imp, b, "}", 1);
	return (imp->oom ? "{}" : b->data);
}

/*
 * Append one element to an array literal: NULL for an absent value, else
 * a double-quoted string with \ and " escaped (the array input syntax).
 */
static void
array_add(struct hs_import *imp, struct hs_import_buf *b, const char *v,
    size_t len)
{
	const char	*p, *q, *end;

	buf_add(imp, b, b->len == 0 ? "{" : ",", 1);
	if (v == NULL) {
		buf_add(imp, b, "NULL", 4);
		return;
	}
	end = v + len;
	buf_add(imp, b, "\"", 1);
	for (p = v; p < end; p = q + 1) {
		for (q = p; q < end && *q != '"' && *q != '\\'; q++)
			;
		buf_add(imp, b, p, (size_t)(q - p));
		if (q == end)
			break;
		buf_add(imp, b, "\\", 1);
		buf_add(imp, b, q, 1);
	}
	buf_add(imp, b, "\"", 1);
}

static void
error_add(struct hs_import *imp, size_t row, const char *column,
    const char *msg)
{
	char	num[24];

	imp->errors++;
	if (imp->listed >= HS_IMPORT_ERRORS_MAX)
		return;
	imp->listed++;
	snprintf(num, sizeof(num), "%zu", row);
	buf_add(imp, &imp->err_row, imp->err_row.len ? "," : "{", 1);
	buf_add(imp, &imp->err_row, num, strlen(num));
	array_add(imp, &imp->err_col, column, column ? strlen(column) : 0);
	array_add(imp, &imp->err_msg, msg, strlen(msg));
}

/* -------------------------------------------------------------- fields */

static int
has_control(const char *v, size_t len, int lines)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (lines && (c == '\n' || c == '\r' || c == '\t'))
			continue;
		if (c < 0x20 || c == 0x7f)
			return (1);
	}
	return (0);
}

static int
is_choice(const char *allowed, const char *v, size_t len)
{
	const char	*p = allowed, *bar;
	size_t		 n;

	for (;;) {
		bar = strchr(p, '|');
		n = bar ? (size_t)(bar - p) : strlen(p);
		if (n == len && !memcmp(p, v, n))
			return (1);
		if (bar == NULL)
			return (0);
		p = bar + 1;
	}
}

static int
email_ok(const char *v, size_t len)
{
	const char	*at = memchr(v, '@', len);

	if (at == NULL || at == v || at == v + len - 1 ||
	    memchr(at + 1, '@', (size_t)(v + len - at - 1)) != NULL)
		return (0);
	return (memchr(v, ' ', len) == NULL);
}

/*
 * Check one value against its column's rule.  out gets the text to store
 * (a number in canonical form); NULL *why means fine.
 */
static const char *
field_check(const struct col *c, const char *v, size_t len, char *out,
    size_t outlen, char *msg, size_t msglen, char pan[19])
{
	const char	*why = NULL;
	size_t		 chars;
	char		*end;
	long		 n;

	if (c->type != T_LINES && has_control(v, len, 0))
		return ("contains a control character");
	if (c->type == T_LINES && has_control(v, len, 1))
		return ("contains a control character");
	switch (c->type) {
	case T_CODE:
	case T_TEXT:
	case T_LINES:
		chars = hs_csv_utf8_chars(v, len);
		if ((long)chars < c->min || (long)chars > c->max) {
			snprintf(msg, msglen, "must be %ld to %ld characters "
			    "long (is %zu)", c->min, c->max, chars);
			return (msg);
		}
		if (c->type == T_CODE && strspn(v, c->allowed) != len) {
			snprintf(msg, msglen, "may contain only %s", c->rule);
			return (msg);
		}
		return (NULL);
	case T_PHONE:
		chars = len - (v[0] == '+');
		if (chars < 8 || chars > 15 ||
		    strspn(v + (v[0] == '+'), "0123456789") != chars)
			return ("must be 8 to 15 digits, with an optional "
			    "leading +");
		return (NULL);
	case T_EMAIL:
		if (len < 3 || len > 254 || !email_ok(v, len))
			return ("must be an email address (3 to 254 "
			    "characters)");
		return (NULL);
	case T_INT:
		n = strtol(v, &end, 10);
		if (len > 9 || strspn(v, "0123456789") != len ||
		    n < c->min || n > c->max) {
			snprintf(msg, msglen, "must be a whole number from "
			    "%ld to %ld", c->min, c->max);
			return (msg);
		}
		snprintf(out, outlen, "%ld", n);
		return (NULL);
	case T_CHOICE:
		if (!is_choice(c->allowed, v, len)) {
			snprintf(msg, msglen, "must be one of: %s", c->allowed);
			for (end = msg; (end = strchr(end, '|')) != NULL;)
				*end = '/';
			return (msg);
		}
		return (NULL);
	case T_DRN:
		if (hs_meter_number_parse(v, len, pan, &why) == -1)
			return (why);
		return (NULL);
	}
	return ("unknown column type");
}

/*
 * A cell that an export escaped against formula injection ('=..., '+...)
 * comes back without the quote, so an export imports unchanged.
 */
static const char *
unescape(const char *v, size_t *len)
{
	if (*len >= 2 && v[0] == '\'' && strchr("=+-@\t\r", v[1]) != NULL) {
		(*len)--;
		return (v + 1);
	}
	return (v);
}

/* ------------------------------------------------------------- records */

static int
header(struct hs_import *imp, struct hs_csv *csv, const struct col *cols)
{
	char	msg[128];
	size_t	i, k;
	int	bad = 0;

	imp->nheader = csv->nfields;
	for (i = 0; i < csv->nfields; i++) {
		for (k = 0; k < imp->ncols; k++) {
			if (!strcasecmp(csv->fields[i], cols[k].name))
				break;
		}
		if (k == imp->ncols) {
			error_add(imp, 1, csv->fields[i], "unknown column");
			bad = 1;
		} else if (imp->field[k] != -1) {
			error_add(imp, 1, cols[k].name, "the column appears "
			    "twice");
			bad = 1;
		} else {
			imp->field[k] = (int)i;
		}
	}
	for (k = 0; k < imp->ncols; k++) {
		if (cols[k].required && imp->field[k] == -1) {
			snprintf(msg, sizeof(msg), "the required column %s is "
			    "missing", cols[k].name);
			error_add(imp, 1, cols[k].name, msg);
			bad = 1;
		}
	}
	return (bad ? -1 : 0);
}

/* Check one data record; append it to the arrays when it is clean. */
static void
record(struct hs_import *imp, struct hs_csv *csv, const struct col *cols)
{
	const char	*val[HS_IMPORT_COLS_MAX], *why;
	size_t		 len[HS_IMPORT_COLS_MAX], k;
	char		 canon[HS_IMPORT_COLS_MAX][24], msg[160], pan[19];
	char		 num[24];
	int		 errs = 0;

	imp->rows++;
	if (csv->nfields != imp->nheader) {
		snprintf(msg, sizeof(msg), "has %zu fields; the header has %zu",
		    csv->nfields, imp->nheader);
		error_add(imp, csv->record, NULL, msg);
		return;
	}
	pan[0] = '\0';
	for (k = 0; k < imp->ncols; k++) {
		val[k] = NULL;
		len[k] = 0;
		canon[k][0] = '\0';
		if (imp->field[k] == -1)
			continue;
		len[k] = csv->lens[imp->field[k]];
		val[k] = unescape(csv->fields[imp->field[k]], &len[k]);
		if (len[k] == 0) {
			val[k] = NULL;
			if (cols[k].required) {
				error_add(imp, csv->record, cols[k].name,
				    "is required");
				errs++;
			}
			continue;
		}
		why = field_check(&cols[k], val[k], len[k], canon[k],
		    sizeof(canon[k]), msg, sizeof(msg), pan);
		if (why != NULL) {
			error_add(imp, csv->record, cols[k].name, why);
			errs++;
		}
	}
	if (errs > 0)
		return;
	imp->clean++;
	snprintf(num, sizeof(num), "%zu", csv->record);
	buf_add(imp, &imp->rownum, imp->rownum.len ? "," : "{", 1);
	buf_add(imp, &imp->rownum, num, strlen(num));
	for (k = 0; k < imp->ncols; k++) {
		if (canon[k][0] != '\0')
			array_add(imp, &imp->col[k], canon[k],
			    strlen(canon[k]));
		else
			array_add(imp, &imp->col[k], val[k], len[k]);
	}
	if (imp->kind == HS_IMPORT_METERS)
		array_add(imp, &imp->pan, pan, strlen(pan));
}

/* The column at a position of the file (the header named them all). */
static const char *
header_name(const struct hs_import *imp, const struct col *cols, int idx)
{
	size_t	k;

	for (k = 0; k < imp->ncols; k++) {
		if (imp->field[k] == idx)
			return (cols[k].name);
	}
	return (NULL);
}

int
hs_import_parse(struct hs_import *imp, int kind, const void *data,
    size_t len)
{
	struct hs_csv	 csv;
	const struct col *cols;
	size_t		 k;
	int		 rc;

	memset(imp, 0, sizeof(*imp));
	imp->kind = kind;
	cols = cols_of(kind, &imp->ncols);
	for (k = 0; k < HS_IMPORT_COLS_MAX; k++)
		imp->field[k] = -1;
	if (hs_csv_init(&csv, data, len) == -1)
		return (-1);
	rc = hs_csv_next(&csv);
	if (rc == HS_CSV_END) {
		error_add(imp, 1, NULL, "the file is empty; it needs a header "
		    "row naming the columns");
	} else if (rc == HS_CSV_BAD) {
		error_add(imp, 1, NULL, csv.err);
	} else if (header(imp, &csv, cols) == 0) {
		while ((rc = hs_csv_next(&csv)) != HS_CSV_END) {
			if (rc == HS_CSV_RECORD) {
				record(imp, &csv, cols);
				continue;
			}
			imp->rows++;
			error_add(imp, csv.record, csv.err_field >= 0 &&
			    (size_t)csv.err_field < imp->nheader ?
			    header_name(imp, cols, csv.err_field) : NULL,
			    csv.err);
		}
	}
	hs_csv_free(&csv);
	return (imp->oom ? -1 : 0);
}

int
hs_import_params(struct hs_import *imp, const char *actor,
    const char *utility, int dry_run,
    const char *params[HS_IMPORT_PARAMS_MAX])
{
	size_t	k;
	int	n = 0;

	snprintf(imp->num[0], sizeof(imp->num[0]), "%s",
	    dry_run ? "true" : "false");
	snprintf(imp->num[1], sizeof(imp->num[1]), "%zu", imp->rows);
	snprintf(imp->num[2], sizeof(imp->num[2]), "%zu", imp->errors);
	params[n++] = actor;
	params[n++] = utility;
	params[n++] = imp->num[0];
	params[n++] = imp->num[1];
	params[n++] = imp->num[2];
	params[n++] = array_text(imp, &imp->err_row);
	params[n++] = array_text(imp, &imp->err_col);
	params[n++] = array_text(imp, &imp->err_msg);
	params[n++] = array_text(imp, &imp->rownum);
	for (k = 0; k < imp->ncols; k++)
		params[n++] = array_text(imp, &imp->col[k]);
	if (imp->kind == HS_IMPORT_METERS)
		params[n++] = array_text(imp, &imp->pan);
	return (imp->oom ? -1 : n);
}

const char *
hs_import_sql(int kind)
{
	if (kind == HS_IMPORT_METERS)
		return ("SELECT ok, report, summary FROM hs_import_meters($1, "
		    "$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
		    "$15, $16, $17, $18, $19, $20, $21, $22, $23, $24)");
	return ("SELECT ok, report, summary FROM hs_import_customers($1, $2, "
	    "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)");
}

void
hs_import_free(struct hs_import *imp)
{
	size_t	k;

	for (k = 0; k < HS_IMPORT_COLS_MAX; k++)
		free(imp->col[k].data);
	free(imp->rownum.data);
	free(imp->pan.data);
	free(imp->err_row.data);
	free(imp->err_col.data);
	free(imp->err_msg.data);
	memset(imp, 0, sizeof(*imp));
}
