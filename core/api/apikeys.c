/*
 * /api/v1/api-keys: a utility's administrators issue and revoke the keys
 * integrators call the API with.
 *
 *   GET  /api/v1/api-keys              list (never a secret or its hash)
 *   POST /api/v1/api-keys              {name, permissions: [...]}
 *   POST /api/v1/api-keys/{id}/revoke  {reason}
 *
 * A key is "hsk_<prefix>_<secret>": 16 hex digits that identify it and 48
 * hex digits (192 bits from the CSPRNG) that prove it.  Only the secret's
 * SHA-256 is stored (auth/session.c checks a presented key against it),
 * so the full key is shown once, in the 201 reply, and never again.
 * A key is bound to the admin's utility and carries only the permissions
 * chosen from the set below; a route an integrator may call names the
 * one it needs (http/routes.c).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/admin_body.h"
#include "api/admin_result.h"
#include "auth/session.h"
#include "http/body.h"
#include "http/json.h"
#include "http/routes.h"

#define PREFIX_BYTES	8	/* 16 hex digits */
#define SECRET_BYTES	24	/* 48 hex digits */
#define NAME_MAX_LEN	100

/* What a key may be allowed to do; routes.c names the same strings. */
static const char *const permissions[] = {
	"customers:read", "customers:write", "meters:read", "meters:write",
	"tariffs:read", "purchases:read", "purchases:write", "reports:read",
	"telemetry:write", "bills:read",
};
#define NPERMISSIONS	(sizeof(permissions) / sizeof(permissions[0]))

struct key_body {
	char		name[NAME_MAX_LEN + 1];
	uint32_t	perms;		/* bit i: permissions[i] */
};

/* A new key until its one reply; the secret is wiped with it. */
struct key_new {
	struct key_body	body;
	char		prefix[PREFIX_BYTES * 2 + 1];
	char		secret[SECRET_BYTES * 2 + 1];
	char		hash[65];
};

static void
key_new_free(void *arg)
{
	struct key_new	*k = arg;

	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

int
hs_api_keys_list(struct hs_req *r)
{
	char		 utility[24], limit[8], offset[16];
	const char	*params[3];

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (hs_api_paging(r, limit, offset) == -1)
		return (HS_DONE);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = utility;
	params[1] = limit;
	params[2] = offset;
	return (hs_req_query(r, "SELECT hs_api_keys($1, $2, $3)", 3, params));
}

static int
field_error(struct hs_req *r, const char *code, const char *msg,
    const char *field)
{
	hs_reply_error(r, 422, code, msg, field);
	return (-1);
}

/* permissions: a non-empty array of distinct names from the set. */
static int
parse_permissions(struct hs_req *r, const struct kore_json_item *arr,
    uint32_t *perms)
{
	const struct kore_json_item	*item;
	char				 msg[160];
	size_t				 i;

	if (arr->type != KORE_JSON_TYPE_ARRAY)
		return (field_error(r, "invalid_field", "'permissions' must be "
		    "an array of permission names", "permissions"));
	*perms = 0;
	TAILQ_FOREACH(item, &arr->data.items, list) {
		if (item->type != KORE_JSON_TYPE_STRING)
			return (field_error(r, "invalid_field", "each "
			    "permission must be a string", "permissions"));
		for (i = 0; i < NPERMISSIONS; i++) {
			if (!strcmp(item->data.string, permissions[i]))
				break;
		}
		if (i == NPERMISSIONS) {
			snprintf(msg, sizeof(msg), "unknown permission "
			    "'%.40s'; allowed: customers:read, "
			    "customers:write, meters:read, meters:write, "
			    "tariffs:read", item->data.string);
			return (field_error(r, "invalid_field", msg,
			    "permissions"));
		}
		if (*perms & (1u << i))
			return (field_error(r, "invalid_field", "a permission "
			    "is listed twice", "permissions"));
		*perms |= 1u << i;
	}
	if (*perms == 0)
		return (field_error(r, "invalid_field", "choose at least one "
		    "permission", "permissions"));
	return (0);
}

static int
parse_key_body(struct hs_req *r, struct key_body *b)
{
	struct kore_json		 json;
	const struct kore_json_item	*item, *name = NULL, *perms = NULL;
	char				 msg[160];
	int				 rc = 0;

	if (hs_admin_body_open(r, &json) == -1)
		return (-1);
	TAILQ_FOREACH(item, &json.root->data.items, list) {
		if (!strcmp(item->name, "name") && name == NULL)
			name = item;
		else if (!strcmp(item->name, "permissions") && perms == NULL)
			perms = item;
		else {
			snprintf(msg, sizeof(msg), "unknown or repeated field "
			    "'%.64s'", item->name);
			rc = field_error(r, "unknown_field", msg, item->name);
			break;
		}
	}
	if (rc == 0 && name == NULL)
		rc = field_error(r, "missing_field", "'name' is required",
		    "name");
	else if (rc == 0 && hs_admin_json_text(name, 1, NAME_MAX_LEN) == -1)
		rc = field_error(r, "invalid_field", "'name' must be 1 to 100 "
		    "characters", "name");
	else if (rc == 0 && perms == NULL)
		rc = field_error(r, "missing_field", "'permissions' is "
		    "required", "permissions");
	else if (rc == 0)
		rc = parse_permissions(r, perms, &b->perms);
	if (rc == 0)
		memcpy(b->name, name->data.string, strlen(name->data.string) +
		    1);
	kore_json_cleanup(&json);
	return (rc);
}

/* The permissions as a PostgreSQL array literal: only names from the set. */
static void
permissions_literal(uint32_t perms, char *out, size_t len)
{
	size_t	i, off;

	off = (size_t)snprintf(out, len, "{");
	for (i = 0; i < NPERMISSIONS && off < len; i++) {
		if (perms & (1u << i))
			off += (size_t)snprintf(out + off, len - off, "%s%s",
			    off > 1 ? "," : "", permissions[i]);
	}
	if (off < len)
		snprintf(out + off, len - off, "}");
}

/*
 * The 201 reply: the stored key as SQL returned it (a JSON object), with
 * the full key added as "key".  The key is hex and '_', nothing to escape.
 */
static int
created_reply(struct hs_req *r, const struct key_new *k)
{
	struct kore_buf	 buf;
	const char	*v;
	size_t		 len;

	if (r->error[0] != '\0' || PQntuples(r->res) != 1 ||
	    PQgetisnull(r->res, 0, 0))
		return (hs_admin_result(r, 201, "prefix", "the generated "
		    "prefix was taken; try again"));
	v = PQgetvalue(r->res, 0, 0);
	len = (size_t)PQgetlength(r->res, 0, 0);
	if (len < 2 || v[len - 1] != '}')
		return (hs_reply_error(r, 500, "internal", "unexpected key "
		    "record", NULL));
	kore_buf_init(&buf, len + 128);
	kore_buf_append(&buf, v, len - 1);
	kore_buf_appendf(&buf, ", \"key\": \"hsk_%s_%s\"}", k->prefix,
	    k->secret);
	hs_reply_json(r, 201, &buf);
	OPENSSL_cleanse(buf.data, buf.offset);
	kore_buf_cleanup(&buf);
	return (HS_DONE);
}

int
hs_api_keys_create(struct hs_req *r)
{
	struct key_new	*k = r->data;
	char		 utility[24], user[24], perms[160];
	const char	*params[7];

	if (r->phase > 0)
		return (created_reply(r, k));
	if ((k = calloc(1, sizeof(*k))) == NULL)
		fatal("api keys: out of memory");
	r->data = k;
	r->data_free = key_new_free;
	if (parse_key_body(r, &k->body) == -1)
		return (HS_DONE);
	if (hs_auth_random_hex(k->prefix, PREFIX_BYTES) == -1 ||
	    hs_auth_random_hex(k->secret, SECRET_BYTES) == -1)
		return (hs_reply_error(r, 500, "internal", "no randomness",
		    NULL));
	hs_auth_sha256_hex(k->secret, k->hash);
	permissions_literal(k->body.perms, perms, sizeof(perms));
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	snprintf(user, sizeof(user), "%lld", (long long)r->who.user_id);
	params[0] = r->who.actor;
	params[1] = utility;
	params[2] = r->who.kind == HS_PRINCIPAL_USER ? user : NULL;
	params[3] = k->body.name;
	params[4] = k->prefix;
	params[5] = k->hash;
	params[6] = perms;
	return (hs_req_query(r, "SELECT hs_api_key_create($1, $2, $3, $4, $5, "
	    "$6, $7::text[])", 7, params));
}

struct revoke_body {
	char	reason[501];
};

static const struct hs_field revoke_fields[] = {
	{ "reason", HS_F_STRING, offsetof(struct revoke_body, reason), 1, 500,
	    1, NULL },
};

/*
 * The reason is required: it is what an auditor reads later, and it
 * keeps an empty or mistaken POST from revoking a key integrators rely on.
 */
int
hs_api_keys_revoke(struct hs_req *r)
{
	struct revoke_body	 b;
	char			 utility[24], id[24];
	const char		*params[4];
	uint32_t		 present;

	if (r->phase > 0)
		return (hs_admin_result(r, 200, NULL, "conflict"));
	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	memset(&b, 0, sizeof(b));
	if (hs_body_parse(r, revoke_fields, 1, &b, &present) == -1)
		return (HS_DONE);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = r->who.actor;
	params[1] = utility;
	params[2] = id;
	params[3] = b.reason;
	return (hs_req_query(r, "SELECT hs_api_key_revoke($1, $2, $3, $4)", 4,
	    params));
}
