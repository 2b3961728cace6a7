/* cmd_report.c — `assay report --html FILE`: the audit as one
 * self-contained HTML page, written atomically. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "assay/audit_stats.h"
#include "assay/export.h"
#include "cli.h"
#include "report_thumbs.h"

static const char help[] =
	"usage: assay report --html FILE [--where EXPR]\n"
	"\n"
	"Writes the audit as one self-contained HTML file (inline CSS and SVG\n"
	"charts, no scripts, nothing fetched from elsewhere): rejection rates with\n"
	"95% intervals by annotator, reason, batch and model, decisions per day,\n"
	"agreement between annotators, each scorer against the human verdicts, and\n"
	"the samples behind the figures: the conflicts with every verdict, the\n"
	"newest rejections of each reason, the surest automatic decisions.\n"
	"FILE - writes to standard output.\n"
	"\n"
	"Options:\n"
	"  --html FILE  the file to write\n"
	"  --where EXPR only the samples of a slice (the language of review,\n"
	"               export and stats); the filter is printed at the top\n"
	"  -h, --help   this help\n";

int cmd_report(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"html", required_argument, NULL, 'H'},
		{"where", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *path = NULL;
	cli_where where = {0};
	int c, code = 0;
	bool stop = false;
	optind = 1;
	opterr = 0;
	while (!stop && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'H') {
			path = optarg;
		} else if (c == 'w') {
			stop = (code = cli_where_parse(ctx, optarg, &where)) != 0;
		} else if (c == 'h') {
			fputs(help, stdout);
			stop = true;
		} else {
			code = cli_bad_option(ctx, c, argv);
			stop = true;
		}
	}
	if (!stop && optind < argc) {
		code = cli_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
		stop = true;
	} else if (!stop && !path) {
		code = cli_usage_error(ctx, "say where to write the report: --html FILE");
		stop = true;
	}
	store *s = NULL;
	store_options so = {.readonly = true};
	if (stop || (code = cli_open_store(ctx, &so, &s))) {
		cli_where_free(&where);
		return code;
	}
	abuf html = {0};
	assay_error err = {0};
	export_out *out = NULL;
	/* the destination first: refused (the database itself, say) before
	 * the work of the report */
	export_out_options oo = {.db = s};
	report_thumbs thumbs = {.s = s};
	audit_report_opts ro = {.db_name = ctx->db, .where = cli_where_get(&where),
				.where_text = where.text, .thumb = cli_report_thumb,
				.thumb_ud = &thumbs};
	int rc = export_out_open(path, &oo, &out, &err);
	if (rc == ASSAY_OK && (rc = audit_report_html(s, &ro, &html, &err)) < 0)
		export_out_abort(out);
	if (rc == ASSAY_OK && (rc = export_out_write(out, html.data, html.len, &err)) < 0)
		export_out_abort(out);
	else if (rc == ASSAY_OK)
		rc = export_out_commit(out, &err);
	abuf_free(&html);
	store_close(s);
	cli_where_free(&where);
	if (rc < 0)
		return cli_fail(&err);
	if (strcmp(path, "-") != 0)
		fprintf(stderr, "wrote %s\n", path);
	return 0;
}
