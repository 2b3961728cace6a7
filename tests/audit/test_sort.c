/* test_sort.c — the radix sort of doubles and the seeded random numbers
 * (src/audit/sort.c). */
#include "assay/audit.h"
#include "unit.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sorts n pseudo-random values both ways and compares bit for bit. */
static void check_against_qsort(size_t n, uint64_t seed, double scale)
{
	double *a = malloc((n ? n : 1) * sizeof *a), *b = malloc((n ? n : 1) * sizeof *b);
	audit_rng r;
	audit_rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++) {
		a[i] = ((double)(audit_rng_next(&r) >> 11) / 9007199254740992.0 - 0.25) * scale;
		if (i % 7 == 0 && i > 0)
			a[i] = a[i - 1]; /* ties */
		b[i] = a[i];
	}
	CHECK_INT(audit_sort(a, n, NULL), ASSAY_OK);
	qsort(b, n, sizeof *b, cmp_double);
	CHECK(memcmp(a, b, n * sizeof *a) == 0);
	free(a);
	free(b);
}

TEST(sort_matches_qsort)
{
	check_against_qsort(0, 1, 1.0);
	check_against_qsort(1, 2, 1.0);
	check_against_qsort(2, 3, 1.0);
	check_against_qsort(47, 4, 1.0);   /* insertion-sort path */
	check_against_qsort(48, 5, 1.0);   /* first radix size */
	check_against_qsort(1000, 6, 1e6); /* negatives, large magnitudes */
	check_against_qsort(200000, 7, 1.0);
}

/* n values drawn from k distinct ones (negatives, zero, fractions) in
 * random order, sorted both ways and compared bit for bit; -0.0 stands
 * in for some zeros and must neither vanish nor change the order. */
static void check_few(size_t n, size_t k, uint64_t seed)
{
	double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
	audit_rng r;
	audit_rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++) {
		size_t d = audit_rng_below(&r, k);
		a[i] = ((double)d - (double)(k / 3)) / 7.0;
		b[i] = a[i];
	}
	size_t neg_zeros = 0;
	for (size_t i = 0; i < n; i += 5)
		if (a[i] == 0.0) {
			a[i] = -0.0;
			neg_zeros++;
		}
	CHECK_INT(audit_sort(a, n, NULL), ASSAY_OK);
	qsort(b, n, sizeof *b, cmp_double);
	size_t seen = 0;
	for (size_t i = 0; i < n; i++) {
		CHECK(a[i] == b[i]);
		seen += a[i] == 0.0 && signbit(a[i]);
	}
	CHECK_INT(seen, neg_zeros);
	free(a);
	free(b);
}

TEST(sort_few_distinct_values)
{
	check_few(48, 2, 1);
	check_few(5000, 3, 2);
	check_few(5000, 11, 3);
	check_few(20000, 255, 4);
	check_few(20000, 256, 5);  /* the most the counting path takes */
	check_few(20000, 257, 6);  /* one more: the radix sort */
	check_few(20000, 5000, 7);
}

TEST(sort_specials)
{
	double v[] = {1.0, -0.0, INFINITY, 0.0, -INFINITY, -1e-300, 1e-300, -2.5, 0.5};
	double want[] = {-INFINITY, -2.5, -1e-300, -0.0, 0.0, 1e-300, 0.5, 1.0, INFINITY};
	CHECK_INT(audit_sort(v, 9, NULL), ASSAY_OK);
	for (int i = 0; i < 9; i++)
		CHECK(v[i] == want[i]);
	CHECK(signbit(v[3]) && !signbit(v[4]));
}

TEST(sort_all_equal_and_sorted_input)
{
	double v[100];
	for (int i = 0; i < 100; i++)
		v[i] = 0.75;
	CHECK_INT(audit_sort(v, 100, NULL), ASSAY_OK);
	for (int i = 0; i < 100; i++)
		CHECK(v[i] == 0.75);
	for (int i = 0; i < 100; i++)
		v[i] = 100 - i;
	CHECK_INT(audit_sort(v, 100, NULL), ASSAY_OK);
	for (int i = 0; i < 100; i++)
		CHECK(v[i] == i + 1);
}

TEST(sort_rejects_nan_and_leaves_input)
{
	double v[60];
	for (int i = 0; i < 60; i++)
		v[i] = 60 - i;
	v[30] = NAN;
	assay_error err = {0};
	CHECK_INT(audit_sort(v, 60, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "value 30 is NaN");
	CHECK(v[0] == 60 && v[59] == 1);
}

TEST(rng_deterministic)
{
	audit_rng a, b, c;
	audit_rng_seed(&a, 42);
	audit_rng_seed(&b, 42);
	audit_rng_seed(&c, 43);
	int same = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = audit_rng_next(&a), y = audit_rng_next(&b), z = audit_rng_next(&c);
		CHECK(x == y);
		same += x == z;
	}
	CHECK_INT(same, 0);
	/* xoshiro256** must not be stuck at zero even for seed 0 */
	audit_rng_seed(&a, 0);
	CHECK(audit_rng_next(&a) != 0 || audit_rng_next(&a) != 0);
}

TEST(rng_below_range_and_uniformity)
{
	audit_rng r;
	audit_rng_seed(&r, 7);
	CHECK_INT(audit_rng_below(&r, 0), 0);
	CHECK_INT(audit_rng_below(&r, 1), 0);
	enum { K = 10, DRAWS = 100000 };
	int hist[K] = {0};
	for (int i = 0; i < DRAWS; i++) {
		uint64_t x = audit_rng_below(&r, K);
		CHECK(x < K);
		if (x < K)
			hist[x]++;
	}
	/* chi-square with 9 degrees of freedom: 99.99th percentile is 33.7 */
	double chi = 0.0;
	for (int k = 0; k < K; k++)
		chi += (hist[k] - DRAWS / K) * (double)(hist[k] - DRAWS / K) / (DRAWS / K);
	CHECK(chi < 33.7);
	/* a bound near 2^64 exercises the rejection path without hanging */
	uint64_t big = UINT64_MAX / 2 + 2;
	for (int i = 0; i < 100; i++)
		CHECK(audit_rng_below(&r, big) < big);
}

UNIT_MAIN(UNIT_CASE(sort_matches_qsort), UNIT_CASE(sort_few_distinct_values),
	  UNIT_CASE(sort_specials),
	  UNIT_CASE(sort_all_equal_and_sorted_input), UNIT_CASE(sort_rejects_nan_and_leaves_input),
	  UNIT_CASE(rng_deterministic), UNIT_CASE(rng_below_range_and_uniformity))
