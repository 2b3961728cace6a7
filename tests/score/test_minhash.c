/* test_minhash.c — MinHash signatures and the LSH index
 * (src/score/minhash.c, minhash_simd.c): similar texts meet, different ones
 * do not; every path computes the same values as ever. */
#include <stdio.h>
#include <stdlib.h>

#include "../../src/score/minhash_int.h"
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

static uint64_t fnv(const uint32_t sig[SCORE_MH_K])
{
	uint64_t h = 1469598103934665603ull;
	for (size_t k = 0; k < SCORE_MH_K; k++) {
		h ^= sig[k];
		h *= 1099511628211ull;
	}
	return h;
}

/* Values from before the vector paths existed: a signature is stored in
 * the index on disk, so they never change. */
TEST(known_values)
{
	static const struct {
		const char *text;
		uint32_t k0, k1, k60, k119;
		uint64_t all;
	} known[] = {
	    {"", 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x3ba774937adff32bull},
	    {"word", 0xc416824e, 0xb81bfb58, 0xcbcf7de8, 0x83b27f75, 0x3cd27dcc64dfbc77ull},
	    {"A dog runs in the park, and a cat sits on the wall.", 0x031b073a, 0x0b79e227,
	     0x0b83e46b, 0x038b371d, 0xc5f39759c7d8538cull},
	    {"The photo shows a couple who operate an excavator at a road-works site on a crisp "
	     "autumn morning.",
	     0x019036e7, 0x05d49c92, 0x0282edf1, 0x0053efa3, 0xf29107e9006b1b34ull},
	};
	static const score_mh_path paths[] = {SCORE_MH_AUTO, SCORE_MH_SCALAR, SCORE_MH_AVX2,
					      SCORE_MH_AVX512};
	for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
		score_text t = {0};
		score_text_analyse(&t, known[i].text, strlen(known[i].text), NULL);
		for (size_t p = 0; p < sizeof paths / sizeof *paths; p++) {
			uint32_t sig[SCORE_MH_K];
			if (!score_minhash_path(&t, sig, paths[p]))
				continue;
			CHECK(sig[0] == known[i].k0 && sig[1] == known[i].k1);
			CHECK(sig[60] == known[i].k60 && sig[119] == known[i].k119);
			CHECK(fnv(sig) == known[i].all);
		}
		score_text_free(&t);
	}
	uint32_t sig[SCORE_MH_K];
	score_text t = {0};
	CHECK(score_minhash_path(&t, sig, SCORE_MH_SCALAR));
	CHECK(score_minhash_path(&t, sig, SCORE_MH_AUTO));
}

/* Random word hashes (extreme ones included) in texts of 0 to 700 words
 * (the vector paths take 256 shingles at a time): each vector path this
 * CPU runs equals the scalar one. */
TEST(vector_paths_equal_scalar)
{
	static score_word words[700];
	uint64_t s = 42;
	size_t runs = 0;
	for (int round = 0; round < 400; round++) {
		size_t n = round < 20 ? (size_t)round : (size_t)(s % 700);
		for (size_t w = 0; w < n; w++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			uint32_t h = (uint32_t)(s >> 32);
			words[w].hash = round % 7 == 0 ? (h & 1 ? UINT32_MAX : 0) : h;
		}
		score_text t = {.words = words, .n_words = n};
		uint32_t want[SCORE_MH_K], got[SCORE_MH_K];
		CHECK(score_minhash_path(&t, want, SCORE_MH_SCALAR));
		score_minhash(&t, got);
		CHECK(memcmp(want, got, sizeof want) == 0);
		for (int p = SCORE_MH_AVX2; p <= SCORE_MH_AVX512; p++) {
			memset(got, 0, sizeof got);
			if (!score_minhash_path(&t, got, (score_mh_path)p))
				continue;
			runs++;
			CHECK(memcmp(want, got, sizeof want) == 0);
		}
	}
	printf("vector path runs: %zu\n", runs);
}

/* Random signature pairs agreeing on none, some and all of their bytes
 * (the agreeing bytes in every place, the first and the last 8
 * included), each held in exactly 120 bytes at every alignment: each
 * vector agreement this CPU runs, and score_minhash_agree, count what the
 * scalar loop counts. */
TEST(vector_agreement_equals_scalar)
{
	int (*const paths[])(const uint8_t *, const uint8_t *) = {mh_agree_sse2, mh_agree_avx2,
								  mh_agree_avx512};
	const bool have[] = {mh_have_sse2(), mh_have_avx2(), mh_have_avx512bw()};
	uint64_t s = 7;
	size_t runs = 0, seen[SCORE_MH_K + 1] = {0};
	for (int round = 0; round < 20000; round++) {
		size_t off = (size_t)round % 64;
		uint8_t *buf = malloc(off + 2 * SCORE_MH_K);
		uint8_t *x = buf + off, *y = x + SCORE_MH_K;
		/* y agrees with x on each byte with a chance of round/20000 */
		uint32_t p = (uint32_t)((uint64_t)round * UINT32_MAX / 20000);
		for (size_t k = 0; k < SCORE_MH_K; k++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			x[k] = (uint8_t)(s >> 56);
			uint32_t r = (uint32_t)(s >> 16);
			y[k] = r < p || round % 97 == 0 ? x[k] : (uint8_t)(x[k] ^ (1 + (r & 0x7F)));
		}
		int want = mh_agree_scalar(x, y);
		seen[want]++;
		CHECK_INT(score_minhash_agree(x, y), want);
		CHECK_INT(score_minhash_agree(y, x), want);
		for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
			if (have[i]) {
				runs++;
				CHECK_INT(paths[i](x, y), want);
			}
		free(buf);
	}
	CHECK(seen[0] > 0 && seen[SCORE_MH_K] > 0 && seen[60] > 0);
	printf("vector agreement runs: %zu\n", runs);
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

/* A sample two of whose bands have one key (a 32-bit collision, as the
 * text "u4302w0 u4302w1 ... u4302w31" has in bands 0 and 3): it meets no
 * earlier sample, never itself, and a later one like it meets it. */
TEST(lsh_one_key_in_two_bands)
{
	assay_error err = {0};
	score_lsh *l = score_lsh_new(16, &err);
	uint32_t sig[SCORE_MH_K], keys[SCORE_MH_BANDS];
	for (size_t k = 0; k < SCORE_MH_K; k++)
		sig[k] = (uint32_t)(k * 2654435761u);
	for (size_t band = 0; band < SCORE_MH_BANDS; band++)
		keys[band] = 1000 + (uint32_t)band;
	keys[3] = keys[0];
	keys[17] = keys[0];
	score_lsh_match m;
	for (int round = 0; round < 2; round++) {
		/* a sample with no bucket in common first, so the slots are reused */
		uint32_t other[SCORE_MH_BANDS];
		for (size_t band = 0; band < SCORE_MH_BANDS; band++)
			other[band] = 5000 + (uint32_t)band;
		CHECK_INT(score_lsh_add_keyed(l, sig, other, &m, &err), 0);
		CHECK_INT(score_lsh_add_keyed(l, sig, keys, &m, &err), 0);
		CHECK(m.best == UINT32_MAX); /* not itself (1), and 0 shares no key */
		CHECK_INT(score_lsh_add_keyed(l, sig, keys, &m, &err), 0);
		CHECK_INT(m.best, 1);
		score_lsh_clear(l);
	}
	score_lsh_free(l);
}

UNIT_MAIN(UNIT_CASE(signatures), UNIT_CASE(lsh_one_key_in_two_bands), UNIT_CASE(known_values),
	  UNIT_CASE(vector_paths_equal_scalar), UNIT_CASE(vector_agreement_equals_scalar),
	  UNIT_CASE(lsh_finds_near_duplicates), UNIT_CASE(estimate_tracks_jaccard),
	  UNIT_CASE(lsh_many_samples))
