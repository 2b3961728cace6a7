/* test_agreement.c — Cohen's and Fleiss' kappa and Krippendorff's alpha
 * (src/audit/agreement.c) against published worked examples, their
 * degenerate cases and properties. Figures: tests/audit/reference.py. */
#include "assay/audit.h"
#include "unit.h"

#define M AUDIT_MISSING

/* Fleiss (1971) as on Wikipedia: 10 subjects, 14 raters, 5 categories. */
static const uint32_t fleiss_table[10 * 5] = {
	0, 0, 0, 0, 14, 0, 2, 6, 4, 2, 0, 0, 3, 5, 6, 0, 3, 9, 2, 0, 2, 2, 8, 1, 1,
	7, 7, 0, 0, 0,	3, 2, 6, 3, 0, 2, 5, 3, 2, 2, 6, 5, 2, 1, 0, 0, 2, 2, 3, 7,
};

/* Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability":
 * 4 observers x 12 units, values 1..5 (here 0..4), with missing data. */
static const int kripp_data[4][12] = {
	{0, 1, 2, 2, 1, 0, 3, 0, 1, M, M, M},
	{0, 1, 2, 2, 1, 1, 3, 0, 1, 4, M, 2},
	{M, 2, 2, 2, 1, 2, 3, 1, 1, 4, 0, M},
	{0, 1, 2, 2, 1, 3, 3, 0, 1, 4, 0, M},
};

TEST(cohen_wikipedia_example)
{
	/* 50 proposals: both yes 20, A yes B no 5, A no B yes 10, both no 15 */
	const uint64_t table[4] = {20, 5, 10, 15};
	audit_agreement a;
	CHECK_INT(audit_cohen_table(table, 2, &a, NULL), ASSAY_OK);
	CHECK_NEAR(a.value, 0.4, 1e-12);
	CHECK_NEAR(a.observed, 0.7, 1e-12);
	CHECK_NEAR(a.expected, 0.5, 1e-12);
	CHECK_INT(a.n_items, 50);
	CHECK_INT(a.n_values, 100);

	/* the same data as two label vectors, plus items only one rated */
	int ra[56], rb[56];
	int k = 0;
	for (int i = 0; i < 20; i++, k++)
		ra[k] = 0, rb[k] = 0;
	for (int i = 0; i < 5; i++, k++)
		ra[k] = 0, rb[k] = 1;
	for (int i = 0; i < 10; i++, k++)
		ra[k] = 1, rb[k] = 0;
	for (int i = 0; i < 15; i++, k++)
		ra[k] = 1, rb[k] = 1;
	for (int i = 0; i < 6; i++, k++)
		ra[k] = i % 2 ? M : 1, rb[k] = i % 2 ? 0 : M;
	CHECK_INT(audit_cohen(ra, rb, 56, 2, &a, NULL), ASSAY_OK);
	CHECK_NEAR(a.value, 0.4, 1e-12);
	CHECK_INT(a.n_items, 50);
}

TEST(cohen_degenerate)
{
	audit_agreement a;
	const uint64_t empty[4] = {0};
	CHECK_INT(audit_cohen_table(empty, 2, &a, NULL), ASSAY_OK);
	CHECK(isnan(a.value));
	CHECK_INT(a.n_items, 0);
	/* one category only: they agree, but kappa is undefined */
	const uint64_t one[4] = {12, 0, 0, 0};
	CHECK_INT(audit_cohen_table(one, 2, &a, NULL), ASSAY_OK);
	CHECK(isnan(a.value));
	CHECK_NEAR(a.observed, 1.0, 0);
	CHECK_INT(a.n_items, 12);
	/* perfect agreement over two categories */
	const uint64_t perfect[4] = {3, 0, 0, 9};
	CHECK_INT(audit_cohen_table(perfect, 2, &a, NULL), ASSAY_OK);
	CHECK_NEAR(a.value, 1.0, 1e-15);
	/* total disagreement with balanced margins: kappa = -1 */
	const uint64_t opposite[4] = {0, 5, 5, 0};
	CHECK_INT(audit_cohen_table(opposite, 2, &a, NULL), ASSAY_OK);
	CHECK_NEAR(a.value, -1.0, 1e-15);
	/* a single item rated by both */
	int x = 1, y = 0;
	CHECK_INT(audit_cohen(&x, &y, 1, 2, &a, NULL), ASSAY_OK);
	CHECK_INT(a.n_items, 1);
	CHECK_NEAR(a.value, 0.0, 1e-15); /* p_o = 0, p_e = 0 */
	/* no overlap at all */
	int ra[] = {0, M, 1}, rb[] = {M, 1, M};
	CHECK_INT(audit_cohen(ra, rb, 3, 2, &a, NULL), ASSAY_OK);
	CHECK_INT(a.n_items, 0);
	CHECK(isnan(a.value));
	CHECK_INT(audit_cohen(NULL, NULL, 0, 3, &a, NULL), ASSAY_OK);
	CHECK(isnan(a.value));
}

TEST(cohen_invalid)
{
	audit_agreement a;
	assay_error err = {0};
	int ra[] = {0, 2}, rb[] = {0, 1};
	CHECK_INT(audit_cohen(ra, rb, 2, 2, &a, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "item 1 has label 2");
	int rc[] = {0, -2};
	CHECK_INT(audit_cohen(rc, rb, 2, 2, &a, &err), ASSAY_EINVAL);
	CHECK_INT(audit_cohen(ra, rb, 2, 0, &a, &err), ASSAY_EINVAL);
	CHECK_INT(audit_cohen_table(NULL, 0, &a, &err), ASSAY_EINVAL);
}

TEST(fleiss_wikipedia_example)
{
	audit_agreement a;
	CHECK_INT(audit_fleiss(fleiss_table, 10, 5, &a, NULL), ASSAY_OK);
	CHECK_NEAR(a.value, 0.20993070442195524, 1e-12);
	CHECK_NEAR(a.observed, 0.378021978021978, 1e-12);
	CHECK_NEAR(a.expected, 0.21275510204081632, 1e-12);
	CHECK_INT(a.n_items, 10);
	CHECK_INT(a.n_values, 140);
	CHECK(!a.unequal);
}

TEST(fleiss_unequal_raters_and_exclusions)
{
	/* Items with 0 or 1 rating are left out; the rest differ in count. */
	const uint32_t counts[] = {
		3, 0, /* 3 raters agree */
		1, 1, /* 2 raters disagree */
		0, 1, /* 1 rating: not used */
		0, 0, /* unrated */
		0, 4, /* 4 raters agree */
	};
	audit_agreement a;
	CHECK_INT(audit_fleiss(counts, 5, 2, &a, NULL), ASSAY_OK);
	CHECK(a.unequal);
	CHECK_INT(a.n_items, 3);
	CHECK_INT(a.n_values, 9);
	/* P_i = 1, 0, 1; P-bar = 2/3; p = (4/9, 5/9); P_e = 41/81 */
	double pe = 41.0 / 81.0;
	CHECK_NEAR(a.observed, 2.0 / 3.0, 1e-15);
	CHECK_NEAR(a.expected, pe, 1e-15);
	CHECK_NEAR(a.value, (2.0 / 3.0 - pe) / (1.0 - pe), 1e-12);
}

TEST(fleiss_degenerate)
{
	audit_agreement a;
	CHECK_INT(audit_fleiss(NULL, 0, 3, &a, NULL), ASSAY_OK);
	CHECK(isnan(a.value));
	CHECK_INT(a.n_items, 0);
	const uint32_t singles[] = {1, 0, 0, 1};
	CHECK_INT(audit_fleiss(singles, 2, 2, &a, NULL), ASSAY_OK);
	CHECK(isnan(a.value));
	CHECK_INT(a.n_items, 0);
	const uint32_t one_cat[] = {0, 3, 0, 3, 0, 3};
	CHECK_INT(audit_fleiss(one_cat, 3, 2, &a, NULL), ASSAY_OK);
	CHECK(isnan(a.value));
	CHECK_INT(a.n_items, 3);
	const uint32_t perfect[] = {0, 3, 3, 0, 0, 3};
	CHECK_INT(audit_fleiss(perfect, 3, 2, &a, NULL), ASSAY_OK);
	CHECK_NEAR(a.value, 1.0, 1e-15);
	CHECK_INT(audit_fleiss(perfect, 3, 0, &a, NULL), ASSAY_EINVAL);
}

TEST(count_matrix)
{
	const int ratings[3 * 3] = {0, 0, 1, M, 2, M, M, M, M};
	uint32_t counts[3 * 3];
	CHECK_INT(audit_count_matrix(ratings, 3, 3, 3, counts, NULL), ASSAY_OK);
	const uint32_t want[] = {2, 1, 0, 0, 0, 1, 0, 0, 0};
	CHECK(memcmp(counts, want, sizeof want) == 0);
	const int bad[] = {0, 3};
	assay_error err = {0};
	CHECK_INT(audit_count_matrix(bad, 1, 2, 3, counts, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "item 0 rater 1 has label 3");
}

/* Per-unit counts of the Krippendorff (2011) reliability data. */
static void kripp_counts(uint32_t counts[12 * 5])
{
	int ratings[12 * 4];
	for (int u = 0; u < 12; u++)
		for (int o = 0; o < 4; o++)
			ratings[u * 4 + o] = kripp_data[o][u];
	CHECK_INT(audit_count_matrix(ratings, 12, 4, 5, counts, NULL), ASSAY_OK);
}

TEST(kripp_alpha_2011_example)
{
	uint32_t counts[12 * 5];
	kripp_counts(counts);
	audit_agreement a;
	CHECK_INT(audit_kripp_alpha(counts, 12, 5, &a, NULL), ASSAY_OK);
	CHECK_NEAR(a.value, 113.0 / 152.0, 1e-12); /* 0.743 */
	CHECK_INT(a.n_values, 40);
	CHECK_INT(a.n_items, 11); /* unit 12 has one value: not pairable */
}

TEST(kripp_coincidence_2011_example)
{
	uint32_t counts[12 * 5];
	kripp_counts(counts);
	double o[25];
	CHECK_INT(audit_coincidence(counts, 12, 5, o, NULL), ASSAY_OK);
	/* the matrix printed in the paper */
	const double want[25] = {
		7,	 4.0 / 3, 1.0 / 3, 1.0 / 3, 0, 4.0 / 3, 10, 4.0 / 3, 1.0 / 3, 0,
		1.0 / 3, 4.0 / 3, 8,	   1.0 / 3, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3, 4, 0,
		0,	 0,	  0,	   0,	    3,
	};
	double total = 0;
	for (int i = 0; i < 25; i++) {
		CHECK_NEAR(o[i], want[i], 1e-12);
		CHECK_NEAR(o[i], o[(i % 5) * 5 + i / 5], 1e-12);
		total += o[i];
	}
	CHECK_NEAR(total, 40.0, 1e-12);
	CHECK_INT(audit_coincidence(counts, 12, 0, o, NULL), ASSAY_EINVAL);
}

TEST(kripp_degenerate)
{
	audit_agreement a;
	CHECK_INT(audit_kripp_alpha(NULL, 0, 2, &a, NULL), ASSAY_OK);
	CHECK(isnan(a.value));
	CHECK_INT(a.n_values, 0);
	const uint32_t singles[] = {1, 0, 0, 1, 0, 0};
	CHECK_INT(audit_kripp_alpha(singles, 3, 2, &a, NULL), ASSAY_OK);
	CHECK(isnan(a.value));
	CHECK_INT(a.n_items, 0);
	const uint32_t one_cat[] = {2, 0, 3, 0, 5, 0};
	CHECK_INT(audit_kripp_alpha(one_cat, 3, 2, &a, NULL), ASSAY_OK);
	CHECK(isnan(a.value));
	CHECK_INT(a.n_values, 10);
	const uint32_t perfect[] = {2, 0, 0, 3, 5, 0, 0, 1};
	CHECK_INT(audit_kripp_alpha(perfect, 4, 2, &a, NULL), ASSAY_OK);
	CHECK_NEAR(a.value, 1.0, 1e-15);
	CHECK_INT(a.n_items, 3);
	CHECK_INT(audit_kripp_alpha(perfect, 4, 0, &a, NULL), ASSAY_EINVAL);
}

/* Identical raters agree perfectly whatever the labels; on complete data
 * alpha and Fleiss' kappa are tied by alpha = 1 - (n-1)/n (1 - kappa). */
TEST(property_identical_raters_and_alpha_fleiss_relation)
{
	enum { ITEMS = 500, RATERS = 3, CATS = 4 };
	static int ratings[ITEMS * RATERS];
	static uint32_t counts[ITEMS * CATS];
	audit_rng r;
	audit_rng_seed(&r, 2024);
	int col0[ITEMS], col1[ITEMS];
	for (int i = 0; i < ITEMS; i++) {
		int label = (int)audit_rng_below(&r, CATS);
		for (int k = 0; k < RATERS; k++)
			ratings[i * RATERS + k] = label;
		col0[i] = col1[i] = label;
	}
	audit_agreement a;
	CHECK_INT(audit_cohen(col0, col1, ITEMS, CATS, &a, NULL), ASSAY_OK);
	CHECK_NEAR(a.value, 1.0, 1e-12);
	CHECK_INT(audit_count_matrix(ratings, ITEMS, RATERS, CATS, counts, NULL), ASSAY_OK);
	CHECK_INT(audit_fleiss(counts, ITEMS, CATS, &a, NULL), ASSAY_OK);
	CHECK_NEAR(a.value, 1.0, 1e-12);
	CHECK_INT(audit_kripp_alpha(counts, ITEMS, CATS, &a, NULL), ASSAY_OK);
	CHECK_NEAR(a.value, 1.0, 1e-12);

	/* noisy raters: each rating keeps the item's label 70% of the time */
	for (int i = 0; i < ITEMS * RATERS; i++)
		if (audit_rng_below(&r, 10) >= 7)
			ratings[i] = (int)audit_rng_below(&r, CATS);
	CHECK_INT(audit_count_matrix(ratings, ITEMS, RATERS, CATS, counts, NULL), ASSAY_OK);
	audit_agreement f, k;
	CHECK_INT(audit_fleiss(counts, ITEMS, CATS, &f, NULL), ASSAY_OK);
	CHECK_INT(audit_kripp_alpha(counts, ITEMS, CATS, &k, NULL), ASSAY_OK);
	double n = ITEMS * RATERS;
	CHECK_NEAR(k.value, 1.0 - (n - 1.0) / n * (1.0 - f.value), 1e-12);
	CHECK(f.value > 0.3 && f.value < 0.95);
	/* the same relation on the Fleiss example (n = 140) */
	CHECK_INT(audit_kripp_alpha(fleiss_table, 10, 5, &k, NULL), ASSAY_OK);
	CHECK_NEAR(k.value, 0.21557405653322698, 1e-12);
}

/* Independent random raters: all three coefficients are near 0. */
TEST(property_chance_agreement_near_zero)
{
	enum { ITEMS = 20000, CATS = 3 };
	static int a[ITEMS], b[ITEMS];
	static uint32_t counts[ITEMS * CATS];
	audit_rng r;
	audit_rng_seed(&r, 99);
	for (int i = 0; i < ITEMS; i++) {
		a[i] = (int)audit_rng_below(&r, CATS);
		b[i] = (int)audit_rng_below(&r, CATS);
		counts[i * CATS + (size_t)a[i]]++;
		counts[i * CATS + (size_t)b[i]]++;
	}
	audit_agreement c, f, k;
	CHECK_INT(audit_cohen(a, b, ITEMS, CATS, &c, NULL), ASSAY_OK);
	CHECK_INT(audit_fleiss(counts, ITEMS, CATS, &f, NULL), ASSAY_OK);
	CHECK_INT(audit_kripp_alpha(counts, ITEMS, CATS, &k, NULL), ASSAY_OK);
	CHECK(fabs(c.value) < 0.03);
	CHECK(fabs(f.value) < 0.03);
	CHECK(fabs(k.value) < 0.03);
}

UNIT_MAIN(UNIT_CASE(cohen_wikipedia_example), UNIT_CASE(cohen_degenerate),
	  UNIT_CASE(cohen_invalid), UNIT_CASE(fleiss_wikipedia_example),
	  UNIT_CASE(fleiss_unequal_raters_and_exclusions), UNIT_CASE(fleiss_degenerate),
	  UNIT_CASE(count_matrix), UNIT_CASE(kripp_alpha_2011_example),
	  UNIT_CASE(kripp_coincidence_2011_example), UNIT_CASE(kripp_degenerate),
	  UNIT_CASE(property_identical_raters_and_alpha_fleiss_relation),
	  UNIT_CASE(property_chance_agreement_near_zero))
