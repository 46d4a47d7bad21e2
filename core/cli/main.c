/*
 * hydrosync: the operator's and integrator's command line.
 * The first word picks a subcommand; everything after it belongs to that
 * subcommand's own parser, which prints its own --help.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct subcommand {
	const char	*name;
	const char	*summary;
	int		(*run)(int, char **);
};

static const struct subcommand subcommands[] = {
	{ "token", "encode, decode and key change STS tokens", hs_cli_token },
	{ "config", "check hydrosync.conf, generate kore.conf", hs_cli_config },
	{ "db", "migrate the schema, load demo data", hs_cli_db },
	{ "keys", "vending keys: create, generate, import, rotate, kct", hs_cli_keys },
	{ "audit", "verify the audit log's hash chain", hs_cli_audit },
	{ "user", "create staff and customer accounts", hs_cli_user },
	{ "import", "bulk import customers or meters from CSV", hs_cli_import },
};

static void
usage(FILE *out)
{
	size_t		i;

	fprintf(out, "usage: hydrosync <command> [options]\n\ncommands:\n");
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(out, "  %-8s %s\n", subcommands[i].name,
		    subcommands[i].summary);
	fprintf(out, "\n'hydrosync <command> --help' describes a command.\n");
}

int
main(int argc, char **argv)
{
	size_t		i;

	if (argc < 2) {
		usage(stderr);
		return (2);
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return (0);
	}
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (!strcmp(argv[1], subcommands[i].name))
			return (subcommands[i].run(argc - 1, argv + 1));
	}
	fprintf(stderr, "hydrosync: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return (2);
}
