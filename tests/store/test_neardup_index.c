/* test_neardup_index.c — tests for src/store/neardup.c and neardup_bands.c:
 * the signatures read many in a row are those the rows hold, a missing or
 * damaged row read as missing without spoiling the reads after it. */
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

UNIT_MAIN(UNIT_CASE(signatures_read_in_a_row_are_the_rows))
