/* minhash.c — near-duplicate detection: MinHash signatures over words and
 * word bigrams, their 8-bit form and its Jaccard estimate, and the keys of
 * their 20 LSH bands of 6 rows (the index itself is on disk: neardup.c). */

#include "assay/score.h"

/* The 120 hash functions h_k(x) = (a_k x + b_k) >> 32 over 64-bit shingle
 * hashes, with a_k odd; fixed forever by a splitmix64 stream. */
static uint64_t mh_a[SCORE_MH_K], mh_b[SCORE_MH_K];

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void mh_init(void)
{
	if (mh_a[0])
		return;
	uint64_t s = 0xA55A7C0DEull;
	for (size_t k = 0; k < SCORE_MH_K; k++) {
		mh_a[k] = splitmix(&s) | 1;
		mh_b[k] = splitmix(&s);
	}
}

static uint64_t shingle(uint32_t a, uint32_t b)
{
	uint64_t x = ((uint64_t)a << 32) | b;
	x ^= x >> 33;
	x *= 0xFF51AFD7ED558CCDull;
	x ^= x >> 33;
	return x;
}

void score_minhash(const score_text *t, uint32_t sig[SCORE_MH_K])
{
	mh_init();
	for (size_t k = 0; k < SCORE_MH_K; k++)
		sig[k] = UINT32_MAX;
	size_t n = t->n_words;
	/* Even i: word i/2 alone; odd i: it and the next word. */
	for (size_t i = 0; i < 2 * n; i++) {
		size_t w = i >> 1;
		if ((i & 1) && w + 1 >= n)
			continue;
		uint64_t x = shingle(t->words[w].hash, (i & 1) ? t->words[w + 1].hash : 0);
		for (size_t k = 0; k < SCORE_MH_K; k++) {
			uint32_t v = (uint32_t)((mh_a[k] * x + mh_b[k]) >> 32);
			sig[k] = v < sig[k] ? v : sig[k];
		}
	}
}

_Static_assert(STORE_NEARDUP_SIG == SCORE_MH_K, "a stored signature holds every min-hash");

void score_minhash_bytes(const uint32_t sig[SCORE_MH_K], uint8_t out[SCORE_MH_K])
{
	for (size_t k = 0; k < SCORE_MH_K; k++)
		out[k] = (uint8_t)sig[k];
}

int score_minhash_agree(const uint8_t a[SCORE_MH_K], const uint8_t b[SCORE_MH_K])
{
	int eq = 0;
	for (size_t k = 0; k < SCORE_MH_K; k++)
		eq += a[k] == b[k];
	return eq;
}

double score_minhash_jaccard(int agree)
{
	/* Two different min-hashes agree on their low byte by chance 1/256. */
	double p = (double)agree / SCORE_MH_K, j = (p - 1.0 / 256) / (1 - 1.0 / 256);
	return j < 0 ? 0 : j;
}

void score_minhash_bands(const uint32_t sig[SCORE_MH_K], int64_t keys[SCORE_MH_BANDS])
{
	for (size_t band = 0; band < SCORE_MH_BANDS; band++) {
		uint64_t h = 0x243F6A8885A308D3ull ^ band;
		for (size_t r = 0; r < SCORE_MH_ROWS; r++) {
			h ^= sig[band * SCORE_MH_ROWS + r];
			h *= 0x9E3779B97F4A7C15ull;
			h ^= h >> 29;
		}
		uint32_t k = (uint32_t)(h >> 32);
		keys[band] = (int64_t)(((uint64_t)band << 32) | (k ? k : 1));
	}
}
