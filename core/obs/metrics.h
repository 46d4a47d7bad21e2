/*
 * Prometheus metrics shared by all workers of one node.
 *
 * Kore workers are separate processes and a scrape lands on one of them, so
 * counters live in one shared anonymous mapping made by the parent before
 * it forks.  Each worker writes only its own slot (no locks); /metrics sums
 * the slots.  Route ids index a fixed table built from the router.
 */
#ifndef HS_METRICS_H
#define HS_METRICS_H

#include <stdint.h>

#include <kore/kore.h>

#define HS_METRICS_ROUTES	128
#define HS_METRICS_WORKERS	64
#define HS_METRICS_BUCKETS	12

/* Latency bucket upper bounds in milliseconds (last one is +Inf). */
extern const double	hs_metrics_bounds[HS_METRICS_BUCKETS];

struct hs_metrics_route {
	uint64_t	by_class[6];	/* 0: other, 1..5: 1xx..5xx */
	uint64_t	buckets[HS_METRICS_BUCKETS];
	uint64_t	sum_us;
};

struct hs_metrics_worker {
	uint64_t		 pid;
	struct hs_metrics_route	 routes[HS_METRICS_ROUTES];
	uint64_t		 db_queries;
	uint64_t		 db_errors;
	uint64_t		 db_conns_open;
	uint64_t		 db_conns_busy;
	uint64_t		 db_queue;
	uint64_t		 db_reconnects;
	uint64_t		 httpc_requests;
	uint64_t		 httpc_errors;
	uint64_t		 httpc_inflight;
	uint64_t		 jobs_enqueued;
	uint64_t		 jobs_done;
	uint64_t		 jobs_failed;
	uint64_t		 webhooks_accepted;
	uint64_t		 webhooks_duplicate;
	uint64_t		 webhooks_rejected;
	uint64_t		 vend_tokens;
	uint64_t		 vend_hsm_failures;
	uint64_t		 vend_stuck;
	uint64_t		 reconcile_settled;
	uint64_t		 notify_sent;
	uint64_t		 notify_retried;
	uint64_t		 notify_failed;
	uint64_t		 ws_clients;
};

/* In the parent, before fork. */
int	hs_metrics_setup(void);

/* This worker's slot (a harmless private one before setup). */
struct hs_metrics_worker	*hs_metrics_self(void);
void	hs_metrics_bind_worker(int id);

void	hs_metrics_request(int route_id, int status, uint64_t micros);

/* Write the whole exposition; route names come from the router. */
void	hs_metrics_render(struct kore_buf *buf);

#endif
