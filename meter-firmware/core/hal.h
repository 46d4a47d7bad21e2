/*
 * The meter core's hardware abstraction: four functions each target
 * (ATmega328P, host simulator, unit tests) implements once.  Everything
 * else reaches the core as an event call (hs_meter_pulse, hs_meter_tick,
 * hs_proto_input ...), so drivers never touch the core's state and the
 * core never knows which board it runs on.
 */
#ifndef HS_HAL_H
#define HS_HAL_H

#include <stdint.h>

/* Size of the non-volatile store the core lays out (see journal.h). */
#define HS_HAL_NV_SIZE	1024

/* Read len bytes of non-volatile memory at addr. */
void	hs_hal_nv_read(uint16_t addr, void *buf, uint16_t len);

/*
 * Write len bytes at addr, in ascending address order, one byte at a
 * time.  Power may fail between any two bytes: the journal relies on
 * nothing else (no page atomicity).
 */
void	hs_hal_nv_write(uint16_t addr, const void *buf, uint16_t len);

/* Drive the latching valve to open (1) or closed (0). */
void	hs_hal_valve(uint8_t open);

/* Send bytes to the BLE link (dropped when no central is connected). */
void	hs_hal_link_write(const uint8_t *buf, uint8_t len);

#endif /* HS_HAL_H */
