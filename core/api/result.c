#include <stdlib.h>
#include <string.h>

#include "api/result.h"

int
hs_api_result(struct hs_req *r, int ok_status)
{
	char		 field[64], msg[600];
	const char	*colon;
	size_t		 n;

	if (r->error[0] != '\0') {
		if (!strcmp(r->sqlstate, "23505"))
			return (hs_reply_error(r, 409, "conflict", "a record "
			    "with this number already exists", "number"));
		if (!strcmp(r->sqlstate, "HS422")) {
			/* "ERROR:  field: message" from RAISE. */
			const char *m = strstr(r->error, "ERROR:");
			m = m ? m + 6 : r->error;
			while (*m == ' ')
				m++;
			colon = strchr(m, ':');
			n = colon ? (size_t)(colon - m) : 0;
			if (n >= sizeof(field))
				n = 0;
			memcpy(field, m, n);
			field[n] = '\0';
			snprintf(msg, sizeof(msg), "%s", colon ? colon + 2 : m);
			msg[strcspn(msg, "\n")] = '\0';
			return (hs_reply_error(r, 422, "invalid_field", msg,
			    n ? field : NULL));
		}
		if (!strncmp(r->sqlstate, "23", 2) ||
		    !strncmp(r->sqlstate, "22", 2))
			return (hs_reply_error(r, 422, "invalid_field", "a "
			    "value is out of range or malformed", NULL));
		return (hs_reply_error(r, 503, "unavailable", "the database "
		    "did not answer; try again", NULL));
	}
	if (PQntuples(r->res) != 1 || PQgetisnull(r->res, 0, 0))
		return (hs_reply_error(r, 404, "not_found", "no such record",
		    NULL));
	return (hs_reply(r, ok_status, "application/json",
	    PQgetvalue(r->res, 0, 0), (size_t)PQgetlength(r->res, 0, 0)));
}

static int
number_arg(struct hs_req *r, const char *name, long min, long max,
    long def, char *out, size_t len)
{
	char	buf[32], *end, msg[96];
	long	v;

	if (hs_req_arg(r, name, buf, sizeof(buf)) == -1) {
		snprintf(out, len, "%ld", def);
		return (0);
	}
	v = strtol(buf, &end, 10);
	if (*buf == '\0' || *end != '\0' || v < min || v > max) {
		snprintf(msg, sizeof(msg), "%s must be a number from %ld to "
		    "%ld", name, min, max);
		hs_reply_error(r, 422, "invalid_argument", msg, name);
		return (-1);
	}
	snprintf(out, len, "%ld", v);
	return (0);
}

int
hs_api_paging(struct hs_req *r, char limit[8], char offset[16])
{
	if (number_arg(r, "limit", 1, 200, 50, limit, 8) == -1 ||
	    number_arg(r, "offset", 0, 10000000, 0, offset, 16) == -1)
		return (-1);
	return (0);
}

int
hs_api_id(struct hs_req *r, int param, char out[24])
{
	const char	*s = r->params[param];
	size_t		 i, len = strlen(s);

	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			break;
	}
	if (len == 0 || len > 18 || i != len || s[0] == '0') {
		hs_reply_error(r, 404, "not_found", "no such record", NULL);
		return (-1);
	}
	memcpy(out, s, len + 1);
	return (0);
}
