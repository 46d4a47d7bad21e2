/*
 * Postpaid billing (core/bill): the HTTP handlers are declared with the
 * routes (http/routes.h); this is the per-worker setup.
 */
#ifndef HS_BILL_H
#define HS_BILL_H

/* Per worker, before hs_jobs_setup: the bills.overdue job and its timer. */
void	hs_bill_setup(void);

#endif
