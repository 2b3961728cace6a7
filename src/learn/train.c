/* train.c — streamed training: k fold models and the full model learn
 * every verdict in each epoch (a verdict teaches every fold model but its
 * own), the full model is scored on each verdict before it learns it
 * (progressive validation), and a last pass scores every verdict with the
 * fold model that never saw it (out of fold). Rejections also teach the
 * reason head, one model per reason.
 *
 * Three threads when there are two cores: the caller's thread reads the
 * verdicts and extracts each one's features into a ring of slots, and two
 * workers teach the models from the ring (train_ring.c), each its own
 * models in the ring's order, so every model is the same bytes on one
 * core or two. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train_int.h"
#include "assay/text.h"

learn_trainer *learn_trainer_new(const learn_settings *s, assay_error *err)
{
	if (learn_settings_check(s, err) < 0)
		return NULL;
	learn_trainer *t = calloc(1, sizeof *t);
	if (!t)
		goto nomem;
	t->s = *s;
	t->eval_share = 1.0;
	t->cache.max_words = LEARN_CACHE_BYTES / sizeof *t->cache.w;
	size_t buckets = (size_t)1 << s->bits;
	t->fold = calloc(s->folds, sizeof *t->fold);
	t->rhead = calloc(LEARN_MAX_REASONS, sizeof *t->rhead);
	t->seen = calloc(buckets, sizeof *t->seen);
	t->name_at = calloc(buckets, sizeof *t->name_at);
	if (!t->fold || !t->rhead || !t->seen || !t->name_at || ftrl_init(&t->full, s->bits) < 0)
		goto nomem;
	for (unsigned f = 0; f < s->folds; f++)
		if (ftrl_init(&t->fold[f], s->bits) < 0)
			goto nomem;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->changed, NULL);
	t->sync_ready = true;
	train_share_out(t);
	/* one core: everything on the caller's thread */
	if (assay_workers() > 1)
		train_start(t);
	return t;
nomem:
	learn_trainer_free(t);
	assay_fail(err, ASSAY_ENOMEM, "out of memory for the model (2^%u weights)", s->bits);
	return NULL;
}

void learn_trainer_free(learn_trainer *t)
{
	if (!t)
		return;
	train_stop(t);
	if (t->sync_ready) {
		pthread_mutex_destroy(&t->mu);
		pthread_cond_destroy(&t->changed);
	}
	ftrl_free(&t->full);
	for (unsigned f = 0; t->fold && f < t->s.folds; f++)
		ftrl_free(&t->fold[f]);
	for (size_t r = 0; r < t->n_reasons; r++) {
		ftrl_free(&t->rhead[r]);
		free(t->reasons[r]);
	}
	for (size_t i = 0; i < RING; i++)
		train_item_free(&t->ring[i]);
	free(t->fold);
	free(t->rhead);
	free(t->seen);
	free(t->name_at);
	abuf_free(&t->names);
	cache_free(&t->cache);
	free(t->oof);
	free(t->prog);
	free(t->label);
	free(t->in_eval);
	free(t);
}

unsigned learn_trainer_passes(const learn_trainer *t)
{
	return t->s.epochs + 1;
}

void learn_trainer_expect(learn_trainer *t, size_t n)
{
	t->expected = n;
	t->eval_share = t->s.eval_max && n > t->s.eval_max ? (double)t->s.eval_max / n : 1.0;
	train_drain(t);
	train_share_out(t);
}

/* Whether the fold models see this verdict: a share of them drawn by the
 * key's hash, the same in every pass. */
static bool evaluated(const learn_trainer *t, uint64_t key)
{
	if (t->eval_share >= 1.0)
		return true;
	uint64_t h = text_hash64(&key, sizeof key, t->s.seed ^ 0x5851f42d4c957f2du);
	return (double)(h >> 11) * 0x1.0p-53 < t->eval_share;
}

int learn_trainer_pass(learn_trainer *t, unsigned p, assay_error *err)
{
	assert(p < learn_trainer_passes(t));
	if (train_drain(t) < 0)
		return assay_fail(err, t->worker_rc, "out of memory while learning");
	if (p > 0 && t->at != t->n)
		return assay_fail(err, ASSAY_EINVAL,
				  "pass %u was fed %zu verdicts, the first %zu", p - 1, t->at, t->n);
	t->pass = p;
	t->at = 0;
	return ASSAY_OK;
}

/* Room for one more verdict in the per-verdict arrays; the worker writes
 * them, so it is drained before they move. */
static int grow(learn_trainer *t)
{
	if (t->n < t->cap)
		return ASSAY_OK;
	train_drain(t);
	size_t cap = t->cap ? t->cap * 2 : 1024;
	float *oof = assay_realloc_big(t->oof, cap * sizeof *oof);
	if (oof)
		t->oof = oof;
	float *prog = assay_realloc_big(t->prog, cap * sizeof *prog);
	if (prog)
		t->prog = prog;
	uint8_t *label = realloc(t->label, cap);
	if (label)
		t->label = label;
	uint8_t *in_eval = realloc(t->in_eval, cap);
	if (in_eval)
		t->in_eval = in_eval;
	if (!oof || !prog || !label || !in_eval)
		return ASSAY_ENOMEM;
	t->cap = cap;
	return ASSAY_OK;
}

/* Counts each feature of the first epoch and keeps its first name. */
static int remember_names(learn_trainer *t, const learn_fvec *fv)
{
	for (size_t k = 0; k < fv->n; k++) {
		uint32_t i = fv->v[k].idx;
		if (t->seen[i] < UINT32_MAX)
			t->seen[i]++;
		if (t->name_at[i])
			continue;
		const char *name = learn_fvec_name(fv, k);
		if (t->names.len >= UINT32_MAX - 256)
			continue; /* names beyond 4 GiB stay unnamed */
		t->name_at[i] = (uint32_t)t->names.len + 1;
		if (abuf_append(&t->names, name, strlen(name) + 1) < 0)
			return ASSAY_ENOMEM;
	}
	return ASSAY_OK;
}

/* The reason's class, interned; -1 when unknown or past the cap. */
static int reason_class(learn_trainer *t, const char *reason, bool add)
{
	if (!reason || !*reason)
		return -1;
	for (size_t r = 0; r < t->n_reasons; r++)
		if (strcmp(t->reasons[r], reason) == 0)
			return (int)r;
	if (!add || t->n_reasons == LEARN_MAX_REASONS)
		return -1;
	char *copy = assay_strdup(reason);
	if (!copy || ftrl_init(&t->rhead[t->n_reasons], LEARN_REASON_BITS) < 0) {
		free(copy);
		return -2;
	}
	t->reasons[t->n_reasons] = copy;
	return (int)t->n_reasons++;
}

/* The reason head: in the first epoch it guesses among the reasons it
 * knows before this verdict (a reason seen for the first time, or past
 * the cap, is a miss: the verdict's own label never helps the guess),
 * then learns the verdict. */
static int teach_reason(learn_trainer *t, const learn_fvec *fv, const char *reason)
{
	if (!reason || !*reason)
		return ASSAY_OK;
	int cls = reason_class(t, reason, false);
	if (t->pass == 0 && t->n_reasons > 0) {
		double best = -1;
		int pick = -1;
		for (size_t r = 0; r < t->n_reasons; r++) {
			double p = learn_sigmoid(ftrl_logit(&t->s, &t->rhead[r], fv));
			if (p > best) {
				best = p;
				pick = (int)r;
			}
		}
		t->reason_n++;
		t->reason_hits += cls >= 0 && pick == cls;
	}
	if (cls < 0 && t->pass == 0)
		cls = reason_class(t, reason, true);
	if (cls == -2)
		return ASSAY_ENOMEM;
	if (cls < 0)
		return ASSAY_OK; /* past the cap */
	for (size_t r = 0; r < t->n_reasons; r++) {
		double p = learn_sigmoid(ftrl_logit(&t->s, &t->rhead[r], fv));
		ftrl_update(&t->s, &t->rhead[r], fv, p, (int)r == cls, 1.0);
	}
	return ASSAY_OK;
}

/* Class weights that make both classes count alike, from the counts so
 * far (first epoch) or all of them (later epochs). */
static double class_weight(const learn_trainer *t, bool rejected)
{
	double nr = (double)t->n_rej + 1, nk = (double)t->n_kept + 1;
	double w = (nr + nk) / (2.0 * (rejected ? nr : nk));
	return w < 0.05 ? 0.05 : w > 20 ? 20 : w;
}

/* Whether worker who (-1: the caller's thread, doing all) has a model. */
static bool has_full(int who)
{
	return who != 1;
}

static bool has_fold(const learn_trainer *t, int who, unsigned f)
{
	return who < 0 || t->owner[f] == who;
}

/* Worker who's fold models learn (fv, y) with class weight w, unless the
 * verdict is outside the evaluated share. */
static void train_folds(learn_trainer *t, int who, const learn_fvec *fv, unsigned fold,
			bool eval, int y, double w)
{
	for (unsigned f = 0; eval && f < t->s.folds; f++) {
		if (f == fold || !has_fold(t, who, f))
			continue;
		double p = learn_sigmoid(ftrl_logit(&t->s, &t->fold[f], fv));
		ftrl_update(&t->s, &t->fold[f], fv, p, y, w);
	}
}

static int train_one(learn_trainer *t, const item *it, int who)
{
	int y = it->rejected;
	train_folds(t, who, &it->fv, it->fold, it->eval, y, it->weight);
	if (!has_full(who))
		return ASSAY_OK;
	double full = learn_sigmoid(ftrl_logit(&t->s, &t->full, &it->fv));
	if (t->pass == 0)
		t->prog[it->at] = (float)full;
	ftrl_update(&t->s, &t->full, &it->fv, full, y, it->weight);
	if (!it->rejected)
		return ASSAY_OK;
	return teach_reason(t, &it->fv, it->has_reason ? it->reason : NULL);
}

static void keep_or_drop(learn_trainer *t);

/* The features of the verdict in slot it, kept in the cache when a later
 * pass needs them (in feed order: one worker does this). */
static int extract(learn_trainer *t, item *it)
{
	learn_example ex = {it->fields, it->n_fields, it->nums, it->n_nums};
	if (learn_extract(&t->s, &ex, &it->fv) < 0)
		return ASSAY_ENOMEM;
	if (it->keep) {
		cache_put(&t->cache, &it->fv, it->fold, it->eval,
			  it->has_reason ? it->reason : NULL);
		keep_or_drop(t);
	}
	return ASSAY_OK;
}

int train_item(learn_trainer *t, item *it, int who)
{
	if (!it->skip && who != 0 && extract(t, it) < 0)
		return ASSAY_ENOMEM;
	if (it->skip) {
		if (has_full(who))
			t->oof[it->at] = NAN; /* outside the evaluated share */
		return ASSAY_OK;
	}
	if (t->pass == 0 && has_full(who) && remember_names(t, &it->fv) < 0)
		return ASSAY_ENOMEM;
	if (t->pass < t->s.epochs)
		return train_one(t, it, who);
	if (has_fold(t, who, it->fold))
		t->oof[it->at] =
			(float)learn_sigmoid(ftrl_logit(&t->s, &t->fold[it->fold], &it->fv));
	return ASSAY_OK;
}

static void fill_reason(item *it, const char *reason)
{
	it->has_reason = reason != NULL;
	if (reason)
		snprintf(it->reason, sizeof it->reason, "%s", reason);
}

/* Drops the cache early when the verdicts expected will not fit at the
 * size of those kept so far (rather than fill the budget first). */
static void keep_or_drop(learn_trainer *t)
{
	learn_cache *c = &t->cache;
	if (c->dropped || c->count != 1024 || !t->expected)
		return;
	double share = t->s.epochs > 1 ? 1.0 : t->eval_share;
	if ((double)c->n / (double)c->count * (double)t->expected * share * 1.1 >
	    (double)c->max_words) {
		cache_free(c);
		c->dropped = true;
	}
}

bool learn_trainer_wants(const learn_trainer *t, uint64_t key)
{
	return t->pass < t->s.epochs || evaluated(t, key);
}

int learn_trainer_feed(learn_trainer *t, const learn_example *ex, uint64_t key, bool rejected,
		       const char *reason, assay_error *err)
{
	bool first = t->pass == 0;
	if (first && grow(t) < 0)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory after %zu verdicts", t->n);
	if (!first && t->at >= t->n)
		return assay_fail(err, ASSAY_EINVAL, "pass %u was fed more than the %zu verdicts "
				  "of the first", t->pass, t->n);
	if (!first && t->label[t->at] != rejected)
		return assay_fail(err, ASSAY_EINVAL, "verdict %zu changed between passes", t->at);
	item *it = train_slot(t);
	it->at = t->at;
	it->fold = (unsigned)(text_hash64(&key, sizeof key, t->s.seed ^ 0x9e3779b97f4a7c15u) %
			      t->s.folds);
	it->eval = evaluated(t, key);
	it->rejected = rejected;
	if (first) { /* the class weight from the counts so far */
		t->n_rej += rejected;
		t->n_kept += !rejected;
	}
	it->weight = class_weight(t, rejected);
	it->skip = t->pass >= t->s.epochs && !it->eval; /* no features needed */
	fill_reason(it, rejected ? reason : NULL);
	it->fv.keep_names = first;
	if (!it->skip && (!ex || train_hold(it, ex) < 0))
		return assay_fail(err, ex ? ASSAY_ENOMEM : ASSAY_EINVAL,
				  ex ? "out of memory for a sample's features"
				     : "verdict %zu is needed but was not given", t->at);
	/* a later pass replays what it needs from memory */
	it->keep = first && (t->s.epochs > 1 || it->eval);
	t->cache_want += it->keep;
	if (first) {
		t->in_eval[t->n] = it->eval;
		t->label[t->n++] = rejected;
	}
	t->at++;
	if (train_publish(t, it) < 0)
		return assay_fail(err, t->worker_rc, "out of memory while learning");
	return ASSAY_OK;
}

bool learn_trainer_replayable(const learn_trainer *t)
{
	return t->pass > 0 && !t->cache.dropped && t->cache.count == t->cache_want;
}

/* One of the two halves of a replayed pass: task 0 the full model, the
 * reason head and worker 0's fold models (training) or the even evaluated
 * verdicts (out of fold), task 1 worker 1's fold models or the odd ones. Each half touches only its own
 * models and slots, so the result is the same on one core or two. */
static int replay_half(void *ud, size_t worker, size_t task, assay_error *err)
{
	(void)worker;
	learn_trainer *t = ud;
	learn_fvec fv = {0};
	cached_verdict cv;
	bool training = t->pass < t->s.epochs;
	size_t w = 0, k = 0;
	int rc = ASSAY_OK;
	for (size_t at = 0; rc == 0 && at < t->n; at++) {
		if (t->s.epochs == 1 && !t->in_eval[at]) {
			if (!training && task == 0)
				t->oof[at] = NAN; /* outside the evaluated share */
			continue;
		}
		bool mine = training || (cv.eval = t->in_eval[at], cv.eval && k++ % 2 == task);
		if (!(w = cache_get(&t->cache, w, mine ? &fv : NULL, &cv))) {
			rc = ASSAY_ENOMEM;
			break;
		}
		bool y = t->label[at];
		if (!training) {
			if (!cv.eval && task == 0)
				t->oof[at] = NAN;
			else if (mine)
				t->oof[at] = (float)learn_sigmoid(
					ftrl_logit(&t->s, &t->fold[cv.fold], &fv));
			continue;
		}
		double cw = class_weight(t, y);
		train_folds(t, (int)task, &fv, cv.fold, cv.eval, y, cw);
		if (task == 0) {
			double p = learn_sigmoid(ftrl_logit(&t->s, &t->full, &fv));
			ftrl_update(&t->s, &t->full, &fv, p, y, cw);
			if (y)
				rc = teach_reason(t, &fv, cv.reason);
		}
	}
	learn_fvec_free(&fv);
	return rc < 0 ? assay_fail(err, rc, "out of memory while learning") : ASSAY_OK;
}

int learn_trainer_replay(learn_trainer *t, assay_error *err)
{
	if (train_drain(t) < 0)
		return assay_fail(err, t->worker_rc, "out of memory while learning");
	int rc = assay_parallel(ASSAY_MIN(assay_workers(), (size_t)2), 2, replay_half, t, err);
	t->at = t->n;
	return rc;
}

void learn_trainer_eval(learn_trainer *t, learn_eval *out)
{
	train_drain(t);
	*out = (learn_eval){.oof = t->oof, .progressive = t->prog, .rejected = t->label,
			    .evaluated = t->in_eval, .n = t->n,
			    .n_rejected = t->n_rej, .n_kept = t->n_kept,
			    .reason_accuracy = t->reason_n ? (double)t->reason_hits / t->reason_n
							   : NAN,
			    .reason_n = t->reason_n};
}

/* The model's view of the trainer, for model.c. */
void learn_trainer_parts(learn_trainer *t, learn_trainer_view *v)
{
	train_drain(t);
	*v = (learn_trainer_view){.s = &t->s, .full = &t->full, .rhead = t->rhead,
				  .reasons = t->reasons, .n_reasons = t->n_reasons,
				  .seen = t->seen, .name_at = t->name_at, .names = t->names.data,
				  .n_rej = t->n_rej, .n_kept = t->n_kept};
}
