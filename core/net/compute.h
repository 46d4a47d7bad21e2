/*
 * CPU-heavy work (password hashing) off the worker's event loop: a small
 * pool of threads per worker.  fn(arg) runs on a pool thread, then
 * done(arg) on the worker thread, through the network loop's delivery
 * queue.
 */
#ifndef HS_COMPUTE_H
#define HS_COMPUTE_H

#include "net/loop.h"

int	hs_compute_setup(int threads);
void	hs_compute_teardown(void);
void	hs_compute_run(hs_net_fn fn, hs_net_fn done, void *arg);

#endif
