/*
 * The CSV import and export end to end, against the demo data: a clean
 * file commits with one audit row; a dry run commits nothing; a file with
 * bad rows is refused as a whole with every row's error and writes
 * nothing; an export imports unchanged into another utility; exported
 * cells a spreadsheet would run as formulas are escaped; and only the
 * roles in the route table may import and export.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libpq-fe.h>

#include "hs_test.h"

#define PASSWORD	"demo-password-2026"
#define WRITE_KEY	"hsk_00000000000000c1_" \
			"0123456789abcdef0123456789abcdef"
#define READ_KEY	"hsk_00000000000000c2_" \
			"fedcba9876543210fedcba9876543210"

struct caller {
	const char	*email;		/* NULL: an API key */
	const char	*key;
	char		 cookie[128];
	char		 csrf[65];
};

static struct hs_test_server	srv;
static struct caller	admin = { "admin@tirta.demo", NULL, "", "" };
static struct caller	operator = { "operator@tirta.demo", NULL, "", "" };
static struct caller	cashier = { "kasir@tirta.demo", NULL, "", "" };
static struct caller	siti = { "siti@example.id", NULL, "", "" };
static struct caller	melati = { "admin@melati.demo", NULL, "", "" };
static struct caller	write_key = { NULL, WRITE_KEY, "", "" };
static struct caller	read_key = { NULL, READ_KEY, "", "" };

static void
login(struct caller *c)
{
	struct hs_test_resp	 r;
	char			 body[256];
	const char		*p;

	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\""
	    PASSWORD "\"}", c->email);
	if (hs_test_http(srv.port, "POST", "/api/v1/auth/login",
	    "Content-Type: application/json\r\n", body, strlen(body), &r) != 0
	    || r.status != 200)
		fail_msg("login %s failed", c->email);
	if ((p = strstr(r.headers, "__Host-hs_session=")) == NULL)
		fail_msg("no session cookie for %s", c->email);
	snprintf(c->cookie, sizeof(c->cookie), "%.82s", p);
	c->cookie[strcspn(c->cookie, ";")] = '\0';
	if (hs_test_json_str(r.body, "csrf_token", c->csrf, sizeof(c->csrf)) != 0)
		fail_msg("no csrf token for %s", c->email);
	hs_test_resp_free(&r);
}

/* One request as c, with a body of len bytes of the given type. */
static int
call(const struct caller *c, const char *method, const char *path,
    const char *type, const char *body, size_t len, struct hs_test_resp *r)
{
	char	h[1024];
	int	n;

	if (c->email != NULL)
		n = snprintf(h, sizeof(h), "Cookie: %s\r\nX-CSRF-Token: %s\r\n"
		    "Origin: http://127.0.0.1:%d\r\n", c->cookie, c->csrf,
		    srv.port);
	else
		n = snprintf(h, sizeof(h), "Authorization: Bearer %s\r\n",
		    c->key);
	if (type != NULL)
		snprintf(h + n, sizeof(h) - (size_t)n, "Content-Type: %s\r\n",
		    type);
	if (hs_test_http(srv.port, method, path, h, body, len, r) != 0)
		fail_msg("%s %s: no response", method, path);
	return (r->status);
}

static int
post_csv(const struct caller *c, const char *path, const char *csv,
    size_t len, struct hs_test_resp *r)
{
	return (call(c, "POST", path, "text/csv; charset=utf-8", csv, len, r));
}

#define ASSERT_HAS(body, needle) do {					\
	if (strstr((body), (needle)) == NULL)				\
		fail_msg("expected %s in:\n%s", (needle), (body));	\
} while (0)

#define STARTS(body, lit)						\
	assert_int_equal(strncmp((body), (lit), sizeof(lit) - 1), 0)

#define COUNT_CUSTOMERS	"SELECT count(*) FROM customers"
#define COUNT_METERS	"SELECT count(*) FROM meters"
#define COUNT_IMPORTS	"SELECT count(*) FROM audit_log WHERE action = 'import'"

static int
setup(void **state)
{
	char	cmd[2048];

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s/%s/bin/hydrosync db demo --database "
	    "'%s' >/dev/null", hs_test_top(), hs_test_build(),
	    hs_test_pgurl());
	if (system(cmd) != 0)
		return (-1);
	hs_test_sql("INSERT INTO api_keys (utility_id, name, prefix, key_hash, "
	    "permissions) SELECT id, 'writer', '00000000000000c1', "
	    "encode(sha256('0123456789abcdef0123456789abcdef'), 'hex'), "
	    "'{customers:read,customers:write,meters:read,meters:write}' "
	    "FROM utilities WHERE code = 'pdam-tirta'");
	hs_test_sql("INSERT INTO api_keys (utility_id, name, prefix, key_hash, "
	    "permissions) SELECT id, 'reader', '00000000000000c2', "
	    "encode(sha256('fedcba9876543210fedcba9876543210'), 'hex'), "
	    "'{customers:read,meters:read}' "
	    "FROM utilities WHERE code = 'pdam-tirta'");
	if (hs_test_server_start(&srv, 2, NULL) != 0)
		return (-1);
	login(&admin);
	login(&operator);
	login(&cashier);
	login(&siti);
	login(&melati);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	hs_test_server_stop(&srv);
	PQfinish(hs_test_db());
	return (0);
}

/*
 * Customers whose cells would run as formulas in a spreadsheet, with
 * quotes, commas and a line break inside fields.
 */
static const char good_customers[] =
    "number,name,address,phone,email,group\r\n"
    "IMP-1,\"=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",\"Jl. Kenari 5,\r\n"
    "RT 02\",+6281234567001,imp1@example.id,R1\r\n"
    "IMP-2,@SUM(A1),-2+3,,,N1\r\n"
    "IMP-3,\"Ibu Sri \"\"Ani\"\"?\",,081234567003,,\r\n";

static void
test_good_import_commits(void **state)
{
	struct hs_test_resp	 r;
	long			 customers, imports;

	(void)state;
	customers = hs_test_sql_long(COUNT_CUSTOMERS);
	imports = hs_test_sql_long(COUNT_IMPORTS);
	assert_int_equal(post_csv(&operator, "/api/v1/customers/import",
	    good_customers, sizeof(good_customers) - 1, &r), 200);
	ASSERT_HAS(r.body, "\"imported\": 3");
	ASSERT_HAS(r.body, "\"dry_run\": false");
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long(COUNT_CUSTOMERS), customers + 3);
	/* One audit row for the whole import, not one per customer. */
	assert_int_equal(hs_test_sql_long(COUNT_IMPORTS), imports + 1);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM audit_log WHERE "
	    "action = 'import' AND object_type = 'customer' AND object_id = "
	    "'3' AND actor LIKE 'user:%'"), 1);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM customers c JOIN "
	    "customer_groups g ON g.id = c.group_id WHERE c.number = 'IMP-1' "
	    "AND c.name = '=HYPERLINK(\"http://evil\",\"x\")' AND c.address = "
	    "E'Jl. Kenari 5,\\r\\nRT 02' AND c.phone = '+6281234567001' AND "
	    "g.code = 'R1'"), 1);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM customers WHERE "
	    "number = 'IMP-3' AND name = 'Ibu Sri \"Ani\"?' AND email IS NULL "
	    "AND group_id IS NULL"), 1);

	/* Meters for them, by an integrator's key, numbers Luhn-checked. */
	{
		static const char meters[] =
		    "number,customer_number,service_type,tariff,sgc,"
		    "install_address\n"
		    "47041000002,IMP-1,water,AIR-R1,123457,Jl. Kenari 5\n"
		    "47041000010,IMP-2,water,AIR-N1,123457,\n"
		    "0100000000008,,water,,999999,\n";
		long m = hs_test_sql_long(COUNT_METERS);

		assert_int_equal(post_csv(&write_key, "/api/v1/meters/import",
		    meters, sizeof(meters) - 1, &r), 200);
		ASSERT_HAS(r.body, "\"imported\": 3");
		hs_test_resp_free(&r);
		assert_int_equal(hs_test_sql_long(COUNT_METERS), m + 3);
		assert_int_equal(hs_test_sql_long("SELECT count(*) FROM meters m JOIN "
		    "customers c ON c.id = m.customer_id JOIN tariff_groups t "
		    "ON t.id = m.tariff_group_id WHERE m.number = "
		    "'47041000002' AND m.pan = '600727470410000024' AND "
		    "c.number = 'IMP-1' AND t.code = 'AIR-R1' AND "
		    "m.algorithm = 'EA11' AND m.key_type = 2"), 1);
		assert_int_equal(hs_test_sql_long("SELECT count(*) FROM meters WHERE "
		    "number = '0100000000008' AND pan = '000001000000000082' "
		    "AND customer_id IS NULL"), 1);
	}
}

static void
test_dry_run_commits_nothing(void **state)
{
	static const char	 csv[] = "number,name\nDRY-1,Dry One\n"
				    "DRY-2,Dry Two\n";
	struct hs_test_resp	 r;
	long			 customers, audit;

	(void)state;
	customers = hs_test_sql_long(COUNT_CUSTOMERS);
	audit = hs_test_sql_long("SELECT count(*) FROM audit_log");
	assert_int_equal(post_csv(&admin, "/api/v1/customers/import?"
	    "dry_run=true", csv, sizeof(csv) - 1, &r), 200);
	ASSERT_HAS(r.body, "\"dry_run\": true");
	ASSERT_HAS(r.body, "\"valid\": 2");
	ASSERT_HAS(r.body, "\"imported\": 0");
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long(COUNT_CUSTOMERS), customers);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM audit_log"), audit);
	/* The same file for real goes in. */
	assert_int_equal(post_csv(&admin, "/api/v1/customers/import?"
	    "dry_run=false", csv, sizeof(csv) - 1, &r), 200);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long(COUNT_CUSTOMERS), customers + 2);
	/* A bad dry_run value is an error, not a real import. */
	assert_int_equal(post_csv(&admin, "/api/v1/customers/import?"
	    "dry_run=maybe", csv, sizeof(csv) - 1, &r), 422);
	hs_test_resp_free(&r);
}

/*
 * Every kind of bad row at once: the reply names each one exactly, and
 * the good rows around them are not written either.
 */
static void
test_bad_rows_refused_whole(void **state)
{
	static const char	 csv[] =
	    "number,name,group\n"
	    "BAD-1,Good Row,R1\n"			/* 2: fine */
	    "BAD-2,Unknown Group,R9\n"			/* 3 */
	    "BAD-3,First,R1\n"				/* 4 */
	    "BAD-3,Again,R1\n"				/* 5: dup in file */
	    "1001,Taken,R1\n"				/* 6: dup in db */
	    "BAD-6,%s,R1\n"				/* 7: 201 chars */
	    "BAD-7,\xff\xfe,R1\n"			/* 8: not UTF-8 */
	    "BAD-8,Nul\x01,R1\n"			/* 9: NUL, below */
	    "BAD-9,Too,Many,Fields\n"			/* 10 */
	    "BAD 10,Space In Number,\n";		/* 11 */
	struct hs_test_resp	 r;
	char			 body[2048], longname[202], *nul;
	long			 customers, audit;
	int			 n;

	(void)state;
	memset(longname, 'x', 201);
	longname[201] = '\0';
	n = snprintf(body, sizeof(body), csv, longname);
	/* A NUL byte cannot sit in a format string: put it in afterwards. */
	nul = strchr(body, '\x01');
	assert_non_null(nul);
	*nul = '\0';
	customers = hs_test_sql_long(COUNT_CUSTOMERS);
	audit = hs_test_sql_long("SELECT count(*) FROM audit_log");
	assert_int_equal(post_csv(&operator, "/api/v1/customers/import", body,
	    (size_t)n, &r), 422);
	ASSERT_HAS(r.body, "\"code\": \"invalid_rows\"");
	ASSERT_HAS(r.body, "\"error_count\": 8");
	ASSERT_HAS(r.body, "{\"row\": 3, \"column\": \"group\", \"message\": "
	    "\"no customer group R9\"}");
	ASSERT_HAS(r.body, "{\"row\": 5, \"column\": \"number\", \"message\": "
	    "\"BAD-3 is also in row 4\"}");
	ASSERT_HAS(r.body, "{\"row\": 6, \"column\": \"number\", \"message\": "
	    "\"customer 1001 already exists\"}");
	ASSERT_HAS(r.body, "{\"row\": 7, \"column\": \"name\", \"message\": "
	    "\"must be 1 to 200 characters long (is 201)\"}");
	ASSERT_HAS(r.body, "{\"row\": 8, \"column\": \"name\", \"message\": "
	    "\"is not valid UTF-8\"}");
	ASSERT_HAS(r.body, "{\"row\": 9, \"column\": \"name\", \"message\": "
	    "\"contains a NUL byte\"}");
	ASSERT_HAS(r.body, "{\"row\": 10, \"column\": null, \"message\": "
	    "\"has 4 fields; the header has 3\"}");
	ASSERT_HAS(r.body, "{\"row\": 11, \"column\": \"number\", \"message\": "
	    "\"may contain only letters, digits and -\"}");
	assert_null(strstr(r.body, "\"row\": 2,"));
	assert_null(strstr(r.body, "\"row\": 4,"));
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long(COUNT_CUSTOMERS), customers);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM customers WHERE "
	    "number = 'BAD-1'"), 0);
	assert_int_equal(hs_test_sql_long("SELECT count(*) FROM audit_log"), audit);
}

static void
test_bad_meters_refused_whole(void **state)
{
	static const char	 bad[] =
	    "number,customer_number,service_type,tariff,sgc\r\n"
	    "47041000036,1001,water,AIR-R1,123457\r\n"		/* 2: fine */
	    "47041000037,1001,water,AIR-R1,123457\r\n"		/* 3: Luhn */
	    "47041000044,NOBODY,water,AIR-R1,123457\r\n"	/* 4 */
	    "47041000051,1001,water,LISTRIK-R,123457\r\n"	/* 5 */
	    "47040000011,1001,water,AIR-R1,123457\r\n"		/* 6: taken */
	    "47041000069,1001,gas,AIR-R1,1234567\r\n";		/* 7 */
	static const char	 no_sgc[] =
	    "number,service_type\n47041000036,water\n";
	struct hs_test_resp	 r;
	long			 meters;

	(void)state;
	meters = hs_test_sql_long(COUNT_METERS);
	assert_int_equal(post_csv(&admin, "/api/v1/meters/import", bad,
	    sizeof(bad) - 1, &r), 422);
	ASSERT_HAS(r.body, "\"error_count\": 6");
	ASSERT_HAS(r.body, "{\"row\": 3, \"column\": \"number\", \"message\": "
	    "\"the check digit is wrong (11 or 13 digits, Luhn)\"}");
	ASSERT_HAS(r.body, "{\"row\": 4, \"column\": \"customer_number\", "
	    "\"message\": \"no customer NOBODY\"}");
	ASSERT_HAS(r.body, "{\"row\": 5, \"column\": \"tariff\", \"message\": "
	    "\"no water tariff group LISTRIK-R\"}");
	ASSERT_HAS(r.body, "{\"row\": 6, \"column\": \"number\", \"message\": "
	    "\"meter 47040000011 already exists\"}");
	ASSERT_HAS(r.body, "{\"row\": 7, \"column\": \"sgc\", \"message\": "
	    "\"must be a whole number from 0 to 999999\"}");
	ASSERT_HAS(r.body, "{\"row\": 7, \"column\": \"service_type\", "
	    "\"message\": \"must be one of: water/electricity\"}");
	hs_test_resp_free(&r);
	assert_int_equal(post_csv(&admin, "/api/v1/meters/import", no_sgc,
	    sizeof(no_sgc) - 1, &r), 422);
	ASSERT_HAS(r.body, "{\"row\": 1, \"column\": \"sgc\", \"message\": "
	    "\"the required column sgc is missing\"}");
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long(COUNT_METERS), meters);
}

/* The body must be CSV; an empty one is a 400. */
static void
test_media_type(void **state)
{
	static const char	 csv[] = "number,name\nMT-1,Media\n";
	struct hs_test_resp	 r;
	long			 customers;

	(void)state;
	customers = hs_test_sql_long(COUNT_CUSTOMERS);
	assert_int_equal(call(&admin, "POST", "/api/v1/customers/import",
	    "application/json", "{}", 2, &r), 415);
	hs_test_resp_free(&r);
	assert_int_equal(call(&admin, "POST", "/api/v1/customers/import",
	    "text/csv; charset=iso-8859-1", csv, sizeof(csv) - 1, &r), 415);
	hs_test_resp_free(&r);
	assert_int_equal(call(&admin, "POST", "/api/v1/customers/import",
	    NULL, csv, sizeof(csv) - 1, &r), 415);
	hs_test_resp_free(&r);
	assert_int_equal(call(&admin, "POST", "/api/v1/customers/import",
	    "text/csv", "", 0, &r), 400);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long(COUNT_CUSTOMERS), customers);
}

/* Cells starting with = + - @ come out with a leading single quote. */
static void
test_export_escapes_formulas(void **state)
{
	struct hs_test_resp	 r;

	(void)state;
	assert_int_equal(call(&admin, "GET", "/api/v1/customers/export?q=IMP",
	    NULL, NULL, 0, &r), 200);
	ASSERT_HAS(r.headers, "text/csv; charset=utf-8");
	ASSERT_HAS(r.headers, "attachment; filename=\"pdam-tirta-customers-");
	STARTS(r.body, "number,name,address,phone,email,group,status\r\n");
	ASSERT_HAS(r.body, "\r\nIMP-1,\"'=HYPERLINK(\"\"http://evil\"\",\"\"x"
	    "\"\")\",\"Jl. Kenari 5,\r\nRT 02\",'+6281234567001,"
	    "imp1@example.id,R1,active\r\n");
	ASSERT_HAS(r.body, "\r\nIMP-2,'@SUM(A1),'-2+3,,,N1,active\r\n");
	ASSERT_HAS(r.body, "\r\nIMP-3,\"Ibu Sri \"\"Ani\"\"?\",,081234567003,,,"
	    "active\r\n");
	/* q filters as the list does. */
	assert_null(strstr(r.body, "Siti"));
	hs_test_resp_free(&r);
}

static long
count_lines(const char *s)
{
	long	n = 0;

	for (; (s = strstr(s, "\r\n")) != NULL; s += 2)
		n++;
	return (n);
}

/*
 * An export is an import file: the tirta utility's customers and meters
 * go into melati unchanged (given the same groups and tariffs there).
 */
static void
test_export_roundtrip(void **state)
{
	struct hs_test_resp	 r, imp;
	long			 n;

	(void)state;
	hs_test_sql("INSERT INTO customer_groups (utility_id, code, name) SELECT u.id, "
	    "g.code, g.name FROM utilities u, customer_groups g JOIN utilities "
	    "t ON t.id = g.utility_id AND t.code = 'pdam-tirta' WHERE u.code "
	    "= 'apt-melati'");
	hs_test_sql("INSERT INTO tariff_groups (utility_id, code, name, service_type) "
	    "SELECT u.id, g.code, g.name, g.service_type FROM utilities u, "
	    "tariff_groups g JOIN utilities t ON t.id = g.utility_id AND "
	    "t.code = 'pdam-tirta' WHERE u.code = 'apt-melati'");
	hs_test_sql("UPDATE customers SET status = 'inactive' WHERE number = 'IMP-3'");

	assert_int_equal(call(&admin, "GET", "/api/v1/customers/export", NULL,
	    NULL, 0, &r), 200);
	n = hs_test_sql_long("SELECT count(*) FROM customers c JOIN utilities u ON "
	    "u.id = c.utility_id WHERE u.code = 'pdam-tirta'");
	assert_int_equal(count_lines(r.body) - 1 -
	    1 /* the address with a line break */, n);
	assert_int_equal(post_csv(&melati, "/api/v1/customers/import",
	    r.body, r.body_len, &imp), 200);
	hs_test_resp_free(&imp);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long(
	    "WITH x AS (SELECT u.code AS utility, c.number, c.name, c.address, "
	    "c.phone, c.email, g.code AS grp, c.status FROM customers c JOIN "
	    "utilities u ON u.id = c.utility_id LEFT JOIN customer_groups g ON "
	    "g.id = c.group_id), "
	    "a AS (SELECT number, name, address, phone, email, grp, status "
	    "FROM x WHERE utility = 'pdam-tirta'), "
	    "b AS (SELECT number, name, address, phone, email, grp, status "
	    "FROM x WHERE utility = 'apt-melati' AND number NOT LIKE 'A-0%') "
	    "SELECT (SELECT count(*) FROM (TABLE a EXCEPT TABLE b) d) + "
	    "(SELECT count(*) FROM (TABLE b EXCEPT TABLE a) e) + "
	    "abs((SELECT count(*) FROM a) - (SELECT count(*) FROM b))"), 0);

	assert_int_equal(call(&operator, "GET", "/api/v1/meters/export",
	    NULL, NULL, 0, &r), 200);
	assert_int_equal(post_csv(&melati, "/api/v1/meters/import", r.body,
	    r.body_len, &imp), 200);
	hs_test_resp_free(&imp);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long(
	    "WITH x AS (SELECT u.code AS utility, m.number, m.pan, c.number AS "
	    "customer, m.service_type, t.code AS tariff, m.sgc, "
	    "m.tariff_index, m.key_revision, m.key_type, m.key_expiry, "
	    "m.algorithm, m.dkga, m.base_date, m.install_address, m.status "
	    "FROM meters m JOIN utilities u ON u.id = m.utility_id LEFT JOIN "
	    "customers c ON c.id = m.customer_id LEFT JOIN tariff_groups t ON "
	    "t.id = m.tariff_group_id), "
	    "a AS (SELECT number, pan, customer, service_type, tariff, sgc, "
	    "tariff_index, key_revision, key_type, key_expiry, algorithm, "
	    "dkga, base_date, install_address, status FROM x WHERE utility = "
	    "'pdam-tirta'), "
	    "b AS (SELECT number, pan, customer, service_type, tariff, sgc, "
	    "tariff_index, key_revision, key_type, key_expiry, algorithm, "
	    "dkga, base_date, install_address, status FROM x WHERE utility = "
	    "'apt-melati' AND service_type = 'water') "
	    "SELECT (SELECT count(*) FROM (TABLE a EXCEPT TABLE b) d) + "
	    "(SELECT count(*) FROM (TABLE b EXCEPT TABLE a) e) + "
	    "abs((SELECT count(*) FROM a) - (SELECT count(*) FROM b))"), 0);
	assert_true(hs_test_sql_long("SELECT count(*) FROM meters m JOIN utilities u "
	    "ON u.id = m.utility_id WHERE u.code = 'apt-melati' AND "
	    "m.service_type = 'water'") >= 7);

	/* The audit log exports too, for its administrator only. */
	assert_int_equal(call(&admin, "GET", "/api/v1/audit/export", NULL,
	    NULL, 0, &r), 200);
	STARTS(r.body, "seq,ts,actor,action,object_type,object_id,before,"
	    "after,hash\r\n");
	ASSERT_HAS(r.body, ",import,customer,3,,\"{\"\"last\"\": \"\"IMP-3\"\"");
	hs_test_resp_free(&r);
}

/*
 * Who may import and export: office staff and keys with :write import;
 * a cashier and a read-only key do not; a customer exports only their
 * own meters and no customers.
 */
static void
test_roles(void **state)
{
	static const char	 csv[] = "number,name\nROLE-1,Role\n";
	struct hs_test_resp	 r;
	long			 customers, own;

	(void)state;
	customers = hs_test_sql_long(COUNT_CUSTOMERS);
	assert_int_equal(post_csv(&cashier, "/api/v1/customers/import", csv,
	    sizeof(csv) - 1, &r), 403);
	hs_test_resp_free(&r);
	assert_int_equal(post_csv(&read_key, "/api/v1/customers/import", csv,
	    sizeof(csv) - 1, &r), 403);
	hs_test_resp_free(&r);
	assert_int_equal(post_csv(&siti, "/api/v1/meters/import", csv,
	    sizeof(csv) - 1, &r), 403);
	hs_test_resp_free(&r);
	assert_int_equal(hs_test_sql_long(COUNT_CUSTOMERS), customers);

	assert_int_equal(call(&cashier, "GET", "/api/v1/customers/export",
	    NULL, NULL, 0, &r), 200);
	hs_test_resp_free(&r);
	assert_int_equal(call(&read_key, "GET", "/api/v1/meters/export",
	    NULL, NULL, 0, &r), 200);
	hs_test_resp_free(&r);
	assert_int_equal(call(&siti, "GET", "/api/v1/customers/export", NULL,
	    NULL, 0, &r), 403);
	hs_test_resp_free(&r);
	assert_int_equal(call(&operator, "GET", "/api/v1/audit/export", NULL,
	    NULL, 0, &r), 403);
	hs_test_resp_free(&r);

	own = hs_test_sql_long("SELECT count(*) FROM meters m JOIN customers c ON "
	    "c.id = m.customer_id WHERE c.number = '1001' AND c.utility_id = "
	    "(SELECT id FROM utilities WHERE code = 'pdam-tirta')");
	assert_int_equal(call(&siti, "GET", "/api/v1/meters/export", NULL,
	    NULL, 0, &r), 200);
	assert_int_equal(count_lines(r.body), 1 + own);
	ASSERT_HAS(r.body, "\r\n47040000011,1001,");
	assert_null(strstr(r.body, ",1002,"));
	hs_test_resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_import_commits),
		cmocka_unit_test(test_dry_run_commits_nothing),
		cmocka_unit_test(test_bad_rows_refused_whole),
		cmocka_unit_test(test_bad_meters_refused_whole),
		cmocka_unit_test(test_media_type),
		cmocka_unit_test(test_export_escapes_formulas),
		cmocka_unit_test(test_export_roundtrip),
		cmocka_unit_test(test_roles),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
