/*
 * AES-CMAC (RFC 4493, NIST SP 800-38B) with a streaming interface, so the
 * meter can MAC a telemetry transcript frame by frame without buffering
 * it.  Tags may be truncated by the caller (the protocol uses 4, 6 or 8
 * of the 16 bytes, see docs/ble-protocol.md).
 */
#ifndef HS_CMAC_H
#define HS_CMAC_H

#include <stddef.h>
#include <stdint.h>

struct hs_cmac {
	uint8_t		key[16];
	uint8_t		x[16];		/* CBC chaining value */
	uint8_t		buf[16];	/* pending, not yet chained block */
	uint8_t		n;		/* bytes in buf (0..16) */
};

void	hs_cmac_init(struct hs_cmac *c, const uint8_t key[16]);
void	hs_cmac_update(struct hs_cmac *c, const void *data, size_t len);
/* Writes the 16-byte tag; *c may be reused only after hs_cmac_init(). */
void	hs_cmac_final(struct hs_cmac *c, uint8_t tag[16]);

/* One-shot CMAC over len bytes. */
void	hs_cmac(const uint8_t key[16], const void *data, size_t len,
	    uint8_t tag[16]);

/* 1 if the n bytes at a and b are equal; time depends on n only. */
int	hs_cmac_equal(const uint8_t *a, const uint8_t *b, uint8_t n);

#endif /* HS_CMAC_H */
