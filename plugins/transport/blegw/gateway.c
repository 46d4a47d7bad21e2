/*
 * The WebSocket to the building gateway, one per worker, opened through
 * the host (host->ws_connect) and kept open.
 *
 * Reconnecting needs no send(): whenever the connection closes, fails to
 * open or is dropped by us, a host timer (ABI 1.2) makes the next attempt
 * after a wait drawn from [b/2, b], where b starts at 1 s and doubles up
 * to 60 s.  The jitter keeps a core's workers (and several cores) from
 * knocking on a restarted gateway all in the same millisecond.  b goes
 * back to 1 s once a connection has stayed up STABLE_MS: resetting it on
 * every handshake would hammer a gateway that accepts and at once hangs
 * up.  Until the attempt succeeds, send() answers HS_E_UNAVAILABLE with
 * the time left as retry_after_ms.
 *
 * A gateway that stops answering while its socket stays open: the
 * gateway itself owes an answer to every "open" ("opened" or "error"),
 * within the reply timeout.  When an "open" goes unanswered that long and
 * nothing at all came from the gateway meanwhile (blegw.c, jobs_expire),
 * bgw_gateway_drop closes the socket, fails every job and reconnects
 * after the backoff.  A meter that stops answering is not the gateway's
 * fault: its "opened" came, and only its own session fails.
 *
 * The host delivers on_close after ws_close, possibly after fini() has
 * freed the plugin; so the callbacks' argument is a small record of its
 * own (struct bgw_link) that fini (or a drop) detaches and on_close
 * frees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blegw.h"

#define BACKOFF_MIN_MS		1000
#define BACKOFF_MAX_MS		60000
#define STABLE_MS		10000	/* up this long: backoff from 1 s */
#define DROP_LOG_MS		10000	/* one line per 10 s of bad input */

struct bgw_link {
	struct bgw	*gw;		/* NULL once the plugin let go */
	struct hs_ws	*ws;
	int64_t		 opened_ms;	/* 0 until the handshake is done */
};

static void	link_open(void *, struct hs_ws *);
static void	link_message(void *, struct hs_ws *, const void *, size_t,
		    int);
static void	link_close(void *, struct hs_ws *, int, const char *);

static const struct hs_ws_events	link_events = {
	.size = sizeof(struct hs_ws_events),
	.on_open = link_open,
	.on_message = link_message,
	.on_close = link_close,
};

static void
reconnect_fire(void *arg)
{
	struct bgw	*gw = arg;

	gw->reconnect_timer = NULL;
	bgw_gateway_connect(gw);
}

/* Plan the next attempt; returns the wait. */
static uint32_t
retry_later(struct bgw *gw)
{
	uint32_t	wait;

	wait = gw->backoff_ms - bgw_random_below(gw, gw->backoff_ms / 2 + 1);
	gw->backoff_ms = gw->backoff_ms >= BACKOFF_MAX_MS / 2 ?
	    BACKOFF_MAX_MS : gw->backoff_ms * 2;
	gw->next_connect_ms = bgw_now(gw) + wait;
	bgw_timer_set(gw, &gw->reconnect_timer, wait, reconnect_fire);
	return (wait);
}

void
bgw_gateway_connect(struct bgw *gw)
{
	struct hs_ws_conf	 conf;
	struct bgw_link		*link;

	if (gw->link != NULL)
		return;
	bgw_timer_stop(gw, &gw->reconnect_timer);
	gw->next_connect_ms = 0;
	if ((link = calloc(1, sizeof(*link))) == NULL) {
		bgw_log(gw, HS_LOG_ERR, "out of memory; connecting to %s "
		    "again in %u ms", gw->url, retry_later(gw));
		return;
	}
	memset(&conf, 0, sizeof(conf));
	conf.size = sizeof(conf);
	conf.url = gw->url;
	conf.subprotocol = BGW_SUBPROTOCOL;
	conf.connect_timeout_ms = gw->timeout_ms < 2000 ? 2000 :
	    gw->timeout_ms;
	link->gw = gw;
	if ((link->ws = gw->host->ws_connect(gw->host->hctx, &conf,
	    &link_events, link)) == NULL) {
		free(link);
		bgw_log(gw, HS_LOG_WARNING, "the host refused to connect to "
		    "%s; next try in %u ms", gw->url, retry_later(gw));
		return;
	}
	gw->link = link;
}

/*
 * The connection is gone (closed, never opened, or dropped by us): plan
 * the next attempt, then fail every job, telling the deliveries when it
 * is.  opened_ms is when it opened, 0 if it never did.
 */
static void
lost(struct bgw *gw, int64_t opened_ms, int level, const char *why)
{
	uint32_t	wait;

	gw->link = NULL;
	gw->up = 0;
	bgw_timer_stop(gw, &gw->poll_timer);
	if (opened_ms != 0 && bgw_now(gw) - opened_ms >= STABLE_MS)
		gw->backoff_ms = BACKOFF_MIN_MS;
	wait = retry_later(gw);
	bgw_log(gw, level, "%s; connecting to %s again in %u ms", why,
	    gw->url, wait);
	bgw_jobs_abort(gw, why);
}

/* fini: close without hearing back; link_close frees the record. */
void
bgw_gateway_stop(struct bgw *gw)
{
	if (gw->link == NULL)
		return;
	gw->link->gw = NULL;
	gw->host->ws_close(gw->host->hctx, gw->link->ws);
	gw->link = NULL;
	gw->up = 0;
}

void
bgw_gateway_drop(struct bgw *gw, const char *why)
{
	int64_t	opened;

	if (gw->link == NULL)
		return;
	opened = gw->link->opened_ms;
	bgw_gateway_stop(gw);
	lost(gw, opened, HS_LOG_WARNING, why);
}

int
bgw_gateway_send(struct bgw *gw, const char *msg, int len)
{
	if (gw->link == NULL || !gw->up || len < 0)
		return (-1);
	if (gw->host->ws_send(gw->host->hctx, gw->link->ws, msg, (size_t)len,
	    0) != HS_OK)
		return (-1);
	return (0);
}

uint32_t
bgw_gateway_wait_ms(const struct bgw *gw)
{
	int64_t	now = bgw_now(gw);

	if (gw->link != NULL || gw->reconnect_timer == NULL ||
	    now >= gw->next_connect_ms)
		return (0);
	return ((uint32_t)(gw->next_connect_ms - now));
}

static void
link_open(void *arg, struct hs_ws *ws)
{
	struct bgw_link	*link = arg;
	struct bgw	*gw = link->gw;

	(void)ws;
	if (gw == NULL)
		return;
	link->opened_ms = gw->heard_ms = bgw_now(gw);
	gw->up = 1;
	bgw_log(gw, HS_LOG_INFO, "connected to the gateway at %s", gw->url);
	bgw_poll_arm(gw);
	bgw_jobs_run(gw);
}

/* Bad input is logged, but at most one line per DROP_LOG_MS. */
static void
drop(struct bgw *gw, const char *why, size_t len)
{
	int64_t	now = bgw_now(gw);

	gw->drops++;
	if (gw->drop_log_ms != 0 && now - gw->drop_log_ms < DROP_LOG_MS)
		return;
	bgw_log(gw, HS_LOG_WARNING, "dropped %u message(s) from the gateway; "
	    "the last: %s (%zu bytes)", gw->drops, why, len);
	gw->drops = 0;
	gw->drop_log_ms = now;
}

static void
link_message(void *arg, struct hs_ws *ws, const void *data, size_t len,
    int binary)
{
	struct bgw_link	*link = arg;
	struct bgw	*gw = link->gw;
	struct bgw_msg	*m;
	const char	*why;

	(void)ws;
	if (gw == NULL)
		return;
	/* Even a message we drop shows the gateway is alive. */
	gw->heard_ms = bgw_now(gw);
	if (binary) {
		drop(gw, "a binary message", len);
		return;
	}
	if (len > BGW_MESSAGE_MAX) {
		drop(gw, "over 16 KiB", len);
		return;
	}
	/* About 1.5 KB; not on the worker's stack. */
	m = gw->host->alloc(gw->host->hctx, sizeof(*m));
	if ((why = bgw_msg_parse(data, len, m)) != NULL)
		drop(gw, why, len);
	else
		bgw_jobs_message(gw, m);
	gw->host->free(gw->host->hctx, m);
}

static void
link_close(void *arg, struct hs_ws *ws, int code, const char *reason)
{
	struct bgw_link	*link = arg;
	struct bgw	*gw = link->gw;
	int64_t		 opened = link->opened_ms;
	char		 why[160];

	(void)ws;
	free(link);
	if (gw == NULL)
		return;
	snprintf(why, sizeof(why), "the gateway connection closed (%d%s%s)",
	    code, reason != NULL && reason[0] != '\0' ? ": " : "",
	    reason != NULL ? reason : "");
	lost(gw, opened, opened != 0 ? HS_LOG_NOTICE : HS_LOG_WARNING, why);
}
