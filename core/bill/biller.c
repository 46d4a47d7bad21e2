/*
 * The biller's host-to-host API: banks and PPOB aggregators collect the
 * utility's bills at their counters, ATMs and apps (peers.md 3.4-3.5).
 *
 *   POST /api/v1/biller/inquiry   {customer_no}               what is owed
 *   POST /api/v1/biller/payment   {customer_no, reference, amount}
 *   POST /api/v1/biller/reversal  {reference}                 same day only
 *   POST /api/v1/biller/status    {reference}
 *
 * Each partner is a `biller_partner NAME UTILITY SECRET` line of
 * hydrosync.conf and signs every request as Bank Indonesia's SNAP does
 * for symmetric requests:
 *
 *   X-Partner-Id: NAME
 *   X-Timestamp:  2026-12-07T10:15:30+07:00    (within five minutes)
 *   X-Signature:  hex(HMAC-SHA512(SECRET,
 *                     METHOD ":" PATH ":" hex(SHA-256(body)) ":" TIMESTAMP))
 *
 * An unsigned, forged or stale request gets 401 and changes nothing.  An
 * inquiry changes nothing; a payment must be the whole amount owed and is
 * idempotent on the partner's reference; see migration 0020 for the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <kore/kore.h>

#include "api/result.h"
#include "http/body.h"
#include "http/routes.h"
#include "obs/log.h"
#include "server/server.h"

#define SKEW_SECONDS	300

/* The secret of a partner line: as written, or from file: / env:. */
static const char *
partner_secret(const struct hs_conf_partner *p, char *buf, size_t len)
{
	const char	*v = p->secret;
	FILE		*fp;

	if (!strncmp(v, "env:", 4))
		return (getenv(v + 4));
	if (!strncmp(v, "file:", 5)) {
		if ((fp = fopen(v + 5, "r")) == NULL)
			return (NULL);
		v = fgets(buf, (int)len, fp);
		fclose(fp);
		if (v != NULL)
			buf[strcspn(buf, "\r\n")] = '\0';
		return (v);
	}
	return (v);
}

/* "2026-12-07T10:15:30+07:00" or "...Z" as Unix seconds; -1 if not. */
static long long
snap_time(const char *s)
{
	struct tm	tm;
	int		y, mo, d, h, mi, sec, oh = 0, om = 0, n = 0;
	char		sign = 'Z';

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
	    &n) != 6)
		return (-1);
	if (s[n] == 'Z' && s[n + 1] == '\0')
		sign = 'Z';
	else if ((s[n] == '+' || s[n] == '-') && sscanf(s + n + 1,
	    "%2d:%2d", &oh, &om) == 2 && strlen(s + n) == 6)
		sign = s[n];
	else
		return (-1);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	return ((long long)timegm(&tm) - (sign == '-' ? -1 : sign == '+' ? 1 :
	    0) * (oh * 3600 + om * 60));
}

/* The partner whose signature this request carries, or NULL (401 sent). */
static const struct hs_conf_partner *
authenticate(struct hs_req *r)
{
	const struct hs_config	*conf = hs_server_config();
	const struct hs_conf_partner *p = NULL;
	const char		*id, *ts, *sig, *secret;
	const void		*body;
	unsigned char		 digest[32], mac[64];
	char			 hex[65], want[129], msg[1024], buf[512];
	unsigned int		 maclen = sizeof(mac);
	size_t			 len, i;
	long long		 t;

	id = hs_req_header(r, "x-partner-id");
	ts = hs_req_header(r, "x-timestamp");
	sig = hs_req_header(r, "x-signature");
	for (i = 0; id != NULL && i < conf->npartners; i++) {
		if (!strcmp(conf->partners[i].name, id))
			p = &conf->partners[i];
	}
	if (p == NULL || ts == NULL || sig == NULL ||
	    (t = snap_time(ts)) == -1 || llabs(t - (long long)time(NULL)) >
	    SKEW_SECONDS || (secret = partner_secret(p, buf, sizeof(buf))) ==
	    NULL) {
		hs_log(HS_LOG_WARNING, "biller.rejected", "%s: unknown partner, "
		    "or no or a stale timestamp", id ? id : "(no partner)");
		hs_reply_error(r, 401, "unauthorized", "sign the request: "
		    "X-Partner-Id, X-Timestamp (within 5 minutes), X-Signature",
		    NULL);
		return (NULL);
	}
	body = hs_req_body(r, &len);
	EVP_Digest(body, len, digest, NULL, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(hex + i * 2, 3, "%02x", digest[i]);
	snprintf(msg, sizeof(msg), "POST:%s:%s:%s", r->http->path, hex, ts);
	HMAC(EVP_sha512(), secret, (int)strlen(secret), (unsigned char *)msg,
	    strlen(msg), mac, &maclen);
	for (i = 0; i < maclen; i++)
		snprintf(want + i * 2, 3, "%02x", mac[i]);
	if (strlen(sig) != strlen(want) ||
	    CRYPTO_memcmp(sig, want, strlen(want)) != 0) {
		hs_log(HS_LOG_WARNING, "biller.rejected", "%s: the signature "
		    "does not verify; nothing changed", p->name);
		hs_reply_error(r, 401, "unauthorized", "the signature does "
		    "not verify", NULL);
		return (NULL);
	}
	return (p);
}

/* Our SQL raises HS404/HS409/HS422: the matching status. */
static int
result(struct hs_req *r)
{
	char	field[64], msg[600];

	if (r->error[0] != '\0' && !strncmp(r->sqlstate, "HS", 2)) {
		hs_api_raised(r, field, msg);
		if (!strcmp(r->sqlstate, "HS404"))
			return (hs_reply_error(r, 404, "not_found", msg,
			    field[0] ? field : NULL));
		if (!strcmp(r->sqlstate, "HS409"))
			return (hs_reply_error(r, 409, "conflict", msg,
			    field[0] ? field : NULL));
		return (hs_reply_error(r, 422, "invalid_field", msg,
		    field[0] ? field : NULL));
	}
	if (r->error[0] == '\0' && (PQntuples(r->res) != 1 ||
	    PQgetisnull(r->res, 0, 0)))
		return (hs_reply_error(r, 404, "not_found", "no such customer",
		    "customer_no"));
	return (hs_api_result(r, 200));
}

struct biller_body {
	char	customer_no[33];
	char	reference[65];
	int64_t	amount;
};

#define BF(name, type, member, min, max, req, pat)			\
	{ name, type, offsetof(struct biller_body, member), min, max, req, pat }
#define NUMBER_CHARS	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-"

static const struct hs_field inquiry_fields[] = {
	BF("customer_no", HS_F_STRING, customer_no, 3, 32, 1, NUMBER_CHARS),
};
static const struct hs_field payment_fields[] = {
	BF("customer_no", HS_F_STRING, customer_no, 3, 32, 1, NUMBER_CHARS),
	BF("reference", HS_F_STRING, reference, 1, 64, 1, NUMBER_CHARS "_./"),
	BF("amount", HS_F_INT, amount, 1, 1000000000000LL, 1, NULL),
};
static const struct hs_field reference_fields[] = {
	BF("reference", HS_F_STRING, reference, 1, 64, 1, NUMBER_CHARS "_./"),
};

#define N(a)	(sizeof(a) / sizeof(a[0]))

int
hs_bill_h2h_inquiry(struct hs_req *r)
{
	const struct hs_conf_partner	*p;
	struct biller_body		 b;
	const char			*params[2];
	uint32_t			 present;

	if (r->phase > 0)
		return (result(r));
	if ((p = authenticate(r)) == NULL)
		return (HS_DONE);
	memset(&b, 0, sizeof(b));
	if (hs_body_parse(r, inquiry_fields, N(inquiry_fields), &b,
	    &present) == -1)
		return (HS_DONE);
	params[0] = p->utility;
	params[1] = b.customer_no;
	return (hs_req_query(r, "SELECT hs_bill_inquiry($1, $2)", 2, params));
}

int
hs_bill_h2h_payment(struct hs_req *r)
{
	const struct hs_conf_partner	*p;
	struct biller_body		 b;
	const char			*params[6];
	char				 amount[24];
	uint32_t			 present;

	if (r->phase > 0)
		return (result(r));
	if ((p = authenticate(r)) == NULL)
		return (HS_DONE);
	memset(&b, 0, sizeof(b));
	if (hs_body_parse(r, payment_fields, N(payment_fields), &b,
	    &present) == -1)
		return (HS_DONE);
	snprintf(amount, sizeof(amount), "%lld", (long long)b.amount);
	params[0] = p->utility;
	params[1] = p->name;
	params[2] = b.customer_no;
	params[3] = b.reference;
	params[4] = amount;
	params[5] = "h2h";
	return (hs_req_query(r, "SELECT hs_bill_pay($1, $2, $6, $3, $4, "
	    "$5::bigint, true)", 6, params));
}

static int
by_reference(struct hs_req *r, const char *sql)
{
	const struct hs_conf_partner	*p;
	struct biller_body		 b;
	const char			*params[3];
	uint32_t			 present;

	if (r->phase > 0)
		return (result(r));
	if ((p = authenticate(r)) == NULL)
		return (HS_DONE);
	memset(&b, 0, sizeof(b));
	if (hs_body_parse(r, reference_fields, N(reference_fields), &b,
	    &present) == -1)
		return (HS_DONE);
	params[0] = p->utility;
	params[1] = p->name;
	params[2] = b.reference;
	return (hs_req_query(r, sql, 3, params));
}

int
hs_bill_h2h_reversal(struct hs_req *r)
{
	return (by_reference(r, "SELECT hs_bill_reverse($1, $2, $3)"));
}

int
hs_bill_h2h_status(struct hs_req *r)
{
	return (by_reference(r, "SELECT hs_bill_payment_status($1, $2, $3)"));
}
