/*
 * hydrosync.conf is written by people: the parser must survive any byte
 * sequence, refuse what it does not understand with a message, and when
 * it accepts a file, produce values within the documented ranges.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hydrosync/plugin.h"
#include "conf/conf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct hs_config	conf;
	char			err[1024];
	size_t			i, j;

	err[0] = '\0';
	if (hs_conf_parse((const char *)data, len, "fuzz.conf", &conf, err,
	    sizeof(err)) == -1) {
		/* A refusal always says where and why. */
		if (strncmp(err, "fuzz.conf:", 10) != 0)
			abort();
		return (0);
	}
	if (conf.port == 0 || conf.workers < 1 || conf.workers > 64 ||
	    conf.db_conn_max < 1 || conf.body_max < 1024 ||
	    conf.nplugins > HS_CONF_PLUGINS_MAX)
		abort();
	for (i = 0; i < conf.nplugins; i++) {
		if (hs_conf_kind_name(conf.plugins[i].kind) == NULL ||
		    conf.plugins[i].name[0] == '\0' ||
		    conf.plugins[i].nsettings > HS_CONF_SETTINGS_MAX)
			abort();
		for (j = 0; j < i; j++) {
			if (!strcmp(conf.plugins[i].name,
			    conf.plugins[j].name))
				abort();	/* duplicates are refused */
		}
	}
	return (0);
}
