/* train_ring.c — the ring between the reader (the caller's thread, which
 * copies each verdict's fields into a slot) and the two workers that
 * teach the models from it, each in the ring's order and each only its
 * own models: worker 1 first extracts the slot's features, worker 0 (the
 * full model and the reason head) then takes it; the fold models are
 * shared out by the work they expect. A slot is free again once worker 0
 * (never ahead of worker 1) has taken it. */
#include "train_int.h"

#include <stdlib.h>
#include <string.h>

/* Worker 0 has the full model (a step per verdict), worker 1 the features
 * (about TRAIN_EXTRACT_STEPS steps' work); each fold model goes to the
 * worker with less expected work so far (a step for the evaluated
 * share of the verdicts outside its fold). The bytes are the same however
 * they are shared. */
void train_share_out(learn_trainer *t)
{
	double load[2] = {1.0, TRAIN_EXTRACT_STEPS};
	double step = t->eval_share * (double)(t->s.folds - 1) / (double)t->s.folds;
	for (unsigned f = 0; f < t->s.folds; f++) {
		int w = load[1] < load[0] ? 1 : 0;
		t->owner[f] = (uint8_t)w;
		load[w] += step;
	}
}

static void *work(void *arg)
{
	learn_trainer *t = ((train_worker *)arg)->t;
	int who = ((train_worker *)arg)->who;
	size_t *taken = &t->taken[who];
	pthread_mutex_lock(&t->mu);
	for (;;) {
		/* worker 0 takes a slot once worker 1 has extracted its features */
		if (*taken == (who ? t->filled : t->taken[1])) {
			if (t->stopping && *taken == t->filled)
				break;
			t->worker_waits[who] = true;
			pthread_cond_wait(&t->changed, &t->mu);
			continue;
		}
		item *it = &t->ring[*taken % RING];
		pthread_mutex_unlock(&t->mu);
		int rc = t->worker_rc < 0 ? t->worker_rc : train_item(t, it, who);
		pthread_mutex_lock(&t->mu);
		if (rc < 0 && t->worker_rc == 0)
			t->worker_rc = rc;
		++*taken;
		if (t->reader_waits || (who && t->worker_waits[0])) {
			/* a full ring, a drain or worker 0 waits for this */
			t->reader_waits = false;
			if (who)
				t->worker_waits[0] = false;
			pthread_cond_broadcast(&t->changed);
		}
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

/* Stops and joins the first n workers. */
static void stop_first(learn_trainer *t, int n)
{
	pthread_mutex_lock(&t->mu);
	t->stopping = true;
	t->worker_waits[0] = t->worker_waits[1] = false;
	pthread_cond_broadcast(&t->changed);
	pthread_mutex_unlock(&t->mu);
	for (int w = 0; w < n; w++)
		pthread_join(t->worker[w], NULL);
	t->stopping = false;
}

void train_start(learn_trainer *t)
{
	for (int w = 0; w < 2; w++) {
		t->arg[w] = (train_worker){t, w};
		if (pthread_create(&t->worker[w], NULL, work, &t->arg[w]) != 0) {
			stop_first(t, w); /* the caller's thread does it all */
			return;
		}
	}
	t->threaded = true;
}

void train_stop(learn_trainer *t)
{
	if (t->threaded)
		stop_first(t, 2);
	t->threaded = false;
}

int train_drain(learn_trainer *t)
{
	if (!t->threaded)
		return t->worker_rc;
	pthread_mutex_lock(&t->mu);
	while (t->taken[0] != t->filled || t->taken[1] != t->filled) {
		t->reader_waits = true;
		pthread_cond_wait(&t->changed, &t->mu);
	}
	int rc = t->worker_rc;
	pthread_mutex_unlock(&t->mu);
	return rc;
}

item *train_slot(learn_trainer *t)
{
	if (!t->threaded)
		return &t->ring[0];
	pthread_mutex_lock(&t->mu);
	while (t->filled - t->taken[0] == RING) { /* worker 0 is never ahead of 1 */
		t->reader_waits = true;
		pthread_cond_wait(&t->changed, &t->mu);
	}
	item *it = &t->ring[t->filled % RING];
	pthread_mutex_unlock(&t->mu);
	return it;
}

int train_publish(learn_trainer *t, item *it)
{
	if (!t->threaded) {
		int rc = train_item(t, it, -1);
		if (rc < 0 && t->worker_rc == 0)
			t->worker_rc = rc;
		return rc;
	}
	pthread_mutex_lock(&t->mu);
	t->filled++;
	if (t->worker_waits[0] || t->worker_waits[1]) {
		t->worker_waits[0] = t->worker_waits[1] = false;
		pthread_cond_broadcast(&t->changed);
	}
	int rc = t->worker_rc;
	pthread_mutex_unlock(&t->mu);
	return rc;
}

/* Appends n bytes of s and a NUL into raw, reserved to fit; returns them. */
static const char *put(abuf *raw, const char *s, size_t n)
{
	char *at = raw->data + raw->len;
	memcpy(at, s, n);
	at[n] = '\0';
	raw->len += n + 1;
	return at;
}

int train_hold(item *it, const learn_example *ex)
{
	size_t need = 0;
	for (size_t i = 0; i < ex->n_fields; i++)
		need += strlen(ex->fields[i].name) + ex->fields[i].len + 2;
	for (size_t i = 0; i < ex->n_numbers; i++)
		need += strlen(ex->numbers[i].name) + 1;
	abuf_reset(&it->raw);
	it->n_fields = it->n_nums = 0;
	/* reserved at once, so the copies never move while pointed at */
	if (ASSAY_GROW(it->fields, ex->n_fields, it->cap_fields, 16) < 0 ||
	    ASSAY_GROW(it->nums, ex->n_numbers, it->cap_nums, 16) < 0 ||
	    abuf_reserve(&it->raw, need + 1) < 0)
		return ASSAY_ENOMEM;
	for (size_t i = 0; i < ex->n_fields; i++) {
		const learn_field *f = &ex->fields[i];
		const char *name = put(&it->raw, f->name, strlen(f->name));
		it->fields[i] = (learn_field){name, put(&it->raw, f->value, f->len), f->len};
	}
	for (size_t i = 0; i < ex->n_numbers; i++)
		it->nums[i] = (learn_number){
			put(&it->raw, ex->numbers[i].name, strlen(ex->numbers[i].name)),
			ex->numbers[i].value};
	it->n_fields = ex->n_fields;
	it->n_nums = ex->n_numbers;
	return ASSAY_OK;
}

void train_item_free(item *it)
{
	learn_fvec_free(&it->fv);
	abuf_free(&it->raw);
	free(it->fields);
	free(it->nums);
}
