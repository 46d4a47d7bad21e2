/*
 * HSM plugin benchmark: prints a "## HSM plugins" Markdown section.
 *
 * Each row loads a plugin .so through the real loader with a minimal
 * host and calls its vend operation, as the vending worker does: one
 * call per token, every token input different (the TID advances a minute
 * per token).  Single threaded, so the figures are per core.  The soft
 * plugin gets a keystore and the pkcs11 plugin a SoftHSM2 token, both
 * created in a private temporary directory that is removed afterwards.
 */
#include <sys/stat.h>

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hydrosync/plugin.h"
#include "conf/conf.h"
#include "plugin/loader.h"
#include "sts/sts.h"
#include "../../plugins/hsm/soft/keystore.h"
#include "../../plugins/hsm/pkcs11/p11.h"

#define MIN_SECONDS	1.0
#define SOFTHSM		"/usr/lib/softhsm/libsofthsm2.so"

static const uint8_t	master[32] = { 7, 7, 7 };
static const uint8_t	vk04[20] = {
	0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
	0x94, 0x94, 0x94, 0x94, 0x94, 0x94, 0x94, 0x94,
	0x01, 0x23, 0x45, 0x67
};
static const uint8_t	vk02[8] = {
	0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab
};
static char		dir[64];

static void	bench_log(void *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
bench_log(void *hctx, int level, const char *fmt, ...)
{
	va_list	ap;

	(void)hctx;
	if (level > HS_LOG_WARNING)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *
bench_setting(void *hctx, const char *key)
{
	return (hs_plugin_setting(hctx, key));
}

static void *
bench_alloc(void *hctx, size_t n)
{
	void	*p;

	(void)hctx;
	if ((p = calloc(1, n ? n : 1)) == NULL)
		abort();
	return (p);
}

static void
bench_free(void *hctx, void *p)
{
	(void)hctx;
	free(p);
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* Load a plugin from configuration text; 0 or -1 (reason on stderr). */
static int
load(const char *text, struct hs_config *conf, struct hs_plugin_slot *slot)
{
	struct hs_host	host;
	char		err[2048];

	memset(&host, 0, sizeof(host));
	host.log = bench_log;
	host.setting = bench_setting;
	host.alloc = bench_alloc;
	host.free = bench_free;
	if (hs_conf_parse(text, strlen(text), "bench.conf", conf, err,
	    sizeof(err)) == -1 ||
	    hs_plugin_open(&conf->plugins[0], HS_ABI_VERSION, slot, err,
	    sizeof(err)) == -1 ||
	    hs_plugin_init(slot, &host, err, sizeof(err)) == -1) {
		fprintf(stderr, "bench_hsm: %s\n", err);
		return (-1);
	}
	return (0);
}

/* Vends per second for one meter description; -1 on failure. */
static double
rate(struct hs_plugin_slot *slot, uint32_t sgc, uint8_t ea, uint8_t dkga)
{
	const struct hs_hsm_ops	*ops = hs_plugin_hsm(slot);
	struct hs_hsm_meter	 m;
	struct hs_hsm_token	 t;
	char			 out[HS_TOKEN_DIGITS + 1];
	double			 t0, el;
	long			 n = 0, i;

	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	m.pan = "600727000000000009";
	m.sgc = sgc;
	m.ti = 1;
	m.krn = 1;
	m.kt = 2;
	m.ken = 255;
	m.ea = ea;
	m.dkga = dkga;
	m.base_date = 2014;
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.amount = 1000;
	t.rnd = 3;
	t0 = now();
	do {
		for (i = 0; i < 1000; i++, n++) {
			t.issued_at = 1420070400 + 60 * (n % 1000000);
			if (ops->vend(slot->pctx, &m, &t, out) != HS_OK)
				return (-1);
		}
	} while ((el = now() - t0) < MIN_SECONDS);
	return ((double)n / el);
}

static void
row(const char *plugin, const char *alg, double r, double target)
{
	if (r < 0) {
		printf("| %s | %s | failed | | |\n", plugin, alg);
		return;
	}
	printf("| %s | %s | %.0f | %.1f | %s |\n", plugin, alg, r, 1e6 / r,
	    r >= target ? "yes" : "**no**");
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return (remove(path));
}

static int
soft_rows(const char *build)
{
	static struct hs_ks	ks;
	static struct hs_config	conf;
	struct hs_plugin_slot	slot;
	struct hs_ks_key	k;
	char			text[2048], err[512], path[128];

	memset(&ks, 0, sizeof(ks));
	memset(&k, 0, sizeof(k));
	k.sgc = 123457;
	k.krn = 1;
	k.dkga = 4;
	k.vklen = 20;
	k.origin = HS_KS_ORIGIN_IMPORTED;
	memcpy(k.vk, vk04, 20);
	hs_ks_add(&ks, &k, 0);
	k.sgc = 123456;
	k.dkga = 2;
	k.vklen = 8;
	memcpy(k.vk, vk02, 8);
	hs_ks_add(&ks, &k, 0);
	snprintf(path, sizeof(path), "%s/keys.hsks", dir);
	if (hs_ks_save(path, master, &ks, 1, err, sizeof(err)) != HS_KS_OK) {
		fprintf(stderr, "bench_hsm: %s\n", err);
		return (-1);
	}
	hs_ks_wipe(&ks);
	setenv("HS_BENCH_MASTER", "07070700000000000000000000000000"
	    "00000000000000000000000000000000", 1);
	snprintf(text, sizeof(text), "plugin soft hsm %s/plugins/hsm/soft.so\n"
	    "set soft keystore %s\nset soft master_key env:HS_BENCH_MASTER\n"
	    "set soft sta_tables core/sts/tables/sta-iec-sample-TEST-ONLY.tab\n",
	    build, path);
	if (load(text, &conf, &slot) == -1)
		return (-1);
	row("soft", "DKGA04 + EA11 (HMAC-SHA-256, MISTY1)",
	    rate(&slot, 123457, 11, 4), 20000);
	row("soft", "DKGA04 + EA07 (HMAC-SHA-256, STA)",
	    rate(&slot, 123457, 7, 4), 20000);
	row("soft", "DKGA02 + EA07 (DES, legacy provider, STA)",
	    rate(&slot, 123456, 7, 2), 20000);
	hs_plugin_fini(&slot);
	return (0);
}

static int
pkcs11_rows(const char *build)
{
	static struct hs_config	conf;
	struct hs_plugin_slot	slot;
	struct hs_p11		p;
	char			text[2048], err[512], path[128];
	FILE			*fp;

	snprintf(path, sizeof(path), "%s/tokens", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/softhsm2.conf", dir);
	if ((fp = fopen(path, "w")) == NULL)
		return (-1);
	fprintf(fp, "directories.tokendir = %s/tokens\n"
	    "objectstore.backend = file\nlog.level = ERROR\n", dir);
	fclose(fp);
	setenv("SOFTHSM2_CONF", path, 1);
	setenv("HS_BENCH_PIN", "1234", 1);
	if (hs_p11_init_token(SOFTHSM, "bench", "87654321", "1234", err,
	    sizeof(err)) != HS_OK ||
	    hs_p11_open(&p, SOFTHSM, "bench", "1234", 1, err, sizeof(err)) !=
	    HS_OK) {
		fprintf(stderr, "bench_hsm: %s\n", err);
		return (-1);
	}
	if (hs_p11_vk_import(&p, 123457, 1, 4, vk04, 20, err, sizeof(err)) !=
	    HS_OK) {
		fprintf(stderr, "bench_hsm: %s\n", err);
		hs_p11_close(&p);
		return (-1);
	}
	hs_p11_close(&p);
	snprintf(text, sizeof(text), "plugin p11 hsm %s/plugins/hsm/pkcs11.so\n"
	    "set p11 module %s\nset p11 token_label bench\n"
	    "set p11 pin env:HS_BENCH_PIN\n"
	    "set p11 sta_tables core/sts/tables/sta-iec-sample-TEST-ONLY.tab\n",
	    build, SOFTHSM);
	if (load(text, &conf, &slot) == -1)
		return (-1);
	row("pkcs11 (SoftHSM2)", "DKGA04 + EA11 (HMAC in token, MISTY1)",
	    rate(&slot, 123457, 11, 4), 5000);
	row("pkcs11 (SoftHSM2)", "DKGA04 + EA07 (HMAC in token, STA)",
	    rate(&slot, 123457, 7, 4), 5000);
	hs_plugin_fini(&slot);
	return (0);
}

int
main(int argc, char **argv)
{
	const char	*build = argc > 1 ? argv[1] : HS_BENCH_BUILD;
	int		 rv;

	strcpy(dir, "/tmp/hs-bench-hsm-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	printf("## HSM plugins\n\n");
	printf("Vends per second on one core through the plugin ABI (one "
	    "`vend` call per token,\nevery token with a new TID). Targets: "
	    "soft >= 20 000/s, PKCS#11 >= 5 000/s.\n\n");
	printf("| plugin | derivation + encryption | vends/s | us/vend | "
	    "meets target |\n|---|---|---|---|---|\n");
	rv = soft_rows(build) | pkcs11_rows(build);
	printf("\n");
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return (rv ? 1 : 0);
}
