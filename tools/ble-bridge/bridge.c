/*
 * hs-ble-bridge: a small BLE gateway for tests and demos.
 *
 * It plays the building gateway of docs/ble-gateway.md: a WebSocket
 * server on 127.0.0.1 (subprotocol "hs-ble-gateway") for the core's
 * ble-gateway transport, and for each --meter ID=HOST:PORT a link to a
 * meter.  Here a "BLE link" is a TCP connection to a virtual meter
 * (meter-firmware/host/virtual_meter.c), which speaks the protocol's UART
 * byte stream over TCP; the bridge relays bytes and understands none of
 * them.  Like a BLE connection, a link is made when a client opens the
 * meter and dropped when it closes it (the meter then forgets the
 * session), and only one client holds a meter at a time.
 *
 * The meters that can be reached are announced to one connected client
 * every --announce-seconds, taking the clients in turn, and to each
 * client right after it connects: a core runs one connection per worker,
 * and each meter should be read once per period, not once per worker.
 *
 * Everything is one libwebsockets event loop: the WebSocket clients, the
 * raw TCP links to the meters and the timers (announcements, idle
 * links).  Every queue is bounded; a client that does not read its
 * messages is disconnected.
 */
#include <sys/queue.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libwebsockets.h>

#include "../../plugins/lib/pjson.h"

#define METERS_MAX		64
#define MSG_MAX			4096	/* one message from a client */
#define OUT_MAX			256	/* messages waiting for one client */
#define LINK_TX_MAX		1024	/* bytes waiting for one meter */
#define RX_CHUNK		256	/* bytes per "rx" message */
#define IDLE_SECONDS		30	/* a held link with no traffic */
#define DOWN_PERIODS		3	/* unannounced after a failed connect */

enum link_state {
	LINK_NONE = 0,
	LINK_CONNECTING,
	LINK_UP,
	LINK_CLOSING		/* we dropped it; lws has not finished yet */
};

struct client;

struct meter {
	char			 hex[9];
	char			 host[64];
	int			 port;
	struct client		*owner;		/* holds the link */
	uint32_t		 ref;		/* of the owner's "open" */
	struct lws		*wsi;
	enum link_state		 state;
	unsigned char		 tx[LWS_PRE + LINK_TX_MAX];
	size_t			 ntx;
	lws_sorted_usec_list_t	 idle;
	time_t			 down_until;	/* not announced before */
};

struct outmsg {
	TAILQ_ENTRY(outmsg)	 entry;
	size_t			 len;
	unsigned char		 buf[];		/* LWS_PRE, then the text */
};

/* One WebSocket client (a core worker); lws allocates and frees it. */
struct client {
	struct lws		*wsi;
	TAILQ_ENTRY(client)	 entry;		/* announcement rotation */
	TAILQ_HEAD(, outmsg)	 out;
	size_t			 nout;
	int			 closing;
	size_t			 rx_len;
	int			 rx_too_big;
	char			 rx[MSG_MAX + 1];
};

static struct meter		meters[METERS_MAX];
static size_t			nmeters;
static TAILQ_HEAD(, client)	clients = TAILQ_HEAD_INITIALIZER(clients);
static struct lws_context	*ctx;
static lws_sorted_usec_list_t	announce_sul;
static unsigned			announce_seconds = 30;
static int			verbose;
static volatile sig_atomic_t	stop;

static void	say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void	client_send(struct client *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

static void
say(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "hs-ble-bridge: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
hex(const unsigned char *b, size_t n, char *out)
{
	static const char	d[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
unhex(const char *s, unsigned char *out, size_t max)
{
	size_t		n = strlen(s), i;
	unsigned int	v;

	if (n % 2 != 0 || n / 2 > max)
		return (-1);
	for (i = 0; i < n / 2; i++) {
		if (strchr("0123456789abcdefABCDEF", s[2 * i]) == NULL ||
		    strchr("0123456789abcdefABCDEF", s[2 * i + 1]) == NULL ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return (-1);
		out[i] = (unsigned char)v;
	}
	return ((int)(n / 2));
}

static struct meter *
meter_find(const char *idhex)
{
	size_t	i;

	for (i = 0; i < nmeters; i++) {
		if (strcasecmp(meters[i].hex, idhex) == 0)
			return (&meters[i]);
	}
	return (NULL);
}

/* ------------------------------------------------------------ clients */

/* Queue one message; a client that lets OUT_MAX pile up is dropped. */
static void
client_send(struct client *c, const char *fmt, ...)
{
	struct outmsg	*m;
	va_list		 ap;
	int		 n;

	if (c->closing)
		return;
	if (c->nout >= OUT_MAX) {
		say("a client does not read its messages; disconnecting it");
		c->closing = 1;
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (m = malloc(sizeof(*m) + LWS_PRE + (size_t)n + 1)) ==
	    NULL)
		return;
	va_start(ap, fmt);
	vsnprintf((char *)m->buf + LWS_PRE, (size_t)n + 1, fmt, ap);
	va_end(ap);
	m->len = (size_t)n;
	if (verbose)
		say("> %s", (char *)m->buf + LWS_PRE);
	TAILQ_INSERT_TAIL(&c->out, m, entry);
	c->nout++;
	lws_callback_on_writable(c->wsi);
}

static void
client_error(struct client *c, const char *meter, uint32_t ref,
    const char *code, const char *message)
{
	if (ref != 0)
		client_send(c, "{\"op\": \"error\", \"meter\": \"%s\", \"ref\": "
		    "%u, \"code\": \"%s\", \"message\": \"%s\"}", meter, ref,
		    code, message);
	else
		client_send(c, "{\"op\": \"error\", \"meter\": \"%s\", \"code\": "
		    "\"%s\", \"message\": \"%s\"}", meter, code, message);
}

static void
announce_to(struct client *c)
{
	char	list[METERS_MAX * 14 + 1];
	size_t	i, off = 0;
	time_t	now = time(NULL);

	list[0] = '\0';
	for (i = 0; i < nmeters; i++) {
		if (meters[i].down_until > now)
			continue;
		off += (size_t)snprintf(list + off, sizeof(list) - off,
		    "%s\"%s\"", off ? ", " : "", meters[i].hex);
	}
	client_send(c, "{\"op\": \"announce\", \"meters\": [%s]}", list);
}

/* Every period, one client in turn gets the announcement. */
static void
announce_tick(lws_sorted_usec_list_t *sul)
{
	struct client	*c;

	if ((c = TAILQ_FIRST(&clients)) != NULL) {
		TAILQ_REMOVE(&clients, c, entry);
		TAILQ_INSERT_TAIL(&clients, c, entry);
		announce_to(c);
	}
	lws_sul_schedule(ctx, 0, sul, announce_tick,
	    (lws_usec_t)announce_seconds * LWS_US_PER_SEC);
}

/* ------------------------------------------------------- meter links */

static void	link_connect(struct meter *);

static void
idle_fire(lws_sorted_usec_list_t *sul);

static void
idle_arm(struct meter *m)
{
	lws_sul_schedule(ctx, 0, &m->idle, idle_fire,
	    (lws_usec_t)IDLE_SECONDS * LWS_US_PER_SEC);
}

/* The owner is done (or gone): drop the link, as BLE would. */
static void
link_release(struct meter *m)
{
	m->owner = NULL;
	m->ntx = 0;
	lws_sul_cancel(&m->idle);
	if (m->state == LINK_UP || m->state == LINK_CONNECTING) {
		m->state = LINK_CLOSING;
		lws_set_timeout(m->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
	}
}

static void
idle_fire(lws_sorted_usec_list_t *sul)
{
	struct meter	*m = lws_container_of(sul, struct meter, idle);

	if (m->owner == NULL)
		return;
	say("meter %s: no traffic for %d s; releasing its link", m->hex,
	    IDLE_SECONDS);
	client_send(m->owner, "{\"op\": \"closed\", \"meter\": \"%s\", "
	    "\"reason\": \"idle\"}", m->hex);
	link_release(m);
}

/*
 * The link is gone: we closed it (an open may be waiting for it), the
 * connection failed, or the meter dropped it.  Safe to call twice.
 */
static void
link_gone(struct meter *m, int connect_failed)
{
	enum link_state	was = m->state;

	if (was == LINK_NONE)
		return;
	m->state = LINK_NONE;
	m->wsi = NULL;
	m->ntx = 0;
	if (was == LINK_CLOSING) {
		if (m->owner != NULL)
			link_connect(m);
		return;
	}
	if (connect_failed)
		m->down_until = time(NULL) + (time_t)(DOWN_PERIODS *
		    announce_seconds);
	if (m->owner == NULL)
		return;
	if (connect_failed || was == LINK_CONNECTING)
		client_error(m->owner, m->hex, m->ref, "unreachable", "the "
		    "meter does not answer on its link");
	else
		client_send(m->owner, "{\"op\": \"closed\", \"meter\": \"%s\", "
		    "\"reason\": \"the meter dropped the link\"}", m->hex);
	m->owner = NULL;
	lws_sul_cancel(&m->idle);
}

static void
link_connect(struct meter *m)
{
	struct lws_client_connect_info	i;

	memset(&i, 0, sizeof(i));
	i.context = ctx;
	i.address = m->host;
	i.port = m->port;
	i.host = m->host;
	i.method = "RAW";
	i.local_protocol_name = "hs-meter-link";
	i.opaque_user_data = m;
	i.pwsi = &m->wsi;
	m->state = LINK_CONNECTING;
	if (lws_client_connect_via_info(&i) == NULL)
		link_gone(m, 1);
}

static int
meter_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct meter	*m = lws_get_opaque_user_data(wsi);
	char		 h[2 * RX_CHUNK + 1];
	size_t		 off, n;

	(void)user;
	if (m == NULL)
		return (0);
	switch (reason) {
	case LWS_CALLBACK_RAW_CONNECTED:
		if (m->state != LINK_CONNECTING)
			return (-1);
		m->state = LINK_UP;
		m->down_until = 0;
		if (m->owner != NULL)
			client_send(m->owner, "{\"op\": \"opened\", \"meter\": "
			    "\"%s\", \"ref\": %u}", m->hex, m->ref);
		if (m->ntx > 0)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_RAW_RX:
		if (m->owner == NULL || m->state != LINK_UP)
			break;		/* nobody listens: ALERTs, late replies */
		for (off = 0; off < len; off += n) {
			n = len - off > RX_CHUNK ? RX_CHUNK : len - off;
			hex((unsigned char *)in + off, n, h);
			client_send(m->owner, "{\"op\": \"rx\", \"meter\": "
			    "\"%s\", \"hex\": \"%s\"}", m->hex, h);
		}
		break;
	case LWS_CALLBACK_RAW_WRITEABLE:
		if (m->state != LINK_UP || m->ntx == 0)
			break;
		if (lws_write(wsi, m->tx + LWS_PRE, m->ntx, LWS_WRITE_RAW) <
		    (int)m->ntx)
			return (-1);
		m->ntx = 0;
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		link_gone(m, 1);
		break;
	case LWS_CALLBACK_RAW_CLOSE:
		link_gone(m, 0);
		break;
	default:
		break;
	}
	return (0);
}

/* ------------------------------------------------- client's requests */

static void
op_open(struct client *c, struct meter *m, uint32_t ref)
{
	if (ref == 0) {
		client_error(c, m->hex, 0, "bad_request", "open needs a ref");
		return;
	}
	if (m->owner != NULL) {
		client_error(c, m->hex, ref, "busy", "another session holds "
		    "this meter");
		return;
	}
	m->owner = c;
	m->ref = ref;
	m->ntx = 0;
	idle_arm(m);
	if (m->state == LINK_NONE)
		link_connect(m);
	/* LINK_CLOSING: link_gone connects once the old link is down. */
}

static void
op_tx(struct client *c, struct meter *m, const char *data, size_t len)
{
	char		text[2 * LINK_TX_MAX + 1];
	unsigned char	b[LINK_TX_MAX];
	int		n;

	if (m->owner != c) {
		client_error(c, m->hex, 0, "not_open", "open the meter first");
		return;
	}
	if (pjson_string(data, len, "hex", text, sizeof(text)) == -1 ||
	    (n = unhex(text, b, sizeof(b))) < 1) {
		client_error(c, m->hex, 0, "bad_request", "tx needs hex bytes");
		return;
	}
	if (m->ntx + (size_t)n > LINK_TX_MAX) {
		client_error(c, m->hex, 0, "overflow", "the meter's link is "
		    "not keeping up");
		return;
	}
	memcpy(m->tx + LWS_PRE + m->ntx, b, (size_t)n);
	m->ntx += (size_t)n;
	idle_arm(m);
	if (m->state == LINK_UP)
		lws_callback_on_writable(m->wsi);
}

/* One whole message from a client; bad ones are logged and dropped. */
static void
client_message(struct client *c, const char *data, size_t len)
{
	struct meter	*m;
	char		 op[16], id[16];
	int64_t		 ref = 0;

	if (verbose)
		say("< %.*s", (int)len, data);
	if (pjson_type(data, len, "") != PJSON_OBJECT ||
	    pjson_string(data, len, "op", op, sizeof(op)) == -1) {
		say("a message that is not {\"op\": ...}; dropped");
		return;
	}
	if (pjson_string(data, len, "meter", id, sizeof(id)) == -1 ||
	    strlen(id) != 8 || strspn(id, "0123456789abcdefABCDEF") != 8) {
		say("%s without a meter id; dropped", op);
		return;
	}
	if (pjson_type(data, len, "ref") != -1 && (pjson_int(data, len, "ref",
	    &ref) == -1 || ref < 1 || ref > UINT32_MAX)) {
		client_error(c, id, 0, "bad_request", "ref must be 1..2^32-1");
		return;
	}
	if ((m = meter_find(id)) == NULL) {
		client_error(c, id, (uint32_t)ref, "unknown_meter", "no such "
		    "meter behind this gateway");
		return;
	}
	if (!strcmp(op, "open"))
		op_open(c, m, (uint32_t)ref);
	else if (!strcmp(op, "tx"))
		op_tx(c, m, data, len);
	else if (!strcmp(op, "close")) {
		if (m->owner == c)
			link_release(m);
	} else
		client_error(c, id, (uint32_t)ref, "bad_request", "unknown op");
}

static void
client_gone(struct client *c)
{
	struct outmsg	*o;
	size_t		 i;

	TAILQ_REMOVE(&clients, c, entry);
	for (i = 0; i < nmeters; i++) {
		if (meters[i].owner == c)
			link_release(&meters[i]);
	}
	while ((o = TAILQ_FIRST(&c->out)) != NULL) {
		TAILQ_REMOVE(&c->out, o, entry);
		free(o);
	}
	c->nout = 0;
}

static int
client_writeable(struct client *c)
{
	struct outmsg	*o;
	int		 n;

	if ((o = TAILQ_FIRST(&c->out)) == NULL)
		return (0);
	TAILQ_REMOVE(&c->out, o, entry);
	c->nout--;
	n = lws_write(c->wsi, o->buf + LWS_PRE, o->len, LWS_WRITE_TEXT);
	free(o);
	if (n < 0)
		return (-1);
	if (!TAILQ_EMPTY(&c->out))
		lws_callback_on_writable(c->wsi);
	return (0);
}

static void
client_receive(struct client *c, struct lws *wsi, const void *in, size_t len)
{
	if (c->rx_too_big || c->rx_len + len > MSG_MAX)
		c->rx_too_big = 1;
	else {
		memcpy(c->rx + c->rx_len, in, len);
		c->rx_len += len;
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return;
	if (c->rx_too_big)
		say("a message over %d bytes; dropped", MSG_MAX);
	else if (lws_frame_is_binary(wsi))
		say("a binary message; dropped");
	else
		client_message(c, c->rx, c->rx_len);
	c->rx_len = 0;
	c->rx_too_big = 0;
}

static int
client_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct client	*c = user;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		c->wsi = wsi;
		TAILQ_INIT(&c->out);
		TAILQ_INSERT_TAIL(&clients, c, entry);
		say("a client connected");
		announce_to(c);
		return (0);
	case LWS_CALLBACK_RECEIVE:
		client_receive(c, wsi, in, len);
		return (0);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return (client_writeable(c));
	case LWS_CALLBACK_CLOSED:
		if (c->wsi == NULL)
			return (0);
		client_gone(c);
		say("a client disconnected");
		return (0);
	default:
		break;
	}
	return (lws_callback_http_dummy(wsi, reason, user, in, len));
}

static const struct lws_protocols protocols[] = {
	{ "hs-ble-gateway", client_callback, sizeof(struct client), MSG_MAX,
	    0, NULL, 0 },
	{ "hs-meter-link", meter_callback, 0, 512, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* ------------------------------------------------------------- startup */

static void
usage(void)
{
	fprintf(stderr, "usage: hs-ble-bridge --port N --meter ID=HOST:PORT "
	    "[--meter ...]\n"
	    "         [--announce-seconds N] [--verbose]\n"
	    "  ID is the meter's BLE id, 8 hex digits; HOST:PORT its virtual "
	    "meter\n");
	exit(2);
}

static long
number(const char *opt, const char *v, long min, long max)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (end == v || *end != '\0' || errno != 0 || n < min || n > max) {
		say("%s: '%s' is not a number in %ld..%ld", opt, v, min, max);
		exit(2);
	}
	return (n);
}

/* ID=HOST:PORT */
static void
add_meter(const char *spec)
{
	struct meter	*m;
	const char	*eq = strchr(spec, '='), *colon;
	size_t		 hl;

	if (nmeters == METERS_MAX) {
		say("--meter: at most %d meters", METERS_MAX);
		exit(2);
	}
	m = &meters[nmeters];
	colon = eq != NULL ? strrchr(eq, ':') : NULL;
	hl = colon != NULL ? (size_t)(colon - eq - 1) : 0;
	if (eq == NULL || eq - spec != 8 || colon == NULL || hl == 0 ||
	    hl >= sizeof(m->host)) {
		say("--meter %s: expected ID=HOST:PORT, ID 8 hex digits", spec);
		exit(2);
	}
	memcpy(m->hex, spec, 8);
	m->hex[8] = '\0';
	if (strspn(m->hex, "0123456789abcdefABCDEF") != 8) {
		say("--meter %s: the id must be 8 hex digits", spec);
		exit(2);
	}
	if (meter_find(m->hex) != NULL) {
		say("--meter %s: meter %s twice", spec, m->hex);
		exit(2);
	}
	memcpy(m->host, eq + 1, hl);
	m->host[hl] = '\0';
	m->port = (int)number("--meter", colon + 1, 1, 65535);
	nmeters++;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info	info;
	int					i, port = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--verbose")) {
			verbose = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--port"))
			port = (int)number("--port", argv[++i], 1, 65535);
		else if (!strcmp(argv[i], "--meter"))
			add_meter(argv[++i]);
		else if (!strcmp(argv[i], "--announce-seconds"))
			announce_seconds = (unsigned)number("--announce-seconds",
			    argv[++i], 1, 86400);
		else
			usage();
	}
	if (port == 0 || nmeters == 0)
		usage();

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = port;
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	if ((ctx = lws_create_context(&info)) == NULL) {
		say("cannot listen on 127.0.0.1:%d", port);
		return (1);
	}
	lws_sul_schedule(ctx, 0, &announce_sul, announce_tick,
	    (lws_usec_t)announce_seconds * LWS_US_PER_SEC);
	say("listening on 127.0.0.1:%d, %zu meter(s), announcing every %u s",
	    port, nmeters, announce_seconds);
	while (!stop && lws_service(ctx, 0) >= 0)
		;
	lws_context_destroy(ctx);
	return (0);
}
