/*
 * Internals of the ble-gateway transport, shared by its files:
 *
 *   blegw.c     the plugin: settings, timers, init and fini, send()
 *   jobs.c      the job queue: order, deadlines, announcements, the poll
 *   gateway.c   the WebSocket to the gateway: connect, backoff, events
 *   wire.c      the gateway's JSON messages (docs/ble-gateway.md)
 *   session.c   one meter session: HELLO, AUTH, TOKEN, reads, telemetry
 *
 * Not ABI: nothing here is exported from the .so.
 */
#ifndef HS_BLEGW_H
#define HS_BLEGW_H

#include <sys/queue.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "hydrosync/plugin.h"

#include "cmac.h"
#include "frame.h"

#define BGW_SUBPROTOCOL		"hs-ble-gateway"
#define BGW_MESSAGE_MAX		16384	/* a gateway message, bytes */
#define BGW_RX_MAX		256	/* bytes in one "rx" message */
#define BGW_ANNOUNCE_MAX	256	/* meters in one announcement */
#define BGW_JOBS_MAX		128	/* queued and running, per worker */
#define BGW_DELIVERIES_MAX	64	/* of which deliveries */
#define BGW_TOKENS_MAX		(HS_KCT_MAX + 1)
#define BGW_TOKEN_BYTES		9
#define BGW_LOG_PAGES_MAX	24
#define BGW_FRAMES_MAX		(BGW_TOKENS_MAX + 2 + BGW_LOG_PAGES_MAX)
#define BGW_DETAIL_MAX		256

/* Messages from the gateway, parsed (wire.c). */
enum bgw_op {
	BGW_OP_ANNOUNCE = 1,
	BGW_OP_OPENED,
	BGW_OP_ERROR,
	BGW_OP_RX,
	BGW_OP_CLOSED
};

struct bgw_msg {
	enum bgw_op	 op;
	uint32_t	 meter;		/* all but announce */
	uint32_t	 ref;		/* opened, error (0 when absent) */
	char		 code[32];	/* error */
	char		 text[128];	/* error message, closed reason */
	uint8_t		 bytes[BGW_RX_MAX];	/* rx */
	size_t		 nbytes;
	uint32_t	 meters[BGW_ANNOUNCE_MAX];	/* announce */
	size_t		 nmeters;
	size_t		 ignored;	/* announced ids that were not ids */
};

/*
 * Parse one gateway message into *m.  NULL, or why it was refused (then
 * nothing in *m is to be used).
 */
const char	*bgw_msg_parse(const char *s, size_t len, struct bgw_msg *m);

/* Outbound messages, NUL-terminated into out; their length, or -1. */
int	bgw_msg_open(char *out, size_t len, uint32_t meter, uint32_t ref);
int	bgw_msg_tx(char *out, size_t len, uint32_t meter, const uint8_t *b,
	    size_t n);
int	bgw_msg_close(char *out, size_t len, uint32_t meter);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void	bgw_hex(const uint8_t *b, size_t n, char *out);
/* Hex text into at most max bytes; the count, or -1. */
int	bgw_unhex(const char *s, uint8_t *out, size_t max);
/* Exactly 8 hex digits as a meter id; 0 or -1. */
int	bgw_meter_id(const char *s, uint32_t *id);

enum bgw_kind {
	BGW_DELIVER = 1,	/* tokens, then a telemetry read */
	BGW_PULL		/* a telemetry read only */
};

/* Where a job is; a running job waits for the answer to its step. */
enum bgw_step {
	BGW_QUEUED = 0,
	BGW_OPEN,		/* waiting for "opened" */
	BGW_HELLO,
	BGW_AUTH,
	BGW_TOKEN,
	BGW_STATUS,
	BGW_INFO,
	BGW_LOG,
	BGW_TELEMETRY
};

/* One MAC'd meter reply, as the telemetry upload carries it. */
struct bgw_frame {
	uint8_t		type, seq, n;
	uint8_t		body[HS_FRAME_MAX_PAYLOAD];
};

struct bgw;

/* One session with one meter: a delivery or a telemetry pull. */
struct bgw_job {
	TAILQ_ENTRY(bgw_job)	 entry;
	struct bgw		*gw;
	enum bgw_kind		 kind;
	enum bgw_step		 step;
	uint32_t		 meter;
	uint32_t		 ref;		/* of our "open" */
	int64_t			 deadline_ms;	/* of the current step */
	int64_t			 budget_ms;	/* answer a delivery by then */

	/* A delivery; done is NULL once answered. */
	hs_send_done_fn		 done;
	void			*arg;
	uint8_t			 tokens[BGW_TOKENS_MAX][BGW_TOKEN_BYTES];
	uint8_t			 ntokens, itoken;
	uint8_t			 accepted, used, skipped;

	/* The session. */
	uint8_t			 k[16], ks[16], nm[8], np[8];
	uint8_t			 seq;
	uint8_t			 page;
	struct hs_frame_rx	 rx;
	struct hs_cmac		 tr;		/* our copy of the transcript */
	struct bgw_frame	 frames[BGW_FRAMES_MAX];
	uint8_t			 nframes;
};

TAILQ_HEAD(bgw_jobs, bgw_job);

/* The connection's own small record; see gateway.c for why. */
struct bgw_link;

struct bgw {
	const struct hs_host	*host;
	const char		*url;
	uint8_t			 master[16];
	uint32_t		 timeout_ms;	/* one meter reply */
	uint32_t		 budget_ms;	/* one whole delivery */
	uint8_t			 log_pages;
	uint8_t			 sessions_max;
	uint32_t		 poll_ms;	/* 0: no telemetry poll */

	/*
	 * The host's one-shot timers, NULL when not armed.  Each callback
	 * clears its own slot first (the host forgets a timer once it ran);
	 * fini cancels whatever is still armed.
	 */
	struct hs_timer		*reconnect_timer;	/* gateway.c */
	struct hs_timer		*deadline_timer;	/* jobs.c */
	int64_t			 deadline_due_ms;
	struct hs_timer		*poll_timer;		/* jobs.c */

	/* The gateway connection (gateway.c). */
	struct bgw_link		*link;		/* NULL: none */
	int			 up;		/* handshake done */
	uint32_t		 backoff_ms;	/* the next wait's ceiling */
	int64_t			 next_connect_ms;	/* the next attempt */
	int64_t			 heard_ms;	/* the gateway's last message */
	uint32_t		 next_ref;
	int64_t			 drop_log_ms;
	uint32_t		 drops;

	/* The meters of the last announcement, for the poll (blegw.c). */
	uint32_t		 known[BGW_ANNOUNCE_MAX];
	size_t			 nknown;

	/* Jobs in order: running ones and the queue (blegw.c). */
	struct bgw_jobs		 jobs;
	size_t			 njobs, ndeliveries, nrunning;
};

/* ---- gateway.c */
void	bgw_gateway_connect(struct bgw *);
/* fini: let go of the connection without hearing back. */
void	bgw_gateway_stop(struct bgw *);
/* Send one message to the gateway; 0, or -1 when the link is going. */
int	bgw_gateway_send(struct bgw *, const char *msg, int len);
/*
 * The gateway stopped answering with its socket open: close it, fail
 * every job, reconnect after the backoff.
 */
void	bgw_gateway_drop(struct bgw *, const char *why);
/* Milliseconds until the next connection attempt (0: none planned). */
uint32_t bgw_gateway_wait_ms(const struct bgw *);

/* ---- blegw.c */
int64_t	bgw_now(const struct bgw *);
void	bgw_log(const struct bgw *, int level, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* A random number below n (0 when the host has no random bytes). */
uint32_t bgw_random_below(const struct bgw *, uint32_t n);
/* (Re)arm the timer in *slot to run fn(gw) after ms; cancel one armed. */
void	bgw_timer_set(struct bgw *, struct hs_timer **slot, uint32_t ms,
	    hs_timer_fn fn);
/* Cancel the timer in *slot if armed; never from its own callback. */
void	bgw_timer_stop(struct bgw *, struct hs_timer **slot);

/* ---- jobs.c */
struct bgw_job *bgw_job_new(struct bgw *, enum bgw_kind, uint32_t meter);
void	bgw_job_free(struct bgw_job *);
/* Add a job to the queue (no bound is checked here). */
void	bgw_job_queue(struct bgw *, struct bgw_job *);
/* Call a delivery's done with one outcome; detail is printf-style. */
void	bgw_answer_v(hs_send_done_fn done, void *arg, int result,
	    uint32_t retry_ms, const char *ref, const char *fmt, va_list ap)
	    __attribute__((format(printf, 6, 0)));
/* Connected, or an announcement came: count poll_seconds from now. */
void	bgw_poll_arm(struct bgw *);
/* Start what can start, fail what ran out of time, arm the deadline. */
void	bgw_jobs_run(struct bgw *);
/* The gateway said something about meters or jobs (gateway.c). */
void	bgw_jobs_message(struct bgw *, const struct bgw_msg *);
/* The connection closed: every job fails or is dropped. */
void	bgw_jobs_abort(struct bgw *, const char *why);
void	bgw_jobs_free(struct bgw *);
/*
 * Answer a delivery (once; later calls do nothing).  detail is printf-
 * style.  The job goes on (its telemetry read) unless bgw_job_end'ed.
 */
void	bgw_job_answer(struct bgw_job *, int result, uint32_t retry_ms,
	    const char *ref, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* The session is over (success or failure): release the meter. */
void	bgw_job_end(struct bgw_job *);
/* Fail the job: answer a delivery with result, log a pull, end it. */
void	bgw_job_fail(struct bgw_job *, int result, uint32_t retry_ms,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- session.c */
/* The gateway opened the meter's link: say HELLO. */
void	bgw_session_begin(struct bgw_job *);
/* Bytes the meter sent. */
void	bgw_session_input(struct bgw_job *, const uint8_t *b, size_t n);
/* Parse a delivery body into the job's tokens; NULL or why not. */
const char *bgw_session_tokens(struct bgw_job *, const char *body,
	    size_t len, char *why, size_t whylen);
/* K for a meter, from the master. */
void	bgw_meter_key(const uint8_t master[16], uint32_t meter,
	    uint8_t k[16]);

#endif /* HS_BLEGW_H */
