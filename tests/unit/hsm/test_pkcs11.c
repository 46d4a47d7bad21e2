/*
 * The pkcs11 HSM plugin against SoftHSM2 in a private token directory,
 * loaded through the real plugin loader with a fake host: the public
 * vectors, key custody (the vending key cannot be read or wrapped out),
 * and init errors that name their cause (wrong PIN, missing module,
 * unknown token, locked token).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "hsm_test.h"
#include "../../../plugins/hsm/pkcs11/p11.h"

#define SOFTHSM		"/usr/lib/softhsm/libsofthsm2.so"
#define LABEL		"hstest"
#define SO_PIN		"87654321"
#define USER_PIN	"1234"

static const uint8_t	vk04_krn2[20] = {
	0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0x55, 0xaa, 0x55, 0xaa
};

/*
 * SoftHSM2's own allocations (OpenSSL state, its object store) are not
 * freed before exit; they are not ours to fix.
 */
const char	*__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return ("leak:libsofthsm2.so\n");
}

static void
ceremony(void)
{
	struct hs_p11	p;
	char		err[512];

	if (hs_p11_init_token(SOFTHSM, LABEL, SO_PIN, USER_PIN, err,
	    sizeof(err)) != HS_OK)
		fail_msg("init token: %s", err);
	if (hs_p11_open(&p, SOFTHSM, LABEL, USER_PIN, 1, err, sizeof(err)) !=
	    HS_OK)
		fail_msg("open: %s", err);
	if (hs_p11_vk_import(&p, 123457, 1, 4, vk04, 20, err, sizeof(err)) !=
	    HS_OK ||
	    hs_p11_vk_import(&p, 123457, 2, 4, vk04_krn2, 20, err,
	    sizeof(err)) != HS_OK ||
	    hs_p11_vk_generate(&p, 222222, 1, 4, err, sizeof(err)) != HS_OK ||
	    hs_p11_factory_import(&p, factory_key, err, sizeof(err)) != HS_OK)
		fail_msg("ceremony: %s", err);
	hs_p11_close(&p);
}

static int
setup(void **state)
{
	char	path[160];
	FILE	*fp;

	(void)state;
	test_dir_make();
	snprintf(path, sizeof(path), "%s/tokens", test_dir);
	if (mkdir(path, 0700) == -1)
		return (-1);
	snprintf(path, sizeof(path), "%s/softhsm2.conf", test_dir);
	if ((fp = fopen(path, "w")) == NULL)
		return (-1);
	fprintf(fp, "directories.tokendir = %s/tokens\n"
	    "objectstore.backend = file\nlog.level = ERROR\n"
	    "slots.removable = false\n", test_dir);
	fclose(fp);
	setenv("SOFTHSM2_CONF", path, 1);
	setenv("HS_TEST_PIN", USER_PIN, 1);
	ceremony();
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
load_p11(const char *module, const char *label, const char *pinvar)
{
	return (test_load("plugin hsm hsm %s/plugins/hsm/pkcs11.so\n"
	    "set hsm module %s\nset hsm token_label %s\n"
	    "set hsm pin env:%s\nset hsm sta_tables %s\n", HS_TEST_BUILD,
	    module, label, pinvar, STA_TABLES));
}

static void
test_vectors(void **state)
{
	struct hs_hsm_meter	m = test_meter(123457, 11, 4);
	struct hs_hsm_token	t = test_token();
	struct hs_sts_sta_table	sta;
	char			tok[21], again[21], ref[21];
	uint8_t			dk[16];

	(void)state;
	assert_int_equal(load_p11(SOFTHSM, LABEL, "HS_TEST_PIN"), 0);
	if (test_ops()->vend(test_slot.pctx, &m, &t, tok) != HS_OK)
		fail_msg("vend: %s", test_log);
	assert_string_equal(tok, CTSA01_04_TOKEN);
	assert_int_equal(test_ops()->vend(test_slot.pctx, &m, &t, again),
	    HS_OK);
	assert_string_equal(again, tok);

	/* DKGA04 with STA (EA07): the engine's token under its own DK. */
	engine_sta(&sta);
	m = test_meter(123457, 7, 4);
	t.amount = 98765;
	assert_int_equal(test_ops()->vend(test_slot.pctx, &m, &t, tok), HS_OK);
	engine_dk(&m, vk04, dk);
	engine_token(&m, &t, dk, &sta, ref);
	assert_string_equal(tok, ref);

	/* A key generated inside the token vends too. */
	m = test_meter(222222, 11, 4);
	assert_int_equal(test_ops()->vend(test_slot.pctx, &m, &t, tok), HS_OK);
	assert_int_equal(strlen(tok), 20);
	assert_int_equal(test_ops()->health(test_slot.pctx), HS_OK);
	test_unload();
}

/* KCTs decoded by the engine's meter end on the engine's new DK. */
static void
test_key_change(void **state)
{
	struct hs_hsm_meter		from = test_meter(123457, 11, 4);
	struct hs_hsm_key_change	to;
	struct hs_sts_meter		meter;
	struct hs_sts_result		r;
	uint32_t			tids[8];
	char				out[HS_KCT_MAX][HS_TOKEN_DIGITS + 1];
	uint8_t				newdk[16];
	size_t				n = 0, i;

	(void)state;
	memset(&to, 0, sizeof(to));
	to.size = sizeof(to);
	to.to = test_meter(123457, 11, 4);
	to.to.krn = 2;
	assert_int_equal(load_p11(SOFTHSM, LABEL, "HS_TEST_PIN"), 0);
	assert_int_equal(test_ops()->key_change(test_slot.pctx, &from, &to,
	    out, &n), HS_OK);
	test_unload();
	assert_int_equal(n, 4);
	memset(&meter, 0, sizeof(meter));
	meter.key.ea = 11;
	engine_dk(&from, vk04, meter.key.dk);
	meter.kt = 2;
	meter.krn = 1;
	meter.ti = 1;
	meter.ken = 255;
	meter.sgc = 123457;
	hs_sts_tidstore_init(&meter.tids, tids, 8);
	for (i = 0; i < n; i++)
		hs_sts_meter_decode(&meter, out[i], 20, &r);
	assert_int_equal(r.rc, HS_STS_RC_KCT_APPLIED);
	engine_dk(&to.to, vk04_krn2, newdk);
	assert_memory_equal(meter.key.dk, newdk, 16);
	assert_int_equal(meter.krn, 2);
}

/* The factory key wraps inside the token; OpenSSL unwraps the same DK. */
static void
test_provision(void **state)
{
	struct hs_hsm_meter	m = test_meter(123457, 7, 4);
	EVP_CIPHER_CTX		*c;
	char			rec[1024], *p;
	uint8_t			wrapped[64], dk[16], ref[16];
	size_t			n = 0;
	int			l1 = 0, l2 = 0;
	unsigned		byte;

	(void)state;
	assert_int_equal(load_p11(SOFTHSM, LABEL, "HS_TEST_PIN"), 0);
	assert_int_equal(test_ops()->provision(test_slot.pctx, &m, rec,
	    sizeof(rec)), HS_OK);
	test_unload();
	assert_non_null(p = strstr(rec, " dk="));
	for (p += 4; *p != ' ' && sscanf(p, "%2x", &byte) == 1; p += 2)
		wrapped[n++] = (uint8_t)byte;
	assert_int_equal(n, 16);	/* an 8-byte EA07 key, KWP-wrapped */
	c = EVP_CIPHER_CTX_new();
	EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	assert_int_equal(EVP_DecryptInit_ex(c, EVP_aes_256_wrap_pad(), NULL,
	    factory_key, NULL), 1);
	assert_int_equal(EVP_DecryptUpdate(c, dk, &l1, wrapped, (int)n), 1);
	assert_int_equal(EVP_DecryptFinal_ex(c, dk + l1, &l2), 1);
	EVP_CIPHER_CTX_free(c);
	assert_int_equal(l1 + l2, 8);
	engine_dk(&m, vk04, ref);
	assert_memory_equal(dk, ref, 8);
}

/*
 * Custody: neither the imported nor the generated vending key can be read
 * (CKR_ATTRIBUTE_SENSITIVE) or wrapped out under a key the host knows.
 */
static void
check_unreadable(struct hs_p11 *p, const char *label, CK_OBJECT_HANDLE kek)
{
	CK_OBJECT_HANDLE	h;
	CK_BBOOL		sens = CK_FALSE, extr = CK_TRUE;
	uint8_t			value[64], out[128];
	CK_ATTRIBUTE		a = { CKA_VALUE, value, sizeof(value) };
	CK_ATTRIBUTE		flags[] = {
		{ CKA_SENSITIVE, &sens, sizeof(sens) },
		{ CKA_EXTRACTABLE, &extr, sizeof(extr) },
	};
	CK_MECHANISM		mech = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	CK_ULONG		outlen = sizeof(out);

	h = hs_p11_find(p, CKO_SECRET_KEY, label);
	assert_true(h != 0);
	memset(value, 0, sizeof(value));
	assert_int_equal(p->f->C_GetAttributeValue(p->session, h, &a, 1),
	    CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(p->f->C_GetAttributeValue(p->session, h, flags, 2),
	    CKR_OK);
	assert_true(sens == CK_TRUE);
	assert_true(extr == CK_FALSE);
	assert_int_not_equal(p->f->C_WrapKey(p->session, &mech, kek, h, out,
	    &outlen), CKR_OK);
}

static void
test_vending_key_unreadable(void **state)
{
	struct hs_p11		p;
	CK_OBJECT_CLASS		cls = CKO_SECRET_KEY;
	CK_KEY_TYPE		type = CKK_AES;
	CK_BBOOL		yes = CK_TRUE, no = CK_FALSE;
	CK_OBJECT_HANDLE	kek;
	uint8_t			known[32] = { 1, 2, 3 };
	char			err[512];
	CK_ATTRIBUTE		tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_WRAP, &yes, sizeof(yes) },
		{ CKA_VALUE, known, sizeof(known) },
	};

	(void)state;
	assert_int_equal(hs_p11_open(&p, SOFTHSM, LABEL, USER_PIN, 0, err,
	    sizeof(err)), HS_OK);
	/* A wrapping key whose value the host knows: the attacker's view. */
	assert_int_equal(p.f->C_CreateObject(p.session, tmpl, 5, &kek),
	    CKR_OK);
	check_unreadable(&p, "hsvk:123457:1:04", kek);
	check_unreadable(&p, "hsvk:222222:1:04", kek);
	check_unreadable(&p, HS_P11_FACTORY_LABEL, kek);
	p.f->C_DestroyObject(p.session, kek);
	hs_p11_close(&p);
}

/* DKGA02 is refused with the reason, at import and at vend. */
static void
test_dkga02_refused(void **state)
{
	struct hs_hsm_meter	m = test_meter(123456, 7, 2);
	struct hs_hsm_token	t = test_token();
	struct hs_p11		p;
	char			err[512], tok[21];

	(void)state;
	assert_int_equal(hs_p11_open(&p, SOFTHSM, LABEL, USER_PIN, 1, err,
	    sizeof(err)), HS_OK);
	assert_int_equal(hs_p11_vk_import(&p, 123456, 1, 2, vk02, 8, err,
	    sizeof(err)), HS_E_NOTSUP);
	assert_non_null(strstr(err, "DK = DES_VK(X) ^ X ^ VK"));
	/* A second import of an existing label is refused. */
	assert_int_equal(hs_p11_vk_import(&p, 123457, 1, 4, vk04, 20, err,
	    sizeof(err)), HS_E_INVALID);
	assert_non_null(strstr(err, "holds hsvk:123457:1:04 already"));
	hs_p11_close(&p);

	assert_int_equal(load_p11(SOFTHSM, LABEL, "HS_TEST_PIN"), 0);
	assert_int_equal(test_ops()->vend(test_slot.pctx, &m, &t, tok),
	    HS_E_NOTSUP);
	assert_non_null(strstr(test_log, "DKGA02 is not available"));
	test_unload();
}

static void
test_list_keys(void **state)
{
	char	out[4096];

	(void)state;
	assert_int_equal(load_p11(SOFTHSM, LABEL, "HS_TEST_PIN"), 0);
	assert_int_equal(test_ops()->list_keys(test_slot.pctx, out,
	    sizeof(out)), HS_OK);
	test_unload();
	assert_non_null(strstr(out, "sgc=123457 krn=1 dkga=04"));
	assert_non_null(strstr(out, "sgc=123457 krn=2 dkga=04"));
	assert_non_null(strstr(out, "sgc=222222 krn=1 dkga=04"));
	assert_null(strstr(out, "abab"));
	assert_null(strstr(out, "9494"));
}

/* Every init failure is HS_E_CONFIG with a log line naming the cause. */
static void
test_init_errors(void **state)
{
	char	fake[256];

	(void)state;
	setenv("HS_TEST_BADPIN", "9999", 1);
	assert_int_equal(load_p11(SOFTHSM, LABEL, "HS_TEST_BADPIN"), -2);
	assert_non_null(strstr(test_log, "token 'hstest': wrong PIN "
	    "(CKR_PIN_INCORRECT)"));
	assert_non_null(strstr(test_err, "init failed (error -2)"));

	assert_int_equal(load_p11("/nonexistent/libpkcs11.so", LABEL,
	    "HS_TEST_PIN"), -2);
	assert_non_null(strstr(test_log, "PKCS#11 module "
	    "/nonexistent/libpkcs11.so cannot be loaded"));

	assert_int_equal(load_p11(HS_TEST_BUILD "/plugins/hsm/soft.so", LABEL,
	    "HS_TEST_PIN"), -2);
	assert_non_null(strstr(test_log, "is not a PKCS#11 module"));

	assert_int_equal(load_p11(SOFTHSM, "nosuchtoken", "HS_TEST_PIN"), -2);
	assert_non_null(strstr(test_log, "no token labelled 'nosuchtoken'"));

	assert_int_equal(load_p11(SOFTHSM, LABEL, "HS_TEST_UNSET"), -2);
	assert_non_null(strstr(test_log, "setting 'pin' is missing"));

	snprintf(fake, sizeof(fake), "%s/tests/unit/hsm/fake_p11.so",
	    HS_TEST_BUILD);
	assert_int_equal(load_p11(fake, "locked", "HS_TEST_PIN"), -2);
	assert_non_null(strstr(test_log, "token 'locked' is locked"));
	assert_int_equal(load_p11(fake, "pinlocked", "HS_TEST_PIN"), -2);
	assert_non_null(strstr(test_log, "token 'pinlocked' is locked "
	    "(CKR_PIN_LOCKED)"));
	assert_false(test_slot.ready);

	/* And after all that, the right PIN still works. */
	assert_int_equal(load_p11(SOFTHSM, LABEL, "HS_TEST_PIN"), 0);
	test_unload();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_key_change),
		cmocka_unit_test(test_provision),
		cmocka_unit_test(test_vending_key_unreadable),
		cmocka_unit_test(test_dkga02_refused),
		cmocka_unit_test(test_list_keys),
		cmocka_unit_test(test_init_errors),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
