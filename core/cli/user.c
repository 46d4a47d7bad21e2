/*
 * hydrosync user add: create a staff or customer account from the command
 * line (the first administrator of a utility, demo accounts, tests).  The
 * password is read from standard input, never from argv, where other users
 * of the machine could see it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/crypto.h>

#include "auth/password.h"
#include "cli/cli.h"
#include "conf/conf.h"

static void
user_usage(FILE *out)
{
	fprintf(out,
	    "usage: hydrosync user add --utility CODE --email EMAIL --name NAME\n"
	    "           --role admin|operator|cashier|technician|customer\n"
	    "           [--customer NUMBER] [--database CONNINFO | --config FILE]"
	    "\n\nThe password is read from standard input (one line, at least "
	    "%d characters).\nA customer account needs --customer, the "
	    "customer's number.\n", HS_PASSWORD_MIN);
}

/* Used by `db demo` too: returns 0, or 1 after printing why not. */
int
hs_cli_user_create(PGconn *pg, const char *utility, const char *email,
    const char *name, const char *role, const char *customer,
    const char *password)
{
	PGresult	*res;
	const char	*params[6];
	const char	*weak;
	char		 hash[HS_PASSWORD_HASH_MAX];
	int		 ok;

	if ((weak = hs_password_weak(password)) != NULL) {
		fprintf(stderr, "hydrosync user: the password must be %s\n",
		    weak);
		return (1);
	}
	if (hs_password_hash(password, hash, sizeof(hash)) == -1) {
		fprintf(stderr, "hydrosync user: cannot hash the password\n");
		return (1);
	}
	params[0] = utility;
	params[1] = email;
	params[2] = name;
	params[3] = role;
	params[4] = customer;
	params[5] = hash;
	res = PQexecParams(pg,
	    "WITH u AS (SELECT id FROM utilities WHERE code = $1), "
	    "c AS (SELECT c.id FROM customers c, u WHERE c.utility_id = u.id "
	    "AND c.number = $5), "
	    "ins AS (INSERT INTO users (utility_id, email, name, role, "
	    "customer_id, password_hash) SELECT u.id, $2, $3, $4, "
	    "(SELECT id FROM c), $6 FROM u WHERE $5::text IS NULL OR EXISTS "
	    "(SELECT 1 FROM c) RETURNING id, utility_id) "
	    "SELECT hs_audit('cli', ins.utility_id, 'create', 'user', "
	    "ins.id::text, NULL, jsonb_build_object('email', $2::text, 'role', "
	    "$4::text)) FROM ins", 6, NULL, params, NULL, NULL, 0);
	OPENSSL_cleanse(hash, sizeof(hash));
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (!ok) {
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			fprintf(stderr, "hydrosync user: no utility '%s'%s%s\n",
			    utility, customer ? " or no customer " : "",
			    customer ? customer : "");
		else
			fprintf(stderr, "hydrosync user: %s",
			    PQresultErrorMessage(res));
	}
	PQclear(res);
	return (ok ? 0 : 1);
}

int
hs_cli_user(int argc, char **argv)
{
	static struct hs_config	conf;
	static const struct option longopts[] = {
		{ "utility", required_argument, NULL, 'u' },
		{ "email", required_argument, NULL, 'e' },
		{ "name", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "customer", required_argument, NULL, 'c' },
		{ "database", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*utility, *email, *name, *role, *customer, *database;
	const char	*config;
	char		 password[HS_PASSWORD_MAX + 2], err[2048];
	PGconn		*pg;
	size_t		 len;
	int		 ch, rc;

	if (argc < 2 || strcmp(argv[1], "add")) {
		user_usage(argc >= 2 && !strcmp(argv[1], "--help") ? stdout :
		    stderr);
		return (argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2);
	}
	utility = email = name = role = customer = database = NULL;
	config = getenv("HS_CONF");
	optind = 1;
	while ((ch = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'u': utility = optarg; break;
		case 'e': email = optarg; break;
		case 'n': name = optarg; break;
		case 'r': role = optarg; break;
		case 'c': customer = optarg; break;
		case 'd': database = optarg; break;
		case 'f': config = optarg; break;
		case 'h':
			user_usage(stdout);
			return (0);
		default:
			user_usage(stderr);
			return (2);
		}
	}
	if (utility == NULL || email == NULL || name == NULL || role == NULL) {
		fprintf(stderr, "hydrosync user: --utility, --email, --name and "
		    "--role are required\n");
		return (2);
	}
	if (strcmp(role, "admin") && strcmp(role, "operator") &&
	    strcmp(role, "cashier") && strcmp(role, "technician") &&
	    strcmp(role, "customer")) {
		fprintf(stderr, "hydrosync user: --role must be admin, operator,"
		    " cashier, technician or customer, not '%s'\n", role);
		return (2);
	}
	if ((customer != NULL) != !strcmp(role, "customer")) {
		fprintf(stderr, "hydrosync user: --customer goes with --role "
		    "customer, and only with it\n");
		return (2);
	}
	if (fgets(password, sizeof(password), stdin) == NULL) {
		fprintf(stderr, "hydrosync user: no password on standard "
		    "input\n");
		return (2);
	}
	len = strcspn(password, "\r\n");
	password[len] = '\0';
	if (database == NULL) {
		if (config == NULL || hs_conf_load(config, &conf, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "hydrosync user: give --database or a "
			    "readable --config\n");
			return (2);
		}
		database = conf.database;
	}
	pg = PQconnectdb(database);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "hydrosync user: cannot connect: %s",
		    PQerrorMessage(pg));
		PQfinish(pg);
		return (1);
	}
	rc = hs_cli_user_create(pg, utility, email, name, role, customer,
	    password);
	OPENSSL_cleanse(password, sizeof(password));
	PQfinish(pg);
	if (rc == 0)
		printf("user %s (%s) created\n", email, role);
	return (rc);
}
