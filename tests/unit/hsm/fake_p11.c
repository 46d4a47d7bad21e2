/*
 * A stand-in PKCS#11 module for the pkcs11 plugin's init tests: a real
 * token cannot be locked on demand (SoftHSM2 has no PIN retry counter), so
 * this one pretends.  Two slots:
 *	slot 1, token "locked":    reports CKF_USER_PIN_LOCKED in its flags
 *	slot 2, token "pinlocked": flags look fine, C_Login says CKR_PIN_LOCKED
 * Every other function is absent (NULL); the plugin must fail before it
 * would need one.
 */
#include <string.h>

#include <p11-kit/pkcs11.h>

static CK_RV
fake_initialize(void *args)
{
	(void)args;
	return (CKR_OK);
}

static CK_RV
fake_finalize(void *reserved)
{
	(void)reserved;
	return (CKR_OK);
}

static CK_RV
fake_slot_list(CK_BBOOL present, CK_SLOT_ID *list, CK_ULONG *count)
{
	(void)present;
	if (list != NULL && *count >= 2) {
		list[0] = 1;
		list[1] = 2;
	}
	*count = 2;
	return (CKR_OK);
}

static CK_RV
fake_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO *info)
{
	const char	*label = slot == 1 ? "locked" : "pinlocked";

	memset(info, 0, sizeof(*info));
	memset(info->label, ' ', sizeof(info->label));
	memcpy(info->label, label, strlen(label));
	info->flags = CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED;
	if (slot == 1)
		info->flags |= CKF_USER_PIN_LOCKED;
	return (CKR_OK);
}

static CK_RV
fake_open_session(CK_SLOT_ID slot, CK_FLAGS flags, void *app, CK_NOTIFY cb,
    CK_SESSION_HANDLE *s)
{
	(void)flags;
	(void)app;
	(void)cb;
	*s = slot;
	return (CKR_OK);
}

static CK_RV
fake_close_session(CK_SESSION_HANDLE s)
{
	(void)s;
	return (CKR_OK);
}

static CK_RV
fake_login(CK_SESSION_HANDLE s, CK_USER_TYPE who, CK_UTF8CHAR *pin,
    CK_ULONG len)
{
	(void)s;
	(void)who;
	(void)pin;
	(void)len;
	return (CKR_PIN_LOCKED);
}

static CK_FUNCTION_LIST	fake_list = {
	.version = { 2, 40 },
	.C_Initialize = fake_initialize,
	.C_Finalize = fake_finalize,
	.C_GetSlotList = fake_slot_list,
	.C_GetTokenInfo = fake_token_info,
	.C_OpenSession = fake_open_session,
	.C_CloseSession = fake_close_session,
	.C_Login = fake_login,
};

__attribute__((visibility("default"))) CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	*list = &fake_list;
	return (CKR_OK);
}
