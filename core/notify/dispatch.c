/*
 * The outbox dispatcher: sends the notifications events wrote into the
 * outbox (migration 0011) through the transport plugins.
 *
 * Every worker of every node runs one.  For each configured transport
 * channel it claims due messages with SKIP LOCKED (hs_outbox_claim), at
 * most what the channel's rate allows this worker (a token bucket: the
 * channel's rate divided among the node's workers), calls the plugin's
 * send() and records the outcome:
 *   - accepted: sent (a delivery report may later mark it delivered);
 *   - timeout, 429, 5xx (HS_E_UNAVAILABLE): queued again after the
 *     plugin's Retry-After or exponential backoff with jitter, up to
 *     DISPATCH_ATTEMPTS;
 *   - anything else: failed, never retried.
 * A message is claimed with a lease.  If its worker dies mid-send, the
 * sweep queues it again only on channels whose peer dedupes on the
 * message id (webhook, push); elsewhere (SMS) the send may have reached
 * the provider, so it is marked unknown: never sent twice.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include <kore/kore.h>

#include "api/result.h"
#include "db/db.h"
#include "http/routes.h"
#include "notify/notify.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "server/server.h"

#define DISPATCH_TICK_MS	50
#define DISPATCH_BATCH		64
#define DISPATCH_INFLIGHT	256	/* per channel and worker */
#define DISPATCH_ATTEMPTS	10
#define DISPATCH_LEASE		"30 seconds"
#define DISPATCH_RETRY_MS	1000
#define DISPATCH_RETRY_CAP_MS	(10 * 60 * 1000)
#define SWEEP_MS		10000
#define CHANNELS_MAX		8

struct channel {
	char			 name[32];
	struct hs_plugin_slot	*slot;
	const struct hs_transport_ops *ops;
	double			 rate;		/* messages/s for this worker */
	double			 tokens;	/* the bucket */
	uint64_t		 refilled_ms;
	int			 inflight;
	int			 claiming;
	int			 more;		/* a full batch: claim again */
};

struct sending {
	struct channel	*ch;
	int64_t		 id;
	int		 attempts;
	char		 message_id[32];
};

static struct channel	channels[CHANNELS_MAX];
static int		nchannels;
static char		worker_name[96];
static const char	*resendable = "{webhook,push}";

static void	dispatch_channel(struct channel *);

static void
recorded(void *arg, PGresult *res, const char *error, const char *state)
{
	struct sending	*s = arg;

	(void)state;
	if (error != NULL)
		hs_log(HS_LOG_WARNING, "notify.record", "message %lld: %s "
		    "(its lease runs out and the sweep decides)",
		    (long long)s->id, error);
	if (res != NULL)
		PQclear(res);
	s->ch->inflight--;
	free(s);
}

static uint32_t
backoff(int attempts)
{
	uint64_t	ms;
	uint32_t	jitter;

	ms = (uint64_t)DISPATCH_RETRY_MS << (attempts > 20 ? 20 :
	    attempts - 1);
	if (ms > DISPATCH_RETRY_CAP_MS)
		ms = DISPATCH_RETRY_CAP_MS;
	if (RAND_bytes((unsigned char *)&jitter, sizeof(jitter)) != 1)
		jitter = 0;
	return ((uint32_t)(ms + jitter % (ms / 4 + 1)));
}

static void
sent(void *arg, const struct hs_delivery *d)
{
	struct sending	*s = arg;
	const char	*params[6];
	char		 id[24], retry[16], detail[300];
	int		 ok, again;

	ok = d->result == HS_OK;
	again = d->result == HS_E_UNAVAILABLE &&
	    s->attempts < DISPATCH_ATTEMPTS;
	snprintf(id, sizeof(id), "%lld", (long long)s->id);
	snprintf(retry, sizeof(retry), "%u", d->retry_after_ms ?
	    d->retry_after_ms : backoff(s->attempts));
	snprintf(detail, sizeof(detail), "%s%s", d->detail[0] ? d->detail :
	    (ok ? "" : "send failed"), again ? "; will retry" : "");
	if (ok)
		hs_metrics_self()->notify_sent++;
	else if (again)
		hs_metrics_self()->notify_retried++;
	else
		hs_metrics_self()->notify_failed++;
	params[0] = id;
	params[1] = worker_name;
	params[2] = ok ? "true" : "false";
	params[3] = again ? retry : NULL;
	params[4] = d->provider_ref[0] ? d->provider_ref : NULL;
	params[5] = ok ? NULL : detail;
	if (hs_db_query_bg("SELECT hs_outbox_result($1, $2, $3::boolean, "
	    "$4::integer, $5, $6)", 6, params, recorded, s) == -1)
		recorded(s, NULL, "database queue full", "");
}

static void
send_one(struct channel *ch, PGresult *res, int row)
{
	struct hs_message	 msg;
	struct hs_delivery	 d;
	struct sending		*s;
	int			 rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("dispatch: out of memory");
	s->ch = ch;
	s->id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
	s->attempts = atoi(PQgetvalue(res, row, 10));
	/* Stable across retries: peers dedupe on it. */
	snprintf(s->message_id, sizeof(s->message_id), "msg-%lld",
	    (long long)s->id);
	ch->inflight++;
	memset(&msg, 0, sizeof(msg));
	msg.size = sizeof(msg);
	msg.message_id = s->message_id;
	msg.recipient = PQgetvalue(res, row, 5);
	msg.subject = PQgetisnull(res, row, 6) ? NULL :
	    PQgetvalue(res, row, 6);
	msg.body = PQgetvalue(res, row, 7);
	msg.body_len = (size_t)PQgetlength(res, row, 7);
	rc = ch->ops->send(ch->slot->pctx, &msg, sent, s);
	if (rc != HS_OK && rc != HS_E_PENDING) {
		/* Refused at once: done() never runs. */
		memset(&d, 0, sizeof(d));
		d.size = sizeof(d);
		d.result = rc;
		snprintf(d.detail, sizeof(d.detail), "refused by the plugin "
		    "(%d)", rc);
		sent(s, &d);
	}
}

static void
claimed(void *arg, PGresult *res, const char *error, const char *state)
{
	struct channel	*ch = arg;
	int		 i, n;

	(void)state;
	ch->claiming = 0;
	if (error != NULL) {
		hs_log(HS_LOG_WARNING, "notify.claim", "%s: %s", ch->name,
		    error);
		return;
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++)
		send_one(ch, res, i);
	PQclear(res);
	ch->more = n == DISPATCH_BATCH;
	if (ch->more)
		dispatch_channel(ch);
}

static void
refill(struct channel *ch, uint64_t now)
{
	if (ch->rate <= 0) {
		ch->tokens = DISPATCH_BATCH;
		return;
	}
	ch->tokens += (double)(now - ch->refilled_ms) * ch->rate / 1000.0;
	if (ch->tokens > ch->rate && ch->tokens > 1)
		ch->tokens = ch->rate > 1 ? ch->rate : 1;
	ch->refilled_ms = now;
}

static void
dispatch_channel(struct channel *ch)
{
	const char	*params[4];
	char		 limit[16];
	int		 n;

	refill(ch, kore_time_ms());
	n = (int)ch->tokens;
	if (n > DISPATCH_BATCH)
		n = DISPATCH_BATCH;
	if (n > DISPATCH_INFLIGHT - ch->inflight)
		n = DISPATCH_INFLIGHT - ch->inflight;
	if (ch->claiming || n <= 0)
		return;
	ch->tokens -= n;
	snprintf(limit, sizeof(limit), "%d", n);
	params[0] = ch->name;
	params[1] = worker_name;
	params[2] = limit;
	params[3] = DISPATCH_LEASE;
	ch->claiming = 1;
	if (hs_db_query_bg("SELECT * FROM hs_outbox_claim($1, $2, $3::integer, "
	    "$4::interval)", 4, params, claimed, ch) == -1) {
		ch->claiming = 0;
		ch->tokens += n;
	}
}

static void
tick(void *arg, u_int64_t now)
{
	int	i;

	(void)arg;
	(void)now;
	for (i = 0; i < nchannels; i++)
		dispatch_channel(&channels[i]);
}

static void
swept(void *arg, PGresult *res, const char *error, const char *state)
{
	(void)arg;
	(void)state;
	if (error != NULL)
		hs_log(HS_LOG_WARNING, "notify.sweep", "%s", error);
	else if (atoi(PQgetvalue(res, 0, 0)) > 0)
		hs_log(HS_LOG_WARNING, "notify.sweep", "%s message(s) left "
		    "mid-send by a stopped worker", PQgetvalue(res, 0, 0));
	if (res != NULL)
		PQclear(res);
}

static void
sweep(void *arg, u_int64_t now)
{
	const char	*params[1];

	(void)arg;
	(void)now;
	params[0] = resendable;
	hs_db_query_bg("SELECT hs_outbox_sweep($1::text[])", 1, params, swept,
	    NULL);
}

void
hs_notify_setup(const struct hs_config *conf, const char *name, int workers)
{
	const struct hs_transport_ops	*ops;
	struct hs_plugin_slot		*slot;
	struct channel			*ch;
	const char			*rate;
	size_t				 i;

	snprintf(worker_name, sizeof(worker_name), "%s", name);
	for (i = 0; i < conf->nplugins && nchannels < CHANNELS_MAX; i++) {
		if ((slot = hs_server_plugin(conf->plugins[i].name)) == NULL ||
		    (ops = hs_plugin_transport(slot)) == NULL ||
		    ops->channel == NULL || ops->send == NULL)
			continue;
		ch = &channels[nchannels++];
		snprintf(ch->name, sizeof(ch->name), "%s", ops->channel);
		ch->slot = slot;
		ch->ops = ops;
		/* A setting "rate" overrides what the plugin declares. */
		rate = hs_conf_plugin_setting(slot->conf, "rate");
		ch->rate = rate ? atof(rate) : (double)ops->max_rate;
		if (ch->rate > 0)
			ch->rate /= workers > 0 ? workers : 1;
		ch->refilled_ms = kore_time_ms();
		ch->tokens = ch->rate > 0 ? 1 : DISPATCH_BATCH;
	}
	if (nchannels == 0)
		return;
	kore_timer_add(tick, DISPATCH_TICK_MS, NULL, 0);
	kore_timer_add(sweep, SWEEP_MS, NULL, 0);
}

/*
 * POST /api/v1/transports/{name}/status: a provider's delivery report.
 * The plugin verifies it (signature or shared token) before anything is
 * believed; a forged report is refused and changes nothing.
 */
int
hs_notify_status(struct hs_req *r)
{
	const struct hs_transport_ops	*ops;
	struct hs_plugin_slot		*slot;
	struct hs_http_header		 hdr[48];
	char				 lower[48][64];
	const void			*body;
	const char			*params[4];
	char				 ref[128], addr[64];
	size_t				 n, len;
	int				 delivered = 0, rc;

	if (r->phase > 0) {
		if (r->error[0] != '\0')
			return (hs_reply_error(r, 503, "unavailable", "not "
			    "recorded; report again", NULL));
		return (hs_reply(r, 200, "application/json",
		    "{\"ok\": true}", 12));
	}
	if ((slot = hs_server_plugin(r->params[0])) == NULL ||
	    (ops = hs_plugin_transport(slot)) == NULL ||
	    ops->verify_status == NULL)
		return (hs_reply_error(r, 404, "not_found", "no transport of "
		    "that name takes delivery reports", NULL));
	n = hs_req_headers(r, hdr, lower, 48);
	body = hs_req_body(r, &len);
	rc = ops->verify_status(slot->pctx, hdr, n, body, len, ref,
	    sizeof(ref), &delivered);
	if (rc == HS_E_DENIED) {
		hs_req_address(r, addr, sizeof(addr));
		hs_log(HS_LOG_WARNING, "notify.status_rejected", "transport "
		    "%s: a delivery report from %s failed verification",
		    r->params[0], addr);
		return (hs_reply_error(r, 401, "unverified", "the report's "
		    "signature does not verify", NULL));
	}
	if (rc == HS_E_PENDING)
		return (hs_reply(r, 200, "application/json",
		    "{\"ok\": true}", 12));
	if (rc != HS_OK)
		return (hs_reply_error(r, 400, "malformed", "the report "
		    "cannot be read", NULL));
	params[0] = ops->channel;
	params[1] = ref;
	params[2] = delivered ? "true" : "false";
	params[3] = delivered ? NULL : "the provider reports it undelivered";
	return (hs_req_query(r, "SELECT hs_outbox_delivery($1, $2, "
	    "$3::boolean, $4)", 4, params));
}
