/* audit_pairs.h — the statistics of pairwise preference review: win rates
 * per generator model, a Bradley-Terry ranking with bootstrap intervals,
 * position bias, agreement on pair verdicts and the flip rate of imported
 * chosen/rejected labels. Pure maths over plain arrays (no database, no
 * terminal), built on audit.h; undefined statistics are NaN. */
#ifndef ASSAY_AUDIT_PAIRS_H
#define ASSAY_AUDIT_PAIRS_H

#include "assay/audit.h"

/* A pair verdict, naming the candidates as imported (a = the first of
 * --pair, b = the second), never the screen sides. */
enum audit_pref {
	AUDIT_PREF_A = 0,
	AUDIT_PREF_B = 1,
	AUDIT_PREF_TIE = 2,
	AUDIT_PREF_BOTH_BAD = 3,
	AUDIT_PREF_COUNT = 4,
};

/* Verdicts of one kind between two models: `count` comparisons of model a
 * (candidate a's generator) against model b with verdict `pref`. Models are
 * indices 0 .. n_models-1; the store can produce these rows with one GROUP
 * BY, and a row may repeat (counts add up). */
typedef struct audit_pair_count {
	uint32_t a, b;
	int pref; /* enum audit_pref */
	uint64_t count;
} audit_pair_count;

/* ---- Win rates (pairs.c) ------------------------------------------------- */

/* One model's record. A tie is neither a win nor a loss: the win rate is
 * wins / (wins + losses) over decisive verdicts, and ties are reported as
 * their own rate, ties / (wins + losses + ties). Both-bad verdicts and
 * comparisons of a model with itself say nothing about which model is
 * better and are only counted. */
typedef struct audit_winrate {
	uint64_t wins, losses, ties, both_bad, self;
	audit_rate win; /* wins / (wins + losses), Wilson 95% */
	audit_rate tie; /* ties / (wins + losses + ties), Wilson 95% */
	double score;	/* (wins + ties / 2) / (wins + losses + ties); NaN if 0 */
} audit_winrate;

/* Fills out[0..n_models) from the rows v[0..n). ASSAY_EINVAL for a model
 * index >= n_models or a verdict out of range. */
int audit_winrates(const audit_pair_count *v, size_t n, size_t n_models, audit_winrate *out,
		   assay_error *err);

/* ---- Position bias (pairs.c) --------------------------------------------- */

/* How often the left candidate on screen was chosen among decisive
 * verdicts: share = left / (left + right) with its Wilson 95% interval, and
 * the exact two-sided binomial test of share == 0.5 (p = 2 P(X <= min(left,
 * right)), at most 1; NaN when there is no decisive verdict). */
typedef struct audit_position_bias {
	audit_rate left;
	double p_value;
} audit_position_bias;

void audit_position_bias_compute(uint64_t left, uint64_t right, audit_position_bias *out);

/* The exact two-sided binomial test of k successes in n trials against
 * probability 1/2 (as R's binom.test(k, n)). NaN when k > n or n == 0. */
double audit_binom_test_half(uint64_t k, uint64_t n);

/* ---- Agreement on pair verdicts (pairs.c) -------------------------------- */

/* Two codings of a verdict. 3-way: a / b / neither (a tie or both-bad: the
 * annotator preferred neither candidate, so a "tie" against a "both bad"
 * counts as agreement, a "tie" against "a" as disagreement). 2-way: a / b,
 * where a tie or both-bad is a missing rating. */
enum audit_pair_ways { AUDIT_PAIR_3WAY = 3, AUDIT_PAIR_2WAY = 2 };

/* A verdict's category in that coding (0 = a, 1 = b, 2 = neither), or
 * AUDIT_MISSING for AUDIT_MISSING or a verdict the coding leaves out;
 * -2 for a verdict out of range. */
int audit_pref_category(int pref, int ways);

/* Cohen's kappa of two annotators' verdicts a[i], b[i] (enum audit_pref or
 * AUDIT_MISSING) over n pairs, in the given coding (audit_cohen). */
int audit_pairs_cohen(const int *a, const int *b, size_t n, int ways, audit_agreement *out,
		      assay_error *err);

/* Fleiss' kappa and Krippendorff's alpha from per-pair verdict counts:
 * counts[i * AUDIT_PREF_COUNT + p] = annotators who gave pair i verdict p
 * (what one GROUP BY produces). Either output may be NULL. */
int audit_pairs_agreement(const uint32_t *counts, size_t n_items, int ways, audit_agreement *fleiss,
			  audit_agreement *alpha, assay_error *err);

/* ---- Flip rate of imported labels (pairs.c) ------------------------------ */

/* One annotator's verdict on a pair whose record claimed a chosen
 * candidate, and the group it is counted in (a model pair, a batch: any
 * index below n_groups; the caller names them). */
typedef struct audit_flip_obs {
	uint32_t group;
	int claimed; /* AUDIT_PREF_A or AUDIT_PREF_B: the record's chosen */
	int pref;    /* the annotator's verdict, enum audit_pref */
} audit_flip_obs;

/* A flip is a decisive verdict for the other candidate than the claimed
 * one; the rate is flips / decisive verdicts (ties and both-bad are counted
 * apart, as they neither confirm nor contradict the claim). */
typedef struct audit_flip {
	uint64_t agree, flips, ties, both_bad;
	audit_rate rate; /* flips / (agree + flips), Wilson 95% */
} audit_flip;

/* Per group into groups[0..n_groups) (may be NULL when n_groups is 0) and
 * over all into *total. ASSAY_EINVAL for a group >= n_groups, a claim that
 * is not a or b, or a verdict out of range. */
int audit_flip_rates(const audit_flip_obs *v, size_t n, size_t n_groups, audit_flip *groups,
		     audit_flip *total, assay_error *err);

/* ---- Bradley-Terry ranking (bt.c, bt_boot.c) ----------------------------- */

/* Scores are on the Elo scale: 1000 + 400 log10(strength), the strengths
 * of each connected part of the comparison graph scaled to a geometric
 * mean of 1, so each part's mean score is 1000 and a 400-point lead means
 * odds of 10 to 1. */
#define AUDIT_BT_BASE  1000.0
#define AUDIT_BT_SCALE 400.0
/* The default prior: each model plays one virtual win and one virtual loss
 * against a reference of strength 1. */
#define AUDIT_BT_PRIOR	   2.0
#define AUDIT_BT_RESAMPLES 200
#define AUDIT_BT_SEED	   0x5eed5eed5eed5eedULL
/* Dense working matrices are n x n doubles: 1024 models is 8 MiB. */
#define AUDIT_BT_MAX_MODELS 1024
#define AUDIT_BT_NONE	    UINT32_MAX

typedef struct audit_bt_opts {
	/* Virtual games per model against a fixed reference of strength 1,
	 * half won, half lost: keeps a model that always wins (or never does)
	 * finite and shrinks small samples towards the mean. 0 is the plain
	 * maximum likelihood estimate, which exists only when every part of the
	 * graph is strongly connected by wins (Hunter 2004, Assumption 1). */
	double prior;
	int max_iter;  /* MM iterations at most (0: 10000) */
	double tol;    /* stop when no log-strength moves more (0: 1e-10) */
	int resamples; /* bootstrap resamples; 0 for none, else at least 2 */
	uint64_t seed;
} audit_bt_opts;

/* The defaults: AUDIT_BT_PRIOR, AUDIT_BT_RESAMPLES, AUDIT_BT_SEED. */
audit_bt_opts audit_bt_defaults(void);

typedef struct audit_bt_model {
	uint64_t games;	    /* decisive verdicts and ties against other models */
	uint32_t component; /* its connected part of the comparison graph, or
			     * AUDIT_BT_NONE when it has no games */
	uint32_t rank;	    /* 1 = best within its component (equal scores
			     * share a rank); 0 when not estimable */
	bool estimable;	    /* has games, and (prior 0) its part is strongly
			     * connected by wins */
	double strength;    /* normalised as the score is; NaN if not estimable */
	double score;	    /* Elo scale; NaN if not estimable */
	double lo, hi, se;  /* bootstrap 95% percentile interval and SD of the
			     * score; NaN without resamples. Data that no
			     * resample can change (every game 5-0) give a
			     * zero-width interval: read it with `games`. */
} audit_bt_model;

typedef struct audit_bt {
	audit_bt_model *m; /* n_models entries; free with audit_bt_free */
	size_t n;
	size_t n_components; /* connected parts among the models with games */
	bool connected;	     /* one part: every score is comparable */
	int iterations;
	bool converged;
	int resamples;	    /* asked for */
	int resamples_used; /* kept: with prior 0, a resample whose parts are
			     * not strongly connected has no estimate */
} audit_bt;

/* Fits the Bradley-Terry model to the rows v[0..n) by the MM algorithm of
 * Hunter (2004): gamma_i <- W_i / sum_j N_ij / (gamma_i + gamma_j), with a
 * tie counted as half a win for each side (both-bad verdicts and self
 * comparisons are left out), then the percentile bootstrap over
 * comparisons (deterministic for opts->seed). opts NULL = defaults.
 * The cost does not grow with the number of comparisons: each fit is
 * O(iterations x (models + model pairs)) and a resample is a chain of
 * binomial draws over the distinct (pair, outcome) rows.
 * ASSAY_EINVAL for bad indices or options, more than AUDIT_BT_MAX_MODELS
 * models; ASSAY_ENOMEM. Free *out with audit_bt_free even on failure. */
int audit_bt_fit(const audit_pair_count *v, size_t n, size_t n_models, const audit_bt_opts *opts,
		 audit_bt *out, assay_error *err);
void audit_bt_free(audit_bt *bt);

/* ---- From the store (pairs_report.c) ------------------------------------- */

struct store;

/* Every figure of the pairs' current preferences (machines left out):
 * win rates and the Bradley-Terry ranking of the generator models, the
 * position bias of the verdicts whose placement is known, agreement over
 * pairs two or more annotators decided (3-way and 2-way), and the flip
 * rate of the records' claimed chosen, by batch and over all. */
typedef struct audit_pairs_report {
	uint64_t verdicts, pairs;   /* preferences read, pairs they are on */
	size_t n_models;
	char **models;              /* generator names ("(unknown)" when none) */
	audit_winrate *win;         /* per model */
	audit_bt bt;
	uint64_t left, right;       /* decisive verdicts for the left / right side */
	audit_position_bias bias;
	audit_agreement fleiss3, alpha3, fleiss2, alpha2;
	size_t n_batches;
	char **batches;             /* names of the batches with claimed pairs */
	audit_flip *flip_batch;
	audit_flip flip;
} audit_pairs_report;

/* What position bias reads when no verdict has a placement: decide and
 * decide --from record none, only the pair screen does. */
#define AUDIT_PAIRS_NO_PLACEMENT "- (no placement recorded: only the pair screen records one)"

/* The preferences f selects (its batch, decision dates and slice; zero:
 * every human preference). Free with audit_pairs_report_free. */
struct store_prefs_filter;
int audit_pairs_report_compute(struct store *s, const struct store_prefs_filter *f,
			       audit_pairs_report *out, assay_error *err);
void audit_pairs_report_free(audit_pairs_report *r);

#endif
