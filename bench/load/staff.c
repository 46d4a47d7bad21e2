/*
 * The staff member's loop at the console (web/admin), over and over:
 *
 *   dashboard      GET /api/v1/dashboard                 ... 5-15 s
 *   conversations  GET /api/v1/chat/conversations        ... 2-6 s
 *   messages       GET /chat/conversations/{id}/messages ... types, 5-15 s
 *   reply          ws send into that conversation, and its ack ... 5-15 s
 *
 * The conversation is one of the listed (up to 50 most recent) at random.
 * A staff socket sees every message of the utility's conversations: each
 * customer message (its body carries the time it was sent, "ld@<ms>")
 * reaching it counts as a chat_fanout with that latency.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

#define HTTP_DEADLINE	30.0
#define WS_DEADLINE	30.0
#define LISTED_MAX	64

enum {
	S_DASH = LD_S_JOURNEY,	/* next: the dashboard */
	S_DASHING,
	S_LIST,			/* next: the conversations */
	S_LISTING,
	S_READ,			/* next: one conversation's messages */
	S_READING,
	S_REPLY,		/* next: a reply */
	S_REPLYING
};

static void
failed(struct ld_user *u, const char *why)
{
	ld_fail(u, why);
	ld_think(u, S_DASH, 5, 15);
}

static void
get(struct ld_user *u, enum ld_op op, int state, const char *path,
    ld_http_fn fn)
{
	ld_begin(u, op);
	ld_wait(u, state, HTTP_DEADLINE);
	if (ld_core(u, "GET", path, NULL, NULL, fn) == -1)
		failed(u, u->http.why);
}

static int
answered(struct ld_user *u, struct ld_http *h, int status)
{
	if (status == 200)
		return (1);
	failed(u, ld_http_why(h, status));
	return (0);
}

static void
dashboard_done(struct ld_http *h, int status, void *arg)
{
	struct ld_user	*u = arg;

	if (!answered(u, h, status))
		return;
	ld_ok(u);
	ld_think(u, S_LIST, 5, 15);
}

/* One conversation of the list at random: every item's "id". */
static int64_t
pick(const char *body)
{
	int64_t		 ids[LISTED_MAX];
	const char	*p = body;
	int		 n = 0;

	while (n < LISTED_MAX && (p = strstr(p, "{\"id\": ")) != NULL) {
		p += 7;
		ids[n++] = strtoll(p, NULL, 10);
	}
	return (n > 0 ? ids[(int)(ld_rand() * n)] : 0);
}

static void
list_done(struct ld_http *h, int status, void *arg)
{
	struct ld_user	*u = arg;

	if (!answered(u, h, status))
		return;
	ld_ok(u);
	if ((u->conversation = pick(h->body)) == 0) {
		/* Nobody has written yet. */
		ld_think(u, S_DASH, 5, 15);
		return;
	}
	ld_think(u, S_READ, 2, 6);
}

static void
read_done(struct ld_http *h, int status, void *arg)
{
	struct ld_user	*u = arg;

	if (!answered(u, h, status))
		return;
	ld_ok(u);
	ld_think(u, S_REPLY, 5, 15);
}

static void
reply(struct ld_user *u)
{
	char	text[256];

	u->seq++;
	snprintf(u->client_id, sizeof(u->client_id), "ls-%s-%lld-%u",
	    ld_run_id, (long long)u->user_id, u->seq);
	snprintf(text, sizeof(text), "{\"type\": \"send\", \"conversation\": "
	    "%lld, \"client_id\": \"%s\", \"body\": \"Baik, terima kasih. "
	    "Ada lagi yang bisa kami bantu?\"}", (long long)u->conversation,
	    u->client_id);
	ld_begin(u, LD_OP_REPLY);
	ld_wait(u, S_REPLYING, WS_DEADLINE);
	if (ld_ws_send(&u->ws, text) == -1) {
		failed(u, "socket down");
		return;
	}
	ld_stats_count(LD_COUNT_WS_OUT);
}

void
ld_staff_start(struct ld_user *u)
{
	ld_think(u, S_DASH, 0, 30);
}

void
ld_staff_wake(struct ld_user *u)
{
	char	path[96];

	switch (u->state) {
	case S_DASH:
		ld_signin_socket(u);
		get(u, LD_OP_DASHBOARD, S_DASHING, "/api/v1/dashboard",
		    dashboard_done);
		break;
	case S_LIST:
		get(u, LD_OP_CONVERSATIONS, S_LISTING,
		    "/api/v1/chat/conversations?limit=50", list_done);
		break;
	case S_READ:
		snprintf(path, sizeof(path), "/api/v1/chat/conversations/%lld/"
		    "messages?limit=50", (long long)u->conversation);
		get(u, LD_OP_MESSAGES, S_READING, path, read_done);
		break;
	case S_REPLY:
		reply(u);
		break;
	case S_DASHING:
	case S_LISTING:
	case S_READING:
		ld_http_abort(&u->http);
		failed(u, "timeout");
		break;
	default:
		failed(u, "timeout");
		break;
	}
}

void
ld_staff_ws(struct ld_user *u, const char *text)
{
	const char	*p;
	char		 type[16], cid[48];
	double		 sent;

	if (ld_json_str(text, "type", type, sizeof(type)) == -1)
		return;
	if (!strcmp(type, "message")) {
		if ((p = strstr(text, "\"body\": \"ld@")) != NULL) {
			sent = strtod(p + 12, NULL);
			ld_stats_ok(ld_stats_current(), LD_OP_FANOUT,
			    ld_now() * 1000.0 - sent);
		}
		return;
	}
	if (!strcmp(type, "ack") && u->state == S_REPLYING &&
	    ld_json_str(text, "client_id", cid, sizeof(cid)) == 0 &&
	    !strcmp(cid, u->client_id)) {
		ld_ok(u);
		ld_think(u, S_DASH, 5, 15);
		return;
	}
	if (!strcmp(type, "error") && u->state == S_REPLYING) {
		ld_json_str(text, "code", type, sizeof(type));
		snprintf(cid, sizeof(cid), "socket error: %s", type);
		failed(u, cid);
	}
}
