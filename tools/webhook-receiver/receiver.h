/*
 * hs-webhook-receiver: an integrator's webhook endpoint for tests.  See
 * main.c for the command line; http.c reads requests and writes replies;
 * hooks.c verifies, dedupes and records deliveries exactly as
 * docs/webhooks.md tells integrators to, and answers /_control/.
 */
#ifndef HS_WEBHOOK_RECEIVER_H
#define HS_WEBHOOK_RECEIVER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define RCV_SECRETS_MAX		8
#define RCV_HEAD_MAX		16384	/* request line + headers */
#define RCV_BODY_MAX		(1024 * 1024)
#define RCV_HEADERS_MAX		64
#define RCV_ID_MAX		128
#define RCV_TYPE_MAX		64
#define RCV_FUTURE_SKEW		60	/* seconds ahead tolerated */

struct rcv_header {
	const char	*name;
	const char	*value;
};

/* One parsed request; every string points into head. */
struct rcv_request {
	char			 head[RCV_HEAD_MAX + 1];
	size_t			 head_len;	/* to the blank line */
	const char		*method;
	const char		*path;
	const char		*query;		/* after '?', or "" */
	int			 minor;		/* HTTP/1.minor */
	struct rcv_header	 headers[RCV_HEADERS_MAX];
	size_t			 nheaders;
	size_t			 body_len;	/* Content-Length */
	int			 keep_alive;
	int			 expect_continue;
	const char		*body;		/* set when complete */
};

/* What to answer. */
struct rcv_reply {
	int		 status;
	char		 extra[128];	/* header lines, CRLF each */
	char		*body;		/* JSON, malloc'd, or NULL */
	size_t		 body_len;
};

struct rcv_event {
	char		 id[RCV_ID_MAX + 1];
	char		 type[RCV_TYPE_MAX + 1];
	unsigned long	 count;		/* verified deliveries */
};

/* The receiver's state, all in one place. */
struct rcv_state {
	const char		*secrets[RCV_SECRETS_MAX];
	size_t			 nsecrets;
	long			 max_age;	/* seconds */
	int			 quiet;

	int			 fail_status;	/* 0: none */
	unsigned long		 fail_count;

	unsigned long		 verified;	/* distinct events */
	unsigned long		 duplicates;	/* their repeats */
	unsigned long		 rejected;	/* 401s */
	unsigned long		 failed;	/* injected failures */
	struct rcv_event	*events;
	size_t			 nevents, cap;
};

/* http.c */

/*
 * Parse the head of a request held in buf[0..len).  0 when more bytes
 * are needed, 1 when req holds a whole head (req->head_len bytes), or an
 * HTTP error status to answer before closing (400, 413, 431, 501, 505).
 */
int		 rcv_parse_head(const char *buf, size_t len,
		    struct rcv_request *req);
const char	*rcv_header(const struct rcv_request *, const char *name);
/* The value of one key of a query string, copied into out; -1 when absent. */
int		 rcv_query(const char *query, const char *key, char *out,
		    size_t len);
/* The whole response as bytes, malloc'd; *len set. */
char		*rcv_format(const struct rcv_reply *, int keep_alive,
		    size_t *len);
const char	*rcv_reason(int status);

/* hooks.c */
void		 rcv_handle(struct rcv_state *, const struct rcv_request *,
		    time_t now, struct rcv_reply *);
void		 rcv_free(struct rcv_state *);
/* Set a JSON body (printf format) on a reply. */
void		 rcv_json(struct rcv_reply *, int status, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

#endif /* HS_WEBHOOK_RECEIVER_H */
