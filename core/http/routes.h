/*
 * Handlers, by subsystem.  The table that binds them to paths and roles is
 * in routes.c.
 */
#ifndef HS_ROUTES_H
#define HS_ROUTES_H

#include "http/router.h"

/* health.c */
int	hs_health_live(struct hs_req *);
int	hs_health_ready(struct hs_req *);
int	hs_health_metrics(struct hs_req *);
int	hs_health_version(struct hs_req *);

/* openapi.c */
int	hs_openapi(struct hs_req *);

/* auth/login.c */
int	hs_auth_login(struct hs_req *);
int	hs_auth_logout(struct hs_req *);
int	hs_auth_me(struct hs_req *);

/* auth/accounts.c */
int	hs_auth_signup_start(struct hs_req *);
int	hs_auth_signup_finish(struct hs_req *);
int	hs_auth_reset_start(struct hs_req *);
int	hs_auth_reset_finish(struct hs_req *);

/* api/customers.c */
int	hs_api_customers_list(struct hs_req *);
int	hs_api_customers_create(struct hs_req *);
int	hs_api_customers_get(struct hs_req *);
int	hs_api_customers_update(struct hs_req *);

/* api/meters.c */
int	hs_api_meters_list(struct hs_req *);
int	hs_api_meters_create(struct hs_req *);
int	hs_api_meters_get(struct hs_req *);
int	hs_api_meters_update(struct hs_req *);

/* api/audit.c */
int	hs_api_audit_list(struct hs_req *);
int	hs_api_audit_verify(struct hs_req *);
int	hs_api_dashboard(struct hs_req *);

/* core/bill */
int	hs_bill_reading_submit(struct hs_req *);
int	hs_bill_readings_list(struct hs_req *);
int	hs_bill_reading_photo_put(struct hs_req *);
int	hs_bill_reading_photo_get(struct hs_req *);
int	hs_bill_reading_review(struct hs_req *);
int	hs_bill_run(struct hs_req *);
int	hs_bill_runs_list(struct hs_req *);
int	hs_bill_invoices_list(struct hs_req *);
int	hs_bill_invoice_get(struct hs_req *);
int	hs_bill_staff_pay(struct hs_req *);
int	hs_bill_order_create(struct hs_req *);
int	hs_bill_order_get(struct hs_req *);
int	hs_bill_payments_list(struct hs_req *);
int	hs_bill_payment_get(struct hs_req *);
int	hs_bill_report(struct hs_req *);
int	hs_bill_disconnections(struct hs_req *);
int	hs_bill_reconnections(struct hs_req *);
int	hs_bill_h2h_inquiry(struct hs_req *);
int	hs_bill_h2h_payment(struct hs_req *);
int	hs_bill_h2h_reversal(struct hs_req *);
int	hs_bill_h2h_status(struct hs_req *);

/* users.c, apikeys.c, tariffs.c */
int	hs_api_users_list(struct hs_req *);
int	hs_api_users_get(struct hs_req *);
int	hs_api_users_create(struct hs_req *);
int	hs_api_users_update(struct hs_req *);
int	hs_api_password_change(struct hs_req *);
int	hs_api_keys_list(struct hs_req *);
int	hs_api_keys_create(struct hs_req *);
int	hs_api_keys_revoke(struct hs_req *);
int	hs_api_tariffs_list(struct hs_req *);
int	hs_api_tariffs_get(struct hs_req *);
int	hs_api_tariffs_create(struct hs_req *);
int	hs_api_tariffs_version_create(struct hs_req *);

/* csv*.c: import and export */
int	hs_api_customers_import(struct hs_req *);
int	hs_api_meters_import(struct hs_req *);
int	hs_api_customers_export(struct hs_req *);
int	hs_api_meters_export(struct hs_req *);
int	hs_api_audit_export(struct hs_req *);

/* diag.c (only with `diagnostics yes`) */
int	hs_diag_transport(struct hs_req *);
int	hs_diag_sleep(struct hs_req *);
int	hs_diag_ws_echo(struct hs_req *);
int	hs_diag_ws_roundtrip(struct hs_req *);
int	hs_diag_routes(struct hs_req *);
void	hs_diag_jobs_register(void);

extern const struct hs_route	hs_routes[];
extern const size_t		hs_nroutes;

/* vend/: prepaid vending */
int	hs_vend_quote(struct hs_req *);
int	hs_vend_providers(struct hs_req *);
int	hs_vend_purchase_create(struct hs_req *);
int	hs_vend_purchase_list(struct hs_req *);
int	hs_vend_purchase_get(struct hs_req *);
int	hs_vend_purchase_cancel(struct hs_req *);
int	hs_vend_purchase_refund(struct hs_req *);
int	hs_vend_purchase_resend(struct hs_req *);
int	hs_vend_receipt(struct hs_req *);
int	hs_vend_meter_tokens(struct hs_req *);
int	hs_vend_customer_tokens(struct hs_req *);
int	hs_vend_webhook(struct hs_req *);
int	hs_vend_reconcile_now(struct hs_req *);
int	hs_vend_reconcile_list(struct hs_req *);
int	hs_vend_settlement(struct hs_req *);

/* notify/ */
int	hs_notify_status(struct hs_req *);
int	hs_notify_telemetry(struct hs_req *);
int	hs_notify_grant(struct hs_req *);
int	hs_notify_meter_state(struct hs_req *);
int	hs_notify_prefs_get(struct hs_req *);
int	hs_notify_prefs_set(struct hs_req *);
int	hs_notify_log(struct hs_req *);

/* chat/ */
int	hs_chat_ws(struct hs_req *);
int	hs_chat_list_http(struct hs_req *);
int	hs_chat_messages_http(struct hs_req *);
int	hs_chat_attach_http(struct hs_req *);
int	hs_chat_attachment_http(struct hs_req *);
int	hs_chat_canned_list_http(struct hs_req *);
int	hs_chat_canned_create_http(struct hs_req *);

#endif
