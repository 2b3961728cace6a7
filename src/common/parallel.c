/* parallel.c — a fixed set of worker threads taking numbered tasks from a
 * shared counter: the calling thread is worker 0, so one worker means no
 * thread at all. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "assay/common.h"

typedef struct pool {
	size_t tasks;
	int (*fn)(void *ud, size_t worker, size_t task, assay_error *err);
	void *ud;
	atomic_size_t next;
	atomic_bool failed;
	pthread_mutex_t lock;
	size_t failed_task; /* the lowest failed task, whose error is kept */
	assay_error err;
} pool;

typedef struct worker {
	pool *p;
	size_t id;
} worker;

static void *work(void *arg)
{
	worker *w = arg;
	pool *p = w->p;
	assay_error err;
	for (;;) {
		if (atomic_load(&p->failed))
			break;
		size_t t = atomic_fetch_add(&p->next, 1);
		if (t >= p->tasks)
			break;
		assay_error_clear(&err);
		int rc = p->fn(p->ud, w->id, t, &err);
		if (rc < 0) {
			if (err.code == ASSAY_OK)
				assay_fail(&err, rc, "%s", assay_strstatus(rc));
			pthread_mutex_lock(&p->lock);
			if (!atomic_load(&p->failed) || t < p->failed_task) {
				p->failed_task = t;
				p->err = err;
			}
			atomic_store(&p->failed, true);
			pthread_mutex_unlock(&p->lock);
		}
	}
	return NULL;
}

size_t assay_workers(void)
{
	const char *env = getenv("ASSAY_THREADS");
	if (env && *env) {
		char *end;
		long n = strtol(env, &end, 10);
		if (*end == '\0' && n >= 1)
			return n > ASSAY_MAX_WORKERS ? ASSAY_MAX_WORKERS : (size_t)n;
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > ASSAY_MAX_WORKERS ? ASSAY_MAX_WORKERS : (size_t)n;
}

int assay_parallel(size_t workers, size_t tasks,
		   int (*fn)(void *ud, size_t worker, size_t task, assay_error *err), void *ud,
		   assay_error *err)
{
	pool p = {.tasks = tasks, .fn = fn, .ud = ud};
	atomic_init(&p.next, 0);
	atomic_init(&p.failed, false);
	pthread_mutex_init(&p.lock, NULL);
	if (workers < 1)
		workers = 1;
	if (workers > tasks)
		workers = tasks ? tasks : 1;
	if (workers > ASSAY_MAX_WORKERS)
		workers = ASSAY_MAX_WORKERS;
	pthread_t th[ASSAY_MAX_WORKERS];
	worker w[ASSAY_MAX_WORKERS];
	size_t started = 1;
	for (size_t i = 0; i < workers; i++)
		w[i] = (worker){&p, i};
	/* Fewer threads than asked when the system refuses one: the others
	 * take its share. */
	for (size_t i = 1; i < workers; i++, started++)
		if (pthread_create(&th[i], NULL, work, &w[i]) != 0)
			break;
	work(&w[0]);
	for (size_t i = 1; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&p.lock);
	if (!atomic_load(&p.failed))
		return ASSAY_OK;
	if (err)
		*err = p.err;
	return p.err.code;
}
