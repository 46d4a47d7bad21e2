/*
 * Token engine benchmark: prints a Markdown section to stdout.
 *
 * Host figures are tokens per second on one core (this program is single
 * threaded) for the full paths a vending server runs: encode = build the
 * block, CRC, key schedule, encrypt, transpose, format 20 digits; decode =
 * parse 20 digits, key schedule, decrypt, check the CRC.  Each key
 * schedule is built and wiped per token, as in production.
 *
 * AVR figures come from running build/avr/sts/sts_avr_demo.elf (the real
 * meter decoder on an ATmega328P image) under simavr via
 * build/bin/avrcycles, which reports exact cycle counts between markers.
 * Override the paths with HS_AVRCYCLES and HS_AVR_ELF.
 *
 * Built twice: bench_sts (default MISTY1) and bench_sts_boolean (MISTY1
 * with -DHS_STS_MISTY1_BOOLEAN), which prints only its MISTY1 rows.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sts/sts.h"

#define AVR_HZ		8000000.0
#define MIN_SECONDS	0.6

#ifndef HS_STS_MISTY1_BOOLEAN
static const uint8_t iec_s1[16] = {
	12, 10, 8, 4, 3, 15, 0, 2, 14, 1, 5, 13, 6, 9, 7, 11
};
static const uint8_t iec_s2[16] = {
	6, 9, 7, 4, 3, 10, 12, 14, 2, 13, 1, 15, 0, 11, 8, 5
};
static const uint8_t iec_p[64] = {
	29, 27, 34, 9, 16, 62, 55, 2, 40, 49, 38, 25, 33, 61, 30, 23,
	1, 41, 21, 57, 42, 15, 5, 58, 19, 53, 22, 17, 48, 28, 24, 39,
	3, 60, 36, 14, 11, 52, 54, 12, 31, 51, 10, 26, 0, 45, 37, 43,
	44, 6, 59, 4, 7, 35, 56, 50, 13, 18, 32, 47, 46, 63, 20, 8
};
#endif

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* Tokens per second for encode (decode = 0) or decode under k. */
static double
rate(struct hs_sts_key *k, int decode)
{
	struct hs_sts_plain	p;
	char			tok[HS_STS_TOKEN_BUFSZ];
	unsigned long		n = 0, sink = 0;
	double			t0, t;

	(void)hs_sts_plain_credit(&p, 0, 5, 1000, 1234);
	(void)hs_sts_encode(k, &p, tok);
	t0 = now();
	do {
		for (int i = 0; i < 4096; i++, n++) {
			if (decode) {
				if (hs_sts_open(k, tok, 20, &p) == HS_STS_OK)
					sink += p.tid;
			} else {
				(void)hs_sts_plain_credit(&p, 0, 5,
				    (uint32_t)n & 0xFFFFFF, 1234);
				(void)hs_sts_encode(k, &p, tok);
				sink += (unsigned char)tok[19];
			}
		}
		t = now() - t0;
	} while (t < MIN_SECONDS);
	if (sink == 1)	/* keep the work observable */
		fprintf(stderr, " ");
	return ((double)n / t);
}

static void
row(const char *name, struct hs_sts_key *k)
{
	printf("| %s | %.0f | %.0f |\n", name, rate(k, 0), rate(k, 1));
}

#ifndef HS_STS_MISTY1_BOOLEAN
/* The build directory: argv[0] is <build>/bench/sts/bench_sts. */
static void
build_path(const char *argv0, const char *rel, const char *env, char *out,
    size_t size)
{
	char	self[PATH_MAX], *slash;
	ssize_t	n;

	if (getenv(env) != NULL) {
		snprintf(out, size, "%s", getenv(env));
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		snprintf(self, sizeof(self), "%s", argv0);
		n = (ssize_t)strlen(self);
	}
	self[n] = '\0';
	for (int i = 0; i < 3 && (slash = strrchr(self, '/')) != NULL; i++)
		*slash = '\0';
	snprintf(out, size, "%.*s/%s", (int)(size / 2), self, rel);
}

static void
avr_section(const char *argv0)
{
	char			 tool[PATH_MAX], elf[PATH_MAX], cmd[3 * PATH_MAX];
	char			 line[256];
	unsigned long long	 mark[5] = { 0 }, cyc;
	unsigned		 v, outs = 0, ok = 1, stack = 0;
	unsigned long		 text = 0, data = 0, bss = 0;
	FILE			*f;

	build_path(argv0, "bin/avrcycles", "HS_AVRCYCLES", tool, sizeof(tool));
	build_path(argv0, "avr/sts/sts_avr_demo.elf", "HS_AVR_ELF", elf,
	    sizeof(elf));
	printf("\n### On the meter: ATmega328P at 8 MHz (simavr)\n\n");
	if (access(tool, X_OK) != 0 || access(elf, R_OK) != 0) {
		printf("Not measured: %s or %s missing (needs gcc-avr and "
		    "libsimavr-dev).\n", tool, elf);
		return;
	}
	snprintf(cmd, sizeof(cmd), "'%s' '%s' 2>/dev/null", tool, elf);
	if ((f = popen(cmd, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "mark %u %llu", &v, &cyc) == 2 && v < 5)
			mark[v] = cyc;
		else if (sscanf(line, "out %u", &v) == 1) {
			outs++;
			ok &= v == HS_STS_RC_ACCEPTED;
		} else
			(void)sscanf(line, "stack_peak %u", &stack);
	}
	if (pclose(f) != 0 || outs != 2 || !ok) {
		printf("Simulation failed (decoder did not accept both "
		    "tokens).\n");
		return;
	}
	snprintf(cmd, sizeof(cmd), "avr-size -B '%s' 2>/dev/null", elf);
	if ((f = popen(cmd, "r")) != NULL) {
		if (fgets(line, sizeof(line), f) != NULL &&
		    fgets(line, sizeof(line), f) != NULL)
			(void)sscanf(line, "%lu %lu %lu", &text, &data, &bss);
		pclose(f);
	}
	printf("| Meter decode (hs_sts_meter_decode, whole token) | cycles | "
	    "time at 8 MHz | target |\n|---|---:|---:|---|\n");
	printf("| EA11 MISTY1 | %llu | %.1f ms | < 400000 cycles (50 ms) |\n",
	    mark[2] - mark[1], (double)(mark[2] - mark[1]) / AVR_HZ * 1e3);
	printf("| EA07 STA | %llu | %.1f ms | |\n", mark[4] - mark[3],
	    (double)(mark[4] - mark[3]) / AVR_HZ * 1e3);
	printf("\nImage (portable engine + demo main, -Os): flash %lu bytes, "
	    "static RAM %lu bytes, peak stack %u bytes.\n", text + data,
	    data + bss, stack);
}
#endif

int
main(int argc, char **argv)
{
	struct hs_sts_key	k;
#ifndef HS_STS_MISTY1_BOOLEAN
	struct hs_sts_sta_table	tab;
#endif

	(void)argc;
	memset(&k, 0, sizeof(k));
	k.ea = HS_STS_EA11;
	memset(k.dk, 0x5A, 16);
#ifdef HS_STS_MISTY1_BOOLEAN
	printf("\n### MISTY1 with table-free (boolean) S-boxes\n\n");
	printf("| Algorithm (one core) | encode tokens/s | decode tokens/s |\n"
	    "|---|---:|---:|\n");
	row("EA11 MISTY1, -DHS_STS_MISTY1_BOOLEAN", &k);
	(void)argv;
#else
	printf("## Token engine\n\n");
	printf("| Algorithm (one core) | encode tokens/s | decode tokens/s |\n"
	    "|---|---:|---:|\n");
	row("EA11 MISTY1 (target >= 1000000 encodes/s)", &k);
	(void)hs_sts_sta_table_init(&tab, iec_s1, iec_s2, iec_p, NULL);
	k.ea = HS_STS_EA07;
	k.sta = &tab;
	row("EA07 STA (IEC sample tables)", &k);
	avr_section(argv[0]);
#endif
	return (0);
}
