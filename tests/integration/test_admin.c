/*
 * The administration API end to end, against the demo data: an admin
 * creates accounts that can then log in, changes and disables them (which
 * ends their sessions), issues API keys that work for exactly their
 * permissions until revoked, and maintains tariffs whose versions are
 * checked field by field; everyone changes their own password.  Another
 * utility's admin sees none of it, other roles are refused, bad input
 * writes nothing, and every change lands in the intact audit chain.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <libpq-fe.h>

#include "hs_test.h"

#define PASSWORD	"demo-password-2026"
#define FULL_KEY	"hsk_00000000000000a1_" \
			"0123456789abcdef0123456789abcdef"

struct caller {
	const char	*email;		/* NULL: API key or anonymous */
	const char	*key;
	char		 cookie[128];
	char		 csrf[65];
};

static struct hs_test_server	srv;
static struct caller	admin = { "admin@tirta.demo", NULL, "", "" };
static struct caller	op = { "operator@tirta.demo", NULL, "", "" };
static struct caller	cashier = { "kasir@tirta.demo", NULL, "", "" };
static struct caller	tech = { "teknisi@tirta.demo", NULL, "", "" };
static struct caller	siti = { "siti@example.id", NULL, "", "" };
static struct caller	melati = { "admin@melati.demo", NULL, "", "" };
static struct caller	fullkey = { NULL, FULL_KEY, "", "" };
static struct caller	anon = { NULL, NULL, "", "" };

/* The first "id" in a jsonb reply. */
static long
json_id(const char *json)
{
	const char	*p = strstr(json, "\"id\": ");

	if (p == NULL)
		fail_msg("no id in %s", json);
	return (atol(p + 6));
}

/* Log in; the status, and on 200 the caller's cookie and CSRF token. */
static int
try_login(struct caller *c, const char *password)
{
	struct hs_test_resp	 r;
	char			 body[256];
	const char		*p;
	int			 status;

	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}",
	    c->email, password);
	if (hs_test_http(srv.port, "POST", "/api/v1/auth/login",
	    "Content-Type: application/json\r\n", body, strlen(body), &r) != 0)
		fail_msg("login %s: no response", c->email);
	status = r.status;
	if (status == 200) {
		if ((p = strstr(r.headers, "__Host-hs_session=")) == NULL)
			fail_msg("no session cookie for %s", c->email);
		snprintf(c->cookie, sizeof(c->cookie), "%.82s", p);
		c->cookie[strcspn(c->cookie, ";")] = '\0';
		if (hs_test_json_str(r.body, "csrf_token", c->csrf,
		    sizeof(c->csrf)) != 0)
			fail_msg("no csrf token for %s", c->email);
	}
	hs_test_resp_free(&r);
	return (status);
}

static void
login(struct caller *c, const char *password)
{
	if (try_login(c, password) != 200)
		fail_msg("login %s failed", c->email);
}

static int
call(const struct caller *c, const char *method, const char *path,
    const char *body, struct hs_test_resp *r)
{
	char	h[1024];

	if (c->email != NULL)
		snprintf(h, sizeof(h), "Cookie: %s\r\nX-CSRF-Token: %s\r\n"
		    "Origin: http://127.0.0.1:%d\r\n"
		    "Content-Type: application/json\r\n", c->cookie, c->csrf,
		    srv.port);
	else if (c->key != NULL)
		snprintf(h, sizeof(h), "Authorization: Bearer %s\r\n"
		    "Content-Type: application/json\r\n", c->key);
	else
		snprintf(h, sizeof(h), "Content-Type: application/json\r\n");
	if (hs_test_http(srv.port, method, path, h, body,
	    body ? strlen(body) : 0, r) != 0)
		fail_msg("%s %s: no response", method, path);
	return (r->status);
}

/* The status of one call, the reply discarded. */
static int
status_of(const struct caller *c, const char *method, const char *path,
    const char *body)
{
	struct hs_test_resp	r;
	int			status;

	status = call(c, method, path, body, &r);
	hs_test_resp_free(&r);
	return (status);
}

/* A 422 (or other error) naming the field, checked in one place. */
static void
expect_error(const struct caller *c, const char *method, const char *path,
    const char *body, int status, const char *field)
{
	struct hs_test_resp	r;
	char			want[96];

	call(c, method, path, body, &r);
	if (r.status != status)
		fail_msg("%s %s %s: got %d (%s), expected %d", method, path,
		    body, r.status, r.body, status);
	if (field != NULL) {
		snprintf(want, sizeof(want), "\"field\":\"%s\"", field);
		if (strstr(r.body, want) == NULL)
			fail_msg("%s %s %s: %s does not name %s", method, path,
			    body, r.body, field);
	}
	/* One request, one reply: a handler must stop at its refusal. */
	if (strstr(r.body, "HTTP/1.") != NULL)
		fail_msg("%s %s %s: a second reply followed: %s", method, path,
		    body, r.body);
	hs_test_resp_free(&r);
}

/*
 * Workers cache principals; a change reaches every worker through
 * PostgreSQL within milliseconds.  Wait for the first call that sees it
 * (at most 200 ms), then every later call must see it too.
 */
static void
settle(const struct caller *c, const char *path, int status)
{
	int	i;

	for (i = 0; i < 40; i++) {
		if (status_of(c, "GET", path, NULL) == status)
			break;
		usleep(5000);
	}
	if (i == 40)
		fail_msg("GET %s: still not %d after 200 ms", path, status);
	for (i = 0; i < 10; i++)
		assert_int_equal(status_of(c, "GET", path, NULL), status);
}

static long
audit_rows(const char *type, const char *action)
{
	return (hs_test_sql_longf("SELECT count(*) FROM audit_log WHERE object_type = "
	    "'%s' AND action = '%s'", type, action));
}

static int
setup(void **state)
{
	char	cmd[2048];

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s/%s/bin/hydrosync db demo --database "
	    "'%s' >/dev/null", hs_test_top(), hs_test_build(),
	    hs_test_pgurl());
	if (system(cmd) != 0)
		return (-1);
	/* An integrator with every permission but tariffs:read. */
	hs_test_sql("INSERT INTO api_keys (utility_id, name, prefix, key_hash, "
	    "permissions) SELECT id, 'full', '00000000000000a1', "
	    "encode(sha256('0123456789abcdef0123456789abcdef'), 'hex'), "
	    "'{customers:read,customers:write,meters:read,meters:write}' "
	    "FROM utilities WHERE code = 'pdam-tirta'");
	if (hs_test_server_start(&srv, 2, NULL) != 0)
		return (-1);
	login(&admin, PASSWORD);
	login(&op, PASSWORD);
	login(&cashier, PASSWORD);
	login(&tech, PASSWORD);
	login(&siti, PASSWORD);
	login(&melati, PASSWORD);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	hs_test_server_stop(&srv);
	return (0);
}

/*
 * Only admins administer: every other role, an integrator's key and an
 * anonymous caller are refused valid requests, and nothing is written.
 */
static void
test_non_admins_refused(void **state)
{
	static const struct {
		const char	*method, *path, *body;
	} reqs[] = {
		{ "GET", "/api/v1/users", NULL },
		{ "GET", "/api/v1/users/1", NULL },
		{ "POST", "/api/v1/users", "{\"email\":\"x@tirta.demo\","
		    "\"name\":\"X\",\"role\":\"admin\","
		    "\"password\":\"long-enough-password\"}" },
		{ "PATCH", "/api/v1/users/1", "{\"role\":\"operator\"}" },
		{ "GET", "/api/v1/api-keys", NULL },
		{ "POST", "/api/v1/api-keys", "{\"name\":\"k\","
		    "\"permissions\":[\"customers:read\"]}" },
		{ "POST", "/api/v1/api-keys/1/revoke", "{\"reason\":\"x\"}" },
		{ "POST", "/api/v1/tariffs", "{\"code\":\"X\",\"name\":\"X\","
		    "\"service_type\":\"water\"}" },
		{ "POST", "/api/v1/tariffs/1/versions", "{\"valid_from\":"
		    "\"2030-01-01\",\"blocks\":[{\"upto\":null,"
		    "\"price\":1}]}" },
	};
	const struct caller	*who[] = { &op, &cashier, &tech, &siti,
				    &fullkey };
	long			 audit, users, keys, versions;
	size_t			 i, k;

	(void)state;
	audit = hs_test_sql_longf("SELECT count(*) FROM audit_log");
	users = hs_test_sql_longf("SELECT count(*) FROM users");
	keys = hs_test_sql_longf("SELECT count(*) FROM api_keys WHERE revoked_at IS "
	    "NULL");
	versions = hs_test_sql_longf("SELECT count(*) FROM tariff_versions");
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		for (k = 0; k < sizeof(who) / sizeof(who[0]); k++) {
			if (status_of(who[k], reqs[i].method, reqs[i].path,
			    reqs[i].body) != 403)
				fail_msg("%s %s by caller %zu: not 403",
				    reqs[i].method, reqs[i].path, k);
		}
		assert_int_equal(status_of(&anon, reqs[i].method,
		    reqs[i].path, reqs[i].body), 401);
	}
	/* The same requests by the admin do go through: they are valid. */
	assert_int_equal(status_of(&admin, "GET", "/api/v1/users", NULL),
	    200);
	assert_int_equal(status_of(&admin, "GET", "/api/v1/api-keys", NULL),
	    200);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM audit_log"), audit);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM users"), users);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM api_keys WHERE "
	    "revoked_at IS NULL"), keys);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM tariff_versions"),
	    versions);
	/* An integrator may not change passwords; anyone logged in may try. */
	assert_int_equal(status_of(&fullkey, "POST", "/api/v1/auth/password",
	    "{\"current\":\"x\",\"new\":\"y\"}"), 403);
	assert_int_equal(status_of(&anon, "POST", "/api/v1/auth/password",
	    "{\"current\":\"x\",\"new\":\"y\"}"), 401);
}

static void
test_admin_creates_users(void **state)
{
	struct caller		 newop = { "neo@tirta.demo", NULL, "", "" };
	struct caller		 budi = { "budi@example.id", NULL, "", "" };
	struct hs_test_resp	 r;
	char			 path[64];
	long			 users, id;

	(void)state;
	users = hs_test_sql_longf("SELECT count(*) FROM users");
	/* Bad input: each names its field, none writes. */
	expect_error(&admin, "POST", "/api/v1/users", "{\"email\":"
	    "\"neo@tirta.demo\",\"name\":\"Neo\",\"role\":\"operator\","
	    "\"password\":\"short\"}", 422, "password");
	expect_error(&admin, "POST", "/api/v1/users", "{\"email\":"
	    "\"neo@tirta.demo\",\"name\":\"Neo\",\"role\":\"boss\","
	    "\"password\":\"a-long-password-1\"}", 422, "role");
	expect_error(&admin, "POST", "/api/v1/users", "{\"email\":"
	    "\"neo-at-tirta\",\"name\":\"Neo\",\"role\":\"operator\","
	    "\"password\":\"a-long-password-1\"}", 422, "email");
	expect_error(&admin, "POST", "/api/v1/users", "{\"email\":"
	    "\"neo@tirta.demo\",\"name\":\"Neo\",\"role\":\"operator\","
	    "\"password\":\"a-long-password-1\",\"admin\":true}", 422,
	    "admin");
	expect_error(&admin, "POST", "/api/v1/users", "{\"email\":"
	    "\"neo@tirta.demo\",\"name\":\"Neo\",\"role\":\"customer\","
	    "\"password\":\"a-long-password-1\"}", 422, "customer_number");
	expect_error(&admin, "POST", "/api/v1/users", "{\"email\":"
	    "\"neo@tirta.demo\",\"name\":\"Neo\",\"role\":\"operator\","
	    "\"customer_number\":\"1002\",\"password\":\"a-long-password-1\"}",
	    422, "customer_number");
	expect_error(&admin, "POST", "/api/v1/users", "{\"email\":"
	    "\"neo@tirta.demo\",\"name\":\"Neo\",\"role\":\"customer\","
	    "\"customer_number\":\"9999\",\"password\":\"a-long-password-1\"}",
	    422, "customer_number");
	/* Another utility's customer is not this utility's. */
	expect_error(&admin, "POST", "/api/v1/users", "{\"email\":"
	    "\"neo@tirta.demo\",\"name\":\"Neo\",\"role\":\"customer\","
	    "\"customer_number\":\"A-0102\",\"password\":"
	    "\"a-long-password-1\"}", 422, "customer_number");
	/* Siti already has an account; the email is taken. */
	expect_error(&admin, "POST", "/api/v1/users", "{\"email\":"
	    "\"siti2@example.id\",\"name\":\"Siti\",\"role\":\"customer\","
	    "\"customer_number\":\"1001\",\"password\":\"a-long-password-1\"}",
	    409, "customer_number");
	expect_error(&admin, "POST", "/api/v1/users", "{\"email\":"
	    "\"OPERATOR@tirta.demo\",\"name\":\"Dup\",\"role\":\"operator\","
	    "\"password\":\"a-long-password-1\"}", 409, "email");
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM users"), users);
	assert_int_equal(try_login(&newop, "a-long-password-1"), 401);

	/* A staff account: created, never shows the hash, logs in. */
	assert_int_equal(call(&admin, "POST", "/api/v1/users", "{\"email\":"
	    "\"neo@tirta.demo\",\"name\":\"Neo Operator\",\"role\":"
	    "\"operator\",\"password\":\"a-long-password-1\"}", &r), 201);
	assert_null(strstr(r.body, "scrypt"));
	assert_null(strstr(r.body, "password"));
	assert_non_null(strstr(r.body, "\"role\": \"operator\""));
	id = json_id(r.body);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM users"), users + 1);
	login(&newop, "a-long-password-1");
	assert_int_equal(call(&newop, "GET", "/api/v1/auth/me", NULL, &r),
	    200);
	assert_non_null(strstr(r.body, "\"role\": \"operator\""));
	hs_test_resp_free(&r);
	/* ... with the rights of its role, and no more. */
	assert_int_equal(status_of(&newop, "GET", "/api/v1/customers", NULL),
	    200);
	assert_int_equal(status_of(&newop, "GET", "/api/v1/users", NULL), 403);

	/* A customer account for a customer without one. */
	assert_int_equal(call(&admin, "POST", "/api/v1/users", "{\"email\":"
	    "\"budi@example.id\",\"name\":\"Budi\",\"role\":\"customer\","
	    "\"customer_number\":\"1002\",\"password\":\"budi-password-99\"}",
	    &r), 201);
	assert_non_null(strstr(r.body, "\"customer_number\": \"1002\""));
	hs_test_resp_free(&r);
	login(&budi, "budi-password-99");
	assert_int_equal(call(&budi, "GET", "/api/v1/meters", NULL, &r), 200);
	assert_non_null(strstr(r.body, "\"total\": 1"));
	hs_test_resp_free(&r);

	/* Read back: one, and by search and filter. */
	snprintf(path, sizeof(path), "/api/v1/users/%ld", id);
	assert_int_equal(call(&admin, "GET", path, NULL, &r), 200);
	assert_non_null(strstr(r.body, "neo@tirta.demo"));
	assert_null(strstr(r.body, "scrypt"));
	hs_test_resp_free(&r);
	assert_int_equal(call(&admin, "GET", "/api/v1/users?q=NEO", NULL, &r),
	    200);
	assert_non_null(strstr(r.body, "\"total\": 1"));
	assert_non_null(strstr(r.body, "neo@tirta.demo"));
	hs_test_resp_free(&r);
	assert_int_equal(call(&admin, "GET", "/api/v1/users?role=customer",
	    NULL, &r), 200);
	assert_non_null(strstr(r.body, "\"total\": 2"));	/* siti, budi */
	assert_null(strstr(r.body, "neo@"));
	hs_test_resp_free(&r);
	assert_int_equal(call(&admin, "GET", "/api/v1/users?limit=2&offset=1",
	    NULL, &r), 200);
	assert_non_null(strstr(r.body, "\"limit\": 2"));
	hs_test_resp_free(&r);
	expect_error(&admin, "GET", "/api/v1/users?role=boss", NULL, 422,
	    "role");
	expect_error(&admin, "GET", "/api/v1/users?limit=0", NULL, 422,
	    "limit");
	assert_int_equal(audit_rows("user", "create"), 2 +
	    hs_test_sql_longf("SELECT count(*) FROM audit_log WHERE actor = 'cli' AND "
	    "object_type = 'user'"));
}

/* Changing a role or disabling ends the user's sessions at once. */
static void
test_admin_updates_users(void **state)
{
	struct caller	 tina = { "tina@tirta.demo", NULL, "", "" };
	struct caller	 tina2 = { "tina@tirta.demo", NULL, "", "" };
	struct hs_test_resp r;
	char		 path[64];
	long		 id, self, siti_id, audit;

	(void)state;
	assert_int_equal(call(&admin, "POST", "/api/v1/users", "{\"email\":"
	    "\"tina@tirta.demo\",\"name\":\"Tina\",\"role\":\"cashier\","
	    "\"password\":\"tina-password-77\"}", &r), 201);
	id = json_id(r.body);
	hs_test_resp_free(&r);
	login(&tina, "tina-password-77");
	login(&tina2, "tina-password-77");
	snprintf(path, sizeof(path), "/api/v1/users/%ld", id);

	/* Renaming alone keeps the sessions. */
	assert_int_equal(call(&admin, "PATCH", path, "{\"name\":\"Tina K\"}",
	    &r), 200);
	assert_non_null(strstr(r.body, "\"name\": \"Tina K\""));
	hs_test_resp_free(&r);
	assert_int_equal(status_of(&tina, "GET", "/api/v1/auth/me", NULL),
	    200);

	/* A new role: both sessions end; a new login has the new role. */
	assert_int_equal(call(&admin, "PATCH", path, "{\"role\":\"operator\"}",
	    &r), 200);
	assert_non_null(strstr(r.body, "\"role\": \"operator\""));
	hs_test_resp_free(&r);
	settle(&tina, "/api/v1/auth/me", 401);
	settle(&tina2, "/api/v1/auth/me", 401);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM sessions WHERE "
	    "user_id = %ld", id), 0);
	login(&tina, "tina-password-77");
	assert_int_equal(status_of(&tina, "GET", "/api/v1/customers", NULL),
	    200);

	/* Disabled: the session ends and logging in fails. */
	assert_int_equal(call(&admin, "PATCH", path, "{\"status\":"
	    "\"disabled\"}", &r), 200);
	hs_test_resp_free(&r);
	settle(&tina, "/api/v1/auth/me", 401);
	assert_int_equal(try_login(&tina, "tina-password-77"), 401);
	assert_int_equal(audit_rows("user", "status:disabled"), 1);
	/* Enabled again, the account works again. */
	assert_int_equal(status_of(&admin, "PATCH", path, "{\"status\":"
	    "\"active\"}"), 200);
	login(&tina, "tina-password-77");

	/* Bad changes: named, refused, and nothing written. */
	audit = hs_test_sql_longf("SELECT count(*) FROM audit_log");
	self = hs_test_sql_longf("SELECT id FROM users WHERE email = "
	    "'admin@tirta.demo'");
	siti_id = hs_test_sql_longf("SELECT id FROM users WHERE email = "
	    "'siti@example.id'");
	expect_error(&admin, "PATCH", path, "{}", 422, NULL);
	expect_error(&admin, "PATCH", path, "{\"status\":\"gone\"}", 422,
	    "status");
	expect_error(&admin, "PATCH", path, "{\"role\":\"customer\"}", 422,
	    "role");
	expect_error(&admin, "PATCH", path, "{\"email\":\"x@y.z\"}", 422,
	    "email");
	snprintf(path, sizeof(path), "/api/v1/users/%ld", siti_id);
	expect_error(&admin, "PATCH", path, "{\"role\":\"operator\"}", 422,
	    "role");
	snprintf(path, sizeof(path), "/api/v1/users/%ld", self);
	expect_error(&admin, "PATCH", path, "{\"status\":\"disabled\"}", 422,
	    "status");
	expect_error(&admin, "PATCH", path, "{\"role\":\"operator\"}", 422,
	    "role");
	expect_error(&admin, "PATCH", "/api/v1/users/999999",
	    "{\"name\":\"x\"}", 404, NULL);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM audit_log"), audit);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM users WHERE id = %ld "
	    "AND role = 'admin' AND status = 'active'", self), 1);
	/* The admin's own session survived all of it. */
	assert_int_equal(status_of(&admin, "GET", "/api/v1/auth/me", NULL),
	    200);
}

static void
test_password_change(void **state)
{
	struct caller	 a = { "teknisi@tirta.demo", NULL, "", "" };
	struct caller	 b = { "teknisi@tirta.demo", NULL, "", "" };
	struct caller	 c = { "teknisi@tirta.demo", NULL, "", "" };
	struct hs_test_resp r;
	long		 audit, others;
	char		 want[48];

	(void)state;
	login(&a, PASSWORD);
	login(&b, PASSWORD);
	login(&c, PASSWORD);
	/* b, c and the technician's session from setup, at least. */
	others = hs_test_sql_longf("SELECT count(*) - 1 FROM sessions s JOIN users u ON "
	    "u.id = s.user_id WHERE u.email = 'teknisi@tirta.demo'");
	assert_true(others >= 3);
	audit = hs_test_sql_longf("SELECT count(*) FROM audit_log WHERE action = "
	    "'password'");
	/* Wrong, weak, unchanged or missing: refused, nothing changes. */
	expect_error(&a, "POST", "/api/v1/auth/password", "{\"current\":"
	    "\"not-my-password\",\"new\":\"a-brand-new-password\"}", 422,
	    "current");
	expect_error(&a, "POST", "/api/v1/auth/password", "{\"current\":\""
	    PASSWORD "\",\"new\":\"short\"}", 422, "new");
	expect_error(&a, "POST", "/api/v1/auth/password", "{\"current\":\""
	    PASSWORD "\",\"new\":\"" PASSWORD "\"}", 422, "new");
	expect_error(&a, "POST", "/api/v1/auth/password", "{\"new\":"
	    "\"a-brand-new-password\"}", 422, "current");
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM audit_log WHERE "
	    "action = 'password'"), audit);
	assert_int_equal(status_of(&b, "GET", "/api/v1/auth/me", NULL), 200);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM users WHERE email = "
	    "'teknisi@tirta.demo' AND password_hash LIKE '$scrypt$%%'"), 1);

	/* Right: this session stays, the others end, the new one works. */
	assert_int_equal(call(&a, "POST", "/api/v1/auth/password",
	    "{\"current\":\"" PASSWORD "\",\"new\":\"teknisi-new-pass-1\"}",
	    &r), 200);
	snprintf(want, sizeof(want), "\"sessions_ended\": %ld", others);
	assert_non_null(strstr(r.body, want));
	hs_test_resp_free(&r);
	settle(&b, "/api/v1/auth/me", 401);
	settle(&c, "/api/v1/auth/me", 401);
	settle(&tech, "/api/v1/auth/me", 401);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM sessions s JOIN users "
	    "u ON u.id = s.user_id WHERE u.email = 'teknisi@tirta.demo'"), 1);
	assert_int_equal(status_of(&a, "GET", "/api/v1/auth/me", NULL), 200);
	assert_int_equal(try_login(&b, PASSWORD), 401);
	login(&b, "teknisi-new-pass-1");
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM audit_log WHERE "
	    "action = 'password'"), audit + 1);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM audit_log WHERE "
	    "action = 'password' AND (after::text LIKE '%%scrypt%%' OR "
	    "after::text LIKE '%%teknisi-new%%')"), 0);
	/* And back, so the other tests' demo password holds. */
	assert_int_equal(status_of(&a, "POST", "/api/v1/auth/password",
	    "{\"current\":\"teknisi-new-pass-1\",\"new\":\"" PASSWORD "\"}"),
	    200);
}

/* The full key from a 201 reply: "key": "hsk_<prefix>_<secret>". */
static void
key_from(const char *body, char *key, size_t len, char *secret,
    size_t slen)
{
	const char	*us;

	if (hs_test_json_str(body, "key", key, len) != 0)
		fail_msg("no key in %s", body);
	assert_int_equal(strncmp(key, "hsk_", 4), 0);
	us = strchr(key + 4, '_');
	assert_non_null(us);
	assert_int_equal(us - (key + 4), 16);
	assert_true(strlen(us + 1) >= 32);
	snprintf(secret, slen, "%s", us + 1);
}

static void
test_api_keys(void **state)
{
	struct caller		 k = { NULL, NULL, "", "" };
	struct hs_test_resp	 r;
	char			 key[128], secret[96], path[64];
	long			 id, keys, audit;

	(void)state;
	keys = hs_test_sql_longf("SELECT count(*) FROM api_keys");
	audit = hs_test_sql_longf("SELECT count(*) FROM audit_log");
	expect_error(&admin, "POST", "/api/v1/api-keys", "{\"name\":\"x\","
	    "\"permissions\":[\"customers:read\",\"users:write\"]}", 422,
	    "permissions");
	expect_error(&admin, "POST", "/api/v1/api-keys", "{\"name\":\"x\","
	    "\"permissions\":[]}", 422, "permissions");
	expect_error(&admin, "POST", "/api/v1/api-keys", "{\"name\":\"x\","
	    "\"permissions\":\"customers:read\"}", 422, "permissions");
	expect_error(&admin, "POST", "/api/v1/api-keys", "{\"name\":\"x\","
	    "\"permissions\":[\"meters:read\",\"meters:read\"]}", 422,
	    "permissions");
	expect_error(&admin, "POST", "/api/v1/api-keys", "{\"permissions\":"
	    "[\"meters:read\"]}", 422, "name");
	expect_error(&admin, "POST", "/api/v1/api-keys", "{\"name\":\"x\","
	    "\"permissions\":[\"meters:read\"],\"utility_id\":2}", 422,
	    "utility_id");
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM api_keys"), keys);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM audit_log"), audit);

	assert_int_equal(call(&admin, "POST", "/api/v1/api-keys", "{\"name\":"
	    "\"billing bridge\",\"permissions\":[\"customers:read\","
	    "\"tariffs:read\"]}", &r), 201);
	key_from(r.body, key, sizeof(key), secret, sizeof(secret));
	id = json_id(r.body);
	hs_test_resp_free(&r);
	/* Only the secret's SHA-256 is stored; never shown again. */
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM api_keys WHERE id = "
	    "%ld AND key_hash = encode(sha256('%s'), 'hex') AND "
	    "strpos(key_hash, '%s') = 0", id, secret, secret), 1);
	assert_int_equal(call(&admin, "GET", "/api/v1/api-keys", NULL, &r),
	    200);
	assert_non_null(strstr(r.body, "billing bridge"));
	assert_null(strstr(r.body, secret));
	assert_null(strstr(r.body, "hash"));
	hs_test_resp_free(&r);

	/* The key does what it may, and nothing else. */
	k.key = key;
	assert_int_equal(status_of(&k, "GET", "/api/v1/customers", NULL), 200);
	assert_int_equal(status_of(&k, "GET", "/api/v1/tariffs", NULL), 200);
	assert_int_equal(status_of(&k, "GET", "/api/v1/meters", NULL), 403);
	assert_int_equal(status_of(&k, "POST", "/api/v1/customers",
	    "{\"number\":\"K-1\",\"name\":\"By key\"}"), 403);
	assert_int_equal(status_of(&k, "GET", "/api/v1/api-keys", NULL), 403);
	assert_int_equal(status_of(&k, "GET", "/api/v1/users", NULL), 403);

	/* Revoking needs a reason; without one nothing happens. */
	snprintf(path, sizeof(path), "/api/v1/api-keys/%ld/revoke", id);
	expect_error(&admin, "POST", path, "{}", 422, "reason");
	expect_error(&admin, "POST", path, "", 400, NULL);
	expect_error(&admin, "POST", path, "{\"reason\":\"\"}", 422, "reason");
	assert_int_equal(status_of(&k, "GET", "/api/v1/customers", NULL), 200);
	assert_int_equal(call(&admin, "POST", path, "{\"reason\":\"bridge "
	    "retired\"}", &r), 200);
	assert_non_null(strstr(r.body, "bridge retired"));
	assert_null(strstr(r.body, "\"revoked_at\": null"));
	hs_test_resp_free(&r);
	settle(&k, "/api/v1/customers", 401);
	expect_error(&admin, "POST", path, "{\"reason\":\"again\"}", 409,
	    NULL);
	expect_error(&admin, "POST", "/api/v1/api-keys/999999/revoke",
	    "{\"reason\":\"x\"}", 404, NULL);

	/* Audited, without the secret or its hash. */
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM audit_log WHERE "
	    "object_type = 'api_key' AND object_id = '%ld' AND action IN "
	    "('create', 'revoke')", id), 2);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM audit_log WHERE "
	    "strpos(coalesce(after::text, '') || coalesce(before::text, ''), "
	    "'%s') > 0 OR strpos(coalesce(after::text, ''), "
	    "encode(sha256('%s'), 'hex')) > 0", secret, secret), 0);
}

/* Another utility's admin sees and touches nothing of this one's. */
static void
test_other_utility(void **state)
{
	struct hs_test_resp	 r;
	char			 path[96];
	long			 uid, kid, tid, audit;

	(void)state;
	uid = hs_test_sql_longf("SELECT id FROM users WHERE email = "
	    "'operator@tirta.demo'");
	kid = hs_test_sql_longf("SELECT id FROM api_keys WHERE prefix = "
	    "'00000000000000a1'");
	tid = hs_test_sql_longf("SELECT t.id FROM tariff_groups t JOIN utilities u ON "
	    "u.id = t.utility_id WHERE u.code = 'pdam-tirta' AND t.code = "
	    "'AIR-R1'");
	audit = hs_test_sql_longf("SELECT count(*) FROM audit_log");

	assert_int_equal(call(&melati, "GET", "/api/v1/users?limit=200", NULL,
	    &r), 200);
	assert_null(strstr(r.body, "tirta.demo"));
	assert_null(strstr(r.body, "siti@"));
	assert_non_null(strstr(r.body, "admin@melati.demo"));
	hs_test_resp_free(&r);
	assert_int_equal(call(&melati, "GET", "/api/v1/api-keys", NULL, &r),
	    200);
	assert_null(strstr(r.body, "00000000000000a1"));
	assert_null(strstr(r.body, "billing bridge"));
	hs_test_resp_free(&r);
	assert_int_equal(call(&melati, "GET", "/api/v1/tariffs", NULL, &r),
	    200);
	assert_null(strstr(r.body, "AIR-"));
	assert_non_null(strstr(r.body, "LISTRIK-R"));
	hs_test_resp_free(&r);

	snprintf(path, sizeof(path), "/api/v1/users/%ld", uid);
	assert_int_equal(status_of(&melati, "GET", path, NULL), 404);
	assert_int_equal(status_of(&melati, "PATCH", path,
	    "{\"status\":\"disabled\"}"), 404);
	snprintf(path, sizeof(path), "/api/v1/api-keys/%ld/revoke", kid);
	assert_int_equal(status_of(&melati, "POST", path,
	    "{\"reason\":\"mine now\"}"), 404);
	snprintf(path, sizeof(path), "/api/v1/tariffs/%ld", tid);
	assert_int_equal(status_of(&melati, "GET", path, NULL), 404);
	snprintf(path, sizeof(path), "/api/v1/tariffs/%ld/versions", tid);
	assert_int_equal(status_of(&melati, "POST", path, "{\"valid_from\":"
	    "\"2031-01-01\",\"blocks\":[{\"upto\":null,\"price\":1}]}"), 404);
	/* Their own code may repeat ours: codes are per utility. */
	assert_int_equal(status_of(&melati, "POST", "/api/v1/tariffs",
	    "{\"code\":\"AIR-R1\",\"name\":\"Air\",\"service_type\":"
	    "\"water\"}"), 201);

	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM audit_log"),
	    audit + 1);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM users WHERE id = %ld "
	    "AND status = 'active'", uid), 1);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM api_keys WHERE id = "
	    "%ld AND revoked_at IS NULL", kid), 1);
	assert_int_equal(status_of(&fullkey, "GET", "/api/v1/customers",
	    NULL), 200);
}

static void
test_tariffs(void **state)
{
	static const struct {
		const char	*body, *field;
		int		 status;
	} bad[] = {
		/* unsorted blocks */
		{ "{\"valid_from\":\"2026-03-01\",\"blocks\":[{\"upto\":20000,"
		    "\"price\":1}, {\"upto\":10000,\"price\":2},{\"upto\":null,"
		    "\"price\":3}]}", "blocks[1].upto", 422 },
		/* equal bounds are not ascending either */
		{ "{\"valid_from\":\"2026-03-01\",\"blocks\":[{\"upto\":10000,"
		    "\"price\":1}, {\"upto\":10000,\"price\":2},{\"upto\":null,"
		    "\"price\":3}]}", "blocks[1].upto", 422 },
		{ "{\"valid_from\":\"2026-03-01\",\"blocks\":[{\"upto\":10000,"
		    "\"price\":-5},{\"upto\":null,\"price\":3}]}",
		    "blocks[0].price", 422 },
		{ "{\"valid_from\":\"2026-03-01\",\"blocks\":[{\"upto\":10000,"
		    "\"price\":1.5},{\"upto\":null,\"price\":3}]}",
		    "blocks[0].price", 422 },
		{ "{\"valid_from\":\"2026-02-30\",\"blocks\":[{\"upto\":null,"
		    "\"price\":3}]}", "valid_from", 422 },
		{ "{\"valid_from\":\"1-3-2026\",\"blocks\":[{\"upto\":null,"
		    "\"price\":3}]}", "valid_from", 422 },
		{ "{\"valid_from\":\"2026-03-01\",\"blocks\":[{\"upto\":null,"
		    "\"price\":3}],\"discount\":5}", "discount", 422 },
		{ "{\"valid_from\":\"2026-03-01\",\"blocks\":[{\"upto\":null,"
		    "\"price\":3,\"unit\":\"m3\"}]}", "blocks[0].unit", 422 },
		/* the last block must be open-ended, only the last */
		{ "{\"valid_from\":\"2026-03-01\",\"blocks\":[{\"upto\":10000,"
		    "\"price\":3}]}", "blocks[0].upto", 422 },
		{ "{\"valid_from\":\"2026-03-01\",\"blocks\":[{\"upto\":null,"
		    "\"price\":3},{\"upto\":null,\"price\":4}]}",
		    "blocks[0].upto", 422 },
		{ "{\"valid_from\":\"2026-03-01\",\"blocks\":[]}", "blocks",
		    422 },
		{ "{\"valid_from\":\"2026-03-01\",\"blocks\":[{\"upto\":1,"
		    "\"price\":1},{\"upto\":2,\"price\":1},{\"upto\":3,"
		    "\"price\":1},{\"upto\":4,\"price\":1},{\"upto\":5,\"price\":1},"
		    "{\"upto\":6,\"price\":1},{\"upto\":7,\"price\":1},"
		    "{\"upto\":8,\"price\":1},{\"upto\":9,\"price\":1},"
		    "{\"upto\":10,\"price\":1},{\"upto\":null,\"price\":1}]}",
		    "blocks", 422 },
		{ "{\"valid_from\":\"2026-03-01\",\"blocks\":[{\"upto\":null,"
		    "\"price\":3}],\"tax_bp\":10001}", "tax_bp", 422 },
		{ "{\"valid_from\":\"2026-03-01\",\"blocks\":[{\"upto\":null,"
		    "\"price\":3}],\"admin_fee\":-1}", "admin_fee", 422 },
		{ "{\"valid_from\":\"2026-03-01\",\"blocks\":[{\"upto\":null,"
		    "\"price\":3}],\"late_penalty_bp\":\"200\"}",
		    "late_penalty_bp", 422 },
		{ "{\"blocks\":[{\"upto\":null,\"price\":3}]}", "valid_from",
		    422 },
		{ "{\"valid_from\":\"2026-03-01\"}", "blocks", 422 },
		{ "{}", "valid_from", 422 },
	};
	struct hs_test_resp	 r;
	char			 path[96], body[512];
	const char		*p1, *p2;
	long			 tid, versions, audit;
	size_t			 i;

	(void)state;
	expect_error(&admin, "POST", "/api/v1/tariffs", "{\"code\":\"AIR-S\","
	    "\"name\":\"Air sosial\",\"service_type\":\"gas\"}", 422,
	    "service_type");
	expect_error(&admin, "POST", "/api/v1/tariffs", "{\"code\":\"AIR S\","
	    "\"name\":\"Air sosial\",\"service_type\":\"water\"}", 422,
	    "code");
	expect_error(&admin, "POST", "/api/v1/tariffs", "{\"code\":\"AIR-R1\","
	    "\"name\":\"Dup\",\"service_type\":\"water\"}", 409, "code");
	assert_int_equal(call(&admin, "POST", "/api/v1/tariffs", "{\"code\":"
	    "\"AIR-S\",\"name\":\"Air sosial\",\"service_type\":\"water\"}",
	    &r), 201);
	tid = json_id(r.body);
	assert_non_null(strstr(r.body, "\"versions\": []"));
	hs_test_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/tariffs/%ld/versions", tid);

	versions = hs_test_sql_longf("SELECT count(*) FROM tariff_versions");
	audit = hs_test_sql_longf("SELECT count(*) FROM audit_log");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(&admin, "POST", path, bad[i].body, bad[i].status,
		    bad[i].field);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM tariff_versions"),
	    versions);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM audit_log"), audit);

	/* The first version may record a tariff already in force. */
	assert_int_equal(call(&admin, "POST", path, "{\"valid_from\":"
	    "\"2026-03-01\",\"blocks\":[{\"upto\":10000,\"price\":900},"
	    "{\"upto\":null,\"price\":1500}],\"fixed_monthly\":5000,"
	    "\"minimum_charge\":9000,\"admin_fee\":2000,\"tax_bp\":0,"
	    "\"late_penalty_bp\":200}", &r), 201);
	assert_non_null(strstr(r.body, "\"late_penalty_bp\": 200"));
	assert_non_null(strstr(r.body, "{\"upto\": null, \"price\": 1500}"));
	hs_test_resp_free(&r);
	/* Defaults: zero charges and rates. */
	assert_int_equal(call(&admin, "POST", path, "{\"valid_from\":"
	    "\"2030-01-01\",\"blocks\":[{\"upto\":null,\"price\":1700}]}", &r),
	    201);
	assert_non_null(strstr(r.body, "\"admin_fee\": 0"));
	hs_test_resp_free(&r);
	/* Same date: 409; before the latest, or in the past: 422. */
	versions = hs_test_sql_longf("SELECT count(*) FROM tariff_versions");
	audit = hs_test_sql_longf("SELECT count(*) FROM audit_log");
	expect_error(&admin, "POST", path, "{\"valid_from\":\"2030-01-01\","
	    "\"blocks\":[{\"upto\":null,\"price\":1}]}", 409, "valid_from");
	expect_error(&admin, "POST", path, "{\"valid_from\":\"2028-01-01\","
	    "\"blocks\":[{\"upto\":null,\"price\":1}]}", 422, "valid_from");
	snprintf(body, sizeof(body), "/api/v1/tariffs/%ld/versions",
	    hs_test_sql_longf("SELECT t.id FROM tariff_groups t JOIN utilities u ON "
	    "u.id = t.utility_id WHERE u.code = 'pdam-tirta' AND t.code = "
	    "'AIR-N1'"));
	expect_error(&admin, "POST", body, "{\"valid_from\":\"2026-02-01\","
	    "\"blocks\":[{\"upto\":null,\"price\":1}]}", 422, "valid_from");
	expect_error(&admin, "POST", "/api/v1/tariffs/999999/versions",
	    "{\"valid_from\":\"2031-01-01\",\"blocks\":[{\"upto\":null,"
	    "\"price\":1}]}", 404, NULL);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM tariff_versions"),
	    versions);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM audit_log"), audit);

	/* Read back: versions in date order; customers may read tariffs. */
	snprintf(path, sizeof(path), "/api/v1/tariffs/%ld", tid);
	assert_int_equal(call(&siti, "GET", path, NULL, &r), 200);
	p1 = strstr(r.body, "2026-03-01");
	p2 = strstr(r.body, "2030-01-01");
	assert_non_null(p1);
	assert_non_null(p2);
	assert_true(p1 < p2);
	hs_test_resp_free(&r);
	assert_int_equal(call(&op, "GET", "/api/v1/tariffs?service_type=water"
	    "&q=air-s", NULL, &r), 200);
	assert_non_null(strstr(r.body, "\"total\": 1"));
	assert_non_null(strstr(r.body, "AIR-S"));
	hs_test_resp_free(&r);
	expect_error(&op, "GET", "/api/v1/tariffs?service_type=gas", NULL, 422,
	    "service_type");
	/* A key without tariffs:read may not. */
	assert_int_equal(status_of(&fullkey, "GET", path, NULL), 403);
	assert_int_equal(audit_rows("tariff", "create"), 2);
	assert_int_equal(audit_rows("tariff_version", "create"), 2);
}

static int
verify(char *out, size_t len)
{
	char	 cmd[2048];
	FILE	*fp;
	int	 status;

	snprintf(cmd, sizeof(cmd), "%s/%s/bin/hydrosync audit verify "
	    "--database '%s'", hs_test_top(), hs_test_build(),
	    hs_test_pgurl());
	fp = popen(cmd, "r");
	out[0] = '\0';
	if (fgets(out, (int)len, fp) == NULL)
		out[0] = '\0';
	status = pclose(fp);
	return (WEXITSTATUS(status));
}

/* Last: every change above is in the chain, which is intact. */
static void
test_audit_intact(void **state)
{
	char	out[512];

	(void)state;
	assert_int_equal(audit_rows("user", "update"), 2);
	assert_true(audit_rows("user", "status:active") >= 1);
	assert_int_equal(audit_rows("api_key", "revoke"), 1);
	/* No audit row holds a password hash. */
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM audit_log WHERE "
	    "coalesce(before::text, '') || coalesce(after::text, '') LIKE "
	    "'%%$scrypt$%%'"), 0);
	/* Each admin change is attributed to the admin who made it. */
	assert_true(hs_test_sql_longf("SELECT count(*) FROM audit_log a JOIN users u "
	    "ON a.actor = 'user:' || u.id WHERE u.email = 'admin@tirta.demo' "
	    "AND a.object_type IN ('user', 'api_key', 'tariff', "
	    "'tariff_version')") >= 9);
	assert_int_equal(verify(out, sizeof(out)), 0);
	assert_non_null(strstr(out, "audit log intact"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_non_admins_refused),
		cmocka_unit_test(test_admin_creates_users),
		cmocka_unit_test(test_admin_updates_users),
		cmocka_unit_test(test_password_change),
		cmocka_unit_test(test_api_keys),
		cmocka_unit_test(test_other_utility),
		cmocka_unit_test(test_tariffs),
		cmocka_unit_test(test_audit_intact),
	};

	return (cmocka_run_group_tests_name("admin", tests, setup, teardown));
}
