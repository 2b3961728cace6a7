/* calib_run.c — scorer calibration against the human verdicts, gathered
 * from the store on several cores: the verdicts by ranges of sample ids;
 * then the combined scores and every scorer's values in one scan of the
 * packed score rows (by finer ranges), each filed by verdict; then each
 * score's row of the report (its values counted by value, tally.h, and
 * the distinct values sorted) on the workers again. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assay/audit_stats.h"
#include "readers.h"
#include "tally.h"

/* One score's values by verdict class, each value counted once (kept,
 * edited by most, rejected by most; tally.h: a few distinct values each,
 * as most scorers give, cost a small table, not a list per sample), and
 * its confusion counts at the configured flag (over one range of samples,
 * or all of them). The two splits the report measures (bad = rejected by
 * most; bad = rejected or edited by most) are merged from the three
 * classes' sorted counts. */
typedef struct split {
	tally by[3]; /* by class - 1: kept, edited by most, rejected by most */
	uint64_t tp, fp, fn, tn;
	size_t n;
} split;

static void split_free(split *sp)
{
	for (int k = 0; k < 3; k++)
		tally_free(&sp->by[k]);
}

/* The whole computation. Phase one's tasks, for parallel workers each with
 * its own reader connection (all in read transactions begun together):
 * the first n_rg read the verdicts of one range of sample ids each into
 * cls; the rest wait for the verdicts (they are all handed out before, so
 * they are running or done), then file values under their sample's
 * verdict: the next the combined score of every sample (its index read
 * whole, in sp[n_sc][0]), the last n_sc the score rows of range r (a
 * finer split than the verdicts', so the two cores end together), in
 * sp[r][slot]. Phase two: a task per score joins its ranges and computes
 * its row. cls holds 2 bits per sample (a million samples in 250 KB,
 * which stays in cache for the random lookups): 0 undecided, 1 kept, 2
 * edited by most (rejected-or-edited, but not rejected), 3 rejected by
 * most. Verdict ranges start at multiples of 4, so no byte of cls is
 * written by two tasks. */
typedef struct calib_run {
	audit_readers readers;
	uint8_t *cls;
	int64_t max_id, chunk, sc_chunk;
	const store_where *where; /* the verdicts of this slice only, or NULL */
	size_t n_rg, n_sc;	  /* verdict ranges, score ranges */
	atomic_int verdicts_done;
	atomic_int verdicts_failed;
	char **slots; /* scorer names by slot, NULL for a free slot */
	size_t n_slots;
	split *sp;    /* sp[r * n_slots + slot]; the combined score's at n_sc * n_slots */
	audit_scorer_report *out; /* by slot, the combined score last */
} calib_run;

/* What a range task's callbacks need. */
typedef struct range_ctx {
	const calib_run *c;
	split *sp; /* this range's splits, by slot */
} range_ctx;

static int on_counts(void *ud, int64_t id, int rejected, int edited, int total)
{
	calib_run *c = ud;
	if (id < 0 || id > c->max_id)
		return 0;
	unsigned k = 2 * rejected >= total ? 3 : 2 * (rejected + edited) >= total ? 2 : 1;
	c->cls[id >> 2] |= (uint8_t)(k << (2 * (id & 3)));
	return 0;
}

/* The verdict class of a sample (0: undecided or out of range). */
static unsigned class_of(const calib_run *c, int64_t id)
{
	if (id < 0 || id > c->max_id)
		return 0;
	return c->cls[id >> 2] >> (2 * (id & 3)) & 3;
}

/* Files one value under verdict class k (failed scores are left out).
 * ASSAY_ENOMEM. */
static int classify(split *sp, unsigned k, double value, bool flagged)
{
	if (isnan(value))
		return 0;
	if (tally_add(&sp->by[k - 1], value) < 0)
		return ASSAY_ENOMEM;
	bool bad = k == 3;
	sp->n++;
	sp->tp += flagged && bad;
	sp->fp += flagged && !bad;
	sp->fn += !flagged && bad;
	sp->tn += !flagged && !bad;
	return 0;
}

static int on_row(void *ud, int64_t id, const double *vals, size_t n, uint64_t flags)
{
	range_ctx *r = ud;
	unsigned k = class_of(r->c, id);
	if (!k)
		return 0;
	if (n > r->c->n_slots)
		n = r->c->n_slots;
	for (size_t slot = 0; slot < n; slot++) {
		if (!r->c->slots[slot])
			continue;
		if (classify(&r->sp[slot], k, vals[slot], flags >> slot & 1) < 0)
			return ASSAY_ENOMEM;
	}
	return 0;
}

static int on_quality(void *ud, int64_t id, double value)
{
	calib_run *c = ud;
	unsigned k = class_of(c, id);
	return k ? classify(&c->sp[c->n_sc * c->n_slots], k, value, false) : 0;
}

/* Waits for every verdict task (ASSAY_ECONFLICT when one failed: its
 * error is the one reported). */
static int wait_verdicts(calib_run *c)
{
	while (atomic_load(&c->verdicts_done) < (int)c->n_rg)
		nanosleep(&(struct timespec){.tv_nsec = 100000}, NULL);
	return atomic_load(&c->verdicts_failed) ? ASSAY_ECONFLICT : ASSAY_OK;
}

/* The combined score's task: every sample's value, filed by its verdict. */
static int read_quality(calib_run *c, store *s, assay_error *err)
{
	int rc = wait_verdicts(c);
	if (rc == ASSAY_OK)
		rc = store_quality_each(s, on_quality, c, err);
	return rc == ASSAY_ENOMEM ? assay_fail(err, rc, "out of memory") : rc;
}

/* Verdict task i: the samples of its range of ids. */
static int read_verdicts(calib_run *c, store *s, size_t i, assay_error *err)
{
	int64_t first = (int64_t)i * c->chunk;
	int64_t last = i + 1 == c->n_rg ? INT64_MAX : first + c->chunk - 1;
	int rc = store_verdict_counts_each(s, c->where, first, last, on_counts, c, err);
	if (rc < 0)
		atomic_store(&c->verdicts_failed, 1);
	atomic_fetch_add(&c->verdicts_done, 1);
	return rc;
}

/* Score task i: waits for the verdicts, then files the values of its
 * range. */
static int read_scores(calib_run *c, store *s, size_t i, assay_error *err)
{
	int rc = wait_verdicts(c);
	if (rc < 0)
		return rc;
	range_ctx r = {.c = c, .sp = &c->sp[i * c->n_slots]};
	int64_t first = (int64_t)i * c->sc_chunk;
	int64_t last = i + 1 == c->n_sc ? INT64_MAX : first + c->sc_chunk - 1;
	rc = store_score_rows_each(s, first, last, on_row, &r, err);
	return rc == ASSAY_ENOMEM ? assay_fail(err, rc, "out of memory") : rc;
}

static int phase_one(void *ud, size_t worker, size_t task, assay_error *err)
{
	calib_run *c = ud;
	store *s = c->readers.s[worker];
	return task < c->n_rg	 ? read_verdicts(c, s, task, err)
	       : task == c->n_rg ? read_quality(c, s, err)
				 : read_scores(c, s, task - c->n_rg - 1, err);
}

/* Adds b's values and counts to a, emptying b (ASSAY_ENOMEM). */
static int split_join(split *a, split *b)
{
	for (int k = 0; k < 3; k++)
		if (tally_join(&a->by[k], &b->by[k]) < 0)
			return ASSAY_ENOMEM;
	a->tp += b->tp;
	a->fp += b->fp;
	a->fn += b->fn;
	a->tn += b->tn;
	a->n += b->n;
	return 0;
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : NAN;
}

/* The confusion counts at the scorer's own flag. */
static void at_flag(const split *sp, bool quality, audit_threshold *th)
{
	uint64_t tp = sp->tp, fp = sp->fp, fn = sp->fn, tn = sp->tn;
	*th = (audit_threshold){.t = NAN, .tp = tp, .fp = fp, .fn = fn, .tn = tn};
	th->precision = ratio(tp, tp + fp);
	th->recall = ratio(tp, tp + fn);
	th->f1 = isnan(th->precision) || isnan(th->recall) ? NAN
		 : th->precision + th->recall == 0 ? 0
		 : 2 * th->precision * th->recall / (th->precision + th->recall);
	th->flagged_share = ratio(tp + fp, sp->n);
	th->found = tp + fp > 0;
	/* The combined score has no flag: nothing to measure, not zeros. */
	if (quality)
		th->precision = th->recall = th->f1 = th->flagged_share = NAN;
}

/* The row's figures from the two splits. */
static int figures(const audit_calib *c1, const audit_calib *c2, audit_scorer_report *out,
		   assay_error *err)
{
	int rc = audit_auc_ci_auto(c1, &out->auc, err);
	if (rc == ASSAY_OK)
		rc = audit_auc_ci_auto(c2, &out->auc2, err);
	if (rc == ASSAY_OK)
		rc = audit_histogram(c1, 10, out->hist_bad, out->hist_good, err);
	if (rc == ASSAY_OK)
		audit_best_threshold(c1, 0.95, &out->best95);
	return rc;
}

/* One score's row of the report, from its values by class: each class's
 * distinct values sorted with their counts, the two splits merged from
 * them. */
static int report(split *sp, const char *name, bool quality, audit_scorer_report *out,
		  assay_error *err)
{
	tally_list cls[3] = {{0}}, good1 = {0}, bad2 = {0};
	int rc = ASSAY_OK;
	memset(out, 0, sizeof *out);
	if (!(out->scorer = assay_strdup(name)))
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	for (int k = 0; k < 3 && rc == ASSAY_OK; k++)
		rc = tally_sorted(&sp->by[k], &cls[k].v, &cls[k].w, &cls[k].k, err);
	tally_list *kept = &cls[0], *edited = &cls[1], *rejected = &cls[2];
	if (rc == ASSAY_OK && (tally_list_merge(kept, edited, &good1) < 0 ||
			       tally_list_merge(edited, rejected, &bad2) < 0))
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	if (rc == ASSAY_OK) {
		audit_calib c1 = {.bad = rejected->v, .n_bad = rejected->k, .bad_w = rejected->w,
				  .good = good1.v, .n_good = good1.k, .good_w = good1.w};
		audit_calib c2 = {.bad = bad2.v, .n_bad = bad2.k, .bad_w = bad2.w,
				  .good = kept->v, .n_good = kept->k, .good_w = kept->w};
		rc = figures(&c1, &c2, out, err);
		out->n = sp->n;
		out->n_rejected = audit_calib_bad_total(&c1);
		out->n_bad2 = audit_calib_bad_total(&c2);
		at_flag(sp, quality, &out->at_flag);
	}
	for (int k = 0; k < 3; k++)
		tally_list_free(&cls[k]);
	tally_list_free(&good1);
	tally_list_free(&bad2);
	split_free(sp);
	return rc;
}

/* Phase two, task k: slot k's ranges joined into range 0's, then its row
 * (task n_slots: the combined score). */
static int phase_two(void *ud, size_t worker, size_t k, assay_error *err)
{
	(void)worker;
	calib_run *c = ud;
	if (k == c->n_slots) {
		return report(&c->sp[c->n_sc * c->n_slots], "quality", true, &c->out[k], err);
	}
	if (!c->slots[k])
		return ASSAY_OK;
	split *first = &c->sp[k];
	for (size_t r = 1; r < c->n_sc; r++) {
		int rc = split_join(first, &c->sp[r * c->n_slots + k]);
		if (rc < 0)
			return assay_fail(err, rc, "out of memory");
	}
	return report(first, c->slots[k], false, &c->out[k], err);
}

static int by_name(const void *a, const void *b)
{
	const audit_scorer_report *x = a, *y = b;
	/* the combined score last */
	bool qx = strcmp(x->scorer, "quality") == 0, qy = strcmp(y->scorer, "quality") == 0;
	if (qx != qy)
		return qx - qy;
	return strcmp(x->scorer, y->scorer);
}

/* Keeps the rows of scores somebody decided on, sorted by name. */
static void collect(calib_run *c, audit_calibration *out)
{
	size_t n_out = c->n_slots + 1;
	for (size_t i = 0; i < n_out; i++) {
		if (c->out[i].n)
			c->out[out->n++] = c->out[i];
		else
			free(c->out[i].scorer);
	}
	out->v = c->out;
	c->out = NULL;
	if (out->n > 1)
		qsort(out->v, out->n, sizeof *out->v, by_name);
}

static int run(calib_run *c, store *s, assay_error *err)
{
	int rc = store_max_sample_id(s, &c->max_id, err);
	if (rc == ASSAY_OK)
		rc = store_scorer_slots(s, &c->slots, &c->n_slots, err);
	if (rc < 0)
		return rc;
	c->n_rg = c->readers.n;
	c->chunk = ((c->max_id / (int64_t)c->n_rg) | 3) + 1; /* a multiple of 4 */
	c->n_sc = c->n_rg > 1 ? 2 * c->n_rg : 1;
	c->sc_chunk = c->max_id / (int64_t)c->n_sc + 1;
	c->cls = calloc((size_t)c->max_id / 4 + 1, 1);
	c->sp = calloc(c->n_sc * c->n_slots + 1, sizeof *c->sp);
	c->out = calloc(c->n_slots + 1, sizeof *c->out);
	if (!c->cls || !c->sp || !c->out)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	atomic_init(&c->verdicts_done, 0);
	atomic_init(&c->verdicts_failed, 0);
	rc = assay_parallel(c->readers.n, c->n_rg + 1 + c->n_sc, phase_one, c, err);
	if (rc == ASSAY_OK)
		rc = assay_parallel(c->readers.n, c->n_slots + 1, phase_two, c, err);
	return rc;
}

/* The learned score's model was trained on the verdicts it is judged
 * against here (those decided before it was trained; the newer ones are
 * few until the next `learn`): its row is marked in-sample, with the
 * model's out-of-fold AUC beside it, the figure `learn` measured honestly.
 * (The combined score includes it once the model has learned enough
 * verdicts, a setting of the scorer's: the note under the table says so.) */
static int mark_in_sample(store *s, audit_calibration *out, assay_error *err)
{
	audit_scorer_report *learned = NULL;
	for (size_t i = 0; i < out->n; i++) {
		out->v[i].oof_auc = NAN;
		if (strcmp(out->v[i].scorer, "learned") == 0)
			learned = &out->v[i];
	}
	int64_t version = 0;
	double auc = NAN;
	int rc = learned ? store_model_oof_auc(s, "learned", &version, &auc, err) : ASSAY_OK;
	if (rc < 0 || !version)
		return rc;
	learned->in_sample = true;
	learned->oof_auc = auc;
	return ASSAY_OK;
}

int audit_calibration_compute(store *s, const store_where *where, audit_calibration *out,
			      assay_error *err)
{
	*out = (audit_calibration){0};
	calib_run c = {.where = where};
	audit_readers_open(s, &c.readers);
	int rc = run(&c, s, err);
	audit_readers_close(&c.readers);
	if (rc == ASSAY_OK) {
		collect(&c, out);
		rc = mark_in_sample(s, out, err);
	} else if (c.out) {
		for (size_t i = 0; i <= c.n_slots; i++)
			free(c.out[i].scorer);
	}
	if (c.sp)
		for (size_t i = 0; i <= c.n_sc * c.n_slots; i++)
			split_free(&c.sp[i]); /* left by a task that failed */
	store_strings_free(c.slots, c.n_slots);
	free(c.sp);
	free(c.out);
	free(c.cls);
	if (rc < 0 || !out->n) {
		audit_calibration_free(out);
		if (rc >= 0)
			*out = (audit_calibration){0};
	}
	return rc;
}

void audit_calibration_free(audit_calibration *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].scorer);
	free(c->v);
	*c = (audit_calibration){0};
}
