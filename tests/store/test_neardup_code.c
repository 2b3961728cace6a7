/* test_neardup_code.c — tests for src/store/neardup_code.c: a block of the
 * near-duplicate band index read back as written (keys spread over 32 bits,
 * equal keys, gaps too long for the Rice code, ids far apart), in about
 * 3.6 bytes an entry for a chunk's run, a damaged block refused, and
 * only the entries of the keys wanted read. */
#include <stdlib.h>
#include <string.h>

#include "../../src/store/neardup_code.h"
#include "unit.h"

static uint64_t rng = 0x1234567;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Writes n entries and reads them back; returns the bytes written. */
static size_t round_trip(uint32_t *keys, int64_t *ids, size_t n)
{
	uint8_t *b = malloc(neardup_code_bound(n));
	size_t len = neardup_code_put(keys, ids, n, b);
	CHECK(len <= neardup_code_bound(n));
	CHECK_INT(neardup_code_count(b, len), n);
	uint32_t *k2 = malloc((n ? n : 1) * sizeof *k2);
	int64_t *i2 = malloc((n ? n : 1) * sizeof *i2);
	CHECK_INT(neardup_code_get(b, len, k2, i2), 0);
	for (size_t i = 0; i < n; i++) {
		CHECK_INT(k2[i], keys[i]);
		CHECK_INT(i2[i], ids[i]);
	}
	/* cut short, it is refused */
	if (n > 1)
		CHECK_INT(neardup_code_get(b, len / 2, k2, i2), -1);
	free(b);
	free(k2);
	free(i2);
	return len;
}

TEST(a_chunks_run_reads_back_in_under_4_bytes_an_entry)
{
	size_t n = 4096;
	uint32_t *keys = malloc(n * sizeof *keys);
	int64_t *ids = malloc(n * sizeof *ids);
	/* one block of a chunk's 655,360 keys: 1/160 of the keys' range */
	for (size_t i = 0; i < n; i++) {
		keys[i] = next() % (UINT32_MAX / 160);
		ids[i] = 1000000 + next() % 32768;
	}
	qsort(keys, n, sizeof *keys, cmp_u32);
	size_t len = round_trip(keys, ids, n);
	CHECK(len < n * 4);
	free(keys);
	free(ids);
}

TEST(equal_keys_long_gaps_and_far_ids)
{
	uint32_t keys[] = {1, 1, 1, 2, 3, 0x80000000u, 0x80000001u, 0xFFFFFFFFu, 0xFFFFFFFFu};
	int64_t ids[] = {9, 8, 7, 1, 1, (int64_t)1 << 40, 5, 3, INT64_C(1) << 33};
	round_trip(keys, ids, sizeof keys / sizeof *keys);
	uint32_t one = 42;
	int64_t id = 7;
	round_trip(&one, &id, 1);
	round_trip(NULL, NULL, 0);
}

TEST(a_damaged_block_is_refused)
{
	uint8_t junk[8] = {5, 0, 0, 0, 1, 2, 3, 4};
	uint32_t k[5];
	int64_t v[5];
	CHECK_INT(neardup_code_count(junk, sizeof junk), 0);
	CHECK_INT(neardup_code_get(junk, sizeof junk, k, v), -1);
	uint8_t head[20] = {5, 0, 0, 0};
	head[16] = 40; /* a key width past 31 */
	CHECK_INT(neardup_code_get(head, sizeof head, k, v), -1);
}

/* The block format written out a bit at a time, as its description in
 * neardup_code.c reads: what a block's bytes must be, whatever the writer's
 * way of gathering them. */
static size_t reference_put(const uint32_t *keys, const int64_t *ids, size_t n, uint8_t *out)
{
	int64_t lo = n ? ids[0] : 0, hi = lo;
	for (size_t i = 1; i < n; i++) {
		lo = ids[i] < lo ? ids[i] : lo;
		hi = ids[i] > hi ? ids[i] : hi;
	}
	uint64_t mean = n > 1 ? ((uint64_t)keys[n - 1] - keys[0]) / (n - 1) : 0,
		 m = mean * 69 / 100;
	unsigned k = 0, idw = 0;
	while (k < 64 && m >> k)
		k++;
	k = k ? k - 1 : 0;
	while (idw < 64 && ((uint64_t)hi - (uint64_t)lo) >> idw)
		idw++;
	memset(out, 0, neardup_code_bound(n));
	for (int b = 0; b < 4; b++) {
		out[b] = (uint8_t)(n >> (8 * b));
		out[4 + b] = (uint8_t)((n ? keys[0] : 0) >> (8 * b));
	}
	for (int b = 0; b < 8; b++)
		out[8 + b] = (uint8_t)((uint64_t)lo >> (8 * b));
	out[16] = (uint8_t)k;
	out[17] = (uint8_t)idw;
	size_t bit = 20 * 8;
#define PUT(v, w)                                                                                  \
	for (unsigned j_ = 0; j_ < (w); j_++, bit++)                                               \
		out[bit / 8] |= (uint8_t)(((uint64_t)(v) >> j_ & 1) << (bit % 8));
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			uint32_t d = keys[i] - keys[i - 1], q = d >> k;
			if (q >= 24) {
				PUT(0xFFFFFF, 24);
				PUT(d, 32);
			} else {
				PUT((1ull << q) - 1, q + 1);
				PUT(d, k);
			}
		}
		PUT((uint64_t)ids[i] - (uint64_t)lo, idw);
	}
#undef PUT
	return (bit + 7) / 8;
}

/* Blocks of every shape (empty, one entry, equal keys, gaps escaped or
 * not, ids 0 to 64 bits wide, keys dense and sparse): byte for byte the
 * reference's bytes. */
TEST(blocks_are_written_byte_for_byte_as_specified)
{
	for (int round = 0; round < 600; round++) {
		size_t n = round < 3 ? (size_t)round : 1 + next() % 3000;
		unsigned spread = 1 + next() % 32, idbits = round % 65;
		uint32_t *keys = malloc((n ? n : 1) * sizeof *keys);
		int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
		for (size_t i = 0; i < n; i++) {
			keys[i] = spread == 32 ? next() : next() >> (32 - spread);
			uint64_t v = (uint64_t)next() << 32 | next();
			ids[i] = idbits == 0	? 5
				 : idbits == 64 ? (int64_t)v
						: (int64_t)(v >> (64 - idbits));
		}
		if (round % 5 == 0 && n > 3)
			keys[n / 2] = keys[n / 3]; /* an equal pair (after sorting) */
		qsort(keys, n, sizeof *keys, cmp_u32);
		size_t bound = neardup_code_bound(n);
		uint8_t *got = malloc(bound), *want = malloc(bound);
		memset(got, 0xAB, bound);
		size_t len = neardup_code_put(keys, ids, n, got);
		CHECK_INT(len, reference_put(keys, ids, n, want));
		CHECK(memcmp(got, want, len) == 0);
		free(got);
		free(want);
		free(keys);
		free(ids);
	}
}

/* Reading only the wanted keys gives the entries a whole read would, those
 * keys' only, in the block's order. */
TEST(only_the_wanted_keys_are_read)
{
	uint32_t keys[] = {1, 1, 1, 2, 3, 0x80000000u, 0x80000001u, 0xFFFFFFFFu, 0xFFFFFFFFu};
	int64_t ids[] = {9, 8, 7, 1, 1, (int64_t)1 << 40, 5, 3, INT64_C(1) << 33};
	size_t n = sizeof keys / sizeof *keys;
	uint8_t b[512];
	size_t len = neardup_code_put(keys, ids, n, b);
	uint32_t want[] = {0, 1, 3, 4, 0x80000001u, 0xFFFFFFFFu}, k[9];
	int64_t v[9];
	uint64_t *filter = malloc(NEARDUP_FILTER_WORDS * sizeof *filter);
	neardup_code_filter(want, 6, filter);
	CHECK_INT(neardup_code_match(b, len, want, 6, filter, k, v), 7);
	uint32_t ek[] = {1, 1, 1, 3, 0x80000001u, 0xFFFFFFFFu, 0xFFFFFFFFu};
	int64_t ev[] = {9, 8, 7, 1, 5, 3, INT64_C(1) << 33};
	for (size_t i = 0; i < 7; i++) {
		CHECK_INT(k[i], ek[i]);
		CHECK_INT(v[i], ev[i]);
	}
	/* keys the filter lets through (same top bits) but not wanted */
	uint32_t none[] = {4, 5, 0x80000002u};
	neardup_code_filter(none, 3, filter);
	CHECK_INT(neardup_code_match(b, len, none, 3, filter, k, v), 0);
	neardup_code_filter(want, 0, filter);
	CHECK_INT(neardup_code_match(b, len, want, 0, filter, k, v), 0);
	neardup_code_filter(want, 6, filter);
	CHECK_INT(neardup_code_match(b, len / 2, want, 6, filter, k, v), -1);
	/* a chunk's run against a thousand of its keys */
	size_t m = 4096;
	uint32_t *rk = malloc(m * sizeof *rk), *wk = malloc(m * sizeof *wk),
		 *gk = malloc(m * sizeof *gk);
	int64_t *ri = malloc(m * sizeof *ri), *gi = malloc(m * sizeof *gi);
	uint8_t *rb = malloc(neardup_code_bound(m));
	for (size_t i = 0; i < m; i++) {
		rk[i] = next() % 100000;
		ri[i] = (int64_t)(next() % 32768);
	}
	qsort(rk, m, sizeof *rk, cmp_u32);
	size_t n_w = 0;
	for (size_t i = 0; i < m; i += 4)
		if (n_w == 0 || wk[n_w - 1] != rk[i])
			wk[n_w++] = rk[i];
	size_t rlen = neardup_code_put(rk, ri, m, rb);
	neardup_code_filter(wk, n_w, filter);
	long got = neardup_code_match(rb, rlen, wk, n_w, filter, gk, gi);
	size_t j = 0, w = 0;
	for (size_t i = 0; i < m; i++) {
		while (w < n_w && wk[w] < rk[i])
			w++;
		if (w == n_w || wk[w] != rk[i])
			continue;
		CHECK(j < (size_t)got);
		CHECK_INT(gk[j], rk[i]);
		CHECK_INT(gi[j], ri[i]);
		j++;
	}
	CHECK_INT((size_t)got, j);
	CHECK(j >= n_w);
	free(rk);
	free(wk);
	free(gk);
	free(ri);
	free(gi);
	free(rb);
	free(filter);
}

/* A block far smaller than the keys wanted (a stored block against a
 * chunk's 655,360 keys): its wanted entries found however far apart they
 * are among the keys wanted, before the first of them and past the last. */
TEST(a_small_block_against_many_wanted_keys)
{
	size_t n_w = 50000, m = 300;
	uint32_t *wk = malloc(n_w * sizeof *wk), rk[300], gk[300];
	int64_t ri[300], gi[300];
	for (size_t i = 0; i < n_w; i++)
		wk[i] = 1000 + (next() % 4000000000u);
	qsort(wk, n_w, sizeof *wk, cmp_u32);
	for (size_t i = 0; i < m; i++) {
		rk[i] = i % 3 ? next() : wk[next() % n_w];
		ri[i] = (int64_t)i;
	}
	rk[0] = 5;
	rk[1] = wk[0];
	rk[2] = wk[n_w - 1];
	rk[3] = UINT32_MAX;
	qsort(rk, m, sizeof *rk, cmp_u32);
	uint8_t *rb = malloc(neardup_code_bound(m));
	uint64_t *filter = malloc(NEARDUP_FILTER_WORDS * sizeof *filter);
	size_t rlen = neardup_code_put(rk, ri, m, rb);
	neardup_code_filter(wk, n_w, filter);
	long got = neardup_code_match(rb, rlen, wk, n_w, filter, gk, gi);
	size_t j = 0;
	for (size_t i = 0; i < m; i++) {
		if (!bsearch(&rk[i], wk, n_w, sizeof *wk, cmp_u32))
			continue;
		CHECK(j < (size_t)got);
		CHECK_INT(gk[j], rk[i]);
		CHECK_INT(gi[j], ri[i]);
		j++;
	}
	CHECK_INT((size_t)got, j);
	CHECK(j >= 100);
	free(wk);
	free(rb);
	free(filter);
}

UNIT_MAIN(UNIT_CASE(a_chunks_run_reads_back_in_under_4_bytes_an_entry),
	  UNIT_CASE(equal_keys_long_gaps_and_far_ids), UNIT_CASE(a_damaged_block_is_refused),
	  UNIT_CASE(only_the_wanted_keys_are_read),
	  UNIT_CASE(a_small_block_against_many_wanted_keys),
	  UNIT_CASE(blocks_are_written_byte_for_byte_as_specified))
