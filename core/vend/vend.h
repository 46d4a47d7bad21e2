/*
 * Prepaid vending: a customer pays through a payment plugin and gets
 * exactly one STS token from an HSM plugin.
 *
 *   quote.c      what an amount buys under the meter's tariff
 *   purchase.c   POST /api/v1/purchases with Idempotency-Key, and the
 *                staff and customer actions on a purchase
 *   webhook.c    provider notifications: verify, record once, mark paid
 *   vendjob.c    the vend job: HSM plugins in order, token stored once
 *   reconcile.c  asking providers about open payments; settlement report
 *   receipt.c    the printable receipt
 *
 * The state lives in PostgreSQL (migration 0010); every step is one SQL
 * function, so a crash between two steps leaves a state the next step or
 * the reconciliation job continues from.
 */
#ifndef HS_VEND_H
#define HS_VEND_H

#include <stdint.h>

#include <libpq-fe.h>

#include "conf/conf.h"
#include "http/json.h"
#include "http/router.h"
#include "plugin/loader.h"
#include "tariff/tariff.h"

/* Per worker: job handlers and the reconciliation timer. */
void	hs_vend_setup(const struct hs_config *conf);

/* vendjob.c, reconcile.c: register the job kinds. */
void	hs_vend_jobs_register(void);
void	hs_vend_reconcile_setup(int interval_seconds);

/* A quote: the tariff arithmetic plus what it was computed from. */
struct hs_vend_quote {
	int64_t			meter_id;
	int64_t			tariff_version;
	int64_t			prior;		/* units bought this month */
	char			service[16];	/* water, electricity */
	char			status[16];	/* the meter's */
	struct hs_tariff_quote	q;
};

/*
 * Quote amount rupiah from one row of hs_vend_quote_inputs().  Returns
 * 0, or -1 with a reply already sent (no tariff, an amount that buys
 * nothing, a meter that is not active).
 */
int	hs_vend_quote_row(struct hs_req *r, PGresult *res, int64_t amount,
	    struct hs_vend_quote *out);

/* The quote as JSON members (inside an object already open). */
void	hs_vend_quote_members(struct hs_json *j, const struct hs_vend_quote *);

/*
 * A payment plugin instance by name, and whether it is a counter (cash)
 * provider.  NULL when there is no payment plugin of that name.
 */
struct hs_plugin_slot	*hs_vend_provider(const char *name, int *counter);

/* May this caller use a counter provider? */
int	hs_vend_counter_allowed(const struct hs_principal *who);

/* The public base URL: public_url, or http://bind:port. */
const char	*hs_vend_public_url(void);

/* HS_PAY_* to the state names the SQL functions use. */
const char	*hs_vend_pay_state(int state);

/*
 * A member of a JSON text by Kore path ("payment/provider_ref"), a
 * string or an integer, as text.  -1 when absent or null.
 */
int	hs_vend_json_member(const char *json, const char *path, char *out,
	    size_t len);

/* Reply to a failed vending query, mapping our SQLSTATEs. */
int	hs_vend_db_error(struct hs_req *r);

#endif
