/*
 * HydroSync's router.  Kore sends every request to one handler,
 * hs_dispatch(), which matches it against one route table.  That table is
 * the single truth about what the server serves: the dispatcher, the
 * Prometheus metrics, the role checks and the OpenAPI document all read it.
 *
 * Handlers are small state machines over struct hs_req: they return
 * HS_DONE once a reply is written, or HS_AGAIN after starting something
 * asynchronous (a query, an outbound call); they run again, with r->phase
 * as they left it, when that finishes.
 */
#ifndef HS_ROUTER_H
#define HS_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <libpq-fe.h>

#define HS_DONE		0
#define HS_AGAIN	1

#define HS_PATH_PARAMS	4
#define HS_PARAM_MAX	128

/* Who may call a route. */
#define HS_ROLE_PUBLIC		0x0001u	/* anyone, no session */
#define HS_ROLE_ADMIN		0x0002u
#define HS_ROLE_OPERATOR	0x0004u	/* customer service */
#define HS_ROLE_CASHIER		0x0008u
#define HS_ROLE_TECHNICIAN	0x0010u	/* field readings */
#define HS_ROLE_CUSTOMER	0x0020u	/* only their own accounts */
#define HS_ROLE_INTEGRATOR	0x0040u	/* API key with the route's permission */
#define HS_ROLE_DIAG		0x8000u	/* only with `diagnostics yes` (tests) */

#define HS_ROLE_STAFF		(HS_ROLE_ADMIN | HS_ROLE_OPERATOR | \
				 HS_ROLE_CASHIER | HS_ROLE_TECHNICIAN)
#define HS_ROLE_ANY_USER	(HS_ROLE_STAFF | HS_ROLE_CUSTOMER)

#define HS_PRINCIPAL_NONE	0
#define HS_PRINCIPAL_USER	1
#define HS_PRINCIPAL_APIKEY	2

/* Who is calling, resolved before the handler runs. */
struct hs_principal {
	int		kind;
	uint32_t	role;		/* one HS_ROLE_* bit */
	int64_t		user_id;
	int64_t		api_key_id;
	int64_t		utility_id;
	int64_t		customer_id;	/* for HS_ROLE_CUSTOMER */
	char		csrf[65];
	char		permissions[512];	/* API key: "a,b,c" */
	char		actor[48];	/* "user:12", "apikey:3": for audit */
	char		session_hash[65];
};

struct hs_req;
struct hs_ticket;

typedef int (*hs_handler_fn)(struct hs_req *);

struct hs_route {
	const char	*method;
	const char	*path;		/* "/api/v1/meters/{id}" */
	hs_handler_fn	 handler;
	uint32_t	 roles;
	const char	*permission;	/* an integrator's key must have it */
	const char	*summary;
	const char	*query;		/* query parameters: "limit,offset,q" */
};

struct hs_req {
	struct http_request	*http;
	const struct hs_route	*route;
	int			 route_id;
	int			 phase;
	char			 params[HS_PATH_PARAMS][HS_PARAM_MAX];
	int			 nparams;
	uint64_t		 start_us;
	struct hs_principal	 who;
	int			 auth_done;
	uint64_t		 cache_gen;	/* before a cacheable read */
	char			 cache_key[96];

	/* The outcome of the last asynchronous step. */
	struct hs_ticket	*ticket;
	PGresult		*res;
	char			 error[512];
	char			 sqlstate[6];
	int			 http_status;
	struct kore_buf		*http_body;

	/* Handler-owned state, freed with the request. */
	void			*data;
	void			(*data_free)(void *);
};

/* Exported for Kore: the one route in kore.conf points here. */
int	hs_dispatch(struct http_request *);

void	hs_router_setup(int diagnostics, int access_log);
int	hs_router_nroutes(void);
void	hs_router_route_info(int id, const char **method, const char **path);
const struct hs_route	*hs_router_table(size_t *count);

/* Start a query for this request; the handler then returns HS_AGAIN. */
int	hs_req_query(struct hs_req *r, const char *sql, int nparams,
	    const char *const *params);

/* A ticket for any other asynchronous completion tied to a request. */
struct hs_ticket	*hs_req_ticket(struct hs_req *r);
/* The request behind a ticket, or NULL when the client went away. */
struct hs_req		*hs_ticket_req(struct hs_ticket *t);
/* Wake the request and release the ticket. */
void			 hs_ticket_resume(struct hs_ticket *t);

/* Replies. */
int	hs_reply(struct hs_req *r, int status, const char *type,
	    const void *body, size_t len);
int	hs_reply_json(struct hs_req *r, int status, struct kore_buf *buf);
int	hs_reply_error(struct hs_req *r, int status, const char *code,
	    const char *message, const char *field);

const char	*hs_req_header(struct hs_req *r, const char *name);

/* A query-string parameter, URL-decoded into buf; -1 when absent. */
int		 hs_req_arg(struct hs_req *r, const char *name, char *buf,
		    size_t len);

/* The client's address as text. */
void		 hs_req_address(struct hs_req *r, char *buf, size_t len);

/*
 * The request's headers as plugins receive them (struct hs_http_header,
 * names lower case; lower holds the copies).  Returns how many, at most
 * max.
 */
struct hs_http_header;
size_t		 hs_req_headers(struct hs_req *r, struct hs_http_header *out,
		    char (*lower)[64], size_t max);

/* The whole request body (never NULL; *len 0 when there is none). */
const void	*hs_req_body(struct hs_req *r, size_t *len);

#endif
