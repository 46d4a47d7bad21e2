/*
 * Self-service accounts by one-time code.
 *
 *   POST /api/v1/auth/signup/start   {utility, customer_number}
 *   POST /api/v1/auth/signup/finish  {utility, customer_number, code,
 *                                     email, password}
 *   POST /api/v1/auth/reset/start    {email}
 *   POST /api/v1/auth/reset/finish   {email, code, password}
 *
 * "start" always answers 202 the same way, whether or not the customer or
 * account exists, so nobody can probe for them; the code goes out through
 * the notification system.  "finish" hashes the new password on the
 * compute pool, then checks the code and writes in one SQL call.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "auth/password.h"
#include "auth/session.h"
#include "http/body.h"
#include "http/routes.h"
#include "net/compute.h"

#define CODE_DIGITS	"0123456789"

struct account_body {
	char	utility[33];
	char	customer_number[33];
	char	code[7];
	char	email[255];
	char	password[HS_PASSWORD_MAX + 1];
};

#define F(name, member, min, max, req, pat)				\
	{ name, HS_F_STRING, offsetof(struct account_body, member), min,	\
	    max, req, pat }

static const struct hs_field signup_start_fields[] = {
	F("utility", utility, 2, 32, 1, NULL),
	F("customer_number", customer_number, 3, 32, 1, NULL),
};
static const struct hs_field signup_finish_fields[] = {
	F("utility", utility, 2, 32, 1, NULL),
	F("customer_number", customer_number, 3, 32, 1, NULL),
	F("code", code, 6, 6, 1, CODE_DIGITS),
	F("email", email, 3, 254, 1, NULL),
	F("password", password, 1, HS_PASSWORD_MAX, 1, NULL),
};
static const struct hs_field reset_start_fields[] = {
	F("email", email, 3, 254, 1, NULL),
};
static const struct hs_field reset_finish_fields[] = {
	F("email", email, 3, 254, 1, NULL),
	F("code", code, 6, 6, 1, CODE_DIGITS),
	F("password", password, 1, HS_PASSWORD_MAX, 1, NULL),
};

#define N(t)	(sizeof(t) / sizeof(t[0]))

struct account {
	struct account_body	 body;
	char			 hash[HS_PASSWORD_HASH_MAX];
	int			 hashed;
	struct hs_ticket	*ticket;
};

static void
account_free(void *arg)
{
	struct account	*a = arg;

	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
}

/* Six uniformly random digits (rejection sampling, no modulo bias). */
static int
random_code(char out[7])
{
	uint32_t	v;

	do {
		if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
			return (-1);
	} while (v >= 4294000000u);	/* a multiple of 10^6 */
	snprintf(out, 7, "%06u", v % 1000000u);
	return (0);
}

static int
accepted(struct hs_req *r)
{
	static const char	body[] = "{\"sent\":true,\"message\":\"If the "
	    "details match an account, a code is on its way.\"}";

	if (r->error[0] != '\0')
		return (hs_reply_error(r, 503, "unavailable", "try again",
		    NULL));
	return (hs_reply(r, 202, "application/json", body, sizeof(body) - 1));
}

static struct account *
account_new(struct hs_req *r)
{
	struct account	*a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		fatal("accounts: out of memory");
	r->data = a;
	r->data_free = account_free;
	return (a);
}

int
hs_auth_signup_start(struct hs_req *r)
{
	struct account	*a;
	const char	*params[3];
	char		 code[7];
	uint32_t	 present;

	if (r->phase > 0)
		return (accepted(r));
	a = account_new(r);
	if (hs_body_parse(r, signup_start_fields, N(signup_start_fields),
	    &a->body, &present) == -1)
		return (HS_DONE);
	if (random_code(code) == -1)
		return (hs_reply_error(r, 500, "internal", "no randomness",
		    NULL));
	params[0] = a->body.utility;
	params[1] = a->body.customer_number;
	params[2] = code;
	return (hs_req_query(r, "SELECT hs_signup_start($1, $2, $3)", 3,
	    params));
}

int
hs_auth_reset_start(struct hs_req *r)
{
	struct account	*a;
	const char	*params[2];
	char		 code[7];
	uint32_t	 present;

	if (r->phase > 0)
		return (accepted(r));
	a = account_new(r);
	if (hs_body_parse(r, reset_start_fields, N(reset_start_fields),
	    &a->body, &present) == -1)
		return (HS_DONE);
	if (random_code(code) == -1)
		return (hs_reply_error(r, 500, "internal", "no randomness",
		    NULL));
	params[0] = a->body.email;
	params[1] = code;
	return (hs_req_query(r, "SELECT hs_reset_start($1, $2)", 2, params));
}

static void
hash_run(void *arg)
{
	struct account	*a = arg;

	a->hashed = hs_password_hash(a->body.password, a->hash,
	    sizeof(a->hash)) == 0;
	OPENSSL_cleanse(a->body.password, sizeof(a->body.password));
}

static void
hash_done(void *arg)
{
	struct account	*a = arg;

	if (hs_ticket_req(a->ticket) == NULL) {
		free(a->ticket);
		account_free(a);
		return;
	}
	hs_ticket_resume(a->ticket);
}

/* Parse, check the new password, hash it off the event loop. */
static int
finish_begin(struct hs_req *r, const struct hs_field *fields, size_t n)
{
	struct account	*a;
	const char	*weak;
	char		 msg[96];
	uint32_t	 present;

	a = account_new(r);
	if (hs_body_parse(r, fields, n, &a->body, &present) == -1)
		return (HS_DONE);
	if ((weak = hs_password_weak(a->body.password)) != NULL) {
		snprintf(msg, sizeof(msg), "the password must be %s", weak);
		return (hs_reply_error(r, 422, "weak_password", msg,
		    "password"));
	}
	if (strchr(a->body.email, '@') == NULL)
		return (hs_reply_error(r, 422, "invalid_field", "email must be "
		    "an address", "email"));
	a->ticket = hs_req_ticket(r);
	r->data_free = NULL;	/* hash_done frees it if the client leaves */
	hs_compute_run(hash_run, hash_done, a);
	return (HS_AGAIN);
}

int
hs_auth_signup_finish(struct hs_req *r)
{
	struct account	*a = r->data;
	const char	*params[5];

	switch (r->phase) {
	case 0:
		return (finish_begin(r, signup_finish_fields,
		    N(signup_finish_fields)));
	case 1:
		r->data_free = account_free;
		if (!a->hashed)
			return (hs_reply_error(r, 500, "internal", "cannot hash "
			    "the password", NULL));
		params[0] = a->body.utility;
		params[1] = a->body.customer_number;
		params[2] = a->body.code;
		params[3] = a->body.email;
		params[4] = a->hash;
		return (hs_req_query(r, "SELECT hs_signup_finish($1, $2, $3, "
		    "$4, $5)", 5, params));
	}
	if (r->error[0] == '\0' && PQntuples(r->res) == 1 &&
	    PQgetisnull(r->res, 0, 0))
		return (hs_reply_error(r, 401, "bad_code", "the code is wrong "
		    "or has expired; ask for a new one", "code"));
	if (!strcmp(r->sqlstate, "23505"))
		return (hs_reply_error(r, 409, "conflict", "an account with "
		    "this email already exists", "email"));
	if (r->error[0] != '\0')
		return (hs_reply_error(r, 503, "unavailable", "try again",
		    NULL));
	return (hs_reply(r, 201, "application/json",
	    PQgetvalue(r->res, 0, 0), (size_t)PQgetlength(r->res, 0, 0)));
}

int
hs_auth_reset_finish(struct hs_req *r)
{
	struct account	*a = r->data;
	const char	*params[3];

	switch (r->phase) {
	case 0:
		return (finish_begin(r, reset_finish_fields,
		    N(reset_finish_fields)));
	case 1:
		r->data_free = account_free;
		if (!a->hashed)
			return (hs_reply_error(r, 500, "internal", "cannot hash "
			    "the password", NULL));
		params[0] = a->body.email;
		params[1] = a->body.code;
		params[2] = a->hash;
		return (hs_req_query(r, "SELECT hs_reset_finish($1, $2, $3)", 3,
		    params));
	}
	if (r->error[0] != '\0')
		return (hs_reply_error(r, 503, "unavailable", "try again",
		    NULL));
	if (strcmp(PQgetvalue(r->res, 0, 0), "t"))
		return (hs_reply_error(r, 401, "bad_code", "the code is wrong "
		    "or has expired; ask for a new one", "code"));
	return (hs_reply(r, 200, "application/json", "{\"reset\":true}", 14));
}
