/* scores_pg_lock.c — one scoring run at a time on a PostgreSQL store: a
 * session advisory lock of the store, held until the connection
 * ends (a killed run's goes with its connection). Two runs writing the
 * same scorers' slots and rows at once would race (a new scorer's slot is
 * a unique key); the second waits for the first and then finds its
 * scores current. SQLite's writers are serialised by the file itself. */
#include "store_int.h"

#include <string.h>
#include <time.h>

/* The two-key form (the store's key, -1): the claims' second keys
 * (store_int.h) are never negative. */
static const dbi_query q_try = {
    "pg_score_run_lock", NULL,
    "SELECT pg_try_advisory_lock(" PG_STORE_KEY ", -1)::integer"};

static const dbi_query q_unlock = {
    "pg_score_run_unlock", NULL,
    "SELECT pg_advisory_unlock(" PG_STORE_KEY ", -1)::integer"};

static int try_once(store *s, bool *got, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_try, err);
	if (!st)
		return err->code;
	int rc = dbi_step(st, err, "waiting for another score run");
	*got = rc == DBI_ROW && dbi_col_i64(st, 0) == 1;
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

int store_score_lock(store *s, volatile sig_atomic_t *stop, void (*waiting)(void *ud),
		     void *ud, assay_error *err)
{
	if (!s->pg || s->score_locked)
		return ASSAY_OK;
	for (bool told = false;;) {
		bool got;
		int rc = try_once(s, &got, err);
		if (rc < 0)
			return rc;
		if (got) {
			s->score_locked = true;
			return ASSAY_OK;
		}
		if (!told && waiting)
			waiting(ud);
		told = true;
		if (stop && *stop)
			return assay_fail(err, ASSAY_EINTR, "interrupted while waiting for another "
					  "score run on this database");
		nanosleep(&(struct timespec){.tv_nsec = 200000000}, NULL);
	}
}

int store_score_trylock(store *s, bool *got, assay_error *err)
{
	*got = true;
	if (!s->pg || s->score_locked)
		return ASSAY_OK;
	int rc = try_once(s, got, err);
	if (rc == ASSAY_OK && *got)
		s->score_locked = true;
	return rc;
}

void store_score_unlock(store *s)
{
	if (!s->pg || !s->score_locked)
		return;
	assay_error ignored = {0};
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_unlock, &ignored);
	if (st) {
		/* a failure ends the lock with the connection */
		dbi_step(st, &ignored, "ending a score run");
		dbi_reset(st);
	}
	s->score_locked = false;
}
