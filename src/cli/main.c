/* main.c — `assay [--db PATH] COMMAND [ARGS]`: global options and dispatch
 * to cmd_NAME.c by the command table (commands.c). */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/net.h"
#include "assay_version.h"
#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: assay [--db PATH] COMMAND [ARGS]\n"
		   "\n"
		   "Review machine-generated samples: import, score, review, audit, export.\n"
		   "\n"
		   "Commands:\n");
	for (size_t i = 0; i < cli_n_commands; i++)
		fprintf(f, "  %-9s %s\n", cli_commands[i].name, cli_commands[i].summary);
	fprintf(f, "\n"
		   "Global options:\n"
		   "  --db PATH   the database (default: $ASSAY_DB, else ./assay.db): a file, or\n"
		   "              a PostgreSQL server's postgresql://USER@HOST/DB?... URI (import,\n"
		   "              decide, export and info so far; the README says what else)\n"
		   "  --help      this help; 'assay COMMAND --help' for a command's options\n"
		   "  --version   print the version\n"
		   "\n"
		   "Exit codes:\n"
		   "  0    success\n"
		   "  1    failed (the message says why)\n"
		   "  2    usage: unknown command or option, bad option value\n"
		   "  65   bad input data: records rejected, malformed file, not an assay database\n"
		   "  66   not found: file, database, batch or sample\n"
		   "  69   a remote endpoint failed or could not be reached\n"
		   "  74   I/O error: read or write failure, disk full\n"
		   "  75   the database stayed locked by another process; try again\n"
		   "  130  interrupted; work already committed is kept\n");
}

static const cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < cli_n_commands; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	cli_ctx ctx = {.db = getenv("ASSAY_DB")};
	if (!ctx.db || !*ctx.db)
		ctx.db = "assay.db";
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			printf("assay %s\n", ASSAY_VERSION);
			return 0;
		} else if (strcmp(a, "--db") == 0 && i + 1 < argc) {
			ctx.db = argv[++i];
		} else if (strncmp(a, "--db=", 5) == 0) {
			ctx.db = a + 5;
		} else {
			cli_errorf("unknown option '%s'", a);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i == argc) {
		cli_errorf("no command given");
		usage(stderr);
		return EXIT_USAGE;
	}
	const cli_command *cmd = find_command(argv[i]);
	if (!cmd) {
		cli_errorf("unknown command '%s'", argv[i]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!*ctx.db) {
		cli_errorf("--db needs a path");
		return EXIT_USAGE;
	}
	ctx.cmd = cmd->name;
	assay_error err = {0};
	if (net_global_init(&err) < 0)
		return cli_fail(&err);
	int code = cmd->run(&ctx, argc - i, argv + i);
	net_global_cleanup();
	return code;
}
