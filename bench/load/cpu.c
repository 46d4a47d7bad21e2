/*
 * Where the machine's CPU went during each step: the processes under test
 * are named on the command line by their root pids (--cpu nodes=PID,PID),
 * and every descendant counts with its root (Kore's workers, PostgreSQL's
 * backends).  Sampled from /proc at each step's start and at the end of
 * the last; also the whole machine's busy time from /proc/stat.  Figures
 * are percent of one core, so 2 cores give at most 200%.  A process that
 * exits between samples (the gateway's notification children) takes its
 * time with it.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"

#define GROUPS_MAX	8
#define ROOTS_MAX	8
#define PROCS_MAX	8192

struct group {
	char	name[32];
	int	roots[ROOTS_MAX];
	int	nroots;
	double	*ticks;		/* at each sample */
};

static struct group	groups[GROUPS_MAX];
static int		ngroups;
static double		*machine;	/* busy ticks at each sample */
static int		nsamples;

static int	pids[PROCS_MAX], ppids[PROCS_MAX];
static double	used[PROCS_MAX];
static int	nprocs;

/* "name=PID[,PID...]" */
int
ld_cpu_watch(const char *spec)
{
	struct group	*g;
	const char	*eq = strchr(spec, '='), *p;
	char		*end;

	if (eq == NULL || ngroups == GROUPS_MAX || eq - spec >= 32)
		return (-1);
	g = &groups[ngroups];
	snprintf(g->name, sizeof(g->name), "%.*s", (int)(eq - spec), spec);
	for (p = eq + 1; *p != '\0' && g->nroots < ROOTS_MAX; p = end) {
		g->roots[g->nroots++] = (int)strtol(p, &end, 10);
		if (end == p)
			return (-1);
		if (*end == ',')
			end++;
	}
	ngroups++;
	return (0);
}

/* The load generator's own share. */
void
ld_cpu_watch_self(void)
{
	char	spec[48];

	snprintf(spec, sizeof(spec), "user-load=%d", (int)getpid());
	ld_cpu_watch(spec);
}

static void
read_procs(void)
{
	DIR		*d;
	struct dirent	*e;
	FILE		*fp;
	char		 path[300], buf[1024], *p;
	unsigned long	 ut, st;
	int		 ppid;

	nprocs = 0;
	if ((d = opendir("/proc")) == NULL)
		return;
	while ((e = readdir(d)) != NULL && nprocs < PROCS_MAX) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), fp) != NULL &&
		    (p = strrchr(buf, ')')) != NULL &&
		    sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
		    "%lu %lu", &ppid, &ut, &st) == 3) {
			pids[nprocs] = atoi(e->d_name);
			ppids[nprocs] = ppid;
			used[nprocs] = (double)(ut + st);
			nprocs++;
		}
		fclose(fp);
	}
	closedir(d);
}

static int
parent_of(int pid)
{
	int	i;

	for (i = 0; i < nprocs; i++) {
		if (pids[i] == pid)
			return (ppids[i]);
	}
	return (0);
}

static int
under(const struct group *g, int pid)
{
	int	i, depth;

	for (depth = 0; pid > 1 && depth < 16; depth++) {
		for (i = 0; i < g->nroots; i++) {
			if (g->roots[i] == pid)
				return (1);
		}
		pid = parent_of(pid);
	}
	return (0);
}

static double
machine_busy(void)
{
	FILE			*fp;
	unsigned long long	 v[8] = { 0 };

	if ((fp = fopen("/proc/stat", "r")) == NULL)
		return (0);
	if (fscanf(fp, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		v[0] = 0;
	fclose(fp);
	/* Everything but idle and iowait. */
	return ((double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]));
}

/* Sample number `sample` (step starts, then the end of the last step). */
void
ld_cpu_sample(int sample)
{
	int	g, i;

	if (sample >= nsamples) {
		nsamples = sample + 1;
		for (g = 0; g < ngroups; g++) {
			groups[g].ticks = realloc(groups[g].ticks,
			    (size_t)nsamples * sizeof(double));
			if (groups[g].ticks == NULL)
				abort();
		}
		if ((machine = realloc(machine, (size_t)nsamples *
		    sizeof(double))) == NULL)
			abort();
	}
	read_procs();
	for (g = 0; g < ngroups; g++) {
		groups[g].ticks[sample] = 0;
		for (i = 0; i < nprocs; i++) {
			if (under(&groups[g], pids[i]))
				groups[g].ticks[sample] += used[i];
		}
	}
	machine[sample] = machine_busy();
}

void
ld_cpu_write(FILE *fp, const double *secs, int steps)
{
	double	hz = (double)sysconf(_SC_CLK_TCK);
	int	g, s;

	for (s = 0; s < steps && s + 1 < nsamples; s++) {
		for (g = 0; g < ngroups; g++)
			fprintf(fp, "cpu\t%d\t%s\t%.0f\n", s, groups[g].name,
			    100.0 * (groups[g].ticks[s + 1] -
			    groups[g].ticks[s]) / hz / secs[s]);
		fprintf(fp, "cpu\t%d\tmachine\t%.0f\n", s, 100.0 *
		    (machine[s + 1] - machine[s]) / hz / secs[s]);
	}
}
