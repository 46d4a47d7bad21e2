/*
 * The ble-gateway transport end to end, without the core: blegw.so is
 * loaded through the real loader with a fake host (below) whose WebSocket
 * is a real libwebsockets client, against a real hs-ble-bridge and a real
 * virtual-meter (the meter core behind TCP).  Nothing here needs
 * PostgreSQL.
 *
 * The fake host's timers (ABI 1.2) are real too: a list of pending
 * timers that the test's event loop runs when due, and that checks every
 * cancel is of a timer still pending.  After every fini no timer may be
 * left; whatever is left is fired anyway, so under ASan a timer that
 * would fire into freed memory is caught, not just counted.
 *
 * The bridge relays three meters: the virtual meter 01020304, 0b0b0b0b
 * whose "BLE link" accepts and never answers, and 0d0d0d0d where nothing
 * listens.  The test plays the core: it generates STS tokens with the
 * token engine, checks the credit through its own session with the meter
 * (under K, as the plugin does), and checks the telemetry tag the plugin
 * enqueues with the meter's own protocol crypto, as the core's job will.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <libwebsockets.h>

#include "hydrosync/plugin.h"
#include "conf/conf.h"
#include "plugin/loader.h"
#include "sts/sts.h"

#include "bytes.h"
#include "cmac.h"
#include "frame.h"
#include "proto.h"

#include "pjson.h"
#include "hs_test.h"

#define MASTER		"00112233445566778899aabbccddeeff"
#define METER		0x01020304u
#define METER_HEX	"01020304"
#define SILENT_HEX	"0b0b0b0b"
#define GONE_HEX	"0d0d0d0d"
#define CREDIT_START	1000
#define TIMEOUT_MS	1000
#define EVENTS_MAX	4096
#define JOBS_MAX	64

/* ------------------------------------------------------------ fake host */

/* One WebSocket the plugin opened: an lws client on the test's thread. */
struct fake_ws {
	struct fake_ws			*next;
	struct lws			*wsi;
	const struct hs_ws_events	*ev;
	void				*arg;
	int				 opened;
	int				 close_asked;
	int				 gone;		/* on_close delivered */
	int				 close_posted;
	char				*out[64];	/* waiting to be written */
	size_t				 out_len[64];
	int				 nout;
	char				*rx;
	size_t				 rx_len;
};

/* Events run later, outside lws, as the real host posts them. */
struct fake_event {
	int		 kind;		/* 1 open, 2 message, 3 close */
	struct fake_ws	*ws;
	char		*data;
	size_t		 len;
	int		 code;
};

struct fake_job {
	char	kind[64];
	char	payload[8192];
	char	key[128];
};

/* A pending timer; the host frees it just before its fn runs. */
struct fake_timer {
	struct fake_timer	*next;
	int64_t			 due_ms;
	hs_timer_fn		 fn;
	void			*arg;
};

static struct lws_context	*fake_ctx;
static struct fake_ws		*fake_sockets;
static struct fake_event	 fake_events[EVENTS_MAX];
static size_t			 fake_nevents;
static struct hs_config		 fake_conf;
static struct hs_plugin_slot	 fake_slot;
static int64_t			 fake_allocs;
static char			 fake_log[65536];
static struct fake_job		 fake_jobs[JOBS_MAX];
static int			 fake_njobs;
static int			 fake_swallow;	/* the gateway hangs */
static struct fake_timer	*fake_timers;
static int			 fake_ntimers;	/* pending */
static int			 fake_fired;
static int			 fake_wakes;	/* "wake" messages sent */

static int64_t
wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
post(int kind, struct fake_ws *ws, const void *data, size_t len, int code)
{
	struct fake_event	*e;

	assert_true(fake_nevents < EVENTS_MAX);
	e = &fake_events[fake_nevents++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->ws = ws;
	e->code = code;
	if (data != NULL) {
		e->data = malloc(len + 1);
		memcpy(e->data, data, len);
		e->data[len] = '\0';
		e->len = len;
	}
}

static void
post_close(struct fake_ws *ws, int code)
{
	if (ws->close_posted)
		return;
	ws->close_posted = 1;
	ws->wsi = NULL;
	post(3, ws, NULL, 0, code);
}

static int
fake_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct fake_ws	*ws = lws_get_opaque_user_data(wsi);
	unsigned char	*buf;
	int		 i;

	(void)user;
	if (ws == NULL)
		return (lws_callback_http_dummy(wsi, reason, user, in, len));
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		ws->opened = 1;
		post(1, ws, NULL, 0, 0);
		if (ws->nout > 0 || ws->close_asked)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		ws->rx = realloc(ws->rx, ws->rx_len + len + 1);
		memcpy(ws->rx + ws->rx_len, in, len);
		ws->rx_len += len;
		if (!lws_is_final_fragment(wsi) ||
		    lws_remaining_packet_payload(wsi))
			break;
		post(2, ws, ws->rx, ws->rx_len, 0);
		ws->rx_len = 0;
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (ws->nout == 0)
			return (ws->close_asked ? -1 : 0);
		buf = malloc(LWS_PRE + ws->out_len[0]);
		memcpy(buf + LWS_PRE, ws->out[0], ws->out_len[0]);
		lws_write(wsi, buf + LWS_PRE, ws->out_len[0], LWS_WRITE_TEXT);
		free(buf);
		free(ws->out[0]);
		for (i = 1; i < ws->nout; i++) {
			ws->out[i - 1] = ws->out[i];
			ws->out_len[i - 1] = ws->out_len[i];
		}
		ws->nout--;
		if (ws->nout > 0 || ws->close_asked)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_WSI_DESTROY:
		post_close(ws, ws->close_asked ? 1000 : 1006);
		break;
	default:
		break;
	}
	return (0);
}

static const struct lws_protocols fake_protocols[] = {
	{ "fake-host", fake_callback, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static struct hs_ws *
host_ws_connect(void *hctx, const struct hs_ws_conf *conf,
    const struct hs_ws_events *events, void *arg)
{
	struct lws_client_connect_info	 cc;
	struct fake_ws			*ws;
	const char			*proto, *host, *path;
	char				 url[256], p[256];
	int				 port;

	(void)hctx;
	assert_int_equal(conf->size, sizeof(*conf));
	assert_string_equal(conf->subprotocol, "hs-ble-gateway");
	ws = calloc(1, sizeof(*ws));
	ws->ev = events;
	ws->arg = arg;
	ws->next = fake_sockets;
	fake_sockets = ws;
	snprintf(url, sizeof(url), "%s", conf->url);
	if (lws_parse_uri(url, &proto, &host, &port, &path) != 0) {
		post_close(ws, 1006);
		return ((struct hs_ws *)ws);
	}
	snprintf(p, sizeof(p), "/%s", path);
	memset(&cc, 0, sizeof(cc));
	cc.context = fake_ctx;
	cc.address = host;
	cc.port = port;
	cc.path = p;
	cc.host = host;
	cc.origin = host;
	cc.protocol = conf->subprotocol;
	cc.local_protocol_name = "fake-host";
	cc.opaque_user_data = ws;
	cc.pwsi = &ws->wsi;
	if (lws_client_connect_via_info(&cc) == NULL)
		post_close(ws, 1006);
	return ((struct hs_ws *)ws);
}

static int
host_ws_send(void *hctx, struct hs_ws *handle, const void *data, size_t len,
    int binary)
{
	struct fake_ws	*ws = (struct fake_ws *)handle;

	(void)hctx;
	assert_false(binary);
	assert_false(ws->gone);
	if (ws->close_asked || ws->close_posted)
		return (HS_E_UNAVAILABLE);
	if (memmem(data, len, "\"wake\"", 6) != NULL)
		fake_wakes++;
	if (fake_swallow)
		return (HS_OK);
	assert_true(ws->nout < 64);
	ws->out[ws->nout] = malloc(len);
	memcpy(ws->out[ws->nout], data, len);
	ws->out_len[ws->nout++] = len;
	if (ws->wsi != NULL && ws->opened)
		lws_callback_on_writable(ws->wsi);
	return (HS_OK);
}

static void
host_ws_close(void *hctx, struct hs_ws *handle)
{
	struct fake_ws	*ws = (struct fake_ws *)handle;

	(void)hctx;
	assert_false(ws->gone);
	if (ws->close_asked)
		return;
	ws->close_asked = 1;
	if (ws->wsi == NULL)
		post_close(ws, 1000);
	else if (ws->opened)
		lws_callback_on_writable(ws->wsi);
	else
		lws_set_timeout(ws->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
}

static void	host_log(void *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
host_log(void *hctx, int level, const char *fmt, ...)
{
	size_t	used = strlen(fake_log);
	va_list	ap;

	(void)hctx;
	(void)level;
	if (used + 2 >= sizeof(fake_log))
		return;
	va_start(ap, fmt);
	vsnprintf(fake_log + used, sizeof(fake_log) - used - 1, fmt, ap);
	va_end(ap);
	if (getenv("HS_TEST_VERBOSE") != NULL)
		fprintf(stderr, "plugin: %s\n", fake_log + used);
	strcat(fake_log, "\n");
}

static const char *
host_setting(void *hctx, const char *key)
{
	return (hs_plugin_setting(hctx, key));
}

static int64_t
host_now(void *hctx)
{
	(void)hctx;
	return (wall_ms());
}

static int
host_random(void *hctx, void *buf, size_t len)
{
	int	fd;

	(void)hctx;
	if ((fd = open("/dev/urandom", O_RDONLY)) < 0)
		return (HS_E_INTERNAL);
	if (read(fd, buf, len) != (ssize_t)len) {
		close(fd);
		return (HS_E_INTERNAL);
	}
	close(fd);
	return (HS_OK);
}

static void *
host_alloc(void *hctx, size_t n)
{
	void	*p;

	(void)hctx;
	if ((p = malloc(n ? n : 1)) == NULL)
		abort();
	fake_allocs++;
	return (p);
}

static void
host_free(void *hctx, void *p)
{
	(void)hctx;
	if (p != NULL)
		fake_allocs--;
	free(p);
}

static int
host_http(void *hctx, const struct hs_http_req *req, hs_http_done_fn done,
    void *arg)
{
	(void)hctx;
	(void)req;
	(void)done;
	(void)arg;
	fail_msg("the BLE gateway plugin made an HTTP request");
	return (HS_E_NOTSUP);
}

static int
host_job_enqueue(void *hctx, const char *kind, const char *payload,
    const char *dedupe_key)
{
	struct fake_job	*j;

	(void)hctx;
	assert_true(fake_njobs < JOBS_MAX);
	assert_non_null(dedupe_key);
	j = &fake_jobs[fake_njobs++];
	assert_true(strlen(kind) < sizeof(j->kind));
	assert_true(strlen(payload) < sizeof(j->payload));
	assert_true(strlen(dedupe_key) < sizeof(j->key));
	snprintf(j->kind, sizeof(j->kind), "%s", kind);
	snprintf(j->payload, sizeof(j->payload), "%s", payload);
	snprintf(j->key, sizeof(j->key), "%s", dedupe_key);
	return (HS_OK);
}

static struct hs_timer *
host_timer(void *hctx, uint32_t ms, hs_timer_fn fn, void *arg)
{
	struct fake_timer	*t;

	(void)hctx;
	if (fn == NULL)
		return (NULL);
	t = calloc(1, sizeof(*t));
	t->due_ms = wall_ms() + ms;
	t->fn = fn;
	t->arg = arg;
	t->next = fake_timers;
	fake_timers = t;
	fake_ntimers++;
	return ((struct hs_timer *)t);
}

/* Only a pending timer may be cancelled: not one that ran, not twice. */
static void
host_timer_cancel(void *hctx, struct hs_timer *handle)
{
	struct fake_timer	**tp;
	struct fake_timer	 *t = (struct fake_timer *)handle;

	(void)hctx;
	for (tp = &fake_timers; *tp != NULL && *tp != t; tp = &(*tp)->next)
		;
	if (*tp == NULL)
		fail_msg("the plugin cancelled a timer that is not pending");
	*tp = t->next;
	fake_ntimers--;
	free(t);
}

/*
 * Run one timer due by now (any timer when all is set); 0 when none is.
 * As the real host does, the handle is gone before fn runs.
 */
static int
run_timer(int all)
{
	struct fake_timer	**tp, **first = NULL;
	struct fake_timer	 *t;
	hs_timer_fn		  fn;
	void			 *arg;

	for (tp = &fake_timers; *tp != NULL; tp = &(*tp)->next) {
		if ((all || (*tp)->due_ms <= wall_ms()) &&
		    (first == NULL || (*tp)->due_ms < (*first)->due_ms))
			first = tp;
	}
	if (first == NULL)
		return (0);
	t = *first;
	*first = t->next;
	fake_ntimers--;
	fn = t->fn;
	arg = t->arg;
	free(t);
	fake_fired++;
	fn(arg);
	return (1);
}

/* Run the posted events; each one that is for a closed socket is dropped. */
static void
deliver_events(void)
{
	struct fake_event	 e;
	size_t			 i;

	while (fake_nevents > 0) {
		e = fake_events[0];
		for (i = 1; i < fake_nevents; i++)
			fake_events[i - 1] = fake_events[i];
		fake_nevents--;
		if (!e.ws->gone) {
			if (e.kind == 1)
				e.ws->ev->on_open(e.ws->arg,
				    (struct hs_ws *)e.ws);
			else if (e.kind == 2)
				e.ws->ev->on_message(e.ws->arg,
				    (struct hs_ws *)e.ws, e.data, e.len, 0);
			else {
				e.ws->gone = 1;
				e.ws->ev->on_close(e.ws->arg,
				    (struct hs_ws *)e.ws, e.code, "");
			}
		}
		free(e.data);
	}
}

static void
tick(lws_sorted_usec_list_t *sul)
{
	(void)sul;
}

/*
 * The worker's loop, for ms or until *flag is set.  lws_service() waits
 * for the next event or timer whatever its timeout, so a 10 ms timer
 * bounds each turn.
 */
static void
pump(int ms, const int *flag)
{
	static lws_sorted_usec_list_t	sul;
	int64_t				deadline = wall_ms() + ms;

	while (wall_ms() < deadline && (flag == NULL || !*flag)) {
		lws_sul_schedule(fake_ctx, 0, &sul, tick, 10 * LWS_US_PER_MS);
		lws_service(fake_ctx, 0);
		deliver_events();
		while (run_timer(0))
			deliver_events();
	}
	lws_sul_cancel(&sul);
}

/* The socket the plugin uses now: the newest that is not closed. */
static struct fake_ws *
live_socket(void)
{
	struct fake_ws	*ws;

	for (ws = fake_sockets; ws != NULL; ws = ws->next) {
		if (!ws->gone && ws->opened)
			return (ws);
	}
	return (NULL);
}

static int	bridge_port;

static void
fake_host(struct hs_host *host)
{
	memset(host, 0, sizeof(*host));
	host->log = host_log;
	host->setting = host_setting;
	host->now_ms = host_now;
	host->random = host_random;
	host->alloc = host_alloc;
	host->free = host_free;
	host->http_request = host_http;
	host->job_enqueue = host_job_enqueue;
	host->ws_connect = host_ws_connect;
	host->ws_send = host_ws_send;
	host->ws_close = host_ws_close;
	host->timer = host_timer;
	host->timer_cancel = host_timer_cancel;
}

/*
 * Load blegw.so with the test's settings plus extra (config lines, may be
 * NULL) and init it on the fake host.  -1: it would not load or init.
 */
static int
fake_load(const char *extra)
{
	struct lws_context_creation_info	info;
	struct hs_host				host;
	char					text[1024], err[1024];

	snprintf(text, sizeof(text), "plugin ble transport %s/%s/plugins/"
	    "transport/blegw.so\nset ble url ws://127.0.0.1:%d/\n"
	    "set ble meter_key_master %s\nset ble timeout_ms %d\n"
	    "set ble log_pages 2\n%s",
	    hs_test_top(), hs_test_build(), bridge_port, MASTER, TIMEOUT_MS,
	    extra != NULL ? extra : "");
	fake_log[0] = '\0';
	fake_njobs = 0;
	fake_allocs = 0;
	fake_swallow = 0;
	fake_wakes = 0;
	fake_fired = 0;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = fake_protocols;
	info.gid = -1;
	info.uid = -1;
	if ((fake_ctx = lws_create_context(&info)) == NULL)
		return (-1);
	memset(&fake_slot, 0, sizeof(fake_slot));
	if (hs_conf_parse(text, strlen(text), "test.conf", &fake_conf, err,
	    sizeof(err)) == -1 || hs_plugin_open(&fake_conf.plugins[0],
	    HS_ABI_VERSION, &fake_slot, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return (-1);
	}
	fake_host(&host);
	if (hs_plugin_init(&fake_slot, &host, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n%s", err, fake_log);
		return (-1);
	}
	return (0);
}

static int
all_closed(void)
{
	struct fake_ws	*ws;

	for (ws = fake_sockets; ws != NULL; ws = ws->next) {
		if (!ws->gone)
			return (0);
	}
	return (1);
}

static void
fake_unload(void)
{
	struct fake_ws	*ws, *next;
	int64_t		 deadline = wall_ms() + 2000;
	int		 i, left;

	hs_plugin_fini(&fake_slot);
	/* Everything the plugin took from the host went back. */
	assert_int_equal(fake_allocs, 0);
	/*
	 * Every timer was cancelled.  Any left is run now: under ASan it
	 * would be caught touching the freed plugin.
	 */
	left = fake_ntimers;
	while (run_timer(1))
		;
	assert_int_equal(left, 0);
	/* Time came from timers, never from the gateway's "wake". */
	assert_int_equal(fake_wakes, 0);
	/* The host still says on_close; the plugin must survive it. */
	while (!all_closed() && wall_ms() < deadline)
		pump(20, NULL);
	assert_true(all_closed());
	lws_context_destroy(fake_ctx);
	fake_ctx = NULL;
	deliver_events();
	for (ws = fake_sockets; ws != NULL; ws = next) {
		next = ws->next;
		for (i = 0; i < ws->nout; i++)
			free(ws->out[i]);
		free(ws->rx);
		free(ws);
	}
	fake_sockets = NULL;
}

static const struct hs_transport_ops *
fake_ops(void)
{
	return (hs_plugin_transport(&fake_slot));
}

/* ------------------------------------------------------ the processes */

static pid_t	vmeter = -1, bridge = -1;
static int	meter_port, silent_port, gone_port, silent_fd = -1;
static uint8_t	meter_k[16];
static char	rundir[512];

static void
hexin(const char *s, uint8_t *b, size_t n)
{
	size_t		i;
	unsigned int	v;

	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(s + i * 2, "%2x", &v), 1);
		b[i] = (uint8_t)v;
	}
}

static void
hexout(const uint8_t *b, size_t n, char *out)
{
	size_t	i;

	for (i = 0; i < n; i++)
		snprintf(out + i * 2, 3, "%02x", b[i]);
}

/* K = CMAC(master, "HSK1" || id), as the core derives it. */
static void
meter_key(uint32_t id, uint8_t k[16])
{
	uint8_t	master[16], msg[8];

	hexin(MASTER, master, 16);
	memcpy(msg, "HSK1", 4);
	hs_put32(msg + 4, id);
	hs_cmac(master, msg, sizeof(msg), k);
}

static int
tcp_connect(int port)
{
	struct sockaddr_in	sa;
	int			s;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return (-1);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return (s);
	close(s);
	return (-1);
}

/* Wait until something listens on port (up to 5 s). */
static int
wait_port(int port)
{
	int	i, s;

	for (i = 0; i < 100; i++) {
		if ((s = tcp_connect(port)) >= 0) {
			close(s);
			return (0);
		}
		usleep(50000);
	}
	return (-1);
}

static pid_t
spawn(const char *log, char *const argv[])
{
	pid_t	pid;
	int	fd;

	if ((pid = fork()) != 0)
		return (pid);
	if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	execv(argv[0], argv);
	_exit(127);
}

static int
start_bridge(void)
{
	char	bin[512], log[600], port[16], m1[64], m2[64], m3[64];
	char	*argv[12];

	snprintf(bin, sizeof(bin), "%s/%s/bin/hs-ble-bridge", hs_test_top(),
	    hs_test_build());
	snprintf(log, sizeof(log), "%s/bridge.log", rundir);
	snprintf(port, sizeof(port), "%d", bridge_port);
	snprintf(m1, sizeof(m1), METER_HEX "=127.0.0.1:%d", meter_port);
	snprintf(m2, sizeof(m2), SILENT_HEX "=127.0.0.1:%d", silent_port);
	snprintf(m3, sizeof(m3), GONE_HEX "=127.0.0.1:%d", gone_port);
	argv[0] = bin;
	argv[1] = "--port";
	argv[2] = port;
	argv[3] = "--meter";
	argv[4] = m1;
	argv[5] = "--meter";
	argv[6] = m2;
	argv[7] = "--meter";
	argv[8] = m3;
	argv[9] = "--announce-seconds";
	argv[10] = "3600";
	argv[11] = NULL;
	bridge = spawn(log, argv);
	return (wait_port(bridge_port));
}

static void
stop_bridge(void)
{
	if (bridge > 0) {
		kill(bridge, SIGTERM);
		waitpid(bridge, NULL, 0);
	}
	bridge = -1;
}

static int
start_meter(void)
{
	char	bin[512], log[600], port[16], id[16], key[40], now[24];
	char	*argv[20];
	int	i = 0;

	snprintf(bin, sizeof(bin), "%s/%s/bin/virtual-meter", hs_test_top(),
	    hs_test_build());
	snprintf(log, sizeof(log), "%s/meter.log", rundir);
	snprintf(port, sizeof(port), "%d", meter_port);
	snprintf(id, sizeof(id), "%u", METER);
	hexout(meter_k, 16, key);
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	argv[i++] = bin;
	argv[i++] = "--port";
	argv[i++] = port;
	argv[i++] = "--meter-id";
	argv[i++] = id;
	argv[i++] = "--key";
	argv[i++] = key;
	argv[i++] = "--dk";
	argv[i++] = "101112131415161718191a1b1c1d1e1f";
	argv[i++] = "--ea";
	argv[i++] = "11";
	argv[i++] = "--credit";
	argv[i++] = "1000";
	argv[i++] = "--time";
	argv[i++] = now;
	argv[i] = NULL;
	vmeter = spawn(log, argv);
	return (wait_port(meter_port));
}

/* A "meter" whose link connects and never says a word. */
static int
start_silent(void)
{
	struct sockaddr_in	sa;
	int			one = 1;

	if ((silent_fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return (-1);
	setsockopt(silent_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)silent_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(silent_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(silent_fd, 16) != 0)
		return (-1);
	return (0);
}

/* --------------------------------------- the test's own meter session */

struct session {
	int		fd;
	uint8_t		ks[16], nm[8], np[8];
	uint8_t		seq;
	struct hs_frame_rx rx;
};

static void
s_send(struct session *s, uint8_t type, const uint8_t *b, uint8_t n, int mac)
{
	uint8_t	pl[HS_FRAME_MAX_PAYLOAD], out[HS_FRAME_MAX], len;

	if (n > 0)
		memcpy(pl, b, n);
	if (mac) {
		hs_proto_mac(s->ks, HS_DIR_PHONE, type, s->seq, pl, n, pl + n);
		n = (uint8_t)(n + HS_MAC_LEN);
	}
	len = hs_frame_encode(type, s->seq, pl, n, out);
	assert_int_equal(write(s->fd, out, len), len);
}

static void
s_recv(struct session *s, struct hs_frame *f)
{
	struct pollfd	pf;
	uint8_t		byte;

	for (;;) {
		if (hs_frame_rx_next(&s->rx, f) == HS_FRAME_OK) {
			if (f->type == HS_MSG_ALERT)
				continue;
			return;
		}
		pf.fd = s->fd;
		pf.events = POLLIN;
		assert_int_equal(poll(&pf, 1, 3000), 1);
		assert_int_equal(read(s->fd, &byte, 1), 1);
		hs_frame_rx_push(&s->rx, byte);
	}
}

/* The meter's credit, read in a session of our own under K. */
static int32_t
read_credit(void)
{
	struct session	s;
	struct hs_frame	f;
	uint8_t		b[14], tag[HS_AUTH_TAG_LEN];

	memset(&s, 0, sizeof(s));
	hs_frame_rx_init(&s.rx);
	assert_true((s.fd = tcp_connect(meter_port)) >= 0);
	assert_int_equal(host_random(NULL, s.np, 8), HS_OK);
	s.seq = 1;
	s_send(&s, HS_MSG_HELLO, NULL, 0, 0);
	s_recv(&s, &f);
	assert_int_equal(f.type, HS_MSG_HELLO | HS_MSG_REPLY);
	memcpy(s.nm, f.payload + 4, 8);
	s.seq++;
	memcpy(b, s.np, 8);
	hs_proto_auth_tag(meter_k, HS_LABEL_AUTH_PHONE, METER, s.nm, s.np,
	    b + 8);
	s_send(&s, HS_MSG_AUTH, b, 14, 0);
	s_recv(&s, &f);
	assert_int_equal(f.type, HS_MSG_AUTH | HS_MSG_REPLY);
	hs_proto_auth_tag(meter_k, HS_LABEL_AUTH_METER, METER, s.np, s.nm,
	    tag);
	assert_memory_equal(tag, f.payload, HS_AUTH_TAG_LEN);
	hs_proto_session_key(meter_k, s.nm, s.np, s.ks);
	s.seq++;
	s_send(&s, HS_MSG_STATUS, NULL, 0, 1);
	s_recv(&s, &f);
	assert_int_equal(f.type, HS_MSG_STATUS | HS_MSG_REPLY);
	close(s.fd);
	return ((int32_t)hs_get32(f.payload));
}

/* ------------------------------------------------------------- tokens */

/* A water credit token for the demo meter's EA11 key. */
static void
token(uint32_t tid, uint32_t units, char out[HS_STS_TOKEN_BUFSZ])
{
	struct hs_sts_plain	p;
	struct hs_sts_key	k;
	int			i;

	memset(&k, 0, sizeof(k));
	k.ea = HS_STS_EA11;
	for (i = 0; i < 16; i++)
		k.dk[i] = (uint8_t)(0x10 + i);
	assert_int_equal(hs_sts_plain_credit(&p, HS_STS_C0_WATER, 3, tid,
	    units), HS_STS_OK);
	assert_int_equal(hs_sts_encode(&k, &p, out), HS_STS_OK);
}

static struct hs_delivery	delivery;
static int			delivered;

static void
done(void *arg, const struct hs_delivery *d)
{
	assert_null(arg);
	assert_int_equal(d->size, sizeof(*d));
	delivered++;
	delivery = *d;
}

/* send() a body to recipient; wait for the one outcome. */
static int
send_body(const char *recipient, const char *body)
{
	struct hs_message	msg;
	int			rc;

	memset(&msg, 0, sizeof(msg));
	msg.size = sizeof(msg);
	msg.message_id = "msg-1";
	msg.recipient = recipient;
	msg.body = body;
	msg.body_len = strlen(body);
	delivered = 0;
	memset(&delivery, 0, sizeof(delivery));
	rc = fake_ops()->send(fake_slot.pctx, &msg, done, NULL);
	if (rc == HS_OK)
		assert_int_equal(delivered, 1);	/* answered at once */
	else
		assert_int_equal(rc, HS_E_PENDING);
	pump(10000, &delivered);
	assert_int_equal(delivered, 1);
	pump(50, NULL);
	assert_int_equal(delivered, 1);		/* exactly once */
	return (delivery.result);
}

static int
deliver(const char *meter, const char *t1, const char *t2)
{
	char	body[256];

	snprintf(body, sizeof(body), "{\"meter_id\": \"%s\", \"tokens\": "
	    "[\"%s\"%s%s%s]}", meter, t1, t2 ? ", \"" : "", t2 ? t2 : "",
	    t2 ? "\"" : "");
	return (send_body(meter, body));
}

/* Wait until the plugin has enqueued n telemetry jobs in all. */
static void
wait_jobs(int n)
{
	int64_t	deadline = wall_ms() + 5000;

	while (fake_njobs < n && wall_ms() < deadline)
		pump(20, NULL);
	assert_int_equal(fake_njobs, n);
	/* The session's "close" reaches the bridge; the link is free. */
	pump(200, NULL);
}

/*
 * Check a meter.telemetry job as the core will: recompute the transcript
 * tag under K over the frames it carries.  Returns the STATUS credit.
 */
static int32_t
check_telemetry(const struct fake_job *j, int tamper)
{
	struct hs_cmac	c;
	uint8_t		nm[8], np[8], tag[16], want[8], body[32];
	char		text[80], path[48], key[128];
	int64_t		count, type, seq;
	int32_t		credit = INT32_MIN;
	size_t		len = strlen(j->payload), n;
	int		i;

	assert_string_equal(j->kind, "meter.telemetry");
	assert_int_equal(pjson_string(j->payload, len, "ble_id", text,
	    sizeof(text)), 0);
	assert_string_equal(text, METER_HEX);
	assert_int_equal(pjson_string(j->payload, len, "nm", text,
	    sizeof(text)), 0);
	assert_int_equal(strlen(text), 16);
	hexin(text, nm, 8);
	snprintf(key, sizeof(key), "telemetry:" METER_HEX ":%s", text);
	assert_string_equal(j->key, key);
	assert_int_equal(pjson_string(j->payload, len, "np", text,
	    sizeof(text)), 0);
	hexin(text, np, 8);
	assert_int_equal(pjson_string(j->payload, len, "tag", text,
	    sizeof(text)), 0);
	hexin(text, want, 8);
	assert_int_equal(pjson_int(j->payload, len, "count", &count), 0);
	assert_int_equal(pjson_int(j->payload, len, "read_at", &type), 0);
	assert_true(type > wall_ms() - 60000 && type <= wall_ms());
	hs_proto_transcript_init(&c, meter_k, METER, nm, np);
	for (i = 0;; i++) {
		snprintf(path, sizeof(path), "frames.%d", i);
		if (pjson_type(j->payload, len, path) == -1)
			break;
		snprintf(path, sizeof(path), "frames.%d.type", i);
		assert_int_equal(pjson_int(j->payload, len, path, &type), 0);
		snprintf(path, sizeof(path), "frames.%d.seq", i);
		assert_int_equal(pjson_int(j->payload, len, path, &seq), 0);
		snprintf(path, sizeof(path), "frames.%d.body", i);
		assert_int_equal(pjson_string(j->payload, len, path, text,
		    sizeof(text)), 0);
		n = strlen(text) / 2;
		assert_true(n <= sizeof(body));
		hexin(text, body, n);
		if (type == (HS_MSG_STATUS | HS_MSG_REPLY)) {
			assert_int_equal(n, 9);
			if (tamper)
				body[3] ^= 0x10;
			credit = (int32_t)hs_get32(body);
		}
		hs_proto_transcript_add(&c, (uint8_t)type, (uint8_t)seq, body,
		    (uint8_t)n);
	}
	assert_int_equal(count, i);
	hs_cmac_final(&c, tag);
	if (tamper)
		assert_memory_not_equal(tag, want, 8);
	else
		assert_memory_equal(tag, want, 8);
	assert_int_not_equal(credit, INT32_MIN);
	return (credit);
}

/* -------------------------------------------------------------- tests */

static int
group_setup(void **state)
{
	char	cmd[700];

	(void)state;
	snprintf(rundir, sizeof(rundir), "%s/%s/tests/run/blegw-%d",
	    hs_test_top(), hs_test_build(), (int)getpid());
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", rundir);
	if (system(cmd) != 0)
		return (-1);
	meter_key(METER, meter_k);
	meter_port = hs_test_free_port();
	silent_port = hs_test_free_port();
	gone_port = hs_test_free_port();
	bridge_port = hs_test_free_port();
	if (start_meter() == -1 || start_silent() == -1 ||
	    start_bridge() == -1) {
		fprintf(stderr, "cannot start the meter or the bridge; see "
		    "%s\n", rundir);
		return (-1);
	}
	return (0);
}

static int
group_teardown(void **state)
{
	(void)state;
	stop_bridge();
	hs_test_kill(vmeter);
	if (silent_fd >= 0)
		close(silent_fd);
	return (0);
}

static int
load_with(const char *extra)
{
	if (fake_load(extra) == -1)
		return (-1);
	/* The bridge announces on connect: the meter is read. */
	pump(5000, &fake_njobs);
	pump(200, NULL);
	return (fake_njobs == 1 ? 0 : -1);
}

/* Each test: a freshly loaded plugin that has read the meter once. */
static int
load(void **state)
{
	(void)state;
	return (load_with(NULL));
}

/* The same, polling every second when nothing is announced. */
static int
load_polling(void **state)
{
	(void)state;
	return (load_with("set ble poll_seconds 1\n"));
}

static int
unload(void **state)
{
	(void)state;
	fake_unload();
	return (0);
}

/* An announcement: one session, one job the core would verify. */
static void
test_announcement(void **state)
{
	const char	*log1;

	(void)state;
	assert_int_equal(check_telemetry(&fake_jobs[0], 0), CREDIT_START);
	/* STATUS, INFO and the two LOG pages configured. */
	assert_non_null(strstr(fake_jobs[0].payload, "\"count\": 4,"));
	assert_non_null(strstr(fake_jobs[0].payload, "\"type\": 144,"));
	assert_non_null(strstr(fake_jobs[0].payload, "\"type\": 145,"));
	log1 = strstr(fake_jobs[0].payload, "\"type\": 146,");
	assert_non_null(log1);
	assert_non_null(strstr(log1 + 1, "\"type\": 146,"));
	/* A frame changed by one bit does not verify. */
	check_telemetry(&fake_jobs[0], 1);
	/* The silent meter gave up after the reply timeout, nothing queued. */
	pump(TIMEOUT_MS + 1500, NULL);
	assert_non_null(strstr(fake_log, "meter " SILENT_HEX ": telemetry not "
	    "read"));
	assert_int_equal(fake_njobs, 1);
}

static void
test_deliver(void **state)
{
	char	t[HS_STS_TOKEN_BUFSZ];

	(void)state;
	token(1000, 5, t);
	assert_int_equal(deliver(METER_HEX, t, NULL), HS_OK);
	assert_non_null(strstr(delivery.detail, "1 accepted, 0 already used"));
	assert_non_null(strstr(delivery.detail, "credit 1500 L"));
	assert_int_equal(strlen(delivery.provider_ref), 16);	/* Nm */
	/* The same session went on to read the meter. */
	wait_jobs(2);
	assert_int_equal(check_telemetry(&fake_jobs[1], 0), 1500);
	assert_int_equal(read_credit(), 1500);
}

/* A retry after a lost reply: the meter says used, that is delivered. */
static void
test_deliver_again(void **state)
{
	char	t[HS_STS_TOKEN_BUFSZ];

	(void)state;
	token(1000, 5, t);
	assert_int_equal(deliver(METER_HEX, t, NULL), HS_OK);
	assert_non_null(strstr(delivery.detail, "0 accepted, 1 already used"));
	wait_jobs(2);
	assert_int_equal(read_credit(), 1500);
}

static void
test_tampered_token(void **state)
{
	char	t[HS_STS_TOKEN_BUFSZ];

	(void)state;
	token(1001, 5, t);
	t[19] = t[19] == '9' ? '0' : (char)(t[19] + 1);
	assert_int_equal(deliver(METER_HEX, t, NULL), HS_E_INVALID);
	assert_non_null(strstr(delivery.detail, "token 1 of 1"));
	pump(200, NULL);
	assert_int_equal(read_credit(), 1500);
}

/*
 * A delivery with a key change, retried after the change was made: the
 * key change token no longer decrypts (here: a bad token stands for it),
 * and the credit token decides.
 */
static void
test_key_change_already_made(void **state)
{
	char	kct[HS_STS_TOKEN_BUFSZ], t[HS_STS_TOKEN_BUFSZ];

	(void)state;
	token(1002, 1, kct);
	kct[5] = kct[5] == '9' ? '0' : (char)(kct[5] + 1);
	token(1003, 1, t);
	assert_int_equal(deliver(METER_HEX, kct, t), HS_OK);
	assert_non_null(strstr(delivery.detail, "key change already made"));
	wait_jobs(2);
	assert_int_equal(read_credit(), 1600);
}

/* Bodies that can never be delivered are refused at once, permanently. */
static void
test_bad_body(void **state)
{
	char	t[HS_STS_TOKEN_BUFSZ], body[512];

	(void)state;
	token(1009, 1, t);
	assert_int_equal(send_body("meter-1", "{}"), HS_E_INVALID);
	assert_int_equal(send_body(METER_HEX, "tokens"), HS_E_INVALID);
	snprintf(body, sizeof(body), "{\"meter_id\": \"0a0b0c0d\", \"tokens\": "
	    "[\"%s\"]}", t);
	assert_int_equal(send_body(METER_HEX, body), HS_E_INVALID);
	assert_non_null(strstr(delivery.detail, "meter_id"));
	assert_int_equal(deliver(METER_HEX, "1234567890123456789", NULL),
	    HS_E_INVALID);
	assert_non_null(strstr(delivery.detail, "tokens[0]"));
	snprintf(body, sizeof(body), "{\"meter_id\": \"%s\", \"tokens\": "
	    "[\"%s\", \"%s\", \"%s\", \"%s\", \"%s\", \"%s\"]}", METER_HEX,
	    t, t, t, t, t, t);
	assert_int_equal(send_body(METER_HEX, body), HS_E_INVALID);
	assert_int_equal(read_credit(), 1600);
}

static void
test_meter_unreachable(void **state)
{
	char	t[HS_STS_TOKEN_BUFSZ];

	(void)state;
	token(1009, 1, t);
	assert_int_equal(deliver(GONE_HEX, t, NULL), HS_E_UNAVAILABLE);
	assert_true(delivery.retry_after_ms > 0);
	assert_non_null(strstr(delivery.detail, "cannot reach"));
	assert_int_equal(deliver("0e0e0e0e", t, NULL), HS_E_UNAVAILABLE);
	assert_non_null(strstr(delivery.detail, "not behind this gateway"));
}

/* How many WebSockets the plugin has opened since it was loaded. */
static int
sockets_opened(void)
{
	struct fake_ws	*ws;
	int		 n = 0;

	for (ws = fake_sockets; ws != NULL; ws = ws->next)
		n++;
	return (n);
}

static void
test_reply_timeout(void **state)
{
	char	t[HS_STS_TOKEN_BUFSZ];
	int64_t	start;

	(void)state;
	token(1009, 1, t);
	start = wall_ms();
	fake_fired = 0;
	assert_int_equal(deliver(SILENT_HEX, t, NULL), HS_E_UNAVAILABLE);
	assert_non_null(strstr(delivery.detail, "did not answer HELLO"));
	assert_true(wall_ms() - start >= TIMEOUT_MS - 50);
	assert_true(wall_ms() - start < TIMEOUT_MS + 1000);
	/* A host timer ended the wait; the gateway was asked for no wake. */
	assert_true(fake_fired >= 1);
	assert_int_equal(fake_wakes, 0);
	/* A silent meter is not a silent gateway: the socket stays. */
	assert_null(strstr(fake_log, "stopped answering"));
	assert_int_equal(sockets_opened(), 1);
}

static void
inject(const char *text, size_t len, int binary)
{
	struct fake_ws	*ws = live_socket();

	assert_non_null(ws);
	ws->ev->on_message(ws->arg, (struct hs_ws *)ws, text, len, binary);
}

/* Bad, oversize and unknown messages from the gateway: logged, dropped. */
static void
test_bad_gateway_messages(void **state)
{
	static const char	*bad[] = {
		"not json",
		"[1, 2]",
		"{\"op\": \"warp\", \"meter\": \"01020304\"}",
		"{\"op\": \"rx\", \"meter\": \"01020304\", \"hex\": \"zz\"}",
		"{\"op\": \"rx\", \"meter\": \"0102\", \"hex\": \"a5\"}",
		"{\"op\": \"opened\", \"meter\": \"01020304\", \"ref\": -1}",
		"{\"op\": \"announce\", \"meters\": 7}",
	};
	char		*big;
	char		 t[HS_STS_TOKEN_BUFSZ];
	const char	*ann = "{\"op\": \"announce\", \"meters\": [\"nothex!!\", "
			    "7, \"01020304\"]}";
	size_t		 i;

	(void)state;
	inject("{\"op\": \"announce\"}", 18, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		inject(bad[i], strlen(bad[i]), 0);
	big = malloc(20000);
	memset(big, ' ', 20000);
	memcpy(big, "{\"op\": \"wake\"}", 14);
	inject(big, 20000, 0);
	free(big);
	/* One line for the first; the rest are counted (rate limit). */
	assert_non_null(strstr(fake_log, "dropped 1 message(s) from the "
	    "gateway; the last: a binary message"));
	/* The good part of a sloppy announcement is used. */
	inject(ann, strlen(ann), 0);
	assert_non_null(strstr(fake_log, "2 entries that are not meter ids"));
	wait_jobs(2);
	assert_int_equal(check_telemetry(&fake_jobs[1], 0), 1600);
	/* And the plugin still delivers. */
	token(1004, 1, t);
	assert_int_equal(deliver(METER_HEX, t, NULL), HS_OK);
	wait_jobs(3);
	assert_int_equal(read_credit(), 1700);
}

static int
log_has(const char *needle, int wait_ms)
{
	int64_t	deadline = wall_ms() + wait_ms;

	while (strstr(fake_log, needle) == NULL && wall_ms() < deadline)
		pump(20, NULL);
	return (strstr(fake_log, needle) != NULL);
}

/*
 * No gateway: a delivery is answered at once with the time until the
 * next connection attempt, which the plugin makes by itself.
 */
static void
test_gateway_down(void **state)
{
	char		t[HS_STS_TOKEN_BUFSZ];
	uint32_t	retry;

	(void)state;
	stop_bridge();
	assert_true(log_has("the gateway connection closed", 3000));
	token(1005, 1, t);
	assert_int_equal(deliver(METER_HEX, t, NULL), HS_E_UNAVAILABLE);
	retry = delivery.retry_after_ms;
	assert_true(retry >= 1000 && retry <= 60000);
	assert_non_null(strstr(delivery.detail, "not connected"));

	assert_int_equal(start_bridge(), 0);
	pump((int)retry + 100, NULL);
	/* Reconnected by itself by then; the announcement read the meter. */
	assert_true(sockets_opened() >= 2);
	wait_jobs(2);
	assert_int_equal(deliver(METER_HEX, t, NULL), HS_OK);
	assert_non_null(strstr(delivery.detail, "1 accepted"));
	wait_jobs(3);
	assert_int_equal(read_credit(), 1800);
}

static int	outcomes[1];

static void
counted(void *arg, const struct hs_delivery *d)
{
	int	*n = arg;

	assert_int_equal(d->result, HS_E_UNAVAILABLE);
	(*n)++;
}

/*
 * A gateway that keeps its socket open and stops answering: the "open"
 * for a delivery goes unanswered, nothing else arrives, and at the reply
 * timeout the plugin drops the socket by itself, answers the delivery
 * and reconnects; no send() is needed for any of it.
 */
static void
test_gateway_stalls(void **state)
{
	char	t[HS_STS_TOKEN_BUFSZ];
	int64_t	start;

	(void)state;
	/* The silent meter's read has given up: nothing else is running. */
	assert_true(log_has("meter " SILENT_HEX ": telemetry not read", 3000));
	token(1009, 1, t);
	fake_swallow = 1;
	start = wall_ms();
	assert_int_equal(deliver(METER_HEX, t, NULL), HS_E_UNAVAILABLE);
	assert_true(wall_ms() - start >= TIMEOUT_MS - 50);
	assert_true(wall_ms() - start < TIMEOUT_MS + 1000);
	assert_non_null(strstr(delivery.detail, "the gateway stopped "
	    "answering"));
	assert_true(delivery.retry_after_ms >= 1000);
	assert_true(log_has("connecting to ws://", 100));
	fake_swallow = 0;

	/* Back by itself: the new socket's announcement reads the meter. */
	wait_jobs(2);
	assert_int_equal(sockets_opened(), 2);
	assert_int_equal(check_telemetry(&fake_jobs[1], 0), read_credit());
}

/*
 * The bridge goes away and comes back while nothing is sent: the plugin
 * reconnects on its own timer, and the bridge's announcement on the new
 * connection is read as usual.
 */
static void
test_gateway_back(void **state)
{
	(void)state;
	stop_bridge();
	assert_true(log_has("the gateway connection closed", 3000));
	assert_int_equal(start_bridge(), 0);
	wait_jobs(2);
	assert_true(sockets_opened() >= 2);
	assert_non_null(strstr(strstr(fake_log, "connected to the gateway") +
	    1, "connected to the gateway"));
	assert_int_equal(check_telemetry(&fake_jobs[1], 0), read_credit());
}

/*
 * No announcement for poll_seconds (the bridge announces hourly here):
 * the meters of the last announcement are read again, as if announced.
 */
static void
test_poll(void **state)
{
	int64_t	start = wall_ms();

	(void)state;
	wait_jobs(2);
	assert_true(wall_ms() - start < 2500);
	assert_non_null(strstr(fake_log, "no announcement for 1 s; reading"));
	/* Not through read_credit(): the next poll may hold the meter. */
	assert_int_equal(check_telemetry(&fake_jobs[1], 0),
	    check_telemetry(&fake_jobs[0], 0));
	/* And again: each poll counts afresh. */
	wait_jobs(3);
	assert_int_equal(sockets_opened(), 1);
}

/*
 * fini with every kind of timer pending: a reply deadline and the poll
 * while connected, then the reconnect while the bridge is down.
 * fake_unload checks none is left (and runs any that is, for ASan).
 */
static void
test_fini_with_timers(void **state)
{
	struct hs_message	msg;
	char			t[HS_STS_TOKEN_BUFSZ], body[128];

	(void)state;
	token(1009, 1, t);
	snprintf(body, sizeof(body), "{\"meter_id\": \"%s\", \"tokens\": "
	    "[\"%s\"]}", SILENT_HEX, t);
	memset(&msg, 0, sizeof(msg));
	msg.size = sizeof(msg);
	msg.message_id = "msg-2";
	msg.recipient = SILENT_HEX;
	msg.body = body;
	msg.body_len = strlen(body);
	outcomes[0] = 0;
	assert_int_equal(fake_ops()->send(fake_slot.pctx, &msg, counted,
	    &outcomes[0]), HS_E_PENDING);
	pump(100, NULL);
	assert_int_equal(outcomes[0], 0);
	assert_true(fake_ntimers >= 2);	/* the deadline, the poll */
	fake_unload();
	/* fini answered the delivery it held. */
	assert_int_equal(outcomes[0], 1);

	assert_int_equal(load(NULL), 0);
	stop_bridge();
	assert_true(log_has("the gateway connection closed", 3000));
	assert_true(fake_ntimers >= 1);		/* the reconnect */
	fake_unload();
	assert_int_equal(start_bridge(), 0);
}

/*
 * A host older than ABI 1.2 has no timers: init refuses, saying why,
 * before it allocates or connects anything.
 */
static void
test_old_host(void **state)
{
	struct hs_host	host;
	void		*pctx = NULL;

	(void)state;
	assert_int_equal(fake_load(NULL), 0);
	pump(200, NULL);
	fake_unload();
	fake_log[0] = '\0';
	fake_host(&host);
	host.size = offsetof(struct hs_host, timer);
	host.abi = (HS_ABI_MAJOR << 16) | 1;
	host.hctx = &fake_slot;
	assert_int_not_equal(fake_slot.desc->init(&host, &pctx), HS_OK);
	assert_null(pctx);
	assert_non_null(strstr(fake_log, "needs the host's timers"));
	assert_non_null(strstr(fake_log, "ABI 1.1"));
	assert_int_equal(fake_allocs, 0);
	assert_int_equal(fake_ntimers, 0);
	assert_null(fake_sockets);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_announcement, load,
		    unload),
		cmocka_unit_test_setup_teardown(test_deliver, load, unload),
		cmocka_unit_test_setup_teardown(test_deliver_again, load,
		    unload),
		cmocka_unit_test_setup_teardown(test_tampered_token, load,
		    unload),
		cmocka_unit_test_setup_teardown(test_key_change_already_made,
		    load, unload),
		cmocka_unit_test_setup_teardown(test_bad_body, load, unload),
		cmocka_unit_test_setup_teardown(test_meter_unreachable, load,
		    unload),
		cmocka_unit_test_setup_teardown(test_reply_timeout, load,
		    unload),
		cmocka_unit_test_setup_teardown(test_bad_gateway_messages,
		    load, unload),
		cmocka_unit_test_setup_teardown(test_gateway_stalls, load,
		    unload),
		cmocka_unit_test_setup_teardown(test_gateway_down, load,
		    unload),
		cmocka_unit_test_setup_teardown(test_gateway_back, load,
		    unload),
		cmocka_unit_test_setup_teardown(test_poll, load_polling,
		    unload),
		cmocka_unit_test_setup(test_fini_with_timers, load),
		cmocka_unit_test(test_old_host),
	};

	signal(SIGPIPE, SIG_IGN);
	lws_set_log_level(0, NULL);
	return (cmocka_run_group_tests(tests, group_setup, group_teardown));
}
