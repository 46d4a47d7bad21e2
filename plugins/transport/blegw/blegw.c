/*
 * BLE gateway transport (channel "ble"): STS tokens delivered to meters
 * that sit behind a building gateway, and their telemetry read back.
 *
 * The core talks to the gateway over one WebSocket per worker
 * (gateway.c); the gateway only relays bytes between that socket and a
 * meter's BLE UART (docs/ble-gateway.md).  This plugin is the trusted
 * server side of the meter protocol (meter-firmware/docs/ble-protocol.md):
 * it derives each meter's key K = AES-CMAC(meter_key_master, "HSK1" ||
 * ble_id) as the core does, so it authenticates the meter fully and needs
 * no grant.
 *
 * send(): the recipient is the meter's BLE id (8 hex digits), the body
 * {"meter_id": "01020304", "tokens": ["<20 digits>", ...]} in the order
 * to enter them (key change tokens first, then the credit).  One session:
 * HELLO, AUTH, one MAC'd TOKEN each.  Outcomes:
 *   HS_OK             every token accepted, or reported already used (a
 *                     retry after a lost reply is a delivery);
 *   HS_E_UNAVAILABLE  no gateway, the meter out of reach or busy, a reply
 *                     timed out, the bad-token lockout: retried;
 *   HS_E_INVALID      the meter refused a token (invalid, old, expired
 *                     key...): permanent, the reason in detail;
 *   HS_E_DENIED       the meter does not hold the K we derive.
 * The same session then reads STATUS, INFO, LOG and the TELEMETRY tag.
 *
 * Telemetry: the gateway announces the meters it can reach; each gets a
 * session (one per meter at a time, at most `sessions` at once) that
 * reads STATUS, INFO, LOG and TELEMETRY and enqueues a "meter.telemetry"
 * job carrying what POST /api/v1/meters/{id}/telemetry takes plus
 * "ble_id"; its dedupe key is "telemetry:<ble_id>:<Nm>".  When no
 * announcement came for `poll_seconds`, the meters of the last one are
 * read again, as if announced: a gateway that stopped announcing (or
 * whose announcements go to other workers that are gone) still has its
 * meters read.
 *
 * Time comes from the host's timers (ABI 1.2; init refuses an older
 * host): one for the earliest reply or delivery deadline of any job, one
 * for the next connection attempt (gateway.c), one for the poll.  All
 * three live in struct bgw, each callback clears its own slot, and fini
 * cancels what is armed, so none can fire into freed memory; jobs hold
 * no timer of their own.
 *
 * Every queue is bounded (BGW_JOBS_MAX, BGW_DELIVERIES_MAX); nothing
 * blocks: every step waits for a gateway message or a timer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sts/sts.h"
#include "blegw.h"

#define TIMEOUT_DEFAULT		5000
#define BUDGET_DEFAULT		20000
#define SESSIONS_DEFAULT	4
#define SESSIONS_MAX		16
#define QUEUE_FULL_RETRY_MS	5000
#define POLL_DEFAULT		300
#define POLL_MAX		86400

static const struct hs_setting_spec bgw_settings[] = {
	{ "url", 1, "the gateway's WebSocket, ws://host:port/" },
	{ "meter_key_master", 1, "32 hex digits (or env:/file:), the same "
	    "master as the core's meter_key_master" },
	{ "timeout_ms", 0, "wait this long for one reply from a meter or "
	    "the gateway (default 5000, 100..60000)" },
	{ "delivery_ms", 0, "answer a delivery within this (default 20000, "
	    "1000..600000)" },
	{ "log_pages", 0, "LOG pages read per telemetry pull, 16 hours each "
	    "(default 1, up to 24)" },
	{ "sessions", 0, "meter sessions at once per worker (default 4, up "
	    "to 16)" },
	{ "poll_seconds", 0, "read the last announced meters when no "
	    "announcement came for this long (default 300, 0 = never)" },
	{ "rate", 0, "messages per second for this node (read by the core)" },
	{ NULL, 0, NULL }
};

int64_t
bgw_now(const struct bgw *gw)
{
	return (gw->host->now_ms(gw->host->hctx));
}

void
bgw_log(const struct bgw *gw, int level, const char *fmt, ...)
{
	char	line[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	gw->host->log(gw->host->hctx, level, "%s", line);
}

uint32_t
bgw_random_below(const struct bgw *gw, uint32_t n)
{
	uint32_t	r = 0;

	if (n < 2 || gw->host->random(gw->host->hctx, &r, sizeof(r)) != HS_OK)
		return (0);
	return (r % n);
}

/* ---------------------------------------------------------------- timers */

void
bgw_timer_stop(struct bgw *gw, struct hs_timer **slot)
{
	if (*slot == NULL)
		return;
	gw->host->timer_cancel(gw->host->hctx, *slot);
	*slot = NULL;
}

void
bgw_timer_set(struct bgw *gw, struct hs_timer **slot, uint32_t ms,
    hs_timer_fn fn)
{
	bgw_timer_stop(gw, slot);
	if ((*slot = gw->host->timer(gw->host->hctx, ms, fn, gw)) == NULL)
		bgw_log(gw, HS_LOG_ERR, "the host refused a timer of %u ms",
		    ms);
}

/* The host's timers are ABI 1.2; both calls must be there. */
static int
host_has_timers(const struct hs_host *host)
{
	return (HS_HAS(host, struct hs_host, timer_cancel) &&
	    host->timer != NULL && host->timer_cancel != NULL);
}

/* ------------------------------------------------------------ settings */

static int
num_setting(const struct hs_host *host, const char *key, long def, long min,
    long max, long *out)
{
	const char	*v = host->setting(host->hctx, key);
	char		*end;

	*out = def;
	if (v == NULL)
		return (0);
	errno = 0;
	*out = strtol(v, &end, 10);
	if (end == v || *end != '\0' || errno == ERANGE || *out < min ||
	    *out > max) {
		host->log(host->hctx, HS_LOG_ERR, "%s must be a number, "
		    "%ld..%ld", key, min, max);
		return (-1);
	}
	return (0);
}

static int
url_ok(const char *url)
{
	const char	*p;

	if (url == NULL || strlen(url) > 512)
		return (0);
	if (!strncmp(url, "ws://", 5))
		p = url + 5;
	else if (!strncmp(url, "wss://", 6))
		p = url + 6;
	else
		return (0);
	return (*p != '\0' && *p != '/' && strpbrk(url, " \t\r\n") == NULL);
}

static int
bgw_configure(struct bgw *gw)
{
	const struct hs_host	*host = gw->host;
	const char		*master;
	long			 v;

	gw->url = host->setting(host->hctx, "url");
	if (!url_ok(gw->url)) {
		host->log(host->hctx, HS_LOG_ERR, "url must be ws://host:port/ "
		    "or wss://...");
		return (-1);
	}
	master = host->setting(host->hctx, "meter_key_master");
	if (master == NULL || strlen(master) != 32 ||
	    bgw_unhex(master, gw->master, sizeof(gw->master)) != 16) {
		host->log(host->hctx, HS_LOG_ERR, "meter_key_master must be 32 "
		    "hex digits");
		return (-1);
	}
	if (num_setting(host, "timeout_ms", TIMEOUT_DEFAULT, 100, 60000,
	    &v) == -1)
		return (-1);
	gw->timeout_ms = (uint32_t)v;
	if (num_setting(host, "delivery_ms", BUDGET_DEFAULT, 1000, 600000,
	    &v) == -1)
		return (-1);
	gw->budget_ms = (uint32_t)v;
	if (num_setting(host, "log_pages", 1, 1, BGW_LOG_PAGES_MAX, &v) == -1)
		return (-1);
	gw->log_pages = (uint8_t)v;
	if (num_setting(host, "sessions", SESSIONS_DEFAULT, 1, SESSIONS_MAX,
	    &v) == -1)
		return (-1);
	gw->sessions_max = (uint8_t)v;
	if (num_setting(host, "poll_seconds", POLL_DEFAULT, 0, POLL_MAX,
	    &v) == -1)
		return (-1);
	gw->poll_ms = (uint32_t)v * 1000;
	return (0);
}

static int
bgw_init(const struct hs_host *host, void **pctx)
{
	struct bgw	*gw;

	if (!host_has_timers(host)) {
		host->log(host->hctx, HS_LOG_ERR, "this plugin needs the "
		    "host's timers (plugin ABI 1.2); the host speaks ABI "
		    "%u.%u: upgrade the core", HS_ABI_MAJOR_OF(host->abi),
		    HS_ABI_MINOR_OF(host->abi));
		return (HS_E_NOTSUP);
	}
	gw = host->alloc(host->hctx, sizeof(*gw));
	memset(gw, 0, sizeof(*gw));
	gw->host = host;
	TAILQ_INIT(&gw->jobs);
	gw->backoff_ms = 1000;
	if (bgw_configure(gw) == -1) {
		hs_sts_wipe(gw->master, sizeof(gw->master));
		host->free(host->hctx, gw);
		return (HS_E_CONFIG);
	}
	bgw_gateway_connect(gw);
	*pctx = gw;
	return (HS_OK);
}

static void
bgw_fini(void *pctx)
{
	struct bgw	*gw = pctx;

	bgw_jobs_free(gw);
	bgw_gateway_stop(gw);
	bgw_timer_stop(gw, &gw->reconnect_timer);
	bgw_timer_stop(gw, &gw->deadline_timer);
	bgw_timer_stop(gw, &gw->poll_timer);
	hs_sts_wipe(gw->master, sizeof(gw->master));
	gw->host->free(gw->host->hctx, gw);
}

/* ---------------------------------------------------------------- send */

static int	answer_now(hs_send_done_fn, void *, int, uint32_t, const char *,
		    ...) __attribute__((format(printf, 5, 6)));

/* An outcome known at once: done runs before send() returns HS_OK. */
static int
answer_now(hs_send_done_fn done, void *arg, int result, uint32_t retry_ms,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	bgw_answer_v(done, arg, result, retry_ms, NULL, fmt, ap);
	va_end(ap);
	return (HS_OK);
}

static int
bgw_send(void *pctx, const struct hs_message *msg, hs_send_done_fn done,
    void *arg)
{
	struct bgw	*gw = pctx;
	struct bgw_job	*job;
	uint32_t	 meter, wait;
	char		 why[160];

	if (msg->recipient == NULL || bgw_meter_id(msg->recipient,
	    &meter) == -1)
		return (answer_now(done, arg, HS_E_INVALID, 0, "the recipient "
		    "must be the meter's BLE id, 8 hex digits"));
	job = bgw_job_new(gw, BGW_DELIVER, meter);
	if (bgw_session_tokens(job, msg->body, msg->body_len, why,
	    sizeof(why)) != NULL) {
		bgw_job_free(job);
		return (answer_now(done, arg, HS_E_INVALID, 0, "%s", why));
	}
	/* Reconnecting is the reconnect timer's business, not ours. */
	if (gw->link == NULL) {
		bgw_job_free(job);
		wait = bgw_gateway_wait_ms(gw);
		return (answer_now(done, arg, HS_E_UNAVAILABLE, wait < 1000 ?
		    1000 : wait, "not connected to the gateway at %s", gw->url));
	}
	if (gw->ndeliveries >= BGW_DELIVERIES_MAX ||
	    gw->njobs >= BGW_JOBS_MAX) {
		bgw_job_free(job);
		return (answer_now(done, arg, HS_E_UNAVAILABLE,
		    QUEUE_FULL_RETRY_MS, "%zu deliveries are waiting for the "
		    "gateway", gw->ndeliveries));
	}
	job->done = done;
	job->arg = arg;
	job->budget_ms = bgw_now(gw) + gw->budget_ms;
	bgw_job_queue(gw, job);
	bgw_jobs_run(gw);
	return (HS_E_PENDING);
}

static const struct hs_transport_ops bgw_ops = {
	.size = sizeof(struct hs_transport_ops),
	.channel = "ble",
	.max_rate = 20,
	.send = bgw_send,
	.verify_status = NULL,
};

static const struct hs_plugin bgw_plugin = {
	.size = sizeof(struct hs_plugin),
	.abi = HS_ABI_VERSION,
	.kind = HS_KIND_TRANSPORT,
	.name = "ble-gateway",
	.version = "1.1",
	.description = "STS tokens and telemetry through a BLE gateway's "
	    "WebSocket",
	.settings = bgw_settings,
	.init = bgw_init,
	.fini = bgw_fini,
	.ops = &bgw_ops,
};

HS_EXPORT const struct hs_plugin *
hs_plugin_entry(uint32_t host_abi)
{
	if (HS_ABI_MAJOR_OF(host_abi) != HS_ABI_MAJOR)
		return (NULL);
	return (&bgw_plugin);
}
