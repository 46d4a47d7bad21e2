/*
 * A blocking WebSocket client for the integration tests, built on
 * libwebsockets (an implementation independent of the server's).
 */
#ifndef HS_TEST_WS_H
#define HS_TEST_WS_H

#include <stddef.h>

struct hs_test_ws;

/*
 * Open ws://127.0.0.1:port/path, sending cookie ("name=value") with the
 * upgrade when not NULL.  NULL when the upgrade was refused or failed.
 */
struct hs_test_ws	*hs_test_ws_open(int port, const char *path,
			    const char *cookie);

/* Send one text message; 0 or -1. */
int	hs_test_ws_send(struct hs_test_ws *, const char *text);

/*
 * Take the first queued message containing needle (any message when
 * NULL), waiting up to timeout_ms; copy it into out.  0 or -1.
 */
int	hs_test_ws_recv(struct hs_test_ws *, const char *needle,
	    int timeout_ms, char *out, size_t len);

/* After wait_ms more of receiving: how many queued messages hold needle. */
int	hs_test_ws_count(struct hs_test_ws *, const char *needle, int wait_ms);

/* Has the server closed the connection (waiting up to wait_ms)? */
int	hs_test_ws_is_closed(struct hs_test_ws *, int wait_ms);

void	hs_test_ws_close(struct hs_test_ws *);

#endif
