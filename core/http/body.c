#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>

#include "http/body.h"

static struct kore_json_item *
member(struct kore_json_item *obj, const char *name)
{
	struct kore_json_item	*item;

	TAILQ_FOREACH(item, &obj->data.items, list) {
		if (!strcmp(item->name, name))
			return (item);
	}
	return (NULL);
}

static int
allowed(const char *s, const char *pattern)
{
	for (; *s != '\0'; s++) {
		if (strchr(pattern, *s) == NULL)
			return (0);
	}
	return (1);
}

/* No control characters in text fields: they only ever hide attacks. */
static int
printable(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return (0);
	}
	return (1);
}

int
hs_body_parse(struct hs_req *r, const struct hs_field *fields, size_t n,
    void *out, uint32_t *present)
{
	struct kore_json	 json;
	struct kore_json_item	*item;
	const void		*body;
	const char		*type;
	char			 msg[160];
	size_t			 len, i, slen;
	int			 rc;

	*present = 0;
	type = hs_req_header(r, "content-type");
	if (type == NULL || strncmp(type, "application/json", 16)) {
		hs_reply_error(r, 415, "unsupported_media_type",
		    "send the body as application/json", NULL);
		return (-1);
	}
	body = hs_req_body(r, &len);
	kore_json_init(&json, body, len);
	if (!kore_json_parse(&json)) {
		snprintf(msg, sizeof(msg), "the body is not valid JSON: %s",
		    kore_json_strerror(&json));
		kore_json_cleanup(&json);
		hs_reply_error(r, 400, "bad_json", msg, NULL);
		return (-1);
	}
	if (json.root->type != KORE_JSON_TYPE_OBJECT) {
		kore_json_cleanup(&json);
		hs_reply_error(r, 400, "bad_json", "the body must be a JSON "
		    "object", NULL);
		return (-1);
	}
	/* Unknown fields are refused: a typo must not be silently dropped. */
	TAILQ_FOREACH(item, &json.root->data.items, list) {
		for (i = 0; i < n; i++) {
			if (!strcmp(item->name, fields[i].name))
				break;
		}
		if (i == n) {
			snprintf(msg, sizeof(msg), "unknown field '%.64s'",
			    item->name);
			hs_reply_error(r, 422, "unknown_field", msg,
			    item->name);
			kore_json_cleanup(&json);
			return (-1);
		}
	}

	/* rc: 0 while every field parses, -1 once a refusal was sent. */
	rc = 0;
	for (i = 0; i < n && rc == 0; i++) {
		const struct hs_field	*f = &fields[i];
		char			*dst = (char *)out + f->offset;

		item = member(json.root, f->name);
		if (item == NULL || (item->type == KORE_JSON_TYPE_LITERAL &&
		    item->data.literal == KORE_JSON_NULL)) {
			if (item != NULL && !f->required &&
			    f->type == HS_F_STRING) {
				*present |= 1u << i;	/* explicit null */
				dst[0] = '\0';
				continue;
			}
			if (item == NULL && !f->required)
				continue;
			{
				snprintf(msg, sizeof(msg), "'%s' is required",
				    f->name);
				hs_reply_error(r, 422, "missing_field",
				    msg, f->name);
				rc = -1;
				break;
			}
		}
		switch (f->type) {
		case HS_F_STRING:
			if (item->type != KORE_JSON_TYPE_STRING) {
				snprintf(msg, sizeof(msg), "'%s' must be a "
				    "string", f->name);
				hs_reply_error(r, 422, "invalid_field",
				    msg, f->name);
				rc = -1;
				break;
			}
			slen = strlen(item->data.string);
			if ((int64_t)slen < f->min || (int64_t)slen > f->max ||
			    !printable(item->data.string) ||
			    (f->pattern != NULL &&
			    !allowed(item->data.string, f->pattern))) {
				snprintf(msg, sizeof(msg), "'%s' must be %lld "
				    "to %lld characters%s", f->name,
				    (long long)f->min, (long long)f->max,
				    f->pattern ? " of the allowed set" : "");
				hs_reply_error(r, 422, "invalid_field",
				    msg, f->name);
				rc = -1;
				break;
			}
			memcpy(dst, item->data.string, slen + 1);
			break;
		case HS_F_INT:
			/*
			 * Kore types a non-negative integer as unsigned
			 * 64-bit and only a negative one as signed.
			 */
			if (item->type == KORE_JSON_TYPE_INTEGER_U64) {
				if (item->data.u64 > (uint64_t)INT64_MAX)
					item->data.s64 = INT64_MAX;
				else
					item->data.s64 =
					    (int64_t)item->data.u64;
				item->type = KORE_JSON_TYPE_INTEGER;
			}
			if (item->type != KORE_JSON_TYPE_INTEGER ||
			    item->data.s64 < f->min ||
			    item->data.s64 > f->max) {
				snprintf(msg, sizeof(msg), "'%s' must be a "
				    "whole number from %lld to %lld", f->name,
				    (long long)f->min, (long long)f->max);
				hs_reply_error(r, 422, "invalid_field",
				    msg, f->name);
				rc = -1;
				break;
			}
			memcpy(dst, &item->data.s64, sizeof(int64_t));
			break;
		case HS_F_BOOL:
			if (item->type != KORE_JSON_TYPE_LITERAL ||
			    item->data.literal == KORE_JSON_NULL) {
				snprintf(msg, sizeof(msg), "'%s' must be true "
				    "or false", f->name);
				hs_reply_error(r, 422, "invalid_field",
				    msg, f->name);
				rc = -1;
				break;
			}
			*(int *)(void *)dst =
			    item->data.literal == KORE_JSON_TRUE;
			break;
		}
		if (rc == 0)
			*present |= 1u << i;
	}
	kore_json_cleanup(&json);
	return (rc == 0 ? 0 : -1);
}

const char *
hs_body_photo_type(const unsigned char *b, size_t n)
{
	if (n > 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
		return ("image/jpeg");
	if (n > 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8))
		return ("image/png");
	if (n > 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4))
		return ("image/webp");
	return (NULL);
}

char *
hs_body_bytea(const unsigned char *b, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	char			*out;
	size_t			 i;

	if ((out = malloc(n * 2 + 3)) == NULL)
		fatal("bytea: out of memory");
	out[0] = '\\';
	out[1] = 'x';
	for (i = 0; i < n; i++) {
		out[2 + i * 2] = hex[b[i] >> 4];
		out[3 + i * 2] = hex[b[i] & 15];
	}
	out[2 + n * 2] = '\0';
	return (out);
}
