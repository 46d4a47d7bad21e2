/*
 * Live chat and push over /ws, with libwebsockets as the client, across
 * two core nodes sharing one PostgreSQL: a customer on node A and staff
 * on node B talk; typing and read receipts cross too; a client that
 * reconnects resumes from the last message it saw and loses nothing;
 * a pushed notice reaches the customer's socket; and the abuse cases
 * (no session, another customer's conversation, oversize frames, floods,
 * bad JSON, long bodies, a resent message) are refused and store nothing.
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

#include <libpq-fe.h>

#include "hs_test.h"
#include "hs_test_ws.h"

#define PASSWORD	"demo-password-2026"

static struct hs_test_server	a, b;
static struct hs_test_caller	siti = { "siti@example.id", NULL, "", "" };
static struct hs_test_caller	op = { "operator@tirta.demo", NULL, "", "" };
static long			conv;

static int
setup(void **state)
{
	char	cmd[2048], extra[1024];

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s/%s/bin/hydrosync db demo --database "
	    "'%s' >/dev/null", hs_test_top(), hs_test_build(),
	    hs_test_pgurl());
	if (system(cmd) != 0)
		return (-1);
	snprintf(extra, sizeof(extra), "node_name a\nplugin push transport "
	    "%s/%s/plugins/transport/push.so\n", hs_test_top(),
	    hs_test_build());
	if (hs_test_server_start(&a, 2, extra) != 0)
		return (-1);
	snprintf(extra, sizeof(extra), "node_name b\n");
	if (hs_test_server_start(&b, 2, extra) != 0)
		return (-1);
	if (hs_test_login(a.port, &siti, PASSWORD) != 200 ||
	    hs_test_login(b.port, &op, PASSWORD) != 200)
		return (-1);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	hs_test_server_stop(&a);
	hs_test_server_stop(&b);
	return (0);
}

static long
json_num(const char *json, const char *key)
{
	char		 pat[64];
	const char	*p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	if ((p = strstr(json, pat)) == NULL)
		fail_msg("no %s in %s", key, json);
	return (atol(p + strlen(pat)));
}

static void
say(struct hs_test_ws *w, long conversation, const char *client_id,
    const char *body)
{
	char	msg[80000];

	snprintf(msg, sizeof(msg), "{\"type\": \"send\", \"conversation\": "
	    "%ld, \"client_id\": \"%s\", \"body\": \"%s\"}", conversation,
	    client_id, body);
	assert_int_equal(hs_test_ws_send(w, msg), 0);
}

/* Customer on node A, staff on node B. */
static void
test_across_nodes(void **state)
{
	struct hs_test_ws	*cw, *sw;
	char			 got[8192], msg[256];

	(void)state;
	assert_non_null(cw = hs_test_ws_open(a.port, "/ws", siti.cookie));
	assert_non_null(sw = hs_test_ws_open(b.port, "/ws", op.cookie));
	assert_int_equal(hs_test_ws_send(cw, "{\"type\": \"open\", "
	    "\"subject\": \"Air keruh\"}"), 0);
	assert_int_equal(hs_test_ws_recv(cw, "\"of\": \"open\"", 5000, got,
	    sizeof(got)), 0);
	conv = json_num(got, "id");

	say(cw, conv, "c-1", "Air di rumah keruh sejak pagi");
	assert_int_equal(hs_test_ws_recv(cw, "\"type\": \"ack\"", 5000, got,
	    sizeof(got)), 0);
	assert_int_equal(hs_test_ws_recv(sw, "keruh sejak pagi", 5000, got,
	    sizeof(got)), 0);
	assert_non_null(strstr(got, "\"type\": \"message\""));

	say(sw, conv, "s-1", "Petugas kami segera datang");
	assert_int_equal(hs_test_ws_recv(cw, "segera datang", 5000, got,
	    sizeof(got)), 0);

	/* Typing and read receipts cross nodes as well. */
	snprintf(msg, sizeof(msg), "{\"type\": \"typing\", \"conversation\": "
	    "%ld}", conv);
	assert_int_equal(hs_test_ws_send(sw, msg), 0);
	assert_int_equal(hs_test_ws_recv(cw, "\"type\": \"typing\"", 5000,
	    NULL, 0), 0);
	snprintf(msg, sizeof(msg), "{\"type\": \"read\", \"conversation\": "
	    "%ld, \"last\": %ld}", conv, hs_test_sql_long("SELECT max(id) "
	    "FROM chat_messages"));
	assert_int_equal(hs_test_ws_send(cw, msg), 0);
	assert_int_equal(hs_test_ws_recv(sw, "\"type\": \"read\"", 5000, NULL,
	    0), 0);

	/* Staff's inbox: the conversation, with its unread count. */
	say(cw, conv, "c-2", "Terima kasih");
	assert_int_equal(hs_test_ws_recv(sw, "Terima kasih", 5000, NULL, 0),
	    0);
	assert_int_equal(hs_test_ws_send(sw, "{\"type\": \"list\"}"), 0);
	assert_int_equal(hs_test_ws_recv(sw, "\"of\": \"list\"", 5000, got,
	    sizeof(got)), 0);
	assert_non_null(strstr(got, "Air keruh"));
	assert_non_null(strstr(got, "\"unread\": 1"));
	hs_test_ws_close(cw);
	hs_test_ws_close(sw);
}

/* Offline while staff wrote: resume after the last seen id, lose nothing. */
static void
test_reconnect_without_loss(void **state)
{
	struct hs_test_ws	*cw, *sw;
	char			 got[16384], msg[256];
	long			 last;
	int			 i;

	(void)state;
	last = hs_test_sql_long("SELECT max(id) FROM chat_messages");
	assert_non_null(sw = hs_test_ws_open(b.port, "/ws", op.cookie));
	for (i = 0; i < 3; i++) {
		snprintf(msg, sizeof(msg), "s-off-%d", i);
		say(sw, conv, msg, msg);
		assert_int_equal(hs_test_ws_recv(sw, "\"type\": \"ack\"", 5000,
		    NULL, 0), 0);
	}
	assert_non_null(cw = hs_test_ws_open(a.port, "/ws", siti.cookie));
	snprintf(msg, sizeof(msg), "{\"type\": \"history\", \"conversation\": "
	    "%ld, \"after\": %ld}", conv, last);
	assert_int_equal(hs_test_ws_send(cw, msg), 0);
	assert_int_equal(hs_test_ws_recv(cw, "\"of\": \"history\"", 5000, got,
	    sizeof(got)), 0);
	for (i = 0; i < 3; i++) {
		snprintf(msg, sizeof(msg), "\"body\": \"s-off-%d\"", i);
		assert_non_null(strstr(got, msg));
	}
	hs_test_ws_close(cw);
	hs_test_ws_close(sw);
}

/* A resend with the same client id is stored once. */
static void
test_resend_stored_once(void **state)
{
	struct hs_test_ws	*cw;

	(void)state;
	assert_non_null(cw = hs_test_ws_open(a.port, "/ws", siti.cookie));
	say(cw, conv, "c-dup", "sekali saja");
	say(cw, conv, "c-dup", "sekali saja");
	assert_int_equal(hs_test_ws_recv(cw, "\"type\": \"ack\"", 5000, NULL,
	    0), 0);
	assert_int_equal(hs_test_ws_recv(cw, "\"type\": \"ack\"", 5000, NULL,
	    0), 0);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM chat_messages "
	    "WHERE client_id = 'c-dup'"), 1);
	hs_test_ws_close(cw);
}

static void
test_abuse_refused(void **state)
{
	struct hs_test_ws	*cw;
	char			 big[70000], msg[8192];
	long			 before, other;
	int			 i;

	(void)state;
	/* No session: the upgrade is refused. */
	assert_null(hs_test_ws_open(a.port, "/ws", NULL));
	assert_null(hs_test_ws_open(a.port, "/ws",
	    "__Host-hs_session=0000000000000000"));

	before = hs_test_sql_long("SELECT count(*) FROM chat_messages");
	other = hs_test_sql_long("SELECT (hs_chat_open(c.utility_id, c.id, "
	    "'lain')->>'id')::bigint FROM customers c WHERE number = '1002'");
	assert_non_null(cw = hs_test_ws_open(a.port, "/ws", siti.cookie));
	/* Into another customer's conversation. */
	say(cw, other, "x-1", "bukan punya saya");
	assert_int_equal(hs_test_ws_recv(cw, "\"error\"", 5000, NULL,
	    0), 0);
	/* Bad JSON, an unknown type, a body over 4000 characters. */
	assert_int_equal(hs_test_ws_send(cw, "{not json"), 0);
	assert_int_equal(hs_test_ws_recv(cw, "bad_json", 5000, NULL, 0), 0);
	assert_int_equal(hs_test_ws_send(cw, "{\"type\": \"explode\"}"), 0);
	assert_int_equal(hs_test_ws_recv(cw, "unknown type", 5000, NULL, 0), 0);
	memset(big, 'a', 4001);
	big[4001] = '\0';
	say(cw, conv, "x-2", big);
	assert_int_equal(hs_test_ws_recv(cw, "1 to 4000", 5000, NULL, 0), 0);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM chat_messages"),
	    before);
	hs_test_ws_close(cw);

	/* A flood: refused past the burst, then the socket is closed. */
	assert_non_null(cw = hs_test_ws_open(a.port, "/ws", siti.cookie));
	for (i = 0; i < 60 && !hs_test_ws_is_closed(cw, 0); i++) {
		snprintf(msg, sizeof(msg), "{\"type\": \"typing\", "
		    "\"conversation\": %ld}", conv);
		hs_test_ws_send(cw, msg);
	}
	assert_true(hs_test_ws_is_closed(cw, 3000));
	hs_test_ws_close(cw);

	/* An oversize frame: the connection is dropped, nothing stored. */
	assert_non_null(cw = hs_test_ws_open(a.port, "/ws", siti.cookie));
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	hs_test_ws_send(cw, big);
	assert_true(hs_test_ws_is_closed(cw, 3000));
	hs_test_ws_close(cw);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM chat_messages"),
	    before);
}

/* A notice queued for the customer reaches their open socket. */
static void
test_push_notice(void **state)
{
	struct hs_test_ws	*cw;

	(void)state;
	assert_non_null(cw = hs_test_ws_open(a.port, "/ws", siti.cookie));
	hs_test_sql("SELECT hs_notify(c.utility_id, c.id, 'payment', "
	    "'Pembayaran diterima', 'Pembayaran Rp52.500 diterima', "
	    "'{\"order\": \"HS-TEST\"}', 'test-push-1') FROM customers c "
	    "WHERE number = '1001'");
	if (hs_test_ws_recv(cw, "push", 10000, NULL, 0) != 0) {
		PGresult *res = PQexec(hs_test_db(), "SELECT string_agg(state "
		    "|| ' ' || channel || ' ' || recipient || ' ' || "
		    "coalesce(last_error, ''), '; ') FROM outbox");
		fail_msg("no push; outbox: %s", PQgetvalue(res, 0, 0));
	}
	/* Recorded as sent (the browser may see it first). */
	for (int i = 0; i < 50 && hs_test_sql_long("SELECT count(*) FROM "
	    "outbox WHERE idem_key = 'test-push-1:push' AND state = 'sent'") !=
	    1; i++)
		usleep(100000);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM outbox WHERE "
	    "idem_key = 'test-push-1:push' AND state = 'sent'"), 1);
	hs_test_ws_close(cw);
}

static int
upload(const char *type, const void *body, size_t len, long conversation,
    struct hs_test_resp *r)
{
	char	h[512], path[96];

	snprintf(h, sizeof(h), "Cookie: %s\r\nX-CSRF-Token: %s\r\nOrigin: "
	    "http://127.0.0.1:%d\r\nContent-Type: %s\r\n", siti.cookie,
	    siti.csrf, a.port, type);
	snprintf(path, sizeof(path), "/api/v1/chat/conversations/%ld/"
	    "attachments", conversation);
	if (hs_test_http(a.port, "POST", path, h, body, len, r) != 0)
		return (-1);
	return (r->status);
}

/* Photos, history over HTTP and canned replies. */
static void
test_attachments_and_canned(void **state)
{
	static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR"
	    "fake-but-typed-image-bytes";
	struct hs_test_resp	r;
	char			path[128];
	long			id, other;

	(void)state;
	assert_int_equal(upload("image/png", png, sizeof(png) - 1, conv, &r),
	    201);
	id = json_num(r.body, "id");
	hs_test_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/chat/attachments/%ld", id);
	assert_int_equal(hs_test_call(b.port, &op, "GET", path, NULL, NULL,
	    &r), 200);
	assert_non_null(strstr(r.headers, "image/png"));
	assert_int_equal(r.body_len, sizeof(png) - 1);
	assert_memory_equal(r.body, png, sizeof(png) - 1);
	hs_test_resp_free(&r);
	/* Not what it claims to be; not an image at all. */
	assert_int_equal(upload("image/jpeg", png, sizeof(png) - 1, conv, &r),
	    415);
	hs_test_resp_free(&r);
	assert_int_equal(upload("image/png", "hello", 5, conv, &r), 415);
	hs_test_resp_free(&r);
	/* Into another customer's conversation. */
	other = hs_test_sql_long("SELECT id FROM chat_conversations WHERE "
	    "customer_id = (SELECT id FROM customers WHERE number = '1002')");
	assert_int_equal(upload("image/png", png, sizeof(png) - 1, other, &r),
	    404);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM "
	    "chat_attachments"), 1);

	/* History over HTTP, paged. */
	snprintf(path, sizeof(path), "/api/v1/chat/conversations/%ld/messages"
	    "?limit=2", conv);
	assert_int_equal(hs_test_call(a.port, &siti, "GET", path, NULL, NULL,
	    &r), 200);
	assert_non_null(strstr(r.body, "\"items\""));
	hs_test_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/chat/conversations/%ld/messages",
	    other);
	assert_int_equal(hs_test_call(a.port, &siti, "GET", path, NULL, NULL,
	    &r), 404);
	hs_test_resp_free(&r);

	/* Canned replies: staff read them; only an admin adds one. */
	assert_int_equal(hs_test_call(b.port, &op, "POST", "/api/v1/chat/canned",
	    NULL, "{\"title\": \"Salam\", \"body\": \"Selamat pagi\"}",
	    &r), 403);
	hs_test_resp_free(&r);
	hs_test_sql("SELECT hs_chat_canned_create('test', utility_id, "
	    "'Gangguan', 'Ada gangguan di wilayah Anda') FROM customers WHERE "
	    "number = '1001'");
	assert_int_equal(hs_test_call(b.port, &op, "GET", "/api/v1/chat/canned",
	    NULL, NULL, &r), 200);
	assert_non_null(strstr(r.body, "Gangguan"));
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_call(a.port, &siti, "GET",
	    "/api/v1/chat/canned", NULL, NULL, &r), 403);
	hs_test_resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_across_nodes),
		cmocka_unit_test(test_reconnect_without_loss),
		cmocka_unit_test(test_resend_stored_once),
		cmocka_unit_test(test_abuse_refused),
		cmocka_unit_test(test_push_notice),
		cmocka_unit_test(test_attachments_and_canned),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
