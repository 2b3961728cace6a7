/* test_neardup_code.c — tests for src/store/neardup_code.c: a block of the
 * near-duplicate band index read back as written (keys spread over 32 bits,
 * equal keys, gaps too long for the Rice code, ids far apart), in about
 * 3.6 bytes an entry for a chunk's run, and a damaged block refused. */
#include <stdlib.h>

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

UNIT_MAIN(UNIT_CASE(a_chunks_run_reads_back_in_under_4_bytes_an_entry),
	  UNIT_CASE(equal_keys_long_gaps_and_far_ids), UNIT_CASE(a_damaged_block_is_refused))
