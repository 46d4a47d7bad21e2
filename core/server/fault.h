/*
 * Fault points for the crash tests (tests/fault): with `diagnostics yes`
 * and HS_FAULT=<point> in the environment, reaching that point kills every
 * worker of the server with SIGKILL, as a power cut or the OOM killer
 * would, between two steps of a payment or a vend.  Without
 * diagnostics this is a no-op; production never sets it.
 */
#ifndef HS_FAULT_H
#define HS_FAULT_H

/* Read HS_FAULT once per worker. */
void	hs_fault_setup(int diagnostics);

void	hs_fault(const char *point);

#endif
