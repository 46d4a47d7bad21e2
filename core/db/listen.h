/*
 * One LISTEN connection per worker: PostgreSQL notifications delivered on
 * the worker's event loop.  Caches use it to hear about changes made by
 * any worker on any node; chat and push will use it to fan out.
 *
 * If the connection drops, notifications sent meanwhile are lost, so the
 * subscriber is told (on_reset) and must forget everything it cached.
 */
#ifndef HS_DB_LISTEN_H
#define HS_DB_LISTEN_H

typedef void (*hs_listen_fn)(const char *channel, const char *payload);
typedef void (*hs_listen_reset_fn)(void);

int	hs_listen_setup(const char *conninfo, const char *const *channels,
	    int nchannels, hs_listen_fn on_notify, hs_listen_reset_fn on_reset);
void	hs_listen_teardown(void);

/* Is the LISTEN connection up (so cached data can be trusted)? */
int	hs_listen_up(void);

/*
 * Read notifications that have arrived but not yet been handled (one
 * non-blocking read).  Caches call it before trusting an entry, so a
 * change announced before this request is applied before it is served.
 */
void	hs_listen_poll(void);

#endif
