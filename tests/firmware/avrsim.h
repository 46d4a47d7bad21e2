/*
 * simavr harness for the meter's real AVR image: boot with an EEPROM
 * image, the BLE UART (inject / capture), the sensor and switch pins,
 * valve pulses, power cycles keeping the EEPROM, and cycle accounting
 * split into running, idle and power-down (for the power budget).
 * Shared by tests/firmware and bench/meter.
 */
#ifndef TEST_AVRSIM_H
#define TEST_AVRSIM_H

#include <stddef.h>
#include <stdint.h>

#define AVRSIM_HZ	8000000UL

struct avrsim {
	struct avr_t	*avr;
	uint8_t		out[4096];	/* bytes the firmware sent */
	size_t		nout;
	uint64_t	sleep_idle, sleep_pd;	/* cycles asleep, by mode */
	uint64_t	start_cycle;	/* for the accounting window */
	uint64_t	mark_at, mark_max, mark_sum;	/* GPIOR0 1..2 */
	int		valve_opens, valve_closes;
	uint32_t	wakeups;
};

/* Boot elf; eeprom (1024 bytes) or NULL.  0 on success. */
int	avrsim_boot(struct avrsim *s, const char *elf, const uint8_t *eeprom);
void	avrsim_free(struct avrsim *s);
/* Run simulated milliseconds (exact, even while asleep). */
int	avrsim_run_ms(struct avrsim *s, double ms);
void	avrsim_pin(struct avrsim *s, char port, int bit, int level);
void	avrsim_uart(struct avrsim *s, const uint8_t *b, size_t n);
void	avrsim_eeprom(struct avrsim *s, uint8_t out[1024]);
/* Reset the accounting window (cycles, sleep, wakeups). */
void	avrsim_account_reset(struct avrsim *s);
uint64_t avrsim_cycles(const struct avrsim *s);

#endif
