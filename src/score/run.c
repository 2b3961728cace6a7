/* run.c — scoring the samples of a store: the text scorers page by page
 * (one transaction per page), near-duplicates over the whole database,
 * the remote scorers (remote_run.c); each transaction that writes scores
 * also writes the combined score of their samples. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "run_int.h"

#define DEFAULT_PAGE 1024

void run_progress(run_ctx *r, const char *phase, int64_t done, int64_t total, bool force)
{
	(void)force;
	if (!r->o->progress)
		return;
	score_progress p = {.phase = phase, .done = done, .total = total};
	for (size_t i = 0; i < SCORE_COUNT; i++) {
		p.scored += r->res->scored[i];
		p.failed += r->res->failed[i];
		p.flagged += r->res->flagged[i];
	}
	r->o->progress(r->o->ud, &p);
}

bool run_stopped(const run_ctx *r)
{
	return r->o->stop && *r->o->stop;
}

/* Where a page cursor stands, as samples of the scope (for progress). */
int64_t run_position(const run_ctx *r, int64_t last_id)
{
	if (r->max_id <= 0)
		return 0;
	return (int64_t)((double)r->scope * (double)last_id / (double)r->max_id);
}

/* ---- text scorers ----------------------------------------------------------- */

int run_analyse(run_ctx *r, const store_score_item *it, assay_error *err)
{
	abuf_reset(&r->context);
	if (score_text_analyse(&r->text, it->text, it->text_len, &r->cfg) < 0 ||
	    score_context_text(it->context, it->context_len, &r->context) < 0)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	r->text.context = r->context.len ? r->context.data : NULL;
	r->text.context_len = r->context.len;
	score_text_kind(&r->text, it->kind, it->text_field);
	r->text.record = it->record;
	r->text.record_len = it->record_len;
	return ASSAY_OK;
}

/* Starts scoring the page's samples from at on (SCORE_PIPE_MAX at most);
 * returns how many, 0 past the end, or an error. */
static int text_start(score_pipe *pipe, const store_score_page *page, size_t at,
		      score_input *in, size_t *n, assay_error *err)
{
	*n = at >= page->n ? 0 : page->n - at < SCORE_PIPE_MAX ? page->n - at : SCORE_PIPE_MAX;
	for (size_t i = 0; i < *n; i++) {
		const store_score_item *it = &page->items[at + i];
		in[i] = (score_input){.text = it->text, .text_len = it->text_len,
				      .context = it->context, .context_len = it->context_len,
				      .text_field = it->text_field, .kind = it->kind,
				      .record = it->record, .record_len = it->record_len,
				      .need = it->need};
	}
	return *n ? score_pipe_start(pipe, in, *n, err) : ASSAY_OK;
}

/* One page's samples: scored on every core (score_pipe), then each one's
 * wanted scores written as one row (store_scores_put), the next
 * SCORE_PIPE_MAX samples scored meanwhile. compute_ns: the time spent
 * waiting for the scores. */
static int text_page(run_ctx *r, score_pipe *pipe, const store_score_page *page,
		     score_input *in, int64_t *compute_ns, assay_error *err)
{
	size_t n, next = 0;
	int rc = text_start(pipe, page, 0, in, &n, err);
	for (size_t at = 0; n && rc == 0; at += n, n = next) {
		int64_t t = assay_mono_ns();
		rc = score_pipe_finish(pipe, err);
		if (rc == 0)
			rc = text_start(pipe, page, at + n, in, &next, err);
		*compute_ns += assay_mono_ns() - t;
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = score_pipe_write(pipe, r->s, i, page->items[at + i].id, false, r->res, err);
	}
	if (rc < 0 && next) { /* the run started is not written */
		assay_error ignored = {0};
		score_pipe_finish(pipe, &ignored);
	}
	return rc;
}

static int run_text(run_ctx *r, const enum score_id *ids, size_t n, assay_error *err)
{
	store_score_want want[SCORE_COUNT];
	char versions[SCORE_COUNT][32];
	bool record = false;
	for (size_t i = 0; i < n; i++) {
		score_version(ids[i], &r->cfg, versions[i]);
		want[i] = (store_score_want){score_defs[ids[i]].name, versions[i]};
		record |= score_defs[ids[i]].needs & SCORE_NEEDS_RECORD;
	}
	store_score_query q = {.batch_ids = r->o->batch_ids,
			       .n_batches = r->o->n_batches,
			       .want = want,
			       .n_want = n,
			       .rescore = r->o->rescore,
			       .with_record = record,
			       .min_id = r->min_id};
	store_score_page page = {0};
	int64_t t0 = assay_mono_ns(), compute_ns = 0, *done = NULL;
	score_pipe *pipe = NULL;
	score_input *in = malloc(SCORE_PIPE_MAX * sizeof *in);
	int rc = in ? score_pipe_new(&r->cfg, ids, n, &pipe, err)
		    : assay_fail(err, ASSAY_ENOMEM, "out of memory");
	const char *phase = n == 1 ? score_defs[ids[0]].name : "rules";
	while (rc == 0 && !run_stopped(r)) {
		if ((rc = store_score_page_next(r->s, &q, r->page, &page, err)) < 0 || page.n == 0)
			break;
		int64_t *v = realloc(done, page.n * sizeof *done);
		if (!v) {
			rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
			break;
		}
		done = v;
		if ((rc = store_begin(r->s, err)) < 0)
			break;
		for (size_t i = 0; i < page.n; i++)
			done[i] = page.items[i].id; /* ascending: the page is in id order */
		rc = text_page(r, pipe, &page, in, &compute_ns, err);
		if (rc == 0)
			rc = run_combine(r, done, page.n, err);
		if (rc < 0) {
			store_rollback(r->s);
			break;
		}
		if ((rc = store_commit(r->s, err)) < 0)
			break;
		run_progress(r, phase, run_position(r, page.last_id), r->scope, false);
	}
	store_score_page_free(&page);
	free(done);
	free(in);
	/* the shared work: analysing (on the cores) and what the pass does
	 * besides scoring (reading, writing) */
	if (pipe)
		score_pipe_figures(pipe, r->res);
	score_pipe_free(pipe);
	r->res->shared_seconds += (double)(assay_mono_ns() - t0 - compute_ns) / 1e9;
	return rc;
}

/* ---- the combined score ------------------------------------------------------ */

/* A sample's combined score is written in the transaction that writes any of
 * its scores, from every score it then holds: a kill can never leave a
 * sample with scores but without its combined score. */

typedef struct combine_acc {
	run_ctx *r;
	const int64_t *ids; /* the samples to write, ascending */
	size_t n, next;
	int64_t sample;
	double values[SCORE_COUNT];
	int rc;
	assay_error *err;
} combine_acc;

static void combine_flush(combine_acc *a)
{
	if (a->sample <= 0 || a->rc < 0)
		return;
	while (a->next < a->n && a->ids[a->next] < a->sample)
		a->next++;
	if (a->next == a->n || a->ids[a->next] != a->sample)
		return;
	a->rc = run_combine_values(a->r, a->sample, a->values, a->err);
}

int run_combine_values(run_ctx *r, int64_t sample_id, const double *values, assay_error *err)
{
	double q = score_combine(values, r->cfg.weight, SCORE_COUNT);
	int rc = store_quality_set(r->s, sample_id, q, err);
	if (rc < 0)
		return rc;
	run_combined_count(r, sample_id);
	return ASSAY_OK;
}

void run_combined_count(run_ctx *r, int64_t sample_id)
{
	uint64_t id = (uint64_t)sample_id, bit = 1ull << (id & 63);
	if (id < r->combined_bits && !(r->combined[id >> 6] & bit)) {
		r->combined[id >> 6] |= bit;
		r->res->combined++;
	}
}

static int combine_row(void *ud, int64_t sample_id, const char *scorer, double value)
{
	combine_acc *a = ud;
	if (sample_id != a->sample) {
		combine_flush(a);
		if (a->rc < 0)
			return a->rc;
		a->sample = sample_id;
		for (size_t i = 0; i < SCORE_COUNT; i++)
			a->values[i] = NAN;
	}
	const score_def *d = scorer ? score_find(scorer) : NULL;
	if (d)
		a->values[d - score_defs] = value;
	return 0;
}

/* Reads at most this many ids' worth of score rows per query. */
#define COMBINE_SPAN 4096

int run_combine(run_ctx *r, const int64_t *ids, size_t n, assay_error *err)
{
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && ids[j] - ids[i] < COMBINE_SPAN)
			j++;
		combine_acc a = {.r = r, .ids = ids + i, .n = j - i, .err = err};
		int rc = store_scores_range_each(r->s, ids[i], ids[j - 1], combine_row, &a, err);
		if (rc == 0) {
			combine_flush(&a);
			rc = a.rc;
		}
		if (rc < 0)
			return rc;
		i = j;
	}
	return ASSAY_OK;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int run_combine_unsorted(run_ctx *r, int64_t *ids, size_t n, assay_error *err)
{
	qsort(ids, n, sizeof *ids, cmp_id);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (k == 0 || ids[i] != ids[k - 1])
			ids[k++] = ids[i];
	return run_combine(r, ids, k, err);
}

/* Samples that hold scores without a combined score, as runs before the
 * combined score shared its scores' transaction could leave them (found
 * through the quality index, never a scan of the scores). */
static int run_missing(run_ctx *r, assay_error *err)
{
	int64_t ids[1024], after = 0;
	size_t n;
	int rc;
	while (!run_stopped(r)) {
		if ((rc = store_quality_missing(r->s, after, ids, ASSAY_ARRAY_LEN(ids), &n, err)) <
			0 ||
		    n == 0)
			return rc;
		if ((rc = store_begin(r->s, err)) < 0)
			return rc;
		if ((rc = run_combine(r, ids, n, err)) < 0) {
			store_rollback(r->s);
			return rc;
		}
		if ((rc = store_commit(r->s, err)) < 0)
			return rc;
		after = ids[n - 1];
		run_progress(r, "combined", run_position(r, after), r->scope, false);
	}
	return ASSAY_OK;
}

/* ---- the run ------------------------------------------------------------------ */

static int resolve(const score_run_options *o, enum score_id *ids, size_t *n, assay_error *err)
{
	*n = 0;
	if (!o->names) {
		for (size_t i = 0; i < SCORE_COUNT; i++)
			if (score_defs[i].builtin)
				ids[(*n)++] = (enum score_id)i;
		return ASSAY_OK;
	}
	for (size_t i = 0; i < o->n_names; i++) {
		const score_def *d = score_find(o->names[i]);
		if (!d)
			return assay_fail(err, ASSAY_EINVAL, "no scorer named \"%.80s\"",
					  o->names[i]);
		bool seen = false;
		for (size_t j = 0; j < *n; j++)
			seen |= ids[j] == (enum score_id)(d - score_defs);
		if (!seen)
			ids[(*n)++] = (enum score_id)(d - score_defs);
		/* refused before anything is written: every sample would fail,
		 * and the failure would replace the field's earlier scores */
		if (d - score_defs == SCORE_FIELD && (!o->cfg->field || !*o->cfg->field))
			return assay_fail(err, ASSAY_EINVAL,
					  "field: no field named (--score-field NAME[:MIN:MAX] or "
					  "score.field.name in the configuration)");
	}
	return ASSAY_OK;
}

/* Without a given range, the field's range is the data's. */
static int field_range(run_ctx *r, assay_error *err)
{
	if (r->cfg.field_range || !r->cfg.field)
		return ASSAY_OK;
	store_score_query q = {.batch_ids = r->o->batch_ids, .n_batches = r->o->n_batches};
	double lo, hi;
	int64_t n;
	int rc = store_field_range(r->s, &q, r->cfg.field, &lo, &hi, &n, err);
	if (rc < 0)
		return rc;
	if (n > 0) {
		r->cfg.field_min = lo;
		r->cfg.field_max = hi;
	}
	return ASSAY_OK;
}

/* Whether ids has a corpus scorer (near-duplicates). */
static bool any_corpus(const enum score_id *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (score_defs[ids[i]].kind == SCORE_KIND_CORPUS)
			return true;
	return false;
}

/* The rule scorers (text_ids), near-duplicates and the remote scorers of
 * ids. With both rules and near-duplicates (and without rescore) the rules
 * are scored inside the near-duplicate pass, each sample's scores written
 * once (run_fuse.c); their own pass then scores what it left (samples it
 * did not index: indexed before, ...), and is left out when the pass left
 * none of the scope. */
static int run_passes(run_ctx *r, const enum score_id *ids, size_t n,
		      const enum score_id *text_ids, size_t n_text, int64_t all_count,
		      int64_t all_max, assay_error *err)
{
	bool corpus = any_corpus(ids, n);
	bool rules = n_text > 0, fuse = rules && corpus && !r->o->rescore;
	int rc = fuse ? run_fuse_new(r, text_ids, n_text, &r->fuse, err) : ASSAY_OK;
	if (rc == 0 && fuse)
		rc = run_neardup(r, all_count, all_max, err);
	if (fuse && run_fuse_fused(r->fuse) >= r->scope)
		rules = false; /* every sample of the scope is current */
	if (rc == 0 && rules && !run_stopped(r))
		rc = run_text(r, text_ids, n_text, err);
	run_fuse_free(r->fuse);
	r->fuse = NULL;
	if (rc == 0 && n_text && !run_stopped(r))
		rc = run_pairs_b(r, text_ids, n_text, err);
	for (size_t i = 0; i < n && rc == 0 && !run_stopped(r); i++) {
		if (score_defs[ids[i]].kind == SCORE_KIND_CORPUS && !fuse)
			rc = run_neardup(r, all_count, all_max, err);
		else if (score_defs[ids[i]].kind == SCORE_KIND_REMOTE)
			rc = run_remote(r, ids[i], err);
	}
	return rc;
}

/* run_passes with the combined score's indexes set aside while it writes
 * the first combined scores of most of the database, built again after
 * (whether it ended, failed or was stopped). */
static int run_passes_paused(run_ctx *r, const enum score_id *ids, size_t n,
			     const enum score_id *text_ids, size_t n_text, int64_t all_count,
			     int64_t all_max, assay_error *err)
{
	bool firsts = n_text > 0 || any_corpus(ids, n), paused = false;
	int rc = firsts && !r->o->rescore ? store_quality_pause(r->s, r->scope, all_count, &paused, err)
					  : ASSAY_OK;
	if (rc == 0)
		rc = run_passes(r, ids, n, text_ids, n_text, all_count, all_max, err);
	if (paused) {
		assay_error e2 = {0};
		int rc2 = store_quality_repair(r->s, &e2);
		if (rc2 < 0 && rc == 0) {
			rc = rc2;
			*err = e2;
		}
	}
	return rc;
}

int score_run(store *s, const score_run_options *o, score_run_result *res, assay_error *err)
{
	*res = (score_run_result){0};
	enum score_id ids[SCORE_COUNT], text_ids[SCORE_COUNT];
	size_t n, n_text = 0;
	int rc = resolve(o, ids, &n, err);
	if (rc < 0)
		return rc;
	run_ctx r = {
	    .s = s, .o = o, .res = res, .cfg = *o->cfg, .page = o->page ? o->page : DEFAULT_PAGE};
	/* Millions of score rows: keep the scores index in cache between pages. */
	if ((rc = store_bulk_mode(s, err)) < 0)
		return rc;
	store_score_query scope = {.batch_ids = o->batch_ids, .n_batches = o->n_batches};
	store_score_span span, all;
	if ((rc = store_score_scope(s, &scope, &span, err)) < 0)
		return rc;
	r.scope = span.count;
	r.min_id = span.min_id;
	r.max_id = span.max_id;
	if (o->batch_ids)
		rc = store_score_scope(s, &(store_score_query){0}, &all, err);
	else
		all = span;
	if (rc < 0)
		return rc;
	int64_t all_count = all.count, all_max = all.max_id;
	bool learned = false;
	for (size_t i = 0; i < n; i++)
		learned |= score_defs[ids[i]].kind == SCORE_KIND_MODEL;
	if ((rc = run_learned_prepare(&r, learned, err)) < 0)
		return rc;
	r.combined_bits = (uint64_t)all_max + 1;
	r.combined = calloc((r.combined_bits + 63) / 64, sizeof *r.combined);
	if (!r.combined) {
		run_learned_free(&r);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		if (score_defs[ids[i]].kind == SCORE_KIND_TEXT)
			text_ids[n_text++] = ids[i];
	for (size_t i = 0; i < n_text && rc == 0; i++)
		if (score_defs[text_ids[i]].needs & SCORE_NEEDS_RANGE)
			rc = field_range(&r, err);
	if (rc == 0)
		rc = run_passes_paused(&r, ids, n, text_ids, n_text, all_count, all_max, err);
	if (rc == 0 && learned && !run_stopped(&r))
		rc = run_learned(&r, err); /* after the scores it reads */
	if (rc == 0 && n_text && !run_stopped(&r)) {
		int64_t edits; /* corrections made since, scored on their own text */
		rc = score_edits_pending(s, &r.cfg, &edits, err);
	}
	if (rc == 0 || rc == ASSAY_ENET) {
		assay_error e2 = {0};
		int rc2 = run_missing(&r, &e2);
		if (rc2 < 0 && rc == 0) {
			rc = rc2;
			*err = e2;
		}
	}
	score_text_free(&r.text);
	abuf_free(&r.context);
	run_learned_free(&r);
	free(r.combined);
	store_bulk_end(s); /* its checkpoint thread joined, the log folded */
	if (rc == 0 && run_stopped(&r))
		rc = assay_fail(err, ASSAY_EINTR, "interrupted");
	return rc;
}
