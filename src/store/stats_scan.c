/* stats_scan.c — the SQLite scans behind `assay stats` without a --where:
 * each row handed to C inside SQLite's loop (row_sink.c), so a pass over a
 * million decisions or score rows is one sqlite3_step, not a million steps
 * and ten million column fetches. The same rows, in the same order, as the
 * statements of stats.c and score_rows.c give (those serve PostgreSQL and
 * --where). */
#include "store_int.h"
#include "stats_scan.h"

#include <math.h>

/* ---- decisions ---------------------------------------------------------------- */

/* Without a batch or a record field the sample rows are not read; the
 * filters on the decision's own columns are tested in C. */
static const char sql_decisions[] =
	"SELECT 1 FROM decisions d WHERE d.sample_id BETWEEN ?1 AND ?2"
	" AND row_sink(d.sample_id, d.annotator_id, 0, d.verdict, d.reason, NULL,"
	" d.decided_at, d.ms_spent, d.edit_distance, d.words)";

/* With them: SQL tests the filters first, so a record's field is read only
 * for the decisions that pass (C tests them again, to no effect). */
static const char sql_decisions_join[] =
	"SELECT 1 FROM decisions d JOIN samples s ON s.id = d.sample_id"
	" WHERE d.sample_id BETWEEN ?1 AND ?2 AND d.verdict <> 'skipped'"
	"   AND d.decided_at >= ?3 AND d.decided_at < ?4"
	"   AND (?5 = 0 OR d.annotator_id = ?5) AND (?6 = 0 OR s.batch_id = ?6)"
	" AND row_sink(d.sample_id, d.annotator_id, s.batch_id, d.verdict, d.reason,"
	" CASE WHEN ?7 IS NULL THEN NULL ELSE json_extract(s.record, ?7) END,"
	" d.decided_at, d.ms_spent, d.edit_distance, d.words)";

typedef struct decision_sink {
	const store_stats_filter *f;
	int64_t until;
	bool reason, field;
	int (*fn)(void *ud, const store_stat_row *row);
	void *ud;
} decision_sink;

static int64_t int_or(sqlite3_value *v, int64_t null)
{
	return sqlite3_value_type(v) == SQLITE_NULL ? null : sqlite3_value_int64(v);
}

/* The values of row_sink's arguments above, after the sink. */
static int on_decision(void *ud, sqlite3_value **v)
{
	decision_sink *k = ud;
	const store_stats_filter *f = k->f;
	const unsigned char *verdict = sqlite3_value_text(v[3]);
	int64_t at = sqlite3_value_int64(v[6]), annotator = sqlite3_value_int64(v[1]);
	/* verdict is one of accepted, edited, rejected, skipped (its CHECK) */
	if (!verdict || verdict[0] == 's' || at < f->since_ms || at >= k->until ||
	    (f->annotator_id && annotator != f->annotator_id))
		return 0;
	int64_t batch = sqlite3_value_int64(v[2]);
	if (f->batch_id && batch != f->batch_id)
		return 0;
	store_stat_row row = {
		.sample_id = sqlite3_value_int64(v[0]),
		.annotator_id = annotator,
		.batch_id = batch,
		.verdict = verdict[0] == 'a'   ? STORE_ACCEPTED
			   : verdict[0] == 'e' ? STORE_EDITED
					       : STORE_REJECTED,
		.reason = k->reason ? (const char *)sqlite3_value_text(v[4]) : NULL,
		.field = k->field ? (const char *)sqlite3_value_text(v[5]) : NULL,
		.decided_at = at,
		.ms_spent = sqlite3_value_int64(v[7]),
		.edit_distance = int_or(v[8], -1),
		.words = int_or(v[9], -1),
	};
	return k->fn(k->ud, &row);
}

int stats_scan_decisions(store *s, const store_stats_filter *f,
			 int (*fn)(void *ud, const store_stat_row *row), void *ud,
			 assay_error *err)
{
	bool join = f->field_path || f->batch_id || f->need_batch;
	sqlite3_stmt *st = store_stmt(s, join ? sql_decisions_join : sql_decisions, err);
	if (!st)
		return err->code;
	decision_sink k = {.f = f, .until = f->until_ms > 0 ? f->until_ms : INT64_MAX,
			   .reason = !f->no_reason, .field = f->field_path != NULL,
			   .fn = fn, .ud = ud};
	bool all = f->first_sample == 0 && f->last_sample == 0;
	sqlite3_bind_int64(st, 1, all ? INT64_MIN : f->first_sample);
	sqlite3_bind_int64(st, 2, all ? INT64_MAX : f->last_sample);
	if (join) {
		sqlite3_bind_int64(st, 3, f->since_ms);
		sqlite3_bind_int64(st, 4, k.until);
		sqlite3_bind_int64(st, 5, f->annotator_id);
		sqlite3_bind_int64(st, 6, f->batch_id);
		store_bind_text(st, 7, f->field_path, -1);
	}
	return store_sink_run(s, st, on_decision, &k, "reading decisions", err);
}

/* ---- verdicts, counted per sample ---------------------------------------------- */

/* The primary key's order: a sample's decisions come together. */
static const char sql_verdicts[] =
	"SELECT 1 FROM decisions WHERE sample_id BETWEEN ?1 AND ?2"
	" AND row_sink(sample_id, verdict) ORDER BY sample_id, annotator_id";

static int on_verdict(void *ud, sqlite3_value **v)
{
	const unsigned char *verdict = sqlite3_value_text(v[1]);
	return verdict_counts_add(ud, sqlite3_value_int64(v[0]), verdict ? (char)verdict[0] : 's');
}

int stats_scan_verdict_counts(store *s, int64_t first, int64_t last,
			      int (*fn)(void *ud, int64_t sample_id, int rejected, int edited,
					int total),
			      void *ud, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_verdicts, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, first);
	sqlite3_bind_int64(st, 2, last);
	verdict_counts c = {.fn = fn, .ud = ud, .cur = -1};
	int rc = store_sink_run(s, st, on_verdict, &c, "reading decisions", err);
	return verdict_counts_end(&c, rc);
}

/* ---- the combined score, ascending ---------------------------------------------- */

/* The quality index alone (covering: quality, sample_id), in its order;
 * without it (a scoring pass has set it aside: score_bulk.c) the rows
 * sorted. */
static const char sql_quality[] =
	"SELECT 1 FROM sample_quality"
	" WHERE quality IS NOT NULL AND row_sink(sample_id, quality) ORDER BY quality";

typedef struct quality_sink {
	int (*fn)(void *ud, int64_t sample_id, double quality);
	void *ud;
} quality_sink;

static int on_quality(void *ud, sqlite3_value **v)
{
	quality_sink *q = ud;
	return q->fn(q->ud, sqlite3_value_int64(v[0]), sqlite3_value_double(v[1]));
}

int stats_scan_quality(store *s, int (*fn)(void *ud, int64_t sample_id, double quality),
		       void *ud, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_quality, err);
	if (!st)
		return err->code;
	quality_sink q = {.fn = fn, .ud = ud};
	return store_sink_run(s, st, on_quality, &q, "reading scores", err);
}

/* ---- every scorer's values ------------------------------------------------------ */

static const char sql_score_rows[] =
	"SELECT 1 FROM sample_scores WHERE sample_id BETWEEN ?1 AND ?2"
	" AND row_sink(sample_id, vals, flags)";

typedef struct rows_sink {
	int (*fn)(void *ud, int64_t sample_id, const double *vals, size_t n, uint64_t flags);
	void *ud;
	double v[STORE_MAX_SLOTS];
} rows_sink;

static int on_score_row(void *ud, sqlite3_value **v)
{
	rows_sink *r = ud;
	const void *vals = sqlite3_value_blob(v[1]);
	size_t n = score_pack_unpack(vals, (size_t)sqlite3_value_bytes(v[1]), r->v, STORE_MAX_SLOTS);
	return r->fn(r->ud, sqlite3_value_int64(v[0]), r->v, n, (uint64_t)sqlite3_value_int64(v[2]));
}

int stats_scan_score_rows(store *s, int64_t first, int64_t last,
			  int (*fn)(void *ud, int64_t sample_id, const double *vals, size_t n,
				    uint64_t flags),
			  void *ud, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_score_rows, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, first);
	sqlite3_bind_int64(st, 2, last);
	rows_sink r = {.fn = fn, .ud = ud};
	return store_sink_run(s, st, on_score_row, &r, "reading scores", err);
}
