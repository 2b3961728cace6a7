/* test_minhash.c — MinHash signatures and the LSH index
 * (src/score/minhash.c): similar texts meet, different ones do not. */
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

TEST(lsh_finds_near_duplicates)
{
	assay_error err = {0};
	score_lsh *l = score_lsh_new(16, &err);
	CHECK(l != NULL);
	uint32_t sig[SCORE_MH_K];
	score_lsh_match m;
	sig_of(a, sig);
	CHECK_INT(score_lsh_add(l, sig, &m, &err), 0);
	CHECK(m.best == UINT32_MAX);
	sig_of(b, sig);
	CHECK_INT(score_lsh_add(l, sig, &m, &err), 0);
	CHECK(m.best == UINT32_MAX || m.similarity < 0.3);
	sig_of(a2, sig);
	CHECK_INT(score_lsh_add(l, sig, &m, &err), 0);
	CHECK_INT(m.best, 0);
	CHECK(m.similarity > 0.8 && m.similarity < 1);
	sig_of(a, sig);
	CHECK_INT(score_lsh_add(l, sig, &m, &err), 0);
	CHECK(m.best == 0 || m.best == 2);
	CHECK_NEAR(score_lsh_similarity(l, 0, 3), 1, 1e-9);
	CHECK_INT(score_lsh_count(l), 4);
	CHECK(score_lsh_bytes(l) > 0);
	score_lsh_free(l);
}

/* Exact word-bigram Jaccard against the estimate, over many pairs. */
TEST(estimate_tracks_jaccard)
{
	assay_error err = {0};
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
	score_lsh *l = score_lsh_new(4, &err);
	uint32_t sig[SCORE_MH_K];
	score_lsh_match m;
	sig_of(base, sig);
	score_lsh_add(l, sig, &m, &err);
	sig_of(edit, sig);
	score_lsh_add(l, sig, &m, &err);
	double j = score_lsh_similarity(l, 0, 1);
	CHECK(j > 0.2 && j < 0.8);
	score_lsh_free(l);
}

TEST(lsh_many_samples)
{
	assay_error err = {0};
	size_t n = 20000;
	score_lsh *l = score_lsh_new(n, &err);
	uint32_t sig[SCORE_MH_K];
	score_lsh_match m;
	char text[200];
	size_t found = 0, false_pos = 0;
	for (size_t i = 0; i < n; i++) {
		/* Every 100th sample repeats sample i-50 with one word changed. */
		size_t src = i % 100 == 99 ? i - 50 : i;
		/* 25 words: one changed word leaves a bigram Jaccard of 22/24. */
		snprintf(text, sizeof text,
			 "sample %zu has words w%zu x%zu y%zu z%zu and v%zu u%zu "
			 "t%zu s%zu r%zu a b c d e f g h i j k l m q%zu",
			 src, src * 3, src * 5, src * 7, src * 11, src * 13, src * 17, src * 19,
			 src * 23, src * 29, i % 100 == 99 ? 1u : src * 31);
		sig_of(text, sig);
		CHECK_INT(score_lsh_add(l, sig, &m, &err), 0);
		bool member = m.best != UINT32_MAX && m.similarity >= 0.8;
		if (i % 100 == 99)
			found += member && m.best == i - 50;
		else
			false_pos += member;
	}
	CHECK_INT(found, n / 100);
	CHECK_INT(false_pos, 0);
	score_lsh_free(l);
}

UNIT_MAIN(UNIT_CASE(signatures), UNIT_CASE(lsh_finds_near_duplicates),
	  UNIT_CASE(estimate_tracks_jaccard), UNIT_CASE(lsh_many_samples))
