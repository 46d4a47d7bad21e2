/*
 * When each user wakes next: a binary min-heap of users by wake time.
 * A user has at most one timer (think time, or the deadline of what it
 * waits for); setting it again moves it.
 */
#include <stdlib.h>

#include "load.h"

static struct ld_user	**heap;
static int		  nheap, capheap;

static void
place(int i, struct ld_user *u)
{
	heap[i] = u;
	u->heap = i;
}

static void
up(int i)
{
	struct ld_user	*u = heap[i];
	int		 parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (heap[parent]->wake <= u->wake)
			break;
		place(i, heap[parent]);
		i = parent;
	}
	place(i, u);
}

static void
down(int i)
{
	struct ld_user	*u = heap[i];
	int		 child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= nheap)
			break;
		if (child + 1 < nheap && heap[child + 1]->wake <
		    heap[child]->wake)
			child++;
		if (heap[child]->wake >= u->wake)
			break;
		place(i, heap[child]);
		i = child;
	}
	place(i, u);
}

void
ld_timer_cancel(struct ld_user *u)
{
	struct ld_user	*last;
	int		 i = u->heap;

	if (i < 0)
		return;
	u->heap = -1;
	last = heap[--nheap];
	if (i == nheap)
		return;
	place(i, last);
	up(i);
	down(last->heap);
}

void
ld_timer_set(struct ld_user *u, double at)
{
	ld_timer_cancel(u);
	if (nheap == capheap) {
		capheap = capheap ? capheap * 2 : 1024;
		if ((heap = realloc(heap, (size_t)capheap * sizeof(*heap))) ==
		    NULL)
			abort();
	}
	u->wake = at;
	place(nheap, u);
	nheap++;
	up(nheap - 1);
}

/* The next user due at now, taken off the heap; NULL if none is. */
struct ld_user *
ld_timer_due(double now)
{
	struct ld_user	*u;

	if (nheap == 0 || heap[0]->wake > now)
		return (NULL);
	u = heap[0];
	ld_timer_cancel(u);
	return (u);
}

/* When the next timer is due; a large number when there is none. */
double
ld_timer_next(void)
{
	return (nheap > 0 ? heap[0]->wake : 1e18);
}
