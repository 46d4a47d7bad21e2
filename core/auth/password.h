/*
 * Password hashing with scrypt (OpenSSL's EVP_KDF), stored as
 *   $scrypt$ln=15,r=8,p=3$<salt base64>$<hash base64>
 * so the cost can be raised later: a login that verifies against older
 * parameters is rehashed.  The cost (N=2^15, r=8, p=3: 32 MiB, one of the
 * OWASP-equivalent settings) takes a few hundred milliseconds of CPU, so
 * the server never runs it on a worker's event loop (see net/compute.h).
 */
#ifndef HS_PASSWORD_H
#define HS_PASSWORD_H

#include <stddef.h>

#define HS_PASSWORD_MIN		12
#define HS_PASSWORD_MAX		128
#define HS_PASSWORD_HASH_MAX	160

/* Hash a new password; -1 on failure. */
int	hs_password_hash(const char *password, char *out, size_t outlen);

/* 1 when password matches stored, 0 when not, -1 on a malformed hash. */
int	hs_password_verify(const char *password, const char *stored);

/* Is password acceptable for a new account?  NULL, or why not. */
const char	*hs_password_weak(const char *password);

#endif
