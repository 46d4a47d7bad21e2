/*
 * The hydrosync command line: one entry point per subcommand.
 * Each returns the process exit status (0 ok, 1 failure, 2 usage error).
 */
#ifndef HS_CLI_H
#define HS_CLI_H

int	hs_cli_token(int argc, char **argv);
int	hs_cli_config(int argc, char **argv);
int	hs_cli_db(int argc, char **argv);

#endif
