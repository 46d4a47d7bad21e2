/*
 * Self-service sign-up and password reset by one-time code, and the
 * OpenAPI document checked against the routes the server really serves.
 * The code is read where the notification system would pick it up: the
 * 'notify.otp' job.
 */
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <libpq-fe.h>

#include "hs_test.h"

#define JSON_H	"Content-Type: application/json\r\n"

static struct hs_test_server	srv;
static PGconn			*pg;

/* The newest code sent for a purpose, or "" when none. */
static void
latest_code(const char *purpose, char code[7])
{
	PGresult	*res;
	const char	*params[1] = { purpose };

	res = PQexecParams(pg, "SELECT payload->>'code' FROM jobs WHERE kind = "
	    "'notify.otp' AND payload->>'purpose' = $1 ORDER BY id DESC "
	    "LIMIT 1", 1, NULL, params, NULL, NULL, 0);
	code[0] = '\0';
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		snprintf(code, 7, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
}

static int
post(const char *path, const char *body, struct hs_test_resp *r)
{
	if (hs_test_http(srv.port, "POST", path, JSON_H, body, strlen(body),
	    r) != 0)
		fail_msg("POST %s: no response", path);
	return (r->status);
}

static int
login(const char *email, const char *password, char cookie[100])
{
	struct hs_test_resp	 r;
	char			 body[256];
	const char		*p;
	int			 status;

	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}",
	    email, password);
	status = post("/api/v1/auth/login", body, &r);
	if (cookie != NULL && status == 200 &&
	    (p = strstr(r.headers, "__Host-hs_session=")) != NULL) {
		snprintf(cookie, 100, "%.82s", p);
		cookie[strcspn(cookie, ";")] = '\0';
	}
	hs_test_resp_free(&r);
	return (status);
}

static int
get_as(const char *cookie, const char *path, struct hs_test_resp *r)
{
	char	h[256];

	snprintf(h, sizeof(h), "Cookie: %s\r\n", cookie);
	if (hs_test_http(srv.port, "GET", path, h, NULL, 0, r) != 0)
		fail_msg("GET %s: no response", path);
	return (r->status);
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
	pg = PQconnectdb(hs_test_pgurl());
	if (PQstatus(pg) != CONNECTION_OK)
		return (-1);
	return (hs_test_server_start(&srv, 2, NULL));
}

static int
teardown(void **state)
{
	(void)state;
	hs_test_server_stop(&srv);
	PQfinish(pg);
	return (0);
}

static void
test_signup(void **state)
{
	struct hs_test_resp	 r;
	char			 code[7], wrong[12], cookie[100];
	long			 jobs;

	(void)state;
	/* No account for an unknown or already registered customer, and the
	 * answer does not tell. */
	jobs = hs_test_sql_long("SELECT count(*) FROM jobs WHERE kind = 'notify.otp'");
	assert_int_equal(post("/api/v1/auth/signup/start", "{\"utility\":"
	    "\"pdam-tirta\",\"customer_number\":\"9999\"}", &r), 202);
	hs_test_resp_free(&r);
	assert_int_equal(post("/api/v1/auth/signup/start", "{\"utility\":"
	    "\"pdam-tirta\",\"customer_number\":\"1001\"}", &r), 202);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM jobs WHERE kind = "
	    "'notify.otp'"), jobs);

	/* Customer 1002 has a phone and no account yet. */
	assert_int_equal(post("/api/v1/auth/signup/start", "{\"utility\":"
	    "\"pdam-tirta\",\"customer_number\":\"1002\"}", &r), 202);
	hs_test_resp_free(&r);
	latest_code("signup", code);
	assert_int_equal(strlen(code), 6);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM jobs WHERE kind = "
	    "'notify.otp' AND payload->>'to' = '6281234560002'"), 1);

	snprintf(wrong, sizeof(wrong), "%06d", (atoi(code) + 1) % 1000000);
	{
		char body[512];

		snprintf(body, sizeof(body), "{\"utility\":\"pdam-tirta\","
		    "\"customer_number\":\"1002\",\"code\":\"%s\",\"email\":"
		    "\"budi@example.id\",\"password\":\"budi-password-77\"}",
		    wrong);
		assert_int_equal(post("/api/v1/auth/signup/finish", body, &r),
		    401);
		assert_non_null(strstr(r.body, "\"field\":\"code\""));
		hs_test_resp_free(&r);
		snprintf(body, sizeof(body), "{\"utility\":\"pdam-tirta\","
		    "\"customer_number\":\"1002\",\"code\":\"%s\",\"email\":"
		    "\"budi@example.id\",\"password\":\"short\"}", code);
		assert_int_equal(post("/api/v1/auth/signup/finish", body, &r),
		    422);
		assert_non_null(strstr(r.body, "\"field\":\"password\""));
		hs_test_resp_free(&r);
		snprintf(body, sizeof(body), "{\"utility\":\"pdam-tirta\","
		    "\"customer_number\":\"1002\",\"code\":\"%s\",\"email\":"
		    "\"budi@example.id\",\"password\":\"budi-password-77\"}",
		    code);
		assert_int_equal(post("/api/v1/auth/signup/finish", body, &r),
		    201);
		assert_non_null(strstr(r.body, "\"role\": \"customer\""));
		hs_test_resp_free(&r);
		/* A code works once. */
		assert_int_equal(post("/api/v1/auth/signup/finish", body, &r),
		    401);
		hs_test_resp_free(&r);
	}
	assert_int_equal(login("budi@example.id", "budi-password-77", cookie),
	    200);
	assert_int_equal(get_as(cookie, "/api/v1/meters", &r), 200);
	assert_non_null(strstr(r.body, "\"total\": 1"));
	assert_non_null(strstr(r.body, "47040000029"));
	hs_test_resp_free(&r);
}

static void
test_code_attempts_are_limited(void **state)
{
	struct hs_test_resp	 r;
	char			 code[7], body[512];
	int			 i;

	(void)state;
	assert_int_equal(post("/api/v1/auth/signup/start", "{\"utility\":"
	    "\"pdam-tirta\",\"customer_number\":\"1004\"}", &r), 202);
	hs_test_resp_free(&r);
	latest_code("signup", code);
	for (i = 0; i < 5; i++) {
		snprintf(body, sizeof(body), "{\"utility\":\"pdam-tirta\","
		    "\"customer_number\":\"1004\",\"code\":\"%06d\",\"email\":"
		    "\"agus2@example.id\",\"password\":\"agus-password-77\"}",
		    (atoi(code) + 1 + i) % 1000000);
		assert_int_equal(post("/api/v1/auth/signup/finish", body, &r),
		    401);
		hs_test_resp_free(&r);
	}
	/* Five wrong tries kill the code: the right one no longer works. */
	snprintf(body, sizeof(body), "{\"utility\":\"pdam-tirta\","
	    "\"customer_number\":\"1004\",\"code\":\"%s\",\"email\":"
	    "\"agus2@example.id\",\"password\":\"agus-password-77\"}", code);
	assert_int_equal(post("/api/v1/auth/signup/finish", body, &r), 401);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM users WHERE email = "
	    "'agus2@example.id'"), 0);
}

static void
test_password_reset(void **state)
{
	struct hs_test_resp	 r;
	char			 code[7], body[512], old_cookie[100];
	long			 jobs;

	(void)state;
	assert_int_equal(login("operator@tirta.demo", "demo-password-2026",
	    old_cookie), 200);
	jobs = hs_test_sql_long("SELECT count(*) FROM jobs WHERE kind = 'notify.otp'");
	assert_int_equal(post("/api/v1/auth/reset/start", "{\"email\":"
	    "\"nobody@nowhere.id\"}", &r), 202);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM jobs WHERE kind = "
	    "'notify.otp'"), jobs);
	assert_int_equal(post("/api/v1/auth/reset/start", "{\"email\":"
	    "\"operator@tirta.demo\"}", &r), 202);
	hs_test_resp_free(&r);
	latest_code("reset", code);
	assert_int_equal(strlen(code), 6);
	snprintf(body, sizeof(body), "{\"email\":\"operator@tirta.demo\","
	    "\"code\":\"%s\",\"password\":\"a-brand-new-password\"}", code);
	assert_int_equal(post("/api/v1/auth/reset/finish", body, &r), 200);
	hs_test_resp_free(&r);
	/* Every old session ended; only the new password works. */
	assert_int_equal(get_as(old_cookie, "/api/v1/auth/me", &r), 401);
	hs_test_resp_free(&r);
	assert_int_equal(login("operator@tirta.demo", "demo-password-2026",
	    NULL), 401);
	assert_int_equal(login("operator@tirta.demo", "a-brand-new-password",
	    NULL), 200);
	assert_int_equal(post("/api/v1/auth/reset/finish", body, &r), 401);
	hs_test_resp_free(&r);
}

/*
 * Every operation the OpenAPI document describes is served (never the
 * router's 404 or a 405), and every route the server enforces is in the
 * document with its method.
 */
static void
test_openapi_matches_served_routes(void **state)
{
	struct hs_test_resp	 doc, routes, r;
	char			 admin[100], key[160], method[8], path[128];
	char			 real[160], *brace, lowered[8];
	const char		*p, *end;
	size_t			 i;
	int			 described;

	(void)state;
	assert_int_equal(login("admin@tirta.demo", "demo-password-2026",
	    admin), 200);
	assert_int_equal(hs_test_http(srv.port, "GET", "/api/v1/openapi.json",
	    NULL, NULL, 0, &doc), 0);
	assert_int_equal(doc.status, 200);
	assert_non_null(strstr(doc.body, "\"openapi\":\"3.0.3\""));
	assert_int_equal(hs_test_http(srv.port, "GET", "/_diag/routes", NULL,
	    NULL, 0, &routes), 0);

	described = 0;
	for (p = routes.body; (p = strstr(p, "{\"method\":\"")) != NULL;
	    p = end) {
		end = strstr(p, "]}");
		assert_non_null(end);
		sscanf(p, "{\"method\":\"%7[A-Z]\",\"path\":\"%127[^\"]\"",
		    method, path);
		if (strncmp(path, "/api/", 5))
			continue;
		/* The path, then this method inside it. */
		snprintf(key, sizeof(key), "\"%s\":{", path);
		if (strstr(doc.body, key) == NULL)
			fail_msg("%s is not in the OpenAPI document", path);
		for (i = 0; method[i] != '\0'; i++)
			lowered[i] = (char)(method[i] + 32);
		lowered[i] = '\0';
		{
			/* This path's object ends where the next path begins. */
			const char	*at = strstr(doc.body, key);
			const char	*limit = strstr(at + 1, "\"/api/");
			char		 op[24];

			snprintf(op, sizeof(op), "\"%s\":{\"summary\"", lowered);
			at = strstr(at, op);
			if (at == NULL || (limit != NULL && at > limit))
				fail_msg("%s %s is not described", method, path);
		}
		described++;

		/* And it is served: not the router's 404, never 405. */
		snprintf(real, sizeof(real), "%s", path);
		/* Every {param} becomes 1; what follows it stays. */
		while ((brace = strchr(real, '{')) != NULL) {
			const char	*close = strchr(brace, '}');
			char		 rest[128];

			snprintf(rest, sizeof(rest), "%s", close ? close + 1 :
			    "");
			snprintf(brace, sizeof(real) - (size_t)(brace - real),
			    "1%s", rest);
		}
		if (!strcmp(method, "GET")) {
			get_as(admin, real, &r);
			if (r.status == 405 || strstr(r.body,
			    "no such resource") != NULL)
				fail_msg("GET %s is described but not served",
				    real);
			hs_test_resp_free(&r);
		}
	}
	hs_test_resp_free(&routes);
	{
		/* As many operations in the document as routes served. */
		int	 ops = 0;
		const char *q;

		for (q = doc.body; (q = strstr(q, "{\"summary\":")) != NULL; q++)
			ops++;
		assert_int_equal(ops, described);
	}
	hs_test_resp_free(&doc);
	assert_true(described >= 14);
}

/* Rows in a CSV reply (header excluded). */
static int
csv_rows(const char *body)
{
	int	n = 0;

	for (; *body != '\0'; body++)
		n += *body == '\n';
	return (n - 1);
}

/*
 * Every list exports as CSV (?format=csv): the same rows as the JSON
 * total, a header naming the fields, and text a spreadsheet would run as
 * a formula neutralised.
 */
static void
test_every_list_exports_csv(void **state)
{
	static const char	*lists[] = { "/api/v1/customers",
				    "/api/v1/meters", "/api/v1/users",
				    "/api/v1/tariffs", "/api/v1/audit" };
	struct hs_test_resp	 r, j;
	char			 admin[100], path[128], h[512], csrf[80];
	const char		*t;
	size_t			 i;
	long			 total;

	(void)state;
	{
		char		 body[256];
		const char	*p;

		snprintf(body, sizeof(body), "{\"email\":\"admin@tirta.demo\","
		    "\"password\":\"demo-password-2026\"}");
		assert_int_equal(post("/api/v1/auth/login", body, &r), 200);
		p = strstr(r.headers, "__Host-hs_session=");
		snprintf(admin, sizeof(admin), "%.82s", p);
		admin[strcspn(admin, ";")] = '\0';
		p = strstr(r.body, "\"csrf_token\":\"") + 14;
		snprintf(csrf, sizeof(csrf), "%.64s", p);
		hs_test_resp_free(&r);
	}
	snprintf(h, sizeof(h), "Cookie: %s\r\nX-CSRF-Token: %s\r\nOrigin: "
	    "http://127.0.0.1:%d\r\n" JSON_H, admin, csrf, srv.port);
	assert_int_equal(hs_test_http(srv.port, "POST", "/api/v1/customers",
	    h, "{\"number\":\"F-1\",\"name\":\"=HYPERLINK(\\\"x\\\")\"}",
	    strlen("{\"number\":\"F-1\",\"name\":\"=HYPERLINK(\\\"x\\\")\"}"),
	    &r), 0);
	assert_int_equal(r.status, 201);
	hs_test_resp_free(&r);

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		snprintf(path, sizeof(path), "%s?limit=200", lists[i]);
		assert_int_equal(get_as(admin, path, &j), 200);
		t = strstr(j.body, "\"total\": ");
		total = t ? atol(t + 9) : -1;
		snprintf(path, sizeof(path), "%s?format=csv", lists[i]);
		assert_int_equal(get_as(admin, path, &r), 200);
		assert_non_null(strstr(r.headers,
		    "content-type: text/csv; charset=utf-8"));
		assert_non_null(strstr(r.headers, "content-disposition: "
		    "attachment"));
		assert_true(strncmp(r.body, "\"", 1) == 0);
		if (total >= 0 && csv_rows(r.body) != total)
			fail_msg("%s: %d CSV rows, JSON total %ld", lists[i],
			    csv_rows(r.body), total);
		if (i == 0) {
			assert_non_null(strstr(r.body, "\"'=HYPERLINK("));
			assert_null(strstr(r.body, ",\"=HYPERLINK("));
		}
		hs_test_resp_free(&r);
		hs_test_resp_free(&j);
	}
	/* A single record is not a list. */
	assert_int_equal(get_as(admin, "/api/v1/users/1?format=csv", &r), 400);
	hs_test_resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signup),
		cmocka_unit_test(test_code_attempts_are_limited),
		cmocka_unit_test(test_password_reset),
		cmocka_unit_test(test_openapi_matches_served_routes),
		cmocka_unit_test(test_every_list_exports_csv),
	};

	return (cmocka_run_group_tests_name("accounts", tests, setup,
	    teardown));
}
