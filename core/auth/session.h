/*
 * Who is calling: a browser session (the __Host-hs_session cookie) or an
 * integrator's API key (Authorization: Bearer hsk_<prefix>_<secret>),
 * resolved before a protected route's handler runs, then checked against
 * the route's roles, an API key's permissions, and, for browser sessions
 * making a change, the CSRF token and the Origin header.
 */
#ifndef HS_SESSION_H
#define HS_SESSION_H

#include "http/router.h"

#define HS_AUTH_PROCEED		2
#define HS_SESSION_COOKIE	"__Host-hs_session"
#define HS_SESSION_MAX_AGE	(12 * 3600)	/* absolute lifetime */

/* HS_AGAIN while looking up, HS_DONE after a refusal, or HS_AUTH_PROCEED. */
int	hs_auth_resolve(struct hs_req *r);

/* SHA-256 of s as 64 hex digits. */
void	hs_auth_sha256_hex(const char *s, char out[65]);

/* nbytes of CSPRNG output as 2*nbytes hex digits; -1 on failure. */
int	hs_auth_random_hex(char *out, size_t nbytes);

/* Set (max_age > 0) or clear (0) the session cookie on the reply. */
void	hs_auth_cookie(struct hs_req *r, const char *token, int max_age);

/* Does the role name ("admin") map to an HS_ROLE_* bit?  0 when not. */
uint32_t	hs_auth_role_bit(const char *name);

#endif
