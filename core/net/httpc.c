#include <sys/eventfd.h>
#include <sys/queue.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <kore/kore.h>

#include "net/httpc.h"
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

struct httpc_wake {
	struct kore_event	evt;	/* first: Kore casts to it */
	int			fd;
};

static struct lws_context		*ctx;
static pthread_t			 thread;
static volatile int			 stopping;
static int				 started;
static pthread_mutex_t			 lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, httpc_job)		 pending = TAILQ_HEAD_INITIALIZER(pending);
static TAILQ_HEAD(, httpc_job)		 active = TAILQ_HEAD_INITIALIZER(active);
static TAILQ_HEAD(, httpc_done)		 completed =
					    TAILQ_HEAD_INITIALIZER(completed);
static struct httpc_wake		 wake;

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

/* lws thread: hand the outcome to the worker exactly once. */
static void
job_finish(struct httpc_job *job, int error, const char *why)
{
	struct httpc_done	*d = job->result;
	uint64_t		 one = 1;

	if (job->finished)
		return;
	job->finished = 1;
	lws_sul_cancel(&job->sul);
	d->error = error;
	if (why != NULL)
		snprintf(d->error_text, sizeof(d->error_text), "%s", why);
	job->result = NULL;

	pthread_mutex_lock(&lock);
	TAILQ_INSERT_TAIL(&completed, d, list);
	pthread_mutex_unlock(&lock);
	if (write(wake.fd, &one, sizeof(one)) == -1)
		lwsl_err("httpc: eventfd write: %s\n", strerror(errno));
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

static void
start_pending(void)
{
	struct lws_client_connect_info	 info;
	struct httpc_job		*job;
	const char			*proto, *host, *path;
	int				 port;

	for (;;) {
		pthread_mutex_lock(&lock);
		if ((job = TAILQ_FIRST(&pending)) != NULL)
			TAILQ_REMOVE(&pending, job, list);
		pthread_mutex_unlock(&lock);
		if (job == NULL)
			return;
		TAILQ_INSERT_TAIL(&active, job, list);

		if (lws_parse_uri(job->url, &proto, &host, &port, &path)) {
			job_finish(job, HS_E_INVALID, "bad url");
			continue;
		}
		snprintf(job->path, sizeof(job->path), "/%s", path);
		memset(&info, 0, sizeof(info));
		info.context = ctx;
		info.address = host;
		info.port = port;
		info.path = job->path;
		info.host = host;
		info.origin = host;
		info.method = job->method;
		info.protocol = "hs-httpc";
		info.opaque_user_data = job;
		info.pwsi = &job->wsi;
		if (!strcmp(proto, "https"))
			info.ssl_connection = LCCSCF_USE_SSL;
		else if (strcmp(proto, "http")) {
			job_finish(job, HS_E_INVALID, "scheme must be http or "
			    "https");
			continue;
		}
		lws_sul_schedule(ctx, 0, &job->sul, job_timeout,
		    (lws_usec_t)job->timeout_ms * LWS_US_PER_MS);
		job->wsi_live = 1;
		if (lws_client_connect_via_info(&info) == NULL) {
			job->wsi_live = 0;
			job_finish(job, HS_E_UNAVAILABLE, "cannot connect");
		}
	}
}

static int
httpc_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct httpc_job	*job;
	struct httpc_done	*d;
	char			 buf[LWS_PRE + HTTPC_CHUNK], *px;
	int			 lenx;

	(void)user;
	if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED) {
		start_pending();
		return (0);
	}
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
		return (0);
	default:
		break;
	}
	return (lws_callback_http_dummy(wsi, reason, user, in, len));
}

static const struct lws_protocols protocols[] = {
	{ "hs-httpc", httpc_callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* Free jobs whose outcome is delivered and whose connection is gone. */
static void
sweep(void)
{
	struct httpc_job	*job, *next;

	for (job = TAILQ_FIRST(&active); job != NULL; job = next) {
		next = TAILQ_NEXT(job, list);
		if (job->finished && !job->wsi_live) {
			TAILQ_REMOVE(&active, job, list);
			job_free(job);
		}
	}
}

static void *
service_thread(void *arg)
{
	(void)arg;
	while (!stopping) {
		if (lws_service(ctx, 0) < 0)
			break;
		sweep();
	}
	return (NULL);
}

/* Worker thread: deliver completions. */
static void
wake_event(void *arg, int error)
{
	TAILQ_HEAD(, httpc_done)	 batch = TAILQ_HEAD_INITIALIZER(batch);
	struct httpc_done		*d;
	struct hs_http_resp		 resp;
	struct hs_http_header		 hdr[3];
	uint64_t			 n;

	(void)arg;
	(void)error;
	if (read(wake.fd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		hs_log(HS_LOG_ERR, "httpc.wake", "read: %s", strerror(errno));

	pthread_mutex_lock(&lock);
	TAILQ_CONCAT(&batch, &completed, list);
	pthread_mutex_unlock(&lock);

	while ((d = TAILQ_FIRST(&batch)) != NULL) {
		TAILQ_REMOVE(&batch, d, list);
		memset(&resp, 0, sizeof(resp));
		resp.size = sizeof(resp);
		resp.error = d->error;
		resp.error_text = d->error_text;
		resp.status = d->error == HS_OK ? d->status : 0;
		resp.body = d->body;
		resp.body_len = d->body_len;
		resp.nheaders = 0;
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
}

static void
lws_log_bridge(int level, const char *line)
{
	char		msg[512];
	size_t		len;

	snprintf(msg, sizeof(msg), "%s", line);
	len = strlen(msg);
	while (len > 0 && msg[len - 1] == '\n')
		msg[--len] = '\0';
	hs_log(level == LLL_ERR ? HS_LOG_ERR : HS_LOG_WARNING, "httpc.lws",
	    "%s", msg);
}

int
hs_httpc_setup(const char *ca_file)
{
	struct lws_context_creation_info	info;

	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_bridge);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.client_ssl_ca_filepath = ca_file;
	info.timeout_secs = 30;
	info.connect_timeout_secs = 10;
	if ((ctx = lws_create_context(&info)) == NULL) {
		hs_log(HS_LOG_ERR, "httpc.setup", "lws_create_context failed");
		return (-1);
	}
	if ((wake.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		hs_log(HS_LOG_ERR, "httpc.setup", "eventfd: %s",
		    strerror(errno));
		return (-1);
	}
	wake.evt.type = KORE_TYPE_TASK;
	wake.evt.handle = wake_event;
	kore_platform_event_level_read(wake.fd, &wake);
	if (pthread_create(&thread, NULL, service_thread, NULL) != 0) {
		hs_log(HS_LOG_ERR, "httpc.setup", "cannot start the client "
		    "thread");
		return (-1);
	}
	started = 1;
	return (0);
}

void
hs_httpc_teardown(void)
{
	if (!started)
		return;
	stopping = 1;
	lws_cancel_service(ctx);
	pthread_join(thread, NULL);
	started = 0;
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

	if (!started || req == NULL || req->method == NULL ||
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
	pthread_mutex_lock(&lock);
	TAILQ_INSERT_TAIL(&pending, job, list);
	pthread_mutex_unlock(&lock);
	lws_cancel_service(ctx);
	return (HS_OK);
}
