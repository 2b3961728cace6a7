/* neardup.c — the near-duplicate pass over the index on disk
 * (src/store/neardup.c, neardup_bands.c). The samples after the id the
 * index is complete up to are matched in id order, a chunk of ND_CHUNK at
 * a time: against the chunk's earlier samples in an in-memory LSH index
 * emptied for each chunk, and against every stored sample (earlier runs'
 * and this run's earlier chunks') by their band keys, the stored blocks
 * merged in key order with the chunk's sorted keys (neardup_old.c); so the
 * first sample of a cluster is never flagged and every later one is, and
 * the memory a run holds is the chunk's whatever the count of samples.
 * Each chunk's rows are appended in id order with its band keys' blocks,
 * the stored rows it changed, the index's new end and its samples' scores
 * with their combined scores, in one transaction. A later run reads only
 * the new samples, and ~3.6 bytes of keys per stored sample and band when
 * there are any. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neardup_int.h"
#include "score_int.h"

enum { ND_NEED = 1, ND_GAINED = 2, ND_SCOPE = 4, ND_MEMBER = 8 };
#define NO_HEAD UINT32_MAX

/* The chunk's samples, by their index in it: their place in a cluster. */
typedef struct nd_state {
	int64_t ids[ND_CHUNK], cluster[ND_CHUNK], via[ND_CHUNK];
	uint32_t head[ND_CHUNK], size[ND_CHUNK]; /* head: the cluster's first in the chunk, or NO_HEAD */
	uint8_t agree_of[ND_CHUNK], agree_max[ND_CHUNK], flags[ND_CHUNK];
} nd_state;

/* A stored sample's row to change in the chunk's transaction: a cluster
 * grew or a later sample found it more similar. */
typedef struct nd_event {
	int64_t id;
	int agree, grow;
} nd_event;

/* A run's state: one chunk of new samples at a time (the in-memory LSH is
 * emptied for each), so what it holds does not grow with the database. */
typedef struct nd_run {
	run_ctx *r;
	char version[32];
	int64_t upto, last, done; /* upto: the index's end; done: samples indexed by the run */
	score_lsh *lsh;
	size_t feed_bytes; /* the pages read ahead */
	nd_state d;
	nd_chunk ch;
	nd_event *ev;
	size_t n_ev, cap_ev, old_bytes;
	int64_t put[ND_CHUNK]; /* the samples a transaction scored, ascending */
	uint32_t put_c[ND_CHUNK]; /* with the rules (r->fuse): put[k]'s index in the chunk */
	size_t n_put;
	bool trimmed; /* the blocks of an unfinished run dropped */
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

static int nd_event_add(nd_run *x, int64_t id, int agree, int grow, assay_error *err)
{
	if (x->n_ev == x->cap_ev) {
		size_t cap = x->cap_ev ? 2 * x->cap_ev : 256;
		nd_event *e = realloc(x->ev, cap * sizeof *e);
		if (!e)
			return assay_fail(err, ASSAY_ENOMEM, "out of memory for near-duplicates");
		x->ev = e;
		x->cap_ev = cap;
	}
	x->ev[x->n_ev++] = (nd_event){id, agree, grow};
	return ASSAY_OK;
}

/* The row of the chunk's sample c as it stands. */
static void nd_row(const nd_run *x, size_t c, store_neardup *row)
{
	const nd_state *d = &x->d;
	*row = (store_neardup){.sample_id = d->ids[c],
			       .cluster = d->cluster[c],
			       .via = d->via[c],
			       .agree_of = d->agree_of[c],
			       .agree_max = d->agree_max[c],
			       .size = d->size[c]};
	memcpy(row->sig, score_lsh_sig(x->lsh, (uint32_t)c), SCORE_MH_K);
}

/* Joins the chunk's sample c to the cluster of an earlier sample of the
 * chunk (b) or, when b is NO_HEAD, of the stored sample old (of an earlier
 * run or an earlier chunk of this one). */
static int nd_join(nd_run *x, size_t c, uint32_t b, int64_t old, assay_error *err)
{
	nd_state *d = &x->d;
	uint8_t gained = (d->flags[c] & ND_NEED) ? ND_GAINED : 0;
	d->flags[c] |= ND_MEMBER;
	if (b == NO_HEAD) {
		store_neardup via;
		bool found;
		int rc = store_neardup_get(x->r->s, old, &via, &found, err);
		if (rc < 0 || !found)
			return rc;
		d->cluster[c] = via.cluster;
		d->via[c] = old;
		d->head[c] = NO_HEAD;
		if ((rc = nd_event_add(x, old, d->agree_of[c], 0, err)) < 0)
			return rc;
		return nd_event_add(x, via.cluster, 0, 1, err);
	}
	d->cluster[c] = d->cluster[b];
	d->via[c] = d->ids[b];
	d->head[c] = d->head[b];
	if (d->agree_max[b] < d->agree_of[c]) {
		d->agree_max[b] = d->agree_of[c];
		d->flags[b] |= gained;
	}
	if (d->head[b] == NO_HEAD)
		return nd_event_add(x, d->cluster[b], 0, 1, err);
	d->size[d->head[b]]++;
	d->flags[d->head[b]] |= gained;
	return ASSAY_OK;
}

/* Places the chunk's sample c: its best match among the chunk's earlier
 * samples or the stored ones (the earlier on a tie), and its cluster. */
static int nd_place(nd_run *x, size_t c, assay_error *err)
{
	nd_chunk *ch = &x->ch;
	const score_lsh_match *m = &ch->m[c];
	int run_agree = -1;
	if (m->best != UINT32_MAX)
		run_agree = score_minhash_agree(score_lsh_sig(x->lsh, (uint32_t)c),
						score_lsh_sig(x->lsh, m->best));
	bool old = ch->old_id[c] > 0 && ch->old_agree[c] >= run_agree;
	int agree = old ? ch->old_agree[c] : run_agree < 0 ? 0 : run_agree;
	nd_state *d = &x->d;
	d->agree_of[c] = d->agree_max[c] = (uint8_t)agree;
	d->size[c] = 1;
	d->cluster[c] = d->ids[c];
	d->via[c] = 0;
	d->head[c] = (uint32_t)c;
	if (!old && m->best == UINT32_MAX)
		return ASSAY_OK;
	if (score_minhash_jaccard(agree) < x->r->cfg.jaccard)
		return ASSAY_OK;
	return nd_join(x, c, old ? NO_HEAD : m->best, ch->old_id[c], err);
}

static const uint8_t *chunk_sig(void *ud, size_t c)
{
	nd_run *x = ud;
	return score_lsh_sig(x->lsh, (uint32_t)c);
}

/* The value a sample's row gives (its score's: nd_reason). */
static double nd_value(const store_neardup *d)
{
	double v = d->via ? 1.0 - score_minhash_jaccard(d->agree_of) : 1;
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* The score a sample's row gives. */
static void nd_reason(const store_neardup *d, score_result *out)
{
	double of = score_minhash_jaccard(d->agree_of), max = score_minhash_jaccard(d->agree_max);
	double value = nd_value(d);
	if (d->via) {
		score_set(out, value,
			  "neardup: %.0f%% similar to sample #%lld (its "
			  "cluster starts at #%lld)",
			  100 * of, (long long)d->via, (long long)d->cluster);
		snprintf(out->detail, sizeof out->detail,
			 "{\"cluster\":%lld,\"of\":%lld,\"similarity\":%.3f}",
			 (long long)d->cluster, (long long)d->via, max);
	} else if (d->size > 1) {
		score_set(out, value,
			  "neardup: first of a cluster of %lld (highest similarity %.0f%%)",
			  (long long)d->size, 100 * max);
		snprintf(out->detail, sizeof out->detail,
			 "{\"cluster\":%lld,\"size\":%lld,\"similarity\":%.3f}",
			 (long long)d->sample_id, (long long)d->size, max);
	} else {
		score_set(out, value, "neardup: no near-duplicate (highest similarity %.0f%%)",
			  100 * max);
		snprintf(out->detail, sizeof out->detail, "{\"cluster\":%lld,\"similarity\":%.3f}",
			 (long long)d->sample_id, max);
	}
}

/* The sample's score from its row (strings in res), counted. */
static void nd_score(nd_run *x, const store_neardup *d, score_result *res, store_score_row *row)
{
	run_ctx *r = x->r;
	nd_reason(d, res);
	bool flagged = d->via && res->value < r->cfg.threshold[SCORE_NEARDUP];
	*row = (store_score_row){.sample_id = d->sample_id,
				 .scorer = "neardup",
				 .version = x->version,
				 .value = res->value,
				 .flagged = flagged,
				 .reason = res->reason,
				 .detail = res->detail};
	r->res->scored[SCORE_NEARDUP]++;
	r->res->flagged[SCORE_NEARDUP] += flagged;
}

/* Writes the sample's score from its row. */
static int nd_put(nd_run *x, const store_neardup *d, assay_error *err)
{
	score_result res;
	store_score_row row;
	nd_score(x, d, &res, &row);
	x->put[x->n_put++] = d->sample_id;
	return store_score_put(x->r->s, &row, err);
}

/* The chunk's put sample k, for the rules' writes (run_fuse_chunk). */
static double nd_fuse_row(void *ud, size_t k, store_score_row *out, score_result *res)
{
	nd_run *x = ud;
	store_neardup row;
	nd_row(x, x->put_c[k], &row);
	if (out)
		nd_score(x, &row, res, out);
	return nd_value(&row);
}

/* A current score of a stored sample whose row changed gets the new reason
 * (a value never changes). */
static int nd_regrow(nd_run *x, const store_neardup *d, assay_error *err)
{
	int rc = store_neardup_grow(x->r->s, d->sample_id, d->size, d->agree_max, err);
	bool current = false;
	if (rc == 0)
		rc = store_score_current(x->r->s, d->sample_id, "neardup", x->version, &current, err);
	if (rc < 0 || !current)
		return rc;
	score_result res;
	nd_reason(d, &res);
	return store_score_set_detail(x->r->s, d->sample_id, "neardup", res.reason, res.detail,
				      err);
}

static int cmp_event(const void *a, const void *b)
{
	const nd_event *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

/* The stored samples' rows the run's samples changed. */
static int nd_events(nd_run *x, assay_error *err)
{
	if (x->n_ev == 0)
		return ASSAY_OK;
	qsort(x->ev, x->n_ev, sizeof *x->ev, cmp_event);
	int rc = ASSAY_OK;
	for (size_t i = 0; i < x->n_ev && rc == 0;) {
		store_neardup row;
		bool found;
		size_t j = i;
		if ((rc = store_neardup_get(x->r->s, x->ev[i].id, &row, &found, err)) < 0)
			break;
		for (; j < x->n_ev && x->ev[j].id == x->ev[i].id; j++) {
			row.size += x->ev[j].grow;
			if (row.agree_max < x->ev[j].agree)
				row.agree_max = x->ev[j].agree;
		}
		if (found)
			rc = nd_regrow(x, &row, err);
		i = j;
	}
	x->n_ev = 0;
	return rc;
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

/* One of the chunk's samples once every one is placed: its score when the
 * run is to write it, or the new reason of a current one whose cluster
 * grew (a later chunk's growth comes through nd_events). */
static int nd_finish(nd_run *x, size_t c, assay_error *err)
{
	uint8_t f = x->d.flags[c];
	bool put = (f & ND_SCOPE) && (f & ND_NEED), update = !(f & ND_NEED) && (f & ND_GAINED);
	if (!put && !update)
		return ASSAY_OK;
	if (put && x->r->fuse) { /* written with its rules (run_fuse_chunk) */
		x->put_c[x->n_put] = (uint32_t)c;
		x->put[x->n_put++] = x->d.ids[c];
		return ASSAY_OK;
	}
	store_neardup row;
	nd_row(x, c, &row);
	if (put)
		return nd_put(x, &row, err);
	score_result res;
	nd_reason(&row, &res);
	return store_score_set_detail(x->r->s, row.sample_id, "neardup", res.reason, res.detail,
				      err);
}

/* The chunk matched against the stored samples (every earlier run's and
 * the earlier chunks of this one) and placed; in one transaction (a kill
 * keeps all or none): its rows appended, the stored rows it changed
 * rewritten, the index recorded complete up to its last sample, and its
 * samples' scores with their combined scores. Then the LSH is emptied. */
static int nd_flush(nd_run *x, assay_error *err)
{
	nd_chunk *ch = &x->ch;
	run_ctx *r = x->r;
	nd_pairs(ch);
	/* The stored index's reads in one read transaction, not one each. */
	int rc = x->upto > 0 ? store_read_begin(r->s, err) : ASSAY_OK;
	if (rc == 0)
		rc = nd_old_match(r->s, x->upto, ch, chunk_sig, x, &x->old_bytes, err);
	for (size_t c = 0; c < ch->n && rc == 0; c++)
		rc = nd_place(x, c, err);
	if (x->upto > 0 && store_in_tx(r->s))
		store_read_end(r->s);
	if (rc < 0 || (rc = store_begin(r->s, err)) < 0)
		return rc;
	if (!x->trimmed)
		rc = store_neardup_trim(r->s, x->upto, err);
	for (size_t c = 0; c < ch->n && rc == 0; c++) {
		store_neardup row;
		nd_row(x, c, &row);
		rc = store_neardup_put(r->s, &row, err);
	}
	if (rc == 0)
		rc = nd_old_append(r->s, ch, x->d.ids, err);
	if (rc == 0)
		rc = nd_events(x, err);
	if (rc == 0)
		rc = store_neardup_done(r->s, x->last, err);
	for (size_t c = 0; c < ch->n && rc == 0; c++)
		rc = nd_finish(x, c, err);
	if (rc == 0 && r->fuse) /* the rules' scores with them, and the first combined scores */
		rc = run_fuse_chunk(r->fuse, x->put, x->n_put, &x->n_put, nd_fuse_row, x, err);
	if ((rc = nd_commit(x, rc, err)) == 0) {
		x->upto = x->last;
		x->trimmed = true;
	}
	x->done += (int64_t)ch->n;
	ch->n = 0;
	score_lsh_clear(x->lsh);
	run_progress(r, "neardup", run_position(r, x->last), r->scope, false);
	return rc;
}

/* Adds the signed page's sample i to the chunk and its in-memory index. */
static int nd_add(nd_run *x, const nd_signed *pg, size_t i, assay_error *err)
{
	nd_chunk *ch = &x->ch;
	size_t c = ch->n++;
	/* the index keeps the low byte of each min-hash: all the page holds */
	uint32_t sig[SCORE_MH_K];
	for (size_t k = 0; k < SCORE_MH_K; k++)
		sig[k] = pg->sig[i][k];
	int rc = score_lsh_add_keyed(x->lsh, sig, pg->keys[i], &ch->m[c], err);
	if (rc < 0)
		return rc;
	memcpy(ch->keys[c], pg->keys[i], sizeof ch->keys[c]);
	x->d.ids[c] = pg->id[i];
	x->d.flags[c] =
	    (uint8_t)((pg->need[i] ? ND_NEED : 0) | (in_scope(x->r, pg->batch[i]) ? ND_SCOPE : 0));
	x->last = pg->id[i];
	return ch->n == ND_CHUNK ? nd_flush(x, err) : ASSAY_OK;
}

/* The samples already indexed whose score is missing or stale (or all of
 * the run's with --rescore): written from their rows. */
static int nd_rescore(nd_run *x, assay_error *err)
{
	run_ctx *r = x->r;
	store_score_want want = {"neardup", x->version};
	store_score_query q = {.batch_ids = r->o->batch_ids,
			       .n_batches = r->o->n_batches,
			       .want = &want,
			       .n_want = 1,
			       .rescore = r->o->rescore,
			       .max_id = x->upto,
			       .min_id = r->min_id};
	store_score_page page = {0};
	int rc = ASSAY_OK;
	while (x->upto > 0 && !run_stopped(r)) {
		if ((rc = store_score_page_next(r->s, &q, ND_PAGE, &page, err)) < 0 ||
		    page.n == 0 || (rc = store_begin(r->s, err)) < 0)
			break;
		for (size_t i = 0; i < page.n && rc == 0; i++) {
			store_neardup d;
			bool found;
			rc = store_neardup_get(r->s, page.items[i].id, &d, &found, err);
			if (rc == 0 && found)
				rc = nd_put(x, &d, err);
		}
		if ((rc = nd_commit(x, rc, err)) < 0)
			break;
		run_progress(r, "neardup", run_position(r, page.last_id), r->scope, false);
	}
	store_score_page_free(&page);
	return rc;
}

/* Indexes every sample after the index's end, in id order, a chunk at a
 * time; with more than a page of them, the next pages are read and signed
 * on the other core meanwhile (neardup_feed.c). */
static int nd_extend(nd_run *x, int64_t expected, assay_error *err)
{
	run_ctx *r = x->r;
	store_score_want want = {"neardup", x->version};
	store_score_query q = {.want = &want, .n_want = 1, .rescore = r->o->rescore, .all = true};
	nd_feed *f;
	int rc = nd_feed_start(r->s, &q, x->upto, expected > ND_PAGE, r->o->stop, &f, err);
	while (rc == 0 && !run_stopped(r)) {
		const nd_signed *pg;
		if ((rc = nd_feed_next(f, &pg, err)) < 0 || !pg)
			break;
		for (size_t i = 0; i < pg->n && rc == 0; i++)
			rc = nd_add(x, pg, i, err);
		nd_feed_done(f);
		if (rc < 0)
			break;
		int64_t done = x->done + (int64_t)x->ch.n;
		run_progress(r, "neardup index", done, expected > done ? expected : done, false);
	}
	nd_feed_stop(f); /* its thread no longer fills the pages measured */
	x->feed_bytes = nd_feed_bytes(f);
	nd_feed_free(f);
	if (rc == 0 && x->ch.n && !run_stopped(r))
		rc = nd_flush(x, err);
	return rc;
}

/* The index's state; an index of another version (or none) is emptied to
 * be made again from the first sample. Rows above its end (never recorded
 * complete) are neither read nor kept: their samples' rows replace them. */
static int nd_open(nd_run *x, assay_error *err)
{
	char built[32];
	store *s = x->r->s;
	int rc = store_neardup_state(s, built, sizeof built, &x->upto, err);
	if (rc < 0 || strcmp(built, x->version) == 0)
		return rc;
	x->upto = 0;
	if ((rc = store_begin(s, err)) < 0)
		return rc;
	rc = store_neardup_reset(s, x->version, err);
	return rc < 0 ? (store_rollback(s), rc) : store_commit(s, err);
}

int run_neardup(run_ctx *r, int64_t all_count, int64_t all_max, assay_error *err)
{
	int64_t t0 = assay_mono_ns() - run_fuse_ns(r->fuse); /* the rules' time is theirs */
	nd_run *x = calloc(1, sizeof *x);
	if (!x)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	x->r = r;
	score_version(SCORE_NEARDUP, &r->cfg, x->version);
	int rc = nd_open(x, err);
	/* Sample ids are dense: the new ones are about all_max - upto. */
	int64_t expected = all_max - x->upto < all_count ? all_max - x->upto : all_count;
	if (rc == 0)
		rc = nd_rescore(x, err);
	/* The LSH holds one chunk at most, whatever the count of new samples. */
	size_t lsh_cap = expected < ND_CHUNK ? (size_t)expected : ND_CHUNK;
	if (rc == 0 && expected > 0 && !(x->lsh = score_lsh_new(lsh_cap, err)))
		rc = err->code;
	if (rc == 0 && x->lsh)
		rc = nd_extend(x, expected, err);
	size_t bytes = sizeof *x + x->old_bytes + x->cap_ev * sizeof *x->ev +
		       (x->lsh ? score_lsh_bytes(x->lsh) : 0) + x->feed_bytes;
	if (bytes > r->res->peak_index_bytes)
		r->res->peak_index_bytes = bytes;
	score_lsh_free(x->lsh);
	free(x->ev);
	free(x);
	r->res->seconds[SCORE_NEARDUP] +=
	    (double)(assay_mono_ns() - run_fuse_ns(r->fuse) - t0) / 1e9;
	return rc;
}
