#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "hs_test.h"

const char *
hs_test_top(void)
{
	const char	*p = getenv("HS_TOP");

	return (p != NULL ? p : ".");
}

const char *
hs_test_build(void)
{
	const char	*p = getenv("HS_BUILD");

	return (p != NULL ? p : "build");
}

const char *
hs_test_pgurl(void)
{
	const char	*p = getenv("HS_TEST_PGURL");

	if (p == NULL) {
		fprintf(stderr, "HS_TEST_PGURL is not set: run through "
		    "tests/run.sh\n");
		exit(1);
	}
	return (p);
}

int
hs_test_free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len;
	int			fd, port;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	len = sizeof(sin);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		close(fd);
		return (-1);
	}
	port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

static double
now_ms(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return ((double)tv.tv_sec * 1000.0 + (double)tv.tv_usec / 1000.0);
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

int
hs_test_http(int port, const char *method, const char *path,
    const char *extra, const char *body, size_t body_len,
    struct hs_test_resp *resp)
{
	struct sockaddr_in	 sin;
	char			 head[4096], *buf, *p, *sep;
	size_t			 len, cap;
	ssize_t			 n;
	double			 start;
	int			 fd;

	memset(resp, 0, sizeof(*resp));
	start = now_ms();
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return (-1);
	}
	{
		/* A peer that never answers fails the call, not the run. */
		struct timeval	tv = { 60, 0 };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d"
	    "\r\nConnection: close\r\nContent-Length: %zu\r\n%s\r\n", method,
	    path, port, body_len, extra ? extra : "");
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    write_all(fd, head, (size_t)n) == -1 ||
	    (body_len > 0 && write_all(fd, body, body_len) == -1)) {
		close(fd);
		return (-1);
	}

	cap = 65536;
	len = 0;
	if ((buf = malloc(cap + 1)) == NULL)
		abort();
	for (;;) {
		if (len == cap) {
			cap *= 2;
			if ((buf = realloc(buf, cap + 1)) == NULL)
				abort();
		}
		if ((n = read(fd, buf + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	resp->ms = now_ms() - start;
	if (len < 12 || strncmp(buf, "HTTP/1.", 7)) {
		free(buf);
		return (-1);
	}
	resp->status = atoi(buf + 9);
	if ((sep = strstr(buf, "\r\n\r\n")) == NULL) {
		free(buf);
		return (-1);
	}
	snprintf(resp->headers, sizeof(resp->headers), "%.*s",
	    (int)(sep - buf), buf);
	p = sep + 4;
	resp->body_len = len - (size_t)(p - buf);
	resp->body = malloc(resp->body_len + 1);
	if (resp->body == NULL)
		abort();
	memcpy(resp->body, p, resp->body_len);
	resp->body[resp->body_len] = '\0';
	free(buf);
	return (0);
}

void
hs_test_resp_free(struct hs_test_resp *resp)
{
	free(resp->body);
	resp->body = NULL;
}

int
hs_test_file_contains(const char *path, const char *needle)
{
	FILE	*fp;
	char	*buf;
	long	 len;
	int	 found;

	if ((fp = fopen(path, "r")) == NULL)
		return (0);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	if ((buf = calloc(1, (size_t)len + 1)) == NULL)
		abort();
	if (fread(buf, 1, (size_t)len, fp) != (size_t)len)
		len = 0;
	fclose(fp);
	found = strstr(buf, needle) != NULL;
	free(buf);
	return (found);
}

/*
 * Write the extra configuration with every "@PORT@" replaced by the
 * server's port, so a line can name a URL of the server itself (a
 * provider's callback) before the port is known to the test.
 */
static void
write_extra(FILE *fp, const char *extra, int port)
{
	const char	*at;

	while ((at = strstr(extra, "@PORT@")) != NULL) {
		fprintf(fp, "%.*s%d", (int)(at - extra), extra, port);
		extra = at + 6;
	}
	fprintf(fp, "%s\n", extra);
}

int
hs_test_server_start(struct hs_test_server *srv, int workers,
    const char *extra)
{
	static int	 seq;
	char		 conf[600], cmd[8192], pidbuf[32];
	FILE		*fp;
	int		 rc;

	memset(srv, 0, sizeof(*srv));
	srv->port = hs_test_free_port();
	/* srv-<suite>-...: a suite stops only its own servers at its end. */
	snprintf(srv->dir, sizeof(srv->dir), "%s/%s/tests/run/srv-%s-%d-%d",
	    hs_test_top(), hs_test_build(), getenv("HS_TEST_SUITE") ?
	    getenv("HS_TEST_SUITE") : "0", (int)getpid(), seq++);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", srv->dir);
	if (system(cmd) != 0)
		return (-1);
	snprintf(conf, sizeof(conf), "%s/hydrosync.conf", srv->dir);
	snprintf(srv->log, sizeof(srv->log), "%s/start.log", srv->dir);
	if ((fp = fopen(conf, "w")) == NULL)
		return (-1);
	fprintf(fp, "bind 127.0.0.1 %d\nworkers %d\ndatabase %s\n"
	    "diagnostics yes\nlog_format json\n", srv->port, workers,
	    hs_test_pgurl());
	write_extra(fp, extra ? extra : "", srv->port);
	fclose(fp);

	snprintf(cmd, sizeof(cmd), "cd '%s' && HS_PORT= mk/kore.sh '%s' '%s' "
	    "--background > '%s/pid' 2> '%s'; status=$?; "
	    "cat '%s/kore.log' >> '%s' 2>/dev/null; exit $status",
	    hs_test_top(), conf, srv->dir, srv->dir, srv->log, srv->dir,
	    srv->log);
	rc = system(cmd);
	if (rc != 0)
		return (-1);
	snprintf(cmd, sizeof(cmd), "%s/pid", srv->dir);
	if ((fp = fopen(cmd, "r")) == NULL)
		return (-1);
	if (fgets(pidbuf, sizeof(pidbuf), fp) != NULL)
		srv->pid = (pid_t)atoi(pidbuf);
	fclose(fp);
	snprintf(srv->log, sizeof(srv->log), "%s/kore.log", srv->dir);
	return (srv->pid > 0 ? 0 : -1);
}

void
hs_test_server_stop(struct hs_test_server *srv)
{
	int	i;

	if (srv->pid <= 0)
		return;
	kill(srv->pid, SIGTERM);
	for (i = 0; i < 100 && kill(srv->pid, 0) == 0; i++)
		usleep(50000);
	if (kill(srv->pid, 0) == 0)
		kill(srv->pid, SIGKILL);
	srv->pid = 0;
}

static void
slow_serve(int lfd, int delay_ms, int status)
{
	char	buf[65536];
	char	reply[256];
	int	fd, n;

	setpgid(0, 0);
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			continue;
		if (fork() == 0) {
			/* Read the head (and a small body) then answer late. */
			if (read(fd, buf, sizeof(buf)) < 0)
				_exit(1);
			usleep((useconds_t)delay_ms * 1000);
			n = snprintf(reply, sizeof(reply), "HTTP/1.1 %d X\r\n"
			    "Content-Type: text/plain\r\nContent-Length: 2\r\n"
			    "Connection: close\r\n\r\nok", status);
			if (write_all(fd, reply, (size_t)n) == -1)
				_exit(1);
			close(fd);
			_exit(0);
		}
		close(fd);
	}
}

pid_t
hs_test_slow_server(int delay_ms, int status, int *port)
{
	struct sockaddr_in	sin;
	socklen_t		len;
	pid_t			pid;
	int			fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	len = sizeof(sin);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 64) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		close(fd);
		return (-1);
	}
	*port = ntohs(sin.sin_port);
	if ((pid = fork()) == 0) {
		slow_serve(fd, delay_ms, status);
		_exit(0);
	}
	close(fd);
	return (pid);
}

void
hs_test_kill(pid_t pid)
{
	if (pid > 0) {
		kill(-pid, SIGKILL);	/* the server and its children */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

int
hs_test_pid_gone(pid_t pid)
{
	char	path[64], stat[256];
	FILE	*fp;
	int	dead;

	if (kill(pid, 0) == -1)
		return (1);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (1);
	dead = fgets(stat, sizeof(stat), fp) != NULL &&
	    strstr(stat, ") Z ") != NULL;
	fclose(fp);
	return (dead);
}

/* Read a whole request: the head, then Content-Length bytes of body. */
static int
tls_read_request(SSL *ssl, char *buf, size_t len)
{
	const char	*end, *cl;
	size_t		 have = 0, want = 0;
	int		 n;

	for (;;) {
		if (have + 1 >= len)
			return (-1);
		if ((n = SSL_read(ssl, buf + have, (int)(len - 1 - have))) <= 0)
			return (-1);
		have += (size_t)n;
		buf[have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		if (want == 0) {
			cl = strcasestr(buf, "content-length:");
			want = (size_t)(end + 4 - buf) +
			    (cl != NULL && cl < end ? (size_t)atol(cl + 15) : 0);
		}
		if (have >= want)
			return (0);
	}
}

static void
tls_serve(int lfd, SSL_CTX *ctx)
{
	static const char	reply[] = "HTTP/1.1 200 OK\r\nContent-Type: "
				    "text/plain\r\nContent-Length: 2\r\n"
				    "Connection: close\r\n\r\nok";
	char			buf[16384];
	SSL			*ssl;
	int			fd;

	setpgid(0, 0);
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			continue;
		if (fork() != 0) {
			close(fd);
			continue;
		}
		ssl = SSL_new(ctx);
		SSL_set_fd(ssl, fd);
		if (SSL_accept(ssl) == 1 && tls_read_request(ssl, buf,
		    sizeof(buf)) == 0)
			SSL_write(ssl, reply, sizeof(reply) - 1);
		SSL_shutdown(ssl);
		SSL_free(ssl);
		close(fd);
		_exit(0);
	}
}

pid_t
hs_test_tls_server(const char *cert, const char *key, int *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len;
	SSL_CTX			*ctx;
	pid_t			 pid;
	int			 fd, one = 1;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		return (-1);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	len = sizeof(sin);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 64) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		close(fd);
		return (-1);
	}
	*port = ntohs(sin.sin_port);
	if ((pid = fork()) == 0) {
		tls_serve(fd, ctx);
		_exit(0);
	}
	close(fd);
	SSL_CTX_free(ctx);
	return (pid);
}

struct pg_conn *
hs_test_db(void)
{
	static PGconn	*pg;
	PGresult	*res;
	int		 tries;

	if (pg == NULL) {
		pg = PQconnectdb(hs_test_pgurl());
		if (PQstatus(pg) != CONNECTION_OK) {
			fprintf(stderr, "%s", PQerrorMessage(pg));
			exit(1);
		}
		return (pg);
	}
	/*
	 * The fault tests restart PostgreSQL under us: a dead connection
	 * is re-opened (for up to 30 s) rather than failing every later
	 * query.
	 */
	if (PQstatus(pg) == CONNECTION_OK) {
		res = PQexec(pg, "");
		PQclear(res);
	}
	for (tries = 0; PQstatus(pg) != CONNECTION_OK && tries < 300;
	    tries++) {
		usleep(100000);
		PQreset(pg);
	}
	return (pg);
}

void
hs_test_sql(const char *q)
{
	PGresult	*res = PQexec(hs_test_db(), q);

	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", q, PQresultErrorMessage(res));
	PQclear(res);
}

long
hs_test_sql_long(const char *q)
{
	PGresult	*res = PQexec(hs_test_db(), q);
	long		 v;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		fail_msg("%s: %s", q, PQresultErrorMessage(res));
	v = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	return (v);
}

long
hs_test_sql_longf(const char *fmt, ...)
{
	char		q[2048];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	return (hs_test_sql_long(q));
}

int
hs_test_json_str(const char *json, const char *key, char *out, size_t len)
{
	char		 pat[64];
	const char	*p, *e;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	if ((p = strstr(json, pat)) == NULL) {
		snprintf(pat, sizeof(pat), "\"%s\": \"", key);
		if ((p = strstr(json, pat)) == NULL)
			return (-1);
	}
	p += strlen(pat);
	if ((e = strchr(p, '"')) == NULL || (size_t)(e - p) >= len)
		return (-1);
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return (0);
}

int
hs_test_login(int port, struct hs_test_caller *c, const char *password)
{
	struct hs_test_resp	 r;
	char			 body[512];
	const char		*p;
	int			 status;

	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":"
	    "\"%s\"}", c->email, password);
	if (hs_test_http(port, "POST", "/api/v1/auth/login",
	    "Content-Type: application/json\r\n", body, strlen(body), &r) != 0)
		return (-1);
	status = r.status;
	if (status == 200) {
		if ((p = strstr(r.headers, "__Host-hs_session=")) != NULL) {
			snprintf(c->cookie, sizeof(c->cookie), "%.82s", p);
			c->cookie[strcspn(c->cookie, ";")] = '\0';
		}
		if (hs_test_json_str(r.body, "csrf_token", c->csrf,
		    sizeof(c->csrf)) != 0)
			status = -1;
	}
	hs_test_resp_free(&r);
	return (status);
}

int
hs_test_call(int port, const struct hs_test_caller *c, const char *method,
    const char *path, const char *extra, const char *body,
    struct hs_test_resp *r)
{
	char	h[2048];

	if (c != NULL && c->email != NULL)
		snprintf(h, sizeof(h), "Cookie: %s\r\nX-CSRF-Token: %s\r\n"
		    "Origin: http://127.0.0.1:%d\r\n"
		    "Content-Type: application/json\r\n%s", c->cookie, c->csrf,
		    port, extra ? extra : "");
	else if (c != NULL && c->key != NULL)
		snprintf(h, sizeof(h), "Authorization: Bearer %s\r\n"
		    "Content-Type: application/json\r\n%s", c->key,
		    extra ? extra : "");
	else
		snprintf(h, sizeof(h), "Content-Type: application/json\r\n%s",
		    extra ? extra : "");
	if (hs_test_http(port, method, path, h, body, body ? strlen(body) : 0,
	    r) != 0)
		return (-1);
	return (r->status);
}
