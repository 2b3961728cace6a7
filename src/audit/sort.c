/* sort.c — the two primitives the statistics stand on: an O(n) radix sort
 * of doubles (so a million scores sort in milliseconds) and a small seeded
 * random number generator for reproducible bootstrap resampling. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assay/audit.h"
#include "dkey.h"

/* Below this many values insertion sort beats the radix passes. */
#define SMALL_SORT 48

/* LSD radix sort, 8 passes of 8 bits, counting all digits in one sweep;
 * passes where every key shares the digit are skipped (for scores in
 * [0, 1] the top bytes are nearly constant). Returns the sorted buffer. */
static uint64_t *radix_sort(uint64_t *a, uint64_t *b, size_t n)
{
	static const int passes = 8;
	size_t (*count)[256] = calloc(passes, sizeof *count);
	if (!count)
		return NULL;
	for (size_t i = 0; i < n; i++)
		for (int p = 0; p < passes; p++)
			count[p][(a[i] >> (8 * p)) & 0xff]++;
	for (int p = 0; p < passes; p++) {
		size_t *c = count[p];
		if (c[(a[0] >> (8 * p)) & 0xff] == n)
			continue;
		size_t sum = 0;
		for (int d = 0; d < 256; d++) {
			size_t t = c[d];
			c[d] = sum;
			sum += t;
		}
		for (size_t i = 0; i < n; i++)
			b[c[(a[i] >> (8 * p)) & 0xff]++] = a[i];
		uint64_t *t = a;
		a = b;
		b = t;
	}
	free(count);
	return a;
}

/* Few distinct values (most scorers give a handful: 0, 0.5, 1, ...):
 * counted in a small hash table by their bits, the distinct keys sorted,
 * and written back with their counts, in one pass instead of the radix
 * sort's several. Returns false, leaving v as it was, as soon as there
 * are more than FEW_MAX distinct values. */
#define FEW_MAX 256
#define FEW_SLOTS 1024 /* a power of two, at least 2 * FEW_MAX */

static bool sort_few(double *v, size_t n)
{
	uint64_t keys[FEW_SLOTS];
	size_t counts[FEW_SLOTS];
	bool used[FEW_SLOTS] = {0};
	size_t distinct = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t k = dkey_of(v[i]);
		size_t h = (size_t)((k * 0x9e3779b97f4a7c15ULL) >> 54) & (FEW_SLOTS - 1);
		while (used[h] && keys[h] != k)
			h = (h + 1) & (FEW_SLOTS - 1);
		if (!used[h]) {
			if (++distinct > FEW_MAX)
				return false;
			used[h] = true;
			keys[h] = k;
			counts[h] = 0;
		}
		counts[h]++;
	}
	uint64_t order[FEW_MAX];
	size_t by_key[FEW_MAX], m = 0;
	for (size_t h = 0; h < FEW_SLOTS; h++)
		if (used[h])
			order[m++] = keys[h];
	assay_sort_small_u64(order, m);
	for (size_t j = 0; j < m; j++) { /* each key's count, found again */
		size_t h = (size_t)((order[j] * 0x9e3779b97f4a7c15ULL) >> 54) & (FEW_SLOTS - 1);
		while (keys[h] != order[j])
			h = (h + 1) & (FEW_SLOTS - 1);
		by_key[j] = counts[h];
	}
	size_t o = 0;
	for (size_t j = 0; j < m; j++) {
		double d = dkey_double(order[j]);
		for (size_t c = 0; c < by_key[j]; c++)
			v[o++] = d;
	}
	return true;
}

int audit_sort(double *v, size_t n, assay_error *err)
{
	for (size_t i = 0; i < n; i++)
		if (isnan(v[i]))
			return assay_fail(err, ASSAY_EINVAL, "value %zu is NaN", i);
	size_t ordered = 1;
	while (ordered < n && v[ordered - 1] <= v[ordered])
		ordered++;
	if (ordered >= n) /* already sorted, as the store hands most scores over */
		return ASSAY_OK;
	if (n >= SMALL_SORT && sort_few(v, n))
		return ASSAY_OK;
	uint64_t *buf = malloc((n < SMALL_SORT ? n : 2 * n) * sizeof *buf);
	if (!buf)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory sorting %zu values", n);
	for (size_t i = 0; i < n; i++)
		buf[i] = dkey_of(v[i]);
	uint64_t *sorted = buf;
	if (n < SMALL_SORT) {
		assay_sort_small_u64(buf, n);
	} else if (!(sorted = radix_sort(buf, buf + n, n))) {
		free(buf);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory sorting %zu values", n);
	}
	for (size_t i = 0; i < n; i++)
		v[i] = dkey_double(sorted[i]);
	free(buf);
	return ASSAY_OK;
}

/* ---- random numbers ---------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void audit_rng_seed(audit_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

/* xoshiro256** (Blackman & Vigna). */
uint64_t audit_rng_next(audit_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t audit_rng_below(audit_rng *r, uint64_t bound)
{
	if (bound == 0)
		return 0;
	/* Reject the lowest 2^64 mod bound draws so every residue is equally
	 * likely. */
	uint64_t floor = -bound % bound;
	for (;;) {
		uint64_t x = audit_rng_next(r);
		if (x >= floor)
			return x % bound;
	}
}
