/*
 * The soft HSM plugin, loaded through the real plugin loader with a fake
 * host: the public STS vectors, key change tokens checked by the meter
 * decoder, provisioning records unwrapped with OpenSSL, and the sealed
 * keystore's refusals (wrong master key, altered file, old version).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>

#include <openssl/evp.h>

#include "hsm_test.h"
#include "../../../plugins/hsm/soft/keystore.h"

static const uint8_t	master[32] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f
};
/* A second DKGA04 key, revision 2 of SGC 123457, for key changes. */
static const uint8_t	vk04_krn2[20] = {
	0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0x55, 0xaa, 0x55, 0xaa
};

static char	ks_path[128];

static void
add_key(struct hs_ks *ks, uint32_t sgc, uint8_t krn, uint8_t dkga,
    const uint8_t *vk, size_t len)
{
	struct hs_ks_key	k;

	memset(&k, 0, sizeof(k));
	k.sgc = sgc;
	k.krn = krn;
	k.dkga = dkga;
	k.vklen = (uint8_t)len;
	k.origin = HS_KS_ORIGIN_IMPORTED;
	k.created = 1700000000;
	memcpy(k.vk, vk, len);
	assert_int_equal(hs_ks_add(ks, &k, 0), HS_KS_OK);
}

static int
setup(void **state)
{
	static struct hs_ks	ks;
	char			err[512];

	(void)state;
	test_dir_make();
	snprintf(ks_path, sizeof(ks_path), "%s/keys.hsks", test_dir);
	memset(&ks, 0, sizeof(ks));
	add_key(&ks, 123457, 1, 4, vk04, 20);
	add_key(&ks, 123457, 2, 4, vk04_krn2, 20);
	add_key(&ks, 123456, 1, 2, vk02, 8);
	if (hs_ks_save(ks_path, master, &ks, 1, err, sizeof(err)) != HS_KS_OK)
		fail_msg("%s", err);
	hs_ks_wipe(&ks);
	setenv("HS_TEST_MASTER", MASTER_HEX, 1);
	setenv("HS_TEST_FACTORY", FACTORY_HEX, 1);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	test_dir_remove();
	return (0);
}

static int
load_soft(const char *extra)
{
	return (test_load("plugin hsm hsm %s/plugins/hsm/soft.so\n"
	    "set hsm keystore %s\nset hsm master_key env:HS_TEST_MASTER\n"
	    "set hsm sta_tables %s\n%s", HS_TEST_BUILD, ks_path, STA_TABLES,
	    extra));
}

/* CTSA01_04 through the plugin ABI, and again: a retry is identical. */
static void
test_vector_dkga04_ea11(void **state)
{
	struct hs_hsm_meter	m = test_meter(123457, 11, 4);
	struct hs_hsm_token	t = test_token();
	char			tok[21], again[21], ref[21];
	uint8_t			dk[16];

	(void)state;
	assert_int_equal(load_soft(""), 0);
	assert_int_equal(test_ops()->vend(test_slot.pctx, &m, &t, tok), HS_OK);
	assert_string_equal(tok, CTSA01_04_TOKEN);
	assert_int_equal(test_ops()->vend(test_slot.pctx, &m, &t, again),
	    HS_OK);
	assert_string_equal(again, tok);
	engine_dk(&m, vk04, dk);
	engine_token(&m, &t, dk, NULL, ref);
	assert_string_equal(tok, ref);
	test_unload();
}

/* DKGA02 gives the public DK; the token equals the engine's under it. */
static void
test_vector_dkga02_ea07(void **state)
{
	struct hs_hsm_meter	m = test_meter(123456, 7, 2);
	struct hs_hsm_token	t = test_token();
	struct hs_sts_sta_table	sta;
	char			tok[21], ref[21];
	uint8_t			dk[16];

	(void)state;
	engine_sta(&sta);
	assert_int_equal(load_soft(""), 0);
	assert_int_equal(test_ops()->vend(test_slot.pctx, &m, &t, tok), HS_OK);
	engine_token(&m, &t, dkga02_dk, &sta, ref);
	assert_string_equal(tok, ref);

	/* DKGA04 with STA: the engine's 64-bit DK, the same token. */
	m = test_meter(123457, 7, 4);
	t.amount = 12345;
	t.subclass = 1;
	assert_int_equal(test_ops()->vend(test_slot.pctx, &m, &t, tok), HS_OK);
	engine_dk(&m, vk04, dk);
	engine_token(&m, &t, dk, &sta, ref);
	assert_string_equal(tok, ref);
	test_unload();
}

/*
 * Key change tokens are fed to the engine's meter decoder holding the old
 * key: after the last section it must hold exactly the new derived key.
 */
static void
check_kct(const struct hs_hsm_meter *from, const struct hs_hsm_key_change *to,
    const uint8_t *oldvk, const uint8_t *newvk, size_t want)
{
	struct hs_sts_sta_table	sta;
	struct hs_sts_meter	meter;
	struct hs_sts_result	r;
	uint32_t		tids[8];
	char			out[HS_KCT_MAX][HS_TOKEN_DIGITS + 1];
	uint8_t			olddk[16], newdk[16];
	size_t			n = 0, i;

	engine_sta(&sta);
	assert_int_equal(test_ops()->key_change(test_slot.pctx, from, to, out,
	    &n), HS_OK);
	assert_int_equal(n, want);
	memset(&meter, 0, sizeof(meter));
	meter.key.ea = from->ea;
	meter.key.sta = from->ea == 7 ? &sta : NULL;
	engine_dk(from, oldvk, olddk);
	memcpy(meter.key.dk, olddk, 16);
	meter.kt = from->kt;
	meter.krn = from->krn;
	meter.ti = from->ti;
	meter.ken = 255;
	meter.sgc = from->sgc;
	hs_sts_tidstore_init(&meter.tids, tids, 8);
	for (i = 0; i < n; i++) {
		hs_sts_meter_decode(&meter, out[i], 20, &r);
		assert_int_equal(r.rc, i + 1 < n ? HS_STS_RC_KCT_PENDING :
		    HS_STS_RC_KCT_APPLIED);
	}
	engine_dk(&to->to, newvk, newdk);
	assert_memory_equal(meter.key.dk, newdk, hs_sts_key_len(from->ea));
	assert_int_equal(meter.krn, to->to.krn);
	assert_int_equal(meter.ti, to->to.ti);
	if (want == 4)
		assert_int_equal(meter.sgc, to->to.sgc);
}

static void
test_key_change(void **state)
{
	struct hs_hsm_meter		from;
	struct hs_hsm_key_change	to;
	char				out[HS_KCT_MAX][HS_TOKEN_DIGITS + 1];
	size_t				n = 0;

	(void)state;
	assert_int_equal(load_soft(""), 0);

	/* EA11: KRN 1 -> 2, new TI, rollover. */
	from = test_meter(123457, 11, 4);
	memset(&to, 0, sizeof(to));
	to.size = sizeof(to);
	to.to = test_meter(123457, 11, 4);
	to.to.krn = 2;
	to.to.ti = 7;
	to.to.base_date = 2014;
	to.rollover = 1;
	check_kct(&from, &to, vk04, vk04_krn2, 4);

	/* EA07: a DKGA02 meter moves to a DKGA04 key of another group. */
	from = test_meter(123456, 7, 2);
	to.to = test_meter(123457, 7, 4);
	to.to.ti = 3;
	check_kct(&from, &to, vk02, vk04, 2);

	/* A key change may not change the EA. */
	to.to.ea = 11;
	assert_int_equal(test_ops()->key_change(test_slot.pctx, &from, &to,
	    out, &n), HS_E_INVALID);
	assert_int_equal(n, 0);
	assert_non_null(strstr(test_log, "cannot change the encryption"));
	test_unload();
}

/* The wrapped DK unwraps under the factory key to the engine's DK. */
static void
test_provision(void **state)
{
	struct hs_hsm_meter	m = test_meter(123457, 11, 4);
	EVP_CIPHER_CTX		*c;
	char			rec[1024], *p;
	uint8_t			wrapped[64], dk[16], ref[16];
	size_t			n = 0;
	int			l1 = 0, l2 = 0;
	unsigned		byte;

	(void)state;
	assert_int_equal(load_soft(""), 0);
	assert_int_equal(test_ops()->provision(test_slot.pctx, &m, rec,
	    sizeof(rec)), HS_OK);
	assert_non_null(strstr(rec, "pan=600727000000000009 sgc=123457"));
	assert_non_null(strstr(rec, "dk=absent"));
	test_unload();

	assert_int_equal(load_soft("set hsm factory_key env:HS_TEST_FACTORY\n"),
	    0);
	assert_int_equal(test_ops()->provision(test_slot.pctx, &m, rec,
	    sizeof(rec)), HS_OK);
	test_unload();
	assert_non_null(p = strstr(rec, " dk="));
	for (p += 4; *p != ' ' && sscanf(p, "%2x", &byte) == 1; p += 2)
		wrapped[n++] = (uint8_t)byte;
	assert_int_equal(n, 24);	/* 16 bytes wrapped with KWP */
	c = EVP_CIPHER_CTX_new();
	EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	assert_int_equal(EVP_DecryptInit_ex(c, EVP_aes_256_wrap_pad(), NULL,
	    factory_key, NULL), 1);
	assert_int_equal(EVP_DecryptUpdate(c, dk, &l1, wrapped, (int)n), 1);
	assert_int_equal(EVP_DecryptFinal_ex(c, dk + l1, &l2), 1);
	EVP_CIPHER_CTX_free(c);
	assert_int_equal(l1 + l2, 16);
	engine_dk(&m, vk04, ref);
	assert_memory_equal(dk, ref, 16);
	assert_non_null(strstr(rec, " kcv="));
}

static void
test_list_keys_hides_bytes(void **state)
{
	char	out[4096];

	(void)state;
	assert_int_equal(load_soft(""), 0);
	assert_int_equal(test_ops()->list_keys(test_slot.pctx, out,
	    sizeof(out)), HS_OK);
	assert_non_null(strstr(out, "sgc=123457 krn=1 dkga=04 bits=160"));
	assert_non_null(strstr(out, "sgc=123456 krn=1 dkga=02 bits=64"));
	assert_null(strstr(out, "abab"));
	assert_null(strstr(out, "ABAB"));
	assert_null(strstr(out, "9494"));
	assert_int_equal(test_ops()->health(test_slot.pctx), HS_OK);
	/* Too small a buffer is an error, not a silent truncation. */
	assert_int_equal(test_ops()->list_keys(test_slot.pctx, out, 40),
	    HS_E_INVALID);
	test_unload();
}

static void
test_refused_inputs(void **state)
{
	struct hs_hsm_meter	m = test_meter(123457, 11, 4);
	struct hs_hsm_token	t = test_token();
	char			tok[21];

	(void)state;
	assert_int_equal(load_soft(""), 0);
	m.pan = "600727000000000008";	/* Luhn digit wrong */
	assert_int_equal(test_ops()->vend(test_slot.pctx, &m, &t, tok),
	    HS_E_INVALID);
	assert_non_null(strstr(test_log, "Luhn"));
	m = test_meter(654321, 11, 4);
	assert_int_equal(test_ops()->vend(test_slot.pctx, &m, &t, tok),
	    HS_E_INVALID);
	assert_non_null(strstr(test_log, "no vending key for SGC 654321"));
	m = test_meter(123456, 7, 4);	/* key 123456/1 is DKGA02 */
	assert_int_equal(test_ops()->vend(test_slot.pctx, &m, &t, tok),
	    HS_E_INVALID);
	assert_non_null(strstr(test_log, "is a DKGA02 key"));
	m = test_meter(123457, 11, 4);
	m.kt = 1;
	assert_int_equal(test_ops()->vend(test_slot.pctx, &m, &t, tok),
	    HS_E_INVALID);
	assert_non_null(strstr(test_log, "default key (KT 1)"));
	m.kt = 2;
	m.ken = 0;		/* expired: TID >> 16 is 89 */
	assert_int_equal(test_ops()->vend(test_slot.pctx, &m, &t, tok),
	    HS_E_INVALID);
	assert_non_null(strstr(test_log, "expires"));
	test_unload();

	/* EA07 without STA tables is a configuration error. */
	assert_int_equal(test_load("plugin hsm hsm %s/plugins/hsm/soft.so\n"
	    "set hsm keystore %s\nset hsm master_key env:HS_TEST_MASTER\n",
	    HS_TEST_BUILD, ks_path), 0);
	m = test_meter(123456, 7, 2);
	assert_int_equal(test_ops()->vend(test_slot.pctx, &m, &t, tok),
	    HS_E_CONFIG);
	assert_non_null(strstr(test_log, "EA07 needs STA tables"));
	test_unload();
}

/*
 * A wrong master key: the plugin's init fails with a message naming the
 * cause, and a direct load leaves the caller's struct exactly as it was.
 */
static void
test_wrong_master_key(void **state)
{
	static struct hs_ks	ks, before;
	uint8_t			wrong[32];
	char			err[512];

	(void)state;
	setenv("HS_TEST_WRONG", "ff0102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f", 1);
	assert_int_equal(test_load("plugin hsm hsm %s/plugins/hsm/soft.so\n"
	    "set hsm keystore %s\nset hsm master_key env:HS_TEST_WRONG\n",
	    HS_TEST_BUILD, ks_path), -2);
	assert_non_null(strstr(test_log, "wrong master key"));
	assert_non_null(strstr(test_err, "init failed"));
	assert_false(test_slot.ready);

	memcpy(wrong, master, 32);
	wrong[31] ^= 1;
	memset(&ks, 0x5a, sizeof(ks));
	memcpy(&before, &ks, sizeof(ks));
	assert_int_equal(hs_ks_load(ks_path, wrong, &ks, err, sizeof(err)),
	    HS_KS_E_MASTER);
	assert_non_null(strstr(err, "wrong master key"));
	assert_memory_equal(&ks, &before, sizeof(ks));

	/* Unset variable: the setting resolves to nothing. */
	unsetenv("HS_TEST_WRONG");
	assert_int_equal(test_load("plugin hsm hsm %s/plugins/hsm/soft.so\n"
	    "set hsm keystore %s\nset hsm master_key env:HS_TEST_WRONG\n",
	    HS_TEST_BUILD, ks_path), -2);
	assert_non_null(strstr(test_log, "'master_key' must resolve to 64 "
	    "hex digits"));
}

static void
rewrite(const char *path, const uint8_t *buf, size_t len)
{
	FILE	*fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	fclose(fp);
}

/* Altered, truncated and future-version files are refused, untouched. */
static void
test_damaged_keystore(void **state)
{
	static struct hs_ks	ks, before;
	static uint8_t		orig[20000], buf[20000];
	char			path[160], err[512];
	size_t			len;
	FILE			*fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/damaged.hsks", test_dir);
	assert_non_null(fp = fopen(ks_path, "r"));
	len = fread(orig, 1, sizeof(orig), fp);
	fclose(fp);
	memset(&ks, 0x33, sizeof(ks));
	memcpy(&before, &ks, sizeof(ks));

	memcpy(buf, orig, len);
	buf[60] ^= 0x01;			/* a ciphertext bit */
	rewrite(path, buf, len);
	assert_int_equal(hs_ks_load(path, master, &ks, err, sizeof(err)),
	    HS_KS_E_AUTH);
	assert_non_null(strstr(err, "altered or damaged"));

	memcpy(buf, orig, len);
	buf[26] ^= 0x80;			/* the nonce (header, AAD) */
	rewrite(path, buf, len);
	assert_int_equal(hs_ks_load(path, master, &ks, err, sizeof(err)),
	    HS_KS_E_AUTH);

	rewrite(path, orig, len - 1);
	assert_int_equal(hs_ks_load(path, master, &ks, err, sizeof(err)),
	    HS_KS_E_FORMAT);
	assert_non_null(strstr(err, "truncated"));

	memcpy(buf, orig, len);
	buf[11] = 2;				/* version 2 */
	rewrite(path, buf, len);
	assert_int_equal(hs_ks_load(path, master, &ks, err, sizeof(err)),
	    HS_KS_E_VERSION);
	assert_non_null(strstr(err, "format version 2"));

	rewrite(path, (const uint8_t *)"hello", 5);
	assert_int_equal(hs_ks_load(path, master, &ks, err, sizeof(err)),
	    HS_KS_E_FORMAT);
	assert_memory_equal(&ks, &before, sizeof(ks));

	assert_int_equal(hs_ks_load(ks_path, master, &ks, err, sizeof(err)),
	    HS_KS_OK);
	assert_int_equal(ks.nkeys, 3);
	hs_ks_wipe(&ks);
}

/* Writes replace atomically, leave no temporaries, never overwrite on create. */
static void
test_keystore_writes(void **state)
{
	static struct hs_ks	ks, again;
	char			path[160], err[512];
	struct stat		st;
	struct dirent		*de;
	DIR			*d;
	uint64_t		gen;

	(void)state;
	snprintf(path, sizeof(path), "%s/w.hsks", test_dir);
	memset(&ks, 0, sizeof(ks));
	assert_int_equal(hs_ks_save(path, master, &ks, 1, err, sizeof(err)),
	    HS_KS_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	add_key(&ks, 111111, 3, 4, vk04, 20);
	assert_int_equal(hs_ks_save(path, master, &ks, 1, err, sizeof(err)),
	    HS_KS_E_EXISTS);
	assert_non_null(strstr(err, "refusing to overwrite"));
	assert_int_equal(hs_ks_load(path, master, &again, err, sizeof(err)),
	    HS_KS_OK);
	assert_int_equal(again.nkeys, 0);	/* the create did nothing */
	gen = again.generation;

	assert_int_equal(hs_ks_save(path, master, &ks, 0, err, sizeof(err)),
	    HS_KS_OK);
	assert_int_equal(hs_ks_load(path, master, &again, err, sizeof(err)),
	    HS_KS_OK);
	assert_int_equal(again.nkeys, 1);
	assert_true(again.generation > gen);
	assert_memory_equal(hs_ks_find(&again, 111111, 3)->vk, vk04, 20);
	assert_int_equal(hs_ks_add(&ks, &again.keys[0], 0), HS_KS_E_EXISTS);

	assert_non_null(d = opendir(test_dir));
	while ((de = readdir(d)) != NULL)
		assert_null(strstr(de->d_name, ".tmp-"));
	closedir(d);
	hs_ks_wipe(&ks);
	hs_ks_wipe(&again);
}

static void
test_missing_keystore(void **state)
{
	(void)state;
	assert_int_equal(test_load("plugin hsm hsm %s/plugins/hsm/soft.so\n"
	    "set hsm keystore %s/nope.hsks\n"
	    "set hsm master_key env:HS_TEST_MASTER\n", HS_TEST_BUILD,
	    test_dir), -2);
	assert_non_null(strstr(test_log, "nope.hsks: cannot open: No such "
	    "file"));
	/* The loader itself refuses a configuration without the keystore. */
	assert_int_equal(test_load("plugin hsm hsm %s/plugins/hsm/soft.so\n"
	    "set hsm master_key env:HS_TEST_MASTER\n", HS_TEST_BUILD), -1);
	assert_non_null(strstr(test_err, "missing required setting "
	    "'keystore'"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_dkga04_ea11),
		cmocka_unit_test(test_vector_dkga02_ea07),
		cmocka_unit_test(test_key_change),
		cmocka_unit_test(test_provision),
		cmocka_unit_test(test_list_keys_hides_bytes),
		cmocka_unit_test(test_refused_inputs),
		cmocka_unit_test(test_wrong_master_key),
		cmocka_unit_test(test_damaged_keystore),
		cmocka_unit_test(test_keystore_writes),
		cmocka_unit_test(test_missing_keystore),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
