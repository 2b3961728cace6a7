/* cmd_stats.c — `assay stats`: rejection and edit rates by group with
 * confidence intervals, agreement between annotators, and how well each
 * scorer predicts the human verdict; as a table, JSON or CSV. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/audit_stats.h"
#include "cli.h"
#include "stats_out.h"
#include "stats_pairs.h"
#include "table.h"

static const char help[] =
	"usage: assay stats [OPTIONS]\n"
	"\n"
	"Decisions per group: decided, accepted, edited, rejected; rejection and\n"
	"edit rates with 95% Wilson intervals; median seconds per sample and\n"
	"samples per hour; edit size (word edit distance, share of words changed).\n"
	"\n"
	"Options:\n"
	"  --by KEY          group by annotator, batch, reason, day, week, model\n"
	"                    (the record's meta.model) or meta.FIELD; repeat for a\n"
	"                    cross table (default: annotator)\n"
	"  --since DATE      decisions from DATE (YYYY-MM-DD, UTC) on\n"
	"  --until DATE      decisions before DATE\n"
	"  --annotator NAME  only this annotator's decisions\n"
	"  --batch NAME      only this batch\n"
	"  --where EXPR      only the samples of a slice, e.g. 'flagged(repetition)\n"
	"                    and meta.model = \"llava\"' (the same language as\n"
	"                    review, decide and export); every table is of it\n"
	"  --agreement       agreement over samples two or more annotators decided:\n"
	"                    pairwise Cohen's kappa, Fleiss' kappa, Krippendorff's\n"
	"                    alpha (accepted/edited/rejected and keep/reject), and\n"
	"                    the conflicting samples\n"
	"  --scorers         each scorer against the human verdicts: ROC AUC with\n"
	"                    a 95% interval, precision/recall/F1 of its flag, the\n"
	"                    threshold reaching 95% precision\n"
	"  --pairs           the pairs of candidates (import --pair): wins, losses,\n"
	"                    ties and the win rate (95% Wilson) of each generator\n"
	"                    model, its Bradley-Terry score on the Elo scale with a\n"
	"                    bootstrap 95% interval and rank; the share of decisive\n"
	"                    verdicts for the left side (binomial test of 1/2);\n"
	"                    agreement over pairs two or more decided (3-way\n"
	"                    a/b/neither and 2-way); how often the verdicts reverse\n"
	"                    the record's claimed chosen, by batch (table or json)\n"
	"  --format FMT      table (default), json or csv (one column per figure:\n"
	"                    rate, low, high, n)\n"
	"  --wide            every column, however wide the terminal (by default\n"
	"                    a table drops its least needed columns to fit)\n"
	"  --csv-raw         CSV cells as their exact bytes (by default control\n"
	"                    characters are shown as ^[ or <U+009B> and a text\n"
	"                    cell starting with = + - @ TAB or CR gets a ')\n"
	"  -h, --help        this help\n";

/* --by KEY: one more grouping (a record field only once). */
static int add_by(cli_ctx *ctx, audit_stats_opts *o, const char *arg)
{
	int by;
	const char *field = NULL;
	if (audit_by_parse(arg, &by, &field) < 0)
		return cli_usage_error(ctx, "--by: expected annotator, batch, reason, day, week, "
					    "model or meta.FIELD, got \"%s\"", arg);
	if (o->n_by == AUDIT_MAX_BY)
		return cli_usage_error(ctx, "--by: at most %d", AUDIT_MAX_BY);
	if (by == AUDIT_BY_FIELD) {
		if (o->field && strcmp(o->field, field) != 0)
			return cli_usage_error(ctx, "--by: one record field (model or meta.FIELD) at "
						    "a time");
		o->field = field;
	}
	o->by[o->n_by++] = by;
	return 0;
}

static int parse_format(const char *arg)
{
	return strcmp(arg, "table") == 0 ? 't'
	       : strcmp(arg, "json") == 0 ? 'j'
	       : strcmp(arg, "csv") == 0  ? 'c'
					  : 0;
}

/* --where: what the slice holds, in samples (the tables count decisions),
 * as a line above the tables or a "slice" object of the JSON. */
static int slice_head(store *s, const cli_where *w, const stats_out *out, assay_error *err)
{
	int64_t n, decided;
	int rc = store_where_tally(s, &w->w, &n, &decided, err);
	if (rc < 0 || out->format == 'c')
		return rc;
	if (out->format == 'j') {
		cJSON *o = cJSON_AddObjectToObject(out->root, "slice");
		cJSON_AddStringToObject(o, "where", w->text);
		cJSON_AddNumberToObject(o, "samples", (double)n);
		cJSON_AddNumberToObject(o, "decided", (double)decided);
		return rc;
	}
	fputs("where ", stdout);
	cli_put_safe(stdout, w->text);
	printf(": %lld samples, %lld of them decided\n\n", (long long)n, (long long)decided);
	return rc;
}

/* Computes and prints what was asked, from a read-only connection. */
/* --pairs: of the batch named in o, or all. */
static int pairs_run(store *s, const audit_stats_opts *o, const stats_out *out,
		     assay_error *err)
{
	store_batch b = {0};
	int rc = o->batch ? store_batch_by_name(s, o->batch, &b, err) : ASSAY_OK;
	audit_pairs_report r;
	if (rc == ASSAY_OK && (rc = audit_pairs_report_compute(s, b.id, &r, err)) == ASSAY_OK) {
		stats_print_pairs(&r, out->root);
		audit_pairs_report_free(&r);
	}
	if (o->batch && rc != ASSAY_ENOTFOUND)
		store_batch_free(&b);
	return rc;
}

static int run(cli_ctx *ctx, const audit_stats_opts *o, stats_out *out, bool agreement,
	       bool scorers, const cli_where *where)
{
	store *s = NULL;
	store_options so = {.readonly = true};
	int code = cli_open_store(ctx, &so, &s);
	if (code)
		return code;
	assay_error err = {0};
	cJSON *root = out->root = out->format == 'j' ? cJSON_CreateObject() : NULL;
	int rc = where->set ? slice_head(s, where, out, &err) : ASSAY_OK;
	if (rc == ASSAY_OK && out->pairs)
		rc = pairs_run(s, o, out, &err);
	else if (rc == ASSAY_OK && !agreement && !scorers) {
		audit_stats st;
		if ((rc = audit_stats_compute(s, o, &st, &err)) == ASSAY_OK) {
			stats_print_groups(&st, o, out);
			audit_stats_free(&st);
		}
	}
	if (rc == ASSAY_OK && agreement) {
		audit_agreement_report r;
		if ((rc = audit_agreement_compute(s, o->where, &r, &err)) == ASSAY_OK) {
			stats_print_agreement(&r, out);
			audit_agreement_free(&r);
		}
	}
	if (rc == ASSAY_OK && scorers) {
		audit_calibration cal;
		if (agreement && out->format == 't')
			putchar('\n');
		if ((rc = audit_calibration_compute(s, o->where, &cal, &err)) == ASSAY_OK) {
			stats_print_calibration(&cal, out);
			audit_calibration_free(&cal);
		}
	}
	if (root) {
		if (rc == ASSAY_OK) {
			char *text = cJSON_Print(root);
			puts(text ? text : "{}");
			free(text);
		}
		cJSON_Delete(root);
	}
	store_close(s);
	return rc == ASSAY_OK ? 0 : cli_fail(&err);
}

static const struct option longopts[] = {
	{"by", required_argument, NULL, 'b'},
	{"since", required_argument, NULL, 's'},
	{"until", required_argument, NULL, 'u'},
	{"annotator", required_argument, NULL, 'a'},
	{"batch", required_argument, NULL, 'B'},
	{"where", required_argument, NULL, 'w'},
	{"agreement", no_argument, NULL, 'A'},
	{"scorers", no_argument, NULL, 'S'},
	{"pairs", no_argument, NULL, 'P'},
	{"format", required_argument, NULL, 'f'},
	{"wide", no_argument, NULL, 'W'},
	{"csv-raw", no_argument, NULL, 'R'},
	{"help", no_argument, NULL, 'h'},
	{0},
};

int cmd_stats(cli_ctx *ctx, int argc, char **argv)
{
	audit_stats_opts o = {0};
	cli_where where = {0};
	bool agreement = false, scorers = false, wide = false, raw = false, pairs = false;
	int format = 't', c, code;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if ((code = add_by(ctx, &o, optarg)) != 0)
				goto out;
			break;
		case 's':
		case 'u':
			if (!cli_parse_date(optarg, c == 's' ? &o.since_ms : &o.until_ms)) {
				code = cli_usage_error(ctx, "--%s: expected a date YYYY-MM-DD, got \"%s\"",
						       c == 's' ? "since" : "until", optarg);
				goto out;
			}
			break;
		case 'a':
			o.annotator = optarg;
			break;
		case 'B':
			o.batch = optarg;
			break;
		case 'w':
			if ((code = cli_where_parse(ctx, optarg, &where)) != 0)
				goto out;
			break;
		case 'A':
			agreement = true;
			break;
		case 'S':
			scorers = true;
			break;
		case 'P':
			pairs = true;
			break;
		case 'f':
			if (!(format = parse_format(optarg))) {
				code = cli_usage_error(ctx, "--format: expected table, json or csv, got "
							    "\"%s\"", optarg);
				goto out;
			}
			break;
		case 'W':
			wide = true;
			break;
		case 'R':
			raw = true;
			break;
		case 'h':
			fputs(help, stdout);
			code = 0;
			goto out;
		default:
			code = cli_bad_option(ctx, c, argv);
			goto out;
		}
	}
	if (optind < argc) {
		code = cli_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (!o.n_by)
		o.by[o.n_by++] = AUDIT_BY_ANNOTATOR;
	o.where = cli_where_get(&where);
	if (pairs && (agreement || scorers || where.set || format == 'c')) {
		code = cli_usage_error(ctx, "--pairs goes without --agreement, --scorers, --where "
					    "and --format csv");
		goto out;
	}
	stats_out out = {.format = format, .width = cli_table_width(wide), .raw = raw,
			 .pairs = pairs};
	code = run(ctx, &o, &out, agreement, scorers, &where);
out:
	cli_where_free(&where);
	return code;
}
