/* test_pairs.c — win rates, position bias, agreement on pair verdicts and
 * the flip rate of imported labels (src/audit/pairs.c), on small cases
 * worked by hand. Figures: tests/audit/reference_pairs.py. */
#include "assay/audit_pairs.h"
#include "unit.h"

#define PA AUDIT_PREF_A
#define PB AUDIT_PREF_B
#define PT AUDIT_PREF_TIE
#define PX AUDIT_PREF_BOTH_BAD
#define M  AUDIT_MISSING

TEST(winrates_by_hand)
{
	/* model 0 beats 1 three times as a, loses once as b, two ties; 2
	 * beats 0 once as b; four both-bad; model 1 against itself five times */
	const audit_pair_count v[] = {
	    {0, 1, PA, 3}, {1, 0, PA, 1}, {0, 1, PT, 2},
	    {0, 2, PB, 1}, {0, 2, PX, 4}, {1, 1, PA, 5},
	};
	audit_winrate w[3];
	CHECK_INT(audit_winrates(v, 6, 3, w, NULL), ASSAY_OK);
	CHECK_INT(w[0].wins, 3);
	CHECK_INT(w[0].losses, 2);
	CHECK_INT(w[0].ties, 2);
	CHECK_INT(w[0].both_bad, 4);
	CHECK_INT(w[0].self, 0);
	CHECK_NEAR(w[0].win.rate, 0.6, 1e-15);
	CHECK_NEAR(w[0].win.lo, 0.2307242812760128, 1e-12);
	CHECK_NEAR(w[0].win.hi, 0.882379225767352, 1e-12);
	CHECK_NEAR(w[0].tie.rate, 2.0 / 7.0, 1e-15);
	CHECK_NEAR(w[0].tie.lo, 0.08221892400405678, 1e-12);
	CHECK_NEAR(w[0].tie.hi, 0.6410655481673808, 1e-12);
	CHECK_NEAR(w[0].score, 4.0 / 7.0, 1e-15); /* ties as half a win */

	CHECK_INT(w[1].wins, 1);
	CHECK_INT(w[1].losses, 3);
	CHECK_INT(w[1].ties, 2);
	CHECK_INT(w[1].self, 5); /* neither a win nor a loss */
	CHECK_NEAR(w[1].win.lo, 0.04558726080970055, 1e-12);
	CHECK_NEAR(w[1].win.hi, 0.6993581574175981, 1e-12);

	CHECK_INT(w[2].wins, 1);
	CHECK_INT(w[2].losses, 0);
	CHECK_INT(w[2].both_bad, 4);
	CHECK_NEAR(w[2].win.hi, 1.0, 0);
	CHECK_NEAR(w[2].score, 1.0, 0);
}

TEST(winrates_empty_and_invalid)
{
	audit_winrate w[2];
	const audit_pair_count only_bad[] = {{0, 1, PX, 3}};
	CHECK_INT(audit_winrates(only_bad, 1, 2, w, NULL), ASSAY_OK);
	CHECK(isnan(w[0].win.rate));
	CHECK(isnan(w[0].score));
	CHECK_NEAR(w[0].win.lo, 0.0, 0);
	CHECK_NEAR(w[0].win.hi, 1.0, 0);
	assay_error err = {0};
	const audit_pair_count bad_model[] = {{0, 2, PA, 1}};
	CHECK_INT(audit_winrates(bad_model, 1, 2, w, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "row 0");
	const audit_pair_count bad_pref[] = {{0, 1, 4, 1}};
	CHECK_INT(audit_winrates(bad_pref, 1, 2, w, NULL), ASSAY_EINVAL);
}

TEST(binomial_test_exact)
{
	/* 2 (1 + 10 + 45 + 120) / 1024 */
	CHECK_NEAR(audit_binom_test_half(7, 10), 0.34375, 1e-13);
	CHECK_NEAR(audit_binom_test_half(3, 10), 0.34375, 1e-13);
	CHECK_NEAR(audit_binom_test_half(6, 10), 0.75390625, 1e-13);
	CHECK_NEAR(audit_binom_test_half(0, 5), 0.0625, 1e-13);
	CHECK_NEAR(audit_binom_test_half(5, 5), 0.0625, 1e-13);
	CHECK_NEAR(audit_binom_test_half(5, 10), 1.0, 0);
	CHECK_NEAR(audit_binom_test_half(1, 2), 1.0, 0);
	CHECK_NEAR(audit_binom_test_half(1, 1), 1.0, 0);
	/* large n, from exact sums of binomial coefficients */
	CHECK_NEAR(audit_binom_test_half(5300, 10000) / 2.0760336959207247e-09, 1.0, 1e-9);
	CHECK_NEAR(audit_binom_test_half(4950, 10000), 0.322174199795312, 1e-10);
	CHECK(isnan(audit_binom_test_half(0, 0)));
	CHECK(isnan(audit_binom_test_half(3, 2)));
	/* a million verdicts: finite and tiny, never a NaN from overflow */
	double p = audit_binom_test_half(490000, 1000000);
	CHECK(p > 0.0 && p < 1e-80);
}

TEST(position_bias)
{
	audit_position_bias pb;
	audit_position_bias_compute(60, 40, &pb);
	CHECK_INT(pb.left.k, 60);
	CHECK_INT(pb.left.n, 100);
	CHECK_NEAR(pb.left.rate, 0.6, 1e-15);
	CHECK_NEAR(pb.left.lo, 0.5020025867910618, 1e-12);
	CHECK_NEAR(pb.left.hi, 0.6905987135675411, 1e-12);
	CHECK_NEAR(pb.p_value, 0.05688793364098079, 1e-12);
	audit_position_bias_compute(0, 0, &pb);
	CHECK(isnan(pb.left.rate));
	CHECK(isnan(pb.p_value));
}

/* Two annotators over eight pairs: the last rated by b only. 3-way codes:
 * a 0 0 1 2 2 0 1 -, b 0 1 1 2 2 0 0 1 (tie against both-bad agrees). */
static const int ann_a[8] = {PA, PA, PB, PT, PX, PA, PB, M};
static const int ann_b[8] = {PA, PB, PB, PX, PT, PA, PA, PB};

TEST(pairs_cohen_3way_and_2way)
{
	audit_agreement k;
	CHECK_INT(audit_pairs_cohen(ann_a, ann_b, 8, AUDIT_PAIR_3WAY, &k, NULL), ASSAY_OK);
	CHECK_INT(k.n_items, 7);
	CHECK_NEAR(k.observed, 5.0 / 7.0, 1e-15);
	CHECK_NEAR(k.expected, 17.0 / 49.0, 1e-15);
	CHECK_NEAR(k.value, 9.0 / 16.0, 1e-15);
	/* 2-way: only pairs both annotators decided (five) */
	CHECK_INT(audit_pairs_cohen(ann_a, ann_b, 8, AUDIT_PAIR_2WAY, &k, NULL), ASSAY_OK);
	CHECK_INT(k.n_items, 5);
	CHECK_NEAR(k.observed, 3.0 / 5.0, 1e-15);
	CHECK_NEAR(k.value, 1.0 / 6.0, 1e-15);

	CHECK_INT(audit_pref_category(PT, AUDIT_PAIR_3WAY), 2);
	CHECK_INT(audit_pref_category(PX, AUDIT_PAIR_3WAY), 2);
	CHECK_INT(audit_pref_category(PX, AUDIT_PAIR_2WAY), M);
	CHECK_INT(audit_pref_category(PB, AUDIT_PAIR_2WAY), 1);
	CHECK_INT(audit_pref_category(7, AUDIT_PAIR_2WAY), -2);
	assay_error err = {0};
	const int bad[1] = {9}, ok[1] = {PA};
	CHECK_INT(audit_pairs_cohen(bad, ok, 1, AUDIT_PAIR_3WAY, &k, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "verdict 9");
	CHECK_INT(audit_pairs_cohen(ok, ok, 1, 4, &k, NULL), ASSAY_EINVAL);
}

TEST(pairs_alpha_and_fleiss_from_counts)
{
	/* the same eight pairs as per-pair verdict counts (a, b, tie, both-bad) */
	uint32_t counts[8 * AUDIT_PREF_COUNT] = {0};
	for (int i = 0; i < 8; i++) {
		if (ann_a[i] != M)
			counts[i * AUDIT_PREF_COUNT + ann_a[i]]++;
		counts[i * AUDIT_PREF_COUNT + ann_b[i]]++;
	}
	audit_agreement f, a;
	CHECK_INT(audit_pairs_agreement(counts, 8, AUDIT_PAIR_3WAY, &f, &a, NULL), ASSAY_OK);
	CHECK_NEAR(a.value, 19.0 / 32.0, 1e-12);
	CHECK_INT(a.n_values, 14);
	CHECK_NEAR(f.value, 9.0 / 16.0, 1e-12);
	CHECK_INT(f.n_items, 7);
	CHECK_INT(audit_pairs_agreement(counts, 8, AUDIT_PAIR_2WAY, &f, &a, NULL), ASSAY_OK);
	CHECK_NEAR(a.value, 0.25, 1e-12);
	CHECK_INT(a.n_values, 10);
	CHECK_NEAR(f.value, 1.0 / 6.0, 1e-12);
	CHECK_INT(f.n_items, 5);
	/* either output may be left out */
	CHECK_INT(audit_pairs_agreement(counts, 8, AUDIT_PAIR_2WAY, NULL, &a, NULL), ASSAY_OK);
	CHECK_INT(audit_pairs_agreement(counts, 8, 5, &f, NULL, NULL), ASSAY_EINVAL);
}

TEST(flip_rates_by_group)
{
	/* group 0 claims a: a a b tie; group 1 claims b: a both-bad b a */
	const audit_flip_obs v[] = {
	    {0, PA, PA}, {0, PA, PA}, {0, PA, PB}, {0, PA, PT},
	    {1, PB, PA}, {1, PB, PX}, {1, PB, PB}, {1, PB, PA},
	};
	audit_flip g[2], t;
	CHECK_INT(audit_flip_rates(v, 8, 2, g, &t, NULL), ASSAY_OK);
	CHECK_INT(g[0].agree, 2);
	CHECK_INT(g[0].flips, 1);
	CHECK_INT(g[0].ties, 1);
	CHECK_NEAR(g[0].rate.rate, 1.0 / 3.0, 1e-15);
	CHECK_INT(g[1].agree, 1);
	CHECK_INT(g[1].flips, 2);
	CHECK_INT(g[1].both_bad, 1);
	CHECK_NEAR(g[1].rate.rate, 2.0 / 3.0, 1e-15);
	CHECK_INT(t.flips, 3);
	CHECK_INT(t.rate.n, 6);
	CHECK_NEAR(t.rate.rate, 0.5, 1e-15);
	audit_rate want;
	audit_wilson(3, 6, AUDIT_Z95, &want, NULL);
	CHECK_NEAR(t.rate.lo, want.lo, 0);
	CHECK_NEAR(t.rate.hi, want.hi, 0);

	assay_error err = {0};
	const audit_flip_obs bad_group[] = {{2, PA, PA}};
	CHECK_INT(audit_flip_rates(bad_group, 1, 2, g, &t, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "group 2");
	const audit_flip_obs bad_claim[] = {{0, PT, PA}};
	CHECK_INT(audit_flip_rates(bad_claim, 1, 2, g, &t, NULL), ASSAY_EINVAL);
	/* no verdicts: undefined rate, nothing known */
	CHECK_INT(audit_flip_rates(NULL, 0, 0, NULL, &t, NULL), ASSAY_OK);
	CHECK(isnan(t.rate.rate));
}

UNIT_MAIN(UNIT_CASE(winrates_by_hand), UNIT_CASE(winrates_empty_and_invalid),
	  UNIT_CASE(binomial_test_exact), UNIT_CASE(position_bias),
	  UNIT_CASE(pairs_cohen_3way_and_2way), UNIT_CASE(pairs_alpha_and_fleiss_from_counts),
	  UNIT_CASE(flip_rates_by_group))
