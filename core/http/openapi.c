/*
 * GET /api/v1/openapi.json: the API described from the route table the
 * dispatcher enforces, so the document cannot drift from what is served
 * (a test also checks every described operation against the server).
 * Each operation lists who may call it (x-roles, and for API keys the
 * permission), its path and query parameters, and the shared error shape.
 */
#include <string.h>

#include "http/json.h"
#include "http/routes.h"
#include "server/server.h"

static const struct {
	uint32_t	 bit;
	const char	*name;
} role_names[] = {
	{ HS_ROLE_PUBLIC, "public" }, { HS_ROLE_ADMIN, "admin" },
	{ HS_ROLE_OPERATOR, "operator" }, { HS_ROLE_CASHIER, "cashier" },
	{ HS_ROLE_TECHNICIAN, "technician" }, { HS_ROLE_CUSTOMER, "customer" },
	{ HS_ROLE_INTEGRATOR, "integrator" },
};

static void
lower(char *dst, const char *src, size_t len)
{
	size_t	i;

	for (i = 0; src[i] != '\0' && i + 1 < len; i++)
		dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ?
		    src[i] + 32 : src[i]);
	dst[i] = '\0';
}

static void
parameter(struct hs_json *j, const char *name, const char *in,
    const char *type, int required)
{
	hs_json_object(j);
	hs_json_kstr(j, "name", name);
	hs_json_kstr(j, "in", in);
	hs_json_kbool(j, "required", required);
	hs_json_key(j, "schema");
	hs_json_object(j);
	hs_json_kstr(j, "type", type);
	hs_json_end_object(j);
	hs_json_end_object(j);
}

static void
parameters(struct hs_json *j, const struct hs_route *rt)
{
	const char	*p, *e;
	char		 name[64];
	size_t		 n;

	hs_json_key(j, "parameters");
	hs_json_array(j);
	for (p = strchr(rt->path, '{'); p != NULL; p = strchr(e, '{')) {
		if ((e = strchr(p, '}')) == NULL)
			break;
		n = (size_t)(e - p - 1);
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, p + 1, n);
		name[n] = '\0';
		parameter(j, name, "path", strcmp(name, "id") ? "string" :
		    "integer", 1);
	}
	for (p = rt->query; p != NULL && *p != '\0'; p = e) {
		e = strchr(p, ',');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, p, n);
		name[n] = '\0';
		parameter(j, name, "query", !strcmp(name, "limit") ||
		    !strcmp(name, "offset") || !strcmp(name, "before") ||
		    !strcmp(name, "customer_id") ? "integer" : "string", 0);
		e = e ? e + 1 : p + n;
	}
	hs_json_end_array(j);
}

static void
responses(struct hs_json *j, const struct hs_route *rt)
{
	static const struct {
		const char	*code;
		const char	*what;
	} errors[] = {
		{ "400", "Malformed request" },
		{ "401", "Not logged in, or the session or key is not valid" },
		{ "403", "The caller's role or key may not do this, or the "
		    "CSRF token or Origin is wrong" },
		{ "404", "No such record (or not the caller's)" },
		{ "409", "Conflicts with an existing record" },
		{ "422", "A field is invalid; error.field names it" },
		{ "429", "Too many attempts; see Retry-After" },
		{ "503", "The database is not answering; retry" },
	};
	size_t	i;

	hs_json_key(j, "responses");
	hs_json_object(j);
	hs_json_key(j, !strcmp(rt->method, "POST") &&
	    strstr(rt->path, "/auth/") == NULL ? "201" : "200");
	hs_json_object(j);
	hs_json_kstr(j, "description", "Success");
	hs_json_end_object(j);
	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		if ((rt->roles & HS_ROLE_PUBLIC) && (!strcmp(errors[i].code,
		    "401") || !strcmp(errors[i].code, "403")))
			continue;
		hs_json_key(j, errors[i].code);
		hs_json_object(j);
		hs_json_kstr(j, "description", errors[i].what);
		hs_json_key(j, "content");
		hs_json_raw(j, "{\"application/json\":{\"schema\":{\"$ref\":"
		    "\"#/components/schemas/Error\"}}}");
		hs_json_end_object(j);
	}
	hs_json_end_object(j);
}

static void
operation(struct hs_json *j, const struct hs_route *rt)
{
	size_t	i;

	hs_json_object(j);
	hs_json_kstr(j, "summary", rt->summary);
	hs_json_key(j, "x-roles");
	hs_json_array(j);
	for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++) {
		if (rt->roles & role_names[i].bit)
			hs_json_string(j, role_names[i].name);
	}
	hs_json_end_array(j);
	if (rt->permission != NULL)
		hs_json_kstr(j, "x-api-key-permission", rt->permission);
	if (!(rt->roles & HS_ROLE_PUBLIC)) {
		hs_json_key(j, "security");
		hs_json_raw(j, rt->roles & HS_ROLE_INTEGRATOR ?
		    "[{\"session\":[]},{\"apiKey\":[]}]" :
		    "[{\"session\":[]}]");
	}
	parameters(j, rt);
	if (strcmp(rt->method, "GET"))
		hs_json_raw(j, "\"requestBody\":{\"content\":{\"application/"
		    "json\":{\"schema\":{\"type\":\"object\"}}}}") ;
	responses(j, rt);
	hs_json_end_object(j);
}

int
hs_openapi(struct hs_req *r)
{
	const struct hs_route	*t;
	struct kore_buf		 buf;
	struct hs_json		 j;
	char			 method[8];
	size_t			 i, k, n;
	int			 seen;

	t = hs_router_table(&n);
	kore_buf_init(&buf, 32768);
	hs_json_init(&j, &buf);
	hs_json_object(&j);
	hs_json_kstr(&j, "openapi", "3.0.3");
	hs_json_key(&j, "info");
	hs_json_object(&j);
	hs_json_kstr(&j, "title", "HydroSync API");
	hs_json_kstr(&j, "version", HS_VERSION);
	hs_json_kstr(&j, "description", "Prepaid and postpaid metering for "
	    "water utilities. Browser sessions use the __Host-hs_session "
	    "cookie and send X-CSRF-Token plus Origin on every change; "
	    "integrators send Authorization: Bearer hsk_<prefix>_<secret>.");
	hs_json_end_object(&j);
	hs_json_key(&j, "paths");
	hs_json_object(&j);
	for (i = 0; i < n; i++) {
		if ((t[i].roles & HS_ROLE_DIAG) ||
		    strncmp(t[i].path, "/api/", 5))
			continue;
		/* One path object per distinct path, its methods inside. */
		for (seen = 0, k = 0; k < i; k++) {
			if (!(t[k].roles & HS_ROLE_DIAG) &&
			    !strcmp(t[k].path, t[i].path))
				seen = 1;
		}
		if (seen)
			continue;
		hs_json_key(&j, t[i].path);
		hs_json_object(&j);
		for (k = i; k < n; k++) {
			if ((t[k].roles & HS_ROLE_DIAG) ||
			    strcmp(t[k].path, t[i].path))
				continue;
			lower(method, t[k].method, sizeof(method));
			hs_json_key(&j, method);
			operation(&j, &t[k]);
		}
		hs_json_end_object(&j);
	}
	hs_json_end_object(&j);
	hs_json_key(&j, "components");
	hs_json_raw(&j, "{\"securitySchemes\":{\"session\":{\"type\":\"apiKey\","
	    "\"in\":\"cookie\",\"name\":\"__Host-hs_session\"},\"apiKey\":"
	    "{\"type\":\"http\",\"scheme\":\"bearer\"}},\"schemas\":{\"Error\":"
	    "{\"type\":\"object\",\"required\":[\"error\"],\"properties\":"
	    "{\"error\":{\"type\":\"object\",\"required\":[\"code\",\"message\"],"
	    "\"properties\":{\"code\":{\"type\":\"string\"},\"message\":"
	    "{\"type\":\"string\"},\"field\":{\"type\":\"string\",\"nullable\":"
	    "true}}}}}}}");
	hs_json_end_object(&j);
	hs_reply_json(r, 200, &buf);
	kore_buf_cleanup(&buf);
	return (HS_DONE);
}
