/* test_neardup_index.c — tests for src/store/neardup.c and neardup_bands.c:
 * the signatures read many in a row are those the rows hold, a missing or
 * damaged row read as missing without spoiling the reads after it; the
 * band blocks decoded on more threads handed over as on one. */
#include <sqlite3.h>

#include "fixture.h"

/* The signature stored for sample id: bytes made from the id. */
static void sig_of(int64_t id, uint8_t sig[STORE_NEARDUP_SIG])
{
	for (size_t k = 0; k < STORE_NEARDUP_SIG; k++)
		sig[k] = (uint8_t)(id * 31 + (int64_t)k * 7);
}

static void put_rows(store *s, const int64_t *ids, size_t n)
{
	assay_error err = {0};
	CHECK_INT(store_begin(s, &err), 0);
	for (size_t i = 0; i < n; i++) {
		store_neardup row = {.sample_id = ids[i], .cluster = ids[i], .size = 1};
		sig_of(ids[i], row.sig);
		CHECK_INT(store_neardup_put(s, &row, &err), 0);
	}
	CHECK_INT(store_commit(s, &err), 0);
}

static void sql(const char *q)
{
	sqlite3 *db;
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* Read in a row (ids ascending, with gaps, a missing row first and last
 * and one whose signature is not a signature), every signature is the one
 * store_neardup_get reads, and found says what it says. */
TEST(signatures_read_in_a_row_are_the_rows)
{
	store *s = fixture_open("ndindex");
	int64_t ids[] = {2, 3, 5, 8, 9, 10, 400, 401, 100000};
	put_rows(s, ids, sizeof ids / sizeof *ids);
	store_close(s);
	sql("UPDATE neardup SET sig = x'0102' WHERE sample_id = 9");
	assay_error err = {0};
	CHECK_INT(store_open(path, NULL, &s, &err), 0);
	int64_t ask[] = {1, 2, 3, 4, 5, 8, 9, 10, 11, 400, 401, 402, 100000, 100001};
	store_neardup_sigs *r = NULL;
	CHECK_INT(store_read_begin(s, &err), 0);
	CHECK_INT(store_neardup_sigs_open(s, &r, &err), 0);
	size_t found_n = 0;
	for (size_t i = 0; i < sizeof ask / sizeof *ask; i++) {
		uint8_t sig[STORE_NEARDUP_SIG], want[STORE_NEARDUP_SIG];
		store_neardup row;
		bool found = true, want_found = false;
		CHECK_INT(store_neardup_sigs_get(r, ask[i], sig, &found, &err), 0);
		CHECK_INT(store_neardup_get(s, ask[i], &row, &want_found, &err), 0);
		CHECK_INT(found, want_found);
		found_n += found;
		if (!found)
			continue;
		sig_of(ask[i], want);
		CHECK(memcmp(sig, want, sizeof sig) == 0);
		CHECK(memcmp(sig, row.sig, sizeof sig) == 0);
	}
	CHECK_INT(found_n, 8);
	store_neardup_sigs_close(r);
	store_read_end(s);
	store_close(s);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;

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

/* What a scan handed over: a running hash of every call's entries. */
typedef struct calls {
	size_t n, entries, fail_at;
	uint64_t hash;
} calls;

static int on_block(void *ud, const uint32_t *keys, const int64_t *ids, size_t n,
		    assay_error *err)
{
	calls *c = ud;
	if (++c->n == c->fail_at)
		return assay_fail(err, ASSAY_EINVAL, "stopped at call %zu", c->n);
	for (size_t i = 0; i < n; i++)
		c->hash = (c->hash ^ keys[i] ^ (uint64_t)ids[i] << 32) * 0x100000001B3ull + c->n;
	c->entries += n;
	return ASSAY_OK;
}

static calls scan(store *s, const uint32_t *want, size_t n_want, size_t workers,
		  size_t fail_at, int want_rc)
{
	assay_error err = {0};
	calls c = {.fail_at = fail_at};
	CHECK_INT(store_neardup_block_scan(s, want, n_want, workers, on_block, &c, &err), want_rc);
	return c;
}

/* 60 blocks of 2,000 entries, every 16th key wanted: decoded on one, two
 * or four threads, the same entries come in the same calls in the same
 * order; a stop asked for by the function at a call stops every scan
 * there. */
TEST(blocks_decoded_on_more_threads_come_as_on_one)
{
	store *s = fixture_open("ndindex");
	assay_error err = {0};
	enum { BLOCKS = 60, N = 2000 };
	uint32_t *keys = malloc(N * sizeof *keys), *want = malloc(BLOCKS * N * sizeof *want);
	int64_t *ids = malloc(N * sizeof *ids);
	size_t n_want = 0;
	CHECK_INT(store_begin(s, &err), 0);
	for (size_t b = 0; b < BLOCKS; b++) {
		for (size_t i = 0; i < N; i++)
			keys[i] = next() % 5000000u;
		qsort(keys, N, sizeof *keys, cmp_u32);
		for (size_t i = 0; i < N; i++) {
			ids[i] = (int64_t)(b * N + N - i);
			if (i % 16 == 0)
				want[n_want++] = keys[i];
		}
		CHECK_INT(store_neardup_block_put(s, keys, ids, N, &err), 0);
	}
	CHECK_INT(store_commit(s, &err), 0);
	qsort(want, n_want, sizeof *want, cmp_u32);
	size_t u = 0;
	for (size_t i = 0; i < n_want; i++)
		if (u == 0 || want[u - 1] != want[i])
			want[u++] = want[i];
	calls one = scan(s, want, u, 1, 0, 0), all = scan(s, NULL, 0, 1, 0, 0);
	CHECK_INT(one.n, BLOCKS);
	CHECK_INT(all.entries, BLOCKS * N);
	CHECK(one.entries >= BLOCKS * N / 16);
	for (size_t w = 2; w <= 4; w += 2) {
		calls two = scan(s, want, u, w, 0, 0), every = scan(s, NULL, 0, w, 0, 0);
		CHECK_INT(two.n, one.n);
		CHECK_INT(two.entries, one.entries);
		CHECK(two.hash == one.hash);
		CHECK_INT(every.entries, all.entries);
		CHECK(every.hash == all.hash);
		calls stop = scan(s, want, u, w, 7, ASSAY_EINVAL);
		CHECK_INT(stop.n, 7);
		CHECK(scan(s, want, u, w, BLOCKS, ASSAY_EINVAL).n == BLOCKS);
	}
	free(keys);
	free(want);
	free(ids);
	store_close(s);
}

/* A damaged block is refused on any count of threads, after the blocks
 * read before it were handed over. */
TEST(a_damaged_block_stops_every_scan_there)
{
	store *s = fixture_open("ndindex");
	assay_error err = {0};
	uint32_t keys[] = {1, 2, 3, 40, 500};
	int64_t ids[] = {5, 4, 3, 2, 1};
	CHECK_INT(store_begin(s, &err), 0);
	for (int b = 0; b < 12; b++)
		CHECK_INT(store_neardup_block_put(s, keys, ids, 5, &err), 0);
	CHECK_INT(store_commit(s, &err), 0);
	store_close(s);
	sql("UPDATE neardup_bands SET entries = substr(entries, 1, 21) WHERE id = 9");
	CHECK_INT(store_open(path, NULL, &s, &err), 0);
	for (size_t w = 1; w <= 3; w++) {
		calls c = scan(s, NULL, 0, w, 0, ASSAY_EDB);
		/* blocks 12, 11 and 10 first (the last written first) */
		CHECK_INT(c.n, 3);
		CHECK_INT(c.entries, 15);
	}
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(signatures_read_in_a_row_are_the_rows),
	  UNIT_CASE(blocks_decoded_on_more_threads_come_as_on_one),
	  UNIT_CASE(a_damaged_block_stops_every_scan_there))
