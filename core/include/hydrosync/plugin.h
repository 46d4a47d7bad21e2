/*
 * HydroSync plugin ABI — the one header a plugin author needs.
 *
 * A plugin is a shared object that exports exactly one symbol:
 *
 *	const struct hs_plugin *hs_plugin_entry(uint32_t host_abi);
 *
 * The host calls it once per process with its own ABI version and gets back
 * a static, read-only descriptor: the plugin's name, kind, required settings
 * and an operations table for its kind (payment, transport or hsm).  The
 * host then calls init() once in every worker process, after fork, handing
 * in a table of host services (logging, settings, clock, randomness, memory,
 * an asynchronous HTTP client and job enqueue).  A plugin never links
 * against the core and never calls a host symbol directly: everything it
 * needs arrives through struct hs_host.
 *
 * Versioning rules (the reason every struct starts with its own size):
 *   - HS_ABI_MAJOR changes only when a field is removed, retyped or moved;
 *     the host refuses a plugin built against another major.
 *   - HS_ABI_MINOR grows when fields are appended at the end of a struct.
 *     A plugin built against an older minor still loads: the host reads
 *     the size field and treats every missing operation as absent
 *     (HS_HAS()).  A plugin must likewise check host->size before using a
 *     service added after the minor it was built against.
 *
 * Build a plugin with:
 *	cc -std=c99 -fPIC -shared -fvisibility=hidden -Wl,-z,now \
 *	    -I<hydrosync>/core/include -o myplugin.so myplugin.c
 * and mark only hs_plugin_entry with HS_EXPORT.  The host loads it with
 * dlopen(RTLD_NOW | RTLD_LOCAL) and never unloads it.
 *
 * Threading: unless a plugin sets HS_CAP_THREADSAFE, its context is only
 * ever used by one thread at a time (the worker's event loop).  Operations
 * must not block: anything slow (network) goes through host->http_request,
 * whose completion callback runs later on the same worker thread.
 *
 * Errors: operations return HS_OK or a negative HS_E* code and may log the
 * reason once through host->log.  A plugin never calls exit() or abort().
 */
#ifndef HYDROSYNC_PLUGIN_H
#define HYDROSYNC_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HS_ABI_MAJOR		1u
#define HS_ABI_MINOR		2u
#define HS_ABI_VERSION		((HS_ABI_MAJOR << 16) | HS_ABI_MINOR)
#define HS_ABI_MAJOR_OF(v)	((uint32_t)(v) >> 16)
#define HS_ABI_MINOR_OF(v)	((uint32_t)(v) & 0xffffu)

#define HS_EXPORT		__attribute__((visibility("default")))

/* Does the struct at p (whose first field is its size) contain field f? */
#define HS_HAS(p, type, f)						\
	((p) != NULL && (p)->size >= offsetof(type, f) + sizeof(((type *)0)->f))

/* The name of the one symbol every plugin exports. */
#define HS_PLUGIN_ENTRY		"hs_plugin_entry"

/* Result codes shared by every operation. */
#define HS_OK			0
#define HS_E_INVALID		-1	/* bad argument or input */
#define HS_E_CONFIG		-2	/* a setting is missing or wrong */
#define HS_E_UNAVAILABLE	-3	/* a peer is down; retry later */
#define HS_E_DENIED		-4	/* verification failed (signature, PIN) */
#define HS_E_INTERNAL		-5	/* a bug or broken invariant */
#define HS_E_NOTSUP		-6	/* operation not supported */
#define HS_E_PENDING		-7	/* started; completion arrives later */

/* Log levels for host->log, the syslog numbers. */
#define HS_LOG_ERR		3
#define HS_LOG_WARNING		4
#define HS_LOG_NOTICE		5
#define HS_LOG_INFO		6
#define HS_LOG_DEBUG		7

/* Plugin kinds. */
#define HS_KIND_PAYMENT		1
#define HS_KIND_TRANSPORT	2
#define HS_KIND_HSM		3

/* Capability bits in hs_plugin.caps. */
#define HS_CAP_THREADSAFE	0x0001u	/* ops may run on several threads */

/*
 * One HTTP request made through the host's asynchronous client.  The
 * caller owns every pointer; the host copies what it needs before
 * http_request() returns, so stack buffers are fine.
 */
struct hs_http_header {
	const char		*name;
	const char		*value;
};

struct hs_http_req {
	uint32_t		size;		/* sizeof(struct hs_http_req) */
	const char		*method;	/* "GET", "POST", ... */
	const char		*url;		/* http:// or https:// */
	const struct hs_http_header *headers;
	size_t			nheaders;
	const void		*body;
	size_t			body_len;
	uint32_t		timeout_ms;	/* whole exchange; 0 = 10 s */
};

/*
 * The outcome handed to the completion callback.  status is the HTTP status,
 * or 0 when no response arrived; error is HS_OK or HS_E_UNAVAILABLE
 * (connect failure, timeout, TLS failure) with a short reason in
 * error_text.  Header names are lower case.  Everything is only valid
 * during the callback.
 */
struct hs_http_resp {
	uint32_t		size;		/* sizeof(struct hs_http_resp) */
	int			error;
	const char		*error_text;
	int			status;
	const struct hs_http_header *headers;
	size_t			nheaders;
	const void		*body;
	size_t			body_len;
};

typedef void (*hs_http_done_fn)(void *arg, const struct hs_http_resp *resp);

/* A plugin's timer (ABI 1.2), opaque. */
struct hs_timer;
typedef void (*hs_timer_fn)(void *arg);

/* The outcome of host->push: HS_OK or HS_E_UNAVAILABLE. */
typedef void (*hs_push_done_fn)(void *arg, int result);

/*
 * An outbound WebSocket (a BLE gateway, an integrator's push endpoint).
 * The host owns the connection; the plugin holds an opaque handle.
 */
struct hs_ws;

struct hs_ws_conf {
	uint32_t		size;		/* sizeof(struct hs_ws_conf) */
	const char		*url;		/* ws:// or wss:// */
	const struct hs_http_header *headers;	/* sent with the upgrade */
	size_t			nheaders;
	const char		*subprotocol;	/* may be NULL */
	uint32_t		connect_timeout_ms;	/* 0 = 10 s */
};

/*
 * Events, all on the worker thread that called ws_connect: on_open once
 * when the handshake completes, on_message once per whole message, then
 * on_close exactly once (code 1006 when the connection failed or was
 * never opened).  After on_close returns the handle is gone.
 */
struct hs_ws_events {
	uint32_t		size;		/* sizeof(struct hs_ws_events) */
	void		(*on_open)(void *arg, struct hs_ws *ws);
	void		(*on_message)(void *arg, struct hs_ws *ws,
			    const void *data, size_t len, int binary);
	void		(*on_close)(void *arg, struct hs_ws *ws, int code,
			    const char *reason);
};

/*
 * Services the host offers to a plugin.  hctx is opaque and must be passed
 * back to every call.  Calls are only valid on the worker thread that ran
 * init(), except log, now_ms and random, which are thread-safe.
 */
struct hs_host {
	uint32_t		size;		/* sizeof(struct hs_host) */
	uint32_t		abi;		/* HS_ABI_VERSION of the host */
	void			*hctx;

	/* Log one line, attributed to the plugin. */
	void		(*log)(void *hctx, int level, const char *fmt, ...)
			    __attribute__((format(printf, 3, 4)));

	/*
	 * The value of one of the plugin's own settings (set lines in
	 * hydrosync.conf), or NULL when absent.  A plugin only sees its own
	 * namespace.  The string lives as long as the process.
	 */
	const char	*(*setting)(void *hctx, const char *key);

	/* Wall clock in milliseconds since the Unix epoch. */
	int64_t		(*now_ms)(void *hctx);

	/* Fill buf with len bytes from a CSPRNG; HS_OK or HS_E_INTERNAL. */
	int		(*random)(void *hctx, void *buf, size_t len);

	/* Memory that never returns NULL (the host aborts on exhaustion). */
	void		*(*alloc)(void *hctx, size_t len);
	void		(*free)(void *hctx, void *ptr);

	/*
	 * Start an HTTP(S) request without blocking.  done(arg, resp) runs
	 * later on this worker's thread, exactly once, unless this returns
	 * an error, in which case it never runs.
	 */
	int		(*http_request)(void *hctx, const struct hs_http_req *req,
			    hs_http_done_fn done, void *arg);

	/*
	 * Enqueue a durable background job of the given kind with a JSON
	 * payload; the host runs it later (possibly on another node).
	 * dedupe_key, when not NULL, makes a second enqueue with the same
	 * kind and key a no-op.
	 */
	int		(*job_enqueue)(void *hctx, const char *kind,
			    const char *payload_json, const char *dedupe_key);

	/*
	 * Open a WebSocket without blocking.  Returns a handle, or NULL for
	 * a bad argument (then no event ever runs).  Messages sent before
	 * on_open are queued and sent once the connection is up.
	 */
	struct hs_ws	*(*ws_connect)(void *hctx, const struct hs_ws_conf *conf,
			    const struct hs_ws_events *events, void *arg);

	/* Queue one message; HS_OK, or HS_E_UNAVAILABLE once closing. */
	int		(*ws_send)(void *hctx, struct hs_ws *ws,
			    const void *data, size_t len, int binary);

	/* Close with 1000; on_close follows. */
	void		(*ws_close)(void *hctx, struct hs_ws *ws);

	/*
	 * ABI 1.1.  Push one JSON document to the browsers of one audience
	 * ("customer:<id>" or "user:<id>") on every node, through the core's
	 * own WebSocket connections (/ws).  done runs once, later: HS_OK when
	 * every node has it, HS_E_UNAVAILABLE when it could not be handed
	 * on.  A document over 7,000 bytes is refused with HS_E_INVALID, and
	 * then done never runs.  Check HS_HAS(host, struct hs_host, push).
	 */
	int		(*push)(void *hctx, const char *audience,
			    const void *json, size_t len, hs_push_done_fn done,
			    void *arg);

	/*
	 * ABI 1.2.  Run fn(arg) once, after ms milliseconds, on this
	 * worker's thread (reconnects, reply timeouts, polling a peer).
	 * Returns a handle, or NULL for a bad argument (then fn never
	 * runs).  The handle is gone once fn has been called.
	 * Check HS_HAS(host, struct hs_host, timer).
	 */
	struct hs_timer	*(*timer)(void *hctx, uint32_t ms, hs_timer_fn fn,
			    void *arg);

	/* Cancel a timer that has not fired: fn never runs. */
	void		(*timer_cancel)(void *hctx, struct hs_timer *t);
};

/* ---------------------------------------------------------------- payment */

/*
 * A payment the core asks the provider to create.  Amounts are integer
 * rupiah.  order_id is the core's own id and doubles as the idempotency key
 * sent to the provider, so a retried create never charges twice.
 */
struct hs_payment_create {
	uint32_t		size;
	const char		*order_id;
	int64_t			amount;
	const char		*currency;	/* "IDR" */
	const char		*description;
	const char		*customer_name;
	const char		*customer_phone;
	const char		*customer_email;
	const char		*return_url;	/* where the browser goes after */
	const char		*notify_url;	/* our webhook for this provider */
	int64_t			expires_at_ms;
};

/* What the customer must do next; filled by the plugin. */
#define HS_PAY_ACTION_REDIRECT	1	/* open redirect_url */
#define HS_PAY_ACTION_VA	2	/* transfer to a virtual account */
#define HS_PAY_ACTION_QRIS	3	/* scan a QRIS string */
#define HS_PAY_ACTION_CODE	4	/* pay at a counter with a code */
#define HS_PAY_ACTION_DONE	5	/* already paid (cash) */

#define HS_PAY_TEXT_MAX		512

struct hs_payment_created {
	uint32_t		size;
	int			action;
	char			provider_ref[128];	/* provider's payment id */
	char			redirect_url[HS_PAY_TEXT_MAX];
	char			instruction[HS_PAY_TEXT_MAX];	/* VA, QRIS, code */
	int64_t			expires_at_ms;
};

/* Payment states a provider reports, mapped by the plugin. */
#define HS_PAY_PENDING		1
#define HS_PAY_PAID		2
#define HS_PAY_FAILED		3
#define HS_PAY_EXPIRED		4
#define HS_PAY_CANCELLED	5
#define HS_PAY_REFUNDED		6

/*
 * A provider's notification, verified and parsed by the plugin from the raw
 * request.  event_id is the provider's unique id for this delivery (the core
 * dedupes on it); order_id ties it to our payment.
 */
struct hs_payment_event {
	uint32_t		size;
	char			event_id[128];
	char			order_id[128];
	char			provider_ref[128];
	int			state;		/* HS_PAY_* */
	int64_t			amount;		/* rupiah the provider reports */
};

typedef void (*hs_payment_created_fn)(void *arg, int result,
		    const struct hs_payment_created *created);
typedef void (*hs_payment_status_fn)(void *arg, int result,
		    const struct hs_payment_event *status);

struct hs_payment_ops {
	uint32_t		size;		/* sizeof(struct hs_payment_ops) */

	/* Ask the provider to create a payment; answer through done. */
	int		(*create)(void *pctx, const struct hs_payment_create *in,
			    hs_payment_created_fn done, void *arg);

	/*
	 * Verify a webhook over the raw body and headers (never parse before
	 * verifying) and parse it.  Synchronous: no network.  HS_E_DENIED for
	 * a bad or stale signature, HS_E_INVALID for a malformed body.
	 */
	int		(*verify_notification)(void *pctx,
			    const struct hs_http_header *headers, size_t nheaders,
			    const void *body, size_t body_len,
			    struct hs_payment_event *out);

	/* Ask the provider for the current state of one payment. */
	int		(*status)(void *pctx, const char *order_id,
			    const char *provider_ref, hs_payment_status_fn done,
			    void *arg);

	/* Cancel an unpaid payment; done may be NULL. */
	int		(*cancel)(void *pctx, const char *order_id,
			    const char *provider_ref, hs_payment_status_fn done,
			    void *arg);
};

/* -------------------------------------------------------------- transport */

/* One outbound message (SMS, push, webhook, BLE gateway command). */
struct hs_message {
	uint32_t		size;
	const char		*message_id;	/* idempotency key, unique */
	const char		*recipient;	/* phone, user id, URL, meter */
	const char		*subject;	/* may be NULL */
	const char		*body;		/* text or JSON */
	size_t			body_len;
};

/*
 * Delivery outcome.  HS_OK: accepted by the peer (provider_ref may be set).
 * HS_E_UNAVAILABLE with retry_after_ms: timeout, 429 or 5xx; the core retries
 * with backoff.  Any other error is permanent.
 */
struct hs_delivery {
	uint32_t		size;
	int			result;
	uint32_t		retry_after_ms;
	char			provider_ref[128];
	char			detail[256];
};

typedef void (*hs_send_done_fn)(void *arg, const struct hs_delivery *d);

struct hs_transport_ops {
	uint32_t		size;		/* sizeof(struct hs_transport_ops) */

	/* Channel name this transport serves: "sms", "push", "webhook"... */
	const char		*channel;

	/* Highest send rate the peer accepts, messages per second; 0 = none. */
	uint32_t		max_rate;

	int		(*send)(void *pctx, const struct hs_message *msg,
			    hs_send_done_fn done, void *arg);

	/*
	 * Verify and parse a delivery status callback from the peer (a
	 * signed request); may be NULL when the peer has none.
	 */
	int		(*verify_status)(void *pctx,
			    const struct hs_http_header *headers, size_t nheaders,
			    const void *body, size_t body_len,
			    char *message_id, size_t message_id_len,
			    int *delivered);
};

/* -------------------------------------------------------------------- hsm */

/* Which key a vend uses and which meter it is for. */
struct hs_hsm_meter {
	uint32_t		size;
	const char		*pan;		/* 18 digits: IIN, account, Luhn */
	uint32_t		sgc;		/* supply group code, 6 digits */
	uint8_t			ti;		/* tariff index 0..99 */
	uint8_t			krn;		/* key revision 1..9 */
	uint8_t			kt;		/* key type 0..3 */
	uint8_t			ken;		/* key expiry number, 255 = none */
	uint8_t			ea;		/* 7 (STA) or 11 (MISTY1) */
	uint8_t			dkga;		/* 2 or 4 */
	uint16_t		base_date;	/* 1993, 2014 or 2035 */
};

/*
 * Every input of one token, fixed by the core when the order is created,
 * so that a retried call returns the same 20 digits.
 */
struct hs_hsm_token {
	uint32_t		size;
	uint8_t			token_class;	/* 0, 1 or 2 */
	uint8_t			subclass;
	uint8_t			rnd;		/* 0..15 */
	uint64_t		amount;		/* class 0: 0.1 units; class 2: value */
	int64_t			issued_at;	/* UTC seconds; gives the TID */
};

/* A new key for key change tokens. */
struct hs_hsm_key_change {
	uint32_t		size;
	struct hs_hsm_meter	to;		/* new SGC, TI, KRN, KT, base date */
	int			rollover;	/* clear the meter's TID memory */
};

#define HS_TOKEN_DIGITS		20
#define HS_KCT_MAX		4

struct hs_hsm_ops {
	uint32_t		size;		/* sizeof(struct hs_hsm_ops) */

	/* Produce one 20-digit token (plus NUL) for a meter. */
	int		(*vend)(void *pctx, const struct hs_hsm_meter *meter,
			    const struct hs_hsm_token *token,
			    char out[HS_TOKEN_DIGITS + 1]);

	/*
	 * Key change tokens moving a meter from one key to another: 2
	 * (EA07) or 4 (EA11) tokens, stored in out[0..*count-1].
	 */
	int		(*key_change)(void *pctx, const struct hs_hsm_meter *from,
			    const struct hs_hsm_key_change *to,
			    char out[HS_KCT_MAX][HS_TOKEN_DIGITS + 1],
			    size_t *count);

	/*
	 * Provision a new meter: write its decoder key wrapped for the
	 * factory (or a configuration record) into out as text.
	 */
	int		(*provision)(void *pctx, const struct hs_hsm_meter *meter,
			    char *out, size_t out_len);

	/* Describe the keys held, one line each, never the key bytes. */
	int		(*list_keys)(void *pctx, char *out, size_t out_len);

	/* HS_OK when the module is usable (logged in, keys present). */
	int		(*health)(void *pctx);
};

/* -------------------------------------------------------------- descriptor */

/* A setting a plugin requires; the loader refuses start-up without it. */
struct hs_setting_spec {
	const char		*key;
	int			required;
	const char		*help;
};

struct hs_plugin {
	uint32_t		size;		/* sizeof(struct hs_plugin) */
	uint32_t		abi;		/* HS_ABI_VERSION built against */
	uint32_t		kind;		/* HS_KIND_* */
	uint32_t		caps;		/* HS_CAP_* */
	const char		*name;		/* short, [a-z0-9-] */
	const char		*version;
	const char		*description;

	/* Settings, terminated by an entry whose key is NULL. */
	const struct hs_setting_spec *settings;

	/*
	 * Once per worker, after fork.  Store the plugin's context in *pctx.
	 * Returning an error stops the server with the plugin's logged reason.
	 */
	int		(*init)(const struct hs_host *host, void **pctx);

	/* Once per worker at shutdown; may be NULL. */
	void		(*fini)(void *pctx);

	/* struct hs_payment_ops, hs_transport_ops or hs_hsm_ops. */
	const void		*ops;
};

/*
 * The entry point.  Return NULL when the plugin cannot serve a host of
 * version host_abi (for example a host with an older major).
 */
typedef const struct hs_plugin *(*hs_plugin_entry_fn)(uint32_t host_abi);

HS_EXPORT const struct hs_plugin *hs_plugin_entry(uint32_t host_abi);

#ifdef __cplusplus
}
#endif

#endif /* HYDROSYNC_PLUGIN_H */
