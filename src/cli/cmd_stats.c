/* cmd_stats.c — `assay stats`: rejection and edit rates by group with
 * confidence intervals, agreement between annotators, and how well each
 * scorer predicts the human verdict; as a table, JSON or CSV. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "assay/audit_stats.h"
#include "cli.h"

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
	"  --agreement       agreement over samples two or more annotators decided:\n"
	"                    pairwise Cohen's kappa, Fleiss' kappa, Krippendorff's\n"
	"                    alpha (accepted/edited/rejected and keep/reject), and\n"
	"                    the conflicting samples\n"
	"  --scorers         each scorer against the human verdicts: ROC AUC with\n"
	"                    a 95% interval, precision/recall/F1 of its flag, the\n"
	"                    threshold reaching 95% precision\n"
	"  --format FMT      table (default), json or csv\n"
	"  -h, --help        this help\n";

/* A plain table: rows of cells, printed with columns sized to fit. */
typedef struct table {
	char ***cells;
	size_t rows, cols;
} table;

static void table_row(table *t, size_t cols, ...)
{
	va_list ap;
	va_start(ap, cols);
	char **row = calloc(cols, sizeof *row);
	for (size_t i = 0; i < cols; i++)
		row[i] = assay_strdup(va_arg(ap, const char *));
	va_end(ap);
	t->cells = realloc(t->cells, (t->rows + 1) * sizeof *t->cells);
	t->cells[t->rows++] = row;
	t->cols = cols;
}

static void table_add(table *t, char **row, size_t cols)
{
	t->cells = realloc(t->cells, (t->rows + 1) * sizeof *t->cells);
	t->cells[t->rows++] = row;
	t->cols = cols;
}

static int term_width(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	/* not a terminal: never cut anything */
	return 1 << 20;
}

/* Prints the table; on a terminal the key columns shrink (to no less than
 * 16 columns, cut values ending in "~") to fit its width. */
static void table_print(table *t, size_t key_cols)
{
	size_t w[32] = {0};
	for (size_t r = 0; r < t->rows; r++)
		for (size_t c = 0; c < t->cols && c < 32; c++) {
			size_t n = strlen(t->cells[r][c]);
			if (n > w[c])
				w[c] = n;
		}
	int total = 0;
	for (size_t c = 0; c < t->cols; c++)
		total += (int)w[c] + 2;
	int over = total - term_width();
	for (size_t c = 0; c < key_cols && over > 0; c++) {
		size_t cut = ASSAY_MIN((size_t)over, w[c] > 16 ? w[c] - 16 : 0);
		w[c] -= cut;
		over -= (int)cut;
	}
	for (size_t r = 0; r < t->rows; r++) {
		for (size_t c = 0; c < t->cols; c++) {
			const char *v = t->cells[r][c];
			char cell[256];
			if (strlen(v) > w[c])
				snprintf(cell, sizeof cell, "%.*s~", (int)w[c] - 1, v);
			else
				snprintf(cell, sizeof cell, "%s", v);
			if (c < key_cols) {
				cli_put_safe(stdout, cell);
				printf("%*s", (int)(w[c] - strlen(cell)) + 2, "");
			} else {
				printf("%*s  ", (int)w[c], cell);
			}
		}
		putchar('\n');
		if (r == 0) {
			for (size_t c = 0; c < t->cols; c++)
				for (size_t k = 0; k < w[c] + 2; k++)
					putchar('-');
			putchar('\n');
		}
	}
}

static void table_free(table *t)
{
	for (size_t r = 0; r < t->rows; r++) {
		for (size_t c = 0; c < t->cols; c++)
			free(t->cells[r][c]);
		free(t->cells[r]);
	}
	free(t->cells);
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

static char *rate_cell(const audit_rate *r)
{
	char buf[64];
	if (isnan(r->rate))
		snprintf(buf, sizeof buf, "-");
	else
		snprintf(buf, sizeof buf, "%.1f%% [%.1f-%.1f]", r->rate * 100, r->lo * 100, r->hi * 100);
	return assay_strdup(buf);
}

static char *count(uint64_t v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
	return assay_strdup(buf);
}

static const char *const group_cols[] = {"decided", "accepted", "edited", "rejected",
					 "reject rate [95% CI]", "edit rate [95% CI]",
					 "median s", "per hour", "edit dist", "words changed"};

static char **group_cells(const audit_group *g, const audit_stats_opts *o, bool total)
{
	size_t n = o->n_by + ASSAY_ARRAY_LEN(group_cols), k = 0;
	char **row = calloc(n, sizeof *row);
	for (size_t i = 0; i < o->n_by; i++)
		row[k++] = assay_strdup(total ? (i ? "" : "total") : g->key[i]);
	row[k++] = count(g->decided);
	row[k++] = count(g->accepted);
	row[k++] = count(g->edited);
	row[k++] = count(g->rejected);
	row[k++] = rate_cell(&g->reject_rate);
	row[k++] = rate_cell(&g->edit_rate);
	row[k++] = fmtd(g->median_secs, 1, "");
	row[k++] = fmtd(g->per_hour, 0, "");
	row[k++] = fmtd(g->edit_distance, 2, "");
	row[k++] = fmtd(g->edit_share * 100, 1, "%");
	return row;
}

static void csv_cell(const char *s, bool last)
{
	bool q = strpbrk(s, ",\"\r\n") != NULL;
	if (q) {
		putchar('"');
		for (const char *p = s; *p; p++) {
			if (*p == '"')
				putchar('"');
			putchar(*p);
		}
		putchar('"');
	} else {
		fputs(s, stdout);
	}
	fputs(last ? "\r\n" : ",", stdout);
}

static cJSON *num(double v)
{
	return isnan(v) ? cJSON_CreateNull() : cJSON_CreateNumber(v);
}

static cJSON *rate_json(const audit_rate *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "rate", num(r->rate));
	cJSON_AddItemToObject(o, "lo", num(r->lo));
	cJSON_AddItemToObject(o, "hi", num(r->hi));
	return o;
}

static cJSON *group_json(const audit_group *g, const audit_stats_opts *o, bool total)
{
	cJSON *j = cJSON_CreateObject();
	if (!total)
		for (size_t i = 0; i < o->n_by; i++)
			cJSON_AddStringToObject(j, o->by[i] == AUDIT_BY_FIELD ? o->field
									: audit_by_name(o->by[i]),
						g->key[i]);
	cJSON_AddNumberToObject(j, "decided", (double)g->decided);
	cJSON_AddNumberToObject(j, "accepted", (double)g->accepted);
	cJSON_AddNumberToObject(j, "edited", (double)g->edited);
	cJSON_AddNumberToObject(j, "rejected", (double)g->rejected);
	cJSON_AddItemToObject(j, "reject_rate", rate_json(&g->reject_rate));
	cJSON_AddItemToObject(j, "edit_rate", rate_json(&g->edit_rate));
	cJSON_AddItemToObject(j, "median_seconds", num(g->median_secs));
	cJSON_AddItemToObject(j, "per_hour", num(g->per_hour));
	cJSON_AddItemToObject(j, "edit_distance", num(g->edit_distance));
	cJSON_AddItemToObject(j, "words_changed_share", num(g->edit_share));
	return j;
}

static int print_groups(const audit_stats *st, const audit_stats_opts *o, int format, cJSON *root)
{
	if (format == 'j') {
		cJSON *arr = cJSON_AddArrayToObject(root, "groups");
		for (size_t i = 0; i < st->n; i++)
			cJSON_AddItemToArray(arr, group_json(&st->groups[i], o, false));
		cJSON_AddItemToObject(root, "total", group_json(&st->total, o, true));
		return 0;
	}
	size_t ncols = o->n_by + ASSAY_ARRAY_LEN(group_cols);
	char **head = calloc(ncols, sizeof *head);
	for (size_t i = 0; i < o->n_by; i++)
		head[i] = assay_strdup(o->by[i] == AUDIT_BY_FIELD ? o->field : audit_by_name(o->by[i]));
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(group_cols); i++)
		head[o->n_by + i] = assay_strdup(group_cols[i]);
	table t = {0};
	table_add(&t, head, ncols);
	for (size_t i = 0; i < st->n; i++)
		table_add(&t, group_cells(&st->groups[i], o, false), ncols);
	if (format == 'c') {
		for (size_t r = 0; r < t.rows; r++)
			for (size_t c = 0; c < t.cols; c++)
				csv_cell(t.cells[r][c], c + 1 == t.cols);
	} else {
		if (st->n > 1)
			table_add(&t, group_cells(&st->total, o, true), ncols);
		if (st->n == 0)
			printf("no decisions yet%s\n", o->since_ms || o->until_ms ? " in that period" : "");
		else
			table_print(&t, o->n_by);
	}
	table_free(&t);
	return 0;
}

static cJSON *agreement_json(const audit_agreement *a)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "value", num(a->value));
	cJSON_AddNumberToObject(o, "items", (double)a->n_items);
	return o;
}

static void print_agreement(const audit_agreement_report *r, int format, cJSON *root)
{
	if (format == 'j') {
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
			cJSON_AddItemToObject(p, "cohen_kappa_keep_reject",
					      agreement_json(&r->pairs[i].kappa2));
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
		return;
	}
	table t = {0};
	table_row(&t, 4, "agreement", "accepted/edited/rejected", "keep/reject", "samples");
	char *a = fmtd(r->fleiss3.value, 3, ""), *b = fmtd(r->fleiss2.value, 3, "");
	char *n = count(r->fleiss3.n_items);
	table_row(&t, 4, "Fleiss' kappa", a, b, n);
	free(a), free(b), free(n);
	a = fmtd(r->alpha3.value, 3, ""), b = fmtd(r->alpha2.value, 3, "");
	n = count(r->alpha3.n_items);
	table_row(&t, 4, "Krippendorff's alpha", a, b, n);
	free(a), free(b), free(n);
	for (size_t i = 0; i < r->n_pairs; i++) {
		char name[256];
		snprintf(name, sizeof name, "Cohen's kappa %s / %s", r->pairs[i].a, r->pairs[i].b);
		a = fmtd(r->pairs[i].kappa3.value, 3, ""), b = fmtd(r->pairs[i].kappa2.value, 3, "");
		n = count(r->pairs[i].kappa3.n_items);
		table_row(&t, 4, name, a, b, n);
		free(a), free(b), free(n);
	}
	if (format == 'c') {
		for (size_t row = 0; row < t.rows; row++)
			for (size_t c = 0; c < t.cols; c++)
				csv_cell(t.cells[row][c], c + 1 == t.cols);
		table_free(&t);
		return;
	}
	if (r->n_items == 0)
		printf("no sample was decided by two or more annotators yet (review with --overlap K)\n");
	else
		table_print(&t, 1);
	table_free(&t);
	if (r->n_conflicts) {
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
}

static cJSON *threshold_json(const audit_threshold *t)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "threshold", num(t->t));
	cJSON_AddItemToObject(o, "precision", num(t->precision));
	cJSON_AddItemToObject(o, "recall", num(t->recall));
	cJSON_AddItemToObject(o, "f1", num(t->f1));
	cJSON_AddItemToObject(o, "flagged_share", num(t->flagged_share));
	return o;
}

static cJSON *auc_json(const audit_auc_ci *a)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "auc", num(a->auc));
	cJSON_AddItemToObject(o, "lo", num(a->lo));
	cJSON_AddItemToObject(o, "hi", num(a->hi));
	cJSON_AddStringToObject(o, "method", a->method == AUDIT_CI_DELONG ? "delong"
					     : a->method == AUDIT_CI_BOOTSTRAP ? "bootstrap"
					     : "none");
	return o;
}

static void print_calibration(const audit_calibration *c, int format, cJSON *root)
{
	if (format == 'j') {
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
			cJSON_AddItemToArray(arr, o);
		}
		return;
	}
	table t = {0};
	table_row(&t, 9, "scorer", "samples", "AUC reject [95% CI]", "AUC reject|edit", "flag P",
		  "flag R", "flag F1", "t@95%P", "auto-reject below t");
	for (size_t i = 0; i < c->n; i++) {
		const audit_scorer_report *s = &c->v[i];
		char auc[64], auc2[32], below[128];
		if (isnan(s->auc.auc))
			snprintf(auc, sizeof auc, "-");
		else
			snprintf(auc, sizeof auc, "%.3f [%.3f-%.3f]", s->auc.auc, s->auc.lo, s->auc.hi);
		if (isnan(s->auc2.auc))
			snprintf(auc2, sizeof auc2, "-");
		else
			snprintf(auc2, sizeof auc2, "%.3f", s->auc2.auc);
		if (s->best95.found)
			snprintf(below, sizeof below, "removes %.1f%%, %.1f%% of them rejected",
				 s->best95.flagged_share * 100, s->best95.precision * 100);
		else
			snprintf(below, sizeof below, "no threshold reaches 95%% precision");
		char *n = count(s->n), *p = fmtd(s->at_flag.precision, 2, "");
		char *r = fmtd(s->at_flag.recall, 2, ""), *f = fmtd(s->at_flag.f1, 2, "");
		char *th = fmtd(s->best95.t, 3, "");
		table_row(&t, 9, s->scorer, n, auc, auc2, p, r, f, th, below);
		free(n), free(p), free(r), free(f), free(th);
	}
	if (format == 'c') {
		for (size_t row = 0; row < t.rows; row++)
			for (size_t col = 0; col < t.cols; col++)
				csv_cell(t.cells[row][col], col + 1 == t.cols);
	} else if (c->n == 0) {
		printf("no scored sample has a human verdict yet\n");
	} else {
		table_print(&t, 1);
		printf("(a sample counts as rejected when most of its verdicts reject it; the flag is "
		       "each scorer's configured threshold)\n");
	}
	table_free(&t);
}

int cmd_stats(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"by", required_argument, NULL, 'b'},
		{"since", required_argument, NULL, 's'},
		{"until", required_argument, NULL, 'u'},
		{"annotator", required_argument, NULL, 'a'},
		{"batch", required_argument, NULL, 'B'},
		{"agreement", no_argument, NULL, 'A'},
		{"scorers", no_argument, NULL, 'S'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	audit_stats_opts o = {0};
	bool agreement = false, scorers = false;
	int format = 't', c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': {
			int by;
			const char *field = NULL;
			if (audit_by_parse(optarg, &by, &field) < 0)
				return cli_usage_error(ctx, "--by: expected annotator, batch, reason, day, "
							    "week, model or meta.FIELD, got \"%s\"", optarg);
			if (o.n_by == AUDIT_MAX_BY)
				return cli_usage_error(ctx, "--by: at most %d", AUDIT_MAX_BY);
			if (by == AUDIT_BY_FIELD) {
				if (o.field && strcmp(o.field, field) != 0)
					return cli_usage_error(ctx, "--by: one record field (model or "
								    "meta.FIELD) at a time");
				o.field = field;
			}
			o.by[o.n_by++] = by;
			break;
		}
		case 's':
		case 'u':
			if (!cli_parse_date(optarg, c == 's' ? &o.since_ms : &o.until_ms))
				return cli_usage_error(ctx, "--%s: expected a date YYYY-MM-DD, got \"%s\"",
						       c == 's' ? "since" : "until", optarg);
			break;
		case 'a':
			o.annotator = optarg;
			break;
		case 'B':
			o.batch = optarg;
			break;
		case 'A':
			agreement = true;
			break;
		case 'S':
			scorers = true;
			break;
		case 'f':
			if (strcmp(optarg, "table") == 0)
				format = 't';
			else if (strcmp(optarg, "json") == 0)
				format = 'j';
			else if (strcmp(optarg, "csv") == 0)
				format = 'c';
			else
				return cli_usage_error(ctx, "--format: expected table, json or csv, got "
							    "\"%s\"", optarg);
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
	if (!o.n_by)
		o.by[o.n_by++] = AUDIT_BY_ANNOTATOR;
	store *s = NULL;
	store_options so = {.readonly = true};
	int code = cli_open_store(ctx, &so, &s);
	if (code)
		return code;
	assay_error err = {0};
	cJSON *root = format == 'j' ? cJSON_CreateObject() : NULL;
	int rc = ASSAY_OK;
	if (!agreement && !scorers) {
		audit_stats st;
		if ((rc = audit_stats_compute(s, &o, &st, &err)) == ASSAY_OK) {
			print_groups(&st, &o, format, root);
			audit_stats_free(&st);
		}
	}
	if (rc == ASSAY_OK && agreement) {
		audit_agreement_report r;
		if ((rc = audit_agreement_compute(s, &r, &err)) == ASSAY_OK) {
			print_agreement(&r, format, root);
			audit_agreement_free(&r);
		}
	}
	if (rc == ASSAY_OK && scorers) {
		audit_calibration cal;
		if (agreement && format == 't')
			putchar('\n');
		if ((rc = audit_calibration_compute(s, &cal, &err)) == ASSAY_OK) {
			print_calibration(&cal, format, root);
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
