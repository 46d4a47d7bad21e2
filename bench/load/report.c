/*
 * user-load report TITLE_A RESULTS_A TITLE_B RESULTS_B: two runs' results
 * (one node, two nodes) side by side in Markdown, every cell "A / B".
 *
 * The error rate is over everything a user did (sign-ins, requests,
 * socket exchanges, the wait for a token); chat_fanout is a delivery
 * to the staff's sockets, not something a user did, and is left out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"

#define STEPS_MAX	32
#define CPU_MAX		12
#define ERRORS_MAX	64

struct opline {
	int	seen;
	long	ok, errors;
	double	p50, p95, p99, max;
};

struct step {
	int		users;
	double		secs, hold_secs;
	long		http, ws_in, ws_out;
	struct opline	ops[LD_OP_COUNT];
	struct opline	holds[LD_OP_COUNT];	/* after the arrivals */
	char		cpu_names[CPU_MAX][64];
	double		cpu[CPU_MAX];
	int		ncpu;
};

struct run {
	const char	*title;
	struct step	 steps[STEPS_MAX];
	int		 nsteps;
	char		 errors[ERRORS_MAX][256];
	int		 nerrors;
};

static int
op_index(const char *name)
{
	int	i;

	for (i = 0; i < LD_OP_COUNT; i++) {
		if (!strcmp(ld_op_names[i], name))
			return (i);
	}
	return (-1);
}

static int
load(struct run *r, const char *title, const char *path)
{
	FILE		*fp;
	struct step	*s;
	struct opline	*o;
	char		 line[512], name[64], reason[128];
	long		 count;
	int		 i, op;

	memset(r, 0, sizeof(*r));
	r->title = title;
	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		return (-1);
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (!strncmp(line, "step\t", 5) && sscanf(line, "step\t%d", &i)
		    == 1 && i >= 0 && i < STEPS_MAX) {
			s = &r->steps[i];
			sscanf(line, "step\t%*d\t%d\t%lf\t%ld\t%ld\t%ld\t%lf",
			    &s->users, &s->secs, &s->http, &s->ws_in,
			    &s->ws_out, &s->hold_secs);
			if (i + 1 > r->nsteps)
				r->nsteps = i + 1;
		} else if ((!strncmp(line, "op\t", 3) ||
		    !strncmp(line, "hold\t", 5)) && sscanf(line,
		    "%*s\t%d\t%63s", &i, name) == 2 && i >= 0 &&
		    i < STEPS_MAX && (op = op_index(name)) >= 0) {
			o = line[0] == 'o' ? &r->steps[i].ops[op] :
			    &r->steps[i].holds[op];
			o->seen = sscanf(line, "%*s\t%*d\t%*s\t%ld\t%ld\t%lf\t%lf"
			    "\t%lf\t%lf", &o->ok, &o->errors, &o->p50, &o->p95,
			    &o->p99, &o->max) == 6;
		} else if (!strncmp(line, "cpu\t", 4) && sscanf(line,
		    "cpu\t%d\t%31s", &i, name) == 2 && i >= 0 &&
		    i < STEPS_MAX && r->steps[i].ncpu < CPU_MAX) {
			s = &r->steps[i];
			snprintf(s->cpu_names[s->ncpu], 64, "%s", name);
			sscanf(line, "cpu\t%*d\t%*s\t%lf", &s->cpu[s->ncpu]);
			s->ncpu++;
		} else if (!strncmp(line, "error\t", 6) && r->nerrors <
		    ERRORS_MAX && sscanf(line, "error\t%63s\t%ld\t%127[^\n]",
		    name, &count, reason) == 3) {
			snprintf(r->errors[r->nerrors++], 256, "%s: %ld x %s",
			    name, count, reason);
		}
	}
	fclose(fp);
	return (r->nsteps > 0 ? 0 : -1);
}

static void
totals(const struct opline *ops, long *n, long *errors)
{
	int	i;

	*n = *errors = 0;
	for (i = 0; i < LD_OP_COUNT; i++) {
		if (i == LD_OP_FANOUT)
			continue;
		*n += ops[i].ok + ops[i].errors;
		*errors += ops[i].errors;
	}
}

static const char *
ms(double v, char *buf, size_t len)
{
	snprintf(buf, len, v < 10 ? "%.1f" : "%.0f", v);
	return (buf);
}

static const char *
pct(long part, long whole, char *buf, size_t len)
{
	if (whole == 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.3f%%", 100.0 * (double)part /
		    (double)whole);
	return (buf);
}

static double
cpu_of(const struct step *s, const char *name)
{
	int	i;

	for (i = 0; i < s->ncpu; i++) {
		if (!strcmp(s->cpu_names[i], name))
			return (s->cpu[i]);
	}
	return (-1);
}

/* "A / B" of two latencies. */
static const char *
pair(double x, double y, char *buf, size_t len)
{
	char	a[16], b[16];

	snprintf(buf, len, "%s / %s", ms(x, a, sizeof(a)), ms(y, b, sizeof(b)));
	return (buf);
}

static void
summary(const struct run *a, const struct run *b)
{
	const struct step	*x, *y;
	char			 c[4][40], e1[16], e2[16];
	long			 ox, ex, oy, ey;
	int			 i, n = a->nsteps > b->nsteps ? a->nsteps :
				    b->nsteps;

	printf("| users | HTTP requests/s | operations | errors | error rate "
	    "| purchase p50 ms | purchase p99 ms | pay -> token p50 ms | "
	    "pay -> token p99 ms | CPU busy, whole machine |\n"
	    "|---:|---|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < n; i++) {
		x = &a->steps[i];
		y = &b->steps[i];
		totals(x->ops, &ox, &ex);
		totals(y->ops, &oy, &ey);
		printf("| %d | %.0f / %.0f | %ld / %ld | %ld / %ld | %s / %s "
		    "| %s | %s | %s | %s | %.0f%% / %.0f%% |\n",
		    x->users ? x->users : y->users,
		    x->secs > 0 ? (double)x->http / x->secs : 0,
		    y->secs > 0 ? (double)y->http / y->secs : 0, ox, oy, ex, ey,
		    pct(ex, ox, e1, sizeof(e1)), pct(ey, oy, e2, sizeof(e2)),
		    pair(x->ops[LD_OP_PURCHASE].p50, y->ops[LD_OP_PURCHASE].p50,
		    c[0], sizeof(c[0])),
		    pair(x->ops[LD_OP_PURCHASE].p99, y->ops[LD_OP_PURCHASE].p99,
		    c[1], sizeof(c[1])),
		    pair(x->ops[LD_OP_TOKEN].p50, y->ops[LD_OP_TOKEN].p50,
		    c[2], sizeof(c[2])),
		    pair(x->ops[LD_OP_TOKEN].p99, y->ops[LD_OP_TOKEN].p99,
		    c[3], sizeof(c[3])),
		    cpu_of(x, "machine"), cpu_of(y, "machine"));
	}
}

/* The same, over each step's hold only: the population there, steady. */
static void
hold_summary(const struct run *a, const struct run *b)
{
	const struct step	*x, *y;
	char			 c[4][40], e1[16], e2[16];
	long			 ox, ex, oy, ey;
	int			 i, n = a->nsteps > b->nsteps ? a->nsteps :
				    b->nsteps;

	printf("\nAfter each step's arrivals (its last %.0f s: the population "
	    "there, without the newcomers' sign-ins):\n\n"
	    "| users | operations | errors | error rate | purchase p50 ms | "
	    "purchase p99 ms | pay -> token p50 ms | pay -> token p99 ms |\n"
	    "|---:|---|---|---|---|---|---|---|\n", a->steps[0].hold_secs);
	for (i = 0; i < n; i++) {
		x = &a->steps[i];
		y = &b->steps[i];
		totals(x->holds, &ox, &ex);
		totals(y->holds, &oy, &ey);
		printf("| %d | %ld / %ld | %ld / %ld | %s / %s | %s | %s | %s | "
		    "%s |\n", x->users ? x->users : y->users, ox, oy, ex, ey,
		    pct(ex, ox, e1, sizeof(e1)), pct(ey, oy, e2, sizeof(e2)),
		    pair(x->holds[LD_OP_PURCHASE].p50,
		    y->holds[LD_OP_PURCHASE].p50, c[0], sizeof(c[0])),
		    pair(x->holds[LD_OP_PURCHASE].p99,
		    y->holds[LD_OP_PURCHASE].p99, c[1], sizeof(c[1])),
		    pair(x->holds[LD_OP_TOKEN].p50, y->holds[LD_OP_TOKEN].p50,
		    c[2], sizeof(c[2])),
		    pair(x->holds[LD_OP_TOKEN].p99, y->holds[LD_OP_TOKEN].p99,
		    c[3], sizeof(c[3])));
	}
}

static void
detail(const struct run *a, const struct run *b, int i)
{
	const struct opline	*x, *y;
	const struct step	*sx = &a->steps[i], *sy = &b->steps[i];
	char			 v[4][40];
	int			 op;

	printf("\n#### %d users\n\n", sx->users ? sx->users : sy->users);
	printf("| operation | done | errors | p50 ms | p95 ms | p99 ms | "
	    "max ms | per s |\n|---|---|---|---|---|---|---|---|\n");
	for (op = 0; op < LD_OP_COUNT; op++) {
		x = &sx->ops[op];
		y = &sy->ops[op];
		if (!x->seen && !y->seen)
			continue;
		printf("| %s | %ld / %ld | %ld / %ld | %s | %s | %s | %s | "
		    "%.1f / %.1f |\n", ld_op_names[op], x->ok, y->ok,
		    x->errors, y->errors, pair(x->p50, y->p50, v[0], 40),
		    pair(x->p95, y->p95, v[1], 40),
		    pair(x->p99, y->p99, v[2], 40),
		    pair(x->max, y->max, v[3], 40),
		    sx->secs > 0 ? (double)x->ok / sx->secs : 0,
		    sy->secs > 0 ? (double)y->ok / sy->secs : 0);
	}
	printf("\nWebSocket messages received / sent per second: "
	    "%.0f / %.0f (%s), %.0f / %.0f (%s).\n",
	    sx->secs > 0 ? (double)sx->ws_in / sx->secs : 0,
	    sx->secs > 0 ? (double)sx->ws_out / sx->secs : 0, a->title,
	    sy->secs > 0 ? (double)sy->ws_in / sy->secs : 0,
	    sy->secs > 0 ? (double)sy->ws_out / sy->secs : 0, b->title);
}

static void
cpu_table(const struct run *a, const struct run *b)
{
	const struct step	*x, *y;
	int			 i, j, n = a->nsteps > b->nsteps ?
				    a->nsteps : b->nsteps;

	if (a->steps[0].ncpu == 0)
		return;
	printf("\nCPU per step, percent of one core (the machine has %ld; "
	    "\"A / B\"):\n\n| users |", sysconf(_SC_NPROCESSORS_ONLN));
	for (j = 0; j < a->steps[0].ncpu; j++)
		printf(" %s |", a->steps[0].cpu_names[j]);
	printf("\n|---:|");
	for (j = 0; j < a->steps[0].ncpu; j++)
		printf("---|");
	printf("\n");
	for (i = 0; i < n; i++) {
		x = &a->steps[i];
		y = &b->steps[i];
		printf("| %d |", x->users ? x->users : y->users);
		for (j = 0; j < a->steps[0].ncpu; j++)
			printf(" %.0f / %.0f |", cpu_of(x,
			    a->steps[0].cpu_names[j]), cpu_of(y,
			    a->steps[0].cpu_names[j]));
		printf("\n");
	}
}

static void
errors(const struct run *r)
{
	int	i;

	printf("\nErrors, %s:%s\n", r->title, r->nerrors ? "" : " none.");
	for (i = 0; i < r->nerrors; i++)
		printf("%s- %s\n", i == 0 ? "\n" : "", r->errors[i]);
}

/* The target at the last step: < 0.1% errors, purchase p99 < 500. */
static void
verdict(const struct run *r)
{
	const struct step	*s = &r->steps[r->nsteps - 1];
	long			 ops, errs;
	int			 met;

	totals(s->ops, &ops, &errs);
	met = ops > 0 && (double)errs / (double)ops < 0.001 &&
	    s->ops[LD_OP_PURCHASE].ok > 0 && s->ops[LD_OP_PURCHASE].p99 < 500;
	printf("- %s, %d users: error rate %.3f%%, purchase p99 %.0f ms "
	    "(%.0f ms after the step's arrivals): **%s**\n", r->title,
	    s->users, ops ? 100.0 * (double)errs / (double)ops : 0,
	    s->ops[LD_OP_PURCHASE].p99, s->holds[LD_OP_PURCHASE].p99,
	    met ? "met" : "not met");
}

int
ld_report_main(int argc, char **argv)
{
	static struct run	a, b;
	int			i;

	if (argc != 5) {
		fprintf(stderr, "usage: user-load report TITLE_A RESULTS_A "
		    "TITLE_B RESULTS_B\n");
		return (2);
	}
	if (load(&a, argv[1], argv[2]) == -1 ||
	    load(&b, argv[3], argv[4]) == -1) {
		fprintf(stderr, "user-load report: no results\n");
		return (1);
	}
	printf("Target (issue #11): at 5,000 concurrent users, under 0.1%% "
	    "errors and purchase p99 under 500 ms, over the whole last step "
	    "(its arrivals included).\n\n");
	verdict(&a);
	verdict(&b);
	printf("\nEach cell: %s / %s.\n\n", a.title, b.title);
	summary(&a, &b);
	hold_summary(&a, &b);
	cpu_table(&a, &b);
	for (i = 0; i < a.nsteps; i++)
		detail(&a, &b, i);
	errors(&a);
	errors(&b);
	return (0);
}
