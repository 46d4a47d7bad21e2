/*
 * hydrosync import customers|meters FILE --utility CODE [--dry-run]:
 * a PDAM's migration from its old CIS, without HTTP's body limit.  The
 * same parser, the same checks and the same single SQL call as
 * POST /api/v1/{customers,meters}/import (api/import.c, migration 0006),
 * so a file that passes here passes there.  All or nothing: any bad row
 * and nothing is written; every error is printed with its row and column.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "api/import.h"
#include "cli/cli.h"
#include "conf/conf.h"

static void
import_usage(FILE *out)
{
	fprintf(out,
	    "usage: hydrosync import customers|meters FILE --utility CODE "
	    "[--dry-run]\n"
	    "           [--database CONNINFO | --config FILE] [--actor NAME]"
	    "\n\n"
	    "Imports a CSV file (UTF-8, RFC 4180, a header row naming the "
	    "columns)\ninto one utility, all or nothing.  --dry-run checks "
	    "everything and writes\nnothing.  Exit status: 0 imported (or "
	    "valid), 1 the file has errors,\n2 usage, 3 cannot read the file "
	    "or the database.\n\n"
	    "customers: number,name[,address,phone,email,group,status]\n"
	    "meters:    number,service_type,sgc[,customer_number,tariff,"
	    "tariff_index,\n"
	    "           key_revision,key_type,key_expiry,algorithm,dkga,"
	    "base_date,\n"
	    "           install_address,status]\n");
}

/* The whole file in memory: the parser wants one buffer. */
static char *
read_file(const char *path, size_t *len)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return (NULL);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL) {
		if (errno == 0)
			errno = EINVAL;
		close(fd);
		return (NULL);
	}
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n <= 0) {
			free(buf);
			close(fd);
			errno = n == 0 ? EIO : errno;
			return (NULL);
		}
		off += (size_t)n;
	}
	close(fd);
	*len = off;
	return (buf);
}

/* The utility's id by its code, as text; -1 when there is none. */
static int
utility_id(PGconn *pg, const char *code, char out[24])
{
	PGresult	*res;
	const char	*params[1] = { code };
	int		 rc = -1;

	res = PQexecParams(pg, "SELECT id FROM utilities WHERE code = $1", 1,
	    NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fprintf(stderr, "hydrosync import: %s",
		    PQresultErrorMessage(res));
	else if (PQntuples(res) != 1)
		fprintf(stderr, "hydrosync import: no utility '%s'\n", code);
	else {
		snprintf(out, 24, "%s", PQgetvalue(res, 0, 0));
		rc = 0;
	}
	PQclear(res);
	return (rc);
}

static int
run(PGconn *pg, int kind, const char *data, size_t len, const char *actor,
    const char *utility, int dry_run)
{
	struct hs_import	 imp;
	const char		*params[HS_IMPORT_PARAMS_MAX];
	PGresult		*res;
	int			 n, rc;

	if (hs_import_parse(&imp, kind, data, len) == -1 ||
	    (n = hs_import_params(&imp, actor, utility, dry_run,
	    params)) == -1) {
		fprintf(stderr, "hydrosync import: out of memory\n");
		hs_import_free(&imp);
		return (3);
	}
	res = PQexecParams(pg, hs_import_sql(kind), n, NULL, params, NULL,
	    NULL, 0);
	hs_import_free(&imp);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		fprintf(stderr, "hydrosync import: %s",
		    PQresultErrorMessage(res));
		PQclear(res);
		return (3);
	}
	rc = strcmp(PQgetvalue(res, 0, 0), "t") ? 1 : 0;
	fprintf(rc ? stderr : stdout, "%s\n", PQgetvalue(res, 0, 2));
	PQclear(res);
	return (rc);
}

int
hs_cli_import(int argc, char **argv)
{
	static struct hs_config	conf;
	static const struct option longopts[] = {
		{ "utility", required_argument, NULL, 'u' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "database", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "actor", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*database, *config, *code, *actor, *path;
	char		 err[2048], utility[24], *data;
	size_t		 len;
	PGconn		*pg;
	int		 ch, kind, dry_run, rc;

	if (argc >= 2 && (!strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h"))) {
		import_usage(stdout);
		return (0);
	}
	if (argc < 2 || (strcmp(argv[1], "customers") &&
	    strcmp(argv[1], "meters"))) {
		import_usage(stderr);
		return (2);
	}
	kind = !strcmp(argv[1], "meters") ? HS_IMPORT_METERS :
	    HS_IMPORT_CUSTOMERS;
	database = code = NULL;
	config = getenv("HS_CONF");
	actor = "cli:import";
	dry_run = 0;
	optind = 1;
	while ((ch = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'u':
			code = optarg;
			break;
		case 'n':
			dry_run = 1;
			break;
		case 'd':
			database = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'a':
			actor = optarg;
			break;
		case 'h':
			import_usage(stdout);
			return (0);
		default:
			import_usage(stderr);
			return (2);
		}
	}
	if (optind + 1 != argc - 1) {
		fprintf(stderr, "hydrosync import: give exactly one FILE\n");
		return (2);
	}
	path = argv[1 + optind];
	if (code == NULL) {
		fprintf(stderr, "hydrosync import: give --utility CODE\n");
		return (2);
	}
	if (database == NULL) {
		if (config == NULL) {
			fprintf(stderr, "hydrosync import: give --database or "
			    "--config\n");
			return (2);
		}
		if (hs_conf_load(config, &conf, err, sizeof(err)) == -1) {
			fprintf(stderr, "hydrosync import: %s\n", err);
			return (2);
		}
		database = conf.database;
	}
	if ((data = read_file(path, &len)) == NULL) {
		fprintf(stderr, "hydrosync import: %s: %s\n", path,
		    strerror(errno));
		return (3);
	}
	pg = PQconnectdb(database);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "hydrosync import: cannot connect: %s",
		    PQerrorMessage(pg));
		PQfinish(pg);
		free(data);
		return (3);
	}
	rc = utility_id(pg, code, utility) == -1 ? 3 :
	    run(pg, kind, data, len, actor, utility, dry_run);
	PQfinish(pg);
	free(data);
	return (rc);
}
