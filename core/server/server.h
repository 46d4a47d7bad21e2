/*
 * The HydroSync Kore module: process-wide state of one worker.
 */
#ifndef HS_SERVER_H
#define HS_SERVER_H

#include "conf/conf.h"
#include "plugin/loader.h"

#define HS_VERSION	"0.1.0"

const struct hs_config	*hs_server_config(void);

/* A configured plugin by its instance name, or NULL. */
struct hs_plugin_slot	*hs_server_plugin(const char *name);

/* Are all configured plugins initialised in this worker? */
int	hs_server_plugins_ready(void);

/* host.c: the services table handed to every plugin. */
void	hs_host_template(struct hs_host *host);

#endif
