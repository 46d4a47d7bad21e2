/*
 * The sealed keystore file of the soft HSM (format in keystore.h).
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "keystore.h"

#define MAGIC		"HSKEYST1"
#define VERSION		1
#define CIPHER_GCM	1
#define HDR_LEN		40
#define TAG_LEN		16
#define NONCE_LEN	12
#define ENTRY_LEN	40
#define BODY_MAX	(12 + HS_KS_KEYS_MAX * ENTRY_LEN)
#define FILE_MAX	(HDR_LEN + BODY_MAX + TAG_LEN)

static const char	kcv_label[] = "hydrosync keystore key check v1";

const char *
hs_ks_err_str(enum hs_ks_err e)
{
	switch (e) {
	case HS_KS_OK:
		return ("ok");
	case HS_KS_E_ARG:
		return ("invalid argument");
	case HS_KS_E_IO:
		return ("I/O error");
	case HS_KS_E_FORMAT:
		return ("not a keystore file");
	case HS_KS_E_VERSION:
		return ("unknown keystore version");
	case HS_KS_E_MASTER:
		return ("wrong master key");
	case HS_KS_E_AUTH:
		return ("keystore altered or damaged");
	case HS_KS_E_EXISTS:
		return ("already exists");
	case HS_KS_E_FULL:
		return ("keystore full");
	case HS_KS_E_NOKEY:
		return ("no such key");
	case HS_KS_E_CRYPTO:
		return ("cryptographic library failure");
	}
	return ("unknown error");
}

static void	fail(char *err, size_t errlen, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

static void
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

int
hs_ks_master_parse(const char *text, uint8_t mk[HS_KS_MASTER_LEN])
{
	size_t	i;
	int	hi, lo;

	if (text == NULL || strlen(text) != 2 * HS_KS_MASTER_LEN)
		return (-1);
	for (i = 0; i < HS_KS_MASTER_LEN; i++) {
		if ((hi = hexval(text[2 * i])) < 0 ||
		    (lo = hexval(text[2 * i + 1])) < 0) {
			OPENSSL_cleanse(mk, HS_KS_MASTER_LEN);
			return (-1);
		}
		mk[i] = (uint8_t)(hi << 4 | lo);
	}
	return (0);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint64_t
get64(const uint8_t *p)
{
	return ((uint64_t)get32(p) << 32 | get32(p + 4));
}

static int
key_check(const uint8_t mk[HS_KS_MASTER_LEN], uint8_t out[8])
{
	uint8_t		mac[EVP_MAX_MD_SIZE];
	unsigned	len = 0;

	if (HMAC(EVP_sha256(), mk, HS_KS_MASTER_LEN,
	    (const unsigned char *)kcv_label, sizeof(kcv_label) - 1, mac,
	    &len) == NULL || len < 8)
		return (-1);
	memcpy(out, mac, 8);
	OPENSSL_cleanse(mac, sizeof(mac));
	return (0);
}

/* AES-256-GCM one shot; enc = 1 seals, 0 opens (then 0 = tag ok). */
static int
gcm(int enc, const uint8_t mk[HS_KS_MASTER_LEN], const uint8_t *nonce,
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len,
    uint8_t *out, uint8_t tag[TAG_LEN])
{
	EVP_CIPHER_CTX	*ctx;
	int		 n, ok;

	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return (-1);
	ok = EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL,
	    enc) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN,
	    NULL) == 1 &&
	    EVP_CipherInit_ex(ctx, NULL, NULL, mk, nonce, enc) == 1 &&
	    EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen) == 1 &&
	    EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1 &&
	    (size_t)n == len;
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
		    tag) == 1;
	if (ok)
		ok = EVP_CipherFinal_ex(ctx, out + len, &n) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
		    tag) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return (ok ? 0 : -1);
}

static int
read_file(const char *path, uint8_t *buf, size_t max, size_t *len,
    char *err, size_t errlen)
{
	struct stat	st;
	ssize_t		n;
	size_t		off = 0;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fail(err, errlen, "keystore %s: cannot open: %s", path,
		    strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		fail(err, errlen, "keystore %s: %s", path, strerror(errno));
		close(fd);
		return (-1);
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)max) {
		fail(err, errlen, "keystore %s: %s", path,
		    !S_ISREG(st.st_mode) ? "not a regular file" :
		    "larger than any keystore");
		close(fd);
		return (-1);
	}
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			fail(err, errlen, "keystore %s: read failed: %s", path,
			    n == 0 ? "file shrank" : strerror(errno));
			close(fd);
			return (-1);
		}
		off += (size_t)n;
	}
	close(fd);
	*len = off;
	return (0);
}

/* Decode a plaintext body into ks; -1 when any entry is out of range. */
static int
parse_body(const uint8_t *p, size_t len, struct hs_ks *ks)
{
	const struct hs_ks_key	*k;
	const uint8_t		*e;
	uint32_t		 i, j;

	if (len < 12)
		return (-1);
	ks->generation = get64(p);
	ks->nkeys = get32(p + 8);
	if (ks->nkeys > HS_KS_KEYS_MAX || len != 12 + ks->nkeys * ENTRY_LEN)
		return (-1);
	for (i = 0; i < ks->nkeys; i++) {
		e = p + 12 + i * ENTRY_LEN;
		ks->keys[i].sgc = get32(e);
		ks->keys[i].krn = e[4];
		ks->keys[i].dkga = e[5];
		ks->keys[i].vklen = e[6];
		ks->keys[i].origin = e[7];
		ks->keys[i].created = (int64_t)get64(e + 8);
		memcpy(ks->keys[i].vk, e + 16, HS_KS_VK_MAX);
		k = &ks->keys[i];
		if (k->sgc > 999999 || k->krn > 15 ||
		    !((k->dkga == 2 && k->vklen == 8) ||
		    (k->dkga == 4 && k->vklen == 20)) ||
		    (k->origin != HS_KS_ORIGIN_GENERATED &&
		    k->origin != HS_KS_ORIGIN_IMPORTED))
			return (-1);
		for (j = 0; j < i; j++)
			if (ks->keys[j].sgc == k->sgc &&
			    ks->keys[j].krn == k->krn)
				return (-1);
	}
	return (0);
}

enum hs_ks_err
hs_ks_load(const char *path, const uint8_t mk[HS_KS_MASTER_LEN],
    struct hs_ks *ks, char *err, size_t errlen)
{
	uint8_t		*buf, *plain = NULL, kcv[8];
	struct hs_ks	*tmp = NULL;
	size_t		 len;
	uint32_t	 ctlen;
	enum hs_ks_err	 rv;

	if ((buf = malloc(FILE_MAX + 1)) == NULL) {
		fail(err, errlen, "keystore %s: out of memory", path);
		return (HS_KS_E_IO);
	}
	if (read_file(path, buf, FILE_MAX, &len, err, errlen) == -1) {
		rv = HS_KS_E_IO;
		goto out;
	}
	rv = HS_KS_E_FORMAT;
	if (len < HDR_LEN + TAG_LEN || memcmp(buf, MAGIC, 8) != 0) {
		fail(err, errlen, "keystore %s: not a HydroSync keystore "
		    "(bad magic or shorter than a header)", path);
		goto out;
	}
	if (get32(buf + 8) != VERSION || get32(buf + 12) != CIPHER_GCM) {
		fail(err, errlen, "keystore %s: format version %u, cipher %u; "
		    "this build reads version %u, cipher %u only", path,
		    get32(buf + 8), get32(buf + 12), VERSION, CIPHER_GCM);
		rv = HS_KS_E_VERSION;
		goto out;
	}
	ctlen = get32(buf + 36);
	if (ctlen > BODY_MAX || len != HDR_LEN + (size_t)ctlen + TAG_LEN) {
		fail(err, errlen, "keystore %s: truncated or padded (%zu "
		    "bytes, header says %u of ciphertext)", path, len, ctlen);
		goto out;
	}
	if (key_check(mk, kcv) == -1) {
		fail(err, errlen, "keystore %s: HMAC failed", path);
		rv = HS_KS_E_CRYPTO;
		goto out;
	}
	if (CRYPTO_memcmp(kcv, buf + 16, 8) != 0) {
		fail(err, errlen, "keystore %s: wrong master key (its check "
		    "value does not match the one sealed in the file)", path);
		rv = HS_KS_E_MASTER;
		goto out;
	}
	if ((plain = malloc(BODY_MAX + 16)) == NULL ||
	    (tmp = malloc(sizeof(*tmp))) == NULL) {
		fail(err, errlen, "keystore %s: out of memory", path);
		rv = HS_KS_E_IO;
		goto out;
	}
	if (gcm(0, mk, buf + 24, buf, HDR_LEN, buf + HDR_LEN, ctlen, plain,
	    buf + HDR_LEN + ctlen) == -1) {
		fail(err, errlen, "keystore %s: authentication failed: the "
		    "file was altered or damaged (the master key is right)",
		    path);
		rv = HS_KS_E_AUTH;
		goto out;
	}
	memset(tmp, 0, sizeof(*tmp));
	if (parse_body(plain, ctlen, tmp) == -1) {
		fail(err, errlen, "keystore %s: authenticated but its entries "
		    "are malformed", path);
		goto out;
	}
	memcpy(ks, tmp, sizeof(*ks));
	rv = HS_KS_OK;
out:
	if (plain != NULL) {
		OPENSSL_cleanse(plain, BODY_MAX + 16);
		free(plain);
	}
	if (tmp != NULL) {
		OPENSSL_cleanse(tmp, sizeof(*tmp));
		free(tmp);
	}
	free(buf);
	return (rv);
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/* fsync the directory holding path, so the rename itself is durable. */
static int
sync_dir(const char *path)
{
	char	dir[PATH_MAX];
	char	*slash;
	int	fd, rv;

	if (strlen(path) >= sizeof(dir))
		return (-1);
	strcpy(dir, path);
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	rv = fsync(fd);
	close(fd);
	return (rv);
}

static size_t
seal(const uint8_t mk[HS_KS_MASTER_LEN], const struct hs_ks *ks, uint8_t *buf)
{
	uint8_t		*plain, *e;
	size_t		 len = 12 + ks->nkeys * ENTRY_LEN;
	uint32_t	 i;

	if ((plain = calloc(1, BODY_MAX)) == NULL)
		return (0);
	put64(plain, ks->generation);
	put32(plain + 8, ks->nkeys);
	for (i = 0; i < ks->nkeys; i++) {
		e = plain + 12 + i * ENTRY_LEN;
		put32(e, ks->keys[i].sgc);
		e[4] = ks->keys[i].krn;
		e[5] = ks->keys[i].dkga;
		e[6] = ks->keys[i].vklen;
		e[7] = ks->keys[i].origin;
		put64(e + 8, (uint64_t)ks->keys[i].created);
		memcpy(e + 16, ks->keys[i].vk, HS_KS_VK_MAX);
	}
	memcpy(buf, MAGIC, 8);
	put32(buf + 8, VERSION);
	put32(buf + 12, CIPHER_GCM);
	put32(buf + 36, (uint32_t)len);
	if (key_check(mk, buf + 16) == -1 ||
	    RAND_bytes(buf + 24, NONCE_LEN) != 1 ||
	    gcm(1, mk, buf + 24, buf, HDR_LEN, plain, len, buf + HDR_LEN,
	    buf + HDR_LEN + len) == -1)
		len = 0;
	else
		len += HDR_LEN + TAG_LEN;
	OPENSSL_cleanse(plain, BODY_MAX);
	free(plain);
	return (len);
}

enum hs_ks_err
hs_ks_save(const char *path, const uint8_t mk[HS_KS_MASTER_LEN],
    struct hs_ks *ks, int create, char *err, size_t errlen)
{
	char		 tmp[PATH_MAX];
	uint8_t		*buf;
	size_t		 len;
	int		 fd, saved;
	enum hs_ks_err	 rv = HS_KS_E_IO;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >=
	    (int)sizeof(tmp)) {
		fail(err, errlen, "keystore %s: path too long", path);
		return (HS_KS_E_ARG);
	}
	if ((buf = calloc(1, FILE_MAX)) == NULL) {
		fail(err, errlen, "keystore %s: out of memory", path);
		return (HS_KS_E_IO);
	}
	ks->generation++;
	if ((len = seal(mk, ks, buf)) == 0) {
		fail(err, errlen, "keystore %s: sealing failed", path);
		free(buf);
		return (HS_KS_E_CRYPTO);
	}
	/* mkstemp creates the file 0600: only the owner reads keys. */
	if ((fd = mkstemp(tmp)) == -1) {
		fail(err, errlen, "keystore %s: cannot create a temporary file "
		    "next to it: %s", path, strerror(errno));
		free(buf);
		return (HS_KS_E_IO);
	}
	if (write_all(fd, buf, len) == -1 || fsync(fd) == -1) {
		saved = errno;
		close(fd);
		fail(err, errlen, "keystore %s: writing %s failed: %s", path,
		    tmp, strerror(saved));
		goto out;
	}
	if (close(fd) == -1) {
		fail(err, errlen, "keystore %s: closing %s failed: %s", path,
		    tmp, strerror(errno));
		goto out;
	}
	if (create ? link(tmp, path) : rename(tmp, path)) {
		saved = errno;
		if (create && saved == EEXIST) {
			fail(err, errlen, "keystore %s already exists; "
			    "refusing to overwrite it", path);
			rv = HS_KS_E_EXISTS;
		} else
			fail(err, errlen, "keystore %s: cannot put the new "
			    "file in place: %s", path, strerror(saved));
		goto out;
	}
	if (sync_dir(path) == -1) {
		fail(err, errlen, "keystore %s: written, but syncing its "
		    "directory failed: %s", path, strerror(errno));
		goto out;
	}
	rv = HS_KS_OK;
out:
	if (create || rv != HS_KS_OK)
		unlink(tmp);
	free(buf);
	if (rv != HS_KS_OK)
		ks->generation--;
	return (rv);
}

int
hs_ks_lock(const char *path, char *err, size_t errlen)
{
	char	lock[PATH_MAX];
	int	fd;

	if (snprintf(lock, sizeof(lock), "%s.lock", path) >=
	    (int)sizeof(lock)) {
		fail(err, errlen, "keystore %s: path too long", path);
		return (-1);
	}
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		fail(err, errlen, "keystore lock %s: %s", lock,
		    strerror(errno));
		return (-1);
	}
	if (flock(fd, LOCK_EX) == -1) {
		fail(err, errlen, "keystore lock %s: %s", lock,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	return (fd);
}

const struct hs_ks_key *
hs_ks_find(const struct hs_ks *ks, uint32_t sgc, uint8_t krn)
{
	uint32_t	i;

	for (i = 0; i < ks->nkeys; i++)
		if (ks->keys[i].sgc == sgc && ks->keys[i].krn == krn)
			return (&ks->keys[i]);
	return (NULL);
}

enum hs_ks_err
hs_ks_add(struct hs_ks *ks, const struct hs_ks_key *key, int replace)
{
	struct hs_ks_key	*slot = NULL;
	uint32_t		 i;

	if (key->sgc > 999999 || key->krn > 15 ||
	    !((key->dkga == 2 && key->vklen == 8) ||
	    (key->dkga == 4 && key->vklen == 20)))
		return (HS_KS_E_ARG);
	for (i = 0; i < ks->nkeys && slot == NULL; i++)
		if (ks->keys[i].sgc == key->sgc && ks->keys[i].krn == key->krn)
			slot = &ks->keys[i];
	if (slot != NULL && !replace)
		return (HS_KS_E_EXISTS);
	if (slot == NULL) {
		if (ks->nkeys == HS_KS_KEYS_MAX)
			return (HS_KS_E_FULL);
		slot = &ks->keys[ks->nkeys++];
	}
	*slot = *key;
	memset(slot->vk + slot->vklen, 0, HS_KS_VK_MAX - slot->vklen);
	return (HS_KS_OK);
}

void
hs_ks_wipe(struct hs_ks *ks)
{
	OPENSSL_cleanse(ks, sizeof(*ks));
}
