/*
 * /api/v1/users: a utility's administrators manage its staff and customer
 * accounts; /api/v1/auth/password: anyone logged in changes their own
 * password.
 *
 *   GET   /api/v1/users          list (q on email and name, role, status)
 *   GET   /api/v1/users/{id}     one account
 *   POST  /api/v1/users          {email, name, role, customer_number?,
 *                                 password}
 *   PATCH /api/v1/users/{id}     {name?, role?, status?}
 *   POST  /api/v1/auth/password  {current, new}
 *
 * Passwords are hashed and checked with scrypt, a few hundred
 * milliseconds of CPU, so that runs on the compute pool and the worker's
 * event loop keeps serving (see auth/login.c).  Everything is scoped to
 * the caller's utility and audited by the SQL functions of migration
 * 0005, which also end the sessions a change must end.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/admin_body.h"
#include "api/admin_result.h"
#include "auth/password.h"
#include "auth/session.h"
#include "http/body.h"
#include "http/json.h"
#include "http/routes.h"
#include "net/compute.h"

#define NUMCHARS "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-"
#define LOWER	"abcdefghijklmnopqrstuvwxyz"

struct user_body {
	char	email[255];
	char	name[201];
	char	role[11];
	char	customer_number[33];
	char	status[9];
	char	password[HS_PASSWORD_MAX + 1];
};

#define F(name, member, min, max, req, pat)				\
	{ name, HS_F_STRING, offsetof(struct user_body, member), min,	\
	    max, req, pat }

static const struct hs_field create_fields[] = {
	F("email", email, 3, 254, 1, NULL),
	F("name", name, 1, 200, 1, NULL),
	F("role", role, 5, 10, 1, LOWER),
	F("customer_number", customer_number, 3, 32, 0, NUMCHARS),
	F("password", password, 1, HS_PASSWORD_MAX, 1, NULL),
};

/* The bits of *present, in update_fields' order. */
#define U_NAME		0x1u
#define U_ROLE		0x2u
#define U_STATUS	0x4u

static const struct hs_field update_fields[] = {
	F("name", name, 1, 200, 0, NULL),
	F("role", role, 5, 10, 0, LOWER),
	F("status", status, 6, 8, 0, LOWER),
};

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* A user's state across the compute pool and the queries. */
struct user_op {
	struct user_body	 body;
	char			 hash[HS_PASSWORD_HASH_MAX];
	int			 hashed;
	struct hs_ticket	*ticket;
};

static void
user_op_free(void *arg)
{
	struct user_op	*u = arg;

	OPENSSL_cleanse(u, sizeof(*u));
	free(u);
}

static int
role_ok(struct hs_req *r, const char *role)
{
	if (hs_auth_role_bit(role) == 0) {
		hs_reply_error(r, 422, "invalid_field", "role must be admin, "
		    "operator, cashier, technician or customer", "role");
		return (0);
	}
	return (1);
}

static int
status_ok(struct hs_req *r, const char *status)
{
	if (strcmp(status, "active") && strcmp(status, "disabled")) {
		hs_reply_error(r, 422, "invalid_field", "status must be active "
		    "or disabled", "status");
		return (0);
	}
	return (1);
}

int
hs_api_users_list(struct hs_req *r)
{
	char		 utility[24], limit[8], offset[16], q[101], role[16];
	char		 status[16];
	const char	*params[6];

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (hs_api_paging(r, limit, offset) == -1)
		return (HS_DONE);
	params[1] = hs_req_arg(r, "q", q, sizeof(q)) == 0 && q[0] ? q : NULL;
	params[2] = NULL;
	if (hs_req_arg(r, "role", role, sizeof(role)) == 0) {
		if (!role_ok(r, role))
			return (HS_DONE);
		params[2] = role;
	}
	params[3] = NULL;
	if (hs_req_arg(r, "status", status, sizeof(status)) == 0) {
		if (!status_ok(r, status))
			return (HS_DONE);
		params[3] = status;
	}
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = utility;
	params[4] = limit;
	params[5] = offset;
	return (hs_req_query(r, "SELECT hs_api_users($1, $2, $3, $4, $5, $6)",
	    6, params));
}

int
hs_api_users_get(struct hs_req *r)
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
	return (hs_req_query(r, "SELECT hs_api_user($1, $2)", 2, params));
}

static void
hash_run(void *arg)
{
	struct user_op	*u = arg;

	u->hashed = hs_password_hash(u->body.password, u->hash,
	    sizeof(u->hash)) == 0;
	OPENSSL_cleanse(u->body.password, sizeof(u->body.password));
}

static void
op_done(void *arg)
{
	struct user_op	*u = arg;

	if (hs_ticket_req(u->ticket) == NULL) {
		free(u->ticket);	/* the client went away */
		user_op_free(u);
		return;
	}
	hs_ticket_resume(u->ticket);
}

/* Everything about a new account that needs no database, then the hash. */
static int
create_begin(struct hs_req *r)
{
	struct user_op	*u;
	const char	*weak;
	char		 msg[96];
	uint32_t	 present;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		fatal("users: out of memory");
	r->data = u;
	r->data_free = user_op_free;
	if (hs_body_parse(r, create_fields, N(create_fields), &u->body,
	    &present) == -1)
		return (HS_DONE);
	if (strchr(u->body.email, '@') == NULL)
		return (hs_reply_error(r, 422, "invalid_field", "email must be "
		    "an address", "email"));
	if (!role_ok(r, u->body.role))
		return (HS_DONE);
	if (!strcmp(u->body.role, "customer") && u->body.customer_number[0] ==
	    '\0')
		return (hs_reply_error(r, 422, "missing_field", "a customer "
		    "account needs the customer's number", "customer_number"));
	if (strcmp(u->body.role, "customer") && u->body.customer_number[0] !=
	    '\0')
		return (hs_reply_error(r, 422, "invalid_field", "only a "
		    "customer account is linked to a customer",
		    "customer_number"));
	if ((weak = hs_password_weak(u->body.password)) != NULL) {
		snprintf(msg, sizeof(msg), "the password must be %s", weak);
		return (hs_reply_error(r, 422, "weak_password", msg,
		    "password"));
	}
	u->ticket = hs_req_ticket(r);
	r->data_free = NULL;	/* op_done frees it if the client leaves */
	hs_compute_run(hash_run, op_done, u);
	return (HS_AGAIN);
}

int
hs_api_users_create(struct hs_req *r)
{
	struct user_op	*u = r->data;
	struct kore_buf	 buf;
	struct hs_json	 j;
	char		 utility[24];
	const char	*params[4];
	int		 rc;

	switch (r->phase) {
	case 0:
		return (create_begin(r));
	case 1:
		r->data_free = user_op_free;
		if (!u->hashed)
			return (hs_reply_error(r, 500, "internal",
			    "cannot hash the password", NULL));
		kore_buf_init(&buf, 512);
		hs_json_init(&j, &buf);
		hs_json_object(&j);
		hs_json_kstr(&j, "email", u->body.email);
		hs_json_kstr(&j, "name", u->body.name);
		hs_json_kstr(&j, "role", u->body.role);
		if (u->body.customer_number[0] != '\0')
			hs_json_kstr(&j, "customer_number",
			    u->body.customer_number);
		hs_json_end_object(&j);
		kore_buf_append(&buf, "", 1);
		snprintf(utility, sizeof(utility), "%lld",
		    (long long)r->who.utility_id);
		params[0] = r->who.actor;
		params[1] = utility;
		params[2] = (const char *)buf.data;
		params[3] = u->hash;
		rc = hs_req_query(r, "SELECT hs_api_user_create($1, $2, "
		    "$3::jsonb, $4)", 4, params);
		kore_buf_cleanup(&buf);
		return (rc);
	}
	return (hs_admin_result(r, 201, "email", "an account with this email "
	    "already exists"));
}

int
hs_api_users_update(struct hs_req *r)
{
	struct user_body	 b;
	struct kore_buf		 buf;
	struct hs_json		 j;
	char			 utility[24], self[24], id[24];
	const char		*params[5];
	uint32_t		 present;
	int			 rc;

	if (r->phase > 0)
		return (hs_admin_result(r, 200, NULL, "conflict"));
	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	memset(&b, 0, sizeof(b));
	if (hs_body_parse(r, update_fields, N(update_fields), &b,
	    &present) == -1)
		return (HS_DONE);
	if (present == 0)
		return (hs_reply_error(r, 422, "empty_update", "nothing to "
		    "change: send name, role or status", NULL));
	if ((present & U_ROLE) && !role_ok(r, b.role))
		return (HS_DONE);
	if ((present & U_STATUS) && !status_ok(r, b.status))
		return (HS_DONE);
	kore_buf_init(&buf, 256);
	hs_json_init(&j, &buf);
	hs_json_object(&j);
	if (present & U_NAME)
		hs_json_kstr(&j, "name", b.name);
	if (present & U_ROLE)
		hs_json_kstr(&j, "role", b.role);
	if (present & U_STATUS)
		hs_json_kstr(&j, "status", b.status);
	hs_json_end_object(&j);
	kore_buf_append(&buf, "", 1);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	snprintf(self, sizeof(self), "%lld", (long long)r->who.user_id);
	params[0] = r->who.actor;
	params[1] = utility;
	params[2] = self;
	params[3] = id;
	params[4] = (const char *)buf.data;
	rc = hs_req_query(r, "SELECT hs_api_user_update($1, $2, $3, $4, "
	    "$5::jsonb)", 5, params);
	kore_buf_cleanup(&buf);
	return (rc);
}

/*
 * POST /api/v1/auth/password {"current", "new"}:
 *   0  parse; fetch the stored hash and whether the account is throttled
 *   1  throttled: 429; else, on the compute pool, check the current
 *      password and, if it is right, hash the new one
 *   2  wrong: count a failed login (phase 10, reply at 11); right: set
 *      the new hash and end the user's other sessions
 *   3  reply
 * This session stays: the user who just proved the password keeps
 * working; any session a thief may hold ends.
 */
struct password_body {
	char	current[HS_PASSWORD_MAX + 1];
	char	new[HS_PASSWORD_MAX + 1];
};

static const struct hs_field password_fields[] = {
	{ "current", HS_F_STRING, offsetof(struct password_body, current), 1,
	    HS_PASSWORD_MAX, 1, NULL },
	{ "new", HS_F_STRING, offsetof(struct password_body, new), 1,
	    HS_PASSWORD_MAX, 1, NULL },
};

struct password_change {
	struct password_body	 body;
	char			 address[64];
	char			 email[256];
	char			 stored[HS_PASSWORD_HASH_MAX];
	char			 hash[HS_PASSWORD_HASH_MAX];
	int			 verified;
	int			 hashed;
	struct hs_ticket	*ticket;
};

static void
password_free(void *arg)
{
	struct password_change	*p = arg;

	OPENSSL_cleanse(p, sizeof(*p));
	free(p);
}

static void
password_run(void *arg)
{
	struct password_change	*p = arg;

	p->verified = hs_password_verify(p->body.current, p->stored) == 1;
	if (p->verified)
		p->hashed = hs_password_hash(p->body.new, p->hash,
		    sizeof(p->hash)) == 0;
	OPENSSL_cleanse(&p->body, sizeof(p->body));
}

static void
password_done(void *arg)
{
	struct password_change	*p = arg;

	if (hs_ticket_req(p->ticket) == NULL) {
		free(p->ticket);	/* the client went away */
		password_free(p);
		return;
	}
	hs_ticket_resume(p->ticket);
}

static int
password_begin(struct hs_req *r)
{
	struct password_change	*p;
	const char		*weak, *params[2];
	char			 msg[96], user[24];
	uint32_t		 present;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("password: out of memory");
	r->data = p;
	r->data_free = password_free;
	if (r->who.kind != HS_PRINCIPAL_USER)
		return (hs_reply_error(r, 400, "not_a_session", "API keys "
		    "have no password", NULL));
	if (hs_body_parse(r, password_fields, N(password_fields),
	    &p->body, &present) == -1)
		return (HS_DONE);
	if ((weak = hs_password_weak(p->body.new)) != NULL) {
		snprintf(msg, sizeof(msg), "the password must be %s", weak);
		return (hs_reply_error(r, 422, "weak_password", msg, "new"));
	}
	if (!strcmp(p->body.new, p->body.current))
		return (hs_reply_error(r, 422, "invalid_field", "the new "
		    "password must differ from the current one", "new"));
	hs_req_address(r, p->address, sizeof(p->address));
	snprintf(user, sizeof(user), "%lld", (long long)r->who.user_id);
	params[0] = user;
	params[1] = p->address;
	return (hs_req_query(r, "SELECT password_hash, email, blocked FROM "
	    "hs_password_state($1, $2)", 2, params));
}

static int
password_check(struct hs_req *r, struct password_change *p)
{
	char	retry[16];

	if (r->error[0] != '\0')
		return (hs_reply_error(r, 503, "unavailable", "try again",
		    NULL));
	if (PQntuples(r->res) != 1)
		return (hs_reply_error(r, 401, "unauthenticated", "the "
		    "account is no longer active", NULL));
	if (atoi(PQgetvalue(r->res, 0, 2)) > 0) {
		snprintf(retry, sizeof(retry), "%s", PQgetvalue(r->res, 0, 2));
		http_response_header(r->http, "retry-after", retry);
		return (hs_reply_error(r, 429, "too_many_attempts", "too many "
		    "wrong passwords; wait and try again", NULL));
	}
	snprintf(p->stored, sizeof(p->stored), "%s", PQgetvalue(r->res, 0, 0));
	snprintf(p->email, sizeof(p->email), "%s", PQgetvalue(r->res, 0, 1));
	p->ticket = hs_req_ticket(r);
	/* If the client leaves meanwhile, password_done frees p. */
	r->data_free = NULL;
	hs_compute_run(password_run, password_done, p);
	return (HS_AGAIN);
}

int
hs_api_password_change(struct hs_req *r)
{
	struct password_change	*p = r->data;
	const char		*params[4];
	char			 user[24];

	switch (r->phase) {
	case 0:
		return (password_begin(r));
	case 1:
		return (password_check(r, p));
	case 2:
		r->data_free = password_free;
		if (!p->verified) {
			params[0] = p->email;
			params[1] = p->address;
			r->phase = 10;
			return (hs_req_query(r, "SELECT hs_login_failure($1, "
			    "$2)", 2, params));
		}
		if (!p->hashed)
			return (hs_reply_error(r, 500, "internal",
			    "cannot hash the password", NULL));
		snprintf(user, sizeof(user), "%lld", (long long)r->who.user_id);
		params[0] = user;
		params[1] = r->who.session_hash;
		params[2] = p->stored;
		params[3] = p->hash;
		return (hs_req_query(r, "SELECT hs_api_password_change($1, $2, "
		    "$3, $4)", 4, params));
	case 3:
		if (r->error[0] == '\0' && PQntuples(r->res) == 1 &&
		    PQgetisnull(r->res, 0, 0))
			return (hs_reply_error(r, 409, "conflict",
			    "the password changed meanwhile; try again",
			    NULL));
		return (hs_api_result(r, 200));
	case 11:
		return (hs_reply_error(r, 422, "wrong_password", "the current "
		    "password is wrong", "current"));
	}
	return (hs_reply_error(r, 500, "internal", "password state", NULL));
}
