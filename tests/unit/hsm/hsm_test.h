/*
 * Shared pieces of the HSM plugin tests: the public vectors, a fake host
 * that captures log lines, loading a plugin through the real loader, and
 * a private temporary directory.
 *
 * Vectors (public STS conformance material, copied here so nothing
 * outside the repository is read at test time):
 *   DKGA04 + EA11: VK abababababababab949494949494949401234567, SGC 123457,
 *     TI 01, KRN 1, KT 2, base 1993, PAN 600727000000000009, class 0
 *     subclass 0, 0.1 kWh, 2004-03-01 13:00 UTC, RND 5
 *     -> 59386323472137426967 (CTSA01_04)
 *   DKGA02: VK abababababababab, SGC 123456, TI 01, KRN 1, KT 2,
 *     PAN 600727000000000009 -> DK E653341F9D5BF36F (CTSA01)
 */
#ifndef HS_TEST_HSM_H
#define HS_TEST_HSM_H

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

#define VK04_HEX	"abababababababab949494949494949401234567"
#define VK02_HEX	"abababababababab"
#define PAN		"600727000000000009"
#define CTSA01_04_TOKEN	"59386323472137426967"
#define MASTER_HEX	"000102030405060708090a0b0c0d0e0f" \
			"101112131415161718191a1b1c1d1e1f"
#define FACTORY_HEX	"f0e1d2c3b4a5968778695a4b3c2d1e0f" \
			"00112233445566778899aabbccddeeff"

static const uint8_t vk04[20] __attribute__((unused)) = {
	0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
	0x94, 0x94, 0x94, 0x94, 0x94, 0x94, 0x94, 0x94,
	0x01, 0x23, 0x45, 0x67
};
static const uint8_t vk02[8] __attribute__((unused)) = {
	0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab
};
static const uint8_t dkga02_dk[8] __attribute__((unused)) = {
	0xE6, 0x53, 0x34, 0x1F, 0x9D, 0x5B, 0xF3, 0x6F
};
static const uint8_t factory_key[32] __attribute__((unused)) = {
	0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87,
	0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f,
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff
};

#define STA_TABLES	HS_TEST_TOP "/core/sts/tables/sta-iec-sample-TEST-ONLY.tab"

/* ------------------------------------------------------------ fake host */

static char	test_log[8192];

static inline void test_host_log(void *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static inline void
test_host_log(void *hctx, int level, const char *fmt, ...)
{
	size_t	used = strlen(test_log);
	va_list	ap;

	(void)hctx;
	(void)level;
	if (used + 2 >= sizeof(test_log))
		return;
	va_start(ap, fmt);
	vsnprintf(test_log + used, sizeof(test_log) - used - 1, fmt, ap);
	va_end(ap);
	strcat(test_log, "\n");
}

static inline const char *
test_host_setting(void *hctx, const char *key)
{
	return (hs_plugin_setting(hctx, key));
}

static inline int64_t
test_host_now(void *hctx)
{
	(void)hctx;
	return ((int64_t)time(NULL) * 1000);
}

static inline int
test_host_random(void *hctx, void *buf, size_t len)
{
	FILE	*fp;
	int	 ok;

	(void)hctx;
	if ((fp = fopen("/dev/urandom", "r")) == NULL)
		return (HS_E_INTERNAL);
	ok = fread(buf, 1, len, fp) == len;
	fclose(fp);
	return (ok ? HS_OK : HS_E_INTERNAL);
}

static inline void *
test_host_alloc(void *hctx, size_t n)
{
	void	*p;

	(void)hctx;
	if ((p = calloc(1, n ? n : 1)) == NULL)
		abort();
	return (p);
}

static inline void
test_host_free(void *hctx, void *p)
{
	(void)hctx;
	free(p);
}

static inline void
test_host(struct hs_host *h)
{
	memset(h, 0, sizeof(*h));
	h->log = test_host_log;
	h->setting = test_host_setting;
	h->now_ms = test_host_now;
	h->random = test_host_random;
	h->alloc = test_host_alloc;
	h->free = test_host_free;
}

/* ----------------------------------------------------- plugin loading */

static struct hs_config		test_conf;
static struct hs_plugin_slot	test_slot;
static char			test_err[2048];

/*
 * Parse a one-plugin configuration (printf format), open the plugin with
 * the loader and init it with the fake host.  Returns 0, -1 when opening
 * failed or -2 when init failed (test_err and test_log say why).
 */
static inline int test_load(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline int
test_load(const char *fmt, ...)
{
	struct hs_host	host;
	char		text[4096];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	test_log[0] = test_err[0] = '\0';
	if (hs_conf_parse(text, strlen(text), "test.conf", &test_conf,
	    test_err, sizeof(test_err)) == -1)
		return (-1);
	if (hs_plugin_open(&test_conf.plugins[0], HS_ABI_VERSION, &test_slot,
	    test_err, sizeof(test_err)) == -1)
		return (-1);
	test_host(&host);
	if (hs_plugin_init(&test_slot, &host, test_err, sizeof(test_err)) ==
	    -1)
		return (-2);
	return (0);
}

static inline const struct hs_hsm_ops *
test_ops(void)
{
	return (hs_plugin_hsm(&test_slot));
}

static inline void
test_unload(void)
{
	hs_plugin_fini(&test_slot);
}

/* --------------------------------------------------------------- meters */

/* UTC seconds of a calendar minute. */
static inline int64_t
test_utc(int y, int mo, int d, int h, int mi)
{
	return ((int64_t)hs_sts_days_from_civil(y, mo, d) * 86400 +
	    h * 3600 + mi * 60);
}

static inline struct hs_hsm_meter
test_meter(uint32_t sgc, uint8_t ea, uint8_t dkga)
{
	struct hs_hsm_meter	m;

	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	m.pan = PAN;
	m.sgc = sgc;
	m.ti = 1;
	m.krn = 1;
	m.kt = 2;
	m.ken = 255;
	m.ea = ea;
	m.dkga = dkga;
	m.base_date = 1993;
	return (m);
}

static inline struct hs_hsm_token
test_token(void)
{
	struct hs_hsm_token	t;

	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.token_class = 0;
	t.subclass = 0;
	t.rnd = 5;
	t.amount = 1;
	t.issued_at = test_utc(2004, 3, 1, 13, 0);
	return (t);
}

/* The engine's own token for the same inputs under a decoder key. */
static inline void
engine_token(const struct hs_hsm_meter *m, const struct hs_hsm_token *t,
    const uint8_t *dk, const struct hs_sts_sta_table *sta, char out[21])
{
	struct hs_sts_plain	p;
	struct hs_sts_key	k;
	struct hs_sts_utc	u;
	int32_t			y;
	uint32_t		tid;
	int64_t			s = t->issued_at;

	hs_sts_civil_from_days((int32_t)(s / 86400), &y, &u.month, &u.day);
	u.year = y;
	u.hour = (int)(s % 86400 / 3600);
	u.minute = (int)(s % 3600 / 60);
	u.second = 0;
	if (hs_sts_tid_from_utc(m->base_date, &u, &tid) != HS_STS_OK ||
	    hs_sts_plain_credit(&p, t->subclass, t->rnd, tid, t->amount) !=
	    HS_STS_OK)
		abort();
	memset(&k, 0, sizeof(k));
	k.ea = m->ea;
	k.sta = sta;
	memcpy(k.dk, dk, hs_sts_key_len(m->ea));
	if (hs_sts_encode(&k, &p, out) != HS_STS_OK)
		abort();
}

static inline void
engine_sta(struct hs_sts_sta_table *tab)
{
	static const uint8_t s1[16] = {
		12, 10, 8, 4, 3, 15, 0, 2, 14, 1, 5, 13, 6, 9, 7, 11
	};
	static const uint8_t s2[16] = {
		6, 9, 7, 4, 3, 10, 12, 14, 2, 13, 1, 15, 0, 11, 8, 5
	};
	static const uint8_t p[64] = {
		29, 27, 34, 9, 16, 62, 55, 2, 40, 49, 38, 25, 33, 61, 30, 23,
		1, 41, 21, 57, 42, 15, 5, 58, 19, 53, 22, 17, 48, 28, 24, 39,
		3, 60, 36, 14, 11, 52, 54, 12, 31, 51, 10, 26, 0, 45, 37, 43,
		44, 6, 59, 4, 7, 35, 56, 50, 13, 18, 32, 47, 46, 63, 20, 8
	};

	if (hs_sts_sta_table_init(tab, s1, s2, p, NULL) != HS_STS_OK)
		abort();
}

/* The engine's DKGA output for a test meter. */
static inline size_t
engine_dk(const struct hs_hsm_meter *m, const uint8_t *vk, uint8_t dk[16])
{
	struct hs_sts_dkga_input	 in;
	struct hs_sts_dkga		*c;
	size_t				 len = 8;

	memset(&in, 0, sizeof(in));
	memcpy(in.pan, m->pan, 18);
	in.sgc = m->sgc;
	in.ti = m->ti;
	in.krn = m->krn;
	in.kt = m->kt;
	in.base = m->base_date;
	in.ea = m->ea;
	if ((c = hs_sts_dkga_new()) == NULL)
		abort();
	if ((m->dkga == 2 ? hs_sts_dkga02(c, vk, &in, dk) :
	    hs_sts_dkga04(c, vk, &in, dk, &len)) != HS_STS_OK)
		abort();
	hs_sts_dkga_free(c);
	return (len);
}

/* ------------------------------------------------------------- temp dir */

static char	test_dir[64];

static inline int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return (remove(path));
}

static inline void
test_dir_make(void)
{
	strcpy(test_dir, "/tmp/hs-hsm-test-XXXXXX");
	if (mkdtemp(test_dir) == NULL)
		abort();
}

static inline void
test_dir_remove(void)
{
	nftw(test_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
