/*
 * The foundation end to end: a real Kore server started as `make run`
 * starts it, against the test PostgreSQL.  Health, readiness, metrics,
 * error shapes, every start-up refusal with its message, an outbound call
 * to a slow peer that must not stall the worker, and the one-symbol rule
 * for every plugin that ships.
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

#include "hs_test.h"

static struct hs_test_server	srv;

static const char *
plugin_path(const char *rel)
{
	static char	buf[4][1024];
	static int	n;

	n = (n + 1) % 4;
	snprintf(buf[n], sizeof(buf[n]), "%s/%s", hs_test_build(), rel);
	return (buf[n]);
}

static int
setup_server(void **state)
{
	char	conf[2048];

	(void)state;
	snprintf(conf, sizeof(conf),
	    "plugin pay payment %s\nset pay token 0123456789abcdef\n"
	    "set pay pay_url http://127.0.0.1:1/pay\n"
	    "plugin tr transport %s\nset tr url http://127.0.0.1:1/\n"
	    "plugin hsm hsm %s\nset hsm label test\n",
	    plugin_path("plugins/payment/example.so"),
	    plugin_path("plugins/transport/example.so"),
	    plugin_path("plugins/hsm/example.so"));
	if (hs_test_server_start(&srv, 2, conf) != 0) {
		fprintf(stderr, "server did not start; see %s\n", srv.log);
		return (-1);
	}
	return (0);
}

static int
teardown_server(void **state)
{
	(void)state;
	hs_test_server_stop(&srv);
	return (0);
}

static void
test_healthz(void **state)
{
	struct hs_test_resp	r;

	(void)state;
	assert_int_equal(hs_test_http(srv.port, "GET", "/healthz", NULL, NULL,
	    0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"status\":\"up\"}");
	assert_non_null(strstr(r.headers, "content-type: application/json"));
	hs_test_resp_free(&r);
}

static void
test_readyz_checks_database_and_plugins(void **state)
{
	struct hs_test_resp	r;

	(void)state;
	assert_int_equal(hs_test_http(srv.port, "GET", "/readyz", NULL, NULL,
	    0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"status\":\"ready\",\"checks\":"
	    "{\"database\":\"ok\",\"plugins\":\"ok\"}}");
	hs_test_resp_free(&r);
}

static void
test_version(void **state)
{
	struct hs_test_resp	r;

	(void)state;
	assert_int_equal(hs_test_http(srv.port, "GET", "/api/v1/version", NULL,
	    NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"name\":\"HydroSync\""));
	assert_non_null(strstr(r.body, "\"plugin_abi_major\":1"));
	hs_test_resp_free(&r);
}

static void
test_errors_are_json(void **state)
{
	struct hs_test_resp	r;

	(void)state;
	assert_int_equal(hs_test_http(srv.port, "GET", "/no/such/thing", NULL,
	    NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body, "{\"error\":{\"code\":\"not_found\","
	    "\"message\":\"no such resource\",\"field\":null}}");
	hs_test_resp_free(&r);

	assert_int_equal(hs_test_http(srv.port, "DELETE", "/healthz", NULL,
	    NULL, 0, &r), 0);
	assert_int_equal(r.status, 405);
	assert_non_null(strstr(r.body, "\"code\":\"method_not_allowed\""));
	hs_test_resp_free(&r);
}

static void
test_metrics(void **state)
{
	struct hs_test_resp	r;
	int			i;

	(void)state;
	for (i = 0; i < 5; i++) {
		assert_int_equal(hs_test_http(srv.port, "GET", "/readyz", NULL,
		    NULL, 0, &r), 0);
		hs_test_resp_free(&r);
	}
	assert_int_equal(hs_test_http(srv.port, "GET", "/metrics", NULL, NULL,
	    0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.headers, "text/plain; version=0.0.4"));
	assert_non_null(strstr(r.body, "# TYPE hydrosync_http_requests_total "
	    "counter"));
	assert_non_null(strstr(r.body, "hydrosync_http_requests_total{method="
	    "\"GET\",route=\"/readyz\",code=\"2xx\"}"));
	assert_non_null(strstr(r.body, "hydrosync_http_request_duration_"
	    "seconds_bucket{method=\"GET\",route=\"/readyz\",le=\"+Inf\"}"));
	assert_non_null(strstr(r.body, "hydrosync_db_pool_connections "));
	assert_non_null(strstr(r.body, "hydrosync_db_queries_total "));
	assert_non_null(strstr(r.body, "hydrosync_jobs_enqueued_total "));
	/* At least the five readyz queries were counted across workers. */
	{
		const char	*p;

		p = strstr(r.body, "\nhydrosync_db_queries_total ");
		assert_non_null(p);
		assert_true(atoi(p + strlen("\nhydrosync_db_queries_total ")) >=
		    5);
	}
	hs_test_resp_free(&r);
}

static void
test_static_files(void **state)
{
	static const char	*refused[] = {
		"/../../etc/passwd", "/.hidden", "/a/../index.html",
		"/%2e%2e/etc/passwd", "//etc/passwd", "/nope.html",
	};
	struct hs_test_resp	 r;
	size_t			 i;

	(void)state;
	assert_int_equal(hs_test_http(srv.port, "GET", "/", NULL, NULL, 0,
	    &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.headers, "content-type: text/html"));
	assert_non_null(strstr(r.headers, "content-security-policy: "
	    "default-src 'self'"));
	assert_non_null(strstr(r.body, "<title>HydroSync</title>"));
	hs_test_resp_free(&r);

	assert_int_equal(hs_test_http(srv.port, "GET", "/style.css", NULL,
	    NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.headers, "content-type: text/css"));
	hs_test_resp_free(&r);

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(hs_test_http(srv.port, "GET", refused[i],
		    NULL, NULL, 0, &r), 0);
		if (r.status != 404)
			fail_msg("%s answered %d", refused[i], r.status);
		hs_test_resp_free(&r);
	}
}

/*
 * The host's WebSocket client (what a BLE gateway plugin uses) talks to
 * a Kore WebSocket: a message goes out, its echo comes back, and the
 * close is clean.  A peer that is not there gives a clean failure.
 */
static void
test_websocket_client(void **state)
{
	struct hs_test_resp	r;
	char			path[64];
	int			i;

	(void)state;
	snprintf(path, sizeof(path), "/_diag/ws-roundtrip/%d", srv.port);
	for (i = 0; i < 20; i++) {
		assert_int_equal(hs_test_http(srv.port, "POST", path, NULL,
		    "ping-42 \"quoted\"", 16, &r), 0);
		assert_int_equal(r.status, 200);
		assert_string_equal(r.body, "{\"echo\":\"ping-42 \\\"quoted"
		    "\\\"\",\"close_code\":1000}");
		hs_test_resp_free(&r);
	}
	snprintf(path, sizeof(path), "/_diag/ws-roundtrip/%d",
	    hs_test_free_port());
	assert_int_equal(hs_test_http(srv.port, "POST", path, NULL, "x", 1,
	    &r), 0);
	assert_int_equal(r.status, 502);
	assert_non_null(strstr(r.body, "\"close_code\":1006"));
	hs_test_resp_free(&r);
}

/*
 * One worker; a transport call to a peer that takes 2 s to answer is in
 * flight while other requests to the same worker are answered at once.
 */
static void
test_slow_outbound_does_not_block_worker(void **state)
{
	struct hs_test_server	one;
	struct hs_test_resp	r;
	char			conf[1024];
	pid_t			slow, child;
	int			slow_port, i, status;

	(void)state;
	slow = hs_test_slow_server(2000, 200, &slow_port);
	assert_true(slow > 0);
	snprintf(conf, sizeof(conf), "plugin tr transport %s\n"
	    "set tr url http://127.0.0.1:%d/deliver\n",
	    plugin_path("plugins/transport/example.so"), slow_port);
	assert_int_equal(hs_test_server_start(&one, 1, conf), 0);

	if ((child = fork()) == 0) {
		if (hs_test_http(one.port, "POST", "/_diag/transport/tr",
		    NULL, "hello", 5, &r) != 0)
			_exit(10);
		if (r.status != 200 || strstr(r.body, "\"result\":0") == NULL)
			_exit(11);
		if (r.ms < 1900)
			_exit(12);	/* it did not really wait for the peer */
		_exit(0);
	}
	usleep(300000);		/* the outbound call is now in flight */
	for (i = 0; i < 10; i++) {
		assert_int_equal(hs_test_http(one.port, "GET", "/readyz", NULL,
		    NULL, 0, &r), 0);
		assert_int_equal(r.status, 200);
		if (r.ms > 200)
			fail_msg("request %d took %.1f ms while the outbound "
			    "call was pending", i, r.ms);
		hs_test_resp_free(&r);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* A peer that is not there: a clean, retryable failure. */
	hs_test_kill(slow);
	assert_int_equal(hs_test_http(one.port, "POST", "/_diag/transport/tr",
	    NULL, "x", 1, &r), 0);
	assert_int_equal(r.status, 502);
	assert_non_null(strstr(r.body, "\"result\":-3"));
	hs_test_resp_free(&r);
	hs_test_server_stop(&one);
}

/*
 * The host's client speaks HTTPS and verifies the peer: with the test
 * CA trusted (HS_CA_FILE) a plugin's call succeeds; a server whose
 * certificate nobody vouches for is refused.
 */
static void
test_outbound_https_verifies_peer(void **state)
{
	struct hs_test_server	 one;
	struct hs_test_resp	 r;
	char			 dir[600], cmd[4096], cert[700], key[700];
	char			 conf[1024];
	pid_t			 tls;
	int			 port;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/%s/tests/run/tls-%d", hs_test_top(),
	    hs_test_build(), (int)getpid());
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && openssl req -x509 "
	    "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout '%s' "
	    "-out '%s' -days 1 -subj /CN=localhost -addext "
	    "subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null", dir, key,
	    cert);
	assert_int_equal(system(cmd), 0);
	tls = hs_test_tls_server(cert, key, &port);
	assert_true(tls > 0);
	snprintf(conf, sizeof(conf), "plugin tr transport %s\n"
	    "set tr url https://localhost:%d/deliver\n",
	    plugin_path("plugins/transport/example.so"), port);

	setenv("HS_CA_FILE", cert, 1);
	assert_int_equal(hs_test_server_start(&one, 1, conf), 0);
	unsetenv("HS_CA_FILE");
	assert_int_equal(hs_test_http(one.port, "POST", "/_diag/transport/tr",
	    NULL, "over tls", 8, &r), 0);
	if (r.status != 200 || strstr(r.body, "\"result\":0") == NULL)
		fail_msg("HTTPS with a trusted CA: %d %s", r.status, r.body);
	hs_test_resp_free(&r);
	hs_test_server_stop(&one);

	/* The same server, but its certificate is not trusted. */
	assert_int_equal(hs_test_server_start(&one, 1, conf), 0);
	assert_int_equal(hs_test_http(one.port, "POST", "/_diag/transport/tr",
	    NULL, "over tls", 8, &r), 0);
	assert_int_equal(r.status, 502);
	assert_non_null(strstr(r.body, "\"result\":-3"));
	hs_test_resp_free(&r);
	hs_test_server_stop(&one);
	hs_test_kill(tls);
}

struct refusal {
	const char	*conf_fmt;	/* @B = the build directory */
	const char	*message;
};

/* Copy fmt into out with every "@B" replaced by the build directory. */
static void
expand_build(char *out, size_t len, const char *fmt)
{
	const char	*b = hs_test_build();
	size_t		 n, blen = strlen(b);

	for (n = 0; *fmt != '\0' && n + blen + 1 < len; fmt++) {
		if (fmt[0] == '@' && fmt[1] == 'B') {
			memcpy(out + n, b, blen);
			n += blen;
			fmt++;
		} else {
			out[n++] = *fmt;
		}
	}
	out[n] = '\0';
}

static void
test_startup_refusals(void **state)
{
	static const struct refusal cases[] = {
		{ "plugin gone payment @B/plugins/payment/nonexistent.so\n",
		    "plugin 'gone' (" },
		{ "plugin gone payment @B/plugins/payment/nonexistent.so\n",
		    "cannot read the file: No such file or directory" },
		{ "plugin ne payment @B/tests/fixtures/no_entry.so\n",
		    "no entry symbol 'hs_plugin_entry'" },
		{ "plugin f transport @B/tests/fixtures/abi2.so\n",
		    "built for ABI 2.0, this host speaks 1." },
		{ "plugin t payment @B/plugins/transport/example.so\n",
		    "wrong kind: the file is a transport plugin but is "
		    "configured as payment" },
		{ "plugin a hsm @B/plugins/hsm/example.so\nset a label x\n"
		    "plugin a hsm /x.so\n",
		    "duplicate plugin name 'a' (first on line" },
		{ "plugin pay payment @B/plugins/payment/example.so\n"
		    "set pay pay_url http://x/\n",
		    "missing required setting 'token'" },
		{ "plugin tr transport @B/plugins/transport/example.so\n"
		    "set tr url ftp://x/\n", "url must start with http://" },
		{ "bogus_directive yes\n",
		    "unknown directive 'bogus_directive'" },
	};
	struct hs_test_server	bad;
	char			conf[2048];
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expand_build(conf, sizeof(conf), cases[i].conf_fmt);
		if (hs_test_server_start(&bad, 1, conf) == 0) {
			hs_test_server_stop(&bad);
			fail_msg("case %zu: the server started", i);
		}
		if (!hs_test_file_contains(bad.log, cases[i].message))
			fail_msg("case %zu: %s does not say '%s'", i, bad.log,
			    cases[i].message);
	}
}

/* Every plugin .so exports exactly one symbol of its own. */
static void
test_plugins_export_one_symbol(void **state)
{
	char	cmd[2048], line[512];
	FILE	*fp;
	int	files, bad;

	(void)state;
	snprintf(cmd, sizeof(cmd), "for f in $(find %s/plugins -name '*.so' | "
	    "sort); do echo \"FILE $f\"; nm -D --defined-only \"$f\" | "
	    "awk '{ print $NF }'; done", hs_test_build());
	fp = popen(cmd, "r");
	assert_non_null(fp);
	files = bad = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "FILE ", 5)) {
			files++;
			continue;
		}
		if (strcmp(line, "hs_plugin_entry")) {
			fprintf(stderr, "extra exported symbol: %s\n", line);
			bad++;
		}
	}
	pclose(fp);
	assert_true(files >= 3);
	assert_int_equal(bad, 0);
}

/*
 * Behind a reverse proxy: X-Forwarded-For names the client only when the
 * peer is a trusted_proxy (then its last address, the one the proxy
 * added); from anyone else it is ignored, so no client can pick the
 * address its failed logins count against.
 */
static void
test_forwarded_for(void **state)
{
	struct hs_test_server	one;
	struct hs_test_resp	r;
	const char		*body = "{\"email\": \"nobody@example.id\", "
	    "\"password\": \"wrong-password-1\"}";
	const char		*hdr = "Content-Type: application/json\r\n"
	    "X-Forwarded-For: 1.2.3.4, 10.9.8.7\r\n";

	(void)state;
	hs_test_sql("DELETE FROM login_failures");
	assert_int_equal(hs_test_server_start(&one, 1, NULL), 0);
	assert_int_equal(hs_test_http(one.port, "POST", "/api/v1/auth/login",
	    hdr, body, strlen(body), &r), 0);
	hs_test_resp_free(&r);
	hs_test_server_stop(&one);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM login_failures "
	    "WHERE key = 'addr:127.0.0.1'"), 1);

	assert_int_equal(hs_test_server_start(&one, 1,
	    "trusted_proxy 127.0.0.1\n"), 0);
	assert_int_equal(hs_test_http(one.port, "POST", "/api/v1/auth/login",
	    hdr, body, strlen(body), &r), 0);
	hs_test_resp_free(&r);
	hs_test_server_stop(&one);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM login_failures "
	    "WHERE key = 'addr:10.9.8.7'"), 1);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM login_failures "
	    "WHERE key = 'addr:1.2.3.4'"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthz),
		cmocka_unit_test(test_readyz_checks_database_and_plugins),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_errors_are_json),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_static_files),
		cmocka_unit_test(test_websocket_client),
	};
	const struct CMUnitTest standalone[] = {
		cmocka_unit_test(test_slow_outbound_does_not_block_worker),
		cmocka_unit_test(test_outbound_https_verifies_peer),
		cmocka_unit_test(test_startup_refusals),
		cmocka_unit_test(test_plugins_export_one_symbol),
		cmocka_unit_test(test_forwarded_for),
	};
	int	failed;

	failed = cmocka_run_group_tests_name("server", tests, setup_server,
	    teardown_server);
	failed += cmocka_run_group_tests_name("standalone", standalone, NULL,
	    NULL);
	return (failed);
}
