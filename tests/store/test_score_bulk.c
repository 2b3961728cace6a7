/* test_score_bulk.c — tests for the bulk rewrite of learned and combined
 * scores (src/store/score_bulk.c): the indexes dropped for it come back
 * exactly as the schema defines them, with every row written in the
 * transaction in them; a rollback leaves rows and indexes as they were;
 * inside a caller's transaction no bulk is begun. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "../../src/store/store_int.h"
#include "assay/store.h"
#include "assay/text.h"
#include "fixture.h"
#include "unit.h"

#define N 50

/* The schema's text (every table, index and view), for comparing. */
static char *schema_text(store *s)
{
	sqlite3_stmt *st = NULL;
	size_t len = 0;
	char *out = calloc(1, 1);
	if (sqlite3_prepare_v2(s->db, "SELECT type || name || tbl_name || ifnull(sql, '')"
				      " FROM sqlite_master ORDER BY name", -1, &st, NULL) != SQLITE_OK)
		return out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		size_t n = strlen(t);
		out = realloc(out, len + n + 2);
		memcpy(out + len, t, n);
		len += n;
		out[len++] = '\n';
		out[len] = '\0';
	}
	sqlite3_finalize(st);
	return out;
}

/* One integer from a query. */
static int64_t one(store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Learned score and combined score of sample id, as a new model writes them. */
static void put(store *s, int64_t id, double v)
{
	assay_error e = {0};
	store_score_row r = {.sample_id = id, .scorer = "learned", .version = "m1", .value = v,
			     .flagged = v < 0.5, .reason = "learned: why", .detail = "{}"};
	CHECK_INT(store_score_put(s, &r, &e), ASSAY_OK);
	CHECK_INT(store_quality_set(s, id, v / 2, &e), ASSAY_OK);
}

/* A database of N samples with learned scores 0.5 and combined scores 0.25. */
static store *scored(void)
{
	store *s = fixture_samples("bulk", N, "", NULL);
	assay_error e = {0};
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	for (int64_t id = 1; id <= N; id++)
		put(s, id, 0.5);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	return s;
}

TEST(a_bulk_write_builds_the_same_indexes_again_with_every_row_in_them)
{
	store *s = scored();
	char *before = schema_text(s);
	assay_error e = {0};
	bool bulk = false;
	CHECK_INT(store_score_bulk_begin(s, &bulk, &e), ASSAY_OK);
	CHECK(bulk);
	CHECK_INT(one(s, "SELECT count(*) FROM sqlite_master WHERE name = 'samples_by_quality'"), 0);
	for (int64_t id = 1; id <= N; id++)
		put(s, id, (double)id / N);
	CHECK_INT(store_score_bulk_end(s, true, &e), ASSAY_OK);
	CHECK(!store_in_tx(s));
	char *after = schema_text(s);
	CHECK_STR(after, before);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_scores INDEXED BY sample_scores_by_learned"
			 " WHERE learned > 0.9"), N / 10);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_scores INDEXED BY"
			 " sample_scores_by_uncertainty WHERE learned IS NOT NULL"
			 " AND abs(learned - 0.5) > 0.41"), 9);
	CHECK_INT(one(s, "SELECT count(*) FROM samples INDEXED BY samples_by_quality"
			 " WHERE quality > 0.45"), N / 10);
	CHECK_INT(one(s, "SELECT count(*) FROM samples INDEXED BY samples_by_batch_quality"
			 " WHERE batch_id = 1 AND quality < 0.05"), 4);
	CHECK_INT(one(s, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"),
		  1);
	free(before);
	free(after);
	store_close(s);
}

TEST(a_bulk_write_rolled_back_leaves_rows_and_indexes_as_they_were)
{
	store *s = scored();
	char *before = schema_text(s);
	assay_error e = {0};
	bool bulk = false;
	CHECK_INT(store_score_bulk_begin(s, &bulk, &e), ASSAY_OK);
	CHECK(bulk);
	for (int64_t id = 1; id <= N; id++)
		put(s, id, 0.0);
	CHECK_INT(store_score_bulk_end(s, false, &e), ASSAY_OK);
	CHECK(!store_in_tx(s));
	char *after = schema_text(s);
	CHECK_STR(after, before);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_scores INDEXED BY sample_scores_by_learned"
			 " WHERE learned = 0.5"), N);
	CHECK_INT(one(s, "SELECT count(*) FROM samples INDEXED BY samples_by_quality"
			 " WHERE quality = 0.25"), N);
	free(before);
	free(after);
	store_close(s);
}

TEST(no_bulk_write_inside_a_callers_transaction)
{
	store *s = scored();
	assay_error e = {0};
	bool bulk = true;
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	CHECK_INT(store_score_bulk_begin(s, &bulk, &e), ASSAY_OK);
	CHECK(!bulk);
	CHECK_INT(one(s, "SELECT count(*) FROM sqlite_master WHERE name = 'samples_by_quality'"), 1);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(a_bulk_write_builds_the_same_indexes_again_with_every_row_in_them),
	  UNIT_CASE(a_bulk_write_rolled_back_leaves_rows_and_indexes_as_they_were),
	  UNIT_CASE(no_bulk_write_inside_a_callers_transaction))
