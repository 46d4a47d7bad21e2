/*
 * Every route the server answers, with the roles allowed to call it and,
 * for integrators' API keys, the permission the key must carry.  The
 * dispatcher enforces this table before any handler runs; the role-matrix
 * test walks it, and the OpenAPI document is generated from it.
 */
#include "http/routes.h"

#define STAFF		HS_ROLE_STAFF
#define ANYONE		HS_ROLE_PUBLIC
#define USERS		HS_ROLE_ANY_USER
#define ADMIN		HS_ROLE_ADMIN
#define OFFICE		(HS_ROLE_ADMIN | HS_ROLE_OPERATOR)
#define INTEG		HS_ROLE_INTEGRATOR
#define DIAG		HS_ROLE_DIAG

const struct hs_route hs_routes[] = {
	{ "GET", "/healthz", hs_health_live, ANYONE, NULL,
	    "The process is up" },
	{ "GET", "/readyz", hs_health_ready, ANYONE, NULL,
	    "The database answers and every plugin is loaded" },
	{ "GET", "/metrics", hs_health_metrics, ANYONE, NULL,
	    "Prometheus metrics" },
	{ "GET", "/api/v1/version", hs_health_version, ANYONE, NULL,
	    "Server version, node and ABI" },

	{ "POST", "/api/v1/auth/login", hs_auth_login, ANYONE, NULL,
	    "Log in with email and password; sets the session cookie" },
	{ "POST", "/api/v1/auth/logout", hs_auth_logout, USERS, NULL,
	    "End this session" },
	{ "GET", "/api/v1/auth/me", hs_auth_me, USERS, NULL,
	    "Who is logged in, and the CSRF token for changes" },
	{ "POST", "/api/v1/auth/signup/start", hs_auth_signup_start, ANYONE,
	    NULL, "Ask for a sign-up code for an existing customer number" },
	{ "POST", "/api/v1/auth/signup/finish", hs_auth_signup_finish, ANYONE,
	    NULL, "Create a customer account with the code" },
	{ "POST", "/api/v1/auth/reset/start", hs_auth_reset_start, ANYONE,
	    NULL, "Ask for a password reset code" },
	{ "POST", "/api/v1/auth/reset/finish", hs_auth_reset_finish, ANYONE,
	    NULL, "Set a new password with the code; ends all sessions" },

	{ "GET", "/api/v1/customers", hs_api_customers_list, STAFF | INTEG,
	    "customers:read", "Customers: search, filter, page",
	    "limit,offset,q,status" },
	{ "POST", "/api/v1/customers", hs_api_customers_create, OFFICE | INTEG,
	    "customers:write", "Register a customer" },
	{ "GET", "/api/v1/customers/{id}", hs_api_customers_get,
	    STAFF | HS_ROLE_CUSTOMER | INTEG, "customers:read",
	    "One customer (customers: only themselves)" },
	{ "PATCH", "/api/v1/customers/{id}", hs_api_customers_update,
	    OFFICE | INTEG, "customers:write", "Change a customer" },

	{ "GET", "/api/v1/meters", hs_api_meters_list,
	    STAFF | HS_ROLE_CUSTOMER | INTEG, "meters:read",
	    "Meters: search, filter, page (customers: their own)",
	    "limit,offset,q,status,customer_id" },
	{ "POST", "/api/v1/meters", hs_api_meters_create, OFFICE | INTEG,
	    "meters:write", "Register a meter" },
	{ "GET", "/api/v1/meters/{id}", hs_api_meters_get,
	    STAFF | HS_ROLE_CUSTOMER | INTEG, "meters:read",
	    "One meter (customers: only their own)" },
	{ "PATCH", "/api/v1/meters/{id}", hs_api_meters_update, OFFICE | INTEG,
	    "meters:write", "Change a meter: tariff, status (block/unblock)" },

	{ "GET", "/api/v1/audit", hs_api_audit_list, ADMIN, NULL,
	    "The audit log, newest first", "limit,before" },
	{ "GET", "/api/v1/openapi.json", hs_openapi, ANYONE, NULL,
	    "This API's OpenAPI 3 description" },

	/* Users, API keys and tariffs (core/api/users.c, apikeys.c, tariffs.c) */

	/* CSV import and export (core/api/csv*.c) */

	{ "GET", "/_diag/routes", hs_diag_routes, DIAG, NULL,
	    "The route table with roles (tests only)" },
	{ "POST", "/_diag/transport/{name}", hs_diag_transport, DIAG, NULL,
	    "Send the body through a transport plugin (tests only)" },
	{ "GET", "/_diag/sleep", hs_diag_sleep, DIAG, NULL,
	    "Answer after a server-side sleep in the database (tests only)" },
	{ "GET", "/_diag/ws/echo", hs_diag_ws_echo, DIAG, NULL,
	    "A WebSocket that echoes every message (tests only)" },
	{ "POST", "/_diag/ws-roundtrip/{port}", hs_diag_ws_roundtrip, DIAG,
	    NULL, "Send the body through the host WebSocket client to the "
	    "echo socket on a port and return the echo (tests only)" },
};

const size_t hs_nroutes = sizeof(hs_routes) / sizeof(hs_routes[0]);
