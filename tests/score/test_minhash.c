/* test_minhash.c — MinHash signatures and their LSH band keys
 * (src/score/minhash.c): their stored form, band keys, short texts. */
#include <stdio.h>

#include "helpers.h"
#include "unit.h"

static void sig_of(const char *s, uint32_t sig[SCORE_MH_K])
{
	score_text t = {0};
	score_text_analyse(&t, s, strlen(s), NULL);
	score_minhash(&t, sig);
	score_text_free(&t);
}

static const char a[] =
    "The photo shows a couple who operate an excavator at a road-works site on a crisp autumn "
    "morning. On the fence there are a dozen olive green hard hats. The photo is taken from "
    "eye level, with a forest green hard hat to one side.";
/* Two small edits: a synonym and a comma; case differs. */
static const char a2[] =
    "The photo shows a couple who operate an excavator at a road-works site on a cold autumn "
    "morning. On the fence, there are a dozen olive green hard hats. THE photo is taken from "
    "eye level, with a forest green hard hat to one side.";
static const char b[] =
    "Two children cross a busy street at a crosswalk while a bus waits at the lights and a "
    "cyclist rings her bell behind them on a hot summer afternoon in the city centre.";

TEST(signatures)
{
	uint32_t s1[SCORE_MH_K], s2[SCORE_MH_K];
	sig_of(a, s1);
	sig_of(a, s2);
	CHECK(memcmp(s1, s2, sizeof s1) == 0);
	/* Case and punctuation do not matter. */
	sig_of("a DOG, runs!", s1);
	sig_of("A dog runs", s2);
	CHECK(memcmp(s1, s2, sizeof s1) == 0);
	sig_of("", s1);
	for (size_t k = 0; k < SCORE_MH_K; k++)
		CHECK(s1[k] == UINT32_MAX);
	sig_of("word", s1);
	CHECK(s1[0] != UINT32_MAX);
}

/* The stored form: agreement of the 8-bit signatures and its estimate. */
static double estimate(const char *x, const char *y)
{
	uint32_t s1[SCORE_MH_K], s2[SCORE_MH_K];
	uint8_t b1[SCORE_MH_K], b2[SCORE_MH_K];
	sig_of(x, s1);
	sig_of(y, s2);
	score_minhash_bytes(s1, b1);
	score_minhash_bytes(s2, b2);
	return score_minhash_jaccard(score_minhash_agree(b1, b2));
}

/* How many band keys two texts share. */
static int shared_bands(const char *x, const char *y)
{
	uint32_t s1[SCORE_MH_K], s2[SCORE_MH_K];
	int64_t k1[SCORE_MH_BANDS], k2[SCORE_MH_BANDS];
	sig_of(x, s1);
	sig_of(y, s2);
	score_minhash_bands(s1, k1);
	score_minhash_bands(s2, k2);
	int n = 0;
	for (size_t i = 0; i < SCORE_MH_BANDS; i++) {
		CHECK_INT(k1[i] >> 32, (int64_t)i); /* the band's number, high */
		n += k1[i] == k2[i];
	}
	return n;
}

TEST(near_duplicates_meet)
{
	CHECK_NEAR(estimate(a, a), 1, 1e-9);
	CHECK_INT(shared_bands(a, a), SCORE_MH_BANDS);
	double j = estimate(a, a2);
	CHECK(j > 0.8 && j < 1);
	CHECK(shared_bands(a, a2) > 0);
	CHECK(estimate(a, b) < 0.3);
	CHECK_INT(shared_bands(a, b), 0);
	CHECK_NEAR(score_minhash_jaccard(0), 0, 1e-9);
	CHECK_NEAR(score_minhash_jaccard(SCORE_MH_K), 1, 1e-9);
}

/* Short texts: a word or a few, and the empty text (all of whose
 * min-hashes are all-ones, so two empty texts are alike). */
TEST(short_texts)
{
	CHECK_NEAR(estimate("dog", "dog"), 1, 1e-9);
	CHECK(estimate("dog", "cat") < 0.2);
	CHECK_NEAR(estimate("A red car.", "a red car"), 1, 1e-9);
	CHECK(estimate("a red car", "a blue car") < 0.8);
	CHECK(estimate("a red car parked outside", "a red car parked outside now") > 0.5);
	CHECK_NEAR(estimate("", ""), 1, 1e-9);
	CHECK(estimate("", "dog") < 0.2);
	CHECK_INT(shared_bands("", ""), SCORE_MH_BANDS);
	CHECK_INT(shared_bands("", "dog"), 0);
}

/* Exact word-bigram Jaccard against the estimate, over many pairs. */
TEST(estimate_tracks_jaccard)
{
	char base[600] = "", edit[600] = "";
	const char *w[] = {"red",  "blue", "dog", "cat", "runs",  "sits", "park", "wall", "sun",
			   "rain", "old",  "new", "man", "woman", "tree", "car",  "bike", "road"};
	for (int i = 0; i < 60; i++) {
		strcat(base, w[(i * 7 + 3) % 18]);
		strcat(base, i % 5 == 4 ? "x " : " ");
	}
	/* Changing every 10th word changes ~20% of the bigrams. */
	strcpy(edit, base);
	for (char *p = edit; (p = strstr(p, "x ")); p += 2)
		p[0] = 'y';
	double j = estimate(base, edit);
	CHECK(j > 0.2 && j < 0.8);
}

UNIT_MAIN(UNIT_CASE(signatures), UNIT_CASE(near_duplicates_meet), UNIT_CASE(short_texts),
	  UNIT_CASE(estimate_tracks_jaccard))
