/*
 * What every HTTP-speaking plugin needs and should not write again:
 * header lookup, the ABI's reading of an HTTP outcome, HTTP Basic
 * credentials and constant-time signature checks.  Linked into plugins
 * statically (plugins/payment/payment.mk, the transports); not ABI.
 */
#ifndef HS_PHTTP_H
#define HS_PHTTP_H

#include <stddef.h>

#include "hydrosync/plugin.h"

/* A request header's value (names compared without case), or NULL. */
const char	*phttp_header(const struct hs_http_header *h, size_t n,
		    const char *name);

/*
 * An HTTP outcome as an ABI result: no answer, timeouts, 429 and 5xx are
 * HS_E_UNAVAILABLE (retry later); 401/403 HS_E_CONFIG (our credentials);
 * other 4xx HS_E_INVALID; 2xx and 3xx HS_OK.
 */
int	phttp_result(const struct hs_http_resp *resp);

/* "Basic base64(user:password)" into out; -1 when it does not fit. */
int	phttp_basic(const char *user, const char *password, char *out,
	    size_t len);

/*
 * Does hex (exactly 2 * len hex digits, either case) spell mac[0..len)?
 * The bytes are compared in constant time.  0 when it does, -1 otherwise.
 */
int	phttp_hex_equal(const unsigned char *mac, size_t len, const char *hex);

/*
 * Does sig_hex (64 hex digits) equal hex(HMAC-SHA256(key, prefix "." body))?
 * Compared in constant time.  0 when it does, -1 otherwise.
 */
int	phttp_hmac_check(const char *key, const char *prefix, const void *body,
	    size_t body_len, const char *sig_hex);

#endif
