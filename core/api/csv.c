/*
 * CSV over HTTP: a PDAM migrating from another CIS imports its customers
 * and meters in bulk (dry run first, then all or nothing), and any list
 * can be taken out as a spreadsheet.
 *
 * The import's C half (parsing, per-field checks) is api/import.c, shared
 * with `hydrosync import`; the set-based half and the inserts are one
 * call of a migration 0006 function.  Exports are built whole in SQL
 * (string_agg), so a utility's 100,000 meters are one query and one reply.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/import.h"
#include "api/result.h"
#include "http/routes.h"

/*
 * Only "text/csv", with charset utf-8 if a charset is named (RFC 7111
 * also allows header=present).  Anything else is a 415.
 */
static int
csv_type_ok(struct hs_req *r)
{
	const char	*type, *p;
	char		 param[64];
	size_t		 n;

	if ((type = hs_req_header(r, "content-type")) == NULL)
		return (0);
	n = strcspn(type, "; \t");
	if (n != 8 || strncasecmp(type, "text/csv", 8))
		return (0);
	for (p = type + n; *p != '\0';) {
		p += strspn(p, "; \t");
		n = strcspn(p, "; \t");
		if (n == 0)
			break;
		if (n >= sizeof(param))
			return (0);
		memcpy(param, p, n);
		param[n] = '\0';
		if (strcasecmp(param, "charset=utf-8") &&
		    strcasecmp(param, "charset=\"utf-8\"") &&
		    strcasecmp(param, "header=present"))
			return (0);
		p += n;
	}
	return (1);
}

/* ?dry_run=true|false (1|0); -1 after a 422 reply. */
static int
dry_run_arg(struct hs_req *r)
{
	char	v[8];

	if (hs_req_arg(r, "dry_run", v, sizeof(v)) == -1)
		return (0);
	if (!strcmp(v, "true") || !strcmp(v, "1"))
		return (1);
	if (!strcmp(v, "false") || !strcmp(v, "0"))
		return (0);
	hs_reply_error(r, 422, "invalid_argument", "dry_run must be true or "
	    "false", "dry_run");
	return (-1);
}

/* The import's outcome: 200 with counts, or 422 with every row error. */
static int
import_result(struct hs_req *r)
{
	if (r->error[0] != '\0') {
		/* Another import or create took a number in between. */
		if (!strcmp(r->sqlstate, "23505"))
			return (hs_reply_error(r, 409, "conflict", "a number in "
			    "the file was taken while it was imported; nothing "
			    "was imported, try again", "number"));
		return (hs_api_result(r, 200));
	}
	if (PQntuples(r->res) != 1 || PQnfields(r->res) < 2)
		return (hs_reply_error(r, 503, "unavailable", "the database "
		    "gave no answer", NULL));
	return (hs_reply(r, strcmp(PQgetvalue(r->res, 0, 0), "t") ? 422 : 200,
	    "application/json", PQgetvalue(r->res, 0, 1),
	    (size_t)PQgetlength(r->res, 0, 1)));
}

static int
import(struct hs_req *r, int kind)
{
	struct hs_import	 imp;
	const char		*body, *params[HS_IMPORT_PARAMS_MAX];
	char			 utility[24];
	size_t			 len;
	int			 dry_run, n, rc;

	if (r->phase > 0)
		return (import_result(r));
	if (!csv_type_ok(r))
		return (hs_reply_error(r, 415, "unsupported_media_type", "send "
		    "the file as text/csv (UTF-8)", NULL));
	if ((dry_run = dry_run_arg(r)) == -1)
		return (HS_DONE);
	body = hs_req_body(r, &len);
	if (len == 0)
		return (hs_reply_error(r, 400, "empty_body", "the body is "
		    "empty; send the CSV file with a header row", NULL));
	if (hs_import_parse(&imp, kind, body, len) == -1) {
		hs_import_free(&imp);
		return (hs_reply_error(r, 503, "unavailable", "out of memory "
		    "reading the file", NULL));
	}
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	if ((n = hs_import_params(&imp, r->who.actor, utility, dry_run,
	    params)) == -1) {
		hs_import_free(&imp);
		return (hs_reply_error(r, 503, "unavailable", "out of memory "
		    "reading the file", NULL));
	}
	/* hs_req_query copies the parameters. */
	rc = hs_req_query(r, hs_import_sql(kind), n, params);
	hs_import_free(&imp);
	return (rc);
}

int
hs_api_customers_import(struct hs_req *r)
{
	return (import(r, HS_IMPORT_CUSTOMERS));
}

int
hs_api_meters_import(struct hs_req *r)
{
	return (import(r, HS_IMPORT_METERS));
}

/* The CSV the export query built, as a download. */
static int
export_result(struct hs_req *r)
{
	char	disposition[160];

	if (r->error[0] != '\0')
		return (hs_api_result(r, 200));
	if (PQntuples(r->res) != 1 || PQgetisnull(r->res, 0, 0))
		return (hs_reply_error(r, 404, "not_found", "no such utility",
		    NULL));
	/* The name is "<utility code>-<what>-<date>.csv": [a-z0-9.-] only. */
	snprintf(disposition, sizeof(disposition), "attachment; "
	    "filename=\"%s\"", PQgetvalue(r->res, 0, 0));
	http_response_header(r->http, "content-disposition", disposition);
	return (hs_reply(r, 200, "text/csv; charset=utf-8",
	    PQgetvalue(r->res, 0, 1), (size_t)PQgetlength(r->res, 0, 1)));
}

int
hs_api_customers_export(struct hs_req *r)
{
	char		 utility[24], q[101], status[16];
	const char	*params[3];

	if (r->phase > 0)
		return (export_result(r));
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = utility;
	params[1] = hs_req_arg(r, "q", q, sizeof(q)) == 0 && q[0] ? q : NULL;
	params[2] = hs_req_arg(r, "status", status, sizeof(status)) == 0 ?
	    status : NULL;
	return (hs_req_query(r, "SELECT filename, body FROM "
	    "hs_export_customers($1, $2, $3)", 3, params));
}

int
hs_api_meters_export(struct hs_req *r)
{
	char		 utility[24], only[24], q[101], status[16];
	char		 customer[24];
	const char	*params[5];

	if (r->phase > 0)
		return (export_result(r));
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	snprintf(only, sizeof(only), "%lld", (long long)r->who.customer_id);
	params[0] = utility;
	params[1] = r->who.role == HS_ROLE_CUSTOMER ? only : NULL;
	params[2] = hs_req_arg(r, "q", q, sizeof(q)) == 0 && q[0] ? q : NULL;
	params[3] = hs_req_arg(r, "status", status, sizeof(status)) == 0 ?
	    status : NULL;
	params[4] = NULL;
	if (hs_req_arg(r, "customer_id", customer, sizeof(customer)) == 0) {
		if (customer[0] == '\0' || strlen(customer) > 18 ||
		    strspn(customer, "0123456789") != strlen(customer))
			return (hs_reply_error(r, 422, "invalid_argument",
			    "customer_id must be a number", "customer_id"));
		params[4] = customer;
	}
	return (hs_req_query(r, "SELECT filename, body FROM "
	    "hs_export_meters($1, $2, $3, $4, $5)", 5, params));
}

int
hs_api_audit_export(struct hs_req *r)
{
	char		 utility[24];
	const char	*params[1];

	if (r->phase > 0)
		return (export_result(r));
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = utility;
	return (hs_req_query(r, "SELECT filename, body FROM "
	    "hs_export_audit($1)", 1, params));
}
