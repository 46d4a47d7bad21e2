/*
 * The integrator's side of docs/webhooks.md, done exactly as the document
 * says:
 *   1. HydroSync-Timestamp is Unix seconds, at most max_age old and at
 *      most RCV_FUTURE_SKEW ahead;
 *   2. some v1= entry of HydroSync-Signature equals
 *      hex(HMAC-SHA256(secret, timestamp "." event_id "." raw body)) for
 *      one of the secrets held, compared in constant time;
 *   3. the event is acted on once per HydroSync-Event-Id; a re-delivery
 *      is answered 200 again and only counted.
 * Deliveries that fail 1 or 2 get 401.  /_control/ injects failures and
 * reports what was seen.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "receiver.h"

#define HEX_LEN		64
#define EVENTS_MAX	1000000

void
rcv_json(struct rcv_reply *r, int status, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	r->status = status;
	free(r->body);
	va_start(ap, fmt);
	n = vasprintf(&r->body, fmt, ap);
	va_end(ap);
	if (n < 0) {
		r->body = NULL;
		r->body_len = 0;
		r->status = 500;
		return;
	}
	r->body_len = (size_t)n;
}

static void
say(const struct rcv_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(const struct rcv_state *st, const char *fmt, ...)
{
	va_list	ap;

	if (st->quiet)
		return;
	fputs("hs-webhook-receiver: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Printable ASCII without blanks, 1..max characters. */
static int
token_ok(const char *s, size_t max)
{
	size_t	i;

	if (s == NULL || s[0] == '\0')
		return (0);
	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || (unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f || s[i] == '"' || s[i] == '\\')
			return (0);
	return (1);
}

/* hex(HMAC-SHA256(secret, ts "." id "." body)) */
static int
expected(const char *secret, const char *ts, const char *id,
    const char *body, size_t body_len, char out[HEX_LEN + 1])
{
	unsigned char	*msg, mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0, i;
	size_t		 n;
	int		 k;

	n = strlen(ts) + 1 + strlen(id) + 1 + body_len;
	if ((msg = malloc(n + 1)) == NULL)
		return (-1);
	k = snprintf((char *)msg, n + 1, "%s.%s.", ts, id);
	memcpy(msg + k, body, body_len);
	if (HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, n, mac,
	    &maclen) == NULL || maclen != 32) {
		free(msg);
		return (-1);
	}
	free(msg);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	return (0);
}

/* Does some v1= entry of sig match one of the secrets? */
static int
signature_ok(const struct rcv_state *st, const char *sig, const char *ts,
    const char *id, const char *body, size_t body_len)
{
	char		 want[RCV_SECRETS_MAX][HEX_LEN + 1];
	char		 got[HEX_LEN + 1];
	const char	*p, *e;
	size_t		 i, n;
	int		 ok = 0;

	for (i = 0; i < st->nsecrets; i++)
		if (expected(st->secrets[i], ts, id, body, body_len,
		    want[i]) == -1)
			return (0);
	for (p = sig; *p != '\0'; p = *e == ',' ? e + 1 : e) {
		while (*p == ' ' || *p == '\t')
			p++;
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		/* Other schemes (a future v2=) are skipped, not refused. */
		if (n != 3 + HEX_LEN || strncmp(p, "v1=", 3) != 0)
			continue;
		for (i = 0; i < HEX_LEN; i++)
			got[i] = (char)tolower((unsigned char)p[3 + i]);
		got[HEX_LEN] = '\0';
		for (i = 0; i < st->nsecrets; i++)
			ok |= CRYPTO_memcmp(got, want[i], HEX_LEN) == 0;
	}
	return (ok);
}

/* The timestamp: digits only, within the window.  NULL when fine. */
static const char *
timestamp_bad(const struct rcv_state *st, const char *ts, time_t now)
{
	long long	t = 0;
	size_t		i;

	if (ts == NULL || ts[0] == '\0' || strlen(ts) > 18)
		return ("missing or malformed HydroSync-Timestamp");
	for (i = 0; ts[i] != '\0'; i++) {
		if (!isdigit((unsigned char)ts[i]))
			return ("missing or malformed HydroSync-Timestamp");
		t = t * 10 + (ts[i] - '0');
	}
	if ((long long)now - t > st->max_age)
		return ("stale timestamp");
	if (t - (long long)now > RCV_FUTURE_SKEW)
		return ("timestamp in the future");
	return (NULL);
}

static struct rcv_event *
find_event(struct rcv_state *st, const char *id)
{
	size_t	i;

	for (i = 0; i < st->nevents; i++)
		if (strcmp(st->events[i].id, id) == 0)
			return (&st->events[i]);
	return (NULL);
}

static int
add_event(struct rcv_state *st, const char *id, const char *type)
{
	struct rcv_event	*ev;
	size_t			 cap;

	if (st->nevents == st->cap) {
		if (st->cap >= EVENTS_MAX)
			return (-1);
		cap = st->cap == 0 ? 64 : st->cap * 2;
		if ((ev = reallocarray(st->events, cap, sizeof(*ev))) == NULL)
			return (-1);
		st->events = ev;
		st->cap = cap;
	}
	ev = &st->events[st->nevents++];
	snprintf(ev->id, sizeof(ev->id), "%s", id);
	snprintf(ev->type, sizeof(ev->type), "%s", type);
	ev->count = 1;
	return (0);
}

static void
deliver(struct rcv_state *st, const struct rcv_request *req, time_t now,
    struct rcv_reply *r)
{
	struct rcv_event	*ev;
	const char		*id, *type, *ts, *sig, *why = NULL;

	id = rcv_header(req, "HydroSync-Event-Id");
	type = rcv_header(req, "HydroSync-Event-Type");
	ts = rcv_header(req, "HydroSync-Timestamp");
	sig = rcv_header(req, "HydroSync-Signature");
	if (!token_ok(id, RCV_ID_MAX))
		why = "missing or malformed HydroSync-Event-Id";
	else if (!token_ok(type, RCV_TYPE_MAX))
		why = "missing or malformed HydroSync-Event-Type";
	else if (sig == NULL)
		why = "missing HydroSync-Signature";
	else if ((why = timestamp_bad(st, ts, now)) == NULL &&
	    !signature_ok(st, sig, ts, id, req->body, req->body_len))
		why = "bad signature";
	if (why != NULL) {
		st->rejected++;
		say(st, "%s: rejected: %s", token_ok(id, RCV_ID_MAX) ? id :
		    "(no id)", why);
		rcv_json(r, 401, "{\"error\": \"%s\"}", why);
		return;
	}
	if (st->fail_count > 0) {
		st->fail_count--;
		st->failed++;
		say(st, "%s %s: failed with %d as asked (%lu more)", id, type,
		    st->fail_status, st->fail_count);
		if (st->fail_status == 429)
			snprintf(r->extra, sizeof(r->extra),
			    "Retry-After: 1\r\n");
		rcv_json(r, st->fail_status, "{\"error\": \"injected "
		    "failure\"}");
		return;
	}
	if ((ev = find_event(st, id)) != NULL) {
		ev->count++;
		st->duplicates++;
		say(st, "%s %s: duplicate (%lu deliveries)", id, type,
		    ev->count);
		rcv_json(r, 200, "{\"ok\": true, \"duplicate\": true}");
		return;
	}
	if (add_event(st, id, type) == -1) {
		rcv_json(r, 503, "{\"error\": \"too many events\"}");
		return;
	}
	st->verified++;
	say(st, "%s %s: verified", id, type);
	rcv_json(r, 200, "{\"ok\": true, \"duplicate\": false}");
}

/* POST /_control/fail?status=500|429|410&count=N */
static void
control_fail(struct rcv_state *st, const struct rcv_request *req,
    struct rcv_reply *r)
{
	char	status[8], count[16], *end;
	long	s;
	long	n = 1;

	if (rcv_query(req->query, "status", status, sizeof(status)) == -1 ||
	    (s = strtol(status, &end, 10)) < 400 || s > 599 || *end != '\0') {
		rcv_json(r, 400, "{\"error\": \"status must be 400..599 "
		    "(500, 429, 410, ...)\"}");
		return;
	}
	if (rcv_query(req->query, "count", count, sizeof(count)) == 0 &&
	    (!isdigit((unsigned char)count[0]) ||
	    (n = strtol(count, &end, 10)) < 0 || n > 1000000 || *end != '\0')) {
		rcv_json(r, 400, "{\"error\": \"count must be 0..1000000\"}");
		return;
	}
	st->fail_status = (int)s;
	st->fail_count = (unsigned long)n;
	say(st, "the next %ld deliveries fail with %ld", n, s);
	rcv_json(r, 200, "{\"ok\": true, \"status\": %ld, \"count\": %ld}",
	    s, n);
}

/* GET /_control/events */
static void
control_events(const struct rcv_state *st, struct rcv_reply *r)
{
	char	*out, *p;
	size_t	 cap, i;
	int	 n;

	/* id and type hold no '"' or '\\' (token_ok), so no escaping. */
	cap = 160 + st->nevents * (RCV_ID_MAX + RCV_TYPE_MAX + 64);
	if ((out = malloc(cap)) == NULL) {
		rcv_json(r, 500, "{\"error\": \"out of memory\"}");
		return;
	}
	p = out;
	n = snprintf(p, cap, "{\"verified\": %lu, \"duplicates\": %lu, "
	    "\"rejected\": %lu, \"failed\": %lu, \"events\": [", st->verified,
	    st->duplicates, st->rejected, st->failed);
	p += n;
	for (i = 0; i < st->nevents; i++) {
		n = snprintf(p, cap - (size_t)(p - out), "%s{\"id\": \"%s\", "
		    "\"type\": \"%s\", \"count\": %lu}", i ? ", " : "",
		    st->events[i].id, st->events[i].type,
		    st->events[i].count);
		p += n;
	}
	n = snprintf(p, cap - (size_t)(p - out), "]}\n");
	p += n;
	free(r->body);
	r->status = 200;
	r->body = out;
	r->body_len = (size_t)(p - out);
}

void
rcv_handle(struct rcv_state *st, const struct rcv_request *req, time_t now,
    struct rcv_reply *r)
{
	int	post = strcmp(req->method, "POST") == 0;
	int	get = strcmp(req->method, "GET") == 0;

	if (strcmp(req->path, "/_control/fail") == 0) {
		if (post)
			control_fail(st, req, r);
		else
			rcv_json(r, 405, "{\"error\": \"POST only\"}");
	} else if (strcmp(req->path, "/_control/events") == 0) {
		if (get)
			control_events(st, r);
		else
			rcv_json(r, 405, "{\"error\": \"GET only\"}");
	} else if (strncmp(req->path, "/_control/", 10) == 0)
		rcv_json(r, 404, "{\"error\": \"no such control\"}");
	else if (post)
		deliver(st, req, now, r);
	else
		rcv_json(r, 405, "{\"error\": \"webhooks are POSTed\"}");
	if (r->status == 405 && r->extra[0] == '\0')
		snprintf(r->extra, sizeof(r->extra), "Allow: %s\r\n",
		    strcmp(req->path, "/_control/events") == 0 ? "GET" :
		    "POST");
}

void
rcv_free(struct rcv_state *st)
{
	free(st->events);
	st->events = NULL;
	st->nevents = st->cap = 0;
}
