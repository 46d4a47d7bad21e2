/*
 * Non-blocking TCP connections on one epoll set, plain or TLS.
 *
 * A connection reports to its owner through one callback: up (connected,
 * TLS handshake done), data (bytes appended to c->in) and down (closed by
 * the peer or failed, with the reason in c->why).  An owner that closes a
 * connection itself gets no callback.  Closed connections are freed only
 * after the current batch of events (ld_net_reap), so an event already
 * fetched for a connection that a callback closed is simply skipped.
 *
 * TLS uses OpenSSL as a browser would: the server's certificate is
 * verified against the CA file given (the bench's own self-signed one)
 * and its IP address, every connection does its own full handshake.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "load.h"

#define GRAVE_MAX	4096

static int		 ep = -1;
static SSL_CTX		*tls;
static struct ld_conn	*grave[GRAVE_MAX];
static int		 ngrave;

static void	conn_down(struct ld_conn *, const char *);
static void	conn_flush(struct ld_conn *);

int
ld_net_init(const char *cafile)
{
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return (-1);
	if (cafile == NULL)
		return (0);
	if ((tls = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_load_verify_locations(tls, cafile, NULL) != 1) {
		fprintf(stderr, "user-load: cannot load CA file %s\n", cafile);
		return (-1);
	}
	SSL_CTX_set_verify(tls, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_min_proto_version(tls, TLS1_2_VERSION);
	SSL_CTX_set_mode(tls, SSL_MODE_RELEASE_BUFFERS |
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return (0);
}

int
ld_net_epoll(void)
{
	return (ep);
}

/* "http://host:port/path" (or https, ws, wss): the address and the path. */
int
ld_addr_parse(const char *url, struct ld_addr *a, char *path, size_t pathlen)
{
	const char	*p;
	char		 rest[512];
	int		 n;

	memset(a, 0, sizeof(*a));
	if (!strncmp(url, "https://", 8) || !strncmp(url, "wss://", 6))
		a->tls = 1;
	if ((p = strstr(url, "://")) == NULL)
		return (-1);
	rest[0] = '\0';
	n = sscanf(p + 3, "%63[^:/]:%d%511s", a->host, &a->port, rest);
	if (n < 2 || a->port <= 0 || a->port > 65535)
		return (-1);
	if (path != NULL)
		snprintf(path, pathlen, "%s", rest[0] ? rest : "/");
	return (0);
}

static void
interest(struct ld_conn *c, int want_out)
{
	struct epoll_event	ev;

	if (want_out == c->epoll_out)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0);
	ev.data.ptr = c;
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
	c->epoll_out = want_out;
}

struct ld_conn *
ld_conn_open(const struct ld_addr *a, ld_conn_fn fn, void *arg)
{
	struct sockaddr_in	 sa;
	struct epoll_event	 ev;
	struct ld_conn		*c;
	int			 one = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	c->fn = fn;
	c->arg = arg;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		free(c);
		return (NULL);
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)a->port);
	if (inet_pton(AF_INET, a->host, &sa.sin_addr) != 1 ||
	    (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 &&
	    errno != EINPROGRESS)) {
		close(c->fd);
		free(c);
		return (NULL);
	}
	if (a->tls) {
		if (tls == NULL || (c->ssl = SSL_new(tls)) == NULL) {
			close(c->fd);
			free(c);
			return (NULL);
		}
		SSL_set_fd(c->ssl, c->fd);
		SSL_set_connect_state(c->ssl);
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), a->host);
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT;	/* writable: the connect finished */
	ev.data.ptr = c;
	c->epoll_out = 1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) == -1) {
		SSL_free(c->ssl);
		close(c->fd);
		free(c);
		return (NULL);
	}
	return (c);
}

static int
grow(char **buf, size_t *cap, size_t need)
{
	size_t	n = *cap ? *cap : 4096;
	char	*p;

	while (n < need)
		n *= 2;
	if (n == *cap)
		return (0);
	if ((p = realloc(*buf, n)) == NULL)
		return (-1);
	*buf = p;
	*cap = n;
	return (0);
}

void
ld_conn_send(struct ld_conn *c, const void *data, size_t len)
{
	if (c->outoff > 0 && c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	if (grow(&c->out, &c->outcap, c->outlen + len) == -1) {
		conn_down(c, "out of memory");
		return;
	}
	memcpy(c->out + c->outlen, data, len);
	c->outlen += len;
	/*
	 * Written from the event loop, never from here: an owner's call to
	 * send never comes back as a callback to that same owner.
	 */
	if (c->up)
		interest(c, 1);
}

void
ld_conn_consume(struct ld_conn *c, size_t n)
{
	if (n >= c->inlen) {
		c->inlen = 0;
	} else {
		memmove(c->in, c->in + n, c->inlen - n);
		c->inlen -= n;
	}
	c->in[c->inlen] = '\0';
	/* A connection that once took a large answer gives the room back. */
	if (c->inlen == 0 && c->incap > 65536) {
		free(c->in);
		c->in = NULL;
		c->incap = 0;
		if (grow(&c->in, &c->incap, 1) == -1)
			conn_down(c, "out of memory");
		else
			c->in[0] = '\0';
	}
}

void
ld_conn_close(struct ld_conn *c)
{
	if (c == NULL || c->fd == -1)
		return;
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->ssl != NULL) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	close(c->fd);
	c->fd = -1;
	c->fn = NULL;
	if (ngrave == GRAVE_MAX)
		ld_net_reap();
	grave[ngrave++] = c;
}

/* Free what was closed during the last batch of events. */
void
ld_net_reap(void)
{
	int	i;

	for (i = 0; i < ngrave; i++) {
		free(grave[i]->in);
		free(grave[i]->out);
		free(grave[i]);
	}
	ngrave = 0;
}

static void
conn_down(struct ld_conn *c, const char *why)
{
	ld_conn_fn	 fn = c->fn;
	void		*arg = c->arg;

	if (c->fd == -1)
		return;
	snprintf(c->why, sizeof(c->why), "%s", why);
	if (fn != NULL)
		fn(c, LD_CONN_DOWN, arg);
	ld_conn_close(c);
}

static void
tls_error(struct ld_conn *c, int r, const char *what)
{
	char	why[64];
	int	e = SSL_get_error(c->ssl, r);

	if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN)
		snprintf(why, sizeof(why), "%s: connection closed", what);
	else
		snprintf(why, sizeof(why), "%s: %.40s", what,
		    ERR_reason_error_string(ERR_peek_last_error()) ?
		    ERR_reason_error_string(ERR_peek_last_error()) : "failed");
	ERR_clear_error();
	conn_down(c, why);
}

static void
conn_up(struct ld_conn *c)
{
	c->up = 1;
	interest(c, c->outlen > c->outoff);
	if (c->fn != NULL)
		c->fn(c, LD_CONN_UP, c->arg);
	if (c->fd != -1 && c->outlen > c->outoff)
		conn_flush(c);
}

static void
handshake(struct ld_conn *c)
{
	int	r, e;

	ERR_clear_error();
	if ((r = SSL_do_handshake(c->ssl)) == 1) {
		conn_up(c);
		return;
	}
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		interest(c, 0);
	else if (e == SSL_ERROR_WANT_WRITE)
		interest(c, 1);
	else
		tls_error(c, r, "tls handshake");
}

static void
conn_flush(struct ld_conn *c)
{
	ssize_t	n;
	int	r, e;

	while (c->fd != -1 && c->outoff < c->outlen) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			r = SSL_write(c->ssl, c->out + c->outoff,
			    (int)(c->outlen - c->outoff));
			if (r <= 0) {
				e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_WANT_WRITE ||
				    e == SSL_ERROR_WANT_READ) {
					interest(c, 1);
					return;
				}
				tls_error(c, r, "tls write");
				return;
			}
			n = r;
		} else {
			n = write(c->fd, c->out + c->outoff,
			    c->outlen - c->outoff);
			if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
				interest(c, 1);
				return;
			}
			if (n == -1) {
				conn_down(c, strerror(errno));
				return;
			}
		}
		c->outoff += (size_t)n;
	}
	if (c->fd != -1) {
		c->outoff = c->outlen = 0;
		interest(c, 0);
	}
}

/*
 * Read what is there and hand it over; 0 when the connection went down
 * (what came before the end is handed over first: a server that answers
 * and closes, as the gateway does, must be heard).
 */
static int
conn_read(struct ld_conn *c)
{
	const char	*eof = NULL;
	ssize_t		 n;
	int		 r = 0, e, got = 0;

	for (;;) {
		if (grow(&c->in, &c->incap, c->inlen + 16384 + 1) == -1) {
			conn_down(c, "out of memory");
			return (0);
		}
		if (c->ssl != NULL) {
			ERR_clear_error();
			r = SSL_read(c->ssl, c->in + c->inlen, 16384);
			if (r <= 0) {
				e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_WANT_READ)
					break;
				if (e == SSL_ERROR_WANT_WRITE) {
					interest(c, 1);
					break;
				}
				eof = "tls read";
				break;
			}
			n = r;
		} else {
			n = read(c->fd, c->in + c->inlen, 16384);
			if (n == -1 && (errno == EAGAIN || errno == EINTR))
				break;
			if (n <= 0) {
				eof = n == 0 ? "closed by peer" :
				    strerror(errno);
				break;
			}
		}
		c->inlen += (size_t)n;
		got = 1;
	}
	c->in[c->inlen] = '\0';
	if (got && c->fn != NULL)
		c->fn(c, LD_CONN_DATA, c->arg);
	if (eof != NULL && c->fd != -1) {
		if (c->ssl != NULL)
			tls_error(c, r, eof);
		else
			conn_down(c, eof);
		return (0);
	}
	return (c->fd != -1);
}

void
ld_net_dispatch(void *ptr, uint32_t events)
{
	struct ld_conn	*c = ptr;
	socklen_t	 len = sizeof(int);
	int		 err = 0;

	if (c->fd == -1)
		return;
	if (!c->connected) {
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
			conn_down(c, err ? strerror(err) : "connect failed");
			return;
		}
		c->connected = 1;
		if (c->ssl == NULL) {
			conn_up(c);
			return;
		}
	}
	if (!c->up) {
		handshake(c);
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		if (!conn_read(c))
			return;
	}
	if (c->fd != -1 && (events & EPOLLOUT))
		conn_flush(c);
}
