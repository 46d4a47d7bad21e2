/*
 * AES-128 encryption of one block (FIPS-197), the only AES direction the
 * meter needs: CMAC, the grant and session key derivations and the meter
 * nonces all run the cipher forwards.
 *
 * Sized for an ATmega328P: the round keys are computed on the fly (16
 * bytes of state instead of a 176-byte schedule) and the only table is
 * the 256-byte S-box, kept in flash on the AVR.
 */
#ifndef HS_AES_H
#define HS_AES_H

#include <stdint.h>

#define HS_AES_BLOCK	16

/* out = AES-128_key(in); in and out may be the same buffer. */
void	hs_aes128_encrypt(const uint8_t key[16], const uint8_t in[16],
	    uint8_t out[16]);

#endif /* HS_AES_H */
