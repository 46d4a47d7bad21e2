/*
 * A token through a building BLE gateway, end to end: a customer pays
 * with the sandbox provider; the core vends; the token notice for a
 * meter marked ble_gateway is queued on the "ble" channel; the outbox
 * dispatcher hands it to the ble-gateway transport (blegw.so), which runs
 * the meter protocol through hs-ble-bridge to the virtual meter (the real
 * meter core behind TCP); the meter takes the token, and the plugin's
 * reading of it comes back as a "meter.telemetry" job that the core
 * verifies under K and records.
 *
 * The vending key is imported (not generated) so that the test can give
 * the virtual meter the decoder key the HSM's tokens are made for.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "cmac.h"
#include "sts/sts.h"

#include "hs_test.h"
#include "hs_test_vend.h"

#define MASTER		"00112233445566778899aabbccddeeff"
#define VENDING_KEY	"000102030405060708090a0b0c0d0e0f10111213"
#define BLE_ID		0x0a0b0c0du
#define BLE_HEX		"0a0b0c0d"
#define CREDIT		1000		/* litres in the meter at the start */

static struct hs_test_server	srv;
static struct hs_test_caller	admin = { "admin@tirta.demo", NULL, "", "" };
static struct hs_test_caller	siti = { "siti@example.id", NULL, "", "" };
static char			dir[512];
static pid_t			fakepay = -1, vmeter = -1, bridge = -1;
static int			fp_port, vm_port, br_port;
static long			meter, other;

static void
hexin(const char *s, uint8_t *b, size_t n)
{
	size_t		i;
	unsigned int	v;

	for (i = 0; i < n; i++) {
		sscanf(s + i * 2, "%2x", &v);
		b[i] = (uint8_t)v;
	}
}

static void
hexout(const uint8_t *b, size_t n, char *out)
{
	size_t	i;

	for (i = 0; i < n; i++)
		snprintf(out + i * 2, 3, "%02x", b[i]);
}

static pid_t
spawn(const char *log, char *const argv[])
{
	pid_t	pid;

	if ((pid = fork()) != 0)
		return (pid);
	if (freopen(log, "a", stdout) == NULL || dup2(1, 2) == -1)
		_exit(126);
	execv(argv[0], argv);
	_exit(127);
}

/* The demo meter's decoder key under the imported vending key. */
static int
decoder_key(char out[33])
{
	struct hs_sts_dkga		*ctx;
	struct hs_sts_dkga_input	 in;
	uint8_t				 vk[20], dk[16];
	size_t				 dklen = 0;
	int				 rc;

	memset(&in, 0, sizeof(in));
	memcpy(in.pan, "600727470400000117", 18);
	in.sgc = 123457;
	in.ti = (uint8_t)hs_test_sql_longf("SELECT tariff_index FROM meters "
	    "WHERE id = %ld", meter);
	in.krn = 1;
	in.kt = 2;
	in.base = 2014;
	in.ea = HS_STS_EA11;
	hexin(VENDING_KEY, vk, sizeof(vk));
	if ((ctx = hs_sts_dkga_new()) == NULL)
		return (-1);
	rc = hs_sts_dkga04(ctx, vk, &in, dk, &dklen);
	hs_sts_dkga_free(ctx);
	if (rc != HS_STS_OK || dklen != 16)
		return (-1);
	hexout(dk, 16, out);
	return (0);
}

static int
start_meter(void)
{
	char	bin[512], log[600], port[16], id[16], key[33], dk[33];
	char	now[24], ti[8], cmd[1024];
	uint8_t	master[16], k[16], msg[8];
	char	*argv[32];
	int	i = 0;

	hexin(MASTER, master, 16);
	memcpy(msg, "HSK1", 4);
	msg[4] = (uint8_t)(BLE_ID >> 24);
	msg[5] = (uint8_t)(BLE_ID >> 16);
	msg[6] = (uint8_t)(BLE_ID >> 8);
	msg[7] = (uint8_t)BLE_ID;
	hs_cmac(master, msg, 8, k);
	hexout(k, 16, key);
	if (decoder_key(dk) == -1)
		return (-1);
	snprintf(bin, sizeof(bin), "%s/%s/bin/virtual-meter", hs_test_top(),
	    hs_test_build());
	snprintf(log, sizeof(log), "%s/meter.log", dir);
	vm_port = hs_test_free_port();
	snprintf(port, sizeof(port), "%d", vm_port);
	snprintf(id, sizeof(id), "%u", BLE_ID);
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	snprintf(ti, sizeof(ti), "%ld", hs_test_sql_longf("SELECT tariff_index "
	    "FROM meters WHERE id = %ld", meter));
	argv[i++] = bin;
	argv[i++] = "--port";
	argv[i++] = port;
	argv[i++] = "--meter-id";
	argv[i++] = id;
	argv[i++] = "--key";
	argv[i++] = key;
	argv[i++] = "--ea";
	argv[i++] = "11";
	argv[i++] = "--dk";
	argv[i++] = dk;
	argv[i++] = "--sgc";
	argv[i++] = "123457";
	argv[i++] = "--ti";
	argv[i++] = ti;
	argv[i++] = "--krn";
	argv[i++] = "1";
	argv[i++] = "--kt";
	argv[i++] = "2";
	argv[i++] = "--credit";
	argv[i++] = "1000";
	argv[i++] = "--time";
	argv[i++] = now;
	argv[i] = NULL;
	vmeter = spawn(log, argv);

	snprintf(bin, sizeof(bin), "%s/%s/bin/hs-ble-bridge", hs_test_top(),
	    hs_test_build());
	snprintf(log, sizeof(log), "%s/bridge.log", dir);
	br_port = hs_test_free_port();
	snprintf(port, sizeof(port), "%d", br_port);
	snprintf(cmd, sizeof(cmd), BLE_HEX "=127.0.0.1:%d", vm_port);
	i = 0;
	argv[i++] = bin;
	argv[i++] = "--port";
	argv[i++] = port;
	argv[i++] = "--meter";
	argv[i++] = cmd;
	argv[i++] = "--announce-seconds";
	argv[i++] = "3600";
	argv[i] = NULL;
	bridge = spawn(log, argv);
	return (0);
}

static int
setup(void **state)
{
	char	extra[8192], cmd[4096];
	size_t	n;

	(void)state;
	if (hs_test_vend_prepare("gateway", dir, sizeof(dir)) == -1)
		return (-1);
	/* A vending key the test knows, replacing the generated one. */
	snprintf(cmd, sizeof(cmd), "echo " VENDING_KEY " | %s/%s/bin/hydrosync "
	    "keys --config %s/keys.conf --actor tester --yes import --sgc "
	    "123457 --krn 1 --dkga 04 --key-file - --replace >/dev/null && "
	    "{ [ \"$(id -u)\" != 0 ] || chown -R hydrosync '%s'; }",
	    hs_test_top(), hs_test_build(), dir, dir);
	if (system(cmd) != 0)
		return (-1);
	meter = hs_test_sql_long("SELECT id FROM meters WHERE number = "
	    "'47040000011'");
	other = hs_test_sql_long("SELECT id FROM meters WHERE number = "
	    "'47040000029'");
	if (start_meter() == -1 || (fakepay = hs_test_fakepay(&fp_port)) <= 0)
		return (-1);
	n = (size_t)snprintf(extra, sizeof(extra), "meter_key_master %s\n"
	    "plugin ble transport %s/%s/plugins/transport/blegw.so\n"
	    "set ble url ws://127.0.0.1:%d/\n"
	    "set ble meter_key_master %s\n", MASTER, hs_test_top(),
	    hs_test_build(), br_port, MASTER);
	hs_test_vend_conf(extra + n, sizeof(extra) - n, dir, fp_port);
	if (hs_test_server_start(&srv, 2, extra) != 0) {
		fprintf(stderr, "server did not start; see %s\n", srv.log);
		return (-1);
	}
	if (hs_test_login(srv.port, &admin, HS_TEST_PASSWORD) != 200 ||
	    hs_test_login(srv.port, &siti, HS_TEST_PASSWORD) != 200)
		return (-1);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	hs_test_server_stop(&srv);
	hs_test_kill(fakepay);
	hs_test_kill(bridge);
	hs_test_kill(vmeter);
	return (0);
}

/* Poll a count query until it reaches want (up to seconds). */
static long
wait_count(const char *sql, long want, int seconds)
{
	long	got = -1;
	int	i;

	for (i = 0; i < seconds * 10; i++) {
		if ((got = hs_test_sql_long(sql)) >= want)
			break;
		usleep(100000);
	}
	return (got);
}

/* Staff register the meter's BLE id and its gateway; bad values refused. */
static void
test_register(void **state)
{
	struct hs_test_resp	r;
	char			path[96];

	(void)state;
	snprintf(path, sizeof(path), "/api/v1/meters/%ld", meter);
	assert_int_equal(hs_test_call(srv.port, &admin, "PATCH", path, NULL,
	    "{\"ble_gateway\": true}", &r), 422);	/* no BLE id yet */
	assert_non_null(strstr(r.body, "ble_gateway"));
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(srv.port, &admin, "PATCH", path, NULL,
	    "{\"ble_id\": \"0a0b0c0g\"}", &r), 422);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(srv.port, &admin, "PATCH", path, NULL,
	    "{\"ble_id\": \"" BLE_HEX "\", \"ble_gateway\": true}", &r), 200);
	assert_non_null(strstr(r.body, "\"ble_id\": \"" BLE_HEX "\""));
	assert_non_null(strstr(r.body, "\"ble_gateway\": true"));
	hs_test_resp_free(&r);
	/* One BLE id, one meter. */
	snprintf(path, sizeof(path), "/api/v1/meters/%ld", other);
	assert_int_equal(hs_test_call(srv.port, &admin, "PATCH", path, NULL,
	    "{\"ble_id\": \"0A0B0C0D\"}", &r), 422);
	assert_non_null(strstr(r.body, "another meter"));
	hs_test_resp_free(&r);
	/* A customer cannot change it. */
	snprintf(path, sizeof(path), "/api/v1/meters/%ld", meter);
	assert_int_not_equal(hs_test_call(srv.port, &siti, "PATCH", path, NULL,
	    "{\"ble_gateway\": false}", &r), 200);
	hs_test_resp_free(&r);
}

static void
test_token_through_gateway(void **state)
{
	struct hs_test_purchase	p;
	char			q[512];
	long			units, credit;

	(void)state;
	assert_int_equal(hs_test_buy(srv.port, &siti, meter, 10000, "sandbox",
	    "gw-1", &p, NULL), 201);
	assert_int_equal(hs_test_notify(srv.port, "evt-gw-1", &p, "paid",
	    p.total, (long)time(NULL), HS_TEST_SANDBOX_KEY), 200);
	if (hs_test_wait_state(p.id, "vended", 30) == -1)
		fail_msg("purchase %ld was never vended", p.id);
	units = hs_test_sql_longf("SELECT units FROM purchases WHERE id = %ld",
	    p.id);

	/* Queued on the ble channel for the meter, and sent once. */
	snprintf(q, sizeof(q), "SELECT count(*) FROM outbox WHERE channel = "
	    "'ble' AND recipient = '" BLE_HEX "' AND idem_key = 'token:%ld:ble' "
	    "AND state = 'sent'", p.id);
	if (wait_count(q, 1, 30) != 1)
		fail_msg("the ble message was not sent; see %s", srv.log);

	/* The meter took it: the gateway's reading says so, verified. */
	snprintf(q, sizeof(q), "SELECT count(*) FROM telemetry WHERE meter_id "
	    "= %ld AND source = 'gateway' AND credit = %ld", meter,
	    CREDIT + units);
	if (wait_count(q, 1, 30) < 1) {
		credit = hs_test_sql_longf("SELECT coalesce(max(credit), -1) "
		    "FROM telemetry WHERE meter_id = %ld", meter);
		fail_msg("no verified gateway reading with %ld L (last %ld); "
		    "see %s", CREDIT + units, credit, srv.log);
	}
	/*
	 * Only readings from before the meter was registered (the bridge
	 * announces it as soon as the plugin connects) were refused.
	 */
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM jobs WHERE "
	    "kind = 'meter.telemetry' AND state = 'failed' AND last_error <> "
	    "'no meter has this BLE id'"), 0);
}

/* A forged reading handed in as the job is refused and not stored. */
static void
test_forged_reading(void **state)
{
	long	before;

	(void)state;
	before = hs_test_sql_long("SELECT count(*) FROM telemetry");
	hs_test_sql("SELECT hs_job_enqueue('meter.telemetry', '{\"ble_id\": "
	    "\"" BLE_HEX "\", \"nm\": \"0001020304050607\", \"np\": "
	    "\"0001020304050607\", \"count\": 1, \"tag\": "
	    "\"0001020304050607\", \"frames\": [{\"type\": 144, \"seq\": 1, "
	    "\"body\": \"000fffff0000000000\"}]}', 'forged-1', 'test')");
	if (wait_count("SELECT count(*) FROM jobs WHERE dedupe_key = "
	    "'forged-1' AND state = 'failed'", 1, 20) != 1)
		fail_msg("the forged reading's job did not fail for good");
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM telemetry"),
	    before);
	assert_true(hs_test_file_contains(srv.log, "telemetry.rejected"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_token_through_gateway),
		cmocka_unit_test(test_forged_reading),
	};

	signal(SIGPIPE, SIG_IGN);
	return (cmocka_run_group_tests(tests, setup, teardown));
}
