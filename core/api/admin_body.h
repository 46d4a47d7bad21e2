/*
 * Request bodies with arrays (an API key's permissions, a tariff's
 * blocks), which hs_body_parse's flat field tables cannot describe.  The
 * handler walks the kore_json tree itself; these are the checks
 * hs_body_parse makes on the way in and on each scalar, so both kinds of
 * body answer the same way.  Inline: apikeys.c and tariffs.c are the
 * only users.
 */
#ifndef HS_API_ADMIN_BODY_H
#define HS_API_ADMIN_BODY_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <kore/kore.h>

#include "http/body.h"
#include "http/router.h"

/*
 * Parse the body into json, which must be an object.  0, and the caller
 * owes kore_json_cleanup(); or -1 after the 415/400 reply.
 */
static inline int
hs_admin_body_open(struct hs_req *r, struct kore_json *json)
{
	const char	*type;
	const void	*body;
	char		 msg[160];
	size_t		 len;

	type = hs_req_header(r, "content-type");
	if (type == NULL || strncmp(type, "application/json", 16)) {
		hs_reply_error(r, 415, "unsupported_media_type",
		    "send the body as application/json", NULL);
		return (-1);
	}
	body = hs_req_body(r, &len);
	kore_json_init(json, body, len);
	if (!kore_json_parse(json)) {
		snprintf(msg, sizeof(msg), "the body is not valid JSON: %s",
		    kore_json_strerror(json));
		kore_json_cleanup(json);
		hs_reply_error(r, 400, "bad_json", msg, NULL);
		return (-1);
	}
	if (json->root->type != KORE_JSON_TYPE_OBJECT) {
		kore_json_cleanup(json);
		hs_reply_error(r, 400, "bad_json", "the body must be a JSON "
		    "object", NULL);
		return (-1);
	}
	return (0);
}

/*
 * A whole number within [min, max].  Kore types a non-negative integer
 * as unsigned 64-bit and only a negative one as signed.
 */
static inline int
hs_admin_json_int(const struct kore_json_item *item, int64_t min,
    int64_t max, int64_t *out)
{
	int64_t	v;

	if (item->type == KORE_JSON_TYPE_INTEGER_U64) {
		if (item->data.u64 > (uint64_t)INT64_MAX)
			return (-1);
		v = (int64_t)item->data.u64;
	} else if (item->type == KORE_JSON_TYPE_INTEGER)
		v = item->data.s64;
	else
		return (-1);
	if (v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

/* A string of min..max bytes without control characters. */
static inline int
hs_admin_json_text(const struct kore_json_item *item, size_t min,
    size_t max)
{
	const unsigned char	*s;
	size_t			 len;

	if (item->type != KORE_JSON_TYPE_STRING)
		return (-1);
	len = strlen(item->data.string);
	if (len < min || len > max)
		return (-1);
	for (s = (const unsigned char *)item->data.string; *s != '\0'; s++) {
		if (*s < 0x20 || *s == 0x7f)
			return (-1);
	}
	return (0);
}

static inline int
hs_admin_json_null(const struct kore_json_item *item)
{
	return (item->type == KORE_JSON_TYPE_LITERAL &&
	    item->data.literal == KORE_JSON_NULL);
}

#endif
