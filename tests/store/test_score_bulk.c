/* test_score_bulk.c — tests for the long rewrite of learned and combined
 * scores in steps (src/store/score_bulk.c): the schema and its indexes
 * stay as they are, with every row written in them; a failed page rolls
 * back its own step only; inside a caller's transaction a step is a page;
 * another process's write gets in while the steps go on; in bulk (nobody
 * holds a lease) the indexes dropped for it come back exactly as the
 * schema defines them, with every row in them, or as they were after a
 * rollback; with a lease held, no bulk. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../../src/store/store_int.h"
#include "assay/store.h"
#include "assay/text.h"
#include "fixture.h"
#include "peek.h"
#include "unit.h"

#define N 50

/* The schema's text (every table, index and view), for comparing. */
static char *schema_text(store *s)
{
	return rows_text(s, "SELECT type || name || tbl_name || ifnull(sql, '')"
			    " FROM sqlite_master ORDER BY name");
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

/* Writes the learned and combined scores of samples lo..hi as one page. */
static int page(store *s, store_score_steps *st, int64_t lo, int64_t hi, double v)
{
	assay_error e = {0};
	int rc = store_score_step_open(s, st, &e);
	if (rc < 0)
		return rc;
	for (int64_t id = lo; id <= hi; id++)
		put(s, id, v);
	return store_score_step_close(s, st, true, &e);
}

TEST(steps_leave_the_schema_as_it_was_with_every_row_in_its_indexes)
{
	store *s = scored();
	char *before = schema_text(s);
	assay_error e = {0};
	store_score_steps st;
	CHECK_INT(store_score_steps_begin(s, &st, &e), ASSAY_OK);
	CHECK(st.on);
	for (int64_t id = 1; id <= N; id += 10)
		CHECK_INT(page(s, &st, id, id + 9, (double)id / N), ASSAY_OK);
	/* pages within a third of a second share a step, still open */
	CHECK(store_in_tx(s));
	CHECK_INT(store_score_steps_end(s, &st, true, &e), ASSAY_OK);
	CHECK(!store_in_tx(s));
	char *after = schema_text(s);
	CHECK_STR(after, before);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_scores INDEXED BY sample_scores_by_learned"
			 " WHERE learned > 0.8"), N / 5);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_scores INDEXED BY"
			 " sample_scores_by_uncertainty WHERE learned IS NOT NULL"
			 " AND abs(learned - 0.5) > 0.41"), 10);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_quality INDEXED BY sample_quality_by_quality"
			 " WHERE quality > 0.4"), N / 5);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_quality INDEXED BY sample_quality_by_batch"
			 " WHERE batch_id = 1 AND quality < 0.1"), 10);
	CHECK_INT(one(s, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"),
		  1);
	free(before);
	free(after);
	store_close(s);
}

TEST(a_failed_page_rolls_back_its_step_and_keeps_the_steps_before)
{
	store *s = scored();
	assay_error e = {0};
	store_score_steps st;
	CHECK_INT(store_score_steps_begin(s, &st, &e), ASSAY_OK);
	CHECK_INT(page(s, &st, 1, 10, 0.9), ASSAY_OK);
	/* as if a second went by: the step commits at the next page */
	st.began -= 1000 * 1000000LL;
	CHECK_INT(page(s, &st, 11, 20, 0.9), ASSAY_OK);
	CHECK(!store_in_tx(s));
	CHECK_INT(store_score_step_open(s, &st, &e), ASSAY_OK);
	for (int64_t id = 21; id <= 30; id++)
		put(s, id, 0.9);
	CHECK_INT(store_score_step_close(s, &st, false, &e), ASSAY_OK);
	CHECK(!store_in_tx(s));
	CHECK_INT(page(s, &st, 31, 40, 0.9), ASSAY_OK);
	CHECK_INT(store_score_steps_end(s, &st, false, &e), ASSAY_OK);
	CHECK(!store_in_tx(s));
	/* 1-20 committed; 21-30 rolled back with their page, 31-40 with the end */
	CHECK_INT(one(s, "SELECT count(*) FROM sample_scores WHERE learned = 0.9"), 20);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_quality INDEXED BY sample_quality_by_quality"
			 " WHERE quality = 0.45"), 20);
	CHECK_INT(one(s, "SELECT max(sample_id) FROM sample_scores WHERE learned = 0.9"), 20);
	store_close(s);
}

TEST(inside_a_callers_transaction_no_steps)
{
	store *s = scored();
	assay_error e = {0};
	store_score_steps st;
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	CHECK_INT(store_score_steps_begin(s, &st, &e), ASSAY_OK);
	CHECK(!st.on);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	store_close(s);
}

TEST(a_bulk_write_builds_the_same_indexes_again_with_every_row_in_them)
{
	store *s = scored();
	char *before = schema_text(s);
	assay_error e = {0};
	store_score_steps st;
	CHECK_INT(store_score_steps_begin(s, &st, &e), ASSAY_OK);
	CHECK_INT(page(s, &st, 1, 10, 0.3), ASSAY_OK);
	CHECK_INT(store_score_bulk_begin(s, &st, &e), ASSAY_OK);
	CHECK(st.bulk);
	CHECK_INT(one(s, "SELECT count(*) FROM sqlite_master WHERE name = 'sample_quality_by_quality'"), 0);
	/* however long it takes, the bulk transaction stays open */
	st.began -= 1000 * 1000000LL;
	for (int64_t id = 1; id <= N; id += 10)
		CHECK_INT(page(s, &st, id, id + 9, (double)id / N), ASSAY_OK);
	CHECK(store_in_tx(s));
	CHECK_INT(store_score_steps_end(s, &st, true, &e), ASSAY_OK);
	CHECK(!store_in_tx(s));
	char *after = schema_text(s);
	CHECK_STR(after, before);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_scores INDEXED BY sample_scores_by_learned"
			 " WHERE learned > 0.8"), N / 5);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_quality INDEXED BY sample_quality_by_quality"
			 " WHERE quality > 0.4"), N / 5);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_quality INDEXED BY sample_quality_by_batch"
			 " WHERE batch_id = 1 AND quality < 0.1"), 10);
	CHECK_INT(one(s, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"),
		  1);
	free(before);
	free(after);
	store_close(s);
}

/* A bulk run of n threads (ASSAY_THREADS): the index sort's threads, and
 * the connection's threads and cache as they were after it. */
static void bulk_sorted_on(const char *n, size_t want)
{
	setenv("ASSAY_THREADS", n, 1);
	store *s = scored();
	assay_error e = {0};
	store_score_steps st;
	CHECK_INT(store_score_steps_begin(s, &st, &e), ASSAY_OK);
	CHECK_INT(store_score_bulk_begin(s, &st, &e), ASSAY_OK);
	CHECK(st.bulk);
	for (int64_t id = 1; id <= N; id += 10)
		CHECK_INT(page(s, &st, id, id + 9, (double)id / N), ASSAY_OK);
	CHECK_INT(store_score_steps_end(s, &st, true, &e), ASSAY_OK);
	CHECK_INT((int64_t)st.sort_threads, (int64_t)want);
	CHECK_INT(one(s, "PRAGMA threads"), 0);
	CHECK_INT(one(s, "PRAGMA cache_size"), -40000);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_quality INDEXED BY sample_quality_by_quality"
			 " WHERE quality > 0.4"), N / 5);
	store_close(s);
	unsetenv("ASSAY_THREADS");
}

TEST(a_bulk_write_sorts_its_indexes_on_two_threads_when_there_are_two)
{
	bulk_sorted_on("2", 2);
	bulk_sorted_on("8", 2);
	bulk_sorted_on("1", 0);
}

TEST(a_bulk_write_rolled_back_leaves_rows_and_indexes_as_they_were)
{
	store *s = scored();
	char *before = schema_text(s);
	assay_error e = {0};
	store_score_steps st;
	CHECK_INT(store_score_steps_begin(s, &st, &e), ASSAY_OK);
	CHECK_INT(store_score_bulk_begin(s, &st, &e), ASSAY_OK);
	CHECK(st.bulk);
	for (int64_t id = 1; id <= N; id += 10)
		CHECK_INT(page(s, &st, id, id + 9, 0.0), ASSAY_OK);
	CHECK_INT(store_score_steps_end(s, &st, false, &e), ASSAY_OK);
	CHECK(!store_in_tx(s));
	char *after = schema_text(s);
	CHECK_STR(after, before);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_scores INDEXED BY sample_scores_by_learned"
			 " WHERE learned = 0.5"), N);
	CHECK_INT(one(s, "SELECT count(*) FROM sample_quality INDEXED BY sample_quality_by_quality"
			 " WHERE quality = 0.25"), N);
	free(before);
	free(after);
	store_close(s);
}

TEST(no_bulk_while_an_annotator_holds_a_lease)
{
	store *s = scored();
	assay_error e = {0};
	CHECK_INT(store_exec(s, "INSERT INTO annotators (name, first_seen) VALUES ('ann', 1);"
			     "INSERT INTO leases (sample_id, annotator_id, expires_at)"
			     " VALUES (1, 1, 9000000000000000)", &e), ASSAY_OK);
	store_score_steps st;
	CHECK_INT(store_score_steps_begin(s, &st, &e), ASSAY_OK);
	CHECK_INT(store_score_bulk_begin(s, &st, &e), ASSAY_OK);
	CHECK(!st.bulk);
	CHECK(!store_in_tx(s));
	CHECK_INT(page(s, &st, 1, 10, 0.9), ASSAY_OK);
	CHECK_INT(one(s, "SELECT count(*) FROM sqlite_master WHERE name = 'sample_quality_by_quality'"), 1);
	CHECK_INT(store_score_steps_end(s, &st, true, &e), ASSAY_OK);
	/* an expired lease is nobody's */
	CHECK_INT(store_exec(s, "UPDATE leases SET expires_at = 1", &e), ASSAY_OK);
	CHECK_INT(store_score_steps_begin(s, &st, &e), ASSAY_OK);
	CHECK_INT(store_score_bulk_begin(s, &st, &e), ASSAY_OK);
	CHECK(st.bulk);
	CHECK_INT(store_score_steps_end(s, &st, true, &e), ASSAY_OK);
	store_close(s);
}

/* The child's part: steps over every sample, again and again, until the
 * parent closes its end of the pipe (or 20 s went by); exits 0 when each
 * page was written. */
static void rewrite_until_told(int ready, int stop)
{
	store *s = NULL;
	assay_error e = {0};
	if (store_open(path, NULL, &s, &e) < 0)
		_exit(2);
	store_score_steps st;
	if (store_score_steps_begin(s, &st, &e) < 0)
		_exit(3);
	int64_t until = assay_mono_ns() + 20 * 1000000000LL;
	bool told = false;
	for (int round = 0; assay_mono_ns() < until; round++) {
		for (int64_t id = 1; id <= N; id += 10)
			if (page(s, &st, id, id + 9, (double)(round % 7) / 8) < 0)
				_exit(4);
		if (!told && write(ready, "x", 1) == 1)
			told = true; /* a step is open: the lock is held */
		char c;
		if (read(stop, &c, 1) == 0)
			break;
	}
	_exit(store_score_steps_end(s, &st, true, &e) == 0 ? 0 : 5);
}

TEST(another_process_writes_while_the_steps_go_on)
{
	store *s = scored();
	store_close(s);
	int ready[2], stop[2];
	CHECK_INT(pipe(ready), 0);
	CHECK_INT(pipe(stop), 0);
	fcntl(stop[0], F_SETFL, O_NONBLOCK);
	pid_t pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(stop[1]);
		rewrite_until_told(ready[1], stop[0]);
	}
	close(ready[1]);
	close(stop[0]);
	char c;
	CHECK_INT((int)read(ready[0], &c, 1), 1);
	/* a decision's transaction: it may wait 3 s, while the rewrite holds
	 * the lock in steps for up to 20 */
	store *t = NULL;
	assay_error e = {0};
	store_options o = {.busy_timeout_ms = 3000};
	CHECK_INT(store_open(path, &o, &t, &e), ASSAY_OK);
	int rc = store_begin(t, &e);
	CHECK_INT(rc, ASSAY_OK);
	if (rc == 0) {
		CHECK_INT(store_quality_set(t, 1, 0.75, &e), ASSAY_OK);
		CHECK_INT(store_commit(t, &e), ASSAY_OK);
	}
	close(stop[1]);
	int status = 0;
	CHECK_INT((int)waitpid(pid, &status, 0), (int)pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(ready[0]);
	CHECK_INT(one(t, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"),
		  1);
	store_close(t);
}

UNIT_MAIN(UNIT_CASE(steps_leave_the_schema_as_it_was_with_every_row_in_its_indexes),
	  UNIT_CASE(a_failed_page_rolls_back_its_step_and_keeps_the_steps_before),
	  UNIT_CASE(inside_a_callers_transaction_no_steps),
	  UNIT_CASE(another_process_writes_while_the_steps_go_on),
	  UNIT_CASE(a_bulk_write_builds_the_same_indexes_again_with_every_row_in_them),
	  UNIT_CASE(a_bulk_write_sorts_its_indexes_on_two_threads_when_there_are_two),
	  UNIT_CASE(a_bulk_write_rolled_back_leaves_rows_and_indexes_as_they_were),
	  UNIT_CASE(no_bulk_while_an_annotator_holds_a_lease))
