/*
 * webhook-load: deliver signed sandbox payment notifications to a
 * HydroSync server, as a payment gateway would, and report how fast they
 * were accepted.
 *
 *   webhook-load PORT KEY ORDERS_FILE RATE THREADS
 *
 * ORDERS_FILE has one "order_id total" per line; each order gets one
 * "paid" notification.  RATE is notifications per second over all
 * threads (0: as fast as the server answers).  Each thread keeps one
 * keep-alive connection.  With a rate, latency is measured from each
 * request's scheduled time, so a stalled server is not hidden
 * (coordinated omission).  Prints: sent ok errors seconds p50_ms p99_ms.
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

struct order {
	char	id[64];
	long	total;
};

struct worker {
	pthread_t	 thread;
	int		 index;
	long		 ok;
	long		 errors;
	double		*lat;
	long		 nlat;
};

static struct order	*orders;
static long		 norders;
static int		 port, nthreads;
static double		 rate;
static const char	*key;
static double		 t0;

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
	char	buf[4096], *hdr_end, *cl;
	size_t	got = 0, need;
	ssize_t	n;
	int	status;

	if (write(fd, req, len) != (ssize_t)len)
		return (-1);
	for (;;) {
		if ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) <= 0)
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

static void
sign(const char *msg, char out[65])
{
	unsigned char	md[32];
	unsigned int	len = sizeof(md);
	int		i;

	HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg,
	    strlen(msg), md, &len);
	for (i = 0; i < 32; i++)
		snprintf(out + i * 2, 3, "%02x", md[i]);
}

static void *
run(void *arg)
{
	struct worker	*w = arg;
	char		 body[512], msg[600], sig[65], req[1200];
	double		 start, due;
	long		 i, ts;
	int		 fd = -1, len, status;

	for (i = w->index; i < norders; i += nthreads) {
		due = t0 + (rate > 0 ? (double)i / rate : 0);
		while (rate > 0 && now() < due)
			usleep(200);
		start = rate > 0 ? due : now();
		ts = (long)time(NULL);
		snprintf(body, sizeof(body), "{\"event_id\": \"evt_bench_%s\", "
		    "\"order_id\": \"%s\", \"payment_id\": \"sbx_%s\", "
		    "\"status\": \"paid\", \"amount\": %ld, \"paid_at\": %ld, "
		    "\"timestamp\": %ld}", orders[i].id, orders[i].id, orders[i].id,
		    orders[i].total, ts, ts);
		snprintf(msg, sizeof(msg), "%ld.%s", ts, body);
		sign(msg, sig);
		len = snprintf(req, sizeof(req), "POST /api/v1/payments/"
		    "sandbox/notify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
		    "X-Sandbox-Timestamp: %ld\r\nX-Sandbox-Signature: %s\r\n"
		    "\r\n%s", strlen(body), ts, sig, body);
		status = -1;
		if (fd == -1)
			fd = connect_server();
		if (fd != -1 && (status = exchange(fd, req, (size_t)len)) ==
		    -1) {
			/* The server closed a kept-alive connection: once more. */
			close(fd);
			if ((fd = connect_server()) != -1)
				status = exchange(fd, req, (size_t)len);
		}
		if (status == 200)
			w->ok++;
		else
			w->errors++;
		w->lat[w->nlat++] = (now() - start) * 1000.0;
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
	FILE		*fp;
	double		*all, secs;
	long		 cap = 1024, n, ok = 0, errors = 0;
	int		 i;

	if (argc != 6) {
		fprintf(stderr, "usage: webhook-load PORT KEY ORDERS RATE "
		    "THREADS\n");
		return (2);
	}
	port = atoi(argv[1]);
	key = argv[2];
	rate = atof(argv[4]);
	nthreads = atoi(argv[5]);
	if ((fp = fopen(argv[3], "r")) == NULL || nthreads < 1) {
		perror(argv[3]);
		return (1);
	}
	orders = malloc((size_t)cap * sizeof(*orders));
	while (orders != NULL && fscanf(fp, "%63s %ld", orders[norders].id,
	    &orders[norders].total) == 2) {
		if (++norders == cap)
			orders = realloc(orders, (size_t)(cap *= 2) *
			    sizeof(*orders));
	}
	fclose(fp);
	w = calloc((size_t)nthreads, sizeof(*w));
	t0 = now();
	for (i = 0; i < nthreads; i++) {
		w[i].index = i;
		w[i].lat = calloc((size_t)(norders / nthreads + 2),
		    sizeof(double));
		pthread_create(&w[i].thread, NULL, run, &w[i]);
	}
	all = calloc((size_t)norders + 1, sizeof(double));
	n = 0;
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].thread, NULL);
		memcpy(all + n, w[i].lat, (size_t)w[i].nlat * sizeof(double));
		n += w[i].nlat;
		ok += w[i].ok;
		errors += w[i].errors;
	}
	secs = now() - t0;
	qsort(all, (size_t)n, sizeof(double), cmp);
	printf("%ld %ld %ld %.3f %.2f %.2f\n", n, ok, errors, secs,
	    n ? all[n / 2] : 0.0, n ? all[(n * 99) / 100] : 0.0);
	return (errors ? 1 : 0);
}
