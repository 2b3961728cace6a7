/* cmd_batch.c — `assay batch set-media-root BATCH DIR`: what a batch keeps
 * about its samples that may change after the import (media move). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "opt.h"

static const cli_opt batch_rows[] = {
	CLI_HELP(),
	CLI_END(),
};

const cli_opts cli_batch_opts = {
	.head = "usage: assay batch set-media-root BATCH DIR\n"
		"\n"
		"Changes what a batch records about where its samples' media are.\n"
		"\n"
		"Commands:\n"
		"  set-media-root BATCH DIR  relative media paths of BATCH resolve inside\n"
		"                            DIR from now on (the pictures moved); \"\" goes\n"
		"                            back to the source file's directory\n"
		"\n",
	.rows = batch_rows,
	.column = 14,
	.max_operands = 3,
};

static int set_media_root(cli_ctx *ctx, const char *name, const char *dir)
{
	char root[PATH_MAX] = "";
	struct stat st;
	if (dir[0] && (!realpath(dir, root) || stat(root, &st) < 0 || !S_ISDIR(st.st_mode)))
		return cli_usage_error(ctx, "set-media-root: %s: not a directory", dir);
	store *s = NULL;
	int code = cli_open_store(ctx, NULL, &s);
	if (code)
		return code;
	store_batch b = {0};
	assay_error err = {0};
	int rc = store_batch_by_name(s, name, &b, &err);
	if (rc == ASSAY_OK)
		rc = store_batch_set_media(s, b.id, NULL, root, NULL, &err);
	store_batch_free(&b);
	store_close(s);
	if (rc < 0) {
		if (rc == ASSAY_ENOTFOUND)
			assay_fail(&err, rc, "no batch named \"%s\" (assay info lists them)", name);
		return cli_fail(&err);
	}
	char line[PATH_MAX + 320];
	snprintf(line, sizeof line, "batch \"%s\": media root %s", name,
		 root[0] ? root : "(the source file's directory)");
	cli_put_safe(stdout, line);
	putchar('\n');
	return 0;
}

int cmd_batch(cli_ctx *ctx, int argc, char **argv)
{
	int first = 0, code = cli_opts_parse(ctx, &cli_batch_opts, argc, argv, NULL, &first);
	if (code)
		return code == CLI_OPTS_DONE ? 0 : code;
	int n = argc - first;
	char **word = argv + first;
	if (n == 0)
		return cli_usage_error(ctx, "expected a command: set-media-root BATCH DIR");
	if (strcmp(word[0], "set-media-root") != 0)
		return cli_usage_error(ctx, "unknown command \"%s\" (expected set-media-root)",
				       word[0]);
	if (n != 3)
		return cli_usage_error(ctx, "set-media-root: expected BATCH DIR");
	return set_media_root(ctx, word[1], word[2]);
}
