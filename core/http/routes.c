/*
 * Every route the server answers, with the roles allowed to call it.
 * Keep it sorted by path; the OpenAPI document and the role matrix test
 * are generated from and checked against this table.
 */
#include "http/routes.h"

const struct hs_route hs_routes[] = {
	{ "GET", "/healthz", hs_health_live, HS_ROLE_PUBLIC,
	    "The process is up" },
	{ "GET", "/readyz", hs_health_ready, HS_ROLE_PUBLIC,
	    "The database answers and every plugin is loaded" },
	{ "GET", "/metrics", hs_health_metrics, HS_ROLE_PUBLIC,
	    "Prometheus metrics" },
	{ "GET", "/api/v1/version", hs_health_version, HS_ROLE_PUBLIC,
	    "Server version, node and ABI" },
	{ "POST", "/_diag/transport/{name}", hs_diag_transport, HS_ROLE_DIAG,
	    "Send the body through a transport plugin (tests only)" },
	{ "GET", "/_diag/sleep", hs_diag_sleep, HS_ROLE_DIAG,
	    "Answer after a server-side sleep in the database (tests only)" },
	{ "GET", "/_diag/ws/echo", hs_diag_ws_echo, HS_ROLE_DIAG,
	    "A WebSocket that echoes every message (tests only)" },
	{ "POST", "/_diag/ws-roundtrip/{port}", hs_diag_ws_roundtrip,
	    HS_ROLE_DIAG, "Send the body through the host WebSocket client "
	    "to the echo socket on a port and return the echo (tests only)" },
};

const size_t hs_nroutes = sizeof(hs_routes) / sizeof(hs_routes[0]);
