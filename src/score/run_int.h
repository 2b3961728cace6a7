/* run_int.h — the state a scoring run shares between its phases (run.c,
 * neardup.c, remote_run.c). */
#ifndef ASSAY_SCORE_RUN_INT_H
#define ASSAY_SCORE_RUN_INT_H

#include "assay/score.h"

typedef struct run_fuse run_fuse;

typedef struct run_ctx {
	store *s;
	const score_run_options *o;
	score_run_result *res;
	score_config cfg; /* a copy (strings shared): the field range may be filled in */
	size_t page;
	int64_t scope, min_id, max_id; /* samples in the run's batches, their smallest and largest id */
	uint64_t *combined;    /* bitmap by sample id: combined score written (counted once) */
	uint64_t combined_bits;
	score_text text;
	abuf context;          /* the current sample's context as plain text */
	struct learn_model *model; /* the learned scorer's model, when there is one */
	run_fuse *fuse;        /* the rule scorers inside the near-duplicate pass, or NULL */
} run_ctx;

/* Writes the combined score of the samples ids[0..n) (ascending, distinct)
 * from every score they hold, inside the caller's open transaction, the one
 * that wrote their new scores. */
int run_combine(run_ctx *r, const int64_t *ids, size_t n, assay_error *err);
/* The combined score of one sample from the SCORE_COUNT values it holds
 * (NAN where it has none), as run_combine would read them back. */
int run_combine_values(run_ctx *r, int64_t sample_id, const double *values, assay_error *err);
/* Counts the sample's combined score as written (once per sample). */
void run_combined_count(run_ctx *r, int64_t sample_id);
/* The same for ids in any order, with repeats (sorted in place). */
int run_combine_unsorted(run_ctx *r, int64_t *ids, size_t n, assay_error *err);
void run_progress(run_ctx *r, const char *phase, int64_t done, int64_t total, bool force);
bool run_stopped(const run_ctx *r);
int64_t run_position(const run_ctx *r, int64_t last_id);
/* Analyses one sample's text with its context and kind into r->text. */
int run_analyse(run_ctx *r, const store_score_item *it, assay_error *err);

/* Candidate b of every pair of the run's batches lacking a current score
 * of the rule scorers ids[0..n) (every pair with rescore): pair_b.c. */
int run_pairs_b(run_ctx *r, const enum score_id *ids, size_t n, assay_error *err);

/* The near-duplicate pass: the samples the index on disk lacks (all_count
 * samples up to all_max in the database). */
int run_neardup(run_ctx *r, int64_t all_count, int64_t all_max, assay_error *err);
/* The rule scorers ids[0..n) inside the near-duplicate pass (run_fuse.c),
 * for a run without rescore: each chunk's put samples put[0..n) (ids
 * ascending) that the rules' query finds not current are scored, and each
 * put sample's rule scores and neardup score are written as one row in
 * the caller's transaction; a sample that held no score gets its combined
 * score from these values. put[0..*n_left) gets the others, whose combined
 * score is to be read back (run_combine). row(ud, k, out, res): put[k]'s
 * neardup value, and when out is not NULL its row (strings in res). */
typedef double (*run_fuse_row)(void *ud, size_t k, store_score_row *out, score_result *res);
int run_fuse_new(run_ctx *r, const enum score_id *ids, size_t n, run_fuse **out,
		 assay_error *err);
int run_fuse_chunk(run_fuse *f, int64_t *put, size_t n, size_t *n_left, run_fuse_row row,
		   void *ud, assay_error *err);
/* Samples of the run's scope (ids up to its max_id) whose rules are current
 * after the chunks (written by them or found current), and the time the
 * chunks took. */
int64_t run_fuse_fused(const run_fuse *f);
int64_t run_fuse_ns(const run_fuse *f);
/* Adds the pipe's figures to the run's; frees. */
void run_fuse_free(run_fuse *f);
/* One remote scorer over the run's samples. */
int run_remote(run_ctx *r, enum score_id id, assay_error *err);
/* The learned scorer: loads the newest model before the run (when the
 * scorer is wanted and a model exists; its version enters the scores'
 * version, and a model of too few verdicts gets weight 0 in the combined
 * score), then scores after every other scorer; frees the model. */
int run_learned_prepare(run_ctx *r, bool wanted, assay_error *err);
int run_learned(run_ctx *r, assay_error *err);
void run_learned_free(run_ctx *r);

#endif
