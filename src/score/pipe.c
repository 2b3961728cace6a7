/* pipe.c — the rule scorers over a run of samples on several cores, then
 * each sample's scores written as one row with its combined score: the
 * same code for import's pipeline (records parsed, not yet stored) and for
 * `assay score`'s pages of stored samples. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assay/score.h"

/* Inputs per task: enough to pay for taking one, few enough to share. */
#define PIPE_TASK 16

typedef struct pipe_worker {
	score_text text;
	abuf context;
	double seconds[SCORE_COUNT]; /* each scorer's own time on this worker */
	double shared;               /* analysing */
} pipe_worker;

struct score_pipe {
	const score_config *cfg;
	enum score_id ids[SCORE_COUNT];
	char versions[SCORE_COUNT][32];
	size_t n_ids;
	const score_input *in; /* this call's */
	size_t n_in;
	score_result (*out)[SCORE_COUNT]; /* out[i][k]: input i, rule k */
	pipe_worker w[ASSAY_MAX_WORKERS];
};

int score_pipe_new(const score_config *cfg, const enum score_id *ids, size_t n, score_pipe **out,
		   assay_error *err)
{
	*out = NULL;
	score_pipe *p = calloc(1, sizeof *p);
	if (!p || !(p->out = calloc(SCORE_PIPE_MAX, sizeof *p->out))) {
		free(p);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	p->cfg = cfg;
	for (size_t i = 0; i < n && i < SCORE_COUNT; i++) {
		p->ids[p->n_ids] = ids[i];
		score_version(ids[i], cfg, p->versions[p->n_ids]);
		p->n_ids++;
	}
	*out = p;
	return ASSAY_OK;
}

void score_pipe_free(score_pipe *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < ASSAY_MAX_WORKERS; i++) {
		score_text_free(&p->w[i].text);
		abuf_free(&p->w[i].context);
	}
	free(p->out);
	free(p);
}

/* One input through every rule it needs, on worker w. */
static int one(score_pipe *p, pipe_worker *w, size_t i)
{
	const score_input *in = &p->in[i];
	if (!in->need)
		return ASSAY_OK;
	int64_t t = assay_mono_ns();
	abuf_reset(&w->context);
	if (score_text_analyse(&w->text, in->text, in->text_len, p->cfg) < 0 ||
	    score_context_text(in->context, in->context_len, &w->context) < 0)
		return ASSAY_ENOMEM;
	w->text.context = w->context.len ? w->context.data : NULL;
	w->text.context_len = w->context.len;
	score_text_kind(&w->text, in->kind, in->text_field);
	w->text.record = in->record;
	w->text.record_len = in->record_len;
	int64_t t2 = assay_mono_ns();
	w->shared += (double)(t2 - t) / 1e9;
	t = t2;
	/* each scorer's own time: one clock reading between two calls */
	for (size_t k = 0; k < p->n_ids; k++) {
		if (!(in->need >> k & 1))
			continue;
		score_text_run(p->ids[k], &w->text, p->cfg, &p->out[i][k]);
		t2 = assay_mono_ns();
		w->seconds[p->ids[k]] += (double)(t2 - t) / 1e9;
		t = t2;
	}
	return ASSAY_OK;
}

static int task(void *ud, size_t worker, size_t t, assay_error *err)
{
	score_pipe *p = ud;
	size_t end = (t + 1) * PIPE_TASK < p->n_in ? (t + 1) * PIPE_TASK : p->n_in;
	for (size_t i = t * PIPE_TASK; i < end; i++)
		if (one(p, &p->w[worker], i) < 0)
			return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	return ASSAY_OK;
}

int score_pipe_compute(score_pipe *p, const score_input *in, size_t n, assay_error *err)
{
	if (n > SCORE_PIPE_MAX)
		return assay_fail(err, ASSAY_EINVAL, "at most %d samples at once", SCORE_PIPE_MAX);
	p->in = in;
	p->n_in = n;
	size_t tasks = (n + PIPE_TASK - 1) / PIPE_TASK;
	return assay_parallel(assay_workers(), tasks, task, p, err);
}

int score_pipe_write(score_pipe *p, store *s, size_t i, int64_t sample_id, bool combine,
		     score_run_result *res, assay_error *err)
{
	const score_input *in = &p->in[i];
	store_score_row rows[SCORE_COUNT];
	double values[SCORE_COUNT];
	size_t n = 0;
	for (size_t k = 0; k < SCORE_COUNT; k++)
		values[k] = NAN;
	for (size_t k = 0; k < p->n_ids; k++) {
		if (!(in->need >> k & 1))
			continue;
		const score_result *x = &p->out[i][k];
		enum score_id id = p->ids[k];
		rows[n++] = (store_score_row){.sample_id = sample_id,
					      .scorer = score_defs[id].name,
					      .version = p->versions[k],
					      .value = x->value,
					      .flagged = x->flagged,
					      .reason = x->reason,
					      .detail = x->detail};
		values[id] = x->value;
		res->scored[id]++;
		res->flagged[id] += x->flagged;
		res->failed[id] += isnan(x->value);
	}
	int rc = n ? store_scores_put(s, rows, n, err) : ASSAY_OK;
	if (rc == ASSAY_OK && combine) {
		rc = store_quality_set(s, sample_id, score_combine(values, p->cfg->weight, SCORE_COUNT),
				       err);
		res->combined += rc == ASSAY_OK;
	}
	return rc;
}

void score_pipe_figures(score_pipe *p, score_run_result *res)
{
	for (size_t i = 0; i < ASSAY_MAX_WORKERS; i++) {
		for (size_t k = 0; k < SCORE_COUNT; k++)
			res->seconds[k] += p->w[i].seconds[k];
		res->shared_seconds += p->w[i].shared;
		memset(p->w[i].seconds, 0, sizeof p->w[i].seconds);
		p->w[i].shared = 0;
	}
}
