/*
 * Loading plugins.  The rules come from how hosts that survived decades of
 * third-party modules do it (SQLite's append-only API struct, nginx's hard
 * version check at load): one exported symbol, a size-prefixed descriptor,
 * a major version that must match, RTLD_NOW so a missing symbol fails here
 * and not in the middle of a payment, RTLD_LOCAL so one plugin's symbols
 * never satisfy another's, and no dlclose ever (thread-local destructors
 * and atexit handlers may point into the object).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin/loader.h"

#define SETTING_CACHE_MAX	HS_CONF_SETTINGS_MAX

/* Resolved "file:" settings are cached per process; they never change. */
struct setting_cache {
	const struct hs_conf_setting	*setting;
	char				value[HS_CONF_VALUE_MAX];
};

static struct setting_cache	cache[HS_CONF_PLUGINS_MAX * SETTING_CACHE_MAX];
static size_t			ncache;

static int	refuse(char *err, size_t errlen, const struct hs_conf_plugin *conf,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
refuse(char *err, size_t errlen, const struct hs_conf_plugin *conf,
    const char *fmt, ...)
{
	va_list		ap;
	int		n;

	n = snprintf(err, errlen, "plugin '%s' (%s): ", conf->name,
	    conf->path);
	if (n > 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - n, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

/* Does an ops table carry every operation the host needs for its kind? */
static const char *
missing_op(const struct hs_plugin *desc)
{
	const struct hs_payment_ops	*pay;
	const struct hs_transport_ops	*tr;
	const struct hs_hsm_ops		*hsm;

	switch (desc->kind) {
	case HS_KIND_PAYMENT:
		pay = desc->ops;
		if (!HS_HAS(pay, struct hs_payment_ops, create) ||
		    pay->create == NULL)
			return ("create");
		if (!HS_HAS(pay, struct hs_payment_ops, verify_notification) ||
		    pay->verify_notification == NULL)
			return ("verify_notification");
		if (!HS_HAS(pay, struct hs_payment_ops, status) ||
		    pay->status == NULL)
			return ("status");
		return (NULL);
	case HS_KIND_TRANSPORT:
		tr = desc->ops;
		if (!HS_HAS(tr, struct hs_transport_ops, channel) ||
		    tr->channel == NULL)
			return ("channel");
		if (!HS_HAS(tr, struct hs_transport_ops, send) ||
		    tr->send == NULL)
			return ("send");
		return (NULL);
	case HS_KIND_HSM:
		hsm = desc->ops;
		if (!HS_HAS(hsm, struct hs_hsm_ops, vend) || hsm->vend == NULL)
			return ("vend");
		if (!HS_HAS(hsm, struct hs_hsm_ops, health) ||
		    hsm->health == NULL)
			return ("health");
		return (NULL);
	}
	return ("ops");
}

int
hs_plugin_open(const struct hs_conf_plugin *conf, uint32_t host_abi,
    struct hs_plugin_slot *slot, char *err, size_t errlen)
{
	hs_plugin_entry_fn		 entry;
	const struct hs_plugin		*desc;
	const struct hs_setting_spec	*spec;
	const char			*op;
	void				*handle;

	memset(slot, 0, sizeof(*slot));
	slot->conf = conf;

	if (access(conf->path, R_OK) == -1)
		return (refuse(err, errlen, conf, "cannot read the file: %s",
		    strerror(errno)));

	if ((handle = dlopen(conf->path, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return (refuse(err, errlen, conf, "cannot load: %s",
		    dlerror()));

	/* dlsym returns a data pointer; POSIX guarantees this conversion. */
	*(void **)(&entry) = dlsym(handle, HS_PLUGIN_ENTRY);
	if (entry == NULL)
		return (refuse(err, errlen, conf, "no entry symbol '%s': not a "
		    "HydroSync plugin", HS_PLUGIN_ENTRY));

	if ((desc = entry(host_abi)) == NULL)
		return (refuse(err, errlen, conf, "the plugin declined host "
		    "ABI %u.%u", HS_ABI_MAJOR_OF(host_abi),
		    HS_ABI_MINOR_OF(host_abi)));

	if (desc->size < offsetof(struct hs_plugin, abi) + sizeof(desc->abi))
		return (refuse(err, errlen, conf, "descriptor too small (%u "
		    "bytes)", desc->size));
	if (HS_ABI_MAJOR_OF(desc->abi) != HS_ABI_MAJOR_OF(host_abi))
		return (refuse(err, errlen, conf, "built for ABI %u.%u, this "
		    "host speaks %u.%u (major versions differ)",
		    HS_ABI_MAJOR_OF(desc->abi), HS_ABI_MINOR_OF(desc->abi),
		    HS_ABI_MAJOR_OF(host_abi), HS_ABI_MINOR_OF(host_abi)));
	if (!HS_HAS(desc, struct hs_plugin, ops))
		return (refuse(err, errlen, conf, "descriptor too small (%u "
		    "bytes) for ABI %u", desc->size, HS_ABI_MAJOR));
	if (desc->name == NULL || desc->init == NULL || desc->ops == NULL)
		return (refuse(err, errlen, conf, "descriptor lacks a name, "
		    "init or ops"));

	if (desc->kind != conf->kind)
		return (refuse(err, errlen, conf, "wrong kind: the file is a "
		    "%s plugin but is configured as %s",
		    hs_conf_kind_name(desc->kind) ? hs_conf_kind_name(desc->kind)
		    : "unknown", hs_conf_kind_name(conf->kind)));

	if ((op = missing_op(desc)) != NULL)
		return (refuse(err, errlen, conf, "the %s operations table "
		    "lacks '%s'", hs_conf_kind_name(desc->kind), op));

	for (spec = desc->settings; spec != NULL && spec->key != NULL; spec++) {
		if (spec->required &&
		    hs_conf_plugin_setting(conf, spec->key) == NULL)
			return (refuse(err, errlen, conf, "missing required "
			    "setting '%s' (%s); add: set %s %s <value>",
			    spec->key, spec->help ? spec->help : "no help",
			    conf->name, spec->key));
	}

	slot->handle = handle;
	slot->desc = desc;
	return (0);
}

int
hs_plugin_open_all(const struct hs_config *conf, uint32_t host_abi,
    struct hs_plugin_slot *slots, char *err, size_t errlen)
{
	size_t		i, j;

	for (i = 0; i < conf->nplugins; i++) {
		for (j = 0; j < i; j++) {
			if (!strcmp(conf->plugins[i].name,
			    conf->plugins[j].name))
				return (refuse(err, errlen, &conf->plugins[i],
				    "duplicate name: '%s' is already loaded "
				    "from %s", conf->plugins[j].name,
				    conf->plugins[j].path));
		}
		if (hs_plugin_open(&conf->plugins[i], host_abi, &slots[i],
		    err, errlen) == -1)
			return (-1);
	}
	return (0);
}

int
hs_plugin_init(struct hs_plugin_slot *slot, const struct hs_host *tmpl,
    char *err, size_t errlen)
{
	int		r;

	slot->host = *tmpl;
	slot->host.size = sizeof(slot->host);
	slot->host.abi = HS_ABI_VERSION;
	slot->host.hctx = slot;
	slot->pctx = NULL;

	if ((r = slot->desc->init(&slot->host, &slot->pctx)) != HS_OK)
		return (refuse(err, errlen, slot->conf, "init failed (error "
		    "%d); see the plugin's log line above", r));
	slot->ready = 1;
	return (0);
}

void
hs_plugin_fini(struct hs_plugin_slot *slot)
{
	if (slot->ready && HS_HAS(slot->desc, struct hs_plugin, fini) &&
	    slot->desc->fini != NULL)
		slot->desc->fini(slot->pctx);
	slot->ready = 0;
}

static const char *
setting_from_file(const struct hs_conf_setting *s, const char *path)
{
	FILE		*fp;
	size_t		 i, len;

	for (i = 0; i < ncache; i++) {
		if (cache[i].setting == s)
			return (cache[i].value);
	}
	if (ncache == sizeof(cache) / sizeof(cache[0]))
		return (NULL);
	if ((fp = fopen(path, "r")) == NULL)
		return (NULL);
	if (fgets(cache[ncache].value, sizeof(cache[ncache].value), fp) ==
	    NULL) {
		fclose(fp);
		return (NULL);
	}
	fclose(fp);
	len = strlen(cache[ncache].value);
	while (len > 0 && (cache[ncache].value[len - 1] == '\n' ||
	    cache[ncache].value[len - 1] == '\r'))
		cache[ncache].value[--len] = '\0';
	cache[ncache].setting = s;
	return (cache[ncache++].value);
}

const char *
hs_plugin_setting(struct hs_plugin_slot *slot, const char *key)
{
	const struct hs_conf_plugin	*conf = slot->conf;
	size_t				 i;

	for (i = 0; i < conf->nsettings; i++) {
		if (strcmp(conf->settings[i].key, key))
			continue;
		if (!strncmp(conf->settings[i].value, "env:", 4))
			return (getenv(conf->settings[i].value + 4));
		if (!strncmp(conf->settings[i].value, "file:", 5))
			return (setting_from_file(&conf->settings[i],
			    conf->settings[i].value + 5));
		return (conf->settings[i].value);
	}
	return (NULL);
}

const struct hs_payment_ops *
hs_plugin_payment(const struct hs_plugin_slot *slot)
{
	return (slot->desc->kind == HS_KIND_PAYMENT ? slot->desc->ops : NULL);
}

const struct hs_transport_ops *
hs_plugin_transport(const struct hs_plugin_slot *slot)
{
	return (slot->desc->kind == HS_KIND_TRANSPORT ? slot->desc->ops : NULL);
}

const struct hs_hsm_ops *
hs_plugin_hsm(const struct hs_plugin_slot *slot)
{
	return (slot->desc->kind == HS_KIND_HSM ? slot->desc->ops : NULL);
}
