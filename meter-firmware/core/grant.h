/*
 * Access grants: how the server lets one customer's phone open a session
 * with one meter for a limited time without ever giving the phone the
 * meter key.  Server and meter share the per-meter key K.
 *
 *	body (13 bytes)  customer_id u32 | issued u32 | expiry u32 | rights u8
 *	                 (big-endian; times in Unix seconds UTC)
 *	grant key Kg     AES-CMAC_K(0x47 'G' | meter_id u32 | body)
 *
 * The server sends body and Kg to the phone (over TLS, to the customer it
 * authenticated).  The phone sends the body to the meter (GRANT frame),
 * which recomputes Kg; the AUTH exchange then proves the phone holds Kg.
 * A body with any bit changed yields a different Kg, so the body needs no
 * tag of its own.  See docs/ble-protocol.md, "Grants".
 */
#ifndef HS_GRANT_H
#define HS_GRANT_H

#include <stdint.h>

#define HS_GRANT_BODY		13

#define HS_GRANT_R_STATUS	0x01	/* STATUS, INFO */
#define HS_GRANT_R_LOG		0x02	/* LOG pages */
#define HS_GRANT_R_TELEMETRY	0x04	/* TELEMETRY tags */
#define HS_GRANT_R_ALL		0xFF	/* a session under the meter key */

struct hs_grant {
	uint32_t	customer_id;
	uint32_t	issued;		/* server time when issued */
	uint32_t	expiry;		/* first second it is no longer valid */
	uint8_t		rights;		/* HS_GRANT_R_* */
};

void	hs_grant_pack(const struct hs_grant *g, uint8_t body[HS_GRANT_BODY]);
void	hs_grant_unpack(struct hs_grant *g,
	    const uint8_t body[HS_GRANT_BODY]);

/* Kg for a packed body. */
void	hs_grant_key(const uint8_t meter_key[16], uint32_t meter_id,
	    const uint8_t body[HS_GRANT_BODY], uint8_t kg[16]);

/*
 * Server side: pack *g and derive its key.  Returns 0, or -1 when the
 * grant is empty (expiry <= issued, or no rights).
 */
int	hs_grant_issue(const uint8_t meter_key[16], uint32_t meter_id,
	    const struct hs_grant *g, uint8_t body[HS_GRANT_BODY],
	    uint8_t kg[16]);

#endif /* HS_GRANT_H */
