/* test_calibration.c — AUC, DeLong and bootstrap intervals, thresholds and
 * histograms (src/audit/calibration.c, bootstrap.c). Hand-computed
 * figures: tests/audit/reference.py. */
#include "assay/audit.h"
#include "unit.h"

/* Builds a calibration set from bad and good score lists. */
static void calib_of(audit_calib *c, const double *bad, size_t nb, const double *good, size_t ng)
{
	audit_scored *v = malloc((nb + ng + 1) * sizeof *v);
	size_t n = 0;
	/* interleave so the split really has to separate them */
	for (size_t i = 0; i < nb || i < ng; i++) {
		if (i < ng)
			v[n++] = (audit_scored){good[i], false};
		if (i < nb)
			v[n++] = (audit_scored){bad[i], true};
	}
	CHECK_INT(audit_calib_init(c, v, n, NULL), ASSAY_OK);
	free(v);
}

/* O(n_bad * n_good) AUC and DeLong variance straight from the definition. */
static void naive_delong(const audit_calib *c, double *auc, double *var)
{
	size_t m = c->n_bad, n = c->n_good;
	double *v10 = calloc(m, sizeof *v10), *v01 = calloc(n, sizeof *v01), sum = 0;
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < n; j++) {
			double x = c->bad[i], y = c->good[j];
			double psi = x < y ? 1.0 : x == y ? 0.5 : 0.0;
			v10[i] += psi / n;
			v01[j] += psi / m;
			sum += psi;
		}
	*auc = sum / ((double)m * n);
	double s10 = 0, s01 = 0;
	for (size_t i = 0; i < m; i++)
		s10 += (v10[i] - *auc) * (v10[i] - *auc);
	for (size_t j = 0; j < n; j++)
		s01 += (v01[j] - *auc) * (v01[j] - *auc);
	*var = s10 / (m - 1) / m + s01 / (n - 1) / n;
	free(v10);
	free(v01);
}

/* Random scores: bad ones drawn lower by `shift`, rounded to `grid` steps
 * to create ties when grid > 0. */
static void random_calib(audit_calib *c, size_t n, uint64_t seed, double shift, int grid)
{
	audit_scored *v = malloc(n * sizeof *v);
	audit_rng r;
	audit_rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++) {
		bool bad = audit_rng_below(&r, 4) == 0;
		double s = (double)(audit_rng_next(&r) >> 11) / 9007199254740992.0;
		if (bad)
			s = s * (1.0 - shift);
		else
			s = shift + s * (1.0 - shift);
		if (grid > 0)
			s = floor(s * grid) / grid;
		v[i] = (audit_scored){s, bad};
	}
	CHECK_INT(audit_calib_init(c, v, n, NULL), ASSAY_OK);
	free(v);
}

TEST(calib_split_and_sort)
{
	audit_scored v[] = {{0.9, false}, {0.1, true}, {0.5, false}, {0.3, true}, {0.2, false}};
	audit_calib c;
	CHECK_INT(audit_calib_init(&c, v, 5, NULL), ASSAY_OK);
	CHECK_INT(c.n_bad, 2);
	CHECK_INT(c.n_good, 3);
	CHECK(c.bad[0] == 0.1 && c.bad[1] == 0.3);
	CHECK(c.good[0] == 0.2 && c.good[1] == 0.5 && c.good[2] == 0.9);
	audit_calib_free(&c);
	CHECK(c.bad == NULL && c.n_bad == 0);

	audit_scored nan_score[] = {{0.5, true}, {NAN, false}};
	assay_error err = {0};
	CHECK_INT(audit_calib_init(&c, nan_score, 2, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "score 1 is NaN");
	audit_calib_free(&c);
}

/* Scores streamed one at a time (as the store hands them over, sorted, or
 * in any order) give the same lists as audit_calib_init. */
TEST(calib_streamed_equals_init)
{
	audit_scored v[] = {{0.9, false}, {0.1, true}, {0.5, false}, {0.3, true},
			    {0.2, false}, {0.5, true},  {0.0, false}, {0.9, true}};
	size_t n = sizeof v / sizeof *v;
	audit_calib ref, any = {0}, sorted = {0};
	CHECK_INT(audit_calib_init(&ref, v, n, NULL), ASSAY_OK);
	for (size_t i = 0; i < n; i++)
		CHECK_INT(audit_calib_add(&any, v[i].score, v[i].bad), ASSAY_OK);
	CHECK_INT(audit_calib_finish(&any, NULL), ASSAY_OK);
	CHECK_INT(audit_calib_reserve(&sorted, n), ASSAY_OK);
	for (size_t i = 0; i < ref.n_bad; i++)
		CHECK_INT(audit_calib_add(&sorted, ref.bad[i], true), ASSAY_OK);
	for (size_t i = 0; i < ref.n_good; i++)
		CHECK_INT(audit_calib_add(&sorted, ref.good[i], false), ASSAY_OK);
	CHECK_INT(audit_calib_finish(&sorted, NULL), ASSAY_OK);
	const audit_calib *got[] = {&any, &sorted};
	for (size_t k = 0; k < 2; k++) {
		CHECK_INT(got[k]->n_bad, ref.n_bad);
		CHECK_INT(got[k]->n_good, ref.n_good);
		CHECK(memcmp(got[k]->bad, ref.bad, ref.n_bad * sizeof *ref.bad) == 0);
		CHECK(memcmp(got[k]->good, ref.good, ref.n_good * sizeof *ref.good) == 0);
		CHECK(audit_auc(got[k]) == audit_auc(&ref));
	}
	CHECK_INT(audit_calib_add(&any, NAN, true), ASSAY_EINVAL);
	audit_calib_free(&ref);
	audit_calib_free(&any);
	audit_calib_free(&sorted);
}

TEST(auc_ties_by_hand)
{
	/* 6 pairs: (0.2,0.5) 1, (0.2,0.8) 1, (0.5,0.5) 1/2 twice, (0.5,0.8) 1
	 * twice: 5/6. Midranks give the same. */
	const double bad[] = {0.2, 0.5, 0.5}, good[] = {0.5, 0.8};
	audit_calib c;
	calib_of(&c, bad, 3, good, 2);
	CHECK_NEAR(audit_auc(&c), 5.0 / 6.0, 1e-15);
	audit_calib_free(&c);
}

TEST(delong_by_hand)
{
	const double bad[] = {0.1, 0.3, 0.3, 0.6, 0.9};
	const double good[] = {0.3, 0.5, 0.6, 0.7, 0.8, 0.9};
	audit_calib c;
	calib_of(&c, bad, 5, good, 6);
	audit_auc_ci ci;
	audit_auc_delong(&c, AUDIT_Z95, &ci);
	CHECK_NEAR(ci.auc, 0.7, 1e-15);
	CHECK_NEAR(ci.se * ci.se, 0.03422222222222222, 1e-12);
	CHECK_INT(ci.method, AUDIT_CI_DELONG);
	CHECK_NEAR(ci.lo, 0.7 - AUDIT_Z95 * 0.18499249234015477, 1e-12);
	CHECK_NEAR(ci.hi, 1.0, 0); /* 0.7 + 0.363 clipped */
	audit_calib_free(&c);
}

TEST(auc_properties)
{
	const double low[] = {0.1, 0.2, 0.3}, high[] = {0.6, 0.7, 0.8, 0.9};
	audit_calib c;
	calib_of(&c, low, 3, high, 4); /* rejected score lower: perfect */
	CHECK_NEAR(audit_auc(&c), 1.0, 0);
	audit_auc_ci ci;
	audit_auc_delong(&c, AUDIT_Z95, &ci);
	CHECK_NEAR(ci.se, 0.0, 0);
	CHECK(ci.lo == 1.0 && ci.hi == 1.0);
	audit_calib_free(&c);
	calib_of(&c, high, 4, low, 3); /* exactly backwards */
	CHECK_NEAR(audit_auc(&c), 0.0, 0);
	audit_calib_free(&c);
	const double same[] = {0.4, 0.4, 0.4};
	calib_of(&c, same, 3, same, 2); /* all the same score */
	CHECK_NEAR(audit_auc(&c), 0.5, 0);
	audit_calib_free(&c);

	random_calib(&c, 200000, 11, 0.0, 0); /* uninformative */
	CHECK_NEAR(audit_auc(&c), 0.5, 0.01);
	audit_calib_free(&c);
	random_calib(&c, 200000, 12, 0.0, 10); /* uninformative, heavy ties */
	CHECK_NEAR(audit_auc(&c), 0.5, 0.01);
	audit_calib_free(&c);
}

TEST(auc_undefined_for_one_class)
{
	audit_calib c;
	const double s[] = {0.1, 0.5};
	audit_auc_ci ci;
	calib_of(&c, s, 2, NULL, 0);
	CHECK(isnan(audit_auc(&c)));
	audit_auc_delong(&c, AUDIT_Z95, &ci);
	CHECK(isnan(ci.auc) && isnan(ci.se));
	CHECK(ci.lo == 0.0 && ci.hi == 1.0);
	CHECK_INT(ci.method, AUDIT_CI_NONE);
	CHECK_INT(audit_auc_bootstrap(&c, 100, 1, &ci, NULL), ASSAY_OK);
	CHECK_INT(ci.method, AUDIT_CI_NONE);
	audit_calib_free(&c);
	calib_of(&c, NULL, 0, s, 2);
	CHECK(isnan(audit_auc(&c)));
	audit_calib_free(&c);
	calib_of(&c, NULL, 0, NULL, 0); /* empty */
	CHECK(isnan(audit_auc(&c)));
	CHECK_INT(audit_auc_ci_auto(&c, &ci, NULL), ASSAY_OK);
	CHECK(isnan(ci.auc));
	audit_calib_free(&c);
}

TEST(delong_needs_two_per_class)
{
	/* n = 1 per class: the AUC exists, its variance cannot be estimated */
	const double b[] = {0.2}, g[] = {0.7, 0.8};
	audit_calib c;
	calib_of(&c, b, 1, g, 2);
	audit_auc_ci ci;
	audit_auc_delong(&c, AUDIT_Z95, &ci);
	CHECK_NEAR(ci.auc, 1.0, 0);
	CHECK(isnan(ci.se));
	CHECK_INT(ci.method, AUDIT_CI_NONE);
	CHECK(ci.lo == 0.0 && ci.hi == 1.0);
	audit_calib_free(&c);
}

TEST(delong_matches_definition_random)
{
	for (int grid = 0; grid <= 20; grid += 5) {
		audit_calib c;
		random_calib(&c, 1500, 100 + (uint64_t)grid, 0.2, grid);
		double auc, var;
		naive_delong(&c, &auc, &var);
		audit_auc_ci ci;
		audit_auc_delong(&c, AUDIT_Z95, &ci);
		CHECK_NEAR(audit_auc(&c), auc, 1e-12);
		CHECK_NEAR(ci.se * ci.se, var, 1e-12 + var * 1e-9);
		audit_calib_free(&c);
	}
}

TEST(bootstrap_deterministic_and_consistent)
{
	audit_calib c;
	random_calib(&c, 2000, 5, 0.15, 20);
	audit_auc_ci a, b, d, other;
	CHECK_INT(audit_auc_bootstrap(&c, 1000, 77, &a, NULL), ASSAY_OK);
	CHECK_INT(audit_auc_bootstrap(&c, 1000, 77, &b, NULL), ASSAY_OK);
	CHECK_INT(audit_auc_bootstrap(&c, 1000, 78, &other, NULL), ASSAY_OK);
	CHECK(a.lo == b.lo && a.hi == b.hi && a.se == b.se);
	CHECK(a.lo != other.lo || a.hi != other.hi);
	CHECK_INT(a.method, AUDIT_CI_BOOTSTRAP);
	CHECK_INT(a.resamples, 1000);
	CHECK(a.lo < a.auc && a.auc < a.hi);
	/* the bootstrap SD agrees with DeLong's standard error */
	audit_auc_delong(&c, AUDIT_Z95, &d);
	CHECK_NEAR(a.se / d.se, 1.0, 0.15);
	CHECK_NEAR(a.hi - a.lo, d.hi - d.lo, 0.3 * (d.hi - d.lo));
	audit_calib_free(&c);
}

TEST(bootstrap_tiny_and_invalid)
{
	const double b[] = {0.3}, g[] = {0.3};
	audit_calib c;
	calib_of(&c, b, 1, g, 1);
	audit_auc_ci ci;
	CHECK_INT(audit_auc_bootstrap(&c, 50, 1, &ci, NULL), ASSAY_OK);
	CHECK_NEAR(ci.auc, 0.5, 0);
	CHECK(ci.lo == 0.5 && ci.hi == 0.5); /* every resample is the same */
	assay_error err = {0};
	CHECK_INT(audit_auc_bootstrap(&c, 1, 1, &ci, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "resamples");
	audit_calib_free(&c);
}

TEST(auto_interval_method)
{
	audit_calib c;
	audit_auc_ci ci;
	random_calib(&c, AUDIT_BOOTSTRAP_MAX_N, 3, 0.1, 0);
	int64_t t0 = assay_mono_ns();
	CHECK_INT(audit_auc_ci_auto(&c, &ci, NULL), ASSAY_OK);
	printf("# bootstrap at the largest n it serves (%d scores, %d resamples): %.1f ms\n",
	       AUDIT_BOOTSTRAP_MAX_N, AUDIT_BOOTSTRAP_RESAMPLES, (assay_mono_ns() - t0) / 1e6);
	CHECK_INT(ci.method, AUDIT_CI_BOOTSTRAP);
	CHECK_INT(ci.resamples, AUDIT_BOOTSTRAP_RESAMPLES);
	audit_calib_free(&c);
	random_calib(&c, AUDIT_BOOTSTRAP_MAX_N + 1, 3, 0.1, 0);
	CHECK_INT(audit_auc_ci_auto(&c, &ci, NULL), ASSAY_OK);
	CHECK_INT(ci.method, AUDIT_CI_DELONG);
	CHECK(ci.lo < ci.auc && ci.auc < ci.hi);
	audit_calib_free(&c);
}

TEST(threshold_by_hand)
{
	const double bad[] = {0.1, 0.2, 0.4}, good[] = {0.3, 0.5, 0.6, 0.9};
	audit_calib c;
	calib_of(&c, bad, 3, good, 4);
	audit_threshold t;
	audit_at_threshold(&c, 0.35, &t);
	CHECK_INT(t.tp, 2);
	CHECK_INT(t.fp, 1);
	CHECK_INT(t.fn, 1);
	CHECK_INT(t.tn, 3);
	CHECK_NEAR(t.precision, 2.0 / 3, 1e-15);
	CHECK_NEAR(t.recall, 2.0 / 3, 1e-15);
	CHECK_NEAR(t.f1, 2.0 / 3, 1e-15);
	CHECK_NEAR(t.flagged_share, 3.0 / 7, 1e-15);
	/* strictly below: a score equal to t is not flagged */
	audit_at_threshold(&c, 0.3, &t);
	CHECK_INT(t.tp, 2);
	CHECK_INT(t.fp, 0);
	CHECK_NEAR(t.precision, 1.0, 0);
	/* nothing flagged: precision undefined, recall 0 */
	audit_at_threshold(&c, 0.0, &t);
	CHECK(isnan(t.precision) && isnan(t.f1));
	CHECK_NEAR(t.recall, 0.0, 0);
	CHECK_NEAR(t.flagged_share, 0.0, 0);
	/* everything flagged */
	audit_at_threshold(&c, 2.0, &t);
	CHECK_NEAR(t.recall, 1.0, 0);
	CHECK_NEAR(t.precision, 3.0 / 7, 1e-15);
	CHECK_NEAR(t.flagged_share, 1.0, 0);
	audit_calib_free(&c);
}

TEST(threshold_f1_zero_and_empty)
{
	const double bad[] = {0.9}, good[] = {0.1};
	audit_calib c;
	calib_of(&c, bad, 1, good, 1);
	audit_threshold t;
	audit_at_threshold(&c, 0.5, &t); /* flags only the good one */
	CHECK_NEAR(t.precision, 0.0, 0);
	CHECK_NEAR(t.recall, 0.0, 0);
	CHECK_NEAR(t.f1, 0.0, 0);
	audit_calib_free(&c);
	calib_of(&c, NULL, 0, NULL, 0);
	audit_at_threshold(&c, 0.5, &t);
	CHECK(isnan(t.precision) && isnan(t.recall) && isnan(t.flagged_share));
	audit_best_threshold(&c, 0.95, &t);
	CHECK(!t.found && isnan(t.t));
	audit_calib_free(&c);
}

TEST(best_threshold_by_hand)
{
	const double bad[] = {0.1, 0.2, 0.4}, good[] = {0.3, 0.5, 0.6, 0.9};
	audit_calib c;
	calib_of(&c, bad, 3, good, 4);
	audit_threshold t;
	/* <= 0.2 flags 2 of 2 bad; <= 0.4 gives 3/4 = 0.75 */
	audit_best_threshold(&c, 0.95, &t);
	CHECK(t.found);
	CHECK_NEAR(t.t, 0.3, 0);
	CHECK_INT(t.tp, 2);
	CHECK_INT(t.fp, 0);
	audit_best_threshold(&c, 0.75, &t);
	CHECK(t.found);
	CHECK_NEAR(t.t, 0.5, 0);
	CHECK_INT(t.tp, 3);
	CHECK_INT(t.fp, 1);
	CHECK_NEAR(t.precision, 0.75, 0);
	audit_calib_free(&c);

	/* the best is at the largest score: t is the next double above it */
	const double b2[] = {0.5, 1.0}, g2[] = {0.2};
	calib_of(&c, b2, 2, g2, 1);
	audit_best_threshold(&c, 0.6, &t);
	CHECK(t.found);
	CHECK(t.t > 1.0 && t.t == nextafter(1.0, 2.0));
	CHECK_INT(t.tp, 2);
	audit_calib_free(&c);

	/* no threshold is precise enough */
	const double b3[] = {0.9}, g3[] = {0.1, 0.2};
	calib_of(&c, b3, 1, g3, 2);
	audit_best_threshold(&c, 0.95, &t);
	CHECK(!t.found && isnan(t.t));
	CHECK_INT(t.tp, 0);
	audit_calib_free(&c);
}

/* The sweep agrees with trying every distinct score as a threshold: the
 * most recall at the precision, and at that recall the fewest false flags. */
TEST(best_threshold_matches_brute_force)
{
	for (uint64_t seed = 1; seed <= 6; seed++) {
		audit_calib c;
		random_calib(&c, 600, seed, 0.3, seed % 2 ? 50 : 0);
		double minp = 0.8 + 0.03 * (double)seed;
		audit_threshold best;
		audit_best_threshold(&c, minp, &best);
		uint64_t want_tp = 0, want_fp = 0;
		for (int pass = 0; pass < 2; pass++) {
			const double *s = pass ? c.good : c.bad;
			size_t n = pass ? c.n_good : c.n_bad;
			for (size_t i = 0; i < n; i++) {
				audit_threshold t;
				audit_at_threshold(&c, nextafter(s[i], INFINITY), &t);
				if (t.tp == 0 || !(t.precision >= minp))
					continue;
				if (t.tp > want_tp || (t.tp == want_tp && t.fp < want_fp)) {
					want_tp = t.tp;
					want_fp = t.fp;
				}
			}
		}
		CHECK(want_tp > 0);
		CHECK_INT(best.found, want_tp > 0);
		CHECK_INT(best.tp, want_tp);
		CHECK_INT(best.fp, want_fp);
		audit_threshold again;
		audit_at_threshold(&c, best.t, &again);
		CHECK_INT(again.tp, best.tp);
		CHECK_INT(again.fp, best.fp);
		CHECK(again.precision >= minp);
		/* t is an observed score (or just above the largest): it is the
		 * first sample left unflagged */
		audit_at_threshold(&c, nextafter(best.t, INFINITY), &again);
		CHECK(again.tp + again.fp > best.tp + best.fp || best.t > c.good[c.n_good - 1]);
		audit_calib_free(&c);
	}
}

TEST(histogram_bins)
{
	const double bad[] = {0.0, 0.05, 0.1, -0.5, 0.999999}, good[] = {1.0, 0.5, 1.5, 0.95};
	audit_calib c;
	calib_of(&c, bad, 5, good, 4);
	uint64_t hb[10], hg[10];
	CHECK_INT(audit_histogram(&c, 10, hb, hg, NULL), ASSAY_OK);
	const uint64_t want_b[10] = {3, 1, 0, 0, 0, 0, 0, 0, 0, 1};
	const uint64_t want_g[10] = {0, 0, 0, 0, 0, 1, 0, 0, 0, 3};
	CHECK(memcmp(hb, want_b, sizeof hb) == 0);
	CHECK(memcmp(hg, want_g, sizeof hg) == 0);
	uint64_t one_b, one_g;
	CHECK_INT(audit_histogram(&c, 1, &one_b, &one_g, NULL), ASSAY_OK);
	CHECK_INT(one_b, 5);
	CHECK_INT(one_g, 4);
	assay_error err = {0};
	CHECK_INT(audit_histogram(&c, 0, hb, hg, &err), ASSAY_EINVAL);
	audit_calib_free(&c);
}

/* The benchmark path of `assay stats --scorers`: a million decisions. */
TEST(timing_one_million)
{
	size_t n = 1000000;
	audit_scored *v = malloc(n * sizeof *v);
	audit_rng r;
	audit_rng_seed(&r, 1);
	for (size_t i = 0; i < n; i++) {
		bool bad = audit_rng_below(&r, 5) == 0;
		double s = (double)(audit_rng_next(&r) >> 11) / 9007199254740992.0;
		v[i] = (audit_scored){bad ? s * 0.8 : 0.2 + 0.8 * s, bad};
	}
	int64_t t0 = assay_mono_ns();
	audit_calib c;
	CHECK_INT(audit_calib_init(&c, v, n, NULL), ASSAY_OK);
	int64_t t1 = assay_mono_ns();
	audit_auc_ci ci;
	audit_auc_delong(&c, AUDIT_Z95, &ci);
	int64_t t2 = assay_mono_ns();
	audit_threshold best;
	audit_best_threshold(&c, 0.95, &best);
	uint64_t hb[20], hg[20];
	CHECK_INT(audit_histogram(&c, 20, hb, hg, NULL), ASSAY_OK);
	int64_t t3 = assay_mono_ns();
	CHECK_INT(ci.method, AUDIT_CI_DELONG);
	/* bad ~ U(0, 0.8), good ~ U(0.2, 1): P(bad < good) = 1 - 0.75^2 / 2 */
	CHECK_NEAR(ci.auc, 0.71875, 0.003);
	CHECK(ci.lo < ci.auc && ci.auc < ci.hi);
	CHECK(best.found);
	printf("# 1000000 pairs: split+sort %.1f ms, AUC+DeLong %.1f ms, "
	       "best threshold+histogram %.1f ms, total %.1f ms (AUC %.4f [%.4f, %.4f])\n",
	       (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t3 - t0) / 1e6, ci.auc, ci.lo,
	       ci.hi);
	audit_calib_free(&c);
	free(v);
}

/* A list of distinct values with counts gives every figure bit for bit
 * as the same values one by one: AUC, DeLong, the threshold at a value,
 * the best threshold, the histogram, the automatic (bootstrap) interval. */
static void counted_of(const audit_calib *c, audit_calib *out, uint64_t *wb, uint64_t *wg)
{
	*out = (audit_calib){.bad = malloc((c->n_bad + 1) * sizeof(double)),
			     .good = malloc((c->n_good + 1) * sizeof(double)),
			     .bad_w = wb, .good_w = wg};
	for (size_t i = 0; i < c->n_bad; i++) {
		if (out->n_bad && out->bad[out->n_bad - 1] == c->bad[i]) {
			wb[out->n_bad - 1]++;
			continue;
		}
		out->bad[out->n_bad] = c->bad[i];
		wb[out->n_bad++] = 1;
	}
	for (size_t i = 0; i < c->n_good; i++) {
		if (out->n_good && out->good[out->n_good - 1] == c->good[i]) {
			wg[out->n_good - 1]++;
			continue;
		}
		out->good[out->n_good] = c->good[i];
		wg[out->n_good++] = 1;
	}
}

TEST(counted_values_give_the_same_figures)
{
	size_t sizes[] = {3000, 40000};
	for (int t = 0; t < 2; t++) {
		audit_calib c, w;
		random_calib(&c, sizes[t], 11 + t, 0.2, 40);
		uint64_t *wb = calloc(c.n_bad + 1, 8), *wg = calloc(c.n_good + 1, 8);
		counted_of(&c, &w, wb, wg);
		CHECK(w.n_bad < c.n_bad / 10); /* 41 values at most */
		CHECK(audit_calib_bad_total(&w) == c.n_bad);
		CHECK(audit_calib_good_total(&w) == c.n_good);
		CHECK(audit_auc(&w) == audit_auc(&c));
		audit_auc_ci a, b;
		audit_auc_delong(&c, AUDIT_Z95, &a);
		audit_auc_delong(&w, AUDIT_Z95, &b);
		CHECK(a.auc == b.auc && a.se == b.se && a.lo == b.lo && a.hi == b.hi);
		CHECK_INT(audit_auc_ci_auto(&c, &a, NULL), ASSAY_OK);
		CHECK_INT(audit_auc_ci_auto(&w, &b, NULL), ASSAY_OK);
		CHECK_INT(a.method, b.method);
		CHECK(a.lo == b.lo && a.hi == b.hi && a.se == b.se);
		audit_threshold x, y;
		audit_at_threshold(&c, 0.5, &x);
		audit_at_threshold(&w, 0.5, &y);
		CHECK(x.tp == y.tp && x.fp == y.fp && x.fn == y.fn && x.tn == y.tn);
		for (int k = 0; k < 3; k++) {
			double minp[] = {0.5, 0.8, 0.95};
			audit_best_threshold(&c, minp[k], &x);
			audit_best_threshold(&w, minp[k], &y);
			CHECK(x.found == y.found && x.tp == y.tp && x.fp == y.fp);
			CHECK(x.found ? x.t == y.t : isnan(y.t));
		}
		uint64_t hb[10], hg[10], hb2[10], hg2[10];
		CHECK_INT(audit_histogram(&c, 10, hb, hg, NULL), ASSAY_OK);
		CHECK_INT(audit_histogram(&w, 10, hb2, hg2, NULL), ASSAY_OK);
		CHECK(memcmp(hb, hb2, sizeof hb) == 0 && memcmp(hg, hg2, sizeof hg) == 0);
		audit_calib_free(&c);
		audit_calib_free(&w);
		free(wb);
		free(wg);
	}
}

UNIT_MAIN(UNIT_CASE(calib_split_and_sort), UNIT_CASE(counted_values_give_the_same_figures), UNIT_CASE(calib_streamed_equals_init), UNIT_CASE(auc_ties_by_hand), UNIT_CASE(delong_by_hand),
	  UNIT_CASE(auc_properties), UNIT_CASE(auc_undefined_for_one_class),
	  UNIT_CASE(delong_needs_two_per_class), UNIT_CASE(delong_matches_definition_random),
	  UNIT_CASE(bootstrap_deterministic_and_consistent), UNIT_CASE(bootstrap_tiny_and_invalid),
	  UNIT_CASE(auto_interval_method), UNIT_CASE(threshold_by_hand),
	  UNIT_CASE(threshold_f1_zero_and_empty), UNIT_CASE(best_threshold_by_hand),
	  UNIT_CASE(best_threshold_matches_brute_force), UNIT_CASE(histogram_bins),
	  UNIT_CASE(timing_one_million))
