/*
 * The `hydrosync token` command line, run as a separate process: vector
 * tokens, decode JSON, key change output, and that bad options exit
 * non-zero naming the option.
 *
 * The binary is $HS_BIN/hydrosync (HS_BIN a directory) or $HS_BIN (a
 * file); by default it is found next to this test's build tree:
 * <build>/tests/unit/sts/test_cli -> <build>/bin/hydrosync.
 */
#include <sys/stat.h>
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

#include "vectors.h"

static char	bin[4096];
static char	tables[64];

struct run {
	int	status;		/* exit status, or -1 */
	char	out[8192];
	char	err[4096];
};

static void
slurp(int fd, char *buf, size_t size)
{
	size_t	n = 0;
	ssize_t	r;

	while (n + 1 < size && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(fd);
}

/* Run hydrosync with a NULL-terminated argument list. */
static void
run(struct run *r, ...)
{
	const char	*arg;
	char		*argv[64];
	va_list		 ap;
	int		 po[2], pe[2], st, n = 0;
	pid_t		 pid;

	argv[n++] = bin;
	va_start(ap, r);
	/* execv() takes char *const[]; the strings are never written. */
	while ((arg = va_arg(ap, const char *)) != NULL && n < 62)
		argv[n++] = (char *)(uintptr_t)arg;
	va_end(ap);
	argv[n] = NULL;
	assert_int_equal(pipe(po), 0);
	assert_int_equal(pipe(pe), 0);
	if ((pid = fork()) == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		execv(bin, argv);
		_exit(127);
	}
	assert_true(pid > 0);
	close(po[1]);
	close(pe[1]);
	slurp(po[0], r->out, sizeof(r->out));
	slurp(pe[0], r->err, sizeof(r->err));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
setup(void **state)
{
	const char	*env = getenv("HS_BIN");
	struct stat	 sb;
	char		 self[2048], *slash;
	ssize_t		 n;
	FILE		*f;
	int		 fd;

	(void)state;
	if (env != NULL && *env != '\0') {
		if (stat(env, &sb) == 0 && S_ISDIR(sb.st_mode))
			snprintf(bin, sizeof(bin), "%s/hydrosync", env);
		else
			snprintf(bin, sizeof(bin), "%s", env);
	} else {
		if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <
		    0)
			return (-1);
		self[n] = '\0';
		/* strip test_cli, sts, unit, tests */
		for (int i = 0; i < 4; i++) {
			if ((slash = strrchr(self, '/')) == NULL)
				return (-1);
			*slash = '\0';
		}
		snprintf(bin, sizeof(bin), "%s/bin/hydrosync", self);
	}
	if (access(bin, X_OK) != 0) {
		fprintf(stderr, "test_cli: no executable %s\n", bin);
		return (-1);
	}
	snprintf(tables, sizeof(tables), "/tmp/hs-sta-test-XXXXXX");
	if ((fd = mkstemp(tables)) < 0 || (f = fdopen(fd, "w")) == NULL)
		return (-1);
	fputs(iec_table_text, f);
	fclose(f);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	unlink(tables);
	return (0);
}

#define DKGA04_KEY "--ea", "11", "--dkga", "04", "--vending-key", \
	"abababababababab949494949494949401234567", "--sgc", "123457", \
	"--ti", "01", "--krn", "1", "--kt", "2", "--base-date", "1993", \
	"--pan", "600727000000000009"

static void
encode_vectors(void **state)
{
	struct run		r;
	struct hs_sts_utc	t;
	char			when[32];

	(void)state;
	run(&r, "token", "encode", DKGA04_KEY, "--class", "0", "--subclass",
	    "0", "--amount", "0.1", "--time", "2004-03-01T13:00:00Z", "--rnd",
	    "5", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, CTSA01_04_TOKEN "\n");
	/* IEC sample: TID 0x19EB23, RND 11, amount code 0x0100 = 25.6. */
	assert_int_equal(hs_sts_tid_to_utc(1993, 0x19EB23, &t), HS_STS_OK);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:00Z", t.year,
	    t.month, t.day, t.hour, t.minute);
	run(&r, "token", "encode", "--ea", "07", "--sta-tables", tables,
	    "--decoder-key", "0ABC12DEF3456789", "--base-date", "1993",
	    "--class", "0", "--subclass", "0", "--amount", "25.6", "--time",
	    when, "--rnd", "11", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, IEC_TOKEN "\n");
	/* Amounts round up: 25.55 kWh is 25.6. */
	run(&r, "token", "encode", "--ea", "07", "--sta-tables", tables,
	    "--decoder-key", "0abc12def3456789", "--base-date", "1993",
	    "--class", "0", "--subclass", "0", "--amount", "25.55", "--time",
	    when, "--rnd", "11", (char *)NULL);
	assert_string_equal(r.out, IEC_TOKEN "\n");
}

static void
decode_json(void **state)
{
	struct run	r;

	(void)state;
	run(&r, "token", "decode", DKGA04_KEY, CTSA01_04_TOKEN, (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "{\"class\":0,\"subclass\":0,"
	    "\"tid\":5871660,\"time\":\"2004-03-01T13:00:00Z\","
	    "\"amount\":{\"value\":\"0.1\",\"unit\":\"kWh\"},"
	    "\"crc_ok\":true,\"result\":\"accepted\"}\n");
	/* Wrong key (KRN 2): CRC fails, exit 1. */
	run(&r, "token", "decode", "--ea", "11", "--dkga", "04",
	    "--vending-key", "abababababababab949494949494949401234567",
	    "--sgc", "123457", "--ti", "01", "--krn", "2", "--kt", "2",
	    "--base-date", "1993", "--pan", "600727000000000009",
	    CTSA01_04_TOKEN, (char *)NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "\"crc_ok\":false"));
	assert_non_null(strstr(r.out, "\"result\":\"crc\""));
	/* Key expired against --ken. */
	run(&r, "token", "decode", DKGA04_KEY, "--ken", "0", CTSA01_04_TOKEN,
	    (char *)NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "\"result\":\"key_expired\""));
	/* DDTK. */
	run(&r, "token", "decode", "--ea", "11", "--decoder-key",
	    "f94b6ed353c3bfdb113e2d3a7ea3c41d", "--kt", "1", CTSA01_04_TOKEN,
	    (char *)NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "\"result\":\"ddtk\""));
}

/* DKGA02 + STA, class 2, and class 1 through encode and decode. */
static void
roundtrips(void **state)
{
	struct run	r;
	char		tok[32];

	(void)state;
	run(&r, "token", "encode", "--ea", "07", "--sta-tables", tables,
	    "--dkga", "02", "--vending-key", "abababababababab", "--sgc",
	    "123456", "--ti", "01", "--krn", "1", "--kt", "2", "--base-date",
	    "2014", "--pan", "600727000000000009", "--class", "2",
	    "--subclass", "0", "--value", "1000", "--time",
	    "2024-12-01T08:30:00Z", "--rnd", "3", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(strlen(r.out), 21);
	memcpy(tok, r.out, 20);
	tok[20] = '\0';
	run(&r, "token", "decode", "--ea", "07", "--sta-tables", tables,
	    "--decoder-key", "E653341F9D5BF36F", "--base-date", "2014", tok,
	    (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"class\":2,\"subclass\":0,"));
	assert_non_null(strstr(r.out, "\"time\":\"2024-12-01T08:30:00Z\""));
	assert_non_null(strstr(r.out,
	    "\"amount\":{\"value\":\"1000\",\"unit\":\"W\"}"));
	assert_non_null(strstr(r.out, "\"result\":\"accepted\""));

	run(&r, "token", "encode", "--class", "1", "--subclass", "0",
	    "--control", "68719476735", "--mfr-code", "99", (char *)NULL);
	assert_int_equal(r.status, 0);
	memcpy(tok, r.out, 20);
	run(&r, "token", "decode", tok, (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"class\":1,"));
	assert_non_null(strstr(r.out, "\"control\":68719476735,"));
	assert_non_null(strstr(r.out, "\"result\":\"test\""));
}

static void
kct(void **state)
{
	struct run	r;
	char		tok[32];

	(void)state;
	run(&r, "token", "kct", "--ea", "11", "--decoder-key",
	    "f94b6ed353c3bfdb113e2d3a7ea3c41d", "--new-decoder-key",
	    "00112233445566778899aabbccddeeff", "--sgc", "123457",
	    "--rollover", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(strlen(r.out), 4 * 21);
	memcpy(tok, r.out, 20);
	tok[20] = '\0';
	run(&r, "token", "decode", "--ea", "11", "--decoder-key",
	    "f94b6ed353c3bfdb113e2d3a7ea3c41d", tok, (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"kct_section\":1,"));
	assert_non_null(strstr(r.out, "\"result\":\"kct_pending\""));
	run(&r, "token", "kct", "--ea", "07", "--sta-tables", tables,
	    "--decoder-key", "0ABC12DEF3456789", "--new-decoder-key",
	    "1122334455667788", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(strlen(r.out), 2 * 21);
}

/* Each bad invocation exits non-zero and its message names the option. */
static void
bad_options(void **state)
{
	static const struct {
		const char	*want;
		int		 status;
		const char	*args[8];
	} cases[] = {
		{ "--ea", 2, { "--ea", "09" } },
		{ "--frobnicate", 2, { "--frobnicate", "1" } },
		{ "--amount", 2, { "--amount", "ten" } },
		{ "--time", 2, { "--time", "2024-02-30T00:00:00Z" } },
		{ "--time", 2, { "--time", "2024-01-01 00:00:00" } },
		{ "--pan", 2, { "--pan", "600727000000000008" } },
		{ "--pan", 2, { "--pan", "60072700000000000" } },
		{ "--rnd", 2, { "--rnd", "16" } },
		{ "--rnd", 2, { "--rnd", "1", "--rnd", "2" } },
		{ "--sgc", 2, { "--sgc", "12345" } },
		{ "--base-date", 2, { "--base-date", "2000" } },
		{ "--vending-key", 2, { "--vending-key", "xyz" } },
		{ "--subclass", 2, { "--subclass", "-1" } },
		{ "--class", 2, { "--class" } },
	};
	struct run	r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *a = cases[i].args;

		run(&r, "token", "encode", a[0], a[1], a[2], a[3],
		    (char *)NULL);
		if (r.status != cases[i].status || strstr(r.err,
		    cases[i].want) == NULL)
			fail_msg("case %zu: status %d, stderr '%s'", i,
			    r.status, r.err);
	}
	/* EA07 without tables: a clear message. */
	run(&r, "token", "encode", "--ea", "07", "--decoder-key",
	    "0ABC12DEF3456789", "--base-date", "1993", "--class", "0",
	    "--subclass", "0", "--amount", "1", "--time",
	    "2004-03-01T13:00:00Z", "--rnd", "5", (char *)NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "--sta-tables"));
	/* Amount too large, time past the TID rollover, missing key. */
	run(&r, "token", "encode", DKGA04_KEY, "--class", "0", "--subclass",
	    "0", "--amount", "1820162.5", "--time", "2004-03-01T13:00:00Z",
	    "--rnd", "5", (char *)NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "--amount"));
	run(&r, "token", "encode", DKGA04_KEY, "--class", "0", "--subclass",
	    "0", "--amount", "1", "--time", "2024-11-24T20:16:00Z", "--rnd",
	    "5", (char *)NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "--time"));
	run(&r, "token", "encode", "--ea", "11", "--base-date", "1993",
	    "--class", "0", "--subclass", "0", "--amount", "1", "--time",
	    "2004-03-01T13:00:00Z", "--rnd", "5", (char *)NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "--vending-key"));
	/* Malformed tokens. */
	run(&r, "token", "decode", DKGA04_KEY, "5938632347213742696",
	    (char *)NULL);
	assert_int_equal(r.status, 2);
	run(&r, "token", "decode", DKGA04_KEY, "73786976294838206464",
	    (char *)NULL);
	assert_int_equal(r.status, 2);
	run(&r, "token", "bogus", (char *)NULL);
	assert_int_equal(r.status, 2);
}

static void
help(void **state)
{
	struct run	r;

	(void)state;
	run(&r, "token", "--help", (char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "--sta-tables"));
	assert_non_null(strstr(r.out, "--decoder-key"));
	assert_non_null(strstr(r.out, "--rollover"));
	assert_non_null(strstr(r.out, "--new-vending-key"));
	run(&r, "token", "encode", "--help", (char *)NULL);
	assert_int_equal(r.status, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encode_vectors),
		cmocka_unit_test(decode_json),
		cmocka_unit_test(roundtrips),
		cmocka_unit_test(kct),
		cmocka_unit_test(bad_options),
		cmocka_unit_test(help),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
