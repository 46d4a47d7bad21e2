/*
 * What the clients on the network thread share with the loop; only for
 * net/ sources, which may include libwebsockets.h (its HTTP status enum clashes
 * with Kore's http.h, so the rest of the core never sees it).
 */
#ifndef HS_NET_LOOP_LWS_H
#define HS_NET_LOOP_LWS_H

#include <libwebsockets.h>

#include "net/loop.h"

/* The lws context; only for use on the lws thread. */
struct lws_context	*hs_net_context(void);

/* Protocol callbacks and per-iteration sweeps, one per client kind. */
int	hs_httpc_callback(struct lws *, enum lws_callback_reasons, void *,
	    void *, size_t);
int	hs_wsc_callback(struct lws *, enum lws_callback_reasons, void *,
	    void *, size_t);
void	hs_httpc_sweep(void);
void	hs_wsc_sweep(void);

#endif
