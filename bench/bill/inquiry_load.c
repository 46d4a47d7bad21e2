/*
 * inquiry-load: signed bill inquiries against a HydroSync server, as a
 * bank's host would send them, as fast as the server answers.
 *
 *   inquiry-load PORT PARTNER SECRET CUSTOMERS REQUESTS THREADS
 *
 * Each request asks for customer "BEN-<k>", k drawn from 1..CUSTOMERS,
 * signed as core/bill/biller.c expects (HMAC-SHA512 over method, path,
 * the body's SHA-256 and the timestamp).  Each thread keeps one keep-alive
 * connection.  Prints: sent ok errors seconds p50_ms p99_ms.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define PATH	"/api/v1/biller/inquiry"

struct worker {
	pthread_t	 thread;
	unsigned int	 seed;
	long		 n, ok, errors;
	double		*lat;
};

static int		 port;
static long		 customers, per_thread;
static const char	*partner, *secret;

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static int
connect_server(void)
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

/* One request on a keep-alive connection; the status or -1. */
static int
exchange(int fd, const char *req, size_t len)
{
	char	buf[16384], *hdr_end, *cl;
	size_t	got = 0, need;
	ssize_t	n;
	int	status;

	if (write(fd, req, len) != (ssize_t)len)
		return (-1);
	for (;;) {
		if (got + 1 >= sizeof(buf) ||
		    (n = read(fd, buf + got, sizeof(buf) - 1 - got)) <= 0)
			return (-1);
		got += (size_t)n;
		buf[got] = '\0';
		if ((hdr_end = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		cl = strcasestr(buf, "content-length:");
		need = (size_t)(hdr_end - buf) + 4 +
		    (cl ? strtoul(cl + 15, NULL, 10) : 0);
		if (got >= need)
			break;
	}
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		return (-1);
	return (status);
}

static int
build(char *req, size_t size, long k)
{
	unsigned char	 digest[32], mac[64];
	unsigned int	 maclen = sizeof(mac);
	char		 body[128], hex[65], sig[129], ts[40], msg[512];
	struct tm	 tm;
	time_t		 t = time(NULL);
	int		 i;

	snprintf(body, sizeof(body), "{\"customer_no\": \"BEN-%ld\"}", k);
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	EVP_Digest(body, strlen(body), digest, NULL, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(hex + i * 2, 3, "%02x", digest[i]);
	snprintf(msg, sizeof(msg), "POST:" PATH ":%s:%s", hex, ts);
	HMAC(EVP_sha512(), secret, (int)strlen(secret), (unsigned char *)msg,
	    strlen(msg), mac, &maclen);
	for (i = 0; i < 64; i++)
		snprintf(sig + i * 2, 3, "%02x", mac[i]);
	return (snprintf(req, size, "POST " PATH " HTTP/1.1\r\nHost: "
	    "127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
	    "%zu\r\nX-Partner-Id: %s\r\nX-Timestamp: %s\r\nX-Signature: %s"
	    "\r\n\r\n%s", strlen(body), partner, ts, sig, body));
}

static void *
run(void *arg)
{
	struct worker	*w = arg;
	char		 req[1024];
	double		 start;
	int		 fd = -1, len, status;

	for (w->n = 0; w->n < per_thread; w->n++) {
		len = build(req, sizeof(req), 1 + (long)(rand_r(&w->seed) %
		    (unsigned long)customers));
		start = now();
		status = -1;
		if (fd == -1)
			fd = connect_server();
		if (fd != -1 && (status = exchange(fd, req, (size_t)len)) ==
		    -1) {
			close(fd);
			if ((fd = connect_server()) != -1)
				status = exchange(fd, req, (size_t)len);
		}
		if (status == 200)
			w->ok++;
		else
			w->errors++;
		w->lat[w->n] = (now() - start) * 1000.0;
	}
	if (fd != -1)
		close(fd);
	return (NULL);
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
	struct worker	*w;
	double		*all, t0, secs;
	long		 n = 0, ok = 0, errors = 0;
	int		 i, threads;

	if (argc != 7) {
		fprintf(stderr, "usage: inquiry-load PORT PARTNER SECRET "
		    "CUSTOMERS REQUESTS THREADS\n");
		return (2);
	}
	port = atoi(argv[1]);
	partner = argv[2];
	secret = argv[3];
	customers = atol(argv[4]);
	threads = atoi(argv[6]);
	if (customers < 1 || threads < 1)
		return (2);
	per_thread = atol(argv[5]) / threads;
	w = calloc((size_t)threads, sizeof(*w));
	all = calloc((size_t)(per_thread * threads) + 1, sizeof(double));
	t0 = now();
	for (i = 0; i < threads; i++) {
		w[i].seed = (unsigned int)(i * 7919 + 1);
		w[i].lat = calloc((size_t)per_thread + 1, sizeof(double));
		pthread_create(&w[i].thread, NULL, run, &w[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].thread, NULL);
		memcpy(all + n, w[i].lat, (size_t)w[i].n * sizeof(double));
		n += w[i].n;
		ok += w[i].ok;
		errors += w[i].errors;
	}
	secs = now() - t0;
	qsort(all, (size_t)n, sizeof(double), cmp);
	printf("%ld %ld %ld %.3f %.2f %.2f\n", n, ok, errors, secs,
	    n ? all[n / 2] : 0.0, n ? all[(n * 99) / 100] : 0.0);
	return (errors ? 1 : 0);
}
