/* neardup.c — the near-duplicate pass: every sample of the database in id
 * order through the LSH index, so the first sample of a cluster is never
 * flagged and every later one is; then the scores of the run's samples,
 * with their combined scores. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "score_int.h"

enum { ND_NEED = 1, ND_GAINED = 2, ND_SCOPE = 4, ND_MEMBER = 8 };

/* Per sample (by its index in id order): ~29 bytes. */
typedef struct nd_state {
	int64_t *ids;
	uint32_t *cluster, *of, *size;
	float *sim_of, *sim_max;
	uint8_t *flags;
	size_t n, cap;
} nd_state;

static void nd_free(nd_state *d)
{
	free(d->ids);
	free(d->cluster);
	free(d->of);
	free(d->size);
	free(d->sim_of);
	free(d->sim_max);
	free(d->flags);
}

#define GROW(p, cap) ((tmp = realloc((p), (cap) * sizeof *(p))) ? ((p) = tmp, 1) : 0)

static int nd_reserve(nd_state *d, assay_error *err)
{
	if (d->n < d->cap)
		return ASSAY_OK;
	size_t cap = d->cap ? d->cap * 2 : 65536;
	void *tmp;
	if (!(GROW(d->ids, cap) && GROW(d->cluster, cap) && GROW(d->of, cap) &&
	      GROW(d->size, cap) && GROW(d->sim_of, cap) && GROW(d->sim_max, cap) &&
	      GROW(d->flags, cap)))
		return assay_fail(err, ASSAY_ENOMEM, "out of memory for near-duplicates");
	d->cap = cap;
	return ASSAY_OK;
}

static size_t nd_bytes(const nd_state *d)
{
	return d->cap * (sizeof(int64_t) + 3 * sizeof(uint32_t) + 2 * sizeof(float) + 1);
}

static bool in_scope(const run_ctx *r, int64_t batch)
{
	if (!r->o->batch_ids)
		return true;
	for (size_t i = 0; i < r->o->n_batches; i++)
		if (r->o->batch_ids[i] == batch)
			return true;
	return false;
}

/* Adds one sample to the index and its cluster. */
static int nd_add(run_ctx *r, nd_state *d, score_lsh *lsh, const store_score_item *it,
		  assay_error *err)
{
	if (nd_reserve(d, err) < 0)
		return err->code;
	/* What makes the sample: its context and its text (two answers "6"
	 * to different questions are not near-duplicates). */
	const char *s = it->text;
	size_t n = it->text_len;
	if (it->context) {
		abuf_reset(&r->context);
		if (score_context_text(it->context, it->context_len, &r->context) < 0 ||
		    abuf_puts(&r->context, "\n\n") < 0 ||
		    abuf_append(&r->context, it->text, it->text_len) < 0)
			return assay_fail(err, ASSAY_ENOMEM, "out of memory");
		s = r->context.data;
		n = r->context.len;
	}
	if (score_text_analyse(&r->text, s, n, NULL) < 0)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	uint32_t sig[SCORE_MH_K];
	score_minhash(&r->text, sig);
	score_lsh_match m;
	if (score_lsh_add(lsh, sig, &m, err) < 0)
		return err->code;
	size_t i = d->n++;
	d->ids[i] = it->id;
	d->flags[i] =
	    (uint8_t)((it->need ? ND_NEED : 0) | (in_scope(r, it->batch_id) ? ND_SCOPE : 0));
	d->size[i] = 1;
	d->of[i] = UINT32_MAX;
	d->sim_of[i] = d->sim_max[i] = (float)m.similarity;
	d->cluster[i] = (uint32_t)i;
	if (m.best != UINT32_MAX && m.similarity >= r->cfg.jaccard) {
		uint32_t head = d->cluster[m.best];
		d->flags[i] |= ND_MEMBER;
		d->cluster[i] = head;
		d->of[i] = m.best;
		d->size[head]++;
		if (d->sim_max[m.best] < (float)m.similarity)
			d->sim_max[m.best] = (float)m.similarity;
		/* Earlier rows that stay current still say more now. */
		if (d->flags[i] & ND_NEED) {
			d->flags[m.best] |= ND_GAINED;
			d->flags[head] |= ND_GAINED;
		}
	}
	return ASSAY_OK;
}

static void nd_reason(const nd_state *d, size_t i, score_result *out)
{
	uint32_t head = d->cluster[i];
	if (d->flags[i] & ND_MEMBER) {
		score_set(out, 1.0 - d->sim_of[i],
			  "neardup: %.0f%% similar to sample #%lld (its "
			  "cluster starts at #%lld)",
			  100 * d->sim_of[i], (long long)d->ids[d->of[i]], (long long)d->ids[head]);
		snprintf(out->detail, sizeof out->detail,
			 "{\"cluster\":%lld,\"of\":%lld,\"similarity\":%.3f}",
			 (long long)d->ids[head], (long long)d->ids[d->of[i]], d->sim_max[i]);
	} else if (d->size[i] > 1) {
		score_set(out, 1, "neardup: first of a cluster of %u (highest similarity %.0f%%)",
			  d->size[i], 100 * d->sim_max[i]);
		snprintf(out->detail, sizeof out->detail,
			 "{\"cluster\":%lld,\"size\":%u,\"similarity\":%.3f}", (long long)d->ids[i],
			 d->size[i], d->sim_max[i]);
	} else {
		score_set(out, 1, "neardup: no near-duplicate (highest similarity %.0f%%)",
			  100 * d->sim_max[i]);
		snprintf(out->detail, sizeof out->detail, "{\"cluster\":%lld,\"similarity\":%.3f}",
			 (long long)d->ids[i], d->sim_max[i]);
	}
}

/* Writes the scores of the run's samples that are not current, and the new
 * reason of current ones whose cluster grew; each transaction also writes
 * the combined score of the samples it scored (a grown cluster changes
 * reasons, never values). */
#define ND_TX 8192

static int nd_commit(run_ctx *r, const int64_t *put, size_t n_put, assay_error *err)
{
	int rc = run_combine(r, put, n_put, err);
	if (rc < 0) {
		store_rollback(r->s);
		return rc;
	}
	return store_commit(r->s, err);
}

static int nd_write(run_ctx *r, nd_state *d, const char *version, assay_error *err)
{
	int64_t *put_ids = malloc(ND_TX * sizeof *put_ids);
	if (!put_ids)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	int rc = ASSAY_OK;
	bool open = false;
	size_t in_tx = 0, n_put = 0;
	for (size_t i = 0; i < d->n && rc == 0; i++) {
		uint8_t f = d->flags[i];
		bool put = (f & ND_SCOPE) && (f & ND_NEED),
		     update = !(f & ND_NEED) && (f & ND_GAINED);
		if (!put && !update)
			continue;
		if (!open && (rc = store_begin(r->s, err)) < 0)
			break;
		open = true;
		score_result res;
		nd_reason(d, i, &res);
		if (put) {
			bool flagged =
			    (f & ND_MEMBER) && res.value < r->cfg.threshold[SCORE_NEARDUP];
			store_score_row row = {.sample_id = d->ids[i],
					       .scorer = "neardup",
					       .version = version,
					       .value = res.value,
					       .flagged = flagged,
					       .reason = res.reason,
					       .detail = res.detail};
			rc = store_score_put(r->s, &row, err);
			r->res->scored[SCORE_NEARDUP]++;
			r->res->flagged[SCORE_NEARDUP] += flagged;
			put_ids[n_put++] = d->ids[i]; /* ascending: d is in id order */
		} else {
			rc = store_score_set_detail(r->s, d->ids[i], "neardup", res.reason,
						    res.detail, err);
		}
		if (rc == 0 && ++in_tx == ND_TX) {
			rc = nd_commit(r, put_ids, n_put, err);
			open = false;
			in_tx = n_put = 0;
			run_progress(r, "neardup", run_position(r, d->ids[i]), r->scope, false);
		}
	}
	if (open) {
		if (rc == 0)
			rc = nd_commit(r, put_ids, n_put, err);
		else
			store_rollback(r->s);
	}
	free(put_ids);
	return rc;
}

int run_neardup(run_ctx *r, int64_t all_count, assay_error *err)
{
	char version[32];
	score_version(SCORE_NEARDUP, &r->cfg, version);
	store_score_want want = {"neardup", version};
	store_score_query q = {.want = &want, .n_want = 1, .rescore = r->o->rescore, .all = true};
	int64_t t0 = assay_mono_ns();
	score_lsh *lsh = score_lsh_new((size_t)all_count, err);
	if (!lsh)
		return err->code;
	nd_state d = {0};
	store_score_page page = {0};
	int rc = ASSAY_OK;
	while (!run_stopped(r)) {
		if ((rc = store_score_page_next(r->s, &q, 4096, &page, err)) < 0 || page.n == 0)
			break;
		for (size_t i = 0; i < page.n && rc == 0; i++)
			rc = nd_add(r, &d, lsh, &page.items[i], err);
		if (rc < 0)
			break;
		run_progress(r, "neardup index", (int64_t)d.n, all_count, false);
	}
	store_score_page_free(&page);
	size_t bytes = score_lsh_bytes(lsh) + nd_bytes(&d);
	if (bytes > r->res->peak_index_bytes)
		r->res->peak_index_bytes = bytes;
	score_lsh_free(lsh);
	if (rc == 0 && !run_stopped(r))
		rc = nd_write(r, &d, version, err);
	nd_free(&d);
	r->res->seconds[SCORE_NEARDUP] += (double)(assay_mono_ns() - t0) / 1e9;
	return rc;
}
