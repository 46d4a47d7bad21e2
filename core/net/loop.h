/*
 * The outbound network loop of one worker: a libwebsockets context served
 * by its own thread (Debian's lws cannot share Kore's epoll loop), plus two
 * one-way queues between that thread and the worker's event loop:
 *
 *   hs_net_post(fn, arg)	run fn(arg) on the lws thread
 *   hs_net_deliver(fn, arg)	run fn(arg) on the worker thread, through an
 *				eventfd that sits in Kore's event loop
 *
 * Both queues are FIFO, so work posted in order runs in order.  The HTTP
 * client (httpc.c) and the WebSocket client (wsc.c) are built on them.
 */
#ifndef HS_NET_LOOP_H
#define HS_NET_LOOP_H

typedef void (*hs_net_fn)(void *arg);

int	hs_net_setup(const char *ca_file);
void	hs_net_teardown(void);
int	hs_net_running(void);

void	hs_net_post(hs_net_fn fn, void *arg);
void	hs_net_deliver(hs_net_fn fn, void *arg);

#endif
