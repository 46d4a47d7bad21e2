/*
 * hydrosync.conf: the one configuration file of a HydroSync node.
 *
 * The file is parsed once, at the edge, into struct hs_config; nothing
 * behind this parser ever looks at the text again.  Unknown directives and
 * malformed values are errors naming the file and line (Kore only warns,
 * which lets typos pass silently).  The format is documented line by line
 * in etc/hydrosync.conf.example.
 */
#ifndef HS_CONF_H
#define HS_CONF_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define HS_CONF_PLUGINS_MAX	32
#define HS_CONF_SETTINGS_MAX	32
#define HS_CONF_NAME_MAX	64
#define HS_CONF_VALUE_MAX	1024

struct hs_conf_setting {
	char			key[HS_CONF_NAME_MAX];
	char			value[HS_CONF_VALUE_MAX];
};

struct hs_conf_plugin {
	char			name[HS_CONF_NAME_MAX];
	uint32_t		kind;		/* HS_KIND_* */
	char			path[PATH_MAX];
	int			line;
	struct hs_conf_setting	settings[HS_CONF_SETTINGS_MAX];
	size_t			nsettings;
};

#define HS_CONF_PARTNERS_MAX	16

/* A bank or PPOB aggregator paying bills host to host (core/bill). */
struct hs_conf_partner {
	char			name[HS_CONF_NAME_MAX];
	char			utility[HS_CONF_NAME_MAX];	/* its code */
	char			secret[PATH_MAX];	/* or file:/env: */
};

struct hs_config {
	char			path[PATH_MAX];	/* the file it came from */
	char			bind_addr[64];
	uint16_t		port;
	int			workers;
	char			database[HS_CONF_VALUE_MAX];
	int			db_conn_max;	/* per worker */
	char			webroot[PATH_MAX];
	char			runas[HS_CONF_NAME_MAX];
	int			log_json;
	int			diagnostics;
	int			access_log;
	size_t			body_max;
	int			max_conns;	/* per node */
	char			node_name[HS_CONF_NAME_MAX];
	char			public_url[256];	/* "" = http://bind:port */
	int			job_lease;	/* seconds */
	int			reconcile_interval;	/* seconds */
	char			meter_key_master[PATH_MAX];
	struct hs_conf_partner	partners[HS_CONF_PARTNERS_MAX];
	size_t			npartners;
	char			proxies[8][64];	/* trusted_proxy addresses */
	size_t			nproxies;
	struct hs_conf_plugin	plugins[HS_CONF_PLUGINS_MAX];
	size_t			nplugins;
};

/*
 * Parse a whole file held in buf.  name is used in error messages.  On
 * error returns -1 with "name:line: reason" in err.
 */
int	hs_conf_parse(const char *buf, size_t len, const char *name,
	    struct hs_config *conf, char *err, size_t errlen);

/* Read and parse path; then apply the HS_PORT environment override. */
int	hs_conf_load(const char *path, struct hs_config *conf, char *err,
	    size_t errlen);

/* Kind name ("payment") to HS_KIND_* and back; 0 / NULL when unknown. */
uint32_t	 hs_conf_kind_parse(const char *name);
const char	*hs_conf_kind_name(uint32_t kind);

/* A plugin's raw setting value, or NULL. */
const char	*hs_conf_plugin_setting(const struct hs_conf_plugin *plugin,
		    const char *key);

#endif
