/*
 * JSON request bodies, parsed once at the edge into a typed struct.
 * A handler describes its body as a table of fields (name, type, where in
 * the struct, limits, required); hs_body_parse fills the struct or fails
 * with the exact field and reason, so the code behind never sees raw text
 * and a bad request writes nothing.
 */
#ifndef HS_BODY_H
#define HS_BODY_H

#include <stddef.h>
#include <stdint.h>

#include "http/router.h"

#define HS_F_STRING	1	/* char[max + 1] at offset */
#define HS_F_INT	2	/* int64_t at offset, within [min, max] */
#define HS_F_BOOL	3	/* int at offset */

struct hs_field {
	const char	*name;
	int		 type;
	size_t		 offset;
	int64_t		 min;	/* string: min length; int: min value */
	int64_t		 max;	/* string: max length; int: max value */
	int		 required;
	const char	*pattern;	/* string: allowed chars, NULL = any */
};

/*
 * Fill out from the request body.  *present gets one bit per field that
 * was in the body (for partial updates).  On error the reply is written
 * (400/422 with the field) and -1 returned.
 */
int	hs_body_parse(struct hs_req *r, const struct hs_field *fields,
	    size_t nfields, void *out, uint32_t *present);

/* The type a photo's first bytes say it is (JPEG, PNG, WebP), or NULL. */
const char	*hs_body_photo_type(const unsigned char *b, size_t n);

/* Bytes as PostgreSQL's bytea hex input ("\\x..."), to free(). */
char	*hs_body_bytea(const unsigned char *b, size_t n);

#endif
