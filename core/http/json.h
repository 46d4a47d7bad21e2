/*
 * A streaming JSON writer over a kore_buf.  It tracks whether a comma is
 * due, escapes strings per RFC 8259, and never allocates beyond the buffer,
 * which is all the API's responses need (and faster than building a tree).
 */
#ifndef HS_JSON_H
#define HS_JSON_H

#include <stdint.h>

#include <kore/kore.h>

#define HS_JSON_DEPTH	16

struct hs_json {
	struct kore_buf	*buf;
	int		 depth;
	int		 first[HS_JSON_DEPTH];
	int		 after_key;
};

void	hs_json_init(struct hs_json *, struct kore_buf *);
void	hs_json_object(struct hs_json *);	/* { */
void	hs_json_array(struct hs_json *);	/* [ */
void	hs_json_end_object(struct hs_json *);
void	hs_json_end_array(struct hs_json *);
void	hs_json_key(struct hs_json *, const char *);
void	hs_json_string(struct hs_json *, const char *);
void	hs_json_stringn(struct hs_json *, const char *, size_t);
void	hs_json_int(struct hs_json *, int64_t);
void	hs_json_bool(struct hs_json *, int);
void	hs_json_null(struct hs_json *);
/* A value that is already JSON text (from PostgreSQL's json functions). */
void	hs_json_raw(struct hs_json *, const char *);

/* key + value shorthands */
void	hs_json_kstr(struct hs_json *, const char *, const char *);
void	hs_json_kint(struct hs_json *, const char *, int64_t);
void	hs_json_kbool(struct hs_json *, const char *, int);

#endif
