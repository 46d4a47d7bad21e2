/*
 * Outbound WebSockets.  A connection lives on two threads: the lws thread
 * owns the socket, the worker thread owns the plugin's callbacks.  The
 * struct is shared and reference counted: one reference for each side
 * while it is open, one for each call posted across.  Whichever drops the
 * last reference frees it, so no thread ever touches freed memory however
 * a close, a send and an error interleave.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>

#include "net/loop_lws.h"
#include "net/wsc.h"
#include "obs/log.h"

#define WSC_HEADERS_MAX	16

struct wsc_frame {
	unsigned char		*data;	/* LWS_PRE bytes of room first */
	size_t			 len;
	int			 binary;
	TAILQ_ENTRY(wsc_frame)	 list;
};

struct hs_ws {
	int			 refs;

	/* Immutable after connect. */
	char			*url;
	char			 path[2048];
	char			*hnames[WSC_HEADERS_MAX];
	char			*hvalues[WSC_HEADERS_MAX];
	size_t			 nheaders;
	char			*subprotocol;
	uint32_t		 timeout_ms;
	struct hs_ws_events	 events;
	void			*arg;

	/* Worker thread only. */
	int			 user_closed;	/* on_close delivered */
	int			 send_closed;	/* ws_close called */

	/* lws thread only. */
	struct lws		*wsi;
	lws_sorted_usec_list_t	 sul;
	int			 opened;
	int			 closing;
	int			 finished;
	int			 close_code;
	char			 close_reason[124];
	unsigned char		*rx;
	size_t			 rx_len;
	TAILQ_HEAD(, wsc_frame)	 tx;
	TAILQ_ENTRY(hs_ws)	 list;
};

struct wsc_msg {
	struct hs_ws		*ws;
	unsigned char		*data;
	size_t			 len;
	int			 binary;
};

struct wsc_close {
	struct hs_ws		*ws;
	int			 code;
	char			 reason[124];
};

struct wsc_send {
	struct hs_ws		*ws;
	struct wsc_frame	*frame;
};

static TAILQ_HEAD(, hs_ws)	live = TAILQ_HEAD_INITIALIZER(live);

static void
ws_free(struct hs_ws *ws)
{
	struct wsc_frame	*f;
	size_t			 i;

	while ((f = TAILQ_FIRST(&ws->tx)) != NULL) {
		TAILQ_REMOVE(&ws->tx, f, list);
		free(f->data);
		free(f);
	}
	for (i = 0; i < ws->nheaders; i++) {
		free(ws->hnames[i]);
		free(ws->hvalues[i]);
	}
	free(ws->rx);
	free(ws->subprotocol);
	free(ws->url);
	free(ws);
}

static void
ws_unref(struct hs_ws *ws)
{
	if (__atomic_sub_fetch(&ws->refs, 1, __ATOMIC_ACQ_REL) == 0)
		ws_free(ws);
}

static void
ws_ref(struct hs_ws *ws)
{
	__atomic_add_fetch(&ws->refs, 1, __ATOMIC_ACQ_REL);
}

/* ---------------------------------------------------- worker-side events */

static void
deliver_open(void *arg)
{
	struct hs_ws	*ws = arg;

	if (!ws->user_closed && ws->events.on_open != NULL)
		ws->events.on_open(ws->arg, ws);
	ws_unref(ws);
}

static void
deliver_message(void *arg)
{
	struct wsc_msg	*m = arg;

	if (!m->ws->user_closed && m->ws->events.on_message != NULL)
		m->ws->events.on_message(m->ws->arg, m->ws, m->data, m->len,
		    m->binary);
	ws_unref(m->ws);
	free(m->data);
	free(m);
}

static void
deliver_close(void *arg)
{
	struct wsc_close	*c = arg;
	struct hs_ws		*ws = c->ws;

	if (!ws->user_closed) {
		ws->user_closed = 1;
		if (ws->events.on_close != NULL)
			ws->events.on_close(ws->arg, ws, c->code, c->reason);
		ws_unref(ws);		/* the worker side's own reference */
	}
	ws_unref(ws);			/* this posted call's reference */
	free(c);
}

/* --------------------------------------------------------- lws thread */

static void
ws_finish(struct hs_ws *ws, int code, const char *reason)
{
	struct wsc_close	*c;

	if (ws->finished)
		return;
	ws->finished = 1;
	lws_sul_cancel(&ws->sul);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("wsc: out of memory");
	c->ws = ws;
	c->code = code;
	snprintf(c->reason, sizeof(c->reason), "%s", reason ? reason : "");
	ws_ref(ws);
	hs_net_deliver(deliver_close, c);
}

static void
ws_connect_timeout(lws_sorted_usec_list_t *sul)
{
	struct hs_ws	*ws = lws_container_of(sul, struct hs_ws, sul);

	if (ws->opened)
		return;
	ws_finish(ws, 1006, "connect timeout");
	if (ws->wsi != NULL)
		lws_set_timeout(ws->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
}

static void
ws_start(void *arg)
{
	struct lws_client_connect_info	 info;
	struct hs_ws			*ws = arg;
	const char			*proto, *host, *path;
	int				 port;

	TAILQ_INSERT_TAIL(&live, ws, list);
	if (lws_parse_uri(ws->url, &proto, &host, &port, &path)) {
		ws_finish(ws, 1006, "bad url");
		return;
	}
	snprintf(ws->path, sizeof(ws->path), "/%s", path);
	memset(&info, 0, sizeof(info));
	info.context = hs_net_context();
	info.address = host;
	info.port = port;
	info.path = ws->path;
	info.host = host;
	info.origin = host;
	info.protocol = ws->subprotocol;
	info.local_protocol_name = "hs-ws";
	info.opaque_user_data = ws;
	info.pwsi = &ws->wsi;
	if (!strcmp(proto, "wss")) {
		info.ssl_connection = LCCSCF_USE_SSL;
	} else if (strcmp(proto, "ws")) {
		ws_finish(ws, 1006, "scheme must be ws or wss");
		return;
	}
	lws_sul_schedule(hs_net_context(), 0, &ws->sul, ws_connect_timeout,
	    (lws_usec_t)ws->timeout_ms * LWS_US_PER_MS);
	if (lws_client_connect_via_info(&info) == NULL) {
		ws->wsi = NULL;
		ws_finish(ws, 1006, "cannot connect");
	}
}

static void
ws_enqueue(void *arg)
{
	struct wsc_send	*s = arg;

	if (s->ws->finished || s->ws->closing) {
		free(s->frame->data);
		free(s->frame);
	} else {
		TAILQ_INSERT_TAIL(&s->ws->tx, s->frame, list);
		if (s->ws->opened && s->ws->wsi != NULL)
			lws_callback_on_writable(s->ws->wsi);
	}
	ws_unref(s->ws);
	free(s);
}

static void
ws_begin_close(void *arg)
{
	struct hs_ws	*ws = arg;

	if (!ws->finished) {
		ws->closing = 1;
		if (ws->opened && ws->wsi != NULL)
			lws_callback_on_writable(ws->wsi);
		else if (ws->wsi != NULL)
			lws_set_timeout(ws->wsi, PENDING_TIMEOUT_USER_OK,
			    LWS_TO_KILL_ASYNC);
		else
			ws_finish(ws, 1000, "closed before opening");
	}
	ws_unref(ws);
}

static int
ws_write_one(struct lws *wsi, struct hs_ws *ws)
{
	struct wsc_frame	*f;

	if ((f = TAILQ_FIRST(&ws->tx)) == NULL)
		return (0);
	TAILQ_REMOVE(&ws->tx, f, list);
	if (lws_write(wsi, f->data + LWS_PRE, f->len,
	    f->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) < (int)f->len) {
		free(f->data);
		free(f);
		return (-1);
	}
	free(f->data);
	free(f);
	if (!TAILQ_EMPTY(&ws->tx))
		lws_callback_on_writable(wsi);
	return (0);
}

static int
ws_receive(struct lws *wsi, struct hs_ws *ws, const void *in, size_t len)
{
	struct wsc_msg	*m;
	unsigned char	*p;

	if (ws->rx_len + len > HS_WSC_MESSAGE_MAX) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
		    NULL, 0);
		return (-1);
	}
	if ((p = realloc(ws->rx, ws->rx_len + len + 1)) == NULL)
		fatal("wsc: out of memory");
	ws->rx = p;
	memcpy(ws->rx + ws->rx_len, in, len);
	ws->rx_len += len;
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return (0);

	if ((m = calloc(1, sizeof(*m))) == NULL)
		fatal("wsc: out of memory");
	m->ws = ws;
	m->data = ws->rx;
	m->data[ws->rx_len] = '\0';
	m->len = ws->rx_len;
	m->binary = lws_frame_is_binary(wsi);
	ws->rx = NULL;
	ws->rx_len = 0;
	ws_ref(ws);
	hs_net_deliver(deliver_message, m);
	return (0);
}

static int
ws_append_headers(struct lws *wsi, struct hs_ws *ws, void *in, size_t len)
{
	unsigned char	**p = in, *end = (*p) + len;
	char		 name[128];
	size_t		 i;
	int		 n;

	for (i = 0; i < ws->nheaders; i++) {
		n = snprintf(name, sizeof(name), "%s:", ws->hnames[i]);
		if (n < 0 || (size_t)n >= sizeof(name))
			return (-1);
		if (lws_add_http_header_by_name(wsi, (unsigned char *)name,
		    (unsigned char *)ws->hvalues[i],
		    (int)strlen(ws->hvalues[i]), p, end))
			return (-1);
	}
	return (0);
}

int
hs_wsc_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct hs_ws	*ws;

	if ((ws = lws_get_opaque_user_data(wsi)) == NULL)
		return (lws_callback_http_dummy(wsi, reason, user, in, len));

	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return (ws_append_headers(wsi, ws, in, len));
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		ws->opened = 1;
		lws_sul_cancel(&ws->sul);
		ws_ref(ws);
		hs_net_deliver(deliver_open, ws);
		if (!TAILQ_EMPTY(&ws->tx) || ws->closing)
			lws_callback_on_writable(wsi);
		return (0);
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return (ws_receive(wsi, ws, in, len));
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (ws->closing && TAILQ_EMPTY(&ws->tx)) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
			ws->close_code = 1000;
			return (-1);
		}
		return (ws_write_one(wsi, ws));
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2) {
			const unsigned char *b = in;

			ws->close_code = (b[0] << 8) | b[1];
			snprintf(ws->close_reason, sizeof(ws->close_reason),
			    "%.*s", (int)(len - 2), (const char *)in + 2);
		}
		return (0);
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		ws_finish(ws, 1006, in != NULL ? (const char *)in :
		    "connection error");
		return (0);
	case LWS_CALLBACK_CLIENT_CLOSED:
		ws_finish(ws, ws->close_code ? ws->close_code : 1006,
		    ws->close_reason);
		return (0);
	case LWS_CALLBACK_WSI_DESTROY:
		ws_finish(ws, ws->close_code ? ws->close_code : 1006,
		    ws->close_reason);
		ws->wsi = NULL;
		return (0);
	default:
		break;
	}
	return (lws_callback_http_dummy(wsi, reason, user, in, len));
}

/* lws thread: drop the network side's reference of finished sockets. */
void
hs_wsc_sweep(void)
{
	struct hs_ws	*ws, *next;

	for (ws = TAILQ_FIRST(&live); ws != NULL; ws = next) {
		next = TAILQ_NEXT(ws, list);
		if (ws->finished && ws->wsi == NULL) {
			TAILQ_REMOVE(&live, ws, list);
			ws_unref(ws);
		}
	}
}

/* --------------------------------------------------------- worker API */

static char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("wsc: out of memory");
	return (p);
}

struct hs_ws *
hs_wsc_connect(const struct hs_ws_conf *conf, const struct hs_ws_events *ev,
    void *arg)
{
	struct hs_ws	*ws;
	size_t		 i;

	if (!hs_net_running() || conf == NULL || ev == NULL ||
	    conf->url == NULL || conf->nheaders > WSC_HEADERS_MAX ||
	    (strncmp(conf->url, "ws://", 5) && strncmp(conf->url, "wss://", 6)))
		return (NULL);
	if ((ws = calloc(1, sizeof(*ws))) == NULL)
		fatal("wsc: out of memory");
	ws->refs = 2;		/* the worker side and the network side */
	TAILQ_INIT(&ws->tx);
	ws->url = xstrdup(conf->url);
	for (i = 0; i < conf->nheaders; i++) {
		ws->hnames[i] = xstrdup(conf->headers[i].name);
		ws->hvalues[i] = xstrdup(conf->headers[i].value);
	}
	ws->nheaders = conf->nheaders;
	if (conf->subprotocol != NULL)
		ws->subprotocol = xstrdup(conf->subprotocol);
	ws->timeout_ms = conf->connect_timeout_ms ? conf->connect_timeout_ms :
	    10000;
	memcpy(&ws->events, ev, ev->size < sizeof(ws->events) ? ev->size :
	    sizeof(ws->events));
	ws->arg = arg;
	hs_net_post(ws_start, ws);
	return (ws);
}

int
hs_wsc_send(struct hs_ws *ws, const void *data, size_t len, int binary)
{
	struct wsc_send		*s;
	struct wsc_frame	*f;

	if (ws == NULL || ws->user_closed || ws->send_closed ||
	    len > HS_WSC_MESSAGE_MAX)
		return (HS_E_UNAVAILABLE);
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->data = malloc(LWS_PRE + len + 1)) == NULL ||
	    (s = calloc(1, sizeof(*s))) == NULL)
		fatal("wsc: out of memory");
	memcpy(f->data + LWS_PRE, data, len);
	f->len = len;
	f->binary = binary;
	s->ws = ws;
	s->frame = f;
	ws_ref(ws);
	hs_net_post(ws_enqueue, s);
	return (HS_OK);
}

void
hs_wsc_close(struct hs_ws *ws)
{
	if (ws == NULL || ws->user_closed || ws->send_closed)
		return;
	ws->send_closed = 1;
	ws_ref(ws);
	hs_net_post(ws_begin_close, ws);
}
