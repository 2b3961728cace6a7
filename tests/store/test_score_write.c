/* test_score_write.c — tests for src/store/score_write.c: many samples'
 * scores packed into a batch and written together store exactly the rows,
 * notes and forms that store_scores_put_split writes sample by sample
 * (multi-row statements, single rows where the slots change, a sample
 * without notes, rows that were there before), and a dropped batch writes
 * nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "assay/store.h"
#include "fixture.h"
#include "unit.h"

#define N 40 /* samples 1..N written by the batch, N+1..2N one by one */

/* Sample i's (0-based) scores: most samples have the same three scorers;
 * sample 20 has two and the learned one; sample 30 has reasons of none. */
static size_t rows_of(int i, int64_t id, store_score_row *rows, char (*reason)[64])
{
	static const char *const names[] = {"length", "gopher", "hedging"};
	if (i == 20) {
		snprintf(reason[0], 64, "length: %d words", i + 3);
		rows[0] = (store_score_row){id, "length", "1", 0.25, true, reason[0], NULL};
		rows[1] = (store_score_row){id, "learned", "m1", 0.75, false, "model m1", NULL};
		rows[2] = (store_score_row){id, "hedging", "1", NAN, false, "", "{\"n\":1}"};
		return 3;
	}
	for (int k = 0; k < 3; k++) {
		if (i == 30)
			reason[k][0] = '\0';
		else
			snprintf(reason[k], 64, "%s: %d words, %d characters", names[k], i + k,
				 7 * i + 11);
		rows[k] = (store_score_row){id, names[k], k == 1 ? "2" : "1", (i % 10) / 10.0 + k,
					    (i + k) % 3 == 0, reason[k],
					    k == 2 && i % 4 == 0 ? "{\"at\":[1,2]}" : NULL};
	}
	return 3;
}

/* Rows there before: another scorer on samples 6 and N+6, and a reason
 * of length on samples 31 and N+31 (which the write without one drops). */
static void rows_before(store *s)
{
	assay_error e = {0};
	for (int64_t base = 0; base <= N; base += N) {
		store_score_row other = {base + 6, "other", "9", 0.5, true, "other: 5 of 9", NULL};
		store_score_row len = {base + 31, "length", "1", 0.5, false, "length: 12 words",
				       NULL};
		CHECK_INT(store_score_put(s, &other, &e), ASSAY_OK);
		CHECK_INT(store_score_put(s, &len, &e), ASSAY_OK);
	}
}

/* Writes sample i (0-based) as id through the batch b, or one by one
 * without it; every other sample's notes split ahead. */
static void write_sample(store *s, store_score_batch *b, int i, int64_t id)
{
	store_score_row rows[3];
	char reason[3][64];
	size_t n = rows_of(i, id, rows, reason);
	abuf sp[3] = {{0}};
	const void *split[3] = {NULL, NULL, NULL};
	for (size_t k = 0; k < n && i % 2; k++) {
		CHECK_INT(store_note_split(rows[k].reason, rows[k].detail, &sp[k]), ASSAY_OK);
		split[k] = sp[k].data;
	}
	assay_error e = {0};
	if (b)
		CHECK_INT(store_score_batch_add(s, b, rows, split, NULL, n, &e), ASSAY_OK);
	else
		CHECK_INT(store_scores_put_split(s, rows, split, NULL, n, &e), ASSAY_OK);
	for (size_t k = 0; k < n; k++)
		abuf_free(&sp[k]);
}

/* Whether samples a and b have the same stored row and notes, byte for
 * byte (scored_at aside). */
static bool same_stored(sqlite3 *db, int64_t a, int64_t b)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
			       "SELECT (SELECT count(*) FROM (SELECT flags, learned, vals, vers, notes"
			       " FROM sample_scores LEFT JOIN score_notes USING (sample_id)"
			       " WHERE sample_id = ?1 EXCEPT SELECT flags, learned, vals, vers, notes"
			       " FROM sample_scores LEFT JOIN score_notes USING (sample_id)"
			       " WHERE sample_id = ?2)),"
			       " (SELECT count(*) FROM sample_scores WHERE sample_id IN (?1, ?2))",
			       -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	bool same = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0 &&
		    sqlite3_column_int(st, 1) == 2;
	sqlite3_finalize(st);
	return same;
}

TEST(a_batch_stores_what_one_by_one_stores)
{
	store *s = fixture_samples("scorewrite", 2 * N, "", NULL);
	assay_error e = {0};
	store_score_batch *b = NULL;
	CHECK_INT(store_score_batch_new(&b, &e), ASSAY_OK);
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	rows_before(s);
	for (int i = 0; i < N; i++)
		write_sample(s, b, i, i + 1);
	CHECK_INT(store_score_batch_flush(s, b, &e), ASSAY_OK);
	for (int i = 0; i < N; i++)
		write_sample(s, NULL, i, N + i + 1);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	sqlite3 *db;
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	int differ = 0;
	for (int i = 0; i < N; i++)
		if (!same_stored(db, i + 1, N + i + 1))
			printf("#   sample %d differs from its one-by-one write\n", ++differ ? i + 1 : 0);
	CHECK_INT(differ, 0);
	sqlite3_close(db);
	/* read back: the scorer there before stays, sample 31's reason went */
	store_score *v;
	size_t n;
	CHECK_INT(store_scores_get(s, 6, &v, &n, &e), ASSAY_OK);
	CHECK_INT(n, 4);
	CHECK(n == 4 && !strcmp(v[3].scorer, "other") && !strcmp(v[3].reason, "other: 5 of 9"));
	CHECK(n == 4 && !strcmp(v[1].scorer, "hedging") && !strcmp(v[1].detail, ""));
	store_scores_free(v, n);
	CHECK_INT(store_scores_get(s, 31, &v, &n, &e), ASSAY_OK);
	CHECK(n == 3 && !strcmp(v[2].scorer, "length") && !strcmp(v[2].reason, ""));
	store_scores_free(v, n);
	CHECK_INT(store_scores_get(s, 5, &v, &n, &e), ASSAY_OK);
	CHECK(n == 3 && !strcmp(v[0].reason, "gopher: 5 words, 39 characters"));
	CHECK(n == 3 && !strcmp(v[1].detail, "{\"at\":[1,2]}"));
	store_scores_free(v, n);
	store_score_batch_free(b);
	store_close(s);
}

TEST(a_dropped_batch_writes_nothing)
{
	store *s = fixture_samples("scorewrite", 3, "", NULL);
	assay_error e = {0};
	store_score_batch *b = NULL;
	CHECK_INT(store_score_batch_new(&b, &e), ASSAY_OK);
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	for (int i = 0; i < 3; i++)
		write_sample(s, b, i, i + 1);
	store_score_batch_drop(b);
	CHECK_INT(store_score_batch_flush(s, b, &e), ASSAY_OK);
	write_sample(s, b, 4, 2);
	CHECK_INT(store_score_batch_flush(s, b, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	store_score *v;
	size_t n;
	CHECK_INT(store_scores_get(s, 1, &v, &n, &e), ASSAY_OK);
	CHECK_INT(n, 0);
	store_scores_free(v, n);
	CHECK_INT(store_scores_get(s, 2, &v, &n, &e), ASSAY_OK);
	CHECK(n == 3 && !strcmp(v[2].reason, "length: 4 words, 39 characters"));
	store_scores_free(v, n);
	store_score_batch_free(b);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(a_batch_stores_what_one_by_one_stores),
	  UNIT_CASE(a_dropped_batch_writes_nothing))
