/*
 * Chat over plain HTTP, for what a WebSocket frame is wrong for: the
 * inbox and history pages (also usable without a socket), photo
 * attachments (a meter photo: JPEG, PNG or WebP, checked by its magic
 * bytes, at most 1 MiB), and staff's canned replies.
 */
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>

#include "api/result.h"
#include "http/body.h"
#include "http/routes.h"
#include "vend/vend.h"

#define PHOTO_MAX	(1024 * 1024)

static int
reader(struct hs_req *r, char *out, size_t len)
{
	if (r->who.role == HS_ROLE_CUSTOMER)
		return (snprintf(out, len, "customer:%lld",
		    (long long)r->who.customer_id));
	return (snprintf(out, len, "user:%lld", (long long)r->who.user_id));
}

/* GET /api/v1/chat/conversations: the inbox with unread counts. */
int
hs_chat_list_http(struct hs_req *r)
{
	char		 utility[24], only[24], who[48], limit[8], offset[16];
	const char	*params[5];

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (hs_api_paging(r, limit, offset) == -1)
		return (HS_DONE);
	params[1] = hs_api_scope(r, utility, only);
	params[0] = utility;
	reader(r, who, sizeof(who));
	params[2] = who;
	params[3] = limit;
	params[4] = offset;
	return (hs_req_query(r, "SELECT hs_chat_list($1, $2, $3, $4, $5)", 5,
	    params));
}

static const char *
id_arg(struct hs_req *r, const char *name, char *buf, size_t len)
{
	if (hs_req_arg(r, name, buf, len) == -1 || buf[0] == '\0' ||
	    strlen(buf) > 18 || strspn(buf, "0123456789") != strlen(buf))
		return (NULL);
	return (buf);
}

/* GET /api/v1/chat/conversations/{id}/messages?before=|after=&limit= */
int
hs_chat_messages_http(struct hs_req *r)
{
	char		 utility[24], only[24], id[24], before[24], after[24];
	char		 limit[8];
	const char	*params[6];

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	params[2] = hs_api_scope(r, utility, only);
	params[0] = utility;
	params[1] = id;
	params[3] = id_arg(r, "after", after, sizeof(after));
	params[4] = id_arg(r, "before", before, sizeof(before));
	if (id_arg(r, "limit", limit, sizeof(limit)) == NULL ||
	    atoi(limit) < 1 || atoi(limit) > 200)
		snprintf(limit, sizeof(limit), "50");
	params[5] = limit;
	return (hs_req_query(r, "SELECT jsonb_build_object('items', "
	    "hs_chat_messages($1, $2, $3, $4, $5, $6::integer)) WHERE EXISTS "
	    "(SELECT 1 FROM chat_conversations WHERE id = $2 AND utility_id = "
	    "$1 AND ($3::bigint IS NULL OR customer_id = $3))", 6, params));
}

/*
 * POST /api/v1/chat/conversations/{id}/attachments: the photo is the
 * body, its Content-Type must match what its bytes are.
 */
int
hs_chat_attach_http(struct hs_req *r)
{
	const unsigned char	*body;
	const char		*type, *declared, *params[6];
	char			 utility[24], only[24], id[24], *hex;
	size_t			 len, i;
	int			 rc;

	if (r->phase > 0)
		return (hs_api_result(r, 201));
	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	body = hs_req_body(r, &len);
	declared = hs_req_header(r, "content-type");
	if (len == 0 || len > PHOTO_MAX)
		return (hs_reply_error(r, 413, "too_large", "a photo must be 1 "
		    "byte to 1 MiB", NULL));
	if ((type = hs_body_photo_type(body, len)) == NULL || declared == NULL ||
	    strcmp(declared, type))
		return (hs_reply_error(r, 415, "unsupported_media_type", "send "
		    "a JPEG, PNG or WebP photo with its own Content-Type",
		    NULL));
	params[2] = hs_api_scope(r, utility, only);
	params[0] = utility;
	params[1] = id;
	params[3] = type;
	if ((hex = malloc(len * 2 + 3)) == NULL)
		fatal("attach: out of memory");
	hex[0] = '\\';
	hex[1] = 'x';
	for (i = 0; i < len; i++)
		snprintf(hex + 2 + i * 2, 3, "%02x", body[i]);
	params[4] = hex;
	params[5] = r->who.actor;
	rc = hs_req_query(r, "SELECT hs_chat_attach($1, $2, $3, $4, "
	    "$5::bytea, $6)", 6, params);
	free(hex);
	return (rc);
}

/* GET /api/v1/chat/attachments/{id}: the photo itself. */
int
hs_chat_attachment_http(struct hs_req *r)
{
	char		 utility[24], only[24], id[24];
	const char	*params[3];
	unsigned char	*bytes;
	size_t		 n;
	int		 rc;

	if (r->phase == 0) {
		if (hs_api_id(r, 0, id) == -1)
			return (HS_DONE);
		params[2] = hs_api_scope(r, utility, only);
		params[0] = utility;
		params[1] = id;
		return (hs_req_query(r, "SELECT mime, data FROM "
		    "hs_chat_attachment($1, $2, $3) WHERE mime IS NOT NULL", 3,
		    params));
	}
	if (r->error[0] != '\0')
		return (hs_vend_db_error(r));
	if (PQntuples(r->res) != 1)
		return (hs_reply_error(r, 404, "not_found", "no such record",
		    NULL));
	bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(r->res, 0,
	    1), &n);
	if (bytes == NULL)
		return (hs_reply_error(r, 500, "internal", "attachment", NULL));
	http_response_header(r->http, "cache-control", "private, max-age=86400");
	rc = hs_reply(r, 200, PQgetvalue(r->res, 0, 0), bytes, n);
	PQfreemem(bytes);
	return (rc);
}

/* GET /api/v1/chat/canned: staff's ready answers. */
int
hs_chat_canned_list_http(struct hs_req *r)
{
	char		 utility[24], only[24];
	const char	*params[1];

	if (r->phase > 0)
		return (hs_api_result(r, 200));
	(void)hs_api_scope(r, utility, only);
	params[0] = utility;
	return (hs_req_query(r, "SELECT hs_chat_canned_list($1)", 1, params));
}

struct canned_body {
	char	title[101];
	char	body[2001];
};

static const struct hs_field canned_fields[] = {
	{ "title", HS_F_STRING, offsetof(struct canned_body, title), 1, 100, 1,
	    NULL },
	{ "body", HS_F_STRING, offsetof(struct canned_body, body), 1, 2000, 1,
	    NULL },
};

/* POST /api/v1/chat/canned (admin). */
int
hs_chat_canned_create_http(struct hs_req *r)
{
	struct canned_body	 b;
	char			 utility[24], only[24];
	const char		*params[4];
	uint32_t		 present;

	if (r->phase > 0) {
		if (!strcmp(r->sqlstate, "23505"))
			return (hs_reply_error(r, 409, "conflict", "a canned "
			    "reply with this title exists", "title"));
		return (hs_api_result(r, 201));
	}
	memset(&b, 0, sizeof(b));
	if (hs_body_parse(r, canned_fields, 2, &b, &present) == -1)
		return (HS_DONE);
	(void)hs_api_scope(r, utility, only);
	params[0] = r->who.actor;
	params[1] = utility;
	params[2] = b.title;
	params[3] = b.body;
	return (hs_req_query(r, "SELECT hs_chat_canned_create($1, $2, $3, $4)",
	    4, params));
}
