/*
 * The fake host of the webhook transport tests; see fake_host.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fake_host.h"

struct fake_req		fake_req;
int			fake_requests;
int			fake_http_rc = HS_OK;
int64_t			fake_now_ms;
int			fake_outstanding;
int64_t			fake_allocs;
struct hs_delivery	fake_delivery;
int			fake_deliveries;
char			fake_log[8192];
char			fake_err[2048];
struct hs_plugin_slot	fake_slot;

static struct hs_config	fake_conf;
static hs_http_done_fn	pending_done;
static void		*pending_arg;

static void	host_log(void *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
host_log(void *hctx, int level, const char *fmt, ...)
{
	size_t	used = strlen(fake_log);
	va_list	ap;

	(void)hctx;
	(void)level;
	if (used + 2 >= sizeof(fake_log))
		return;
	va_start(ap, fmt);
	vsnprintf(fake_log + used, sizeof(fake_log) - used - 1, fmt, ap);
	va_end(ap);
	strcat(fake_log, "\n");
}

static const char *
host_setting(void *hctx, const char *key)
{
	return (hs_plugin_setting(hctx, key));
}

static int64_t
host_now(void *hctx)
{
	(void)hctx;
	return (fake_now_ms);
}

static int
host_random(void *hctx, void *buf, size_t len)
{
	(void)hctx;
	memset(buf, 0x5a, len);
	return (HS_OK);
}

static void *
host_alloc(void *hctx, size_t n)
{
	void	*p;

	(void)hctx;
	if ((p = calloc(1, n ? n : 1)) == NULL)
		abort();
	fake_allocs++;
	return (p);
}

static void
host_free(void *hctx, void *p)
{
	(void)hctx;
	if (p != NULL)
		fake_allocs--;
	free(p);
}

static void
copy(char *dst, size_t len, const char *src)
{
	assert_non_null(src);
	assert_true(strlen(src) < len);
	snprintf(dst, len, "%s", src);
}

static int
host_http(void *hctx, const struct hs_http_req *req, hs_http_done_fn done,
    void *arg)
{
	size_t	i;

	(void)hctx;
	fake_requests++;
	if (fake_http_rc != HS_OK)
		return (fake_http_rc);
	/* One request at a time in these tests. */
	assert_null(pending_done);
	assert_int_equal(req->size, sizeof(*req));
	memset(&fake_req, 0, sizeof(fake_req));
	copy(fake_req.method, sizeof(fake_req.method), req->method);
	copy(fake_req.url, sizeof(fake_req.url), req->url);
	assert_true(req->nheaders <= FAKE_HEADERS_MAX);
	for (i = 0; i < req->nheaders; i++) {
		copy(fake_req.names[i], sizeof(fake_req.names[i]),
		    req->headers[i].name);
		copy(fake_req.values[i], sizeof(fake_req.values[i]),
		    req->headers[i].value);
	}
	fake_req.nheaders = req->nheaders;
	assert_true(req->body_len < sizeof(fake_req.body));
	if (req->body_len > 0)
		memcpy(fake_req.body, req->body, req->body_len);
	fake_req.body_len = req->body_len;
	fake_req.timeout_ms = req->timeout_ms;
	pending_done = done;
	pending_arg = arg;
	fake_outstanding++;
	return (HS_OK);
}

int
fake_load(const char *fmt, ...)
{
	struct hs_host	host;
	char		text[4096], settings[2048];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(settings, sizeof(settings), fmt, ap);
	va_end(ap);
	snprintf(text, sizeof(text), "plugin hook transport "
	    "%s/plugins/transport/webhook.so\n%s", HS_TEST_BUILD, settings);
	fake_log[0] = fake_err[0] = '\0';
	fake_requests = fake_deliveries = fake_outstanding = 0;
	fake_http_rc = HS_OK;
	fake_now_ms = 1795340000123LL;
	/* A test that failed half-way must not fail the next one too. */
	pending_done = NULL;
	pending_arg = NULL;
	fake_allocs = 0;
	memset(&fake_delivery, 0, sizeof(fake_delivery));
	memset(&fake_slot, 0, sizeof(fake_slot));
	if (hs_conf_parse(text, strlen(text), "test.conf", &fake_conf,
	    fake_err, sizeof(fake_err)) == -1)
		return (-1);
	if (hs_plugin_open(&fake_conf.plugins[0], HS_ABI_VERSION, &fake_slot,
	    fake_err, sizeof(fake_err)) == -1)
		return (-1);
	memset(&host, 0, sizeof(host));
	host.log = host_log;
	host.setting = host_setting;
	host.now_ms = host_now;
	host.random = host_random;
	host.alloc = host_alloc;
	host.free = host_free;
	host.http_request = host_http;
	if (hs_plugin_init(&fake_slot, &host, fake_err, sizeof(fake_err)) ==
	    -1)
		return (-2);
	return (0);
}

void
fake_unload(void)
{
	assert_int_equal(fake_outstanding, 0);
	hs_plugin_fini(&fake_slot);
	/* Everything the plugin took from the host went back. */
	assert_int_equal(fake_allocs, 0);
}

const struct hs_transport_ops *
fake_ops(void)
{
	return (hs_plugin_transport(&fake_slot));
}

static void
delivered(void *arg, const struct hs_delivery *d)
{
	assert_ptr_equal(arg, &fake_delivery);
	assert_int_equal(d->size, sizeof(*d));
	memcpy(&fake_delivery, d, sizeof(fake_delivery));
	fake_deliveries++;
}

int
fake_send(const char *id, const char *url, const char *type,
    const char *body)
{
	struct hs_message	msg;

	memset(&msg, 0, sizeof(msg));
	msg.size = sizeof(msg);
	msg.message_id = id;
	msg.recipient = url;
	msg.subject = type;
	msg.body = body;
	msg.body_len = body != NULL ? strlen(body) : 0;
	return (fake_ops()->send(fake_slot.pctx, &msg, delivered,
	    &fake_delivery));
}

void
fake_answer(int status, int error, const char *hname, const char *hvalue)
{
	struct hs_http_resp	resp;
	struct hs_http_header	hdr;
	hs_http_done_fn		done = pending_done;
	void			*arg = pending_arg;

	assert_non_null(done);
	pending_done = NULL;
	pending_arg = NULL;
	fake_outstanding--;
	memset(&resp, 0, sizeof(resp));
	resp.size = sizeof(resp);
	resp.error = error;
	resp.error_text = error != HS_OK ? "timed out after 5000 ms" : NULL;
	resp.status = status;
	if (hname != NULL) {
		hdr.name = hname;
		hdr.value = hvalue;
		resp.headers = &hdr;
		resp.nheaders = 1;
	}
	resp.body = "";
	resp.body_len = 0;
	done(arg, &resp);
}

const char *
fake_header(const char *name)
{
	size_t	i;

	for (i = 0; i < fake_req.nheaders; i++)
		if (strcmp(fake_req.names[i], name) == 0)
			return (fake_req.values[i]);
	return (NULL);
}

void
fake_hmac_hex(const char *secret, const char *ts, const char *id,
    const char *body, size_t body_len, char out[65])
{
	unsigned char	 mac[EVP_MAX_MD_SIZE], *msg;
	unsigned int	 maclen = 0;
	size_t		 n, i;
	int		 k;

	n = strlen(ts) + strlen(id) + 2 + body_len;
	assert_non_null(msg = malloc(n + 1));
	k = snprintf((char *)msg, n + 1, "%s.%s.", ts, id);
	assert_true(k > 0 && (size_t)k + body_len == n);
	memcpy(msg + k, body, body_len);
	assert_non_null(HMAC(EVP_sha256(), secret, (int)strlen(secret), msg,
	    n, mac, &maclen));
	free(msg);
	assert_int_equal(maclen, 32);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}
