/*
 * Loading a PKCS#11 module and managing HydroSync's objects in a token
 * (see p11.h).
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hydrosync/plugin.h"
#include "p11.h"

static int	p11_fail(char *err, size_t errlen, int code, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));

static int
p11_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return (code);
}

const char *
hs_p11_rv_name(CK_RV rv)
{
	static const struct {
		CK_RV		 rv;
		const char	*name;
	} names[] = {
		{ CKR_OK, "CKR_OK" },
		{ CKR_HOST_MEMORY, "CKR_HOST_MEMORY" },
		{ CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID" },
		{ CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR" },
		{ CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED" },
		{ CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD" },
		{ CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE" },
		{ CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID" },
		{ CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID" },
		{ CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR" },
		{ CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED" },
		{ CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED" },
		{ CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID" },
		{ CKR_KEY_SIZE_RANGE, "CKR_KEY_SIZE_RANGE" },
		{ CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT" },
		{ CKR_KEY_FUNCTION_NOT_PERMITTED,
		    "CKR_KEY_FUNCTION_NOT_PERMITTED" },
		{ CKR_KEY_NOT_WRAPPABLE, "CKR_KEY_NOT_WRAPPABLE" },
		{ CKR_KEY_UNEXTRACTABLE, "CKR_KEY_UNEXTRACTABLE" },
		{ CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID" },
		{ CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID" },
		{ CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT" },
		{ CKR_PIN_INVALID, "CKR_PIN_INVALID" },
		{ CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE" },
		{ CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED" },
		{ CKR_PIN_LOCKED, "CKR_PIN_LOCKED" },
		{ CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID" },
		{ CKR_SESSION_READ_ONLY, "CKR_SESSION_READ_ONLY" },
		{ CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE" },
		{ CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT" },
		{ CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT" },
		{ CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED" },
		{ CKR_TOKEN_WRITE_PROTECTED, "CKR_TOKEN_WRITE_PROTECTED" },
		{ CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN" },
		{ CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN" },
		{ CKR_USER_PIN_NOT_INITIALIZED,
		    "CKR_USER_PIN_NOT_INITIALIZED" },
		{ CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL" },
		{ CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED" },
		{ CKR_CRYPTOKI_ALREADY_INITIALIZED,
		    "CKR_CRYPTOKI_ALREADY_INITIALIZED" },
	};
	static char	unknown[32];
	size_t		i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].rv == rv)
			return (names[i].name);
	snprintf(unknown, sizeof(unknown), "CKR 0x%lx", (unsigned long)rv);
	return (unknown);
}

/* A PKCS#11 label: 32 bytes, blank padded, no NUL. */
static void
pad_label(CK_UTF8CHAR out[32], const char *label)
{
	size_t	n = strlen(label);

	memset(out, ' ', 32);
	memcpy(out, label, n > 32 ? 32 : n);
}

static int
label_is(const CK_UTF8CHAR field[32], const char *label)
{
	CK_UTF8CHAR	want[32];

	pad_label(want, label);
	return (strlen(label) <= 32 && memcmp(field, want, 32) == 0);
}

static int
load(struct hs_p11 *p, const char *module, char *err, size_t errlen)
{
	CK_C_GetFunctionList	getlist;
	CK_C_INITIALIZE_ARGS	args;
	CK_RV			rv;

	memset(p, 0, sizeof(*p));
	if (module == NULL || *module == '\0')
		return (p11_fail(err, errlen, HS_E_CONFIG, "setting 'module' "
		    "(the PKCS#11 library path) is missing"));
	if ((p->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return (p11_fail(err, errlen, HS_E_CONFIG, "PKCS#11 module "
		    "%s cannot be loaded: %s", module, dlerror()));
	*(void **)(&getlist) = dlsym(p->dl, "C_GetFunctionList");
	if (getlist == NULL)
		return (p11_fail(err, errlen, HS_E_CONFIG, "%s is not a "
		    "PKCS#11 module (no C_GetFunctionList)", module));
	if ((rv = getlist(&p->f)) != CKR_OK || p->f == NULL)
		return (p11_fail(err, errlen, HS_E_CONFIG, "%s: "
		    "C_GetFunctionList failed: %s", module, hs_p11_rv_name(rv)));
	if (p->f->version.major != 2)
		return (p11_fail(err, errlen, HS_E_CONFIG, "%s speaks "
		    "Cryptoki %u.%u; this plugin needs 2.x", module,
		    p->f->version.major, p->f->version.minor));
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = p->f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
		return (p11_fail(err, errlen, HS_E_CONFIG, "%s: C_Initialize "
		    "failed: %s", module, hs_p11_rv_name(rv)));
	p->initialized = rv == CKR_OK;
	return (HS_OK);
}

/* Find the slot whose token carries label; *info receives its flags. */
static int
find_token(struct hs_p11 *p, const char *label, CK_TOKEN_INFO *info,
    char *err, size_t errlen)
{
	CK_SLOT_ID	slots[64];
	CK_ULONG	n = 64, i;
	CK_RV		rv;

	if ((rv = p->f->C_GetSlotList(CK_TRUE, slots, &n)) != CKR_OK)
		return (p11_fail(err, errlen, HS_E_CONFIG, "C_GetSlotList "
		    "failed: %s", hs_p11_rv_name(rv)));
	for (i = 0; i < n; i++) {
		if (p->f->C_GetTokenInfo(slots[i], info) != CKR_OK)
			continue;
		if (label_is(info->label, label)) {
			p->slot = slots[i];
			return (HS_OK);
		}
	}
	return (p11_fail(err, errlen, HS_E_CONFIG, "no token labelled '%s' "
	    "in any of the module's %lu slots with a token", label,
	    (unsigned long)n));
}

int
hs_p11_open(struct hs_p11 *p, const char *module, const char *label,
    const char *pin, int rw, char *err, size_t errlen)
{
	CK_TOKEN_INFO	info;
	CK_FLAGS	flags = CKF_SERIAL_SESSION;
	CK_RV		rv;
	int		r;

	if ((r = load(p, module, err, errlen)) != HS_OK)
		goto bad;
	r = HS_E_CONFIG;
	if (label == NULL || *label == '\0') {
		p11_fail(err, errlen, r, "setting 'token_label' is missing");
		goto bad;
	}
	if (pin == NULL || *pin == '\0') {
		p11_fail(err, errlen, r, "setting 'pin' is missing or empty "
		    "(is the environment variable or file it names there?)");
		goto bad;
	}
	if ((r = find_token(p, label, &info, err, errlen)) != HS_OK)
		goto bad;
	r = HS_E_CONFIG;
	if (!(info.flags & CKF_TOKEN_INITIALIZED) ||
	    !(info.flags & CKF_USER_PIN_INITIALIZED)) {
		p11_fail(err, errlen, r, "token '%s' is not initialised (no "
		    "user PIN set)", label);
		goto bad;
	}
	if (info.flags & CKF_USER_PIN_LOCKED) {
		p11_fail(err, errlen, r, "token '%s' is locked: its user PIN "
		    "was entered wrongly too often; the security officer "
		    "must reset it", label);
		goto bad;
	}
	if (rw)
		flags |= CKF_RW_SESSION;
	if ((rv = p->f->C_OpenSession(p->slot, flags, NULL, NULL,
	    &p->session)) != CKR_OK) {
		p11_fail(err, errlen, r, "token '%s': C_OpenSession failed: "
		    "%s", label, hs_p11_rv_name(rv));
		goto bad;
	}
	p->has_session = 1;
	rv = p->f->C_Login(p->session, CKU_USER, (CK_UTF8CHAR_PTR)(uintptr_t)pin,
	    strlen(pin));
	if (rv == CKR_PIN_INCORRECT) {
		p11_fail(err, errlen, r, "token '%s': wrong PIN "
		    "(CKR_PIN_INCORRECT)", label);
		goto bad;
	}
	if (rv == CKR_PIN_LOCKED) {
		p11_fail(err, errlen, r, "token '%s' is locked "
		    "(CKR_PIN_LOCKED): the security officer must reset the "
		    "user PIN", label);
		goto bad;
	}
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
		p11_fail(err, errlen, r, "token '%s': login failed: %s", label,
		    hs_p11_rv_name(rv));
		goto bad;
	}
	p->logged_in = rv == CKR_OK;
	return (HS_OK);
bad:
	hs_p11_close(p);
	return (r);
}

void
hs_p11_close(struct hs_p11 *p)
{
	if (p->f != NULL) {
		if (p->logged_in)
			p->f->C_Logout(p->session);
		if (p->has_session)
			p->f->C_CloseSession(p->session);
		if (p->initialized)
			p->f->C_Finalize(NULL);
	}
	/* Never dlclose: the module may have left thread-local state. */
	p->f = NULL;
	p->logged_in = p->has_session = p->initialized = 0;
}

int
hs_p11_init_token(const char *module, const char *label, const char *so_pin,
    const char *user_pin, char *err, size_t errlen)
{
	struct hs_p11		p;
	CK_SLOT_ID		slots[64];
	CK_TOKEN_INFO		info;
	CK_UTF8CHAR		padded[32];
	CK_SESSION_HANDLE	s;
	CK_ULONG		n = 64, i;
	CK_RV			rv;
	int			r;

	if ((r = load(&p, module, err, errlen)) != HS_OK)
		return (r);
	if (find_token(&p, label, &info, err, errlen) == HS_OK) {
		hs_p11_close(&p);
		return (p11_fail(err, errlen, HS_E_INVALID, "a token labelled "
		    "'%s' exists already; refusing to reinitialise it", label));
	}
	if ((rv = p.f->C_GetSlotList(CK_TRUE, slots, &n)) != CKR_OK)
		n = 0;
	for (i = 0; i < n; i++)
		if (p.f->C_GetTokenInfo(slots[i], &info) == CKR_OK &&
		    !(info.flags & CKF_TOKEN_INITIALIZED))
			break;
	if (i == n) {
		hs_p11_close(&p);
		return (p11_fail(err, errlen, HS_E_CONFIG, "no uninitialised "
		    "token in the module's slots"));
	}
	pad_label(padded, label);
	rv = p.f->C_InitToken(slots[i], (CK_UTF8CHAR_PTR)(uintptr_t)so_pin,
	    strlen(so_pin), padded);
	if (rv != CKR_OK) {
		hs_p11_close(&p);
		return (p11_fail(err, errlen, HS_E_CONFIG, "C_InitToken "
		    "failed: %s", hs_p11_rv_name(rv)));
	}
	/* SoftHSM moves a fresh token to a new slot: look it up again. */
	if ((r = find_token(&p, label, &info, err, errlen)) != HS_OK) {
		hs_p11_close(&p);
		return (r);
	}
	rv = p.f->C_OpenSession(p.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
	    NULL, NULL, &s);
	if (rv == CKR_OK) {
		rv = p.f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)(uintptr_t)so_pin,
		    strlen(so_pin));
		if (rv == CKR_OK) {
			rv = p.f->C_InitPIN(s,
			    (CK_UTF8CHAR_PTR)(uintptr_t)user_pin,
			    strlen(user_pin));
			p.f->C_Logout(s);
		}
		p.f->C_CloseSession(s);
	}
	hs_p11_close(&p);
	if (rv != CKR_OK)
		return (p11_fail(err, errlen, HS_E_CONFIG, "setting the user "
		    "PIN of '%s' failed: %s", label, hs_p11_rv_name(rv)));
	return (HS_OK);
}

CK_OBJECT_HANDLE
hs_p11_find(struct hs_p11 *p, CK_OBJECT_CLASS cls, const char *label)
{
	CK_ATTRIBUTE		tmpl[2];
	CK_OBJECT_HANDLE	h = 0;
	CK_ULONG		n = 0;

	tmpl[0].type = CKA_CLASS;
	tmpl[0].pValue = &cls;
	tmpl[0].ulValueLen = sizeof(cls);
	tmpl[1].type = CKA_LABEL;
	tmpl[1].pValue = (void *)(uintptr_t)label;
	tmpl[1].ulValueLen = strlen(label);
	if (p->f->C_FindObjectsInit(p->session, tmpl, 2) != CKR_OK)
		return (0);
	if (p->f->C_FindObjects(p->session, &h, 1, &n) != CKR_OK || n != 1)
		h = 0;
	p->f->C_FindObjectsFinal(p->session);
	return (h);
}

/* "hsvk:123457:1:04" -> fields; -1 when the label is not ours. */
static int
parse_vk_label(const char *s, size_t len, struct hs_p11_vk *vk)
{
	char		buf[64], tail;
	unsigned	sgc, krn, dkga;

	if (len >= sizeof(buf))
		return (-1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (sscanf(buf, HS_P11_VK_PREFIX "%6u:%2u:%2u%c", &sgc, &krn, &dkga,
	    &tail) != 3 || krn > 15 || (dkga != 2 && dkga != 4))
		return (-1);
	vk->sgc = sgc;
	vk->krn = (uint8_t)krn;
	vk->dkga = (uint8_t)dkga;
	return (0);
}

int
hs_p11_vk_list(struct hs_p11 *p, struct hs_p11_vk *out, size_t max,
    size_t *count, char *err, size_t errlen)
{
	CK_OBJECT_CLASS		cls = CKO_SECRET_KEY;
	CK_ATTRIBUTE		tmpl = { CKA_CLASS, &cls, sizeof(cls) };
	CK_ATTRIBUTE		lab;
	CK_OBJECT_HANDLE	h[32];
	CK_ULONG		n, i;
	char			label[64];
	CK_RV			rv;

	*count = 0;
	if ((rv = p->f->C_FindObjectsInit(p->session, &tmpl, 1)) != CKR_OK)
		return (p11_fail(err, errlen, HS_E_UNAVAILABLE,
		    "C_FindObjectsInit failed: %s", hs_p11_rv_name(rv)));
	for (;;) {
		if ((rv = p->f->C_FindObjects(p->session, h, 32, &n)) !=
		    CKR_OK || n == 0)
			break;
		for (i = 0; i < n && *count < max; i++) {
			lab.type = CKA_LABEL;
			lab.pValue = label;
			lab.ulValueLen = sizeof(label);
			if (p->f->C_GetAttributeValue(p->session, h[i], &lab,
			    1) != CKR_OK ||
			    parse_vk_label(label, lab.ulValueLen,
			    &out[*count]) == -1)
				continue;
			out[(*count)++].handle = h[i];
		}
	}
	p->f->C_FindObjectsFinal(p->session);
	if (rv != CKR_OK)
		return (p11_fail(err, errlen, HS_E_UNAVAILABLE,
		    "C_FindObjects failed: %s", hs_p11_rv_name(rv)));
	return (HS_OK);
}

static int
refuse_dkga02(uint8_t dkga, char *err, size_t errlen)
{
	if (dkga == 4)
		return (HS_OK);
	return (p11_fail(err, errlen, HS_E_NOTSUP, dkga == 2 ?
	    "DKGA02 keys are not supported in a PKCS#11 token: DKGA02 ends "
	    "with DK = DES_VK(X) ^ X ^ VK, and no standard mechanism XORs a "
	    "key the host may not read into a result; use the soft plugin "
	    "or an HSM with a vendor STS mechanism" : "DKGA must be 02 or 04"));
}

/* The attributes every vending key object gets, with the label. */
#define VK_TEMPLATE(label, yes, no, cls, type)				\
	{ CKA_CLASS, &(cls), sizeof(cls) },				\
	{ CKA_KEY_TYPE, &(type), sizeof(type) },			\
	{ CKA_LABEL, (void *)(uintptr_t)(label), strlen(label) },	\
	{ CKA_ID, (void *)(uintptr_t)(label), strlen(label) },		\
	{ CKA_TOKEN, &(yes), sizeof(yes) },				\
	{ CKA_PRIVATE, &(yes), sizeof(yes) },				\
	{ CKA_SENSITIVE, &(yes), sizeof(yes) },				\
	{ CKA_EXTRACTABLE, &(no), sizeof(no) },				\
	{ CKA_MODIFIABLE, &(no), sizeof(no) },				\
	{ CKA_SIGN, &(yes), sizeof(yes) },				\
	{ CKA_VERIFY, &(no), sizeof(no) },				\
	{ CKA_ENCRYPT, &(no), sizeof(no) },				\
	{ CKA_DECRYPT, &(no), sizeof(no) },				\
	{ CKA_WRAP, &(no), sizeof(no) },				\
	{ CKA_UNWRAP, &(no), sizeof(no) },				\
	{ CKA_DERIVE, &(no), sizeof(no) }

static int
vk_prepare(struct hs_p11 *p, uint32_t sgc, uint8_t krn, uint8_t dkga,
    char *label, size_t len, char *err, size_t errlen)
{
	int	r;

	if ((r = refuse_dkga02(dkga, err, errlen)) != HS_OK)
		return (r);
	if (sgc > 999999 || krn > 15)
		return (p11_fail(err, errlen, HS_E_INVALID, "SGC must have 6 "
		    "digits and KRN be 0..15"));
	snprintf(label, len, HS_P11_VK_PREFIX "%06u:%u:%02u", (unsigned)sgc,
	    krn, dkga);
	if (hs_p11_find(p, CKO_SECRET_KEY, label) != 0)
		return (p11_fail(err, errlen, HS_E_INVALID, "the token holds "
		    "%s already", label));
	return (HS_OK);
}

/* Zero key bytes through a volatile pointer: the store cannot be elided. */
static void
wipe(void *p, size_t n)
{
	volatile uint8_t	*v = p;

	while (n--)
		*v++ = 0;
}

/*
 * Store a 160-bit DKGA04 vending key.  HMAC pads any key shorter than
 * its 64-byte block with zeros, so VK || 0^12 keys exactly the same
 * HMAC-SHA-256 as VK; the object holds those 32 bytes because SoftHSM2
 * (like several HSMs) refuses SHA-256 HMAC keys under 256 bits with
 * CKR_KEY_SIZE_RANGE.
 */
static int
vk_create(struct hs_p11 *p, const char *label, const uint8_t *vk,
    char *err, size_t errlen)
{
	CK_OBJECT_CLASS		cls = CKO_SECRET_KEY;
	CK_KEY_TYPE		type = CKK_GENERIC_SECRET;
	CK_BBOOL		yes = CK_TRUE, no = CK_FALSE;
	CK_OBJECT_HANDLE	h;
	uint8_t			padded[32];
	CK_RV			rv;
	CK_ATTRIBUTE		tmpl[] = {
		VK_TEMPLATE(label, yes, no, cls, type),
		{ CKA_VALUE, padded, sizeof(padded) },
	};

	memset(padded, 0, sizeof(padded));
	memcpy(padded, vk, 20);
	rv = p->f->C_CreateObject(p->session, tmpl,
	    sizeof(tmpl) / sizeof(tmpl[0]), &h);
	wipe(padded, sizeof(padded));
	if (rv != CKR_OK)
		return (p11_fail(err, errlen, HS_E_UNAVAILABLE, "C_CreateObject "
		    "(%s) failed: %s", label, hs_p11_rv_name(rv)));
	return (HS_OK);
}

int
hs_p11_vk_import(struct hs_p11 *p, uint32_t sgc, uint8_t krn, uint8_t dkga,
    const uint8_t *vk, size_t vklen, char *err, size_t errlen)
{
	char	label[32];
	int	r;

	if ((r = vk_prepare(p, sgc, krn, dkga, label, sizeof(label), err,
	    errlen)) != HS_OK)
		return (r);
	if (vklen != 20)
		return (p11_fail(err, errlen, HS_E_INVALID, "a DKGA04 vending "
		    "key has 160 bits (40 hex digits)"));
	return (vk_create(p, label, vk, err, errlen));
}

/*
 * The 160 bits come from the token's RNG.  They pass through this
 * process once, to be padded (see vk_create()), and are wiped at once.
 */
int
hs_p11_vk_generate(struct hs_p11 *p, uint32_t sgc, uint8_t krn, uint8_t dkga,
    char *err, size_t errlen)
{
	uint8_t	vk[20];
	char	label[32];
	CK_RV	rv;
	int	r;

	if ((r = vk_prepare(p, sgc, krn, dkga, label, sizeof(label), err,
	    errlen)) != HS_OK)
		return (r);
	if ((rv = p->f->C_GenerateRandom(p->session, vk, sizeof(vk))) !=
	    CKR_OK)
		return (p11_fail(err, errlen, HS_E_UNAVAILABLE,
		    "C_GenerateRandom failed: %s", hs_p11_rv_name(rv)));
	r = vk_create(p, label, vk, err, errlen);
	wipe(vk, sizeof(vk));
	return (r);
}

int
hs_p11_factory_import(struct hs_p11 *p, const uint8_t key[32], char *err,
    size_t errlen)
{
	CK_OBJECT_CLASS		cls = CKO_SECRET_KEY;
	CK_KEY_TYPE		type = CKK_AES;
	CK_BBOOL		yes = CK_TRUE, no = CK_FALSE;
	CK_OBJECT_HANDLE	h;
	CK_RV			rv;
	CK_ATTRIBUTE		tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_LABEL, (void *)(uintptr_t)HS_P11_FACTORY_LABEL,
		    sizeof(HS_P11_FACTORY_LABEL) - 1 },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &no, sizeof(no) },
		{ CKA_WRAP, &yes, sizeof(yes) },
		{ CKA_UNWRAP, &no, sizeof(no) },
		{ CKA_ENCRYPT, &no, sizeof(no) },
		{ CKA_DECRYPT, &no, sizeof(no) },
		{ CKA_VALUE, (void *)(uintptr_t)key, 32 },
	};

	if (hs_p11_find(p, CKO_SECRET_KEY, HS_P11_FACTORY_LABEL) != 0)
		return (p11_fail(err, errlen, HS_E_INVALID, "the token holds "
		    "a factory key already"));
	rv = p->f->C_CreateObject(p->session, tmpl,
	    sizeof(tmpl) / sizeof(tmpl[0]), &h);
	if (rv != CKR_OK)
		return (p11_fail(err, errlen, HS_E_UNAVAILABLE, "C_CreateObject "
		    "(factory key) failed: %s", hs_p11_rv_name(rv)));
	return (HS_OK);
}
