/* test_quality_pause.c — the combined score's indexes set aside for a
 * scoring pass (store_quality_pause, store_quality_repair in
 * src/store/score_bulk.c): dropped (and committed) only when most samples
 * hold no combined score, enough of them, the pass would write them and no
 * annotator holds a lease; built again exactly as the schema defines them,
 * with every row in them, by the pass's end or, after a pass that was
 * killed, by the next writer that opens the database; meanwhile the
 * combined scores are still read in order. */
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

/* More than the smallest pause (PAUSE_MIN, 20,000). */
#define N 20400

/* The indexes' definitions as the schema holds them, one per line. */
static char *index_text(store *s)
{
	return rows_text(s, "SELECT name || ':' || ifnull(sql, '') FROM sqlite_master"
			    " WHERE type = 'index' ORDER BY name");
}

static int64_t quality_indexes(store *s)
{
	return one(s, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
		      " AND name IN ('sample_quality_by_quality', 'sample_quality_by_batch')");
}

/* Combined scores for samples 1..n: id / 1000 (so 1000 of them below 1). */
static void set_quality(store *s, int64_t n)
{
	assay_error e = {0};
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	for (int64_t id = 1; id <= n; id++)
		CHECK_INT(store_quality_set(s, id, (double)id / 1000, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
}

/* Every row is in both indexes again, with its value. */
static void check_indexed(store *s, int64_t scored)
{
	CHECK_INT(one(s, "SELECT count(*) FROM sample_quality INDEXED BY sample_quality_by_quality"
			 " WHERE quality < 1"), ASSAY_MIN(scored, 999));
	CHECK_INT(one(s, "SELECT count(*) FROM sample_quality INDEXED BY sample_quality_by_quality"
			 " WHERE quality IS NULL"), N - scored);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_quality INDEXED BY sample_quality_by_batch"
			 " WHERE batch_id = 1 AND quality >= 1"), scored - ASSAY_MIN(scored, 999));
	CHECK_INT(one(s, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"),
		  1);
}

typedef struct ascending {
	double prev;
	int n;
	bool ordered;
} ascending;

static int on_quality(void *ud, int64_t id, double q)
{
	(void)id;
	ascending *a = ud;
	if (a->n > 0 && q < a->prev)
		a->ordered = false;
	a->prev = q;
	a->n++;
	return 0;
}

/* N samples without a combined score, their indexes set aside; *before
 * gets the indexes' text as they were. */
static store *paused_samples(char **before)
{
	store *s = fixture_samples("qpause", N, "", NULL);
	*before = index_text(s);
	assay_error e = {0};
	bool paused = false;
	CHECK_INT(store_quality_pause(s, N, N, &paused, &e), ASSAY_OK);
	CHECK(paused);
	return s;
}

TEST(a_pause_drops_the_indexes_and_the_repair_builds_them_as_they_were)
{
	char *before = NULL;
	store *s = paused_samples(&before);
	assay_error e = {0};
	CHECK(!store_in_tx(s)); /* committed: a chunk's rollback cannot bring them back */
	CHECK_INT(quality_indexes(s), 0);
	set_quality(s, N / 2);
	/* a reader meanwhile: the combined scores in order, without the index */
	ascending a = {.prev = -1, .ordered = true};
	CHECK_INT(store_quality_each(s, on_quality, &a, &e), ASSAY_OK);
	CHECK_INT(a.n, N / 2);
	CHECK(a.ordered);
	int64_t cache = one(s, "PRAGMA cache_size");
	CHECK_INT(store_quality_repair(s, &e), ASSAY_OK);
	CHECK_INT(quality_indexes(s), 2);
	char *after = index_text(s);
	CHECK_STR(after, before);
	check_indexed(s, N / 2);
	CHECK_INT(one(s, "PRAGMA cache_size"), cache); /* the connection's, as it was */
	/* with both there, a repair is nothing */
	CHECK_INT(store_quality_repair(s, &e), ASSAY_OK);
	CHECK_INT(quality_indexes(s), 2);
	free(before);
	free(after);
	store_close(s);
}

TEST(no_pause_for_few_first_scores_or_a_minority_or_a_lease_or_inside_a_transaction)
{
	store *s = fixture_samples("qpause", N, "", NULL);
	assay_error e = {0};
	bool paused = true;
	/* the pass writes few first scores (its scope is one small batch) */
	CHECK_INT(store_quality_pause(s, 19999, N, &paused, &e), ASSAY_OK);
	CHECK(!paused);
	/* they would be fewer than a quarter of the database's samples */
	CHECK_INT(store_quality_pause(s, N, 4 * (int64_t)N + 1, &paused, &e), ASSAY_OK);
	CHECK(!paused);
	CHECK_INT(store_quality_pause(s, N, 4 * (int64_t)N, &paused, &e), ASSAY_OK);
	CHECK(paused);
	CHECK_INT(store_quality_repair(s, &e), ASSAY_OK);
	/* inside a caller's transaction */
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	CHECK_INT(store_quality_pause(s, N, N, &paused, &e), ASSAY_OK);
	CHECK(!paused);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	/* an annotator at work: the queue keeps its order fast */
	CHECK_INT(store_exec(s, "INSERT INTO annotators (name, first_seen) VALUES ('ann', 1);"
			     "INSERT INTO leases (sample_id, annotator_id, expires_at)"
			     " VALUES (1, 1, 9000000000000000)", &e), ASSAY_OK);
	CHECK_INT(store_quality_pause(s, N, N, &paused, &e), ASSAY_OK);
	CHECK(!paused);
	CHECK_INT(store_exec(s, "UPDATE leases SET expires_at = 1", &e), ASSAY_OK);
	/* most samples hold a combined score: fewer than a quarter are new */
	set_quality(s, N - N / 5);
	CHECK_INT(store_quality_pause(s, N, N, &paused, &e), ASSAY_OK);
	CHECK(!paused);
	CHECK_INT(quality_indexes(s), 2);
	store_close(s);
}

TEST(a_pause_that_did_not_end_is_repaired_when_a_writer_opens_the_file)
{
	char *before = NULL;
	store *s = paused_samples(&before);
	assay_error e = {0};
	set_quality(s, 1000);
	store_close(s); /* as a killed pass leaves it */

	/* a reader that cannot write leaves the file as it is */
	store_options ro = {.readonly = true};
	CHECK_INT(store_open(path, &ro, &s, &e), ASSAY_OK);
	CHECK_INT(quality_indexes(s), 0);
	store_close(s);

	store_options small = {.small_cache = true};
	CHECK_INT(store_open(path, &small, &s, &e), ASSAY_OK);
	CHECK_INT(quality_indexes(s), 2);
	char *after = index_text(s);
	CHECK_STR(after, before);
	check_indexed(s, 1000);
	/* the cache the open asked for, as an open with nothing to repair has it */
	store *t = NULL;
	CHECK_INT(store_open(path, &small, &t, &e), ASSAY_OK);
	CHECK_INT(one(s, "PRAGMA cache_size"), one(t, "PRAGMA cache_size"));
	store_close(t);
	free(before);
	free(after);
	store_close(s);
}

/* A scoring run's connection keeps a small cache while the indexes are
 * set aside, and has its own again after the repair, also when another
 * writer's open built them meanwhile. */
TEST(a_paused_run_gets_its_cache_back)
{
	store *s = fixture_samples("qpause", N, "", NULL);
	assay_error e = {0};
	CHECK_INT(store_bulk_mode(s, &e), ASSAY_OK);
	int64_t own = one(s, "PRAGMA cache_size");
	bool paused = false;
	CHECK_INT(store_quality_pause(s, N, N, &paused, &e), ASSAY_OK);
	CHECK(paused);
	CHECK(one(s, "PRAGMA cache_size") > own);
	store *t = NULL;
	CHECK_INT(store_open(path, &(store_options){0}, &t, &e), ASSAY_OK);
	CHECK_INT(quality_indexes(t), 2); /* built by that open */
	store_close(t);
	CHECK_INT(store_quality_repair(s, &e), ASSAY_OK);
	CHECK_INT(one(s, "PRAGMA cache_size"), own);
	store_bulk_end(s);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(a_pause_drops_the_indexes_and_the_repair_builds_them_as_they_were),
	  UNIT_CASE(no_pause_for_few_first_scores_or_a_minority_or_a_lease_or_inside_a_transaction),
	  UNIT_CASE(a_pause_that_did_not_end_is_repaired_when_a_writer_opens_the_file),
	  UNIT_CASE(a_paused_run_gets_its_cache_back))
