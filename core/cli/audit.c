/*
 * hydrosync audit verify: walk the audit log and recompute every hash.
 *
 * The verifier trusts nothing in the database but the raw columns: it
 * rebuilds each row's canonical text itself (the same layout as
 * hs_audit_canonical in migration 0002) and checks, row by row, that the
 * sequence has no gap, that prev_hash is the previous row's hash (64 zeros
 * for the first) and that hash = SHA-256(prev_hash "|" canonical).  The
 * first row that fails is named, with the reason.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/evp.h>

#include "cli/cli.h"
#include "conf/conf.h"

#define AUDIT_BATCH	"5000"

enum {
	F_SEQ, F_TS, F_ACTOR, F_UTILITY, F_ACTION, F_TYPE, F_ID, F_BEFORE,
	F_AFTER, F_PREV, F_HASH
};

static void
audit_usage(FILE *out)
{
	fprintf(out,
	    "usage: hydrosync audit verify [--database CONNINFO | --config FILE]"
	    "\n\nRecomputes the hash chain of the audit log and names the "
	    "first broken row.\nExit status: 0 intact, 1 broken, 2 usage, 3 "
	    "cannot read the log.\n");
}

static void
hash_row(PGresult *res, int row, char out[65])
{
	static const char	 hex[] = "0123456789abcdef";
	EVP_MD_CTX		*md;
	unsigned char		 digest[32];
	unsigned int		 len, i;
	const char		*v;
	int			 f;

	md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	v = PQgetvalue(res, row, F_PREV);
	EVP_DigestUpdate(md, v, strlen(v));
	for (f = F_SEQ; f <= F_AFTER; f++) {
		EVP_DigestUpdate(md, "|", 1);
		if (PQgetisnull(res, row, f))
			v = (f == F_BEFORE || f == F_AFTER) ? "null" : "";
		else
			v = PQgetvalue(res, row, f);
		EVP_DigestUpdate(md, v, strlen(v));
	}
	EVP_DigestFinal_ex(md, digest, &len);
	EVP_MD_CTX_free(md);
	for (i = 0; i < 32; i++) {
		out[i * 2] = hex[digest[i] >> 4];
		out[i * 2 + 1] = hex[digest[i] & 0xf];
	}
	out[64] = '\0';
}

static int
verify(PGconn *pg)
{
	PGresult	*res;
	char		 prev[65], want[65], last[32];
	const char	*params[1];
	int64_t		 expect, seq, rows;
	int		 i, n;

	memset(prev, '0', 64);
	prev[64] = '\0';
	expect = 1;
	rows = 0;
	snprintf(last, sizeof(last), "0");
	for (;;) {
		params[0] = last;
		res = PQexecParams(pg, "SELECT seq, (extract(epoch FROM ts) * "
		    "1000000)::bigint, actor, utility_id, action, object_type, "
		    "object_id, before::text, after::text, prev_hash, hash "
		    "FROM audit_log WHERE seq > $1::bigint ORDER BY seq LIMIT "
		    AUDIT_BATCH, 1, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			fprintf(stderr, "hydrosync audit: %s",
			    PQresultErrorMessage(res));
			PQclear(res);
			return (3);
		}
		n = PQntuples(res);
		for (i = 0; i < n; i++) {
			seq = strtoll(PQgetvalue(res, i, F_SEQ), NULL, 10);
			if (seq != expect) {
				printf("audit log BROKEN at row %" PRId64 ": "
				    "row %" PRId64 " is missing (rows out of "
				    "sequence)\n", seq, expect);
				PQclear(res);
				return (1);
			}
			if (strcmp(PQgetvalue(res, i, F_PREV), prev)) {
				printf("audit log BROKEN at row %" PRId64 ": "
				    "prev_hash does not match row %" PRId64
				    "'s hash\n", seq, seq - 1);
				PQclear(res);
				return (1);
			}
			hash_row(res, i, want);
			if (strcmp(PQgetvalue(res, i, F_HASH), want)) {
				printf("audit log BROKEN at row %" PRId64 ": "
				    "its content does not match its hash (the "
				    "row was changed)\n", seq);
				PQclear(res);
				return (1);
			}
			memcpy(prev, want, sizeof(prev));
			expect++;
			rows++;
		}
		if (n > 0)
			snprintf(last, sizeof(last), "%" PRId64, expect - 1);
		PQclear(res);
		if (n == 0)
			break;
	}
	printf("audit log intact: %" PRId64 " row%s, head %s\n", rows,
	    rows == 1 ? "" : "s", prev);
	return (0);
}

int
hs_cli_audit(int argc, char **argv)
{
	static struct hs_config	conf;
	static const struct option longopts[] = {
		{ "database", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*database, *config;
	char		 err[2048];
	PGconn		*pg;
	int		 ch, rc;

	if (argc < 2 || strcmp(argv[1], "verify")) {
		if (argc >= 2 && (!strcmp(argv[1], "--help") ||
		    !strcmp(argv[1], "-h"))) {
			audit_usage(stdout);
			return (0);
		}
		audit_usage(stderr);
		return (2);
	}
	database = NULL;
	config = getenv("HS_CONF");
	optind = 1;
	while ((ch = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'd':
			database = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			audit_usage(stdout);
			return (0);
		default:
			audit_usage(stderr);
			return (2);
		}
	}
	if (database == NULL) {
		if (config == NULL) {
			fprintf(stderr, "hydrosync audit: give --database or "
			    "--config\n");
			return (2);
		}
		if (hs_conf_load(config, &conf, err, sizeof(err)) == -1) {
			fprintf(stderr, "hydrosync audit: %s\n", err);
			return (2);
		}
		database = conf.database;
	}
	pg = PQconnectdb(database);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "hydrosync audit: cannot connect: %s",
		    PQerrorMessage(pg));
		PQfinish(pg);
		return (3);
	}
	rc = verify(pg);
	PQfinish(pg);
	return (rc);
}
