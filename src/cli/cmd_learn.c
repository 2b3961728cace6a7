/* cmd_learn.c — `assay learn`: trains a model of the human verdict from the
 * database's decisions, reports how good it is out of fold, and stores it
 * as a new version. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/audit.h"
#include "assay/export.h"
#include "assay/learn.h"
#include "cli.h"
#include "opt.h"

#define MODEL_NAME "learned"

typedef struct learn_opts {
	learn_settings s;
	int rule;
	bool scores, dry_run, json, epochs_given;
	char **left_out; /* record fields left out (learn_survey) */
	size_t n_left_out;
} learn_opts;

/* Above this many decided samples one epoch is the default. */
#define LEARN_ONE_EPOCH_ABOVE 100000

/* What one pass over the store needs. */
/* Scores are read for a window of sample ids at a time (one range query
 * instead of one per sample), at most WIN_SCORES per sample. */
#define WINDOW 1024
#define WIN_SCORES 32
/* A verdict at most this many ids after the last one reads a whole window. */
#define NEAR 16

typedef struct feeder {
	store *s;
	learn_trainer *t;
	learn_opts *o;
	learn_record rec;
	learn_survey *survey;
	learn_number *nums;   /* WINDOW * WIN_SCORES */
	size_t *name_off;     /* where each number's name starts in names */
	uint8_t *count;       /* per sample of the window */
	int64_t win_lo, win_hi;
	int64_t last_id;      /* the last sample whose scores were asked for */
	store_verdict *human; /* a row's verdicts but the machine's */
	size_t cap_human;
	abuf names;           /* the numbers' scorer names */
	size_t fed;
	cli_progress progress;
	int64_t total;
	assay_error err;
} feeder;

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The first rejecting verdict's reason (the lead's when adjudicated). */
static const char *reason_of(const store_export_row *row)
{
	if (row->adjudication)
		return row->adjudication->reason;
	for (size_t i = 0; i < row->n_verdicts; i++)
		if (row->verdicts[i].reason)
			return row->verdicts[i].reason;
	return NULL;
}

static int on_score(void *ud, int64_t sample_id, const char *scorer, double value)
{
	feeder *f = ud;
	size_t i = (size_t)(sample_id - f->win_lo);
	if (strcmp(scorer, MODEL_NAME) == 0 || !isfinite(value) || i >= WINDOW ||
	    f->count[i] >= WIN_SCORES)
		return 0; /* never learn from the model's own earlier output */
	size_t k = i * WIN_SCORES + f->count[i]++;
	f->nums[k].value = value;
	/* the name is only valid during the callback: keep a copy */
	f->name_off[k] = f->names.len;
	if (abuf_puts(&f->names, scorer) < 0 || abuf_putc(&f->names, '\0') < 0)
		return assay_fail(&f->err, ASSAY_ENOMEM, "out of memory");
	return 0;
}

/* The scores of the window of ids starting at id, width ids wide. */
static int read_window(feeder *f, int64_t id, int64_t width)
{
	if (!f->nums) {
		f->nums = calloc(WINDOW * WIN_SCORES, sizeof *f->nums);
		f->name_off = calloc(WINDOW * WIN_SCORES, sizeof *f->name_off);
		f->count = calloc(WINDOW, sizeof *f->count);
		if (!f->nums || !f->name_off || !f->count)
			return assay_fail(&f->err, ASSAY_ENOMEM, "out of memory");
	}
	memset(f->count, 0, WINDOW * sizeof *f->count);
	abuf_reset(&f->names);
	f->win_lo = id;
	f->win_hi = id + width - 1;
	if (store_scores_range_each(f->s, f->win_lo, f->win_hi, on_score, f, &f->err) < 0)
		return f->err.code;
	for (size_t i = 0; i < WINDOW; i++)
		for (size_t k = i * WIN_SCORES; k < i * WIN_SCORES + f->count[i]; k++)
			f->nums[k].name = f->names.data + f->name_off[k];
	return 0;
}

/* Sample id's other scores, as numbers (none with --no-scores). */
static int scores_of(feeder *f, int64_t id, const learn_number **nums, size_t *n)
{
	*nums = NULL;
	*n = 0;
	if (!f->o->scores)
		return 0;
	if (!f->nums || id < f->win_lo || id > f->win_hi) {
		/* verdicts close together (a queue decided in order) read a
		 * window; one far from the last reads its own scores alone, so a
		 * few verdicts among many samples read no other sample's */
		bool near = f->last_id && id - f->last_id <= NEAR;
		int rc = read_window(f, id, near ? WINDOW : 1);
		if (rc < 0)
			return rc;
	}
	f->last_id = id;
	size_t i = (size_t)(id - f->win_lo);
	*nums = f->nums + i * WIN_SCORES;
	*n = f->count[i];
	return 0;
}

/* The row with only human verdicts: a model never learns from decisions
 * a model made (`decide --auto`, annotators named auto:...), or its own
 * errors would come back as labels. */
static int human_only(feeder *f, const store_export_row *row, store_export_row *out)
{
	*out = *row;
	size_t n = 0;
	if (ASSAY_GROW(f->human, row->n_verdicts + 1, f->cap_human, 8) < 0)
		return assay_fail(&f->err, ASSAY_ENOMEM, "out of memory");
	for (size_t i = 0; i < row->n_verdicts; i++)
		if (strncmp(row->verdicts[i].annotator, STORE_AUTO_PREFIX,
			    strlen(STORE_AUTO_PREFIX)) != 0)
			f->human[n++] = row->verdicts[i];
	out->verdicts = f->human;
	out->n_verdicts = n;
	return 0;
}

/* The row's verdict as a label into *label: 1 rejected, 0 kept, -1 none
 * to learn (undecided, skipped, or only a machine's); row gets its human
 * verdicts. */
static int label_of(feeder *f, const store_export_row *raw, store_export_row *row, int *label)
{
	if (human_only(f, raw, row) < 0)
		return f->err.code;
	export_resolution res;
	export_resolve(row, f->o->rule, &res);
	*label = res.verdict == EXPORT_REJECTED				       ? 1
		 : res.verdict == EXPORT_ACCEPTED || res.verdict == EXPORT_EDITED ? 0
										   : -1;
	return ASSAY_OK;
}

/* The survey of the first decided records (which fields identify them);
 * stops the read with 1 when it has seen enough. */
static int on_survey(void *ud, const store_export_row *raw)
{
	feeder *f = ud;
	store_export_row row;
	int label = -1, rc = label_of(f, raw, &row, &label);
	if (rc < 0 || label < 0)
		return rc;
	if (learn_record_fields(row.record, row.record_len, row.text_field, NULL, row.text,
				&f->rec) < 0 ||
	    learn_survey_add(f->survey, &f->rec) < 0)
		return assay_fail(&f->err, ASSAY_ENOMEM, "out of memory");
	return learn_survey_records(f->survey) >= LEARN_SURVEY_RECORDS;
}

static int survey(feeder *f)
{
	store_export_filter filter = {.decided = true};
	f->survey = learn_survey_new();
	if (!f->survey)
		return assay_fail(&f->err, ASSAY_ENOMEM, "out of memory");
	int rc = store_export_each(f->s, &filter, on_survey, f, &f->err);
	if (rc >= 0 && learn_survey_result(f->survey, &f->o->left_out, &f->o->n_left_out) < 0)
		rc = assay_fail(&f->err, ASSAY_ENOMEM, "out of memory");
	learn_survey_free(f->survey);
	f->survey = NULL;
	return rc < 0 ? rc : ASSAY_OK;
}

static int on_row(void *ud, const store_export_row *raw)
{
	feeder *f = ud;
	if (stop)
		return assay_fail(&f->err, ASSAY_EINTR, "interrupted");
	store_export_row human, *row = &human;
	int label = -1, rc = label_of(f, raw, &human, &label);
	if (rc < 0 || label < 0)
		return rc;
	bool rejected = label == 1;
	if (!learn_trainer_wants(f->t, (uint64_t)row->sample_id)) {
		/* this pass does not need it: nothing read but the verdict */
		f->fed++;
		return learn_trainer_feed(f->t, NULL, (uint64_t)row->sample_id, rejected, NULL,
					  &f->err);
	}
	/* as the learned scorer sees a sample: without the fields the survey
	 * left out (the model keeps their names for the scorer) */
	if (learn_record_fields(row->record, row->record_len, row->text_field, NULL, row->text,
				&f->rec) < 0)
		return assay_fail(&f->err, ASSAY_ENOMEM, "out of memory");
	learn_record_drop(&f->rec, f->o->left_out, f->o->n_left_out);
	const learn_number *nums;
	size_t n_nums;
	rc = scores_of(f, row->sample_id, &nums, &n_nums);
	if (rc < 0)
		return rc;
	learn_example ex = {f->rec.fields, f->rec.n, nums, n_nums};
	rc = learn_trainer_feed(f->t, &ex, (uint64_t)row->sample_id, rejected,
				rejected ? reason_of(row) : NULL, &f->err);
	if (rc < 0)
		return rc;
	f->fed++;
	cli_progress_update(&f->progress, (int64_t)f->fed, f->total, "verdicts", NULL, false);
	return 0;
}

/* Every pass over the decided samples, inside one read snapshot so each
 * pass sees the same verdicts. */
static int train(feeder *f)
{
	store_export_filter filter = {.decided = true};
	int rc = store_read_begin(f->s, &f->err);
	if (rc < 0)
		return rc;
	learn_trainer_expect(f->t, (size_t)f->total);
	rc = survey(f);
	unsigned passes = learn_trainer_passes(f->t);
	for (unsigned p = 0; rc == 0 && p < passes; p++) {
		f->fed = 0;
		rc = learn_trainer_pass(f->t, p, &f->err);
		/* a later pass runs from the features the first kept, when they fit */
		if (rc == 0 && p > 0 && learn_trainer_replayable(f->t))
			rc = learn_trainer_replay(f->t, &f->err);
		else if (rc == 0)
			rc = store_export_each(f->s, &filter, on_row, f, &f->err);
		if (rc == 0 && p == 0)
			f->total = (int64_t)f->fed;
	}
	store_read_end(f->s);
	cli_progress_done(&f->progress);
	return rc;
}

typedef struct figures {
	audit_auc_ci oof;
	size_t n_eval; /* verdicts with an out-of-fold prediction */
	double progressive;
	learn_eval e;
	audit_prec_row prec[AUDIT_PREC_ROWS]; /* out of fold, for decide --auto */
} figures;

static int compute_figures(learn_trainer *t, figures *fg, assay_error *err)
{
	learn_trainer_eval(t, &fg->e);
	audit_precision_table(fg->e.oof, fg->e.rejected, fg->e.n, fg->prec);
	audit_calib oof = {0}, prog = {0};
	int rc = ASSAY_OK;
	if (audit_calib_reserve(&oof, fg->e.n) < 0 || audit_calib_reserve(&prog, fg->e.n) < 0)
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory for the figures");
	for (size_t i = 0; rc == 0 && i < fg->e.n; i++) {
		/* as a score: 1 = clean, like every scorer's */
		if (fg->e.evaluated[i] && !isfinite(fg->e.oof[i])) {
			rc = assay_fail(err, ASSAY_EINVAL, "verdict %zu has no out-of-fold prediction "
					"(the model diverged); nothing was stored", i);
			break;
		}
		if (fg->e.evaluated[i]) {
			audit_calib_add(&oof, 1.0 - fg->e.oof[i], fg->e.rejected[i]);
			fg->n_eval++;
		}
		if (isfinite(fg->e.progressive[i]))
			audit_calib_add(&prog, 1.0 - fg->e.progressive[i], fg->e.rejected[i]);
	}
	if (rc == 0 && (rc = audit_calib_finish(&oof, err)) == 0 &&
	    (rc = audit_calib_finish(&prog, err)) == 0) {
		fg->progressive = audit_auc(&prog);
		if (fg->n_eval <= AUDIT_BOOTSTRAP_MAX_N)
			rc = audit_auc_bootstrap(&oof, AUDIT_BOOTSTRAP_RESAMPLES, 1, &fg->oof, err);
		else
			audit_auc_delong(&oof, 1.959964, &fg->oof);
	}
	audit_calib_free(&oof);
	audit_calib_free(&prog);
	return rc;
}

/* What the model was trained on and how good it is, as stored with it. */
static cJSON *info_json(const learn_opts *o, const figures *fg, double secs)
{
	cJSON *root = cJSON_CreateObject(), *st = cJSON_AddObjectToObject(root, "settings");
	cJSON_AddNumberToObject(st, "bits", o->s.bits);
	cJSON_AddNumberToObject(st, "ngrams", o->s.ngrams);
	cJSON_AddBoolToObject(st, "char_ngrams", o->s.char_ngrams);
	cJSON_AddNumberToObject(st, "folds", o->s.folds);
	cJSON_AddNumberToObject(st, "epochs", o->s.epochs);
	cJSON_AddNumberToObject(st, "seed", (double)o->s.seed);
	cJSON_AddNumberToObject(st, "eval_max", (double)o->s.eval_max);
	cJSON_AddStringToObject(st, "rule", export_rule_name(o->rule));
	cJSON_AddBoolToObject(st, "scores", o->scores);
	cJSON_AddStringToObject(root, "features",
				o->scores ? "word n-grams and length of each field; scorer values"
					  : "word n-grams and length of each field");
	cJSON *out = cJSON_AddArrayToObject(root, "left_out");
	for (size_t i = 0; i < o->n_left_out; i++)
		cJSON_AddItemToArray(out, cJSON_CreateString(o->left_out[i]));
	cJSON_AddNumberToObject(root, "verdicts", (double)fg->e.n);
	cJSON_AddNumberToObject(root, "rejected", (double)fg->e.n_rejected);
	cJSON_AddNumberToObject(root, "kept", (double)fg->e.n_kept);
	cJSON *auc = cJSON_AddObjectToObject(root, "out_of_fold_auc");
	cJSON_AddNumberToObject(auc, "auc", fg->oof.auc);
	cJSON_AddNumberToObject(auc, "verdicts", (double)fg->n_eval);
	cJSON_AddNumberToObject(auc, "low", fg->oof.lo);
	cJSON_AddNumberToObject(auc, "high", fg->oof.hi);
	cJSON_AddStringToObject(auc, "interval", fg->oof.method == AUDIT_CI_BOOTSTRAP ? "bootstrap"
						 : fg->oof.method == AUDIT_CI_DELONG  ? "delong"
										      : "none");
	cJSON_AddNumberToObject(root, "progressive_auc", fg->progressive);
	/* [t, n, k]: k of the n out-of-fold predictions P(reject) >= t were rejected */
	cJSON *prec = cJSON_AddArrayToObject(root, "precision");
	for (size_t j = 0; j < AUDIT_PREC_ROWS && fg->prec[j].n; j++) {
		cJSON *row = cJSON_CreateArray();
		cJSON_AddItemToArray(row, cJSON_CreateNumber(fg->prec[j].t));
		cJSON_AddItemToArray(row, cJSON_CreateNumber((double)fg->prec[j].n));
		cJSON_AddItemToArray(row, cJSON_CreateNumber((double)fg->prec[j].k));
		cJSON_AddItemToArray(prec, row);
	}
	if (isfinite(fg->e.reason_accuracy))
		cJSON_AddNumberToObject(root, "reason_accuracy", fg->e.reason_accuracy);
	cJSON_AddNumberToObject(root, "seconds", secs);
	return root;
}

static void print_signals(const learn_model *m)
{
	if (!m->n_signals)
		return;
	printf("\nstrongest signals:\n");
	for (size_t i = 0; i < m->n_signals && i < 20; i++) {
		const learn_signal *sg = &m->signals[i];
		char what[256];
		learn_feature_describe(sg->name, what, sizeof what);
		printf("  %-6s  ", sg->weight > 0 ? "reject" : "keep");
		cli_put_safe(stdout, what);
		printf("  (weight %+.2f, in %u verdicts)\n", sg->weight, sg->seen);
	}
}

static void print_report(const learn_opts *o, const figures *fg, const learn_model *m,
			 int64_t version, double secs)
{
	printf("learned from %zu verdicts (%zu rejected, %zu kept) in %.1f s\n", fg->e.n,
	       fg->e.n_rejected, fg->e.n_kept, secs);
	printf("out-of-fold ROC AUC %.3f [%.3f-%.3f] (%u-fold; each verdict predicted by a "
	       "model that never saw it",
	       fg->oof.auc, fg->oof.lo, fg->oof.hi, o->s.folds);
	if (fg->n_eval < fg->e.n)
		printf("; over a random %zu of them", fg->n_eval);
	printf(")\n");
	printf("progressive ROC AUC %.3f (each verdict predicted before it was learned)\n",
	       fg->progressive);
	for (size_t i = 0; i < o->n_left_out; i++) {
		printf(i ? ", " : "left out as identifiers of their records: ");
		cli_put_safe(stdout, o->left_out[i]);
		printf(i + 1 == o->n_left_out ? "\n" : "");
	}
	if (isfinite(fg->e.reason_accuracy))
		printf("reject reason guessed right %.0f%% of %zu times (%zu reasons)\n",
		       fg->e.reason_accuracy * 100, fg->e.reason_n, m->n_reasons);
	print_signals(m);
	if (version)
		printf("\nstored as model version %lld\n", (long long)version);
	else
		printf("\n--dry-run: nothing stored\n");
}

/* Stores the model (one INSERT: a kill leaves the previous version). */
static int save(store *s, const learn_model *m, const char *info, int64_t *version,
		assay_error *err)
{
	store_model sm = {.created_at = assay_now_ms(), .n_rejected = (int64_t)m->n_rejected,
			  .n_kept = (int64_t)m->n_kept, .info = (char *)info};
	int rc = learn_model_save(m, &sm.bytes, &sm.len, err);
	if (rc == 0 && (rc = store_begin(s, err)) == 0) {
		rc = store_model_put(s, MODEL_NAME, &sm, version, err);
		if (rc == 0)
			rc = store_commit(s, err);
		else
			store_rollback(s);
	}
	free(sm.bytes);
	return rc;
}

static int finish(const learn_opts *o, store *s, learn_trainer *t, double secs)
{
	assay_error err = {0};
	figures fg = {0};
	learn_model *m = NULL;
	int64_t version = 0;
	int rc = compute_figures(t, &fg, &err);
	if (rc == 0 && (fg.e.n_rejected < 2 || fg.e.n_kept < 2))
		rc = assay_fail(&err, ASSAY_ECONFLICT,
				"too few verdicts to learn from: %zu rejected and %zu kept (at least "
				"2 of each are needed; a useful model wants hundreds)",
				fg.e.n_rejected, fg.e.n_kept);
	if (rc == 0)
		rc = learn_trainer_model(t, &m, &err);
	if (rc == 0)
		rc = learn_model_left_out(m, o->left_out, o->n_left_out, &err);
	cJSON *info = rc == 0 ? info_json(o, &fg, secs) : NULL;
	char *text = info ? cJSON_PrintUnformatted(info) : NULL;
	if (rc == 0 && !o->dry_run)
		rc = save(s, m, text ? text : "{}", &version, &err);
	if (rc == 0 && o->json) {
		cJSON_AddNumberToObject(info, "version", (double)version);
		char *out = cJSON_PrintUnformatted(info);
		puts(out ? out : "{}");
		free(out);
	} else if (rc == 0) {
		print_report(o, &fg, m, version, secs);
	}
	cJSON_Delete(info);
	free(text);
	learn_model_free(m);
	return rc < 0 ? cli_fail(&err) : 0;
}

/* What the options say; a number not given is -1 (learn_settings_default). */
typedef struct learn_args {
	int rule;
	long folds, epochs, bits, ngrams, seed, eval_max;
	bool char_ngrams, no_scores, dry_run, json;
} learn_args;

static const cli_opt_value rules[] = {
	{"majority", EXPORT_MAJORITY}, {"unanimous", EXPORT_UNANIMOUS},
	{"any-reject", EXPORT_ANY_REJECT}, {"lead", EXPORT_LEAD}, {0},
};

static const cli_opt learn_rows[] = {
	CLI_ENUM("rule", 0, learn_args, rule, "RULE", rules,
		 "resolving several annotators: majority (default),\n"
		 "unanimous, any-reject, lead"),
	CLI_INT("folds", 0, learn_args, folds, "K", 2, 10,
		"k of the out-of-fold figure, 2-10 (default 5)"),
	CLI_INT("epochs", 0, learn_args, epochs, "N", 1, 10,
		"passes over the verdicts, 1-10 (default 2, 1 above\n"
		"100,000 verdicts)"),
	CLI_INT("bits", 0, learn_args, bits, "B", 16, 24, "2^B hashed weights, 16-24 (default 20)"),
	CLI_INT("ngrams", 0, learn_args, ngrams, "N", 1, 3, "word n-grams up to N, 1-3 (default 2)"),
	CLI_FLAG("char-ngrams", 0, learn_args, char_ngrams, "also character 3-5-grams of the text"),
	CLI_FLAG("no-scores", 0, learn_args, no_scores,
		 "leave the other scorers' values out of the features"),
	CLI_INT("seed", 0, learn_args, seed, "N", 0, 0x7fffffff,
		"folds and hashing (default 1): same seed, same model"),
	CLI_INT("eval-max", 0, learn_args, eval_max, "N", 0, 100000000,
		"the fold models learn a random N of the verdicts at most\n"
		"(default 200000; 0: all); the final model learns all"),
	CLI_FLAG("dry-run", 0, learn_args, dry_run, "train and report, store nothing"),
	CLI_FLAG("json", 0, learn_args, json, "the report as JSON"),
	CLI_HELP(),
	CLI_END(),
};

const cli_opts cli_learn_opts = {
	.head = "usage: assay learn [OPTIONS]\n"
		"\n"
		"Trains a model that predicts the human verdict (rejected, or kept:\n"
		"accepted or edited) from each decided sample's text, the other fields of\n"
		"its record (instruction, input, meta.model, ...) and the other scorers'\n"
		"values, and stores it in the database as a new version. Undone decisions\n"
		"do not count; a lead's adjudication wins; several annotators' verdicts\n"
		"are resolved by --rule. The figure printed is honest: every verdict is\n"
		"predicted by a model that never saw it (k-fold, out of fold).\n"
		"\n",
	.rows = learn_rows,
	.column = 20,
};

/* A number given on the command line replaces the default. */
static void given(long v, unsigned *out)
{
	if (v >= 0)
		*out = (unsigned)v;
}

/* The options into *o; returns 0, CLI_OPTS_DONE after --help, or the exit
 * code of a usage error. */
static int parse(const cli_ctx *ctx, int argc, char **argv, learn_opts *o)
{
	learn_args a = {.rule = EXPORT_MAJORITY, .folds = -1, .epochs = -1, .bits = -1,
			.ngrams = -1, .seed = -1, .eval_max = -1};
	int code = cli_opts_parse(ctx, &cli_learn_opts, argc, argv, &a, NULL);
	if (code)
		return code;
	learn_settings_default(&o->s);
	given(a.folds, &o->s.folds);
	given(a.epochs, &o->s.epochs);
	given(a.bits, &o->s.bits);
	given(a.ngrams, &o->s.ngrams);
	if (a.seed >= 0)
		o->s.seed = (uint64_t)a.seed;
	if (a.eval_max >= 0)
		o->s.eval_max = (size_t)a.eval_max;
	if (a.char_ngrams)
		o->s.char_ngrams = true;
	o->rule = a.rule;
	o->scores = !a.no_scores;
	o->dry_run = a.dry_run;
	o->json = a.json;
	o->epochs_given = a.epochs >= 0;
	return 0;
}

int cmd_learn(cli_ctx *ctx, int argc, char **argv)
{
	learn_opts o = {0};
	int code = parse(ctx, argc, argv, &o);
	if (code)
		return code == CLI_OPTS_DONE ? 0 : code;
	store *s = NULL;
	store_options so = {.must_exist = true};
	if ((code = cli_open_store(ctx, &so, &s)))
		return code;
	cli_catch_signals(on_signal);
	feeder f = {.s = s, .o = &o};
	cli_progress_init(&f.progress);
	int64_t t0 = assay_mono_ns();
	/* the write-ahead log folded in here, off the review screen that runs
	 * learn every N decisions and leaves its checkpoints to it
	 * (store_checkpoints_elsewhere) */
	int rc = store_checkpoint(s, &f.err);
	/* the fold models' share is fixed before the first pass, from the
	 * samples with a verdict (not every sample of the database); a second
	 * epoch helps small sets and costs large ones a whole pass */
	if (rc == 0)
		rc = store_decided_count(s, &f.total, &f.err);
	if (rc == 0 && !o.epochs_given)
		o.s.epochs = f.total > LEARN_ONE_EPOCH_ABOVE ? 1 : 2;
	if (rc == 0)
		f.t = learn_trainer_new(&o.s, &f.err);
	rc = rc < 0 ? rc : f.t ? train(&f) : f.err.code;
	double secs = (double)(assay_mono_ns() - t0) / 1e9;
	code = rc < 0 ? cli_fail(&f.err) : finish(&o, s, f.t, secs);
	learn_trainer_free(f.t);
	learn_record_free(&f.rec);
	free(f.nums);
	free(f.name_off);
	free(f.count);
	free(f.human);
	abuf_free(&f.names);
	learn_names_free(o.left_out, o.n_left_out);
	store_close(s);
	return code;
}
