/*
 * Grant packing and key derivation, shared by the meter (which checks
 * grants) and the server (which issues them).
 */
#include <string.h>

#include "bytes.h"
#include "cmac.h"
#include "grant.h"

void
hs_grant_pack(const struct hs_grant *g, uint8_t body[HS_GRANT_BODY])
{
	hs_put32(body, g->customer_id);
	hs_put32(body + 4, g->issued);
	hs_put32(body + 8, g->expiry);
	body[12] = g->rights;
}

void
hs_grant_unpack(struct hs_grant *g, const uint8_t body[HS_GRANT_BODY])
{
	g->customer_id = hs_get32(body);
	g->issued = hs_get32(body + 4);
	g->expiry = hs_get32(body + 8);
	g->rights = body[12];
}

void
hs_grant_key(const uint8_t meter_key[16], uint32_t meter_id,
    const uint8_t body[HS_GRANT_BODY], uint8_t kg[16])
{
	uint8_t	msg[5 + HS_GRANT_BODY];

	msg[0] = 0x47;
	hs_put32(msg + 1, meter_id);
	memcpy(msg + 5, body, HS_GRANT_BODY);
	hs_cmac(meter_key, msg, sizeof(msg), kg);
}

int
hs_grant_issue(const uint8_t meter_key[16], uint32_t meter_id,
    const struct hs_grant *g, uint8_t body[HS_GRANT_BODY], uint8_t kg[16])
{
	if (g->expiry <= g->issued || g->rights == 0)
		return (-1);
	hs_grant_pack(g, body);
	hs_grant_key(meter_key, meter_id, body, kg);
	return (0);
}
