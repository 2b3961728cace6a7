/* decide_auto.c — `assay decide --auto`: rejects the undecided samples the
 * newest learned model is sure enough of. "Sure enough" is read from the
 * model's out-of-fold precision table (stored by `assay learn`): the lowest
 * P(reject) threshold whose precision has a 95% Wilson lower bound at or
 * above the target. The decisions are recorded as the annotator
 * auto:learned@VERSION, so they can be told apart and undone together. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/audit.h"
#include "decide_auto.h"

#define PAGE 500
#define EXAMPLES 5

/* The model's precision table from its info JSON; 0 rows when it has none. */
static size_t read_table(const char *info, audit_prec_row rows[AUDIT_PREC_ROWS])
{
	cJSON *root = cJSON_Parse(info ? info : ""), *t = cJSON_GetObjectItem(root, "precision");
	size_t n = 0;
	cJSON *row, *table = cJSON_IsArray(t) ? t : NULL;
	cJSON_ArrayForEach(row, table)
	{
		cJSON *a = cJSON_GetArrayItem(row, 0), *b = cJSON_GetArrayItem(row, 1),
		      *c = cJSON_GetArrayItem(row, 2);
		if (n == AUDIT_PREC_ROWS || !cJSON_IsNumber(a) || !cJSON_IsNumber(b) ||
		    !cJSON_IsNumber(c) || b->valuedouble < c->valuedouble || c->valuedouble < 0)
			break;
		rows[n++] = (audit_prec_row){a->valuedouble, (uint64_t)b->valuedouble,
					     (uint64_t)c->valuedouble};
	}
	cJSON_Delete(root);
	return n;
}

/* Which threshold: 0 with *t and *rate, or the exit code (said why). */
static int pick_threshold(const store_model *m, const decide_auto_opts *o, double *t,
			  audit_rate *rate)
{
	audit_prec_row rows[AUDIT_PREC_ROWS];
	size_t n = read_table(m->info, rows), at;
	if (n == 0) {
		cli_errorf("model version %lld has no out-of-fold precision table (an older "
			   "`assay learn` trained it): run `assay learn` again",
			   (long long)m->version);
		return EXIT_FAIL;
	}
	if (!audit_precision_pick(rows, n, o->precision, AUDIT_Z95, &at, rate)) {
		cli_errorf("no threshold of model version %lld reaches precision %g at 95%% "
			   "confidence: the best, P(reject) >= %g, was right %llu of %llu times out "
			   "of fold (%.3f, lower bound %.3f); more verdicts narrow the interval",
			   (long long)m->version, o->precision, rows[at].t,
			   (unsigned long long)rows[at].k, (unsigned long long)rows[at].n,
			   rate->rate, rate->lo);
		return EXIT_FAIL;
	}
	*t = rows[at].t;
	return 0;
}

static void print_example(const store_auto_row *r)
{
	fputs("  ", stdout);
	cli_put_safe(stdout, r->ext_id);
	printf("  p=%.2f  reason: ", 1.0 - r->value);
	cli_put_safe(stdout, r->likely ? r->likely : "other");
	fputs("  (", stdout);
	cli_put_safe(stdout, r->why);
	fputs(")\n", stdout);
}

/* Walks the samples at or above the threshold: counts them, shows the
 * first few, and (unless a dry run) rejects them as `who`. */
static int walk(store *s, int64_t model, double t, int64_t who, const decide_auto_opts *o,
		int64_t *count, assay_error *err)
{
	double after_value = -INFINITY;
	int64_t after_id = 0;
	*count = 0;
	for (;;) {
		store_auto_row *rows;
		size_t n;
		int rc = store_auto_page(s, model, 1.0 - t, PAGE, &after_value, &after_id, &rows, &n,
					 err);
		if (rc < 0)
			return rc;
		for (size_t i = 0; i < n && *count + (int64_t)i < EXAMPLES; i++)
			print_example(&rows[i]);
		int64_t done = (int64_t)n;
		if (n && !o->dry_run)
			rc = store_auto_reject(s, who, rows, n, o->reason, &done, err);
		*count += rc == ASSAY_OK ? done : 0;
		store_auto_rows_free(rows, n);
		if (rc < 0 || n == 0)
			return rc;
	}
}

static int run(store *s, const store_model *m, const decide_auto_opts *o)
{
	double t;
	audit_rate rate;
	int code = pick_threshold(m, o, &t, &rate);
	if (code)
		return code;
	printf("model version %lld (%lld verdicts): reject where P(reject) >= %g\n",
	       (long long)m->version, (long long)(m->n_rejected + m->n_kept), t);
	printf("out of fold, %llu of %llu such predictions were rejections: precision %.3f "
	       "[%.3f-%.3f] (95%% Wilson; target %g)\n",
	       (unsigned long long)rate.k, (unsigned long long)rate.n, rate.rate, rate.lo, rate.hi,
	       o->precision);
	assay_error err = {0};
	int64_t unscored = 0, who = 0, count = 0;
	char name[64];
	snprintf(name, sizeof name, STORE_AUTO_PREFIX "learned@%lld", (long long)m->version);
	if (store_auto_unscored(s, m->version, &unscored, &err) < 0 ||
	    (!o->dry_run && store_annotator_ensure(s, name, &who, &err) < 0))
		return cli_fail(&err);
	printf("%s, for example:\n", o->dry_run ? "would reject" : "rejecting");
	int rc = walk(s, m->version, t, who, o, &count, &err);
	if (rc < 0) {
		cli_errorf("%s (after %lld rejections)", err.msg, (long long)count);
		return cli_exit_code(rc);
	}
	if (o->dry_run)
		printf("would reject %lld undecided samples as %s\n--dry-run: nothing written\n",
		       (long long)count, name);
	else
		printf("rejected %lld undecided samples as %s; undo them all with: assay decide "
		       "--undo --annotator %s --all\n", (long long)count, name, name);
	if (unscored)
		printf("%lld undecided samples have no learned score of model version %lld and were "
		       "left alone: run `assay score` first\n", (long long)unscored,
		       (long long)m->version);
	return 0;
}

int decide_auto(const cli_ctx *ctx, const decide_auto_opts *o)
{
	store *s = NULL;
	store_options so = {.must_exist = true, .readonly = o->dry_run};
	int code = cli_open_store(ctx, &so, &s);
	if (code)
		return code;
	assay_error err = {0};
	store_model m;
	bool found = false;
	if (store_model_latest(s, "learned", &m, &found, &err) < 0)
		code = cli_fail(&err);
	else if (found)
		code = run(s, &m, o);
	else {
		cli_errorf("no model yet: train one with `assay learn`, then `assay score`");
		code = EXIT_FAIL;
	}
	if (found)
		store_model_free(&m);
	store_close(s);
	return code;
}
