/* cmd_stats.c — `assay stats`: rejection and edit rates by group with
 * confidence intervals, agreement between annotators, and how well each
 * scorer predicts the human verdict; as a table, JSON or CSV. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/audit_stats.h"
#include "cli.h"
#include "opt.h"
#include "stats_out.h"
#include "stats_pairs.h"
#include "table.h"

typedef struct stats_args {
	audit_stats_opts o;
	cli_where where;
	bool agreement, scorers, pairs, wide, raw;
	int format;
} stats_args;

/* --by KEY: one more grouping (a record field only once). */
static int add_by(const cli_ctx *ctx, void *args, const char *arg)
{
	audit_stats_opts *o = &((stats_args *)args)->o;
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

/* --pairs: of the batch and the annotator named in o, or all. */
static int pairs_run(store *s, const audit_stats_opts *o, const stats_out *out,
		     assay_error *err)
{
	store_batch b = {0};
	int rc = o->batch ? store_batch_by_name(s, o->batch, &b, err) : ASSAY_OK;
	if (rc == ASSAY_ENOTFOUND)
		assay_fail(err, rc, "no batch named \"%s\"", o->batch);
	audit_pairs_report r;
	store_prefs_filter f = {.batch_id = b.id, .since_ms = o->since_ms, .until_ms = o->until_ms,
				.where = o->where};
	if (rc == ASSAY_OK && o->annotator &&
	    (rc = store_annotator_find(s, o->annotator, &f.annotator_id, err)) == ASSAY_OK &&
	    !f.annotator_id)
		rc = assay_fail(err, ASSAY_ENOTFOUND, "no annotator named \"%s\"", o->annotator);
	if (rc == ASSAY_OK && (rc = audit_pairs_report_compute(s, &f, &r, err)) == ASSAY_OK) {
		stats_print_pairs(&r, out->root);
		audit_pairs_report_free(&r);
	}
	if (o->batch && rc != ASSAY_ENOTFOUND)
		store_batch_free(&b);
	return rc;
}

/* Computes and prints what was asked, from a read-only connection. */
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
	/* several passes in one snapshot (on a server); a single pass keeps
	 * its parallel readers (each begun in its own, back to back) */
	bool passes = where->set || out->pairs || (agreement && scorers);
	int rc = passes ? store_shared_read_begin(s, &err) : ASSAY_OK;
	if (rc == ASSAY_OK && where->set)
		rc = slice_head(s, where, out, &err);
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
	store_shared_read_end(s);
	store_close(s);
	return rc == ASSAY_OK ? 0 : cli_fail(&err);
}

static const cli_opt_value formats[] = {{"table", 't'}, {"json", 'j'}, {"csv", 'c'}, {0}};

static const cli_opt stats_rows[] = {
	CLI_CALL("by", 0, "KEY", add_by,
		 "group by annotator, batch, reason, day, week, model\n"
		 "(the record's meta.model) or meta.FIELD; repeat for a\n"
		 "cross table (default: annotator)"),
	CLI_DATE("since", stats_args, o.since_ms, "decisions from DATE (YYYY-MM-DD, UTC) on"),
	CLI_DATE("until", stats_args, o.until_ms, "decisions before DATE"),
	CLI_STRING("annotator", 0, stats_args, o.annotator, "NAME",
		   "only this annotator's decisions"),
	CLI_STRING("batch", 0, stats_args, o.batch, "NAME", "only this batch"),
	CLI_WHERE(stats_args, where,
		  "only the samples of a slice, e.g. 'flagged(repetition)\n"
		  "and meta.model = \"llava\"' (the same language as\n"
		  "review, decide and export); every table is of it"),
	CLI_FLAG("agreement", 0, stats_args, agreement,
		 "agreement over samples two or more annotators decided:\n"
		 "pairwise Cohen's kappa, Fleiss' kappa, Krippendorff's\n"
		 "alpha (accepted/edited/rejected and keep/reject), and\n"
		 "the conflicting samples"),
	CLI_FLAG("scorers", 0, stats_args, scorers,
		 "each scorer against the human verdicts: ROC AUC with\n"
		 "a 95% interval, precision/recall/F1 of its flag, the\n"
		 "threshold reaching 95% precision"),
	CLI_FLAG("pairs", 0, stats_args, pairs,
		 "the pairs of candidates (import --pair): wins, losses,\n"
		 "ties and the win rate (95% Wilson) of each generator\n"
		 "model, its Bradley-Terry score on the Elo scale with a\n"
		 "bootstrap 95% interval and rank; the share of decisive\n"
		 "verdicts for the left side (binomial test of 1/2);\n"
		 "agreement over pairs two or more decided (3-way\n"
		 "a/b/neither and 2-way); how often the verdicts reverse\n"
		 "the record's claimed chosen, by batch (table or json);\n"
		 "of the preferences --batch, --annotator, --since,\n"
		 "--until and --where select"),
	CLI_ENUM("format", 0, stats_args, format, "FMT", formats,
		 "table (default), json or csv (one column per figure:\n"
		 "rate, low, high, n)"),
	CLI_FLAG("wide", 0, stats_args, wide,
		 "every column, however wide the terminal (by default\n"
		 "a table drops its least needed columns to fit)"),
	CLI_FLAG("csv-raw", 0, stats_args, raw,
		 "CSV cells as their exact bytes (by default control\n"
		 "characters are shown as ^[ or <U+009B> and a text\n"
		 "cell starting with = + - @ TAB or CR gets a ')"),
	CLI_HELP(),
	CLI_END(),
};

const cli_opts cli_stats_opts = {
	.head = "usage: assay stats [OPTIONS]\n"
		"\n"
		"Decisions per group: decided, accepted, edited, rejected; rejection and\n"
		"edit rates with 95% Wilson intervals; median seconds per sample and\n"
		"samples per hour; edit size (word edit distance, share of words changed).\n"
		"A pair judged both bad is one rejection (of both candidates); a preference\n"
		"(a, b or a tie) rejects nothing: an accept, an edit when the chosen one\n"
		"was corrected.\n"
		"\n",
	.rows = stats_rows,
	.column = 20,
};

int cmd_stats(cli_ctx *ctx, int argc, char **argv)
{
	stats_args a = {.format = 't'};
	int code = cli_opts_parse(ctx, &cli_stats_opts, argc, argv, &a, NULL);
	if (!code && a.pairs && (a.agreement || a.scorers || a.format == 'c' || a.o.n_by))
		code = cli_usage_error(ctx, "--pairs goes without --agreement, --scorers, --by "
					    "and --format csv (its figures are per model)");
	if (!code) {
		if (!a.o.n_by)
			a.o.by[a.o.n_by++] = AUDIT_BY_ANNOTATOR;
		a.o.where = cli_where_get(&a.where);
		stats_out out = {.format = a.format, .width = cli_table_width(a.wide), .raw = a.raw,
				 .pairs = a.pairs};
		code = run(ctx, &a.o, &out, a.agreement, a.scorers, &a.where);
	}
	cli_where_free(&a.where);
	return code == CLI_OPTS_DONE ? 0 : code;
}
