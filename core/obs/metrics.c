#include <sys/mman.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <kore/kore.h>

#include "obs/metrics.h"
#include "http/router.h"

const double	hs_metrics_bounds[HS_METRICS_BUCKETS] = {
	0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, -1
};

static struct hs_metrics_worker	*shared;
static struct hs_metrics_worker	 private_slot;
static struct hs_metrics_worker	*self = &private_slot;

int
hs_metrics_setup(void)
{
	shared = mmap(NULL, sizeof(*shared) * HS_METRICS_WORKERS,
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		shared = NULL;
		return (-1);
	}
	return (0);
}

void
hs_metrics_bind_worker(int id)
{
	if (shared != NULL && id >= 0 && id < HS_METRICS_WORKERS) {
		self = &shared[id];
		memset(self, 0, sizeof(*self));
		self->pid = (uint64_t)getpid();
	}
}

struct hs_metrics_worker *
hs_metrics_self(void)
{
	return (self);
}

void
hs_metrics_request(int route_id, int status, uint64_t micros)
{
	struct hs_metrics_route	*r;
	double			 ms;
	int			 b, cls;

	if (route_id < 0 || route_id >= HS_METRICS_ROUTES)
		return;
	r = &self->routes[route_id];
	cls = status / 100;
	r->by_class[(cls >= 1 && cls <= 5) ? cls : 0]++;
	r->sum_us += micros;
	ms = (double)micros / 1000.0;
	for (b = 0; b < HS_METRICS_BUCKETS - 1; b++) {
		if (ms <= hs_metrics_bounds[b])
			break;
	}
	r->buckets[b]++;
}

static uint64_t
sum_field(size_t off)
{
	uint64_t	total;
	int		i;

	if (shared == NULL)
		return (*(uint64_t *)(void *)((char *)self + off));
	total = 0;
	for (i = 0; i < HS_METRICS_WORKERS; i++)
		total += *(uint64_t *)(void *)((char *)&shared[i] + off);
	return (total);
}

static void
sum_route(int id, struct hs_metrics_route *out)
{
	int		i, j, n;

	memset(out, 0, sizeof(*out));
	n = shared == NULL ? 1 : HS_METRICS_WORKERS;
	for (i = 0; i < n; i++) {
		const struct hs_metrics_route *r = shared == NULL ?
		    &self->routes[id] : &shared[i].routes[id];
		for (j = 0; j < 6; j++)
			out->by_class[j] += r->by_class[j];
		for (j = 0; j < HS_METRICS_BUCKETS; j++)
			out->buckets[j] += r->buckets[j];
		out->sum_us += r->sum_us;
	}
}

static void
render_gauge(struct kore_buf *buf, const char *name, const char *type,
    const char *help, size_t off)
{
	kore_buf_appendf(buf, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name,
	    help, name, type, name, (unsigned long long)sum_field(off));
}

#define FIELD(f)	offsetof(struct hs_metrics_worker, f)

void
hs_metrics_render(struct kore_buf *buf)
{
	static const char	*classes[6] = { "other", "1xx", "2xx", "3xx",
				    "4xx", "5xx" };
	struct hs_metrics_route	 r;
	const char		*method, *path;
	uint64_t		 cum, count;
	int			 id, j, n;

	n = hs_router_nroutes();
	kore_buf_appendf(buf, "# HELP hydrosync_http_requests_total HTTP "
	    "requests by route and status class.\n"
	    "# TYPE hydrosync_http_requests_total counter\n");
	for (id = 0; id < n && id < HS_METRICS_ROUTES; id++) {
		hs_router_route_info(id, &method, &path);
		sum_route(id, &r);
		for (j = 0; j < 6; j++) {
			if (r.by_class[j] == 0)
				continue;
			kore_buf_appendf(buf, "hydrosync_http_requests_total"
			    "{method=\"%s\",route=\"%s\",code=\"%s\"} %llu\n",
			    method, path, classes[j],
			    (unsigned long long)r.by_class[j]);
		}
	}

	kore_buf_appendf(buf, "# HELP hydrosync_http_request_duration_seconds "
	    "Time from request start to response, by route.\n"
	    "# TYPE hydrosync_http_request_duration_seconds histogram\n");
	for (id = 0; id < n && id < HS_METRICS_ROUTES; id++) {
		hs_router_route_info(id, &method, &path);
		sum_route(id, &r);
		for (count = 0, j = 0; j < HS_METRICS_BUCKETS; j++)
			count += r.buckets[j];
		if (count == 0)
			continue;
		for (cum = 0, j = 0; j < HS_METRICS_BUCKETS; j++) {
			cum += r.buckets[j];
			if (hs_metrics_bounds[j] < 0)
				kore_buf_appendf(buf, "hydrosync_http_request_"
				    "duration_seconds_bucket{method=\"%s\","
				    "route=\"%s\",le=\"+Inf\"} %llu\n", method,
				    path, (unsigned long long)cum);
			else
				kore_buf_appendf(buf, "hydrosync_http_request_"
				    "duration_seconds_bucket{method=\"%s\","
				    "route=\"%s\",le=\"%g\"} %llu\n", method,
				    path, hs_metrics_bounds[j] / 1000.0,
				    (unsigned long long)cum);
		}
		kore_buf_appendf(buf, "hydrosync_http_request_duration_seconds_"
		    "sum{method=\"%s\",route=\"%s\"} %.6f\n", method, path,
		    (double)r.sum_us / 1e6);
		kore_buf_appendf(buf, "hydrosync_http_request_duration_seconds_"
		    "count{method=\"%s\",route=\"%s\"} %llu\n", method, path,
		    (unsigned long long)count);
	}

	render_gauge(buf, "hydrosync_db_queries_total", "counter",
	    "Database queries started.", FIELD(db_queries));
	render_gauge(buf, "hydrosync_db_errors_total", "counter",
	    "Database queries that failed.", FIELD(db_errors));
	render_gauge(buf, "hydrosync_db_pool_connections", "gauge",
	    "Open database connections in all workers.", FIELD(db_conns_open));
	render_gauge(buf, "hydrosync_db_pool_busy", "gauge",
	    "Database connections running a query.", FIELD(db_conns_busy));
	render_gauge(buf, "hydrosync_db_pool_queue", "gauge",
	    "Queries waiting for a free connection.", FIELD(db_queue));
	render_gauge(buf, "hydrosync_db_reconnects_total", "counter",
	    "Database connections re-established.", FIELD(db_reconnects));
	render_gauge(buf, "hydrosync_httpc_requests_total", "counter",
	    "Outbound HTTP requests made for plugins.", FIELD(httpc_requests));
	render_gauge(buf, "hydrosync_httpc_errors_total", "counter",
	    "Outbound HTTP requests that got no response.", FIELD(httpc_errors));
	render_gauge(buf, "hydrosync_httpc_inflight", "gauge",
	    "Outbound HTTP requests under way.", FIELD(httpc_inflight));
	render_gauge(buf, "hydrosync_jobs_enqueued_total", "counter",
	    "Background jobs enqueued.", FIELD(jobs_enqueued));
	render_gauge(buf, "hydrosync_jobs_done_total", "counter",
	    "Background jobs finished.", FIELD(jobs_done));
	render_gauge(buf, "hydrosync_jobs_failed_total", "counter",
	    "Background job attempts that failed.", FIELD(jobs_failed));
	render_gauge(buf, "hydrosync_payment_webhooks_accepted_total",
	    "counter", "Verified payment notifications recorded.",
	    FIELD(webhooks_accepted));
	render_gauge(buf, "hydrosync_payment_webhooks_duplicate_total", "counter",
	    "Payment notifications seen before (ignored).",
	    FIELD(webhooks_duplicate));
	render_gauge(buf, "hydrosync_payment_webhooks_rejected_total", "counter",
	    "Payment notifications refused: forged, stale or malformed.",
	    FIELD(webhooks_rejected));
	render_gauge(buf, "hydrosync_vend_tokens_total", "counter",
	    "Tokens issued and stored.", FIELD(vend_tokens));
	render_gauge(buf, "hydrosync_vend_hsm_failures_total", "counter",
	    "Vend attempts no HSM plugin could serve.", FIELD(vend_hsm_failures));
	render_gauge(buf, "hydrosync_vend_stuck_total", "counter",
	    "Vend attempts for purchases paid over 2 minutes ago (alert).",
	    FIELD(vend_stuck));
	render_gauge(buf, "hydrosync_reconcile_settled_total", "counter",
	    "Payments the reconciliation job found paid (missed webhooks).",
	    FIELD(reconcile_settled));
	render_gauge(buf, "hydrosync_notify_sent_total", "counter",
	    "Notifications a transport accepted.", FIELD(notify_sent));
	render_gauge(buf, "hydrosync_notify_retried_total", "counter",
	    "Notification sends to retry (timeout, 429, 5xx).",
	    FIELD(notify_retried));
	render_gauge(buf, "hydrosync_notify_failed_total", "counter",
	    "Notifications that failed for good.", FIELD(notify_failed));
	render_gauge(buf, "hydrosync_ws_clients", "gauge",
	    "Open WebSocket connections (chat and push).", FIELD(ws_clients));
}
