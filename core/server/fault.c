#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs/log.h"
#include "server/fault.h"

static char	armed[64];

void
hs_fault_setup(int diagnostics)
{
	const char	*v = getenv("HS_FAULT");

	if (diagnostics && v != NULL)
		snprintf(armed, sizeof(armed), "%s", v);
}

void
hs_fault(const char *point)
{
	if (armed[0] == '\0' || strcmp(armed, point))
		return;
	hs_log(HS_LOG_ERR, "fault", "fault point %s reached: killing the "
	    "server with SIGKILL", point);
	/*
	 * Every worker of this server at once (they share a process group;
	 * Kore's parent, often root, is out of an unprivileged worker's
	 * reach).  The workers hold all of our state: this is the crash that
	 * matters; the parent then exits on its own.
	 */
	kill(0, SIGKILL);
}
