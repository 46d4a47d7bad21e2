#include <sys/eventfd.h>
#include <sys/queue.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kore/kore.h>

#include "net/loop_lws.h"
#include "obs/log.h"

struct net_call {
	hs_net_fn		 fn;
	void			*arg;
	TAILQ_ENTRY(net_call)	 list;
};

TAILQ_HEAD(net_calls, net_call);

struct net_wake {
	struct kore_event	evt;	/* first: Kore casts to it */
	int			fd;
};

static struct lws_context	*ctx;
static pthread_t		 thread;
static volatile int		 stopping;
static int			 started;
static pthread_mutex_t		 lock = PTHREAD_MUTEX_INITIALIZER;
static struct net_calls		 to_lws = TAILQ_HEAD_INITIALIZER(to_lws);
static struct net_calls		 to_worker = TAILQ_HEAD_INITIALIZER(to_worker);
static struct net_wake		 wake;

static int	loop_callback(struct lws *, enum lws_callback_reasons, void *,
		    void *, size_t);

static const struct lws_protocols protocols[] = {
	{ "hs-loop", loop_callback, 0, 0, 0, NULL, 0 },
	{ "hs-httpc", hs_httpc_callback, 0, 0, 0, NULL, 0 },
	{ "hs-ws", hs_wsc_callback, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static struct net_call *
call_new(hs_net_fn fn, void *arg)
{
	struct net_call	*c;

	if ((c = malloc(sizeof(*c))) == NULL)
		fatal("net: out of memory");
	c->fn = fn;
	c->arg = arg;
	return (c);
}

static void
drain(struct net_calls *q)
{
	struct net_calls	 batch = TAILQ_HEAD_INITIALIZER(batch);
	struct net_call		*c;

	pthread_mutex_lock(&lock);
	TAILQ_CONCAT(&batch, q, list);
	pthread_mutex_unlock(&lock);
	while ((c = TAILQ_FIRST(&batch)) != NULL) {
		TAILQ_REMOVE(&batch, c, list);
		c->fn(c->arg);
		free(c);
	}
}

/* lws thread: posted work arrives as a cancelled wait. */
static int
loop_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED)
		drain(&to_lws);
	return (lws_callback_http_dummy(wsi, reason, user, in, len));
}

static void *
service_thread(void *arg)
{
	(void)arg;
	while (!stopping) {
		if (lws_service(ctx, 0) < 0)
			break;
		hs_httpc_sweep();
		hs_wsc_sweep();
	}
	return (NULL);
}

/* Worker thread: the eventfd fired. */
static void
wake_event(void *arg, int error)
{
	uint64_t	n;

	(void)arg;
	(void)error;
	if (read(wake.fd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		hs_log(HS_LOG_ERR, "net.wake", "read: %s", strerror(errno));
	drain(&to_worker);
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
	hs_log(level == LLL_ERR ? HS_LOG_ERR : HS_LOG_WARNING, "net.lws",
	    "%s", msg);
}

int
hs_net_setup(const char *ca_file)
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
		hs_log(HS_LOG_ERR, "net.setup", "lws_create_context failed");
		return (-1);
	}
	if ((wake.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		hs_log(HS_LOG_ERR, "net.setup", "eventfd: %s", strerror(errno));
		return (-1);
	}
	wake.evt.type = KORE_TYPE_TASK;
	wake.evt.handle = wake_event;
	kore_platform_event_level_read(wake.fd, &wake);
	if (pthread_create(&thread, NULL, service_thread, NULL) != 0) {
		hs_log(HS_LOG_ERR, "net.setup", "cannot start the client "
		    "thread");
		return (-1);
	}
	started = 1;
	return (0);
}

void
hs_net_teardown(void)
{
	if (!started)
		return;
	stopping = 1;
	lws_cancel_service(ctx);
	pthread_join(thread, NULL);
	started = 0;
}

int
hs_net_running(void)
{
	return (started);
}

struct lws_context *
hs_net_context(void)
{
	return (ctx);
}

void
hs_net_post(hs_net_fn fn, void *arg)
{
	struct net_call	*c = call_new(fn, arg);

	pthread_mutex_lock(&lock);
	TAILQ_INSERT_TAIL(&to_lws, c, list);
	pthread_mutex_unlock(&lock);
	lws_cancel_service(ctx);
}

void
hs_net_deliver(hs_net_fn fn, void *arg)
{
	struct net_call	*c = call_new(fn, arg);
	uint64_t	 one = 1;

	pthread_mutex_lock(&lock);
	TAILQ_INSERT_TAIL(&to_worker, c, list);
	pthread_mutex_unlock(&lock);
	if (write(wake.fd, &one, sizeof(one)) == -1)
		lwsl_err("net: eventfd write: %s\n", strerror(errno));
}
