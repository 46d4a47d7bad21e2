/*
 * A WebSocket client (RFC 6455) for the browser's live connection: the
 * upgrade with the session cookie and the page's Origin, masked text
 * frames out, the server's frames in.  Pings are answered; a close frame
 * or a lost connection is reported once as LD_WS_CLOSED.  Frames from
 * the server are never fragmented by Kore, so a fragment is taken as a
 * whole message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

#define WS_TEXT		0x1
#define WS_CLOSE	0x8
#define WS_PING		0x9
#define WS_PONG		0xa

static void	on_conn(struct ld_conn *, enum ld_conn_event, void *);

/* The mask needs no strength here: a fast generator will do. */
static uint32_t
mask_key(void)
{
	static uint32_t	x = 2463534242u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return (x);
}

static int
frame(struct ld_ws *ws, int op, const char *data, size_t len)
{
	unsigned char	 head[14], *buf;
	uint32_t	 key = mask_key();
	size_t		 h = 2, i;

	head[0] = (unsigned char)(0x80 | op);
	if (len < 126) {
		head[1] = (unsigned char)(0x80 | len);
	} else if (len < 65536) {
		head[1] = 0x80 | 126;
		head[2] = (unsigned char)(len >> 8);
		head[3] = (unsigned char)len;
		h = 4;
	} else {
		return (-1);
	}
	memcpy(head + h, &key, 4);
	h += 4;
	if ((buf = malloc(h + len)) == NULL)
		return (-1);
	memcpy(buf, head, h);
	for (i = 0; i < len; i++)
		buf[h + i] = (unsigned char)data[i] ^ head[h - 4 + (i & 3)];
	ld_conn_send(ws->c, buf, h + len);
	free(buf);
	return (0);
}

int
ld_ws_connect(struct ld_ws *ws, const struct ld_addr *a, const char *path,
    const char *cookie, ld_ws_fn fn, void *arg)
{
	char	req[1024];
	int	n;

	memset(ws, 0, sizeof(*ws));
	ws->fn = fn;
	ws->arg = arg;
	if ((ws->c = ld_conn_open(a, on_conn, ws)) == NULL) {
		snprintf(ws->why, sizeof(ws->why), "cannot connect");
		return (-1);
	}
	/* Queued now, sent once connected (and the TLS handshake done). */
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
	    "User-Agent: user-load\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Key: dXNlci1sb2FkIGtleSAxMg==\r\n"
	    "Origin: %s://%s:%d\r\nCookie: %s\r\n\r\n", path, a->host, a->port,
	    a->tls ? "https" : "http", a->host, a->port, cookie);
	ld_conn_send(ws->c, req, (size_t)n);
	return (0);
}

int
ld_ws_send(struct ld_ws *ws, const char *text)
{
	if (ws->c == NULL || !ws->open)
		return (-1);
	return (frame(ws, WS_TEXT, text, strlen(text)));
}

void
ld_ws_close(struct ld_ws *ws)
{
	ld_conn_close(ws->c);
	ws->c = NULL;
	ws->open = 0;
}

static void
closed(struct ld_ws *ws, const char *why)
{
	if (why != ws->why)
		snprintf(ws->why, sizeof(ws->why), "%s", why);
	ld_ws_close(ws);
	ws->fn(ws, LD_WS_CLOSED, NULL, 0, ws->arg);
}

/* The upgrade's answer: 1 when the socket is open, 0 wait, -1 refused. */
static int
upgraded(struct ld_ws *ws)
{
	struct ld_conn	*c = ws->c;
	char		*end;
	int		 status = 0;

	if ((end = strstr(c->in, "\r\n\r\n")) == NULL)
		return (c->inlen > 16384 ? -1 : 0);
	sscanf(c->in, "HTTP/1.%*d %d", &status);
	if (status != 101) {
		snprintf(ws->why, sizeof(ws->why), "upgrade refused: %d",
		    status);
		return (-1);
	}
	ld_conn_consume(c, (size_t)(end - c->in) + 4);
	ws->open = 1;
	return (1);
}

/* Hand every whole frame in c->in to the owner. */
static void
frames(struct ld_ws *ws)
{
	struct ld_conn	*c;
	unsigned char	*p;
	size_t		 h, n, off = 0;
	char		 keep;
	int		 op;

	while ((c = ws->c) != NULL && c->inlen - off >= 2) {
		p = (unsigned char *)c->in + off;
		op = p[0] & 0x0f;
		n = p[1] & 0x7f;
		h = 2;
		if (n == 126) {
			if (c->inlen - off < 4)
				break;
			n = (size_t)p[2] << 8 | p[3];
			h = 4;
		} else if (n == 127) {
			if (c->inlen - off < 10)
				break;
			n = (size_t)p[6] << 24 | (size_t)p[7] << 16 |
			    (size_t)p[8] << 8 | p[9];
			h = 10;
		}
		if (c->inlen - off < h + n)
			break;
		off += h + n;
		if (op == WS_CLOSE) {
			closed(ws, "closed by server");
			return;
		}
		if (op == WS_PING) {
			frame(ws, WS_PONG, (char *)p + h, n);
			continue;
		}
		if (op != WS_TEXT && op != 0)
			continue;
		/* NUL-end the text for the owner, in place. */
		keep = c->in[off];
		c->in[off] = '\0';
		ws->fn(ws, LD_WS_TEXT, (char *)p + h, n, ws->arg);
		if (ws->c != c)
			return;		/* the owner closed it */
		c->in[off] = keep;
	}
	if (ws->c != NULL && off > 0)
		ld_conn_consume(ws->c, off);
}

static void
on_conn(struct ld_conn *c, enum ld_conn_event ev, void *arg)
{
	struct ld_ws	*ws = arg;
	int		 r;

	(void)c;
	switch (ev) {
	case LD_CONN_UP:
		break;
	case LD_CONN_DATA:
		if (!ws->open) {
			if ((r = upgraded(ws)) == 0)
				break;
			if (r == -1) {
				closed(ws, ws->why);
				break;
			}
			ws->fn(ws, LD_WS_OPEN, NULL, 0, ws->arg);
			if (ws->c == NULL)
				break;
		}
		frames(ws);
		break;
	case LD_CONN_DOWN:
		/* The connection goes right after this; forget it first. */
		ws->c = NULL;
		ws->open = 0;
		snprintf(ws->why, sizeof(ws->why), "%s", c->why);
		ws->fn(ws, LD_WS_CLOSED, NULL, 0, ws->arg);
		break;
	}
}
