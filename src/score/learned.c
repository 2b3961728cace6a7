/* learned.c — the `learned` scorer: the newest model `assay learn` stored
 * predicts each sample's verdict from its fields and its other scores
 * (after every other scorer of the run); value = 1 - P(rejected), the
 * reason names what pushed the prediction. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/learn.h"
#include "run_int.h"

#define MODEL_NAME "learned"

/* What the scorer reads of one page: the other scores of its samples,
 * by the sample's position in the page (ids ascending). */
typedef struct page_scores {
	const store_score_page *page;
	learn_number *nums; /* per sample: up to SCORE_COUNT numbers */
	size_t *count;
	abuf names;         /* scorer names, NUL-separated; nums point into it */
	size_t *name_off;
	int rc;
	assay_error *err;
} page_scores;

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
	page_scores *p = ud;
	size_t i = position(p->page, sample_id);
	if (i == p->page->n || strcmp(scorer, MODEL_NAME) == 0 || !isfinite(value) ||
	    p->count[i] >= SCORE_COUNT)
		return 0;
	size_t k = i * SCORE_COUNT + p->count[i]++;
	p->nums[k].value = value;
	p->name_off[k] = p->names.len;
	if (abuf_puts(&p->names, scorer) < 0 || abuf_putc(&p->names, '\0') < 0)
		return p->rc = assay_fail(p->err, ASSAY_ENOMEM, "out of memory");
	return 0;
}

/* The other scores of the page's samples: one range read per run of
 * close ids (a page's ids may be far apart). */
static int read_scores(run_ctx *r, const store_score_page *page, page_scores *p,
		       assay_error *err)
{
	p->page = page;
	p->nums = calloc(page->n * SCORE_COUNT, sizeof *p->nums);
	p->name_off = calloc(page->n * SCORE_COUNT, sizeof *p->name_off);
	p->count = calloc(page->n, sizeof *p->count);
	p->err = err;
	if (!p->nums || !p->name_off || !p->count)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	for (size_t i = 0; i < page->n;) {
		size_t j = i + 1;
		while (j < page->n && page->items[j].id - page->items[j - 1].id < 64)
			j++;
		int rc = store_scores_range_each(r->s, page->items[i].id, page->items[j - 1].id,
						 on_score, p, err);
		if (rc < 0 || p->rc < 0)
			return rc < 0 ? rc : p->rc;
		i = j;
	}
	for (size_t k = 0; k < page->n * SCORE_COUNT; k++)
		p->nums[k].name = p->names.data ? p->names.data + p->name_off[k] : "";
	return ASSAY_OK;
}

static void page_scores_free(page_scores *p)
{
	free(p->nums);
	free(p->name_off);
	free(p->count);
	abuf_free(&p->names);
}

/* One sample's prediction as a score. */
typedef struct predictor {
	learn_record rec;
	learn_fvec fv;
	abuf why, text;
} predictor;

/* {"p_reject": P, "model": VERSION, "reason": the likely reject reason}
 * (the reason left out when it would not fit). */
static void detail_json(const run_ctx *r, const learn_prediction *p, score_result *out)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "p_reject", round(p->p_reject * 1e4) / 1e4);
	cJSON_AddNumberToObject(o, "model", (double)r->cfg.learned_model);
	char *text = cJSON_PrintUnformatted(o);
	if (p->reason)
		cJSON_AddStringToObject(o, "reason", p->reason);
	char *with = p->reason ? cJSON_PrintUnformatted(o) : NULL;
	const char *pick = with && strlen(with) < sizeof out->detail ? with : text;
	snprintf(out->detail, sizeof out->detail, "%s", pick && strlen(pick) < sizeof out->detail
							    ? pick
							    : "");
	free(text);
	free(with);
	cJSON_Delete(o);
}

static int predict(run_ctx *r, predictor *pr, const store_score_item *it, const page_scores *ps,
		   score_result *out, assay_error *err)
{
	if (learn_record_fields(it->record, it->record_len, it->text_field, NULL, it->text,
				&pr->rec) < 0)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	size_t i = position(ps->page, it->id);
	learn_example ex = {pr->rec.fields, pr->rec.n, ps->nums + i * SCORE_COUNT, ps->count[i]};
	learn_prediction p;
	abuf_reset(&pr->why);
	abuf_reset(&pr->text);
	int rc = learn_predict(r->model, &ex, &pr->fv, &p, &pr->why, err);
	if (rc < 0)
		return rc;
	if (learn_reason_text(&p, pr->why.data, &pr->text) < 0)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	out->value = 1.0 - p.p_reject;
	out->flagged = out->value < r->cfg.threshold[SCORE_LEARNED];
	snprintf(out->reason, sizeof out->reason, "%s", pr->text.data ? pr->text.data : "");
	detail_json(r, &p, out);
	return ASSAY_OK;
}

/* One page: predict, write, combine, in one transaction. */
static int learned_page(run_ctx *r, predictor *pr, const store_score_page *page,
			const store_score_want *want, int64_t *done, assay_error *err)
{
	page_scores ps = {0};
	int rc = read_scores(r, page, &ps, err);
	if (rc == 0)
		rc = store_begin(r->s, err);
	for (size_t i = 0; rc == 0 && i < page->n; i++) {
		score_result res;
		done[i] = page->items[i].id;
		rc = predict(r, pr, &page->items[i], &ps, &res, err);
		store_score_row row = {.sample_id = page->items[i].id, .scorer = want->scorer,
				       .version = want->version, .value = res.value,
				       .flagged = res.flagged, .reason = res.reason,
				       .detail = res.detail};
		if (rc == 0)
			rc = store_score_put(r->s, &row, err);
		r->res->scored[SCORE_LEARNED] += rc == 0;
		r->res->flagged[SCORE_LEARNED] += rc == 0 && res.flagged;
	}
	if (rc == 0)
		rc = run_combine(r, done, page->n, err);
	if (rc == 0)
		rc = store_commit(r->s, err);
	else if (store_in_tx(r->s))
		store_rollback(r->s);
	page_scores_free(&ps);
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
	store_score_page page = {0};
	predictor pr = {0};
	int64_t t0 = assay_mono_ns(), *done = malloc(r->page * sizeof *done);
	int rc = done ? ASSAY_OK : assay_fail(err, ASSAY_ENOMEM, "out of memory");
	while (rc == 0 && !run_stopped(r)) {
		if ((rc = store_score_page_next(r->s, &q, r->page, &page, err)) < 0 || page.n == 0)
			break;
		rc = learned_page(r, &pr, &page, &want, done, err);
		run_progress(r, MODEL_NAME, run_position(r, page.last_id), r->scope, false);
	}
	store_score_page_free(&page);
	learn_record_free(&pr.rec);
	learn_fvec_free(&pr.fv);
	abuf_free(&pr.why);
	abuf_free(&pr.text);
	free(done);
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
	store_score_page page;
	predictor pr;
	char version[32];
	store_score_want want;
	store_score_query q;
	int64_t *done;
	size_t cap;
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
	int64_t count;
	store_score_query all = {0};
	if ((rc = store_score_scope(s, &all, &count, &f->max_id, err)) < 0) {
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
	if (ASSAY_GROW(f->done, max, f->cap, 16) < 0)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	f->q.max_id = f->page.last_id + (span > 0 ? span : 1);
	int rc = store_score_page_next(f->r.s, &f->q, max, &f->page, err);
	if (rc == 0 && f->page.n)
		rc = learned_page(&f->r, &f->pr, &f->page, &f->want, f->done, err);
	if (rc < 0)
		return rc;
	*n = f->page.n;
	/* a full page stops at its last sample; else the window was read */
	if (f->page.n < max)
		f->page.last_id = f->q.max_id;
	*more = f->page.last_id < f->max_id;
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
	store_score_page_free(&f->page);
	learn_record_free(&f->pr.rec);
	learn_fvec_free(&f->pr.fv);
	abuf_free(&f->pr.why);
	abuf_free(&f->pr.text);
	run_learned_free(&f->r);
	free(f->done);
	free(f);
}
