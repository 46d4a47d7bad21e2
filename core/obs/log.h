/*
 * Structured logs: one JSON object per line on stderr, so that journald,
 * a log shipper or a test can read them without guessing at a format.
 * Every line carries the time, level, node and worker; callers add an
 * event name and a message.
 */
#ifndef HS_LOG_H
#define HS_LOG_H

#include <stdarg.h>

#include "hydrosync/plugin.h"	/* HS_LOG_* levels */

void	hs_log_setup(const char *node, int worker_id, int json);
void	hs_log(int level, const char *event, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	hs_logv(int level, const char *event, const char *source,
	    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

#endif
