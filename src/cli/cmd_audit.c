/* cmd_audit.c — `assay audit`: options, configuration and theme, then the
 * read-only audit dashboard on a database opened read-only. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "assay/tui.h"
#include "assay_version.h"
#include "cli.h"

static const char help[] =
    "usage: assay audit [OPTIONS]\n"
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
    "\n"
    "Options:\n"
    "  --since DATE      decisions from DATE (YYYY-MM-DD, UTC) on\n"
    "  --until DATE      decisions before DATE\n"
    "  --batch NAME      only this batch\n"
    "  --where EXPR      only the samples of a slice (the language of review,\n"
    "                    export and stats), every panel; shown in the top bar\n"
    "  --theme NAME|PATH default, light, high-contrast, mono, or a theme file\n"
    "                    (default: the config's `theme`, else default)\n"
    "  --config FILE     read this configuration instead of the usual ones\n"
    "  -h, --help        this help\n"
    "\n"
    "The scorers and samples panels cover every decision of the slice:\n"
    "--since, --until and --batch narrow the other panels.\n";

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
	int rc = tui_audit_run(s, o, &err);
	store_close(s);
	conf_free(cf);
	return rc < 0 ? cli_fail(&err) : 0;
}

int cmd_audit(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"since", required_argument, NULL, 's'},
	    {"until", required_argument, NULL, 'u'},
	    {"batch", required_argument, NULL, 'b'},
	    {"where", required_argument, NULL, 'w'},
	    {"theme", required_argument, NULL, 't'},
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	tui_audit_opts o = {.db_name = ctx->db};
	const char *theme = NULL, *config = NULL;
	cli_where where = {0};
	int c, code = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'u':
			if (!cli_parse_date(optarg, c == 's' ? &o.since_ms : &o.until_ms))
				code = cli_usage_error(
				    ctx, "--%s: expected a date as YYYY-MM-DD, got \"%s\"",
				    c == 's' ? "since" : "until", optarg);
			break;
		case 'w':
			code = cli_where_parse(ctx, optarg, &where);
			break;
		case 'b':
			o.batch = optarg;
			break;
		case 't':
			theme = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			fputs(help, stdout);
			cli_where_free(&where);
			return 0;
		default:
			code = cli_bad_option(ctx, c, argv);
		}
		if (code)
			break;
	}
	if (!code && optind < argc)
		code = cli_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	else if (!code && o.since_ms && o.until_ms && o.until_ms <= o.since_ms)
		code = cli_usage_error(ctx, "--until must come after --since");
	o.where = cli_where_get(&where);
	o.where_text = where.text;
	if (!code)
		code = run(ctx, &o, theme, config);
	cli_where_free(&where);
	return code;
}
