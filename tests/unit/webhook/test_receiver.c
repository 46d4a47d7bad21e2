/*
 * The webhook transport against hs-webhook-receiver, the test integrator
 * that verifies as docs/webhooks.md says.  The plugin runs under the fake
 * host; each request it makes is relayed over a real socket to the
 * receiver, and the receiver's answer is handed back to the plugin.  So
 * the plugin, the document's recipe and the receiver must agree: a
 * delivery verifies, a retry is a duplicate, a rotation needs no gap, a
 * tampered or stale one is refused, and injected 429s and 410s come back
 * to the core as a retry after 1 s and a permanent failure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fake_host.h"

#define OLD		"receiver-test-old-secret-0123456789abcdef"
#define NEW		"receiver-test-new-secret-fedcba9876543210"
#define BODY		"{\"type\": \"balance.low\", " \
			"\"customer\": \"1001\"}"
#define RECEIVER	HS_TEST_BUILD "/bin/hs-webhook-receiver"

static pid_t	rcv_pid;
static int	rcv_port;
static char	url[64];

struct answer {
	int	status;
	char	retry_after[32];
	char	body[512];
};

static int
start_receiver(void **state)
{
	char	line[128];
	FILE	*fp;
	int	fds[2];

	(void)state;
	if (pipe(fds) == -1)
		return (-1);
	if ((rcv_pid = fork()) == -1)
		return (-1);
	if (rcv_pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		/* The integrator only knows the old secret. */
		execl(RECEIVER, RECEIVER, "--port", "0", "--secret", OLD,
		    "--quiet", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	if ((fp = fdopen(fds[0], "r")) == NULL ||
	    fgets(line, sizeof(line), fp) == NULL ||
	    sscanf(line, "hs-webhook-receiver listening on 127.0.0.1:%d",
	    &rcv_port) != 1) {
		fprintf(stderr, "no listening line from %s\n", RECEIVER);
		return (-1);
	}
	fclose(fp);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hooks/hydrosync",
	    rcv_port);
	return (0);
}

static int
stop_receiver(void **state)
{
	int	status = -1;

	(void)state;
	if (rcv_pid <= 0)
		return (0);
	kill(rcv_pid, SIGTERM);
	if (waitpid(rcv_pid, &status, 0) == -1)
		return (-1);
	/* A clean exit: under ASan, no leak and no error either. */
	return (WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1);
}

/* One HTTP/1.1 exchange with the receiver, Connection: close. */
static void
exchange(const char *method, const char *target, const char *head,
    const char *body, size_t body_len, struct answer *a)
{
	struct sockaddr_in	 sin;
	static char		 buf[65536];
	char			*p, *e;
	size_t			 got = 0;
	ssize_t			 n;
	int			 fd, k;

	memset(a, 0, sizeof(*a));
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)rcv_port);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	k = snprintf(buf, sizeof(buf), "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "%sContent-Length: %zu\r\nConnection: close\r\n\r\n", method,
	    target, head, body_len);
	assert_true(k > 0 && (size_t)k + body_len < sizeof(buf));
	memcpy(buf + k, body, body_len);
	assert_int_equal(send(fd, buf, (size_t)k + body_len, 0),
	    (ssize_t)((size_t)k + body_len));
	while ((n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	assert_int_equal(sscanf(buf, "HTTP/1.1 %d", &a->status), 1);
	if ((p = strstr(buf, "\r\nRetry-After: ")) != NULL &&
	    (e = strstr(p + 2, "\r\n")) != NULL)
		snprintf(a->retry_after, sizeof(a->retry_after), "%.*s",
		    (int)(e - p - 15), p + 15);
	if ((p = strstr(buf, "\r\n\r\n")) != NULL)
		snprintf(a->body, sizeof(a->body), "%s", p + 4);
}

/*
 * Relay the plugin's pending request (optionally with a replaced body) to
 * the receiver and hand the answer back to the plugin.
 */
static void
relay(const char *body, struct answer *a)
{
	char	head[4096];
	size_t	i, used = 0;

	assert_int_equal(strncmp(fake_req.url, url, strlen(url)), 0);
	for (i = 0; i < fake_req.nheaders; i++)
		used += (size_t)snprintf(head + used, sizeof(head) - used,
		    "%s: %s\r\n", fake_req.names[i], fake_req.values[i]);
	assert_true(used < sizeof(head));
	exchange(fake_req.method, "/hooks/hydrosync", head,
	    body != NULL ? body : fake_req.body,
	    body != NULL ? strlen(body) : fake_req.body_len, a);
	fake_answer(a->status, HS_OK, a->retry_after[0] ? "retry-after" :
	    NULL, a->retry_after);
}

static void
load_at_now(const char *settings)
{
	assert_int_equal(fake_load("%s", settings), 0);
	fake_now_ms = (int64_t)time(NULL) * 1000;
}

static void
test_deliver_and_dedupe(void **state)
{
	struct answer	a;

	(void)state;
	load_at_now("set hook secret " OLD "\n");
	assert_int_equal(fake_send("msg-101", url, "balance.low", BODY),
	    HS_E_PENDING);
	relay(NULL, &a);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.body, "\"duplicate\": false"));
	assert_int_equal(fake_delivery.result, HS_OK);

	/* The core retries (its record was lost): a duplicate, still 200. */
	fake_now_ms += 2000;
	assert_int_equal(fake_send("msg-101", url, "balance.low", BODY),
	    HS_E_PENDING);
	relay(NULL, &a);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.body, "\"duplicate\": true"));
	assert_int_equal(fake_delivery.result, HS_OK);
	fake_unload();
}

/* HydroSync moved to NEW; the integrator still holds OLD: no gap. */
static void
test_rotation(void **state)
{
	struct answer	a;

	(void)state;
	load_at_now("set hook secret " NEW "\nset hook secret_previous " OLD
	    "\n");
	assert_int_equal(fake_send("msg-102", url, "token.issued", BODY),
	    HS_E_PENDING);
	relay(NULL, &a);
	assert_int_equal(a.status, 200);
	fake_unload();

	/* Rotation finished too early: only NEW is sent, OLD refuses it. */
	load_at_now("set hook secret " NEW "\n");
	assert_int_equal(fake_send("msg-103", url, "token.issued", BODY),
	    HS_E_PENDING);
	relay(NULL, &a);
	assert_int_equal(a.status, 401);
	assert_int_equal(fake_delivery.result, HS_E_DENIED);
	fake_unload();
}

static void
test_tampered_and_stale(void **state)
{
	struct answer	a;

	(void)state;
	load_at_now("set hook secret " OLD "\n");
	assert_int_equal(fake_send("msg-104", url, "bill.issued", BODY),
	    HS_E_PENDING);
	relay("{\"type\": \"balance.low\", \"customer\": \"1002\"}", &a);
	assert_int_equal(a.status, 401);
	assert_non_null(strstr(a.body, "bad signature"));

	fake_now_ms -= 301 * 1000;		/* 5 min 1 s ago */
	assert_int_equal(fake_send("msg-105", url, "bill.issued", BODY),
	    HS_E_PENDING);
	relay(NULL, &a);
	assert_int_equal(a.status, 401);
	assert_non_null(strstr(a.body, "stale"));
	fake_unload();
}

/* Injected failures come back to the core as the contract says. */
static void
test_injected_failures(void **state)
{
	struct answer	a;

	(void)state;
	load_at_now("set hook secret " OLD "\n");
	exchange("POST", "/_control/fail?status=429&count=1", "", "", 0, &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(fake_send("msg-106", url, "meter.tamper", BODY),
	    HS_E_PENDING);
	relay(NULL, &a);
	assert_int_equal(a.status, 429);
	assert_string_equal(a.retry_after, "1");
	assert_int_equal(fake_delivery.result, HS_E_UNAVAILABLE);
	assert_int_equal(fake_delivery.retry_after_ms, 1000);

	exchange("POST", "/_control/fail?status=500&count=1", "", "", 0, &a);
	assert_int_equal(fake_send("msg-106", url, "meter.tamper", BODY),
	    HS_E_PENDING);
	relay(NULL, &a);
	assert_int_equal(a.status, 500);
	assert_int_equal(fake_delivery.result, HS_E_UNAVAILABLE);
	assert_int_equal(fake_delivery.retry_after_ms, 0);

	exchange("POST", "/_control/fail?status=410&count=1", "", "", 0, &a);
	assert_int_equal(fake_send("msg-107", url, "meter.battery_low", BODY),
	    HS_E_PENDING);
	relay(NULL, &a);
	assert_int_equal(a.status, 410);
	assert_int_equal(fake_delivery.result, HS_E_INVALID);
	assert_non_null(strstr(fake_delivery.detail, "unsubscribed"));

	/* The failures are used up: the retried event now goes through. */
	assert_int_equal(fake_send("msg-106", url, "meter.tamper", BODY),
	    HS_E_PENDING);
	relay(NULL, &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(fake_delivery.result, HS_OK);
	fake_unload();
}

/* What the receiver saw over the whole run. */
static void
test_events_report(void **state)
{
	struct answer	a;

	(void)state;
	exchange("GET", "/_control/events", "", "", 0, &a);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.body, "\"verified\": 3, \"duplicates\": 1, "
	    "\"rejected\": 3, \"failed\": 3, "));
	assert_non_null(strstr(a.body, "{\"id\": \"msg-101\", \"type\": "
	    "\"balance.low\", \"count\": 2}"));
	assert_non_null(strstr(a.body, "{\"id\": \"msg-102\", \"type\": "
	    "\"token.issued\", \"count\": 1}"));
	assert_non_null(strstr(a.body, "{\"id\": \"msg-106\", \"type\": "
	    "\"meter.tamper\", \"count\": 1}"));
	assert_null(strstr(a.body, "msg-103"));
	assert_null(strstr(a.body, "msg-107"));

	exchange("POST", "/_control/fail?status=abc", "", "", 0, &a);
	assert_int_equal(a.status, 400);
	exchange("GET", "/hooks/hydrosync", "", "", 0, &a);
	assert_int_equal(a.status, 405);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deliver_and_dedupe),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_tampered_and_stale),
		cmocka_unit_test(test_injected_failures),
		cmocka_unit_test(test_events_report),
	};

	signal(SIGPIPE, SIG_IGN);
	return (cmocka_run_group_tests(tests, start_receiver, stop_receiver));
}
