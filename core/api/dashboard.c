/*
 * GET /api/v1/dashboard: the staff console's first screen in one query
 * (revenue and vends today and over 7 days, purchases waiting, meters low
 * on credit, failed deliveries, open chats; migration 0015).
 *
 * GET /api/v1/audit/verify: the audit chain checked by the server.
 */
#include <stdio.h>

#include "api/result.h"
#include "http/routes.h"

int
hs_api_dashboard(struct hs_req *r)
{
	char		 utility[24];
	const char	*params[1];

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = utility;
	return (hs_req_query(r, "SELECT hs_api_dashboard($1)", 1, params));
}

int
hs_api_audit_verify(struct hs_req *r)
{
	if (r->phase > 0)
		return (hs_api_result(r, 200));
	return (hs_req_query(r, "SELECT hs_api_audit_verify()", 0, NULL));
}
