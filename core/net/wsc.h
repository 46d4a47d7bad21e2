/*
 * The host's outbound WebSocket client, behind hs_host.ws_connect, on the
 * worker's network thread (net/loop.h).  Every event runs on the worker
 * thread.
 */
#ifndef HS_WSC_H
#define HS_WSC_H

#include "hydrosync/plugin.h"

#define HS_WSC_MESSAGE_MAX	(1024 * 1024)

struct hs_ws	*hs_wsc_connect(const struct hs_ws_conf *conf,
		    const struct hs_ws_events *events, void *arg);
int		 hs_wsc_send(struct hs_ws *ws, const void *data, size_t len,
		    int binary);
void		 hs_wsc_close(struct hs_ws *ws);

#endif
