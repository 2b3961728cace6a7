/* pipe.c — the rule scorers over a run of samples on several cores, then
 * each sample's scores written as one row with its combined score: the
 * same code for `assay score`'s pages of stored samples and for the pages
 * of the near-duplicate pass (run_fuse.c).
 *
 * Two jobs alternate (double buffering): while the caller writes the
 * results of one run, the helper threads score the next one into the
 * other job's buffers; the caller joins in when it waits for them. */
#include <math.h>
#include <pthread.h>
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

/* One run of inputs and its results; its counters are under the pipe's mu. */
typedef struct pipe_job {
	score_input *in; /* a copy of the run's inputs */
	score_result (*out)[SCORE_COUNT]; /* out[i][k]: input i, rule k */
	double *combined; /* combined[i]: input i's combined score from these results */
	/* out[i][k]'s reason and detail split for the store (store_note_split):
	 * at split_at[i][k] (UINT32_MAX: not split) in its task's buffer */
	uint32_t (*split_at)[SCORE_COUNT];
	abuf split[SCORE_PIPE_MAX / PIPE_TASK];
	size_t n, tasks, next, done;
	int rc;             /* the lowest failed task's */
	size_t failed_task;
	assay_error err;
} pipe_job;

struct score_pipe {
	const score_config *cfg;
	enum score_id ids[SCORE_COUNT];
	char versions[SCORE_COUNT][32];
	store_slot_ref ref[SCORE_COUNT]; /* rule k's slot, found once (score_pipe_write) */
	size_t n_ids;
	pipe_job job[2];
	int cur;        /* the finished job score_pipe_write reads */
	bool running;   /* job[!cur] started and not finished */
	size_t workers; /* the caller is worker 0, helper threads 1.. */
	size_t n_threads;
	bool quit;
	pthread_t th[ASSAY_MAX_WORKERS];
	store_score_batch *batch; /* score_pipe_add_more's rows until score_pipe_flush */
	pthread_mutex_t mu;
	pthread_cond_t wake, idle; /* a job started; a job's last task done */
	pipe_worker w[ASSAY_MAX_WORKERS];
};

static void job_free(pipe_job *j)
{
	free(j->in);
	free(j->out);
	free(j->combined);
	free(j->split_at);
	for (size_t t = 0; t < SCORE_PIPE_MAX / PIPE_TASK; t++)
		abuf_free(&j->split[t]);
}

int score_pipe_new(const score_config *cfg, const enum score_id *ids, size_t n, score_pipe **out,
		   assay_error *err)
{
	*out = NULL;
	score_pipe *p = calloc(1, sizeof *p);
	bool ok = p != NULL;
	for (int j = 0; ok && j < 2; j++)
		ok = (p->job[j].in = calloc(SCORE_PIPE_MAX, sizeof *p->job[j].in)) &&
		     (p->job[j].out = calloc(SCORE_PIPE_MAX, sizeof *p->job[j].out)) &&
		     (p->job[j].combined = calloc(SCORE_PIPE_MAX, sizeof *p->job[j].combined)) &&
		     (p->job[j].split_at = calloc(SCORE_PIPE_MAX, sizeof *p->job[j].split_at));
	if (!ok) {
		for (int j = 0; p && j < 2; j++)
			job_free(&p->job[j]);
		free(p);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	p->cfg = cfg;
	for (size_t i = 0; i < n && i < SCORE_COUNT; i++) {
		p->ids[p->n_ids] = ids[i];
		score_version(ids[i], cfg, p->versions[p->n_ids]);
		p->n_ids++;
	}
	p->workers = assay_workers();
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->idle, NULL);
	*out = p;
	return ASSAY_OK;
}

static int finish(score_pipe *p, assay_error *err);

void score_pipe_free(score_pipe *p)
{
	if (!p)
		return;
	if (p->running)
		finish(p, NULL);
	pthread_mutex_lock(&p->mu);
	p->quit = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
	for (size_t i = 0; i < p->n_threads; i++)
		pthread_join(p->th[i], NULL);
	pthread_cond_destroy(&p->wake);
	pthread_cond_destroy(&p->idle);
	pthread_mutex_destroy(&p->mu);
	for (size_t i = 0; i < ASSAY_MAX_WORKERS; i++) {
		score_text_free(&p->w[i].text);
		abuf_free(&p->w[i].context);
	}
	for (int j = 0; j < 2; j++)
		job_free(&p->job[j]);
	store_score_batch_free(p->batch);
	free(p);
}

/* Input i's combined score from the results of its rules. */
static double combined(const score_pipe *p, const pipe_job *j, size_t i)
{
	const score_input *in = &j->in[i];
	double values[SCORE_COUNT];
	for (size_t k = 0; k < SCORE_COUNT; k++)
		values[k] = NAN;
	for (size_t k = 0; k < p->n_ids; k++)
		if (in->need >> k & 1)
			values[p->ids[k]] = j->out[i][k].value;
	return score_combine(values, p->cfg->weight, SCORE_COUNT);
}

/* One input through every rule it needs, on worker w, its reasons split
 * into split (the task's buffer) and its combined score: worked out here,
 * off the thread that writes them. */
static int one(score_pipe *p, pipe_job *j, pipe_worker *w, size_t i, abuf *split)
{
	const score_input *in = &j->in[i];
	if (!in->need) {
		j->combined[i] = combined(p, j, i);
		return ASSAY_OK;
	}
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
		const score_result *x = &j->out[i][k];
		score_text_run(p->ids[k], &w->text, p->cfg, &j->out[i][k]);
		size_t at = split->len;
		j->split_at[i][k] = at < UINT32_MAX &&
					    store_note_split(x->reason, x->detail, split) == 0
					? (uint32_t)at
					: UINT32_MAX;
		t2 = assay_mono_ns();
		w->seconds[p->ids[k]] += (double)(t2 - t) / 1e9;
		t = t2;
	}
	j->combined[i] = combined(p, j, i);
	return ASSAY_OK;
}

/* Task t of job j on worker w: ASSAY_OK or ASSAY_ENOMEM. */
static int task(score_pipe *p, pipe_job *j, size_t w, size_t t)
{
	size_t end = (t + 1) * PIPE_TASK < j->n ? (t + 1) * PIPE_TASK : j->n;
	abuf_reset(&j->split[t]);
	for (size_t i = t * PIPE_TASK; i < end; i++)
		if (one(p, j, &p->w[w], i, &j->split[t]) < 0)
			return ASSAY_ENOMEM;
	return ASSAY_OK;
}

/* Runs task t of the running job on worker w, the lock released meanwhile,
 * and counts it done (the lowest failed task's error is kept). */
static void run_task(score_pipe *p, pipe_job *j, size_t w, size_t t)
{
	pthread_mutex_unlock(&p->mu);
	int rc = task(p, j, w, t);
	pthread_mutex_lock(&p->mu);
	if (rc < 0 && (j->rc == ASSAY_OK || t < j->failed_task)) {
		j->rc = rc;
		j->failed_task = t;
		assay_fail(&j->err, rc, "out of memory");
	}
	if (++j->done == j->tasks)
		pthread_cond_broadcast(&p->idle);
}

typedef struct helper_arg {
	score_pipe *p;
	size_t w;
} helper_arg;

/* A helper thread: takes tasks of the running job while there are. */
static void *helper(void *arg)
{
	helper_arg a = *(helper_arg *)arg;
	free(arg);
	score_pipe *p = a.p;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		pipe_job *j = &p->job[!p->cur];
		if (p->quit)
			break;
		if (p->running && j->next < j->tasks)
			run_task(p, j, a.w, j->next++);
		else
			pthread_cond_wait(&p->wake, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Starts the helper threads on first use (fewer when the system refuses
 * one: the caller takes their share). */
static void helpers_start(score_pipe *p)
{
	while (p->n_threads + 1 < p->workers) {
		helper_arg *a = malloc(sizeof *a);
		if (!a)
			break;
		*a = (helper_arg){p, p->n_threads + 1};
		if (pthread_create(&p->th[p->n_threads], NULL, helper, a) != 0) {
			free(a);
			break;
		}
		p->n_threads++;
	}
	p->workers = p->n_threads + 1;
}

int score_pipe_start(score_pipe *p, const score_input *in, size_t n, assay_error *err)
{
	if (n > SCORE_PIPE_MAX)
		return assay_fail(err, ASSAY_EINVAL, "at most %d samples at once", SCORE_PIPE_MAX);
	if (p->running)
		return assay_fail(err, ASSAY_EINVAL, "a run is being scored already");
	if (p->workers > 1 && !p->n_threads)
		helpers_start(p);
	pipe_job *j = &p->job[!p->cur];
	if (n)
		memcpy(j->in, in, n * sizeof *in);
	pthread_mutex_lock(&p->mu);
	j->n = n;
	j->tasks = (n + PIPE_TASK - 1) / PIPE_TASK;
	j->next = j->done = 0;
	j->rc = ASSAY_OK;
	p->running = true;
	if (p->n_threads)
		pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
	return ASSAY_OK;
}

/* Takes what is left of the running job, waits for the helpers' tasks,
 * and makes it the one score_pipe_write reads. */
static int finish(score_pipe *p, assay_error *err)
{
	pipe_job *j = &p->job[!p->cur];
	pthread_mutex_lock(&p->mu);
	while (j->next < j->tasks)
		run_task(p, j, 0, j->next++);
	while (j->done < j->tasks)
		pthread_cond_wait(&p->idle, &p->mu);
	p->running = false;
	p->cur = !p->cur;
	pthread_mutex_unlock(&p->mu);
	if (j->rc < 0 && err)
		*err = j->err;
	return j->rc;
}

int score_pipe_finish(score_pipe *p, assay_error *err)
{
	if (!p->running)
		return assay_fail(err, ASSAY_EINVAL, "no run is being scored");
	return finish(p, err);
}

int score_pipe_compute(score_pipe *p, const score_input *in, size_t n, assay_error *err)
{
	int rc = score_pipe_start(p, in, n, err);
	return rc < 0 ? rc : finish(p, err);
}

/* Result (i, k)'s split reason and detail, or NULL. */
static const void *split_of(const pipe_job *j, size_t i, size_t k)
{
	uint32_t at = j->split_at[i][k];
	return at == UINT32_MAX ? NULL : j->split[i / PIPE_TASK].data + at;
}

/* Input i's scores of the finished run as rows of sample_id, with their
 * split notes and slot refs, counted in res; ks[r]: row r's rule. */
typedef struct pipe_rows {
	store_score_row rows[SCORE_COUNT];
	const void *split[SCORE_COUNT];
	store_slot_ref ref[SCORE_COUNT];
	size_t ks[SCORE_COUNT], n;
} pipe_rows;

static void rows_of(const score_pipe *p, size_t i, int64_t sample_id, pipe_rows *o,
		    score_run_result *res)
{
	const pipe_job *j = &p->job[p->cur];
	const score_input *in = &j->in[i];
	o->n = 0;
	for (size_t k = 0; k < p->n_ids; k++) {
		if (!(in->need >> k & 1))
			continue;
		const score_result *x = &j->out[i][k];
		enum score_id id = p->ids[k];
		o->rows[o->n] = (store_score_row){.sample_id = sample_id,
						  .scorer = score_defs[id].name,
						  .version = p->versions[k],
						  .value = x->value,
						  .flagged = x->flagged,
						  .reason = x->reason,
						  .detail = x->detail};
		o->split[o->n] = split_of(j, i, k);
		o->ref[o->n] = p->ref[k];
		o->ks[o->n++] = k;
		res->scored[id]++;
		res->flagged[id] += x->flagged;
		res->failed[id] += isnan(x->value);
	}
}

/* The refs found again when they were not current. */
static void keep_refs(score_pipe *p, const pipe_rows *o)
{
	for (size_t r = 0; r < o->n; r++)
		p->ref[o->ks[r]] = o->ref[r];
}

int score_pipe_write(score_pipe *p, store *s, size_t i, int64_t sample_id, bool combine,
		     score_run_result *res, assay_error *err)
{
	pipe_rows o;
	rows_of(p, i, sample_id, &o, res);
	int rc = o.n ? store_scores_put_split(s, o.rows, o.split, o.ref, o.n, err) : ASSAY_OK;
	keep_refs(p, &o);
	if (rc == ASSAY_OK && combine) {
		rc = store_quality_set(s, sample_id, p->job[p->cur].combined[i], err);
		res->combined += rc == ASSAY_OK;
	}
	return rc;
}

int score_pipe_add_more(score_pipe *p, store *s, size_t i, int64_t sample_id,
			const store_score_row *more, store_slot_ref *more_refs, size_t n_more,
			score_run_result *res, assay_error *err)
{
	if (!p->batch && store_score_batch_new(&p->batch, err) < 0)
		return err->code;
	pipe_rows o = {.n = 0};
	if (i != SIZE_MAX)
		rows_of(p, i, sample_id, &o, res);
	if (o.n + n_more > SCORE_COUNT)
		return assay_fail(err, ASSAY_EINVAL, "at most %d scores per sample", SCORE_COUNT);
	for (size_t k = 0; k < n_more; k++) {
		o.rows[o.n + k] = more[k];
		o.split[o.n + k] = NULL;
		o.ref[o.n + k] = more_refs ? more_refs[k] : (store_slot_ref){0};
	}
	int rc = store_score_batch_add(s, p->batch, o.rows, o.split, o.ref, o.n + n_more, err);
	keep_refs(p, &o);
	for (size_t k = 0; more_refs && k < n_more; k++)
		more_refs[k] = o.ref[o.n + k];
	return rc;
}

void score_pipe_values(const score_pipe *p, size_t i, double *values)
{
	const pipe_job *j = &p->job[p->cur];
	for (size_t k = 0; k < p->n_ids; k++)
		if (j->in[i].need >> k & 1)
			values[p->ids[k]] = j->out[i][k].value;
}

int score_pipe_flush(score_pipe *p, store *s, bool write, assay_error *err)
{
	if (!p->batch)
		return ASSAY_OK;
	if (write)
		return store_score_batch_flush(s, p->batch, err);
	store_score_batch_drop(p->batch);
	return ASSAY_OK;
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
