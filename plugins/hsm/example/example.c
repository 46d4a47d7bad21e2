/*
 * Example HSM plugin: shows the shape of the hsm operations table for
 * integrators who wrap a vendor's security module.  Its "tokens" are
 * 20 digits of an FNV-1a hash of the inputs keyed by the `label` setting:
 * deterministic (a retried vend returns the same digits, as the ABI
 * requires) but NOT STS tokens and not secret.  Never configure it for a
 * real utility; plugins/hsm/soft and plugins/hsm/pkcs11 are the real ones.
 */
#include <stdio.h>
#include <string.h>

#include "hydrosync/plugin.h"

struct example_ctx {
	const struct hs_host	*host;
	const char		*label;
};

static const struct hs_setting_spec example_settings[] = {
	{ "label", 1, "a name mixed into every example digit string" },
	{ NULL, 0, NULL }
};

static int
example_init(const struct hs_host *host, void **pctx)
{
	struct example_ctx	*ctx;

	ctx = host->alloc(host->hctx, sizeof(*ctx));
	ctx->host = host;
	ctx->label = host->setting(host->hctx, "label");
	*pctx = ctx;
	return (HS_OK);
}

static void
example_fini(void *pctx)
{
	struct example_ctx	*ctx = pctx;

	ctx->host->free(ctx->host->hctx, ctx);
}

static uint64_t
fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char	*b = p;

	while (len--) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return (h);
}

static int
example_vend(void *pctx, const struct hs_hsm_meter *meter,
    const struct hs_hsm_token *token, char out[HS_TOKEN_DIGITS + 1])
{
	struct example_ctx	*ctx = pctx;
	uint64_t		 h1, h2;

	if (meter->pan == NULL || token->token_class > 2 || token->rnd > 15)
		return (HS_E_INVALID);
	h1 = fnv(0xcbf29ce484222325ULL, ctx->label, strlen(ctx->label));
	h1 = fnv(h1, meter->pan, strlen(meter->pan));
	h1 = fnv(h1, &token->amount, sizeof(token->amount));
	h1 = fnv(h1, &token->issued_at, sizeof(token->issued_at));
	h2 = fnv(h1, &token->subclass, 1);
	snprintf(out, HS_TOKEN_DIGITS + 1, "%010llu%010llu",
	    (unsigned long long)(h1 % 10000000000ULL),
	    (unsigned long long)(h2 % 10000000000ULL));
	return (HS_OK);
}

static int
example_list_keys(void *pctx, char *out, size_t out_len)
{
	struct example_ctx	*ctx = pctx;

	snprintf(out, out_len, "example label=%s (no keys)\n", ctx->label);
	return (HS_OK);
}

static int
example_health(void *pctx)
{
	(void)pctx;
	return (HS_OK);
}

static const struct hs_hsm_ops example_ops = {
	.size = sizeof(struct hs_hsm_ops),
	.vend = example_vend,
	.key_change = NULL,
	.provision = NULL,
	.list_keys = example_list_keys,
	.health = example_health,
};

static const struct hs_plugin example_plugin = {
	.size = sizeof(struct hs_plugin),
	.abi = HS_ABI_VERSION,
	.kind = HS_KIND_HSM,
	.caps = HS_CAP_THREADSAFE,
	.name = "example-hsm",
	.version = "1.0",
	.description = "deterministic example digits; not STS, not secure",
	.settings = example_settings,
	.init = example_init,
	.fini = example_fini,
	.ops = &example_ops,
};

HS_EXPORT const struct hs_plugin *
hs_plugin_entry(uint32_t host_abi)
{
	if (HS_ABI_MAJOR_OF(host_abi) != HS_ABI_MAJOR)
		return (NULL);
	return (&example_plugin);
}
