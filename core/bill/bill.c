/*
 * Postpaid billing over HTTP (migration 0016): meter readings from the
 * field with their checks and a supervisor's review, the monthly billing
 * run (preview, then commit; re-runnable), and invoices.
 *
 *   POST /api/v1/readings                 a reading (technician, office)
 *   GET  /api/v1/readings                 ?state=flagged&meter_id=&period=
 *   POST /api/v1/readings/{id}/photo      the meter photo (JPEG/PNG/WebP)
 *   GET  /api/v1/readings/{id}/photo
 *   POST /api/v1/readings/{id}/review     {action: approve|correct|reject}
 *   POST /api/v1/billing/runs             {period: "YYYY-MM", preview}
 *   GET  /api/v1/billing/runs
 *   GET  /api/v1/invoices                 ?customer_id=&period=&state=
 *   GET  /api/v1/invoices/{id}
 *
 * Periods are "YYYY-MM" on the wire and a month's first day in SQL.  A
 * reading is stored once per (taker, client_id), so a phone that was
 * offline can send its whole queue again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>

#include "api/result.h"
#include "http/body.h"
#include "http/routes.h"

#define PHOTO_MAX	(1024 * 1024)
#define DUE_DAYS	20	/* the 20th of the next month */

/* "2026-11" -> "2026-11-01"; -1 when it is not a month. */
static int
period_arg(const char *in, char out[11])
{
	int	y, m;
	char	tail;

	if (strlen(in) != 7 || sscanf(in, "%4d-%2d%c", &y, &m, &tail) != 2 ||
	    y < 2000 || y > 2100 || m < 1 || m > 12)
		return (-1);
	snprintf(out, 11, "%04d-%02d-01", y, m);
	return (0);
}

/* Replies for our SQL's HS404/HS409, then the shared mapping. */
static int
result(struct hs_req *r, int ok_status)
{
	char	field[64], msg[600];

	if (r->error[0] != '\0' && !strcmp(r->sqlstate, "HS409")) {
		hs_api_raised(r, field, msg);
		return (hs_reply_error(r, 409, "conflict", msg,
		    field[0] ? field : NULL));
	}
	return (hs_api_result(r, ok_status));
}

struct reading_body {
	int64_t	meter_id;
	char	period[8];
	int64_t	value;
	char	source[11];
	char	read_at[40];
	char	client_id[65];
	char	note[501];
};

#define RF(name, type, member, min, max, req, pat)			\
	{ name, type, offsetof(struct reading_body, member), min, max, req, pat }

static const struct hs_field reading_fields[] = {
	RF("meter_id", HS_F_INT, meter_id, 1, INT64_MAX, 1, NULL),
	RF("period", HS_F_STRING, period, 7, 7, 1, "0123456789-"),
	RF("value", HS_F_INT, value, 0, 100000000000LL, 1, NULL),
	RF("source", HS_F_STRING, source, 6, 10, 0, "acehilmnoprstu"),
	RF("read_at", HS_F_STRING, read_at, 10, 39, 0, "0123456789-:T.Z+"),
	RF("client_id", HS_F_STRING, client_id, 1, 64, 1,
	    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"),
	RF("note", HS_F_STRING, note, 0, 500, 0, NULL),
};

int
hs_bill_reading_submit(struct hs_req *r)
{
	struct reading_body	 b;
	const char		*params[11];
	char			 utility[24], meter[24], value[24], period[11];
	uint32_t		 present;

	if (r->phase > 0)
		return (result(r, 201));
	memset(&b, 0, sizeof(b));
	if (hs_body_parse(r, reading_fields, sizeof(reading_fields) /
	    sizeof(reading_fields[0]), &b, &present) == -1)
		return (HS_DONE);
	if (period_arg(b.period, period) == -1)
		return (hs_reply_error(r, 422, "invalid_field", "period is a "
		    "month, YYYY-MM", "period"));
	if ((present & (1u << 3)) && strcmp(b.source, "technician") &&
	    strcmp(b.source, "estimate") && strcmp(b.source, "customer") &&
	    strcmp(b.source, "import"))
		return (hs_reply_error(r, 422, "invalid_field", "source is "
		    "technician, estimate, customer or import", "source"));
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	snprintf(meter, sizeof(meter), "%lld", (long long)b.meter_id);
	snprintf(value, sizeof(value), "%lld", (long long)b.value);
	params[0] = r->who.actor;
	params[1] = utility;
	params[2] = meter;
	params[3] = period;
	params[4] = value;
	params[5] = (present & (1u << 3)) ? b.source : "technician";
	params[6] = (present & (1u << 4)) ? b.read_at : NULL;
	params[7] = b.client_id;
	params[8] = (present & (1u << 6)) ? b.note : NULL;
	params[9] = NULL;
	params[10] = NULL;
	return (hs_req_query(r, "SELECT hs_reading_submit($1, $2, $3, "
	    "$4::date, $5::bigint, $6, $7::timestamptz, $8, $9, $10::bytea, "
	    "$11)", 11, params));
}

int
hs_bill_readings_list(struct hs_req *r)
{
	char		 utility[24], limit[8], offset[16], state[16], meter[24];
	char		 month[8], period[11];
	const char	*params[6];

	if (r->phase > 0)
		return (result(r, 200));
	if (hs_api_paging(r, limit, offset) == -1)
		return (HS_DONE);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = utility;
	params[1] = hs_req_arg(r, "state", state, sizeof(state)) == 0 ?
	    state : NULL;
	params[2] = hs_req_arg(r, "meter_id", meter, sizeof(meter)) == 0 &&
	    strspn(meter, "0123456789") == strlen(meter) && meter[0] ?
	    meter : NULL;
	params[3] = NULL;
	if (hs_req_arg(r, "period", month, sizeof(month)) == 0) {
		if (period_arg(month, period) == -1)
			return (hs_reply_error(r, 422, "invalid_argument",
			    "period is a month, YYYY-MM", "period"));
		params[3] = period;
	}
	params[4] = limit;
	params[5] = offset;
	return (hs_req_query(r, "SELECT hs_api_readings($1, $2, $3::bigint, "
	    "$4::date, $5::integer, $6::integer)", 6, params));
}

int
hs_bill_reading_photo_put(struct hs_req *r)
{
	const unsigned char	*body;
	const char		*type, *declared, *params[4];
	char			 utility[24], id[24], *hex;
	size_t			 len;
	int			 rc;

	if (r->phase > 0)
		return (result(r, 200));
	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	body = hs_req_body(r, &len);
	declared = hs_req_header(r, "content-type");
	if (len == 0 || len > PHOTO_MAX)
		return (hs_reply_error(r, 413, "too_large", "a photo must be 1 "
		    "byte to 1 MiB", NULL));
	if ((type = hs_body_photo_type(body, len)) == NULL ||
	    declared == NULL || strcmp(declared, type))
		return (hs_reply_error(r, 415, "unsupported_media_type", "send "
		    "a JPEG, PNG or WebP photo with its own Content-Type",
		    NULL));
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	hex = hs_body_bytea(body, len);
	params[0] = utility;
	params[1] = id;
	params[2] = hex;
	params[3] = type;
	rc = hs_req_query(r, "SELECT hs_reading_photo($1, $2, $3::bytea, $4)",
	    4, params);
	free(hex);
	return (rc);
}

int
hs_bill_reading_photo_get(struct hs_req *r)
{
	const char	*params[2];
	char		 utility[24], id[24];
	unsigned char	*bytes;
	size_t		 len;
	int		 rc;

	if (r->phase > 0) {
		if (r->error[0] != '\0')
			return (result(r, 200));
		if (PQntuples(r->res) != 1 || PQgetisnull(r->res, 0, 0))
			return (hs_reply_error(r, 404, "not_found", "no photo",
			    NULL));
		bytes = PQunescapeBytea((const unsigned char *)
		    PQgetvalue(r->res, 0, 0), &len);
		if (bytes == NULL)
			return (hs_reply_error(r, 500, "internal", "photo",
			    NULL));
		http_response_header(r->http, "x-content-type-options",
		    "nosniff");
		rc = hs_reply(r, 200, PQgetvalue(r->res, 0, 1), bytes, len);
		PQfreemem(bytes);
		return (rc);
	}
	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = utility;
	params[1] = id;
	return (hs_req_query(r, "SELECT photo, photo_type FROM readings WHERE "
	    "utility_id = $1 AND id = $2 AND photo IS NOT NULL", 2, params));
}

struct review_body {
	char	action[8];
	int64_t	value;
	char	note[501];
};

static const struct hs_field review_fields[] = {
	{ "action", HS_F_STRING, offsetof(struct review_body, action), 6, 7, 1,
	    "acegijoprtv" },
	{ "value", HS_F_INT, offsetof(struct review_body, value), 0,
	    100000000000LL, 0, NULL },
	{ "note", HS_F_STRING, offsetof(struct review_body, note), 0, 500, 0,
	    NULL },
};

int
hs_bill_reading_review(struct hs_req *r)
{
	struct review_body	 b;
	const char		*params[6];
	char			 utility[24], id[24], value[24];
	uint32_t		 present;

	if (r->phase > 0)
		return (result(r, 200));
	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	memset(&b, 0, sizeof(b));
	if (hs_body_parse(r, review_fields, sizeof(review_fields) /
	    sizeof(review_fields[0]), &b, &present) == -1)
		return (HS_DONE);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	snprintf(value, sizeof(value), "%lld", (long long)b.value);
	params[0] = r->who.actor;
	params[1] = utility;
	params[2] = id;
	params[3] = b.action;
	params[4] = (present & 2u) ? value : NULL;
	params[5] = (present & 4u) ? b.note : NULL;
	return (hs_req_query(r, "SELECT hs_reading_review($1, $2, $3, $4, "
	    "$5::bigint, $6)", 6, params));
}

struct run_body {
	char	period[8];
	int	preview;
	int64_t	due_days;
};

static const struct hs_field run_fields[] = {
	{ "period", HS_F_STRING, offsetof(struct run_body, period), 7, 7, 1,
	    "0123456789-" },
	{ "preview", HS_F_BOOL, offsetof(struct run_body, preview), 0, 1, 0,
	    NULL },
	{ "due_days", HS_F_INT, offsetof(struct run_body, due_days), 1, 90, 0,
	    NULL },
};

int
hs_bill_run(struct hs_req *r)
{
	struct run_body	 b;
	const char	*params[5];
	char		 utility[24], period[11], due[8];
	uint32_t	 present;

	if (r->phase > 0)
		return (result(r, 200));
	memset(&b, 0, sizeof(b));
	if (hs_body_parse(r, run_fields, sizeof(run_fields) /
	    sizeof(run_fields[0]), &b, &present) == -1)
		return (HS_DONE);
	if (period_arg(b.period, period) == -1)
		return (hs_reply_error(r, 422, "invalid_field", "period is a "
		    "month, YYYY-MM", "period"));
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	snprintf(due, sizeof(due), "%d", (present & 4u) ? (int)b.due_days :
	    DUE_DAYS);
	params[0] = r->who.actor;
	params[1] = utility;
	params[2] = period;
	/* Without "preview": false, a run only shows what it would do. */
	params[3] = (present & 2u) && !b.preview ? "false" : "true";
	params[4] = due;
	return (hs_req_query(r, "SELECT hs_billing_run($1, $2, $3::date, "
	    "$4::boolean, $5::integer)", 5, params));
}

int
hs_bill_runs_list(struct hs_req *r)
{
	char		 utility[24], limit[8], offset[16];
	const char	*params[3];

	if (r->phase > 0)
		return (result(r, 200));
	if (hs_api_paging(r, limit, offset) == -1)
		return (HS_DONE);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = utility;
	params[1] = limit;
	params[2] = offset;
	return (hs_req_query(r, "SELECT hs_api_billing_runs($1, $2::integer, "
	    "$3::integer)", 3, params));
}

int
hs_bill_invoices_list(struct hs_req *r)
{
	char		 utility[24], only[24], limit[8], offset[16], cust[24];
	char		 month[8], period[11], state[16];
	const char	*params[7];

	if (r->phase > 0)
		return (result(r, 200));
	if (hs_api_paging(r, limit, offset) == -1)
		return (HS_DONE);
	params[1] = hs_api_scope(r, utility, only);
	params[0] = utility;
	params[2] = hs_req_arg(r, "customer_id", cust, sizeof(cust)) == 0 &&
	    cust[0] && strspn(cust, "0123456789") == strlen(cust) ? cust : NULL;
	params[3] = NULL;
	if (hs_req_arg(r, "period", month, sizeof(month)) == 0) {
		if (period_arg(month, period) == -1)
			return (hs_reply_error(r, 422, "invalid_argument",
			    "period is a month, YYYY-MM", "period"));
		params[3] = period;
	}
	params[4] = hs_req_arg(r, "state", state, sizeof(state)) == 0 ?
	    state : NULL;
	params[5] = limit;
	params[6] = offset;
	return (hs_req_query(r, "SELECT hs_api_invoices($1, $2::bigint, "
	    "$3::bigint, $4::date, $5, $6::integer, $7::integer)", 7, params));
}

int
hs_bill_invoice_get(struct hs_req *r)
{
	char		 utility[24], only[24], id[24];
	const char	*params[3];

	if (r->phase > 0)
		return (result(r, 200));
	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	params[2] = hs_api_scope(r, utility, only);
	params[0] = utility;
	params[1] = id;
	return (hs_req_query(r, "SELECT hs_api_invoice($1, $2, $3::bigint)", 3,
	    params));
}

/* ------------------------------------------- payments, reports, lists */

struct staff_pay_body {
	char	customer_no[33];
	int64_t	amount;
};

static const struct hs_field staff_pay_fields[] = {
	{ "customer_no", HS_F_STRING, offsetof(struct staff_pay_body,
	    customer_no), 3, 32, 1, "0123456789abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ-" },
	{ "amount", HS_F_INT, offsetof(struct staff_pay_body, amount), 1,
	    1000000000000LL, 1, NULL },
};

/*
 * POST /api/v1/bills/payments (Idempotency-Key): a cashier takes part or
 * all of what a customer owes; the oldest invoice is paid first.
 */
int
hs_bill_staff_pay(struct hs_req *r)
{
	struct staff_pay_body	 b;
	const char		*params[5], *key;
	char			 utility[24], amount[24];
	uint32_t		 present;

	if (r->phase > 0) {
		if (r->error[0] != '\0' && !strcmp(r->sqlstate, "HS404"))
			return (hs_reply_error(r, 404, "not_found", "no such "
			    "customer", "customer_no"));
		return (result(r, 201));
	}
	key = hs_req_header(r, "idempotency-key");
	if (key == NULL || strlen(key) < 8 || strlen(key) > 64)
		return (hs_reply_error(r, 422, "invalid_field", "send an "
		    "Idempotency-Key (8 to 64 characters): a retried payment "
		    "is then taken once", "Idempotency-Key"));
	memset(&b, 0, sizeof(b));
	if (hs_body_parse(r, staff_pay_fields, sizeof(staff_pay_fields) /
	    sizeof(staff_pay_fields[0]), &b, &present) == -1)
		return (HS_DONE);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	snprintf(amount, sizeof(amount), "%lld", (long long)b.amount);
	params[0] = r->who.actor;
	params[1] = utility;
	params[2] = b.customer_no;
	params[3] = key;
	params[4] = amount;
	return (hs_req_query(r, "SELECT hs_bill_pay_staff($1, $2, $3, $4, "
	    "$5::bigint)", 5, params));
}

int
hs_bill_payments_list(struct hs_req *r)
{
	char		 utility[24], only[24], limit[8], offset[16], cust[24];
	const char	*params[5];

	if (r->phase > 0)
		return (result(r, 200));
	if (hs_api_paging(r, limit, offset) == -1)
		return (HS_DONE);
	params[1] = hs_api_scope(r, utility, only);
	params[0] = utility;
	params[2] = hs_req_arg(r, "customer_id", cust, sizeof(cust)) == 0 &&
	    cust[0] && strspn(cust, "0123456789") == strlen(cust) ? cust : NULL;
	params[3] = limit;
	params[4] = offset;
	return (hs_req_query(r, "SELECT hs_api_bill_payments($1, $2::bigint, "
	    "$3::bigint, $4::integer, $5::integer)", 5, params));
}

int
hs_bill_report(struct hs_req *r)
{
	char		 utility[24], month[8], period[11];
	const char	*params[2];

	if (r->phase > 0)
		return (result(r, 200));
	if (hs_req_arg(r, "period", month, sizeof(month)) == -1 ||
	    period_arg(month, period) == -1)
		return (hs_reply_error(r, 422, "invalid_argument", "period is a "
		    "month, YYYY-MM", "period"));
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = utility;
	params[1] = period;
	return (hs_req_query(r, "SELECT hs_api_billing_report($1, $2::date)",
	    2, params));
}

int
hs_bill_disconnections(struct hs_req *r)
{
	char		 utility[24], days[8];
	const char	*params[2];

	if (r->phase > 0)
		return (result(r, 200));
	if (hs_req_arg(r, "days", days, sizeof(days)) == -1)
		snprintf(days, sizeof(days), "30");
	if (days[0] == '\0' || strspn(days, "0123456789") != strlen(days) ||
	    atoi(days) > 3650)
		return (hs_reply_error(r, 422, "invalid_argument", "days is a "
		    "number of days past due, 0 to 3650", "days"));
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = utility;
	params[1] = days;
	return (hs_req_query(r, "SELECT hs_api_disconnections($1, "
	    "$2::integer)", 2, params));
}

int
hs_bill_reconnections(struct hs_req *r)
{
	char		 utility[24];
	const char	*params[1];

	if (r->phase > 0)
		return (result(r, 200));
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = utility;
	return (hs_req_query(r, "SELECT hs_api_reconnections($1)", 1, params));
}

/* GET /api/v1/bills/payments/{id}: one payment, for its receipt. */
int
hs_bill_payment_get(struct hs_req *r)
{
	char		 utility[24], only[24], id[24];
	const char	*params[3];

	if (r->phase > 0)
		return (result(r, 200));
	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	params[2] = hs_api_scope(r, utility, only);
	params[0] = utility;
	params[1] = id;
	return (hs_req_query(r, "SELECT hs_api_bill_payment($1, $2, "
	    "$3::bigint)", 3, params));
}
