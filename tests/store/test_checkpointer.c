/* test_checkpointer.c — in bulk mode the write-ahead log is folded into the
 * database by a thread of its own (woken by the writer's commits at the
 * threshold), the log stays bounded through a long write (the writer folds
 * it itself far beyond the threshold), a reader's snapshot holds through
 * it, and the thread ends with the bulk write or the store. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "assay/store.h"
#include "fixture.h"
#include "unit.h"

#define EVERY 200 /* frames that wake the thread in these tests */

static long long wal_size(void)
{
	char wal[96];
	snprintf(wal, sizeof wal, "%s-wal", path);
	return fixture_file_size(wal);
}

/* Waits (not a timing: up to a minute on a busy machine) for the thread's
 * first checkpoint. */
static void wait_for_thread(store *s, store_ckpt_stats *st)
{
	for (int i = 0; i < 6000; i++) {
		store_bulk_stats(s, st);
		if (st->thread_runs > 0)
			return;
		nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
	}
}

static void the_thread_folds_the_log_the_writer_does_not(void)
{
	int64_t batch = 0;
	store *s = fixture_samples("ckpt", 1, "", &batch);
	assay_error e = {0};
	store_bulk_checkpoint_every(s, EVERY);
	CHECK_INT(store_bulk_mode(s, &e), ASSAY_OK);
	long long before = fixture_file_size(path);
	/* ~240 pages in one commit: past the threshold, short of 4x */
	fixture_write_pages(s, batch, 10, 120, 1000);
	store_ckpt_stats st = {0};
	wait_for_thread(s, &st);
	CHECK(st.thread_runs > 0);
	CHECK(st.thread_frames >= EVERY);
	CHECK_INT(st.writer_runs, 0);
	CHECK(st.max_log >= EVERY && st.max_log < 4 * EVERY);
	CHECK(fixture_file_size(path) > before + 100LL * 8000); /* the pages are in the database */
	store_bulk_end(s);
	store_bulk_stats(s, &st);
	CHECK_INT(st.writer_runs, 1); /* the last fold, at the end */
	store_close(s);
}

static void a_long_write_keeps_the_log_bounded(void)
{
	int64_t batch = 0;
	store *s = fixture_samples("ckpt", 1, "", &batch);
	assay_error e = {0};
	store_bulk_checkpoint_every(s, EVERY);
	CHECK_INT(store_bulk_mode(s, &e), ASSAY_OK);
	CHECK_INT(store_bulk_mode(s, &e), ASSAY_OK); /* the running thread kept */
	/* ~4,800 pages, 40 a commit: 24 times the threshold */
	fixture_write_pages(s, batch, 10, 2400, 20);
	store_ckpt_stats st = {0};
	store_bulk_stats(s, &st);
	CHECK(st.thread_runs + st.writer_runs > 1);
	CHECK(st.thread_frames + st.writer_frames > 2000);
	CHECK(st.max_log < 8 * EVERY);
	CHECK(wal_size() < 8LL * EVERY * 4200);
	store_bulk_end(s);
	CHECK(fixture_file_size(path) > 2000LL * 8000);
	store_close(s);
}

/* A reader's snapshot pins the log: the writer goes on (passive
 * checkpoints wait for no one), the reader reads what it saw, and once it
 * ends the log is folded. */
static void a_reader_during_the_bulk_write(void)
{
	int64_t batch = 0;
	store *s = fixture_samples("ckpt", 1, "", &batch);
	assay_error e = {0};
	sqlite3 *r = NULL;
	CHECK_INT(sqlite3_open_v2(path, &r, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *q = NULL;
	CHECK_INT(sqlite3_exec(r, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(r, "SELECT count(*) FROM samples", -1, &q, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(q), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(q, 0), 1);
	sqlite3_reset(q);
	store_bulk_checkpoint_every(s, EVERY);
	CHECK_INT(store_bulk_mode(s, &e), ASSAY_OK);
	fixture_write_pages(s, batch, 10, 1200, 20);
	CHECK_INT(sqlite3_step(q), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(q, 0), 1); /* its snapshot */
	sqlite3_reset(q);
	CHECK_INT(sqlite3_exec(r, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(q), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(q, 0), 1201);
	sqlite3_finalize(q);
	sqlite3_close(r);
	store_bulk_end(s);
	store_ckpt_stats st = {0};
	store_bulk_stats(s, &st);
	CHECK(st.thread_frames + st.writer_frames >= 2400);
	store_close(s);
}

/* Closing the store mid-write ends the thread (no thread, connection or
 * memory left: the sanitizer build's leak check). */
static void close_ends_the_thread(void)
{
	int64_t batch = 0;
	store *s = fixture_samples("ckpt", 1, "", &batch);
	assay_error e = {0};
	store_bulk_checkpoint_every(s, EVERY);
	CHECK_INT(store_bulk_mode(s, &e), ASSAY_OK);
	fixture_write_pages(s, batch, 10, 300, 20);
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	CHECK(fixture_add_sample(s, batch, 5000, "not committed") > 0);
	store_close(s); /* rolled back, the thread joined */
	CHECK_INT(store_open(path, NULL, &s, &e), ASSAY_OK);
	store_ckpt_stats st = {0};
	store_bulk_stats(s, &st);
	CHECK_INT(st.thread_runs + st.writer_runs, 0); /* a new store's counts */
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(the_thread_folds_the_log_the_writer_does_not),
	  UNIT_CASE(a_long_write_keeps_the_log_bounded), UNIT_CASE(a_reader_during_the_bulk_write),
	  UNIT_CASE(close_ends_the_thread))
