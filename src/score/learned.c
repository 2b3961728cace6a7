/* learned.c — the `learned` scorer: the newest model `assay learn` stored
 * predicts each sample's verdict from its fields and its other scores
 * (after every other scorer of the run); value = 1 - P(rejected), the
 * reason names what pushed the prediction. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/learn.h"
#include "run_int.h"

#define MODEL_NAME "learned"

/* A predicting thread's scratch. */
typedef struct scratch {
	learn_record rec;
	learn_fvec fv;
	abuf why, text, detail;
	int rc;
	assay_error err;
} scratch;

/* What a sample held of the learned score before the run (note: the
 * offset of its reason and detail in page_job.notes, SIZE_MAX for none),
 * and its packed row as stored (the blobs' offsets in page_job.notes). */
typedef struct old_score {
	double value;
	uint32_t ver;
	bool flagged;
	size_t note;
	store_score_stored stored;
	size_t vals_at, vers_at, notes_at;
} old_score;

/* One page of samples on its way through the scorer: read (the samples,
 * their other scores and what they held of this one), predicted (pure: on
 * both cores, with the previous page written meanwhile), then written with
 * the combined scores. */
typedef struct page_job {
	store_score_page page;
	learn_number *nums;  /* per sample: up to SCORE_COUNT numbers, the model's input */
	size_t *count;
	double *values;      /* per sample: SCORE_COUNT values, as the combined score reads them */
	old_score *old;
	int64_t *merged;     /* the ids whose write merged into the row as it is now */
	abuf notes;          /* the old reasons and details, NUL-ended, and stored rows */
	size_t cap;          /* samples the arrays hold */
	score_result *res;   /* per sample: the prediction */
	char **slot_names;   /* the scorers by slot, when the page was read */
	size_t n_slots;
	int slot_def[64];    /* per slot: its score_defs index, or -1 */
	int slot;            /* the learned scorer's slot (-1: none yet) */
	store_slot_ref ref;  /* the learned scorer's slot as written */
	uint32_t ver;        /* the id of the wanted version (0: never stored) */
	atomic_size_t next;  /* the next sample a predicting thread takes */
	scratch sc[2];       /* [0] the second thread's, [1] the reading thread's */
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
	r->res->no_model = rc == 0 && !found;
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

/* The sample's packed row as stored, kept in p->notes for its write
 * (store_score_rewrite). */
static int keep_stored(page_job *p, old_score *o, const store_score_stored *st)
{
	o->stored = *st;
	o->vals_at = p->notes.len;
	if (abuf_append(&p->notes, st->vals ? st->vals : "", st->vals_len) < 0)
		return ASSAY_ENOMEM;
	o->vers_at = p->notes.len;
	if (abuf_append(&p->notes, st->vers ? st->vers : "", st->vers_len) < 0)
		return ASSAY_ENOMEM;
	o->notes_at = p->notes.len;
	return abuf_append(&p->notes, st->notes ? st->notes : "", st->notes_len) < 0 ? ASSAY_ENOMEM
										 : ASSAY_OK;
}

/* Sample i's stored row as kept by keep_stored (the arena no longer moves). */
static store_score_stored stored_row(const page_job *p, size_t i)
{
	const old_score *o = &p->old[i];
	store_score_stored st = o->stored;
	if (st.row) {
		st.vals = p->notes.data + o->vals_at;
		st.vers = p->notes.data + o->vers_at;
		st.notes = st.has_notes ? p->notes.data + o->notes_at : NULL;
	}
	return st;
}

/* One stored row: the other scores as the model's numbers (in slot order,
 * as `assay learn` read them), every score as the combined score reads
 * them, and what the sample held of the learned score. */
static int on_row(void *ud, const store_score_rowview *row)
{
	page_job *p = ud;
	size_t i = position(&p->page, row->sample_id);
	if (i == p->page.n)
		return 0;
	for (size_t k = 0; k < row->n && k < p->n_slots; k++) {
		const char *name = p->slot_names[k];
		if (!row->vers[k] || !name)
			continue;
		double value = row->vals[k];
		if (p->slot_def[k] >= 0)
			p->values[i * SCORE_COUNT + (size_t)p->slot_def[k]] = value;
		if ((int)k == p->slot || !isfinite(value) || p->count[i] >= SCORE_COUNT)
			continue;
		p->nums[i * SCORE_COUNT + p->count[i]++] = (learn_number){name, value};
	}
	old_score *o = &p->old[i];
	if (keep_stored(p, o, &row->stored) < 0)
		return p->rc = assay_fail(&p->err, ASSAY_ENOMEM, "out of memory");
	if (p->slot < 0 || (size_t)p->slot >= row->n)
		return 0;
	o->value = row->vals[p->slot];
	o->ver = row->vers[p->slot];
	o->flagged = row->flags >> p->slot & 1;
	o->note = p->notes.len;
	if (abuf_puts(&p->notes, row->reason) < 0 || abuf_putc(&p->notes, '\0') < 0 ||
	    abuf_puts(&p->notes, row->detail) < 0 || abuf_putc(&p->notes, '\0') < 0)
		return p->rc = assay_fail(&p->err, ASSAY_ENOMEM, "out of memory");
	return 0;
}

/* Arrays for n samples. */
static int job_room(page_job *p, size_t n)
{
	if (n <= p->cap)
		return ASSAY_OK;
	free(p->nums);
	free(p->count);
	free(p->values);
	free(p->old);
	free(p->res);
	free(p->merged);
	p->nums = calloc(n * SCORE_COUNT, sizeof *p->nums);
	p->count = calloc(n, sizeof *p->count);
	p->values = calloc(n * SCORE_COUNT, sizeof *p->values);
	p->old = calloc(n, sizeof *p->old);
	p->res = calloc(n, sizeof *p->res);
	p->merged = calloc(n, sizeof *p->merged);
	p->cap = p->nums && p->count && p->values && p->old && p->res && p->merged ? n : 0;
	return p->cap ? ASSAY_OK : ASSAY_ENOMEM;
}

/* The scorers by slot, each slot's score_defs index, the learned slot and
 * the id of the wanted version. */
static int read_slots(run_ctx *r, page_job *p, const store_score_want *want, assay_error *err)
{
	store_strings_free(p->slot_names, p->n_slots);
	p->slot_names = NULL;
	p->n_slots = 0;
	int rc = store_scorer_slots(r->s, &p->slot_names, &p->n_slots, err);
	if (rc == 0)
		rc = store_score_slot(r->s, want->scorer, want->version, &p->slot, &p->ver, err);
	if (rc < 0)
		return rc;
	if (p->n_slots > ASSAY_ARRAY_LEN(p->slot_def))
		p->n_slots = ASSAY_ARRAY_LEN(p->slot_def);
	for (size_t k = 0; k < p->n_slots; k++) {
		const score_def *d = p->slot_names[k] ? score_find(p->slot_names[k]) : NULL;
		p->slot_def[k] = d ? (int)(d - score_defs) : -1;
	}
	return ASSAY_OK;
}

/* The other scores of the page's samples: one range read per run of
 * close ids (a page's ids may be far apart). */
static int read_scores(run_ctx *r, page_job *p, const store_score_want *want, assay_error *err)
{
	const store_score_page *page = &p->page;
	p->rc = 0;
	abuf_reset(&p->notes);
	if (job_room(p, page->n) < 0)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	int rc = read_slots(r, p, want, err);
	if (rc < 0)
		return rc;
	memset(p->count, 0, page->n * sizeof *p->count);
	for (size_t i = 0; i < page->n; i++)
		p->old[i] = (old_score){.value = NAN, .note = SIZE_MAX, .stored = {.row = false}};
	for (size_t k = 0; k < page->n * SCORE_COUNT; k++)
		p->values[k] = NAN;
	for (size_t i = 0; i < page->n;) {
		size_t j = i + 1;
		while (j < page->n && page->items[j].id - page->items[j - 1].id < 64)
			j++;
		rc = store_score_rows_read(r->s, page->items[i].id, page->items[j - 1].id, p->slot,
					   on_row, p, err);
		if (rc < 0 || p->rc < 0)
			return rc < 0 ? rc : assay_fail(err, p->rc, "%s", p->err.msg);
		i = j;
	}
	return ASSAY_OK;
}

static void scratch_free(scratch *sc)
{
	learn_record_free(&sc->rec);
	learn_fvec_free(&sc->fv);
	abuf_free(&sc->why);
	abuf_free(&sc->text);
	abuf_free(&sc->detail);
}

static void job_free(page_job *p)
{
	store_score_page_free(&p->page);
	free(p->nums);
	free(p->count);
	free(p->values);
	free(p->old);
	free(p->res);
	free(p->merged);
	abuf_free(&p->notes);
	store_strings_free(p->slot_names, p->n_slots);
	scratch_free(&p->sc[0]);
	scratch_free(&p->sc[1]);
	memset(p, 0, sizeof *p);
}

/* Sample i's prediction as a score. Pure: reads the model and the page. */
static int predict(page_job *p, size_t i, scratch *sc)
{
	const run_ctx *r = p->r;
	const store_score_item *it = &p->page.items[i];
	score_result *out = &p->res[i];
	if (learn_record_fields(it->record, it->record_len, it->text_field, NULL, it->text,
				&sc->rec) < 0)
		return assay_fail(&sc->err, ASSAY_ENOMEM, "out of memory");
	learn_record_drop(&sc->rec, r->model->left_out, r->model->n_left_out);
	learn_example ex = {sc->rec.fields, sc->rec.n, p->nums + i * SCORE_COUNT, p->count[i]};
	learn_prediction pred;
	abuf_reset(&sc->why);
	abuf_reset(&sc->text);
	int rc = learn_predict(r->model, &ex, &sc->fv, &pred, &sc->why, &sc->err);
	if (rc < 0)
		return rc;
	if (learn_reason_text(&pred, sc->why.data, &sc->text) < 0 ||
	    learn_detail_json(pred.p_reject, r->cfg.learned_model, pred.reason, out->detail,
			      sizeof out->detail, &sc->detail) < 0)
		return assay_fail(&sc->err, ASSAY_ENOMEM, "out of memory");
	out->value = 1.0 - pred.p_reject;
	out->flagged = out->value < r->cfg.threshold[SCORE_LEARNED];
	snprintf(out->reason, sizeof out->reason, "%s", sc->text.data ? sc->text.data : "");
	return ASSAY_OK;
}

/* Samples a thread takes at a time. */
#define CHUNK 32

/* Predicts the page's samples not yet taken, with scratch sc, until none
 * is left or a thread failed. */
static void predict_some(page_job *p, scratch *sc)
{
	sc->rc = 0;
	for (;;) {
		size_t i = atomic_fetch_add(&p->next, CHUNK), end = i + CHUNK;
		if (i >= p->page.n)
			return;
		end = end < p->page.n ? end : p->page.n;
		for (; i < end; i++)
			if ((sc->rc = predict(p, i, sc)) < 0) {
				atomic_store(&p->next, p->page.n); /* the others stop too */
				return;
			}
	}
}

static void *predict_thread(void *arg)
{
	page_job *p = arg;
	predict_some(p, &p->sc[0]);
	return NULL;
}

/* The first failure of the page's predicting threads, or 0. */
static int predicted(page_job *p, assay_error *err)
{
	for (size_t t = 0; t < 2; t++)
		if (p->sc[t].rc < 0)
			return assay_fail(err, p->sc[t].rc, "%s", p->sc[t].err.msg);
	return ASSAY_OK;
}

/* Whether sample i's prediction is what it already held: the same
 * version, value, flag, reason and detail (such a score is not written
 * again). */
static bool unchanged(const page_job *p, size_t i)
{
	const old_score *o = &p->old[i];
	const score_result *res = &p->res[i];
	if (!p->ver || o->ver != p->ver || o->note == SIZE_MAX || isnan(res->value) ||
	    memcmp(&o->value, &res->value, sizeof o->value) != 0 || o->flagged != res->flagged)
		return false;
	const char *reason = p->notes.data + o->note;
	const char *detail = reason + strlen(reason) + 1;
	return strcmp(reason, res->reason) == 0 && strcmp(detail, res->detail) == 0;
}

/* The page's predictions and combined scores, in one step's transaction
 * (st: a long run's steps; NULL: the page's own). */
static int write_page(run_ctx *r, page_job *p, const store_score_want *want,
		      store_score_steps *st, assay_error *err)
{
	store_score_steps own = {0};
	st = st ? st : &own;
	int rc = predicted(p, err);
	if (rc == 0)
		rc = store_score_step_open(r->s, st, err);
	if (rc < 0)
		return rc;
	size_t n_merged = 0;
	for (size_t i = 0; rc == 0 && i < p->page.n; i++) {
		const score_result *res = &p->res[i];
		int64_t id = p->page.items[i].id;
		store_score_row row = {.sample_id = id, .scorer = want->scorer,
				       .version = want->version, .value = res->value,
				       .flagged = res->flagged, .reason = res->reason,
				       .detail = res->detail};
		if (!unchanged(p, i)) {
			store_score_stored old = stored_row(p, i);
			rc = store_score_rewrite(r->s, &row, &old, &p->ref, err);
		}
		if (rc == 1) { /* its other scores may not be those read: combined below */
			p->merged[n_merged++] = id;
			rc = ASSAY_OK;
			continue;
		}
		/* the combined score from the values read with the page and this one */
		double *values = p->values + i * SCORE_COUNT;
		values[SCORE_LEARNED] = res->value;
		if (rc == 0)
			rc = run_combine_values(r, id, values, err);
	}
	/* the merged rows' combined scores from the rows as stored now, in the same step */
	if (rc == 0 && n_merged)
		rc = run_combine(r, p->merged, n_merged, err);
	int rc2 = store_score_step_close(r->s, st, rc == 0, rc == 0 ? err : &(assay_error){0});
	rc = rc < 0 ? rc : rc2;
	for (size_t i = 0; rc == 0 && i < p->page.n; i++) {
		r->res->scored[SCORE_LEARNED]++;
		r->res->flagged[SCORE_LEARNED] += p->res[i].flagged;
	}
	return rc;
}

/* Reads the page after `after` into p with its scores. */
static int read_page(run_ctx *r, const store_score_query *q, const store_score_want *want,
		     int64_t after, page_job *p, assay_error *err)
{
	p->page.last_id = after;
	p->r = r;
	atomic_store(&p->next, 0);
	p->sc[0].rc = p->sc[1].rc = 0;
	int rc = store_score_page_next(r->s, q, r->page, &p->page, err);
	return rc < 0 || p->page.n == 0 ? rc : read_scores(r, p, want, err);
}

/* One page start to end on this thread (the screens' small refreshes). */
static int learned_page(run_ctx *r, page_job *p, const store_score_want *want, assay_error *err)
{
	atomic_store(&p->next, 0);
	p->sc[0].rc = p->sc[1].rc = 0;
	int rc = read_scores(r, p, want, err);
	if (rc == 0) {
		predict_some(p, &p->sc[1]);
		rc = write_page(r, p, want, NULL, err);
	}
	return rc;
}

/* A run of at least this many samples, and at least an eighth of all, may
 * be written in bulk (store_score_bulk_begin): below that, building the
 * indexes again over every sample costs more than the rows' own updates. */
#define BULK_MIN 10000

/* Whether the run may write in bulk: many samples in its scope. */
static int bulk_eligible(run_ctx *r, bool *eligible, assay_error *err)
{
	store_score_span all;
	*eligible = false;
	if (r->scope < BULK_MIN)
		return ASSAY_OK;
	int rc = store_score_scope(r->s, &(store_score_query){0}, &all, err);
	*eligible = rc == 0 && r->scope >= all.count / 8;
	return rc;
}

/* Whether most of the page's predictions changed: then the run is taken
 * to rewrite most samples, and may switch to the bulk path (a run where
 * little changed, as when the model is the same, stays in steps). */
static bool mostly_changed(const page_job *p)
{
	size_t changed = 0;
	for (size_t i = 0; i < p->page.n; i++)
		changed += !unchanged(p, i);
	return changed * 2 > p->page.n;
}

/* Pages in a pipeline of three: while page k is predicted on a second
 * thread, this one writes page k - 1 and reads page k + 1, then predicts
 * beside the other thread what is left of page k (the store is used by
 * this thread only). Without a second core, one page after the other. */
static int pipeline(run_ctx *r, const store_score_query *q, const store_score_want *want,
		    assay_error *err)
{
	page_job job[3];
	memset(job, 0, sizeof job);
	bool threads = assay_workers() > 1, busy = false, eligible = false;
	pthread_t th;
	size_t cur = 0;
	store_score_steps steps;
	int rc = store_score_steps_begin(r->s, &steps, err);
	if (rc == 0)
		rc = bulk_eligible(r, &eligible, err);
	if (rc == 0 && !run_stopped(r))
		rc = read_page(r, q, want, 0, &job[0], err);
	while (rc == 0) {
		page_job *p = &job[cur], *prev = &job[(cur + 2) % 3], *next = &job[(cur + 1) % 3];
		bool more = p->page.n > 0;
		if (more)
			busy = threads && pthread_create(&th, NULL, predict_thread, p) == 0;
		if (prev->page.n && eligible && predicted(prev, err) == 0 && mostly_changed(prev)) {
			eligible = false;
			rc = store_score_bulk_begin(r->s, &steps, err);
		}
		if (rc == 0 && prev->page.n && (rc = write_page(r, prev, want, &steps, err)) == 0)
			run_progress(r, MODEL_NAME, run_position(r, prev->page.last_id), r->scope,
				     false);
		prev->page.n = 0;
		next->page.n = 0;
		if (rc == 0 && more && !run_stopped(r))
			rc = read_page(r, q, want, p->page.last_id, next, err);
		if (more)
			predict_some(p, &p->sc[1]);
		if (busy)
			pthread_join(th, NULL);
		busy = false;
		if (rc < 0 || !more)
			break;
		cur = (cur + 1) % 3;
	}
	for (size_t i = 0; i < 3; i++)
		job_free(&job[i]);
	assay_error e2 = {0};
	int rc2 = store_score_steps_end(r->s, &steps, rc == 0, &e2);
	if (rc == 0 && rc2 < 0) {
		rc = rc2;
		*err = e2;
	}
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
			       .with_record = true, .min_id = r->min_id};
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
