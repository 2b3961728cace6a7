/* quality.c — the combined score in its narrow table (schema.c's step
 * "sample_quality"): one row per sample, written when the sample is and
 * rewritten alone when its score changes (the wide samples row, with its
 * text and record, is never written again for it); the move of an earlier
 * build's samples.quality there, and the copy a database that cannot be
 * written is read through. */
#include "scores_pg.h"
#include "store_int.h"

#include <math.h>

static const dbi_query q_row = {
    "quality_row",
    "INSERT INTO sample_quality (sample_id, batch_id) VALUES (?1, ?2)", NULL};

int store_quality_row(store *s, int64_t sample_id, int64_t batch_id, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_row, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	dbi_bind_i64(st, 2, batch_id);
	return dbi_run(st, err, "inserting a combined score");
}

/* An unchanged combined score is not written again (the row and both
 * indexes would be rewritten for nothing). */
static const char sql_quality[] =
    "UPDATE sample_quality SET quality = ?2 WHERE sample_id = ?1 AND quality IS NOT ?2";

int store_quality_set(store *s, int64_t sample_id, double quality, assay_error *err)
{
	if (s->pg)
		return store_quality_set_pg(s, sample_id, quality, err);
	sqlite3_stmt *st = store_stmt(s, sql_quality, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, sample_id);
	if (isnan(quality))
		sqlite3_bind_null(st, 2);
	else
		sqlite3_bind_double(st, 2, quality);
	return store_step_done(s, st, err, "writing a combined score");
}

/* A sample that holds no score yet (and so no combined score) gets its
 * first: the one statement that both tells and writes, before its scores. */
static const dbi_query q_first = {
    "quality_first",
    "UPDATE sample_quality SET quality = ?2 WHERE sample_id = ?1 AND quality IS NULL"
    " AND NOT EXISTS (SELECT 1 FROM sample_scores WHERE sample_id = ?1)",
    NULL};

/* The same for many samples in one round trip (ids and values as arrays):
 * the positions (from 1) of those written. */
static const dbi_query q_first_pg = {
    "quality_first_pg", NULL,
    "UPDATE sample_quality q SET quality = u.q"
    " FROM unnest($1::bigint[], $2::float8[]) WITH ORDINALITY AS u(id, q, i)"
    " WHERE q.sample_id = u.id AND q.quality IS NULL"
    "  AND NOT EXISTS (SELECT 1 FROM sample_scores ss WHERE ss.sample_id = u.id)"
    " RETURNING u.i"};

static int first_arrays(const int64_t *ids, const double *quality, size_t n, abuf *a, abuf *v)
{
	int e = abuf_putc(a, '{') | abuf_putc(v, '{');
	for (size_t i = 0; i < n && !e; i++) {
		e |= abuf_printf(a, "%s%lld", i ? "," : "", (long long)ids[i]);
		e |= isnan(quality[i]) ? abuf_printf(v, "%sNULL", i ? "," : "")
				       : abuf_printf(v, "%s%.17g", i ? "," : "", quality[i]);
	}
	e |= abuf_putc(a, '}') | abuf_putc(v, '}');
	return e ? ASSAY_ENOMEM : ASSAY_OK;
}

static int quality_first_pg(store *s, const int64_t *ids, const double *quality, size_t n,
			    bool *set, assay_error *err)
{
	abuf a = {0}, v = {0};
	int rc = first_arrays(ids, quality, n, &a, &v) < 0
		     ? assay_fail(err, ASSAY_ENOMEM, "out of memory")
		     : ASSAY_OK;
	dbi_stmt *st = rc == 0 ? dbi_stmt_get(s->dbi, &q_first_pg, err) : NULL;
	if (rc == 0 && !st)
		rc = err->code;
	if (st) {
		dbi_bind_text(st, 1, a.data, (int64_t)a.len);
		dbi_bind_text(st, 2, v.data, (int64_t)v.len);
		while ((rc = dbi_step(st, err, "writing combined scores")) == DBI_ROW) {
			int64_t at = dbi_col_i64(st, 0);
			if (at >= 1 && (uint64_t)at <= n)
				set[at - 1] = true;
		}
		dbi_reset(st);
	}
	abuf_free(&a);
	abuf_free(&v);
	return rc < 0 ? rc : ASSAY_OK;
}

int store_quality_first(store *s, const int64_t *ids, const double *quality, size_t n,
			bool *set, assay_error *err)
{
	for (size_t i = 0; i < n; i++)
		set[i] = false;
	if (n == 0)
		return ASSAY_OK;
	if (s->pg)
		return quality_first_pg(s, ids, quality, n, set, err);
	for (size_t i = 0; i < n; i++) {
		dbi_stmt *st = dbi_stmt_get(s->dbi, &q_first, err);
		if (!st)
			return err->code;
		dbi_bind_i64(st, 1, ids[i]);
		if (isnan(quality[i]))
			dbi_bind_null(st, 2);
		else
			dbi_bind_f64(st, 2, quality[i]);
		int rc = dbi_run(st, err, "writing a combined score");
		if (rc < 0)
			return rc;
		set[i] = dbi_changes(s->dbi) > 0;
	}
	return ASSAY_OK;
}

/* Through the quality index: only the samples without a combined score
 * are visited, each with one seek into the scores. */
static const char sql_missing[] =
    "SELECT sample_id FROM sample_quality INDEXED BY sample_quality_by_quality"
    " WHERE quality IS NULL AND sample_id > ?1"
    "   AND EXISTS (SELECT 1 FROM sample_scores sc WHERE sc.sample_id = sample_quality.sample_id)"
    " ORDER BY sample_id LIMIT ?2";

int store_quality_missing(store *s, int64_t after, int64_t *ids, size_t max, size_t *n,
			  assay_error *err)
{
	if (s->pg)
		return store_quality_missing_pg(s, after, ids, max, n, err);
	return store_ids_page(s, sql_missing, after, ids, max, n,
			      "finding samples without a combined score", err);
}

/* ---- an earlier build's samples.quality ----------------------------------------- */

/* The rows of sample ids (?1, ?2], in id order (appended to the table). */
static const char sql_move[] =
	"INSERT INTO sample_quality (sample_id, batch_id, quality)"
	" SELECT id, batch_id, quality FROM samples WHERE id > ?1 AND id <= ?2 ORDER BY id";

static const char sql_quality_indexes[] = SQL_QUALITY_INDEXES;

/* Ids per INSERT, and so per progress line. */
#define MOVE_STEP 200000

int store_quality_move(store *s, void (*progress)(void *ud, int64_t done, int64_t total),
		       void *ud, assay_error *err)
{
	int rc = store_move_by_ids(s, sql_move, MOVE_STEP, "moving the combined scores", progress,
				   ud, err);
	if (rc < 0)
		return rc;
	/* built after the rows are in: one sort each */
	return store_exec(s, sql_quality_indexes, err);
}

/* A database made before the step that cannot be written is read through
 * a copy of its combined scores in the connection's temporary schema. */
static const char sql_temp[] =
	"CREATE TEMP TABLE sample_quality ("
	"  sample_id INTEGER PRIMARY KEY,"
	"  batch_id INTEGER NOT NULL,"
	"  quality REAL);"
	"INSERT INTO temp.sample_quality SELECT id, batch_id, quality FROM main.samples ORDER BY id;"
	SQL_QUALITY_INDEXES_AS("temp.");

int store_quality_temp(store *s, assay_error *err)
{
	bool moved = false;
	int rc = store_schema_quality_moved(s, &moved, err);
	if (rc < 0 || moved)
		return rc;
	if ((rc = store_exec(s, "BEGIN", err)) < 0)
		return rc;
	rc = store_exec(s, sql_temp, err);
	return rc == 0 ? store_exec(s, "COMMIT", err) : (store_exec(s, "ROLLBACK", err), rc);
}
