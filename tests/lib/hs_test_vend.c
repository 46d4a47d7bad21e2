#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hs_test_vend.h"

int
hs_test_vend_prepare(const char *name, char *dir, size_t len)
{
	char	cmd[8192];

	snprintf(dir, len, "%s/%s/tests/run/%s-%d", hs_test_top(),
	    hs_test_build(), name, (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s' && "
	    "openssl rand -hex 32 > '%s/master' && "
	    "%s/%s/bin/hydrosync db demo --database '%s' >/dev/null && "
	    "printf 'database %s\\nplugin vault hsm %s/%s/plugins/hsm/soft.so"
	    "\\nset vault keystore %s/keys.hsks\\nset vault master_key "
	    "file:%s/master\\n' > '%s/keys.conf' && "
	    "K='%s/%s/bin/hydrosync keys --config %s/keys.conf --actor "
	    "tester' && $K --yes create >/dev/null && "
	    "$K generate --sgc 123457 --krn 1 --dkga 04 >/dev/null && "
	    "$K generate --sgc 223344 --krn 1 --dkga 04 >/dev/null && "
	    "{ [ \"$(id -u)\" != 0 ] || chown -R hydrosync '%s'; }",
	    dir, dir, dir, hs_test_top(), hs_test_build(), hs_test_pgurl(),
	    hs_test_pgurl(), hs_test_top(), hs_test_build(), dir, dir, dir,
	    hs_test_top(), hs_test_build(), dir, dir);
	/* As root the server's workers run as hydrosync and read the keys. */
	return (system(cmd) == 0 ? 0 : -1);
}

void
hs_test_vend_conf(char *out, size_t len, const char *dir, int fakepay_port)
{
	snprintf(out, len,
	    "plugin sandbox payment %s/%s/plugins/payment/sandbox.so\n"
	    "set sandbox base_url http://127.0.0.1:%d\n"
	    "set sandbox api_key " HS_TEST_SANDBOX_KEY "\n"
	    "set sandbox label Sandbox\n"
	    "plugin midtrans payment %s/%s/plugins/payment/midtrans.so\n"
	    "set midtrans snap_url http://127.0.0.1:%d\n"
	    "set midtrans api_url http://127.0.0.1:%d\n"
	    "set midtrans server_key SB-Mid-server-fakepay0001\n"
	    "plugin xendit payment %s/%s/plugins/payment/xendit.so\n"
	    "set xendit api_url http://127.0.0.1:%d\n"
	    "set xendit secret_key xnd_development_fakepay0001\n"
	    "set xendit callback_token fakepay-callback-token-0001\n"
	    "plugin cash payment %s/%s/plugins/payment/cash.so\n"
	    "set cash counter yes\n"
	    "set cash receipt_footer Terima kasih - PDAM Tirta\n"
	    "plugin vault hsm %s/%s/plugins/hsm/soft.so\n"
	    "set vault keystore %s/keys.hsks\n"
	    "set vault master_key file:%s/master\n",
	    hs_test_top(), hs_test_build(), fakepay_port, hs_test_top(),
	    hs_test_build(), fakepay_port, fakepay_port, hs_test_top(),
	    hs_test_build(), fakepay_port, hs_test_top(), hs_test_build(),
	    hs_test_top(), hs_test_build(), dir, dir);
}

pid_t
hs_test_fakepay(int *port)
{
	char	 cmd[2048], line[256];
	int	 fds[2];
	pid_t	 pid;
	FILE	*fp;

	if (pipe(fds) == -1)
		return (-1);
	if ((pid = fork()) == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		snprintf(cmd, sizeof(cmd), "%s/%s/bin/hs-fakepay",
		    hs_test_top(), hs_test_build());
		execl(cmd, "hs-fakepay", "--port", "0", "--quiet",
		    (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	fp = fdopen(fds[0], "r");
	if (fgets(line, sizeof(line), fp) == NULL ||
	    sscanf(line, "hs-fakepay listening on 127.0.0.1:%d", port) != 1)
		return (-1);
	/* The pipe stays open: the gateway must not die of SIGPIPE. */
	return (pid);
}

int
hs_test_fakepay_call(int port, const char *method, const char *path)
{
	struct hs_test_resp	r;
	int			status;

	if (hs_test_http(port, method, path, NULL, NULL, 0, &r) != 0)
		return (-1);
	status = r.status;
	hs_test_resp_free(&r);
	return (status);
}

long
hs_test_json_long(const char *json, const char *key)
{
	char		 pat[96];
	const char	*p;

	/* Compact ("k":1) or PostgreSQL's jsonb spacing ("k": 1). */
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if ((p = strstr(json, pat)) == NULL)
		fail_msg("no %s in %s", key, json);
	p += strlen(pat);
	while (*p == ' ')
		p++;
	return (atol(p));
}

int
hs_test_buy(int port, struct hs_test_caller *c, long meter, long amount,
    const char *provider, const char *key, struct hs_test_purchase *p,
    struct hs_test_resp *keep)
{
	struct hs_test_resp	 r;
	char			 body[256], hdr[300];
	int			 status;

	snprintf(body, sizeof(body), "{\"meter_id\": %ld, \"amount\": %ld, "
	    "\"provider\": \"%s\"}", meter, amount, provider);
	snprintf(hdr, sizeof(hdr), "Idempotency-Key: %s\r\n", key);
	status = hs_test_call(port, c, "POST", "/api/v1/purchases", hdr, body,
	    &r);
	if (status == -1)
		return (-1);
	if (status == 201 && p != NULL) {
		p->id = hs_test_json_long(r.body, "id");
		p->total = hs_test_json_long(r.body, "total");
		hs_test_json_str(r.body, "order_id", p->order,
		    sizeof(p->order));
		hs_test_json_str(r.body, "state", p->state, sizeof(p->state));
	}
	if (keep != NULL)
		*keep = r;
	else
		hs_test_resp_free(&r);
	return (status);
}

void
hs_test_hmac_hex(const char *key, const char *msg, char out[65])
{
	unsigned char	md[32];
	unsigned int	len = sizeof(md);
	int		i;

	HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg,
	    strlen(msg), md, &len);
	for (i = 0; i < 32; i++)
		snprintf(out + i * 2, 3, "%02x", md[i]);
}

int
hs_test_notify(int port, const char *event, const struct hs_test_purchase *p,
    const char *status, long amount, long ts, const char *key)
{
	struct hs_test_resp	 r;
	char			 body[512], msg[600], sig[65], hdr[256];
	int			 rc;

	snprintf(body, sizeof(body), "{\"event_id\": \"%s\", \"order_id\": "
	    "\"%s\", \"payment_id\": \"sbx_test%ld\", \"status\": \"%s\", "
	    "\"amount\": %ld, \"paid_at\": %ld, \"timestamp\": %ld}", event,
	    p->order, p->id, status, amount, ts, ts);
	snprintf(msg, sizeof(msg), "%ld.%s", ts, body);
	hs_test_hmac_hex(key, msg, sig);
	snprintf(hdr, sizeof(hdr), "Content-Type: application/json\r\n"
	    "X-Sandbox-Timestamp: %ld\r\nX-Sandbox-Signature: %s\r\n", ts,
	    sig);
	if (hs_test_http(port, "POST", "/api/v1/payments/sandbox/notify", hdr,
	    body, strlen(body), &r) != 0)
		return (-1);
	rc = r.status;
	hs_test_resp_free(&r);
	return (rc);
}

int
hs_test_wait_state(long id, const char *state, int seconds)
{
	int	i;

	for (i = 0; i < seconds * 10; i++) {
		if (hs_test_sql_longf("SELECT count(*) FROM purchases WHERE "
		    "id = %ld AND state = '%s'", id, state) == 1)
			return (0);
		usleep(100000);
	}
	return (-1);
}

long
hs_test_tokens_of(long purchase)
{
	return (hs_test_sql_longf("SELECT count(*) FROM tokens WHERE "
	    "purchase_id = %ld", purchase));
}
