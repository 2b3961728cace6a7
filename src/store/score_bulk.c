/* score_bulk.c — a long rewrite of the learned and combined scores (a new
 * model rescoring every sample), in one of two ways. While an annotator
 * holds a lease (a review screen is open), in steps: transactions of a
 * third of a second, each followed by a pause in which another writer
 * (the annotator's decision) takes the write lock; the indexes stay live.
 * While nobody does, in bulk: one transaction in which the four indexes
 * those values feed are dropped, the rows written in key order and the
 * indexes built again at the end (each row written through a live index
 * costs a delete and an insert at random places in it, and each step
 * writes most of the index pages again; an index built after the rows is
 * one sort). Either way a sample's scores and its combined score are
 * written together: a kill leaves each sample with its old scores or its
 * new ones, and a run again finishes the rest (a score that did not
 * change is not written twice). */
#include "store_int.h"

#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* The definitions are schema.c's (sample_quality) and score_relayout.c's
 * (sample_scores), word for word: tests/store/test_score_bulk.c compares
 * the schema text before and after a bulk write. Building the combined
 * score's two reads its narrow table, not the samples. */
static const char sql_drop[] =
	"DROP INDEX sample_quality_by_quality;"
	"DROP INDEX sample_quality_by_batch;"
	"DROP INDEX sample_scores_by_learned;"
	"DROP INDEX sample_scores_by_uncertainty;";
static const char sql_build[] =
	SQL_QUALITY_INDEXES
	"CREATE INDEX sample_scores_by_learned ON sample_scores(learned, sample_id)"
	"  WHERE learned IS NOT NULL;"
	"CREATE INDEX sample_scores_by_uncertainty ON sample_scores(abs(learned - 0.5), sample_id)"
	"  WHERE learned IS NOT NULL;";
/* Whether an annotator holds a lease that has not expired. */
static const char sql_leased[] = "SELECT EXISTS (SELECT 1 FROM leases WHERE expires_at > ?1)";
/* The rows are visited in key order: a cache of this size holds the
 * pages being filled, the sorter's runs when the indexes are built, and
 * the live indexes between steps. */
static const char sql_cache_big[] = "PRAGMA cache_size = -131072";
static const char sql_cache_back[] = "PRAGMA cache_size = -40000";
/* While the indexes are built: the sorter's runs (as large as the cache)
 * are sorted and merged on worker threads while this one reads the table
 * on, when they are this small; one run as large as the big cache would be
 * sorted on this thread alone after the whole scan. */
static const char sql_sort_cache[] = "PRAGMA cache_size = -16384";
/* While the quality indexes are set aside a pass writes in id order
 * (scores, notes, near-duplicate rows and blocks; the stored rows a new
 * sample joins are few), and its reads (the samples, the stored band
 * blocks, the candidates' signatures in id order) pass once through: a
 * small cache does (the same time, 24 MiB less resident at 1M). */
static const char sql_paused_cache[] = "PRAGMA cache_size = -8000";

/* How long a step holds the write lock, and the pause after it: longer
 * than a waiting writer's poll (store_busy_poll) so that it gets in. */
#define STEP_NS (300 * 1000000LL)
#define GAP_NS (40 * 1000000LL)

int store_score_steps_begin(store *s, store_score_steps *st, assay_error *err)
{
	*st = (store_score_steps){0};
	if (s->pg || s->in_tx)
		return ASSAY_OK; /* PostgreSQL, or inside a caller's transaction: page by page */
	int rc = store_exec(s, sql_cache_big, err);
	st->on = rc == 0;
	return rc;
}

/* Whether an annotator holds a lease now (outside any transaction). */
static int leased(store *s, bool *yes, assay_error *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_leased, err);
	if (!q)
		return err->code;
	sqlite3_bind_int64(q, 1, assay_now_ms());
	int rc = sqlite3_step(q);
	*yes = rc == SQLITE_ROW && sqlite3_column_int(q, 0);
	rc = rc == SQLITE_ROW ? ASSAY_OK : store_sqlerr(s, rc, err, "reading the leases");
	sqlite3_reset(q);
	return rc;
}

int store_score_bulk_begin(store *s, store_score_steps *st, assay_error *err)
{
	if (!st->on || st->bulk)
		return ASSAY_OK;
	int rc = s->in_tx ? store_commit(s, err) : ASSAY_OK;
	bool busy = true;
	if (rc == 0)
		rc = leased(s, &busy, err);
	if (rc < 0 || busy)
		return rc; /* an annotator is at work: steps go on */
	if ((rc = store_begin(s, err)) == 0 && (rc = store_exec(s, sql_drop, err)) < 0)
		store_rollback(s);
	st->bulk = rc == 0;
	return rc;
}

/* Sleeps until ns on the monotonic clock. */
static void sleep_until(int64_t ns)
{
	int64_t now = assay_mono_ns();
	if (ns <= now)
		return;
	struct timespec ts = {(time_t)((ns - now) / 1000000000LL), (long)((ns - now) % 1000000000LL)};
	nanosleep(&ts, NULL);
}

int store_score_step_open(store *s, store_score_steps *st, assay_error *err)
{
	if (!st->on)
		return store_begin(s, err);
	if (s->in_tx)
		return ASSAY_OK; /* the step (or the bulk transaction) open goes on */
	/* the pause since the last step: whoever waited for the lock has it now */
	if (st->ended)
		sleep_until(st->ended + GAP_NS);
	int rc = store_begin(s, err);
	st->began = assay_mono_ns();
	st->steps += rc == 0;
	return rc;
}

int store_score_step_close(store *s, store_score_steps *st, bool ok, assay_error *err)
{
	if (!ok) {
		/* this step's samples keep their old scores (in bulk: every sample,
		 * and the indexes come back with the rollback) */
		store_rollback(s);
		st->ended = assay_mono_ns();
		st->bulk = false;
		return ASSAY_OK;
	}
	if (st->bulk || (st->on && s->in_tx && assay_mono_ns() - st->began < STEP_NS))
		return ASSAY_OK; /* the step goes on with the next page */
	int rc = s->in_tx ? store_commit(s, err) : ASSAY_OK;
	if (rc < 0)
		store_rollback(s);
	st->ended = assay_mono_ns();
	return rc;
}

/* Dropped indexes built again by sql, the sort on both cores when there
 * are two; *sort_threads gets how many sorted (0: this one alone). With
 * sort_cache the cache is set to the sort's size (the caller sets it back:
 * no SQL is made at run time to restore a size read). */
static int build_indexes(store *s, const char *sql, bool sort_cache, size_t *sort_threads,
			 assay_error *err)
{
	size_t threads = ASSAY_MIN(assay_workers(), (size_t)2);
	int rc = sort_cache ? store_exec(s, sql_sort_cache, err) : ASSAY_OK;
	/* PRAGMA threads, set through the API (no SQL text made at run time) */
	int was = sqlite3_limit(s->db, SQLITE_LIMIT_WORKER_THREADS, threads > 1 ? (int)threads : 0);
	*sort_threads = rc == 0 && threads > 1 &&
				sqlite3_limit(s->db, SQLITE_LIMIT_WORKER_THREADS, -1) == (int)threads
			    ? threads
			    : 0;
	if (rc == 0)
		rc = store_exec(s, sql, err);
	sqlite3_limit(s->db, SQLITE_LIMIT_WORKER_THREADS, was);
	return rc;
}

int store_score_steps_end(store *s, store_score_steps *st, bool keep, assay_error *err)
{
	int rc = ASSAY_OK;
	if (st->on && s->in_tx) {
		if (keep && st->bulk)
			rc = build_indexes(s, sql_build, true, &st->sort_threads, err);
		if (keep && rc == 0 && (rc = store_commit(s, err)) == 0)
			st->ended = assay_mono_ns();
		else
			store_rollback(s);
	}
	st->bulk = false;
	if (st->on) {
		assay_error ignored = {0};
		store_exec(s, sql_cache_back, &ignored);
	}
	st->on = false;
	return rc;
}

/* ---- the combined score's indexes set aside for a scoring pass ---------------- */

/* A pass that writes the first combined score of most samples writes each
 * through both indexes of sample_quality (a delete and an insert at random
 * places in each), and each chunk's commit writes nearly every page of
 * them again; built after the pass they are one sort. They are dropped in
 * a transaction of their own (a chunk committed later cannot take them
 * back) and built again when the pass ends; a pass killed before leaves
 * them to the next writer that opens the database (store_quality_repair,
 * from db.c's migrate). */
/* Through the quality index: the samples without a combined score only. */
static const char sql_quality_unscored[] =
	"SELECT count(*) FROM sample_quality WHERE quality IS NULL";
static const char sql_quality_drop[] = "DROP INDEX IF EXISTS sample_quality_by_quality;"
				       "DROP INDEX IF EXISTS sample_quality_by_batch;";
/* The schema's text (SQLite keeps it without IF NOT EXISTS): the schema
 * reads the same after a pause. */
static const char sql_quality_build[] = SQL_QUALITY_INDEXES_AS("IF NOT EXISTS ");
static const char sql_quality_present[] =
	"SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	" AND name IN ('sample_quality_by_quality', 'sample_quality_by_batch')";

/* Below this many first scores the indexes stay: rebuilding them would
 * cost more than it saves. */
#define PAUSE_MIN 20000

int store_quality_pause(store *s, int64_t at_most, int64_t rows, bool *paused, assay_error *err)
{
	*paused = false;
	if (s->pg || s->in_tx || s->readonly || at_most < PAUSE_MIN)
		return ASSAY_OK; /* (a small pass does not count) */
	sqlite3_stmt *q = store_stmt(s, sql_quality_unscored, err);
	if (!q)
		return err->code;
	int rc = sqlite3_step(q);
	int64_t unscored = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	rc = rc == SQLITE_ROW ? ASSAY_OK : store_sqlerr(s, rc, err, "counting unscored samples");
	sqlite3_reset(q);
	unscored = ASSAY_MIN(unscored, at_most);
	/* rebuilding costs about a quarter of writing through them */
	if (rc < 0 || unscored < PAUSE_MIN || unscored * 4 < rows)
		return rc;
	bool busy = true;
	if ((rc = leased(s, &busy, err)) < 0 || busy)
		return rc; /* an annotator's queue keeps its order fast */
	if ((rc = store_begin(s, err)) == 0 && (rc = store_exec(s, sql_quality_drop, err)) == 0)
		rc = store_commit(s, err);
	if (rc < 0)
		store_rollback(s);
	*paused = rc == 0;
	if (rc == 0 && s->ckpt) /* a scoring run's: sql_cache_back's again at the repair */
		rc = store_exec(s, sql_paused_cache, err);
	return rc;
}

static int repair(store *s, assay_error *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_quality_present, err);
	if (!q)
		return err->code;
	int rc = sqlite3_step(q);
	bool whole = rc == SQLITE_ROW && sqlite3_column_int(q, 0) == 2;
	rc = rc == SQLITE_ROW ? ASSAY_OK : store_sqlerr(s, rc, err, "reading the schema");
	sqlite3_reset(q);
	if (rc < 0 || whole)
		return rc;
	bool own = !s->in_tx;
	if (own && (rc = store_begin(s, err)) < 0)
		return rc;
	/* a scoring run's connection (bulk mode, its cache sql_cache_back's
	 * size) sorts in the sort's cache; another (a repair at an open) keeps
	 * the cache it asked for (a review's small one) */
	size_t threads;
	rc = build_indexes(s, sql_quality_build, s->ckpt != NULL, &threads, err);
	if (own && rc == 0)
		rc = store_commit(s, err);
	if (own && rc < 0)
		store_rollback(s);
	return rc < 0 ? assay_error_prefix(err, "building the combined score's indexes") : rc;
}

int store_quality_repair(store *s, assay_error *err)
{
	if (s->pg || s->readonly)
		return ASSAY_OK;
	int rc = repair(s, err);
	/* a scoring run's connection: its own cache again (the pause's small
	 * one or the sort's), built or not */
	if (s->ckpt) {
		assay_error ignored = {0};
		store_exec(s, sql_cache_back, &ignored);
	}
	return rc;
}

/* A writer waiting for the lock tries again every POLL_MS after its first
 * few tries (SQLite's own wait backs off to 100 ms, and would sleep
 * through a step's pause again and again); the limit counts the sleeps
 * asked for, as SQLite's does. */
#define POLL_MS 2

static int busy_poll(void *arg, int count)
{
	int64_t limit = (int64_t)(intptr_t)arg;
	int64_t delay = count < POLL_MS ? count + 1 : POLL_MS;
	int64_t waited = count < POLL_MS ? (int64_t)count * (count + 1) / 2
					 : POLL_MS * (POLL_MS + 1) / 2 + (count - POLL_MS) * POLL_MS;
	if (waited + delay > limit)
		return 0;
	sleep_until(assay_mono_ns() + delay * 1000000LL);
	return 1;
}

void store_busy_poll(sqlite3 *db, int ms)
{
	sqlite3_busy_handler(db, busy_poll, (void *)(intptr_t)ms);
}
