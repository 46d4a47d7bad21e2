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
#define COUNTER		(HS_ROLE_ADMIN | HS_ROLE_OPERATOR | HS_ROLE_CASHIER)

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
	    "limit,offset,q,status,format" },
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
	    "limit,offset,q,status,customer_id,format" },
	{ "POST", "/api/v1/meters", hs_api_meters_create, OFFICE | INTEG,
	    "meters:write", "Register a meter" },
	{ "GET", "/api/v1/meters/{id}", hs_api_meters_get,
	    STAFF | HS_ROLE_CUSTOMER | INTEG, "meters:read",
	    "One meter (customers: only their own)" },
	{ "PATCH", "/api/v1/meters/{id}", hs_api_meters_update, OFFICE | INTEG,
	    "meters:write", "Change a meter: tariff, status (block/unblock)" },

	{ "GET", "/api/v1/audit", hs_api_audit_list, ADMIN, NULL,
	    "The audit log, newest first", "limit,before,format" },
	{ "GET", "/api/v1/audit/verify", hs_api_audit_verify, ADMIN, NULL,
	    "Check the audit chain: sequence, links and hashes" },
	{ "GET", "/api/v1/dashboard", hs_api_dashboard, STAFF, NULL,
	    "Revenue, vends, waiting purchases, low-credit meters, failed "
	    "deliveries and open chats" },
	{ "GET", "/api/v1/openapi.json", hs_openapi, ANYONE, NULL,
	    "This API's OpenAPI 3 description" },

	/* Users, API keys and tariffs (core/api/users.c, apikeys.c, tariffs.c) */
	{ "GET", "/api/v1/users", hs_api_users_list, ADMIN, NULL,
	    "Accounts of this utility: search, filter, page",
	    "limit,offset,q,role,status,format" },
	{ "POST", "/api/v1/users", hs_api_users_create, ADMIN, NULL,
	    "Create a staff or customer account with an initial password" },
	{ "GET", "/api/v1/users/{id}", hs_api_users_get, ADMIN, NULL,
	    "One account" },
	{ "PATCH", "/api/v1/users/{id}", hs_api_users_update, ADMIN, NULL,
	    "Rename, change role or disable; role and disabling end sessions" },
	{ "POST", "/api/v1/auth/password", hs_api_password_change, USERS, NULL,
	    "Change your password; ends your other sessions" },
	{ "GET", "/api/v1/api-keys", hs_api_keys_list, ADMIN, NULL,
	    "Integrators' API keys (never their secrets)", "limit,offset,format" },
	{ "POST", "/api/v1/api-keys", hs_api_keys_create, ADMIN, NULL,
	    "Issue an API key; the full key is shown only in this reply" },
	{ "POST", "/api/v1/api-keys/{id}/revoke", hs_api_keys_revoke, ADMIN,
	    NULL, "Revoke an API key, with a reason" },
	{ "GET", "/api/v1/tariffs", hs_api_tariffs_list,
	    USERS | INTEG, "tariffs:read",
	    "Tariff groups, each with its dated versions",
	    "limit,offset,q,service_type,format" },
	{ "POST", "/api/v1/tariffs", hs_api_tariffs_create, ADMIN, NULL,
	    "Create a tariff group" },
	{ "GET", "/api/v1/tariffs/{id}", hs_api_tariffs_get, USERS | INTEG,
	    "tariffs:read", "One tariff group with its versions" },
	{ "POST", "/api/v1/tariffs/{id}/versions",
	    hs_api_tariffs_version_create, ADMIN, NULL,
	    "Add a dated version: blocks, charges, tax and penalty rates" },

	/* CSV import and export (core/api/csv*.c) */
	{ "POST", "/api/v1/customers/import", hs_api_customers_import,
	    OFFICE | INTEG, "customers:write", "Import customers from CSV: "
	    "all or nothing, ?dry_run=true checks only", "dry_run" },
	{ "POST", "/api/v1/meters/import", hs_api_meters_import,
	    OFFICE | INTEG, "meters:write", "Import meters from CSV: all or "
	    "nothing, ?dry_run=true checks only", "dry_run" },
	{ "GET", "/api/v1/customers/export", hs_api_customers_export,
	    STAFF | INTEG, "customers:read", "Customers as CSV (the import's "
	    "columns)", "q,status" },
	{ "GET", "/api/v1/meters/export", hs_api_meters_export,
	    STAFF | HS_ROLE_CUSTOMER | INTEG, "meters:read", "Meters as CSV "
	    "(the import's columns; customers: their own)",
	    "q,status,customer_id" },
	{ "GET", "/api/v1/audit/export", hs_api_audit_export, ADMIN, NULL,
	    "The audit log as CSV" },

	/* Prepaid vending (core/vend) */
	{ "GET", "/api/v1/meters/{id}/quote", hs_vend_quote,
	    STAFF | HS_ROLE_CUSTOMER | INTEG, "purchases:read",
	    "What an amount buys on this meter today, line by line",
	    "amount" },
	{ "GET", "/api/v1/payments/providers", hs_vend_providers,
	    USERS | INTEG, "purchases:read",
	    "Payment providers this caller may choose" },
	{ "POST", "/api/v1/purchases", hs_vend_purchase_create,
	    COUNTER | HS_ROLE_CUSTOMER | INTEG, "purchases:write",
	    "Buy a token: needs an Idempotency-Key header; returns what the "
	    "customer must do to pay" },
	{ "GET", "/api/v1/purchases", hs_vend_purchase_list,
	    STAFF | HS_ROLE_CUSTOMER | INTEG, "purchases:read",
	    "Purchases, newest first (customers: their own)",
	    "limit,offset,meter_id,customer_id,state,provider,format" },
	{ "GET", "/api/v1/purchases/{id}", hs_vend_purchase_get,
	    STAFF | HS_ROLE_CUSTOMER | INTEG, "purchases:read",
	    "One purchase with its payment state and, once issued, its token" },
	{ "GET", "/api/v1/purchases/{id}/receipt", hs_vend_receipt,
	    STAFF | HS_ROLE_CUSTOMER | INTEG, "purchases:read",
	    "A printable receipt (HTML)" },
	{ "POST", "/api/v1/purchases/{id}/cancel", hs_vend_purchase_cancel,
	    COUNTER | HS_ROLE_CUSTOMER | INTEG, "purchases:write",
	    "Cancel an unpaid purchase" },
	{ "POST", "/api/v1/purchases/{id}/resend", hs_vend_purchase_resend,
	    STAFF | HS_ROLE_CUSTOMER | INTEG, "purchases:write",
	    "Send an issued token to the customer again" },
	{ "POST", "/api/v1/purchases/{id}/refund", hs_vend_purchase_refund,
	    ADMIN, NULL, "Record a refund for a paid purchase that has no "
	    "token (never after a token)" },
	{ "GET", "/api/v1/meters/{id}/tokens", hs_vend_meter_tokens,
	    STAFF | HS_ROLE_CUSTOMER | INTEG, "purchases:read",
	    "Tokens issued for a meter, newest first", "limit,offset,format" },
	{ "GET", "/api/v1/customers/{id}/tokens", hs_vend_customer_tokens,
	    STAFF | HS_ROLE_CUSTOMER | INTEG, "purchases:read",
	    "Tokens issued for a customer, newest first",
	    "limit,offset,format" },
	{ "POST", "/api/v1/payments/{provider}/notify", hs_vend_webhook,
	    ANYONE, NULL, "A payment provider's notification (verified by its "
	    "plugin)" },
	{ "GET", "/api/v1/reconciliation/runs", hs_vend_reconcile_list,
	    OFFICE, NULL, "Recent reconciliation runs with their findings",
	    "limit,offset,format" },
	{ "POST", "/api/v1/reconciliation/runs", hs_vend_reconcile_now, ADMIN,
	    NULL, "Ask every provider about open payments now" },
	{ "GET", "/api/v1/reports/settlement", hs_vend_settlement,
	    OFFICE | HS_ROLE_CASHIER | INTEG, "reports:read",
	    "A day's settled payments per provider (?format=csv)",
	    "date,provider,format" },

	/* Live chat and pushed notices (core/chat) */
	{ "GET", "/ws", hs_chat_ws, USERS, NULL,
	    "WebSocket: chat with the utility and pushed notices" },
	{ "GET", "/api/v1/chat/conversations", hs_chat_list_http, USERS, NULL,
	    "Conversations with unread counts (customers: their own)",
	    "limit,offset" },
	{ "GET", "/api/v1/chat/conversations/{id}/messages",
	    hs_chat_messages_http, USERS, NULL,
	    "A conversation's messages, paged by id", "before,after,limit" },
	{ "POST", "/api/v1/chat/conversations/{id}/attachments",
	    hs_chat_attach_http, USERS, NULL,
	    "Attach a photo (JPEG, PNG or WebP, at most 1 MiB)" },
	{ "GET", "/api/v1/chat/attachments/{id}", hs_chat_attachment_http,
	    USERS, NULL, "A photo attached to a conversation" },
	{ "GET", "/api/v1/chat/canned", hs_chat_canned_list_http, STAFF, NULL,
	    "Canned replies" },
	{ "POST", "/api/v1/chat/canned", hs_chat_canned_create_http, ADMIN,
	    NULL, "Add a canned reply" },

	/* Notifications and telemetry (core/notify) */
	{ "POST", "/api/v1/meters/{id}/telemetry", hs_notify_telemetry,
	    STAFF | HS_ROLE_CUSTOMER | INTEG, "telemetry:write",
	    "Upload what a phone or BLE gateway read from the meter; verified "
	    "under the meter's key" },
	{ "GET", "/api/v1/meters/{id}/state", hs_notify_meter_state,
	    STAFF | HS_ROLE_CUSTOMER | INTEG, "meters:read",
	    "Remaining credit, days left and the consumption chart" },
	{ "GET", "/api/v1/customers/{id}/notification-settings",
	    hs_notify_prefs_get, STAFF | HS_ROLE_CUSTOMER, NULL,
	    "Low-balance threshold, channels and quiet hours" },
	{ "PUT", "/api/v1/customers/{id}/notification-settings",
	    hs_notify_prefs_set, OFFICE | HS_ROLE_CUSTOMER, NULL,
	    "Set the low-balance threshold, channels and quiet hours" },
	{ "GET", "/api/v1/notifications", hs_notify_log,
	    STAFF | HS_ROLE_CUSTOMER, NULL,
	    "Notifications sent and their delivery (customers: their own)",
	    "limit,offset,customer_id,state,channel,format" },
	{ "GET", "/api/v1/meters/{id}/grant", hs_notify_grant,
	    HS_ROLE_CUSTOMER | HS_ROLE_TECHNICIAN | HS_ROLE_ADMIN, NULL,
	    "A one-hour grant for a phone to read the meter over BLE" },
	{ "POST", "/api/v1/transports/{name}/status", hs_notify_status, ANYONE,
	    NULL, "A transport provider's delivery report (verified by its "
	    "plugin)" },

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
