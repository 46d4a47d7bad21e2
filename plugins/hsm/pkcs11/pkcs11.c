/*
 * The pkcs11 HSM plugin: STS vending with the vending keys inside any
 * PKCS#11 token (tested with SoftHSM2; see docs/hsm.md).
 *
 * Each worker loads the module and opens its own logged-in session in
 * init(), after the fork: PKCS#11 state does not survive fork().  The
 * vending keys stay in the token as sensitive, non-extractable objects.
 * DKGA04 runs its HMAC-SHA-256 inside the token (C_Sign, CKM_SHA256_HMAC);
 * the decoder key it yields then passes through this process, because
 * neither STA (EA07) nor MISTY1 (EA11) exists in PKCS#11, and is wiped as
 * soon as the token is encrypted.  DKGA02 is refused: see p11.h.
 *
 * Settings (values may be "env:NAME" or "file:PATH"):
 *	module		path of the PKCS#11 library
 *	token_label	label of the token holding the keys
 *	pin		the user PIN (give it as env:/file:)
 *	sta_tables	STA table file, needed for EA07 meters
 *
 * A token object labelled "hsfactory" (an AES key, CKA_WRAP) turns on
 * wrapped decoder keys in provisioning records (CKM_AES_KEY_WRAP_PAD).
 */
#include <string.h>

#include <openssl/crypto.h>

#include "hydrosync/plugin.h"
#include "p11.h"
#include "../soft/sts_ops.h"

struct p11_ctx {
	const struct hs_host	*host;
	struct hs_p11		 p11;
	struct hs_p11_vk	 vks[HS_P11_KEYS_MAX];
	size_t			 nvks;
	CK_OBJECT_HANDLE	 factory;
	struct hs_sts_sta_table	 sta;
	int			 has_sta;
	struct hs_hsm_backend	 backend;
};

static const struct hs_setting_spec p11_settings[] = {
	{ "module", 1, "path of the PKCS#11 library, e.g. "
	    "/usr/lib/softhsm/libsofthsm2.so" },
	{ "token_label", 1, "label of the token holding the vending keys" },
	{ "pin", 1, "the token's user PIN; give it as env:NAME or file:PATH" },
	{ "sta_tables", 0, "STA (EA07) table file" },
	{ NULL, 0, NULL }
};

static int
rescan(struct p11_ctx *ctx)
{
	char	err[256];
	int	r;

	r = hs_p11_vk_list(&ctx->p11, ctx->vks, HS_P11_KEYS_MAX, &ctx->nvks,
	    err, sizeof(err));
	if (r != HS_OK)
		ctx->host->log(ctx->host->hctx, HS_LOG_ERR, "%s", err);
	return (r);
}

static const struct hs_p11_vk *
lookup(const struct p11_ctx *ctx, uint32_t sgc, uint8_t krn)
{
	size_t	i;

	for (i = 0; i < ctx->nvks; i++)
		if (ctx->vks[i].sgc == sgc && ctx->vks[i].krn == krn)
			return (&ctx->vks[i]);
	return (NULL);
}

/* HMAC-SHA-256 of the DKGA04 message, keyed inside the token. */
static CK_RV
hmac(struct p11_ctx *ctx, CK_OBJECT_HANDLE key, uint8_t *data, size_t n,
    uint8_t mac[32])
{
	CK_MECHANISM	mech = { CKM_SHA256_HMAC, NULL, 0 };
	CK_ULONG	maclen = 32;
	CK_RV		rv;

	if ((rv = ctx->p11.f->C_SignInit(ctx->p11.session, &mech, key)) !=
	    CKR_OK)
		return (rv);
	rv = ctx->p11.f->C_Sign(ctx->p11.session, data, n, mac, &maclen);
	if (rv == CKR_OK && maclen != 32)
		rv = CKR_FUNCTION_FAILED;
	return (rv);
}

static int
p11_derive(void *pctx, uint8_t dkga, const struct hs_sts_dkga_input *in,
    uint8_t dk[16], size_t *dklen)
{
	struct p11_ctx		*ctx = pctx;
	const struct hs_p11_vk	*vk;
	uint8_t			 data[64], mac[32];
	size_t			 n, len = in->ea == HS_STS_EA07 ? 8 : 16;
	CK_RV			 rv;

	if (dkga != 4) {
		ctx->host->log(ctx->host->hctx, HS_LOG_ERR, "DKGA02 is not "
		    "available through PKCS#11 (its last step XORs the "
		    "vending key itself into the decoder key)");
		return (HS_E_NOTSUP);
	}
	/* A key added by a ceremony after this worker started. */
	if ((vk = lookup(ctx, in->sgc, in->krn)) == NULL &&
	    rescan(ctx) == HS_OK)
		vk = lookup(ctx, in->sgc, in->krn);
	if (vk == NULL || vk->dkga != dkga) {
		ctx->host->log(ctx->host->hctx, HS_LOG_ERR, "no DKGA04 vending "
		    "key for SGC %06u KRN %u in the token", (unsigned)in->sgc,
		    in->krn);
		return (HS_E_INVALID);
	}
	n = hs_hsm_dkga04_message(in, data);
	rv = hmac(ctx, vk->handle, data, n, mac);
	if (rv == CKR_KEY_HANDLE_INVALID || rv == CKR_OBJECT_HANDLE_INVALID) {
		/* The object was replaced under us: look it up again. */
		if (rescan(ctx) == HS_OK &&
		    (vk = lookup(ctx, in->sgc, in->krn)) != NULL)
			rv = hmac(ctx, vk->handle, data, n, mac);
	}
	if (rv != CKR_OK) {
		OPENSSL_cleanse(mac, sizeof(mac));
		ctx->host->log(ctx->host->hctx, HS_LOG_ERR, "HMAC in the token "
		    "failed: %s", hs_p11_rv_name(rv));
		return (rv == CKR_DEVICE_REMOVED || rv == CKR_DEVICE_ERROR ||
		    rv == CKR_SESSION_HANDLE_INVALID ||
		    rv == CKR_TOKEN_NOT_PRESENT ? HS_E_UNAVAILABLE :
		    HS_E_INTERNAL);
	}
	memcpy(dk, mac, len);
	*dklen = len;
	OPENSSL_cleanse(mac, sizeof(mac));
	return (HS_OK);
}

/*
 * The decoder key is already in host memory (it has to be, to encrypt
 * tokens), so it enters the token as a short-lived session object only
 * to be wrapped under the factory key, which never leaves the token.
 */
static int
p11_wrap(void *pctx, const uint8_t *dk, size_t dklen, char *hex,
    size_t hexlen)
{
	struct p11_ctx		*ctx = pctx;
	CK_OBJECT_CLASS		 cls = CKO_SECRET_KEY;
	CK_KEY_TYPE		 type = CKK_GENERIC_SECRET;
	CK_BBOOL		 yes = CK_TRUE, no = CK_FALSE;
	CK_MECHANISM		 mech = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	CK_OBJECT_HANDLE	 h;
	CK_ULONG		 outlen;
	uint8_t			 out[64];
	CK_RV			 rv;
	CK_ATTRIBUTE		 tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_SENSITIVE, &no, sizeof(no) },
		{ CKA_EXTRACTABLE, &yes, sizeof(yes) },
		{ CKA_VALUE, (void *)(uintptr_t)dk, dklen },
	};

	rv = ctx->p11.f->C_CreateObject(ctx->p11.session, tmpl,
	    sizeof(tmpl) / sizeof(tmpl[0]), &h);
	if (rv == CKR_OK) {
		outlen = sizeof(out);
		rv = ctx->p11.f->C_WrapKey(ctx->p11.session, &mech,
		    ctx->factory, h, out, &outlen);
		ctx->p11.f->C_DestroyObject(ctx->p11.session, h);
	}
	if (rv != CKR_OK || outlen * 2 + 1 > hexlen) {
		ctx->host->log(ctx->host->hctx, HS_LOG_ERR, "wrapping the "
		    "decoder key for the factory failed: %s",
		    hs_p11_rv_name(rv));
		return (HS_E_INTERNAL);
	}
	hs_hsm_hex(out, outlen, hex);
	return (HS_OK);
}

static int
p11_init(const struct hs_host *host, void **pctx)
{
	struct p11_ctx	*ctx;
	const char	*v;
	char		 err[512];
	int		 r;

	ctx = host->alloc(host->hctx, sizeof(*ctx));
	memset(ctx, 0, sizeof(*ctx));
	ctx->host = host;
	r = hs_p11_open(&ctx->p11, host->setting(host->hctx, "module"),
	    host->setting(host->hctx, "token_label"),
	    host->setting(host->hctx, "pin"), 0, err, sizeof(err));
	if (r == HS_OK && (v = host->setting(host->hctx, "sta_tables")) !=
	    NULL) {
		if (hs_hsm_sta_load(v, &ctx->sta, err, sizeof(err)) == -1)
			r = HS_E_CONFIG;
		ctx->has_sta = r == HS_OK;
	}
	if (r == HS_OK && hs_p11_vk_list(&ctx->p11, ctx->vks, HS_P11_KEYS_MAX,
	    &ctx->nvks, err, sizeof(err)) != HS_OK)
		r = HS_E_CONFIG;
	if (r != HS_OK) {
		host->log(host->hctx, HS_LOG_ERR, "%s", err);
		hs_p11_close(&ctx->p11);
		host->free(host->hctx, ctx);
		return (HS_E_CONFIG);
	}
	ctx->factory = hs_p11_find(&ctx->p11, CKO_SECRET_KEY,
	    HS_P11_FACTORY_LABEL);
	ctx->backend.ctx = ctx;
	ctx->backend.host = host;
	ctx->backend.sta = ctx->has_sta ? &ctx->sta : NULL;
	ctx->backend.derive = p11_derive;
	ctx->backend.wrap = ctx->factory != 0 ? p11_wrap : NULL;
	host->log(host->hctx, HS_LOG_INFO, "token '%s': %zu vending keys, "
	    "factory key %s", host->setting(host->hctx, "token_label"),
	    ctx->nvks, ctx->factory != 0 ? "present" : "absent");
	*pctx = ctx;
	return (HS_OK);
}

static void
p11_fini(void *pctx)
{
	struct p11_ctx		*ctx = pctx;
	const struct hs_host	*host = ctx->host;

	hs_p11_close(&ctx->p11);
	OPENSSL_cleanse(ctx, sizeof(*ctx));
	host->free(host->hctx, ctx);
}

static int
p11_vend(void *pctx, const struct hs_hsm_meter *meter,
    const struct hs_hsm_token *token, char out[HS_TOKEN_DIGITS + 1])
{
	struct p11_ctx	*ctx = pctx;

	return (hs_hsm_vend(&ctx->backend, meter, token, out));
}

static int
p11_key_change(void *pctx, const struct hs_hsm_meter *from,
    const struct hs_hsm_key_change *to,
    char out[HS_KCT_MAX][HS_TOKEN_DIGITS + 1], size_t *count)
{
	struct p11_ctx	*ctx = pctx;

	return (hs_hsm_key_change(&ctx->backend, from, to, out, count));
}

static int
p11_provision(void *pctx, const struct hs_hsm_meter *meter, char *out,
    size_t out_len)
{
	struct p11_ctx	*ctx = pctx;

	return (hs_hsm_provision(&ctx->backend, meter, out, out_len));
}

static int
p11_list_keys(void *pctx, char *out, size_t out_len)
{
	struct p11_ctx	*ctx = pctx;
	size_t		 i, used = 0;
	int		 n, r;

	if (out_len == 0)
		return (HS_E_INVALID);
	out[0] = '\0';
	if ((r = rescan(ctx)) != HS_OK)
		return (r);
	for (i = 0; i < ctx->nvks; i++) {
		n = snprintf(out + used, out_len - used, "sgc=%06u krn=%u "
		    "dkga=%02u bits=160 store=token sensitive=yes "
		    "extractable=no\n", (unsigned)ctx->vks[i].sgc,
		    ctx->vks[i].krn, ctx->vks[i].dkga);
		if (n < 0 || (size_t)n >= out_len - used) {
			out[used] = '\0';
			return (HS_E_INVALID);
		}
		used += (size_t)n;
	}
	return (HS_OK);
}

static int
p11_health(void *pctx)
{
	struct p11_ctx	*ctx = pctx;
	CK_SESSION_INFO	 info;
	CK_RV		 rv;

	rv = ctx->p11.f->C_GetSessionInfo(ctx->p11.session, &info);
	if (rv != CKR_OK || (info.state != CKS_RO_USER_FUNCTIONS &&
	    info.state != CKS_RW_USER_FUNCTIONS)) {
		ctx->host->log(ctx->host->hctx, HS_LOG_ERR, "token session "
		    "unusable: %s", rv != CKR_OK ? hs_p11_rv_name(rv) :
		    "not logged in");
		return (HS_E_UNAVAILABLE);
	}
	if (ctx->nvks == 0 && (rescan(ctx) != HS_OK || ctx->nvks == 0)) {
		ctx->host->log(ctx->host->hctx, HS_LOG_WARNING, "the token "
		    "holds no vending keys");
		return (HS_E_UNAVAILABLE);
	}
	return (HS_OK);
}

static const struct hs_hsm_ops p11_ops = {
	.size = sizeof(struct hs_hsm_ops),
	.vend = p11_vend,
	.key_change = p11_key_change,
	.provision = p11_provision,
	.list_keys = p11_list_keys,
	.health = p11_health,
};

static const struct hs_plugin p11_plugin = {
	.size = sizeof(struct hs_plugin),
	.abi = HS_ABI_VERSION,
	.kind = HS_KIND_HSM,
	.caps = 0,	/* one session per worker, used by one thread */
	.name = "pkcs11-hsm",
	.version = "1.0",
	.description = "STS vending with keys in a PKCS#11 token",
	.settings = p11_settings,
	.init = p11_init,
	.fini = p11_fini,
	.ops = &p11_ops,
};

HS_EXPORT const struct hs_plugin *
hs_plugin_entry(uint32_t host_abi)
{
	if (HS_ABI_MAJOR_OF(host_abi) != HS_ABI_MAJOR)
		return (NULL);
	return (&p11_plugin);
}
