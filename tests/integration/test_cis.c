/*
 * The customer information system end to end, against the demo data:
 * the role matrix over every route the server serves, tenant isolation
 * (a customer, another utility's staff and API key see nothing of
 * others' data, even by guessing ids), CSRF and Origin checks on changes,
 * login throttling, and a tampered audit row found by `hydrosync audit
 * verify`.
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
#define NOPERM_KEY	"hsk_00000000000000a2_" \
			"fedcba9876543210fedcba9876543210"
#define OTHER_KEY	"hsk_00000000000000b1_" \
			"00112233445566778899aabbccddeeff"

struct caller {
	const char	*name;		/* role name in the route table */
	const char	*email;		/* NULL: API key or anonymous */
	const char	*key;
	int		 full_perms;
	char		 cookie[128];
	char		 csrf[65];
};

static struct hs_test_server	srv;
static struct caller		callers[] = {
	{ "admin", "admin@tirta.demo", NULL, 0, "", "" },
	{ "operator", "operator@tirta.demo", NULL, 0, "", "" },
	{ "cashier", "kasir@tirta.demo", NULL, 0, "", "" },
	{ "technician", "teknisi@tirta.demo", NULL, 0, "", "" },
	{ "customer", "siti@example.id", NULL, 0, "", "" },
	{ "integrator", NULL, FULL_KEY, 1, "", "" },
	{ "integrator-noperm", NULL, NOPERM_KEY, 0, "", "" },
	{ "anonymous", NULL, NULL, 0, "", "" },
};
#define NCALLERS	(sizeof(callers) / sizeof(callers[0]))

static void
login(struct caller *c)
{
	struct hs_test_resp	 r;
	char			 body[256];
	const char		*p;

	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\""
	    PASSWORD "\"}", c->email);
	if (hs_test_http(srv.port, "POST", "/api/v1/auth/login",
	    "Content-Type: application/json\r\n", body, strlen(body), &r) != 0
	    || r.status != 200)
		fail_msg("login %s failed", c->email);
	if ((p = strstr(r.headers, "__Host-hs_session=")) == NULL)
		fail_msg("no session cookie for %s", c->email);
	snprintf(c->cookie, sizeof(c->cookie), "%.82s", p);
	c->cookie[strcspn(c->cookie, ";")] = '\0';
	if (hs_test_json_str(r.body, "csrf_token", c->csrf, sizeof(c->csrf)) != 0)
		fail_msg("no csrf token for %s", c->email);
	hs_test_resp_free(&r);
}

/* Headers a caller sends: credentials, CSRF token and our Origin. */
static void
auth_headers(const struct caller *c, char *out, size_t len)
{
	if (c->email != NULL)
		snprintf(out, len, "Cookie: %s\r\nX-CSRF-Token: %s\r\n"
		    "Origin: http://127.0.0.1:%d\r\n"
		    "Content-Type: application/json\r\n", c->cookie, c->csrf,
		    srv.port);
	else if (c->key != NULL)
		snprintf(out, len, "Authorization: Bearer %s\r\n"
		    "Content-Type: application/json\r\n", c->key);
	else
		snprintf(out, len, "Content-Type: application/json\r\n");
}

static int
call(const struct caller *c, const char *method, const char *path,
    const char *body, struct hs_test_resp *r)
{
	char	headers[1024];

	auth_headers(c, headers, sizeof(headers));
	if (hs_test_http(srv.port, method, path, headers, body,
	    body ? strlen(body) : 0, r) != 0)
		fail_msg("%s %s: no response", method, path);
	return (r->status);
}

static int
setup(void **state)
{
	char		 cmd[2048];
	size_t		 i;

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s/%s/bin/hydrosync db demo --database "
	    "'%s' >/dev/null", hs_test_top(), hs_test_build(),
	    hs_test_pgurl());
	if (system(cmd) != 0)
		return (-1);
	/* Integrators' keys; the table stores SHA-256 of the secret. */
	hs_test_sql("INSERT INTO api_keys (utility_id, name, prefix, key_hash, "
	    "permissions) SELECT id, 'full', '00000000000000a1', "
	    "encode(sha256('0123456789abcdef0123456789abcdef'), 'hex'), "
	    "'{customers:read,customers:write,meters:read,meters:write}' "
	    "FROM utilities WHERE code = 'pdam-tirta' ON CONFLICT DO NOTHING");
	hs_test_sql("INSERT INTO api_keys (utility_id, name, prefix, key_hash, "
	    "permissions) SELECT id, 'none', '00000000000000a2', "
	    "encode(sha256('fedcba9876543210fedcba9876543210'), 'hex'), '{}' "
	    "FROM utilities WHERE code = 'pdam-tirta' ON CONFLICT DO NOTHING");
	hs_test_sql("INSERT INTO api_keys (utility_id, name, prefix, key_hash, "
	    "permissions) SELECT id, 'other', '00000000000000b1', "
	    "encode(sha256('00112233445566778899aabbccddeeff'), 'hex'), "
	    "'{customers:read,meters:read}' FROM utilities "
	    "WHERE code = 'apt-melati' ON CONFLICT DO NOTHING");
	if (hs_test_server_start(&srv, 2, NULL) != 0)
		return (-1);
	for (i = 0; i < NCALLERS; i++) {
		if (callers[i].email != NULL)
			login(&callers[i]);
	}
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	hs_test_server_stop(&srv);
	return (0);
}

/* Is caller c allowed on a route with this roles list and permission? */
static int
allowed(const struct caller *c, const char *roles, const char *perm)
{
	char	quoted[40];

	if (!strcmp(c->name, "integrator-noperm"))
		return (0);
	snprintf(quoted, sizeof(quoted), "\"%s\"", c->name);
	if (strstr(roles, quoted) == NULL)
		return (0);
	if (!strcmp(c->name, "integrator"))
		return (perm != NULL && c->full_perms &&
		    (!strncmp(perm, "customers:", 10) ||
		    !strncmp(perm, "meters:", 7)));
	return (1);
}

/*
 * Every route the server serves, against every kind of caller.  The
 * table comes from the server itself, so a new route is covered the
 * moment it exists.  A caller who may not use a route gets 401 (nobody
 * logged in) or 403; one who may gets anything but those.
 */
static void
test_role_matrix(void **state)
{
	struct hs_test_resp	 r, rt;
	const char		*p, *obj_end;
	char			 method[8], path[128], perm[64], roles[256];
	char			 real[160], *brace, entry[512];
	size_t			 i;
	int			 routes, checks, ok, want_denied;

	(void)state;
	assert_int_equal(hs_test_http(srv.port, "GET", "/_diag/routes", NULL,
	    NULL, 0, &rt), 0);
	routes = checks = 0;
	for (p = rt.body; (p = strstr(p, "{\"method\":")) != NULL;
	    p = obj_end) {
		/* Each object ends with its roles array: "]}". */
		obj_end = strstr(p, "]}");
		assert_non_null(obj_end);
		obj_end++;
		/* Look only inside this route's object. */
		snprintf(entry, sizeof(entry), "%.*s", (int)(obj_end - p), p);
		if (hs_test_json_str(entry, "method", method, sizeof(method)) != 0 ||
		    hs_test_json_str(entry, "path", path, sizeof(path)) != 0)
			fail_msg("bad route entry");
		if (hs_test_json_str(entry, "permission", perm, sizeof(perm)) != 0)
			perm[0] = '\0';
		{
			const char *rs = strstr(entry, "\"roles\":[");
			const char *re = rs ? strchr(rs, ']') : NULL;
			assert_non_null(re);
			snprintf(roles, sizeof(roles), "%.*s",
			    (int)(re - rs), rs);
		}
		/* Public, test-only and session-ending routes are elsewhere. */
		if (strstr(roles, "\"public\"") || strstr(roles, "\"diag\"") ||
		    !strcmp(path, "/api/v1/auth/logout"))
			continue;
		routes++;
		snprintf(real, sizeof(real), "%s", path);
		if ((brace = strchr(real, '{')) != NULL) {
			const char *close = strchr(path + (brace - real), '}');

			snprintf(brace, sizeof(real) - (size_t)(brace - real),
			    "1%s", close ? close + 1 : "");
		}
		for (i = 0; i < NCALLERS; i++) {
			call(&callers[i], method, real, strcmp(method, "GET") ?
			    "{}" : NULL, &r);
			want_denied = !allowed(&callers[i], roles,
			    perm[0] ? perm : NULL);
			if (want_denied)
				ok = r.status == (strcmp(callers[i].name,
				    "anonymous") ? 403 : 401);
			else
				ok = r.status != 401 && r.status != 403;
			if (!ok)
				fail_msg("%s %s as %s: got %d, expected %s",
				    method, real, callers[i].name, r.status,
				    want_denied ? "a refusal" : "access");
			hs_test_resp_free(&r);
			checks++;
		}
	}
	hs_test_resp_free(&rt);
	assert_true(routes >= 10);
	assert_int_equal(checks, routes * (int)NCALLERS);
}

static long
customer_id(const char *utility, const char *number)
{
	char	q[256];

	snprintf(q, sizeof(q), "SELECT c.id FROM customers c JOIN utilities u "
	    "ON u.id = c.utility_id WHERE u.code = '%s' AND c.number = '%s'",
	    utility, number);
	return (hs_test_sql_long(q));
}

/*
 * Guessing ids: a customer reads exactly their own record and meter; the
 * other utility's admin and API key read none of this utility's records.
 */
static void
test_tenant_isolation(void **state)
{
	struct caller		 melati_admin = { "admin", "admin@melati.demo",
				    NULL, 0, "", "" };
	struct caller		 melati_key = { "integrator", NULL, OTHER_KEY,
				    1, "", "" };
	struct caller		*siti = &callers[4];
	struct hs_test_resp	 r;
	char			 path[64];
	long			 own, id, maxid, own_meter;

	(void)state;
	login(&melati_admin);
	own = customer_id("pdam-tirta", "1001");
	own_meter = hs_test_sql_long("SELECT m.id FROM meters m JOIN customers c ON "
	    "c.id = m.customer_id WHERE c.number = '1001'");
	maxid = hs_test_sql_long("SELECT greatest((SELECT max(id) FROM customers), "
	    "(SELECT max(id) FROM meters)) + 5");
	for (id = 1; id <= maxid; id++) {
		snprintf(path, sizeof(path), "/api/v1/customers/%ld", id);
		call(siti, "GET", path, NULL, &r);
		assert_int_equal(r.status, id == own ? 200 : 404);
		hs_test_resp_free(&r);
		snprintf(path, sizeof(path), "/api/v1/meters/%ld", id);
		call(siti, "GET", path, NULL, &r);
		assert_int_equal(r.status, id == own_meter ? 200 : 404);
		hs_test_resp_free(&r);
	}
	/* The other utility sees only its own two customers and meters. */
	for (id = 1; id <= maxid; id++) {
		snprintf(path, sizeof(path), "/api/v1/customers/%ld", id);
		call(&melati_admin, "GET", path, NULL, &r);
		if (r.status == 200 && strstr(r.body, "\"number\": \"A-0")
		    == NULL)
			fail_msg("melati admin read another utility's customer "
			    "%ld", id);
		hs_test_resp_free(&r);
		call(&melati_key, "GET", path, NULL, &r);
		if (r.status == 200 && strstr(r.body, "\"number\": \"A-0")
		    == NULL)
			fail_msg("melati key read another utility's customer "
			    "%ld", id);
		hs_test_resp_free(&r);
	}
	call(&melati_admin, "GET", "/api/v1/customers?limit=200", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "Siti"));
	assert_non_null(strstr(r.body, "\"total\": 2"));
	hs_test_resp_free(&r);
	call(siti, "GET", "/api/v1/meters", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"total\": 1"));
	hs_test_resp_free(&r);
	/* And a customer cannot list customers at all. */
	call(siti, "GET", "/api/v1/customers", NULL, &r);
	assert_int_equal(r.status, 403);
	hs_test_resp_free(&r);
}

/* A change without the CSRF token or from another origin is refused and
 * writes nothing; with both it goes through; API keys need neither. */
static void
test_csrf(void **state)
{
	struct caller		*op = &callers[1];
	struct hs_test_resp	 r;
	char			 h[1024];
	const char		*body = "{\"number\":\"C-1\",\"name\":\"Csrf\"}";
	long			 before;

	(void)state;
	before = hs_test_sql_long("SELECT count(*) FROM customers");
	snprintf(h, sizeof(h), "Cookie: %s\r\nContent-Type: application/json"
	    "\r\nOrigin: http://127.0.0.1:%d\r\n", op->cookie, srv.port);
	hs_test_http(srv.port, "POST", "/api/v1/customers", h, body,
	    strlen(body), &r);
	assert_int_equal(r.status, 403);
	assert_non_null(strstr(r.body, "\"csrf\""));
	hs_test_resp_free(&r);
	snprintf(h, sizeof(h), "Cookie: %s\r\nContent-Type: application/json"
	    "\r\nX-CSRF-Token: %s\r\n", op->cookie, op->csrf);
	hs_test_http(srv.port, "POST", "/api/v1/customers", h, body,
	    strlen(body), &r);
	assert_int_equal(r.status, 403);		/* no Origin */
	hs_test_resp_free(&r);
	snprintf(h, sizeof(h), "Cookie: %s\r\nContent-Type: application/json"
	    "\r\nX-CSRF-Token: %s\r\nOrigin: https://evil.example\r\n",
	    op->cookie, op->csrf);
	hs_test_http(srv.port, "POST", "/api/v1/customers", h, body,
	    strlen(body), &r);
	assert_int_equal(r.status, 403);
	hs_test_resp_free(&r);
	snprintf(h, sizeof(h), "Cookie: %s\r\nContent-Type: application/json"
	    "\r\nX-CSRF-Token: %s0\r\nOrigin: http://127.0.0.1:%d\r\n",
	    op->cookie, op->csrf, srv.port);
	hs_test_http(srv.port, "POST", "/api/v1/customers", h, body,
	    strlen(body), &r);
	assert_int_equal(r.status, 403);		/* wrong token */
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM customers"), before);

	call(op, "POST", "/api/v1/customers", body, &r);
	assert_int_equal(r.status, 201);
	hs_test_resp_free(&r);
	call(&callers[5], "POST", "/api/v1/customers",
	    "{\"number\":\"C-2\",\"name\":\"By key\"}", &r);
	assert_int_equal(r.status, 201);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM customers"),
	    before + 2);
	/* Bad input writes nothing either. */
	call(op, "POST", "/api/v1/customers",
	    "{\"number\":\"C-3\",\"name\":\"x\",\"group\":\"NOPE\"}",
	    &r);
	assert_int_equal(r.status, 422);
	assert_non_null(strstr(r.body, "\"field\":\"group\""));
	hs_test_resp_free(&r);
	/* A field refused by the body parser: one reply, nothing written
	 * (the parser once replied 422 and let the handler go on). */
	call(op, "POST", "/api/v1/customers",
	    "{\"number\":\"C-4\",\"name\":\"x\",\"phone\":\"12\"}", &r);
	assert_int_equal(r.status, 422);
	assert_non_null(strstr(r.body, "\"field\":\"phone\""));
	assert_null(strstr(r.body, "HTTP/1.1"));
	hs_test_resp_free(&r);
	call(op, "POST", "/api/v1/customers", "{\"name\":\"no number\"}",
	    &r);
	assert_int_equal(r.status, 422);
	assert_non_null(strstr(r.body, "\"field\":\"number\""));
	assert_null(strstr(r.body, "HTTP/1.1"));
	hs_test_resp_free(&r);
	call(op, "POST", "/api/v1/meters", "{\"number\":\"47040000012\","
	    "\"service_type\":\"water\",\"sgc\":1}", &r);
	assert_int_equal(r.status, 422);
	assert_non_null(strstr(r.body, "\"field\":\"number\""));
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM customers"),
	    before + 2);
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

static void
test_audit_chain_tamper(void **state)
{
	char	out[512], want[64];
	long	seq;

	(void)state;
	assert_int_equal(verify(out, sizeof(out)), 0);
	assert_non_null(strstr(out, "audit log intact"));
	/* Every change above left a row: the customer created in test_csrf. */
	assert_true(hs_test_sql_long("SELECT count(*) FROM audit_log WHERE "
	    "action = 'create' AND object_type = 'customer'") >= 2);

	seq = hs_test_sql_long("SELECT max(seq) - 2 FROM audit_log");
	hs_test_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update");
	{
		char q[256];

		snprintf(q, sizeof(q), "UPDATE audit_log SET actor = "
		    "'user:999' WHERE seq = %ld", seq);
		hs_test_sql(q);
		assert_int_equal(verify(out, sizeof(out)), 1);
		snprintf(want, sizeof(want), "BROKEN at row %ld", seq);
		assert_non_null(strstr(out, want));
		assert_non_null(strstr(out, "was changed"));

		snprintf(q, sizeof(q), "DELETE FROM audit_log WHERE seq = %ld",
		    seq);
		hs_test_sql(q);
		assert_int_equal(verify(out, sizeof(out)), 1);
		snprintf(want, sizeof(want), "row %ld is missing", seq);
		assert_non_null(strstr(out, want));
	}
	hs_test_sql("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update");
	/* The application itself can never change a row. */
	{
		PGresult *res = PQexec(hs_test_db(), "UPDATE audit_log SET actor = 'x'");

		assert_int_equal(PQresultStatus(res), PGRES_FATAL_ERROR);
		assert_non_null(strstr(PQresultErrorMessage(res),
		    "append-only"));
		PQclear(res);
	}
}

/*
 * Workers cache principals and meter records; every change is announced
 * through PostgreSQL and takes effect on every worker within milliseconds
 * (the notification travels after the commit): wait for the first call
 * that sees it, at most 200 ms, then every later call must see it too.
 */
static void
settle(const struct caller *c, const char *path, int status,
    const char *needle)
{
	struct hs_test_resp	r;
	int			i, seen;

	for (seen = 0, i = 0; i < 40 && !seen; i++) {
		call(c, "GET", path, NULL, &r);
		seen = r.status == status && (needle == NULL ||
		    strstr(r.body, needle) != NULL);
		hs_test_resp_free(&r);
		if (!seen)
			usleep(5000);
	}
	if (!seen)
		fail_msg("GET %s: the change did not show within 200 ms", path);
}

static void
test_changes_take_effect_at_once(void **state)
{
	struct caller		 op = { "operator", "operator@tirta.demo", NULL,
				    0, "", "" };
	struct caller		 key = { "integrator", NULL, FULL_KEY, 1, "",
				    "" };
	struct hs_test_resp	 r;
	char			 path[64], q[256];
	long			 meter;
	int			 i;

	(void)state;
	login(&op);
	meter = hs_test_sql_long("SELECT id FROM meters WHERE number = '47040000029'");
	snprintf(path, sizeof(path), "/api/v1/meters/%ld", meter);
	for (i = 0; i < 20; i++) {		/* warm every worker's cache */
		assert_int_equal(call(&op, "GET", path, NULL, &r), 200);
		assert_non_null(strstr(r.body, "\"status\": \"active\""));
		hs_test_resp_free(&r);
		assert_int_equal(call(&key, "GET", path, NULL, &r), 200);
		hs_test_resp_free(&r);
	}
	assert_int_equal(call(&op, "PATCH", path, "{\"status\":\"blocked\"}",
	    &r), 200);
	hs_test_resp_free(&r);
	settle(&op, path, 200, "\"status\": \"blocked\"");
	for (i = 0; i < 20; i++) {
		assert_int_equal(call(&op, "GET", path, NULL, &r), 200);
		if (strstr(r.body, "\"status\": \"blocked\"") == NULL)
			fail_msg("call %d still sees the meter active", i);
		hs_test_resp_free(&r);
	}
	/* A revoked key stops at once. */
	hs_test_sql("UPDATE api_keys SET revoked_at = now() WHERE prefix = "
	    "'00000000000000a1'");
	settle(&key, path, 401, NULL);
	for (i = 0; i < 20; i++) {
		assert_int_equal(call(&key, "GET", path, NULL, &r), 401);
		hs_test_resp_free(&r);
	}
	hs_test_sql("UPDATE api_keys SET revoked_at = NULL WHERE prefix = "
	    "'00000000000000a1'");
	/* Logging out ends the session on every worker. */
	assert_int_equal(call(&op, "POST", "/api/v1/auth/logout", "{}", &r),
	    200);
	hs_test_resp_free(&r);
	settle(&op, path, 401, NULL);
	for (i = 0; i < 20; i++) {
		assert_int_equal(call(&op, "GET", path, NULL, &r), 401);
		hs_test_resp_free(&r);
	}
	/* A disabled user's other sessions stop at once too. */
	login(&op);
	for (i = 0; i < 10; i++) {
		assert_int_equal(call(&op, "GET", path, NULL, &r), 200);
		hs_test_resp_free(&r);
	}
	snprintf(q, sizeof(q), "UPDATE users SET status = 'disabled' WHERE "
	    "email = 'operator@tirta.demo'");
	hs_test_sql(q);
	settle(&op, path, 401, NULL);
	for (i = 0; i < 20; i++) {
		assert_int_equal(call(&op, "GET", path, NULL, &r), 401);
		hs_test_resp_free(&r);
	}
	hs_test_sql("UPDATE users SET status = 'active' WHERE email = "
	    "'operator@tirta.demo'");
	login(&callers[1]);
}

/* The hs_cache notices a session change sends, as seen by a listener. */
static int
cache_notices(PGconn *listener, const char *hash)
{
	PGnotify	*n;
	int		 seen = 0;

	PQconsumeInput(listener);
	while ((n = PQnotifies(listener)) != NULL) {
		if (!strcmp(n->relname, "hs_cache") &&
		    strstr(n->extra, hash) != NULL)
			seen++;
		PQfreemem(n);
	}
	return (seen);
}

/*
 * Sliding a session's idle limit tells no cache (migration 0027: that
 * NOTIFY serialised commits under load); a shorter life and the end of
 * the session still reach every worker.
 */
static void
test_session_slide_is_quiet(void **state)
{
	PGconn		*pg, *listener;
	PGresult	*res;
	const char	*hash = "slide-test-session-hash";
	char		 q[512];

	(void)state;
	pg = PQconnectdb(hs_test_pgurl());
	listener = PQconnectdb(hs_test_pgurl());
	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	assert_int_equal(PQstatus(listener), CONNECTION_OK);
	PQclear(PQexec(listener, "LISTEN hs_cache"));
	snprintf(q, sizeof(q), "INSERT INTO sessions (token_hash, user_id, "
	    "csrf_token, expires_at, idle_until) SELECT '%s', id, 'c', now() + "
	    "interval '1 day', now() + interval '5 minutes' FROM users WHERE "
	    "email = 'operator@tirta.demo'", hash);
	res = PQexec(pg, q);
	assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	/* Used 25 minutes before its idle limit: slid, silently. */
	snprintf(q, sizeof(q), "SELECT user_id FROM hs_session_use('%s')",
	    hash);
	res = PQexec(pg, q);
	assert_int_equal(PQntuples(res), 1);
	PQclear(res);
	snprintf(q, sizeof(q), "SELECT count(*) FROM sessions WHERE token_hash "
	    "= '%s' AND idle_until > now() + interval '29 minutes'", hash);
	res = PQexec(pg, q);
	assert_string_equal(PQgetvalue(res, 0, 0), "1");
	PQclear(res);
	usleep(100 * 1000);
	assert_int_equal(cache_notices(listener, hash), 0);
	/* Cut short: every cache hears of it. */
	snprintf(q, sizeof(q), "UPDATE sessions SET expires_at = now() + "
	    "interval '1 minute' WHERE token_hash = '%s'", hash);
	PQclear(PQexec(pg, q));
	usleep(100 * 1000);
	assert_int_equal(cache_notices(listener, hash), 1);
	snprintf(q, sizeof(q), "DELETE FROM sessions WHERE token_hash = '%s'",
	    hash);
	PQclear(PQexec(pg, q));
	usleep(100 * 1000);
	assert_int_equal(cache_notices(listener, hash), 1);
	PQfinish(listener);
	PQfinish(pg);
}

/* Last: it blocks this address for the rest of the window. */
static void
test_login_throttling(void **state)
{
	struct hs_test_resp	 r;
	const char		*bad = "{\"email\":\"kasir@tirta.demo\","
				    "\"password\":\"not-the-password\"}";
	const char		*good = "{\"email\":\"kasir@tirta.demo\","
				    "\"password\":\"" PASSWORD "\"}";
	const char		*other = "{\"email\":\"teknisi@tirta.demo\","
				    "\"password\":\"" PASSWORD "\"}";
	const char		*h = "Content-Type: application/json\r\n";
	char			 body[128];
	int			 i;

	(void)state;
	for (i = 0; i < 5; i++) {
		hs_test_http(srv.port, "POST", "/api/v1/auth/login", h, bad,
		    strlen(bad), &r);
		assert_int_equal(r.status, 401);
		assert_non_null(strstr(r.body, "wrong email or password"));
		hs_test_resp_free(&r);
	}
	/* The account is blocked now, even with the right password ... */
	hs_test_http(srv.port, "POST", "/api/v1/auth/login", h, good,
	    strlen(good), &r);
	assert_int_equal(r.status, 429);
	assert_non_null(strstr(r.headers, "retry-after: "));
	hs_test_resp_free(&r);
	/* ... while another account from the same address still works. */
	hs_test_http(srv.port, "POST", "/api/v1/auth/login", h, other,
	    strlen(other), &r);
	assert_int_equal(r.status, 200);
	hs_test_resp_free(&r);
	/* Unknown accounts count against the address: 20 block it. */
	for (i = 0; i < 15; i++) {
		snprintf(body, sizeof(body), "{\"email\":\"nobody%d@x.id\","
		    "\"password\":\"whatever-it-is\"}", i);
		hs_test_http(srv.port, "POST", "/api/v1/auth/login", h, body,
		    strlen(body), &r);
		assert_int_equal(r.status, 401);
		hs_test_resp_free(&r);
	}
	hs_test_http(srv.port, "POST", "/api/v1/auth/login", h, other,
	    strlen(other), &r);
	assert_int_equal(r.status, 429);
	hs_test_resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_matrix),
		cmocka_unit_test(test_tenant_isolation),
		cmocka_unit_test(test_csrf),
		cmocka_unit_test(test_audit_chain_tamper),
		cmocka_unit_test(test_changes_take_effect_at_once),
		cmocka_unit_test(test_session_slide_is_quiet),
		cmocka_unit_test(test_login_throttling),
	};

	return (cmocka_run_group_tests_name("cis", tests, setup, teardown));
}
