/*
 * Two core nodes against one PostgreSQL, as a scaled-out deployment runs
 * them (the design's "Scale-out"): node-a and node-b, two workers each, the
 * sandbox payment plugin and the soft HSM, the sms transport (Twilio
 * profile) and push, all against the fake gateway (hs-fakepay).
 *
 *   - 200 paid purchases, created and paid through both nodes: every vend
 *     job is claimed once, by one node or the other, and both nodes'
 *     workers took some; each purchase has one token;
 *   - 200 notices: the fake SMS gateway receives each exactly once, sent
 *     by the dispatchers of both nodes;
 *   - the reconciliation timer fires on every worker of both nodes, yet
 *     each interval has one run, and a missed webhook is settled once;
 *   - chat and push cross nodes: a customer on node-a reads a reply staff
 *     sent through node-b, and the push of a token vended by a job reaches
 *     the customer's sockets on both nodes, once each;
 *   - node-a is killed with SIGKILL in the middle of a stream of payments
 *     while its worker holds vend jobs: node-b takes them over when their
 *     lease runs out, and every payment still has exactly one token.
 *
 * Who did what is read from the database.  A few triggers the test adds
 * to its own database (never part of the schema) log every claim of a job
 * or an outbox message with the claiming node (from leased_by, which the
 * core clears when the work is done), and every attempt to enqueue a
 * reconciliation run with the asking node (each node connects under its
 * own application_name, PGAPPNAME).
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

#include <libpq-fe.h>

#include "hs_test_vend.h"
#include "hs_test_ws.h"

#define LEASE_S		3	/* job_lease: how soon a dead node's jobs move */
#define SLOW_HSM_MS	60	/* node-a's HSM in the kill test, per token */
#define SENDERS		4	/* concurrent senders, one per water meter */
#define STREAM		60	/* purchases in the kill test's stream */

static struct hs_test_server	a, b;
static char			dir[1024];
static pid_t			fakepay;
static int			fp_port;
static long			meter1, water[SENDERS];

static struct hs_test_caller	admin = { "admin@tirta.demo", NULL, "", "" };
static struct hs_test_caller	siti = { "siti@example.id", NULL, "", "" };
static struct hs_test_caller	op = { "operator@tirta.demo", NULL, "", "" };

/*
 * The test's own instruments.  cluster_claims: one row per claim of a job
 * or an outbox message (a claim is what raises attempts), naming the node
 * from the lease.  cluster_reconcile_asks: one row per attempt to enqueue
 * the timer's reconciliation job, naming the node by its connection,
 * including the attempts the job's dedupe key turns into no-ops (a BEFORE
 * trigger runs before ON CONFLICT DO NOTHING decides).
 */
static const char	instruments[] =
    "CREATE TABLE cluster_claims (tbl text NOT NULL, row_id bigint NOT NULL, "
    "  node text NOT NULL, attempt integer NOT NULL, "
    "  at timestamptz NOT NULL DEFAULT clock_timestamp());"
    "CREATE FUNCTION cluster_claim() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "  INSERT INTO cluster_claims (tbl, row_id, node, attempt) "
    "  VALUES (TG_TABLE_NAME, NEW.id, split_part(NEW.leased_by, '/', 1), "
    "          NEW.attempts); "
    "  RETURN NULL; "
    "END $$;"
    "CREATE TRIGGER cluster_job_claims AFTER UPDATE ON jobs FOR EACH ROW "
    "  WHEN (NEW.attempts > OLD.attempts) EXECUTE FUNCTION cluster_claim();"
    "CREATE TRIGGER cluster_outbox_claims AFTER UPDATE ON outbox FOR EACH ROW "
    "  WHEN (NEW.attempts > OLD.attempts) EXECUTE FUNCTION cluster_claim();"
    "CREATE TABLE cluster_reconcile_asks (dedupe_key text NOT NULL, "
    "  node text NOT NULL);"
    "CREATE FUNCTION cluster_reconcile_ask() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "  INSERT INTO cluster_reconcile_asks VALUES (NEW.dedupe_key, "
    "         current_setting('application_name')); "
    "  RETURN NEW; "
    "END $$;"
    "CREATE TRIGGER cluster_reconcile_asks BEFORE INSERT ON jobs FOR EACH ROW "
    "  WHEN (NEW.kind = 'payments.reconcile' AND NEW.source = 'timer') "
    "  EXECUTE FUNCTION cluster_reconcile_ask();"
    /* Each purchase's vend job, found by the purchase's idempotency key. */
    "CREATE VIEW cluster_vend_jobs AS SELECT j.*, p.id AS purchase, "
    "  p.idem_key, p.state AS purchase_state FROM jobs j "
    "  JOIN purchases p ON p.id = (j.payload ->> 'purchase')::bigint "
    "  WHERE j.kind = 'vend.token';";

/* ------------------------------------------------------------ helpers */

/*
 * Start one node: the vending plugins, SMS through the fake gateway at a
 * fixed rate, push; hsm replaces the soft HSM's lines when not NULL.
 */
static int
node_start(struct hs_test_server *srv, const char *name, const char *hsm)
{
	char	extra[16384];
	size_t	n;
	int	rc;

	n = (size_t)snprintf(extra, sizeof(extra), "node_name %s\n"
	    "job_lease %d\nreconcile_interval 10\n"
	    "plugin sms transport %s/%s/plugins/transport/sms.so\n"
	    "set sms profile twilio\n"
	    "set sms base_url http://127.0.0.1:%d\n"
	    "set sms account_sid ACfakesms0000000000000000000000001\n"
	    "set sms auth_token fakesms-auth-token-0001\n"
	    "set sms from HydroSync\n"
	    "set sms rate 100\n"
	    "set sms timeout_ms 2000\n"
	    "plugin push transport %s/%s/plugins/transport/push.so\n",
	    name, LEASE_S, hs_test_top(), hs_test_build(), fp_port,
	    hs_test_top(), hs_test_build());
	hs_test_vend_conf(extra + n, sizeof(extra) - n, dir, fp_port);
	if (hsm != NULL) {
		char	*vault = strstr(extra, "plugin vault hsm");

		snprintf(vault, sizeof(extra) - (size_t)(vault - extra), "%s",
		    hsm);
	}
	/* Every connection of the node says which node it is. */
	setenv("PGAPPNAME", name, 1);
	rc = hs_test_server_start(srv, 2, extra);
	unsetenv("PGAPPNAME");
	if (rc != 0)
		fprintf(stderr, "%s did not start; see %s\n", name, srv->log);
	return (rc);
}

/* Wait up to seconds for the query to return want. */
static int
wait_sql(const char *q, long want, int seconds)
{
	int	i;

	for (i = 0; i < seconds * 20; i++) {
		if (hs_test_sql_long(q) == want)
			return (0);
		usleep(50000);
	}
	return (hs_test_sql_long(q) == want ? 0 : -1);
}

static int
pay(const struct hs_test_server *srv, const struct hs_test_purchase *p,
    const char *event)
{
	return (hs_test_notify(srv->port, event, p, "paid", p->total,
	    (long)time(NULL), HS_TEST_SANDBOX_KEY));
}

/* How many SMS the fake gateway accepted, or took again (duplicates). */
static long
gateway_sms(const char *what)
{
	struct hs_test_resp	r;
	long			v;

	if (hs_test_http(fp_port, "GET", "/_control/sms", NULL, NULL, 0,
	    &r) != 0)
		fail_msg("the fake gateway does not answer");
	v = hs_test_json_long(r.body, what);
	hs_test_resp_free(&r);
	return (v);
}

/*
 * SIGKILL the whole node at once: Kore's parent and its workers share a
 * process group of their own (mk/kore.sh starts it with setsid).
 */
static void
kill_node(struct hs_test_server *srv)
{
	struct hs_test_resp	r;
	int			i;

	kill(-srv->pid, SIGKILL);
	kill(srv->pid, SIGKILL);
	for (i = 0; i < 100 && !hs_test_pid_gone(srv->pid); i++)
		usleep(50000);
	assert_true(hs_test_pid_gone(srv->pid));
	assert_int_equal(hs_test_http(srv->port, "GET", "/healthz", NULL,
	    NULL, 0, &r), -1);
	srv->pid = 0;
}

/* Every purchase marked paid or vended has exactly one token. */
static void
assert_one_token_per_payment(void)
{
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM purchases p "
	    "WHERE p.state IN ('paid', 'vended') AND (SELECT count(*) FROM "
	    "tokens t WHERE t.purchase_id = p.id) <> 1"), 0);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM purchases "
	    "WHERE state = 'paid'"), 0);
}

/* ---------------------------------------------------------- the cluster */

static int
setup(void **state)
{
	int	i;

	(void)state;
	if (hs_test_vend_prepare("cluster", dir, sizeof(dir)) == -1)
		return (-1);
	if ((fakepay = hs_test_fakepay(&fp_port)) <= 0)
		return (-1);
	/* Before the nodes start, so their first claims are logged too. */
	hs_test_sql(instruments);
	meter1 = hs_test_sql_long("SELECT id FROM meters WHERE number = "
	    "'47040000011'");
	for (i = 0; i < SENDERS; i++)
		water[i] = hs_test_sql_longf("SELECT id FROM meters WHERE "
		    "number LIKE '4704%%' ORDER BY number OFFSET %d LIMIT 1", i);
	if (node_start(&a, "node-a", NULL) != 0 ||
	    node_start(&b, "node-b", NULL) != 0)
		return (-1);
	/* One session serves both nodes: sessions live in PostgreSQL. */
	if (hs_test_login(a.port, &siti, HS_TEST_PASSWORD) != 200 ||
	    hs_test_login(b.port, &op, HS_TEST_PASSWORD) != 200 ||
	    hs_test_login(a.port, &admin, HS_TEST_PASSWORD) != 200)
		return (-1);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	hs_test_server_stop(&a);
	hs_test_server_stop(&b);
	hs_test_kill(fakepay);
	return (0);
}

/*
 * One sender: purchases i = k, k + SENDERS, ... below n for water meter
 * k, bought by staff, each created through one node and paid (the
 * provider's notification) through the other.  One meter per sender: the
 * purchases of one meter are quoted against each other's month total, so
 * simultaneous ones for the same meter would be sent back to retry.
 * Runs in a child: it returns how many calls went wrong.
 */
static int
buy_and_pay(int k, int n, const char *prefix)
{
	struct hs_test_purchase	 p;
	struct hs_test_server	*shop, *hook;
	char			 key[64], event[64];
	int			 i, rc, bad = 0;

	for (i = k; i < n; i += SENDERS) {
		shop = (i / SENDERS) % 2 ? &b : &a;
		hook = shop == &a ? &b : &a;
		snprintf(key, sizeof(key), "%s-%d", prefix, i);
		snprintf(event, sizeof(event), "evt_%s_%d", prefix, i);
		if ((rc = hs_test_buy(shop->port, &admin, water[k], 10000 +
		    i * 10, "sandbox", key, &p, NULL)) != 201 ||
		    (rc = pay(hook, &p, event)) != 200) {
			fprintf(stderr, "%s: status %d\n", key, rc);
			bad++;
		}
	}
	return (bad);
}

/*
 * 200 purchases, paid through both nodes at once: each vend job is
 * claimed exactly once, by either node, both nodes' workers vend, and
 * each purchase ends with one token.
 */
static void
test_vend_job_runs_once(void **state)
{
	pid_t	kids[SENDERS];
	int	i, st;

	(void)state;
	for (i = 0; i < SENDERS; i++) {
		if ((kids[i] = fork()) == 0)
			_exit(buy_and_pay(i, 200, "cl-vend") == 0 ? 0 : 1);
	}
	for (i = 0; i < SENDERS; i++) {
		assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	if (wait_sql("SELECT count(*) FROM cluster_vend_jobs WHERE idem_key "
	    "LIKE 'cl-vend-%' AND state = 'done'", 200, 30) != 0)
		fail_msg("only %ld of 200 vend jobs done", hs_test_sql_long(
		    "SELECT count(*) FROM cluster_vend_jobs WHERE idem_key "
		    "LIKE 'cl-vend-%' AND state = 'done'"));

	/* One job per purchase, vended, one token each. */
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM "
	    "cluster_vend_jobs WHERE idem_key LIKE 'cl-vend-%' AND "
	    "purchase_state = 'vended'"), 200);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM tokens t JOIN "
	    "purchases p ON p.id = t.purchase_id WHERE p.idem_key LIKE "
	    "'cl-vend-%'"), 200);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM payment_events "
	    "e JOIN purchases p ON p.order_id = e.order_id WHERE p.idem_key "
	    "LIKE 'cl-vend-%' AND e.outcome = 'paid'"), 200);
	/* Each job claimed once: by the jobs table and by the claim log. */
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM "
	    "cluster_vend_jobs WHERE idem_key LIKE 'cl-vend-%' AND "
	    "attempts <> 1"), 0);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM "
	    "cluster_vend_jobs j WHERE idem_key LIKE 'cl-vend-%' AND "
	    "(SELECT count(*) FROM cluster_claims c WHERE c.tbl = 'jobs' AND "
	    "c.row_id = j.id) <> 1"), 0);
	/* Both nodes' workers took some. */
	assert_int_equal(hs_test_sql_long("SELECT count(DISTINCT c.node) FROM "
	    "cluster_claims c JOIN cluster_vend_jobs j ON c.tbl = 'jobs' AND "
	    "c.row_id = j.id WHERE j.idem_key LIKE 'cl-vend-%' AND c.node IN "
	    "('node-a', 'node-b')"), 2);
	assert_one_token_per_payment();
}

/*
 * 200 notices (and the token notices before them): with both nodes'
 * dispatchers claiming, the fake SMS gateway receives each message
 * exactly once.  200 is more than one node's SMS rate lets its two
 * workers take before the other node's workers claim (a tick is 50 ms),
 * so both nodes send.
 */
static void
test_notice_delivered_once(void **state)
{
	long	accepted, dups;

	(void)state;
	/* The token notices of the test before: all out first. */
	if (wait_sql("SELECT count(*) FROM outbox WHERE channel = 'sms' AND "
	    "state IN ('queued', 'sending')", 0, 30) != 0)
		fail_msg("token SMS still waiting");
	accepted = gateway_sms("accepted");
	dups = gateway_sms("duplicates");
	hs_test_sql("SELECT hs_notify(utility_id, id, 'tamper', 'Meter "
	    "dibuka', 'Peringatan cluster nomor ' || g, '{}', "
	    "'cl-notice-' || g) FROM customers, generate_series(1, 200) g "
	    "WHERE number = '1001'");
	if (wait_sql("SELECT count(*) FROM outbox WHERE channel = 'sms' AND "
	    "idem_key LIKE 'cl-notice-%' AND state = 'sent'", 200, 30) != 0)
		fail_msg("only %ld of 200 notices sent", hs_test_sql_long(
		    "SELECT count(*) FROM outbox WHERE channel = 'sms' AND "
		    "idem_key LIKE 'cl-notice-%' AND state = 'sent'"));

	/* The gateway got 200 new messages, none twice. */
	assert_int_equal(gateway_sms("accepted") - accepted, 200);
	assert_int_equal(gateway_sms("duplicates") - dups, 0);
	/* Each claimed once, and both nodes sent. */
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM outbox o WHERE "
	    "channel = 'sms' AND idem_key LIKE 'cl-notice-%' AND (attempts <> "
	    "1 OR (SELECT count(*) FROM cluster_claims c WHERE c.tbl = "
	    "'outbox' AND c.row_id = o.id) <> 1)"), 0);
	assert_int_equal(hs_test_sql_long("SELECT count(DISTINCT c.node) FROM "
	    "cluster_claims c JOIN outbox o ON c.tbl = 'outbox' AND c.row_id = "
	    "o.id WHERE o.channel = 'sms' AND o.idem_key LIKE 'cl-notice-%'"),
	    2);
	/*
	 * Every SMS the outbox ever sent (the token notices included) is one
	 * message at the gateway, and the gateway took nothing twice.
	 */
	assert_int_equal(gateway_sms("accepted"), hs_test_sql_long("SELECT "
	    "count(*) FROM outbox WHERE channel = 'sms' AND state = 'sent'"));
	assert_int_equal(gateway_sms("duplicates"), 0);
}

/*
 * The reconciliation timer runs on every worker of both nodes: each asks
 * for the interval's run, the interval's dedupe key keeps one.  A missed
 * webhook (paid on the provider's side, no notification) is settled by
 * exactly one run: two runs at once would both have listed the order and
 * each written it down.
 */
static void
test_reconcile_runs_once(void **state)
{
	struct hs_test_purchase	p;
	char			path[128];
	long			both;
	int			i;

	(void)state;
	assert_int_equal(hs_test_buy(b.port, &siti, meter1, 15000, "sandbox",
	    "cl-recon", &p, NULL), 201);
	snprintf(path, sizeof(path), "/_control/pay/%s?notify=0", p.order);
	assert_int_equal(hs_test_fakepay_call(fp_port, "POST", path), 200);
	/* Timer runs look at orders older than a minute. */
	assert_int_equal(hs_test_sql_longf("WITH u AS (UPDATE purchases SET "
	    "created_at = created_at - interval '2 minutes' WHERE id = %ld "
	    "RETURNING 1) SELECT count(*) FROM u", p.id), 1);
	if (hs_test_wait_state(p.id, "vended", 30) != 0)
		fail_msg("the missed payment was not settled by reconciliation");

	/*
	 * At least one interval whose run both nodes asked for, and no run
	 * in progress (runs and jobs then compare in one snapshot).
	 */
	for (i = 0; i < 300; i++) {
		both = hs_test_sql_long("SELECT count(*) FROM jobs j WHERE kind "
		    "= 'payments.reconcile' AND source = 'timer' AND state = "
		    "'done' AND (SELECT count(DISTINCT node) FROM "
		    "cluster_reconcile_asks r WHERE r.dedupe_key = j.dedupe_key "
		    "AND r.node IN ('node-a', 'node-b')) = 2");
		if (both > 0 && hs_test_sql_long("SELECT count(*) FROM jobs "
		    "WHERE kind = 'payments.reconcile' AND state <> 'done'") ==
		    0)
			break;
		usleep(100000);
	}
	assert_true(both > 0);
	/* The asks outnumber the runs: several workers were due each time. */
	assert_true(hs_test_sql_long("SELECT count(*) FROM "
	    "cluster_reconcile_asks") > hs_test_sql_long("SELECT count(*) FROM "
	    "jobs WHERE kind = 'payments.reconcile' AND source = 'timer'"));
	/* One job per interval, each claimed once, each one run. */
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM (SELECT "
	    "dedupe_key FROM cluster_reconcile_asks GROUP BY dedupe_key) k "
	    "WHERE (SELECT count(*) FROM jobs j WHERE j.kind = "
	    "'payments.reconcile' AND j.dedupe_key = k.dedupe_key) <> 1"), 0);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM jobs j WHERE "
	    "kind = 'payments.reconcile' AND source = 'timer' AND (attempts "
	    "<> 1 OR (SELECT count(*) FROM cluster_claims c WHERE c.tbl = "
	    "'jobs' AND c.row_id = j.id) <> 1)"), 0);
	assert_int_equal(hs_test_sql_long("SELECT CASE WHEN EXISTS (SELECT 1 "
	    "FROM jobs WHERE kind = 'payments.reconcile' AND state <> 'done') "
	    "THEN -1 ELSE (SELECT count(*) FROM reconciliation_runs WHERE "
	    "trigger = 'timer') - (SELECT count(*) FROM jobs WHERE kind = "
	    "'payments.reconcile' AND source = 'timer') END"), 0);
	/* The missed payment: asked and settled once, one token. */
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM "
	    "reconciliation_items WHERE purchase_id = %ld", p.id), 1);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM "
	    "reconciliation_items WHERE purchase_id = %ld AND outcome = "
	    "'paid'", p.id), 1);
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM "
	    "payment_events WHERE order_id = '%s' AND source = 'reconcile'",
	    p.order), 1);
	assert_int_equal(hs_test_tokens_of(p.id), 1);
}

static void
say(struct hs_test_ws *w, long conversation, const char *client_id,
    const char *body)
{
	char	msg[1024];

	snprintf(msg, sizeof(msg), "{\"type\": \"send\", \"conversation\": "
	    "%ld, \"client_id\": \"%s\", \"body\": \"%s\"}", conversation,
	    client_id, body);
	assert_int_equal(hs_test_ws_send(w, msg), 0);
}

/* needle arrives on w within 10 s, and only once. */
static void
assert_received_once(struct hs_test_ws *w, const char *needle,
    const char *where)
{
	if (hs_test_ws_recv(w, needle, 10000, NULL, 0) != 0)
		fail_msg("%s never received %s", where, needle);
	assert_int_equal(hs_test_ws_count(w, needle, 500), 0);
}

/*
 * Chat and push between nodes.  Siti has a socket on each node; staff
 * answer through node-b.  The push of a token is produced by a vend job
 * and sent by one node's dispatcher; the customer's socket on the other
 * node gets it too, through LISTEN/NOTIFY.
 */
static void
test_chat_and_push_cross_nodes(void **state)
{
	struct hs_test_ws	*on_a, *on_b, *staff;
	struct hs_test_purchase	 p;
	PGresult		*res;
	char			 got[8192], token[32], q[256];
	long			 conv;

	(void)state;
	assert_non_null(on_a = hs_test_ws_open(a.port, "/ws", siti.cookie));
	assert_non_null(on_b = hs_test_ws_open(b.port, "/ws", siti.cookie));
	assert_non_null(staff = hs_test_ws_open(b.port, "/ws", op.cookie));

	assert_int_equal(hs_test_ws_send(on_a, "{\"type\": \"open\", "
	    "\"subject\": \"Tekanan air rendah\"}"), 0);
	assert_int_equal(hs_test_ws_recv(on_a, "\"of\": \"open\"", 5000, got,
	    sizeof(got)), 0);
	conv = hs_test_json_long(got, "id");
	say(on_a, conv, "cl-c-1", "Tekanan air rendah sejak kemarin");
	assert_received_once(staff, "rendah sejak kemarin", "staff on node-b");
	say(staff, conv, "cl-s-1", "Petugas cluster segera memeriksa");
	assert_received_once(on_a, "cluster segera memeriksa",
	    "the customer on node-a");
	assert_received_once(on_b, "cluster segera memeriksa",
	    "the customer on node-b");

	/* A token: paid through node-a, vended by a job on either node. */
	assert_int_equal(hs_test_buy(b.port, &siti, meter1, 12000, "sandbox",
	    "cl-push", &p, NULL), 201);
	assert_int_equal(pay(&a, &p, "evt_cl_push"), 200);
	assert_int_equal(hs_test_wait_state(p.id, "vended", 15), 0);
	snprintf(q, sizeof(q), "SELECT token FROM tokens WHERE purchase_id = "
	    "%ld", p.id);
	res = PQexec(hs_test_db(), q);
	assert_int_equal(PQntuples(res), 1);
	snprintf(token, sizeof(token), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	assert_received_once(on_a, token, "the customer on node-a");
	assert_received_once(on_b, token, "the customer on node-b");
	/* One push message, claimed and sent once. */
	assert_int_equal(hs_test_sql_longf("SELECT count(*) FROM outbox o "
	    "WHERE idem_key = 'token:%ld:push' AND state = 'sent' AND attempts "
	    "= 1 AND (SELECT count(*) FROM cluster_claims c WHERE c.tbl = "
	    "'outbox' AND c.row_id = o.id) = 1", p.id), 1);
	hs_test_ws_close(on_a);
	hs_test_ws_close(on_b);
	hs_test_ws_close(staff);
}

/*
 * Right after a payment reached node-a (which then claims at once): does
 * node-a hold a vend job it claimed in the last 25 ms?  Then its worker
 * is inside the slow HSM for at least another SLOW_HSM_MS - 25 ms, and a
 * kill now lands before it can store the token.
 */
static int
node_a_busy(void)
{
	char	q[512];
	int	i;

	snprintf(q, sizeof(q), "SELECT count(*) FROM jobs WHERE kind = "
	    "'vend.token' AND state = 'running' AND leased_by LIKE 'node-a/%%' "
	    "AND leased_until > now() + interval '%d seconds' - interval "
	    "'25 milliseconds'", LEASE_S);
	for (i = 0; i < 100; i++) {
		if (hs_test_sql_long(q) > 0)
			return (1);
		usleep(500);
	}
	return (0);
}

/*
 * node-a dies (SIGKILL, the whole node) half way through a stream of
 * purchases, each bought and paid through one node, the two nodes in
 * turn, while node-a's worker holds vend jobs; the rest of the stream
 * goes to node-b.  node-a's HSM is slow here so that the kill lands while
 * node-a is vending.  node-b takes node-a's jobs when their lease runs
 * out, not before, and makes their tokens; every payment has exactly one
 * token; nothing is lost or doubled.
 */
static void
test_node_killed_mid_load(void **state)
{
	struct hs_test_purchase	 p;
	struct hs_test_server	*to;
	char			 hsm[4096], key[32], event[32];
	long			 orphans;
	int			 i, n = STREAM, killed = 0;

	(void)state;
	/* node-a again, with an HSM that takes SLOW_HSM_MS per token. */
	hs_test_server_stop(&a);
	snprintf(hsm, sizeof(hsm), "plugin slow hsm %s/%s/tests/fault/"
	    "flaky_hsm.so\nset slow inner %s/%s/plugins/hsm/soft.so\n"
	    "set slow down_file %s/never\nset slow delay_ms %d\n"
	    "set slow keystore %s/keys.hsks\nset slow master_key file:%s/"
	    "master\n", hs_test_top(), hs_test_build(), hs_test_top(),
	    hs_test_build(), dir, SLOW_HSM_MS, dir, dir);
	assert_int_equal(node_start(&a, "node-a", hsm), 0);

	for (i = 0; i < n; i++) {
		to = !killed && i % 2 == 0 ? &a : &b;
		snprintf(key, sizeof(key), "cl-kill-%d", i);
		snprintf(event, sizeof(event), "evt_cl_kill_%d", i);
		assert_int_equal(hs_test_buy(to->port, &siti, meter1, 20000 +
		    i * 10, "sandbox", key, &p, NULL), 201);
		assert_int_equal(pay(to, &p, event), 200);
		if (killed || to != &a || i < n / 2 || !node_a_busy())
			continue;
		kill_node(&a);
		killed = 1;
		/* node-a's own last statements are over; what it held stays. */
		usleep(300000);
		hs_test_sql("CREATE TABLE cluster_orphans AS SELECT id, "
		    "(payload ->> 'purchase')::bigint AS purchase, leased_until "
		    "FROM jobs WHERE kind = 'vend.token' AND state = 'running' "
		    "AND leased_by LIKE 'node-a/%'");
	}
	assert_true(killed);
	orphans = hs_test_sql_long("SELECT count(*) FROM cluster_orphans");
	assert_true(orphans > 0);

	if (wait_sql("SELECT count(*) FROM purchases WHERE idem_key LIKE "
	    "'cl-kill-%' AND state = 'vended'", n, 30) != 0)
		fail_msg("only %ld of %d purchases vended after the kill",
		    hs_test_sql_long("SELECT count(*) FROM purchases WHERE "
		    "idem_key LIKE 'cl-kill-%' AND state = 'vended'"), n);
	/* One token and one recorded payment each. */
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM purchases p "
	    "WHERE idem_key LIKE 'cl-kill-%' AND (SELECT count(*) FROM tokens "
	    "t WHERE t.purchase_id = p.id) = 1 AND (SELECT count(*) FROM "
	    "payment_events e WHERE e.order_id = p.order_id AND e.outcome = "
	    "'paid') = 1"), n);
	/*
	 * node-a's orphans: claimed a second time, by node-b, once the lease
	 * had run out; their tokens made by node-b's HSM.
	 */
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM "
	    "cluster_orphans o JOIN jobs j ON j.id = o.id JOIN tokens t ON "
	    "t.purchase_id = o.purchase JOIN cluster_claims c ON c.tbl = "
	    "'jobs' AND c.row_id = o.id AND c.attempt = 2 WHERE j.state = "
	    "'done' AND j.attempts = 2 AND t.hsm = 'vault' AND c.node = "
	    "'node-b' AND c.at >= o.leased_until"), orphans);
	/* Every other job of the stream was claimed once. */
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM "
	    "cluster_vend_jobs WHERE idem_key LIKE 'cl-kill-%' AND state = "
	    "'done' AND attempts = 1 AND id NOT IN (SELECT id FROM "
	    "cluster_orphans)"), n - orphans);
	/* Both nodes vended part of the stream. */
	assert_true(hs_test_sql_long("SELECT count(*) FROM tokens t JOIN "
	    "purchases p ON p.id = t.purchase_id WHERE p.idem_key LIKE "
	    "'cl-kill-%' AND t.hsm = 'slow'") > 0);
	assert_true(hs_test_sql_long("SELECT count(*) FROM tokens t JOIN "
	    "purchases p ON p.id = t.purchase_id WHERE p.idem_key LIKE "
	    "'cl-kill-%' AND t.hsm = 'vault'") > 0);
	assert_one_token_per_payment();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vend_job_runs_once),
		cmocka_unit_test(test_notice_delivered_once),
		cmocka_unit_test(test_reconcile_runs_once),
		cmocka_unit_test(test_chat_and_push_cross_nodes),
		/* Last: it kills node-a. */
		cmocka_unit_test(test_node_killed_mid_load),
	};

	return (cmocka_run_group_tests_name("cluster", tests, setup,
	    teardown));
}
