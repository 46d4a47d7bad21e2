#include <stdlib.h>
#include <string.h>

#include "api/result.h"

#define CSV_LIMIT_MAX	100000

/* Is this a CSV export of a list (?format=csv)? */
static int
want_csv(struct hs_req *r)
{
	char	fmt[8];

	return (hs_req_arg(r, "format", fmt, sizeof(fmt)) == 0 &&
	    !strcmp(fmt, "csv"));
}

/*
 * One CSV cell, RFC 4180 quoted.  A text cell that a spreadsheet would
 * run as a formula (= + - @, tab, CR) gets a leading quote mark.
 */
static void
csv_cell(struct kore_buf *b, const char *s, int text)
{
	const char	*p;

	kore_buf_append(b, "\"", 1);
	if (text && (*s == '=' || *s == '+' || *s == '-' || *s == '@' ||
	    *s == '\t' || *s == '\r'))
		kore_buf_append(b, "'", 1);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			kore_buf_append(b, "\"\"", 2);
		else
			kore_buf_append(b, p, 1);
	}
	kore_buf_append(b, "\"", 1);
}

static void
csv_value(struct kore_buf *b, struct kore_json_item *v)
{
	struct kore_buf	tmp;
	char		num[64];

	switch (v->type) {
	case KORE_JSON_TYPE_STRING:
		csv_cell(b, v->data.string, 1);
		break;
	case KORE_JSON_TYPE_INTEGER:
		snprintf(num, sizeof(num), "%lld", (long long)v->data.s64);
		csv_cell(b, num, 0);
		break;
	case KORE_JSON_TYPE_INTEGER_U64:
		snprintf(num, sizeof(num), "%llu",
		    (unsigned long long)v->data.u64);
		csv_cell(b, num, 0);
		break;
	case KORE_JSON_TYPE_NUMBER:
		snprintf(num, sizeof(num), "%.17g", v->data.number);
		csv_cell(b, num, 0);
		break;
	case KORE_JSON_TYPE_LITERAL:
		csv_cell(b, v->data.literal == KORE_JSON_TRUE ? "true" :
		    v->data.literal == KORE_JSON_FALSE ? "false" : "", 0);
		break;
	default:
		/* Nested lists and objects travel as their JSON text. */
		kore_buf_init(&tmp, 128);
		{
			char	*name = v->name;

			v->name = NULL;		/* the value, without its key */
			kore_json_item_tobuf(v, &tmp);
			v->name = name;
		}
		kore_buf_append(&tmp, "", 1);
		csv_cell(b, (const char *)tmp.data, 1);
		kore_buf_cleanup(&tmp);
		break;
	}
}

/*
 * A list reply ({"items": [...]}) as CSV: one column per key of the
 * first item, in order, one row per item.  Every list endpoint gets an
 * export this way (?format=csv).
 */
static int
reply_csv(struct hs_req *r, const char *json, size_t len)
{
	struct kore_json	 j;
	struct kore_json_item	*items, *first, *item, *key, *v;
	struct kore_buf		 b;
	char			 disp[128];
	const char		*name;
	int			 col;

	kore_json_init(&j, json, len);
	if (!kore_json_parse(&j) ||
	    (items = kore_json_find_array(j.root, "items")) == NULL) {
		kore_json_cleanup(&j);
		return (hs_reply_error(r, 400, "not_a_list", "only lists can "
		    "be exported as CSV", "format"));
	}
	kore_buf_init(&b, 65536);
	first = TAILQ_FIRST(&items->data.items);
	if (first != NULL && first->type == KORE_JSON_TYPE_OBJECT) {
		col = 0;
		TAILQ_FOREACH(key, &first->data.items, list) {
			if (col++)
				kore_buf_append(&b, ",", 1);
			csv_cell(&b, key->name, 1);
		}
		kore_buf_append(&b, "\r\n", 2);
		TAILQ_FOREACH(item, &items->data.items, list) {
			col = 0;
			TAILQ_FOREACH(key, &first->data.items, list) {
				if (col++)
					kore_buf_append(&b, ",", 1);
				v = NULL;
				if (item->type == KORE_JSON_TYPE_OBJECT) {
					TAILQ_FOREACH(v, &item->data.items,
					    list) {
						if (!strcmp(v->name, key->name))
							break;
					}
				}
				if (v != NULL)
					csv_value(&b, v);
			}
			kore_buf_append(&b, "\r\n", 2);
		}
	}
	kore_json_cleanup(&j);
	name = strrchr(r->route->path, '/');
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s.csv\"",
	    name != NULL ? name + 1 : "export");
	http_response_header(r->http, "content-disposition", disp);
	hs_reply(r, 200, "text/csv; charset=utf-8", b.data, b.offset);
	kore_buf_cleanup(&b);
	return (HS_DONE);
}

int
hs_api_result(struct hs_req *r, int ok_status)
{
	char		 field[64], msg[600];

	if (r->error[0] != '\0') {
		if (!strcmp(r->sqlstate, "23505"))
			return (hs_reply_error(r, 409, "conflict", "a record "
			    "with this number already exists", "number"));
		if (!strcmp(r->sqlstate, "HS422")) {
			hs_api_raised(r, field, msg);
			return (hs_reply_error(r, 422, "invalid_field", msg,
			    field[0] ? field : NULL));
		}
		if (!strncmp(r->sqlstate, "23", 2) ||
		    !strncmp(r->sqlstate, "22", 2))
			return (hs_reply_error(r, 422, "invalid_field", "a "
			    "value is out of range or malformed", NULL));
		return (hs_reply_error(r, 503, "unavailable", "the database "
		    "did not answer; try again", NULL));
	}
	if (PQntuples(r->res) != 1 || PQgetisnull(r->res, 0, 0))
		return (hs_reply_error(r, 404, "not_found", "no such record",
		    NULL));
	if (ok_status == 200 && want_csv(r))
		return (reply_csv(r, PQgetvalue(r->res, 0, 0),
		    (size_t)PQgetlength(r->res, 0, 0)));
	return (hs_reply(r, ok_status, "application/json",
	    PQgetvalue(r->res, 0, 0), (size_t)PQgetlength(r->res, 0, 0)));
}

static int
number_arg(struct hs_req *r, const char *name, long min, long max,
    long def, char *out, size_t len)
{
	char	buf[32], *end, msg[96];
	long	v;

	if (hs_req_arg(r, name, buf, sizeof(buf)) == -1) {
		snprintf(out, len, "%ld", def);
		return (0);
	}
	v = strtol(buf, &end, 10);
	if (*buf == '\0' || *end != '\0' || v < min || v > max) {
		snprintf(msg, sizeof(msg), "%s must be a number from %ld to "
		    "%ld", name, min, max);
		hs_reply_error(r, 422, "invalid_argument", msg, name);
		return (-1);
	}
	snprintf(out, len, "%ld", v);
	return (0);
}

int
hs_api_paging(struct hs_req *r, char limit[8], char offset[16])
{
	int	csv = want_csv(r);

	/* An export takes the whole list; a page at most 200 rows. */
	if (number_arg(r, "limit", 1, csv ? CSV_LIMIT_MAX : 200,
	    csv ? CSV_LIMIT_MAX : 50, limit, 8) == -1 ||
	    number_arg(r, "offset", 0, 10000000, 0, offset, 16) == -1)
		return (-1);
	return (0);
}

int
hs_api_id(struct hs_req *r, int param, char out[24])
{
	const char	*s = r->params[param];
	size_t		 i, len = strlen(s);

	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			break;
	}
	if (len == 0 || len > 18 || i != len || s[0] == '0') {
		hs_reply_error(r, 404, "not_found", "no such record", NULL);
		return (-1);
	}
	memcpy(out, s, len + 1);
	return (0);
}

void
hs_api_raised(const struct hs_req *r, char field[64], char msg[600])
{
	const char	*m, *colon;
	size_t		 n;

	/* "ERROR:  field: message" as libpq reports a RAISE. */
	m = strstr(r->error, "ERROR:");
	m = m ? m + 6 : r->error;
	while (*m == ' ')
		m++;
	colon = strchr(m, ':');
	n = colon ? (size_t)(colon - m) : 0;
	if (n >= 64)
		n = 0;
	memcpy(field, m, n);
	field[n] = '\0';
	snprintf(msg, 600, "%s", colon ? colon + 2 : m);
	msg[strcspn(msg, "\n")] = '\0';
}

const char *
hs_api_scope(const struct hs_req *r, char utility[24], char only[24])
{
	snprintf(utility, 24, "%lld", (long long)r->who.utility_id);
	snprintf(only, 24, "%lld", (long long)r->who.customer_id);
	return (r->who.role == HS_ROLE_CUSTOMER ? only : NULL);
}
