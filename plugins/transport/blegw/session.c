/*
 * One session with one meter, as the trusted server side of the BLE
 * protocol (meter-firmware/docs/ble-protocol.md): HELLO, AUTH under K,
 * then a delivery's TOKENs, then STATUS, INFO, LOG pages and the
 * TELEMETRY tag.  Each step sends one frame through the gateway and waits
 * for the reply with the same SEQ; anything else the meter sends (ALERTs,
 * a late reply of an earlier session) is ignored.  Every MAC'd reply is
 * checked under Ks and kept, with our own copy of the meter's transcript,
 * so the telemetry tag is checked here before the upload is queued; the
 * core checks it again.
 *
 * A delivery retried after a lost reply finds its tokens used: T_USED is
 * a delivery.  Its key change tokens then fail to decrypt (the meter
 * already has the new key): when a key change token is T_INVALID we go
 * straight to the last (credit) token, which decrypts under the new key
 * only if the change happened, so its answer decides.
 */
#include <stdio.h>
#include <string.h>

#include "sts/sts.h"
#include "../../lib/pjson.h"
#include "blegw.h"
#include "bytes.h"
#include "meter.h"
#include "proto.h"

#define BODY_MAX	4096
#define PAYLOAD_MAX	4096
#define SEQ_START_MAX	64	/* leaves room for the longest session */

void
bgw_meter_key(const uint8_t master[16], uint32_t meter, uint8_t k[16])
{
	uint8_t	msg[8];

	memcpy(msg, "HSK1", 4);
	hs_put32(msg + 4, meter);
	hs_cmac(master, msg, sizeof(msg), k);
}

const char *
bgw_session_tokens(struct bgw_job *job, const char *body, size_t len,
    char *why, size_t whylen)
{
	struct hs_sts_number	num;
	char			id[16], path[32], digits[32];
	uint32_t		meter;
	int			type;

	if (body == NULL || len == 0 || len > BODY_MAX ||
	    pjson_type(body, len, "") != PJSON_OBJECT) {
		snprintf(why, whylen, "the body must be a JSON object of at "
		    "most 4 KiB");
		return (why);
	}
	if (pjson_string(body, len, "meter_id", id, sizeof(id)) == -1 ||
	    bgw_meter_id(id, &meter) == -1 || meter != job->meter) {
		snprintf(why, whylen, "meter_id must be the recipient's 8 hex "
		    "digits");
		return (why);
	}
	if (pjson_type(body, len, "tokens") != PJSON_ARRAY) {
		snprintf(why, whylen, "tokens must be a list");
		return (why);
	}
	for (job->ntokens = 0;; job->ntokens++) {
		snprintf(path, sizeof(path), "tokens.%u", job->ntokens);
		if ((type = pjson_type(body, len, path)) == -1)
			break;
		if (job->ntokens == BGW_TOKENS_MAX) {
			snprintf(why, whylen, "at most %d tokens",
			    BGW_TOKENS_MAX);
			return (why);
		}
		if (type != PJSON_STRING || pjson_string(body, len, path,
		    digits, sizeof(digits)) == -1 ||
		    strlen(digits) != HS_TOKEN_DIGITS ||
		    strspn(digits, "0123456789") != HS_TOKEN_DIGITS ||
		    hs_sts_number_parse(&num, digits, HS_TOKEN_DIGITS) !=
		    HS_STS_OK) {
			snprintf(why, whylen, "tokens[%u] is not a 20-digit "
			    "token number", job->ntokens);
			return (why);
		}
		memcpy(job->tokens[job->ntokens], num.b, BGW_TOKEN_BYTES);
	}
	if (job->ntokens == 0) {
		snprintf(why, whylen, "tokens is empty");
		return (why);
	}
	return (NULL);
}

/* ------------------------------------------------------------- sending */

/* One request frame, MAC'd when mac is set; the step's clock starts. */
static void
request(struct bgw_job *job, uint8_t type, const uint8_t *body, uint8_t n,
    int mac)
{
	struct bgw	*gw = job->gw;
	uint8_t		 pl[HS_FRAME_MAX_PAYLOAD], out[HS_FRAME_MAX], len;
	char		 msg[128];

	if (n > 0)
		memcpy(pl, body, n);
	if (mac) {
		hs_proto_mac(job->ks, HS_DIR_PHONE, type, job->seq, pl, n,
		    pl + n);
		n = (uint8_t)(n + HS_MAC_LEN);
	}
	len = hs_frame_encode(type, job->seq, pl, n, out);
	job->deadline_ms = bgw_now(gw) + gw->timeout_ms;
	/* Unsent: the gateway link is closing and will fail the job. */
	(void)bgw_gateway_send(gw, msg, bgw_msg_tx(msg, sizeof(msg),
	    job->meter, out, len));
}

static void
send_token(struct bgw_job *job)
{
	job->step = BGW_TOKEN;
	job->seq++;
	request(job, HS_MSG_TOKEN, job->tokens[job->itoken], BGW_TOKEN_BYTES,
	    1);
}

static void
send_read(struct bgw_job *job, enum bgw_step step)
{
	static const uint8_t	types[] = {
		[BGW_STATUS] = HS_MSG_STATUS,
		[BGW_INFO] = HS_MSG_INFO,
		[BGW_LOG] = HS_MSG_LOG,
		[BGW_TELEMETRY] = HS_MSG_TELEMETRY,
	};

	job->step = step;
	job->seq++;
	if (step == BGW_LOG)
		request(job, HS_MSG_LOG, &job->page, 1, 1);
	else
		request(job, types[step], NULL, 0, 1);
}

void
bgw_session_begin(struct bgw_job *job)
{
	const struct hs_host	*host = job->gw->host;
	uint8_t			 r = 0;

	hs_frame_rx_init(&job->rx);
	/*
	 * HELLO takes any SEQ.  A random start keeps a late reply from an
	 * earlier session on the same link from passing for ours.
	 */
	(void)host->random(host->hctx, &r, 1);
	job->seq = (uint8_t)(1 + r % SEQ_START_MAX);
	job->step = BGW_HELLO;
	request(job, HS_MSG_HELLO, NULL, 0, 0);
}

/* ----------------------------------------------------------- receiving */

static const char *
token_result(uint8_t r)
{
	switch (r) {
	case HS_TOK_FORMAT:
		return ("not a token number");
	case HS_TOK_INVALID:
		return ("invalid (another meter's token, a typo or a forgery)");
	case HS_TOK_OLD:
		return ("older than every token the meter remembers, so it "
		    "cannot tell whether this one was entered; check the "
		    "meter's credit");
	case HS_TOK_KEY_EXPIRED:
		return ("issued after the meter's key expired");
	case HS_TOK_DDTK:
		return ("credit refused on a default key");
	case HS_TOK_UNSUPPORTED:
		return ("not a water meter token");
	case HS_TOK_KEY_TYPE:
		return ("a key change to a factory key");
	case HS_TOK_NO_KEY:
		return ("the meter has no usable key");
	default:
		return ("refused");
	}
}

/* A MAC'd reply: check its MAC, add it to the transcript and keep it. */
static int
keep_reply(struct bgw_job *job, const struct hs_frame *f, uint8_t body_len)
{
	struct bgw_frame	*rec;
	uint8_t			 mac[HS_MAC_LEN];

	if (f->len != body_len + HS_MAC_LEN ||
	    job->nframes == BGW_FRAMES_MAX)
		return (-1);
	hs_proto_mac(job->ks, HS_DIR_METER, f->type, f->seq, f->payload,
	    body_len, mac);
	if (!hs_cmac_equal(mac, f->payload + body_len, HS_MAC_LEN))
		return (-1);
	hs_proto_transcript_add(&job->tr, f->type, f->seq, f->payload,
	    body_len);
	rec = &job->frames[job->nframes++];
	rec->type = f->type;
	rec->seq = f->seq;
	rec->n = body_len;
	memcpy(rec->body, f->payload, body_len);
	return (0);
}

/* Returns 1: the job is gone. */
static int
on_hello(struct bgw_job *job, const struct hs_frame *f)
{
	const struct hs_host	*host = job->gw->host;
	uint8_t			 b[8 + HS_AUTH_TAG_LEN];

	if (f->len != 13 || f->payload[12] < HS_PROTO_VERSION) {
		bgw_job_fail(job, HS_E_UNAVAILABLE, 0, "a malformed HELLO "
		    "reply");
		return (1);
	}
	if (hs_get32(f->payload) != job->meter) {
		bgw_job_fail(job, HS_E_UNAVAILABLE, 0, "the gateway connected "
		    "us to meter %08x, not %08x", hs_get32(f->payload),
		    job->meter);
		return (1);
	}
	memcpy(job->nm, f->payload + 4, 8);
	if (host->random(host->hctx, job->np, sizeof(job->np)) != HS_OK) {
		bgw_job_fail(job, HS_E_INTERNAL, 0, "no random bytes for Np");
		return (1);
	}
	memcpy(b, job->np, 8);
	hs_proto_auth_tag(job->k, HS_LABEL_AUTH_PHONE, job->meter, job->nm,
	    job->np, b + 8);
	job->step = BGW_AUTH;
	job->seq++;
	request(job, HS_MSG_AUTH, b, sizeof(b), 0);
	return (0);
}

static int
on_auth(struct bgw_job *job, const struct hs_frame *f)
{
	uint8_t	tag[HS_AUTH_TAG_LEN];

	hs_proto_auth_tag(job->k, HS_LABEL_AUTH_METER, job->meter, job->np,
	    job->nm, tag);
	if (f->len != HS_AUTH_TAG_LEN + 1 ||
	    !hs_cmac_equal(tag, f->payload, HS_AUTH_TAG_LEN)) {
		bgw_job_fail(job, HS_E_DENIED, 0, "meter %08x did not prove "
		    "it holds K: another device, or a relay that tampers",
		    job->meter);
		return (1);
	}
	hs_proto_session_key(job->k, job->nm, job->np, job->ks);
	hs_proto_transcript_init(&job->tr, job->k, job->meter, job->nm,
	    job->np);
	job->nframes = 0;
	if (job->kind == BGW_DELIVER)
		send_token(job);
	else
		send_read(job, BGW_STATUS);
	return (0);
}

static int
on_token(struct bgw_job *job, const struct hs_frame *f)
{
	uint8_t	r, last = (uint8_t)(job->ntokens - 1);
	char	nm[17];

	if (keep_reply(job, f, 6) == -1) {
		bgw_job_fail(job, HS_E_UNAVAILABLE, 0, "a TOKEN reply with a "
		    "bad MAC; the outcome is unknown");
		return (1);
	}
	r = f->payload[0];
	if (r <= HS_TOK_MGMT) {
		job->accepted++;
	} else if (r == HS_TOK_USED) {
		job->used++;
	} else if (r == HS_TOK_INVALID && job->itoken < last) {
		/* A key change already made? The credit token will say. */
		job->skipped = (uint8_t)(last - job->itoken);
		job->itoken = last;
		send_token(job);
		return (0);
	} else {
		bgw_job_fail(job, HS_E_INVALID, 0, "token %u of %u: %s "
		    "(meter result 0x%02x, engine code %u)", job->itoken + 1,
		    job->ntokens, token_result(r), r, f->payload[1]);
		return (1);
	}
	if (job->itoken++ < last) {
		send_token(job);
		return (0);
	}
	bgw_hex(job->nm, sizeof(job->nm), nm);
	bgw_job_answer(job, HS_OK, 0, nm, "%u accepted, %u already used%s; "
	    "credit %d L", job->accepted, job->used, job->skipped ?
	    " (key change already made)" : "", (int32_t)hs_get32(f->payload +
	    2));
	send_read(job, BGW_STATUS);
	return (0);
}

static int
on_read(struct bgw_job *job, const struct hs_frame *f)
{
	if (keep_reply(job, f, 9) == -1 ||
	    (job->step == BGW_LOG && f->payload[0] != job->page)) {
		bgw_job_fail(job, HS_E_UNAVAILABLE, 0, "a %s reply with a bad "
		    "MAC or length", job->step == BGW_STATUS ? "STATUS" :
		    job->step == BGW_INFO ? "INFO" : "LOG");
		return (1);
	}
	if (job->step == BGW_STATUS)
		send_read(job, BGW_INFO);
	else if (job->step == BGW_INFO)
		send_read(job, BGW_LOG);
	else if (++job->page < job->gw->log_pages)
		send_read(job, BGW_LOG);
	else
		send_read(job, BGW_TELEMETRY);
	return (0);
}

/*
 * The upload of POST /api/v1/meters/{id}/telemetry, plus ble_id and
 * read_at (Unix ms of the read: the job may run later, and LOG pages
 * count hours back from the read).
 */
static int
upload(const struct bgw_job *job, const uint8_t tag[8], char *out,
    size_t len)
{
	char	nm[17], np[17], t[17], body[2 * HS_FRAME_MAX_PAYLOAD + 1];
	size_t	off, i;
	int	n;

	bgw_hex(job->nm, 8, nm);
	bgw_hex(job->np, 8, np);
	bgw_hex(tag, 8, t);
	n = snprintf(out, len, "{\"ble_id\": \"%08x\", \"read_at\": %lld, "
	    "\"nm\": \"%s\", \"np\": \"%s\", \"count\": %u, \"tag\": \"%s\", "
	    "\"frames\": [", job->meter, (long long)bgw_now(job->gw), nm, np,
	    job->nframes, t);
	if (n < 0 || (size_t)n >= len)
		return (-1);
	off = (size_t)n;
	for (i = 0; i < job->nframes; i++) {
		bgw_hex(job->frames[i].body, job->frames[i].n, body);
		n = snprintf(out + off, len - off, "%s{\"type\": %u, \"seq\": "
		    "%u, \"body\": \"%s\"}", i ? ", " : "",
		    job->frames[i].type, job->frames[i].seq, body);
		if (n < 0 || (size_t)n >= len - off)
			return (-1);
		off += (size_t)n;
	}
	n = snprintf(out + off, len - off, "]}");
	return (n < 0 || (size_t)n >= len - off ? -1 : 0);
}

static int
on_telemetry(struct bgw_job *job, const struct hs_frame *f)
{
	const struct hs_host	*host = job->gw->host;
	struct hs_cmac		 c;
	uint8_t			 mac[HS_MAC_LEN], mine[16];
	char			*payload, key[48], nm[17];
	int			 rc;

	hs_proto_mac(job->ks, HS_DIR_METER, f->type, f->seq, f->payload,
	    1 + HS_TELEMETRY_TAG_LEN, mac);
	c = job->tr;
	hs_cmac_final(&c, mine);
	if (f->len != 1 + HS_TELEMETRY_TAG_LEN + HS_MAC_LEN ||
	    !hs_cmac_equal(mac, f->payload + 1 + HS_TELEMETRY_TAG_LEN,
	    HS_MAC_LEN) || f->payload[0] != job->nframes ||
	    !hs_cmac_equal(mine, f->payload + 1, HS_TELEMETRY_TAG_LEN)) {
		bgw_job_fail(job, HS_E_DENIED, 0, "the TELEMETRY tag does not "
		    "cover what we read; not uploaded");
		return (1);
	}
	payload = host->alloc(host->hctx, PAYLOAD_MAX);
	bgw_hex(job->nm, 8, nm);
	snprintf(key, sizeof(key), "telemetry:%08x:%s", job->meter, nm);
	if (upload(job, f->payload + 1, payload, PAYLOAD_MAX) == -1)
		bgw_log(job->gw, HS_LOG_ERR, "meter %08x: the telemetry upload "
		    "does not fit %d bytes", job->meter, PAYLOAD_MAX);
	else if ((rc = host->job_enqueue(host->hctx, "meter.telemetry",
	    payload, key)) != HS_OK)
		bgw_log(job->gw, HS_LOG_WARNING, "meter %08x: telemetry not "
		    "queued (%d)", job->meter, rc);
	host->free(host->hctx, payload);
	bgw_job_end(job);
	return (1);
}

/* ERR: only the one that answers our request counts. */
static int
on_err(struct bgw_job *job, const struct hs_frame *f)
{
	uint8_t		code;
	uint16_t	arg;

	if (f->len != 4)
		return (0);
	code = f->payload[0];
	arg = hs_get16(f->payload + 2);
	if (f->seq == 0 && (code == HS_ERR_CRC || code == HS_ERR_LEN)) {
		bgw_job_fail(job, HS_E_UNAVAILABLE, 0, "the meter received a "
		    "damaged frame");
		return (1);
	}
	if (f->seq != job->seq)
		return (0);
	if (code == HS_ERR_LOCKED)
		bgw_job_fail(job, HS_E_UNAVAILABLE, arg < 1 ? 1000 :
		    (uint32_t)arg * 1000, "the meter refuses tokens for %u s "
		    "(bad-token lockout)", arg);
	else if (code == HS_ERR_AUTH && job->step == BGW_AUTH)
		bgw_job_fail(job, HS_E_DENIED, 0, "meter %08x refused our AUTH: "
		    "its K is not the one meter_key_master gives", job->meter);
	else
		bgw_job_fail(job, HS_E_UNAVAILABLE, 0, "the meter answered %s "
		    "with ERR 0x%02x (argument %u)", job->step == BGW_TOKEN ?
		    "TOKEN" : "a request", code, arg);
	return (1);
}

static int
on_frame(struct bgw_job *job, const struct hs_frame *f)
{
	static const uint8_t	requests[] = {
		[BGW_HELLO] = HS_MSG_HELLO,
		[BGW_AUTH] = HS_MSG_AUTH,
		[BGW_TOKEN] = HS_MSG_TOKEN,
		[BGW_STATUS] = HS_MSG_STATUS,
		[BGW_INFO] = HS_MSG_INFO,
		[BGW_LOG] = HS_MSG_LOG,
		[BGW_TELEMETRY] = HS_MSG_TELEMETRY,
	};

	if (f->type == HS_MSG_ERR)
		return (on_err(job, f));
	if (f->seq != job->seq ||
	    f->type != (requests[job->step] | HS_MSG_REPLY))
		return (0);
	switch (job->step) {
	case BGW_HELLO:
		return (on_hello(job, f));
	case BGW_AUTH:
		return (on_auth(job, f));
	case BGW_TOKEN:
		return (on_token(job, f));
	case BGW_TELEMETRY:
		return (on_telemetry(job, f));
	default:
		return (on_read(job, f));
	}
}

void
bgw_session_input(struct bgw_job *job, const uint8_t *b, size_t n)
{
	struct hs_frame		f;
	enum hs_frame_ev	ev;
	size_t			i;

	for (i = 0; i < n; i++) {
		hs_frame_rx_push(&job->rx, b[i]);
		/* Noise and torn frames: the parser drops and rescans. */
		while ((ev = hs_frame_rx_next(&job->rx, &f)) != HS_FRAME_NONE) {
			if (ev == HS_FRAME_OK && on_frame(job, &f))
				return;
		}
	}
}
