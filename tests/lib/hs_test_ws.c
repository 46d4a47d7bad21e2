/*
 * A blocking WebSocket client for the tests, on libwebsockets: an
 * independent implementation of the protocol, so the server's /ws is
 * checked against a client it was not written with.  One lws context per
 * connection keeps the code simple; received text messages are queued and
 * taken in order.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libwebsockets.h>

#include "hs_test_ws.h"

struct msg {
	struct msg	*next;
	char		*text;
};

struct hs_test_ws {
	struct lws_context	*ctx;
	struct lws		*wsi;
	char			 cookie[256];
	int			 open, failed, closed;
	struct msg		*head, *tail;
	char			*partial;
	size_t			 partial_len;
	char			*out;		/* one message waiting to go */
	size_t			 out_len;
	lws_sorted_usec_list_t	 wake;		/* ends a wait on time */
};

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct hs_test_ws	*w = user;
	unsigned char		**p, *end;
	struct msg		*m;
	unsigned char		*buf;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		if (w == NULL || w->cookie[0] == '\0')
			break;
		p = (unsigned char **)in;
		end = *p + len;
		if (lws_add_http_header_by_name(wsi,
		    (const unsigned char *)"cookie:",
		    (const unsigned char *)w->cookie, (int)strlen(w->cookie),
		    p, end))
			return (-1);
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		w->open = 1;
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (w != NULL)
			w->failed = 1;
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		w->closed = 1;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		w->partial = realloc(w->partial, w->partial_len + len + 1);
		memcpy(w->partial + w->partial_len, in, len);
		w->partial_len += len;
		w->partial[w->partial_len] = '\0';
		if (!lws_is_final_fragment(wsi))
			break;
		m = calloc(1, sizeof(*m));
		m->text = w->partial;
		w->partial = NULL;
		w->partial_len = 0;
		if (w->tail != NULL)
			w->tail->next = m;
		else
			w->head = m;
		w->tail = m;
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (w->out == NULL)
			break;
		buf = malloc(LWS_PRE + w->out_len);
		memcpy(buf + LWS_PRE, w->out, w->out_len);
		lws_write(wsi, buf + LWS_PRE, w->out_len, LWS_WRITE_TEXT);
		free(buf);
		free(w->out);
		w->out = NULL;
		break;
	default:
		break;
	}
	return (0);
}

static const struct lws_protocols protocols[] = {
	{ "hs-test", callback, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000L + ts.tv_nsec / 1000000L);
}

/* Scheduled only to wake lws_service() up. */
static void
woken(lws_sorted_usec_list_t *sul)
{
	(void)sul;
}

/*
 * One round of lws_service() that returns by the deadline at the latest.
 * Since lws 3.2 the service call ignores its timeout and sleeps until an
 * event comes, so on a quiet connection a wait "for 500 ms" could last
 * until lws's next internal timer, many seconds later: a timer of our own
 * at the deadline is the event that ends it.
 */
static void
service(struct hs_test_ws *w, long deadline)
{
	long	left = deadline - now_ms();

	lws_sul_schedule(w->ctx, 0, &w->wake, woken,
	    (lws_usec_t)(left > 0 ? left : 0) * 1000);
	lws_service(w->ctx, 0);
	lws_sul_cancel(&w->wake);
}

struct hs_test_ws *
hs_test_ws_open(int port, const char *path, const char *cookie)
{
	struct lws_context_creation_info	 info;
	struct lws_client_connect_info		 cc;
	struct hs_test_ws			*w;
	char					 origin[64];
	long					 deadline;

	lws_set_log_level(0, NULL);
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return (NULL);
	if (cookie != NULL)
		snprintf(w->cookie, sizeof(w->cookie), "%s", cookie);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	if ((w->ctx = lws_create_context(&info)) == NULL) {
		free(w);
		return (NULL);
	}
	snprintf(origin, sizeof(origin), "http://127.0.0.1:%d", port);
	memset(&cc, 0, sizeof(cc));
	cc.context = w->ctx;
	cc.address = "127.0.0.1";
	cc.port = port;
	cc.path = path;
	cc.host = "127.0.0.1";
	cc.origin = origin;
	cc.protocol = NULL;
	cc.local_protocol_name = "hs-test";
	cc.userdata = w;
	cc.pwsi = &w->wsi;
	if (lws_client_connect_via_info(&cc) == NULL) {
		hs_test_ws_close(w);
		return (NULL);
	}
	deadline = now_ms() + 5000;
	while (!w->open && !w->failed && !w->closed && now_ms() < deadline)
		service(w, deadline);
	if (!w->open) {
		hs_test_ws_close(w);
		return (NULL);
	}
	return (w);
}

int
hs_test_ws_send(struct hs_test_ws *w, const char *text)
{
	long	deadline = now_ms() + 5000;

	if (w->closed || w->out != NULL)
		return (-1);
	w->out_len = strlen(text);
	w->out = malloc(w->out_len + 1);
	memcpy(w->out, text, w->out_len + 1);
	lws_callback_on_writable(w->wsi);
	while (w->out != NULL && !w->closed && now_ms() < deadline)
		service(w, deadline);
	return (w->out == NULL ? 0 : -1);
}

int
hs_test_ws_recv(struct hs_test_ws *w, const char *needle, int timeout_ms,
    char *out, size_t len)
{
	struct msg	*m, *prev;
	long		 deadline = now_ms() + timeout_ms;

	for (;;) {
		prev = NULL;
		for (m = w->head; m != NULL; prev = m, m = m->next) {
			if (needle != NULL && strstr(m->text, needle) == NULL)
				continue;
			if (out != NULL)
				snprintf(out, len, "%s", m->text);
			if (prev != NULL)
				prev->next = m->next;
			else
				w->head = m->next;
			if (w->tail == m)
				w->tail = prev;
			free(m->text);
			free(m);
			return (0);
		}
		if (w->closed || now_ms() >= deadline)
			return (-1);
		service(w, deadline);
	}
}

int
hs_test_ws_count(struct hs_test_ws *w, const char *needle, int wait_ms)
{
	struct msg	*m;
	long		 deadline = now_ms() + wait_ms;
	int		 n = 0;

	while (now_ms() < deadline && !w->closed)
		service(w, deadline);
	for (m = w->head; m != NULL; m = m->next) {
		if (strstr(m->text, needle) != NULL)
			n++;
	}
	return (n);
}

int
hs_test_ws_is_closed(struct hs_test_ws *w, int wait_ms)
{
	long	deadline = now_ms() + wait_ms;

	while (!w->closed && now_ms() < deadline)
		service(w, deadline);
	return (w->closed);
}

void
hs_test_ws_close(struct hs_test_ws *w)
{
	struct msg	*m, *next;

	if (w == NULL)
		return;
	if (w->ctx != NULL)
		lws_context_destroy(w->ctx);
	for (m = w->head; m != NULL; m = next) {
		next = m->next;
		free(m->text);
		free(m);
	}
	free(w->partial);
	free(w->out);
	free(w);
}
