/*
 * The customer's journey, as the PWA (web/app) walks it, over and over:
 *
 *   home      GET /api/v1/meters, then GET /meters/{id}/state (balance)
 *             ... reads it, 4-12 s
 *   quote     GET /meters/{id}/quote?amount=...        ... 3-9 s
 *   purchase  POST /api/v1/purchases, sandbox, with an Idempotency-Key;
 *             the answer carries the gateway's pay page  ... 0.5-1.5 s
 *   pay page  GET it (the gateway, a new connection)    ... 4-12 s
 *   pay       POST its pay button; the gateway notifies the core, which
 *             vends and pushes the token over /ws
 *   token     the push, then GET /purchases/{id} as the app reloads it
 *             ... reads the digits, 4-12 s
 *   chat      ws open and history (the chat view)   ... types, 5-15 s
 *             ws send, and its ack                  ... away, 15-45 s
 *
 * A failure (an error status, a timeout, a lost answer) is counted and the
 * customer starts over from home 5-15 s later.  Every think time is scaled
 * by --think.  Deadlines: 30 s for an HTTP answer or a socket answer, 60 s
 * from pressing pay to the token.
 */
#include <stdio.h>
#include <string.h>

#include "load.h"

#define HTTP_DEADLINE	30.0
#define WS_DEADLINE	30.0
#define TOKEN_DEADLINE	60.0

enum {
	C_HOME = LD_S_JOURNEY,	/* next: the home screen */
	C_METERS,		/* waiting for the meter list */
	C_BALANCE,		/* ... for the meter's state */
	C_QUOTE,		/* next: a quote */
	C_QUOTING,
	C_BUY,			/* next: the purchase */
	C_BUYING,
	C_PAGE,			/* next: the gateway's pay page */
	C_PAGING,
	C_PAY,			/* next: the pay button */
	C_PAYING,
	C_TOKEN,		/* waiting for the pushed token */
	C_SHOWING,		/* ... for the purchase with its token */
	C_CHAT,			/* next: the chat view */
	C_OPENING,		/* waiting for the conversation */
	C_HISTORY,		/* ... for its history */
	C_SEND,			/* next: a message */
	C_SENDING		/* waiting for its ack */
};

static const int	amounts[] = { 20000, 50000, 100000 };

static void
recover(struct ld_user *u)
{
	ld_think(u, C_HOME, 5, 15);
}

static void
failed(struct ld_user *u, const char *why)
{
	ld_fail(u, why);
	recover(u);
}

/* A GET to the core for op, answered to fn; the user waits in state. */
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
answered(struct ld_user *u, struct ld_http *h, int status, int want)
{
	if (status == want)
		return (1);
	failed(u, ld_http_why(h, status));
	return (0);
}

static void
balance_done(struct ld_http *h, int status, void *arg)
{
	struct ld_user	*u = arg;

	if (!answered(u, h, status, 200))
		return;
	ld_ok(u);
	ld_think(u, C_QUOTE, 4, 12);
}

static void
meters_done(struct ld_http *h, int status, void *arg)
{
	struct ld_user	*u = arg;
	char		 path[96];

	if (!answered(u, h, status, 200))
		return;
	ld_ok(u);
	snprintf(path, sizeof(path), "/api/v1/meters/%lld/state",
	    (long long)u->meter_id);
	get(u, LD_OP_BALANCE, C_BALANCE, path, balance_done);
}

static void
home(struct ld_user *u)
{
	ld_signin_socket(u);
	get(u, LD_OP_METERS, C_METERS, "/api/v1/meters?limit=50", meters_done);
}

static void
quote_done(struct ld_http *h, int status, void *arg)
{
	struct ld_user	*u = arg;

	if (!answered(u, h, status, 200))
		return;
	ld_ok(u);
	ld_think(u, C_BUY, 3, 9);
}

static void
quote(struct ld_user *u)
{
	char	path[128];

	snprintf(path, sizeof(path), "/api/v1/meters/%lld/quote?amount=%d",
	    (long long)u->meter_id, amounts[(int)(ld_rand() * 3)]);
	get(u, LD_OP_QUOTE, C_QUOTING, path, quote_done);
}

static void
buy_done(struct ld_http *h, int status, void *arg)
{
	struct ld_user	*u = arg;
	int64_t		 id;

	if (!answered(u, h, status, 201))
		return;
	if (ld_json_num(h->body, "id", &id) == -1 || ld_json_str(h->body,
	    "redirect_url", u->pay_url, sizeof(u->pay_url)) == -1) {
		failed(u, "no pay page in the answer");
		return;
	}
	u->purchase = id;
	ld_ok(u);
	ld_think(u, C_PAGE, 0.5, 1.5);
}

static void
buy(struct ld_user *u)
{
	char	body[192], key[96];

	u->seq++;
	snprintf(key, sizeof(key), "Idempotency-Key: ld-%s-%lld-%u\r\n",
	    ld_run_id, (long long)u->user_id, u->seq);
	snprintf(body, sizeof(body), "{\"meter_id\": %lld, \"amount\": %d, "
	    "\"provider\": \"sandbox\", \"return_path\": \"/app/\"}",
	    (long long)u->meter_id, amounts[(int)(ld_rand() * 3)]);
	u->purchase = 0;
	ld_begin(u, LD_OP_PURCHASE);
	ld_wait(u, C_BUYING, HTTP_DEADLINE);
	if (ld_core(u, "POST", "/api/v1/purchases", key, body, buy_done) ==
	    -1)
		failed(u, u->http.why);
}

/* The gateway's pages: their own host, a new connection each visit. */
static int
gateway(struct ld_user *u, char *path, size_t len)
{
	struct ld_addr	a;

	if (ld_addr_parse(u->pay_url, &a, path, len) == -1)
		return (-1);
	ld_http_init(&u->gw, &a, 0);
	return (0);
}

static void
page_done(struct ld_http *h, int status, void *arg)
{
	struct ld_user	*u = arg;

	if (!answered(u, h, status, 200))
		return;
	ld_ok(u);
	ld_think(u, C_PAY, 4, 12);
}

static void
page(struct ld_user *u)
{
	char	path[256];

	ld_begin(u, LD_OP_PAY_PAGE);
	ld_wait(u, C_PAGING, HTTP_DEADLINE);
	if (gateway(u, path, sizeof(path)) == -1) {
		failed(u, "bad pay page address");
		return;
	}
	if (ld_http_call(&u->gw, "GET", path, NULL, NULL, page_done, u) == -1)
		failed(u, u->gw.why);
}

static void
shown(struct ld_http *h, int status, void *arg)
{
	struct ld_user	*u = arg;
	char		 token[32];

	if (!answered(u, h, status, 200))
		return;
	if (ld_json_str(h->body, "token", token, sizeof(token)) == -1 ||
	    strlen(token) != 20) {
		failed(u, "no token in the purchase");
		return;
	}
	ld_ok(u);
	ld_think(u, C_CHAT, 4, 12);
}

static void
got_token(struct ld_user *u)
{
	char	path[64];

	ld_stats_ok(u->op_step, LD_OP_TOKEN, (u->token_at - u->pay_sent) *
	    1000.0);
	u->op_start = 0;
	snprintf(path, sizeof(path), "/api/v1/purchases/%lld",
	    (long long)u->purchase);
	get(u, LD_OP_SHOW_TOKEN, C_SHOWING, path, shown);
}

static void
paid(struct ld_http *h, int status, void *arg)
{
	struct ld_user	*u = arg;

	/* The pay button answers with a redirect to the app. */
	if (!answered(u, h, status, 303))
		return;
	ld_ok(u);
	ld_begin(u, LD_OP_TOKEN);
	u->op_start = u->pay_sent;
	if (u->token_at > 0) {
		got_token(u);
		return;
	}
	ld_wait(u, C_TOKEN, TOKEN_DEADLINE - (ld_now() - u->pay_sent));
}

static void
pay(struct ld_user *u)
{
	char	path[256];

	ld_begin(u, LD_OP_PAY);
	ld_wait(u, C_PAYING, HTTP_DEADLINE);
	if (gateway(u, path, sizeof(path)) == -1) {
		failed(u, "bad pay page address");
		return;
	}
	strncat(path, "/pay", sizeof(path) - strlen(path) - 1);
	u->token_at = 0;
	u->pay_sent = ld_now();
	if (ld_http_call(&u->gw, "POST", path, "Content-Type: application/"
	    "x-www-form-urlencoded\r\nContent-Length: 0\r\n", NULL, paid, u) ==
	    -1)
		failed(u, u->gw.why);
}

static void
ws_send(struct ld_user *u, enum ld_op op, int state, const char *text)
{
	ld_begin(u, op);
	ld_wait(u, state, WS_DEADLINE);
	if (ld_ws_send(&u->ws, text) == -1) {
		failed(u, "socket down");
		return;
	}
	ld_stats_count(LD_COUNT_WS_OUT);
}

static void
chat(struct ld_user *u)
{
	ws_send(u, LD_OP_CHAT_OPEN, C_OPENING,
	    "{\"type\": \"open\", \"subject\": \"Chat\"}");
}

static void
send_message(struct ld_user *u)
{
	char	text[256];

	u->seq++;
	snprintf(u->client_id, sizeof(u->client_id), "ld-%s-%lld-%u",
	    ld_run_id, (long long)u->user_id, u->seq);
	snprintf(text, sizeof(text), "{\"type\": \"send\", \"conversation\": "
	    "%lld, \"client_id\": \"%s\", \"body\": \"ld@%.1f Token sudah "
	    "masuk, terima kasih.\"}", (long long)u->conversation,
	    u->client_id, ld_now() * 1000.0);
	ws_send(u, LD_OP_CHAT_SEND, C_SENDING, text);
}

void
ld_customer_start(struct ld_user *u)
{
	double	r = ld_rand() * 71.0;

	/*
	 * Somewhere in the journey, weighted by its mean think times (30 s
	 * away, 8 reading the balance, 6 the quote, 15 from purchase to pay,
	 * 18 from the token to the message sent).
	 */
	if (r < 30)
		ld_think(u, C_HOME, 0, 45);
	else if (r < 38)
		ld_think(u, C_QUOTE, 0, 12);
	else if (r < 53)
		ld_think(u, C_BUY, 0, 9);
	else
		ld_think(u, C_CHAT, 0, 12);
}

void
ld_customer_wake(struct ld_user *u)
{
	switch (u->state) {
	case C_HOME:
		home(u);
		break;
	case C_QUOTE:
		quote(u);
		break;
	case C_BUY:
		buy(u);
		break;
	case C_PAGE:
		page(u);
		break;
	case C_PAY:
		pay(u);
		break;
	case C_CHAT:
		chat(u);
		break;
	case C_SEND:
		send_message(u);
		break;
	case C_METERS:
	case C_BALANCE:
	case C_QUOTING:
	case C_BUYING:
	case C_SHOWING:
		ld_http_abort(&u->http);
		failed(u, "timeout");
		break;
	case C_PAGING:
	case C_PAYING:
		ld_http_abort(&u->gw);
		failed(u, "timeout");
		break;
	case C_TOKEN:
		failed(u, "no token within 60 s");
		break;
	default:
		failed(u, "timeout");
		break;
	}
}

/* What the live socket brings: pushes, chat answers. */
void
ld_customer_ws(struct ld_user *u, const char *text)
{
	char	type[16], of[16], kind[16], cid[48], msg[128];
	int64_t	id;

	if (ld_json_str(text, "type", type, sizeof(type)) == -1)
		return;
	if (!strcmp(type, "push")) {
		if (ld_json_str(text, "kind", kind, sizeof(kind)) == 0 &&
		    !strcmp(kind, "token") && ld_json_num(text, "purchase",
		    &id) == 0 && id == u->purchase && u->token_at == 0) {
			u->token_at = ld_now();
			if (u->state == C_TOKEN)
				got_token(u);
		}
		return;
	}
	if (!strcmp(type, "result") && ld_json_str(text, "of", of,
	    sizeof(of)) == 0) {
		if (!strcmp(of, "open") && u->state == C_OPENING) {
			if (ld_json_num(text, "id", &id) == -1) {
				failed(u, "no conversation");
				return;
			}
			u->conversation = id;
			ld_ok(u);
			snprintf(msg, sizeof(msg), "{\"type\": \"history\", "
			    "\"conversation\": %lld, \"limit\": 50}",
			    (long long)id);
			ws_send(u, LD_OP_CHAT_HISTORY, C_HISTORY, msg);
			return;
		}
		if (!strcmp(of, "history") && u->state == C_HISTORY) {
			ld_ok(u);
			ld_think(u, C_SEND, 5, 15);
		}
		return;
	}
	if (!strcmp(type, "ack") && u->state == C_SENDING &&
	    ld_json_str(text, "client_id", cid, sizeof(cid)) == 0 &&
	    !strcmp(cid, u->client_id)) {
		ld_ok(u);
		ld_think(u, C_HOME, 15, 45);
		return;
	}
	if (!strcmp(type, "error") && (u->state == C_OPENING ||
	    u->state == C_HISTORY || u->state == C_SENDING)) {
		ld_json_str(text, "code", kind, sizeof(kind));
		snprintf(cid, sizeof(cid), "socket error: %s", kind);
		failed(u, cid);
	}
}
