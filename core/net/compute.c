#include <sys/queue.h>
#include <sys/resource.h>

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <kore/kore.h>

#include "net/compute.h"

#define COMPUTE_THREADS_MAX	8

/*
 * How much the pool gives way to the event loop.  Password hashing is the
 * heaviest thing a worker does (scrypt: about 0.2 s of CPU a login) and at
 * the event loop's priority a burst of logins takes every core it can:
 * the load test (bench/load) saw 75 sign-ins within ten seconds, on 2
 * cores, hold every other request of the node back by seconds.  At nice
 * 10 the hashing runs on what the loop leaves idle; a login waits longer
 * in such a burst, the requests already signed in do not.  Linux applies
 * nice per thread.
 */
#define COMPUTE_NICE		10

struct compute_job {
	hs_net_fn		 fn;
	hs_net_fn		 done;
	void			*arg;
	TAILQ_ENTRY(compute_job) list;
};

static pthread_t		 threads[COMPUTE_THREADS_MAX];
static int			 nthreads;
static int			 stopping;
static pthread_mutex_t		 lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t		 cond = PTHREAD_COND_INITIALIZER;
static TAILQ_HEAD(, compute_job) jobs = TAILQ_HEAD_INITIALIZER(jobs);

static void *
compute_thread(void *unused)
{
	struct compute_job	*job;

	(void)unused;
	/* Best effort: at worst the thread runs at the loop's priority. */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), COMPUTE_NICE);
	for (;;) {
		pthread_mutex_lock(&lock);
		while (TAILQ_EMPTY(&jobs) && !stopping)
			pthread_cond_wait(&cond, &lock);
		if (stopping) {
			pthread_mutex_unlock(&lock);
			return (NULL);
		}
		job = TAILQ_FIRST(&jobs);
		TAILQ_REMOVE(&jobs, job, list);
		pthread_mutex_unlock(&lock);

		job->fn(job->arg);
		hs_net_deliver(job->done, job->arg);
		free(job);
	}
}

int
hs_compute_setup(int n)
{
	if (n < 1 || n > COMPUTE_THREADS_MAX)
		return (-1);
	for (nthreads = 0; nthreads < n; nthreads++) {
		if (pthread_create(&threads[nthreads], NULL, compute_thread,
		    NULL) != 0)
			return (-1);
	}
	return (0);
}

void
hs_compute_teardown(void)
{
	int	i;

	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	nthreads = 0;
}

void
hs_compute_run(hs_net_fn fn, hs_net_fn done, void *arg)
{
	struct compute_job	*job;

	if ((job = malloc(sizeof(*job))) == NULL)
		fatal("compute: out of memory");
	job->fn = fn;
	job->done = done;
	job->arg = arg;
	pthread_mutex_lock(&lock);
	TAILQ_INSERT_TAIL(&jobs, job, list);
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
}
