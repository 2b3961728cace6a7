/* audit.h — the numbers leads use to audit annotators and scorers: rates with
 * confidence intervals, quantiles, inter-rater agreement (Cohen's and Fleiss'
 * kappa, Krippendorff's alpha) and scorer calibration (ROC AUC with DeLong or
 * bootstrap intervals, precision/recall at a threshold, score histograms).
 * Everything here is pure maths over plain arrays: no database, no terminal.
 * Undefined statistics are NaN (test with isnan), never an error. */
#ifndef ASSAY_AUDIT_H
#define ASSAY_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay/common.h"

/* The two-sided 95% normal quantile, used by every interval here. */
#define AUDIT_Z95 1.959963984540054

/* ---- Rates and quantiles (rates.c) ------------------------------------ */

/* A binomial proportion k/n with its Wilson score interval. */
typedef struct audit_rate {
	uint64_t k, n;
	double rate;   /* k / n; NaN when n == 0 */
	double lo, hi; /* Wilson interval; [0, 1] when n == 0 (nothing known) */
} audit_rate;

/* Fills *out with k/n and its Wilson score interval for the normal quantile
 * z (AUDIT_Z95 for 95%). The interval is exact at the edges: lo = 0 when
 * k == 0, hi = 1 when k == n. ASSAY_EINVAL when k > n or z is not > 0. */
int audit_wilson(uint64_t k, uint64_t n, double z, audit_rate *out, assay_error *err);

/* Sorts v[0..n) ascending in place (LSD radix sort over the bit patterns,
 * O(n)); -0.0 sorts before +0.0. ASSAY_EINVAL if any value is NaN (v is
 * then unchanged), ASSAY_ENOMEM if the scratch buffer cannot be allocated. */
int audit_sort(double *v, size_t n, assay_error *err);

/* The q-quantile (0 <= q <= 1) of an ascending array, by linear
 * interpolation between closest ranks (Hyndman & Fan type 7, the default of
 * R and NumPy): q = 0.5 of {1,2,3,4} is 2.5. NaN when n == 0. */
double audit_quantile_sorted(const double *sorted, size_t n, double q);

/* The quantiles qs[0..nq) of v[0..n) into out[0..nq); v is not modified
 * (a sorted copy is made and freed). out[] is NaN when n == 0.
 * ASSAY_EINVAL for a NaN value or a q outside [0, 1]; ASSAY_ENOMEM. */
int audit_quantiles(const double *v, size_t n, const double *qs, size_t nq, double *out,
		    assay_error *err);

/* The median of v[0..n) (v not modified); NaN when n == 0. */
int audit_median(const double *v, size_t n, double *out, assay_error *err);

/* The median of the integers v[0..n) (the mean of the two middle values
 * when n is even), by selection in O(n) with no allocation: v is reordered.
 * NaN when n == 0. For the time per sample over a million decisions, in
 * milliseconds (stats caps one decision's time at UINT32_MAX ms, 49 days). */
double audit_median_u32(uint32_t *v, size_t n);

/* A throughput: count events in the given seconds, as events per hour.
 * audit_per_hour(1, median_seconds_per_sample) is samples per hour.
 * NaN when seconds is not > 0 (or is NaN). */
double audit_per_hour(double count, double seconds);

/* ---- Agreement on nominal labels (agreement.c) ------------------------- */

/* A missing rating in a ratings matrix or label vector. Categories are the
 * integers 0 .. n_cats-1. */
#define AUDIT_MISSING (-1)

/* An agreement coefficient and what it rests on. */
typedef struct audit_agreement {
	double value;     /* kappa or alpha; NaN when undefined */
	double observed;  /* observed agreement: P_o, P-bar, or 1 - D_o */
	double expected;  /* agreement expected by chance: P_e, or 1 - D_e */
	size_t n_items;   /* items (units) that entered the computation */
	uint64_t n_values;/* ratings behind it (pairable values for alpha) */
	bool unequal;     /* Fleiss only: items had different numbers of raters */
} audit_agreement;

/* Cohen's kappa from a n_cats x n_cats confusion table (row = rater A's
 * category, column = rater B's, table[a * n_cats + b] = items). Undefined
 * (NaN) when the table is empty or when chance agreement is 1, i.e. both
 * raters used one and the same category for every item — even though they
 * then agree perfectly. ASSAY_EINVAL when n_cats < 1. */
int audit_cohen_table(const uint64_t *table, int n_cats, audit_agreement *out, assay_error *err);

/* Cohen's kappa for raters a and b over the n items: labels in 0..n_cats-1
 * or AUDIT_MISSING; only items both rated count (n_items says how many).
 * ASSAY_EINVAL for a label out of range; ASSAY_ENOMEM. */
int audit_cohen(const int *a, const int *b, size_t n, int n_cats, audit_agreement *out,
		assay_error *err);

/* Turns a ratings matrix (ratings[i * n_raters + r] = the category rater r
 * gave item i, or AUDIT_MISSING) into the per-item category counts used by
 * Fleiss and Krippendorff: counts[i * n_cats + c] = raters who put item i in
 * c. counts must hold n_items * n_cats values. ASSAY_EINVAL for a label out
 * of range. */
int audit_count_matrix(const int *ratings, size_t n_items, int n_raters, int n_cats,
		       uint32_t *counts, assay_error *err);

/* Fleiss' kappa from per-item category counts (counts[i * n_cats + c]).
 * Items with fewer than 2 ratings are left out. When every remaining item
 * has the same number of raters this is Fleiss (1971) exactly. When the
 * numbers differ (out->unequal) it uses the usual generalisation: each
 * item's agreement is P_i = sum_c n_ic (n_ic - 1) / (n_i (n_i - 1)), P-bar
 * is their unweighted mean, and the category shares p_c are pooled over all
 * ratings of the kept items; kappa = (P-bar - P_e) / (1 - P_e) with
 * P_e = sum_c p_c^2. NaN when no item has 2 ratings or when P_e == 1 (one
 * category only). ASSAY_EINVAL when n_cats < 1. */
int audit_fleiss(const uint32_t *counts, size_t n_items, int n_cats, audit_agreement *out,
		 assay_error *err);

/* Krippendorff's coincidence matrix (Krippendorff 2011): coinc[c * n_cats
 * + k] = sum over units u with m_u >= 2 ratings of n_uc (n_uk - [c == k]) /
 * (m_u - 1). It is symmetric and sums to the number of pairable values.
 * coinc must hold n_cats * n_cats doubles. ASSAY_EINVAL when n_cats < 1. */
int audit_coincidence(const uint32_t *counts, size_t n_items, int n_cats, double *coinc,
		      assay_error *err);

/* Krippendorff's alpha for nominal data from per-item counts, via the
 * coincidence matrix: alpha = 1 - D_o / D_e. Handles missing ratings and any
 * number of raters per item; units with fewer than 2 ratings are not
 * pairable and are left out (n_items counts pairable units, n_values
 * pairable values). NaN when fewer than 2 pairable values or when only one
 * category occurs (D_e == 0). ASSAY_EINVAL, ASSAY_ENOMEM. */
int audit_kripp_alpha(const uint32_t *counts, size_t n_items, int n_cats, audit_agreement *out,
		      assay_error *err);

/* ---- Scorer calibration (calibration.c, bootstrap.c) ------------------- */

/* One decision as seen by a scorer: its score in [0, 1] (1 = clean, a LOW
 * score means the scorer thinks the sample is bad) and whether the humans
 * rejected it (bad = the positive class). */
typedef struct audit_scored {
	double score;
	bool bad;
} audit_scored;

/* The scores split by verdict and sorted ascending, ready for every query
 * below. Built by audit_calib_init, released by audit_calib_free. */
typedef struct audit_calib {
	double *bad;      /* scores of samples the humans rejected */
	size_t n_bad, cap_bad;
	double *good;     /* scores of samples the humans kept */
	size_t n_good, cap_good;
	/* When set: how many samples each value stands for (the lists are
	 * then sorted distinct values with their counts, n_* their lengths);
	 * NULL: one each. Every query below gives the same figures for a list
	 * and its values counted this way. Not freed by audit_calib_free. */
	const uint64_t *bad_w, *good_w;
} audit_calib;

/* How many samples a list of c stands for: n_bad or n_good, or the sum
 * of the counts. */
uint64_t audit_calib_bad_total(const audit_calib *c);
uint64_t audit_calib_good_total(const audit_calib *c);
/* The values of a counted c one by one, into plain lists (allocated:
 * free with audit_calib_free). ASSAY_ENOMEM. */
int audit_calib_expand(const audit_calib *c, audit_calib *out);

/* Copies, splits and sorts v[0..n) into *c (O(n)). Zero-initialises *c
 * first. ASSAY_EINVAL for a NaN score; ASSAY_ENOMEM. Free with
 * audit_calib_free even on failure. */
int audit_calib_init(audit_calib *c, const audit_scored *v, size_t n, assay_error *err);

/* The same built one score at a time, for scores streamed from the store:
 * start from a zeroed *c, add (ASSAY_ENOMEM, or ASSAY_EINVAL for NaN), then
 * finish, which sorts both lists (O(n) when they arrived sorted). */
int audit_calib_reserve(audit_calib *c, size_t n); /* room for n in each list */
int audit_calib_add(audit_calib *c, double score, bool bad);
int audit_calib_finish(audit_calib *c, assay_error *err);
void audit_calib_free(audit_calib *c);

/* ROC AUC: the probability that a rejected sample scores lower than a kept
 * one, ties counting one half (the Mann-Whitney U statistic with midranks,
 * divided by n_bad * n_good). 1 = perfect separator, 0.5 = chance, 0 = the
 * scorer is exactly backwards. NaN when either class is empty. O(n). */
double audit_auc(const audit_calib *c);

/* An AUC with its interval and how the interval was obtained. */
typedef struct audit_auc_ci {
	double auc;     /* NaN when either class is empty */
	double se;      /* standard error (DeLong) or bootstrap SD; NaN if unknown */
	double lo, hi;  /* interval; [0, 1] when it cannot be estimated */
	int method;     /* enum audit_ci_method */
	int resamples;  /* bootstrap resamples used (0 for DeLong) */
} audit_auc_ci;

enum audit_ci_method {
	AUDIT_CI_NONE = 0,  /* no interval could be estimated: [0, 1] */
	AUDIT_CI_DELONG,    /* DeLong variance, normal approximation */
	AUDIT_CI_BOOTSTRAP, /* stratified percentile bootstrap */
};

/* DeLong, DeLong & Clarke-Pearson (1988) variance of the AUC from the
 * midrank placement values, and the normal interval auc +- z * se clipped to
 * [0, 1]. O(n) on the sorted scores. Needs at least 2 samples in each class
 * (else method NONE, interval [0, 1], se NaN). Note that a perfect separator
 * has variance 0 and so a zero-width interval. */
void audit_auc_delong(const audit_calib *c, double z, audit_auc_ci *out);

/* Stratified percentile bootstrap of the AUC: `resamples` times, draw n_bad
 * rejected and n_good kept scores with replacement, compute the AUC; the
 * interval is the 2.5% and 97.5% quantiles, se their standard deviation.
 * Deterministic for a given seed. Each resample costs O(n) (it reweights the
 * already-sorted scores instead of re-sorting), so the whole is
 * O(resamples * n). Needs at least one sample in each class (else method
 * NONE). ASSAY_EINVAL when resamples < 2; ASSAY_ENOMEM. */
int audit_auc_bootstrap(const audit_calib *c, int resamples, uint64_t seed, audit_auc_ci *out,
			assay_error *err);

/* Up to this many scores the default interval is the bootstrap (no normal
 * approximation, which is poor for small samples or AUC near 0 or 1); above
 * it DeLong, which is O(n) after the sort and so stays fast at 1e6. */
#define AUDIT_BOOTSTRAP_MAX_N 10000
#define AUDIT_BOOTSTRAP_RESAMPLES 1000
#define AUDIT_BOOTSTRAP_SEED 0x5eed5eed5eed5eedULL

/* The default 95% AUC interval: bootstrap (AUDIT_BOOTSTRAP_RESAMPLES,
 * AUDIT_BOOTSTRAP_SEED) when n_bad + n_good <= AUDIT_BOOTSTRAP_MAX_N,
 * DeLong otherwise; out->method says which. */
int audit_auc_ci_auto(const audit_calib *c, audit_auc_ci *out, assay_error *err);

/* What auto-rejecting every sample scoring strictly below t would do.
 * "Rejecting below t removes `flagged_share` of samples, of which
 * `precision` were rejected by humans." */
typedef struct audit_threshold {
	double t;                /* flag when score < t; NaN if none was found */
	uint64_t tp, fp, fn, tn; /* tp: flagged and rejected by humans, ... */
	double precision;        /* tp / (tp + fp); NaN when nothing is flagged */
	double recall;           /* tp / (tp + fn); NaN when nothing was rejected */
	double f1;               /* harmonic mean; NaN if either is NaN, 0 if both 0 */
	double flagged_share;    /* (tp + fp) / n; NaN when n == 0 */
	bool found;              /* audit_best_threshold: a threshold qualified */
} audit_threshold;

/* Counts and rates when flagging score < t (O(log n) on the sorted scores). */
void audit_at_threshold(const audit_calib *c, double t, audit_threshold *out);

/* The threshold with the most recall among those whose precision is at
 * least min_precision (e.g. 0.95), and at that recall the fewest false
 * flags, sweeping every distinct score once. The returned t is the lowest
 * score left unflagged (the next distinct score above the last one flagged,
 * or the next double above the largest score); any t between the last
 * flagged score and it flags the same samples. out->found is false (and t
 * NaN) when no threshold flags a sample at that precision. O(n). */
void audit_best_threshold(const audit_calib *c, double min_precision, audit_threshold *out);

/* Histograms of the scores by verdict over nbins equal bins of [0, 1]:
 * bin = floor(score * nbins), score 1 in the last bin; scores outside
 * [0, 1] are clamped into the first or last bin. bad[] and good[] must hold
 * nbins counts each and are overwritten. ASSAY_EINVAL when nbins < 1. */
int audit_histogram(const audit_calib *c, int nbins, uint64_t *bad, uint64_t *good,
		    assay_error *err);

/* ---- Deterministic random numbers (sort.c) ---------------------------- */

/* xoshiro256** seeded through splitmix64: reproducible resampling. */
typedef struct audit_rng {
	uint64_t s[4];
} audit_rng;

void audit_rng_seed(audit_rng *r, uint64_t seed);
uint64_t audit_rng_next(audit_rng *r);
/* Uniform in [0, bound) without modulo bias (rejection); 0 when bound == 0. */
uint64_t audit_rng_below(audit_rng *r, uint64_t bound);

/* ---- Precision of a reject threshold (precision.c) --------------------- */

/* Of the n predictions with P(reject) >= t, k were rejected. */
typedef struct audit_prec_row {
	double t;
	uint64_t n, k;
} audit_prec_row;

/* The thresholds of a precision table: 0.01, 0.02, ..., 0.99, 0.995, 0.999. */
#define AUDIT_PREC_ROWS 101
double audit_prec_threshold(size_t i);

/* Counts, for each threshold, the predictions p[i] >= t (NaN ones left
 * out) and how many of them have rejected[i] set. */
void audit_precision_table(const float *p, const uint8_t *rejected, size_t n,
			   audit_prec_row rows[AUDIT_PREC_ROWS]);

/* The lowest threshold of rows[0..n) (ascending t) whose precision k/n has
 * a Wilson lower bound (quantile z) >= target: 1 with *at its index, or 0
 * with *at the row with the highest lower bound (n == 0: *at = 0). *rate
 * gets that row's precision and interval. */
int audit_precision_pick(const audit_prec_row *rows, size_t n, double target, double z,
			 size_t *at, audit_rate *rate);

#endif
