/* /api/v1/audit: the utility's audit log for its administrators. */
#include <string.h>

#include "api/result.h"
#include "http/routes.h"

int
hs_api_audit_list(struct hs_req *r)
{
	char		 utility[24], limit[8], offset[16], before[24];
	const char	*params[3];

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (hs_api_paging(r, limit, offset) == -1)
		return (HS_DONE);
	snprintf(utility, sizeof(utility), "%lld",
	    (long long)r->who.utility_id);
	params[0] = utility;
	params[1] = limit;
	params[2] = NULL;
	if (hs_req_arg(r, "before", before, sizeof(before)) == 0) {
		if (before[0] == '\0' || strlen(before) > 18 ||
		    strspn(before, "0123456789") != strlen(before))
			return (hs_reply_error(r, 422, "invalid_argument",
			    "before must be a sequence number", "before"));
		params[2] = before;
	}
	return (hs_req_query(r, "SELECT hs_api_audit($1, $2, $3)", 3, params));
}
