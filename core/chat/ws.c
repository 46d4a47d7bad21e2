/*
 * /ws: the browser's live connection — chat with the utility, and pushed
 * notices (a token the moment it is issued, a low balance).
 *
 * The socket is opened by a signed-in user (the route's role check runs
 * before the upgrade; an unauthenticated socket never opens).  Frames are
 * JSON objects with a "type":
 *
 *   client -> server
 *     open      {subject}                    a customer's conversation
 *     list      {}                           conversations, unread counts
 *     send      {conversation, body, client_id, attachment?}
 *     history   {conversation, before? | after?, limit?}   (after: resume)
 *     read      {conversation, last}         read receipt
 *     typing    {conversation}
 *     assign    {conversation, user}         staff: assign, hand over
 *   server -> client
 *     message, read, typing, assigned, conversation   (fan-out)
 *     push      {data}                       a notice for this user
 *     ack       {client_id, id}              a send was stored
 *     result    {of, ...}                    answers to open/list/history
 *     error     {code, message}
 *
 * Everything persists in PostgreSQL (migration 0011); what one client does
 * is announced with NOTIFY hs_chat (and hs_push for notices), which every
 * worker of every node hears on its LISTEN connection and passes to its
 * own sockets that may see it: the customer of the conversation and the
 * utility's staff.  A client that reconnects asks for history after the
 * last message id it saw, so nothing is lost.
 *
 * Abuse: frames over websocket_maxframe are dropped by Kore with the
 * connection; bodies over 4000 characters, unknown types and bad JSON
 * get an error and store nothing; each socket may send RATE_PER_S frames
 * a second (burst RATE_BURST) and is closed after RATE_STRIKES refusals;
 * a customer's requests are scoped to their own conversations in SQL.
 */
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "chat/chat.h"
#include "db/db.h"
#include "http/json.h"
#include "http/routes.h"
#include "obs/log.h"
#include "obs/metrics.h"

#define RATE_PER_S	5.0
#define RATE_BURST	20.0
#define RATE_STRIKES	10
#define BODY_MAX	4000
#define HISTORY_MAX	200

struct client {
	TAILQ_ENTRY(client)	 list;
	struct connection	*c;
	uint64_t		 serial;
	uint32_t		 role;
	int64_t			 user_id;
	int64_t			 utility_id;
	int64_t			 customer_id;	/* customers only */
	char			 actor[48];	/* "user:12" */
	char			 who[48];	/* "customer:7" or "user:12" */
	double			 tokens;
	uint64_t		 refilled;
	int			 strikes;
};

/* A database answer for one client, who may be gone by then. */
struct pending {
	uint64_t	serial;
	char		of[16];
	char		client_id[72];
};

static TAILQ_HEAD(, client)	clients = TAILQ_HEAD_INITIALIZER(clients);
static uint64_t			next_serial = 1;
static const struct hs_principal *handshaking;
static int			nclients;

void	hs_chat_ws_connect(struct connection *);
void	hs_chat_ws_message(struct connection *, u_int8_t, void *, size_t);
void	hs_chat_ws_disconnect(struct connection *);

static struct client *
client_by_serial(uint64_t serial)
{
	struct client	*cl;

	TAILQ_FOREACH(cl, &clients, list) {
		if (cl->serial == serial)
			return (cl);
	}
	return (NULL);
}

static void
send_text(struct client *cl, const char *text, size_t len)
{
	kore_websocket_send(cl->c, WEBSOCKET_OP_TEXT, text, len);
}

static void
send_error(struct client *cl, const char *code, const char *message)
{
	struct kore_buf	buf;
	struct hs_json	j;

	kore_buf_init(&buf, 128);
	hs_json_init(&j, &buf);
	hs_json_object(&j);
	hs_json_kstr(&j, "type", "error");
	hs_json_kstr(&j, "code", code);
	hs_json_kstr(&j, "message", message);
	hs_json_end_object(&j);
	send_text(cl, (const char *)buf.data, buf.offset);
	kore_buf_cleanup(&buf);
}

void
hs_chat_ws_connect(struct connection *c)
{
	struct client	*cl;

	if (handshaking == NULL) {
		kore_connection_disconnect(c);
		return;
	}
	/* Kore frees hdlr_extra with the connection. */
	cl = kore_calloc(1, sizeof(*cl));
	cl->c = c;
	cl->serial = next_serial++;
	cl->role = handshaking->role;
	cl->user_id = handshaking->user_id;
	cl->utility_id = handshaking->utility_id;
	cl->customer_id = handshaking->customer_id;
	snprintf(cl->actor, sizeof(cl->actor), "%s", handshaking->actor);
	if (cl->role == HS_ROLE_CUSTOMER)
		snprintf(cl->who, sizeof(cl->who), "customer:%lld",
		    (long long)cl->customer_id);
	else
		snprintf(cl->who, sizeof(cl->who), "user:%lld",
		    (long long)cl->user_id);
	cl->tokens = RATE_BURST;
	cl->refilled = kore_time_ms();
	c->hdlr_extra = cl;
	TAILQ_INSERT_TAIL(&clients, cl, list);
	nclients++;
	hs_metrics_self()->ws_clients = (uint64_t)nclients;
}

void
hs_chat_ws_disconnect(struct connection *c)
{
	struct client	*cl = c->hdlr_extra;

	if (cl == NULL)
		return;
	TAILQ_REMOVE(&clients, cl, list);
	nclients--;
	hs_metrics_self()->ws_clients = (uint64_t)nclients;
}

/* GET /ws: upgrade a signed-in user's connection. */
int
hs_chat_ws(struct hs_req *r)
{
	handshaking = &r->who;
	kore_websocket_handshake(r->http, "hs_chat_ws_connect",
	    "hs_chat_ws_message", "hs_chat_ws_disconnect");
	handshaking = NULL;
	return (HS_DONE);
}

/* ------------------------------------------------------------ replies */

static void
answered(void *arg, PGresult *res, const char *error, const char *state)
{
	struct pending	*p = arg;
	struct client	*cl;
	struct kore_buf	 buf;
	const char	*v;

	(void)state;
	if ((cl = client_by_serial(p->serial)) == NULL)
		goto out;
	if (error != NULL) {
		/* Our SQL raises "field: message"; show the message. */
		v = strstr(error, ": ");
		send_error(cl, "refused", v && strlen(v) > 2 ? v + 2 :
		    "the database did not answer");
		goto out;
	}
	if (!strcmp(p->of, "send")) {
		v = PQgetvalue(res, 0, 0);
		kore_buf_init(&buf, 256);
		kore_buf_appendf(&buf, "{\"type\": \"ack\", \"client_id\": "
		    "\"%s\", \"message\": %s}", p->client_id, v);
		send_text(cl, (const char *)buf.data, buf.offset);
		kore_buf_cleanup(&buf);
	} else if (strcmp(p->of, "typing") && strcmp(p->of, "read")) {
		kore_buf_init(&buf, 1024);
		kore_buf_appendf(&buf, "{\"type\": \"result\", \"of\": \"%s\", "
		    "\"data\": %s}", p->of, PQntuples(res) == 1 &&
		    !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : "null");
		send_text(cl, (const char *)buf.data, buf.offset);
		kore_buf_cleanup(&buf);
	}
out:
	if (res != NULL)
		PQclear(res);
	free(p);
}

static void
ask(struct client *cl, const char *of, const char *client_id,
    const char *sql, int n, const char *const *params)
{
	struct pending	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("chat: out of memory");
	p->serial = cl->serial;
	snprintf(p->of, sizeof(p->of), "%s", of);
	snprintf(p->client_id, sizeof(p->client_id), "%s",
	    client_id ? client_id : "");
	if (hs_db_query(sql, n, params, answered, p) == -1) {
		send_error(cl, "busy", "the server is busy; try again");
		free(p);
	}
}

/* ------------------------------------------------------------ requests */

static int
rate_ok(struct client *cl)
{
	uint64_t	now = kore_time_ms();

	cl->tokens += (double)(now - cl->refilled) * RATE_PER_S / 1000.0;
	if (cl->tokens > RATE_BURST)
		cl->tokens = RATE_BURST;
	cl->refilled = now;
	if (cl->tokens >= 1.0) {
		cl->tokens -= 1.0;
		return (1);
	}
	if (++cl->strikes >= RATE_STRIKES) {
		hs_log(HS_LOG_WARNING, "chat.flood", "%s: closed after %d "
		    "refused frames", cl->who, cl->strikes);
		kore_connection_disconnect(cl->c);
		return (0);
	}
	send_error(cl, "rate_limited", "too many messages; slow down");
	return (0);
}

static int64_t
num(struct kore_json_item *root, const char *name)
{
	struct kore_json_item	*it;

	it = kore_json_find(root, name, KORE_JSON_TYPE_INTEGER_U64);
	return (it != NULL && it->data.u64 <= INT64_MAX ?
	    (int64_t)it->data.u64 : -1);
}

static const char *
str(struct kore_json_item *root, const char *name)
{
	struct kore_json_item	*it;

	it = kore_json_find(root, name, KORE_JSON_TYPE_STRING);
	return (it != NULL ? it->data.string : NULL);
}

static void
handle(struct client *cl, struct kore_json_item *root, const char *type)
{
	const char	*params[8], *body, *client_id, *only;
	char		 utility[24], cust[24], conv[24], a[24], b[24], lim[8];
	int64_t		 v;

	if (strcmp(type, "open") && strcmp(type, "list") &&
	    strcmp(type, "send") && strcmp(type, "history") &&
	    strcmp(type, "read") && strcmp(type, "typing") &&
	    strcmp(type, "assign")) {
		send_error(cl, "invalid", "unknown type");
		return;
	}
	snprintf(utility, sizeof(utility), "%lld", (long long)cl->utility_id);
	snprintf(cust, sizeof(cust), "%lld", (long long)cl->customer_id);
	only = cl->role == HS_ROLE_CUSTOMER ? cust : NULL;
	if ((v = num(root, "conversation")) > 0)
		snprintf(conv, sizeof(conv), "%lld", (long long)v);
	else
		conv[0] = '\0';

	if (!strcmp(type, "open")) {
		if (cl->role != HS_ROLE_CUSTOMER) {
			send_error(cl, "forbidden", "only customers open "
			    "conversations");
			return;
		}
		params[0] = utility;
		params[1] = cust;
		params[2] = str(root, "subject");
		ask(cl, "open", NULL, "SELECT hs_chat_open($1, $2, $3)", 3,
		    params);
		return;
	}
	if (!strcmp(type, "list")) {
		params[0] = utility;
		params[1] = only;
		params[2] = cl->who;
		ask(cl, "list", NULL, "SELECT hs_chat_list($1, $2, $3, 50, 0)",
		    3, params);
		return;
	}
	if (conv[0] == '\0') {
		send_error(cl, "invalid", "conversation is required");
		return;
	}
	params[0] = utility;
	params[1] = conv;
	params[2] = only;
	if (!strcmp(type, "send")) {
		body = str(root, "body");
		client_id = str(root, "client_id");
		if (body == NULL || body[0] == '\0' ||
		    strlen(body) > BODY_MAX) {
			send_error(cl, "invalid", "body must be 1 to 4000 "
			    "characters");
			return;
		}
		if (client_id == NULL || strlen(client_id) < 1 ||
		    strlen(client_id) > 64 || strchr(client_id, '"') ||
		    strchr(client_id, '\\')) {
			send_error(cl, "invalid", "client_id (1 to 64 "
			    "characters) is required, so a resend is not "
			    "stored twice");
			return;
		}
		v = num(root, "attachment");
		snprintf(a, sizeof(a), "%lld", (long long)v);
		params[3] = cl->who;
		params[4] = cl->actor;
		params[5] = body;
		params[6] = client_id;
		params[7] = v > 0 ? a : NULL;
		ask(cl, "send", client_id, "SELECT hs_chat_post($1, $2, $3, $4, "
		    "coalesce((SELECT name FROM users WHERE 'user:' || id = $5), "
		    "$5), $6, $7, $8)::text", 8, params);
		return;
	}
	if (!strcmp(type, "history")) {
		v = num(root, "after");
		snprintf(a, sizeof(a), "%lld", (long long)v);
		params[3] = v >= 0 ? a : NULL;
		v = num(root, "before");
		snprintf(b, sizeof(b), "%lld", (long long)v);
		params[4] = v > 0 ? b : NULL;
		v = num(root, "limit");
		snprintf(lim, sizeof(lim), "%d", v > 0 && v <= HISTORY_MAX ?
		    (int)v : 50);
		params[5] = lim;
		ask(cl, "history", NULL, "SELECT jsonb_build_object("
		    "'conversation', $2::bigint, 'messages', "
		    "hs_chat_messages($1, $2, $3, $4, $5, $6))", 6, params);
		return;
	}
	if (!strcmp(type, "read")) {
		if ((v = num(root, "last")) < 0) {
			send_error(cl, "invalid", "last is required");
			return;
		}
		snprintf(a, sizeof(a), "%lld", (long long)v);
		params[3] = cl->who;
		params[4] = a;
		ask(cl, "read", NULL, "SELECT hs_chat_read($1, $2, $3, $4, $5)",
		    5, params);
		return;
	}
	if (!strcmp(type, "typing")) {
		params[3] = cl->who;
		ask(cl, "typing", NULL, "SELECT hs_notify_async('hs_chat', "
		    "jsonb_build_object('type', 'typing', 'utility', utility_id, "
		    "'customer', customer_id, 'conversation', id, 'who', "
		    "$4::text)::text) FROM chat_conversations WHERE id = $2 AND "
		    "utility_id = $1 AND ($3::bigint IS NULL OR customer_id = "
		    "$3)", 4, params);
		return;
	}
	if (!strcmp(type, "assign")) {
		if (cl->role == HS_ROLE_CUSTOMER) {
			send_error(cl, "forbidden", "staff assign conversations");
			return;
		}
		v = num(root, "user");
		snprintf(a, sizeof(a), "%lld", (long long)v);
		params[0] = cl->actor;
		params[1] = utility;
		params[2] = conv;
		params[3] = v > 0 ? a : NULL;
		ask(cl, "assign", NULL, "SELECT hs_chat_assign($1, $2, $3, $4)",
		    4, params);
	}
}

void
hs_chat_ws_message(struct connection *c, u_int8_t op, void *data,
    size_t len)
{
	struct client		*cl = c->hdlr_extra;
	struct kore_json	 j;
	const char		*type;

	if (cl == NULL || op != WEBSOCKET_OP_TEXT)
		return;
	if (!rate_ok(cl))
		return;
	kore_json_init(&j, data, len);
	if (!kore_json_parse(&j) || j.root->type != KORE_JSON_TYPE_OBJECT ||
	    (type = str(j.root, "type")) == NULL) {
		send_error(cl, "bad_json", "send a JSON object with a type");
		kore_json_cleanup(&j);
		return;
	}
	handle(cl, j.root, type);
	kore_json_cleanup(&j);
}

/* ------------------------------------------------------------- fan-out */

/*
 * NOTIFY hs_chat: {type, utility, customer, ...}.  The conversation's
 * customer and the utility's staff see it.  NOTIFY hs_push: {audience,
 * data}: "customer:<id>" or "user:<id>".
 */
void
hs_chat_notify(const char *channel, const char *payload)
{
	struct kore_json	 j;
	struct client		*cl;
	struct kore_buf		 buf;
	const char		*audience;
	int64_t			 utility, customer;
	int			 push;

	push = !strcmp(channel, "hs_push");
	kore_json_init(&j, payload, strlen(payload));
	if (!kore_json_parse(&j)) {
		kore_json_cleanup(&j);
		return;
	}
	utility = num(j.root, "utility");
	customer = num(j.root, "customer");
	audience = push ? str(j.root, "audience") : NULL;
	kore_buf_init(&buf, strlen(payload) + 32);
	if (push) {
		struct kore_json_item *data = kore_json_find(j.root, "data",
		    KORE_JSON_TYPE_STRING);

		kore_buf_appendf(&buf, "{\"type\": \"push\", \"data\": %s}",
		    data ? data->data.string : "null");
	} else {
		kore_buf_append(&buf, payload, strlen(payload));
	}
	TAILQ_FOREACH(cl, &clients, list) {
		if (push) {
			if (audience == NULL || strcmp(audience, cl->who))
				continue;
		} else if (cl->utility_id != utility ||
		    (cl->role == HS_ROLE_CUSTOMER &&
		    cl->customer_id != customer)) {
			continue;
		}
		send_text(cl, (const char *)buf.data, buf.offset);
	}
	kore_buf_cleanup(&buf);
	kore_json_cleanup(&j);
}

/* The LISTEN connection was lost: tell clients to resume from history. */
void
hs_chat_reset(void)
{
	struct client	*cl;
	static const char	msg[] = "{\"type\": \"resync\"}";

	TAILQ_FOREACH(cl, &clients, list)
		send_text(cl, msg, sizeof(msg) - 1);
}
