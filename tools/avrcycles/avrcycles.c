/*
 * avrcycles: run an AVR ELF image under simavr and report, exactly, the
 * cycle at which the firmware writes marker values, so benchmarks can
 * measure code on the real instruction set instead of estimating.
 *
 *	avrcycles [--mcu NAME] [--freq HZ] [--limit CYCLES] FILE.elf
 *
 * Protocol with the firmware (see core/sts/avr/sts_avr_demo.c):
 *	a write of V to GPIOR0  prints "mark V CYCLE"
 *	a write of V to GPIOR1  prints "out V"
 * The run ends when the firmware sleeps with interrupts off (simavr's
 * clean exit), crashes, or passes --limit cycles.  Last lines:
 *	"stack_peak BYTES"  deepest stack use seen (RAMEND - lowest SP)
 *	"state done|crashed|limit"
 * Exit status 0 only for "done".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <simavr/sim_avr.h>
#include <simavr/sim_elf.h>
#include <simavr/sim_io.h>

/* Data-space addresses of GPIOR0/GPIOR1 on the ATmega48/88/168/328. */
#define GPIOR0_ADDR	0x3E
#define GPIOR1_ADDR	0x4A

static void
on_marker(struct avr_t *avr, avr_io_addr_t addr, uint8_t v, void *param)
{
	(void)param;
	avr->data[addr] = v;
	printf("mark %u %llu\n", v, (unsigned long long)avr->cycle);
}

static void
on_output(struct avr_t *avr, avr_io_addr_t addr, uint8_t v, void *param)
{
	(void)param;
	avr->data[addr] = v;
	printf("out %u\n", v);
}

static void
usage(void)
{
	fprintf(stderr, "usage: avrcycles [--mcu NAME] [--freq HZ] "
	    "[--limit CYCLES] FILE.elf\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	elf_firmware_t		 fw;
	avr_t			*avr;
	const char		*mcu = "atmega328p", *path = NULL;
	unsigned long long	 limit = 100000000ULL;
	unsigned long		 freq = 8000000UL;
	uint16_t		 sp, minsp;
	int			 i, state;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--mcu") == 0 && i + 1 < argc)
			mcu = argv[++i];
		else if (strcmp(argv[i], "--freq") == 0 && i + 1 < argc)
			freq = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
			limit = strtoull(argv[++i], NULL, 10);
		else if (argv[i][0] == '-' || path != NULL)
			usage();
		else
			path = argv[i];
	}
	if (path == NULL || freq == 0)
		usage();
	memset(&fw, 0, sizeof(fw));
	if (elf_read_firmware(path, &fw) != 0) {
		fprintf(stderr, "avrcycles: %s: cannot read ELF\n", path);
		return (1);
	}
	if ((avr = avr_make_mcu_by_name(mcu)) == NULL) {
		fprintf(stderr, "avrcycles: unknown MCU %s\n", mcu);
		return (1);
	}
	avr_init(avr);
	avr->log = 0;
	avr->frequency = (uint32_t)freq;
	avr_load_firmware(avr, &fw);
	avr_register_io_write(avr, GPIOR0_ADDR, on_marker, NULL);
	avr_register_io_write(avr, GPIOR1_ADDR, on_output, NULL);

	minsp = avr->ramend;
	state = cpu_Running;
	while (state != cpu_Done && state != cpu_Crashed &&
	    avr->cycle < limit) {
		state = avr_run(avr);
		sp = (uint16_t)(avr->data[R_SPL] | avr->data[R_SPH] << 8);
		/* SP is 0 until the C start-up code sets it. */
		if (sp != 0 && sp < minsp)
			minsp = sp;
	}
	printf("stack_peak %u\n", (unsigned)(avr->ramend - minsp));
	printf("state %s\n", state == cpu_Done ? "done" :
	    state == cpu_Crashed ? "crashed" : "limit");
	avr_terminate(avr);
	return (state == cpu_Done ? 0 : 1);
}
