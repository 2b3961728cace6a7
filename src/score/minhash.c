/* minhash.c — near-duplicate signatures: one-permutation MinHash over words
 * and word bigrams (each shingle hashed once into one of SCORE_MH_K bins,
 * its minimum kept), empty bins filled by optimal densification
 * (Shrivastava 2017), and the LSH band keys and similarity estimate the
 * stored index works with (src/store/neardup.c holds the index). */
#include <string.h>

#include "assay/score.h"

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t shingle(uint32_t a, uint32_t b)
{
	return mix64((((uint64_t)a << 32) | b) + 0xA55A7C0DE9E3779Bull);
}

/* The bin empty bin i copies from on attempt a (the same sequence for every
 * text, so two texts that fill bin i from the same bin agree there exactly
 * as often as they agree on that bin). */
static size_t donor(size_t i, uint32_t a)
{
	uint64_t h = mix64(((uint64_t)i << 32 | a) ^ 0x5DEECE66D1234567ull);
	return (size_t)(((h >> 32) * SCORE_MH_K) >> 32);
}

static void densify(uint32_t sig[SCORE_MH_K], const uint8_t filled[SCORE_MH_K])
{
	for (size_t i = 0; i < SCORE_MH_K; i++) {
		if (filled[i])
			continue;
		size_t j = i;
		uint32_t a = 1;
		for (; a <= 64 * SCORE_MH_K; a++)
			if (filled[j = donor(i, a)])
				break;
		/* Not reached in practice (one filled bin of 256 is found within
		 * 16,384 draws with probability 1 - 1e-27): the next filled bin. */
		for (j = (a > 64 * SCORE_MH_K) ? i : j; !filled[j];)
			j = (j + 1) % SCORE_MH_K;
		sig[i] = sig[j];
	}
}

void score_minhash(const score_text *t, uint32_t sig[SCORE_MH_K])
{
	uint8_t filled[SCORE_MH_K] = {0};
	size_t n = t->n_words, n_filled = 0;
	for (size_t k = 0; k < SCORE_MH_K; k++)
		sig[k] = UINT32_MAX;
	/* Even i: word i/2 alone; odd i: it and the next word. */
	for (size_t i = 0; i < 2 * n; i++) {
		size_t w = i >> 1;
		if ((i & 1) && w + 1 >= n)
			continue;
		uint64_t x = shingle(t->words[w].hash, (i & 1) ? t->words[w + 1].hash : 0);
		size_t bin = (size_t)(((x >> 32) * SCORE_MH_K) >> 32);
		uint32_t v = (uint32_t)x;
		n_filled += !filled[bin];
		filled[bin] = 1;
		sig[bin] = v < sig[bin] ? v : sig[bin];
	}
	if (n_filled && n_filled < SCORE_MH_K)
		densify(sig, filled);
}

void score_minhash_bands(const uint32_t sig[SCORE_MH_K], uint32_t keys[SCORE_MH_BANDS])
{
	for (size_t band = 0; band < SCORE_MH_BANDS; band++) {
		uint64_t h = 0x243F6A8885A308D3ull ^ band;
		for (size_t r = 0; r < SCORE_MH_ROWS; r++) {
			h ^= sig[band * SCORE_MH_ROWS + r];
			h *= 0x9E3779B97F4A7C15ull;
			h ^= h >> 29;
		}
		uint32_t k = (uint32_t)(h >> 32);
		keys[band] = k ? k : 1;
	}
}

void score_minhash_pack(const uint32_t sig[SCORE_MH_K], uint8_t out[SCORE_MH_BYTES])
{
	for (size_t k = 0; k < SCORE_MH_BYTES; k++)
		out[k] = (uint8_t)((sig[2 * k] & 15) | (sig[2 * k + 1] & 15) << 4);
}

double score_minhash_similarity(const uint8_t a[SCORE_MH_BYTES], const uint8_t b[SCORE_MH_BYTES])
{
	unsigned eq = 0;
	for (size_t k = 0; k < SCORE_MH_BYTES; k++) {
		unsigned x = a[k] ^ b[k];
		eq += !(x & 15) + !(x >> 4);
	}
	/* Two different minima agree on their low four bits by chance 1/16. */
	double p = (double)eq / SCORE_MH_K, j = (p - 1.0 / 16) / (1 - 1.0 / 16);
	return j < 0 ? 0 : j;
}
