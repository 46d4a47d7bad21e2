/*
 * The hydrosync command line: one entry point per subcommand.
 * Each returns the process exit status (0 ok, 1 failure, 2 usage error).
 */
#ifndef HS_CLI_H
#define HS_CLI_H

int	hs_cli_token(int argc, char **argv);
int	hs_cli_config(int argc, char **argv);
int	hs_cli_db(int argc, char **argv);
int	hs_cli_keys(int argc, char **argv);
int	hs_cli_audit(int argc, char **argv);
int	hs_cli_user(int argc, char **argv);
int	hs_cli_import(int argc, char **argv);

/* Create one account (user.c; also used by `db demo`). */
struct pg_conn;
int	hs_cli_user_create(struct pg_conn *pg, const char *utility,
	    const char *email, const char *name, const char *role,
	    const char *customer, const char *password);

#endif
