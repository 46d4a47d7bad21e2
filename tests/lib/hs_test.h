/*
 * Shared helpers for HydroSync's integration tests: a blocking HTTP/1.1
 * client, free ports, starting a real server (through mk/kore.sh, as
 * `make run` does) against the test PostgreSQL, and a slow HTTP peer.
 *
 * The orchestrator (tests/run.sh) exports HS_TOP (the project), HS_BUILD
 * (build or build/asan) and HS_TEST_PGURL (a conninfo for a fresh
 * database of the test cluster).
 */
#ifndef HS_TEST_H
#define HS_TEST_H

#include <stddef.h>
#include <sys/types.h>

struct hs_test_resp {
	int	status;
	char	headers[8192];
	char	*body;		/* NUL-terminated, free with free() */
	size_t	body_len;
	double	ms;		/* wall time of the exchange */
};

struct hs_test_server {
	int	port;
	pid_t	pid;
	char	dir[512];	/* config, kore.conf and kore.log live here */
	char	log[1024];
};

const char	*hs_test_top(void);
const char	*hs_test_build(void);
const char	*hs_test_pgurl(void);
int		 hs_test_free_port(void);

/*
 * One request; extra_headers is "Name: value\r\n..." or NULL.
 * Returns 0 with *resp filled, -1 when no response arrived.
 */
int	hs_test_http(int port, const char *method, const char *path,
	    const char *extra_headers, const char *body, size_t body_len,
	    struct hs_test_resp *resp);
void	hs_test_resp_free(struct hs_test_resp *resp);

/*
 * Write a hydrosync.conf (bind + database + diagnostics yes + extra
 * lines) into a fresh directory and start the server on a free port.
 * Every "@PORT@" in extra_conf becomes that port, so a setting can name
 * a URL of the server itself (e.g. a provider's callback URL).
 * Returns 0 when /healthz answers, -1 when the server refused to start;
 * the reason is then in srv->log (see hs_test_file_contains).
 */
int	hs_test_server_start(struct hs_test_server *srv, int workers,
	    const char *extra_conf);
void	hs_test_server_stop(struct hs_test_server *srv);

/* Does the file contain needle? */
int	hs_test_file_contains(const char *path, const char *needle);

/*
 * A forked HTTP server on a free port that answers every request with
 * `status` after sleeping delay_ms.  Returns its pid; *port is set.
 */
pid_t	hs_test_slow_server(int delay_ms, int status, int *port);
void	hs_test_kill(pid_t pid);
/* Is pid gone (or a zombie nobody reaped yet)? */
int	hs_test_pid_gone(pid_t pid);

/*
 * The test database (HS_TEST_PGURL), one connection per program.  A
 * statement that fails fails the running test.  hs_test_sql_long runs q
 * as given (it may contain '%'); hs_test_sql_longf formats it first.
 */
struct pg_conn	*hs_test_db(void);
void		 hs_test_sql(const char *q);
long		 hs_test_sql_long(const char *q);
long		 hs_test_sql_longf(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));

/* The string value of "key" in a JSON reply (compact or jsonb spacing). */
int		 hs_test_json_str(const char *json, const char *key, char *out,
		    size_t len);

/*
 * A forked HTTPS server on a free port (certificate and key in PEM files)
 * that answers every request with 200 "ok".  Returns its pid; *port set.
 */
pid_t	hs_test_tls_server(const char *cert, const char *key, int *port);

/*
 * A caller of the API: a user (email, logged in with hs_test_login, which
 * fills cookie and csrf), an API key, or anonymous (both NULL).
 */
struct hs_test_caller {
	const char	*email;
	const char	*key;
	char		 cookie[128];
	char		 csrf[65];
};

/* Log in with password; the HTTP status (cookie and CSRF set on 200). */
int	hs_test_login(int port, struct hs_test_caller *c,
	    const char *password);

/*
 * One API call as c: session cookie, CSRF token and Origin, or the API
 * key; JSON content type; extra ("Name: value\r\n...") may be NULL.
 * Returns the status, -1 when no response arrived.
 */
int	hs_test_call(int port, const struct hs_test_caller *c,
	    const char *method, const char *path, const char *extra,
	    const char *body, struct hs_test_resp *r);

#endif
