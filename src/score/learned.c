/* learned.c — the `learned` scorer: the newest model `assay learn` stored
 * predicts each sample's verdict from its fields and its other scores
 * (after every other scorer of the run); value = 1 - P(rejected), the
 * reason names what pushed the prediction. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/learn.h"
#include "run_int.h"

#define MODEL_NAME "learned"

/* One page of samples on its way through the scorer: read (the samples
 * and their other scores), predicted (pure: on a second core while the
 * previous page is written), then written with the combined scores. */
typedef struct page_job {
	store_score_page page;
	learn_number *nums;  /* per sample: up to SCORE_COUNT numbers, the model's input */
	size_t *count;
	double *values;      /* per sample: SCORE_COUNT values, as the combined score reads them */
	abuf names;          /* scorer names, NUL-separated; nums point into it */
	size_t *name_off;
	size_t cap;          /* samples the arrays hold */
	score_result *res;   /* per sample: the prediction */
	learn_record rec;    /* the predicting thread's scratch */
	learn_fvec fv;
	abuf why, text, detail;
	const run_ctx *r;
	int rc;
	assay_error err;
} page_job;

int run_learned_prepare(run_ctx *r, bool wanted, assay_error *err)
{
	if (!wanted)
		return ASSAY_OK;
	store_model sm;
	bool found;
	int rc = store_model_latest(r->s, MODEL_NAME, &sm, &found, err);
	if (rc < 0 || !found)
		return rc;
	learn_model *m = NULL;
	rc = learn_model_load(sm.bytes, sm.len, &m, err);
	if (rc == 0) {
		r->model = m;
		r->cfg.learned_model = sm.version;
		/* a model of few verdicts is shown, but does not move the combined score */
		if (sm.n_rejected < r->cfg.learned_min_verdicts &&
		    sm.n_kept < r->cfg.learned_min_verdicts - sm.n_rejected)
			r->cfg.weight[SCORE_LEARNED] = 0;
	} else {
		assay_error_prefix(err, "the stored model (version %lld)", (long long)sm.version);
	}
	store_model_free(&sm);
	return rc;
}

/* The page position of a sample id, or page->n when not in the page. */
static size_t position(const store_score_page *page, int64_t id)
{
	size_t lo = 0, hi = page->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (page->items[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < page->n && page->items[lo].id == id ? lo : page->n;
}

static int on_score(void *ud, int64_t sample_id, const char *scorer, double value)
{
	page_job *p = ud;
	size_t i = position(&p->page, sample_id);
	if (i == p->page.n)
		return 0;
	const score_def *d = score_find(scorer);
	if (d)
		p->values[i * SCORE_COUNT + (size_t)(d - score_defs)] = value;
	if (strcmp(scorer, MODEL_NAME) == 0 || !isfinite(value) || p->count[i] >= SCORE_COUNT)
		return 0;
	size_t k = i * SCORE_COUNT + p->count[i]++;
	p->nums[k].value = value;
	p->name_off[k] = p->names.len;
	if (abuf_puts(&p->names, scorer) < 0 || abuf_putc(&p->names, '\0') < 0)
		return p->rc = assay_fail(&p->err, ASSAY_ENOMEM, "out of memory");
	return 0;
}

/* Arrays for n samples. */
static int job_room(page_job *p, size_t n)
{
	if (n <= p->cap)
		return ASSAY_OK;
	free(p->nums);
	free(p->name_off);
	free(p->count);
	free(p->values);
	free(p->res);
	p->nums = calloc(n * SCORE_COUNT, sizeof *p->nums);
	p->name_off = calloc(n * SCORE_COUNT, sizeof *p->name_off);
	p->count = calloc(n, sizeof *p->count);
	p->values = calloc(n * SCORE_COUNT, sizeof *p->values);
	p->res = calloc(n, sizeof *p->res);
	p->cap = p->nums && p->name_off && p->count && p->values && p->res ? n : 0;
	return p->cap ? ASSAY_OK : ASSAY_ENOMEM;
}

/* The other scores of the page's samples: one range read per run of
 * close ids (a page's ids may be far apart). */
static int read_scores(run_ctx *r, page_job *p, assay_error *err)
{
	const store_score_page *page = &p->page;
	p->rc = 0;
	abuf_reset(&p->names);
	if (job_room(p, page->n) < 0)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	memset(p->count, 0, page->n * sizeof *p->count);
	for (size_t k = 0; k < page->n * SCORE_COUNT; k++)
		p->values[k] = NAN;
	for (size_t i = 0; i < page->n;) {
		size_t j = i + 1;
		while (j < page->n && page->items[j].id - page->items[j - 1].id < 64)
			j++;
		int rc = store_scores_range_each(r->s, page->items[i].id, page->items[j - 1].id,
						 on_score, p, err);
		if (rc < 0 || p->rc < 0)
			return rc < 0 ? rc : assay_fail(err, p->rc, "%s", p->err.msg);
		i = j;
	}
	for (size_t k = 0; k < page->n * SCORE_COUNT; k++)
		p->nums[k].name = p->names.data ? p->names.data + p->name_off[k] : "";
	return ASSAY_OK;
}

static void job_free(page_job *p)
{
	store_score_page_free(&p->page);
	free(p->nums);
	free(p->name_off);
	free(p->count);
	free(p->values);
	free(p->res);
	abuf_free(&p->names);
	learn_record_free(&p->rec);
	learn_fvec_free(&p->fv);
	abuf_free(&p->why);
	abuf_free(&p->text);
	abuf_free(&p->detail);
	*p = (page_job){0};
}

/* Sample i's prediction as a score. Pure: reads the model and the page. */
static int predict(page_job *p, size_t i)
{
	const run_ctx *r = p->r;
	const store_score_item *it = &p->page.items[i];
	score_result *out = &p->res[i];
	if (learn_record_fields(it->record, it->record_len, it->text_field, NULL, it->text,
				&p->rec) < 0)
		return assay_fail(&p->err, ASSAY_ENOMEM, "out of memory");
	learn_record_drop(&p->rec, r->model->left_out, r->model->n_left_out);
	learn_example ex = {p->rec.fields, p->rec.n, p->nums + i * SCORE_COUNT, p->count[i]};
	learn_prediction pred;
	abuf_reset(&p->why);
	abuf_reset(&p->text);
	int rc = learn_predict(r->model, &ex, &p->fv, &pred, &p->why, &p->err);
	if (rc < 0)
		return rc;
	if (learn_reason_text(&pred, p->why.data, &p->text) < 0 ||
	    learn_detail_json(pred.p_reject, r->cfg.learned_model, pred.reason, out->detail,
			      sizeof out->detail, &p->detail) < 0)
		return assay_fail(&p->err, ASSAY_ENOMEM, "out of memory");
	out->value = 1.0 - pred.p_reject;
	out->flagged = out->value < r->cfg.threshold[SCORE_LEARNED];
	snprintf(out->reason, sizeof out->reason, "%s", p->text.data ? p->text.data : "");
	return ASSAY_OK;
}

static void *predict_page(void *arg)
{
	page_job *p = arg;
	for (size_t i = 0; p->rc == 0 && i < p->page.n; i++)
		p->rc = predict(p, i);
	return NULL;
}

/* The page's predictions and combined scores, in one transaction. */
static int write_page(run_ctx *r, page_job *p, const store_score_want *want, assay_error *err)
{
	if (p->rc < 0)
		return assay_fail(err, p->rc, "%s", p->err.msg);
	int rc = store_begin(r->s, err);
	for (size_t i = 0; rc == 0 && i < p->page.n; i++) {
		const score_result *res = &p->res[i];
		int64_t id = p->page.items[i].id;
		store_score_row row = {.sample_id = id, .scorer = want->scorer,
				       .version = want->version, .value = res->value,
				       .flagged = res->flagged, .reason = res->reason,
				       .detail = res->detail};
		rc = store_score_put(r->s, &row, err);
		/* the combined score from the values read with the page and this one */
		double *values = p->values + i * SCORE_COUNT;
		values[SCORE_LEARNED] = res->value;
		if (rc == 0)
			rc = run_combine_values(r, id, values, err);
		r->res->scored[SCORE_LEARNED] += rc == 0;
		r->res->flagged[SCORE_LEARNED] += rc == 0 && res->flagged;
	}
	if (rc == 0)
		rc = store_commit(r->s, err);
	else if (store_in_tx(r->s))
		store_rollback(r->s);
	return rc;
}

/* Reads the page after `after` into p with its scores. */
static int read_page(run_ctx *r, const store_score_query *q, size_t max, int64_t after,
		     page_job *p, assay_error *err)
{
	p->page.last_id = after;
	p->r = r;
	int rc = store_score_page_next(r->s, q, max, &p->page, err);
	return rc < 0 || p->page.n == 0 ? rc : read_scores(r, p, err);
}

/* One page start to end on this thread (the screens' small refreshes). */
static int learned_page(run_ctx *r, page_job *p, const store_score_want *want, assay_error *err)
{
	int rc = read_scores(r, p, err);
	if (rc == 0) {
		predict_page(p);
		rc = write_page(r, p, want, err);
	}
	return rc;
}

/* Pages in a pipeline: while page k is predicted on a second thread, page
 * k - 1 is written and page k + 1 read on this one (the store is used by
 * this thread only). Without a second core, one page after the other. */
static int pipeline(run_ctx *r, const store_score_query *q, const store_score_want *want,
		    assay_error *err)
{
	page_job job[2];
	memset(job, 0, sizeof job);
	bool threads = assay_workers() > 1, busy = false;
	pthread_t th;
	int64_t after = 0;
	size_t cur = 0;
	int rc = ASSAY_OK;
	for (;;) {
		page_job *p = &job[cur], *prev = &job[cur ^ 1];
		bool more = !run_stopped(r);
		if (more && (rc = read_page(r, q, r->page, after, p, err)) < 0)
			break;
		more = more && p->page.n > 0;
		if (more) {
			after = p->page.last_id;
			busy = threads && pthread_create(&th, NULL, predict_page, p) == 0;
			if (!busy)
				predict_page(p);
		}
		if (prev->page.n && (rc = write_page(r, prev, want, err)) == 0)
			run_progress(r, MODEL_NAME, run_position(r, prev->page.last_id), r->scope,
				     false);
		if (busy)
			pthread_join(th, NULL);
		busy = false;
		prev->page.n = 0;
		if (rc < 0 || !more)
			break;
		cur ^= 1;
	}
	job_free(&job[0]);
	job_free(&job[1]);
	return rc;
}

int run_learned(run_ctx *r, assay_error *err)
{
	if (!r->model)
		return ASSAY_OK; /* no model yet: `assay learn` makes one */
	char version[32];
	score_version(SCORE_LEARNED, &r->cfg, version);
	store_score_want want = {score_defs[SCORE_LEARNED].name, version};
	store_score_query q = {.batch_ids = r->o->batch_ids, .n_batches = r->o->n_batches,
			       .want = &want, .n_want = 1, .rescore = r->o->rescore,
			       .with_record = true};
	int64_t t0 = assay_mono_ns();
	int rc = pipeline(r, &q, &want, err);
	r->res->seconds[SCORE_LEARNED] += (double)(assay_mono_ns() - t0) / 1e9;
	return rc;
}

void run_learned_free(run_ctx *r)
{
	learn_model_free(r->model);
	r->model = NULL;
}

/* ---- Refreshing from a screen's loop --------------------------------------- */

struct score_refresh {
	run_ctx r;
	score_run_options o;
	score_run_result res;
	page_job job;
	char version[32];
	store_score_want want;
	store_score_query q;
	int64_t max_id; /* the largest sample id when the model came */
};

int score_refresh_new(store *s, const score_config *cfg, score_refresh **out, assay_error *err)
{
	*out = NULL;
	score_refresh *f = calloc(1, sizeof *f);
	if (!f)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	f->o.cfg = cfg;
	f->r = (run_ctx){.s = s, .o = &f->o, .res = &f->res, .cfg = *cfg};
	int rc = run_learned_prepare(&f->r, true, err);
	if (rc < 0 || !f->r.model) {
		free(f);
		return rc;
	}
	/* the largest id alone: counting every sample would read the whole
	 * table on the screen's thread */
	if ((rc = store_max_sample_id(s, &f->max_id, err)) < 0) {
		run_learned_free(&f->r);
		free(f);
		return rc;
	}
	score_version(SCORE_LEARNED, &f->r.cfg, f->version);
	f->want = (store_score_want){score_defs[SCORE_LEARNED].name, f->version};
	f->q = (store_score_query){.want = &f->want, .n_want = 1, .with_record = true,
				   .undecided = true};
	*out = f;
	return ASSAY_OK;
}

int score_refresh_step(score_refresh *f, size_t max, int64_t span, size_t *n, bool *more,
		       assay_error *err)
{
	*n = 0;
	*more = false;
	store_score_page *page = &f->job.page;
	f->job.r = &f->r;
	f->q.max_id = page->last_id + (span > 0 ? span : 1);
	int rc = store_score_page_next(f->r.s, &f->q, max, page, err);
	if (rc == 0 && page->n)
		rc = learned_page(&f->r, &f->job, &f->want, err);
	if (rc < 0)
		return rc;
	*n = page->n;
	/* a full page stops at its last sample; else the window was read */
	if (page->n < max)
		page->last_id = f->q.max_id;
	*more = page->last_id < f->max_id;
	return ASSAY_OK;
}

int64_t score_refresh_model(const score_refresh *f)
{
	return f->r.cfg.learned_model;
}

void score_refresh_free(score_refresh *f)
{
	if (!f)
		return;
	job_free(&f->job);
	run_learned_free(&f->r);
	free(f);
}
