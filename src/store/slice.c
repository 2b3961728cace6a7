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
	"SELECT s.id, s.ext_id, substr(s.text, 1, ?4),"                                           \
	" EXISTS (SELECT 1 FROM pairs p WHERE p.sample_id = s.id) FROM samples s"                 \
	" WHERE CASE CAST(?2 AS INTEGER) WHEN 1 THEN EXISTS (SELECT 1 FROM decisions d"           \
	"                                  WHERE d.sample_id = s.id"                              \
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
	dbi_stmt *st = store_where_stmt(s, SQL_SLICE_HEAD, SQL_SLICE_TAIL, NULL, NULL, w, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, annotator_id);
	dbi_bind_i64(st, 2, mine == STORE_SLICE_DECIDED);
	dbi_bind_i64(st, 3, except);
	dbi_bind_i64(st, 4, STORE_EXAMPLE_CHARS);
	int rc, out = 0;
	while ((rc = dbi_step(st, err, "reading a --where slice")) == DBI_ROW) {
		store_slice_row r = {.id = dbi_col_i64(st, 0),
				     .ext_id = dbi_col_text(st, 1, NULL),
				     .text = dbi_col_text(st, 2, NULL),
				     .pair = dbi_col_i64(st, 3) != 0};
		if ((out = fn(ud, &r)) != 0)
			break;
	}
	dbi_stmt_free(st);
	return out != 0 ? out : rc < 0 ? rc : ASSAY_OK;
}

static const dbi_query q_find = {
    "spotcheck_find",
    "SELECT c.id, c.seed, c.max_disagree, c.created_at,"
    " (SELECT count(*) FROM spotcheck_samples k WHERE k.spotcheck_id = c.id)"
    " FROM spotchecks c WHERE c.where_text = ?1 AND c.verdict = ?2 AND c.reason IS ?3"
    " AND c.annotator_id = ?4 AND c.applied_at = 0 ORDER BY c.id DESC LIMIT 1",
    "SELECT c.id, c.seed, c.max_disagree, c.created_at,"
    " (SELECT count(*) FROM spotcheck_samples k WHERE k.spotcheck_id = c.id)"
    " FROM spotchecks c WHERE c.where_text = $1 AND c.verdict = $2"
    " AND c.reason IS NOT DISTINCT FROM $3::text"
    " AND c.annotator_id = $4 AND c.applied_at = 0 ORDER BY c.id DESC LIMIT 1"};

static const char *verdict_of(int kind)
{
	return kind == STORE_ACCEPT ? "accepted" : "rejected";
}

int store_spotcheck_find(store *s, const char *where_text, store_spotcheck *sc, bool *found,
			 assay_error *err)
{
	*found = false;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_find, err);
	if (!st)
		return err->code;
	dbi_bind_text(st, 1, where_text, -1);
	dbi_bind_text(st, 2, verdict_of(sc->kind), -1);
	dbi_bind_text(st, 3, sc->reason, -1); /* NULL binds NULL */
	dbi_bind_i64(st, 4, sc->annotator_id);
	int rc = dbi_step(st, err, "reading the spot-checks");
	if (rc == DBI_ROW) {
		*found = true;
		sc->id = dbi_col_i64(st, 0);
		sc->seed = (uint64_t)dbi_col_i64(st, 1);
		sc->max_disagree = dbi_col_f64(st, 2);
		sc->created_at = dbi_col_i64(st, 3);
		sc->n = dbi_col_i64(st, 4);
	}
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

static const dbi_query q_add = {
    "spotcheck_add",
    "INSERT INTO spotchecks (where_text, verdict, reason, annotator_id, seed, max_disagree,"
    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
    NULL};
static const dbi_query q_add_sample = {
    "spotcheck_add_sample",
    "INSERT INTO spotcheck_samples (spotcheck_id, sample_id) VALUES (?1, ?2)", NULL};

static int add_tx(store *s, const char *where_text, store_spotcheck *sc, const int64_t *ids,
		  size_t n, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_add, err);
	if (!st)
		return err->code;
	sc->created_at = assay_now_ms();
	dbi_bind_text(st, 1, where_text, -1);
	dbi_bind_text(st, 2, verdict_of(sc->kind), -1);
	dbi_bind_text(st, 3, sc->reason, -1);
	dbi_bind_i64(st, 4, sc->annotator_id);
	dbi_bind_i64(st, 5, (int64_t)sc->seed);
	dbi_bind_f64(st, 6, sc->max_disagree);
	dbi_bind_i64(st, 7, sc->created_at);
	int rc = dbi_step(st, err, "storing the spot-check");
	sc->id = rc == DBI_ROW ? dbi_col_i64(st, 0) : 0;
	dbi_reset(st);
	if (rc != DBI_ROW)
		return rc < 0 ? rc : assay_fail(err, ASSAY_EDB, "storing the spot-check: no id");
	rc = ASSAY_OK;
	for (size_t i = 0; rc == ASSAY_OK && i < n; i++) {
		if (!(st = dbi_stmt_get(s->dbi, &q_add_sample, err)))
			return err->code;
		dbi_bind_i64(st, 1, sc->id);
		dbi_bind_i64(st, 2, ids[i]);
		rc = dbi_run(st, err, "storing the spot-check's samples");
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
static const dbi_query q_tally = {
    "spotcheck_tally",
    "SELECT count(*), coalesce(sum(x.differs), 0) FROM ("
    " SELECT max(CASE WHEN d.verdict <> ?2 THEN 1 ELSE 0 END) AS differs"
    " FROM spotcheck_samples k"
    " JOIN decisions d ON d.sample_id = k.sample_id"
    " JOIN annotators a ON a.id = d.annotator_id"
    " WHERE k.spotcheck_id = ?1 AND d.verdict <> 'skipped'"
    "  AND substr(a.name, 1, 5) <> 'auto:' GROUP BY k.sample_id) x",
    NULL};

int store_spotcheck_tally(store *s, const store_spotcheck *sc, int64_t *decided,
			  int64_t *disagree, assay_error *err)
{
	*decided = *disagree = 0;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_tally, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sc->id);
	dbi_bind_text(st, 2, verdict_of(sc->kind), -1);
	int rc = dbi_step(st, err, "reading the spot-check");
	if (rc == DBI_ROW) {
		*decided = dbi_col_i64(st, 0);
		*disagree = dbi_col_i64(st, 1);
	}
	dbi_reset(st);
	return rc == DBI_ROW ? ASSAY_OK
	       : rc < 0      ? rc
			     : assay_fail(err, ASSAY_EDB, "reading the spot-check: no row");
}

static const dbi_query q_applied = {
    "spotcheck_applied", "UPDATE spotchecks SET applied_at = ?2 WHERE id = ?1", NULL};

int store_spotcheck_applied(store *s, int64_t id, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_applied, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, id);
	dbi_bind_i64(st, 2, assay_now_ms());
	return dbi_run(st, err, "marking the spot-check applied");
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
