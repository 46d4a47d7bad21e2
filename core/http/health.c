/*
 * Liveness, readiness, metrics and version: what a load balancer, an
 * orchestrator and Prometheus ask of every node.
 */
#include <string.h>

#include "http/routes.h"
#include "http/json.h"
#include "obs/metrics.h"
#include "server/server.h"

int
hs_health_live(struct hs_req *r)
{
	static const char	body[] = "{\"status\":\"up\"}";

	return (hs_reply(r, 200, "application/json", body, sizeof(body) - 1));
}

/*
 * Ready means this worker can serve real requests: its plugins are
 * initialised and the database answers a query right now.
 */
int
hs_health_ready(struct hs_req *r)
{
	struct kore_buf	buf;
	struct hs_json	j;
	int		db_ok, plugins_ok;

	if (r->phase == 0)
		return (hs_req_query(r, "SELECT 1", 0, NULL));

	db_ok = r->error[0] == '\0';
	plugins_ok = hs_server_plugins_ready();
	kore_buf_init(&buf, 256);
	hs_json_init(&j, &buf);
	hs_json_object(&j);
	hs_json_kstr(&j, "status", db_ok && plugins_ok ? "ready" :
	    "not ready");
	hs_json_key(&j, "checks");
	hs_json_object(&j);
	hs_json_kstr(&j, "database", db_ok ? "ok" : r->error);
	hs_json_kstr(&j, "plugins", plugins_ok ? "ok" : "not loaded");
	hs_json_end_object(&j);
	hs_json_end_object(&j);
	hs_reply_json(r, db_ok && plugins_ok ? 200 : 503, &buf);
	kore_buf_cleanup(&buf);
	return (HS_DONE);
}

int
hs_health_metrics(struct hs_req *r)
{
	struct kore_buf	buf;

	kore_buf_init(&buf, 16384);
	hs_metrics_render(&buf);
	hs_reply(r, 200, "text/plain; version=0.0.4", buf.data, buf.offset);
	kore_buf_cleanup(&buf);
	return (HS_DONE);
}

int
hs_health_version(struct hs_req *r)
{
	struct kore_buf	buf;
	struct hs_json	j;

	kore_buf_init(&buf, 256);
	hs_json_init(&j, &buf);
	hs_json_object(&j);
	hs_json_kstr(&j, "name", "HydroSync");
	hs_json_kstr(&j, "version", HS_VERSION);
	hs_json_kstr(&j, "node", hs_server_config()->node_name);
	hs_json_kint(&j, "plugin_abi_major", HS_ABI_MAJOR);
	hs_json_kint(&j, "plugin_abi_minor", HS_ABI_MINOR);
	hs_json_end_object(&j);
	hs_reply_json(r, 200, &buf);
	kore_buf_cleanup(&buf);
	return (HS_DONE);
}
