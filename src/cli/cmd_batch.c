/* cmd_batch.c — `assay batch set-media-root BATCH DIR`: what a batch keeps
 * about its samples that may change after the import (media move). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char help[] =
	"usage: assay batch set-media-root BATCH DIR\n"
	"\n"
	"Changes what a batch records about where its samples' media are.\n"
	"\n"
	"Commands:\n"
	"  set-media-root BATCH DIR  relative media paths of BATCH resolve inside\n"
	"                            DIR from now on (the pictures moved); \"\" goes\n"
	"                            back to the source file's directory\n"
	"\n"
	"Options:\n"
	"  -h, --help  this help\n";

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
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(help, stdout);
			return 0;
		}
	if (argc < 2)
		return cli_usage_error(ctx, "expected a command: set-media-root BATCH DIR");
	if (strcmp(argv[1], "set-media-root") != 0)
		return cli_usage_error(ctx, "unknown command \"%s\" (expected set-media-root)",
				       argv[1]);
	if (argc != 4)
		return cli_usage_error(ctx, "set-media-root: expected BATCH DIR");
	return set_media_root(ctx, argv[2], argv[3]);
}
