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

/* The same without the join to samples, when neither the batch nor a record
 * field is asked for: the sample rows (text and record) are never read. */
static const char sql_decisions_only[] =
	"SELECT d.sample_id, d.annotator_id, 0,"
	"  CASE d.verdict WHEN 'accepted' THEN 0 WHEN 'edited' THEN 1 ELSE 2 END,"
	"  d.reason, NULL, d.decided_at, d.ms_spent, coalesce(d.edit_distance, -1),"
	"  coalesce(d.words, -1)"
	" FROM decisions d"
	" WHERE d.verdict <> 'skipped' AND d.decided_at >= ?1 AND d.decided_at < ?2"
	"   AND (?4 = 0 OR d.annotator_id = ?4) AND ?3 IS NULL AND ?5 = 0";

int store_stats_each(store *s, const store_stats_filter *f,
		     int (*fn)(void *ud, const store_stat_row *row), void *ud, assay_error *err)
{
	bool join = f->field_path || f->batch_id || f->need_batch;
	sqlite3_stmt *st = store_stmt(s, join ? sql_decisions : sql_decisions_only, err);
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

static const char sql_verdict_counts[] =
	"SELECT sample_id, sum(verdict = 'rejected'), sum(verdict = 'edited'), count(*)"
	" FROM decisions WHERE verdict <> 'skipped' GROUP BY sample_id ORDER BY sample_id";
static const char sql_max_sample[] = "SELECT coalesce(max(id), 0) FROM samples";

int store_max_sample_id(store *s, int64_t *id, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_max_sample, err);
	if (!st)
		return err->code;
	int rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? ASSAY_OK : store_sqlerr(s, rc, err, "reading samples");
}

int store_verdict_counts_each(store *s,
			      int (*fn)(void *ud, int64_t sample_id, int rejected, int edited,
					int total),
			      void *ud, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_verdict_counts, err);
	if (!st)
		return err->code;
	int rc, out = ASSAY_OK;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((out = fn(ud, sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1),
			      sqlite3_column_int(st, 2), sqlite3_column_int(st, 3))) != 0)
			break;
	if (out == ASSAY_OK && rc != SQLITE_DONE)
		out = store_sqlerr(s, rc, err, "reading decisions");
	sqlite3_reset(st);
	return out;
}

static const char sql_all_scores[] =
	"SELECT sample_id, scorer, value, flagged FROM scores WHERE value IS NOT NULL";

int store_scores_each(store *s,
		      int (*fn)(void *ud, int64_t sample_id, const char *scorer, double value,
				bool flagged),
		      void *ud, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_all_scores, err);
	if (!st)
		return err->code;
	int rc, out = ASSAY_OK;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((out = fn(ud, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
			      sqlite3_column_double(st, 2), sqlite3_column_int(st, 3) != 0)) != 0)
			break;
	if (out == ASSAY_OK && rc != SQLITE_DONE)
		out = store_sqlerr(s, rc, err, "reading scores");
	sqlite3_reset(st);
	return out;
}

/* Reads the quality index alone (covering: quality, id). */
static const char sql_all_quality[] =
	"SELECT id, quality FROM samples INDEXED BY samples_by_quality WHERE quality IS NOT NULL";

int store_quality_each(store *s, int (*fn)(void *ud, int64_t sample_id, double quality), void *ud,
		       assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_all_quality, err);
	if (!st)
		return err->code;
	int rc, out = ASSAY_OK;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((out = fn(ud, sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1))) != 0)
			break;
	if (out == ASSAY_OK && rc != SQLITE_DONE)
		out = store_sqlerr(s, rc, err, "reading scores");
	sqlite3_reset(st);
	return out;
}
