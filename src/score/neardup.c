/* neardup.c — the near-duplicate pass over the index on disk
 * (src/store/neardup.c). The samples after the id the index is complete up
 * to are matched in id order: against the run's earlier new samples in an
 * in-memory LSH index, and a chunk at a time against the stored samples in
 * one pass over their keys (neardup_old.c); so the first sample of a
 * cluster is never flagged and every later one is. Each chunk's rows are
 * appended in id order with the rows it changed and the index's new end,
 * in one transaction; then the scores of the run's samples, with their
 * combined scores (a run stopped before leaves them to the next run, which
 * writes them from the rows). A bulk build writes one row per sample in
 * each table, in id order, and no other index; a later run reads only the
 * new samples, and 80 bytes of keys per stored sample when there are any. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neardup_int.h"
#include "score_int.h"

enum { ND_NEED = 1, ND_GAINED = 2, ND_SCOPE = 4, ND_MEMBER = 8, ND_GREW = 16 };
#define ND_PAGE 4096
#define ND_TX	8192
#define NO_HEAD UINT32_MAX

/* The run's new samples, by their index in id order (~35 bytes each). */
typedef struct nd_state {
	int64_t *ids, *cluster, *via;
	uint32_t *head, *size; /* head: the cluster's first sample in the run, or NO_HEAD */
	uint8_t *agree_of, *agree_max, *flags;
	size_t n, cap;
} nd_state;

/* A stored sample's row to change at the end: a cluster grew or a later
 * sample found it more similar. */
typedef struct nd_event {
	int64_t id;
	int agree, grow;
} nd_event;

typedef struct nd_run {
	run_ctx *r;
	char version[32];
	int64_t upto, last;
	score_lsh *lsh;
	nd_state d;
	nd_chunk *ch;
	nd_event *ev;
	size_t n_ev, cap_ev, old_bytes;
	int64_t put[ND_TX]; /* the samples a transaction scored, ascending */
	size_t n_put;
} nd_run;

static void nd_free(nd_state *d)
{
	free(d->ids);
	free(d->cluster);
	free(d->via);
	free(d->head);
	free(d->size);
	free(d->agree_of);
	free(d->agree_max);
	free(d->flags);
}

#define GROW(p, cap) ((tmp = realloc((p), (cap) * sizeof *(p))) ? ((p) = tmp, 1) : 0)

static int nd_reserve(nd_state *d, assay_error *err)
{
	if (d->n < d->cap)
		return ASSAY_OK;
	size_t cap = d->cap ? d->cap * 2 : 65536;
	void *tmp;
	if (!(GROW(d->ids, cap) && GROW(d->cluster, cap) && GROW(d->via, cap) &&
	      GROW(d->head, cap) && GROW(d->size, cap) && GROW(d->agree_of, cap) &&
	      GROW(d->agree_max, cap) && GROW(d->flags, cap)))
		return assay_fail(err, ASSAY_ENOMEM, "out of memory for near-duplicates");
	d->cap = cap;
	return ASSAY_OK;
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

static int nd_events(nd_run *x, assay_error *err);

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

/* The row of the run's sample i as it stands. */
static void nd_row(const nd_run *x, size_t i, store_neardup *row)
{
	const nd_state *d = &x->d;
	*row = (store_neardup){.sample_id = d->ids[i],
			       .cluster = d->cluster[i],
			       .via = d->via[i],
			       .agree_of = d->agree_of[i],
			       .agree_max = d->agree_max[i],
			       .size = d->size[i]};
	memcpy(row->sig, score_lsh_sig(x->lsh, (uint32_t)i), SCORE_MH_K);
}

/* Joins the run's sample i to the cluster of a sample of the run (b) or,
 * when b is NO_HEAD, of the stored sample old. */
static int nd_join(nd_run *x, size_t i, uint32_t b, int64_t old, assay_error *err)
{
	nd_state *d = &x->d;
	uint8_t gained = (d->flags[i] & ND_NEED) ? ND_GAINED : 0;
	d->flags[i] |= ND_MEMBER;
	if (b == NO_HEAD) {
		store_neardup via;
		bool found;
		int rc = store_neardup_get(x->r->s, old, &via, &found, err);
		if (rc < 0 || !found)
			return rc;
		d->cluster[i] = via.cluster;
		d->via[i] = old;
		d->head[i] = NO_HEAD;
		if ((rc = nd_event_add(x, old, d->agree_of[i], 0, err)) < 0)
			return rc;
		return nd_event_add(x, via.cluster, 0, 1, err);
	}
	d->cluster[i] = d->cluster[b];
	d->via[i] = d->ids[b];
	d->head[i] = d->head[b];
	if (d->agree_max[b] < d->agree_of[i]) {
		d->agree_max[b] = d->agree_of[i];
		d->flags[b] |= ND_GREW | gained;
	}
	if (d->head[b] == NO_HEAD)
		return nd_event_add(x, d->cluster[b], 0, 1, err);
	d->size[d->head[b]]++;
	d->flags[d->head[b]] |= ND_GREW | gained;
	return ASSAY_OK;
}

/* Places the chunk's sample c: its best match among the run's earlier
 * samples or the stored ones (the earlier on a tie), and its cluster. */
static int nd_place(nd_run *x, size_t c, assay_error *err)
{
	nd_chunk *ch = x->ch;
	size_t i = ch->first + c;
	const score_lsh_match *m = &ch->m[c];
	int run_agree = -1;
	if (m->best != UINT32_MAX)
		run_agree = score_minhash_agree(score_lsh_sig(x->lsh, (uint32_t)i),
						score_lsh_sig(x->lsh, m->best));
	bool old = ch->old_id[c] > 0 && ch->old_agree[c] >= run_agree;
	int agree = old ? ch->old_agree[c] : run_agree < 0 ? 0 : run_agree;
	nd_state *d = &x->d;
	d->agree_of[i] = d->agree_max[i] = (uint8_t)agree;
	d->size[i] = 1;
	d->cluster[i] = d->ids[i];
	d->via[i] = 0;
	d->head[i] = (uint32_t)i;
	if (!old && m->best == UINT32_MAX)
		return ASSAY_OK;
	if (score_minhash_jaccard(agree) < x->r->cfg.jaccard)
		return ASSAY_OK;
	return nd_join(x, i, old ? NO_HEAD : m->best, ch->old_id[c], err);
}

static const uint8_t *chunk_sig(void *ud, size_t c)
{
	nd_run *x = ud;
	return score_lsh_sig(x->lsh, (uint32_t)(x->ch->first + c));
}

/* The rows of the run's earlier samples that changed since they were
 * written, and of the stored samples the chunk joined. */
static int nd_regrown(nd_run *x, assay_error *err)
{
	nd_state *d = &x->d;
	int rc = ASSAY_OK;
	for (size_t i = 0; i < x->ch->first && rc == 0; i++)
		if (d->flags[i] & ND_GREW)
			rc = store_neardup_grow(x->r->s, d->ids[i], d->size[i], d->agree_max[i],
						err);
	for (size_t i = 0; i < d->n; i++)
		d->flags[i] &= (uint8_t)~ND_GREW;
	return rc < 0 ? rc : nd_events(x, err);
}

/* The chunk matched against the stored samples and placed; its rows
 * appended, the rows it changed rewritten and the index recorded complete
 * up to its last sample, in one transaction (a kill keeps all or none). */
static int nd_flush(nd_run *x, assay_error *err)
{
	nd_chunk *ch = x->ch;
	run_ctx *r = x->r;
	int rc = nd_old_match(r->s, x->upto, ch, chunk_sig, x, &x->old_bytes, err);
	for (size_t c = 0; c < ch->n && rc == 0; c++)
		rc = nd_place(x, c, err);
	if (rc < 0 || (rc = store_begin(r->s, err)) < 0)
		return rc;
	for (size_t c = 0; c < ch->n && rc == 0; c++) {
		store_neardup row;
		nd_row(x, ch->first + c, &row);
		rc = store_neardup_put(r->s, &row, ch->keys[c], err);
	}
	if (rc == 0)
		rc = nd_regrown(x, err);
	if (rc == 0)
		rc = store_neardup_done(r->s, x->last, err);
	rc = rc < 0 ? (store_rollback(r->s), rc) : store_commit(r->s, err);
	ch->first += ch->n;
	ch->n = 0;
	return rc;
}

/* Adds one new sample to the in-memory index and the chunk. */
static int nd_add(nd_run *x, const store_score_item *it, assay_error *err)
{
	nd_state *d = &x->d;
	uint32_t sig[SCORE_MH_K];
	int rc = nd_reserve(d, err);
	if (rc < 0 || (rc = nd_signature(x->r, it, sig, err)) < 0)
		return rc;
	nd_chunk *ch = x->ch;
	size_t c = ch->n++, i = d->n++;
	if ((rc = score_lsh_add(x->lsh, sig, &ch->m[c], err)) < 0)
		return rc;
	score_minhash_bands(sig, ch->keys[c]);
	d->ids[i] = it->id;
	d->flags[i] =
	    (uint8_t)((it->need ? ND_NEED : 0) | (in_scope(x->r, it->batch_id) ? ND_SCOPE : 0));
	x->last = it->id;
	return ch->n == ND_CHUNK ? nd_flush(x, err) : ASSAY_OK;
}

/* The score a sample's row gives. */
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

/* A current score of a stored sample whose row changed gets the new reason
 * (a value never changes). */
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

/* One of the run's samples after every one is placed: its score when the
 * run is to write it, or the new reason of a current one whose cluster
 * grew. *n_ops counts writes. */
static int nd_finish(nd_run *x, size_t i, size_t *n_ops, assay_error *err)
{
	uint8_t f = x->d.flags[i];
	bool put = (f & ND_SCOPE) && (f & ND_NEED), update = !(f & ND_NEED) && (f & ND_GAINED);
	if (!put && !update)
		return ASSAY_OK;
	store_neardup row;
	nd_row(x, i, &row);
	int rc;
	if (put) {
		rc = nd_put(x, &row, err);
	} else {
		score_result res;
		nd_reason(&row, &res);
		rc = store_score_set_detail(x->r->s, row.sample_id, "neardup", res.reason,
					    res.detail, err);
	}
	++*n_ops;
	return rc;
}

/* The scores of the run's new samples in transactions of ND_TX (a run
 * stopped before leaves them to the next one's nd_rescore). */
static int nd_write(nd_run *x, assay_error *err)
{
	run_ctx *r = x->r;
	int rc = store_begin(r->s, err);
	size_t in_tx = 0;
	for (size_t i = 0; i < x->d.n && rc == 0; i++) {
		if ((rc = nd_finish(x, i, &in_tx, err)) < 0) {
			store_rollback(r->s);
			return rc;
		}
		if (in_tx < ND_TX)
			continue;
		if ((rc = nd_commit(x, rc, err)) == 0)
			rc = store_begin(r->s, err);
		in_tx = 0;
		run_progress(r, "neardup", run_position(r, x->d.ids[i]), r->scope, false);
	}
	if (rc < 0)
		return rc; /* nd_commit or a failed begin left no transaction open */
	return nd_commit(x, rc, err);
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
			       .max_id = x->upto};
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

/* Indexes every sample after the index's end, in id order. */
static int nd_extend(nd_run *x, int64_t expected, assay_error *err)
{
	run_ctx *r = x->r;
	store_score_want want = {"neardup", x->version};
	store_score_query q = {.want = &want, .n_want = 1, .rescore = r->o->rescore, .all = true};
	store_score_page page = {.last_id = x->upto};
	int rc = ASSAY_OK;
	while (!run_stopped(r)) {
		if ((rc = store_score_page_next(r->s, &q, ND_PAGE, &page, err)) < 0 ||
		    page.n == 0)
			break;
		for (size_t i = 0; i < page.n && rc == 0; i++)
			rc = nd_add(x, &page.items[i], err);
		if (rc < 0)
			break;
		run_progress(r, "neardup index", (int64_t)x->d.n,
			     expected > (int64_t)x->d.n ? expected : (int64_t)x->d.n, false);
	}
	store_score_page_free(&page);
	if (rc == 0 && x->ch->n && !run_stopped(r))
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
	int64_t t0 = assay_mono_ns();
	nd_run *x = calloc(1, sizeof *x);
	if (!x || !(x->ch = malloc(sizeof *x->ch))) {
		free(x);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	x->r = r;
	x->ch->n = x->ch->first = 0;
	score_version(SCORE_NEARDUP, &r->cfg, x->version);
	int rc = nd_open(x, err);
	/* Sample ids are dense: the new ones are about all_max - upto. */
	int64_t expected = all_max - x->upto < all_count ? all_max - x->upto : all_count;
	if (rc == 0)
		rc = nd_rescore(x, err);
	if (rc == 0 && expected > 0 && !(x->lsh = score_lsh_new((size_t)expected, err)))
		rc = err->code;
	if (rc == 0 && x->lsh)
		rc = nd_extend(x, expected, err);
	if (rc == 0 && x->d.n && !run_stopped(r))
		rc = nd_write(x, err);
	size_t bytes = sizeof *x + sizeof *x->ch + x->old_bytes + x->cap_ev * sizeof *x->ev +
		       x->d.cap * (3 * sizeof(int64_t) + 2 * sizeof(uint32_t) + 3) +
		       (x->lsh ? score_lsh_bytes(x->lsh) : 0);
	if (bytes > r->res->peak_index_bytes)
		r->res->peak_index_bytes = bytes;
	score_lsh_free(x->lsh);
	nd_free(&x->d);
	free(x->ev);
	free(x->ch);
	free(x);
	r->res->seconds[SCORE_NEARDUP] += (double)(assay_mono_ns() - t0) / 1e9;
	return rc;
}
