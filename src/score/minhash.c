/* minhash.c — near-duplicate detection: MinHash signatures over words and
 * word bigrams and an LSH index (20 bands of 6 rows) that finds, for each new
 * sample, the most similar earlier one with memory bounded by the count. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "minhash_int.h"

/* The 120 hash functions h_k(x) = (a_k x + b_k) >> 32 over 64-bit shingle
 * hashes, with a_k odd; fixed forever by a splitmix64 stream. The same as
 * 32-bit lanes for the vector paths, and the path this CPU runs. */
static uint64_t mh_a[SCORE_MH_K], mh_b[SCORE_MH_K];
static mh_lanes mh_lane;
static score_mh_path mh_best = SCORE_MH_SCALAR;
static int (*mh_agree)(const uint8_t *a, const uint8_t *b) = mh_agree_scalar;
static pthread_once_t mh_once = PTHREAD_ONCE_INIT;

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void mh_init(void)
{
	uint64_t s = 0xA55A7C0DEull;
	for (size_t k = 0; k < SCORE_MH_K; k++) {
		mh_a[k] = splitmix(&s) | 1;
		mh_b[k] = splitmix(&s);
		mh_lane.al[k] = (uint32_t)mh_a[k];
		mh_lane.ah[k] = (uint32_t)(mh_a[k] >> 32);
		mh_lane.bl[k] = (uint32_t)mh_b[k];
		mh_lane.bh[k] = (uint32_t)(mh_b[k] >> 32);
	}
	mh_best = mh_have_avx512() ? SCORE_MH_AVX512
		  : mh_have_avx2() ? SCORE_MH_AVX2
				   : SCORE_MH_SCALAR;
	/* AVX2 before AVX-512: the signatures compared come from memory as
	 * often as from the cache, and there the 32-byte loads are faster
	 * (1M captions' neardup pass: 1.5% of the samples against 2.2%). */
	mh_agree = mh_have_avx2()   ? mh_agree_avx2
		   : mh_have_sse2() ? mh_agree_sse2
				    : mh_agree_scalar;
}

static uint64_t shingle(uint32_t a, uint32_t b)
{
	uint64_t x = ((uint64_t)a << 32) | b;
	x ^= x >> 33;
	x *= 0xFF51AFD7ED558CCDull;
	x ^= x >> 33;
	return x;
}

/* The hash of shingle i: even i, word i/2 alone; odd i, it and the next
 * word (none for the last word). */
static bool shingle_at(const score_text *t, size_t i, uint64_t *x)
{
	size_t w = i >> 1;
	if ((i & 1) && w + 1 >= t->n_words)
		return false;
	*x = shingle(t->words[w].hash, (i & 1) ? t->words[w + 1].hash : 0);
	return true;
}

static void minhash_scalar(const score_text *t, uint32_t sig[SCORE_MH_K])
{
	for (size_t i = 0; i < 2 * t->n_words; i++) {
		uint64_t x;
		if (!shingle_at(t, i, &x))
			continue;
		for (size_t k = 0; k < SCORE_MH_K; k++) {
			uint32_t v = (uint32_t)((mh_a[k] * x + mh_b[k]) >> 32);
			sig[k] = v < sig[k] ? v : sig[k];
		}
	}
}

/* The shingles a few hundred at a time through the vector path's lanes. */
static void minhash_lanes(const score_text *t, uint32_t sig[SCORE_MH_K], score_mh_path path)
{
	uint32_t lanes[MH_LANES];
	uint64_t x[256];
	size_t n = 0;
	memset(lanes, 0xFF, sizeof lanes);
	for (size_t i = 0; i < 2 * t->n_words; i++) {
		if (shingle_at(t, i, &x[n]))
			n++;
		if (n == sizeof x / sizeof *x || (n && i + 1 == 2 * t->n_words)) {
			if (path == SCORE_MH_AVX512)
				mh_lanes_avx512(&mh_lane, x, n, lanes);
			else
				mh_lanes_avx2(&mh_lane, x, n, lanes);
			n = 0;
		}
	}
	memcpy(sig, lanes, SCORE_MH_K * sizeof *sig);
}

bool score_minhash_path(const score_text *t, uint32_t sig[SCORE_MH_K], score_mh_path path)
{
	pthread_once(&mh_once, mh_init);
	if (path == SCORE_MH_AUTO)
		path = mh_best;
	if ((path == SCORE_MH_AVX2 && !mh_have_avx2()) ||
	    (path == SCORE_MH_AVX512 && !mh_have_avx512()))
		return false;
	for (size_t k = 0; k < SCORE_MH_K; k++)
		sig[k] = UINT32_MAX;
	if (path == SCORE_MH_SCALAR)
		minhash_scalar(t, sig);
	else
		minhash_lanes(t, sig, path);
	return true;
}

void score_minhash(const score_text *t, uint32_t sig[SCORE_MH_K])
{
	score_minhash_path(t, sig, SCORE_MH_AUTO);
}

#define CHAIN_CAP 64
#define NONE	  0u

struct score_lsh {
	uint8_t *sig8;	 /* count x K low bytes */
	uint32_t *next;	 /* count x BANDS: previous sample (index+1) in the same bucket */
	uint32_t *stamp; /* last query that compared each sample (dedupes candidates) */
	size_t count, cap;
	uint64_t *slots; /* key << 32 | head (index+1); 0 = empty */
	size_t n_slots, used;
	uint32_t query;
};

static size_t pow2_at_least(size_t n)
{
	size_t p = 1024;
	while (p < n)
		p *= 2;
	return p;
}

score_lsh *score_lsh_new(size_t expected, assay_error *err)
{
	score_lsh *l = calloc(1, sizeof *l);
	if (!l) {
		assay_fail(err, ASSAY_ENOMEM, "out of memory");
		return NULL;
	}
	/* Band keys fill at most 70% of the table when `expected` arrive. */
	l->n_slots = pow2_at_least((expected ? expected : 1024) * SCORE_MH_BANDS * 10 / 7);
	l->slots = calloc(l->n_slots, sizeof *l->slots);
	if (!l->slots) {
		free(l);
		assay_fail(err, ASSAY_ENOMEM,
			   "out of memory for a near-duplicate index of %zu "
			   "samples",
			   expected);
		return NULL;
	}
	return l;
}

void score_lsh_free(score_lsh *l)
{
	if (!l)
		return;
	free(l->sig8);
	free(l->next);
	free(l->stamp);
	free(l->slots);
	free(l);
}

void score_lsh_clear(score_lsh *l)
{
	l->count = l->used = 0;
	memset(l->slots, 0, l->n_slots * sizeof *l->slots);
}

size_t score_lsh_count(const score_lsh *l)
{
	return l->count;
}

size_t score_lsh_bytes(const score_lsh *l)
{
	return sizeof *l +
	       l->cap * (SCORE_MH_K + SCORE_MH_BANDS * sizeof(uint32_t) + sizeof(uint32_t)) +
	       l->n_slots * sizeof *l->slots;
}

static int reserve(score_lsh *l, assay_error *err)
{
	if (l->count < l->cap)
		return ASSAY_OK;
	size_t cap = l->cap ? l->cap * 2 : 4096;
	uint8_t *s = realloc(l->sig8, cap * SCORE_MH_K);
	if (s)
		l->sig8 = s;
	uint32_t *nx = s ? realloc(l->next, cap * SCORE_MH_BANDS * sizeof *nx) : NULL;
	if (nx)
		l->next = nx;
	uint32_t *st = nx ? realloc(l->stamp, cap * sizeof *st) : NULL;
	if (!st)
		return assay_fail(err, ASSAY_ENOMEM,
				  "out of memory for the near-duplicate index "
				  "(%zu samples)",
				  l->count);
	l->stamp = st;
	memset(st + l->cap, 0, (cap - l->cap) * sizeof *st);
	l->cap = cap;
	return ASSAY_OK;
}

int mh_agree_scalar(const uint8_t *a, const uint8_t *b)
{
	int eq = 0;
	for (size_t k = 0; k < SCORE_MH_K; k++)
		eq += a[k] == b[k];
	return eq;
}

int score_minhash_agree(const uint8_t a[SCORE_MH_K], const uint8_t b[SCORE_MH_K])
{
	pthread_once(&mh_once, mh_init);
	return mh_agree(a, b);
}

double score_minhash_jaccard(int agree)
{
	/* Two different min-hashes agree on their low byte by chance 1/256. */
	double p = (double)agree / SCORE_MH_K, j = (p - 1.0 / 256) / (1 - 1.0 / 256);
	return j < 0 ? 0 : j;
}

const uint8_t *score_lsh_sig(const score_lsh *l, uint32_t i)
{
	return l->sig8 + (size_t)i * SCORE_MH_K;
}

double score_lsh_similarity(const score_lsh *l, uint32_t a, uint32_t b)
{
	return score_minhash_jaccard(score_minhash_agree(score_lsh_sig(l, a), score_lsh_sig(l, b)));
}

static uint32_t band_key(const uint32_t *sig, size_t band)
{
	uint64_t h = 0x243F6A8885A308D3ull ^ band;
	for (size_t r = 0; r < SCORE_MH_ROWS; r++) {
		h ^= sig[band * SCORE_MH_ROWS + r];
		h *= 0x9E3779B97F4A7C15ull;
		h ^= h >> 29;
	}
	uint32_t k = (uint32_t)(h >> 32);
	return k ? k : 1;
}

void score_minhash_bands(const uint32_t sig[SCORE_MH_K], uint32_t keys[SCORE_MH_BANDS])
{
	for (size_t b = 0; b < SCORE_MH_BANDS; b++)
		keys[b] = band_key(sig, b);
}

/* The slot of key (existing or the empty one where it goes). */
static uint64_t *slot_for(score_lsh *l, uint32_t key)
{
	size_t mask = l->n_slots - 1, i = (key * 0x9E3779B1u) & mask;
	while (l->slots[i] && (uint32_t)(l->slots[i] >> 32) != key)
		i = (i + 1) & mask;
	return &l->slots[i];
}

int score_lsh_add(score_lsh *l, const uint32_t sig[SCORE_MH_K], score_lsh_match *m,
		  assay_error *err)
{
	uint32_t keys[SCORE_MH_BANDS];
	score_minhash_bands(sig, keys);
	return score_lsh_add_keyed(l, sig, keys, m, err);
}

int score_lsh_add_keyed(score_lsh *l, const uint32_t sig[SCORE_MH_K],
			const uint32_t keys[SCORE_MH_BANDS], score_lsh_match *m, assay_error *err)
{
	if (reserve(l, err) < 0)
		return err->code;
	uint32_t me = (uint32_t)l->count;
	uint8_t *s8 = l->sig8 + (size_t)me * SCORE_MH_K;
	for (size_t k = 0; k < SCORE_MH_K; k++)
		s8[k] = (uint8_t)sig[k];
	l->count++;
	l->stamp[me] = 0;
	if (++l->query == 0)
		l->query = 1;
	*m = (score_lsh_match){.best = UINT32_MAX, .similarity = 0};
	/* The bands' slots are far apart in a table larger than the cache:
	 * fetched together first, not one miss after another. */
	for (size_t b = 0; b < SCORE_MH_BANDS; b++)
		__builtin_prefetch(&l->slots[(keys[b] * 0x9E3779B1u) & (l->n_slots - 1)]);
	for (size_t b = 0; b < SCORE_MH_BANDS; b++) {
		uint32_t key = keys[b];
		uint64_t *slot = slot_for(l, key);
		uint32_t head = (uint32_t)*slot;
		/* Two bands of this sample with one key (32-bit keys: about one
		 * sample in 20 million): the bucket was walked at the first, and
		 * its link goes on as that band's (walking it again would meet
		 * the sample itself, then its link not yet written). */
		if (head == me + 1) {
			size_t first = 0;
			while (keys[first] != key)
				first++;
			l->next[(size_t)me * SCORE_MH_BANDS + b] =
			    l->next[(size_t)me * SCORE_MH_BANDS + first];
			continue;
		}
		/* Walk the bucket, most recent first. */
		uint32_t c = head;
		for (int walked = 0; c != NONE && walked < CHAIN_CAP; walked++) {
			uint32_t cand = c - 1;
			if (l->stamp[cand] != l->query) {
				l->stamp[cand] = l->query;
				double j = score_lsh_similarity(l, me, cand);
				if (j > m->similarity ||
				    (j == m->similarity && m->best != UINT32_MAX &&
				     cand < m->best)) {
					m->similarity = j;
					m->best = cand;
				}
			}
			c = l->next[(size_t)cand * SCORE_MH_BANDS + b];
		}
		l->next[(size_t)me * SCORE_MH_BANDS + b] = head;
		/* A full table takes no new buckets (lookups still work). */
		if (head != NONE || l->used * 10 < l->n_slots * 9) {
			if (head == NONE)
				l->used++;
			*slot = ((uint64_t)key << 32) | (me + 1);
		}
	}
	return ASSAY_OK;
}
