/*
 * STS token operations on top of a key backend, shared by the soft and
 * pkcs11 HSM plugins (the pkcs11 plugin links this file's object).
 *
 * Both plugins answer the same four questions the same way: is this meter
 * description well formed, which plaintext block does this token carry,
 * how is it encrypted, and what does a key change or provisioning record
 * look like.  The only thing that differs between them is where the
 * decoder key comes from: the soft plugin derives it from a vending key in
 * process memory, the pkcs11 plugin asks the token to do the keyed part.
 * So a backend is one derive() callback plus an optional wrap() for the
 * factory, and everything else lives here once, which is what makes the
 * two plugins produce identical tokens by construction.
 *
 * Every decoder key that passes through here sits on the stack and is
 * wiped with hs_sts_wipe() before returning.
 */
#ifndef HS_HSM_STS_OPS_H
#define HS_HSM_STS_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "hydrosync/plugin.h"
#include "sts/sts.h"

struct hs_hsm_backend {
	void			*ctx;
	const struct hs_host	*host;
	/* EA07 tables, or NULL when the plugin has none configured. */
	const struct hs_sts_sta_table *sta;

	/*
	 * Derive the decoder key of the meter described by *in, using the
	 * vending key (sgc, krn) of algorithm dkga.  Writes 8 (EA07) or 16
	 * (EA11) bytes to dk and the length to *dklen.  Returns HS_OK or an
	 * HS_E_* code after logging the reason.
	 */
	int	(*derive)(void *ctx, uint8_t dkga,
		    const struct hs_sts_dkga_input *in, uint8_t dk[16],
		    size_t *dklen);

	/*
	 * Wrap dk for the meter factory (AES key wrap with padding, RFC
	 * 5649) and write the wrapped bytes as lower-case hex, NUL
	 * terminated.  NULL when no factory key is configured: provisioning
	 * then writes the configuration record without a key.
	 */
	int	(*wrap)(void *ctx, const uint8_t *dk, size_t dklen, char *hex,
		    size_t hexlen);
};

/*
 * Check a meter description and turn it into the engine's DKGA input.
 * Returns HS_OK or HS_E_INVALID with the reason logged.
 */
int	hs_hsm_meter_input(const struct hs_host *host,
	    const struct hs_hsm_meter *m, struct hs_sts_dkga_input *in);

/* The hs_hsm_ops operations, given a backend. */
int	hs_hsm_vend(const struct hs_hsm_backend *b,
	    const struct hs_hsm_meter *m, const struct hs_hsm_token *t,
	    char out[HS_TOKEN_DIGITS + 1]);
int	hs_hsm_key_change(const struct hs_hsm_backend *b,
	    const struct hs_hsm_meter *from, const struct hs_hsm_key_change *to,
	    char out[HS_KCT_MAX][HS_TOKEN_DIGITS + 1], size_t *count);
int	hs_hsm_provision(const struct hs_hsm_backend *b,
	    const struct hs_hsm_meter *m, char *out, size_t out_len);

/*
 * The DKGA04 message (IEC 62055-41 / STSA: an SP 800-108 style label and
 * context), so that a backend whose HMAC runs elsewhere (a PKCS#11 token)
 * can feed it the same bytes core/sts/dkga.c does.  in must have passed
 * hs_hsm_meter_input().  Returns the length written (at most 64).
 */
size_t	hs_hsm_dkga04_message(const struct hs_sts_dkga_input *in,
	    uint8_t data[64]);

/*
 * Read an STA table file (the text form of hs_sts_sta_parse()).  Returns
 * 0, or -1 with a message naming the file, line and fault in err.
 */
int	hs_hsm_sta_load(const char *path, struct hs_sts_sta_table *tab,
	    char *err, size_t errlen);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void	hs_hsm_hex(const uint8_t *p, size_t n, char *out);

#endif
