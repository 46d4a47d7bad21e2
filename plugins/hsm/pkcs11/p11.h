/*
 * A thin layer over one PKCS#11 module: load it, find a token by label,
 * log in, and manage HydroSync's key objects in it.  Compiled into the
 * pkcs11 plugin (vending) and into the hydrosync CLI (key ceremonies).
 *
 * The module is dlopen()ed (RTLD_NOW | RTLD_LOCAL) from the path a setting
 * names and reached only through C_GetFunctionList, so nothing links
 * against a vendor library and the p11-kit header is the only build
 * dependency.
 *
 * Objects HydroSync keeps in a token, found by CKA_LABEL:
 *	"hsvk:SGC:KRN:DKGA"	a vending key, e.g. "hsvk:123457:1:04".
 *				CKO_SECRET_KEY, CKK_GENERIC_SECRET holding
 *				VK || 12 zero bytes (same HMAC as VK; SoftHSM2
 *				wants 256-bit HMAC keys), CKA_TOKEN, CKA_PRIVATE,
 *				CKA_SENSITIVE, not CKA_EXTRACTABLE, usable
 *				for CKM_SHA256_HMAC signing only.
 *	"hsfactory"		the AES-256 key that wraps decoder keys for
 *				the meter factory (CKA_WRAP only).
 *
 * Every function returns HS_OK or an HS_E_* code and, on error, writes a
 * sentence naming the cause (module, token, PKCS#11 return value) to err.
 */
#ifndef HS_HSM_P11_H
#define HS_HSM_P11_H

#include <stddef.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>

#define HS_P11_VK_PREFIX	"hsvk:"
#define HS_P11_FACTORY_LABEL	"hsfactory"
#define HS_P11_KEYS_MAX		256

struct hs_p11 {
	void			*dl;
	CK_FUNCTION_LIST_PTR	 f;
	CK_SLOT_ID		 slot;
	CK_SESSION_HANDLE	 session;
	int			 initialized;	/* we called C_Initialize */
	int			 has_session;
	int			 logged_in;
};

/* One vending key object as listed. */
struct hs_p11_vk {
	uint32_t		 sgc;
	uint8_t			 krn;
	uint8_t			 dkga;
	CK_OBJECT_HANDLE	 handle;
};

/* The CKR_* name of a return value ("CKR_PIN_INCORRECT"). */
const char	*hs_p11_rv_name(CK_RV rv);

/*
 * Load the module, find the token labelled label, check that it can be
 * used (initialised, user PIN set and not locked), open a session (rw:
 * read-write, for key ceremonies) and log in as the user with pin.
 * HS_E_CONFIG for every cause an operator must fix.
 */
int	hs_p11_open(struct hs_p11 *p, const char *module, const char *label,
	    const char *pin, int rw, char *err, size_t errlen);

/* Log out, close the session and finalise the library if we opened it. */
void	hs_p11_close(struct hs_p11 *p);

/*
 * Initialise a fresh token (a slot whose token has no label yet) with
 * label, SO PIN and user PIN.  Refuses to reinitialise a labelled token.
 */
int	hs_p11_init_token(const char *module, const char *label,
	    const char *so_pin, const char *user_pin, char *err,
	    size_t errlen);

/* Every "hsvk:" object; *n receives the count (at most max). */
int	hs_p11_vk_list(struct hs_p11 *p, struct hs_p11_vk *out, size_t max,
	    size_t *n, char *err, size_t errlen);

/*
 * Import a vending key as a sensitive, non-extractable token object.
 * Only DKGA04 (20-byte) keys: see hs_p11_vk_generate().
 */
int	hs_p11_vk_import(struct hs_p11 *p, uint32_t sgc, uint8_t krn,
	    uint8_t dkga, const uint8_t *vk, size_t vklen, char *err,
	    size_t errlen);

/*
 * Generate a DKGA04 vending key from the token's RNG (C_GenerateRandom,
 * 160 bits, padded as in import and wiped from host memory at once).
 * DKGA02 is refused in this backend: its last step XORs the vending key
 * itself into the result (DK = DES_VK(X) ^ X ^ VK), which no standard
 * PKCS#11 mechanism can do with a key the host may not read.
 */
int	hs_p11_vk_generate(struct hs_p11 *p, uint32_t sgc, uint8_t krn,
	    uint8_t dkga, char *err, size_t errlen);

/* Import the factory wrapping key (32 bytes, AES). */
int	hs_p11_factory_import(struct hs_p11 *p, const uint8_t key[32],
	    char *err, size_t errlen);

/* The handle of the object with this label and class, or 0. */
CK_OBJECT_HANDLE hs_p11_find(struct hs_p11 *p, CK_OBJECT_CLASS cls,
	    const char *label);

#endif
