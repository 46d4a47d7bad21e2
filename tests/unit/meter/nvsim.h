/*
 * The test board: a RAM EEPROM whose writes can be cut after a budget of
 * bytes (a power failure between two byte writes), a valve recorder and
 * a link capture buffer, plus token and frame helpers shared by the
 * meter unit tests.
 */
#ifndef TEST_NVSIM_H
#define TEST_NVSIM_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hal.h"
#include "meter.h"
#include "proto.h"

extern uint8_t	nv_mem[HS_HAL_NV_SIZE];
extern long	nv_budget;	/* bytes still writable; < 0: no limit */
extern long	nv_written;	/* bytes written since nv_reset() */
extern int	valve_state;	/* -1 never driven, else 0/1 */
extern int	valve_calls;
extern uint8_t	link_buf[4096];
extern size_t	link_len;

void	nv_reset(void);

/* Fixtures: meter id 0x01020304, K = 00..0f, DK = 10..1f (EA11) or the
 * IEC sample key (EA07), 1 pulse per litre, low credit 50, commit 10. */
extern const uint8_t	test_k[16];
void	test_provision(uint8_t ea, uint8_t kt, uint8_t ken, uint32_t credit);
struct hs_sts_key *test_sts_key(uint8_t ea);
const struct hs_sts_sta_table *test_sta(void);
void	test_boot(struct hs_meter *m);

/* Token digits for water credit (units of 100 L). */
void	tok_water(uint8_t ea, uint32_t tid, uint32_t units, char out[21]);
void	tok_mgmt(uint8_t ea, uint8_t sub, uint32_t tid, uint32_t v,
	    char out[21]);
/* 9-byte token number of digits. */
void	tok_number(const char *digits, uint8_t out[9]);

/* Parse the frames captured in link_buf (from offset *off). Returns 1 and
 * fills *f, or 0 when no complete frame is left. */
int	link_next(size_t *off, struct hs_frame *f);

#define abort_test(msg)	fail_msg("%s", (msg))

#endif
