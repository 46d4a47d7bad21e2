/*
 * The host's asynchronous HTTP(S) client, behind hs_host.http_request.
 *
 * libwebsockets does the protocol work (HTTP/1.1, TLS through OpenSSL,
 * chunked bodies) on the worker's network thread (net/loop.h); every
 * completion callback runs back on the worker thread, so a slow peer
 * never stalls the worker.
 */
#ifndef HS_HTTPC_H
#define HS_HTTPC_H

#include "hydrosync/plugin.h"

#define HS_HTTPC_BODY_MAX	(4 * 1024 * 1024)

/* See struct hs_host.http_request. */
int	hs_httpc_request(const struct hs_http_req *req, hs_http_done_fn done,
	    void *arg);

#endif
