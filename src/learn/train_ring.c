/* train_ring.c — the ring between the reader (the caller's thread, which
 * extracts each verdict's features into a slot) and the two workers that
 * teach the models from it, each in the ring's order and each only its
 * own models: worker 0 the full model and the reason head, the fold
 * models shared out by the work they expect. A slot is free again once
 * both workers have taken it. */
#include "train_int.h"

/* Worker 0 has the full model (a step per verdict); each fold model goes
 * to the worker with less expected work so far (a step for the evaluated
 * share of the verdicts outside its fold). The bytes are the same however
 * they are shared. */
void train_share_out(learn_trainer *t)
{
	double load[2] = {1.0, 0.0};
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
		while (*taken == t->filled && !t->stopping) {
			t->worker_waits[who] = true;
			pthread_cond_wait(&t->changed, &t->mu);
		}
		if (*taken == t->filled)
			break;
		item *it = &t->ring[*taken % RING];
		pthread_mutex_unlock(&t->mu);
		int rc = t->worker_rc < 0 ? t->worker_rc : train_item(t, it, who);
		pthread_mutex_lock(&t->mu);
		if (rc < 0 && t->worker_rc == 0)
			t->worker_rc = rc;
		++*taken;
		if (t->reader_waits) { /* a full ring or a drain waits for this */
			t->reader_waits = false;
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
	while (t->filled - ASSAY_MIN(t->taken[0], t->taken[1]) == RING) {
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
