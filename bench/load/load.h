/*
 * user-load: the whole-system load test's simulated users.
 *
 * One process, one thread, one epoll set.  Every simulated person is a
 * struct ld_user driven by events: a timer (think time, or the deadline
 * of what it waits for), an HTTP/1.1 answer on its own keep-alive
 * connection, a frame on its own WebSocket.  The pieces, one file each:
 *
 *   net.c       non-blocking TCP connections, plain or TLS (OpenSSL)
 *   http.c      one HTTP/1.1 exchange at a time on a connection
 *   ws.c        a WebSocket client (RFC 6455 text frames)
 *   timer.c     the users' wake-up times, a binary heap
 *   stats.c     per ramp step and operation: counts, errors, latencies
 *   cpu.c       CPU time of the processes under test, per step
 *   customer.c  the customer's journey; staff.c the staff member's
 *   main.c      options, accounts, the ramp, the event loop
 *   report.c    two runs' results side by side in Markdown
 */
#ifndef LD_LOAD_H
#define LD_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/ssl.h>

/* ------------------------------------------------------------- net.c */

struct ld_addr {
	char		host[64];
	int		port;
	int		tls;		/* https:// or wss:// */
};

struct ld_conn;

/* What a connection tells its owner. */
enum ld_conn_event {
	LD_CONN_UP,		/* connected (and TLS handshake done) */
	LD_CONN_DATA,		/* bytes appended to c->in */
	LD_CONN_DOWN		/* closed or failed; c is freed after */
};

typedef void	(*ld_conn_fn)(struct ld_conn *, enum ld_conn_event, void *);

struct ld_conn {
	int		 fd;
	SSL		*ssl;
	int		 connected;	/* TCP */
	int		 up;		/* and TLS, when TLS */
	int		 epoll_out;	/* EPOLLOUT registered */
	char		*in;		/* received, not yet consumed */
	size_t		 inlen, incap;
	char		*out;		/* to send */
	size_t		 outlen, outoff, outcap;
	ld_conn_fn	 fn;
	void		*arg;
	char		 why[64];	/* reason of LD_CONN_DOWN */
};

int		 ld_net_init(const char *cafile);
int		 ld_net_epoll(void);
struct ld_conn	*ld_conn_open(const struct ld_addr *, ld_conn_fn, void *);
void		 ld_conn_send(struct ld_conn *, const void *, size_t);
void		 ld_conn_consume(struct ld_conn *, size_t);
void		 ld_conn_close(struct ld_conn *);
void		 ld_net_dispatch(void *ptr, uint32_t events);
void		 ld_net_reap(void);
int		 ld_addr_parse(const char *url, struct ld_addr *, char *path,
		    size_t pathlen);

/* ------------------------------------------------------------ http.c */

struct ld_http;

/* status is -1 when no answer came (the reason is in why). */
typedef void	(*ld_http_fn)(struct ld_http *, int status, void *arg);

struct ld_http {
	struct ld_addr	 addr;
	struct ld_conn	*c;
	int		 keepalive;	/* keep the connection between calls */
	int		 busy;
	int		 reused;	/* the request went on an old connection */
	int		 got_bytes;
	char		*req;		/* the request, kept for one retry */
	size_t		 reqlen;
	ld_http_fn	 fn;
	void		*arg;
	/* The answer. */
	int		 status;
	char		*head;		/* status line and headers, NUL-ended */
	char		*body;		/* NUL-ended */
	size_t		 bodylen;
	char		 why[64];
};

void	ld_http_init(struct ld_http *, const struct ld_addr *, int keepalive);
int	ld_http_call(struct ld_http *, const char *method, const char *path,
	    const char *headers, const char *body, ld_http_fn, void *arg);
void	ld_http_abort(struct ld_http *);
int	ld_http_header(const struct ld_http *, const char *name, char *out,
	    size_t len);

/* -------------------------------------------------------------- ws.c */

struct ld_ws;

enum ld_ws_event {
	LD_WS_OPEN,
	LD_WS_TEXT,
	LD_WS_CLOSED
};

typedef void	(*ld_ws_fn)(struct ld_ws *, enum ld_ws_event, const char *text,
		    size_t len, void *arg);

struct ld_ws {
	struct ld_conn	*c;
	int		 open;
	ld_ws_fn	 fn;
	void		*arg;
	char		 why[64];
};

int	ld_ws_connect(struct ld_ws *, const struct ld_addr *, const char *path,
	    const char *cookie, ld_ws_fn, void *arg);
int	ld_ws_send(struct ld_ws *, const char *text);
void	ld_ws_close(struct ld_ws *);

/* ----------------------------------------------------------- timer.c */

struct ld_user;

void		 ld_timer_set(struct ld_user *, double at);
void		 ld_timer_cancel(struct ld_user *);
struct ld_user	*ld_timer_due(double now);
double		 ld_timer_next(void);

/* ----------------------------------------------------------- stats.c */

enum ld_op {
	/* Customers */
	LD_OP_LOGIN,		/* POST /auth/login (scrypt) */
	LD_OP_RESUME,		/* GET /auth/me with a live session */
	LD_OP_WS_OPEN,		/* GET /ws upgraded */
	LD_OP_METERS,		/* GET /meters */
	LD_OP_BALANCE,		/* GET /meters/{id}/state */
	LD_OP_QUOTE,		/* GET /meters/{id}/quote */
	LD_OP_PURCHASE,		/* POST /purchases (provider's create inside) */
	LD_OP_PAY_PAGE,		/* GET the sandbox gateway's pay page */
	LD_OP_PAY,		/* POST its pay button */
	LD_OP_TOKEN,		/* pay pressed -> token pushed on the socket */
	LD_OP_SHOW_TOKEN,	/* GET /purchases/{id} after the push */
	LD_OP_CHAT_OPEN,	/* ws open -> result */
	LD_OP_CHAT_HISTORY,	/* ws history -> result */
	LD_OP_CHAT_SEND,	/* ws send -> ack */
	/* Staff */
	LD_OP_STAFF_LOGIN,
	LD_OP_STAFF_RESUME,
	LD_OP_STAFF_WS_OPEN,
	LD_OP_DASHBOARD,	/* GET /dashboard */
	LD_OP_CONVERSATIONS,	/* GET /chat/conversations */
	LD_OP_MESSAGES,		/* GET /chat/conversations/{id}/messages */
	LD_OP_REPLY,		/* ws send -> ack */
	LD_OP_FANOUT,		/* a customer's message reaching a staff socket */
	LD_OP_COUNT
};

/* Traffic counted per step, whatever it was for. */
enum ld_counter {
	LD_COUNT_HTTP,		/* HTTP requests sent to the core */
	LD_COUNT_WS_IN,		/* WebSocket messages received */
	LD_COUNT_WS_OUT,	/* WebSocket messages sent */
	LD_COUNTERS
};

extern const char	*ld_op_names[LD_OP_COUNT];

void	ld_stats_init(int nsteps);
void	ld_stats_step(int step);
int	ld_stats_current(void);
void	ld_stats_ok(int step, enum ld_op, double ms);
void	ld_stats_error(int step, enum ld_op, const char *why);
void	ld_stats_count(enum ld_counter);
void	ld_stats_hold(void);
void	ld_stats_write(FILE *, const int *users, const double *secs,
	    const double *hold_secs, int nsteps);

/* ------------------------------------------------------------- cpu.c */

int	ld_cpu_watch(const char *spec);
void	ld_cpu_watch_self(void);
void	ld_cpu_sample(int step);
void	ld_cpu_write(FILE *, const double *secs, int nsteps);

/* ------------------------------------------------------------ main.c */

enum ld_kind { LD_CUSTOMER, LD_STAFF };

/* Arriving and signing in (signin.c); the journeys' states follow. */
enum ld_state {
	LD_S_NEW,		/* not arrived */
	LD_S_ARRIVE,		/* arrives when its timer fires */
	LD_S_AUTH,		/* signing in or resuming its session */
	LD_S_SOCKET,		/* opening the live socket */
	LD_S_IDLE,		/* told to stop */
	LD_S_JOURNEY = 10	/* customer.c, staff.c */
};

struct ld_user {
	enum ld_kind	 kind;
	int		 index;
	int64_t		 user_id, customer_id, meter_id;
	char		 email[64];
	char		 session[80];	/* the seeded session's token */
	char		 cookie[112];	/* __Host-hs_session=... in use */
	char		 csrf[80];
	struct ld_addr	 front;		/* where the core is reached */
	char		 origin[96];

	struct ld_http	 http;		/* keep-alive, to the core */
	struct ld_http	 gw;		/* to the payment gateway */
	struct ld_ws	 ws;
	double		 ws_start;	/* a lost socket being opened again */
	int		 ws_step;

	/* Scheduling: one timer, for think time or a deadline. */
	double		 wake;
	int		 heap;		/* index in the timer heap, -1 if none */
	int		 state;
	int		 stopping;

	/* What it waits for: an operation started at op_start in op_step. */
	enum ld_op	 op;
	int		 op_step;
	double		 op_start;

	/* The journey's data. */
	int64_t		 purchase;
	char		 pay_url[256];
	double		 pay_sent;
	double		 token_at;	/* when the push came, 0 before */
	int64_t		 conversation;
	unsigned int	 seq;
	char		 client_id[48];
};

struct ld_options {
	double		 think;		/* scale of every think time */
	double		 login_pct;	/* arrivals that sign in with a password */
	const char	*password;
};

extern struct ld_options	ld_opt;
/* Unique to this run: idempotency keys and chat client ids never repeat. */
extern char			ld_run_id[16];

double		 ld_now(void);
double		 ld_rand(void);
double		 ld_uniform(double lo, double hi);
void		 ld_begin(struct ld_user *, enum ld_op);
void		 ld_ok(struct ld_user *);
void		 ld_fail(struct ld_user *, const char *why);
void		 ld_think(struct ld_user *, int next, double lo, double hi);
void		 ld_wait(struct ld_user *, int state, double seconds);
int		 ld_core(struct ld_user *, const char *method,
		    const char *path, const char *extra, const char *body,
		    ld_http_fn);
const char	*ld_http_why(const struct ld_http *, int status);
int		 ld_json_num(const char *json, const char *key, int64_t *out);
int		 ld_json_str(const char *json, const char *key, char *out,
		    size_t len);

/* ---------------------------------------------------------- signin.c */

void	ld_signin_wake(struct ld_user *);
void	ld_signin_socket(struct ld_user *);

/* --------------------------------------------- customer.c, staff.c */

void	ld_customer_start(struct ld_user *);
void	ld_customer_wake(struct ld_user *);
void	ld_customer_ws(struct ld_user *, const char *text);
void	ld_staff_start(struct ld_user *);
void	ld_staff_wake(struct ld_user *);
void	ld_staff_ws(struct ld_user *, const char *text);

/* ----------------------------------------------------------- report.c */

int	ld_report_main(int argc, char **argv);

#endif
