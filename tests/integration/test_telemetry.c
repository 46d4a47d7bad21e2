/*
 * Telemetry a customer cannot fake.  The virtual meter (the real meter
 * core behind TCP) holds K; the server derives the same K from its
 * meter_key_master.  The customer's "phone" here asks the server for a
 * grant, opens a session with the grant key Kg (it never holds K), reads
 * STATUS, INFO, one LOG page and the TELEMETRY tag, and uploads them:
 * the server checks the tag under K, stores the reading and computes the
 * state.  Changing one bit of the credit is caught; a session is
 * accepted once; a low reading below the customer's own threshold
 * queues a low-balance notice.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

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
#include "frame.h"
#include "proto.h"

#include "hs_test.h"

#define MASTER		"00112233445566778899aabbccddeeff"
#define BLE_ID		4711u
#define PASSWORD	"demo-password-2026"

static struct hs_test_server	srv;
static struct hs_test_caller	siti = { "siti@example.id", NULL, "", "" };
static pid_t			vmeter;
static int			vport, fd = -1;
static long			meter;

struct phone {
	uint8_t		ks[16], nm[8], np[8];
	uint8_t		seq;
	struct hs_frame_rx rx;
};

static void
hexout(const uint8_t *b, size_t n, char *out)
{
	size_t	i;

	for (i = 0; i < n; i++)
		snprintf(out + i * 2, 3, "%02x", b[i]);
}

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

static int
connect_meter(void)
{
	struct sockaddr_in	sa;
	int			s, i;

	for (i = 0; i < 50; i++) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)vport);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return (s);
		close(s);
		usleep(100000);
	}
	return (-1);
}

static void
send_frame(struct phone *ph, uint8_t type, const uint8_t *b, uint8_t n,
    int mac)
{
	uint8_t	pl[HS_FRAME_MAX_PAYLOAD], out[HS_FRAME_MAX], len;

	if (n > 0)
		memcpy(pl, b, n);
	if (mac) {
		hs_proto_mac(ph->ks, HS_DIR_PHONE, type, ph->seq, pl, n,
		    pl + n);
		n = (uint8_t)(n + HS_MAC_LEN);
	}
	len = hs_frame_encode(type, ph->seq, pl, n, out);
	assert_int_equal(write(fd, out, len), len);
}

static void
recv_frame(struct phone *ph, struct hs_frame *f)
{
	uint8_t	byte;

	for (;;) {
		if (hs_frame_rx_next(&ph->rx, f) == HS_FRAME_OK) {
			if (f->type == HS_MSG_ALERT)
				continue;
			return;
		}
		assert_int_equal(read(fd, &byte, 1), 1);
		hs_frame_rx_push(&ph->rx, byte);
	}
}

/* A session under the server's grant; the reading as the upload JSON. */
static void
read_meter(char *upload, size_t len, int tamper)
{
	struct hs_test_resp	r;
	struct phone		ph;
	struct hs_frame		f, got[3];
	uint8_t			body[13], kg[16], b[14], tag[HS_AUTH_TAG_LEN];
	char			path[96], hex[80], nm[17], np[17], t[17];
	char			frames[1024];
	size_t			off = 0;
	int			i;

	snprintf(path, sizeof(path), "/api/v1/meters/%ld/grant", meter);
	assert_int_equal(hs_test_call(srv.port, &siti, "GET", path, NULL, NULL,
	    &r), 200);
	assert_int_equal(hs_test_json_str(r.body, "body", hex, sizeof(hex)),
	    0);
	hexin(hex, body, 13);
	assert_int_equal(hs_test_json_str(r.body, "key", hex, sizeof(hex)), 0);
	hexin(hex, kg, 16);
	hs_test_resp_free(&r);

	memset(&ph, 0, sizeof(ph));
	hs_frame_rx_init(&ph.rx);
	assert_true((fd = connect_meter()) >= 0);
	for (i = 0; i < 8; i++)
		ph.np[i] = (uint8_t)(0x31 * (i + 1) + time(NULL));
	ph.seq = 1;
	send_frame(&ph, HS_MSG_HELLO, NULL, 0, 0);
	recv_frame(&ph, &f);
	assert_int_equal(f.type, HS_MSG_HELLO | HS_MSG_REPLY);
	memcpy(ph.nm, f.payload + 4, 8);
	ph.seq++;
	send_frame(&ph, HS_MSG_GRANT, body, 13, 0);
	recv_frame(&ph, &f);
	assert_int_equal(f.type, HS_MSG_GRANT | HS_MSG_REPLY);
	ph.seq++;
	memcpy(b, ph.np, 8);
	hs_proto_auth_tag(kg, HS_LABEL_AUTH_PHONE, BLE_ID, ph.nm, ph.np, b + 8);
	send_frame(&ph, HS_MSG_AUTH, b, 14, 0);
	recv_frame(&ph, &f);
	assert_int_equal(f.type, HS_MSG_AUTH | HS_MSG_REPLY);
	hs_proto_auth_tag(kg, HS_LABEL_AUTH_METER, BLE_ID, ph.np, ph.nm, tag);
	assert_memory_equal(tag, f.payload, HS_AUTH_TAG_LEN);
	hs_proto_session_key(kg, ph.nm, ph.np, ph.ks);

	/* STATUS, INFO, LOG page 0, then the tag over all three. */
	ph.seq++;
	send_frame(&ph, HS_MSG_STATUS, NULL, 0, 1);
	recv_frame(&ph, &got[0]);
	ph.seq++;
	send_frame(&ph, HS_MSG_INFO, NULL, 0, 1);
	recv_frame(&ph, &got[1]);
	ph.seq++;
	b[0] = 0;
	send_frame(&ph, HS_MSG_LOG, b, 1, 1);
	recv_frame(&ph, &got[2]);
	ph.seq++;
	send_frame(&ph, HS_MSG_TELEMETRY, NULL, 0, 1);
	recv_frame(&ph, &f);
	assert_int_equal(f.type, HS_MSG_TELEMETRY | HS_MSG_REPLY);
	close(fd);
	fd = -1;

	if (tamper)
		got[0].payload[3] ^= 0x10;	/* the credit's low byte */
	for (i = 0; i < 3; i++) {
		hexout(got[i].payload, (size_t)(got[i].len - HS_MAC_LEN), hex);
		off += (size_t)snprintf(frames + off, sizeof(frames) - off,
		    "%s{\"type\": %u, \"seq\": %u, \"body\": \"%s\"}",
		    i ? ", " : "", got[i].type, got[i].seq, hex);
	}
	hexout(ph.nm, 8, nm);
	hexout(ph.np, 8, np);
	hexout(f.payload + 1, 8, t);
	snprintf(upload, len, "{\"nm\": \"%s\", \"np\": \"%s\", \"count\": %u, "
	    "\"tag\": \"%s\", \"frames\": [%s]}", nm, np, f.payload[0], t,
	    frames);
}

static int
setup(void **state)
{
	char	cmd[2048], key[40], extra[256];
	uint8_t	master[16], k[16], msg[8];

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s/%s/bin/hydrosync db demo --database "
	    "'%s' >/dev/null", hs_test_top(), hs_test_build(),
	    hs_test_pgurl());
	if (system(cmd) != 0)
		return (-1);
	meter = hs_test_sql_long("SELECT id FROM meters WHERE number = "
	    "'47040000011'");
	{
		char	q[128];

		snprintf(q, sizeof(q), "UPDATE meters SET ble_id = %u WHERE "
		    "id = %ld", BLE_ID, meter);
		hs_test_sql(q);
	}

	/* K as the server derives it, programmed into the meter. */
	hexin(MASTER, master, 16);
	memcpy(msg, "HSK1", 4);
	msg[4] = 0;
	msg[5] = 0;
	msg[6] = (uint8_t)(BLE_ID >> 8);
	msg[7] = (uint8_t)BLE_ID;
	hs_cmac(master, msg, 8, k);
	hexout(k, 16, key);
	vport = hs_test_free_port();
	if ((vmeter = fork()) == 0) {
		char	p[16], id[16], now[24];

		snprintf(p, sizeof(p), "%d", vport);
		snprintf(id, sizeof(id), "%u", BLE_ID);
		snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
		snprintf(cmd, sizeof(cmd), "%s/%s/bin/virtual-meter",
		    hs_test_top(), hs_test_build());
		execl(cmd, "virtual-meter", "--port", p, "--meter-id", id,
		    "--key", key, "--credit", "5000", "--time", now,
		    (char *)NULL);
		_exit(127);
	}
	snprintf(extra, sizeof(extra), "meter_key_master %s\n", MASTER);
	if (hs_test_server_start(&srv, 2, extra) != 0 ||
	    hs_test_login(srv.port, &siti, PASSWORD) != 200)
		return (-1);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	hs_test_server_stop(&srv);
	hs_test_kill(vmeter);
	return (0);
}

static void
test_verified_reading(void **state)
{
	struct hs_test_resp	r;
	char			upload[4096], path[96];

	(void)state;
	/* Siti's own threshold: warn at 6 m3; the meter holds 5 m3. */
	snprintf(path, sizeof(path), "/api/v1/customers/%ld/"
	    "notification-settings", hs_test_sql_long("SELECT id FROM "
	    "customers WHERE number = '1001'"));
	assert_int_equal(hs_test_call(srv.port, &siti, "PUT", path, NULL,
	    "{\"low_units\": 6000}", &r), 200);
	hs_test_resp_free(&r);

	read_meter(upload, sizeof(upload), 0);
	snprintf(path, sizeof(path), "/api/v1/meters/%ld/telemetry", meter);
	assert_int_equal(hs_test_call(srv.port, &siti, "POST", path, NULL,
	    upload, &r), 201);
	assert_non_null(strstr(r.body, "\"credit\": 5000"));
	hs_test_resp_free(&r);
	/* The same session again: refused. */
	assert_int_equal(hs_test_call(srv.port, &siti, "POST", path, NULL,
	    upload, &r), 409);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM outbox WHERE "
	    "kind = 'low_balance' AND customer_id = (SELECT customer_id FROM "
	    "meters WHERE id = %ld)", meter), 2);	/* push and SMS */
	snprintf(path, sizeof(path), "/api/v1/meters/%ld/state", meter);
	assert_int_equal(hs_test_call(srv.port, &siti, "GET", path, NULL, NULL,
	    &r), 200);
	assert_non_null(strstr(r.body, "\"credit\": 5000"));
	hs_test_resp_free(&r);
}

/* A phone that raises its own balance is caught; nothing is stored. */
static void
test_tampered_reading(void **state)
{
	struct hs_test_resp	r;
	char			upload[4096], path[96];
	long			before;

	(void)state;
	before = hs_test_sql_long("SELECT count(*) FROM telemetry");
	read_meter(upload, sizeof(upload), 1);
	snprintf(path, sizeof(path), "/api/v1/meters/%ld/telemetry", meter);
	assert_int_equal(hs_test_call(srv.port, &siti, "POST", path, NULL,
	    upload, &r), 422);
	assert_non_null(strstr(r.body, "unverified"));
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM telemetry"),
	    before);
	assert_true(hs_test_file_contains(srv.log, "telemetry.rejected"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verified_reading),
		cmocka_unit_test(test_tampered_reading),
	};

	signal(SIGPIPE, SIG_IGN);
	return (cmocka_run_group_tests(tests, setup, teardown));
}
