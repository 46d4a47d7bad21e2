/*
 * /api/v1/tariffs: a utility's tariff groups and their dated versions.
 *
 *   GET  /api/v1/tariffs                 list, each group with its versions
 *   GET  /api/v1/tariffs/{id}            one group
 *   POST /api/v1/tariffs                 {code, name, service_type}
 *   POST /api/v1/tariffs/{id}/versions   a new version (below)
 *
 * A version: {"valid_from": "YYYY-MM-DD",
 *             "blocks": [{"upto": 10000, "price": 1100}, ...,
 *                        {"upto": null, "price": 2100}],
 *             "fixed_monthly", "minimum_charge", "admin_fee": rupiah,
 *             "tax_bp", "late_penalty_bp": basis points 0..10000}
 * Blocks are progressive: "upto" is the end of a block in the service's
 * base unit (litres of water, Wh of electricity), strictly ascending, and
 * the last block is open-ended (null) so every amount has a price;
 * "price" is whole rupiah per m3 or kWh.  The body is parsed here into a
 * struct, then written back as canonical JSON for the SQL function, which
 * decides only what needs the database (see migration 0005: a version
 * must start after the latest and, for an existing tariff, not in the
 * past).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/admin_body.h"
#include "api/admin_result.h"
#include "http/body.h"
#include "http/json.h"
#include "http/routes.h"

#define CODECHARS "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._-"

#define BLOCKS_MAX	10
#define UPTO_MAX	1000000000000LL		/* 1 million m3 or GWh */
#define PRICE_MAX	100000000LL		/* Rp100 million per unit */
#define AMOUNT_MAX	1000000000000LL		/* Rp1 trillion */
#define BP_MAX		10000

static int
service_ok(struct hs_req *r, const char *service)
{
	if (strcmp(service, "water") && strcmp(service, "electricity")) {
		hs_reply_error(r, 422, "invalid_field", "service_type must be "
		    "water or electricity", "service_type");
		return (0);
	}
	return (1);
}

int
hs_api_tariffs_list(struct hs_req *r)
{
	char		 utility[24], limit[8], offset[16], q[101], service[16];
	const char	*params[5];

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (hs_api_paging(r, limit, offset) == -1)
		return (HS_DONE);
	params[2] = NULL;
	if (hs_req_arg(r, "service_type", service, sizeof(service)) == 0) {
		if (!service_ok(r, service))
			return (HS_DONE);
		params[2] = service;
	}
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = utility;
	params[1] = hs_req_arg(r, "q", q, sizeof(q)) == 0 && q[0] ? q : NULL;
	params[3] = limit;
	params[4] = offset;
	return (hs_req_query(r, "SELECT hs_api_tariffs($1, $2, $3, $4, $5)",
	    5, params));
}

int
hs_api_tariffs_get(struct hs_req *r)
{
	char		 utility[24], id[24];
	const char	*params[2];

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = utility;
	params[1] = id;
	return (hs_req_query(r, "SELECT hs_api_tariff($1, $2)", 2, params));
}

struct tariff_body {
	char	code[33];
	char	name[201];
	char	service_type[12];
};

static const struct hs_field tariff_fields[] = {
	{ "code", HS_F_STRING, offsetof(struct tariff_body, code), 1, 32, 1,
	    CODECHARS },
	{ "name", HS_F_STRING, offsetof(struct tariff_body, name), 1, 200, 1,
	    NULL },
	{ "service_type", HS_F_STRING, offsetof(struct tariff_body,
	    service_type), 5, 11, 1, NULL },
};

int
hs_api_tariffs_create(struct hs_req *r)
{
	struct tariff_body	 b;
	struct kore_buf		 buf;
	struct hs_json		 j;
	char			 utility[24];
	const char		*params[3];
	uint32_t		 present;
	int			 rc;

	if (r->phase > 0)
		return (hs_admin_result(r, 201, "code", "a tariff with this "
		    "code already exists"));
	memset(&b, 0, sizeof(b));
	if (hs_body_parse(r, tariff_fields, 3, &b, &present) == -1)
		return (HS_DONE);
	if (!service_ok(r, b.service_type))
		return (HS_DONE);
	kore_buf_init(&buf, 256);
	hs_json_init(&j, &buf);
	hs_json_object(&j);
	hs_json_kstr(&j, "code", b.code);
	hs_json_kstr(&j, "name", b.name);
	hs_json_kstr(&j, "service_type", b.service_type);
	hs_json_end_object(&j);
	kore_buf_append(&buf, "", 1);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = r->who.actor;
	params[1] = utility;
	params[2] = (const char *)buf.data;
	rc = hs_req_query(r, "SELECT hs_api_tariff_create($1, $2, $3::jsonb)",
	    3, params);
	kore_buf_cleanup(&buf);
	return (rc);
}

/* A version, parsed.  upto -1: the open-ended last block. */
struct tariff_block {
	int64_t	upto;
	int64_t	price;
};

struct tariff_version {
	char			valid_from[11];
	struct tariff_block	blocks[BLOCKS_MAX];
	size_t			nblocks;
	int64_t			amounts[5];	/* in amount_fields' order */
};

/* The version's whole-number fields: name, maximum (minimum is 0). */
static const struct {
	const char	*name;
	int64_t		 max;
	const char	*what;
} amount_fields[] = {
	{ "fixed_monthly", AMOUNT_MAX, "rupiah" },
	{ "minimum_charge", AMOUNT_MAX, "rupiah" },
	{ "admin_fee", AMOUNT_MAX, "rupiah" },
	{ "tax_bp", BP_MAX, "basis points" },
	{ "late_penalty_bp", BP_MAX, "basis points" },
};
#define NAMOUNTS	(sizeof(amount_fields) / sizeof(amount_fields[0]))

static int
invalid(struct hs_req *r, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
invalid(struct hs_req *r, const char *field, const char *fmt, ...)
{
	va_list	ap;
	char	msg[200];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hs_reply_error(r, 422, "invalid_field", msg, field);
	return (-1);
}

/* A calendar date "YYYY-MM-DD" between 2000 and 2999. */
static int
date_ok(const char *s)
{
	static const int	mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };
	int			y, m, d, i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return (0);
	for (i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return (0);
	}
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 2000 || y > 2999 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1])
		return (0);
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return (0);
	return (1);
}

/* One block {"upto", "price"} at index i, after the previous upto. */
static int
parse_block(struct hs_req *r, const struct kore_json_item *obj, size_t i,
    int last, int64_t prev, struct tariff_block *b)
{
	const struct kore_json_item	*item, *upto = NULL, *price = NULL;
	char				 field[32];

	if (obj->type != KORE_JSON_TYPE_OBJECT) {
		snprintf(field, sizeof(field), "blocks[%zu]", i);
		return (invalid(r, field, "each block must be an object "
		    "{\"upto\", \"price\"}"));
	}
	TAILQ_FOREACH(item, &obj->data.items, list) {
		if (!strcmp(item->name, "upto") && upto == NULL)
			upto = item;
		else if (!strcmp(item->name, "price") && price == NULL)
			price = item;
		else {
			snprintf(field, sizeof(field), "blocks[%zu].%.12s", i,
			    item->name);
			return (invalid(r, field, "unknown or repeated field "
			    "'%.64s' in a block", item->name));
		}
	}
	snprintf(field, sizeof(field), "blocks[%zu].upto", i);
	if (upto == NULL)
		return (invalid(r, field, "'upto' is required (null for the "
		    "last block)"));
	if (hs_admin_json_null(upto)) {
		if (!last)
			return (invalid(r, field, "only the last block may be "
			    "open-ended (null)"));
		b->upto = -1;
	} else if (last) {
		return (invalid(r, field, "the last block must be open-ended "
		    "(null) so every amount has a price"));
	} else if (hs_admin_json_int(upto, 1, UPTO_MAX, &b->upto) == -1) {
		return (invalid(r, field, "'upto' must be a whole number from "
		    "1 to %lld", (long long)UPTO_MAX));
	} else if (b->upto <= prev) {
		return (invalid(r, field, "blocks must be in strictly "
		    "ascending order of 'upto'"));
	}
	snprintf(field, sizeof(field), "blocks[%zu].price", i);
	if (price == NULL)
		return (invalid(r, field, "'price' is required"));
	if (hs_admin_json_int(price, 0, PRICE_MAX, &b->price) == -1)
		return (invalid(r, field, "'price' must be whole rupiah from 0 "
		    "to %lld", (long long)PRICE_MAX));
	return (0);
}

static int
parse_blocks(struct hs_req *r, const struct kore_json_item *arr,
    struct tariff_version *v)
{
	const struct kore_json_item	*item;
	size_t				 n = 0, i = 0;
	int64_t				 prev = 0;

	if (arr->type != KORE_JSON_TYPE_ARRAY)
		return (invalid(r, "blocks", "'blocks' must be an array of "
		    "{\"upto\", \"price\"}"));
	TAILQ_FOREACH(item, &arr->data.items, list)
		n++;
	if (n == 0 || n > BLOCKS_MAX)
		return (invalid(r, "blocks", "a tariff has 1 to %d blocks",
		    BLOCKS_MAX));
	TAILQ_FOREACH(item, &arr->data.items, list) {
		if (parse_block(r, item, i, i == n - 1, prev,
		    &v->blocks[i]) == -1)
			return (-1);
		prev = v->blocks[i].upto;
		i++;
	}
	v->nblocks = n;
	return (0);
}

static int
parse_member(struct hs_req *r, const struct kore_json_item *item,
    struct tariff_version *v)
{
	size_t	i;

	if (!strcmp(item->name, "valid_from")) {
		if (item->type != KORE_JSON_TYPE_STRING ||
		    !date_ok(item->data.string))
			return (invalid(r, "valid_from", "'valid_from' must be "
			    "a date YYYY-MM-DD"));
		memcpy(v->valid_from, item->data.string, 11);
		return (0);
	}
	if (!strcmp(item->name, "blocks"))
		return (parse_blocks(r, item, v));
	for (i = 0; i < NAMOUNTS; i++) {
		if (strcmp(item->name, amount_fields[i].name))
			continue;
		if (hs_admin_json_int(item, 0, amount_fields[i].max,
		    &v->amounts[i]) == -1)
			return (invalid(r, amount_fields[i].name, "'%s' must "
			    "be whole %s from 0 to %lld", amount_fields[i].name,
			    amount_fields[i].what,
			    (long long)amount_fields[i].max));
		return (0);
	}
	/* Not reached: the caller only passes known names. */
	return (invalid(r, item->name, "unknown field"));
}

static int
known_member(const char *name)
{
	size_t	i;

	if (!strcmp(name, "valid_from") || !strcmp(name, "blocks"))
		return (1);
	for (i = 0; i < NAMOUNTS; i++) {
		if (!strcmp(name, amount_fields[i].name))
			return (1);
	}
	return (0);
}

static int
parse_version(struct hs_req *r, struct tariff_version *v)
{
	struct kore_json		 json;
	const struct kore_json_item	*item, *other;
	char				 msg[160];
	int				 rc = 0;

	if (hs_admin_body_open(r, &json) == -1)
		return (-1);
	/* Unknown or repeated fields first: a typo must not be dropped. */
	TAILQ_FOREACH(item, &json.root->data.items, list) {
		for (other = TAILQ_FIRST(&json.root->data.items);
		    other != item; other = TAILQ_NEXT(other, list)) {
			if (!strcmp(other->name, item->name))
				break;
		}
		if (!known_member(item->name) || other != item) {
			snprintf(msg, sizeof(msg), "unknown or repeated field "
			    "'%.64s'", item->name);
			hs_reply_error(r, 422, "unknown_field", msg,
			    item->name);
			rc = -1;
			break;
		}
	}
	TAILQ_FOREACH(item, &json.root->data.items, list) {
		if (rc == -1)
			break;
		rc = parse_member(r, item, v);
	}
	if (rc == 0 && v->valid_from[0] == '\0') {
		hs_reply_error(r, 422, "missing_field", "'valid_from' is "
		    "required", "valid_from");
		rc = -1;
	} else if (rc == 0 && v->nblocks == 0) {
		hs_reply_error(r, 422, "missing_field", "'blocks' is "
		    "required", "blocks");
		rc = -1;
	}
	kore_json_cleanup(&json);
	return (rc);
}

/* The parsed version as the canonical JSON the SQL function stores. */
static void
version_json(struct kore_buf *buf, const struct tariff_version *v)
{
	struct hs_json	j;
	size_t		i;

	hs_json_init(&j, buf);
	hs_json_object(&j);
	hs_json_kstr(&j, "valid_from", v->valid_from);
	hs_json_key(&j, "blocks");
	hs_json_array(&j);
	for (i = 0; i < v->nblocks; i++) {
		hs_json_object(&j);
		hs_json_key(&j, "upto");
		if (v->blocks[i].upto == -1)
			hs_json_null(&j);
		else
			hs_json_int(&j, v->blocks[i].upto);
		hs_json_kint(&j, "price", v->blocks[i].price);
		hs_json_end_object(&j);
	}
	hs_json_end_array(&j);
	for (i = 0; i < NAMOUNTS; i++)
		hs_json_kint(&j, amount_fields[i].name, v->amounts[i]);
	hs_json_end_object(&j);
	kore_buf_append(buf, "", 1);
}

int
hs_api_tariffs_version_create(struct hs_req *r)
{
	struct tariff_version	 v;
	struct kore_buf		 buf;
	char			 utility[24], id[24];
	const char		*params[4];
	int			 rc;

	if (r->phase > 0)
		return (hs_admin_result(r, 201, "valid_from", "this tariff "
		    "already has a version from that date"));
	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	memset(&v, 0, sizeof(v));
	if (parse_version(r, &v) == -1)
		return (HS_DONE);
	kore_buf_init(&buf, 1024);
	version_json(&buf, &v);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = r->who.actor;
	params[1] = utility;
	params[2] = id;
	params[3] = (const char *)buf.data;
	rc = hs_req_query(r, "SELECT hs_api_tariff_version_create($1, $2, $3, "
	    "$4::jsonb)", 4, params);
	kore_buf_cleanup(&buf);
	return (rc);
}
