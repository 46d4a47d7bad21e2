/*
 * hs-fakepay: the local fake of HydroSync's outside providers on one
 * 127.0.0.1 port, for the integration tests, the benchmarks and `make run`:
 * the three payment providers of docs/payments.md (sandbox, Midtrans,
 * Xendit) and the two SMS gateways of the sms transport (Twilio's
 * Messages API and Zenziva's sendsms), which record every message so a
 * test can prove each was accepted exactly once and, when a test asks,
 * send each one's delivery report as the provider would; and an
 * integrator's webhook receiver (POST /integrator/hook) that verifies
 * HydroSync's signature as docs/webhooks.md tells integrators to and
 * dedupes on the event id.  It implements the
 * providers' side of each contract: authentication, create, status,
 * cancel, a pay page with pay and decline buttons, and signed
 * notifications delivered (with retries) to the notify URL; plus
 * /_control endpoints that let a test pay behind the core's back, resend
 * a notification, report an SMS delivered or failed, or make the API
 * fail.
 *
 * One process, poll().  Each notification is delivered by a thread of its
 * own (blocking connect/send/receive with its own retries), so a slow
 * receiver never stalls the gateway.  A thread, not a forked child: at the
 * load test's (bench/load) sixty notifications a second, forking the
 * gateway cost more CPU than everything else it did, on the cores the
 * system under test needs, and held its poll loop back meanwhile.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define CONNS_MAX	512
#define BUF_MAX		(64 * 1024 + 8192)
#define PAYMENTS_MAX	20000

enum who { SANDBOX = 1, MIDTRANS, XENDIT };

struct payment {
	enum who	 who;
	char		 order[128];
	char		 id[64];		/* sbx_, transaction id, invoice id */
	char		 token[40];		/* midtrans snap token */
	long long	 amount;
	char		 status[16];		/* sandbox words */
	long long	 expires;		/* unix s */
	long long	 paid_at;
	char		 notify[512];
	char		 ret[512];
	char		 event[64];		/* last event id / webhook-id */
	int		 notified;
};

struct conn {
	int	fd;
	char	buf[BUF_MAX];
	size_t	len;
	int	stalled;	/* "timeout" failure: never answered */
};

static struct conn	conns[CONNS_MAX];
static struct payment	*pays;
static int		npays, port, quiet;
static const char	*sandbox_key = "sandbox-secret-key-0001";
static const char	*midtrans_key = "SB-Mid-server-fakepay0001";
static const char	*xendit_key = "xnd_development_fakepay0001";
static const char	*xendit_token = "fakepay-callback-token-0001";
static const char	*xendit_signing;
static char		 xendit_callback[512];
static int		 fail_count;
static const char	*twilio_sid = "ACfakesms0000000000000000000000001";
static const char	*twilio_token = "fakesms-auth-token-0001";

/* Accepted SMS: (to, body) and how many times each was accepted. */
#define SMS_MAX		100000
struct sms {
	char		to[24];
	char		body[200];
	char		sid[40];
	char		from[24];
	int		count;
	int		zenziva;	/* accepted by /api/sendsms/ */
	int		callback;	/* Twilio's StatusCallback: index + 1 */
};
static struct sms	*smss;
static int		 nsms, sms_dups, sms_reports;
/*
 * The StatusCallback URLs Twilio messages named (a deployment has one),
 * kept once rather than in each of SMS_MAX messages.
 */
#define CALLBACKS_MAX	8
static char		 sms_callbacks[CALLBACKS_MAX][512];
static int		 ncallbacks;
/*
 * Zenziva's report URL and token are set in its dashboard; here with
 * /_control/zenziva/callback.
 */
static char		 zenziva_callback[512], zenziva_token[128];
/* Open addressing over smss by (to, body): index + 1, 0 = empty. */
#define SMS_SLOTS	(4 * SMS_MAX)
static int		*sms_slots;

static unsigned int
sms_hash(const char *to, const char *body)
{
	unsigned int	h = 2166136261u;	/* FNV-1a over to, NUL, body */

	for (; *to != '\0'; to++)
		h = (h ^ (unsigned char)*to) * 16777619u;
	h *= 16777619u;
	for (; *body != '\0'; body++)
		h = (h ^ (unsigned char)*body) * 16777619u;
	return (h);
}

/* The slot holding (to, body), or the empty slot where it belongs. */
static int *
sms_slot(const char *to, const char *body)
{
	unsigned int	 i = sms_hash(to, body) % SMS_SLOTS;
	struct sms	*m;

	for (;; i = (i + 1) % SMS_SLOTS) {
		if (sms_slots[i] == 0)
			return (&sms_slots[i]);
		m = &smss[sms_slots[i] - 1];
		if (!strcmp(m->to, to) && !strcmp(m->body, body))
			return (&sms_slots[i]);
	}
}

/* The integrator's side of the webhook transport. */
#define HOOKS_MAX	20000
static const char	*hook_secret = "integrator-secret-0000000000000000001";
static char		 (*hook_ids)[48];
static int		 nhooks, hook_dups, hook_rejected;
static char		 fail_mode[16];
static volatile sig_atomic_t stop;
static int		listen_fd = -1;

/* ------------------------------------------------------------- helpers */

static void
hex(const unsigned char *in, size_t n, char *out)
{
	size_t	i;

	for (i = 0; i < n; i++)
		snprintf(out + i * 2, 3, "%02x", in[i]);
}

static void
random_hex(char *out, size_t bytes)
{
	unsigned char	b[32];

	RAND_bytes(b, (int)bytes);
	hex(b, bytes, out);
}

static void
hmac256_hex(const char *key, const char *msg, char out[65])
{
	unsigned char	md[32];
	unsigned int	len = sizeof(md);

	HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg,
	    strlen(msg), md, &len);
	hex(md, 32, out);
}

static void
sha512_hex(const char *msg, char out[129])
{
	unsigned char	md[64];
	unsigned int	len = sizeof(md);

	EVP_Digest(msg, strlen(msg), md, &len, EVP_sha512(), NULL);
	hex(md, 64, out);
}

/* The value of "key" in a flat JSON object: string or number text. */
static int
jget(const char *body, const char *key, char *out, size_t len)
{
	char		 pat[96];
	const char	*p;
	size_t		 n = 0;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	if ((p = strstr(body, pat)) == NULL)
		return (-1);
	p += strlen(pat);
	while (*p == ' ' || *p == ':')
		p++;
	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"' && n + 1 < len; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			out[n++] = *p;
		}
		if (*p != '"')
			return (-1);
	} else {
		while (*p != '\0' && strchr(",} \n", *p) == NULL && n + 1 < len)
			out[n++] = *p++;
	}
	out[n] = '\0';
	return (n > 0 || p[-1] == '"' ? 0 : -1);
}

static const char *
header(const char *req, const char *name)
{
	static char	 val[600];
	const char	*p = req;
	size_t		 n = strlen(name), i;

	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			for (i = 0; p[i] != '\r' && p[i] != '\n' && p[i] != '\0' &&
			    i + 1 < sizeof(val); i++)
				val[i] = p[i];
			val[i] = '\0';
			return (val);
		}
	}
	return (NULL);
}

static int
basic_ok(const char *req, const char *user)
{
	const char	*h = header(req, "Authorization");
	char		 plain[256];
	unsigned char	 enc[400];

	snprintf(plain, sizeof(plain), "%s:", user);
	EVP_EncodeBlock(enc, (const unsigned char *)plain, (int)strlen(plain));
	return (h != NULL && !strncmp(h, "Basic ", 6) &&
	    !strcmp(h + 6, (const char *)enc));
}

static void
rupiah(long long v, char *out, size_t len)
{
	char	d[32];
	size_t	n, i, o = 0;

	n = (size_t)snprintf(d, sizeof(d), "%lld", v);
	out[o++] = 'R';
	out[o++] = 'p';
	for (i = 0; i < n && o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = '.';
		out[o++] = d[i];
	}
	out[o] = '\0';
}

static void
iso(long long t, char *out, size_t len)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	gmtime_r(&tt, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

/* ------------------------------------------------------------ replies */

static void
reply(struct conn *c, int status, const char *type, const char *body,
    const char *extra)
{
	char	head[1024];
	int	n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: %s"
	    "\r\nContent-Length: %zu\r\n%s\r\n", status, status < 300 ? "OK" :
	    status < 400 ? "See Other" : "Error", type, strlen(body),
	    extra ? extra : "");
	if (write(c->fd, head, (size_t)n) != n ||
	    write(c->fd, body, strlen(body)) != (ssize_t)strlen(body)) {
		close(c->fd);
		c->fd = -1;
	}
}

static void
json(struct conn *c, int status, const char *body)
{
	reply(c, status, "application/json", body, NULL);
}

/* ------------------------------------------------------- notifications */

static void	sandbox_body(const struct payment *, long long, char *, size_t);

/* One delivery, owned by the thread that makes it. */
struct delivery {
	struct payment	 pay;		/* a copy, as it was when notified */
	int		 about_pay;
	char		 url[512];
	char		 type[64];
	char		 headers[1024];
	char		*body;
};

/*
 * POST the body (of content type `type`) to url, up to 6 tries at 0, 1,
 * 2, 4, 8, 16 s until a 2xx.  Sandbox notifications are re-signed for
 * each try, and their body is made again with the try's time: the body's
 * timestamp must equal the signed header's, and a try (the first one
 * too, when the thread starts late) may begin in a later second than the
 * notification was made.  d->about_pay is 0 for what is not about a
 * payment (SMS delivery reports).
 */
static void
deliver_now(const struct delivery *d)
{
	struct sockaddr_in	 sa;
	const struct payment	*p = d->about_pay ? &d->pay : NULL;
	const char		*url = d->url, *type = d->type, *body = d->body;
	const char		*headers = d->headers;
	char			 host[256], path[512], req[8192], resp[512];
	char			 ts[32], sig[65], msg[4200], hdr[1024];
	char			 fresh[4096];
	long long		 now;
	int			 fd, tport, tries, status;
	ssize_t			 n;

	if (sscanf(url, "http://%255[^:/]:%d%511s", host, &tport, path) != 3)
		return;
	for (tries = 0; tries < 6; tries++) {
		if (tries > 0)
			sleep(1u << (tries - 1));
		snprintf(hdr, sizeof(hdr), "%s", headers);
		if (p != NULL && p->who == SANDBOX) {
			now = (long long)time(NULL);
			sandbox_body(p, now, fresh, sizeof(fresh));
			body = fresh;
			snprintf(ts, sizeof(ts), "%lld", now);
			snprintf(msg, sizeof(msg), "%s.%s", ts, body);
			hmac256_hex(sandbox_key, msg, sig);
			snprintf(hdr, sizeof(hdr), "X-Sandbox-Timestamp: %s\r\n"
			    "X-Sandbox-Signature: %s\r\n", ts, sig);
		}
		n = snprintf(req, sizeof(req), "POST %s HTTP/1.1\r\nHost: %s\r\n"
		    "Content-Type: %s\r\nContent-Length: %zu\r\n"
		    "Connection: close\r\n%s\r\n%s", path, host, type,
		    strlen(body), hdr, body);
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			continue;
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)tport);
		inet_pton(AF_INET, host, &sa.sin_addr);
		status = 0;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    write(fd, req, (size_t)n) == n &&
		    (n = read(fd, resp, sizeof(resp) - 1)) > 0) {
			resp[n] = '\0';
			sscanf(resp, "HTTP/1.1 %d", &status);
		}
		close(fd);
		if (status >= 200 && status < 300)
			return;
	}
}

static void *
deliver_thread(void *arg)
{
	struct delivery	*d = arg;

	deliver_now(d);
	free(d->body);
	free(d);
	return (NULL);
}

/* Deliver on a thread of its own, with a copy of everything it needs. */
static void
deliver(const struct payment *p, const char *url, const char *type,
    const char *body, const char *headers)
{
	struct delivery	*d;
	pthread_attr_t	 attr;
	pthread_t	 t;

	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->body = strdup(body)) == NULL) {
		free(d);
		fprintf(stderr, "fakepay: out of memory; a delivery is lost\n");
		return;
	}
	if (p != NULL) {
		d->pay = *p;
		d->about_pay = 1;
	}
	snprintf(d->url, sizeof(d->url), "%s", url);
	snprintf(d->type, sizeof(d->type), "%s", type);
	snprintf(d->headers, sizeof(d->headers), "%s", headers);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* About 20 KB of buffers on the stack; not the default 8 MB each. */
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (pthread_create(&t, &attr, deliver_thread, d) != 0) {
		fprintf(stderr, "fakepay: no thread; a delivery is lost\n");
		free(d->body);
		free(d);
	}
	pthread_attr_destroy(&attr);
}

/* The notification as sent at `now` (its timestamp is signed too). */
static void
sandbox_body(const struct payment *p, long long now, char *out, size_t len)
{
	snprintf(out, len, "{\"event_id\": \"%s\", \"order_id\": \"%s\", "
	    "\"payment_id\": \"%s\", \"status\": \"%s\", \"amount\": %lld, "
	    "\"paid_at\": %lld, \"timestamp\": %lld}", p->event, p->order, p->id,
	    p->status, p->amount, p->paid_at, now);
}

static const char *
mt_status(const struct payment *p, const char **code)
{
	if (!strcmp(p->status, "paid")) {
		*code = "200";
		return ("settlement");
	}
	if (!strcmp(p->status, "declined")) {
		*code = "202";
		return ("deny");
	}
	if (!strcmp(p->status, "cancelled")) {
		*code = "200";
		return ("cancel");
	}
	if (!strcmp(p->status, "expired") || (!strcmp(p->status, "pending") &&
	    p->expires < (long long)time(NULL))) {
		*code = "407";
		return ("expire");
	}
	*code = "201";
	return ("pending");
}

static void
midtrans_body(const struct payment *p, char *out, size_t len)
{
	const char	*code, *st = mt_status(p, &code);
	char		 gross[32], msg[512], sig[129], when[32];
	time_t		 t = (time_t)(p->paid_at ? p->paid_at : time(NULL));
	struct tm	 tm;

	snprintf(gross, sizeof(gross), "%lld.00", p->amount);
	snprintf(msg, sizeof(msg), "%s%s%s%s", p->order, code, gross,
	    midtrans_key);
	sha512_hex(msg, sig);
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(out, len, "{\"transaction_time\": \"%s\", "
	    "\"transaction_status\": \"%s\", \"transaction_id\": \"%s\", "
	    "\"status_message\": \"midtrans payment notification\", "
	    "\"status_code\": \"%s\", \"signature_key\": \"%s\", "
	    "\"payment_type\": \"bank_transfer\", \"order_id\": \"%s\", "
	    "\"merchant_id\": \"G000FAKEPAY\", \"gross_amount\": \"%s\", "
	    "\"fraud_status\": \"accept\", \"currency\": \"IDR\"}", when, st,
	    p->id, code, sig, p->order, gross);
}

static const char *
xn_status(const struct payment *p)
{
	if (!strcmp(p->status, "paid"))
		return ("PAID");
	if (!strcmp(p->status, "expired") || strcmp(p->status, "pending") ||
	    p->expires < (long long)time(NULL))
		return ("EXPIRED");
	return ("PENDING");
}

static void
xendit_body(const struct payment *p, char *out, size_t len)
{
	char	paid[40], created[40];

	iso(p->paid_at ? p->paid_at : (long long)time(NULL), paid,
	    sizeof(paid));
	iso(p->expires - 3600, created, sizeof(created));
	snprintf(out, len, "{\"id\": \"%s\", \"external_id\": \"%s\", "
	    "\"user_id\": \"fakepay-user\", \"is_high\": false, "
	    "\"payment_method\": \"BANK_TRANSFER\", \"status\": \"%s\", "
	    "\"merchant_name\": \"HydroSync Fakepay\", \"amount\": %lld, "
	    "\"paid_amount\": %lld, \"bank_code\": \"BCA\", \"paid_at\": "
	    "\"%s\", \"payment_channel\": \"BCA\", \"payment_destination\": "
	    "\"8808123456789012\", \"currency\": \"IDR\", \"created\": \"%s\", "
	    "\"updated\": \"%s\"}", p->id, p->order, xn_status(p), p->amount,
	    p->amount, paid, created, paid);
}

/* Send (or resend, keeping the event id) p's current notification. */
static void
notify(struct payment *p, int fresh)
{
	char	body[4096], hdr[1024], sig[65], msg[4200], ts[32];

	if (fresh || p->event[0] == '\0') {
		if (p->who == SANDBOX) {
			memcpy(p->event, "evt_", 4);
			random_hex(p->event + 4, 8);
		} else {
			random_hex(p->event, 16);
		}
	}
	hdr[0] = '\0';
	if (p->who == SANDBOX) {
		sandbox_body(p, (long long)time(NULL), body, sizeof(body));
		if (p->notify[0])
			deliver(p, p->notify, "application/json", body, "");
	} else if (p->who == MIDTRANS) {
		midtrans_body(p, body, sizeof(body));
		if (p->notify[0])
			deliver(p, p->notify, "application/json", body, "");
	} else {
		xendit_body(p, body, sizeof(body));
		snprintf(hdr, sizeof(hdr), "x-callback-token: %s\r\n"
		    "webhook-id: %s\r\n", xendit_token, p->event);
		if (xendit_signing != NULL) {
			snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
			snprintf(msg, sizeof(msg), "%s.%s", ts, body);
			hmac256_hex(xendit_signing, msg, sig);
			snprintf(hdr + strlen(hdr), sizeof(hdr) - strlen(hdr),
			    "X-Callback-Timestamp: %s\r\nX-Callback-Signature: "
			    "%s\r\n", ts, sig);
		}
		if (xendit_callback[0])
			deliver(p, xendit_callback, "application/json", body,
			    hdr);
	}
	p->notified++;
}

/* ------------------------------------------------------------- payments */

static struct payment *
by_order(const char *order, enum who who)
{
	int	i;

	for (i = npays - 1; i >= 0; i--) {
		if (!strcmp(pays[i].order, order) && (who == 0 ||
		    pays[i].who == who))
			return (&pays[i]);
	}
	return (NULL);
}

static struct payment *
by_id(const char *id)
{
	int	i;

	for (i = npays - 1; i >= 0; i--) {
		if (!strcmp(pays[i].id, id) || !strcmp(pays[i].token, id))
			return (&pays[i]);
	}
	return (NULL);
}

static struct payment *
add(enum who who, const char *order, long long amount)
{
	struct payment	*p;

	if (npays == PAYMENTS_MAX)
		return (NULL);
	p = &pays[npays++];
	memset(p, 0, sizeof(*p));
	p->who = who;
	snprintf(p->order, sizeof(p->order), "%s", order);
	p->amount = amount;
	snprintf(p->status, sizeof(p->status), "pending");
	p->expires = (long long)time(NULL) + 3600;
	return (p);
}

static void
settle(struct payment *p, const char *status)
{
	snprintf(p->status, sizeof(p->status), "%s", status);
	if (!strcmp(status, "paid"))
		p->paid_at = (long long)time(NULL);
}

/* A sandbox pending payment past its expiry reads as expired. */
static const char *
sb_status(const struct payment *p)
{
	if (!strcmp(p->status, "pending") && p->expires < (long long)time(NULL))
		return ("expired");
	return (p->status);
}

static void
sandbox_json(const struct payment *p, char *out, size_t len)
{
	snprintf(out, len, "{\"id\": \"%s\", \"order_id\": \"%s\", \"status\": "
	    "\"%s\", \"amount\": %lld, \"pay_url\": \"http://127.0.0.1:%d/"
	    "sandbox/pay/%s\", \"va_number\": \"8808%012lld\", \"qris\": "
	    "\"00020101021226570011ID.FAKEPAY%s5204482953033605802ID\", "
	    "\"payment_code\": \"%012lld\", \"expires_at\": %lld%s}", p->id,
	    p->order, sb_status(p), p->amount, port, p->id,
	    (long long)(p - pays) + 1, p->id, (long long)(p - pays) + 1,
	    p->expires * 1000, p->paid_at ? ", \"paid_at\": " : "");
	if (p->paid_at)
		snprintf(out + strlen(out) - 1, len - strlen(out) + 1,
		    "%lld}", p->paid_at);
}

static void
invoice_json(const struct payment *p, char *out, size_t len)
{
	char	exp[40], paid[40];

	iso(p->expires, exp, sizeof(exp));
	iso(p->paid_at, paid, sizeof(paid));
	snprintf(out, len, "{\"id\": \"%s\", \"external_id\": \"%s\", "
	    "\"user_id\": \"fakepay-user\", \"status\": \"%s\", "
	    "\"merchant_name\": \"HydroSync Fakepay\", \"amount\": %lld, "
	    "\"invoice_url\": \"http://127.0.0.1:%d/web/invoices/%s\", "
	    "\"expiry_date\": \"%s\", \"currency\": \"IDR\"%s%s%s%s}", p->id,
	    p->order, xn_status(p), p->amount, port, p->id, exp,
	    p->paid_at ? ", \"paid_amount\": " : "", "", p->paid_at ?
	    "" : "", "");
	if (p->paid_at)
		snprintf(out + strlen(out) - 1, len - strlen(out) + 1,
		    "%lld, \"paid_at\": \"%s\", \"payment_method\": "
		    "\"BANK_TRANSFER\", \"payment_channel\": \"BCA\"}",
		    p->amount, paid);
}

/* ------------------------------------------------------------ handlers */

/* The next provider API call fails as /_control/fail asked. */
static int
failing(struct conn *c)
{
	if (fail_count <= 0)
		return (0);
	fail_count--;
	if (!strcmp(fail_mode, "timeout")) {
		c->stalled = 1;
		return (1);
	}
	if (!strcmp(fail_mode, "429")) {
		reply(c, 429, "application/json", "{\"error\": \"slow "
		    "down\"}", "Retry-After: 1\r\n");
		return (1);
	}
	json(c, 500, "{\"error\": \"injected failure\"}");
	return (1);
}

static void
pay_page(struct conn *c, struct payment *p, const char *base)
{
	char	page[4096], amount[48];

	rupiah(p->amount, amount, sizeof(amount));
	snprintf(page, sizeof(page), "<!doctype html><html lang=\"id\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width="
	    "device-width\"><title>Pembayaran %s</title><style>body{font:16px "
	    "system-ui,sans-serif;max-width:24em;margin:2em auto}button{font:"
	    "inherit;padding:.6em 1.2em;margin-right:.5em}</style></head><body>"
	    "<h1>%s</h1><p>Order <b>%s</b></p><p>Jumlah: <b>%s</b></p>"
	    "<p>Status: %s</p><form method=\"post\" action=\"%s/pay\" "
	    "style=\"display:inline\"><button>Bayar</button></form><form "
	    "method=\"post\" action=\"%s/decline\" style=\"display:inline\">"
	    "<button>Tolak</button></form></body></html>",
	    p->order, p->who == SANDBOX ? "Sandbox" : p->who == MIDTRANS ?
	    "Midtrans (fake)" : "Xendit (fake)", p->order, amount, p->status,
	    base, base);
	reply(c, 200, "text/html; charset=utf-8", page, NULL);
}

static void
pay_action(struct conn *c, struct payment *p, int pay)
{
	char	loc[700];

	if (!strcmp(p->status, "pending")) {
		settle(p, pay ? "paid" : p->who == XENDIT ? "expired" :
		    "declined");
		notify(p, 1);
	}
	if (p->ret[0] == '\0') {
		reply(c, 200, "text/html; charset=utf-8", pay ?
		    "<p>Pembayaran berhasil.</p>" : "<p>Pembayaran ditolak.</p>",
		    NULL);
		return;
	}
	snprintf(loc, sizeof(loc), "Location: %s%sorder_id=%s&status=%s\r\n",
	    p->ret, strchr(p->ret, '?') ? "&" : "?", p->order, p->status);
	reply(c, 303, "text/html", "", loc);
}

static void
sandbox_api(struct conn *c, const char *m, const char *path, const char *req,
    const char *body)
{
	struct payment	*p;
	char		 auth[300], order[128], amount[32], out[2048], tail[32];
	char		 exp[32];

	snprintf(auth, sizeof(auth), "Bearer %s", sandbox_key);
	if (header(req, "Authorization") == NULL ||
	    strcmp(header(req, "Authorization"), auth)) {
		json(c, 401, "{\"error\": \"bad api key\"}");
		return;
	}
	if (failing(c))
		return;
	if (!strcmp(m, "POST") && !strcmp(path, "/sandbox/v1/payments")) {
		if (jget(body, "order_id", order, sizeof(order)) == -1 ||
		    jget(body, "amount", amount, sizeof(amount)) == -1 ||
		    atoll(amount) <= 0) {
			json(c, 400, "{\"error\": \"order_id and a positive "
			    "amount are required\"}");
			return;
		}
		if ((p = by_order(order, SANDBOX)) != NULL) {
			if (p->amount != atoll(amount)) {
				json(c, 409, "{\"error\": \"order_id used with "
				    "another amount\"}");
				return;
			}
			sandbox_json(p, out, sizeof(out));
			json(c, 200, out);
			return;
		}
		if ((p = add(SANDBOX, order, atoll(amount))) == NULL) {
			json(c, 503, "{\"error\": \"full\"}");
			return;
		}
		memcpy(p->id, "sbx_", 4);
		random_hex(p->id + 4, 8);
		jget(body, "notify_url", p->notify, sizeof(p->notify));
		jget(body, "return_url", p->ret, sizeof(p->ret));
		if (jget(body, "expires_at", exp, sizeof(exp)) == 0 &&
		    atoll(exp) > 0)
			p->expires = atoll(exp) / 1000;
		sandbox_json(p, out, sizeof(out));
		json(c, 201, out);
		return;
	}
	tail[0] = '\0';
	if (sscanf(path, "/sandbox/v1/payments/%127[^/]%31s", order,
	    tail) < 1 || (p = by_order(order, SANDBOX)) == NULL) {
		json(c, 404, "{\"error\": \"no such payment\"}");
		return;
	}
	if (!strcmp(m, "POST") && !strcmp(tail, "/cancel")) {
		if (!strcmp(p->status, "paid")) {
			json(c, 409, "{\"error\": \"already paid\"}");
			return;
		}
		settle(p, "cancelled");
	}
	sandbox_json(p, out, sizeof(out));
	json(c, 200, out);
}

static void
midtrans_api(struct conn *c, const char *m, const char *path, const char *req,
    const char *body)
{
	struct payment	*p;
	const char	*code, *st;
	char		 order[128], amount[32], out[2048], tail[32], id[40];

	if (!basic_ok(req, midtrans_key)) {
		json(c, 401, "{\"error_messages\": [\"Access denied due to "
		    "unauthorized transaction\"]}");
		return;
	}
	if (failing(c))
		return;
	if (!strcmp(m, "POST") && !strcmp(path, "/snap/v1/transactions")) {
		if (jget(body, "order_id", order, sizeof(order)) == -1 ||
		    jget(body, "gross_amount", amount, sizeof(amount)) == -1 ||
		    atoll(amount) <= 0) {
			json(c, 400, "{\"error_messages\": [\"transaction_"
			    "details.order_id and gross_amount are required\"]}");
			return;
		}
		if (by_order(order, MIDTRANS) != NULL) {
			json(c, 400, "{\"error_messages\": [\"transaction_"
			    "details.order_id has already been taken\"]}");
			return;
		}
		if ((p = add(MIDTRANS, order, atoll(amount))) == NULL) {
			json(c, 503, "{\"error_messages\": [\"full\"]}");
			return;
		}
		random_hex(id, 16);
		snprintf(p->id, sizeof(p->id), "%.8s-%.4s-%.4s-%.4s-%.12s", id,
		    id + 8, id + 12, id + 16, id + 20);
		random_hex(id, 16);
		snprintf(p->token, sizeof(p->token), "%.8s-%.4s-%.4s-%.4s-%.12s",
		    id, id + 8, id + 12, id + 16, id + 20);
		if (header(req, "X-Override-Notification") != NULL)
			snprintf(p->notify, sizeof(p->notify), "%s",
			    header(req, "X-Override-Notification"));
		jget(body, "finish", p->ret, sizeof(p->ret));
		snprintf(out, sizeof(out), "{\"token\": \"%s\", \"redirect_url\": "
		    "\"http://127.0.0.1:%d/snap/v2/vtweb/%s\"}", p->token, port,
		    p->token);
		json(c, 201, out);
		return;
	}
	tail[0] = '\0';
	if (sscanf(path, "/v2/%127[^/]%31s", order, tail) < 1 ||
	    (p = by_order(order, MIDTRANS)) == NULL) {
		json(c, 404, "{\"status_code\": \"404\", \"status_message\": "
		    "\"Transaction doesn't exist.\"}");
		return;
	}
	if (!strcmp(m, "POST") && !strcmp(tail, "/cancel")) {
		if (!strcmp(p->status, "paid")) {
			json(c, 412, "{\"status_code\": \"412\", "
			    "\"status_message\": \"Merchant cannot modify the "
			    "status of the transaction\"}");
			return;
		}
		settle(p, "cancelled");
	}
	st = mt_status(p, &code);
	(void)st;
	midtrans_body(p, out, sizeof(out));
	json(c, 200, out);
}

static void
xendit_api(struct conn *c, const char *m, const char *path, const char *req,
    const char *body)
{
	struct payment	*p;
	char		 order[128], amount[32], out[2048], id[64], dur[32];

	if (!basic_ok(req, xendit_key)) {
		json(c, 401, "{\"error_code\": \"INVALID_API_KEY\", "
		    "\"message\": \"API key is not authorized\"}");
		return;
	}
	if (failing(c))
		return;
	if (!strcmp(m, "POST") && !strcmp(path, "/v2/invoices")) {
		if (jget(body, "external_id", order, sizeof(order)) == -1 ||
		    jget(body, "amount", amount, sizeof(amount)) == -1 ||
		    atoll(amount) <= 0) {
			json(c, 400, "{\"error_code\": \"API_VALIDATION_ERROR\", "
			    "\"message\": \"external_id and amount are "
			    "required\"}");
			return;
		}
		if ((p = add(XENDIT, order, atoll(amount))) == NULL) {
			json(c, 503, "{\"error_code\": \"SERVER_ERROR\"}");
			return;
		}
		random_hex(p->id, 12);
		if (jget(body, "invoice_duration", dur, sizeof(dur)) == 0 &&
		    atoll(dur) > 0)
			p->expires = (long long)time(NULL) + atoll(dur);
		jget(body, "success_redirect_url", p->ret, sizeof(p->ret));
		invoice_json(p, out, sizeof(out));
		json(c, 200, out);
		return;
	}
	if ((sscanf(path, "/v2/invoices/%63s", id) == 1 ||
	    sscanf(path, "/invoices/%63[^/]/expire!", id) == 1) &&
	    (p = by_id(id)) != NULL && p->who == XENDIT) {
		if (!strcmp(m, "POST") && strstr(path, "/expire!") != NULL &&
		    !strcmp(p->status, "pending"))
			settle(p, "expired");
		invoice_json(p, out, sizeof(out));
		json(c, 200, out);
		return;
	}
	json(c, 404, "{\"error_code\": \"INVOICE_NOT_FOUND_ERROR\"}");
}

/* One form field of an x-www-form-urlencoded body, decoded. */
static int
fget(const char *b, const char *name, char *out, size_t len)
{
	size_t		 nl = strlen(name), o = 0;
	const char	*p = b;
	unsigned int	 h;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == b || p[-1] == '&') && p[nl] == '=')
			break;
		p++;
	}
	if (p == NULL)
		return (-1);
	for (p += nl + 1; *p != '\0' && *p != '&' && o + 1 < len; p++) {
		if (*p == '+')
			out[o++] = ' ';
		else if (*p == '%' && sscanf(p + 1, "%2x", &h) == 1) {
			out[o++] = (char)h;
			p += 2;
		} else
			out[o++] = *p;
	}
	out[o] = '\0';
	return (0);
}

/* The StatusCallback URL's index + 1; 0 when the table is full. */
static int
callback_index(const char *url)
{
	int	i;

	for (i = 0; i < ncallbacks; i++) {
		if (!strcmp(sms_callbacks[i], url))
			return (i + 1);
	}
	if (ncallbacks == CALLBACKS_MAX) {
		fprintf(stderr, "fakepay: too many StatusCallback URLs, %s "
		    "gets no reports\n", url);
		return (0);
	}
	snprintf(sms_callbacks[ncallbacks++], sizeof(sms_callbacks[0]), "%s",
	    url);
	return (ncallbacks);
}

/* Twilio's Messages API and Zenziva's sendsms. */
static void
sms_api(struct conn *c, const char *path, const char *req, const char *body)
{
	struct sms	*m = NULL;
	char		 to[24], text[200], sid[40], out[512], user[128];
	char		 url[512];
	int		*slot, twilio;

	twilio = strstr(path, "/Messages.json") != NULL;
	if (twilio) {
		snprintf(user, sizeof(user), "%s:%s", twilio_sid, twilio_token);
		/* basic_ok() appends ':'; compare by hand instead. */
		{
			const char	*h = header(req, "Authorization");
			unsigned char	 enc[256];

			EVP_EncodeBlock(enc, (const unsigned char *)user,
			    (int)strlen(user));
			if (h == NULL || strncmp(h, "Basic ", 6) ||
			    strcmp(h + 6, (const char *)enc)) {
				json(c, 401, "{\"code\": 20003, \"message\": "
				    "\"Authenticate\"}");
				return;
			}
		}
	} else if (fget(body, "userkey", user, sizeof(user)) == -1 ||
	    strcmp(user, "fakeuser") || fget(body, "passkey", user,
	    sizeof(user)) == -1 || strcmp(user, "fakepass")) {
		json(c, 200, "{\"status\": \"0\", \"text\": \"Userkey / "
		    "Passkey Salah\"}");
		return;
	}
	if (failing(c))
		return;
	if (fget(body, twilio ? "To" : "to", to, sizeof(to)) == -1 ||
	    fget(body, twilio ? "Body" : "message", text, sizeof(text)) == -1) {
		json(c, 400, "{\"code\": 21604, \"message\": \"To and Body "
		    "are required\"}");
		return;
	}
	slot = sms_slot(to, text);
	if (*slot != 0) {
		m = &smss[*slot - 1];
		m->count++;
		sms_dups++;
	} else if (nsms < SMS_MAX) {
		m = &smss[nsms++];
		*slot = nsms;
		snprintf(m->to, sizeof(m->to), "%s", to);
		snprintf(m->body, sizeof(m->body), "%s", text);
		memcpy(m->sid, "SM", 2);
		random_hex(m->sid + 2, 16);
		m->count = 1;
		m->zenziva = !twilio;
		/* What Twilio's delivery reports will carry and go to. */
		if (twilio && fget(body, "From", m->from, sizeof(m->from)) == -1)
			m->from[0] = '\0';
		if (twilio && fget(body, "StatusCallback", url,
		    sizeof(url)) == 0 && url[0] != '\0')
			m->callback = callback_index(url);
	}
	snprintf(sid, sizeof(sid), "%s", m ? m->sid : "SMfull");
	if (twilio)
		snprintf(out, sizeof(out), "{\"sid\": \"%s\", \"status\": "
		    "\"queued\", \"to\": \"%s\", \"account_sid\": \"%s\"}",
		    sid, to, twilio_sid);
	else
		snprintf(out, sizeof(out), "{\"messageId\": \"%s\", \"to\": "
		    "\"%s\", \"status\": \"1\", \"text\": \"Success\"}", sid,
		    to);
	json(c, twilio ? 201 : 200, out);
}

/* One parameter of a form Twilio posts. */
struct param {
	const char	*name;
	const char	*value;
};

static int
param_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct param *)a)->name,
	    ((const struct param *)b)->name));
}

/* Append name=value, form-encoded as Twilio encodes (space as '+'). */
static void
form_put(char *out, size_t len, const char *name, const char *value)
{
	size_t			 o = strlen(out);
	const unsigned char	*v;

	o += (size_t)snprintf(out + o, len - o, "%s%s=", o ? "&" : "", name);
	for (v = (const unsigned char *)value; *v != '\0' && o + 4 < len;
	    v++) {
		if (isalnum(*v) || strchr("-._~", *v) != NULL)
			out[o++] = (char)*v;
		else if (*v == ' ')
			out[o++] = '+';
		else
			o += (size_t)snprintf(out + o, len - o, "%%%02X", *v);
	}
	out[o] = '\0';
}

/*
 * Twilio's delivery report for m: the form it POSTs to the message's
 * StatusCallback, in the order it sends the parameters, with
 * X-Twilio-Signature = base64(HMAC-SHA1(auth token, the URL followed by
 * each parameter's name and value, sorted by name)).
 */
static void
twilio_report(const struct sms *m, const char *status)
{
	const char	*url = sms_callbacks[m->callback - 1];
	const char	*code = !strcmp(status, "failed") ? "30008" :
			    !strcmp(status, "undelivered") ? "30003" : NULL;
	struct param	 p[] = {
		{ "SmsSid", m->sid }, { "SmsStatus", status },
		{ "MessageStatus", status }, { "To", m->to },
		{ "MessageSid", m->sid }, { "AccountSid", twilio_sid },
		{ "From", m->from }, { "ApiVersion", "2010-04-01" },
		{ "ErrorCode", code },
	};
	size_t		 n = code != NULL ? 9 : 8, i, off;
	char		 body[2048], data[4096], hdr[128];
	unsigned char	 mac[20], sig[32];
	unsigned int	 maclen = sizeof(mac);

	body[0] = '\0';
	for (i = 0; i < n; i++)
		form_put(body, sizeof(body), p[i].name, p[i].value);
	qsort(p, n, sizeof(p[0]), param_cmp);
	off = (size_t)snprintf(data, sizeof(data), "%s", url);
	for (i = 0; i < n && off < sizeof(data); i++)
		off += (size_t)snprintf(data + off, sizeof(data) - off, "%s%s",
		    p[i].name, p[i].value);
	HMAC(EVP_sha1(), twilio_token, (int)strlen(twilio_token),
	    (const unsigned char *)data, strlen(data), mac, &maclen);
	EVP_EncodeBlock(sig, mac, (int)maclen);
	snprintf(hdr, sizeof(hdr), "X-Twilio-Signature: %s\r\n", sig);
	deliver(NULL, url, "application/x-www-form-urlencoded", body, hdr);
}

/*
 * A Zenziva-style report for m: JSON to the URL set with
 * /_control/zenziva/callback, authenticated only by the token that URL
 * was configured with.  Twilio's final words map to DELIVERED and
 * FAILED; the others pass through in capitals.
 */
static void
zenziva_report(const struct sms *m, const char *status)
{
	char	word[16], body[256], hdr[200];
	size_t	i;

	if (!strcmp(status, "delivered") || !strcmp(status, "read"))
		snprintf(word, sizeof(word), "DELIVERED");
	else if (!strcmp(status, "failed") || !strcmp(status, "undelivered"))
		snprintf(word, sizeof(word), "FAILED");
	else {
		for (i = 0; status[i] != '\0' && i + 1 < sizeof(word); i++)
			word[i] = (char)toupper((unsigned char)status[i]);
		word[i] = '\0';
	}
	snprintf(body, sizeof(body), "{\"messageId\": \"%s\", \"to\": \"%s\", "
	    "\"status\": \"%s\"}", m->sid, m->to, word);
	snprintf(hdr, sizeof(hdr), "X-Callback-Token: %s\r\n", zenziva_token);
	deliver(NULL, zenziva_callback, "application/json", body, hdr);
}

/*
 * A phone number in one form: +62812..., 62812... and 0812... alike.  A
 * '+' in a query string arrives as a space.
 */
static void
number_key(const char *in, char *out, size_t len)
{
	while (*in == '+' || *in == ' ')
		in++;
	if (in[0] == '0')
		snprintf(out, len, "62%s", in + 1);
	else
		snprintf(out, len, "%s", in);
}

/*
 * POST /_control/sms/report?to=PHONE&sid=SID&status=WORD: every accepted
 * message to PHONE and/or with SID is reported with Twilio's status WORD:
 * Twilio's to its StatusCallback (none named: no report), Zenziva's to
 * the URL /_control/zenziva/callback set.  404 when none matches.
 */
static void
sms_report(struct conn *c, const char *query)
{
	static const char	*words[] = { "queued", "sending", "sent",
				    "delivered", "undelivered", "failed",
				    "read", NULL };
	struct sms		*m;
	char			 to[32], want[32], key[32], sid[40];
	char			 status[16], out[128];
	int			 i, matched = 0, reported = 0;

	to[0] = sid[0] = status[0] = '\0';
	fget(query, "to", to, sizeof(to));
	fget(query, "sid", sid, sizeof(sid));
	fget(query, "status", status, sizeof(status));
	for (i = 0; words[i] != NULL && strcmp(words[i], status); i++)
		;
	if ((to[0] == '\0' && sid[0] == '\0') || words[i] == NULL) {
		json(c, 400, "{\"error\": \"to or sid, and status (queued, "
		    "sending, sent, delivered, undelivered, failed, read) are "
		    "required\"}");
		return;
	}
	number_key(to, want, sizeof(want));
	for (i = 0; i < nsms; i++) {
		m = &smss[i];
		number_key(m->to, key, sizeof(key));
		if ((to[0] != '\0' && strcmp(key, want)) ||
		    (sid[0] != '\0' && strcmp(m->sid, sid)))
			continue;
		matched++;
		if (m->zenziva && zenziva_callback[0] != '\0') {
			zenziva_report(m, status);
			reported++;
		} else if (!m->zenziva && m->callback > 0) {
			twilio_report(m, status);
			reported++;
		}
	}
	sms_reports += reported;
	if (matched == 0) {
		json(c, 404, "{\"error\": \"no such message\"}");
		return;
	}
	snprintf(out, sizeof(out), "{\"ok\": true, \"matched\": %d, "
	    "\"reported\": %d}", matched, reported);
	json(c, 200, out);
}

/*
 * POST /_control/zenziva/callback?token=T, the URL as the body: where
 * Zenziva-style reports go and the X-Callback-Token they carry.
 */
static void
zenziva_setup(struct conn *c, const char *query, const char *body)
{
	char	token[128];

	if (fget(query, "token", token, sizeof(token)) == -1 ||
	    token[0] == '\0' || strncmp(body, "http://", 7)) {
		json(c, 400, "{\"error\": \"token=T and an http:// URL as the "
		    "body are required\"}");
		return;
	}
	snprintf(zenziva_token, sizeof(zenziva_token), "%s", token);
	snprintf(zenziva_callback, sizeof(zenziva_callback), "%.*s",
	    (int)strcspn(body, " \r\n"), body);
	json(c, 200, "{\"ok\": true}");
}

/*
 * An integrator's webhook endpoint: the signature (any v1= entry), a
 * timestamp at most 5 minutes old, then dedupe on the event id.
 */
static void
integrator_hook(struct conn *c, const char *req, const char *body)
{
	const char	*id, *ts, *sig, *p;
	char		 idc[48], tsc[24], msg[BUF_MAX + 128], want[65], got[65];
	long long	 t;
	int		 i, ok = 0;

	id = header(req, "HydroSync-Event-Id");
	snprintf(idc, sizeof(idc), "%s", id ? id : "");
	ts = header(req, "HydroSync-Timestamp");
	snprintf(tsc, sizeof(tsc), "%s", ts ? ts : "");
	sig = header(req, "HydroSync-Signature");
	t = atoll(tsc);
	if (idc[0] == '\0' || sig == NULL || t < (long long)time(NULL) - 300 ||
	    t > (long long)time(NULL) + 60) {
		hook_rejected++;
		json(c, 401, "{\"error\": \"unsigned or stale\"}");
		return;
	}
	if ((size_t)snprintf(msg, sizeof(msg), "%s.%s.%s", tsc, idc, body) >=
	    sizeof(msg)) {
		json(c, 413, "{\"error\": \"too big\"}");
		return;
	}
	hmac256_hex(hook_secret, msg, want);
	for (p = sig; (p = strstr(p, "v1=")) != NULL; p += 3) {
		snprintf(got, sizeof(got), "%.64s", p + 3);
		if (!strcmp(got, want))
			ok = 1;
	}
	if (!ok) {
		hook_rejected++;
		json(c, 401, "{\"error\": \"bad signature\"}");
		return;
	}
	if (failing(c))
		return;
	for (i = 0; i < nhooks; i++) {
		if (!strcmp(hook_ids[i], idc)) {
			hook_dups++;
			json(c, 200, "{\"duplicate\": true}");
			return;
		}
	}
	if (nhooks < HOOKS_MAX)
		snprintf(hook_ids[nhooks++], sizeof(hook_ids[0]), "%s", idc);
	json(c, 200, "{\"ok\": true}");
}

static void
control(struct conn *c, const char *m, const char *path, const char *query,
    const char *body)
{
	struct payment	*p;
	char		 order[128], out[256], *list;
	size_t		 off, cap;
	int		 i;

	if (!strcmp(path, "/_control/fail")) {
		const char *mode = strstr(query, "mode=");
		const char *count = strstr(query, "count=");

		snprintf(fail_mode, sizeof(fail_mode), "%.*s", mode ?
		    (int)strcspn(mode + 5, "&") : 0, mode ? mode + 5 : "");
		fail_count = !strcmp(fail_mode, "ok") ? 0 : count ?
		    atoi(count + 6) : 1;
		json(c, 200, "{\"ok\": true}");
		return;
	}
	if (!strcmp(path, "/_control/xendit/callback_url")) {
		snprintf(xendit_callback, sizeof(xendit_callback), "%.500s",
		    body);
		json(c, 200, "{\"ok\": true}");
		return;
	}
	if (!strcmp(path, "/_control/hooks")) {
		snprintf(out, sizeof(out), "{\"verified\": %d, \"duplicates\": "
		    "%d, \"rejected\": %d}", nhooks, hook_dups, hook_rejected);
		json(c, 200, out);
		return;
	}
	if (!strcmp(path, "/_control/sms")) {
		snprintf(out, sizeof(out), "{\"accepted\": %d, "
		    "\"duplicates\": %d, \"reported\": %d}", nsms, sms_dups,
		    sms_reports);
		json(c, 200, out);
		return;
	}
	if (!strcmp(path, "/_control/sms/report")) {
		sms_report(c, query);
		return;
	}
	if (!strcmp(path, "/_control/zenziva/callback")) {
		zenziva_setup(c, query, body);
		return;
	}
	if (!strcmp(path, "/_control/payments")) {
		cap = 64 + (size_t)npays * 256;
		list = malloc(cap);
		off = (size_t)snprintf(list, cap, "[");
		for (i = 0; i < npays; i++)
			off += (size_t)snprintf(list + off, cap - off, "%s{"
			    "\"provider\": \"%s\", \"order_id\": \"%s\", \"id\": "
			    "\"%s\", \"amount\": %lld, \"status\": \"%s\"}",
			    i ? ", " : "", pays[i].who == SANDBOX ? "sandbox" :
			    pays[i].who == MIDTRANS ? "midtrans" : "xendit",
			    pays[i].order, pays[i].id, pays[i].amount,
			    pays[i].status);
		snprintf(list + off, cap - off, "]");
		json(c, 200, list);
		free(list);
		return;
	}
	if (sscanf(path, "/_control/%*[a-z]/%127s", order) != 1 ||
	    (p = by_order(order, 0)) == NULL) {
		json(c, 404, "{\"error\": \"no such order\"}");
		return;
	}
	(void)m;
	if (!strncmp(path, "/_control/pay/", 14)) {
		settle(p, "paid");
		if (strstr(query, "notify=0") == NULL)
			notify(p, 1);
	} else if (!strncmp(path, "/_control/decline/", 18)) {
		settle(p, "declined");
		notify(p, 1);
	} else if (!strncmp(path, "/_control/expire/", 17)) {
		settle(p, "expired");
		notify(p, 1);
	} else if (!strncmp(path, "/_control/resend/", 17)) {
		notify(p, 0);
	} else {
		json(c, 404, "{\"error\": \"unknown control\"}");
		return;
	}
	snprintf(out, sizeof(out), "{\"ok\": true, \"status\": \"%s\"}",
	    p->status);
	json(c, 200, out);
}

static void
handle(struct conn *c, char *req, const char *body)
{
	struct payment	*p;
	char		 m[8], target[1024], path[1024], base[256], id[128];
	char		 act[16];
	const char	*query;
	char		*q;

	if (sscanf(req, "%7s %1023s", m, target) != 2) {
		json(c, 400, "{\"error\": \"bad request\"}");
		return;
	}
	snprintf(path, sizeof(path), "%s", target);
	if ((q = strchr(path, '?')) != NULL)
		*q++ = '\0';
	query = q ? q : "";
	if (!quiet)
		fprintf(stderr, "fakepay: %s %s\n", m, target);
	if (!strncmp(path, "/_control/", 10)) {
		control(c, m, path, query, body);
	} else if (!strcmp(path, "/integrator/hook")) {
		integrator_hook(c, req, body);
	} else if ((!strncmp(path, "/2010-04-01/Accounts/", 21) &&
	    strstr(path, "/Messages.json") != NULL) ||
	    !strcmp(path, "/api/sendsms/")) {
		sms_api(c, path, req, body);
	} else if (!strncmp(path, "/sandbox/v1/", 12)) {
		sandbox_api(c, m, path, req, body);
	} else if (!strncmp(path, "/snap/v1/", 9) || !strncmp(path, "/v2/", 4)) {
		if (!strncmp(path, "/v2/invoices", 12))
			xendit_api(c, m, path, req, body);
		else
			midtrans_api(c, m, path, req, body);
	} else if (!strncmp(path, "/invoices/", 10)) {
		xendit_api(c, m, path, req, body);
	} else if (sscanf(path, "/sandbox/pay/%127[^/]/%15s", id, act) >= 1 ||
	    sscanf(path, "/snap/v2/vtweb/%127[^/]/%15s", id, act) >= 1 ||
	    sscanf(path, "/web/invoices/%127[^/]/%15s", id, act) >= 1) {
		if ((p = by_id(id)) == NULL) {
			reply(c, 404, "text/html", "<p>Tidak ditemukan</p>",
			    NULL);
			return;
		}
		snprintf(base, sizeof(base), "%.*s", (int)(strstr(path, id) -
		    path + strlen(id)), path);
		if (!strcmp(m, "GET"))
			pay_page(c, p, base);
		else
			pay_action(c, p, strstr(path + strlen(base), "/pay") !=
			    NULL);
	} else {
		json(c, 404, "{\"error\": \"not found\"}");
	}
}

/* A whole request in c->buf?  Handle it and keep what follows. */
static void
consume(struct conn *c)
{
	char		*end, *cl;
	size_t		 hlen, blen, total;
	char		 body[BUF_MAX];

	while (c->fd != -1 && !c->stalled) {
		c->buf[c->len] = '\0';
		if ((end = strstr(c->buf, "\r\n\r\n")) == NULL) {
			if (c->len >= 16384) {
				json(c, 431, "{\"error\": \"headers too big\"}");
				close(c->fd);
				c->fd = -1;
			}
			return;
		}
		hlen = (size_t)(end - c->buf) + 4;
		cl = NULL;
		{
			const char *v = header(c->buf, "Content-Length");

			blen = v ? strtoul(v, &cl, 10) : 0;
		}
		if (blen > 65536) {
			json(c, 413, "{\"error\": \"body too big\"}");
			close(c->fd);
			c->fd = -1;
			return;
		}
		total = hlen + blen;
		if (c->len < total)
			return;
		memcpy(body, c->buf + hlen, blen);
		body[blen] = '\0';
		c->buf[hlen - 2] = '\0';
		{
			const char *conn = header(c->buf, "Connection");
			int close_after = conn != NULL &&
			    !strcasecmp(conn, "close");

			handle(c, c->buf, body);
			if (c->fd != -1 && close_after && !c->stalled) {
				close(c->fd);
				c->fd = -1;
			}
		}
		if (c->fd == -1 || c->stalled)
			return;
		memmove(c->buf, c->buf + total, c->len - total);
		c->len -= total;
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: hs-fakepay --port N [--sandbox-key K] "
	    "[--midtrans-key K] [--xendit-key K] [--xendit-token T] "
	    "[--xendit-signing-key K] [--xendit-callback URL] [--quiet]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 sa;
	struct pollfd		 pfd[CONNS_MAX + 1];
	socklen_t		 slen = sizeof(sa);
	int			 lfd, i, n, one = 1, fd;
	ssize_t			 r;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quiet")) {
			quiet = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--port"))
			port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--sandbox-key"))
			sandbox_key = argv[++i];
		else if (!strcmp(argv[i], "--midtrans-key"))
			midtrans_key = argv[++i];
		else if (!strcmp(argv[i], "--xendit-key"))
			xendit_key = argv[++i];
		else if (!strcmp(argv[i], "--xendit-token"))
			xendit_token = argv[++i];
		else if (!strcmp(argv[i], "--xendit-signing-key"))
			xendit_signing = argv[++i];
		else if (!strcmp(argv[i], "--xendit-callback"))
			snprintf(xendit_callback, sizeof(xendit_callback), "%s",
			    argv[++i]);
		else
			usage();
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if ((pays = calloc(PAYMENTS_MAX, sizeof(*pays))) == NULL ||
	    (smss = calloc(SMS_MAX, sizeof(*smss))) == NULL ||
	    (sms_slots = calloc(SMS_SLOTS, sizeof(*sms_slots))) == NULL ||
	    (hook_ids = calloc(HOOKS_MAX, sizeof(*hook_ids))) == NULL)
		return (1);
	lfd = listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(lfd, 256) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &slen) == -1) {
		perror("hs-fakepay");
		return (1);
	}
	port = ntohs(sa.sin_port);
	printf("hs-fakepay listening on 127.0.0.1:%d\n", port);
	fflush(stdout);
	for (i = 0; i < CONNS_MAX; i++)
		conns[i].fd = -1;
	while (!stop) {
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < CONNS_MAX; i++) {
			pfd[i + 1].fd = conns[i].fd;
			pfd[i + 1].events = POLLIN;
		}
		if ((n = poll(pfd, CONNS_MAX + 1, 500)) <= 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			fd = accept(lfd, NULL, NULL);
			for (i = 0; fd != -1 && i < CONNS_MAX; i++) {
				if (conns[i].fd == -1) {
					conns[i].fd = fd;
					conns[i].len = 0;
					conns[i].stalled = 0;
					break;
				}
			}
			if (fd != -1 && i == CONNS_MAX)
				close(fd);
		}
		for (i = 0; i < CONNS_MAX; i++) {
			if (conns[i].fd == -1 || !(pfd[i + 1].revents &
			    (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(conns[i].fd, conns[i].buf + conns[i].len,
			    BUF_MAX - 1 - conns[i].len);
			if (r <= 0) {
				close(conns[i].fd);
				conns[i].fd = -1;
				continue;
			}
			conns[i].len += (size_t)r;
			consume(&conns[i]);
		}
	}
	return (0);
}
