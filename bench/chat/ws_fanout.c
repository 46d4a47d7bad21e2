/*
 * ws-fanout: many WebSocket clients held open on /ws, and the latency of
 * chat fan-out to all of them.
 *
 *   ws-fanout PORT STAFF_COOKIE CUSTOMER_COOKIE CONVERSATION CLIENTS MSGS
 *
 * Opens CLIENTS sockets with the staff cookie (every one receives every
 * message of the utility's conversations), then one customer socket sends
 * MSGS chat messages, 250 ms apart (within the per-socket rate limit);
 * each body carries its send time.  Each
 * delivery's latency is the receive time minus that.  One thread, epoll,
 * a minimal client (RFC 6455: masked text frames out, unmasked in), so
 * the client costs little next to the server.
 * Prints: clients_open deliveries expected p50_ms p99_ms max_ms
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RBUF	8192

struct client {
	int	fd;
	int	open;		/* upgrade answered */
	size_t	len;
	char	buf[RBUF];
};

static double	*lat;
static long	 nlat, caplat;

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6);
}

static int
dial(int port)
{
	struct sockaddr_in	sa;
	int			fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return (-1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return (fd);
}

static int
upgrade(int fd, int port, const char *cookie)
{
	char	req[1024];
	int	n;

	n = snprintf(req, sizeof(req), "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d"
	    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\nCookie: %s\r\n\r\n", port, cookie);
	return (write(fd, req, (size_t)n) == n ? 0 : -1);
}

/* One masked text frame (the mask is zero: allowed, and cheap). */
static int
send_text(int fd, const char *text)
{
	unsigned char	frame[1024];
	size_t		n = strlen(text), h;

	frame[0] = 0x81;
	if (n < 126) {
		frame[1] = (unsigned char)(0x80 | n);
		h = 2;
	} else {
		frame[1] = 0x80 | 126;
		frame[2] = (unsigned char)(n >> 8);
		frame[3] = (unsigned char)n;
		h = 4;
	}
	memset(frame + h, 0, 4);
	memcpy(frame + h + 4, text, n);
	return (write(fd, frame, h + 4 + n) == (ssize_t)(h + 4 + n) ? 0 : -1);
}

/* Take whole frames out of c->buf; record chat message latencies. */
static void
frames(struct client *c)
{
	size_t		 h, n, off = 0;
	const char	*t;
	char		*end;

	if (!c->open) {
		char	*e;

		c->buf[c->len < RBUF ? c->len : RBUF - 1] = '\0';
		if ((e = strstr(c->buf, "\r\n\r\n")) == NULL)
			return;
		if (strncmp(c->buf, "HTTP/1.1 101", 12) != 0) {
			close(c->fd);
			c->fd = -1;
			return;
		}
		c->open = 1;
		off = (size_t)(e - c->buf) + 4;
	}
	while (c->len - off >= 2) {
		n = c->buf[off + 1] & 0x7f;
		h = 2;
		if (n == 126) {
			if (c->len - off < 4)
				break;
			n = (size_t)((unsigned char)c->buf[off + 2] << 8 |
			    (unsigned char)c->buf[off + 3]);
			h = 4;
		}
		if (c->len - off < h + n)
			break;
		/* Chat messages only: the sender's own acks are not fan-out. */
		if (memmem(c->buf + off + h, n, "\"ack\"", 5) == NULL &&
		    (t = memmem(c->buf + off + h, n, "bench@", 6)) != NULL) {
			double	sent = strtod(t + 6, &end);

			if (nlat == caplat) {
				caplat = caplat ? caplat * 2 : 1 << 20;
				lat = realloc(lat, (size_t)caplat *
				    sizeof(double));
			}
			lat[nlat++] = now_ms() - sent;
		}
		off += h + n;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
}

static int
cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

int
main(int argc, char **argv)
{
	struct epoll_event	 ev, evs[256];
	struct client		*cl, *sender;
	struct rlimit		 rl = { 65536, 65536 };
	char			 msg[512];
	double			 next, deadline, last_sent = 0;
	int			 port, nclients, msgs, sent = 0, i, n, ep, open;
	long			 conv;
	ssize_t			 r;

	if (argc != 7) {
		fprintf(stderr, "usage: ws-fanout PORT STAFF_COOKIE "
		    "CUSTOMER_COOKIE CONVERSATION CLIENTS MSGS\n");
		return (2);
	}
	port = atoi(argv[1]);
	conv = atol(argv[4]);
	nclients = atoi(argv[5]);
	msgs = atoi(argv[6]);
	setrlimit(RLIMIT_NOFILE, &rl);
	cl = calloc((size_t)nclients + 1, sizeof(*cl));
	ep = epoll_create1(0);
	for (i = 0; i <= nclients; i++) {
		if ((cl[i].fd = dial(port)) == -1 || upgrade(cl[i].fd, port,
		    i == nclients ? argv[3] : argv[2]) == -1) {
			fprintf(stderr, "ws-fanout: client %d: %s\n", i,
			    strerror(errno));
			return (1);
		}
		fcntl(cl[i].fd, F_SETFL, O_NONBLOCK);
		ev.events = EPOLLIN;
		ev.data.ptr = &cl[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, cl[i].fd, &ev);
	}
	sender = &cl[nclients];
	/* Wait until every upgrade is answered. */
	deadline = now_ms() + 60000;
	next = 0;
	for (;;) {
		for (open = 0, i = 0; i <= nclients; i++)
			open += cl[i].open;
		if (open == nclients + 1 || now_ms() > deadline)
			break;
		n = epoll_wait(ep, evs, 256, 100);
		for (i = 0; i < n; i++) {
			struct client *c = evs[i].data.ptr;

			if ((r = read(c->fd, c->buf + c->len, RBUF - 1 -
			    c->len)) > 0) {
				c->len += (size_t)r;
				frames(c);
			}
		}
	}
	/* Send, 250 ms apart, and keep reading. */
	next = now_ms();
	deadline = 0;
	for (;;) {
		if (sent < msgs && now_ms() >= next) {
			snprintf(msg, sizeof(msg), "{\"type\": \"send\", "
			    "\"conversation\": %ld, \"client_id\": \"b%d-%ld\", "
			    "\"body\": \"bench@%.3f\"}", conv, sent,
			    (long)time(NULL), now_ms());
			send_text(sender->fd, msg);
			sent++;
			last_sent = now_ms();
			next += 250;
		}
		if (sent == msgs && deadline == 0)
			deadline = last_sent + 5000;
		if (deadline != 0 && (now_ms() > deadline ||
		    nlat >= (long)msgs * (nclients + 1)))
			break;
		n = epoll_wait(ep, evs, 256, 5);
		for (i = 0; i < n; i++) {
			struct client *c = evs[i].data.ptr;

			while ((r = read(c->fd, c->buf + c->len, RBUF - 1 -
			    c->len)) > 0) {
				c->len += (size_t)r;
				frames(c);
			}
		}
	}
	qsort(lat, (size_t)nlat, sizeof(double), cmp);
	printf("%d %ld %ld %.1f %.1f %.1f\n", open, nlat,
	    (long)msgs * (nclients + 1), nlat ? lat[nlat / 2] : 0.0,
	    nlat ? lat[(nlat * 99) / 100] : 0.0, nlat ? lat[nlat - 1] : 0.0);
	return (0);
}
