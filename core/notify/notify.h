/*
 * Notifications and telemetry.
 *
 *   dispatch.c   the outbox dispatcher and delivery reports
 *   jobs.c       jobs that turn events into outbox messages (token notices)
 *   telemetry.c  meter telemetry verified under the meter's key; grants
 *
 * Notices are written into the outbox by SQL (hs_notify, migration 0011)
 * in the transaction of the event; this code only sends them.
 */
#ifndef HS_NOTIFY_H
#define HS_NOTIFY_H

#include <stdint.h>

#include "conf/conf.h"
#include "http/router.h"

/* Per worker, after the plugins are loaded. */
void	hs_notify_setup(const struct hs_config *conf, const char *worker_name,
	    int workers);

/* Job kinds (before hs_jobs_setup). */
void	hs_notify_jobs_register(void);
void	hs_notify_telemetry_register(void);	/* meter.telemetry */

/* telemetry.c: the meter key master, and K for one meter. */
int	hs_notify_meter_keys(const char *value);
void	hs_notify_meter_key(uint32_t ble_id, uint8_t k[16]);

#endif
