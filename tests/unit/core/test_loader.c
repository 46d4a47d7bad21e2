/*
 * The plugin loader's refusals, each with its message, and the ABI rules:
 * an older minor still loads, a different major never does.  Real shared
 * objects are loaded: the example plugins and fixtures built for this test.
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
#include "plugin/loader.h"

static struct hs_config		conf;
static struct hs_plugin_slot	slots[HS_CONF_PLUGINS_MAX];
static char			err[2048];
static char			build[1024];

static const char *
path_of(const char *rel)
{
	static char	buf[4][1200];
	static int	n;

	n = (n + 1) % 4;
	snprintf(buf[n], sizeof(buf[n]), "%s/%s", build, rel);
	return (buf[n]);
}

static int	load_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
load_text(const char *fmt, ...)
{
	char		text[4096];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (hs_conf_parse(text, strlen(text), "t.conf", &conf, err,
	    sizeof(err)) == -1)
		fail_msg("config did not parse: %s", err);
	err[0] = '\0';
	return (hs_plugin_open_all(&conf, HS_ABI_VERSION, slots, err,
	    sizeof(err)));
}

static void
expect_refusal(const char *needle)
{
	if (strstr(err, needle) == NULL)
		fail_msg("message '%s' lacks '%s'", err, needle);
}

static void
test_examples_load(void **state)
{
	(void)state;
	assert_int_equal(load_text(
	    "plugin pay payment %s\nset pay token 0123456789abcdef\n"
	    "set pay pay_url http://x/pay\n"
	    "plugin tr transport %s\nset tr url http://127.0.0.1:1/\n"
	    "plugin hsm hsm %s\nset hsm label demo\n",
	    path_of("plugins/payment/example.so"),
	    path_of("plugins/transport/example.so"),
	    path_of("plugins/hsm/example.so")), 0);
	assert_string_equal(slots[0].desc->name, "example-payment");
	assert_non_null(hs_plugin_payment(&slots[0]));
	assert_null(hs_plugin_transport(&slots[0]));
	assert_non_null(hs_plugin_transport(&slots[1]));
	assert_non_null(hs_plugin_hsm(&slots[2]));
}

static void
test_missing_file(void **state)
{
	(void)state;
	assert_int_equal(load_text("plugin gone payment /nonexistent/x.so\n"),
	    -1);
	expect_refusal("plugin 'gone' (/nonexistent/x.so): cannot read the "
	    "file: No such file or directory");
}

static void
test_missing_entry_symbol(void **state)
{
	(void)state;
	assert_int_equal(load_text("plugin ne payment %s\n",
	    path_of("tests/fixtures/no_entry.so")), -1);
	expect_refusal("no_entry.so): no entry symbol 'hs_plugin_entry': "
	    "not a HydroSync plugin");
}

static void
test_plugin_declines_host(void **state)
{
	(void)state;
	assert_int_equal(load_text("plugin d payment %s\n",
	    path_of("tests/fixtures/declines.so")), -1);
	expect_refusal("declines.so): the plugin declined host ABI 1.");
}

static void
test_abi_major_mismatch(void **state)
{
	(void)state;
	assert_int_equal(load_text("plugin f transport %s\n",
	    path_of("tests/fixtures/abi2.so")), -1);
	expect_refusal("abi2.so): built for ABI 2.0, this host speaks 1.");
	expect_refusal("major versions differ");
}

static void
test_wrong_kind(void **state)
{
	(void)state;
	assert_int_equal(load_text("plugin t payment %s\n",
	    path_of("plugins/transport/example.so")), -1);
	expect_refusal("plugin 't' (");
	expect_refusal("wrong kind: the file is a transport plugin but is "
	    "configured as payment");
}

static void
test_missing_operation(void **state)
{
	(void)state;
	assert_int_equal(load_text("plugin f transport %s\n",
	    path_of("tests/fixtures/no_send.so")), -1);
	expect_refusal("no_send.so): the transport operations table lacks "
	    "'send'");
}

static void
test_missing_required_setting(void **state)
{
	(void)state;
	assert_int_equal(load_text("plugin pay payment %s\n"
	    "set pay pay_url http://x/\n",
	    path_of("plugins/payment/example.so")), -1);
	expect_refusal("plugin 'pay' (");
	expect_refusal("missing required setting 'token'");
	expect_refusal("add: set pay token <value>");
}

static void
test_duplicate_name(void **state)
{
	(void)state;
	/* The parser refuses it first, naming both lines ... */
	assert_int_equal(hs_conf_parse("plugin a hsm /x.so\nplugin a hsm "
	    "/y.so\n", 36, "t.conf", &conf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "duplicate plugin name 'a'"));

	/* ... and the loader refuses a configuration built another way. */
	assert_int_equal(load_text("plugin h1 hsm %s\nset h1 label x\n"
	    "plugin h2 hsm %s\nset h2 label y\n",
	    path_of("plugins/hsm/example.so"),
	    path_of("plugins/hsm/example.so")), 0);
	memcpy(conf.plugins[1].name, "h1", 3);
	err[0] = '\0';
	assert_int_equal(hs_plugin_open_all(&conf, HS_ABI_VERSION, slots, err,
	    sizeof(err)), -1);
	expect_refusal("duplicate name: 'h1' is already loaded from");
}

/*
 * A plugin built against an older minor (smaller ops table) loads into a
 * newer host; the host sees the missing trailing operation as absent.
 */
static void
test_older_minor_loads(void **state)
{
	const struct hs_transport_ops	*ops;
	char				 text[2048];

	(void)state;
	snprintf(text, sizeof(text), "plugin old transport %s\n",
	    path_of("tests/fixtures/old_minor.so"));
	assert_int_equal(hs_conf_parse(text, strlen(text), "t.conf", &conf,
	    err, sizeof(err)), 0);
	/* A host three minors newer than the plugin. */
	assert_int_equal(hs_plugin_open_all(&conf,
	    (HS_ABI_MAJOR << 16) | (HS_ABI_MINOR + 3), slots, err,
	    sizeof(err)), 0);
	ops = hs_plugin_transport(&slots[0]);
	assert_non_null(ops);
	assert_true(HS_HAS(ops, struct hs_transport_ops, send));
	assert_false(HS_HAS(ops, struct hs_transport_ops, verify_status));
}

/* A fake host for init: settings come from the slot, allocation from libc. */
static char	logged[512];

static void	fake_log(void *hctx, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
fake_log(void *hctx, int level, const char *fmt, ...)
{
	va_list	ap;

	(void)hctx;
	(void)level;
	va_start(ap, fmt);
	vsnprintf(logged, sizeof(logged), fmt, ap);
	va_end(ap);
}

static const char *
fake_setting(void *hctx, const char *key)
{
	return (hs_plugin_setting(hctx, key));
}

static void *
fake_alloc(void *hctx, size_t n)
{
	(void)hctx;
	return (calloc(1, n));
}

static void
fake_free(void *hctx, void *p)
{
	(void)hctx;
	free(p);
}

static void
fake_host(struct hs_host *h)
{
	memset(h, 0, sizeof(*h));
	h->log = fake_log;
	h->setting = fake_setting;
	h->alloc = fake_alloc;
	h->free = fake_free;
}

static void
test_init_reports_plugin_failure(void **state)
{
	struct hs_host	host;

	(void)state;
	fake_host(&host);
	assert_int_equal(load_text("plugin tr transport %s\n"
	    "set tr url ftp://nope\n",
	    path_of("plugins/transport/example.so")), 0);
	assert_int_equal(hs_plugin_init(&slots[0], &host, err, sizeof(err)),
	    -1);
	expect_refusal("plugin 'tr' (");
	expect_refusal("init failed");
	assert_non_null(strstr(logged, "url must start with http://"));
	assert_false(slots[0].ready);

	assert_int_equal(load_text("plugin tr transport %s\n"
	    "set tr url http://127.0.0.1:9/x\n",
	    path_of("plugins/transport/example.so")), 0);
	assert_int_equal(hs_plugin_init(&slots[0], &host, err, sizeof(err)),
	    0);
	assert_true(slots[0].ready);
	assert_ptr_equal(slots[0].host.hctx, &slots[0]);
	hs_plugin_fini(&slots[0]);
}

static void
test_secret_indirection(void **state)
{
	char	path[] = "/tmp/hs-secret-XXXXXX";
	FILE	*fp;
	int	 fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd != -1);
	fp = fdopen(fd, "w");
	fputs("s3cret-from-file\n", fp);
	fclose(fp);
	setenv("HS_TEST_TOKEN", "s3cret-from-env", 1);
	assert_int_equal(load_text("plugin pay payment %s\n"
	    "set pay token env:HS_TEST_TOKEN\nset pay pay_url file:%s\n"
	    "set pay status_url plain\n",
	    path_of("plugins/payment/example.so"), path), 0);
	assert_string_equal(hs_plugin_setting(&slots[0], "token"),
	    "s3cret-from-env");
	assert_string_equal(hs_plugin_setting(&slots[0], "pay_url"),
	    "s3cret-from-file");
	assert_string_equal(hs_plugin_setting(&slots[0], "status_url"),
	    "plain");
	assert_null(hs_plugin_setting(&slots[0], "absent"));
	unlink(path);
	unsetenv("HS_TEST_TOKEN");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples_load),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_missing_entry_symbol),
		cmocka_unit_test(test_plugin_declines_host),
		cmocka_unit_test(test_abi_major_mismatch),
		cmocka_unit_test(test_wrong_kind),
		cmocka_unit_test(test_missing_operation),
		cmocka_unit_test(test_missing_required_setting),
		cmocka_unit_test(test_duplicate_name),
		cmocka_unit_test(test_older_minor_loads),
		cmocka_unit_test(test_init_reports_plugin_failure),
		cmocka_unit_test(test_secret_indirection),
	};
	const char	*top, *b;

	top = getenv("HS_TOP") ? getenv("HS_TOP") : ".";
	b = getenv("HS_BUILD") ? getenv("HS_BUILD") : "build";
	snprintf(build, sizeof(build), "%s/%s", top, b);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
