/*
 * The plugin loader: opens the shared objects named in hydrosync.conf,
 * checks them against the ABI and the configuration, and initialises them
 * in each worker.  It knows nothing of Kore; the server hands it a template
 * of host services, so the same code runs in unit tests with a fake host.
 */
#ifndef HS_PLUGIN_LOADER_H
#define HS_PLUGIN_LOADER_H

#include <stddef.h>

#include "hydrosync/plugin.h"
#include "conf/conf.h"

/* One configured plugin: its settings, descriptor and per-worker state. */
struct hs_plugin_slot {
	const struct hs_conf_plugin	*conf;
	const struct hs_plugin		*desc;
	void				*handle;
	void				*pctx;
	struct hs_host			host;
	int				ready;	/* init() succeeded */
	void				*owner;	/* the server's own data */
};

/*
 * Open and check one plugin against a host speaking host_abi.  Refusals
 * (missing file, missing entry symbol, ABI major mismatch, wrong kind,
 * missing operations, missing required setting) return -1 with a message
 * that names the plugin, its file and the reason.
 */
int	hs_plugin_open(const struct hs_conf_plugin *conf, uint32_t host_abi,
	    struct hs_plugin_slot *slot, char *err, size_t errlen);

/* Open every plugin of a configuration; refuses duplicate names too. */
int	hs_plugin_open_all(const struct hs_config *conf, uint32_t host_abi,
	    struct hs_plugin_slot *slots, char *err, size_t errlen);

/*
 * Call init() with a copy of the host template whose hctx points at the
 * slot.  Run once per worker, after fork.
 */
int	hs_plugin_init(struct hs_plugin_slot *slot,
	    const struct hs_host *host_template, char *err, size_t errlen);

void	hs_plugin_fini(struct hs_plugin_slot *slot);

/*
 * A setting's effective value.  "env:NAME" reads the environment variable
 * NAME and "file:PATH" the first line of PATH, so secrets need not sit in
 * the configuration file.  NULL when absent or unreadable.
 */
const char	*hs_plugin_setting(struct hs_plugin_slot *slot, const char *key);

/* The operations table, typed by kind; NULL when of another kind. */
const struct hs_payment_ops	*hs_plugin_payment(const struct hs_plugin_slot *);
const struct hs_transport_ops	*hs_plugin_transport(const struct hs_plugin_slot *);
const struct hs_hsm_ops		*hs_plugin_hsm(const struct hs_plugin_slot *);

#endif
