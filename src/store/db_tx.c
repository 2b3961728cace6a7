/* db_tx.c — transactions (writing, and reading in one snapshot); how
 * long a statement waits for another connection's lock; checkpoints and
 * the settings of a bulk write. */
#include "store_int.h"

#include <stdio.h>

int store_read_begin(store *s, assay_error *err)
{
	if (s->in_tx)
		return assay_fail(err, ASSAY_ECONFLICT, "internal: nested transaction");
	/* BEGIN alone defers the snapshot to the first read: take it now. */
	int rc = s->pg ? store_pg_exec_tx(s, "BEGIN ISOLATION LEVEL REPEATABLE READ",
					  "starting a read transaction", err)
		       : store_exec(s, "BEGIN; SELECT count(*) FROM sqlite_schema", err);
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	s->in_tx = true;
	return ASSAY_OK;
}

void store_read_end(store *s)
{
	store_rollback(s);
}

/* PostgreSQL: how long a statement waits for another's lock before
 * 55P03 (ASSAY_EBUSY); a session setting, sent only when it changes. */
static const dbi_query q_lock_timeout = {
    "pg_lock_timeout", NULL, "SELECT set_config('lock_timeout', $1, false)"};

static void lock_wait_pg(store *s, int ms)
{
	if (ms == s->lock_ms || s->in_tx)
		return;
	assay_error err = {0};
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_lock_timeout, &err);
	if (!st)
		return;
	char v[24];
	snprintf(v, sizeof v, "%d", ms);
	dbi_bind_text(st, 1, v, -1);
	int rc = dbi_step(st, &err, "setting the lock wait");
	dbi_reset(st);
	if (rc >= 0)
		s->lock_ms = ms;
}

void store_busy_wait(store *s, int ms)
{
	if (s->pg)
		lock_wait_pg(s, ms > 0 ? ms : 0); /* 0: as long as it takes, as ever */
	else
		store_busy_poll(s->db, ms > 0 ? ms : s->busy_ms);
}

int store_begin(store *s, assay_error *err)
{
	if (s->in_tx)
		return assay_fail(err, ASSAY_ECONFLICT, "internal: nested transaction");
	if (s->pg) {
		int rc = store_pg_exec_tx(s, "BEGIN", "starting a transaction", err);
		s->in_tx = rc == ASSAY_OK;
		return rc;
	}
	int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_sqlerr(s, rc, err, "starting a transaction");
	s->in_tx = true;
	return ASSAY_OK;
}

int store_commit(store *s, assay_error *err)
{
	if (s->pg) {
		int rc = scores_pg_flush(s, err); /* the score writes held back */
		if (rc == 0)
			rc = store_pg_exec_tx(s, "COMMIT", "committing", err);
		if (rc < 0) {
			store_rollback(s);
			return rc;
		}
		s->in_tx = false;
		return ASSAY_OK;
	}
	int rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		int code = store_sqlerr(s, rc, err, "committing");
		store_rollback(s);
		return code;
	}
	s->in_tx = false;
	s->slots_made = false;
	return ASSAY_OK;
}

void store_rollback(store *s)
{
	assay_error ignored = {0};
	scores_pg_discard(s);
	if (s->dbi && dbi_in_tx(s->dbi))
		dbi_exec(s->dbi, "ROLLBACK", &ignored);
	s->in_tx = false;
	/* slots made in the transaction are gone with it */
	if (s->slots_made)
		score_slots_forget(s);
	s->slots_made = false;
}

int store_checkpoints_elsewhere(store *s, bool elsewhere, assay_error *err)
{
	if (s->pg || s->readonly)
		return ASSAY_OK;
	store_ckpt_stop(s); /* its hook would go with the setting */
	return store_exec(s, elsewhere ? "PRAGMA wal_autocheckpoint = 0"
				       : "PRAGMA wal_autocheckpoint = 1000", err);
}

int store_checkpoint(store *s, assay_error *err)
{
	if (s->pg || s->readonly)
		return ASSAY_OK;
	int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	/* busy: another connection is checkpointing, which is as good */
	return rc == SQLITE_OK || rc == SQLITE_BUSY
		       ? ASSAY_OK
		       : store_sqlerr(s, rc, err, "checkpointing the write-ahead log");
}

int store_bulk_mode(store *s, assay_error *err)
{
	if (s->pg)
		return ASSAY_OK; /* the server's cache is its administrator's */
	if (s->ckpt) /* a bulk write goes on (import's scoring after it) */
		return ASSAY_OK;
	int rc = store_exec(s, "PRAGMA cache_size = -40000; PRAGMA wal_autocheckpoint = 20000", err);
	return rc < 0 ? rc : store_ckpt_start(s, err);
}

void store_bulk_end(store *s)
{
	if (s && !s->pg)
		store_ckpt_stop(s);
}

void store_bulk_stats(const store *s, store_ckpt_stats *out)
{
	const store_ckpt_stats *st = &s->ckpt_stats;
	out->thread_runs = __atomic_load_n(&st->thread_runs, __ATOMIC_RELAXED);
	out->thread_frames = __atomic_load_n(&st->thread_frames, __ATOMIC_RELAXED);
	out->writer_runs = st->writer_runs;
	out->writer_frames = st->writer_frames;
	out->max_log = st->max_log;
}

void store_bulk_checkpoint_every(store *s, int frames)
{
	s->ckpt_every = frames;
}

int store_references_checked(store *s, bool checked, assay_error *err)
{
	if (s->pg || s->readonly)
		return ASSAY_OK;
	return store_exec(s, checked ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF",
			  err);
}

bool store_in_tx(const store *s)
{
	return s->in_tx;
}
