/*
 * The soft HSM plugin: STS vending with OpenSSL in the worker process.
 *
 * Vending keys come from a keystore file sealed with a master key
 * (keystore.h).  init() opens it once per worker, keeps the vending keys
 * in memory for the life of the worker and forgets the master key at
 * once.  Decoder keys are derived per call with the token engine's
 * DKGA02/DKGA04 (core/sts/dkga.c), whose DES comes from OpenSSL's legacy
 * provider loaded into a library context private to this plugin, never
 * into the process-wide default.
 *
 * Settings (values may be "env:NAME" or "file:PATH"; the host resolves
 * them, and the master key should only ever be given that way):
 *	keystore	path of the keystore file
 *	master_key	64 hex digits (AES-256)
 *	sta_tables	STA table file, needed for EA07 meters
 *	factory_key	64 hex digits; when set, provision wraps decoder keys
 *			for the meter factory (RFC 5649 AES key wrap)
 *
 * This is custody in software: anyone who can read the worker's memory
 * can read the vending keys.  Use the pkcs11 plugin with an HSM when that
 * matters.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hydrosync/plugin.h"
#include "keystore.h"
#include "sts_ops.h"

struct soft_ctx {
	const struct hs_host	*host;
	struct hs_ks		*ks;
	struct hs_sts_dkga	*dkga;
	struct hs_sts_sta_table	 sta;
	int			 has_sta;
	uint8_t			 factory[32];
	struct hs_hsm_backend	 backend;
};

static const struct hs_setting_spec soft_settings[] = {
	{ "keystore", 1, "path of the sealed keystore file" },
	{ "master_key", 1, "the keystore's master key, 64 hex digits; give it "
	    "as env:NAME or file:PATH, never inline" },
	{ "sta_tables", 0, "STA (EA07) table file" },
	{ "factory_key", 0, "AES-256 key (64 hex digits, env:/file:) that "
	    "wraps decoder keys in provisioning records" },
	{ NULL, 0, NULL }
};

static int
soft_derive(void *pctx, uint8_t dkga, const struct hs_sts_dkga_input *in,
    uint8_t dk[16], size_t *dklen)
{
	struct soft_ctx		*ctx = pctx;
	const struct hs_ks_key	*k;
	enum hs_sts_err		 err;

	if ((k = hs_ks_find(ctx->ks, in->sgc, in->krn)) == NULL) {
		ctx->host->log(ctx->host->hctx, HS_LOG_ERR, "no vending key "
		    "for SGC %06u KRN %u in the keystore", (unsigned)in->sgc,
		    in->krn);
		return (HS_E_INVALID);
	}
	if (k->dkga != dkga) {
		ctx->host->log(ctx->host->hctx, HS_LOG_ERR, "vending key SGC "
		    "%06u KRN %u is a DKGA%02u key; the meter uses DKGA%02u",
		    (unsigned)in->sgc, in->krn, k->dkga, dkga);
		return (HS_E_INVALID);
	}
	if (dkga == 2) {
		err = hs_sts_dkga02(ctx->dkga, k->vk, in, dk);
		*dklen = 8;
	} else
		err = hs_sts_dkga04(ctx->dkga, k->vk, in, dk, dklen);
	if (err != HS_STS_OK) {
		ctx->host->log(ctx->host->hctx, HS_LOG_ERR, "key derivation "
		    "failed: %s", hs_sts_err_str(err));
		return (HS_E_INTERNAL);
	}
	return (HS_OK);
}

static int
soft_wrap(void *pctx, const uint8_t *dk, size_t dklen, char *hex,
    size_t hexlen)
{
	struct soft_ctx	*ctx = pctx;
	EVP_CIPHER_CTX	*c;
	uint8_t		 out[32];
	int		 n = 0, m = 0, ok;

	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return (HS_E_INTERNAL);
	EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	ok = EVP_EncryptInit_ex(c, EVP_aes_256_wrap_pad(), NULL, ctx->factory,
	    NULL) == 1 &&
	    EVP_EncryptUpdate(c, out, &n, dk, (int)dklen) == 1 &&
	    EVP_EncryptFinal_ex(c, out + n, &m) == 1 &&
	    (size_t)(n + m) * 2 + 1 <= hexlen;
	EVP_CIPHER_CTX_free(c);
	if (!ok) {
		ctx->host->log(ctx->host->hctx, HS_LOG_ERR, "AES key wrap of "
		    "the decoder key failed");
		return (HS_E_INTERNAL);
	}
	hs_hsm_hex(out, (size_t)(n + m), hex);
	return (HS_OK);
}

static int
config_error(const struct hs_host *host, struct soft_ctx *ctx,
    const char *what)
{
	host->log(host->hctx, HS_LOG_ERR, "%s", what);
	if (ctx->ks != NULL) {
		hs_ks_wipe(ctx->ks);
		host->free(host->hctx, ctx->ks);
	}
	hs_sts_dkga_free(ctx->dkga);
	OPENSSL_cleanse(ctx, sizeof(*ctx));
	host->free(host->hctx, ctx);
	return (HS_E_CONFIG);
}

static int
soft_init(const struct hs_host *host, void **pctx)
{
	struct soft_ctx	*ctx;
	const char	*path, *v;
	uint8_t		 mk[HS_KS_MASTER_LEN];
	char		 err[512];
	enum hs_ks_err	 rv;

	ctx = host->alloc(host->hctx, sizeof(*ctx));
	memset(ctx, 0, sizeof(*ctx));
	ctx->host = host;
	if ((path = host->setting(host->hctx, "keystore")) == NULL)
		return (config_error(host, ctx, "setting 'keystore' is "
		    "missing"));
	if (hs_ks_master_parse(host->setting(host->hctx, "master_key"),
	    mk) == -1)
		return (config_error(host, ctx, "setting 'master_key' must "
		    "resolve to 64 hex digits (an AES-256 key); is the "
		    "environment variable or file it names there?"));
	ctx->ks = host->alloc(host->hctx, sizeof(*ctx->ks));
	rv = hs_ks_load(path, mk, ctx->ks, err, sizeof(err));
	OPENSSL_cleanse(mk, sizeof(mk));
	if (rv != HS_KS_OK)
		return (config_error(host, ctx, err));

	if ((v = host->setting(host->hctx, "sta_tables")) != NULL) {
		if (hs_hsm_sta_load(v, &ctx->sta, err, sizeof(err)) == -1)
			return (config_error(host, ctx, err));
		ctx->has_sta = 1;
	}
	if ((v = host->setting(host->hctx, "factory_key")) != NULL &&
	    hs_ks_master_parse(v, ctx->factory) == -1)
		return (config_error(host, ctx, "setting 'factory_key' must "
		    "resolve to 64 hex digits (an AES-256 key)"));
	if ((ctx->dkga = hs_sts_dkga_new()) == NULL)
		return (config_error(host, ctx, "OpenSSL cannot load the "
		    "legacy and default providers into the plugin's library "
		    "context (DES for DKGA02 lives in ossl-modules/legacy.so)"));

	ctx->backend.ctx = ctx;
	ctx->backend.host = host;
	ctx->backend.sta = ctx->has_sta ? &ctx->sta : NULL;
	ctx->backend.derive = soft_derive;
	ctx->backend.wrap = v != NULL ? soft_wrap : NULL;
	host->log(host->hctx, HS_LOG_INFO, "keystore %s: %u vending keys "
	    "(generation %llu)", path, (unsigned)ctx->ks->nkeys,
	    (unsigned long long)ctx->ks->generation);
	*pctx = ctx;
	return (HS_OK);
}

static void
soft_fini(void *pctx)
{
	struct soft_ctx		*ctx = pctx;
	const struct hs_host	*host = ctx->host;

	hs_ks_wipe(ctx->ks);
	host->free(host->hctx, ctx->ks);
	hs_sts_dkga_free(ctx->dkga);
	OPENSSL_cleanse(ctx, sizeof(*ctx));
	host->free(host->hctx, ctx);
}

static int
soft_vend(void *pctx, const struct hs_hsm_meter *meter,
    const struct hs_hsm_token *token, char out[HS_TOKEN_DIGITS + 1])
{
	struct soft_ctx	*ctx = pctx;

	return (hs_hsm_vend(&ctx->backend, meter, token, out));
}

static int
soft_key_change(void *pctx, const struct hs_hsm_meter *from,
    const struct hs_hsm_key_change *to,
    char out[HS_KCT_MAX][HS_TOKEN_DIGITS + 1], size_t *count)
{
	struct soft_ctx	*ctx = pctx;

	return (hs_hsm_key_change(&ctx->backend, from, to, out, count));
}

static int
soft_provision(void *pctx, const struct hs_hsm_meter *meter, char *out,
    size_t out_len)
{
	struct soft_ctx	*ctx = pctx;

	return (hs_hsm_provision(&ctx->backend, meter, out, out_len));
}

static int
soft_list_keys(void *pctx, char *out, size_t out_len)
{
	struct soft_ctx		*ctx = pctx;
	const struct hs_ks_key	*k;
	struct tm		 tm;
	time_t			 t;
	size_t			 used = 0;
	uint32_t		 i;
	int			 n;

	if (out_len == 0)
		return (HS_E_INVALID);
	out[0] = '\0';
	for (i = 0; i < ctx->ks->nkeys; i++) {
		k = &ctx->ks->keys[i];
		t = (time_t)k->created;
		if (gmtime_r(&t, &tm) == NULL)
			memset(&tm, 0, sizeof(tm));
		n = snprintf(out + used, out_len - used, "sgc=%06u krn=%u "
		    "dkga=%02u bits=%u origin=%s created=%04d-%02d-%02dT"
		    "%02d:%02d:%02dZ store=keystore\n", (unsigned)k->sgc,
		    k->krn, k->dkga, k->vklen * 8,
		    k->origin == HS_KS_ORIGIN_GENERATED ? "generated" :
		    "imported", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (n < 0 || (size_t)n >= out_len - used) {
			out[used] = '\0';
			return (HS_E_INVALID);
		}
		used += (size_t)n;
	}
	return (HS_OK);
}

static int
soft_health(void *pctx)
{
	struct soft_ctx	*ctx = pctx;

	if (ctx->ks->nkeys == 0) {
		ctx->host->log(ctx->host->hctx, HS_LOG_WARNING, "the keystore "
		    "holds no vending keys");
		return (HS_E_UNAVAILABLE);
	}
	return (HS_OK);
}

static const struct hs_hsm_ops soft_ops = {
	.size = sizeof(struct hs_hsm_ops),
	.vend = soft_vend,
	.key_change = soft_key_change,
	.provision = soft_provision,
	.list_keys = soft_list_keys,
	.health = soft_health,
};

static const struct hs_plugin soft_plugin = {
	.size = sizeof(struct hs_plugin),
	.abi = HS_ABI_VERSION,
	.kind = HS_KIND_HSM,
	.caps = HS_CAP_THREADSAFE,
	.name = "soft-hsm",
	.version = "1.0",
	.description = "STS vending with OpenSSL and a sealed keystore file",
	.settings = soft_settings,
	.init = soft_init,
	.fini = soft_fini,
	.ops = &soft_ops,
};

HS_EXPORT const struct hs_plugin *
hs_plugin_entry(uint32_t host_abi)
{
	if (HS_ABI_MAJOR_OF(host_abi) != HS_ABI_MAJOR)
		return (NULL);
	return (&soft_plugin);
}
