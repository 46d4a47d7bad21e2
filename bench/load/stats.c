/*
 * What happened, per ramp step and per operation: how many succeeded,
 * every success's latency (kept whole and sorted at the end: a run has a
 * few hundred thousand), how many failed and why.  An operation counts in
 * the step in which it started.  Latency percentiles are over successes;
 * a failure (an error status, a timeout, a lost connection) counts only
 * as an error.  The same is kept apart for each step's hold, the time
 * after its arrivals: what the step's population does once it is there,
 * without the sign-ins of the newcomers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

#define REASONS_MAX	12

const char	*ld_op_names[LD_OP_COUNT] = {
	[LD_OP_LOGIN] = "login",
	[LD_OP_RESUME] = "resume_session",
	[LD_OP_WS_OPEN] = "ws_open",
	[LD_OP_METERS] = "meters",
	[LD_OP_BALANCE] = "balance",
	[LD_OP_QUOTE] = "quote",
	[LD_OP_PURCHASE] = "purchase",
	[LD_OP_PAY_PAGE] = "pay_page",
	[LD_OP_PAY] = "pay",
	[LD_OP_TOKEN] = "pay_to_token",
	[LD_OP_SHOW_TOKEN] = "show_token",
	[LD_OP_CHAT_OPEN] = "chat_open",
	[LD_OP_CHAT_HISTORY] = "chat_history",
	[LD_OP_CHAT_SEND] = "chat_send",
	[LD_OP_STAFF_LOGIN] = "staff_login",
	[LD_OP_STAFF_RESUME] = "staff_resume",
	[LD_OP_STAFF_WS_OPEN] = "staff_ws_open",
	[LD_OP_DASHBOARD] = "dashboard",
	[LD_OP_CONVERSATIONS] = "conversations",
	[LD_OP_MESSAGES] = "messages",
	[LD_OP_REPLY] = "reply",
	[LD_OP_FANOUT] = "chat_fanout",
};

struct cell {
	double	*lat;
	long	 n, cap;
	long	 errors;
};

struct reason {
	char	text[64];
	long	count;
};

static struct cell	(*cells)[LD_OP_COUNT];
static struct cell	(*holds)[LD_OP_COUNT];
static double		*hold_from;	/* [step], 0 until the hold begins */
static long		*counters;	/* [step][LD_COUNTERS] */
static struct reason	 reasons[LD_OP_COUNT][REASONS_MAX];
static long		 other_reasons[LD_OP_COUNT];
static int		 nsteps, current;

void
ld_stats_init(int steps)
{
	nsteps = steps;
	cells = calloc((size_t)steps, sizeof(*cells));
	holds = calloc((size_t)steps, sizeof(*holds));
	hold_from = calloc((size_t)steps, sizeof(*hold_from));
	counters = calloc((size_t)steps * LD_COUNTERS, sizeof(*counters));
	if (cells == NULL || holds == NULL || hold_from == NULL ||
	    counters == NULL)
		abort();
}

void
ld_stats_step(int step)
{
	current = step;
}

/* The current step's arrivals are over: its hold begins. */
void
ld_stats_hold(void)
{
	hold_from[current] = ld_now();
}

static void
add(struct cell *c, double ms)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		if ((c->lat = realloc(c->lat, (size_t)c->cap *
		    sizeof(double))) == NULL)
			abort();
	}
	c->lat[c->n++] = ms;
}

int
ld_stats_current(void)
{
	return (current);
}

/* A success that took ms, ending now. */
void
ld_stats_ok(int step, enum ld_op op, double ms)
{
	add(&cells[step][op], ms);
	if (hold_from[step] > 0 && ld_now() - ms / 1000.0 >= hold_from[step])
		add(&holds[step][op], ms);
}

void
ld_stats_error(int step, enum ld_op op, const char *why)
{
	int	i;

	cells[step][op].errors++;
	if (hold_from[step] > 0 && step == current)
		holds[step][op].errors++;
	for (i = 0; i < REASONS_MAX; i++) {
		if (reasons[op][i].count == 0) {
			snprintf(reasons[op][i].text,
			    sizeof(reasons[op][i].text), "%s", why);
			reasons[op][i].count = 1;
			return;
		}
		if (!strcmp(reasons[op][i].text, why)) {
			reasons[op][i].count++;
			return;
		}
	}
	other_reasons[op]++;
}

void
ld_stats_count(enum ld_counter which)
{
	counters[current * LD_COUNTERS + which]++;
}

static int
cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* Nearest rank: the smallest latency at or above fraction p of them. */
static double
rank(const struct cell *c, double p)
{
	long	i;

	if (c->n == 0)
		return (0);
	i = (long)ceil(p * (double)c->n) - 1;
	if (i < 0)
		i = 0;
	return (c->lat[i]);
}

static void
write_cell(FILE *fp, const char *kind, int step, enum ld_op op, struct cell *c)
{
	if (c->n == 0 && c->errors == 0)
		return;
	qsort(c->lat, (size_t)c->n, sizeof(double), cmp);
	fprintf(fp, "%s\t%d\t%s\t%ld\t%ld\t%.1f\t%.1f\t%.1f\t%.1f\n", kind,
	    step, ld_op_names[op], c->n, c->errors, rank(c, 0.50),
	    rank(c, 0.95), rank(c, 0.99), c->n ? c->lat[c->n - 1] : 0.0);
}

/*
 * Tab-separated results, read by `user-load report`: per step its users,
 * length (and its hold's), traffic; per operation "op" lines for the whole
 * step and "hold" lines for its hold.
 */
void
ld_stats_write(FILE *fp, const int *users, const double *secs,
    const double *hold_secs, int steps)
{
	int	s, op, i;

	fprintf(fp, "# user-load results\n");
	for (s = 0; s < steps; s++) {
		fprintf(fp, "step\t%d\t%d\t%.2f\t%ld\t%ld\t%ld\t%.2f\n", s,
		    users[s], secs[s],
		    counters[s * LD_COUNTERS + LD_COUNT_HTTP],
		    counters[s * LD_COUNTERS + LD_COUNT_WS_IN],
		    counters[s * LD_COUNTERS + LD_COUNT_WS_OUT], hold_secs[s]);
		for (op = 0; op < LD_OP_COUNT; op++) {
			write_cell(fp, "op", s, op, &cells[s][op]);
			write_cell(fp, "hold", s, op, &holds[s][op]);
		}
	}
	for (op = 0; op < LD_OP_COUNT; op++) {
		for (i = 0; i < REASONS_MAX && reasons[op][i].count; i++)
			fprintf(fp, "error\t%s\t%ld\t%s\n", ld_op_names[op],
			    reasons[op][i].count, reasons[op][i].text);
		if (other_reasons[op])
			fprintf(fp, "error\t%s\t%ld\tother reasons\n",
			    ld_op_names[op], other_reasons[op]);
	}
}
