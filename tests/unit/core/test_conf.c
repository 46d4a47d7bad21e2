/*
 * hydrosync.conf parsing: every directive, and every kind of mistake an
 * operator makes gets an error that names the file, the line and the
 * problem.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hydrosync/plugin.h"
#include "conf/conf.h"

static struct hs_config	conf;
static char		err[1024];

static int
parse(const char *text)
{
	err[0] = '\0';
	return (hs_conf_parse(text, strlen(text), "t.conf", &conf, err,
	    sizeof(err)));
}

static void
test_full_config(void **state)
{
	(void)state;
	assert_int_equal(parse(
	    "# comment\n"
	    "bind 0.0.0.0 9000\n"
	    "\tworkers   4\n"
	    "database host=/tmp port=5 dbname=x user=y\n"
	    "database_connections 8\n"
	    "webroot /srv/web\n"
	    "runas hsuser\n"
	    "log_format text\n"
	    "diagnostics yes\n"
	    "access_log no\n"
	    "http_body_max 2048\n"
	    "node_name east-1\n"
	    "public_url https://air.example.id\n"
	    "job_lease 5\n"
	    "reconcile_interval 60\n"
	    "plugin sms transport /p/sms.so\n"
	    "set sms api_key secret with spaces  \n"
	    "set sms url env:SMS_URL\n"
	    "plugin pay payment /p/pay.so\n"), 0);
	assert_string_equal(conf.bind_addr, "0.0.0.0");
	assert_int_equal(conf.port, 9000);
	assert_int_equal(conf.workers, 4);
	assert_string_equal(conf.database, "host=/tmp port=5 dbname=x user=y");
	assert_int_equal(conf.db_conn_max, 8);
	assert_string_equal(conf.webroot, "/srv/web");
	assert_string_equal(conf.runas, "hsuser");
	assert_int_equal(conf.log_json, 0);
	assert_int_equal(conf.diagnostics, 1);
	assert_int_equal(conf.access_log, 0);
	assert_int_equal(conf.body_max, 2048);
	assert_string_equal(conf.node_name, "east-1");
	assert_string_equal(conf.public_url, "https://air.example.id");
	assert_int_equal(conf.job_lease, 5);
	assert_int_equal(conf.reconcile_interval, 60);
	assert_int_equal(conf.nplugins, 2);
	assert_string_equal(conf.plugins[0].name, "sms");
	assert_int_equal(conf.plugins[0].kind, HS_KIND_TRANSPORT);
	assert_string_equal(conf.plugins[0].path, "/p/sms.so");
	assert_int_equal(conf.plugins[0].line, 16);
	assert_string_equal(hs_conf_plugin_setting(&conf.plugins[0],
	    "api_key"), "secret with spaces");
	assert_string_equal(hs_conf_plugin_setting(&conf.plugins[0], "url"),
	    "env:SMS_URL");
	assert_null(hs_conf_plugin_setting(&conf.plugins[0], "nope"));
	assert_int_equal(conf.plugins[1].kind, HS_KIND_PAYMENT);
}

static void
test_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_string_equal(conf.bind_addr, "127.0.0.1");
	assert_int_equal(conf.port, 8888);
	assert_int_equal(conf.workers, 2);
	assert_int_equal(conf.log_json, 1);
	assert_int_equal(conf.diagnostics, 0);
	assert_int_equal(conf.nplugins, 0);
	assert_string_equal(conf.public_url, "");
	assert_int_equal(conf.job_lease, 60);
	assert_int_equal(conf.reconcile_interval, 300);
}

struct bad_case {
	const char	*text;
	const char	*message;
};

static void
test_errors_name_file_and_line(void **state)
{
	static const struct bad_case cases[] = {
		{ "workers 2\nbnid 1.2.3.4 80\n",
		    "t.conf:2: unknown directive 'bnid'" },
		{ "bind 127.0.0.1 http\n",
		    "t.conf:1: bind port must be a number from 1 to 65535, "
		    "not 'http'" },
		{ "bind 127.0.0.1 70000\n",
		    "t.conf:1: bind port must be a number from 1 to 65535" },
		{ "bind 127.0.0.1\n", "t.conf:1: bind needs 2 arguments" },
		{ "workers 0\n", "t.conf:1: workers must be a number from 1" },
		{ "workers\n", "t.conf:1: workers needs 1 argument" },
		{ "log_format xml\n",
		    "t.conf:1: log_format must be json or text, not 'xml'" },
		{ "diagnostics maybe\n",
		    "t.conf:1: diagnostics must be yes or no, not 'maybe'" },
		{ "plugin a payment /a.so\nplugin a hsm /b.so\n",
		    "t.conf:2: duplicate plugin name 'a' (first on line 1)" },
		{ "plugin a printer /a.so\n",
		    "t.conf:1: plugin kind must be payment, transport or hsm, "
		    "not 'printer'" },
		{ "plugin Bad payment /a.so\n",
		    "t.conf:1: plugin name 'Bad' must be lower case" },
		{ "set ghost key value\n",
		    "t.conf:1: set for unknown plugin 'ghost'" },
		{ "plugin a hsm /a.so\nset a k 1\nset a k 2\n",
		    "t.conf:3: setting 'k' of plugin 'a' is set twice" },
		{ "http_body_max 10\n",
		    "t.conf:1: http_body_max must be a number from 1024" },
		{ "public_url ftp://x.example\n",
		    "t.conf:1: public_url must be an http:// or https:// URL" },
		{ "public_url https://x.example/\n",
		    "without a trailing slash" },
		{ "job_lease 0\n",
		    "t.conf:1: job_lease must be a number from 1" },
		{ "reconcile_interval 5\n",
		    "t.conf:1: reconcile_interval must be a number from 10" },
		/* Found by fuzzing: an over-long name overran its field. */
		{ "plugin aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaa payment /x.so\n",
		    "t.conf:1: plugin name is longer than 63 characters" },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].text), -1);
		if (strstr(err, cases[i].message) == NULL)
			fail_msg("case %zu: got '%s', want '%s'", i, err,
			    cases[i].message);
	}
}

static void
test_nul_byte_refused(void **state)
{
	static const char	text[] = "workers 2\n\0bind x 1\n";

	(void)state;
	assert_int_equal(hs_conf_parse(text, sizeof(text) - 1, "t.conf",
	    &conf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.conf:2: NUL byte"));
}

static void
test_load_and_port_override(void **state)
{
	char	path[] = "/tmp/hs-conf-XXXXXX";
	FILE	*fp;
	int	 fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd != -1);
	fp = fdopen(fd, "w");
	fputs("bind 127.0.0.1 8888\n", fp);
	fclose(fp);

	unsetenv("HS_PORT");
	assert_int_equal(hs_conf_load(path, &conf, err, sizeof(err)), 0);
	assert_int_equal(conf.port, 8888);
	setenv("HS_PORT", "9123", 1);
	assert_int_equal(hs_conf_load(path, &conf, err, sizeof(err)), 0);
	assert_int_equal(conf.port, 9123);
	setenv("HS_PORT", "99999", 1);
	assert_int_equal(hs_conf_load(path, &conf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "HS_PORT must be a port number"));
	unsetenv("HS_PORT");
	unlink(path);

	assert_int_equal(hs_conf_load("/nonexistent/h.conf", &conf, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/h.conf: No such file"));
}

static void
test_kind_names(void **state)
{
	(void)state;
	assert_int_equal(hs_conf_kind_parse("payment"), HS_KIND_PAYMENT);
	assert_int_equal(hs_conf_kind_parse("transport"), HS_KIND_TRANSPORT);
	assert_int_equal(hs_conf_kind_parse("hsm"), HS_KIND_HSM);
	assert_int_equal(hs_conf_kind_parse("HSM"), 0);
	assert_string_equal(hs_conf_kind_name(HS_KIND_HSM), "hsm");
	assert_null(hs_conf_kind_name(99));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_nul_byte_refused),
		cmocka_unit_test(test_load_and_port_override),
		cmocka_unit_test(test_kind_names),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
