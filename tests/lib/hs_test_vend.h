/*
 * Helpers for the vending tests (tests/integration/test_vend.c and
 * tests/fault): the fake payment gateway, a soft-HSM keystore with the
 * demo meters' vending keys, buying, and signing sandbox notifications
 * as the gateway does.
 */
#ifndef HS_TEST_VEND_H
#define HS_TEST_VEND_H

#include "hs_test.h"

#define HS_TEST_PASSWORD	"demo-password-2026"
#define HS_TEST_SANDBOX_KEY	"sandbox-secret-key-0001"

struct hs_test_purchase {
	long	id;
	long	total;
	char	order[64];
	char	state[24];
};

/*
 * A fresh directory under the build with demo data loaded into the test
 * database and a soft-HSM keystore holding the demo supply groups' keys
 * (dir/keys.hsks, master key in dir/master).  0 or -1.
 */
int	hs_test_vend_prepare(const char *name, char *dir, size_t len);

/* hydrosync.conf lines for the sandbox and cash plugins and the HSM. */
void	hs_test_vend_conf(char *out, size_t len, const char *dir,
	    int fakepay_port);

/* Start build/bin/hs-fakepay on a free port; its pid, *port set. */
pid_t	hs_test_fakepay(int *port);

/* A call to the gateway's API or control endpoints; the status. */
int	hs_test_fakepay_call(int port, const char *method, const char *path);

/* POST /api/v1/purchases; the status, p filled on 201. */
int	hs_test_buy(int port, struct hs_test_caller *c, long meter,
	    long amount, const char *provider, const char *key,
	    struct hs_test_purchase *p, struct hs_test_resp *keep);

/*
 * A sandbox notification for p signed with key at time ts; the status,
 * -1 when no response came (e.g. the server died).
 */
int	hs_test_notify(int port, const char *event,
	    const struct hs_test_purchase *p, const char *status, long amount,
	    long ts, const char *key);

/* hex HMAC-SHA256 of msg under key. */
void	hs_test_hmac_hex(const char *key, const char *msg, char out[65]);

/* Wait up to seconds for purchase id to reach state; 0 or -1. */
int	hs_test_wait_state(long id, const char *state, int seconds);

/* Tokens stored for a purchase. */
long	hs_test_tokens_of(long purchase);

/* A number member of a JSON reply ("key": N); fails the test if absent. */
long	hs_test_json_long(const char *json, const char *key);

#endif
