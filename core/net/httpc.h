/*
 * The host's asynchronous HTTP(S) client, behind hs_host.http_request.
 *
 * libwebsockets does the protocol work (HTTP/1.1, TLS through OpenSSL,
 * chunked bodies).  Debian's build cannot share Kore's epoll loop (no
 * LWS_WITH_EXTERNAL_POLL), so each worker runs one lws service thread.  The
 * worker hands requests over through a locked queue and lws_cancel_service();
 * results come back through another queue and an eventfd that sits in
 * Kore's event loop, so every completion callback runs on the worker thread
 * and a slow peer never stalls the worker.
 */
#ifndef HS_HTTPC_H
#define HS_HTTPC_H

#include "hydrosync/plugin.h"

#define HS_HTTPC_BODY_MAX	(4 * 1024 * 1024)

/* Per worker, after fork.  ca_file may be NULL (system store). */
int	hs_httpc_setup(const char *ca_file);
void	hs_httpc_teardown(void);

/* See struct hs_host.http_request. */
int	hs_httpc_request(const struct hs_http_req *req, hs_http_done_fn done,
	    void *arg);

#endif
