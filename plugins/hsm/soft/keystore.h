/*
 * The soft HSM's keystore: vending keys in one file sealed with a master
 * key (AES-256-GCM).  Compiled into the soft plugin, which only reads it,
 * and into the hydrosync CLI, which creates and updates it.
 *
 * File format, version 1 (all integers big-endian):
 *
 *	offset	size	field
 *	0	8	magic "HSKEYST1"
 *	8	4	format version (1)
 *	12	4	cipher (1 = AES-256-GCM)
 *	16	8	master key check value: HMAC-SHA-256(master key,
 *			"hydrosync keystore key check v1"), first 8 bytes
 *	24	12	GCM nonce, fresh from the CSPRNG on every write
 *	36	4	ciphertext length n
 *	40	n	ciphertext
 *	40+n	16	GCM tag
 *
 * Bytes 0..39 are the GCM additional data, so no header field can be
 * changed without the tag failing.  The plaintext is a u64 generation
 * (bumped on every write), a u32 key count and that many 40-byte entries:
 * sgc u32, krn u8, dkga u8, vk length u8, origin u8, created i64 (Unix
 * seconds), vk[20], 4 zero bytes.
 *
 * The check value lets a wrong master key be told apart from a damaged
 * file; it reveals nothing useful about the key (it is a MAC output).
 * Loading decrypts into a scratch buffer and fills the caller's struct
 * only after the tag and every entry check out, so a failure never leaves
 * a partly read keystore behind.
 *
 * Writes go to a temporary file in the same directory, are fsync()ed and
 * then rename()d over the old file (link() for a new keystore, which
 * refuses to replace one), and the directory is fsync()ed: a crash leaves
 * either the old or the new file, never a torn one.  Concurrent writers
 * serialise on hs_ks_lock(); readers need no lock.
 */
#ifndef HS_HSM_KEYSTORE_H
#define HS_HSM_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#define HS_KS_MASTER_LEN	32
#define HS_KS_VK_MAX		20
#define HS_KS_KEYS_MAX		256

#define HS_KS_ORIGIN_GENERATED	1
#define HS_KS_ORIGIN_IMPORTED	2

enum hs_ks_err {
	HS_KS_OK = 0,
	HS_KS_E_ARG,		/* bad argument (key length, DKGA, SGC...) */
	HS_KS_E_IO,		/* the file cannot be read or written */
	HS_KS_E_FORMAT,		/* not a keystore, or truncated */
	HS_KS_E_VERSION,	/* a format version this code does not know */
	HS_KS_E_MASTER,		/* the master key does not match the file */
	HS_KS_E_AUTH,		/* tag mismatch: altered or damaged file */
	HS_KS_E_EXISTS,		/* keystore or key already exists */
	HS_KS_E_FULL,		/* HS_KS_KEYS_MAX keys */
	HS_KS_E_NOKEY,		/* no such key */
	HS_KS_E_CRYPTO		/* OpenSSL failed */
};

struct hs_ks_key {
	uint32_t	sgc;
	uint8_t		krn;
	uint8_t		dkga;		/* 2 (8-byte VK) or 4 (20-byte VK) */
	uint8_t		vklen;
	uint8_t		origin;		/* HS_KS_ORIGIN_* */
	int64_t		created;
	uint8_t		vk[HS_KS_VK_MAX];
};

struct hs_ks {
	uint64_t	generation;
	uint32_t	nkeys;
	struct hs_ks_key keys[HS_KS_KEYS_MAX];
};

/* Parse a master key given as exactly 64 hex digits.  0 or -1. */
int		hs_ks_master_parse(const char *text, uint8_t mk[HS_KS_MASTER_LEN]);

/* Read and open a keystore; err receives a sentence naming the file. */
enum hs_ks_err	hs_ks_load(const char *path, const uint8_t mk[HS_KS_MASTER_LEN],
		    struct hs_ks *ks, char *err, size_t errlen);

/*
 * Seal and write ks (its generation is bumped first).  create: the file
 * must not exist yet (HS_KS_E_EXISTS otherwise).
 */
enum hs_ks_err	hs_ks_save(const char *path, const uint8_t mk[HS_KS_MASTER_LEN],
		    struct hs_ks *ks, int create, char *err, size_t errlen);

/* Take the writers' lock (PATH.lock, flock); returns an fd or -1. */
int		hs_ks_lock(const char *path, char *err, size_t errlen);

const struct hs_ks_key *hs_ks_find(const struct hs_ks *ks, uint32_t sgc,
		    uint8_t krn);

/* Add a key; replace: overwrite an existing (sgc, krn) entry. */
enum hs_ks_err	hs_ks_add(struct hs_ks *ks, const struct hs_ks_key *key,
		    int replace);

/* Zero every key byte of ks. */
void		hs_ks_wipe(struct hs_ks *ks);

const char	*hs_ks_err_str(enum hs_ks_err);

#endif
