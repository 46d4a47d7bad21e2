/*
 * The administration handlers' (users.c, apikeys.c, tariffs.c) reading
 * of a change's outcome.  hs_api_result maps every unique violation to
 * "number"; here the handler names the field that clashed, and a change
 * that conflicts with a record's state (SQLSTATE 'HS409', "field:
 * message", raised by the 0005 functions) is a 409 too.  Everything else
 * is hs_api_result's.  Inline: these files are the only users.
 */
#ifndef HS_API_ADMIN_RESULT_H
#define HS_API_ADMIN_RESULT_H

#include <string.h>

#include "api/result.h"

static inline int
hs_admin_result(struct hs_req *r, int ok_status, const char *dup_field,
    const char *dup_message)
{
	char		 field[64], msg[600];

	if (r->error[0] == '\0')
		return (hs_api_result(r, ok_status));
	if (!strcmp(r->sqlstate, "23505"))
		return (hs_reply_error(r, 409, "conflict", dup_message,
		    dup_field));
	if (strcmp(r->sqlstate, "HS409"))
		return (hs_api_result(r, ok_status));
	hs_api_raised(r, field, msg);
	return (hs_reply_error(r, 409, "conflict", msg, field[0] ? field :
	    NULL));
}

#endif
