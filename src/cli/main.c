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
		   "              a PostgreSQL server's postgresql://USER@HOST/DB?... URI (every\n"
		   "              command runs on either); give it before the command\n"
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

/* Edits (insert, delete, substitute, swap two neighbours) from a to b,
 * for names of a few letters. */
static size_t edits(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b), d[24][24];
	if (n >= 24 || m >= 24)
		return SIZE_MAX;
	for (size_t i = 0; i <= n; i++)
		for (size_t j = 0; j <= m; j++) {
			if (!i || !j) {
				d[i][j] = i + j;
				continue;
			}
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			best = ASSAY_MIN(best, ASSAY_MIN(d[i - 1][j], d[i][j - 1]) + 1);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				best = ASSAY_MIN(best, d[i - 2][j - 2] + 1);
			d[i][j] = best;
		}
	return d[n][m];
}

/* The command a mistyped name most likely meant: within two edits (one
 * for names of up to four letters), or the only one it begins; or NULL. */
static const char *meant(const char *name)
{
	const char *best = NULL, *prefixed = NULL;
	size_t best_d = strlen(name) <= 4 ? 2 : 3, n_prefixed = 0;
	for (size_t i = 0; i < cli_n_commands; i++) {
		const char *c = cli_commands[i].name;
		size_t d = edits(name, c);
		if (d < best_d) {
			best_d = d;
			best = c;
		}
		if (*name && strncmp(c, name, strlen(name)) == 0) {
			prefixed = c;
			n_prefixed++;
		}
	}
	return best ? best : n_prefixed == 1 ? prefixed : NULL;
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
		} else if (strcmp(a, "--db") == 0) {
			cli_errorf("--db needs a path");
			return EXIT_USAGE;
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
		const char *m = meant(argv[i]);
		if (m)
			cli_errorf("unknown command '%s' (did you mean '%s'?); 'assay --help' lists "
				   "the commands", argv[i], m);
		else
			cli_errorf("unknown command '%s'; 'assay --help' lists the commands", argv[i]);
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
