/*
 * simavr harness (avrsim.h).  The gotchas it handles come from running
 * Arduino images under simavr 1.6: the default sleep callback sleeps in
 * wall-clock time (replaced: we only account), INT0/INT1 "strict level"
 * polling of a low pin (disabled), and events after a long sleep that
 * would land late (a cycle timer at each target time).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include <simavr/sim_avr.h>
#include <simavr/sim_elf.h>
#include <simavr/sim_io.h>
#include <simavr/sim_cycle_timers.h>
#include <simavr/avr_uart.h>
#include <simavr/avr_ioport.h>
#include <simavr/avr_eeprom.h>
#include <simavr/avr_extint.h>

#include "avrsim.h"

#define SMCR_ADDR	0x53
#define GPIOR0_ADDR	0x3E

/* simavr's sleep callback has no user pointer: one live instance. */
static struct avrsim	*current;

static void
on_sleep(avr_t *avr, avr_cycle_count_t how_long)
{
	struct avrsim	*s = current;
	uint8_t		sm = (uint8_t)((avr->data[SMCR_ADDR] >> 1) & 7);

	if (sm == 0)
		s->sleep_idle += how_long;
	else
		s->sleep_pd += how_long;
	s->wakeups++;
}

static void
on_uart(struct avr_irq_t *irq, uint32_t value, void *param)
{
	struct avrsim	*s = param;

	(void)irq;
	if (s->nout < sizeof(s->out))
		s->out[s->nout++] = (uint8_t)value;
}

static void
on_open(struct avr_irq_t *irq, uint32_t value, void *param)
{
	struct avrsim	*s = param;

	if (value && !irq->value)
		s->valve_opens++;
}

static void
on_close(struct avr_irq_t *irq, uint32_t value, void *param)
{
	struct avrsim	*s = param;

	if (value && !irq->value)
		s->valve_closes++;
}

static void
on_marker(struct avr_t *avr, avr_io_addr_t addr, uint8_t v, void *param)
{
	struct avrsim	*s = param;
	uint64_t	d;

	avr->data[addr] = v;
	if (v == 1) {
		s->mark_at = avr->cycle;
	} else if (v == 2 && s->mark_at != 0) {
		d = avr->cycle - s->mark_at;
		s->mark_sum += d;
		if (d > s->mark_max)
			s->mark_max = d;
		s->mark_at = 0;
	}
}

int
avrsim_boot(struct avrsim *s, const char *elf, const uint8_t *eeprom)
{
	elf_firmware_t		fw;
	avr_eeprom_desc_t	ee;
	uint32_t		flags = 0;
	int			saved, null, rc;

	memset(s, 0, sizeof(*s));
	memset(&fw, 0, sizeof(fw));
	/* simavr's loader prints "Loaded ..." on stdout, which the bench
	 * output (Markdown) and TAP must not carry. */
	fflush(stdout);
	saved = dup(1);
	if ((null = open("/dev/null", O_WRONLY)) >= 0) {
		dup2(null, 1);
		close(null);
	}
	rc = elf_read_firmware(elf, &fw);
	if (saved >= 0) {
		fflush(stdout);
		dup2(saved, 1);
		close(saved);
	}
	if (rc != 0)
		return (-1);
	if ((s->avr = avr_make_mcu_by_name("atmega328p")) == NULL)
		return (-1);
	avr_init(s->avr);
	s->avr->log = 0;
	s->avr->frequency = AVRSIM_HZ;
	avr_load_firmware(s->avr, &fw);
	current = s;
	s->avr->sleep = on_sleep;
	avr_extint_set_strict_lvl_trig(s->avr, 0, 0);
	avr_extint_set_strict_lvl_trig(s->avr, 1, 0);
	if (eeprom != NULL) {
		ee.ee = (uint8_t *)(uintptr_t)eeprom;
		ee.offset = 0;
		ee.size = 1024;
		avr_ioctl(s->avr, AVR_IOCTL_EEPROM_SET, &ee);
	}
	avr_ioctl(s->avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
	flags &= ~AVR_UART_FLAG_STDIO;
	avr_ioctl(s->avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
	avr_irq_register_notify(avr_io_getirq(s->avr,
	    AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT), on_uart, s);
	avr_irq_register_notify(avr_io_getirq(s->avr,
	    AVR_IOCTL_IOPORT_GETIRQ('D'), 7), on_open, s);
	avr_irq_register_notify(avr_io_getirq(s->avr,
	    AVR_IOCTL_IOPORT_GETIRQ('B'), 0), on_close, s);
	avr_register_io_write(s->avr, GPIOR0_ADDR, on_marker, s);
	/* Idle levels: reeds open (high), B high (forward), not connected,
	 * button released, case closed. */
	avrsim_pin(s, 'D', 2, 1);
	avrsim_pin(s, 'D', 4, 1);
	avrsim_pin(s, 'D', 3, 0);
	avrsim_pin(s, 'D', 6, 1);
	avrsim_pin(s, 'C', 1, 0);
	avrsim_pin(s, 'C', 0, 0);
	return (0);
}

void
avrsim_free(struct avrsim *s)
{
	if (s->avr != NULL)
		avr_terminate(s->avr);
	s->avr = NULL;
}

static avr_cycle_count_t
wake_cb(struct avr_t *avr, avr_cycle_count_t when, void *param)
{
	(void)avr;
	(void)when;
	(void)param;
	return (0);
}

int
avrsim_run_ms(struct avrsim *s, double ms)
{
	uint64_t	target = s->avr->cycle + (uint64_t)(ms * AVRSIM_HZ / 1000);
	int		st = cpu_Running;

	avr_cycle_timer_register(s->avr, target - s->avr->cycle, wake_cb, s);
	while (s->avr->cycle < target) {
		st = avr_run(s->avr);
		if (st == cpu_Done || st == cpu_Crashed)
			return (-1);
	}
	return (0);
}

void
avrsim_pin(struct avrsim *s, char port, int bit, int level)
{
	avr_raise_irq(avr_io_getirq(s->avr, AVR_IOCTL_IOPORT_GETIRQ(port),
	    bit), (uint32_t)level);
}

void
avrsim_uart(struct avrsim *s, const uint8_t *b, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		avr_raise_irq(avr_io_getirq(s->avr,
		    AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT), b[i]);
		/* One byte time at 9600 baud, so the FIFO never fills. */
		avrsim_run_ms(s, 1.1);
	}
}

void
avrsim_eeprom(struct avrsim *s, uint8_t out[1024])
{
	avr_eeprom_desc_t	ee;

	ee.ee = out;
	ee.offset = 0;
	ee.size = 1024;
	avr_ioctl(s->avr, AVR_IOCTL_EEPROM_GET, &ee);
	/* GET hands back a pointer into the simulator's EEPROM. */
	if (ee.ee != out)
		memcpy(out, ee.ee, 1024);
}

void
avrsim_account_reset(struct avrsim *s)
{
	s->start_cycle = s->avr->cycle;
	s->sleep_idle = s->sleep_pd = 0;
	s->wakeups = 0;
}

uint64_t
avrsim_cycles(const struct avrsim *s)
{
	return (s->avr->cycle - s->start_cycle);
}

/*
 * simavr 1.6 does not free what elf_read_firmware() and avr_make_mcu_*
 * allocate (avr_terminate() leaves them); under LeakSanitizer those
 * library-internal blocks are not ours to fix.
 */
const char	*__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return ("leak:libsimavr.so\n");
}
