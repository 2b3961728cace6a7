/* train.c — streamed training: k fold models and the full model learn
 * every verdict in each epoch (a verdict teaches every fold model but its
 * own), the full model is scored on each verdict before it learns it
 * (progressive validation), and a last pass scores every verdict with the
 * fold model that never saw it (out of fold). Rejections also teach the
 * reason head, one model per reason. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "ftrl.h"
#include "learn_int.h"
#include "assay/text.h"

struct learn_trainer {
	learn_settings s;
	unsigned pass;
	ftrl full;
	ftrl *fold;
	ftrl *rhead; /* one per reason */
	char *reasons[LEARN_MAX_REASONS];
	size_t n_reasons;
	learn_fvec fv;
	/* per bucket: verdicts it occurred in, and the first name seen */
	uint32_t *seen;
	uint32_t *name_at; /* offset + 1 into names; 0: none */
	abuf names;
	/* per verdict, in feed order */
	float *oof, *prog;
	uint8_t *label;
	size_t n, cap, at;
	size_t n_rej, n_kept;
	size_t reason_hits, reason_n;
};

learn_trainer *learn_trainer_new(const learn_settings *s, assay_error *err)
{
	if (learn_settings_check(s, err) < 0)
		return NULL;
	learn_trainer *t = calloc(1, sizeof *t);
	if (!t)
		goto nomem;
	t->s = *s;
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
	ftrl_free(&t->full);
	for (unsigned f = 0; t->fold && f < t->s.folds; f++)
		ftrl_free(&t->fold[f]);
	for (size_t r = 0; r < t->n_reasons; r++) {
		ftrl_free(&t->rhead[r]);
		free(t->reasons[r]);
	}
	free(t->fold);
	free(t->rhead);
	free(t->seen);
	free(t->name_at);
	abuf_free(&t->names);
	learn_fvec_free(&t->fv);
	free(t->oof);
	free(t->prog);
	free(t->label);
	free(t);
}

unsigned learn_trainer_passes(const learn_trainer *t)
{
	return t->s.epochs + 1;
}

int learn_trainer_pass(learn_trainer *t, unsigned p, assay_error *err)
{
	assert(p < learn_trainer_passes(t));
	if (p > 0 && t->at != t->n)
		return assay_fail(err, ASSAY_EINVAL,
				  "pass %u was fed %zu verdicts, the first %zu", p - 1, t->at, t->n);
	t->pass = p;
	t->at = 0;
	return ASSAY_OK;
}

static int grow(learn_trainer *t)
{
	if (t->n < t->cap)
		return ASSAY_OK;
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
	if (!oof || !prog || !label)
		return ASSAY_ENOMEM;
	t->cap = cap;
	return ASSAY_OK;
}

/* Counts each feature of the first epoch and keeps its first name. */
static int remember_names(learn_trainer *t)
{
	for (size_t k = 0; k < t->fv.n; k++) {
		uint32_t i = t->fv.v[k].idx;
		if (t->seen[i] < UINT32_MAX)
			t->seen[i]++;
		if (t->name_at[i])
			continue;
		const char *name = learn_fvec_name(&t->fv, k);
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

/* The reason head: scored before it learns (first epoch), then taught. */
static int teach_reason(learn_trainer *t, const char *reason)
{
	int cls = reason_class(t, reason, t->pass == 0);
	if (cls == -2)
		return ASSAY_ENOMEM;
	if (cls < 0)
		return ASSAY_OK;
	double best = -1;
	int pick = -1;
	for (size_t r = 0; r < t->n_reasons; r++) {
		double p = learn_sigmoid(ftrl_logit(&t->s, &t->rhead[r], &t->fv));
		if (t->pass == 0 && p > best) {
			best = p;
			pick = (int)r;
		}
		ftrl_update(&t->s, &t->rhead[r], &t->fv, p, (int)r == cls, 1.0);
	}
	if (t->pass == 0 && t->n_reasons > 1) {
		t->reason_n++;
		t->reason_hits += pick == cls;
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

static int train_one(learn_trainer *t, unsigned fold, bool rejected, const char *reason)
{
	int y = rejected;
	double full = learn_sigmoid(ftrl_logit(&t->s, &t->full, &t->fv));
	if (t->pass == 0) {
		t->prog[t->at] = (float)full;
		t->n_rej += rejected;
		t->n_kept += !rejected;
	}
	double w = class_weight(t, rejected);
	ftrl_update(&t->s, &t->full, &t->fv, full, y, w);
	for (unsigned f = 0; f < t->s.folds; f++) {
		if (f == fold)
			continue;
		double p = learn_sigmoid(ftrl_logit(&t->s, &t->fold[f], &t->fv));
		ftrl_update(&t->s, &t->fold[f], &t->fv, p, y, w);
	}
	return rejected ? teach_reason(t, reason) : ASSAY_OK;
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
	t->fv.keep_names = first;
	if (learn_extract(&t->s, ex, &t->fv) < 0 || (first && remember_names(t) < 0))
		return assay_fail(err, ASSAY_ENOMEM, "out of memory for a sample's features");
	unsigned fold = (unsigned)(text_hash64(&key, sizeof key, t->s.seed ^ 0x9e3779b97f4a7c15u) %
				   t->s.folds);
	int rc = ASSAY_OK;
	if (t->pass < t->s.epochs)
		rc = train_one(t, fold, rejected, reason);
	else
		t->oof[t->at] = (float)learn_sigmoid(ftrl_logit(&t->s, &t->fold[fold], &t->fv));
	if (rc < 0)
		return assay_fail(err, rc, "out of memory for the reason head");
	if (first)
		t->label[t->n++] = rejected;
	t->at++;
	return ASSAY_OK;
}

void learn_trainer_eval(const learn_trainer *t, learn_eval *out)
{
	*out = (learn_eval){.oof = t->oof, .progressive = t->prog, .rejected = t->label, .n = t->n,
			    .n_rejected = t->n_rej, .n_kept = t->n_kept,
			    .reason_accuracy = t->reason_n ? (double)t->reason_hits / t->reason_n
							   : NAN,
			    .reason_n = t->reason_n};
}

/* The model's view of the trainer, for model.c. */
void learn_trainer_parts(const learn_trainer *t, learn_trainer_view *v)
{
	*v = (learn_trainer_view){.s = &t->s, .full = &t->full, .rhead = t->rhead,
				  .reasons = t->reasons, .n_reasons = t->n_reasons,
				  .seen = t->seen, .name_at = t->name_at, .names = t->names.data,
				  .n_rej = t->n_rej, .n_kept = t->n_kept};
}
