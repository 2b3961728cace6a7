/* run_fuse.c — the rule scorers inside the near-duplicate pass: when a run
 * has both, each chunk the pass writes reads its samples again with the
 * rules' page query (their id range, the run's batches) and scores them on
 * the score pipe, a page scored on the other core while the last one is
 * written; each sample's rule scores and its neardup score go into one
 * entry of a score batch (one write of its row and notes, not two), and a
 * sample that held no score gets its combined score from these values in
 * memory (store_quality_first), the others from their stored row
 * (run_combine, by the caller). The rules' own pass (run.c run_text) then
 * finds these samples current. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"

/* One page read while the one before is written; scored in one pipe run. */
#define FUSE_PAGE 256

typedef struct fuse_page {
	store_score_page page;
	size_t sel[FUSE_PAGE]; /* the pipe's input i: the page's item sel[i] */
	size_t n_sel;
} fuse_page;

struct run_fuse {
	run_ctx *r;
	score_pipe *pipe;
	store_score_want want[SCORE_COUNT];
	char versions[SCORE_COUNT][32];
	size_t n_want;
	bool record;
	fuse_page pg[2];
	score_input in[FUSE_PAGE];
	int64_t ids[FUSE_PAGE]; /* a page's samples asked for a first combined score */
	double quality[FUSE_PAGE];
	bool set[FUSE_PAGE];
	store_slot_ref nd_ref;
	int64_t fused;      /* samples of the run's scope (ids up to r->max_id) written here */
	int64_t ns, wait_ns; /* time in the chunks, and waiting for the pipe */
};

int run_fuse_new(run_ctx *r, const enum score_id *ids, size_t n, run_fuse **out,
		 assay_error *err)
{
	*out = NULL;
	run_fuse *f = calloc(1, sizeof *f);
	if (!f)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	f->r = r;
	for (size_t i = 0; i < n && i < SCORE_COUNT; i++) {
		score_version(ids[i], &r->cfg, f->versions[i]);
		f->want[i] = (store_score_want){score_defs[ids[i]].name, f->versions[i]};
		f->record |= score_defs[ids[i]].needs & SCORE_NEEDS_RECORD;
		f->n_want++;
	}
	int rc = score_pipe_new(&r->cfg, ids, f->n_want, &f->pipe, err);
	if (rc < 0) {
		free(f);
		return rc;
	}
	*out = f;
	return ASSAY_OK;
}

void run_fuse_free(run_fuse *f)
{
	if (!f)
		return;
	if (f->pipe)
		score_pipe_figures(f->pipe, f->r->res);
	f->r->res->shared_seconds += (double)(f->ns - f->wait_ns) / 1e9;
	score_pipe_free(f->pipe);
	for (int i = 0; i < 2; i++)
		store_score_page_free(&f->pg[i].page);
	free(f);
}

int64_t run_fuse_fused(const run_fuse *f)
{
	return f ? f->fused : 0;
}

int64_t run_fuse_ns(const run_fuse *f)
{
	return f ? f->ns : 0;
}

/* The next page of the chunk's samples the rules want after from (up to
 * the chunk's last put), and which of them are put (both ascending). */
static int fuse_read(run_fuse *f, fuse_page *p, int64_t from, const int64_t *put, size_t n,
		     assay_error *err)
{
	const run_ctx *r = f->r;
	store_score_query q = {.batch_ids = r->o->batch_ids,
			       .n_batches = r->o->n_batches,
			       .want = f->want,
			       .n_want = f->n_want,
			       .rescore = r->o->rescore,
			       .with_record = f->record,
			       .max_id = put[n - 1]};
	p->page.last_id = from;
	p->n_sel = 0;
	int rc = store_score_page_next(r->s, &q, FUSE_PAGE, &p->page, err);
	if (rc < 0)
		return rc;
	size_t k = 0;
	while (k < n && put[k] <= from)
		k++;
	for (size_t i = 0; i < p->page.n; i++) {
		int64_t id = p->page.items[i].id;
		while (k < n && put[k] < id)
			k++;
		if (k < n && put[k] == id)
			p->sel[p->n_sel++] = i;
	}
	return ASSAY_OK;
}

/* Starts scoring the page's selected samples. */
static int fuse_start(run_fuse *f, const fuse_page *p, assay_error *err)
{
	for (size_t i = 0; i < p->n_sel; i++) {
		const store_score_item *it = &p->page.items[p->sel[i]];
		f->in[i] = (score_input){.text = it->text, .text_len = it->text_len,
					 .context = it->context, .context_len = it->context_len,
					 .text_field = it->text_field, .kind = it->kind,
					 .record = it->record, .record_len = it->record_len,
					 .need = it->need};
	}
	return p->n_sel ? score_pipe_start(f->pipe, f->in, p->n_sel, err) : ASSAY_OK;
}

/* The first combined scores of the page's scored samples that held none:
 * f->set[i] for the pipe's input i. */
static int fuse_first(run_fuse *f, const fuse_page *p, const int64_t *put, size_t n, size_t k,
		      run_fuse_row row, void *ud, assay_error *err)
{
	for (size_t i = 0; i < p->n_sel; i++) {
		int64_t id = p->page.items[p->sel[i]].id;
		while (k < n && put[k] < id)
			k++;
		double values[SCORE_COUNT];
		for (size_t v = 0; v < SCORE_COUNT; v++)
			values[v] = NAN;
		score_pipe_values(f->pipe, i, values);
		values[SCORE_NEARDUP] = row(ud, k, NULL, NULL);
		f->ids[i] = id;
		f->quality[i] = score_combine(values, f->r->cfg.weight, SCORE_COUNT);
	}
	return store_quality_first(f->r->s, f->ids, f->quality, p->n_sel, f->set, err);
}

/* Writes the chunk's put samples put[*k..) up to last (all of them when
 * last is 0): those the page p scored with their rules, the
 * others with their neardup score alone; those without a first combined
 * score are kept in put[*left..) for run_combine. */
static int fuse_write(run_fuse *f, const fuse_page *p, int64_t *put, size_t n, size_t *k,
		      size_t *left, int64_t last, run_fuse_row row, void *ud, assay_error *err)
{
	run_ctx *r = f->r;
	int rc = p->n_sel ? fuse_first(f, p, put, n, *k, row, ud, err) : ASSAY_OK;
	size_t i = 0;
	for (; *k < n && (last == 0 || put[*k] <= last) && rc == 0; ++*k) {
		store_score_row nd;
		score_result res;
		int64_t id = put[*k];
		row(ud, *k, &nd, &res);
		bool scored = i < p->n_sel && p->page.items[p->sel[i]].id == id;
		rc = score_pipe_add_more(f->pipe, r->s, scored ? i : SIZE_MAX, id, &nd, &f->nd_ref,
					 1, r->res, err);
		if (scored && f->set[i])
			run_combined_count(r, id);
		else
			put[(*left)++] = id;
		/* its rules current now: written here, or found current */
		f->fused += id <= r->max_id;
		i += scored;
	}
	return rc;
}

int run_fuse_chunk(run_fuse *f, int64_t *put, size_t n, size_t *n_left, run_fuse_row row,
		   void *ud, assay_error *err)
{
	*n_left = 0;
	if (n == 0)
		return ASSAY_OK;
	int64_t t0 = assay_mono_ns();
	fuse_page *cur = &f->pg[0], *next = &f->pg[1];
	size_t k = 0;
	bool running = false; /* a page's scoring started and not finished */
	int rc = fuse_read(f, cur, put[0] - 1, put, n, err);
	if (rc == 0 && (rc = fuse_start(f, cur, err)) == 0)
		running = cur->n_sel > 0;
	while (rc == 0) {
		bool more = cur->page.n == FUSE_PAGE;
		if (more)
			rc = fuse_read(f, next, cur->page.last_id, put, n, err);
		int64_t t = assay_mono_ns();
		if (running && rc == 0) {
			running = false; /* finished, failed or not */
			rc = score_pipe_finish(f->pipe, err);
		}
		if (rc == 0 && more && (rc = fuse_start(f, next, err)) == 0)
			running = next->n_sel > 0;
		f->wait_ns += assay_mono_ns() - t;
		/* the last page: every put sample left, scored by it or current */
		if (rc == 0)
			rc = fuse_write(f, cur, put, n, &k, n_left, more ? cur->page.last_id : 0, row,
					ud, err);
		if (rc == 0) /* the page's rows written now: the batch holds one page */
			rc = score_pipe_flush(f->pipe, f->r->s, true, err);
		if (!more)
			break;
		fuse_page *was = cur;
		cur = next;
		next = was;
	}
	if (running) { /* a run started is not written */
		assay_error ignored = {0};
		score_pipe_finish(f->pipe, &ignored);
	}
	if (rc < 0) /* the failed page's rows are not written */
		score_pipe_flush(f->pipe, f->r->s, false, err);
	f->ns += assay_mono_ns() - t0;
	return rc;
}
