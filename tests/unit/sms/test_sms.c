/*
 * The sms transport through the real loader and a fake host
 * (tests/unit/payment/pay_test.h), in both request profiles: the exact
 * request each builds (URL, credentials, form fields, Twilio's
 * StatusCallback), phone numbers in every form a customer record holds,
 * HTTP outcomes mapped to ABI results (2xx, 429 with Retry-After, 5xx,
 * timeouts, 4xx), and delivery reports: Twilio's X-Twilio-Signature
 * recomputed here with OpenSSL (valid, forged, tampered, missing, no
 * status_url) and Zenziva's callback token.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../payment/pay_test.h"

#define SID		"AC0123456789abcdef0123456789abcdef"
#define TOKEN		"twilio-auth-token-0123456789abcd"
#define API		"https://api.twilio.test"
#define STATUS_URL	"https://hs.example.id/api/v1/transports/sms/status"
#define MSGSID		"SM9f1c2b7e4d8a4f0e9b3c6a5d7e8f9012"
#define ZAPI		"https://console.zenziva.test"
#define ZTOKEN		"zenziva-callback-token-0123"
#define TEXT		"Token: 1234 5678 & sisa Rp10.000/bln"
/* TEXT as application/x-www-form-urlencoded. */
#define TEXT_FORM	"Token%3A%201234%205678%20%26%20sisa%20Rp10.000%2Fbln"

static int			sent_calls;
static struct hs_delivery	sent_out;
static int			sent_arg;	/* its address is arg */

static void
on_sent(void *arg, const struct hs_delivery *d)
{
	assert_ptr_equal(arg, &sent_arg);
	assert_non_null(d);
	assert_int_equal(d->size, sizeof(*d));
	sent_calls++;
	sent_out = *d;
}

static int
load(const char *profile, const char *extra)
{
	sent_calls = 0;
	memset(&sent_out, 0, sizeof(sent_out));
	return (test_load("plugin sms transport %s/plugins/transport/sms.so\n"
	    "%s%s", HS_TEST_BUILD, profile, extra));
}

static int
load_twilio(const char *extra)
{
	return (load("set sms profile twilio\nset sms base_url " API "\n"
	    "set sms account_sid " SID "\nset sms auth_token " TOKEN "\n"
	    "set sms from HydroSync\n", extra));
}

static int
load_zenziva(const char *extra)
{
	return (load("set sms profile zenziva\nset sms base_url " ZAPI "\n"
	    "set sms userkey zuser\nset sms passkey zpass!\n", extra));
}

static const struct hs_transport_ops *
ops(void)
{
	const struct hs_transport_ops	*o;

	assert_non_null(o = hs_plugin_transport(&test_slot));
	return (o);
}

static int
send_len(const char *to, const char *text, size_t len)
{
	struct hs_message	msg;

	memset(&msg, 0, sizeof(msg));
	msg.size = sizeof(msg);
	msg.message_id = "msg-42";
	msg.recipient = to;
	msg.body = text;
	msg.body_len = len;
	return (ops()->send(test_pctx(), &msg, on_sent, &sent_arg));
}

static int
send_sms(const char *to, const char *text)
{
	return (send_len(to, text, strlen(text)));
}

/* The request is out and the outcome waits for its answer. */
static void
assert_started(int rc)
{
	assert_true(rc == HS_OK || rc == HS_E_PENDING);
	assert_true(test_pending);
	assert_int_equal(sent_calls, 0);
}

/* Refused before any request: no network, done never runs. */
static void
assert_refused(int rc, int nreq)
{
	assert_int_equal(rc, HS_E_INVALID);
	assert_int_equal(test_nreq, nreq);
	assert_false(test_pending);
	assert_int_equal(sent_calls, 0);
}

/* Answer the pending request with one header (name in lower case). */
static void
respond_with(int status, const char *name, const char *value,
    const char *body)
{
	struct hs_http_header	h;
	struct hs_http_resp	resp;

	assert_true(test_pending);
	test_pending = 0;
	h.name = name;
	h.value = value;
	memset(&resp, 0, sizeof(resp));
	resp.size = sizeof(resp);
	resp.error = HS_OK;
	resp.status = status;
	resp.headers = &h;
	resp.nheaders = 1;
	resp.body = body;
	resp.body_len = body != NULL ? strlen(body) : 0;
	test_req.done(test_req.arg, &resp);
}

/* The single outcome of the last send; ref NULL: not looked at. */
static void
assert_outcome(int result, uint32_t retry_after_ms, const char *ref)
{
	assert_int_equal(sent_calls, 1);
	assert_int_equal(sent_out.result, result);
	assert_int_equal(sent_out.retry_after_ms, retry_after_ms);
	if (ref != NULL)
		assert_string_equal(sent_out.provider_ref, ref);
	if (result != HS_OK)
		assert_true(sent_out.detail[0] != '\0');
	sent_calls = 0;
}

static const char *
twilio_created(const char *sid)
{
	static char	b[512];

	snprintf(b, sizeof(b), "{\"account_sid\": \"" SID "\", \"api_version\": "
	    "\"2010-04-01\", \"body\": \"x\", \"from\": \"HydroSync\", "
	    "\"num_segments\": \"1\", \"sid\": \"%s\", \"status\": \"queued\", "
	    "\"to\": \"+6281234567890\"}", sid);
	return (b);
}

/* ------------------------------------------------------------ requests */

static void
test_ops_table(void **state)
{
	(void)state;
	assert_int_equal(load_twilio(""), 0);
	assert_string_equal(ops()->channel, "sms");
	assert_int_equal(ops()->max_rate, 100);
	assert_non_null(ops()->send);
	assert_non_null(ops()->verify_status);
	test_unload();
}

/* Twilio: Messages.json, HTTP Basic, To/From/Body/StatusCallback. */
static void
test_twilio_request(void **state)
{
	char	auth[256];

	(void)state;
	assert_int_equal(load_twilio("set sms status_url " STATUS_URL "\n"),
	    0);
	assert_started(send_sms("081234567890", TEXT));
	assert_int_equal(test_nreq, 1);
	assert_string_equal(test_req.method, "POST");
	assert_string_equal(test_req.url, API "/2010-04-01/Accounts/" SID
	    "/Messages.json");
	assert_int_equal(test_req.timeout_ms, 5000);
	assert_int_equal(test_req.nheaders, 2);
	assert_string_equal(test_header("Content-Type"),
	    "application/x-www-form-urlencoded");
	test_basic(SID, TOKEN, auth, sizeof(auth));
	assert_string_equal(test_header("Authorization"), auth);
	assert_string_equal(test_req.body, "To=%2B6281234567890&From=HydroSync"
	    "&Body=" TEXT_FORM "&StatusCallback=https%3A%2F%2Fhs.example.id"
	    "%2Fapi%2Fv1%2Ftransports%2Fsms%2Fstatus");
	assert_int_equal(test_req.body_len, strlen(test_req.body));
	test_respond(201, twilio_created(MSGSID));
	assert_outcome(HS_OK, 0, MSGSID);
	test_unload();
}

/* No status_url: no StatusCallback (Twilio then sends no reports). */
static void
test_twilio_without_status_url(void **state)
{
	(void)state;
	assert_int_equal(load_twilio("set sms timeout_ms 1500\n"), 0);
	assert_started(send_sms("+6281234567890", "Halo"));
	assert_string_equal(test_req.body, "To=%2B6281234567890&From=HydroSync"
	    "&Body=Halo");
	assert_int_equal(test_req.timeout_ms, 1500);
	/* Any 2xx with a sid is accepted. */
	test_respond(200, twilio_created("SM1"));
	assert_outcome(HS_OK, 0, "SM1");
	test_unload();
}

/* Zenziva: sendsms, credentials in the form, no Authorization. */
static void
test_zenziva_request(void **state)
{
	(void)state;
	assert_int_equal(load_zenziva("set sms callback_token " ZTOKEN "\n"),
	    0);
	assert_started(send_sms("081234567890", TEXT));
	assert_string_equal(test_req.method, "POST");
	assert_string_equal(test_req.url, ZAPI "/api/sendsms/");
	assert_int_equal(test_req.timeout_ms, 5000);
	assert_int_equal(test_req.nheaders, 1);
	assert_string_equal(test_header("Content-Type"),
	    "application/x-www-form-urlencoded");
	assert_null(test_header("Authorization"));
	assert_string_equal(test_req.body, "userkey=zuser&passkey=zpass%21"
	    "&to=081234567890&message=" TEXT_FORM);
	test_respond(200, "{\"messageId\": \"7f3a91\", \"to\": "
	    "\"081234567890\", \"status\": \"1\", \"text\": \"Success\"}");
	assert_outcome(HS_OK, 0, "7f3a91");
	test_unload();
}

/* The number as each provider wants it, from every stored form. */
static void
test_numbers(void **state)
{
	static const struct {
		const char	*in;
		const char	*twilio;
		const char	*zenziva;
	} ok[] = {
		{ "081234567890", "To=%2B6281234567890&",
		    "&to=081234567890&" },
		{ "6281234567890", "To=%2B6281234567890&",
		    "&to=6281234567890&" },
		{ "+6281234567890", "To=%2B6281234567890&", NULL },
		{ "+14155550100", "To=%2B14155550100&", NULL },
	};
	static const char	*bad[] = { "", "+", "12", "0812345",
				    "0812345678901234", "0812-3456-7890",
				    "0812 3456 7890", "+62abc4567890",
				    "++6281234567890" };
	size_t			 i;
	int			 n;

	(void)state;
	assert_int_equal(load_twilio(""), 0);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_started(send_sms(ok[i].in, "x"));
		assert_non_null(strstr(test_req.body, ok[i].twilio));
		test_respond(201, twilio_created("SM1"));
		assert_outcome(HS_OK, 0, "SM1");
	}
	n = test_nreq;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(send_sms(bad[i], "x"), n);
	test_unload();

	assert_int_equal(load_zenziva(""), 0);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_started(send_sms(ok[i].in, "x"));
		if (ok[i].zenziva != NULL)
			assert_non_null(strstr(test_req.body, ok[i].zenziva));
		test_respond(200, "{\"messageId\": \"1\", \"status\": \"1\"}");
		assert_outcome(HS_OK, 0, "1");
	}
	n = test_nreq;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(send_sms(bad[i], "x"), n);
	test_unload();
}

/* An empty text or one over 1600 bytes is refused before any request. */
static void
test_body_limits(void **state)
{
	char	text[1602];

	(void)state;
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(load_twilio(""), 0);
	assert_refused(send_len("081234567890", text, 0), 0);
	assert_refused(send_len("081234567890", text, 1601), 0);
	assert_started(send_len("081234567890", text, 1600));
	test_respond(201, twilio_created("SM1"));
	assert_outcome(HS_OK, 0, "SM1");
	test_unload();
}

/* ------------------------------------------------------------ outcomes */

/* What one answer to a send becomes, in either profile. */
struct outcome {
	int		 status;	/* 0: no answer (timeout) */
	const char	*retry_after;
	const char	*body;
	int		 result;
	uint32_t	 retry_ms;
};

static void
check_outcomes(const struct outcome *o, size_t n, const char *ok_ref)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		assert_started(send_sms("081234567890", "x"));
		if (o[i].status == 0)
			test_respond_error("timeout after 5000 ms");
		else if (o[i].retry_after != NULL)
			respond_with(o[i].status, "retry-after",
			    o[i].retry_after, o[i].body);
		else
			test_respond(o[i].status, o[i].body);
		assert_outcome(o[i].result, o[i].retry_ms,
		    o[i].result == HS_OK ? ok_ref : NULL);
	}
}

static void
test_twilio_outcomes(void **state)
{
	static const char	*error = "{\"code\": 21211, \"message\": "
				    "\"Invalid 'To' Phone Number\"}";
	const struct outcome	 o[] = {
		{ 201, NULL, twilio_created(MSGSID), HS_OK, 0 },
		{ 429, "7", "{\"code\": 20429}", HS_E_UNAVAILABLE, 7000 },
		{ 429, NULL, "{\"code\": 20429}", HS_E_UNAVAILABLE, 0 },
		{ 500, NULL, "{}", HS_E_UNAVAILABLE, 0 },
		{ 503, NULL, NULL, HS_E_UNAVAILABLE, 0 },
		{ 0, NULL, NULL, HS_E_UNAVAILABLE, 0 },
		{ 400, NULL, error, HS_E_INVALID, 0 },
		{ 404, NULL, error, HS_E_INVALID, 0 },
		/* Our credentials: permanent for this message. */
		{ 401, NULL, "{\"code\": 20003}", HS_E_INVALID, 0 },
		{ 403, NULL, "{\"code\": 20003}", HS_E_INVALID, 0 },
		/* Accepted without a sid: the report could not be matched. */
		{ 201, NULL, "{\"status\": \"queued\"}", HS_E_INVALID, 0 },
		{ 201, NULL, "not json", HS_E_INVALID, 0 },
	};

	(void)state;
	assert_int_equal(load_twilio(""), 0);
	check_outcomes(o, sizeof(o) / sizeof(o[0]), MSGSID);
	test_unload();
}

static void
test_zenziva_outcomes(void **state)
{
	static const char	*good = "{\"messageId\": \"7f3a91\", \"to\": "
				    "\"081234567890\", \"status\": \"1\", "
				    "\"text\": \"Success\"}";
	static const struct outcome	o[] = {
		{ 200, NULL, NULL, HS_OK, 0 },
		{ 201, NULL, NULL, HS_OK, 0 },
		{ 429, "3", NULL, HS_E_UNAVAILABLE, 3000 },
		{ 502, NULL, "<html>Bad Gateway</html>", HS_E_UNAVAILABLE, 0 },
		{ 0, NULL, NULL, HS_E_UNAVAILABLE, 0 },
		{ 400, NULL, "{\"status\": \"0\"}", HS_E_INVALID, 0 },
		/* Zenziva answers 200 with status "0" for wrong keys. */
		{ 200, NULL, "{\"status\": \"0\", \"text\": \"Userkey / "
		    "Passkey Salah\"}", HS_E_INVALID, 0 },
		{ 200, NULL, "{\"messageId\": \"7f3a91\", \"status\": \"0\"}",
		    HS_E_INVALID, 0 },
		{ 200, NULL, "{\"status\": \"1\", \"text\": \"Success\"}",
		    HS_E_INVALID, 0 },
	};
	struct outcome		ok[2];

	(void)state;
	ok[0] = o[0];
	ok[1] = o[1];
	ok[0].body = ok[1].body = good;
	assert_int_equal(load_zenziva(""), 0);
	check_outcomes(ok, 2, "7f3a91");
	check_outcomes(o + 2, sizeof(o) / sizeof(o[0]) - 2, "");
	test_unload();
}

/* The host cannot start the request: the error at once, done never. */
static void
test_request_not_started(void **state)
{
	(void)state;
	assert_int_equal(load_twilio(""), 0);
	test_http_rc = HS_E_UNAVAILABLE;
	assert_int_equal(send_sms("081234567890", "x"), HS_E_UNAVAILABLE);
	assert_false(test_pending);
	assert_int_equal(sent_calls, 0);
	test_http_rc = HS_OK;
	test_unload();
}

/* -------------------------------------------------- Twilio's reports */

struct param {
	const char	*name;
	const char	*value;		/* decoded */
};

static int
param_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct param *)a)->name,
	    ((const struct param *)b)->name));
}

/*
 * Twilio's signature as its documentation defines it: base64 of
 * HMAC-SHA1(auth token, the URL, then each POST parameter's name and
 * value, sorted by name).
 */
static void
twilio_sign(const char *token, const char *url, const struct param *p,
    size_t n, char *out)
{
	struct param	sorted[16];
	unsigned char	mac[20];
	unsigned int	maclen = sizeof(mac);
	char		data[4096];
	size_t		i, off;

	assert_true(n <= 16);
	memcpy(sorted, p, n * sizeof(p[0]));
	qsort(sorted, n, sizeof(sorted[0]), param_cmp);
	off = (size_t)snprintf(data, sizeof(data), "%s", url);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(data + off, sizeof(data) - off, "%s%s",
		    sorted[i].name, sorted[i].value);
	assert_true(off < sizeof(data));
	assert_non_null(HMAC(EVP_sha1(), token, (int)strlen(token),
	    (unsigned char *)data, off, mac, &maclen));
	EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
}

/* The parameters form-encoded, in the order given. */
static void
form(const struct param *p, size_t n, char *out, size_t len)
{
	const unsigned char	*v;
	size_t			 i, o = 0;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		o += (size_t)snprintf(out + o, len - o, "%s%s=", i ? "&" : "",
		    p[i].name);
		for (v = (const unsigned char *)p[i].value; *v != '\0'; v++) {
			if (*v == ' ')
				out[o++] = '+';
			else if (strchr("+/:&=%", *v) != NULL)
				o += (size_t)snprintf(out + o, len - o,
				    "%%%02X", *v);
			else
				out[o++] = (char)*v;
		}
		out[o] = '\0';
		assert_true(o + 8 < len);
	}
}

/* A status callback as Twilio sends it, in its parameter order. */
static size_t
twilio_params(struct param *p, const char *status)
{
	static const struct param	base[] = {
		{ "SmsSid", MSGSID }, { "SmsStatus", NULL },
		{ "MessageStatus", NULL }, { "To", "+6281234567890" },
		{ "MessageSid", MSGSID }, { "AccountSid", SID },
		{ "From", "HydroSync" }, { "ApiVersion", "2010-04-01" },
		{ "ErrorMessage", "Unknown destination handset" },
	};
	size_t				n = sizeof(base) / sizeof(base[0]);

	memcpy(p, base, sizeof(base));
	p[1].value = p[2].value = status;
	return (n);
}

static char	report_id[128];
static int	report_delivered;

/* verify_status with X-Twilio-Signature sig (NULL: none). */
static int
twilio_verify(const char *body, const char *sig)
{
	struct hs_http_header	h[2];

	h[0].name = "content-type";
	h[0].value = "application/x-www-form-urlencoded";
	h[1].name = "x-twilio-signature";
	h[1].value = sig;
	memset(report_id, 0, sizeof(report_id));
	report_delivered = -1;
	return (ops()->verify_status(test_pctx(), h, sig != NULL ? 2 : 1,
	    body, strlen(body), report_id, sizeof(report_id),
	    &report_delivered));
}

/* A genuine report of status: its result; report_* are filled. */
static int
twilio_genuine(const char *status)
{
	struct param	p[16];
	char		body[2048], sig[64];
	size_t		n = twilio_params(p, status);

	form(p, n, body, sizeof(body));
	twilio_sign(TOKEN, STATUS_URL, p, n, sig);
	return (twilio_verify(body, sig));
}

static void
test_twilio_status_genuine(void **state)
{
	static const struct {
		const char	*status;
		int		 result;
		int		 delivered;
	} cases[] = {
		{ "delivered", HS_OK, 1 },
		{ "read", HS_OK, 1 },
		{ "failed", HS_OK, 0 },
		{ "undelivered", HS_OK, 0 },
		{ "queued", HS_E_PENDING, -1 },
		{ "sent", HS_E_PENDING, -1 },
	};
	size_t	i;

	(void)state;
	assert_int_equal(load_twilio("set sms status_url " STATUS_URL "\n"),
	    0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(twilio_genuine(cases[i].status),
		    cases[i].result);
		if (cases[i].result == HS_OK) {
			assert_string_equal(report_id, MSGSID);
			assert_int_equal(report_delivered,
			    cases[i].delivered);
		}
	}
	test_unload();
}

static void
test_twilio_status_forged(void **state)
{
	struct param	p[16];
	char		body[2048], sig[64], other[64];
	size_t		n;

	(void)state;
	assert_int_equal(load_twilio("set sms status_url " STATUS_URL "\n"),
	    0);
	n = twilio_params(p, "failed");
	form(p, n, body, sizeof(body));
	twilio_sign(TOKEN, STATUS_URL, p, n, sig);

	/* Missing, empty, another token's, another URL's, cut short. */
	assert_int_equal(twilio_verify(body, NULL), HS_E_DENIED);
	assert_int_equal(twilio_verify(body, ""), HS_E_DENIED);
	twilio_sign("another-auth-token", STATUS_URL, p, n, other);
	assert_int_equal(twilio_verify(body, other), HS_E_DENIED);
	twilio_sign(TOKEN, "https://evil.example/api/v1/transports/sms/"
	    "status", p, n, other);
	assert_int_equal(twilio_verify(body, other), HS_E_DENIED);
	snprintf(other, sizeof(other), "%.27s", sig);
	assert_int_equal(twilio_verify(body, other), HS_E_DENIED);
	assert_int_equal(report_delivered, -1);

	/* The body changed after signing: a status, a parameter added. */
	p[1].value = p[2].value = "delivered";
	form(p, n, body, sizeof(body));
	assert_int_equal(twilio_verify(body, sig), HS_E_DENIED);
	p[1].value = p[2].value = "failed";
	form(p, n, body, sizeof(body));
	strcat(body, "&Price=-0.0075");
	assert_int_equal(twilio_verify(body, sig), HS_E_DENIED);
	assert_int_equal(report_delivered, -1);

	/* The untouched report still verifies: only the forgeries failed. */
	form(p, n, body, sizeof(body));
	assert_int_equal(twilio_verify(body, sig), HS_OK);
	assert_int_equal(report_delivered, 0);
	test_unload();
}

/* Without status_url nothing can be verified: every report is refused. */
static void
test_twilio_status_without_url(void **state)
{
	(void)state;
	assert_int_equal(load_twilio(""), 0);
	assert_int_equal(twilio_genuine("delivered"), HS_E_DENIED);
	assert_int_equal(report_delivered, -1);
	test_unload();
}

/* Remove the parameter called name from p[0..*n). */
static void
drop(struct param *p, size_t *n, const char *name)
{
	size_t	i;

	for (i = 0; i < *n && strcmp(p[i].name, name); i++)
		;
	assert_true(i < *n);
	memmove(p + i, p + i + 1, (*n - i - 1) * sizeof(p[0]));
	(*n)--;
}

/* Signed, but without the message or its status: malformed. */
static void
test_twilio_status_malformed(void **state)
{
	static const char	*missing[] = { "MessageStatus", "MessageSid" };
	struct param		 p[16];
	char			 body[2048], sig[64];
	size_t			 i, n;

	(void)state;
	assert_int_equal(load_twilio("set sms status_url " STATUS_URL "\n"),
	    0);
	for (i = 0; i < 2; i++) {
		n = twilio_params(p, "delivered");
		drop(p, &n, missing[i]);
		form(p, n, body, sizeof(body));
		twilio_sign(TOKEN, STATUS_URL, p, n, sig);
		assert_int_equal(twilio_verify(body, sig), HS_E_INVALID);
	}
	test_unload();
}

/* ------------------------------------------------- Zenziva's reports */

/* verify_status with X-Callback-Token token (NULL: none). */
static int
zenziva_verify(const char *token, const char *body)
{
	struct hs_http_header	h[2];

	h[0].name = "content-type";
	h[0].value = "application/json";
	h[1].name = "x-callback-token";
	h[1].value = token;
	memset(report_id, 0, sizeof(report_id));
	report_delivered = -1;
	return (ops()->verify_status(test_pctx(), h, token != NULL ? 2 : 1,
	    body, strlen(body), report_id, sizeof(report_id),
	    &report_delivered));
}

static void
test_zenziva_status(void **state)
{
	static const char	*delivered = "{\"messageId\": \"7f3a91\", "
				    "\"to\": \"081234567890\", \"status\": "
				    "\"DELIVERED\"}";

	(void)state;
	assert_int_equal(load_zenziva("set sms callback_token " ZTOKEN "\n"),
	    0);
	assert_int_equal(zenziva_verify(ZTOKEN, delivered), HS_OK);
	assert_string_equal(report_id, "7f3a91");
	assert_int_equal(report_delivered, 1);
	assert_int_equal(zenziva_verify(ZTOKEN, "{\"messageId\": \"7f3a92\", "
	    "\"status\": \"FAILED\"}"), HS_OK);
	assert_string_equal(report_id, "7f3a92");
	assert_int_equal(report_delivered, 0);

	/* Not a final status: nothing to record. */
	assert_int_equal(zenziva_verify(ZTOKEN, "{\"messageId\": \"7f3a91\", "
	    "\"status\": \"SENT\"}"), HS_E_PENDING);
	assert_int_equal(zenziva_verify(ZTOKEN, "{\"messageId\": \"7f3a91\", "
	    "\"status\": \"PROCESSING\"}"), HS_E_PENDING);

	/* Another token, a prefix of ours, ours and more, none. */
	assert_int_equal(zenziva_verify("zenziva-callback-token-0124",
	    delivered), HS_E_DENIED);
	assert_int_equal(zenziva_verify("zenziva-callback-token-012",
	    delivered), HS_E_DENIED);
	assert_int_equal(zenziva_verify(ZTOKEN "4", delivered), HS_E_DENIED);
	assert_int_equal(zenziva_verify("", delivered), HS_E_DENIED);
	assert_int_equal(zenziva_verify(NULL, delivered), HS_E_DENIED);
	assert_int_equal(report_delivered, -1);

	/* Verified but unreadable. */
	assert_int_equal(zenziva_verify(ZTOKEN, "{\"status\": \"DELIVERED\"}"),
	    HS_E_INVALID);
	assert_int_equal(zenziva_verify(ZTOKEN, "{\"messageId\": \"7f3a91\"}"),
	    HS_E_INVALID);
	assert_int_equal(zenziva_verify(ZTOKEN, "messageId=7f3a91"),
	    HS_E_INVALID);
	test_unload();
}

/* No callback_token configured: no report can be trusted. */
static void
test_zenziva_status_without_token(void **state)
{
	(void)state;
	assert_int_equal(load_zenziva(""), 0);
	assert_int_equal(zenziva_verify(ZTOKEN, "{\"messageId\": \"7f3a91\", "
	    "\"status\": \"DELIVERED\"}"), HS_E_DENIED);
	assert_int_equal(zenziva_verify("", "{\"messageId\": \"7f3a91\", "
	    "\"status\": \"DELIVERED\"}"), HS_E_DENIED);
	test_unload();
}

/* ------------------------------------------------------ configuration */

static void
test_config_refused(void **state)
{
	(void)state;
	/* profile is required: the loader refuses before init. */
	assert_int_equal(load("set sms base_url " API "\n", ""), -1);
	assert_non_null(strstr(test_err, "profile"));

	assert_int_equal(load("set sms profile nexmo\nset sms base_url " API
	    "\n", ""), -2);
	assert_non_null(strstr(test_log, "twilio or zenziva"));
	assert_int_equal(load("set sms profile twilio\nset sms base_url "
	    "ftp://api.twilio.test\nset sms account_sid " SID "\n"
	    "set sms auth_token " TOKEN "\nset sms from HS\n", ""), -2);
	assert_non_null(strstr(test_log, "base_url"));
	assert_int_equal(load_twilio("set sms timeout_ms 99\n"), -2);
	assert_non_null(strstr(test_log, "timeout_ms"));
	assert_int_equal(load_twilio("set sms timeout_ms 60001\n"), -2);
	assert_int_equal(load("set sms profile twilio\nset sms base_url " API
	    "\nset sms account_sid " SID "\nset sms from HS\n", ""), -2);
	assert_non_null(strstr(test_log, "auth_token"));
	assert_int_equal(load("set sms profile twilio\nset sms base_url " API
	    "\nset sms account_sid AC/../../x\nset sms auth_token " TOKEN
	    "\nset sms from HS\n", ""), -2);
	assert_non_null(strstr(test_log, "account_sid"));
	assert_int_equal(load("set sms profile zenziva\nset sms base_url "
	    ZAPI "\nset sms userkey zuser\n", ""), -2);
	assert_non_null(strstr(test_log, "passkey"));
	assert_true(test_log_err > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ops_table),
		cmocka_unit_test(test_twilio_request),
		cmocka_unit_test(test_twilio_without_status_url),
		cmocka_unit_test(test_zenziva_request),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_body_limits),
		cmocka_unit_test(test_twilio_outcomes),
		cmocka_unit_test(test_zenziva_outcomes),
		cmocka_unit_test(test_request_not_started),
		cmocka_unit_test(test_twilio_status_genuine),
		cmocka_unit_test(test_twilio_status_forged),
		cmocka_unit_test(test_twilio_status_without_url),
		cmocka_unit_test(test_twilio_status_malformed),
		cmocka_unit_test(test_zenziva_status),
		cmocka_unit_test(test_zenziva_status_without_token),
		cmocka_unit_test(test_config_refused),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
