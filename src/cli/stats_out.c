/* stats_out.c — `assay stats` output: rates by group, agreement and scorer
 * calibration as a table fitted to the terminal, as JSON, or as CSV with
 * one column per figure (rate, low, high, n) so scripts read numbers. */
#include "stats_out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "table.h"

/* ---- Cells ---------------------------------------------------------------- */

/* A row being filled, cell by cell (the table takes it). */
typedef struct row {
	char **v;
	size_t n;
} row;

static row row_new(void)
{
	row r = {calloc(CLI_TABLE_MAX_COLS, sizeof(char *)), 0};
	if (!r.v)
		abort();
	return r;
}

static void put(row *r, char *s)
{
	if (r->n < CLI_TABLE_MAX_COLS)
		r->v[r->n++] = s ? s : assay_strdup("?");
	else
		free(s);
}

/* v with the given decimals (and a suffix), or "-" when undefined. */
static char *fmtd(double v, int decimals, const char *suffix)
{
	char buf[64];
	if (isnan(v))
		snprintf(buf, sizeof buf, "-");
	else
		snprintf(buf, sizeof buf, "%.*f%s", decimals, v, suffix);
	return assay_strdup(buf);
}

/* A figure for CSV: the number, or an empty cell when undefined. */
static char *num(double v)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%.6g", isnan(v) ? 0 : v);
	return assay_strdup(isnan(v) ? "" : buf);
}

static char *count(uint64_t v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
	return assay_strdup(buf);
}

static char *rate_cell(const audit_rate *r)
{
	char buf[64];
	if (isnan(r->rate))
		snprintf(buf, sizeof buf, "-");
	else
		snprintf(buf, sizeof buf, "%.1f%% [%.1f-%.1f]", r->rate * 100, r->lo * 100, r->hi * 100);
	return assay_strdup(buf);
}

/* CSV: a rate as four columns (rate, low, high, n), or their headers. */
static void rate_csv(row *r, const audit_rate *v, const char *head)
{
	if (head) {
		static const char *const sfx[] = {"", "_low", "_high", "_n"};
		for (int i = 0; i < 4; i++) {
			char buf[64];
			snprintf(buf, sizeof buf, "%s%s", head, sfx[i]);
			put(r, assay_strdup(buf));
		}
		return;
	}
	put(r, num(v->rate));
	put(r, num(isnan(v->rate) ? NAN : v->lo));
	put(r, num(isnan(v->rate) ? NAN : v->hi));
	put(r, count(v->n));
}

static void emit(cli_table *t, const stats_out *out)
{
	if (out->format == 'c')
		cli_table_csv(t, stdout, out->raw);
	else
		cli_table_print(t, stdout, out->width);
}

/* ---- Groups ----------------------------------------------------------------- */

static const char *by_label(const audit_stats_opts *o, size_t i)
{
	return o->by[i] == AUDIT_BY_FIELD ? o->field : audit_by_name(o->by[i]);
}

/* A key part as tables show it: a value as is, unless it could be taken
 * for a placeholder such as (none): one starting with ( or " is quoted. */
static char *key_text(const audit_group *g, size_t i)
{
	const char *v = g->key[i] ? g->key[i] : "";
	if (g->key_kind[i] != AUDIT_KEY_VALUE || (*v != '(' && *v != '"'))
		return assay_strdup(v);
	abuf b = {0};
	abuf_putc(&b, '"');
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			abuf_putc(&b, '\\');
		abuf_putc(&b, *v);
	}
	abuf_putc(&b, '"');
	return abuf_take(&b);
}

typedef struct col {
	const char *head;
	uint8_t prio; /* 0: always shown; higher: dropped sooner on a narrow terminal */
} col;

static const col group_cols[] = {
	{"decided", 0},    {"accepted", 5},          {"edited", 4},
	{"rejected", 2},   {"reject rate [95% CI]", 0}, {"edit rate [95% CI]", 3},
	{"median s", 6},   {"per hour", 8},          {"edit dist", 7},
	{"words changed", 9},
};

/* --by reason: what each reason is of the rejections and of everything. */
static const col reason_cols[] = {
	{"decisions", 0},  {"share of rejections [95% CI]", 0},
	{"share of decisions [95% CI]", 1}, {"median s", 6}, {"per hour", 8},
};

static void table_keys(row *r, const audit_group *g, const audit_stats_opts *o, bool total)
{
	for (size_t i = 0; i < o->n_by; i++)
		put(r, total ? assay_strdup(i ? "" : "total") : key_text(g, i));
}

static char **group_row(const audit_group *g, const audit_stats_opts *o, bool total)
{
	row r = row_new();
	table_keys(&r, g, o, total);
	if (audit_by_reason_index(o) >= 0) {
		put(&r, count(g->decided));
		put(&r, rate_cell(&g->reason_share));
		put(&r, rate_cell(&g->decision_share));
		put(&r, fmtd(g->median_secs, 1, ""));
		put(&r, fmtd(g->per_hour, 0, ""));
		return r.v;
	}
	put(&r, count(g->decided));
	put(&r, count(g->accepted));
	put(&r, count(g->edited));
	put(&r, count(g->rejected));
	put(&r, rate_cell(&g->reject_rate));
	put(&r, rate_cell(&g->edit_rate));
	put(&r, fmtd(g->median_secs, 1, ""));
	put(&r, fmtd(g->per_hour, 0, ""));
	put(&r, fmtd(g->edit_distance, 2, ""));
	put(&r, fmtd(g->edit_share * 100, 1, "%"));
	return r.v;
}

/* One CSV row of a group (g NULL: the header): numbers only. */
static row group_csv(const audit_group *g, const audit_stats_opts *o)
{
	row r = row_new();
	bool reason = audit_by_reason_index(o) >= 0;
	static const char *const counts[] = {"decided", "accepted", "edited", "rejected"};
	for (size_t i = 0; i < o->n_by; i++)
		put(&r, g ? key_text(g, i) : assay_strdup(by_label(o, i)));
	uint64_t n[4] = {0};
	if (g)
		n[0] = g->decided, n[1] = g->accepted, n[2] = g->edited, n[3] = g->rejected;
	for (size_t i = 0; i < 4; i++)
		put(&r, g ? count(n[i]) : assay_strdup(counts[i]));
	rate_csv(&r, g ? &g->reject_rate : NULL, g ? NULL : "reject_rate");
	rate_csv(&r, g ? &g->edit_rate : NULL, g ? NULL : "edit_rate");
	if (reason) {
		rate_csv(&r, g ? &g->reason_share : NULL, g ? NULL : "share_of_rejections");
		rate_csv(&r, g ? &g->decision_share : NULL, g ? NULL : "share_of_decisions");
	}
	put(&r, g ? num(g->median_secs) : assay_strdup("median_seconds"));
	put(&r, g ? num(g->per_hour) : assay_strdup("per_hour"));
	put(&r, g ? num(g->edit_distance) : assay_strdup("edit_distance"));
	put(&r, g ? num(g->edit_share) : assay_strdup("words_changed_share"));
	return r;
}

static cJSON *jnum(double v)
{
	return isnan(v) ? cJSON_CreateNull() : cJSON_CreateNumber(v);
}

static cJSON *rate_json(const audit_rate *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "rate", jnum(r->rate));
	cJSON_AddItemToObject(o, "lo", jnum(isnan(r->rate) ? NAN : r->lo));
	cJSON_AddItemToObject(o, "hi", jnum(isnan(r->rate) ? NAN : r->hi));
	cJSON_AddNumberToObject(o, "n", (double)r->n);
	return o;
}

/* A key part in JSON: the value, or null and "<key>_none" saying which
 * group of its own it is ("missing", "no reason", "not rejected"). */
static void key_json(cJSON *j, const audit_group *g, const audit_stats_opts *o, size_t i)
{
	static const char *const why[] = {"", "missing", "no reason", "not rejected"};
	const char *name = by_label(o, i);
	if (g->key_kind[i] == AUDIT_KEY_VALUE) {
		cJSON_AddStringToObject(j, name, g->key[i]);
		return;
	}
	char none[256];
	snprintf(none, sizeof none, "%s_none", name);
	cJSON_AddNullToObject(j, name);
	cJSON_AddStringToObject(j, none, why[g->key_kind[i] & 3]);
}

static cJSON *group_json(const audit_group *g, const audit_stats_opts *o, bool total)
{
	cJSON *j = cJSON_CreateObject();
	for (size_t i = 0; !total && i < o->n_by; i++)
		key_json(j, g, o, i);
	cJSON_AddNumberToObject(j, "decided", (double)g->decided);
	cJSON_AddNumberToObject(j, "accepted", (double)g->accepted);
	cJSON_AddNumberToObject(j, "edited", (double)g->edited);
	cJSON_AddNumberToObject(j, "rejected", (double)g->rejected);
	cJSON_AddItemToObject(j, "reject_rate", rate_json(&g->reject_rate));
	cJSON_AddItemToObject(j, "edit_rate", rate_json(&g->edit_rate));
	if (!total && audit_by_reason_index(o) >= 0) {
		cJSON_AddItemToObject(j, "share_of_rejections", rate_json(&g->reason_share));
		cJSON_AddItemToObject(j, "share_of_decisions", rate_json(&g->decision_share));
	}
	cJSON_AddItemToObject(j, "median_seconds", jnum(g->median_secs));
	cJSON_AddItemToObject(j, "per_hour", jnum(g->per_hour));
	cJSON_AddItemToObject(j, "edit_distance", jnum(g->edit_distance));
	cJSON_AddItemToObject(j, "words_changed_share", jnum(g->edit_share));
	return j;
}

static void groups_table(const audit_stats *st, const audit_stats_opts *o, const stats_out *out)
{
	bool reason = audit_by_reason_index(o) >= 0;
	const col *cols = reason ? reason_cols : group_cols;
	size_t ncols = reason ? ASSAY_ARRAY_LEN(reason_cols) : ASSAY_ARRAY_LEN(group_cols);
	cli_table t = {.key_cols = o->n_by};
	row head = row_new();
	for (size_t i = 0; i < o->n_by; i++)
		put(&head, assay_strdup(by_label(o, i)));
	for (size_t i = 0; i < ncols; i++) {
		put(&head, assay_strdup(cols[i].head));
		t.prio[o->n_by + i] = cols[i].prio;
	}
	cli_table_add(&t, head.v, head.n);
	for (size_t i = 0; i < st->n; i++)
		cli_table_add(&t, group_row(&st->groups[i], o, false), head.n);
	if (st->n > 1)
		cli_table_add(&t, group_row(&st->total, o, true), head.n);
	if (st->n == 0)
		printf("no decisions yet%s\n", o->since_ms || o->until_ms ? " in that period" : "");
	else
		emit(&t, out);
	cli_table_free(&t);
}

void stats_print_groups(const audit_stats *st, const audit_stats_opts *o, const stats_out *out)
{
	if (out->format == 'j') {
		cJSON *arr = cJSON_AddArrayToObject(out->root, "groups");
		for (size_t i = 0; i < st->n; i++)
			cJSON_AddItemToArray(arr, group_json(&st->groups[i], o, false));
		cJSON_AddItemToObject(out->root, "total", group_json(&st->total, o, true));
		return;
	}
	if (out->format != 'c') {
		groups_table(st, o, out);
		return;
	}
	cli_table t = {.key_cols = o->n_by};
	row head = group_csv(NULL, o);
	cli_table_add(&t, head.v, head.n);
	for (size_t i = 0; i < st->n; i++)
		cli_table_add(&t, group_csv(&st->groups[i], o).v, head.n);
	emit(&t, out);
	cli_table_free(&t);
}

/* ---- Agreement -------------------------------------------------------------- */

static cJSON *agreement_json(const audit_agreement *a)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "value", jnum(a->value));
	cJSON_AddNumberToObject(o, "items", (double)a->n_items);
	return o;
}

static void agreement_to_json(const audit_agreement_report *r, cJSON *root)
{
	cJSON *o = cJSON_AddObjectToObject(root, "agreement");
	cJSON_AddNumberToObject(o, "samples", (double)r->n_items);
	cJSON_AddNumberToObject(o, "annotators", (double)r->n_raters);
	cJSON_AddItemToObject(o, "fleiss_kappa", agreement_json(&r->fleiss3));
	cJSON_AddItemToObject(o, "fleiss_kappa_keep_reject", agreement_json(&r->fleiss2));
	cJSON_AddItemToObject(o, "krippendorff_alpha", agreement_json(&r->alpha3));
	cJSON_AddItemToObject(o, "krippendorff_alpha_keep_reject", agreement_json(&r->alpha2));
	cJSON *pairs = cJSON_AddArrayToObject(o, "pairs");
	for (size_t i = 0; i < r->n_pairs; i++) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "a", r->pairs[i].a);
		cJSON_AddStringToObject(p, "b", r->pairs[i].b);
		cJSON_AddItemToObject(p, "cohen_kappa", agreement_json(&r->pairs[i].kappa3));
		cJSON_AddItemToObject(p, "cohen_kappa_keep_reject", agreement_json(&r->pairs[i].kappa2));
		cJSON_AddItemToArray(pairs, p);
	}
	cJSON *cs = cJSON_AddArrayToObject(o, "conflicts");
	for (size_t i = 0; i < r->n_conflicts; i++) {
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "id", r->conflicts[i].ext_id);
		cJSON_AddStringToObject(c, "verdicts", r->conflicts[i].verdicts);
		cJSON_AddBoolToObject(c, "keep_vs_reject", r->conflicts[i].keep_reject);
		cJSON_AddItemToArray(cs, c);
	}
}

/* One agreement row: for the table its name in one cell; for CSV the
 * measure and the two annotators (or empty cells) apart, numbers plain. */
static void agreement_row(cli_table *t, bool csv, const char *measure, const char *a,
			  const char *b, const audit_agreement *v3, const audit_agreement *v2)
{
	row r = row_new();
	if (csv) {
		put(&r, assay_strdup(measure));
		put(&r, assay_strdup(a ? a : ""));
		put(&r, assay_strdup(b ? b : ""));
		put(&r, num(v3->value));
		put(&r, num(v2->value));
	} else {
		abuf name = {0};
		if (a)
			abuf_printf(&name, "%s %s / %s", measure, a, b);
		else
			abuf_puts(&name, measure);
		put(&r, abuf_take(&name));
		put(&r, fmtd(v3->value, 3, ""));
		put(&r, fmtd(v2->value, 3, ""));
	}
	put(&r, count(v3->n_items));
	cli_table_add(t, r.v, r.n);
}

static void print_conflicts(const audit_agreement_report *r)
{
	printf("\n%zu conflicting samples:\n", r->n_conflicts);
	for (size_t i = 0; i < r->n_conflicts; i++) {
		printf("  %s ", r->conflicts[i].keep_reject ? "!" : " ");
		cli_put_safe(stdout, r->conflicts[i].ext_id);
		fputs("  ", stdout);
		cli_put_safe(stdout, r->conflicts[i].verdicts);
		putchar('\n');
	}
	printf("(! = keep vs reject; resolve with 'assay review --conflicts')\n");
}

void stats_print_agreement(const audit_agreement_report *r, const stats_out *out)
{
	if (out->format == 'j') {
		agreement_to_json(r, out->root);
		return;
	}
	bool csv = out->format == 'c';
	cli_table t = {.key_cols = csv ? 3 : 1, .prio = {0, 0, 1, 2}};
	if (csv)
		cli_table_addv(&t, 6, "measure", "annotator_a", "annotator_b",
			       "accepted_edited_rejected", "keep_reject", "samples");
	else
		cli_table_addv(&t, 4, "agreement", "accepted/edited/rejected", "keep/reject",
			       "samples");
	agreement_row(&t, csv, "Fleiss' kappa", NULL, NULL, &r->fleiss3, &r->fleiss2);
	agreement_row(&t, csv, "Krippendorff's alpha", NULL, NULL, &r->alpha3, &r->alpha2);
	for (size_t i = 0; i < r->n_pairs; i++)
		agreement_row(&t, csv, "Cohen's kappa", r->pairs[i].a, r->pairs[i].b,
			      &r->pairs[i].kappa3, &r->pairs[i].kappa2);
	if (csv)
		emit(&t, out);
	else if (r->n_items == 0)
		printf("no sample was decided by two or more annotators yet (review with --overlap K)\n");
	else
		emit(&t, out);
	cli_table_free(&t);
	if (!csv && r->n_conflicts)
		print_conflicts(r);
}

/* ---- Calibration ------------------------------------------------------------ */

static cJSON *threshold_json(const audit_threshold *t)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "threshold", jnum(t->t));
	cJSON_AddItemToObject(o, "precision", jnum(t->precision));
	cJSON_AddItemToObject(o, "recall", jnum(t->recall));
	cJSON_AddItemToObject(o, "f1", jnum(t->f1));
	cJSON_AddItemToObject(o, "flagged_share", jnum(t->flagged_share));
	return o;
}

static cJSON *auc_json(const audit_auc_ci *a)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "auc", jnum(a->auc));
	cJSON_AddItemToObject(o, "lo", jnum(a->lo));
	cJSON_AddItemToObject(o, "hi", jnum(a->hi));
	cJSON_AddStringToObject(o, "method", a->method == AUDIT_CI_DELONG      ? "delong"
					     : a->method == AUDIT_CI_BOOTSTRAP ? "bootstrap"
									       : "none");
	return o;
}

static void calibration_to_json(const audit_calibration *c, cJSON *root)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "scorers");
	for (size_t i = 0; i < c->n; i++) {
		const audit_scorer_report *s = &c->v[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "scorer", s->scorer);
		cJSON_AddNumberToObject(o, "samples", (double)s->n);
		cJSON_AddNumberToObject(o, "rejected", (double)s->n_rejected);
		cJSON_AddItemToObject(o, "auc_reject", auc_json(&s->auc));
		cJSON_AddItemToObject(o, "auc_reject_or_edit", auc_json(&s->auc2));
		cJSON_AddItemToObject(o, "at_flag", threshold_json(&s->at_flag));
		cJSON_AddItemToObject(o, "at_95_precision", threshold_json(&s->best95));
		cJSON_AddBoolToObject(o, "in_sample", s->in_sample);
		if (!isnan(s->oof_auc))
			cJSON_AddNumberToObject(o, "out_of_fold_auc", s->oof_auc);
		cJSON_AddItemToArray(arr, o);
	}
}

static char **scorer_row(const audit_scorer_report *s)
{
	row r = row_new();
	char auc[64], below[128];
	if (isnan(s->auc.auc))
		snprintf(auc, sizeof auc, "-");
	else
		snprintf(auc, sizeof auc, "%.3f [%.3f-%.3f]", s->auc.auc, s->auc.lo, s->auc.hi);
	if (s->best95.found)
		snprintf(below, sizeof below, "removes %.1f%%, %.1f%% of them rejected",
			 s->best95.flagged_share * 100, s->best95.precision * 100);
	else
		snprintf(below, sizeof below, "no threshold reaches 95%% precision");
	char name[160];
	snprintf(name, sizeof name, "%s%s", s->scorer, s->in_sample ? "*" : "");
	put(&r, assay_strdup(name));
	put(&r, count(s->n));
	put(&r, assay_strdup(auc));
	put(&r, fmtd(s->auc2.auc, 3, ""));
	put(&r, fmtd(s->at_flag.precision, 2, ""));
	put(&r, fmtd(s->at_flag.recall, 2, ""));
	put(&r, fmtd(s->at_flag.f1, 2, ""));
	put(&r, fmtd(s->best95.t, 3, ""));
	put(&r, assay_strdup(below));
	return r.v;
}

static const char *const scorer_csv_head[] = {
	"scorer", "samples", "rejected", "auc_reject", "auc_reject_low", "auc_reject_high",
	"auc_reject_or_edit", "flag_precision", "flag_recall", "flag_f1",
	"t95", "t95_flagged_share", "t95_precision", "t95_recall", "in_sample",
	"out_of_fold_auc",
};

static char **scorer_csv(const audit_scorer_report *s)
{
	row r = row_new();
	bool f = s->best95.found;
	put(&r, assay_strdup(s->scorer));
	put(&r, count(s->n));
	put(&r, count(s->n_rejected));
	put(&r, num(s->auc.auc));
	put(&r, num(s->auc.lo));
	put(&r, num(s->auc.hi));
	put(&r, num(s->auc2.auc));
	put(&r, num(s->at_flag.precision));
	put(&r, num(s->at_flag.recall));
	put(&r, num(s->at_flag.f1));
	put(&r, num(f ? s->best95.t : NAN));
	put(&r, num(f ? s->best95.flagged_share : NAN));
	put(&r, num(f ? s->best95.precision : NAN));
	put(&r, num(f ? s->best95.recall : NAN));
	put(&r, count(s->in_sample));
	put(&r, num(s->oof_auc));
	return r.v;
}

/* Says which rows are judged against the verdicts their model learned. */
static void in_sample_note(const audit_calibration *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].in_sample && strcmp(c->v[i].scorer, "learned") == 0) {
			printf("* in-sample: the learned model was trained on these verdicts, so its "
			       "figures flatter it");
			if (!isnan(c->v[i].oof_auc))
				printf(";\n  'assay learn' measured its AUC out of fold: %.3f",
				       c->v[i].oof_auc);
			printf(".\n  quality includes the learned score once its model has learned "
			       "enough verdicts\n  ([score.learned] min_verdicts): then its figures "
			       "flatter it too.\n");
		}
}

void stats_print_calibration(const audit_calibration *c, const stats_out *out)
{
	if (out->format == 'j') {
		calibration_to_json(c, out->root);
		return;
	}
	bool csv = out->format == 'c';
	size_t ncols = csv ? ASSAY_ARRAY_LEN(scorer_csv_head) : 9;
	cli_table t = {.key_cols = 1, .prio = {0, 3, 0, 5, 2, 2, 4, 1, 6}};
	row head = row_new();
	static const char *const table_head[] = {"scorer", "samples", "AUC reject [95% CI]",
						 "AUC reject|edit", "flag P", "flag R",
						 "flag F1", "t@95%P", "auto-reject below t"};
	for (size_t i = 0; i < ncols; i++)
		put(&head, assay_strdup(csv ? scorer_csv_head[i] : table_head[i]));
	cli_table_add(&t, head.v, ncols);
	for (size_t i = 0; i < c->n; i++)
		cli_table_add(&t, csv ? scorer_csv(&c->v[i]) : scorer_row(&c->v[i]), ncols);
	if (csv) {
		emit(&t, out);
	} else if (c->n == 0) {
		printf("no scored sample has a human verdict yet\n");
	} else {
		emit(&t, out);
		printf("(rejected: most of a sample's verdicts reject it; flag: the scorer's\n"
		       " configured threshold, which the combined quality score has not)\n");
		in_sample_note(c);
	}
	cli_table_free(&t);
}
