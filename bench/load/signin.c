/*
 * Arriving.  A user signs in (--login-pct of them with the password:
 * scrypt on the server; the others come back to the session they have,
 * as a phone does whose app was used in the last 30 minutes), opens the
 * live socket (/ws), and starts its journey somewhere along the way, as
 * if it had been using the app for a while: a step then reaches its
 * steady load at once rather than a whole journey later.
 *
 * The socket stays open for the user's whole stay.  Lost, it counts as a
 * ws_open error and is opened again at once (the app's Live class waits
 * half a second).  A failed sign-in is tried again 5 to 10 s later.
 */
#include <stdio.h>
#include <string.h>

#include "load.h"

#define COOKIE_NAME	"__Host-hs_session="

static void	on_ws(struct ld_ws *, enum ld_ws_event, const char *, size_t,
		    void *);

static void
retry(struct ld_user *u)
{
	ld_think(u, LD_S_ARRIVE, 5, 10);
}

static void
open_socket(struct ld_user *u)
{
	ld_begin(u, u->kind == LD_CUSTOMER ? LD_OP_WS_OPEN :
	    LD_OP_STAFF_WS_OPEN);
	ld_wait(u, LD_S_SOCKET, 30);
	if (ld_ws_connect(&u->ws, &u->front, "/ws", u->cookie, on_ws, u) ==
	    -1) {
		ld_fail(u, u->ws.why);
		retry(u);
	}
}

static void
start_journey(struct ld_user *u)
{
	if (u->kind == LD_CUSTOMER)
		ld_customer_start(u);
	else
		ld_staff_start(u);
}

static void
logged_in(struct ld_http *h, int status, void *arg)
{
	struct ld_user	*u = arg;
	char		 cookie[sizeof(u->cookie)], *p;

	if (status != 200 || ld_http_header(h, "set-cookie", cookie,
	    sizeof(cookie)) == -1 || strncmp(cookie, COOKIE_NAME,
	    strlen(COOKIE_NAME)) != 0 ||
	    ld_json_str(h->body, "csrf_token", u->csrf, sizeof(u->csrf)) == -1) {
		ld_fail(u, status == 200 ? "no session in the answer" :
		    ld_http_why(h, status));
		retry(u);
		return;
	}
	if ((p = strchr(cookie, ';')) != NULL)
		*p = '\0';
	snprintf(u->cookie, sizeof(u->cookie), "%s", cookie);
	ld_ok(u);
	open_socket(u);
}

static void
resumed(struct ld_http *h, int status, void *arg)
{
	struct ld_user	*u = arg;

	if (status != 200) {
		ld_fail(u, ld_http_why(h, status));
		retry(u);
		return;
	}
	ld_ok(u);
	open_socket(u);
}

static void
sign_in(struct ld_user *u)
{
	char	body[256], headers[160];
	int	rc;

	if (ld_rand() * 100.0 < ld_opt.login_pct) {
		snprintf(body, sizeof(body), "{\"email\": \"%s\", "
		    "\"password\": \"%s\"}", u->email, ld_opt.password);
		snprintf(headers, sizeof(headers), "Origin: %s\r\n",
		    u->origin);
		ld_begin(u, u->kind == LD_CUSTOMER ? LD_OP_LOGIN :
		    LD_OP_STAFF_LOGIN);
		/* scrypt queues behind other sign-ins: a long deadline. */
		ld_wait(u, LD_S_AUTH, 60);
		ld_stats_count(LD_COUNT_HTTP);
		rc = ld_http_call(&u->http, "POST", "/api/v1/auth/login",
		    headers, body, logged_in, u);
	} else {
		ld_begin(u, u->kind == LD_CUSTOMER ? LD_OP_RESUME :
		    LD_OP_STAFF_RESUME);
		ld_wait(u, LD_S_AUTH, 30);
		rc = ld_core(u, "GET", "/api/v1/auth/me", NULL, NULL, resumed);
	}
	if (rc == -1) {
		ld_fail(u, u->http.why);
		retry(u);
	}
}

void
ld_signin_wake(struct ld_user *u)
{
	switch (u->state) {
	case LD_S_ARRIVE:
		sign_in(u);
		break;
	case LD_S_AUTH:
		ld_http_abort(&u->http);
		ld_fail(u, "timeout");
		retry(u);
		break;
	case LD_S_SOCKET:
		ld_ws_close(&u->ws);
		ld_fail(u, "timeout");
		retry(u);
		break;
	default:
		break;
	}
}

static void
reopen(struct ld_user *u)
{
	enum ld_op	op = u->kind == LD_CUSTOMER ? LD_OP_WS_OPEN :
			    LD_OP_STAFF_WS_OPEN;

	u->ws_start = ld_now();
	u->ws_step = ld_stats_current();
	if (ld_ws_connect(&u->ws, &u->front, "/ws", u->cookie, on_ws, u) ==
	    -1) {
		ld_stats_error(u->ws_step, op, u->ws.why);
		u->ws_start = 0;
	}
}

/*
 * At the start of each journey: a socket that could not be opened again
 * is tried once more (never in a tight loop against a refusing server).
 */
void
ld_signin_socket(struct ld_user *u)
{
	if (u->ws.c == NULL && !u->stopping)
		reopen(u);
}

static void
lost(struct ld_user *u)
{
	enum ld_op	op = u->kind == LD_CUSTOMER ? LD_OP_WS_OPEN :
			    LD_OP_STAFF_WS_OPEN;
	char		why[80];

	snprintf(why, sizeof(why), "%s: %s", u->ws_start > 0 ? "reopen" :
	    "lost", u->ws.why);
	ld_stats_error(u->ws_start > 0 ? u->ws_step : ld_stats_current(), op,
	    why);
	/* A reopen that failed waits for the next journey. */
	if (u->ws_start > 0) {
		u->ws_start = 0;
		return;
	}
	if (!u->stopping)
		reopen(u);
}

static void
on_ws(struct ld_ws *ws, enum ld_ws_event ev, const char *text, size_t len,
    void *arg)
{
	struct ld_user	*u = arg;

	(void)ws;
	(void)len;
	switch (ev) {
	case LD_WS_OPEN:
		if (u->state == LD_S_SOCKET) {
			ld_ok(u);
			start_journey(u);
		} else if (u->ws_start > 0) {
			ld_stats_ok(u->ws_step, u->kind == LD_CUSTOMER ?
			    LD_OP_WS_OPEN : LD_OP_STAFF_WS_OPEN,
			    (ld_now() - u->ws_start) * 1000.0);
			u->ws_start = 0;
		}
		break;
	case LD_WS_TEXT:
		ld_stats_count(LD_COUNT_WS_IN);
		if (u->kind == LD_CUSTOMER)
			ld_customer_ws(u, text);
		else
			ld_staff_ws(u, text);
		break;
	case LD_WS_CLOSED:
		if (u->state == LD_S_SOCKET) {
			ld_fail(u, u->ws.why);
			retry(u);
			break;
		}
		lost(u);
		break;
	}
}
