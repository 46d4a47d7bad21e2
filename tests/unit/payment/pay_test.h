/*
 * Shared pieces of the payment plugin tests: a fake host whose
 * http_request records the request and answers only when the test says
 * (after http_request has returned, as the ABI promises), a fake clock,
 * captured log lines, loading a plugin through the real loader, and
 * signatures computed with OpenSSL independently of the plugins.
 *
 * Include after <cmocka.h>.
 */
#ifndef HS_TEST_PAY_H
#define HS_TEST_PAY_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "hydrosync/plugin.h"
#include "conf/conf.h"
#include "plugin/loader.h"
#include "../../../plugins/lib/pjson.h"

/* 2023-11-14 22:13:20 UTC: the fake clock unless a test moves it. */
#define TEST_NOW_MS	1700000000000LL
#define TEST_NOW_S	1700000000LL

/* ------------------------------------------------------------ fake host */

#define TEST_HEADERS_MAX	16

/* The last request a plugin started, copied as the host would. */
struct test_req {
	char			 method[16];
	char			 url[2048];
	char			 hname[TEST_HEADERS_MAX][64];
	char			 hvalue[TEST_HEADERS_MAX][2048];
	size_t			 nheaders;
	char			 body[16384];	/* NUL-terminated copy */
	size_t			 body_len;
	int			 has_body;
	uint32_t		 timeout_ms;
	hs_http_done_fn		 done;
	void			*arg;
};

static struct test_req	test_req;
static int		test_nreq;	/* requests started */
static int		test_pending;	/* a request awaits its answer */
static int		test_http_rc = HS_OK;	/* http_request's result */
static int64_t		test_now = TEST_NOW_MS;
static char		test_log[8192];
static int		test_log_err;	/* lines logged at HS_LOG_ERR */

static inline void test_host_log(void *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static inline void
test_host_log(void *hctx, int level, const char *fmt, ...)
{
	size_t	used = strlen(test_log);
	va_list	ap;

	(void)hctx;
	if (level <= HS_LOG_ERR)
		test_log_err++;
	if (used + 2 >= sizeof(test_log))
		return;
	va_start(ap, fmt);
	vsnprintf(test_log + used, sizeof(test_log) - used - 1, fmt, ap);
	va_end(ap);
	strcat(test_log, "\n");
}

static inline const char *
test_host_setting(void *hctx, const char *key)
{
	return (hs_plugin_setting(hctx, key));
}

static inline int64_t
test_host_now(void *hctx)
{
	(void)hctx;
	return (test_now);
}

static inline int
test_host_random(void *hctx, void *buf, size_t len)
{
	(void)hctx;
	memset(buf, 0x5a, len);
	return (HS_OK);
}

static inline void *
test_host_alloc(void *hctx, size_t n)
{
	void	*p;

	(void)hctx;
	/* Not zeroed: a plugin that relies on that is caught by ASan/UBSan. */
	if ((p = malloc(n ? n : 1)) == NULL)
		abort();
	memset(p, 0xa5, n);
	return (p);
}

static inline void
test_host_free(void *hctx, void *p)
{
	(void)hctx;
	free(p);
}

static inline int
test_host_http(void *hctx, const struct hs_http_req *req, hs_http_done_fn done,
    void *arg)
{
	size_t	i;

	(void)hctx;
	test_nreq++;
	assert_non_null(req);
	assert_int_equal(req->size, sizeof(*req));
	assert_non_null(done);
	/* The previous answer must have been given before a new request. */
	assert_false(test_pending);
	if (test_http_rc != HS_OK)
		return (test_http_rc);
	memset(&test_req, 0, sizeof(test_req));
	assert_true(strlen(req->method) < sizeof(test_req.method));
	strcpy(test_req.method, req->method);
	assert_true(strlen(req->url) < sizeof(test_req.url));
	strcpy(test_req.url, req->url);
	assert_true(req->nheaders <= TEST_HEADERS_MAX);
	for (i = 0; i < req->nheaders; i++) {
		assert_true(strlen(req->headers[i].name) <
		    sizeof(test_req.hname[i]));
		assert_true(strlen(req->headers[i].value) <
		    sizeof(test_req.hvalue[i]));
		strcpy(test_req.hname[i], req->headers[i].name);
		strcpy(test_req.hvalue[i], req->headers[i].value);
	}
	test_req.nheaders = req->nheaders;
	assert_true(req->body_len < sizeof(test_req.body));
	if (req->body != NULL) {
		memcpy(test_req.body, req->body, req->body_len);
		test_req.has_body = 1;
	}
	test_req.body_len = req->body_len;
	test_req.timeout_ms = req->timeout_ms;
	test_req.done = done;
	test_req.arg = arg;
	test_pending = 1;
	return (HS_OK);
}

/* A request header's value (names compared without case), or NULL. */
static inline const char *
test_header(const char *name)
{
	size_t	i;

	for (i = 0; i < test_req.nheaders; i++) {
		if (!strcasecmp(test_req.hname[i], name))
			return (test_req.hvalue[i]);
	}
	return (NULL);
}

/* Answer the pending request: status and body (NULL: empty). */
static inline void
test_respond(int status, const char *body)
{
	struct hs_http_resp	resp;

	assert_true(test_pending);
	test_pending = 0;
	memset(&resp, 0, sizeof(resp));
	resp.size = sizeof(resp);
	resp.error = HS_OK;
	resp.status = status;
	resp.body = body;
	resp.body_len = body != NULL ? strlen(body) : 0;
	test_req.done(test_req.arg, &resp);
}

/* The pending request never got an answer (timeout, refused, TLS). */
static inline void
test_respond_error(const char *why)
{
	struct hs_http_resp	resp;

	assert_true(test_pending);
	test_pending = 0;
	memset(&resp, 0, sizeof(resp));
	resp.size = sizeof(resp);
	resp.error = HS_E_UNAVAILABLE;
	resp.error_text = why;
	test_req.done(test_req.arg, &resp);
}

/* The request body's string at path ("" when absent: fails the test). */
static inline const char *
test_body_str(const char *path)
{
	static char	out[2048];

	if (pjson_string(test_req.body, test_req.body_len, path, out,
	    sizeof(out)) == -1)
		fail_msg("body has no string at '%s': %s", path, test_req.body);
	return (out);
}

static inline int64_t
test_body_int(const char *path)
{
	int64_t	v;

	if (pjson_int(test_req.body, test_req.body_len, path, &v) == -1)
		fail_msg("body has no integer at '%s': %s", path,
		    test_req.body);
	return (v);
}

/* ----------------------------------------------------- done callbacks */

static int				created_calls;
static int				created_rc;
static struct hs_payment_created	created_out;
static int				status_calls;
static int				status_rc;
static struct hs_payment_event		status_out;
static int				cb_arg;		/* its address is arg */

static inline void
on_created(void *arg, int rc, const struct hs_payment_created *cr)
{
	assert_ptr_equal(arg, &cb_arg);
	created_calls++;
	created_rc = rc;
	memset(&created_out, 0, sizeof(created_out));
	if (rc == HS_OK) {
		assert_non_null(cr);
		assert_int_equal(cr->size, sizeof(*cr));
		created_out = *cr;
	}
}

static inline void
on_status(void *arg, int rc, const struct hs_payment_event *ev)
{
	assert_ptr_equal(arg, &cb_arg);
	status_calls++;
	status_rc = rc;
	memset(&status_out, 0, sizeof(status_out));
	if (rc == HS_OK) {
		assert_non_null(ev);
		assert_int_equal(ev->size, sizeof(*ev));
		status_out = *ev;
	}
}

/* ----------------------------------------------------- plugin loading */

static struct hs_config		test_conf;
static struct hs_plugin_slot	test_slot;
static int			test_loaded;
static char			test_err[2048];

static inline void
test_reset(void)
{
	memset(&test_req, 0, sizeof(test_req));
	test_nreq = test_pending = 0;
	test_http_rc = HS_OK;
	test_now = TEST_NOW_MS;
	test_log[0] = '\0';
	test_log_err = 0;
	created_calls = status_calls = 0;
	created_rc = status_rc = 1;
	memset(&created_out, 0, sizeof(created_out));
	memset(&status_out, 0, sizeof(status_out));
}

/*
 * Parse a one-plugin configuration (printf format; the plugin is named
 * "pay"), open it with the loader and init it with the fake host.
 * Returns 0, -1 when opening failed or -2 when init failed (test_err and
 * test_log say why).
 */
static inline int test_load(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));

static inline int
test_load(const char *fmt, ...)
{
	struct hs_host	host;
	char		text[4096];
	va_list		ap;

	test_reset();
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	test_err[0] = '\0';
	memset(&test_conf, 0, sizeof(test_conf));
	memset(&test_slot, 0, sizeof(test_slot));
	if (hs_conf_parse(text, strlen(text), "test.conf", &test_conf,
	    test_err, sizeof(test_err)) == -1)
		return (-1);
	if (hs_plugin_open(&test_conf.plugins[0], HS_ABI_VERSION, &test_slot,
	    test_err, sizeof(test_err)) == -1)
		return (-1);
	memset(&host, 0, sizeof(host));
	host.log = test_host_log;
	host.setting = test_host_setting;
	host.now_ms = test_host_now;
	host.random = test_host_random;
	host.alloc = test_host_alloc;
	host.free = test_host_free;
	host.http_request = test_host_http;
	if (hs_plugin_init(&test_slot, &host, test_err, sizeof(test_err)) ==
	    -1)
		return (-2);
	test_loaded = 1;
	return (0);
}

static inline const struct hs_payment_ops *
test_ops(void)
{
	const struct hs_payment_ops	*ops;

	assert_non_null(ops = hs_plugin_payment(&test_slot));
	return (ops);
}

static inline void *
test_pctx(void)
{
	return (test_slot.pctx);
}

/* Every request answered, then fini; a leak shows in ASan's report. */
static inline void
test_unload(void)
{
	assert_false(test_pending);
	if (test_loaded)
		hs_plugin_fini(&test_slot);
	test_loaded = 0;
}

/* A create request with everything filled in. */
static inline struct hs_payment_create
test_create_in(const char *order, int64_t amount)
{
	struct hs_payment_create	in;

	memset(&in, 0, sizeof(in));
	in.size = sizeof(in);
	in.order_id = order;
	in.amount = amount;
	in.currency = "IDR";
	in.description = "Token listrik HS-1001";
	in.customer_name = "Siti Aminah";
	in.customer_phone = "+6281234567890";
	in.customer_email = "siti@example.id";
	in.return_url = "https://hs.example.id/pay/return?order=HS-1001";
	in.notify_url = "https://hs.example.id/api/v1/payments/pay/notify";
	in.expires_at_ms = TEST_NOW_MS + 3600 * 1000;
	return (in);
}

/* ------------------------------------------------ reference signatures */

static inline void
test_hex(const unsigned char *b, size_t n, char *out)
{
	size_t	i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

/* hex(HMAC-SHA256(key, prefix "." body)) into out[65]. */
static inline void
test_hmac_hex(const char *key, const char *prefix, const char *body,
    char *out)
{
	unsigned char	mac[32];
	unsigned int	len = sizeof(mac);
	char		msg[16384];

	assert_true((size_t)snprintf(msg, sizeof(msg), "%s.%s", prefix, body) <
	    sizeof(msg));
	assert_non_null(HMAC(EVP_sha256(), key, (int)strlen(key),
	    (const unsigned char *)msg, strlen(msg), mac, &len));
	assert_int_equal(len, 32);
	test_hex(mac, 32, out);
}

/* hex(SHA-512(s)) into out[129]. */
static inline void
test_sha512_hex(const char *s, char *out)
{
	unsigned char	md[SHA512_DIGEST_LENGTH];

	SHA512((const unsigned char *)s, strlen(s), md);
	test_hex(md, sizeof(md), out);
}

/* "Basic " base64(user ":" password) into out. */
static inline void
test_basic(const char *user, const char *password, char *out, size_t len)
{
	unsigned char	enc[512];
	char		plain[300];

	assert_true((size_t)snprintf(plain, sizeof(plain), "%s:%s", user,
	    password) < sizeof(plain));
	EVP_EncodeBlock(enc, (const unsigned char *)plain, (int)strlen(plain));
	assert_true((size_t)snprintf(out, len, "Basic %s", enc) < len);
}

#endif
