/* neardup.c — the near-duplicate pass over the index on disk
 * (src/store/neardup.c): the samples after the largest indexed id are
 * indexed in id order, each matched against the earlier samples sharing
 * one of its band keys, so the first sample of a cluster is never flagged
 * and every later one is; then the scores of the run's samples, with
 * their combined scores. Time and memory follow the samples indexed and
 * scored, never the size of the database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "score_int.h"

/* Candidates per band key, most recent first. */
#define ND_CHAIN 64
/* Samples per read and per transaction. */
#define ND_PAGE 4096

typedef struct nd_run {
	run_ctx *r;
	char version[32];
	int64_t put[ND_PAGE]; /* the samples the transaction scored, ascending */
	size_t n_put;
	int64_t cand[SCORE_MH_BANDS * ND_CHAIN];
} nd_run;

static bool in_scope(const run_ctx *r, int64_t batch)
{
	if (!r->o->batch_ids)
		return true;
	for (size_t i = 0; i < r->o->n_batches; i++)
		if (r->o->batch_ids[i] == batch)
			return true;
	return false;
}

/* The signature of what makes the sample: its context and its text (two
 * answers "6" to different questions are not near-duplicates). */
static int nd_signature(run_ctx *r, const store_score_item *it, uint32_t sig[SCORE_MH_K],
			assay_error *err)
{
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
	score_minhash(&r->text, sig);
	return ASSAY_OK;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The most similar earlier sample among those sharing a band key (*best 0
 * when none); on a tie the earliest. */
static int nd_match(nd_run *x, const store_neardup *me, const int64_t *keys, int64_t *best,
		    int *agree, assay_error *err)
{
	size_t n = 0, got;
	*best = 0;
	*agree = 0;
	for (size_t b = 0; b < SCORE_MH_BANDS; b++) {
		int rc = store_neardup_bucket(x->r->s, keys[b], me->sample_id, x->cand + n,
					      ND_CHAIN, &got, err);
		if (rc < 0)
			return rc;
		n += got;
	}
	qsort(x->cand, n, sizeof *x->cand, cmp_id);
	int top = -1;
	for (size_t i = 0; i < n; i++) {
		if (i && x->cand[i] == x->cand[i - 1])
			continue;
		store_neardup c;
		bool found;
		int rc = store_neardup_get(x->r->s, x->cand[i], &c, &found, err);
		if (rc < 0)
			return rc;
		int a = found ? score_minhash_agree(me->sig, c.sig) : -1;
		if (a > top) {
			top = a;
			*best = c.sample_id;
		}
	}
	*agree = top < 0 ? 0 : top;
	return ASSAY_OK;
}

/* The score a sample's indexed row gives. */
static void nd_reason(const store_neardup *d, score_result *out)
{
	double of = score_minhash_jaccard(d->agree_of), max = score_minhash_jaccard(d->agree_max);
	if (d->via) {
		score_set(out, 1.0 - of,
			  "neardup: %.0f%% similar to sample #%lld (its "
			  "cluster starts at #%lld)",
			  100 * of, (long long)d->via, (long long)d->cluster);
		snprintf(out->detail, sizeof out->detail,
			 "{\"cluster\":%lld,\"of\":%lld,\"similarity\":%.3f}",
			 (long long)d->cluster, (long long)d->via, max);
	} else if (d->size > 1) {
		score_set(out, 1, "neardup: first of a cluster of %lld (highest similarity %.0f%%)",
			  (long long)d->size, 100 * max);
		snprintf(out->detail, sizeof out->detail,
			 "{\"cluster\":%lld,\"size\":%lld,\"similarity\":%.3f}",
			 (long long)d->sample_id, (long long)d->size, max);
	} else {
		score_set(out, 1, "neardup: no near-duplicate (highest similarity %.0f%%)",
			  100 * max);
		snprintf(out->detail, sizeof out->detail, "{\"cluster\":%lld,\"similarity\":%.3f}",
			 (long long)d->sample_id, max);
	}
}

/* Writes the sample's score from its row. */
static int nd_put(nd_run *x, const store_neardup *d, assay_error *err)
{
	run_ctx *r = x->r;
	score_result res;
	nd_reason(d, &res);
	bool flagged = d->via && res.value < r->cfg.threshold[SCORE_NEARDUP];
	store_score_row row = {.sample_id = d->sample_id,
			       .scorer = "neardup",
			       .version = x->version,
			       .value = res.value,
			       .flagged = flagged,
			       .reason = res.reason,
			       .detail = res.detail};
	r->res->scored[SCORE_NEARDUP]++;
	r->res->flagged[SCORE_NEARDUP] += flagged;
	x->put[x->n_put++] = d->sample_id;
	return store_score_put(r->s, &row, err);
}

/* An earlier sample's row changed (its cluster grew, or a later sample
 * found it more similar): a current score of it gets the new reason (a
 * value never changes). */
static int nd_regrow(nd_run *x, const store_neardup *d, assay_error *err)
{
	int rc = store_neardup_grow(x->r->s, d->sample_id, d->size, d->agree_max, err);
	store_score *v = NULL;
	size_t n = 0;
	if (rc == 0)
		rc = store_scores_get(x->r->s, d->sample_id, &v, &n, err);
	bool current = false;
	for (size_t i = 0; i < n; i++)
		current |= !strcmp(v[i].scorer, "neardup") && !strcmp(v[i].version, x->version);
	store_scores_free(v, n);
	if (rc < 0 || !current)
		return rc;
	score_result res;
	nd_reason(d, &res);
	return store_score_set_detail(x->r->s, d->sample_id, "neardup", res.reason, res.detail,
				      err);
}

/* Joins the new row d to the cluster of its most similar earlier sample. */
static int nd_join(nd_run *x, store_neardup *d, int64_t best, assay_error *err)
{
	store_neardup via, head;
	bool found, found_head = true;
	int rc = store_neardup_get(x->r->s, best, &via, &found, err);
	if (rc < 0 || !found)
		return rc;
	if (via.agree_max < d->agree_of)
		via.agree_max = d->agree_of;
	d->cluster = via.cluster;
	d->via = best;
	if (via.cluster == via.sample_id) {
		via.size++;
		return nd_regrow(x, &via, err);
	}
	if ((rc = nd_regrow(x, &via, err)) < 0 ||
	    (rc = store_neardup_get(x->r->s, via.cluster, &head, &found_head, err)) < 0 ||
	    !found_head)
		return rc;
	head.size++;
	return nd_regrow(x, &head, err);
}

/* Indexes one sample after every earlier one; d gets its row. */
static int nd_index(nd_run *x, const store_score_item *it, store_neardup *d, assay_error *err)
{
	uint32_t sig[SCORE_MH_K];
	int64_t keys[SCORE_MH_BANDS], best;
	int agree, rc = nd_signature(x->r, it, sig, err);
	if (rc < 0)
		return rc;
	*d = (store_neardup){.sample_id = it->id, .cluster = it->id, .size = 1};
	score_minhash_bytes(sig, d->sig);
	score_minhash_bands(sig, keys);
	if ((rc = nd_match(x, d, keys, &best, &agree, err)) < 0)
		return rc;
	d->agree_of = d->agree_max = agree;
	if (best && score_minhash_jaccard(agree) >= x->r->cfg.jaccard &&
	    (rc = nd_join(x, d, best, err)) < 0)
		return rc;
	return store_neardup_add(x->r->s, d, keys, SCORE_MH_BANDS, err);
}

/* Ends a transaction: the combined scores of the samples it scored. */
static int nd_commit(nd_run *x, int rc, assay_error *err)
{
	if (rc == 0)
		rc = run_combine(x->r, x->put, x->n_put, err);
	x->n_put = 0;
	if (rc < 0) {
		store_rollback(x->r->s);
		return rc;
	}
	return store_commit(x->r->s, err);
}

/* The samples already indexed whose score is missing or stale (or all of
 * the run's with --rescore): written from their rows. */
static int nd_rescore(nd_run *x, int64_t indexed, assay_error *err)
{
	run_ctx *r = x->r;
	store_score_want want = {"neardup", x->version};
	store_score_query q = {.batch_ids = r->o->batch_ids,
			       .n_batches = r->o->n_batches,
			       .want = &want,
			       .n_want = 1,
			       .rescore = r->o->rescore,
			       .max_id = indexed};
	store_score_page page = {0};
	int rc = ASSAY_OK;
	while (indexed > 0 && !run_stopped(r)) {
		if ((rc = store_score_page_next(r->s, &q, ND_PAGE, &page, err)) < 0 ||
		    page.n == 0 || (rc = store_begin(r->s, err)) < 0)
			break;
		for (size_t i = 0; i < page.n && rc == 0; i++) {
			store_neardup d;
			bool found;
			rc = store_neardup_get(r->s, page.items[i].id, &d, &found, err);
			if (rc == 0 && !found) /* not indexed: matched with what precedes it */
				rc = nd_index(x, &page.items[i], &d, err);
			if (rc == 0)
				rc = nd_put(x, &d, err);
		}
		if ((rc = nd_commit(x, rc, err)) < 0)
			break;
		run_progress(r, "neardup", run_position(r, page.last_id), r->scope, false);
	}
	store_score_page_free(&page);
	return rc;
}

/* Indexes every sample after the largest indexed id, in id order, writing
 * the scores of the run's samples among them. */
static int nd_extend(nd_run *x, int64_t indexed, int64_t all_count, assay_error *err)
{
	run_ctx *r = x->r;
	store_score_want want = {"neardup", x->version};
	store_score_query q = {.want = &want, .n_want = 1, .rescore = r->o->rescore, .all = true};
	store_score_page page = {.last_id = indexed};
	int64_t done = 0, total = all_count - indexed;
	int rc = ASSAY_OK;
	while (!run_stopped(r)) {
		if ((rc = store_score_page_next(r->s, &q, ND_PAGE, &page, err)) < 0 ||
		    page.n == 0 || (rc = store_begin(r->s, err)) < 0)
			break;
		for (size_t i = 0; i < page.n && rc == 0; i++) {
			const store_score_item *it = &page.items[i];
			store_neardup d;
			rc = nd_index(x, it, &d, err);
			if (rc == 0 && it->need && in_scope(r, it->batch_id))
				rc = nd_put(x, &d, err);
		}
		if ((rc = nd_commit(x, rc, err)) < 0)
			break;
		done += (int64_t)page.n;
		run_progress(r, "neardup index", done, total > done ? total : done, false);
	}
	store_score_page_free(&page);
	return rc;
}

int run_neardup(run_ctx *r, int64_t all_count, assay_error *err)
{
	int64_t t0 = assay_mono_ns(), indexed = 0;
	nd_run *x = calloc(1, sizeof *x);
	if (!x)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	x->r = r;
	score_version(SCORE_NEARDUP, &r->cfg, x->version);
	char built[32];
	int rc = store_neardup_state(r->s, built, sizeof built, &indexed, err);
	/* Clusters made at another threshold (or by another scorer version)
	 * are made again, from the first sample. */
	if (rc == 0 && strcmp(built, x->version) != 0) {
		if ((rc = store_begin(r->s, err)) == 0) {
			rc = store_neardup_reset(r->s, x->version, err);
			rc = rc < 0 ? (store_rollback(r->s), rc) : store_commit(r->s, err);
		}
		indexed = 0;
	}
	if (rc == 0)
		rc = nd_rescore(x, indexed, err);
	if (rc == 0)
		rc = nd_extend(x, indexed, all_count, err);
	if (sizeof *x > r->res->peak_index_bytes)
		r->res->peak_index_bytes = sizeof *x;
	free(x);
	r->res->seconds[SCORE_NEARDUP] += (double)(assay_mono_ns() - t0) / 1e9;
	return rc;
}
