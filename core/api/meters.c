/*
 * /api/v1/meters: the meters of a utility.  A meter's number is the DRN
 * printed on it (11 or 13 digits ending in a Luhn digit), checked with the
 * token engine; its PAN, the input to decoder key generation, is made from
 * it here (IIN 600727 for 11 digits, 0000 for 13), never typed by hand.
 */
#include <stdlib.h>
#include <string.h>

#include "api/result.h"
#include "http/body.h"
#include "http/json.h"
#include "http/routes.h"
#include "api/import.h"
#include "cache/cache.h"

struct meter_body {
	char	number[14];
	int64_t	customer_id;
	char	service_type[12];
	char	tariff[33];
	int64_t	sgc;
	int64_t	tariff_index;
	int64_t	key_revision;
	int64_t	key_type;
	int64_t	key_expiry;
	char	algorithm[5];
	int64_t	dkga;
	int64_t	base_date;
	char	install_address[301];
	char	status[8];
	char	ble_id[9];
	int	ble_gateway;
	char	billing[9];
};

#define F(name, type, member, min, max, req, pat)			\
	{ name, type, offsetof(struct meter_body, member), min, max, req, pat }

static const struct hs_field create_fields[] = {
	F("number", HS_F_STRING, number, 11, 13, 1, "0123456789"),
	F("customer_id", HS_F_INT, customer_id, 1, INT64_MAX, 0, NULL),
	F("service_type", HS_F_STRING, service_type, 5, 11, 1, "abcdeilrtwy"),
	F("tariff", HS_F_STRING, tariff, 1, 32, 0, NULL),
	F("sgc", HS_F_INT, sgc, 0, 999999, 1, NULL),
	F("tariff_index", HS_F_INT, tariff_index, 0, 99, 0, NULL),
	F("key_revision", HS_F_INT, key_revision, 1, 9, 0, NULL),
	F("key_type", HS_F_INT, key_type, 1, 3, 0, NULL),
	F("key_expiry", HS_F_INT, key_expiry, 0, 255, 0, NULL),
	F("algorithm", HS_F_STRING, algorithm, 4, 4, 0, "AE0178"),
	F("dkga", HS_F_INT, dkga, 2, 4, 0, NULL),
	F("base_date", HS_F_INT, base_date, 1993, 2035, 0, NULL),
	F("install_address", HS_F_STRING, install_address, 0, 300, 0, NULL),
	F("ble_id", HS_F_STRING, ble_id, 8, 8, 0, "0123456789abcdefABCDEF"),
	F("ble_gateway", HS_F_BOOL, ble_gateway, 0, 1, 0, NULL),
	F("billing", HS_F_STRING, billing, 7, 8, 0, "adeiopst"),
};

static const struct hs_field update_fields[] = {
	F("customer_id", HS_F_INT, customer_id, 1, INT64_MAX, 0, NULL),
	F("tariff", HS_F_STRING, tariff, 1, 32, 0, NULL),
	F("tariff_index", HS_F_INT, tariff_index, 0, 99, 0, NULL),
	F("install_address", HS_F_STRING, install_address, 0, 300, 0, NULL),
	F("status", HS_F_STRING, status, 6, 7, 0, "abcdeiklmorstv"),
	F("ble_id", HS_F_STRING, ble_id, 8, 8, 0, "0123456789abcdefABCDEF"),
	F("ble_gateway", HS_F_BOOL, ble_gateway, 0, 1, 0, NULL),
	F("billing", HS_F_STRING, billing, 7, 8, 0, "adeiopst"),
};

#define NCREATE	(sizeof(create_fields) / sizeof(create_fields[0]))
#define NUPDATE	(sizeof(update_fields) / sizeof(update_fields[0]))

/* Write the fields present in b as JSON, typed as the table says. */
static void
fields_json(struct hs_json *j, const struct hs_field *fields, size_t n,
    const struct meter_body *b, uint32_t present)
{
	const char	*base = (const char *)b;
	size_t		 i;
	int64_t		 v;
	int		 flag;

	for (i = 0; i < n; i++) {
		if (!(present & (1u << i)))
			continue;
		hs_json_key(j, fields[i].name);
		if (fields[i].type == HS_F_INT) {
			memcpy(&v, base + fields[i].offset, sizeof(v));
			hs_json_int(j, v);
		} else if (fields[i].type == HS_F_BOOL) {
			memcpy(&flag, base + fields[i].offset, sizeof(flag));
			hs_json_bool(j, flag);
		} else {
			hs_json_string(j, base + fields[i].offset);
		}
	}
}

/* The checks a table cannot express, with the field that is wrong. */
static int
create_checks(struct hs_req *r, struct meter_body *b, uint32_t present,
    char pan[19])
{
	const char	*why;
	char		 msg[96];

	if (hs_meter_number_parse(b->number, strlen(b->number), pan,
	    &why) == -1) {
		snprintf(msg, sizeof(msg), "the meter number %s", why);
		return (hs_reply_error(r, 422, "invalid_field", msg,
		    "number") * 0 - 1);
	}
	if (strcmp(b->service_type, "water") &&
	    strcmp(b->service_type, "electricity"))
		return (hs_reply_error(r, 422, "invalid_field", "service_type "
		    "must be water or electricity", "service_type") * 0 - 1);
	if ((present & (1u << 9)) && strcmp(b->algorithm, "EA07") &&
	    strcmp(b->algorithm, "EA11"))
		return (hs_reply_error(r, 422, "invalid_field", "algorithm "
		    "must be EA07 or EA11", "algorithm") * 0 - 1);
	if ((present & (1u << 10)) && b->dkga != 2 && b->dkga != 4)
		return (hs_reply_error(r, 422, "invalid_field", "dkga must be "
		    "2 or 4", "dkga") * 0 - 1);
	if ((present & (1u << 11)) && b->base_date != 1993 &&
	    b->base_date != 2014 && b->base_date != 2035)
		return (hs_reply_error(r, 422, "invalid_field", "base_date must "
		    "be 1993, 2014 or 2035", "base_date") * 0 - 1);
	return (0);
}

int
hs_api_meters_list(struct hs_req *r)
{
	char		 utility[24], only[24], limit[8], offset[16], q[101];
	char		 status[16], customer[24];
	const char	*params[7];

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (hs_api_paging(r, limit, offset) == -1)
		return (HS_DONE);
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
		if (strspn(customer, "0123456789") != strlen(customer) ||
		    customer[0] == '\0' || strlen(customer) > 18)
			return (hs_reply_error(r, 422, "invalid_argument",
			    "customer_id must be a number", "customer_id"));
		params[4] = customer;
	}
	params[5] = limit;
	params[6] = offset;
	return (hs_req_query(r, "SELECT hs_api_meters($1, $2, $3, $4, $5, $6, "
	    "$7)", 7, params));
}

/*
 * Meter records are cached per worker (core/cache): a hit answers without
 * the database, after the same utility and customer checks the SQL does.
 */
static int
meter_from_cache(struct hs_req *r, const char *id)
{
	const void	*json;
	size_t		 len;
	int64_t		 customer, utility;

	snprintf(r->cache_key, sizeof(r->cache_key), "m:%s", id);
	r->cache_gen = hs_cache_generation();
	json = hs_cache_get(hs_cache_meters, r->cache_key, &len, &customer,
	    &utility);
	if (json == NULL)
		return (0);
	if (utility != r->who.utility_id || (r->who.role == HS_ROLE_CUSTOMER &&
	    customer != r->who.customer_id)) {
		hs_reply_error(r, 404, "not_found", "no such record", NULL);
		return (1);
	}
	hs_reply(r, 200, "application/json", json, len);
	return (1);
}

static void
meter_to_cache(struct hs_req *r)
{
	const char	*json, *c;
	int64_t		 customer;

	if (r->error[0] != '\0' || PQntuples(r->res) != 1 ||
	    PQgetisnull(r->res, 0, 0))
		return;
	json = PQgetvalue(r->res, 0, 0);
	c = strstr(json, "\"customer_id\": ");
	customer = c ? strtoll(c + 15, NULL, 10) : 0;
	hs_cache_put(hs_cache_meters, r->cache_gen, r->cache_key, customer,
	    r->who.utility_id, json, (size_t)PQgetlength(r->res, 0, 0));
}

int
hs_api_meters_get(struct hs_req *r)
{
	char		 utility[24], id[24], only[24];
	const char	*params[3];

	if (r->phase > 0) {
		meter_to_cache(r);
		return (hs_api_result(r, 200));
	}
	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	if (meter_from_cache(r, id))
		return (HS_DONE);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	snprintf(only, sizeof(only), "%lld", (long long)r->who.customer_id);
	params[0] = utility;
	params[1] = id;
	params[2] = r->who.role == HS_ROLE_CUSTOMER ? only : NULL;
	return (hs_req_query(r, "SELECT hs_api_meter($1, $2, $3)", 3, params));
}

int
hs_api_meters_create(struct hs_req *r)
{
	struct meter_body	 b;
	struct kore_buf		 buf;
	struct hs_json		 j;
	char			 utility[24], pan[19];
	const char		*params[3];
	uint32_t		 present;
	int			 rc;

	if (r->phase > 0)
		return (hs_api_result(r, 201));
	memset(&b, 0, sizeof(b));
	if (hs_body_parse(r, create_fields, NCREATE, &b, &present) == -1 ||
	    create_checks(r, &b, present, pan) == -1)
		return (HS_DONE);
	if ((present & (1u << 15)) && strcmp(b.billing, "prepaid") &&
	    strcmp(b.billing, "postpaid"))
		return (hs_reply_error(r, 422, "invalid_field", "billing must "
		    "be prepaid or postpaid", "billing"));
	kore_buf_init(&buf, 512);
	hs_json_init(&j, &buf);
	hs_json_object(&j);
	fields_json(&j, create_fields, NCREATE, &b, present);
	hs_json_kstr(&j, "pan", pan);
	hs_json_end_object(&j);
	kore_buf_append(&buf, "", 1);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = r->who.actor;
	params[1] = utility;
	params[2] = (const char *)buf.data;
	rc = hs_req_query(r, "SELECT hs_api_meter_create($1, $2, $3::jsonb)",
	    3, params);
	kore_buf_cleanup(&buf);
	return (rc);
}

int
hs_api_meters_update(struct hs_req *r)
{
	struct meter_body	 b;
	struct kore_buf		 buf;
	struct hs_json		 j;
	char			 utility[24], id[24];
	const char		*params[4];
	uint32_t		 present;
	int			 rc;

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	memset(&b, 0, sizeof(b));
	if (hs_body_parse(r, update_fields, NUPDATE, &b, &present) == -1)
		return (HS_DONE);
	if (present == 0)
		return (hs_reply_error(r, 422, "empty_update", "nothing to "
		    "change", NULL));
	if ((present & (1u << 7)) && strcmp(b.billing, "prepaid") &&
	    strcmp(b.billing, "postpaid"))
		return (hs_reply_error(r, 422, "invalid_field", "billing must "
		    "be prepaid or postpaid", "billing"));
	if ((present & (1u << 4)) && strcmp(b.status, "active") &&
	    strcmp(b.status, "blocked") && strcmp(b.status, "removed"))
		return (hs_reply_error(r, 422, "invalid_field", "status must be "
		    "active, blocked or removed", "status"));
	kore_buf_init(&buf, 512);
	hs_json_init(&j, &buf);
	hs_json_object(&j);
	fields_json(&j, update_fields, NUPDATE, &b, present);
	hs_json_end_object(&j);
	kore_buf_append(&buf, "", 1);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = r->who.actor;
	params[1] = utility;
	params[2] = id;
	params[3] = (const char *)buf.data;
	rc = hs_req_query(r, "SELECT hs_api_meter_update($1, $2, $3, "
	    "$4::jsonb)", 4, params);
	kore_buf_cleanup(&buf);
	return (rc);
}
