/*
 * A small per-worker cache of records read from PostgreSQL, trusted only
 * while the worker's LISTEN connection is up: every change to a cached
 * table fires a notification (triggers in migration 0009) that evicts the
 * record in every worker of every node.  Entries also expire after a TTL,
 * a safety net and a bound on staleness should a notification be lost.
 *
 * Race with a change: a reader notes hs_cache_generation() before its
 * query and hs_cache_put() refuses the result if any invalidation happened
 * meanwhile, so a record read before a logout can never be cached after it.
 */
#ifndef HS_CACHE_H
#define HS_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct hs_cache;

struct hs_cache	*hs_cache_new(const char *name, size_t slots, uint64_t ttl_ms);

/* The value for key, or NULL; tag and aux as stored. */
const void	*hs_cache_get(struct hs_cache *, const char *key, size_t *len,
		    int64_t *tag, int64_t *aux);
void		 hs_cache_put(struct hs_cache *, uint64_t generation,
		    const char *key, int64_t tag, int64_t aux,
		    const void *value, size_t len);

void		 hs_cache_del(struct hs_cache *, const char *key);
void		 hs_cache_del_tag(struct hs_cache *, int64_t tag);
void		 hs_cache_clear(struct hs_cache *);
uint64_t	 hs_cache_generation(void);

/* Per worker: subscribe to invalidations (after hs_db_setup). */
int		 hs_cache_setup(const char *conninfo);

/* The caches the core keeps. */
extern struct hs_cache	*hs_cache_principals;	/* by session/key hash */
extern struct hs_cache	*hs_cache_meters;	/* by "m:<id>" */

#endif
