/* cmd_report.c — `assay report --html FILE`: the audit as one
 * self-contained HTML page, written atomically. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "assay/audit_stats.h"
#include "assay/export.h"
#include "cli.h"
#include "opt.h"
#include "report_thumbs.h"

typedef struct report_args {
	const char *path;
	bool fetch_media;
	cli_where where;
} report_args;

static const cli_opt report_rows[] = {
	CLI_STRING("html", 0, report_args, path, "FILE", "the file to write"),
	CLI_FLAG("fetch-media", 0, report_args, fetch_media,
		 "download http(s) media not in the download cache for the\n"
		 "thumbnails (else only what review has downloaded is shown)"),
	CLI_WHERE(report_args, where,
		  "only the samples of a slice (the language of review,\n"
		  "export and stats); the filter is printed at the top"),
	CLI_HELP(),
	CLI_END(),
};

const cli_opts cli_report_opts = {
	.head = "usage: assay report --html FILE [--where EXPR] [--fetch-media]\n"
		"\n"
		"Writes the audit as one self-contained HTML file (inline CSS and SVG\n"
		"charts, no scripts, nothing fetched from elsewhere): rejection rates with\n"
		"95% intervals by annotator, reason, batch and model, decisions per day,\n"
		"agreement between annotators, each scorer against the human verdicts,\n"
		"for pairs of candidates the figures of stats --pairs (win rates and the\n"
		"Bradley-Terry ranking of the models, position bias, agreement, the flip\n"
		"rate of the claimed chosen; of the slice under --where), and the samples\n"
		"behind the figures: the conflicts with every verdict, the newest\n"
		"rejections of each reason, the surest automatic decisions.\n"
		"FILE - writes to standard output.\n"
		"\n",
	.rows = report_rows,
	.column = 15,
};

/* Writes the report of s to path (the destination opened first: refused,
 * the database itself say, before the work of the report). */
static int write_report(store *s, const char *path, const cli_where *where, bool fetch_media)
{
	abuf html = {0};
	assay_error err = {0};
	export_out *out = NULL;
	export_out_options oo = {.db = s};
	report_thumbs thumbs = {.s = s, .fetch = fetch_media};
	audit_report_opts ro = {.db_name = store_name(s), .where = cli_where_get(where),
				.where_text = where->text, .thumb = cli_report_thumb,
				.thumb_ud = &thumbs};
	int rc = export_out_open(path, &oo, &out, &err);
	/* every figure and list of the report in one snapshot (on a server):
	 * a decision landing meanwhile is in all of them or in none */
	if (rc == ASSAY_OK && (rc = store_shared_read_begin(s, &err)) < 0)
		export_out_abort(out);
	if (rc == ASSAY_OK && (rc = audit_report_html(s, &ro, &html, &err)) < 0)
		export_out_abort(out);
	store_shared_read_end(s);
	if (rc == ASSAY_OK && (rc = export_out_write(out, html.data, html.len, &err)) < 0)
		export_out_abort(out);
	else if (rc == ASSAY_OK)
		rc = export_out_commit(out, &err);
	abuf_free(&html);
	if (rc < 0)
		return cli_fail(&err);
	if (strcmp(path, "-") != 0)
		fprintf(stderr, "wrote %s\n", path);
	return 0;
}

int cmd_report(cli_ctx *ctx, int argc, char **argv)
{
	report_args a = {0};
	int code = cli_opts_parse(ctx, &cli_report_opts, argc, argv, &a, NULL);
	if (!code && !a.path)
		code = cli_usage_error(ctx, "say where to write the report: --html FILE");
	store *s = NULL;
	store_options so = {.readonly = true};
	if (!code && !(code = cli_open_store(ctx, &so, &s))) {
		code = write_report(s, a.path, &a.where, a.fetch_media);
		store_close(s);
	}
	cli_where_free(&a.where);
	return code == CLI_OPTS_DONE ? 0 : code;
}
