/* cmd_audit.c — `assay audit`: options, configuration and theme, then the
 * read-only audit dashboard on a database opened read-only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "assay/tui.h"
#include "assay_version.h"
#include "cli.h"
#include "opt.h"

typedef struct audit_args {
	tui_audit_opts o;
	const char *theme, *config;
	cli_where where;
} audit_args;

static const cli_opt audit_rows[] = {
	CLI_DATE("since", audit_args, o.since_ms, "decisions from DATE (YYYY-MM-DD, UTC) on"),
	CLI_DATE("until", audit_args, o.until_ms, "decisions before DATE"),
	CLI_STRING("batch", 0, audit_args, o.batch, "NAME", "only this batch"),
	CLI_WHERE(audit_args, where,
		  "only the samples of a slice (the language of review,\n"
		  "export and stats), every panel; shown in the top bar"),
	CLI_STRING("theme", 0, audit_args, theme, "NAME|PATH",
		   "default, light, high-contrast, mono, or a theme file\n"
		   "(default: the config's `theme`, else default)"),
	CLI_STRING("config", 0, audit_args, config, "FILE",
		   "read this configuration instead of the usual ones"),
	CLI_HELP(),
	CLI_END(),
};

const cli_opts cli_audit_opts = {
	.head = "usage: assay audit [OPTIONS]\n"
		"\n"
		"The audit dashboard, read-only: rejection rates per annotator, reason,\n"
		"batch and model as bars with 95% Wilson intervals, daily volume and\n"
		"rejection rate, and the scorers against the human verdicts (AUC,\n"
		"precision and recall at the flag, the threshold at 95% precision,\n"
		"score histograms by verdict), and the samples behind the figures: the\n"
		"conflicts with every verdict, the newest rejections of each reason and\n"
		"the surest automatic decisions. Enter on a bar shows its rejections in a\n"
		"read-only review (a: all its decisions), on a listed sample its\n"
		"decisions; ? lists the keys.\n"
		"\n",
	.rows = audit_rows,
	.column = 20,
	.foot = "\n"
		"The scorers and samples panels cover every decision of the slice:\n"
		"--since, --until and --batch narrow the other panels.\n",
};

/* The dashboard on a read-only connection, after the look is loaded. */
static int run(cli_ctx *ctx, tui_audit_opts *o, const char *theme, const char *config)
{
	assay_error err = {0};
	conf *cf = NULL;
	conf_theme th;
	int look = cli_load_look(config, theme, &cf, &th);
	if (look)
		return look;
	o->theme = &th;
	o->config = cf;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		cli_errorf("the audit dashboard needs a terminal (for scripts: assay stats, "
			   "assay report --html)");
		conf_free(cf);
		return EXIT_USAGE;
	}
	store *s = NULL;
	store_options so = {.readonly = true, .must_exist = true};
	int code = cli_open_store(ctx, &so, &s);
	if (code) {
		conf_free(cf);
		return code;
	}
	o->db_name = store_name(s); /* never a URI's password on screen */
	int rc = tui_audit_run(s, o, &err);
	store_close(s);
	conf_free(cf);
	return rc < 0 ? cli_fail(&err) : 0;
}

int cmd_audit(cli_ctx *ctx, int argc, char **argv)
{
	audit_args a = {.o = {.db_name = ctx->db}};
	int code = cli_opts_parse(ctx, &cli_audit_opts, argc, argv, &a, NULL);
	if (!code && a.o.since_ms && a.o.until_ms && a.o.until_ms <= a.o.since_ms)
		code = cli_usage_error(ctx, "--until must come after --since");
	a.o.where = cli_where_get(&a.where);
	a.o.where_text = a.where.text;
	if (!code)
		code = run(ctx, &a.o, a.theme, a.config);
	cli_where_free(&a.where);
	return code == CLI_OPTS_DONE ? 0 : code;
}
