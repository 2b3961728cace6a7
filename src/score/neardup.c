/* neardup.c — the near-duplicate pass over the index kept in the database
 * (src/store/neardup.c): the samples added since the last run join it in
 * id order, each looked up by its band keys among the earlier ones, so the
 * first sample of a cluster is never flagged and every later one is; then
 * earlier samples whose cluster grew get their new reason in the same
 * transaction; then the run's samples that need a score get it from their
 * stored cluster. Time and
 * memory follow the new samples, not the database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/store_neardup.h"
#include "run_int.h"
#include "score_int.h"

_Static_assert(STORE_ND_SIG == SCORE_MH_BYTES, "the stored signature is four bits per bin");

#define ND_PAGE	  4096 /* samples signed (on every core) and indexed per transaction */
#define ND_CHUNK  256  /* samples per signing task */
#define CHAIN_CAP 64   /* candidates per band key, the most recent first */
#define ND_TX	  8192 /* scores written per transaction */

typedef struct nd_worker {
	score_text text;
	abuf context;
} nd_worker;

/* A band key of the page's sample number idx. */
typedef struct nd_pair {
	int32_t key; /* ordered as the store orders keys */
	uint32_t idx;
} nd_pair;

typedef struct nd_pass {
	run_ctx *r;
	const store_score_page *page;
	/* Per sample of the page: its band keys, stored signature and cluster. */
	uint32_t (*keys)[SCORE_MH_BANDS];
	uint8_t (*sig8)[SCORE_MH_BYTES];
	int64_t *cluster, *ids;
	nd_pair *pairs;			  /* the page's band keys, by key then sample */
	uint32_t *sorted_keys, *distinct; /* the pairs' keys; without repeats */
	int64_t *owner;			  /* the pairs' sample ids */
	size_t cap;
	store_nd_hit *hits; /* earlier samples holding the page's keys */
	size_t n_hits;
	nd_worker w[ASSAY_MAX_WORKERS];
	int64_t last;	  /* the last sample indexed before this run */
	int64_t *touched; /* samples up to last whose cluster the page grew */
	size_t n_touched, cap_touched;
	int64_t cand[SCORE_MH_BANDS * CHAIN_CAP];
	size_t n_cand;
} nd_pass;

static void nd_pass_free(nd_pass *p)
{
	for (size_t i = 0; i < ASSAY_MAX_WORKERS; i++) {
		score_text_free(&p->w[i].text);
		abuf_free(&p->w[i].context);
	}
	free(p->keys);
	free(p->sig8);
	free(p->cluster);
	free(p->ids);
	free(p->pairs);
	free(p->sorted_keys);
	free(p->distinct);
	free(p->owner);
	free(p->hits);
	free(p->touched);
}

/* Signs items [task * ND_CHUNK, ...) of the page: what makes a sample is
 * its context and its text (two answers "6" to different questions are not
 * near-duplicates). */
static int nd_sign(void *ud, size_t worker, size_t task, assay_error *err)
{
	nd_pass *p = ud;
	nd_worker *w = &p->w[worker];
	size_t end = (task + 1) * ND_CHUNK < p->page->n ? (task + 1) * ND_CHUNK : p->page->n;
	for (size_t i = task * ND_CHUNK; i < end; i++) {
		const store_score_item *it = &p->page->items[i];
		const char *s = it->text;
		size_t n = it->text_len;
		if (it->context) {
			abuf_reset(&w->context);
			if (score_context_text(it->context, it->context_len, &w->context) < 0 ||
			    abuf_puts(&w->context, "\n\n") < 0 ||
			    abuf_append(&w->context, it->text, it->text_len) < 0)
				return assay_fail(err, ASSAY_ENOMEM, "out of memory");
			s = w->context.data;
			n = w->context.len;
		}
		if (score_text_analyse(&w->text, s, n, NULL) < 0)
			return assay_fail(err, ASSAY_ENOMEM, "out of memory");
		uint32_t sig[SCORE_MH_K];
		score_minhash(&w->text, sig);
		score_minhash_bands(sig, p->keys[i]);
		score_minhash_pack(sig, p->sig8[i]);
		for (size_t b = 0; b < SCORE_MH_BANDS; b++)
			p->pairs[i * SCORE_MH_BANDS + b] =
			    (nd_pair){(int32_t)p->keys[i][b], (uint32_t)i};
	}
	return ASSAY_OK;
}

static int touch(nd_pass *p, int64_t id, assay_error *err)
{
	if (id > p->last)
		return ASSAY_OK; /* new in this run: its score is written anyway */
	if (p->n_touched == p->cap_touched) {
		size_t cap = p->cap_touched ? 2 * p->cap_touched : 256;
		int64_t *v = realloc(p->touched, cap * sizeof *v);
		if (!v)
			return assay_fail(err, ASSAY_ENOMEM, "out of memory");
		p->touched = v;
		p->cap_touched = cap;
	}
	p->touched[p->n_touched++] = id;
	return ASSAY_OK;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_pair(const void *a, const void *b)
{
	const nd_pair *x = a, *y = b;
	if (x->key != y->key)
		return (x->key > y->key) - (x->key < y->key);
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static void add_cand(nd_pass *p, int64_t id, size_t *taken)
{
	p->cand[p->n_cand++] = id;
	(*taken)++;
}

/* The candidates of sample i of the page for band key `key`: the samples
 * before it holding the key, the most recent first (earlier ones of the
 * page, then the index's), at most CHAIN_CAP. */
static void band_candidates(nd_pass *p, size_t i, uint32_t key)
{
	size_t taken = 0, n_pairs = p->page->n * SCORE_MH_BANDS;
	nd_pair me = {(int32_t)key, (uint32_t)i};
	nd_pair *at = bsearch(&me, p->pairs, n_pairs, sizeof me, cmp_pair);
	for (nd_pair *q = at; q && q > p->pairs && taken < CHAIN_CAP;) {
		if ((--q)->key != me.key)
			break;
		if (q->idx < i) /* not the sample itself (a key in two of its bands) */
			add_cand(p, p->ids[q->idx], &taken);
	}
	size_t lo = 0, hi = p->n_hits;
	while (lo < hi) { /* the first hit of the key */
		size_t mid = (lo + hi) / 2;
		if ((int32_t)p->hits[mid].key < me.key)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < p->n_hits && p->hits[lo].key == key && taken < CHAIN_CAP; lo++)
		add_cand(p, p->hits[lo].sample_id, &taken);
}

/* A candidate's stored signature and cluster: from the page when it is
 * one of its samples, else from the index. */
static int cand_row(nd_pass *p, int64_t id, store_nd_row *row, bool *found, assay_error *err)
{
	size_t lo = 0, hi = p->page->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (p->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < p->page->n && p->ids[lo] == id) {
		row->sample_id = id;
		row->cluster = p->cluster[lo];
		memcpy(row->sig, p->sig8[lo], sizeof row->sig);
		*found = true;
		return ASSAY_OK;
	}
	return store_nd_get(p->r->s, id, row, found, err);
}

/* Adds sample i of the page: its most similar earlier candidate (the
 * lowest id among equals), and when that reaches the threshold, its
 * cluster. */
static int nd_index(nd_pass *p, size_t i, assay_error *err)
{
	int64_t me = p->ids[i];
	p->n_cand = 0;
	for (size_t b = 0; b < SCORE_MH_BANDS; b++)
		band_candidates(p, i, p->keys[i][b]);
	qsort(p->cand, p->n_cand, sizeof *p->cand, cmp_id);
	store_nd_row row = {.sample_id = me, .cluster = me, .size = 1}, other;
	memcpy(row.sig, p->sig8[i], sizeof row.sig);
	int64_t best = 0, best_cluster = 0;
	double sim = 0;
	int rc = ASSAY_OK;
	for (size_t c = 0; c < p->n_cand && rc == 0; c++) {
		bool found;
		if ((c && p->cand[c] == p->cand[c - 1]) ||
		    (rc = cand_row(p, p->cand[c], &other, &found, err)) < 0 || !found)
			continue;
		double j = score_minhash_similarity(row.sig, other.sig);
		if (j > sim) {
			sim = j;
			best = other.sample_id;
			best_cluster = other.cluster;
		}
	}
	row.sim_of = row.sim_max = sim;
	if (rc == 0 && best && sim >= p->r->cfg.jaccard) {
		row.of = best;
		row.cluster = best_cluster;
		if ((rc = store_nd_grow(p->r->s, best_cluster, best, sim, err)) == 0 &&
		    (rc = touch(p, best, err)) == 0)
			rc = touch(p, best_cluster, err);
	}
	p->cluster[i] = row.cluster;
	return rc < 0 ? rc : store_nd_add(p->r->s, &row, err);
}

static void nd_reason(const store_nd_row *d, score_result *out)
{
	if (d->of) {
		score_set(out, 1.0 - d->sim_of,
			  "neardup: %.0f%% similar to sample #%lld (its "
			  "cluster starts at #%lld)",
			  100 * d->sim_of, (long long)d->of, (long long)d->cluster);
		snprintf(out->detail, sizeof out->detail,
			 "{\"cluster\":%lld,\"of\":%lld,\"similarity\":%.3f}",
			 (long long)d->cluster, (long long)d->of, d->sim_max);
	} else if (d->size > 1) {
		score_set(out, 1, "neardup: first of a cluster of %lld (highest similarity %.0f%%)",
			  (long long)d->size, 100 * d->sim_max);
		snprintf(out->detail, sizeof out->detail,
			 "{\"cluster\":%lld,\"size\":%lld,\"similarity\":%.3f}",
			 (long long)d->sample_id, (long long)d->size, d->sim_max);
	} else {
		score_set(out, 1, "neardup: no near-duplicate (highest similarity %.0f%%)",
			  100 * d->sim_max);
		snprintf(out->detail, sizeof out->detail, "{\"cluster\":%lld,\"similarity\":%.3f}",
			 (long long)d->sample_id, d->sim_max);
	}
}

/* The stored cluster of one sample as its score (*found false when it is
 * not indexed: a sample imported by another process since the index pass
 * waits for the next run). */
static int nd_row(run_ctx *r, int64_t id, store_nd_row *d, score_result *res, bool *found,
		  assay_error *err)
{
	int rc = store_nd_get(r->s, id, d, found, err);
	if (rc == 0 && *found)
		nd_reason(d, res);
	return rc;
}

/* The new reasons of earlier samples whose cluster grew with the page (their
 * values do not change), in the page's transaction: a run killed after it
 * leaves no reason behind its cluster. */
static int nd_regrown(nd_pass *p, assay_error *err)
{
	qsort(p->touched, p->n_touched, sizeof *p->touched, cmp_id);
	int rc = ASSAY_OK;
	for (size_t i = 0; i < p->n_touched && rc == 0; i++) {
		if (i && p->touched[i] == p->touched[i - 1])
			continue;
		store_nd_row d;
		score_result res;
		bool found;
		if ((rc = nd_row(p->r, p->touched[i], &d, &res, &found, err)) == 0 && found)
			rc = store_score_set_detail(p->r->s, d.sample_id, "neardup", res.reason,
						    res.detail, err);
	}
	p->n_touched = 0;
	return rc;
}

static int nd_reserve(nd_pass *p, size_t n, assay_error *err)
{
	if (n <= p->cap)
		return ASSAY_OK;
	void *k = realloc(p->keys, n * sizeof *p->keys);
	if (k)
		p->keys = k;
	void *s8 = k ? realloc(p->sig8, n * sizeof *p->sig8) : NULL;
	if (s8)
		p->sig8 = s8;
	void *c = s8 ? realloc(p->cluster, n * sizeof *p->cluster) : NULL;
	if (c)
		p->cluster = c;
	void *ids = c ? realloc(p->ids, n * sizeof *p->ids) : NULL;
	if (ids)
		p->ids = ids;
	size_t n_keys = n * SCORE_MH_BANDS;
	void *pairs = ids ? realloc(p->pairs, n_keys * sizeof *p->pairs) : NULL;
	if (pairs)
		p->pairs = pairs;
	void *sk = pairs ? realloc(p->sorted_keys, n_keys * sizeof *p->sorted_keys) : NULL;
	if (sk)
		p->sorted_keys = sk;
	void *dk = sk ? realloc(p->distinct, n_keys * sizeof *p->distinct) : NULL;
	if (dk)
		p->distinct = dk;
	void *ow = dk ? realloc(p->owner, n_keys * sizeof *p->owner) : NULL;
	if (!ow)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	p->owner = ow;
	p->cap = n;
	return ASSAY_OK;
}

/* Indexes one page in one transaction: signed on every core, the earlier
 * samples holding its band keys looked up at once, its samples added in id
 * order, their band keys at once, and the new reasons of the earlier
 * samples it grew. */
static int nd_index_page(nd_pass *p, const store_score_page *page, assay_error *err)
{
	int rc = nd_reserve(p, page->n, err);
	if (rc < 0)
		return rc;
	p->page = page;
	for (size_t i = 0; i < page->n; i++)
		p->ids[i] = page->items[i].id;
	size_t tasks = (page->n + ND_CHUNK - 1) / ND_CHUNK, n_keys = page->n * SCORE_MH_BANDS;
	if ((rc = assay_parallel(assay_workers(), tasks, nd_sign, p, err)) < 0)
		return rc;
	qsort(p->pairs, n_keys, sizeof *p->pairs, cmp_pair);
	/* The keys in the store's order with their samples' ids (pairs sort by
	 * sample within a key, so by id), and the distinct keys among them. */
	size_t n_distinct = 0;
	for (size_t k = 0; k < n_keys; k++) {
		p->sorted_keys[k] = (uint32_t)p->pairs[k].key;
		p->owner[k] = p->ids[p->pairs[k].idx];
		if (!k || p->pairs[k].key != p->pairs[k - 1].key)
			p->distinct[n_distinct++] = (uint32_t)p->pairs[k].key;
	}
	free(p->hits);
	if ((rc = store_nd_lookup(p->r->s, p->distinct, n_distinct, CHAIN_CAP, &p->hits, &p->n_hits,
				  err)) < 0 ||
	    (rc = store_begin(p->r->s, err)) < 0)
		return rc;
	for (size_t i = 0; i < page->n && rc == 0; i++)
		rc = nd_index(p, i, err);
	if (rc == 0)
		rc = store_nd_add_bands(p->r->s, p->sorted_keys, p->owner, n_keys, err);
	if (rc == 0)
		rc = nd_regrown(p, err);
	if (rc < 0) {
		store_rollback(p->r->s);
		return rc;
	}
	return store_commit(p->r->s, err);
}

/* Brings the index up to date: from scratch when its clusters were formed
 * under another version (or on --rescore), else the samples after it. */
static int nd_extend(nd_pass *p, const char *version, int64_t all_count, assay_error *err)
{
	run_ctx *r = p->r;
	char stored[32];
	int rc = store_nd_version(r->s, stored, sizeof stored, err);
	if (rc == 0 && (r->o->rescore || strcmp(stored, version))) {
		if ((rc = store_begin(r->s, err)) == 0 &&
		    (rc = store_nd_reset(r->s, version, err)) < 0)
			store_rollback(r->s);
		else if (rc == 0)
			rc = store_commit(r->s, err);
	}
	if (rc < 0 || (rc = store_nd_last(r->s, &p->last, err)) < 0)
		return rc;
	store_score_want want = {"neardup", version};
	store_score_query q = {.want = &want, .n_want = 1, .all = true};
	store_score_page page = {.last_id = p->last};
	int64_t done = 0;
	while (!run_stopped(r)) {
		if ((rc = store_score_page_next(r->s, &q, ND_PAGE, &page, err)) < 0 || page.n == 0)
			break;
		if ((rc = nd_index_page(p, &page, err)) < 0)
			break;
		done += (int64_t)page.n;
		run_progress(r, "neardup index", done, all_count, false);
	}
	store_score_page_free(&page);
	size_t bytes =
	    sizeof *p + p->cap_touched * sizeof(int64_t) + p->n_hits * sizeof *p->hits +
	    p->cap * (sizeof *p->keys + sizeof *p->sig8 + 2 * sizeof(int64_t) +
		      SCORE_MH_BANDS * (sizeof *p->pairs + 2 * sizeof(uint32_t) + sizeof(int64_t)));
	if (bytes > r->res->peak_index_bytes)
		r->res->peak_index_bytes = bytes;
	return rc;
}

static int nd_put_page(run_ctx *r, const store_score_page *page, const char *version, int64_t *ids,
		       assay_error *err)
{
	int rc = store_begin(r->s, err);
	size_t n = 0;
	for (size_t i = 0; i < page->n && rc == 0; i++) {
		store_nd_row d;
		score_result res;
		bool found;
		if ((rc = nd_row(r, page->items[i].id, &d, &res, &found, err)) < 0 || !found)
			continue;
		ids[n++] = d.sample_id; /* ascending: the page is in id order */
		bool flagged = d.of && res.value < r->cfg.threshold[SCORE_NEARDUP];
		store_score_row row = {.sample_id = d.sample_id,
				       .scorer = "neardup",
				       .version = version,
				       .value = res.value,
				       .flagged = flagged,
				       .reason = res.reason,
				       .detail = res.detail};
		rc = store_score_put(r->s, &row, err);
		r->res->scored[SCORE_NEARDUP]++;
		r->res->flagged[SCORE_NEARDUP] += flagged;
	}
	if (rc == 0)
		rc = run_combine(r, ids, n, err);
	if (rc < 0) {
		store_rollback(r->s);
		return rc;
	}
	return store_commit(r->s, err);
}

/* Writes the scores of the run's samples that are not current. */
static int nd_write(nd_pass *p, const char *version, assay_error *err)
{
	run_ctx *r = p->r;
	store_score_want want = {"neardup", version};
	store_score_query q = {.batch_ids = r->o->batch_ids,
			       .n_batches = r->o->n_batches,
			       .want = &want,
			       .n_want = 1,
			       .rescore = r->o->rescore};
	store_score_page page = {0};
	int64_t *ids = malloc(ND_TX * sizeof *ids);
	int rc = ids ? ASSAY_OK : assay_fail(err, ASSAY_ENOMEM, "out of memory");
	while (rc == 0 && !run_stopped(r)) {
		if ((rc = store_score_page_next(r->s, &q, ND_TX, &page, err)) < 0 || page.n == 0)
			break;
		if ((rc = nd_put_page(r, &page, version, ids, err)) < 0)
			break;
		run_progress(r, "neardup", run_position(r, page.last_id), r->scope, false);
	}
	store_score_page_free(&page);
	free(ids);
	return rc;
}

int run_neardup(run_ctx *r, int64_t all_count, assay_error *err)
{
	char version[32];
	score_version(SCORE_NEARDUP, &r->cfg, version);
	int64_t t0 = assay_mono_ns();
	nd_pass *p = calloc(1, sizeof *p);
	if (!p)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	p->r = r;
	int rc = nd_extend(p, version, all_count, err);
	if (rc == 0 && !run_stopped(r))
		rc = nd_write(p, version, err);
	nd_pass_free(p);
	free(p);
	r->res->seconds[SCORE_NEARDUP] += (double)(assay_mono_ns() - t0) / 1e9;
	return rc;
}
