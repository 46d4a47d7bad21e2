/*
 * Shared by the JSON API handlers: turning a query's outcome into the
 * reply, and reading paging arguments.
 */
#ifndef HS_API_RESULT_H
#define HS_API_RESULT_H

#include "http/router.h"

/*
 * Reply with the single JSON value the last query returned (status
 * ok_status), 404 when it is NULL, or the error mapped to HTTP: unique
 * violation 409, our validation errors (SQLSTATE HS422, "field: message")
 * and constraint violations 422, anything else 503.  A list asked for
 * with ?format=csv is answered as CSV: every list can be exported.
 */
int	hs_api_result(struct hs_req *r, int ok_status);

/* limit (1..200, default 50) and offset (>= 0); -1 after a 422 reply. */
int	hs_api_paging(struct hs_req *r, char limit[8], char offset[16]);

/* The path's {id} as a positive integer; -1 after a 404 reply. */
int	hs_api_id(struct hs_req *r, int param, char out[24]);

/*
 * Our SQL functions RAISE "field: message" with SQLSTATEs HS404, HS409
 * and HS422.  Split r->error into the field (may be "") and the message.
 */
void	hs_api_raised(const struct hs_req *r, char field[64], char msg[600]);

/*
 * The caller's utility id as text, and for a customer their customer id
 * (the scope every customer-visible query takes): returns only, or NULL
 * for staff and integrators, who see the whole utility.
 */
const char	*hs_api_scope(const struct hs_req *r, char utility[24],
		    char only[24]);

#endif
