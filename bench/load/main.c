/*
 * user-load: simulated customers and staff against a HydroSync front
 * (nginx with TLS, or a node directly), ramped in steps.
 *
 *   user-load [options] ACCOUNTS
 *   user-load report TITLE_A RESULTS_A TITLE_B RESULTS_B
 *
 * ACCOUNTS is what bench/load/seed.sql prints: one account a line,
 * "kind user_id customer_id meter_id email session csrf".  At each step
 * the population grows to the step's number of users (--staff-pct of them
 * staff) with arrivals spread over --ramp-secs, then holds until the step
 * has lasted --step-secs; the hold is also reported apart.  After the last step nobody starts anything new;
 * what is under way finishes (at most 60 s) and the results are written
 * to --out as tab-separated lines for `user-load report`.
 *
 * Options:
 *   --front URL      the core: https://127.0.0.1:8443 or http://...; give
 *                    it twice to spread users over two fronts
 *   --ca FILE        the certificate an https front must present
 *   --steps LIST     users per step, e.g. 500,1000,2000,3500,5000
 *   --step-secs S    (30)    --ramp-secs S   (10)
 *   --staff-pct P    (1)     --login-pct P   (5)
 *   --think X        every think time times X (1)
 *   --password PW    the accounts' password (demo-password-2026)
 *   --cpu NAME=PIDS  CPU time of these processes and their children
 *   --out FILE       the results
 */
#include <sys/epoll.h>
#include <sys/resource.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "load.h"

#define STEPS_MAX	32
#define FRONTS_MAX	4
#define DRAIN_SECS	60.0

struct ld_options	ld_opt = { 1.0, 5.0, "demo-password-2026" };
char			ld_run_id[16];

static struct ld_user	*customers, *staff;
static int		 ncustomers, nstaff;
static int		 active_customers, active_staff;
static struct ld_addr	 fronts[FRONTS_MAX];
static int		 nfronts;
static uint64_t		 rng = 0x9e3779b97f4a7c15ull;

double
ld_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* xorshift64*: reproducible runs, and cheap. */
double
ld_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return ((double)((rng * 2685821657736338717ull) >> 11) /
	    9007199254740992.0);
}

double
ld_uniform(double lo, double hi)
{
	return (lo + (hi - lo) * ld_rand());
}

/* ---------------------------------------------- the user's operations */

void
ld_begin(struct ld_user *u, enum ld_op op)
{
	u->op = op;
	u->op_step = ld_stats_current();
	u->op_start = ld_now();
}

void
ld_ok(struct ld_user *u)
{
	if (u->op_start == 0)
		return;
	ld_stats_ok(u->op_step, u->op, (ld_now() - u->op_start) * 1000.0);
	u->op_start = 0;
}

void
ld_fail(struct ld_user *u, const char *why)
{
	if (u->op_start == 0)
		return;
	ld_stats_error(u->op_step, u->op, why);
	u->op_start = 0;
}

/* Wait in state for at most seconds: the timer is the deadline. */
void
ld_wait(struct ld_user *u, int state, double seconds)
{
	u->state = state;
	ld_timer_set(u, ld_now() + seconds);
}

/* Think, then do next; a user told to stop goes idle instead. */
void
ld_think(struct ld_user *u, int next, double lo, double hi)
{
	if (u->stopping) {
		u->state = LD_S_IDLE;
		ld_timer_cancel(u);
		return;
	}
	u->state = next;
	ld_timer_set(u, ld_now() + ld_uniform(lo, hi) * ld_opt.think);
}

/*
 * A request to the core with the session cookie; a change also carries
 * the CSRF token and the page's Origin, as the browser's api.js sends.
 */
int
ld_core(struct ld_user *u, const char *method, const char *path,
    const char *extra, const char *body, ld_http_fn fn)
{
	char	headers[512];

	snprintf(headers, sizeof(headers), "Cookie: %s\r\n%s%s%s%s%s",
	    u->cookie, strcmp(method, "GET") ? "X-CSRF-Token: " : "",
	    strcmp(method, "GET") ? u->csrf : "",
	    strcmp(method, "GET") ? "\r\nOrigin: " : "",
	    strcmp(method, "GET") ? u->origin : "",
	    strcmp(method, "GET") ? "\r\n" : "");
	if (extra != NULL)
		strncat(headers, extra, sizeof(headers) - strlen(headers) - 1);
	ld_stats_count(LD_COUNT_HTTP);
	return (ld_http_call(&u->http, method, path, headers, body, fn, u));
}

/* Why an HTTP exchange failed, for the error table. */
const char *
ld_http_why(const struct ld_http *h, int status)
{
	static char	why[80];

	if (status < 0)
		snprintf(why, sizeof(why), "%s", h->why);
	else
		snprintf(why, sizeof(why), "HTTP %d", status);
	return (why);
}

/* ------------------------------------------------------ JSON, loosely */

/* Where the value of "key" starts in json (a key, not a string value). */
static const char *
json_value(const char *json, const char *key)
{
	const char	*p = json;
	size_t		 n = strlen(key);

	while ((p = strchr(p, '"')) != NULL) {
		p++;
		if (strncmp(p, key, n) == 0 && p[n] == '"') {
			p += n + 1;
			while (*p == ' ')
				p++;
			if (*p == ':') {
				p++;
				while (*p == ' ')
					p++;
				return (p);
			}
		}
	}
	return (NULL);
}

int
ld_json_num(const char *json, const char *key, int64_t *out)
{
	const char	*v = json_value(json, key);
	char		*end;

	if (v == NULL)
		return (-1);
	*out = strtoll(v, &end, 10);
	return (end == v ? -1 : 0);
}

int
ld_json_str(const char *json, const char *key, char *out, size_t len)
{
	const char	*v = json_value(json, key);
	size_t		 n = 0;

	if (v == NULL || *v != '"')
		return (-1);
	for (v++; *v != '\0' && *v != '"' && n + 1 < len; v++) {
		if (*v == '\\' && v[1] != '\0')
			v++;
		out[n++] = *v;
	}
	out[n] = '\0';
	return (*v == '"' ? 0 : -1);
}

/* ------------------------------------------------------------ accounts */

static int
load_accounts(const char *path)
{
	FILE		*fp;
	struct ld_user	*u, **list;
	char		 kind[16], email[64], token[80], csrf[80];
	long long	 uid, cid, mid;
	int		 cap_c = 0, cap_s = 0, *n, *cap;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "user-load: %s: %s\n", path, strerror(errno));
		return (-1);
	}
	while (fscanf(fp, "%15s %lld %lld %lld %63s %79s %79s", kind, &uid,
	    &cid, &mid, email, token, csrf) == 7) {
		if (!strcmp(kind, "customer")) {
			list = &customers;
			n = &ncustomers;
			cap = &cap_c;
		} else {
			list = &staff;
			n = &nstaff;
			cap = &cap_s;
		}
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 1024;
			if ((*list = realloc(*list, (size_t)*cap *
			    sizeof(**list))) == NULL)
				return (-1);
		}
		u = &(*list)[*n];
		memset(u, 0, sizeof(*u));
		u->kind = strcmp(kind, "customer") ? LD_STAFF : LD_CUSTOMER;
		u->index = *n;
		u->user_id = uid;
		u->customer_id = cid;
		u->meter_id = mid;
		u->heap = -1;
		snprintf(u->email, sizeof(u->email), "%s", email);
		snprintf(u->session, sizeof(u->session), "%s", token);
		snprintf(u->cookie, sizeof(u->cookie), "__Host-hs_session=%s",
		    token);
		snprintf(u->csrf, sizeof(u->csrf), "%s", csrf);
		(*n)++;
	}
	fclose(fp);
	return (0);
}

static void
place_user(struct ld_user *u)
{
	const struct ld_addr	*a = &fronts[u->index % nfronts];

	u->front = *a;
	snprintf(u->origin, sizeof(u->origin), "%s://%s:%d",
	    a->tls ? "https" : "http", a->host, a->port);
	ld_http_init(&u->http, a, 1);
}

/* ------------------------------------------------------------ the ramp */

static void
wake(struct ld_user *u)
{
	if (u->state < LD_S_JOURNEY)
		ld_signin_wake(u);
	else if (u->kind == LD_CUSTOMER)
		ld_customer_wake(u);
	else
		ld_staff_wake(u);
}

/* Bring the population to `users`, arriving over the next ramp seconds. */
static int
grow_to(int users, double staff_pct, double ramp)
{
	int	want_staff, want_customers, i;
	double	now = ld_now();

	want_staff = staff_pct > 0 ? (int)(users * staff_pct / 100.0 + 0.5) :
	    0;
	if (staff_pct > 0 && want_staff < 1)
		want_staff = 1;
	want_customers = users - want_staff;
	if (want_customers > ncustomers || want_staff > nstaff) {
		fprintf(stderr, "user-load: %d users need %d customer and %d "
		    "staff accounts; the file has %d and %d\n", users,
		    want_customers, want_staff, ncustomers, nstaff);
		return (-1);
	}
	for (i = active_customers; i < want_customers; i++) {
		customers[i].state = LD_S_ARRIVE;
		ld_timer_set(&customers[i], now + ld_uniform(0, ramp));
	}
	for (i = active_staff; i < want_staff; i++) {
		staff[i].state = LD_S_ARRIVE;
		ld_timer_set(&staff[i], now + ld_uniform(0, ramp));
	}
	active_customers = want_customers > active_customers ? want_customers :
	    active_customers;
	active_staff = want_staff > active_staff ? want_staff : active_staff;
	return (0);
}

static int
busy_users(void)
{
	int	i, n = 0;

	for (i = 0; i < active_customers; i++)
		n += customers[i].op_start > 0;
	for (i = 0; i < active_staff; i++)
		n += staff[i].op_start > 0;
	return (n);
}

/* Serve events and timers until `end`, or until no one is busy. */
static void
run_until(double end, int draining)
{
	struct epoll_event	 evs[512];
	struct ld_user		*u;
	double			 now, next, last_check = 0;
	int			 i, n, ms;

	while ((now = ld_now()) < end) {
		next = ld_timer_next();
		if (next > end)
			next = end;
		ms = next <= now ? 0 : (int)((next - now) * 1000.0) + 1;
		if (ms > 200)
			ms = 200;
		n = epoll_wait(ld_net_epoll(), evs, 512, ms);
		for (i = 0; i < n; i++)
			ld_net_dispatch(evs[i].data.ptr, evs[i].events);
		ld_net_reap();
		now = ld_now();
		while ((u = ld_timer_due(now)) != NULL)
			wake(u);
		ld_net_reap();
		if (draining && now - last_check > 0.2) {
			last_check = now;
			if (busy_users() == 0)
				break;
		}
	}
}

static void
stop_all(void)
{
	int	i;

	for (i = 0; i < active_customers; i++) {
		customers[i].stopping = 1;
		if (customers[i].op_start == 0)
			ld_timer_cancel(&customers[i]);
	}
	for (i = 0; i < active_staff; i++) {
		staff[i].stopping = 1;
		if (staff[i].op_start == 0)
			ld_timer_cancel(&staff[i]);
	}
}

static int
parse_steps(const char *list, int *steps)
{
	const char	*p = list;
	char		*end;
	int		 n = 0;

	while (*p != '\0' && n < STEPS_MAX) {
		steps[n] = (int)strtol(p, &end, 10);
		if (end == p || steps[n] < 1)
			return (-1);
		n++;
		p = *end == ',' ? end + 1 : end;
	}
	return (n);
}

static void
usage(void)
{
	fprintf(stderr, "usage: user-load [--front URL]... [--ca FILE] "
	    "[--steps N,N,...] [--step-secs S] [--ramp-secs S]\n"
	    "         [--staff-pct P] [--login-pct P] [--think X] "
	    "[--password PW] [--cpu NAME=PID,...]... [--out FILE] ACCOUNTS\n"
	    "       user-load report TITLE_A RESULTS_A TITLE_B RESULTS_B\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct rlimit	 rl;
	FILE		*out = stdout;
	const char	*ca = NULL, *outpath = NULL, *accounts = NULL;
	double		 step_secs = 30, ramp = 10, staff_pct = 1, start;
	double		 secs[STEPS_MAX], hold_secs[STEPS_MAX];
	int		 steps[STEPS_MAX], nsteps = 0, i;

	if (argc > 1 && !strcmp(argv[1], "report"))
		return (ld_report_main(argc - 1, argv + 1));
	for (i = 1; i < argc; i++) {
		if (argv[i][0] != '-') {
			accounts = argv[i];
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--front")) {
			if (nfronts == FRONTS_MAX || ld_addr_parse(argv[++i],
			    &fronts[nfronts++], NULL, 0) == -1)
				usage();
		} else if (!strcmp(argv[i], "--ca"))
			ca = argv[++i];
		else if (!strcmp(argv[i], "--steps")) {
			if ((nsteps = parse_steps(argv[++i], steps)) < 1)
				usage();
		} else if (!strcmp(argv[i], "--step-secs"))
			step_secs = atof(argv[++i]);
		else if (!strcmp(argv[i], "--ramp-secs"))
			ramp = atof(argv[++i]);
		else if (!strcmp(argv[i], "--staff-pct"))
			staff_pct = atof(argv[++i]);
		else if (!strcmp(argv[i], "--login-pct"))
			ld_opt.login_pct = atof(argv[++i]);
		else if (!strcmp(argv[i], "--think"))
			ld_opt.think = atof(argv[++i]);
		else if (!strcmp(argv[i], "--password"))
			ld_opt.password = argv[++i];
		else if (!strcmp(argv[i], "--cpu")) {
			if (ld_cpu_watch(argv[++i]) == -1)
				usage();
		} else if (!strcmp(argv[i], "--out"))
			outpath = argv[++i];
		else
			usage();
	}
	if (accounts == NULL || nfronts == 0 || nsteps == 0 ||
	    step_secs <= 0 || ramp < 0 || ramp > step_secs)
		usage();

	/* Two sockets a user: the limit must be far above the default. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	if (ld_net_init(ca) == -1 || load_accounts(accounts) == -1)
		return (1);
	for (i = 0; i < ncustomers; i++)
		place_user(&customers[i]);
	for (i = 0; i < nstaff; i++)
		place_user(&staff[i]);
	if (outpath != NULL && (out = fopen(outpath, "w")) == NULL) {
		fprintf(stderr, "user-load: %s: %s\n", outpath,
		    strerror(errno));
		return (1);
	}

	snprintf(ld_run_id, sizeof(ld_run_id), "%lx", (long)time(NULL));
	ld_stats_init(nsteps);
	ld_cpu_watch_self();
	for (i = 0; i < nsteps; i++) {
		ld_stats_step(i);
		ld_cpu_sample(i);
		start = ld_now();
		if (grow_to(steps[i], staff_pct, ramp) == -1)
			return (1);
		run_until(start + ramp, 0);
		ld_stats_hold();
		run_until(start + step_secs, 0);
		secs[i] = ld_now() - start;
		hold_secs[i] = secs[i] - ramp;
		fprintf(stderr, "user-load: step %d: %d users, %.0f s\n",
		    i + 1, steps[i], secs[i]);
	}
	ld_cpu_sample(nsteps);
	stop_all();
	run_until(ld_now() + DRAIN_SECS, 1);
	ld_stats_write(out, steps, secs, hold_secs, nsteps);
	ld_cpu_write(out, secs, nsteps);
	if (out != stdout)
		fclose(out);
	return (0);
}
