#include <ctype.h>
#include <sys/time.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "hydrosync/plugin.h"
#include "http/router.h"
#include "server/server.h"
#include "http/routes.h"
#include "http/json.h"
#include "http/static.h"
#include "auth/session.h"
#include "db/db.h"
#include "obs/log.h"
#include "obs/metrics.h"

/*
 * A ticket is the only thing an asynchronous completion holds on to.  If
 * the client disconnects, Kore frees the request and our onfree clears
 * ticket->req, so a late completion finds NULL instead of freed memory.
 */
struct hs_ticket {
	struct hs_req	*req;
};

static int	diagnostics_on;
static int	access_log = 1;

void
hs_router_setup(int diagnostics, int log_requests)
{
	diagnostics_on = diagnostics;
	access_log = log_requests;
}

const struct hs_route *
hs_router_table(size_t *count)
{
	*count = hs_nroutes;
	return (hs_routes);
}

int
hs_router_nroutes(void)
{
	return ((int)hs_nroutes);
}

void
hs_router_route_info(int id, const char **method, const char **path)
{
	*method = hs_routes[id].method;
	*path = hs_routes[id].path;
}

static uint64_t
now_us(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return ((uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec);
}

static const char *
method_name(int method)
{
	switch (method) {
	case HTTP_METHOD_GET:
		return ("GET");
	case HTTP_METHOD_POST:
		return ("POST");
	case HTTP_METHOD_PUT:
		return ("PUT");
	case HTTP_METHOD_DELETE:
		return ("DELETE");
	case HTTP_METHOD_HEAD:
		return ("HEAD");
	case HTTP_METHOD_PATCH:
		return ("PATCH");
	case HTTP_METHOD_OPTIONS:
		return ("OPTIONS");
	}
	return ("OTHER");
}

/*
 * Match one path against a pattern, segment by segment; "{x}" captures a
 * segment.  Returns 1 on a match with the captures in r.
 */
static int
path_match(const char *pattern, const char *path, struct hs_req *r)
{
	const char	*seg;
	size_t		 len;
	int		 n;

	n = 0;
	while (*pattern != '\0' && *path != '\0') {
		if (*pattern == '{') {
			seg = path;
			while (*path != '\0' && *path != '/')
				path++;
			len = (size_t)(path - seg);
			if (len == 0 || len >= HS_PARAM_MAX ||
			    n == HS_PATH_PARAMS)
				return (0);
			if (r != NULL) {
				memcpy(r->params[n], seg, len);
				r->params[n][len] = '\0';
			}
			n++;
			while (*pattern != '\0' && *pattern != '}')
				pattern++;
			if (*pattern == '}')
				pattern++;
			continue;
		}
		if (*pattern != *path)
			return (0);
		pattern++;
		path++;
	}
	if (*pattern != '\0' || *path != '\0')
		return (0);
	if (r != NULL)
		r->nparams = n;
	return (1);
}

static int
route_visible(const struct hs_route *route)
{
	return (!(route->roles & HS_ROLE_DIAG) || diagnostics_on);
}

/*
 * Find the route; *path_known tells a 405 from a 404.  A path without
 * captures wins over one with them, whatever their order in the table,
 * so /customers/export is never taken for /customers/{id}.
 */
static int
route_find(struct hs_req *r, const char *method, const char *path,
    int *path_known)
{
	size_t		i;
	int		pass, captures;

	*path_known = 0;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < hs_nroutes; i++) {
			captures = strchr(hs_routes[i].path, '{') != NULL;
			if (captures != pass || !route_visible(&hs_routes[i]) ||
			    !path_match(hs_routes[i].path, path, NULL))
				continue;
			*path_known = 1;
			if (strcmp(hs_routes[i].method, method) &&
			    !(method[0] == 'H' &&
			    !strcmp(hs_routes[i].method, "GET")))
				continue;
			path_match(hs_routes[i].path, path, r);
			return ((int)i);
		}
	}
	return (-1);
}

static void
req_onfree(struct http_request *http)
{
	struct hs_req	*r = http_state_get(http);

	if (r == NULL)
		return;
	if (r->ticket != NULL) {
		r->ticket->req = NULL;	/* a late completion frees it */
		r->ticket = NULL;
	}
	if (r->res != NULL)
		PQclear(r->res);
	if (r->http_body != NULL)
		kore_buf_free(r->http_body);
	if (r->data != NULL && r->data_free != NULL)
		r->data_free(r->data);
	r->res = NULL;
	r->http_body = NULL;
	r->data = NULL;
}

static void
finish(struct hs_req *r)
{
	uint64_t	us;

	us = now_us() - r->start_us;
	hs_metrics_request(r->route_id, r->http->status, us);
	if (access_log && r->route != NULL &&
	    strcmp(r->route->path, "/metrics") &&
	    strcmp(r->route->path, "/healthz"))
		hs_log(HS_LOG_INFO, "http.request", "%s %s %d %.3fms",
		    method_name(r->http->method), r->http->path,
		    r->http->status, (double)us / 1000.0);
}

int
hs_dispatch(struct http_request *http)
{
	struct hs_req	*r;
	int		 id, known, rc;
	const char	*method;

	if ((r = http_state_get(http)) == NULL) {
		r = http_state_create(http, sizeof(*r), req_onfree);
		memset(r, 0, sizeof(*r));
		r->http = http;
		r->start_us = now_us();
		r->route_id = -1;
		method = method_name(http->method);
		if ((id = route_find(r, method, http->path, &known)) == -1) {
			if (!known && (http->method == HTTP_METHOD_GET ||
			    http->method == HTTP_METHOD_HEAD) &&
			    hs_static_serve(r, http->path) == 0) {
				finish(r);
				return (KORE_RESULT_OK);
			}
			if (known) {
				http_response_header(http, "allow",
				    "GET, HEAD, POST, PUT, PATCH, DELETE");
				hs_reply_error(r, 405, "method_not_allowed",
				    "this method is not allowed here", NULL);
			} else {
				hs_reply_error(r, 404, "not_found",
				    "no such resource", NULL);
			}
			return (KORE_RESULT_OK);
		}
		r->route_id = id;
		r->route = &hs_routes[id];
	}

	if (!(r->route->roles & (HS_ROLE_PUBLIC | HS_ROLE_DIAG))) {
		rc = hs_auth_resolve(r);
		if (rc == HS_AGAIN)
			return (KORE_RESULT_RETRY);
		if (rc == HS_DONE) {
			finish(r);
			return (KORE_RESULT_OK);
		}
	}
	rc = r->route->handler(r);
	if (rc == HS_AGAIN)
		return (KORE_RESULT_RETRY);
	finish(r);
	return (KORE_RESULT_OK);
}

struct hs_ticket *
hs_req_ticket(struct hs_req *r)
{
	struct hs_ticket	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		fatal("hs_req_ticket: out of memory");
	t->req = r;
	r->ticket = t;
	r->phase++;
	http_request_sleep(r->http);
	return (t);
}

struct hs_req *
hs_ticket_req(struct hs_ticket *t)
{
	return (t->req);
}

void
hs_ticket_resume(struct hs_ticket *t)
{
	if (t->req != NULL) {
		t->req->ticket = NULL;
		http_request_wakeup(t->req->http);
	}
	free(t);
}

static void
req_db_done(void *arg, PGresult *res, const char *error, const char *state)
{
	struct hs_ticket	*t = arg;
	struct hs_req		*r;

	if ((r = hs_ticket_req(t)) == NULL) {
		if (res != NULL)
			PQclear(res);
		free(t);
		return;
	}
	if (r->res != NULL)
		PQclear(r->res);
	r->res = res;
	r->error[0] = '\0';
	if (error != NULL)
		snprintf(r->error, sizeof(r->error), "%s", error);
	snprintf(r->sqlstate, sizeof(r->sqlstate), "%s", state);
	hs_ticket_resume(t);
}

int
hs_req_query(struct hs_req *r, const char *sql, int nparams,
    const char *const *params)
{
	struct hs_ticket	*t;

	t = hs_req_ticket(r);
	if (hs_db_query(sql, nparams, params, req_db_done, t) == -1) {
		/* Queue full: answer as a failed query right away. */
		r->ticket = NULL;
		free(t);
		snprintf(r->error, sizeof(r->error), "database queue full");
		snprintf(r->sqlstate, sizeof(r->sqlstate), "53000");
		if (r->res != NULL)
			PQclear(r->res);
		r->res = NULL;
		http_request_wakeup(r->http);
	}
	return (HS_AGAIN);
}

int
hs_reply(struct hs_req *r, int status, const char *type, const void *body,
    size_t len)
{
	http_response_header(r->http, "content-type", type);
	http_response_header(r->http, "x-content-type-options", "nosniff");
	http_response_header(r->http, "cache-control", "no-store");
	http_response(r->http, status, body, len);
	return (HS_DONE);
}

int
hs_reply_json(struct hs_req *r, int status, struct kore_buf *buf)
{
	return (hs_reply(r, status, "application/json", buf->data,
	    buf->offset));
}

int
hs_reply_error(struct hs_req *r, int status, const char *code,
    const char *message, const char *field)
{
	struct kore_buf	buf;
	struct hs_json	j;

	kore_buf_init(&buf, 256);
	hs_json_init(&j, &buf);
	hs_json_object(&j);
	hs_json_key(&j, "error");
	hs_json_object(&j);
	hs_json_kstr(&j, "code", code);
	hs_json_kstr(&j, "message", message);
	hs_json_kstr(&j, "field", field);
	hs_json_end_object(&j);
	hs_json_end_object(&j);
	hs_reply_json(r, status, &buf);
	kore_buf_cleanup(&buf);
	return (HS_DONE);
}

const char *
hs_req_header(struct hs_req *r, const char *name)
{
	const char	*value;

	if (!http_request_header(r->http, name, &value))
		return (NULL);
	return (value);
}

/*
 * Kore keeps a complete body in http_body but rewinds the buffer before the
 * handler runs (offset 0), so its length is the request's content length.
 */
const void *
hs_req_body(struct hs_req *r, size_t *len)
{
	if (r->http->http_body == NULL || r->http->http_body_fd != -1) {
		*len = 0;
		return ("");
	}
	*len = r->http->content_length;
	return (r->http->http_body->data);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * Query-string parameters are parsed here rather than by Kore, which keeps
 * only parameters declared per route in kore.conf (and we have one route).
 */
int
hs_req_arg(struct hs_req *r, const char *name, char *buf, size_t len)
{
	const char	*p, *end;
	size_t		 nlen, n;
	int		 hi, lo;

	if ((p = r->http->query_string) == NULL)
		return (-1);
	nlen = strlen(name);
	while (*p != '\0') {
		end = strchr(p, '&');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > nlen && !strncmp(p, name, nlen) &&
		    p[nlen] == '=') {
			p += nlen + 1;
			for (n = 0; p < end; p++) {
				if (n + 1 >= len)
					return (-1);
				if (*p == '+') {
					buf[n++] = ' ';
				} else if (*p == '%' && end - p >= 3 &&
				    (hi = hexval(p[1])) >= 0 &&
				    (lo = hexval(p[2])) >= 0) {
					buf[n++] = (char)(hi << 4 | lo);
					p += 2;
				} else {
					buf[n++] = *p;
				}
			}
			buf[n] = '\0';
			return (0);
		}
		p = *end ? end + 1 : end;
	}
	return (-1);
}

/*
 * The client's address: the peer's, or, when the peer is a trusted_proxy,
 * the last address in X-Forwarded-For (the one the proxy itself added;
 * anything before it the client could have written).
 */
void
hs_req_address(struct hs_req *r, char *buf, size_t len)
{
	const struct hs_config	*conf = hs_server_config();
	struct connection	*c = r->http->owner;
	const char		*xff, *last;
	char			 addr[64];
	unsigned char		 bin[16];
	size_t			 i;

	if (c->family == AF_INET)
		inet_ntop(AF_INET, &c->addr.ipv4.sin_addr, buf, len);
	else if (c->family == AF_INET6)
		inet_ntop(AF_INET6, &c->addr.ipv6.sin6_addr, buf, len);
	else
		snprintf(buf, len, "unix");
	for (i = 0; conf != NULL && i < conf->nproxies; i++) {
		if (strcmp(conf->proxies[i], buf))
			continue;
		if ((xff = hs_req_header(r, "x-forwarded-for")) == NULL)
			return;
		last = strrchr(xff, ',');
		last = last ? last + 1 : xff;
		while (*last == ' ')
			last++;
		snprintf(addr, sizeof(addr), "%s", last);
		addr[strcspn(addr, " ")] = '\0';
		if (inet_pton(AF_INET, addr, bin) == 1 ||
		    inet_pton(AF_INET6, addr, bin) == 1)
			snprintf(buf, len, "%s", addr);
		return;
	}
}

size_t
hs_req_headers(struct hs_req *r, struct hs_http_header *out,
    char (*lower)[64], size_t max)
{
	struct http_header	*h;
	size_t			 i, n = 0;

	TAILQ_FOREACH(h, &r->http->req_headers, list) {
		if (n == max)
			break;
		for (i = 0; h->header[i] != '\0' && i < 63; i++)
			lower[n][i] = (char)tolower((unsigned char)h->header[i]);
		lower[n][i] = '\0';
		out[n].name = lower[n];
		out[n].value = h->value;
		n++;
	}
	return (n);
}
