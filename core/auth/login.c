/*
 * Logging in and out.
 *
 * POST /api/v1/auth/login {"email", "password"}:
 *   0  parse; ask whether the account or address is throttled
 *   1  throttled: 429 with Retry-After; else fetch the account
 *   2  check the password on the compute pool (scrypt is ~0.3 s of CPU);
 *      an unknown account is checked against a dummy hash, so the answer
 *      takes as long and says the same ("wrong email or password")
 *   3  success: new session (new token every login) + audit; failure:
 *      count it
 *   4  reply; the session token travels only in the __Host- cookie
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth/password.h"
#include "auth/session.h"
#include "http/body.h"
#include "http/json.h"
#include "http/routes.h"
#include "net/compute.h"

struct login_body {
	char	email[256];
	char	password[HS_PASSWORD_MAX + 1];
};

static const struct hs_field login_fields[] = {
	{ "email", HS_F_STRING, offsetof(struct login_body, email), 3, 254, 1,
	    NULL },
	{ "password", HS_F_STRING, offsetof(struct login_body, password), 1,
	    HS_PASSWORD_MAX, 1, NULL },
};

struct login {
	struct login_body	 body;
	char			 address[64];
	char			 stored[HS_PASSWORD_HASH_MAX];
	char			 token[65];
	char			 token_hash[65];
	char			 csrf[65];
	int64_t			 user_id;
	int			 verified;
	struct hs_ticket	*ticket;
};

/* A valid hash of a random password: verifying against it costs the same. */
static const char	dummy_hash[] = "$scrypt$ln=15,r=8,p=3$"
    "AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

static void
login_free(void *arg)
{
	struct login	*l = arg;

	OPENSSL_cleanse(l, sizeof(*l));
	free(l);
}

static void
verify_run(void *arg)
{
	struct login	*l = arg;

	l->verified = hs_password_verify(l->body.password, l->stored[0] ?
	    l->stored : dummy_hash) == 1 && l->stored[0] != '\0';
	OPENSSL_cleanse(l->body.password, sizeof(l->body.password));
}

static void
verify_done(void *arg)
{
	struct login	*l = arg;

	if (hs_ticket_req(l->ticket) == NULL) {
		free(l->ticket);	/* the client went away */
		login_free(l);
		return;
	}
	hs_ticket_resume(l->ticket);
}

static int
login_reply(struct hs_req *r, struct login *l)
{
	struct kore_buf	buf;
	struct hs_json	j;

	if (r->error[0] != '\0' || PQntuples(r->res) != 1)
		return (hs_reply_error(r, 503, "unavailable", "could not start "
		    "the session; try again", NULL));
	hs_auth_cookie(r, l->token, HS_SESSION_MAX_AGE);
	kore_buf_init(&buf, 512);
	hs_json_init(&j, &buf);
	hs_json_object(&j);
	hs_json_key(&j, "user");
	hs_json_raw(&j, PQgetvalue(r->res, 0, 0));
	hs_json_kstr(&j, "csrf_token", l->csrf);
	hs_json_end_object(&j);
	hs_reply_json(r, 200, &buf);
	kore_buf_cleanup(&buf);
	return (HS_DONE);
}

int
hs_auth_login(struct hs_req *r)
{
	struct login	*l = r->data;
	const char	*params[4];
	char		 retry[16];
	uint32_t	 present;

	switch (r->phase) {
	case 0:
		if ((l = calloc(1, sizeof(*l))) == NULL)
			fatal("login: out of memory");
		r->data = l;
		r->data_free = login_free;
		if (hs_body_parse(r, login_fields, 2, &l->body, &present) == -1)
			return (HS_DONE);
		hs_req_address(r, l->address, sizeof(l->address));
		params[0] = l->body.email;
		params[1] = l->address;
		return (hs_req_query(r, "SELECT hs_login_blocked($1, $2)", 2,
		    params));
	case 1:
		if (r->error[0] != '\0')
			return (hs_reply_error(r, 503, "unavailable",
			    "try again", NULL));
		if (atoi(PQgetvalue(r->res, 0, 0)) > 0) {
			snprintf(retry, sizeof(retry), "%s",
			    PQgetvalue(r->res, 0, 0));
			http_response_header(r->http, "retry-after", retry);
			return (hs_reply_error(r, 429, "too_many_attempts",
			    "too many failed logins; wait and try again",
			    NULL));
		}
		params[0] = l->body.email;
		return (hs_req_query(r, "SELECT id, password_hash FROM users "
		    "WHERE lower(email) = lower($1) AND status = 'active'", 1,
		    params));
	case 2:
		if (r->error[0] != '\0')
			return (hs_reply_error(r, 503, "unavailable",
			    "try again", NULL));
		if (PQntuples(r->res) == 1) {
			l->user_id = strtoll(PQgetvalue(r->res, 0, 0), NULL,
			    10);
			snprintf(l->stored, sizeof(l->stored), "%s",
			    PQgetvalue(r->res, 0, 1));
		}
		l->ticket = hs_req_ticket(r);
		hs_compute_run(verify_run, verify_done, l);
		/* If the request dies first, verify_done frees l. */
		r->data_free = NULL;
		return (HS_AGAIN);
	case 3:
		r->data_free = login_free;
		if (!l->verified) {
			params[0] = l->body.email;
			params[1] = l->address;
			r->phase = 10;
			return (hs_req_query(r, "SELECT hs_login_failure($1, $2)",
			    2, params));
		}
		if (hs_auth_random_hex(l->token, 32) == -1 ||
		    hs_auth_random_hex(l->csrf, 32) == -1)
			return (hs_reply_error(r, 500, "internal",
			    "no randomness", NULL));
		hs_auth_sha256_hex(l->token, l->token_hash);
		snprintf(retry, sizeof(retry), "%lld", (long long)l->user_id);
		params[0] = retry;
		params[1] = l->token_hash;
		params[2] = l->csrf;
		params[3] = l->address;
		return (hs_req_query(r, "SELECT hs_login_success($1, $2, $3, "
		    "$4)", 4, params));
	case 4:
		return (login_reply(r, l));
	case 11:
		return (hs_reply_error(r, 401, "unauthenticated",
		    "wrong email or password", NULL));
	}
	return (hs_reply_error(r, 500, "internal", "login state", NULL));
}

int
hs_auth_logout(struct hs_req *r)
{
	const char	*params[1];

	if (r->phase == 0) {
		if (r->who.kind != HS_PRINCIPAL_USER)
			return (hs_reply_error(r, 400, "not_a_session",
			    "API keys do not log out", NULL));
		params[0] = r->who.session_hash;
		return (hs_req_query(r, "SELECT hs_logout($1)", 1, params));
	}
	hs_auth_cookie(r, NULL, 0);
	if (r->error[0] != '\0')
		return (hs_reply_error(r, 503, "unavailable", "try again",
		    NULL));
	return (hs_reply(r, 200, "application/json", "{\"logged_out\":true}",
	    19));
}

int
hs_auth_me(struct hs_req *r)
{
	struct kore_buf	 buf;
	struct hs_json	 j;
	const char	*params[1];
	char		 id[32];

	if (r->phase == 0) {
		snprintf(id, sizeof(id), "%lld", (long long)r->who.user_id);
		params[0] = id;
		return (hs_req_query(r, "SELECT hs_user_json(u) FROM users u "
		    "WHERE id = $1", 1, params));
	}
	if (r->error[0] != '\0' || PQntuples(r->res) != 1)
		return (hs_reply_error(r, 503, "unavailable", "try again",
		    NULL));
	kore_buf_init(&buf, 512);
	hs_json_init(&j, &buf);
	hs_json_object(&j);
	hs_json_key(&j, "user");
	hs_json_raw(&j, PQgetvalue(r->res, 0, 0));
	hs_json_kstr(&j, "csrf_token", r->who.csrf);
	hs_json_end_object(&j);
	hs_reply_json(r, 200, &buf);
	kore_buf_cleanup(&buf);
	return (HS_DONE);
}
