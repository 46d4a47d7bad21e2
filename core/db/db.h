/*
 * Asynchronous PostgreSQL for Kore workers, straight on libpq.
 *
 * Each worker keeps a small pool of non-blocking connections whose sockets
 * sit in Kore's own event loop, so a query never blocks the worker.  A
 * query's callback runs exactly once: with the result, or with an error
 * when the query fails, its connection is lost, or it waited too long for a
 * connection.  (Kore's kore_pgsql wakes a bound HTTP request when its
 * connection dies but never calls a bound callback, which would leave a
 * background job hanging; that is why this layer exists.)
 *
 * Every business transaction is one statement: multi-step work lives in SQL
 * functions defined by the migrations, so a query is atomic on its own and
 * costs one round trip.
 */
#ifndef HS_DB_H
#define HS_DB_H

#include <libpq-fe.h>

/*
 * On success res is a PGRES_TUPLES_OK or PGRES_COMMAND_OK result that the
 * callback now owns (PQclear it); on failure res is NULL and error says why,
 * valid during the call only.  sqlstate is the five-character SQLSTATE when
 * the server reported one, else "".
 */
typedef void (*hs_db_done_fn)(void *arg, PGresult *res, const char *error,
		    const char *sqlstate);

/* Per worker, after fork: open nconns connections to conninfo. */
int	hs_db_setup(const char *conninfo, int nconns);
void	hs_db_teardown(void);

/*
 * Queue one parameterised statement (text parameters, NULL = SQL NULL).
 * The strings are copied.  Returns -1 when the queue is full, and then
 * done is never called.
 */
int	hs_db_query(const char *sql, int nparams, const char *const *params,
	    hs_db_done_fn done, void *arg);

/*
 * The same for background work (jobs, the outbox dispatcher): it runs
 * only when no request's query waits and leaves a quarter of the
 * connections free for requests.
 */
int	hs_db_query_bg(const char *sql, int nparams, const char *const *params,
	    hs_db_done_fn done, void *arg);

/*
 * A PostgreSQL array literal of n strings, NULL items as SQL NULL, so one
 * statement can take a whole batch ($1::text[]).  The result is the
 * caller's to free().
 */
char	*hs_db_array(const char *const *items, size_t n);

/* Connections currently open and usable. */
int	hs_db_connected(void);

#endif
