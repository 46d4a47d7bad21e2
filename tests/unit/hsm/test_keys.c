/*
 * hydrosync keys, end to end: the real binary against a keystore and a
 * SoftHSM2 token in a private directory.  Checks the confirmation and
 * audit rules, that key bytes never reach stdout or the audit log, and
 * that the key change tokens it prints move an engine meter to the new
 * key revision.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <fcntl.h>

#include "hsm_test.h"

#define BIN		HS_TEST_BUILD "/bin/hydrosync"

static char	conf_path[160], audit_path[160], out[16384], err[16384];

static void
slurp(const char *path, char *buf, size_t len)
{
	FILE	*fp = fopen(path, "r");
	size_t	 n = 0;

	if (fp != NULL) {
		n = fread(buf, 1, len - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
}

/* Run hydrosync with argv (NULL-terminated); stdin is /dev/null. */
static int
cli(const char *first, ...)
{
	char		*argv[32], op[160], ep[160];
	va_list		 ap;
	pid_t		 pid;
	int		 n = 0, st, fd;

	argv[n++] = (char *)(uintptr_t)BIN;
	argv[n++] = (char *)(uintptr_t)"keys";
	argv[n++] = (char *)(uintptr_t)first;
	va_start(ap, first);
	while (n < 31 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	snprintf(op, sizeof(op), "%s/out", test_dir);
	snprintf(ep, sizeof(ep), "%s/err", test_dir);
	if ((pid = fork()) == 0) {
		fd = open("/dev/null", O_RDONLY);
		dup2(fd, 0);
		fd = open(op, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		fd = open(ep, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		execv(BIN, argv);
		_exit(127);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	slurp(op, out, sizeof(out));
	slurp(ep, err, sizeof(err));
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 128);
}

static void
write_file(const char *path, const char *text)
{
	FILE	*fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int
setup(void **state)
{
	char	path[160];
	FILE	*fp;

	(void)state;
	test_dir_make();
	snprintf(path, sizeof(path), "%s/tokens", test_dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/softhsm2.conf", test_dir);
	if ((fp = fopen(path, "w")) == NULL)
		return (-1);
	fprintf(fp, "directories.tokendir = %s/tokens\n"
	    "objectstore.backend = file\nlog.level = ERROR\n", test_dir);
	fclose(fp);
	setenv("SOFTHSM2_CONF", path, 1);
	setenv("HS_TEST_MASTER", MASTER_HEX, 1);
	setenv("HS_TEST_PIN", "1234", 1);
	snprintf(conf_path, sizeof(conf_path), "%s/hydrosync.conf", test_dir);
	snprintf(audit_path, sizeof(audit_path), "%s/audit.jsonl", test_dir);
	if ((fp = fopen(conf_path, "w")) == NULL)
		return (-1);
	fprintf(fp, "plugin vault hsm %s/plugins/hsm/soft.so\n"
	    "set vault keystore %s/keys.hsks\n"
	    "set vault master_key env:HS_TEST_MASTER\n"
	    "set vault sta_tables %s\n"
	    "plugin token hsm %s/plugins/hsm/pkcs11.so\n"
	    "set token module /usr/lib/softhsm/libsofthsm2.so\n"
	    "set token token_label clitest\n"
	    "set token pin env:HS_TEST_PIN\n", HS_TEST_BUILD, test_dir,
	    STA_TABLES, HS_TEST_BUILD);
	fclose(fp);
	unsetenv("HS_AUDIT_LOG");
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	test_dir_remove();
	return (0);
}

#define SOFT	"--config", conf_path, "--plugin", "vault", \
		"--audit-log", audit_path, "--actor", "tester"
#define TOKEN	"--config", conf_path, "--plugin", "token", \
		"--audit-log", audit_path, "--actor", "tester"

static void
test_soft_ceremony(void **state)
{
	char			 vkfile[160], vk2file[160], csv[160], ks[160];
	char			 audit[16384], *line, *save = NULL;
	struct hs_sts_meter	 meter;
	struct hs_sts_result	 r;
	struct hs_hsm_meter	 m = test_meter(123457, 11, 4);
	uint32_t		 tids[4];
	struct stat		 st;
	int			 lines = 0, i;

	(void)state;
	snprintf(ks, sizeof(ks), "%s/keys.hsks", test_dir);
	snprintf(vkfile, sizeof(vkfile), "%s/vk04.hex", test_dir);
	snprintf(vk2file, sizeof(vk2file), "%s/vk02.hex", test_dir);
	write_file(vkfile, VK04_HEX "\n");
	write_file(vk2file, VK02_HEX "\n");

	/* No audit log, no command. */
	assert_int_equal(cli("--config", conf_path, "list", NULL), 1);
	assert_non_null(strstr(err, "no audit log"));

	/* Destructive without a terminal or --yes: refused, nothing made. */
	assert_int_equal(cli(SOFT, "create", NULL), 1);
	assert_non_null(strstr(err, "needs confirmation"));
	assert_int_equal(stat(ks, &st), -1);
	assert_int_equal(cli(SOFT, "--yes", "create", NULL), 0);
	assert_int_equal(stat(ks, &st), 0);
	assert_int_equal(cli(SOFT, "--yes", "create", NULL), 1);
	assert_non_null(strstr(err, "refusing to overwrite"));

	assert_int_equal(cli(SOFT, "import", "--sgc", "123457", "--krn", "1",
	    "--dkga", "04", "--key-file", vkfile, NULL), 0);
	assert_int_equal(cli(SOFT, "import", "--sgc", "123456", "--krn", "1",
	    "--dkga", "02", "--key-file", vk2file, NULL), 0);
	assert_int_equal(cli(SOFT, "import", "--sgc", "123456", "--krn", "1",
	    "--dkga", "02", "--key-file", vk2file, NULL), 1);
	assert_non_null(strstr(err, "holds sgc=123456 krn=1 dkga=02 already"));
	assert_int_equal(cli(SOFT, "import", "--sgc", "123456", "--krn", "1",
	    "--dkga", "02", "--key-file", vk2file, "--replace", NULL), 1);
	assert_non_null(strstr(err, "needs confirmation"));
	assert_int_equal(cli(SOFT, "import", "--sgc", "1234567", NULL), 2);
	assert_non_null(strstr(err, "--sgc: out of range"));

	assert_int_equal(cli(SOFT, "rotate", "--sgc", "123457", "--krn", "2",
	    "--dkga", "04", NULL), 1);
	assert_int_equal(cli(SOFT, "--yes", "rotate", "--sgc", "123457",
	    "--krn", "2", "--dkga", "04", NULL), 0);

	assert_int_equal(cli(SOFT, "list", NULL), 0);
	assert_non_null(strstr(out, "sgc=123457 krn=1 dkga=04 bits=160 "
	    "origin=imported"));
	assert_non_null(strstr(out, "sgc=123457 krn=2 dkga=04 bits=160 "
	    "origin=generated"));
	assert_null(strstr(out, "abab"));
	assert_int_equal(cli(SOFT, "health", NULL), 0);

	/* Key change tokens from a CSV file, checked by the engine's meter. */
	snprintf(csv, sizeof(csv), "%s/meters.csv", test_dir);
	write_file(csv, "pan,sgc,ti,krn,kt,ea,dkga,base_date\n"
	    "600727000000000009,123457,1,1,2,11,4,1993\n");
	assert_int_equal(cli(SOFT, "kct", "--meters", csv, "--new-krn", "2",
	    NULL), 1);
	assert_string_equal(out, "");
	assert_int_equal(cli(SOFT, "--yes", "kct", "--meters", csv,
	    "--new-krn", "2", NULL), 0);
	assert_int_equal(strlen(out), 18 + 4 * 21 + 1);
	memset(&meter, 0, sizeof(meter));
	meter.key.ea = 11;
	engine_dk(&m, vk04, meter.key.dk);
	meter.kt = 2;
	meter.krn = 1;
	meter.ken = 255;
	meter.sgc = 123457;
	hs_sts_tidstore_init(&meter.tids, tids, 4);
	for (i = 0; i < 4; i++)
		hs_sts_meter_decode(&meter, out + 19 + 21 * i, 20, &r);
	assert_int_equal(r.rc, HS_STS_RC_KCT_APPLIED);
	assert_int_equal(meter.krn, 2);

	/* A bad line: its number is named and no token is printed. */
	write_file(csv, "600727000000000009,123457,1,1,2,11,4,1993\n"
	    "600727000000000008,123457,1,1,2,11,4,1993\n");
	assert_int_equal(cli(SOFT, "--yes", "kct", "--meters", csv,
	    "--new-krn", "2", NULL), 1);
	assert_non_null(strstr(err, "--meters line 2: pan"));
	assert_string_equal(out, "");

	assert_int_equal(cli(SOFT, "provision", "--pan", PAN, "--sgc",
	    "123456", "--ti", "1", "--krn", "1", "--kt", "2", "--ea", "07",
	    "--dkga", "02", "--base-date", "1993", NULL), 0);
	assert_non_null(strstr(out, "hydrosync-provision v1 pan="
	    "600727000000000009 sgc=123456"));

	/* One audit line per audited command, no key bytes in any. */
	slurp(audit_path, audit, sizeof(audit));
	assert_null(strstr(audit, "abab"));
	assert_null(strstr(audit, "ABAB"));
	for (line = strtok_r(audit, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		assert_non_null(strstr(line, "\"actor\":\"tester\""));
		assert_true(line[0] == '{' && line[strlen(line) - 1] == '}');
		lines++;
	}
	/* create x2, import x3, rotate, list, health, kct x2, provision. */
	assert_int_equal(lines, 12);
}

static void
test_token_ceremony(void **state)
{
	char	sofile[160], vkfile[160];

	(void)state;
	snprintf(sofile, sizeof(sofile), "%s/so.pin", test_dir);
	snprintf(vkfile, sizeof(vkfile), "%s/vk04.hex", test_dir);
	write_file(sofile, "87654321\n");
	write_file(vkfile, VK04_HEX "\n");
	assert_int_equal(cli(TOKEN, "--yes", "create", "--so-pin-file", sofile,
	    NULL), 0);
	assert_int_equal(cli(TOKEN, "import", "--sgc", "123457", "--krn", "1",
	    "--dkga", "04", "--key-file", vkfile, NULL), 0);
	assert_int_equal(cli(TOKEN, "generate", "--sgc", "123457", "--krn",
	    "3", "--dkga", "04", NULL), 0);
	assert_int_equal(cli(TOKEN, "generate", "--sgc", "123456", "--krn",
	    "1", "--dkga", "02", NULL), 1);
	assert_non_null(strstr(err, "DKGA02 keys are not supported"));
	assert_int_equal(cli(TOKEN, "list", NULL), 0);
	assert_non_null(strstr(out, "sgc=123457 krn=1 dkga=04"));
	assert_non_null(strstr(out, "sgc=123457 krn=3 dkga=04"));
	assert_null(strstr(out, "abab"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_soft_ceremony),
		cmocka_unit_test(test_token_ceremony),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
