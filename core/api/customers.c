/*
 * /api/v1/customers: how PDAM staff register and look up customers, and
 * how integrators read them.  Every query is scoped to the caller's
 * utility; a customer may read only their own record.
 */
#include <stdlib.h>
#include <string.h>

#include "api/result.h"
#include "http/body.h"
#include "http/json.h"
#include "http/routes.h"

#define DIGITS	"0123456789"
#define NUMCHARS "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-"

struct customer_body {
	char	number[33];
	char	name[201];
	char	address[301];
	char	phone[17];
	char	email[255];
	char	group[33];
	char	status[9];
	char	area[65];
};

static const struct hs_field customer_fields[] = {
	{ "number", HS_F_STRING, offsetof(struct customer_body, number), 3, 32,
	    1, NUMCHARS },
	{ "name", HS_F_STRING, offsetof(struct customer_body, name), 1, 200,
	    1, NULL },
	{ "address", HS_F_STRING, offsetof(struct customer_body, address), 0,
	    300, 0, NULL },
	{ "phone", HS_F_STRING, offsetof(struct customer_body, phone), 8, 16,
	    0, "+" DIGITS },
	{ "email", HS_F_STRING, offsetof(struct customer_body, email), 3, 254,
	    0, NULL },
	{ "group", HS_F_STRING, offsetof(struct customer_body, group), 1, 32,
	    0, NUMCHARS "._" },
	{ "status", HS_F_STRING, offsetof(struct customer_body, status), 6, 8,
	    0, "acdeintv" },
	{ "area", HS_F_STRING, offsetof(struct customer_body, area), 0, 64,
	    0, NULL },
};
#define NFIELDS	(sizeof(customer_fields) / sizeof(customer_fields[0]))

/* The fields present in the body, as one JSON object for the SQL side. */
static void
body_json(struct kore_buf *buf, const struct customer_body *b,
    uint32_t present, size_t first)
{
	const char	*values[NFIELDS];
	struct hs_json	 j;
	size_t		 i;

	values[0] = b->number;
	values[1] = b->name;
	values[2] = b->address;
	values[3] = b->phone;
	values[4] = b->email;
	values[5] = b->group;
	values[6] = b->status;
	values[7] = b->area;
	hs_json_init(&j, buf);
	hs_json_object(&j);
	for (i = first; i < NFIELDS; i++) {
		if (!(present & (1u << i)))
			continue;
		hs_json_key(&j, customer_fields[i].name);
		if (values[i][0] == '\0' && i >= 2)
			hs_json_null(&j);
		else
			hs_json_string(&j, values[i]);
	}
	hs_json_end_object(&j);
	kore_buf_append(buf, "", 1);
}

static int
status_ok(struct hs_req *r, const struct customer_body *b, uint32_t present)
{
	if ((present & (1u << 6)) && strcmp(b->status, "active") &&
	    strcmp(b->status, "inactive")) {
		hs_reply_error(r, 422, "invalid_field", "status must be active "
		    "or inactive", "status");
		return (0);
	}
	if ((present & (1u << 4)) && b->email[0] != '\0' &&
	    strchr(b->email, '@') == NULL) {
		hs_reply_error(r, 422, "invalid_field", "email must be an "
		    "address", "email");
		return (0);
	}
	return (1);
}

int
hs_api_customers_list(struct hs_req *r)
{
	char		 utility[24], limit[8], offset[16], q[101], status[16];
	const char	*params[5];

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (hs_api_paging(r, limit, offset) == -1)
		return (HS_DONE);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = utility;
	params[1] = hs_req_arg(r, "q", q, sizeof(q)) == 0 && q[0] ? q : NULL;
	params[2] = hs_req_arg(r, "status", status, sizeof(status)) == 0 ?
	    status : NULL;
	params[3] = limit;
	params[4] = offset;
	return (hs_req_query(r, "SELECT hs_api_customers($1, $2, $3, $4, $5)",
	    5, params));
}

int
hs_api_customers_get(struct hs_req *r)
{
	char		 utility[24], id[24], only[24];
	const char	*params[3];

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	snprintf(only, sizeof(only), "%lld", (long long)r->who.customer_id);
	params[0] = utility;
	params[1] = id;
	params[2] = r->who.role == HS_ROLE_CUSTOMER ? only : NULL;
	return (hs_req_query(r, "SELECT hs_api_customer($1, $2, $3)", 3,
	    params));
}

int
hs_api_customers_create(struct hs_req *r)
{
	struct customer_body	 b;
	struct kore_buf		 buf;
	char			 utility[24];
	const char		*params[3];
	uint32_t		 present;
	int			 rc;

	if (r->phase > 0)
		return (hs_api_result(r, 201));
	memset(&b, 0, sizeof(b));
	if (hs_body_parse(r, customer_fields, NFIELDS, &b, &present) == -1)
		return (HS_DONE);
	if (!status_ok(r, &b, present))
		return (HS_DONE);
	kore_buf_init(&buf, 512);
	body_json(&buf, &b, present, 0);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = r->who.actor;
	params[1] = utility;
	params[2] = (const char *)buf.data;
	rc = hs_req_query(r, "SELECT hs_api_customer_create($1, $2, "
	    "$3::jsonb)", 3, params);
	kore_buf_cleanup(&buf);
	return (rc);
}

static const struct hs_field customer_update_fields[] = {
	{ "number", HS_F_STRING, offsetof(struct customer_body, number), 3, 32,
	    0, NUMCHARS },
	{ "name", HS_F_STRING, offsetof(struct customer_body, name), 1, 200,
	    0, NULL },
	{ "address", HS_F_STRING, offsetof(struct customer_body, address), 0,
	    300, 0, NULL },
	{ "phone", HS_F_STRING, offsetof(struct customer_body, phone), 8, 16,
	    0, "+" DIGITS },
	{ "email", HS_F_STRING, offsetof(struct customer_body, email), 3, 254,
	    0, NULL },
	{ "group", HS_F_STRING, offsetof(struct customer_body, group), 1, 32,
	    0, NUMCHARS "._" },
	{ "status", HS_F_STRING, offsetof(struct customer_body, status), 6, 8,
	    0, "acdeintv" },
	{ "area", HS_F_STRING, offsetof(struct customer_body, area), 0, 64,
	    0, NULL },
};

/* body_json indexes both tables alike: they must stay the same length. */
_Static_assert(sizeof(customer_update_fields) == sizeof(customer_fields),
    "customer field tables differ");

int
hs_api_customers_update(struct hs_req *r)
{
	struct customer_body	 b;
	struct kore_buf		 buf;
	char			 utility[24], id[24];
	const char		*params[4];
	uint32_t		 present;
	int			 rc;

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	memset(&b, 0, sizeof(b));
	if (hs_body_parse(r, customer_update_fields, NFIELDS, &b,
	    &present) == -1)
		return (HS_DONE);
	if (present & 1u)
		return (hs_reply_error(r, 422, "immutable_field", "a "
		    "customer's number never changes", "number"));
	if (present == 0)
		return (hs_reply_error(r, 422, "empty_update", "nothing to "
		    "change", NULL));
	if (!status_ok(r, &b, present))
		return (HS_DONE);
	kore_buf_init(&buf, 512);
	body_json(&buf, &b, present, 1);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = r->who.actor;
	params[1] = utility;
	params[2] = id;
	params[3] = (const char *)buf.data;
	rc = hs_req_query(r, "SELECT hs_api_customer_update($1, $2, $3, "
	    "$4::jsonb)", 4, params);
	kore_buf_cleanup(&buf);
	return (rc);
}
