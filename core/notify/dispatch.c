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
 * Outcomes are recorded in batches: whatever finished while the last
 * batch was being written goes in the next statement (group commit), so
 * a busy channel pays one commit per batch, an idle one none of the wait.
 * A message is claimed with a lease.  If its worker dies mid-send, the
 * sweep queues it again only on channels where a second delivery is
 * harmless (webhook, push, ble); elsewhere (SMS) the send may have reached
 * the provider, so it is marked unknown: never sent twice.
 */
#include <sys/queue.h>

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
#define RECORD_BATCH		256	/* outcomes per statement */

struct sending;
TAILQ_HEAD(sendings, sending);

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
	struct sendings		 done;		/* outcomes to record */
	int			 recording;	/* a batch is being written */
};

struct sending {
	struct channel	*ch;
	int64_t		 id;
	int		 attempts;
	char		 message_id[32];
	/* The outcome, once sent. */
	int		 ok;
	int		 again;
	uint32_t	 retry_ms;
	char		 ref[128];
	char		 detail[300];
	TAILQ_ENTRY(sending) list;
};

/* The outcomes one statement records. */
struct record {
	struct channel	*ch;
	int		 n;
	struct sending	*s[RECORD_BATCH];
};

static struct channel	channels[CHANNELS_MAX];
static int		nchannels;
static char		worker_name[96];
/*
 * Channels whose peer makes a second delivery harmless: webhook receivers
 * and browsers dedupe on the message id, and a meter answers a token it
 * already took "already used", which the ble transport counts as
 * delivered.
 */
static const char	*resendable = "{webhook,push,ble}";

static void	dispatch_channel(struct channel *);

static void	record_flush(struct channel *);

static void
recorded(void *arg, PGresult *res, const char *error, const char *state)
{
	struct record	*r = arg;
	struct channel	*ch = r->ch;
	int		 i;

	(void)state;
	if (error != NULL)
		hs_log(HS_LOG_WARNING, "notify.record", "%d outcome(s): %s "
		    "(their leases run out and the sweep decides)", r->n,
		    error);
	if (res != NULL)
		PQclear(res);
	for (i = 0; i < r->n; i++)
		free(r->s[i]);
	ch->inflight -= r->n;
	ch->recording = 0;
	free(r);
	record_flush(ch);
}

/* Write the channel's finished sends, unless a batch is being written. */
static void
record_flush(struct channel *ch)
{
	struct record	*r;
	struct sending	*s;
	const char	*ids[RECORD_BATCH], *oks[RECORD_BATCH];
	const char	*retries[RECORD_BATCH], *refs[RECORD_BATCH];
	const char	*errors[RECORD_BATCH];
	char		 idbuf[RECORD_BATCH][24], retrybuf[RECORD_BATCH][16];
	char		*params[6];
	int		 i, rc;

	if (ch->recording || TAILQ_EMPTY(&ch->done))
		return;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatal("dispatch: out of memory");
	r->ch = ch;
	while (r->n < RECORD_BATCH && (s = TAILQ_FIRST(&ch->done)) != NULL) {
		TAILQ_REMOVE(&ch->done, s, list);
		i = r->n++;
		r->s[i] = s;
		snprintf(idbuf[i], sizeof(idbuf[i]), "%lld", (long long)s->id);
		snprintf(retrybuf[i], sizeof(retrybuf[i]), "%u", s->retry_ms);
		ids[i] = idbuf[i];
		oks[i] = s->ok ? "t" : "f";
		retries[i] = s->again ? retrybuf[i] : NULL;
		refs[i] = s->ref[0] ? s->ref : NULL;
		errors[i] = s->ok ? NULL : s->detail;
	}
	params[0] = worker_name;
	params[1] = hs_db_array(ids, (size_t)r->n);
	params[2] = hs_db_array(oks, (size_t)r->n);
	params[3] = hs_db_array(retries, (size_t)r->n);
	params[4] = hs_db_array(refs, (size_t)r->n);
	params[5] = hs_db_array(errors, (size_t)r->n);
	ch->recording = 1;
	rc = hs_db_query_bg("SELECT hs_outbox_results($1, $2::bigint[], "
	    "$3::boolean[], $4::integer[], $5::text[], $6::text[])", 6,
	    (const char *const *)params, recorded, r);
	for (i = 1; i < 6; i++)
		free(params[i]);
	if (rc == -1)
		recorded(r, NULL, "database queue full", "");
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

	s->ok = d->result == HS_OK;
	s->again = d->result == HS_E_UNAVAILABLE &&
	    s->attempts < DISPATCH_ATTEMPTS;
	s->retry_ms = d->retry_after_ms ? d->retry_after_ms :
	    backoff(s->attempts);
	snprintf(s->ref, sizeof(s->ref), "%s", d->provider_ref);
	snprintf(s->detail, sizeof(s->detail), "%s%s", d->detail[0] ?
	    d->detail : (s->ok ? "" : "send failed"), s->again ?
	    "; will retry" : "");
	if (s->ok)
		hs_metrics_self()->notify_sent++;
	else if (s->again)
		hs_metrics_self()->notify_retried++;
	else
		hs_metrics_self()->notify_failed++;
	TAILQ_INSERT_TAIL(&s->ch->done, s, list);
	record_flush(s->ch);
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
		TAILQ_INIT(&ch->done);
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
