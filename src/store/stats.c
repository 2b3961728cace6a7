/* stats.c — the queries behind `assay stats` and the audit dashboard: a lean
 * stream of current decisions, the verdicts of multiply-decided samples,
 * and (score, verdict) pairs per scorer. Aggregation happens in audit/. */
#include "store_int.h"
#include "stats_pg.h"
#include "stats_scan.h"

#include <stdlib.h>
#include <string.h>

#define SQL_DECISIONS                                                                              \
	"SELECT d.sample_id, d.annotator_id, s.batch_id,"                                          \
	"  CASE d.verdict WHEN 'accepted' THEN 0 WHEN 'edited' THEN 1 ELSE 2 END,"                 \
	"  d.reason, CASE WHEN ?3 IS NULL THEN NULL ELSE json_extract(s.record, ?3) END,"         \
	"  d.decided_at, d.ms_spent, coalesce(d.edit_distance, -1), coalesce(d.words, -1)"        \
	" FROM decisions d JOIN samples s ON s.id = d.sample_id"                                   \
	" WHERE d.verdict <> 'skipped' AND d.decided_at >= ?1 AND d.decided_at < ?2"              \
	"   AND (?4 = 0 OR d.annotator_id = ?4) AND (?5 = 0 OR s.batch_id = ?5)"                  \
	"   AND d.sample_id BETWEEN ?6 AND ?7"

#define PG_DECISIONS_TAIL                                                                          \
	"  d.decided_at, d.ms_spent, coalesce(d.edit_distance, -1), coalesce(d.words, -1)"        \
	" FROM decisions d JOIN samples s ON s.id = d.sample_id"                                   \
	" WHERE d.verdict <> 'skipped' AND d.decided_at >= $1::bigint"                             \
	"   AND d.decided_at < $2::bigint"                                                         \
	"   AND ($4::bigint = 0 OR d.annotator_id = $4::bigint)"                                   \
	"   AND ($5::bigint = 0 OR s.batch_id = $5::bigint)"                                       \
	"   AND d.sample_id BETWEEN $6::bigint AND $7::bigint"

#define SQL_DECISIONS_PG                                                                           \
	"SELECT d.sample_id, d.annotator_id, s.batch_id,"                                          \
	"  CASE d.verdict WHEN 'accepted' THEN 0 WHEN 'edited' THEN 1 ELSE 2 END,"                 \
	"  d.reason, " STATS_PG_FIELD "," PG_DECISIONS_TAIL

static const dbi_query q_decisions = {"stats_decisions", SQL_DECISIONS, SQL_DECISIONS_PG};

/* The same without the join to samples, when neither the batch nor a record
 * field is asked for: the sample rows (text and record) are never read. */
static const dbi_query q_decisions_only = {
    "stats_decisions_only",
    "SELECT d.sample_id, d.annotator_id, 0,"
    "  CASE d.verdict WHEN 'accepted' THEN 0 WHEN 'edited' THEN 1 ELSE 2 END,"
    "  d.reason, NULL, d.decided_at, d.ms_spent, coalesce(d.edit_distance, -1),"
    "  coalesce(d.words, -1)"
    " FROM decisions d"
    " WHERE d.verdict <> 'skipped' AND d.decided_at >= ?1 AND d.decided_at < ?2"
    "   AND (?4 = 0 OR d.annotator_id = ?4) AND ?3 IS NULL AND ?5 = 0"
    "   AND d.sample_id BETWEEN ?6 AND ?7",
    "SELECT d.sample_id, d.annotator_id, 0,"
    "  CASE d.verdict WHEN 'accepted' THEN 0 WHEN 'edited' THEN 1 ELSE 2 END,"
    "  d.reason, NULL, d.decided_at, d.ms_spent, coalesce(d.edit_distance, -1),"
    "  coalesce(d.words, -1)"
    " FROM decisions d"
    " WHERE d.verdict <> 'skipped' AND d.decided_at >= $1::bigint"
    "   AND d.decided_at < $2::bigint"
    "   AND ($4::bigint = 0 OR d.annotator_id = $4::bigint) AND $3::text IS NULL"
    "   AND $5::bigint = 0 AND d.sample_id BETWEEN $6::bigint AND $7::bigint"};

/* Head, w and tail prepared for this call (PostgreSQL's head: head_pg, or
 * SQLite's with $N; free it with stmt_done). NULL with err filled. */
static dbi_stmt *where_stmt(store *s, const store_where *w, const char *sql_head,
			    const char *sql_tail, const char *sql_head_pg, assay_error *err)
{
	return store_where_stmt(s, sql_head, sql_tail, sql_head_pg, NULL, w, err);
}

/* Resets a cached statement, frees one of a --where. */
static void stmt_done(dbi_stmt *st, bool own)
{
	if (own)
		dbi_stmt_free(st);
	else
		dbi_reset(st);
}

/* A text column, NULL when the value is NULL (dbi reads NULL as ""). */
static const char *col_text_or_null(dbi_stmt *st, int col)
{
	return dbi_col_null(st, col) ? NULL : dbi_col_text(st, col, NULL);
}

void stats_bind_filter(dbi_stmt *st, const store_stats_filter *f)
{
	dbi_bind_i64(st, 1, f->since_ms);
	dbi_bind_i64(st, 2, f->until_ms > 0 ? f->until_ms : INT64_MAX);
	dbi_bind_text(st, 3, f->field_path, -1);
	dbi_bind_i64(st, 4, f->annotator_id);
	dbi_bind_i64(st, 5, f->batch_id);
	bool all = f->first_sample == 0 && f->last_sample == 0;
	dbi_bind_i64(st, 6, all ? INT64_MIN : f->first_sample);
	dbi_bind_i64(st, 7, all ? INT64_MAX : f->last_sample);
}

int store_stats_each(store *s, const store_stats_filter *f,
		     int (*fn)(void *ud, const store_stat_row *row), void *ud, assay_error *err)
{
	if (!s->pg && !f->where)
		return stats_scan_decisions(s, f, fn, ud, err);
	if (s->pg && f->sums)
		return stats_pg_sums(s, f, fn, ud, err);
	bool join = f->field_path || f->batch_id || f->need_batch, own = f->where != NULL;
	dbi_stmt *st = own ? where_stmt(s, f->where, SQL_DECISIONS " AND (", ")", SQL_DECISIONS_PG " AND (", err)
		       : join ? dbi_stmt_get(s->dbi, &q_decisions, err)
			      : dbi_stmt_get(s->dbi, &q_decisions_only, err);
	if (!st)
		return err->code;
	stats_bind_filter(st, f);
	int rc, out = ASSAY_OK;
	/* columns the query gives as constants, or nobody reads, are not
	 * fetched (a fifth of the calls per row) */
	bool batch = join || own, field = f->field_path != NULL, reason = !f->no_reason;
	while ((rc = dbi_step(st, err, "reading decisions")) == DBI_ROW) {
		store_stat_row row = {
			.sample_id = dbi_col_i64(st, 0),
			.annotator_id = dbi_col_i64(st, 1),
			.batch_id = batch ? dbi_col_i64(st, 2) : 0,
			.verdict = (int)dbi_col_i64(st, 3),
			.reason = reason ? col_text_or_null(st, 4) : NULL,
			.field = field ? col_text_or_null(st, 5) : NULL,
			.decided_at = dbi_col_i64(st, 6),
			.ms_spent = dbi_col_i64(st, 7),
			.edit_distance = dbi_col_i64(st, 8),
			.words = dbi_col_i64(st, 9),
		};
		if ((out = fn(ud, &row)) != 0)
			break;
	}
	if (out == ASSAY_OK && rc < 0)
		out = rc;
	stmt_done(st, own);
	return out;
}

/* Machines' verdicts (decide --auto) are no annotator's: agreement leaves
 * them out. */
#define AUTO "'" STORE_AUTO_PREFIX "'"
#define SQL_MULTI_HEAD                                                                             \
	"SELECT d.sample_id, s.ext_id, d.annotator_id,"                                            \
	"  CASE d.verdict WHEN 'accepted' THEN 0 WHEN 'edited' THEN 1 ELSE 2 END"                  \
	" FROM decisions d JOIN samples s ON s.id = d.sample_id"                                   \
	" WHERE d.verdict <> 'skipped' AND d.annotator_id NOT IN (SELECT id FROM annotators"       \
	"   WHERE substr(name, 1, length(" AUTO ")) = " AUTO ")"                                   \
	" AND d.sample_id IN ("                                                                    \
	"   SELECT sample_id FROM decisions WHERE verdict <> 'skipped'"                            \
	"   AND annotator_id NOT IN (SELECT id FROM annotators"                                    \
	"     WHERE substr(name, 1, length(" AUTO ")) = " AUTO ")"                                 \
	"   GROUP BY sample_id HAVING count(*) >= 2)"
#define SQL_MULTI_TAIL " ORDER BY d.sample_id, d.annotator_id"

static const dbi_query q_multi = {"stats_multi", SQL_MULTI_HEAD SQL_MULTI_TAIL, NULL};

int store_multi_verdicts_each(store *s, const store_where *w,
			      int (*fn)(void *ud, int64_t sample_id, const char *ext_id,
					int64_t annotator_id, int verdict),
			      void *ud, assay_error *err)
{
	bool own = w != NULL;
	dbi_stmt *st = own ? where_stmt(s, w, SQL_MULTI_HEAD " AND (", ")" SQL_MULTI_TAIL, NULL, err)
		       : dbi_stmt_get(s->dbi, &q_multi, err);
	if (!st)
		return err->code;
	int rc, out = ASSAY_OK;
	while ((rc = dbi_step(st, err, "reading verdicts")) == DBI_ROW)
		if ((out = fn(ud, dbi_col_i64(st, 0), dbi_col_text(st, 1, NULL), dbi_col_i64(st, 2),
			      (int)dbi_col_i64(st, 3))) != 0)
			break;
	if (out == ASSAY_OK && rc < 0)
		out = rc;
	stmt_done(st, own);
	return out;
}

/* The primary key's order: all of a sample's decisions in a row, counted
 * here rather than by GROUP BY (which costs SQLite five times the scan). */
static const dbi_query q_verdicts = {
    "stats_verdicts",
    "SELECT sample_id, verdict FROM decisions WHERE sample_id BETWEEN ?1 AND ?2"
    " ORDER BY sample_id, annotator_id",
    NULL};

/* With a --where: the same order, each decision's sample tested. */
#define SQL_VERDICTS_WHERE                                                                         \
	"SELECT d.sample_id, d.verdict FROM decisions d JOIN samples s ON s.id = d.sample_id"      \
	" WHERE d.sample_id BETWEEN ?1 AND ?2 AND ("
#define SQL_VERDICTS_TAIL ") ORDER BY d.sample_id, d.annotator_id"

static int verdicts_range(store *s, const store_where *w, int64_t first, int64_t last,
			  int (*fn)(void *ud, int64_t sample_id, char verdict), void *ud,
			  assay_error *err)
{
	bool own = w != NULL;
	dbi_stmt *st = own ? where_stmt(s, w, SQL_VERDICTS_WHERE, SQL_VERDICTS_TAIL, NULL, err)
		       : dbi_stmt_get(s->dbi, &q_verdicts, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, first);
	dbi_bind_i64(st, 2, last);
	int rc, out = ASSAY_OK;
	while ((rc = dbi_step(st, err, "reading decisions")) == DBI_ROW) {
		const char *v = col_text_or_null(st, 1);
		if ((out = fn(ud, dbi_col_i64(st, 0), v ? v[0] : 's')) != 0)
			break;
	}
	if (out == ASSAY_OK && rc < 0)
		out = rc;
	stmt_done(st, own);
	return out;
}

int store_verdicts_each(store *s, const store_where *w,
			int (*fn)(void *ud, int64_t sample_id, char verdict), void *ud,
			assay_error *err)
{
	return verdicts_range(s, w, INT64_MIN, INT64_MAX, fn, ud, err);
}

static const dbi_query q_max_sample = {"stats_max_sample",
					"SELECT coalesce(max(id), 0) FROM samples", NULL};

int store_max_sample_id(store *s, int64_t *id, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_max_sample, err);
	if (!st)
		return err->code;
	int rc = dbi_step(st, err, "reading samples");
	*id = rc == DBI_ROW ? dbi_col_i64(st, 0) : 0;
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

int verdict_counts_add(void *ud, int64_t id, char verdict)
{
	verdict_counts *c = ud;
	if (id != c->cur) {
		int rc = c->total ? c->fn(c->ud, c->cur, c->rejected, c->edited, c->total) : 0;
		if (rc)
			return rc;
		c->cur = id;
		c->rejected = c->edited = c->total = 0;
	}
	if (verdict == 's') /* skipped */
		return 0;
	c->rejected += verdict == 'r';
	c->edited += verdict == 'e';
	c->total++;
	return 0;
}

int verdict_counts_end(verdict_counts *c, int rc)
{
	return rc == ASSAY_OK && c->total ? c->fn(c->ud, c->cur, c->rejected, c->edited, c->total)
					  : rc;
}

int store_verdict_counts_each(store *s, const store_where *w, int64_t first, int64_t last,
			      int (*fn)(void *ud, int64_t sample_id, int rejected, int edited,
					int total),
			      void *ud, assay_error *err)
{
	if (!s->pg && !w)
		return stats_scan_verdict_counts(s, first, last, fn, ud, err);
	verdict_counts c = {.fn = fn, .ud = ud, .cur = -1};
	int rc = verdicts_range(s, w, first, last, verdict_counts_add, &c, err);
	return verdict_counts_end(&c, rc);
}

void store_strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Reads the quality index alone (covering: quality, id), sorted by quality
 * (without it, during a scoring pass: score_bulk.c, the rows sorted). */
static const dbi_query q_all_quality = {
    "stats_all_quality",
    "SELECT sample_id, quality FROM sample_quality"
    " WHERE quality IS NOT NULL ORDER BY quality",
    "SELECT sample_id, quality FROM sample_quality WHERE quality IS NOT NULL"
    " ORDER BY quality, sample_id"};

int store_quality_each(store *s, int (*fn)(void *ud, int64_t sample_id, double quality), void *ud,
		       assay_error *err)
{
	if (!s->pg)
		return stats_scan_quality(s, fn, ud, err);
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_all_quality, err);
	if (!st)
		return err->code;
	int rc, out = ASSAY_OK;
	while ((rc = dbi_step(st, err, "reading scores")) == DBI_ROW)
		if ((out = fn(ud, dbi_col_i64(st, 0), dbi_col_f64(st, 1))) != 0)
			break;
	if (out == ASSAY_OK && rc < 0)
		out = rc;
	dbi_reset(st);
	return out;
}
