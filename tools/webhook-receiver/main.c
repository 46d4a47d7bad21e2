/*
 * hs-webhook-receiver: a test integrator for the webhook transport.
 *
 *	hs-webhook-receiver --port N --secret S [--secret S2] [--max-age 300]
 *	    [--fail 500|429|410 --fail-count N] [--quiet]
 *
 * Listens on 127.0.0.1:N (0: any free port) and prints exactly
 * "hs-webhook-receiver listening on 127.0.0.1:PORT" on stdout.  Every
 * POST outside /_control/ is a delivery: verified as docs/webhooks.md
 * says (hooks.c) with any of the secrets, deduped on HydroSync-Event-Id
 * and recorded.  Replies: 200 for a verified event (first time or
 * duplicate), 401 for a bad or missing signature or a stale timestamp.
 *
 *	POST /_control/fail?status=500&count=N
 *		the next N verified deliveries fail with that status (429
 *		with Retry-After: 1)
 *	GET /_control/events
 *		{"verified", "duplicates", "rejected", "failed", "events":
 *		[{"id", "type", "count"}]}: verified counts distinct events,
 *		duplicates their repeats, count the deliveries of one event
 *
 * One process, one thread, poll(); SIGINT or SIGTERM stops it cleanly.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "receiver.h"

#define CONNS_MAX	128
#define IDLE_SECONDS	30
#define IN_MAX		(RCV_HEAD_MAX + RCV_BODY_MAX)

struct conn {
	int			 fd;
	char			*in;
	size_t			 in_len, in_cap;
	char			*out;
	size_t			 out_len, out_off;
	int			 have_head;
	int			 closing;	/* close once out is sent */
	time_t			 last;
	struct rcv_request	 req;
};

static volatile sig_atomic_t	stop;
static struct conn		*conns[CONNS_MAX];
static struct rcv_state		st;

static void
usage(void)
{
	fprintf(stderr, "usage: hs-webhook-receiver --port N --secret S "
	    "[--secret S2] [--max-age SECONDS]\n"
	    "           [--fail 500|429|410 --fail-count N] [--quiet]\n");
	exit(2);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static long
number(const char *s, long min, long max, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || v < min || v > max) {
		fprintf(stderr, "hs-webhook-receiver: %s must be %ld..%ld, "
		    "not '%s'\n", what, min, max, s);
		exit(2);
	}
	return (v);
}

static void
conn_close(size_t i)
{
	struct conn	*c = conns[i];

	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
	conns[i] = NULL;
}

/* Append bytes to the output; -1 when out of memory. */
static int
conn_queue(struct conn *c, const char *buf, size_t len)
{
	char	*p;

	if ((p = realloc(c->out, c->out_len + len)) == NULL)
		return (-1);
	memcpy(p + c->out_len, buf, len);
	c->out = p;
	c->out_len += len;
	return (0);
}

static void
conn_reply(struct conn *c, struct rcv_reply *r, int keep_alive)
{
	char	*bytes;
	size_t	 len = 0;

	if ((bytes = rcv_format(r, keep_alive, &len)) == NULL ||
	    conn_queue(c, bytes, len) == -1)
		c->closing = 1;
	if (!keep_alive)
		c->closing = 1;
	free(bytes);
	free(r->body);
	r->body = NULL;
}

/* Answer every whole request buffered so far. */
static void
conn_process(struct conn *c)
{
	struct rcv_reply	 r;
	size_t			 whole;
	int			 rc;

	while (!c->closing) {
		memset(&r, 0, sizeof(r));
		if (!c->have_head) {
			if ((rc = rcv_parse_head(c->in, c->in_len, &c->req)) ==
			    0)
				return;
			if (rc != 1) {
				rcv_json(&r, rc, "{\"error\": \"%s\"}",
				    rcv_reason(rc));
				conn_reply(c, &r, 0);
				return;
			}
			c->have_head = 1;
			if (c->req.expect_continue && c->req.body_len > 0 &&
			    c->in_len < c->req.head_len + c->req.body_len &&
			    conn_queue(c, "HTTP/1.1 100 Continue\r\n\r\n",
			    25) == -1)
				c->closing = 1;
		}
		whole = c->req.head_len + c->req.body_len;
		if (c->in_len < whole)
			return;
		c->req.body = c->in + c->req.head_len;
		rcv_handle(&st, &c->req, time(NULL), &r);
		conn_reply(c, &r, c->req.keep_alive);
		memmove(c->in, c->in + whole, c->in_len - whole);
		c->in_len -= whole;
		c->have_head = 0;
	}
}

static void
conn_read(size_t i)
{
	struct conn	*c = conns[i];
	ssize_t		 n;
	size_t		 cap;
	char		*p;

	if (c->in_cap - c->in_len < 4096) {
		cap = c->in_cap == 0 ? 8192 : c->in_cap * 2;
		if (cap > IN_MAX + 4096)
			cap = IN_MAX + 4096;
		if (cap - c->in_len == 0 || (p = realloc(c->in, cap)) == NULL) {
			conn_close(i);
			return;
		}
		c->in = p;
		c->in_cap = cap;
	}
	n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		conn_close(i);
		return;
	}
	if (n > 0) {
		c->in_len += (size_t)n;
		c->last = time(NULL);
		conn_process(c);
	}
}

static void
conn_write(size_t i)
{
	struct conn	*c = conns[i];
	ssize_t		 n;

	n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
	    MSG_NOSIGNAL);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			conn_close(i);
		return;
	}
	c->last = time(NULL);
	c->out_off += (size_t)n;
	if (c->out_off < c->out_len)
		return;
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	if (c->closing)
		conn_close(i);
}

static void
accept_one(int lfd)
{
	struct conn	*c;
	size_t		 i;
	int		 fd;

	if ((fd = accept(lfd, NULL, NULL)) == -1)
		return;
	for (i = 0; i < CONNS_MAX && conns[i] != NULL; i++)
		;
	if (i == CONNS_MAX || fcntl(fd, F_SETFL, O_NONBLOCK) == -1 ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->last = time(NULL);
	conns[i] = c;
}

static int
listen_on(long port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, on = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 64) == -1 || fcntl(fd, F_SETFL, O_NONBLOCK) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		on = errno;
		close(fd);
		errno = on;
		return (-1);
	}
	printf("hs-webhook-receiver listening on 127.0.0.1:%d\n",
	    ntohs(sin.sin_port));
	fflush(stdout);
	return (fd);
}

static void
serve(int lfd)
{
	struct pollfd	pfd[CONNS_MAX + 1];
	size_t		map[CONNS_MAX + 1], n, i, k;
	time_t		now;

	while (!stop) {
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (n = 1, i = 0; i < CONNS_MAX; i++) {
			if (conns[i] == NULL)
				continue;
			pfd[n].fd = conns[i]->fd;
			pfd[n].events = conns[i]->out_len > 0 ? POLLOUT :
			    (conns[i]->closing ? 0 : POLLIN);
			pfd[n].revents = 0;
			map[n++] = i;
		}
		if (poll(pfd, n, 1000) == -1) {
			if (errno == EINTR)
				continue;
			perror("hs-webhook-receiver: poll");
			return;
		}
		now = time(NULL);
		for (k = 1; k < n; k++) {
			i = map[k];
			if (conns[i] == NULL)
				continue;
			if (pfd[k].revents & POLLOUT)
				conn_write(i);
			else if (pfd[k].revents & (POLLIN | POLLHUP | POLLERR))
				conn_read(i);
			else if (now - conns[i]->last > IDLE_SECONDS)
				conn_close(i);
		}
		if (pfd[0].revents & POLLIN)
			accept_one(lfd);
	}
}

int
main(int argc, char *argv[])
{
	static const struct option	 opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "secret", required_argument, NULL, 's' },
		{ "max-age", required_argument, NULL, 'a' },
		{ "fail", required_argument, NULL, 'f' },
		{ "fail-count", required_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	struct sigaction		 sa;
	long				 port = 0, count = -1;
	size_t				 i;
	int				 ch, lfd;

	st.max_age = 300;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			port = number(optarg, 0, 65535, "--port");
			break;
		case 's':
			if (st.nsecrets == RCV_SECRETS_MAX || optarg[0] == '\0')
				usage();
			st.secrets[st.nsecrets++] = optarg;
			break;
		case 'a':
			st.max_age = number(optarg, 1, 86400 * 365,
			    "--max-age");
			break;
		case 'f':
			st.fail_status = (int)number(optarg, 400, 599,
			    "--fail");
			break;
		case 'n':
			count = number(optarg, 0, 1000000, "--fail-count");
			break;
		case 'q':
			st.quiet = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || st.nsecrets == 0 ||
	    (count >= 0 && st.fail_status == 0))
		usage();
	if (st.fail_status != 0)
		st.fail_count = count >= 0 ? (unsigned long)count : 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((lfd = listen_on(port)) == -1) {
		fprintf(stderr, "hs-webhook-receiver: 127.0.0.1:%ld: %s\n",
		    port, strerror(errno));
		return (1);
	}
	serve(lfd);
	for (i = 0; i < CONNS_MAX; i++)
		if (conns[i] != NULL)
			conn_close(i);
	close(lfd);
	rcv_free(&st);
	return (0);
}
