/* test_rates.c — Wilson intervals, quantiles and per-hour rates
 * (src/audit/rates.c). Reference figures: tests/audit/reference.py. */
#include "assay/audit.h"
#include "unit.h"

TEST(wilson_reference_values)
{
	audit_rate r;
	CHECK_INT(audit_wilson(7, 20, AUDIT_Z95, &r, NULL), ASSAY_OK);
	CHECK_NEAR(r.rate, 0.35, 1e-15);
	CHECK_NEAR(r.lo, 0.18119182410108206, 1e-12);
	CHECK_NEAR(r.hi, 0.5671457233147638, 1e-12);
	CHECK_INT(r.k, 7);
	CHECK_INT(r.n, 20);
}

TEST(wilson_edges_are_exact)
{
	audit_rate r;
	CHECK_INT(audit_wilson(0, 10, AUDIT_Z95, &r, NULL), ASSAY_OK);
	CHECK(r.rate == 0.0 && r.lo == 0.0);
	CHECK_NEAR(r.hi, 0.2775327998628892, 1e-12);
	CHECK_INT(audit_wilson(10, 10, AUDIT_Z95, &r, NULL), ASSAY_OK);
	CHECK(r.rate == 1.0 && r.hi == 1.0);
	CHECK_NEAR(r.lo, 0.7224672001371107, 1e-12);
	/* n = 1 */
	CHECK_INT(audit_wilson(1, 1, AUDIT_Z95, &r, NULL), ASSAY_OK);
	CHECK_NEAR(r.lo, 0.20654931437723745, 1e-12);
	CHECK(r.hi == 1.0);
	CHECK_INT(audit_wilson(0, 1, AUDIT_Z95, &r, NULL), ASSAY_OK);
	CHECK(r.lo == 0.0);
	CHECK_NEAR(r.hi, 1.0 - 0.20654931437723745, 1e-12);
}

TEST(wilson_empty_is_unknown)
{
	audit_rate r;
	CHECK_INT(audit_wilson(0, 0, AUDIT_Z95, &r, NULL), ASSAY_OK);
	CHECK(isnan(r.rate));
	CHECK(r.lo == 0.0 && r.hi == 1.0);
}

TEST(wilson_invalid)
{
	audit_rate r;
	assay_error err = {0};
	CHECK_INT(audit_wilson(3, 2, AUDIT_Z95, &r, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "3/2");
	CHECK(isnan(r.rate));
	CHECK_INT(audit_wilson(1, 2, 0.0, &r, &err), ASSAY_EINVAL);
	CHECK_INT(audit_wilson(1, 2, NAN, &r, &err), ASSAY_EINVAL);
}

TEST(wilson_huge_n_and_symmetry)
{
	audit_rate r, s;
	CHECK_INT(audit_wilson(500000000000ULL, 1000000000000ULL, AUDIT_Z95, &r, NULL), ASSAY_OK);
	CHECK_NEAR(r.rate, 0.5, 1e-15);
	/* half width ~ z * sqrt(0.25 / n) = 9.8e-7 */
	CHECK_NEAR(r.hi - r.lo, 2 * AUDIT_Z95 * 0.5e-6, 1e-10);
	CHECK(r.lo < 0.5 && r.hi > 0.5);
	/* k/n and (n-k)/n mirror each other; the interval shrinks with n */
	CHECK_INT(audit_wilson(3, 17, AUDIT_Z95, &r, NULL), ASSAY_OK);
	CHECK_INT(audit_wilson(14, 17, AUDIT_Z95, &s, NULL), ASSAY_OK);
	CHECK_NEAR(r.lo, 1.0 - s.hi, 1e-12);
	CHECK_NEAR(r.hi, 1.0 - s.lo, 1e-12);
	CHECK_INT(audit_wilson(30, 170, AUDIT_Z95, &s, NULL), ASSAY_OK);
	CHECK(s.hi - s.lo < r.hi - r.lo);
	CHECK(r.lo < r.rate && r.rate < r.hi);
}

TEST(quantiles_type7)
{
	double v[] = {4, 1, 3, 2};
	double qs[] = {0.0, 0.25, 0.5, 0.75, 1.0}, out[5];
	CHECK_INT(audit_quantiles(v, 4, qs, 5, out, NULL), ASSAY_OK);
	CHECK_NEAR(out[0], 1.0, 0);
	CHECK_NEAR(out[1], 1.75, 1e-15);
	CHECK_NEAR(out[2], 2.5, 1e-15);
	CHECK_NEAR(out[3], 3.25, 1e-15);
	CHECK_NEAR(out[4], 4.0, 0);
	/* the input is not modified */
	CHECK(v[0] == 4 && v[1] == 1 && v[2] == 3 && v[3] == 2);
}

TEST(median_odd_even_one_empty)
{
	double m;
	double odd[] = {9, 1, 5, 7, 3};
	CHECK_INT(audit_median(odd, 5, &m, NULL), ASSAY_OK);
	CHECK_NEAR(m, 5.0, 0);
	double even[] = {10, 2, 4, 8};
	CHECK_INT(audit_median(even, 4, &m, NULL), ASSAY_OK);
	CHECK_NEAR(m, 6.0, 0);
	double one[] = {42.5};
	CHECK_INT(audit_median(one, 1, &m, NULL), ASSAY_OK);
	CHECK_NEAR(m, 42.5, 0);
	CHECK_INT(audit_median(NULL, 0, &m, NULL), ASSAY_OK);
	CHECK(isnan(m));
	double same[] = {3, 3, 3};
	CHECK_INT(audit_median(same, 3, &m, NULL), ASSAY_OK);
	CHECK_NEAR(m, 3.0, 0);
}

/* The selection median agrees with the sorting one on odd and even sizes,
 * many ties, sorted and reversed input, and values near UINT32_MAX. */
TEST(median_u32_matches_the_sorting_median)
{
	CHECK(isnan(audit_median_u32(NULL, 0)));
	uint32_t one = 7;
	CHECK_NEAR(audit_median_u32(&one, 1), 7.0, 0);
	uint32_t two[] = {UINT32_MAX, UINT32_MAX - 2};
	CHECK_NEAR(audit_median_u32(two, 2), (double)UINT32_MAX - 1.0, 0);
	uint64_t seed = 12345;
	for (size_t n = 1; n <= 300; n++) {
		for (int shape = 0; shape < 4; shape++) {
			uint32_t *u = malloc(n * sizeof *u);
			double *d = malloc(n * sizeof *d), want;
			for (size_t i = 0; i < n; i++) {
				seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
				uint32_t r = (uint32_t)(seed >> 33);
				u[i] = shape == 0   ? r
				       : shape == 1 ? r % 5
				       : shape == 2 ? (uint32_t)i
						    : (uint32_t)(n - i);
				d[i] = u[i];
			}
			CHECK_INT(audit_median(d, n, &want, NULL), ASSAY_OK);
			CHECK_NEAR(audit_median_u32(u, n), want, 0);
			free(u);
			free(d);
		}
	}
}

TEST(median_large)
{
	size_t n = 100001;
	double *v = malloc(n * sizeof *v), m;
	for (size_t i = 0; i < n; i++)
		v[i] = (double)((i * 7919) % n); /* a permutation of 0..n-1 */
	CHECK_INT(audit_median(v, n, &m, NULL), ASSAY_OK);
	CHECK_NEAR(m, 50000.0, 0);
	free(v);
}

TEST(quantiles_invalid)
{
	double v[] = {1, NAN, 2}, q = 0.5, out = 0;
	assay_error err = {0};
	CHECK_INT(audit_quantiles(v, 3, &q, 1, &out, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "NaN");
	double bad_q[] = {-0.1, 1.1, NAN};
	for (int i = 0; i < 3; i++)
		CHECK_INT(audit_quantiles(v, 1, &bad_q[i], 1, &out, &err), ASSAY_EINVAL);
	CHECK(isnan(audit_quantile_sorted(v, 0, 0.5)));
}

TEST(per_hour)
{
	CHECK_NEAR(audit_per_hour(1, 30), 120.0, 1e-12);
	CHECK_NEAR(audit_per_hour(450, 3600), 450.0, 1e-12);
	CHECK_NEAR(audit_per_hour(0, 10), 0.0, 0);
	CHECK(isnan(audit_per_hour(1, 0)));
	CHECK(isnan(audit_per_hour(1, -5)));
	CHECK(isnan(audit_per_hour(1, NAN)));
}

UNIT_MAIN(UNIT_CASE(wilson_reference_values), UNIT_CASE(wilson_edges_are_exact),
	  UNIT_CASE(wilson_empty_is_unknown), UNIT_CASE(wilson_invalid),
	  UNIT_CASE(wilson_huge_n_and_symmetry), UNIT_CASE(quantiles_type7),
	  UNIT_CASE(median_odd_even_one_empty), UNIT_CASE(median_large),
	  UNIT_CASE(median_u32_matches_the_sorting_median), UNIT_CASE(quantiles_invalid),
	  UNIT_CASE(per_hour))
