/* slice.c — deciding a --where slice in bulk: the slice's samples an
 * annotator has (or has not) decided, and spot-checks: a bulk verdict held
 * back until a human has decided a few samples drawn from its slice. */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

/* ?1 annotator, ?2 mine (enum store_slice_mine), ?3 a spot-check whose
 * samples are passed over (0: none), ?4 how many characters of text; the
 * slice goes between the head and the tail. */
#define SQL_SLICE_HEAD                                                                             \
	"SELECT s.id, s.ext_id, substr(s.text, 1, ?4) FROM samples s"                             \
	" WHERE CASE ?2 WHEN 1 THEN EXISTS (SELECT 1 FROM decisions d WHERE d.sample_id = s.id"  \
	"                                   AND d.annotator_id = ?1)"                              \
	"   ELSE NOT EXISTS (SELECT 1 FROM decisions d WHERE d.sample_id = s.id"                   \
	"                    AND d.annotator_id = ?1 AND d.verdict <> 'skipped') END"             \
	" AND (?3 = 0 OR s.id NOT IN (SELECT k.sample_id FROM spotcheck_samples k"                 \
	"                             WHERE k.spotcheck_id = ?3)) AND ("
#define SQL_SLICE_TAIL ") ORDER BY s.id"

int store_slice_each(store *s, const store_where *w, int64_t annotator_id, int mine,
		     int64_t except, int (*fn)(void *ud, const store_slice_row *r), void *ud,
		     assay_error *err)
{
	sqlite3_stmt *st;
	int rc = store_where_prepare(s, SQL_SLICE_HEAD, w, SQL_SLICE_TAIL, &st, err);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, annotator_id);
	sqlite3_bind_int(st, 2, mine == STORE_SLICE_DECIDED);
	sqlite3_bind_int64(st, 3, except);
	sqlite3_bind_int(st, 4, STORE_EXAMPLE_CHARS);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		store_slice_row r = {.id = sqlite3_column_int64(st, 0),
				     .ext_id = (const char *)sqlite3_column_text(st, 1),
				     .text = (const char *)sqlite3_column_text(st, 2)};
		if ((rc = fn(ud, &r)) != 0)
			break;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_sqlerr(s, step, err, "reading a --where slice");
	sqlite3_finalize(st);
	return rc;
}

static const char sql_find[] =
	"SELECT c.id, c.seed, c.max_disagree, c.created_at,"
	" (SELECT count(*) FROM spotcheck_samples k WHERE k.spotcheck_id = c.id)"
	" FROM spotchecks c WHERE c.where_text = ?1 AND c.verdict = ?2 AND c.reason IS ?3"
	" AND c.annotator_id = ?4 AND c.applied_at = 0 ORDER BY c.id DESC LIMIT 1";

static const char *verdict_of(int kind)
{
	return kind == STORE_ACCEPT ? "accepted" : "rejected";
}

int store_spotcheck_find(store *s, const char *where_text, store_spotcheck *sc, bool *found,
			 assay_error *err)
{
	*found = false;
	sqlite3_stmt *st = store_stmt(s, sql_find, err);
	if (!st)
		return err->code;
	store_bind_text(st, 1, where_text, -1);
	sqlite3_bind_text(st, 2, verdict_of(sc->kind), -1, SQLITE_STATIC);
	if (sc->reason)
		store_bind_text(st, 3, sc->reason, -1);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, sc->annotator_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*found = true;
		sc->id = sqlite3_column_int64(st, 0);
		sc->seed = (uint64_t)sqlite3_column_int64(st, 1);
		sc->max_disagree = sqlite3_column_double(st, 2);
		sc->created_at = sqlite3_column_int64(st, 3);
		sc->n = sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		       ? ASSAY_OK
		       : store_sqlerr(s, rc, err, "reading the spot-checks");
}

static const char sql_add[] =
	"INSERT INTO spotchecks (where_text, verdict, reason, annotator_id, seed, max_disagree,"
	" created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_add_sample[] =
	"INSERT INTO spotcheck_samples (spotcheck_id, sample_id) VALUES (?1, ?2)";

static int add_tx(store *s, const char *where_text, store_spotcheck *sc, const int64_t *ids,
		  size_t n, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_add, err);
	if (!st)
		return err->code;
	sc->created_at = assay_now_ms();
	store_bind_text(st, 1, where_text, -1);
	sqlite3_bind_text(st, 2, verdict_of(sc->kind), -1, SQLITE_STATIC);
	if (sc->reason)
		store_bind_text(st, 3, sc->reason, -1);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, sc->annotator_id);
	sqlite3_bind_int64(st, 5, (int64_t)sc->seed);
	sqlite3_bind_double(st, 6, sc->max_disagree);
	sqlite3_bind_int64(st, 7, sc->created_at);
	int rc = store_step_done(s, st, err, "storing the spot-check");
	sc->id = sqlite3_last_insert_rowid(s->db);
	for (size_t i = 0; rc == ASSAY_OK && i < n; i++) {
		if (!(st = store_stmt(s, sql_add_sample, err)))
			return err->code;
		sqlite3_bind_int64(st, 1, sc->id);
		sqlite3_bind_int64(st, 2, ids[i]);
		rc = store_step_done(s, st, err, "storing the spot-check's samples");
	}
	sc->n = (int64_t)n;
	return rc;
}

int store_spotcheck_add(store *s, const char *where_text, store_spotcheck *sc,
			const int64_t *ids, size_t n, assay_error *err)
{
	if (sc->kind != STORE_ACCEPT && sc->kind != STORE_REJECT)
		return assay_fail(err, ASSAY_EINVAL, "a spot-check holds back an accept or a reject");
	int rc = store_begin(s, err);
	if (rc < 0)
		return rc;
	if ((rc = add_tx(s, where_text, sc, ids, n, err)) < 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}

/* Per drawn sample with a human verdict (skips and auto: annotators
 * aside): whether any of those verdicts differs from ?2. */
static const char sql_tally[] =
	"SELECT count(*), coalesce(sum(x.differs), 0) FROM ("
	" SELECT max(d.verdict <> ?2) AS differs FROM spotcheck_samples k"
	" JOIN decisions d ON d.sample_id = k.sample_id"
	" JOIN annotators a ON a.id = d.annotator_id"
	" WHERE k.spotcheck_id = ?1 AND d.verdict <> 'skipped'"
	"  AND substr(a.name, 1, 5) <> 'auto:' GROUP BY k.sample_id) x";

int store_spotcheck_tally(store *s, const store_spotcheck *sc, int64_t *decided,
			  int64_t *disagree, assay_error *err)
{
	*decided = *disagree = 0;
	sqlite3_stmt *st = store_stmt(s, sql_tally, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, sc->id);
	sqlite3_bind_text(st, 2, verdict_of(sc->kind), -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*decided = sqlite3_column_int64(st, 0);
		*disagree = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? ASSAY_OK : store_sqlerr(s, rc, err, "reading the spot-check");
}

static const char sql_applied[] = "UPDATE spotchecks SET applied_at = ?2 WHERE id = ?1";

int store_spotcheck_applied(store *s, int64_t id, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_applied, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, assay_now_ms());
	return store_step_done(s, st, err, "marking the spot-check applied");
}

static const dbi_query q_annotator_find = {
    "annotator_find", "SELECT id FROM annotators WHERE name = ?1", NULL};

int store_annotator_find(store *s, const char *name, int64_t *id, assay_error *err)
{
	*id = 0;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_annotator_find, err);
	if (!st)
		return err->code;
	dbi_bind_text(st, 1, name, -1);
	int rc = dbi_step(st, err, "reading an annotator");
	if (rc == DBI_ROW)
		*id = dbi_col_i64(st, 0);
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}
