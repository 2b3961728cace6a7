/* test_bt.c — the Bradley-Terry ranking (src/audit/bt.c, bt_boot.c)
 * against a published example (Agresti 2002, section 10.6: the 1987
 * American League East), cases solved in closed form, the components of a
 * disconnected graph and the bootstrap. Figures: reference_pairs.py. */
#include "assay/audit_pairs.h"
#include "unit.h"

#include "../../src/audit/bt_int.h"

#define PA   AUDIT_PREF_A
#define PB   AUDIT_PREF_B
#define PT   AUDIT_PREF_TIE
#define PX   AUDIT_PREF_BOTH_BAD
#define LN10 2.302585092994046

enum { MIL, DET, TOR, NYY, BOS, CLE, BAL, TEAMS };

/* Agresti, Categorical Data Analysis (2nd ed., 2002), section 10.6, as
 * distributed with the R package BradleyTerry2 (data "baseball"): home
 * team, away team, home wins, away wins; 13 games between each pair. */
static const int games[42][4] = {
    {MIL, DET, 4, 3}, {MIL, TOR, 4, 2}, {MIL, NYY, 4, 3}, {MIL, BOS, 6, 1}, {MIL, CLE, 4, 2},
    {MIL, BAL, 6, 0}, {DET, MIL, 3, 3}, {DET, TOR, 4, 2}, {DET, NYY, 4, 3}, {DET, BOS, 6, 0},
    {DET, CLE, 6, 1}, {DET, BAL, 4, 3}, {TOR, MIL, 2, 5}, {TOR, DET, 4, 3}, {TOR, NYY, 2, 4},
    {TOR, BOS, 4, 3}, {TOR, CLE, 4, 2}, {TOR, BAL, 6, 0}, {NYY, MIL, 3, 3}, {NYY, DET, 5, 1},
    {NYY, TOR, 2, 5}, {NYY, BOS, 4, 3}, {NYY, CLE, 4, 2}, {NYY, BAL, 6, 1}, {BOS, MIL, 5, 1},
    {BOS, DET, 2, 5}, {BOS, TOR, 3, 3}, {BOS, NYY, 4, 2}, {BOS, CLE, 5, 2}, {BOS, BAL, 6, 0},
    {CLE, MIL, 2, 5}, {CLE, DET, 3, 3}, {CLE, TOR, 3, 4}, {CLE, NYY, 4, 3}, {CLE, BOS, 4, 2},
    {CLE, BAL, 2, 4}, {BAL, MIL, 2, 5}, {BAL, DET, 1, 5}, {BAL, TOR, 1, 6}, {BAL, NYY, 2, 4},
    {BAL, BOS, 1, 6}, {BAL, CLE, 3, 4},
};

/* The published log-abilities relative to Baltimore (Agresti, section
 * 10.6; BradleyTerry2's BTm reproduces them to four decimals). */
static const double agresti[TEAMS] = {1.5814, 1.4364, 1.2945, 1.2476, 1.1077, 0.6839, 0.0};

/* The season as rows: each game once, its winner's side as the verdict;
 * `times` copies of the season. */
static size_t baseball(audit_pair_count *v, uint64_t times)
{
	size_t n = 0;
	for (int g = 0; g < 42; g++) {
		v[n++] = (audit_pair_count){(uint32_t)games[g][0], (uint32_t)games[g][1], PA,
					    (uint64_t)games[g][2] * times};
		v[n++] = (audit_pair_count){(uint32_t)games[g][0], (uint32_t)games[g][1], PB,
					    (uint64_t)games[g][3] * times};
	}
	return n;
}

static audit_bt_opts mle(int resamples)
{
	return (audit_bt_opts){.prior = 0.0, .resamples = resamples, .seed = 7};
}

TEST(baseball_matches_agresti)
{
	audit_pair_count v[84];
	size_t n = baseball(v, 1);
	audit_bt_opts o = mle(0);
	audit_bt bt;
	CHECK_INT(audit_bt_fit(v, n, TEAMS, &o, &bt, NULL), ASSAY_OK);
	CHECK(bt.converged);
	CHECK(bt.connected);
	CHECK_INT(bt.n_components, 1);
	for (int t = 0; t < TEAMS; t++) {
		/* the Elo scale is 400 log10: back to natural logs */
		double log_ability = (bt.m[t].score - bt.m[BAL].score) * LN10 / AUDIT_BT_SCALE;
		CHECK_NEAR(log_ability, agresti[t], 0.5e-4);
		CHECK_INT(bt.m[t].rank, t + 1);
		CHECK_INT(bt.m[t].games, 78);
		CHECK(bt.m[t].estimable);
		CHECK(isnan(bt.m[t].lo)); /* no resamples asked for */
	}
	/* the scores average 1000 and the strengths have geometric mean 1 */
	double mean = 0.0, logs = 0.0;
	for (int t = 0; t < TEAMS; t++)
		mean += bt.m[t].score / TEAMS, logs += log(bt.m[t].strength);
	CHECK_NEAR(mean, AUDIT_BT_BASE, 1e-9);
	CHECK_NEAR(logs, 0.0, 1e-9);
	/* the MLE's score equations: each team's expected wins are its wins */
	for (int i = 0; i < TEAMS; i++) {
		double expected = 0.0, won = 0.0;
		for (int g = 0; g < 42; g++) {
			int h = games[g][0], a = games[g][1];
			if (h != i && a != i)
				continue;
			int other = h == i ? a : h;
			double gi = bt.m[i].strength, go = bt.m[other].strength;
			expected += (games[g][2] + games[g][3]) * gi / (gi + go);
			won += h == i ? games[g][2] : games[g][3];
		}
		CHECK_NEAR(expected, won, 1e-6);
	}
	audit_bt_free(&bt);
}

TEST(two_players_by_hand)
{
	/* 3 wins, 1 loss, 2 ties: ties as half wins, gamma1 / gamma2 = 4 / 2,
	 * so the scores are 1000 +- 200 log10 2 */
	const audit_pair_count v[] = {{0, 1, PA, 3}, {1, 0, PA, 1}, {1, 0, PT, 2}};
	audit_bt_opts o = mle(0);
	audit_bt bt;
	CHECK_INT(audit_bt_fit(v, 3, 2, &o, &bt, NULL), ASSAY_OK);
	CHECK_NEAR(bt.m[0].score, 1060.2059991327963, 1e-7);
	CHECK_NEAR(bt.m[1].score, 939.7940008672037, 1e-7);
	CHECK_NEAR(bt.m[0].strength / bt.m[1].strength, 2.0, 1e-9);
	CHECK_INT(bt.m[0].rank, 1);
	CHECK_INT(bt.m[1].rank, 2);
	CHECK_INT(bt.m[0].games, 6);
	audit_bt_free(&bt);

	/* both-bad verdicts and self comparisons change nothing */
	const audit_pair_count w[] = {{0, 1, PA, 3}, {1, 0, PA, 1}, {1, 0, PT, 2},
				      {0, 1, PX, 9}, {1, 1, PA, 4}, {0, 0, PB, 2}};
	CHECK_INT(audit_bt_fit(w, 6, 2, &o, &bt, NULL), ASSAY_OK);
	CHECK_NEAR(bt.m[0].score, 1060.2059991327963, 1e-7);
	CHECK_INT(bt.m[0].games, 6);
	audit_bt_free(&bt);
}

TEST(always_winning_needs_the_prior)
{
	/* 5-0: no finite MLE (Hunter's assumption 1 fails) */
	const audit_pair_count v[] = {{0, 1, PA, 5}};
	audit_bt_opts o = mle(0);
	audit_bt bt;
	CHECK_INT(audit_bt_fit(v, 1, 2, &o, &bt, NULL), ASSAY_OK);
	CHECK(!bt.m[0].estimable);
	CHECK(isnan(bt.m[0].score));
	CHECK_INT(bt.m[0].rank, 0);
	CHECK_INT(bt.m[0].component, 0);
	audit_bt_free(&bt);
	/* with the default prior (a virtual win and loss each against a
	 * reference of strength 1), gamma2 = 1 / gamma1 by symmetry and
	 * 6 = 5 g^2 / (g^2 + 1) + 2 g / (g + 1) gives g = 3 */
	CHECK_INT(audit_bt_fit(v, 1, 2, NULL, &bt, NULL), ASSAY_OK);
	CHECK(bt.m[0].estimable);
	CHECK_NEAR(bt.m[0].strength, 3.0, 1e-8);
	CHECK_NEAR(bt.m[0].score, 1190.8485018878648, 1e-6);
	CHECK_NEAR(bt.m[1].score, 809.1514981121352, 1e-6);
	CHECK_INT(bt.resamples, AUDIT_BT_RESAMPLES);
	CHECK_INT(bt.resamples_used, AUDIT_BT_RESAMPLES);
	/* every resample is the same 5-0: the bootstrap sees no spread */
	CHECK_NEAR(bt.m[0].lo, bt.m[0].score, 1e-6);
	CHECK_NEAR(bt.m[0].hi, bt.m[0].score, 1e-6);
	audit_bt_free(&bt);
}

TEST(disconnected_graph_ranks_within_components)
{
	/* 0-1 and 2-3 never meet; 4 has no comparisons */
	const audit_pair_count v[] = {
	    {0, 1, PA, 3}, {0, 1, PB, 1}, {3, 2, PA, 2}, {3, 2, PB, 2}, {2, 3, PA, 1}};
	audit_bt_opts o = audit_bt_defaults();
	o.resamples = 0;
	audit_bt bt;
	CHECK_INT(audit_bt_fit(v, 5, 5, &o, &bt, NULL), ASSAY_OK);
	CHECK(!bt.connected);
	CHECK_INT(bt.n_components, 2);
	CHECK_INT(bt.m[0].component, 0);
	CHECK_INT(bt.m[1].component, 0);
	CHECK_INT(bt.m[2].component, 1);
	CHECK_INT(bt.m[3].component, 1);
	CHECK_INT(bt.m[4].component, AUDIT_BT_NONE);
	CHECK(!bt.m[4].estimable);
	CHECK(isnan(bt.m[4].score));
	CHECK_INT(bt.m[0].rank, 1);
	CHECK_INT(bt.m[1].rank, 2);
	CHECK_INT(bt.m[2].rank, 1); /* 3 of 5 against model 3 */
	CHECK_INT(bt.m[3].rank, 2);
	CHECK_NEAR(bt.m[0].score + bt.m[1].score, 2 * AUDIT_BT_BASE, 1e-9);
	CHECK_NEAR(bt.m[2].score + bt.m[3].score, 2 * AUDIT_BT_BASE, 1e-9);
	audit_bt_free(&bt);
}

static void fit_boot(uint64_t times, uint64_t seed, audit_bt *bt)
{
	audit_pair_count v[84];
	size_t n = baseball(v, times);
	audit_bt_opts o = mle(200);
	o.seed = seed;
	CHECK_INT(audit_bt_fit(v, n, TEAMS, &o, bt, NULL), ASSAY_OK);
}

TEST(bootstrap_is_seeded_and_shrinks_with_data)
{
	audit_bt a, b, c, big;
	fit_boot(1, 7, &a);
	fit_boot(1, 7, &b);
	fit_boot(1, 8, &c);
	fit_boot(4, 7, &big);
	CHECK_INT(a.resamples_used, 200);
	int differs = 0;
	for (int t = 0; t < TEAMS; t++) {
		CHECK(a.m[t].lo == b.m[t].lo && a.m[t].hi == b.m[t].hi && a.m[t].se == b.m[t].se);
		differs += a.m[t].lo != c.m[t].lo || a.m[t].hi != c.m[t].hi;
		CHECK(a.m[t].lo < a.m[t].score && a.m[t].score < a.m[t].hi);
		CHECK(a.m[t].se > 0.0);
		/* four times the games: about half the width (1 / sqrt 4) */
		double ratio = (big.m[t].hi - big.m[t].lo) / (a.m[t].hi - a.m[t].lo);
		CHECK(ratio > 0.35 && ratio < 0.65);
		CHECK_NEAR(big.m[t].score, a.m[t].score, 1e-6);
	}
	CHECK(differs > 0);
	/* about 78 games per team: the SD of a score is some 40-70 points */
	CHECK(a.m[MIL].se > 30.0 && a.m[MIL].se < 90.0);
	audit_bt_free(&a);
	audit_bt_free(&b);
	audit_bt_free(&c);
	audit_bt_free(&big);
}

TEST(bootstrap_without_prior_drops_resamples_without_estimate)
{
	/* 9-1: a resample that draws no loss (P = 0.9^10, about 35%) has no
	 * finite MLE and is left out; with the prior every resample counts */
	const audit_pair_count v[] = {{0, 1, PA, 9}, {0, 1, PB, 1}};
	audit_bt_opts o = mle(200);
	audit_bt bt;
	CHECK_INT(audit_bt_fit(v, 2, 2, &o, &bt, NULL), ASSAY_OK);
	CHECK(bt.resamples_used > 80 && bt.resamples_used < 180);
	CHECK(isfinite(bt.m[0].hi));
	audit_bt_free(&bt);
	o.prior = AUDIT_BT_PRIOR;
	CHECK_INT(audit_bt_fit(v, 2, 2, &o, &bt, NULL), ASSAY_OK);
	CHECK_INT(bt.resamples_used, 200);
	audit_bt_free(&bt);
}

TEST(a_million_comparisons_converge_with_the_prior)
{
	/* the prior's 2 virtual games against 1M real ones: the scale is
	 * solved exactly, so MM does not crawl along it */
	const audit_pair_count v[] = {{0, 1, PA, 400000}, {0, 1, PB, 250000}, {0, 1, PT, 50000},
				      {1, 2, PA, 150000}, {1, 2, PB, 100000}, {0, 2, PA, 40000},
				      {0, 2, PB, 10000}};
	audit_bt bt;
	CHECK_INT(audit_bt_fit(v, 7, 3, NULL, &bt, NULL), ASSAY_OK);
	CHECK(bt.converged);
	CHECK(bt.iterations < 200);
	CHECK_INT(bt.resamples_used, AUDIT_BT_RESAMPLES);
	CHECK(bt.m[0].rank == 1 && bt.m[1].rank == 2 && bt.m[2].rank == 3);
	/* a million games pin a score to about a point */
	CHECK(bt.m[0].hi - bt.m[0].lo < 3.0 && bt.m[0].hi > bt.m[0].lo);
	audit_bt_free(&bt);
}

/* The exact Binomial(n, p) CDF at k, summed from the pmf. */
static double binom_cdf(uint64_t n, double p, uint64_t k)
{
	double sum = 0.0;
	for (uint64_t i = 0; i <= k; i++)
		sum += exp(lgamma((double)n + 1) - lgamma((double)i + 1) -
			   lgamma((double)(n - i) + 1) + (double)i * log(p) +
			   (double)(n - i) * log1p(-p));
	return sum;
}

/* The empirical CDF of `draws` samples against the exact one at each k
 * in ks: within 0.015 (4 standard errors at 20,000 draws), and the mean. */
static void check_sampler(uint64_t n, double p, const uint64_t *ks, int nk)
{
	enum { DRAWS = 20000 };
	audit_rng r;
	audit_rng_seed(&r, 99);
	static uint64_t x[DRAWS];
	double mean = 0.0;
	for (int d = 0; d < DRAWS; d++) {
		x[d] = bt_binomial(&r, n, p);
		CHECK(x[d] <= n);
		mean += (double)x[d] / DRAWS;
	}
	CHECK_NEAR(mean, (double)n * p, 4.0 * sqrt((double)n * p * (1 - p) / DRAWS));
	for (int j = 0; j < nk; j++) {
		int below = 0;
		for (int d = 0; d < DRAWS; d++)
			below += x[d] <= ks[j];
		CHECK_NEAR((double)below / DRAWS, binom_cdf(n, p, ks[j]), 0.015);
	}
}

TEST(binomial_sampler_matches_the_distribution)
{
	const uint64_t small[] = {0, 1, 2, 3, 4, 5, 7, 9};
	check_sampler(50, 0.1, small, 8); /* inversion */
	const uint64_t mid[] = {280, 290, 295, 300, 305, 310, 320};
	check_sampler(1000, 0.3, mid, 7); /* BTRS */
	const uint64_t high[] = {690, 695, 700, 705, 710};
	check_sampler(1000, 0.7, high, 5); /* BTRS on 1 - p */
	const uint64_t edge[] = {12, 18, 20, 22, 28};
	check_sampler(40, 0.5, edge, 5);
	audit_rng r;
	audit_rng_seed(&r, 1);
	CHECK_INT(bt_binomial(&r, 0, 0.5), 0);
	CHECK_INT(bt_binomial(&r, 9, 0.0), 0);
	CHECK_INT(bt_binomial(&r, 9, 1.0), 9);
	/* a million trials: the mean of 200 draws within 4 standard errors */
	double mean = 0.0;
	for (int d = 0; d < 200; d++)
		mean += (double)bt_binomial(&r, 1000000, 0.25) / 200.0;
	CHECK_NEAR(mean, 250000.0, 4.0 * sqrt(1e6 * 0.25 * 0.75 / 200.0));
}

TEST(invalid_input)
{
	audit_bt bt;
	assay_error err = {0};
	const audit_pair_count v[] = {{0, 3, PA, 1}};
	CHECK_INT(audit_bt_fit(v, 1, 3, NULL, &bt, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "row 0");
	audit_bt_free(&bt);
	const audit_pair_count ok[] = {{0, 1, PA, 1}};
	audit_bt_opts o = audit_bt_defaults();
	o.resamples = 1;
	CHECK_INT(audit_bt_fit(ok, 1, 2, &o, &bt, NULL), ASSAY_EINVAL);
	audit_bt_free(&bt);
	o = audit_bt_defaults();
	o.prior = -1.0;
	CHECK_INT(audit_bt_fit(ok, 1, 2, &o, &bt, NULL), ASSAY_EINVAL);
	audit_bt_free(&bt);
	CHECK_INT(audit_bt_fit(ok, 1, AUDIT_BT_MAX_MODELS + 1, NULL, &bt, NULL), ASSAY_EINVAL);
	audit_bt_free(&bt);
	/* nothing at all is not an error: no model is estimable */
	CHECK_INT(audit_bt_fit(NULL, 0, 2, NULL, &bt, NULL), ASSAY_OK);
	CHECK_INT(bt.n_components, 0);
	CHECK(isnan(bt.m[0].score));
	CHECK_INT(bt.resamples_used, 0);
	audit_bt_free(&bt);
}

UNIT_MAIN(UNIT_CASE(baseball_matches_agresti), UNIT_CASE(two_players_by_hand),
	  UNIT_CASE(always_winning_needs_the_prior),
	  UNIT_CASE(disconnected_graph_ranks_within_components),
	  UNIT_CASE(bootstrap_is_seeded_and_shrinks_with_data),
	  UNIT_CASE(bootstrap_without_prior_drops_resamples_without_estimate),
	  UNIT_CASE(binomial_sampler_matches_the_distribution),
	  UNIT_CASE(a_million_comparisons_converge_with_the_prior), UNIT_CASE(invalid_input))
