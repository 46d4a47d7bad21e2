/*
 * A test HSM that goes down on demand: it loads a real HSM plugin (the
 * `inner` setting, e.g. build/plugins/hsm/soft.so) and passes every call
 * through, except that while the file named by `down_file` exists every
 * operation answers HS_E_UNAVAILABLE, as a network HSM that lost its link
 * would.  With `delay_ms`, every token takes that long, as a distant HSM
 * would: the worker is busy inside the call, so a test that kills the
 * node then catches it holding claimed jobs.  The inner plugin reads its
 * own settings (keystore, master_key) from this instance's settings.
 * Tests only; never shipped.
 */
#include <sys/stat.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hydrosync/plugin.h"

struct flaky {
	const struct hs_host	*host;
	const struct hs_plugin	*inner;
	const struct hs_hsm_ops	*ops;
	void			*ictx;
	const char		*down_file;
	long			 delay_ms;
};

static const struct hs_setting_spec flaky_settings[] = {
	{ "inner", 1, "path of the real HSM plugin to pass calls to" },
	{ "down_file", 1, "while this file exists, the HSM is down" },
	{ "delay_ms", 0, "each token takes this long (default 0)" },
	{ NULL, 0, NULL }
};

static int
down(const struct flaky *f)
{
	struct stat	st;

	return (stat(f->down_file, &st) == 0);
}

static int
flaky_init(const struct hs_host *host, void **pctx)
{
	hs_plugin_entry_fn	 entry;
	struct flaky		*f;
	const char		*delay;
	void			*h;

	f = host->alloc(host->hctx, sizeof(*f));
	memset(f, 0, sizeof(*f));
	f->host = host;
	f->down_file = host->setting(host->hctx, "down_file");
	if ((delay = host->setting(host->hctx, "delay_ms")) != NULL)
		f->delay_ms = atol(delay);
	if ((h = dlopen(host->setting(host->hctx, "inner"), RTLD_NOW |
	    RTLD_LOCAL)) == NULL ||
	    (entry = (hs_plugin_entry_fn)dlsym(h, HS_PLUGIN_ENTRY)) == NULL ||
	    (f->inner = entry(HS_ABI_VERSION)) == NULL ||
	    f->inner->kind != HS_KIND_HSM) {
		host->log(host->hctx, HS_LOG_ERR, "cannot load the inner HSM "
		    "plugin: %s", dlerror());
		return (HS_E_CONFIG);
	}
	f->ops = f->inner->ops;
	if (f->inner->init(host, &f->ictx) != HS_OK)
		return (HS_E_CONFIG);
	*pctx = f;
	return (HS_OK);
}

static void
flaky_fini(void *pctx)
{
	struct flaky	*f = pctx;

	if (f->inner->fini != NULL)
		f->inner->fini(f->ictx);
	f->host->free(f->host->hctx, f);
}

static int
flaky_vend(void *pctx, const struct hs_hsm_meter *m,
    const struct hs_hsm_token *t, char out[HS_TOKEN_DIGITS + 1])
{
	struct flaky	*f = pctx;
	struct timespec	 ts;

	if (down(f))
		return (HS_E_UNAVAILABLE);
	if (f->delay_ms > 0) {
		ts.tv_sec = f->delay_ms / 1000;
		ts.tv_nsec = (f->delay_ms % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	return (f->ops->vend(f->ictx, m, t, out));
}

static int
flaky_key_change(void *pctx, const struct hs_hsm_meter *from,
    const struct hs_hsm_key_change *to,
    char out[HS_KCT_MAX][HS_TOKEN_DIGITS + 1], size_t *count)
{
	struct flaky	*f = pctx;

	if (down(f))
		return (HS_E_UNAVAILABLE);
	return (f->ops->key_change(f->ictx, from, to, out, count));
}

static int
flaky_provision(void *pctx, const struct hs_hsm_meter *m, char *out,
    size_t len)
{
	struct flaky	*f = pctx;

	if (down(f))
		return (HS_E_UNAVAILABLE);
	return (f->ops->provision(f->ictx, m, out, len));
}

static int
flaky_list(void *pctx, char *out, size_t len)
{
	struct flaky	*f = pctx;

	if (down(f))
		return (HS_E_UNAVAILABLE);
	return (f->ops->list_keys(f->ictx, out, len));
}

static int
flaky_health(void *pctx)
{
	struct flaky	*f = pctx;

	return (down(f) ? HS_E_UNAVAILABLE : f->ops->health(f->ictx));
}

static const struct hs_hsm_ops flaky_ops = {
	.size = sizeof(struct hs_hsm_ops),
	.vend = flaky_vend,
	.key_change = flaky_key_change,
	.provision = flaky_provision,
	.list_keys = flaky_list,
	.health = flaky_health,
};

static const struct hs_plugin flaky_plugin = {
	.size = sizeof(struct hs_plugin),
	.abi = HS_ABI_VERSION,
	.kind = HS_KIND_HSM,
	.name = "flaky",
	.version = "1.0",
	.description = "test HSM that is down while a file exists",
	.settings = flaky_settings,
	.init = flaky_init,
	.fini = flaky_fini,
	.ops = &flaky_ops,
};

HS_EXPORT const struct hs_plugin *
hs_plugin_entry(uint32_t host_abi)
{
	if (HS_ABI_MAJOR_OF(host_abi) != HS_ABI_MAJOR)
		return (NULL);
	return (&flaky_plugin);
}
