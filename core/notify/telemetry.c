/*
 * Meter telemetry the server can believe, and the grants that let a
 * customer's phone read their meter.
 *
 * Each meter shares a 128-bit key K with the server, derived from the
 * node's meter_key_master (hydrosync.conf) and the meter's BLE id:
 *	K = AES-CMAC(master, "HSK1" || ble_id(4, big-endian))
 * so the server stores no per-meter secret and the factory programs K
 * from the same derivation (`hydrosync` prints it for provisioning).
 *
 * POST /api/v1/meters/{id}/telemetry takes what a phone (or a BLE gateway)
 * read in one session: the meter's nonce Nm, the phone's Np, the reply
 * frames (STATUS, INFO, LOG) and the meter's telemetry tag, a CMAC under K
 * over the session transcript (meter-firmware/docs/ble-protocol.md §6).
 * The server recomputes the tag; a phone that changed one bit of the
 * credit it uploads is refused, and a session is accepted once (Nm).
 *
 * A BLE gateway's transport plugin reads meters itself and hands each
 * session to the "meter.telemetry" job (the same body plus "ble_id", 8 hex
 * digits, and "read_at", Unix ms of the read): verified the same way and
 * recorded with source "gateway".
 *
 * GET /api/v1/meters/{id}/grant hands the meter's customer a grant: the
 * 13-byte body and its key Kg = CMAC_K('G' || ble_id || body), valid for
 * an hour, for STATUS, LOG and TELEMETRY.  The phone never holds K.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include <kore/kore.h>

#include "api/result.h"
#include "db/db.h"
#include "jobs/jobs.h"
#include "http/body.h"
#include "http/json.h"
#include "http/routes.h"
#include "notify/notify.h"
#include "obs/log.h"
#include "server/server.h"
#include "vend/vend.h"

#include "cmac.h"
#include "grant.h"
#include "proto.h"

#define FRAMES_MAX	100
#define GRANT_SECONDS	3600

static uint8_t	master[16];
static int	have_master;

/* Fibonacci litres per LOG nibble (ble-protocol.md, LOG). */
static const uint16_t	log_litres[16] = {
	0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987
};

static int
hex_decode(const char *hex, uint8_t *out, size_t max, size_t *len)
{
	size_t		n = strlen(hex), i;
	unsigned int	b;

	if (n % 2 != 0 || n / 2 > max)
		return (-1);
	for (i = 0; i < n / 2; i++) {
		if (sscanf(hex + i * 2, "%2x", &b) != 1 ||
		    strchr("0123456789abcdefABCDEF", hex[i * 2]) == NULL ||
		    strchr("0123456789abcdefABCDEF", hex[i * 2 + 1]) == NULL)
			return (-1);
		out[i] = (uint8_t)b;
	}
	*len = n / 2;
	return (0);
}

static void
hex_encode(const uint8_t *in, size_t len, char *out)
{
	size_t	i;

	for (i = 0; i < len; i++)
		snprintf(out + i * 2, 3, "%02x", in[i]);
}

/*
 * The meter key master: 32 hex digits, "file:PATH" (first line) or
 * "env:VAR".  Returns 0 (also when none is configured) or -1.
 */
int
hs_notify_meter_keys(const char *value)
{
	char		 line[128];
	const char	*v = value;
	size_t		 len;
	FILE		*fp;

	if (value == NULL || value[0] == '\0')
		return (0);
	if (!strncmp(value, "env:", 4))
		v = getenv(value + 4);
	else if (!strncmp(value, "file:", 5)) {
		if ((fp = fopen(value + 5, "r")) == NULL)
			return (-1);
		v = fgets(line, sizeof(line), fp);
		fclose(fp);
		if (v != NULL)
			line[strcspn(line, "\r\n")] = '\0';
	}
	if (v == NULL || strlen(v) != 32 ||
	    hex_decode(v, master, sizeof(master), &len) == -1)
		return (-1);
	have_master = 1;
	return (0);
}

void
hs_notify_meter_key(uint32_t ble_id, uint8_t k[16])
{
	uint8_t	msg[8];

	memcpy(msg, "HSK1", 4);
	msg[4] = (uint8_t)(ble_id >> 24);
	msg[5] = (uint8_t)(ble_id >> 16);
	msg[6] = (uint8_t)(ble_id >> 8);
	msg[7] = (uint8_t)ble_id;
	hs_cmac(master, msg, sizeof(msg), k);
}

static uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/* What the verified frames say. */
struct reading {
	int		have_status, have_info;
	int32_t		credit;
	uint32_t	consumed;
	uint8_t		flags;
	uint16_t	battery;
	uint32_t	hour;
	struct kore_buf	hours;		/* JSON array for the SQL */
	int		nhours;
};

static void
read_log(struct reading *rd, const uint8_t *body, size_t len, time_t now)
{
	time_t		 top;
	uint32_t	 page, h, first;
	int		 i;
	uint8_t		 code;

	if (len != 9 || !rd->have_info)
		return;
	page = body[0];
	/* Page k holds the 16 closed hours ending 16k hours ago. */
	top = now - now % 3600;
	if (rd->hour < 16 * (page + 1))
		return;
	first = rd->hour - 16 * (page + 1);
	for (i = 0; i < 16; i++) {
		code = (uint8_t)((body[1 + i / 2] >> ((i % 2) * 4)) & 0x0f);
		h = first + (uint32_t)i;
		kore_buf_appendf(&rd->hours, "%s{\"hour\": %lld, \"units\": %u}",
		    rd->nhours++ ? ", " : "", (long long)(top - (time_t)(rd->hour
		    - h) * 3600), log_litres[code]);
	}
}

/*
 * Parse and verify an upload; on success *rd holds the reading and nm its
 * nonce in hex.  Returns NULL or why it was refused.
 */
static const char *
verify(struct kore_json_item *root, uint32_t ble_id, time_t read_at,
    struct reading *rd, char nm_hex[17])
{
	struct kore_json_item	*frames, *f, *type, *seq, *body, *it;
	struct hs_cmac		 c;
	uint8_t			 k[16], nm[8], np[8], tag[16], want[8];
	uint8_t			 b[256];
	size_t			 len;
	int			 n = 0, count;

	if ((it = kore_json_find(root, "nm", KORE_JSON_TYPE_STRING)) == NULL ||
	    hex_decode(it->data.string, nm, 8, &len) == -1 || len != 8)
		return ("nm must be 16 hex digits");
	snprintf(nm_hex, 17, "%s", it->data.string);
	if ((it = kore_json_find(root, "np", KORE_JSON_TYPE_STRING)) == NULL ||
	    hex_decode(it->data.string, np, 8, &len) == -1 || len != 8)
		return ("np must be 16 hex digits");
	if ((it = kore_json_find(root, "tag", KORE_JSON_TYPE_STRING)) == NULL ||
	    hex_decode(it->data.string, want, 8, &len) == -1 || len != 8)
		return ("tag must be 16 hex digits");
	if ((it = kore_json_find(root, "count",
	    KORE_JSON_TYPE_INTEGER_U64)) == NULL || it->data.u64 > FRAMES_MAX)
		return ("count must be a number up to 100");
	count = (int)it->data.u64;
	if ((frames = kore_json_find(root, "frames",
	    KORE_JSON_TYPE_ARRAY)) == NULL)
		return ("frames must be a list");

	hs_notify_meter_key(ble_id, k);
	hs_proto_transcript_init(&c, k, ble_id, nm, np);
	TAILQ_FOREACH(f, &frames->data.items, list) {
		if (f->type != KORE_JSON_TYPE_OBJECT || ++n > FRAMES_MAX ||
		    (type = kore_json_find(f, "type",
		    KORE_JSON_TYPE_INTEGER_U64)) == NULL ||
		    (seq = kore_json_find(f, "seq",
		    KORE_JSON_TYPE_INTEGER_U64)) == NULL ||
		    (body = kore_json_find(f, "body",
		    KORE_JSON_TYPE_STRING)) == NULL ||
		    type->data.u64 > 255 || seq->data.u64 > 255 ||
		    hex_decode(body->data.string, b, sizeof(b), &len) == -1)
			return ("each frame needs type, seq and a hex body");
		hs_proto_transcript_add(&c, (uint8_t)type->data.u64,
		    (uint8_t)seq->data.u64, b, (uint8_t)len);
		switch (type->data.u64) {
		case HS_MSG_STATUS | HS_MSG_REPLY:
			if (len != 9)
				return ("a STATUS reply has 9 bytes");
			rd->have_status = 1;
			rd->credit = (int32_t)be32(b);
			rd->consumed = be32(b + 4);
			rd->flags = b[8];
			break;
		case HS_MSG_INFO | HS_MSG_REPLY:
			if (len != 9)
				return ("an INFO reply has 9 bytes");
			rd->have_info = 1;
			rd->battery = (uint16_t)(b[2] << 8 | b[3]);
			rd->hour = (uint32_t)b[4] << 16 | (uint32_t)b[5] << 8 |
			    b[6];
			break;
		case HS_MSG_LOG | HS_MSG_REPLY:
			read_log(rd, b, len, read_at);
			break;
		default:
			break;
		}
	}
	if (n != count)
		return ("count does not match the frames");
	hs_cmac_final(&c, tag);
	if (CRYPTO_memcmp(tag, want, 8) != 0)
		return ("forged");
	if (!rd->have_status)
		return ("a STATUS reply is required");
	return (NULL);
}

/* hs_telemetry_record's arguments for a verified reading. */
#define RECORD_SQL	"SELECT hs_telemetry_record($1, $2, $3, $4, $5, " \
			"$6, $7, $8, $9::jsonb)"

struct record_args {
	char		 credit[16], consumed[16], flags[8], bat[8], hour[16];
	const char	*params[9];
};

static void
record_args(struct record_args *a, const char *meter, const char *source,
    const char *nm, const struct reading *rd)
{
	snprintf(a->credit, sizeof(a->credit), "%d", rd->credit);
	snprintf(a->consumed, sizeof(a->consumed), "%u", rd->consumed);
	snprintf(a->flags, sizeof(a->flags), "%u", rd->flags);
	snprintf(a->bat, sizeof(a->bat), "%u", rd->battery);
	snprintf(a->hour, sizeof(a->hour), "%u", rd->hour);
	a->params[0] = meter;
	a->params[1] = source;
	a->params[2] = nm;
	a->params[3] = a->credit;
	a->params[4] = a->consumed;
	a->params[5] = a->flags;
	a->params[6] = rd->have_info ? a->bat : NULL;
	a->params[7] = rd->have_info ? a->hour : NULL;
	a->params[8] = (const char *)rd->hours.data;
}

/* Verify root for ble_id into rd (its hours buffer is the caller's). */
static const char *
reading_verify(struct kore_json_item *root, uint32_t ble_id, time_t read_at,
    struct reading *rd, char nm[17])
{
	const char	*why;

	memset(rd, 0, sizeof(*rd));
	kore_buf_init(&rd->hours, 1024);
	kore_buf_append(&rd->hours, "[", 1);
	why = verify(root, ble_id, read_at, rd, nm);
	kore_buf_append(&rd->hours, "]", 2);
	return (why);
}

struct upload {
	struct kore_json	json;
	int			parsed;
};

static void
upload_free(void *arg)
{
	struct upload	*u = arg;

	if (u->parsed)
		kore_json_cleanup(&u->json);
	free(u);
}

/*
 * Phase 0 reads the meter's BLE id (scoped to the caller), phase 1
 * verifies and records.
 */
int
hs_notify_telemetry(struct hs_req *r)
{
	struct reading		 rd;
	struct record_args	 a;
	struct upload		*u;
	const void		*body;
	const char		*params[3], *why, *scope;
	char			 utility[24], only[24], id[24], nm[17];
	char			 reason[96];
	size_t			 len;
	int			 rc;

	if (r->phase == 0) {
		if (!have_master)
			return (hs_reply_error(r, 503, "not_configured", "this "
			    "server has no meter_key_master", NULL));
		if (hs_api_id(r, 0, id) == -1)
			return (HS_DONE);
		scope = hs_api_scope(r, utility, only);
		params[0] = utility;
		params[1] = id;
		params[2] = scope;
		return (hs_req_query(r, "SELECT ble_id FROM meters WHERE "
		    "utility_id = $1 AND id = $2 AND ($3::bigint IS NULL OR "
		    "customer_id = $3)", 3, params));
	}
	if (r->phase == 2) {
		if (r->error[0] != '\0')
			return (hs_vend_db_error(r));
		return (hs_reply(r, 201, "application/json",
		    PQgetvalue(r->res, 0, 0),
		    (size_t)PQgetlength(r->res, 0, 0)));
	}
	if (r->error[0] != '\0')
		return (hs_vend_db_error(r));
	if (PQntuples(r->res) != 1)
		return (hs_reply_error(r, 404, "not_found", "no such meter",
		    NULL));
	if (PQgetisnull(r->res, 0, 0))
		return (hs_reply_error(r, 422, "no_ble_id", "this meter has no "
		    "BLE id registered", NULL));

	if ((u = calloc(1, sizeof(*u))) == NULL)
		fatal("telemetry: out of memory");
	r->data = u;
	r->data_free = upload_free;
	body = hs_req_body(r, &len);
	kore_json_init(&u->json, body, len);
	u->parsed = 1;
	if (!kore_json_parse(&u->json) ||
	    u->json.root->type != KORE_JSON_TYPE_OBJECT)
		return (hs_reply_error(r, 400, "bad_json", "the body must be a "
		    "JSON object", NULL));
	why = reading_verify(u->json.root, (uint32_t)strtoul(PQgetvalue(r->res,
	    0, 0), NULL, 10), time(NULL), &rd, nm);
	if (why != NULL) {
		kore_buf_cleanup(&rd.hours);
		if (!strcmp(why, "forged")) {
			hs_req_address(r, reason, sizeof(reason));
			hs_log(HS_LOG_WARNING, "telemetry.rejected", "meter %s: "
			    "an upload from %s does not carry the meter's tag; "
			    "nothing stored", r->params[0], reason);
			return (hs_reply_error(r, 422, "unverified", "the "
			    "telemetry tag does not verify: not what the meter "
			    "sent", "tag"));
		}
		snprintf(reason, sizeof(reason), "%s", why);
		return (hs_reply_error(r, 422, "invalid_field", reason, NULL));
	}
	record_args(&a, r->params[0], r->who.role == HS_ROLE_INTEGRATOR ?
	    "gateway" : "phone", nm, &rd);
	rc = hs_req_query(r, RECORD_SQL, 9, a.params);
	kore_buf_cleanup(&rd.hours);
	return (rc);
}

/* ------------------------------------------------ the gateway's job */

struct gw_upload {
	struct hs_job		*job;
	struct kore_json	 json;
	uint32_t		 ble_id;
	time_t			 read_at;
};

static void
gw_free(struct gw_upload *g)
{
	kore_json_cleanup(&g->json);
	free(g);
}

/* A refused upload is not retried: the same bytes would fail again. */
static void
gw_refuse(struct gw_upload *g, const char *why)
{
	hs_log(HS_LOG_WARNING, "telemetry.rejected", "gateway upload for BLE "
	    "id %08x: %s; nothing stored", g->ble_id, why);
	hs_job_finish(g->job, 0, why, 0, 1);
	gw_free(g);
}

static void
gw_recorded(void *arg, PGresult *res, const char *error, const char *state)
{
	struct gw_upload	*g = arg;

	if (res != NULL)
		PQclear(res);
	/* HS409: this session (Nm) is already stored: done, not a failure. */
	if (error != NULL && strcmp(state, "HS409"))
		hs_job_finish(g->job, 0, error, 0, 0);
	else
		hs_job_finish(g->job, 1, NULL, 0, 0);
	gw_free(g);
}

static void
gw_meter(void *arg, PGresult *res, const char *error, const char *state)
{
	struct gw_upload	*g = arg;
	struct reading		 rd;
	struct record_args	 a;
	const char		*why;
	char			 nm[17];
	int			 rc;

	(void)state;
	if (error != NULL) {
		hs_job_finish(g->job, 0, error, 0, 0);
		gw_free(g);
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		gw_refuse(g, "no meter has this BLE id");
		return;
	}
	why = reading_verify(g->json.root, g->ble_id, g->read_at, &rd, nm);
	if (why != NULL) {
		PQclear(res);
		kore_buf_cleanup(&rd.hours);
		gw_refuse(g, !strcmp(why, "forged") ? "the telemetry tag does "
		    "not verify" : why);
		return;
	}
	record_args(&a, PQgetvalue(res, 0, 0), "gateway", nm, &rd);
	rc = hs_db_query_bg(RECORD_SQL, 9, a.params, gw_recorded, g);
	kore_buf_cleanup(&rd.hours);
	PQclear(res);
	if (rc == -1) {
		hs_job_finish(g->job, 0, "database queue full", 0, 0);
		gw_free(g);
	}
}

static void
telemetry_job(struct hs_job *job)
{
	struct kore_json_item	*it;
	struct gw_upload	*g;
	const char		*params[1];
	char			 id[16], *end;
	unsigned long		 v;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		fatal("telemetry: out of memory");
	g->job = job;
	g->read_at = time(NULL);
	kore_json_init(&g->json, job->payload, strlen(job->payload));
	if (!have_master) {
		hs_job_finish(job, 0, "this server has no meter_key_master", 0,
		    0);
		gw_free(g);
		return;
	}
	if (!kore_json_parse(&g->json) ||
	    g->json.root->type != KORE_JSON_TYPE_OBJECT ||
	    (it = kore_json_find(g->json.root, "ble_id",
	    KORE_JSON_TYPE_STRING)) == NULL || strlen(it->data.string) != 8 ||
	    (v = strtoul(it->data.string, &end, 16)) == 0 || *end != '\0' ||
	    v > 0xffffffffUL) {
		hs_job_finish(job, 0, "payload without a ble_id (8 hex "
		    "digits)", 0, 1);
		gw_free(g);
		return;
	}
	g->ble_id = (uint32_t)v;
	/* The read's own time places the hourly log, not the job's. */
	if ((it = kore_json_find(g->json.root, "read_at",
	    KORE_JSON_TYPE_INTEGER_U64)) != NULL && it->data.u64 > 0)
		g->read_at = (time_t)(it->data.u64 / 1000);
	snprintf(id, sizeof(id), "%u", g->ble_id);
	params[0] = id;
	if (hs_db_query_bg("SELECT id FROM meters WHERE ble_id = $1::bigint",
	    1, params, gw_meter, g) == -1) {
		hs_job_finish(job, 0, "database queue full", 0, 0);
		gw_free(g);
	}
}

void
hs_notify_telemetry_register(void)
{
	if (hs_jobs_register("meter.telemetry", telemetry_job, 10, 1000) == -1)
		fatalx("cannot register the telemetry job");
}

/* GET /api/v1/meters/{id}/grant: a customer's key to read their meter. */
int
hs_notify_grant(struct hs_req *r)
{
	struct hs_grant	 g;
	struct kore_buf	 buf;
	struct hs_json	 j;
	uint8_t		 k[16], body[HS_GRANT_BODY], kg[16];
	char		 utility[24], only[24], id[24], hex[40];
	const char	*params[3], *scope;
	uint32_t	 ble_id;

	if (r->phase == 0) {
		if (!have_master)
			return (hs_reply_error(r, 503, "not_configured", "this "
			    "server has no meter_key_master", NULL));
		if (hs_api_id(r, 0, id) == -1)
			return (HS_DONE);
		scope = hs_api_scope(r, utility, only);
		params[0] = utility;
		params[1] = id;
		params[2] = scope;
		return (hs_req_query(r, "SELECT ble_id, customer_id FROM meters "
		    "WHERE utility_id = $1 AND id = $2 AND ($3::bigint IS NULL "
		    "OR customer_id = $3)", 3, params));
	}
	if (r->error[0] != '\0')
		return (hs_vend_db_error(r));
	if (PQntuples(r->res) != 1)
		return (hs_reply_error(r, 404, "not_found", "no such meter",
		    NULL));
	if (PQgetisnull(r->res, 0, 0))
		return (hs_reply_error(r, 422, "no_ble_id", "this meter has no "
		    "BLE id registered", NULL));
	ble_id = (uint32_t)strtoul(PQgetvalue(r->res, 0, 0), NULL, 10);
	memset(&g, 0, sizeof(g));
	g.customer_id = (uint32_t)strtoul(PQgetvalue(r->res, 0, 1), NULL, 10);
	g.issued = (uint32_t)time(NULL);
	g.expiry = g.issued + GRANT_SECONDS;
	g.rights = HS_GRANT_R_STATUS | HS_GRANT_R_LOG | HS_GRANT_R_TELEMETRY;
	hs_notify_meter_key(ble_id, k);
	if (hs_grant_issue(k, ble_id, &g, body, kg) == -1)
		return (hs_reply_error(r, 500, "internal", "grant", NULL));
	OPENSSL_cleanse(k, sizeof(k));
	kore_buf_init(&buf, 256);
	hs_json_init(&j, &buf);
	hs_json_object(&j);
	hs_json_kint(&j, "ble_id", ble_id);
	hex_encode(body, sizeof(body), hex);
	hs_json_kstr(&j, "body", hex);
	hex_encode(kg, sizeof(kg), hex);
	hs_json_kstr(&j, "key", hex);
	hs_json_kint(&j, "expires_at", g.expiry);
	hs_json_kint(&j, "rights", g.rights);
	hs_json_end_object(&j);
	OPENSSL_cleanse(kg, sizeof(kg));
	http_response_header(r->http, "cache-control", "no-store");
	return (hs_reply_json(r, 200, &buf));
}
