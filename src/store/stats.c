/* stats.c — the queries behind `assay stats` and the audit dashboard: a lean
 * stream of current decisions, the verdicts of multiply-decided samples,
 * and (score, verdict) pairs per scorer. Aggregation happens in audit/. */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

static const char sql_decisions[] =
	"SELECT d.sample_id, d.annotator_id, s.batch_id,"
	"  CASE d.verdict WHEN 'accepted' THEN 0 WHEN 'edited' THEN 1 ELSE 2 END,"
	"  d.reason, CASE WHEN ?3 IS NULL THEN NULL ELSE json_extract(s.record, ?3) END,"
	"  d.decided_at, d.ms_spent, coalesce(d.edit_distance, -1), coalesce(d.words, -1)"
	" FROM decisions d JOIN samples s ON s.id = d.sample_id"
	" WHERE d.verdict <> 'skipped' AND d.decided_at >= ?1 AND d.decided_at < ?2"
	"   AND (?4 = 0 OR d.annotator_id = ?4) AND (?5 = 0 OR s.batch_id = ?5)";

int store_stats_each(store *s, const store_stats_filter *f,
		     int (*fn)(void *ud, const store_stat_row *row), void *ud, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_decisions, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, f->since_ms);
	sqlite3_bind_int64(st, 2, f->until_ms > 0 ? f->until_ms : INT64_MAX);
	store_bind_text(st, 3, f->field_path, -1);
	sqlite3_bind_int64(st, 4, f->annotator_id);
	sqlite3_bind_int64(st, 5, f->batch_id);
	int rc, out = ASSAY_OK;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_stat_row row = {
			.sample_id = sqlite3_column_int64(st, 0),
			.annotator_id = sqlite3_column_int64(st, 1),
			.batch_id = sqlite3_column_int64(st, 2),
			.verdict = sqlite3_column_int(st, 3),
			.reason = (const char *)sqlite3_column_text(st, 4),
			.field = (const char *)sqlite3_column_text(st, 5),
			.decided_at = sqlite3_column_int64(st, 6),
			.ms_spent = sqlite3_column_int64(st, 7),
			.edit_distance = sqlite3_column_int64(st, 8),
			.words = sqlite3_column_int64(st, 9),
		};
		if ((out = fn(ud, &row)) != 0)
			break;
	}
	if (out == ASSAY_OK && rc != SQLITE_DONE)
		out = store_sqlerr(s, rc, err, "reading decisions");
	sqlite3_reset(st);
	return out;
}

static int names(store *s, const char *sql, store_names *out, assay_error *err)
{
	*out = (store_names){0};
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return err->code;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			int64_t *ids = realloc(out->ids, cap * sizeof *ids);
			char **nm = ids ? realloc(out->names, cap * sizeof *nm) : NULL;
			if (ids)
				out->ids = ids;
			if (nm)
				out->names = nm;
			if (!ids || !nm) {
				sqlite3_reset(st);
				store_names_free(out);
				return assay_fail(err, ASSAY_ENOMEM, "out of memory");
			}
		}
		out->ids[out->n] = sqlite3_column_int64(st, 0);
		out->names[out->n++] = store_col_str(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ASSAY_OK : store_sqlerr(s, rc, err, "reading names");
}

static const char sql_annotators[] = "SELECT id, name FROM annotators ORDER BY id";
static const char sql_batches[] = "SELECT id, name FROM batches ORDER BY id";

int store_annotator_names(store *s, store_names *out, assay_error *err)
{
	return names(s, sql_annotators, out, err);
}

int store_batch_names(store *s, store_names *out, assay_error *err)
{
	return names(s, sql_batches, out, err);
}

const char *store_names_get(const store_names *n, int64_t id)
{
	/* ids come ordered: binary search */
	size_t lo = 0, hi = n->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (n->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n->n && n->ids[lo] == id ? n->names[lo] : "?";
}

void store_names_free(store_names *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->names[i]);
	free(n->names);
	free(n->ids);
	*n = (store_names){0};
}

static const char sql_multi[] =
	"SELECT d.sample_id, s.ext_id, d.annotator_id,"
	"  CASE d.verdict WHEN 'accepted' THEN 0 WHEN 'edited' THEN 1 ELSE 2 END"
	" FROM decisions d JOIN samples s ON s.id = d.sample_id"
	" WHERE d.verdict <> 'skipped' AND d.sample_id IN ("
	"   SELECT sample_id FROM decisions WHERE verdict <> 'skipped'"
	"   GROUP BY sample_id HAVING count(*) >= 2)"
	" ORDER BY d.sample_id, d.annotator_id";

int store_multi_verdicts_each(store *s,
			      int (*fn)(void *ud, int64_t sample_id, const char *ext_id,
					int64_t annotator_id, int verdict),
			      void *ud, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_multi, err);
	if (!st)
		return err->code;
	int rc, out = ASSAY_OK;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((out = fn(ud, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
			      sqlite3_column_int64(st, 2), sqlite3_column_int(st, 3))) != 0)
			break;
	if (out == ASSAY_OK && rc != SQLITE_DONE)
		out = store_sqlerr(s, rc, err, "reading verdicts");
	sqlite3_reset(st);
	return out;
}

/* Per-sample verdict counts joined to one scorer's value; "quality" reads
 * the combined score on the sample row. */
static const char sql_calib[] =
	"WITH v AS (SELECT sample_id, sum(verdict = 'rejected') AS rej,"
	"                  sum(verdict = 'edited') AS ed, count(*) AS n"
	"           FROM decisions WHERE verdict <> 'skipped' GROUP BY sample_id)"
	" SELECT sc.value, sc.flagged, v.rej, v.ed, v.n FROM v"
	"   JOIN scores sc ON sc.sample_id = v.sample_id AND sc.scorer = ?1"
	"   WHERE ?1 <> 'quality' AND sc.value IS NOT NULL"
	" UNION ALL"
	" SELECT s.quality, 0, v.rej, v.ed, v.n FROM v JOIN samples s ON s.id = v.sample_id"
	"   WHERE ?1 = 'quality' AND s.quality IS NOT NULL";

int store_calib_each(store *s, const char *scorer,
		     int (*fn)(void *ud, const store_calib_row *row), void *ud, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_calib, err);
	if (!st)
		return err->code;
	store_bind_text(st, 1, scorer, -1);
	int rc, out = ASSAY_OK;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_calib_row row = {
			.value = sqlite3_column_double(st, 0),
			.flagged = sqlite3_column_int(st, 1) != 0,
			.rejected = sqlite3_column_int(st, 2),
			.edited = sqlite3_column_int(st, 3),
			.total = sqlite3_column_int(st, 4),
		};
		if ((out = fn(ud, &row)) != 0)
			break;
	}
	if (out == ASSAY_OK && rc != SQLITE_DONE)
		out = store_sqlerr(s, rc, err, "reading scores");
	sqlite3_reset(st);
	return out;
}

static const char sql_scorers[] = "SELECT DISTINCT scorer FROM scores ORDER BY scorer";

int store_scorer_names(store *s, char ***out, size_t *n, assay_error *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, sql_scorers, err);
	if (!st)
		return err->code;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			char **v = realloc(*out, cap * sizeof *v);
			if (!v) {
				sqlite3_reset(st);
				return assay_fail(err, ASSAY_ENOMEM, "out of memory");
			}
			*out = v;
		}
		(*out)[(*n)++] = store_col_str(st, 0);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ASSAY_OK : store_sqlerr(s, rc, err, "listing scorers");
}
