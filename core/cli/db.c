/*
 * hydrosync db: schema migrations and demo data.
 *
 * Migrations run in order, each in its own transaction together with its
 * row in schema_migrations, under an advisory lock so two nodes upgrading
 * at once cannot interleave.  The SHA-256 of each applied file is kept;
 * `status` reports a migration whose text changed after it was applied.
 * `migrate --dry-run` applies everything pending inside one transaction and
 * rolls it back, so an operator sees an upgrade fail before it happens.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/evp.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "db/migrations.h"

#define MIGRATION_LOCK	"7308219843"	/* advisory lock key, arbitrary */

struct db_opts {
	const char	*database;
	int		 dry_run;
	int		 yes;
	int		 to;
};

static void
db_usage(FILE *out)
{
	fprintf(out,
	    "usage: hydrosync db <action> [--database CONNINFO | --config FILE]"
	    "\n\n"
	    "  migrate [--dry-run]   apply pending migrations (dry run: apply\n"
	    "                        and roll back, reporting what would run)\n"
	    "  rollback --to N --yes revert applied migrations above version N\n"
	    "  status                list migrations, applied or pending\n"
	    "  demo                  load the demo data (idempotent)\n"
	    "\n"
	    "The database comes from --database, else the 'database' line of\n"
	    "--config, else $HS_CONF.\n");
}

static void
sha256_hex(const char *s, char out[65])
{
	unsigned char	md[32];
	unsigned int	len, i;

	EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(out + i * 2, 3, "%02x", md[i]);
}

static int
exec_ok(PGconn *pg, const char *sql, const char *what)
{
	PGresult	*res;
	int		 ok;

	res = PQexec(pg, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "hydrosync db: %s: %s", what,
		    PQresultErrorMessage(res));
	PQclear(res);
	return (ok ? 0 : -1);
}

static PGconn *
db_connect(const struct db_opts *o)
{
	PGconn		*pg;

	pg = PQconnectdb(o->database);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "hydrosync db: cannot connect: %s",
		    PQerrorMessage(pg));
		PQfinish(pg);
		return (NULL);
	}
	if (exec_ok(pg, "SET client_min_messages = warning", "setup") == -1 ||
	    exec_ok(pg, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version integer PRIMARY KEY, name text NOT NULL, "
	    "sha256 text NOT NULL, applied_at timestamptz NOT NULL "
	    "DEFAULT now())", "schema_migrations") == -1) {
		PQfinish(pg);
		return (NULL);
	}
	return (pg);
}

/* The applied version's checksum, "" when pending, NULL on error. */
static int
applied(PGconn *pg, int version, char sha[65])
{
	PGresult	*res;
	char		 v[16];
	const char	*params[1];
	int		 found;

	snprintf(v, sizeof(v), "%d", version);
	params[0] = v;
	res = PQexecParams(pg, "SELECT sha256 FROM schema_migrations WHERE "
	    "version = $1", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "hydrosync db: %s", PQresultErrorMessage(res));
		PQclear(res);
		return (-1);
	}
	found = PQntuples(res) == 1;
	sha[0] = '\0';
	if (found)
		snprintf(sha, 65, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return (found);
}

static int
record(PGconn *pg, const struct hs_migration *m, int up)
{
	PGresult	*res;
	char		 v[16], sha[65];
	const char	*params[3];
	int		 ok;

	snprintf(v, sizeof(v), "%d", m->version);
	sha256_hex(m->up, sha);
	params[0] = v;
	params[1] = m->name;
	params[2] = sha;
	if (up)
		res = PQexecParams(pg, "INSERT INTO schema_migrations (version,"
		    " name, sha256) VALUES ($1, $2, $3)", 3, NULL, params,
		    NULL, NULL, 0);
	else
		res = PQexecParams(pg, "DELETE FROM schema_migrations WHERE "
		    "version = $1", 1, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "hydrosync db: %s", PQresultErrorMessage(res));
	PQclear(res);
	return (ok ? 0 : -1);
}

static int
db_migrate(PGconn *pg, const struct db_opts *o)
{
	const struct hs_migration	*m;
	char				 sha[65];
	int				 i, n, state;

	if (exec_ok(pg, "SELECT pg_advisory_lock(" MIGRATION_LOCK ")",
	    "lock") == -1)
		return (1);
	if (o->dry_run && exec_ok(pg, "BEGIN", "begin") == -1)
		return (1);
	for (n = 0, i = 0; i < hs_nmigrations; i++) {
		m = &hs_migrations[i];
		if ((state = applied(pg, m->version, sha)) == -1)
			return (1);
		if (state == 1)
			continue;
		if (!o->dry_run && exec_ok(pg, "BEGIN", "begin") == -1)
			return (1);
		if (exec_ok(pg, m->up, m->name) == -1 ||
		    record(pg, m, 1) == -1) {
			exec_ok(pg, "ROLLBACK", "rollback");
			fprintf(stderr, "hydrosync db: migration %04d_%s failed;"
			    " nothing of it was applied\n", m->version,
			    m->name);
			return (1);
		}
		if (!o->dry_run && exec_ok(pg, "COMMIT", "commit") == -1)
			return (1);
		printf("%s %04d_%s\n", o->dry_run ? "would apply" : "applied",
		    m->version, m->name);
		n++;
	}
	if (o->dry_run && exec_ok(pg, "ROLLBACK", "rollback") == -1)
		return (1);
	printf("%d migration%s %s; schema is %s\n", n, n == 1 ? "" : "s",
	    o->dry_run ? "would be applied (dry run, nothing changed)" :
	    "applied", o->dry_run && n > 0 ? "behind" : "current");
	return (0);
}

static int
db_rollback(PGconn *pg, const struct db_opts *o)
{
	const struct hs_migration	*m;
	char				 sha[65];
	int				 i, state;

	if (o->to < 0) {
		fprintf(stderr, "hydrosync db rollback: --to N is required\n");
		return (2);
	}
	if (!o->yes) {
		fprintf(stderr, "hydrosync db rollback: this drops data of "
		    "every migration above %d; repeat with --yes\n", o->to);
		return (2);
	}
	if (exec_ok(pg, "SELECT pg_advisory_lock(" MIGRATION_LOCK ")",
	    "lock") == -1)
		return (1);
	for (i = hs_nmigrations - 1; i >= 0; i--) {
		m = &hs_migrations[i];
		if (m->version <= o->to)
			break;
		if ((state = applied(pg, m->version, sha)) == -1)
			return (1);
		if (state == 0)
			continue;
		if (m->down == NULL) {
			fprintf(stderr, "hydrosync db: migration %04d_%s is "
			    "irreversible; restore from a backup instead\n",
			    m->version, m->name);
			return (1);
		}
		if (exec_ok(pg, "BEGIN", "begin") == -1 ||
		    exec_ok(pg, m->down, m->name) == -1 ||
		    record(pg, m, 0) == -1 ||
		    exec_ok(pg, "COMMIT", "commit") == -1) {
			exec_ok(pg, "ROLLBACK", "rollback");
			return (1);
		}
		printf("reverted %04d_%s\n", m->version, m->name);
	}
	return (0);
}

static int
db_status(PGconn *pg)
{
	const struct hs_migration	*m;
	char				 sha[65], want[65];
	int				 i, state, drift;

	for (drift = 0, i = 0; i < hs_nmigrations; i++) {
		m = &hs_migrations[i];
		if ((state = applied(pg, m->version, sha)) == -1)
			return (1);
		sha256_hex(m->up, want);
		if (state == 1 && strcmp(sha, want)) {
			printf("%04d_%s  applied, CHANGED since\n", m->version,
			    m->name);
			drift = 1;
		} else {
			printf("%04d_%s  %s%s\n", m->version, m->name,
			    state ? "applied" : "pending",
			    m->down ? "" : " (irreversible)");
		}
	}
	return (drift);
}

/*
 * The demo accounts, one per role; `make run` prints them.  A demo
 * password is public by nature: these accounts exist only in demo data.
 */
static const struct {
	const char	*utility, *email, *name, *role, *customer;
} demo_users[] = {
	{ "pdam-tirta", "admin@tirta.demo", "Admin Tirta", "admin", NULL },
	{ "pdam-tirta", "operator@tirta.demo", "Operator Tirta", "operator",
	    NULL },
	{ "pdam-tirta", "kasir@tirta.demo", "Kasir Tirta", "cashier", NULL },
	{ "pdam-tirta", "teknisi@tirta.demo", "Teknisi Tirta", "technician",
	    NULL },
	{ "pdam-tirta", "siti@example.id", "Siti Rahayu", "customer", "1001" },
	{ "apt-melati", "admin@melati.demo", "Admin Melati", "admin", NULL },
	{ "apt-melati", "dewi@example.id", "Dewi Lestari", "customer",
	    "A-0101" },
};

#define DEMO_PASSWORD	"demo-password-2026"

static int
db_demo(PGconn *pg)
{
	PGresult	*res;
	const char	*params[1];
	size_t		 i;
	int		 exists;

	if (exec_ok(pg, "BEGIN", "begin") == -1 ||
	    exec_ok(pg, hs_demo_sql, "demo data") == -1 ||
	    exec_ok(pg, "COMMIT", "commit") == -1)
		return (1);
	for (i = 0; i < sizeof(demo_users) / sizeof(demo_users[0]); i++) {
		params[0] = demo_users[i].email;
		res = PQexecParams(pg, "SELECT 1 FROM users WHERE lower(email) "
		    "= lower($1)", 1, NULL, params, NULL, NULL, 0);
		exists = PQresultStatus(res) == PGRES_TUPLES_OK &&
		    PQntuples(res) == 1;
		PQclear(res);
		if (!exists && hs_cli_user_create(pg, demo_users[i].utility,
		    demo_users[i].email, demo_users[i].name,
		    demo_users[i].role, demo_users[i].customer,
		    DEMO_PASSWORD) != 0)
			return (1);
	}
	printf("demo data loaded; demo accounts use the password %s\n",
	    DEMO_PASSWORD);
	return (0);
}

int
hs_cli_db(int argc, char **argv)
{
	static struct hs_config	conf;
	static const struct option longopts[] = {
		{ "database", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "to", required_argument, NULL, 't' },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct db_opts	 o;
	const char	*action, *config;
	char		 err[2048], *end;
	PGconn		*pg;
	int		 ch, rc;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		db_usage(argc < 2 ? stderr : stdout);
		return (argc < 2 ? 2 : 0);
	}
	action = argv[1];
	memset(&o, 0, sizeof(o));
	o.to = -1;
	config = getenv("HS_CONF");
	optind = 1;
	while ((ch = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'd':
			o.database = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'n':
			o.dry_run = 1;
			break;
		case 't':
			o.to = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || o.to < 0) {
				fprintf(stderr, "hydrosync db: --to must be a "
				    "migration number, not '%s'\n", optarg);
				return (2);
			}
			break;
		case 'y':
			o.yes = 1;
			break;
		case 'h':
			db_usage(stdout);
			return (0);
		default:
			db_usage(stderr);
			return (2);
		}
	}
	if (o.database == NULL) {
		if (config == NULL) {
			fprintf(stderr, "hydrosync db: give --database or "
			    "--config\n");
			return (2);
		}
		if (hs_conf_load(config, &conf, err, sizeof(err)) == -1) {
			fprintf(stderr, "hydrosync db: %s\n", err);
			return (1);
		}
		o.database = conf.database;
	}
	if (strcmp(action, "migrate") && strcmp(action, "rollback") &&
	    strcmp(action, "status") && strcmp(action, "demo")) {
		fprintf(stderr, "hydrosync db: unknown action '%s'\n", action);
		db_usage(stderr);
		return (2);
	}
	if ((pg = db_connect(&o)) == NULL)
		return (1);
	if (!strcmp(action, "migrate"))
		rc = db_migrate(pg, &o);
	else if (!strcmp(action, "rollback"))
		rc = db_rollback(pg, &o);
	else if (!strcmp(action, "status"))
		rc = db_status(pg);
	else
		rc = db_demo(pg);
	PQfinish(pg);
	return (rc);
}
