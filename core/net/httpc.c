#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <kore/kore.h>

#include "net/httpc.h"
#include "net/loop_lws.h"
#include "obs/log.h"
#include "obs/metrics.h"

#define HTTPC_HEADERS_MAX	32
#define HTTPC_CHUNK		4096
#define HTTPC_DEFAULT_TIMEOUT	10000

/*
 * One request.  The lws thread owns it from hand-over until its
 * connection is gone; the worker only ever sees the completion, a copy of
 * the outcome, so neither side can touch memory the other has freed.
 */
struct httpc_job {
	/* Request, immutable after hand-over. */
	char			*method;
	char			*url;		/* parsed in place by lws */
	char			 path[2048];
	char			*hnames[HTTPC_HEADERS_MAX];
	char			*hvalues[HTTPC_HEADERS_MAX];
	size_t			 nheaders;
	unsigned char		*body;
	size_t			 body_len;
	size_t			 body_sent;
	uint32_t		 timeout_ms;

	/* Owned by the lws thread. */
	struct lws		*wsi;
	lws_sorted_usec_list_t	 sul;
	int			 wsi_live;
	int			 finished;
	int			 active;	/* on the active list */
	struct httpc_done	*result;
	TAILQ_ENTRY(httpc_job)	 list;
};

/* A finished request, handed back to the worker thread. */
struct httpc_done {
	hs_http_done_fn		 done;
	void			*arg;
	int			 error;
	char			 error_text[256];
	int			 status;
	char			 content_type[128];
	char			 location[1024];
	char			 retry_after[32];
	unsigned char		*body;
	size_t			 body_len;
	size_t			 body_cap;
	TAILQ_ENTRY(httpc_done)	 list;
};

/* Jobs whose connection may still be live; lws thread only. */
static TAILQ_HEAD(, httpc_job)		 active = TAILQ_HEAD_INITIALIZER(active);
/* Finished jobs whose connection is gone, for the sweep to free. */
static TAILQ_HEAD(, httpc_job)		 dead = TAILQ_HEAD_INITIALIZER(dead);

static void	httpc_deliver(void *);

static void
job_free(struct httpc_job *job)
{
	size_t		i;

	for (i = 0; i < job->nheaders; i++) {
		free(job->hnames[i]);
		free(job->hvalues[i]);
	}
	free(job->method);
	free(job->url);
	free(job->body);
	free(job);
}

/* lws thread: a job both answered and disconnected can be freed. */
static void
job_reap(struct httpc_job *job)
{
	if (job->finished && !job->wsi_live && job->active) {
		TAILQ_REMOVE(&active, job, list);
		TAILQ_INSERT_TAIL(&dead, job, list);
		job->active = 0;
	}
}

/* lws thread: hand the outcome to the worker exactly once. */
static void
job_finish(struct httpc_job *job, int error, const char *why)
{
	struct httpc_done	*d = job->result;

	if (job->finished)
		return;
	job->finished = 1;
	job_reap(job);
	lws_sul_cancel(&job->sul);
	d->error = error;
	if (why != NULL)
		snprintf(d->error_text, sizeof(d->error_text), "%s", why);
	job->result = NULL;
	hs_net_deliver(httpc_deliver, d);
}

static void
job_timeout(lws_sorted_usec_list_t *sul)
{
	struct httpc_job	*job = lws_container_of(sul, struct httpc_job, sul);

	job_finish(job, HS_E_UNAVAILABLE, "timeout");
	if (job->wsi_live && job->wsi != NULL)
		lws_set_timeout(job->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
}

static int
body_append(struct httpc_done *d, const void *in, size_t len)
{
	unsigned char	*p;
	size_t		 cap;

	if (d->body_len + len > HS_HTTPC_BODY_MAX)
		return (-1);
	if (d->body_len + len > d->body_cap) {
		cap = d->body_cap ? d->body_cap * 2 : HTTPC_CHUNK;
		while (cap < d->body_len + len)
			cap *= 2;
		if ((p = realloc(d->body, cap)) == NULL)
			return (-1);
		d->body = p;
		d->body_cap = cap;
	}
	memcpy(d->body + d->body_len, in, len);
	d->body_len += len;
	return (0);
}

static int
append_headers(struct lws *wsi, struct httpc_job *job, void *in, size_t len)
{
	unsigned char	**p = in, *end = (*p) + len;
	char		 name[128], clen[32];
	size_t		 i;
	int		 n;

	for (i = 0; i < job->nheaders; i++) {
		n = snprintf(name, sizeof(name), "%s:", job->hnames[i]);
		if (n < 0 || (size_t)n >= sizeof(name))
			return (-1);
		if (lws_add_http_header_by_name(wsi, (unsigned char *)name,
		    (unsigned char *)job->hvalues[i],
		    (int)strlen(job->hvalues[i]), p, end))
			return (-1);
	}
	if (job->body != NULL) {
		n = snprintf(clen, sizeof(clen), "%zu", job->body_len);
		if (lws_add_http_header_by_token(wsi,
		    WSI_TOKEN_HTTP_CONTENT_LENGTH, (unsigned char *)clen, n,
		    p, end))
			return (-1);
		lws_client_http_body_pending(wsi, 1);
		lws_callback_on_writable(wsi);
	}
	return (0);
}

static int
write_body(struct lws *wsi, struct httpc_job *job)
{
	unsigned char	 buf[LWS_PRE + HTTPC_CHUNK];
	size_t		 n;
	int		 last;

	n = job->body_len - job->body_sent;
	if (n > HTTPC_CHUNK)
		n = HTTPC_CHUNK;
	last = job->body_sent + n == job->body_len;
	memcpy(buf + LWS_PRE, job->body + job->body_sent, n);
	if (lws_write(wsi, buf + LWS_PRE, n,
	    last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
		return (-1);
	job->body_sent += n;
	if (last)
		lws_client_http_body_pending(wsi, 0);
	else
		lws_callback_on_writable(wsi);
	return (0);
}

/* lws thread: open the connection for one request. */
static void
httpc_start(void *arg)
{
	struct lws_client_connect_info	 info;
	struct httpc_job		*job = arg;
	const char			*proto, *host, *path;
	int				 port;

	TAILQ_INSERT_TAIL(&active, job, list);
	job->active = 1;
	if (lws_parse_uri(job->url, &proto, &host, &port, &path)) {
		job_finish(job, HS_E_INVALID, "bad url");
		return;
	}
	snprintf(job->path, sizeof(job->path), "/%s", path);
	memset(&info, 0, sizeof(info));
	info.context = hs_net_context();
	info.address = host;
	info.port = port;
	info.path = job->path;
	info.host = host;
	info.origin = host;
	info.method = job->method;
	info.local_protocol_name = "hs-httpc";
	info.opaque_user_data = job;
	info.pwsi = &job->wsi;
	if (!strcmp(proto, "https")) {
		info.ssl_connection = LCCSCF_USE_SSL;
	} else if (strcmp(proto, "http")) {
		job_finish(job, HS_E_INVALID, "scheme must be http or https");
		return;
	}
	lws_sul_schedule(hs_net_context(), 0, &job->sul, job_timeout,
	    (lws_usec_t)job->timeout_ms * LWS_US_PER_MS);
	job->wsi_live = 1;
	if (lws_client_connect_via_info(&info) == NULL) {
		job->wsi_live = 0;
		job_finish(job, HS_E_UNAVAILABLE, "cannot connect");
	}
}

int
hs_httpc_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct httpc_job	*job;
	struct httpc_done	*d;
	char			 buf[LWS_PRE + HTTPC_CHUNK], *px;
	int			 lenx;

	(void)user;
	if ((job = lws_get_opaque_user_data(wsi)) == NULL)
		return (lws_callback_http_dummy(wsi, reason, user, in, len));
	d = job->result;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return (append_headers(wsi, job, in, len));
	case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
		if (job->finished || job->body == NULL)
			return (0);
		return (write_body(wsi, job));
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		if (d == NULL)
			return (-1);
		d->status = (int)lws_http_client_http_response(wsi);
		lws_hdr_copy(wsi, d->content_type, sizeof(d->content_type),
		    WSI_TOKEN_HTTP_CONTENT_TYPE);
		lws_hdr_copy(wsi, d->location, sizeof(d->location),
		    WSI_TOKEN_HTTP_LOCATION);
		lws_hdr_copy(wsi, d->retry_after, sizeof(d->retry_after),
		    WSI_TOKEN_HTTP_RETRY_AFTER);
		return (0);
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
		px = buf + LWS_PRE;
		lenx = (int)sizeof(buf) - LWS_PRE;
		if (lws_http_client_read(wsi, &px, &lenx) < 0)
			return (-1);
		return (0);
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		if (d == NULL)
			return (-1);
		if (body_append(d, in, len) == -1) {
			job_finish(job, HS_E_UNAVAILABLE, "response body too "
			    "large");
			return (-1);
		}
		return (0);
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		job_finish(job, HS_OK, NULL);
		return (-1);	/* close: one request per connection */
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		job_finish(job, HS_E_UNAVAILABLE,
		    in != NULL ? (const char *)in : "connection error");
		return (0);
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		job_finish(job, HS_E_UNAVAILABLE, "connection closed before "
		    "the response was complete");
		return (0);
	case LWS_CALLBACK_WSI_DESTROY:
		job->wsi_live = 0;
		job->wsi = NULL;
		job_reap(job);
		return (0);
	default:
		break;
	}
	return (lws_callback_http_dummy(wsi, reason, user, in, len));
}

/* Free jobs whose outcome is delivered and whose connection is gone. */
void
hs_httpc_sweep(void)
{
	struct httpc_job	*job, *next;

	/* After every lws_service(): outside any callback of the job's. */
	for (job = TAILQ_FIRST(&dead); job != NULL; job = next) {
		next = TAILQ_NEXT(job, list);
		TAILQ_REMOVE(&dead, job, list);
		job_free(job);
	}
}

/* Worker thread: hand one outcome to the plugin. */
static void
httpc_deliver(void *arg)
{
	struct httpc_done	*d = arg;
	struct hs_http_resp	 resp;
	struct hs_http_header	 hdr[3];

	memset(&resp, 0, sizeof(resp));
	resp.size = sizeof(resp);
	resp.error = d->error;
	resp.error_text = d->error_text;
	resp.status = d->error == HS_OK ? d->status : 0;
	resp.body = d->body;
	resp.body_len = d->body_len;
	if (d->content_type[0] != '\0') {
		hdr[resp.nheaders].name = "content-type";
		hdr[resp.nheaders++].value = d->content_type;
	}
	if (d->location[0] != '\0') {
		hdr[resp.nheaders].name = "location";
		hdr[resp.nheaders++].value = d->location;
	}
	if (d->retry_after[0] != '\0') {
		hdr[resp.nheaders].name = "retry-after";
		hdr[resp.nheaders++].value = d->retry_after;
	}
	resp.headers = hdr;
	hs_metrics_self()->httpc_inflight--;
	if (d->error != HS_OK)
		hs_metrics_self()->httpc_errors++;
	d->done(d->arg, &resp);
	free(d->body);
	free(d);
}

static char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("httpc: out of memory");
	return (p);
}

int
hs_httpc_request(const struct hs_http_req *req, hs_http_done_fn done,
    void *arg)
{
	struct httpc_job	*job;
	size_t			 i;

	if (!hs_net_running() || req == NULL || req->method == NULL ||
	    req->url == NULL || done == NULL)
		return (HS_E_INVALID);
	if (req->nheaders > HTTPC_HEADERS_MAX ||
	    req->body_len > HS_HTTPC_BODY_MAX)
		return (HS_E_INVALID);
	if (strncmp(req->url, "http://", 7) && strncmp(req->url, "https://", 8))
		return (HS_E_INVALID);

	if ((job = calloc(1, sizeof(*job))) == NULL ||
	    (job->result = calloc(1, sizeof(*job->result))) == NULL)
		fatal("httpc: out of memory");
	job->method = xstrdup(req->method);
	job->url = xstrdup(req->url);
	for (i = 0; i < req->nheaders; i++) {
		job->hnames[i] = xstrdup(req->headers[i].name);
		job->hvalues[i] = xstrdup(req->headers[i].value);
	}
	job->nheaders = req->nheaders;
	if (req->body != NULL && req->body_len > 0) {
		if ((job->body = malloc(req->body_len)) == NULL)
			fatal("httpc: out of memory");
		memcpy(job->body, req->body, req->body_len);
		job->body_len = req->body_len;
	}
	job->timeout_ms = req->timeout_ms ? req->timeout_ms :
	    HTTPC_DEFAULT_TIMEOUT;
	job->result->done = done;
	job->result->arg = arg;

	hs_metrics_self()->httpc_requests++;
	hs_metrics_self()->httpc_inflight++;
	hs_net_post(httpc_start, job);
	return (HS_OK);
}
