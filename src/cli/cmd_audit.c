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
    "score histograms by verdict). Enter on a bar shows its rejections in a\n"
    "read-only review (a: all its decisions); ? lists the keys.\n"
    "\n"
    "Options:\n"
    "  --since DATE      decisions from DATE (YYYY-MM-DD, UTC) on\n"
    "  --until DATE      decisions before DATE\n"
    "  --batch NAME      only this batch\n"
    "  --theme NAME|PATH default, light, high-contrast, mono, or a theme file\n"
    "                    (default: the config's `theme`, else default)\n"
    "  --config FILE     read this configuration instead of the usual ones\n"
    "  -h, --help        this help\n"
    "\n"
    "The scorers panel covers every decision: --since, --until and --batch\n"
    "narrow the other panels.\n";

int cmd_audit(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"since", required_argument, NULL, 's'},
	    {"until", required_argument, NULL, 'u'},
	    {"batch", required_argument, NULL, 'b'},
	    {"theme", required_argument, NULL, 't'},
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	tui_audit_opts o = {.db_name = ctx->db};
	const char *theme = NULL, *config = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'u':
			if (!cli_parse_date(optarg, c == 's' ? &o.since_ms : &o.until_ms))
				return cli_usage_error(
				    ctx, "--%s: expected a date as YYYY-MM-DD, got \"%s\"",
				    c == 's' ? "since" : "until", optarg);
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
			return 0;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (o.since_ms && o.until_ms && o.until_ms <= o.since_ms)
		return cli_usage_error(ctx, "--until must come after --since");
	assay_error err = {0};
	conf *cf = NULL;
	conf_theme th;
	int look = cli_load_look(config, theme, &cf, &th);
	if (look)
		return look;
	o.theme = &th;
	o.config = cf;
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
	int rc = tui_audit_run(s, &o, &err);
	store_close(s);
	conf_free(cf);
	return rc < 0 ? cli_fail(&err) : 0;
}
