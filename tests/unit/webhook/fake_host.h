/*
 * A fake host for the webhook transport's unit tests.  The plugin is
 * loaded through the real loader (conf + plugin/loader); the host's
 * http_request records the request and keeps the completion, which the
 * test then answers with fake_answer() after send() has returned, the way
 * the real client calls back later on the worker's loop.
 */
#ifndef HS_TEST_FAKE_HOST_H
#define HS_TEST_FAKE_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "hydrosync/plugin.h"
#include "conf/conf.h"
#include "plugin/loader.h"

#define FAKE_HEADERS_MAX	16

/* A deep copy of the last request the plugin made. */
struct fake_req {
	char		method[16];
	char		url[512];
	char		names[FAKE_HEADERS_MAX][64];
	char		values[FAKE_HEADERS_MAX][512];
	size_t		nheaders;
	char		body[4096];
	size_t		body_len;
	uint32_t	timeout_ms;
};

extern struct fake_req		fake_req;
extern int			fake_requests;	/* http_request calls */
extern int			fake_http_rc;	/* its return */
extern int64_t			fake_now_ms;	/* the host's clock */
extern int			fake_outstanding; /* un-answered requests */
extern int64_t			fake_allocs;	/* alloc minus free */

/* What the plugin's send() reported through done. */
extern struct hs_delivery	fake_delivery;
extern int			fake_deliveries;

extern char			fake_log[8192];
extern char			fake_err[2048];
extern struct hs_plugin_slot	fake_slot;

/*
 * Load build/plugins/transport/webhook.so with these settings (lines of
 * "set hook KEY VALUE", printf format).  0, -1 when the loader refused or
 * -2 when init failed (fake_err and fake_log say why).
 */
int	fake_load(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	fake_unload(void);
const struct hs_transport_ops *fake_ops(void);

/* send() through the plugin, with the test's done callback. */
int	fake_send(const char *id, const char *url, const char *type,
	    const char *body);

/*
 * Answer the pending request: status (0 for no response), error
 * (HS_OK or HS_E_UNAVAILABLE) and optionally one response header.
 */
void	fake_answer(int status, int error, const char *hname,
	    const char *hvalue);

/* A request header's value (exact name), or NULL. */
const char	*fake_header(const char *name);

/* hex(HMAC-SHA256(secret, ts "." id "." body)) computed with OpenSSL. */
void	fake_hmac_hex(const char *secret, const char *ts, const char *id,
	    const char *body, size_t body_len, char out[65]);

#endif /* HS_TEST_FAKE_HOST_H */
