/*
 * Internals of the webhook transport, shared by its two files: webhook.c
 * (the plugin: settings, send, outcome) and sign.c (signatures, header
 * checks, Retry-After).  Not ABI: nothing here is exported from the .so.
 */
#ifndef HS_WEBHOOK_H
#define HS_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define WH_SECRET_MIN		32	/* characters */
#define WH_HEX_LEN		64	/* hex of one HMAC-SHA256 */
#define WH_TS_LEN		24	/* Unix seconds as text */
/* "v1=" hex "," "v1=" hex, NUL */
#define WH_SIG_LEN		(2 * (3 + WH_HEX_LEN) + 1 + 1)
#define WH_RETRY_CAP_MS		(60u * 60u * 1000u)	/* 1 hour */

/* HMAC, fetched once per worker (after fork) and kept. */
struct wh_mac {
	EVP_MAC			*mac;
};

int	wh_mac_open(struct wh_mac *);
void	wh_mac_close(struct wh_mac *);

/*
 * hex(HMAC-SHA256(secret, ts "." id "." body)) into out, lower case and
 * NUL-terminated.  0, or -1 when OpenSSL fails.
 */
int	wh_sign(const struct wh_mac *, const char *secret, const char *ts,
	    const char *id, const void *body, size_t body_len,
	    char out[WH_HEX_LEN + 1]);

/*
 * The HydroSync-Signature value: "v1=<hex>" for secret, then ",v1=<hex>"
 * for previous when it is not NULL.  0, or -1 when OpenSSL fails.
 */
int	wh_signature(const struct wh_mac *, const char *secret,
	    const char *previous, const char *ts, const char *id,
	    const void *body, size_t body_len, char out[WH_SIG_LEN]);

/*
 * Is s a safe header value?  Non-empty, at most max bytes, no control
 * characters, and no spaces unless spaces is set.
 */
int	wh_header_ok(const char *s, size_t max, int spaces);

/* Is url http:// or https:// followed by a host and no blanks? */
int	wh_url_ok(const char *url);

/*
 * A Retry-After value (delta seconds or an IMF-fixdate) as milliseconds
 * from now_ms, capped at WH_RETRY_CAP_MS; 0 when absent, unreadable or
 * already past (the core then backs off on its own).
 */
uint32_t	wh_retry_after(const char *value, int64_t now_ms);

#endif /* HS_WEBHOOK_H */
