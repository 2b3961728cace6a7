/* test_quality.c — tests for the combined score's narrow table
 * (src/store/quality.c, schema.c's step "sample_quality"): every sample
 * has its row, a score rewrites that row alone, and every query of the
 * quality order, the calibration and the rescore reads it through an
 * index, never a scan (SQLite's query plans, not time). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "../../src/store/store_int.h"
#include "assay/store.h"
#include "assay/text.h"
#include "fixture.h"
#include "peek.h"
#include "unit.h"

static void quality(store *s, int64_t id, double q)
{
	assay_error e = {0};
	CHECK_INT(store_quality_set(s, id, q, &e), ASSAY_OK);
}

TEST(every_sample_has_its_row_and_a_score_writes_only_that_row)
{
	int64_t batch = 0;
	store *s = fixture_samples("quality", 5, "", &batch);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_quality"), 5);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_quality WHERE quality IS NULL"), 5);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_quality q JOIN samples s"
			 " ON s.id = q.sample_id AND s.batch_id = q.batch_id"),
		  5);
	/* a new database has no column of combined scores in the wide row */
	CHECK_INT(one(s, "SELECT count(*) FROM pragma_table_info('samples') WHERE name = 'quality'"),
		  0);
	CHECK_INT(one(s, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'samples_by_%quality'"),
		  0);
	quality(s, 2, 0.25);
	quality(s, 4, 0.75);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_quality WHERE quality IS NOT NULL"), 2);
	CHECK_INT(one(s, "SELECT quality * 100 FROM sample_quality WHERE sample_id = 4"), 75);
	store_sample x = {0};
	assay_error e = {0};
	CHECK_INT(store_sample_get(s, 2, &x, &e), ASSAY_OK);
	CHECK(x.quality == 0.25);
	store_sample_free(&x);
	CHECK_INT(store_sample_get(s, 3, &x, &e), ASSAY_OK);
	CHECK(isnan(x.quality));
	store_sample_free(&x);
	/* a new sample gets its row, with no score yet */
	store_new_sample ns = {.batch_id = batch, .ext_id = "new", .line = 9, .text_field = "text",
			       .text = "a new sample", .text_len = 12, .record = "{}",
			       .record_len = 2, .hash = text_normalized_hash("a new sample", 12, NULL)};
	int outcome = 0;
	int64_t id = 0;
	CHECK_INT(store_sample_insert(s, &ns, &outcome, &id, &e), ASSAY_OK);
	CHECK_INT(outcome, STORE_INSERTED);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_quality WHERE sample_id = 6 AND quality IS NULL"),
		  1);
	/* a duplicate adds no row */
	ns.ext_id = "again";
	CHECK_INT(store_sample_insert(s, &ns, &outcome, &id, &e), ASSAY_OK);
	CHECK(outcome != STORE_INSERTED);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_quality"), 6);
	store_close(s);
}

/* Whether the plan of sql reads any table but by a key or an index: each
 * line of EXPLAIN QUERY PLAN is a SEARCH, or a SCAN along an index (the
 * walk of an order), never a SCAN of a table. */
static bool indexed(store *s, const char *sql, char *why, size_t n)
{
	char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
	sqlite3_stmt *st = NULL;
	bool ok = q && sqlite3_prepare_v2(s->db, q, -1, &st, NULL) == SQLITE_OK;
	sqlite3_free(q);
	while (ok && sqlite3_step(st) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 3);
		if (getenv("QUALITY_PLANS"))
			fprintf(stderr, "    %s\n", d ? d : "");
		/* a subquery's rows (a UNION's, "o") are its own, not a table's */
		if (d && strncmp(d, "SCAN ", 5) == 0 && !strstr(d, "INDEX") && strcmp(d, "SCAN o") != 0) {
			snprintf(why, n, "%s", d);
			ok = false;
		}
	}
	sqlite3_finalize(st);
	return ok;
}

/* Every statement the connection prepared that reads the narrow table. */
static int check_plans(store *s, int *seen)
{
	int bad = 0;
	sqlite3_stmt *st = NULL;
	while ((st = sqlite3_next_stmt(s->db, st))) {
		const char *sql = sqlite3_sql(st);
		/* the schema's own table (whether the indexes are there) is
		 * always scanned: a few rows */
		if (!sql || !strstr(sql, "sample_quality") || strncmp(sql, "SELECT", 6) != 0 ||
		    strstr(sql, "FROM sqlite_master"))
			continue;
		char why[256] = "";
		(*seen)++;
		if (!indexed(s, sql, why, sizeof why)) {
			fprintf(stderr, "  a scan (%s) in: %s\n", why, sql);
			bad++;
		}
	}
	return bad;
}

typedef struct ascending {
	double prev;
	int n;
	bool ordered;
} ascending;

static int on_quality(void *ud, int64_t id, double q)
{
	ascending *a = ud;
	if ((a->n > 0 && q < a->prev) || id % 3 == 0)
		a->ordered = false;
	a->prev = q;
	a->n++;
	return 0;
}

TEST(the_quality_order_and_the_score_reads_walk_indexes_never_scan)
{
	int64_t batch = 0;
	store *s = fixture_samples("quality", 300, " text", &batch);
	/* ANALYZE'd as a large database is, so the planner's choice is real */
	assay_error e = {0};
	for (int64_t id = 1; id <= 300; id++)
		if (id % 3)
			quality(s, id, (double)(id * 7 % 100) / 100.0);
	CHECK_INT(store_exec(s, "ANALYZE", &e), ASSAY_OK);
	int64_t ann = 0;
	CHECK_INT(store_annotator_ensure(s, "ann", &ann, &e), ASSAY_OK);
	int64_t last = -1;
	for (int batch_only = 0; batch_only < 2; batch_only++) {
		store_queue q = {.annotator_id = ann, .order = STORE_ORDER_QUALITY, .overlap = 1,
				 .batch_id = batch_only ? batch : 0};
		store_cursor c = {0};
		/* the unscored first (by id), then by quality ascending */
		int64_t id = 0, first = 0;
		for (int i = 0; i < 150; i++) {
			CHECK_INT(store_queue_next(s, &q, &c, &id, &e), ASSAY_OK);
			if (i == 0)
				first = id;
			if (i == 100)
				last = id;
		}
		CHECK_INT(first, 3);
		CHECK(last > 0 && last % 3 != 0);
	}
	bool yes = false;
	CHECK_INT(store_has_quality(s, &yes, &e), ASSAY_OK);
	CHECK(yes);
	int64_t ids[8];
	size_t n = 0;
	CHECK_INT(store_quality_missing(s, 0, ids, 8, &n, &e), ASSAY_OK);
	CHECK_INT(n, 0); /* no scores of scorers here: none to combine */
	ascending a = {.prev = -1, .ordered = true};
	CHECK_INT(store_quality_each(s, on_quality, &a, &e), ASSAY_OK);
	CHECK_INT(a.n, 200);
	CHECK(a.ordered);
	int seen = 0;
	CHECK_INT(check_plans(s, &seen), 0);
	CHECK(seen >= 3);
	store_close(s);
}

/* A version 4 file that cannot be written is read through a copy of its
 * combined scores in the connection's temporary schema. */
TEST(a_database_before_the_table_is_read_through_a_temporary_copy)
{
	store *s = fixture_samples("quality", 6, "", NULL);
	assay_error e = {0};
	quality(s, 2, 0.5);
	quality(s, 5, 0.25);
	/* back to version 4's layout: the scores in samples.quality */
	CHECK_INT(store_exec(s, "ALTER TABLE samples ADD COLUMN quality REAL;"
				"UPDATE samples SET quality = (SELECT q.quality FROM sample_quality q"
				"  WHERE q.sample_id = samples.id);"
				"DROP TABLE sample_quality;",
			     &e),
		  ASSAY_OK);
	CHECK_INT(store_quality_temp(s, &e), ASSAY_OK);
	CHECK_INT(one(s, "SELECT count(*) FROM temp.sample_quality"), 6);
	int64_t ann = 0, id = 0;
	CHECK_INT(store_annotator_ensure(s, "ann", &ann, &e), ASSAY_OK);
	store_queue q = {.annotator_id = ann, .order = STORE_ORDER_QUALITY, .overlap = 1};
	store_cursor c = {0};
	int64_t want[] = {1, 3, 4, 6, 5, 2};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		CHECK_INT(store_queue_next(s, &q, &c, &id, &e), ASSAY_OK);
		CHECK_INT(id, want[i]);
	}
	/* a database with the table has no copy made */
	store_close(s);
	s = fixture_samples("quality", 2, "", NULL);
	CHECK_INT(store_quality_temp(s, &e), ASSAY_OK);
	CHECK_INT(one(s, "SELECT count(*) FROM temp.sqlite_master"), 0);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(a_database_before_the_table_is_read_through_a_temporary_copy),
	  UNIT_CASE(every_sample_has_its_row_and_a_score_writes_only_that_row),
	  UNIT_CASE(the_quality_order_and_the_score_reads_walk_indexes_never_scan))
