/*
 * HTTP/1.1, one exchange at a time on a connection: kept open between
 * calls (a browser's keep-alive connection to the core) or made for each
 * call (a visit to the payment gateway's page).
 *
 * A request that went on a kept connection which the server closed
 * before any byte of the answer is sent once more on a new connection,
 * as browsers do: the server's keep-alive timeout and the request crossed.
 * Answers are read by Content-Length or chunked encoding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "load.h"

static void	on_conn(struct ld_conn *, enum ld_conn_event, void *);

void
ld_http_init(struct ld_http *h, const struct ld_addr *a, int keepalive)
{
	memset(h, 0, sizeof(*h));
	h->addr = *a;
	h->keepalive = keepalive;
}

static int
transmit(struct ld_http *h)
{
	h->reused = h->c != NULL;
	if (h->c == NULL &&
	    (h->c = ld_conn_open(&h->addr, on_conn, h)) == NULL) {
		snprintf(h->why, sizeof(h->why), "cannot connect");
		return (-1);
	}
	h->got_bytes = 0;
	ld_conn_send(h->c, h->req, h->reqlen);
	return (0);
}

/*
 * Send a request; fn(h, status, arg) runs from the event loop with the
 * answer in h->head and h->body, or status -1 and the reason in h->why.
 * headers: extra header lines, each ending in CRLF, or NULL.  -1 when no
 * connection could even be started (fn is then not called).
 */
int
ld_http_call(struct ld_http *h, const char *method, const char *path,
    const char *headers, const char *body, ld_http_fn fn, void *arg)
{
	size_t	blen = body != NULL ? strlen(body) : 0;
	size_t	cap = strlen(path) + (headers ? strlen(headers) : 0) + blen +
		    256;
	int	n;

	free(h->req);
	free(h->head);
	free(h->body);
	h->head = h->body = NULL;
	h->bodylen = 0;
	h->status = 0;
	h->why[0] = '\0';
	if ((h->req = malloc(cap)) == NULL)
		return (-1);
	n = snprintf(h->req, cap, "%s %s HTTP/1.1\r\nHost: %s:%d\r\n"
	    "User-Agent: user-load\r\nAccept: */*\r\n%s%s", method, path,
	    h->addr.host, h->addr.port, headers ? headers : "",
	    h->keepalive ? "" : "Connection: close\r\n");
	if (body != NULL)
		n += snprintf(h->req + n, cap - (size_t)n, "Content-Type: "
		    "application/json\r\nContent-Length: %zu\r\n", blen);
	n += snprintf(h->req + n, cap - (size_t)n, "\r\n");
	if (body != NULL)
		memcpy(h->req + n, body, blen);
	h->reqlen = (size_t)n + blen;
	h->fn = fn;
	h->arg = arg;
	h->busy = 1;
	if (transmit(h) == -1) {
		h->busy = 0;
		return (-1);
	}
	return (0);
}

/* Give up on the exchange under way: no callback, the connection goes. */
void
ld_http_abort(struct ld_http *h)
{
	ld_conn_close(h->c);
	h->c = NULL;
	h->busy = 0;
}

static const char *
find_header(const char *head, const char *name, size_t *vlen)
{
	const char	*p = head;
	size_t		 n = strlen(name);

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			*vlen = strcspn(p, "\r\n");
			return (p);
		}
	}
	return (NULL);
}

int
ld_http_header(const struct ld_http *h, const char *name, char *out,
    size_t len)
{
	const char	*v;
	size_t		 n;

	if (h->head == NULL || (v = find_header(h->head, name, &n)) == NULL)
		return (-1);
	snprintf(out, len, "%.*s", (int)n, v);
	return (0);
}

/*
 * The chunked body starting at p (n bytes there): its decoded length in
 * *blen and the bytes it takes in *used; 0 when it is not all there yet.
 */
static int
dechunk(const char *p, size_t n, char *out, size_t *blen, size_t *used)
{
	size_t		 off = 0, size;
	const char	*eol;
	char		*end;

	*blen = 0;
	for (;;) {
		if ((eol = memmem(p + off, n - off, "\r\n", 2)) == NULL)
			return (0);
		size = strtoul(p + off, &end, 16);
		off = (size_t)(eol - p) + 2;
		if (size == 0) {
			/* No trailers from our servers: just the last CRLF. */
			if (n - off < 2)
				return (0);
			*used = off + 2;
			return (1);
		}
		if (n - off < size + 2)
			return (0);
		if (out != NULL)
			memcpy(out + *blen, p + off, size);
		*blen += size;
		off += size + 2;
	}
}

/* A whole answer in c->in?  1 and it is taken, 0 not yet, -1 garbage. */
static int
parse(struct ld_http *h)
{
	struct ld_conn	*c = h->c;
	const char	*end, *v;
	size_t		 hlen, blen, used, vlen;
	int		 chunked = 0;

	if ((end = strstr(c->in, "\r\n\r\n")) == NULL)
		return (c->inlen > 65536 ? -1 : 0);
	hlen = (size_t)(end - c->in) + 4;
	if (sscanf(c->in, "HTTP/1.%*d %d", &h->status) != 1)
		return (-1);
	if ((v = find_header(c->in, "transfer-encoding", &vlen)) != NULL &&
	    v < end && vlen >= 7 && !strncasecmp(v, "chunked", 7))
		chunked = 1;
	if (chunked) {
		if (!dechunk(c->in + hlen, c->inlen - hlen, NULL, &blen, &used))
			return (0);
	} else {
		v = find_header(c->in, "content-length", &vlen);
		blen = v != NULL && v < end ? strtoul(v, NULL, 10) : 0;
		used = blen;
		if (c->inlen - hlen < blen)
			return (0);
	}
	if ((h->head = malloc(hlen + 1)) == NULL ||
	    (h->body = malloc(blen + 1)) == NULL)
		return (-1);
	memcpy(h->head, c->in, hlen);
	h->head[hlen] = '\0';
	if (chunked)
		dechunk(c->in + hlen, c->inlen - hlen, h->body, &blen, &used);
	else
		memcpy(h->body, c->in + hlen, blen);
	h->body[blen] = '\0';
	h->bodylen = blen;
	ld_conn_consume(c, hlen + used);
	return (1);
}

static void
finish(struct ld_http *h, int status)
{
	char	conn[32];

	h->busy = 0;
	free(h->req);
	h->req = NULL;
	if (h->c != NULL && (!h->keepalive || status < 0 ||
	    (ld_http_header(h, "connection", conn, sizeof(conn)) == 0 &&
	    !strcasecmp(conn, "close")))) {
		ld_conn_close(h->c);
		h->c = NULL;
	}
	if (h->fn != NULL)
		h->fn(h, status, h->arg);
}

static void
on_conn(struct ld_conn *c, enum ld_conn_event ev, void *arg)
{
	struct ld_http	*h = arg;
	int		 r;

	switch (ev) {
	case LD_CONN_UP:
		break;
	case LD_CONN_DATA:
		if (!h->busy) {
			/* Nothing asked: whatever this is, drop it. */
			ld_conn_consume(c, c->inlen);
			break;
		}
		h->got_bytes = 1;
		if ((r = parse(h)) == 0)
			break;
		if (r == -1) {
			snprintf(h->why, sizeof(h->why), "unreadable answer");
			finish(h, -1);
			break;
		}
		finish(h, h->status);
		break;
	case LD_CONN_DOWN:
		h->c = NULL;
		if (!h->busy)
			break;
		if (h->reused && !h->got_bytes) {
			if (transmit(h) == 0)
				break;
		}
		snprintf(h->why, sizeof(h->why), "%s", c->why);
		finish(h, -1);
		break;
	}
}
