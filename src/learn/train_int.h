/* train_int.h — the trainer's state, shared by train.c (what the models
 * learn) and train_ring.c (the threads and the ring between them).
 * Private to src/learn/. */
#ifndef ASSAY_LEARN_TRAIN_INT_H
#define ASSAY_LEARN_TRAIN_INT_H

#include <pthread.h>

#include "ftrl.h"
#include "learn_int.h"
#include "assay/limits.h"

#define RING 64
#define REASON_CAP (ASSAY_REASON_MAX + 1)
#define TRAIN_MAX_FOLDS 10 /* learn_settings_check's bound */
/* Extracting a verdict's features costs about this many model steps. */
#define TRAIN_EXTRACT_STEPS 2.5

/* One verdict on its way from the reader to the workers. */
typedef struct item {
	learn_fvec fv;
	/* the example, copied (its strings in raw) for worker 1 to extract */
	abuf raw;
	learn_field *fields;
	learn_number *nums;
	size_t n_fields, cap_fields, n_nums, cap_nums;
	double weight; /* the class weight it is learned with */
	size_t at;
	unsigned fold;
	bool eval, rejected, skip, has_reason;
	bool keep; /* its features go to the cache (first pass) */
	char reason[REASON_CAP];
} item;

typedef struct train_worker {
	learn_trainer *t;
	int who;
} train_worker;

struct learn_trainer {
	learn_settings s;
	unsigned pass;
	ftrl full;
	ftrl *fold;
	ftrl *rhead; /* one per reason */
	char *reasons[LEARN_MAX_REASONS];
	size_t n_reasons;
	/* per bucket: verdicts it occurred in, and the first name seen */
	uint32_t *seen;
	uint32_t *name_at; /* offset + 1 into names; 0: none */
	abuf names;
	/* per verdict, in feed order */
	float *oof, *prog;
	uint8_t *label, *in_eval; /* in_eval: the fold models saw it (out of fold: oof) */
	size_t n, cap, at;
	size_t n_rej, n_kept; /* the reader's counts (so far, in the first pass) */
	size_t reason_hits, reason_n;
	double eval_share; /* of the verdicts, the share the fold models see */
	learn_cache cache;
	size_t cache_want; /* verdicts a later pass needs */
	size_t expected;   /* verdicts the caller expects to feed */
	/* the ring: slots [taken[w], filled) wait for worker w */
	item ring[RING];
	size_t filled, taken[2];
	uint8_t owner[TRAIN_MAX_FOLDS]; /* the worker that teaches each fold model */
	bool sync_ready; /* the lock and the condition were made */
	bool threaded, stopping;
	bool worker_waits[2], reader_waits; /* who sleeps on `changed` */
	int worker_rc;
	train_worker arg[2];
	pthread_t worker[2];
	pthread_mutex_t mu;
	pthread_cond_t changed;
};

/* What worker who (0 or 1; -1: the caller's thread, doing it all) does
 * with one verdict (train.c): worker 1 extracts its features (and keeps
 * them in the cache) before either teaches a model with them. */
int train_item(learn_trainer *t, item *it, int who);

/* train_ring.c */
/* Which worker teaches each fold model (worker 0 has the full model). */
void train_share_out(learn_trainer *t);
/* Starts the two workers; t->threaded when both run. */
void train_start(learn_trainer *t);
/* Stops and joins the workers. */
void train_stop(learn_trainer *t);
/* Waits until the workers have taken every slot; returns their status. */
int train_drain(learn_trainer *t);
/* The next free slot (waiting for the workers when the ring is full). */
item *train_slot(learn_trainer *t);
/* Hands a filled slot to the workers, or learns it here with one core. */
int train_publish(learn_trainer *t, item *it);
/* A copy of ex in the slot; ASSAY_ENOMEM. */
int train_hold(item *it, const learn_example *ex);
void train_item_free(item *it);

#endif
