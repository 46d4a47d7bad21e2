#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "auth/session.h"
#include "cache/cache.h"

void
hs_auth_sha256_hex(const char *s, char out[65])
{
	static const char	hex[] = "0123456789abcdef";
	unsigned char		md[32];
	unsigned int		len, i;

	EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++) {
		out[i * 2] = hex[md[i] >> 4];
		out[i * 2 + 1] = hex[md[i] & 0xf];
	}
	out[64] = '\0';
}

int
hs_auth_random_hex(char *out, size_t nbytes)
{
	static const char	hex[] = "0123456789abcdef";
	unsigned char		buf[64];
	size_t			i;

	if (nbytes > sizeof(buf) || RAND_bytes(buf, (int)nbytes) != 1)
		return (-1);
	for (i = 0; i < nbytes; i++) {
		out[i * 2] = hex[buf[i] >> 4];
		out[i * 2 + 1] = hex[buf[i] & 0xf];
	}
	out[nbytes * 2] = '\0';
	OPENSSL_cleanse(buf, sizeof(buf));
	return (0);
}

void
hs_auth_cookie(struct hs_req *r, const char *token, int max_age)
{
	char	cookie[256];

	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; Max-Age=%d; Secure; "
	    "HttpOnly; SameSite=Strict", HS_SESSION_COOKIE,
	    max_age > 0 ? token : "", max_age);
	http_response_header(r->http, "set-cookie", cookie);
}

uint32_t
hs_auth_role_bit(const char *name)
{
	static const struct {
		const char	*name;
		uint32_t	 bit;
	} roles[] = {
		{ "admin", HS_ROLE_ADMIN },
		{ "operator", HS_ROLE_OPERATOR },
		{ "cashier", HS_ROLE_CASHIER },
		{ "technician", HS_ROLE_TECHNICIAN },
		{ "customer", HS_ROLE_CUSTOMER },
	};
	size_t	i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (!strcmp(roles[i].name, name))
			return (roles[i].bit);
	}
	return (0);
}

static int
has_permission(const char *list, const char *perm)
{
	size_t		len = strlen(perm);
	const char	*p = list;

	while ((p = strstr(p, perm)) != NULL) {
		if ((p == list || p[-1] == ',') &&
		    (p[len] == ',' || p[len] == '\0'))
			return (1);
		p += len;
	}
	return (0);
}

/*
 * A change made with a browser session must carry the session's CSRF
 * token in X-CSRF-Token and come from our own origin: the Origin header's
 * host must be the Host the request was sent to.  SameSite=Strict already
 * keeps the cookie off cross-site requests; this is the second lock.
 */
static int
csrf_ok(struct hs_req *r)
{
	const char	*token, *origin, *host, *p;
	size_t		 len;

	if (r->http->method == HTTP_METHOD_GET ||
	    r->http->method == HTTP_METHOD_HEAD)
		return (1);
	token = hs_req_header(r, "x-csrf-token");
	if (token == NULL || strlen(token) != strlen(r->who.csrf) ||
	    CRYPTO_memcmp(token, r->who.csrf, strlen(r->who.csrf)) != 0)
		return (0);
	origin = hs_req_header(r, "origin");
	host = hs_req_header(r, "host");
	if (origin == NULL || host == NULL)
		return (0);
	if ((p = strstr(origin, "://")) == NULL)
		return (0);
	p += 3;
	len = strlen(host);
	return (strlen(p) == len && !strncmp(p, host, len));
}

static int
refuse(struct hs_req *r, int status, const char *code, const char *msg)
{
	r->auth_done = 1;
	return (hs_reply_error(r, status, code, msg, NULL));
}

static int	authorize(struct hs_req *);

/*
 * A principal from the cache, if there: then no database round trip.  On a
 * miss the caller notes the cache generation, so a result read before an
 * invalidation is never cached after it.
 */
static int
cached(struct hs_req *r, int kind)
{
	struct hs_principal	 who;
	const void		*v;
	size_t			 len;

	r->cache_gen = hs_cache_generation();
	if ((v = hs_cache_get(hs_cache_principals, r->cache_key, &len, NULL,
	    NULL)) == NULL || len != sizeof(who))
		return (0);
	memcpy(&who, v, sizeof(who));
	if (who.kind != kind)
		return (0);
	memcpy(who.session_hash, r->who.session_hash,
	    sizeof(who.session_hash));
	r->who = who;
	return (1);
}

static int
lookup(struct hs_req *r)
{
	const char	*auth, *cookie, *params[2];
	char		 prefix[17], hash[65], secret[129];
	const char	*us;

	http_populate_cookies(r->http);
	if ((auth = hs_req_header(r, "authorization")) != NULL) {
		/* "Bearer hsk_<16 hex>_<secret>" */
		if (strncmp(auth, "Bearer hsk_", 11) ||
		    (us = strchr(auth + 11, '_')) == NULL ||
		    us - (auth + 11) != 16 || strlen(us + 1) < 32 ||
		    strlen(us + 1) >= sizeof(secret))
			return (refuse(r, 401, "unauthenticated", "malformed "
			    "API key"));
		memcpy(prefix, auth + 11, 16);
		prefix[16] = '\0';
		snprintf(secret, sizeof(secret), "%s", us + 1);
		hs_auth_sha256_hex(secret, hash);
		OPENSSL_cleanse(secret, sizeof(secret));
		snprintf(r->cache_key, sizeof(r->cache_key), "k%s%s", prefix,
		    hash);
		if (cached(r, HS_PRINCIPAL_APIKEY))
			return (authorize(r));
		params[0] = prefix;
		params[1] = hash;
		r->who.kind = HS_PRINCIPAL_APIKEY;
		return (hs_req_query(r, "SELECT id, utility_id, "
		    "array_to_string(permissions, ',') FROM hs_api_key_use($1, "
		    "$2)", 2, params));
	}
	if (http_request_cookie(r->http, HS_SESSION_COOKIE, (char **)&cookie) &&
	    strlen(cookie) == 64) {
		hs_auth_sha256_hex(cookie, r->who.session_hash);
		snprintf(r->cache_key, sizeof(r->cache_key), "%s",
		    r->who.session_hash);
		if (cached(r, HS_PRINCIPAL_USER))
			return (authorize(r));
		params[0] = r->who.session_hash;
		r->who.kind = HS_PRINCIPAL_USER;
		return (hs_req_query(r, "SELECT user_id, utility_id, role, "
		    "coalesce(customer_id, 0), csrf_token FROM "
		    "hs_session_use($1)", 1, params));
	}
	return (refuse(r, 401, "unauthenticated", "log in first"));
}

static int
principal(struct hs_req *r)
{
	PGresult	*res = r->res;

	if (r->error[0] != '\0')
		return (refuse(r, 503, "unavailable", "the database is not "
		    "answering; try again"));
	if (PQntuples(res) != 1) {
		if (r->who.kind == HS_PRINCIPAL_USER)
			hs_auth_cookie(r, NULL, 0);
		return (refuse(r, 401, "unauthenticated", r->who.kind ==
		    HS_PRINCIPAL_USER ? "the session has ended; log in again" :
		    "unknown or revoked API key"));
	}
	if (r->who.kind == HS_PRINCIPAL_APIKEY) {
		r->who.api_key_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		r->who.utility_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		snprintf(r->who.permissions, sizeof(r->who.permissions), "%s",
		    PQgetvalue(res, 0, 2));
		r->who.role = HS_ROLE_INTEGRATOR;
		snprintf(r->who.actor, sizeof(r->who.actor), "apikey:%lld",
		    (long long)r->who.api_key_id);
	} else {
		r->who.user_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		r->who.utility_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		r->who.role = hs_auth_role_bit(PQgetvalue(res, 0, 2));
		r->who.customer_id = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
		snprintf(r->who.csrf, sizeof(r->who.csrf), "%s",
		    PQgetvalue(res, 0, 4));
		snprintf(r->who.actor, sizeof(r->who.actor), "user:%lld",
		    (long long)r->who.user_id);
	}
	PQclear(r->res);
	r->res = NULL;
	hs_cache_put(hs_cache_principals, r->cache_gen, r->cache_key,
	    r->who.kind == HS_PRINCIPAL_USER ? r->who.user_id :
	    -r->who.api_key_id, 0, &r->who, sizeof(r->who));
	return (authorize(r));
}

/* The caller is known: may they use this route, this way? */
static int
authorize(struct hs_req *r)
{
	if (!(r->route->roles & r->who.role))
		return (refuse(r, 403, "forbidden", "your role may not do "
		    "this"));
	if (r->who.role == HS_ROLE_INTEGRATOR && (r->route->permission ==
	    NULL || !has_permission(r->who.permissions, r->route->permission)))
		return (refuse(r, 403, "forbidden", "this API key lacks the "
		    "permission"));
	if (r->who.kind == HS_PRINCIPAL_USER && !csrf_ok(r))
		return (refuse(r, 403, "csrf", "missing or wrong CSRF token or "
		    "Origin"));
	r->auth_done = 1;
	r->phase = 0;
	r->error[0] = '\0';
	return (HS_AUTH_PROCEED);
}

int
hs_auth_resolve(struct hs_req *r)
{
	if (r->auth_done)
		return (HS_AUTH_PROCEED);
	if (r->who.kind == HS_PRINCIPAL_NONE)
		return (lookup(r));
	return (principal(r));
}
