/* stats_pg.c — `assay stats` summed on a PostgreSQL server: one row per
 * group of decisions alike in the keys asked for (store_stats_filter.sums),
 * with the counts, edit sums and times the rows stream of stats.c would
 * have handed over one by one. The server reads the same rows either way;
 * what is saved is sending each decision and reading it in C. */
#include "stats_pg.h"

#include <stdlib.h>
#include <string.h>

/* The keys: each a constant unless its parameter asks for it ($8
 * annotator, $9 day, $10 reason); the batch and the record's field come
 * from the joined query alone. A day is floor(decided_at / a day's ms),
 * as groups.c takes it. The times as an array of their text (> 0, capped
 * as the C reader caps them), for the median. */
#define DAY_MS "86400000"
#define KEYS_PG                                                                                    \
	"CASE WHEN $8::bigint <> 0 THEN d.annotator_id ELSE 0 END,"                                       \
	" CASE WHEN $9::bigint <> 0 THEN (d.decided_at - ((d.decided_at % " DAY_MS ") + " DAY_MS ")"      \
	"   % " DAY_MS ") ELSE 0 END,"                                                             \
	" CASE WHEN $10::bigint <> 0 THEN d.verdict = 'rejected' ELSE false END,"                         \
	" CASE WHEN $10::bigint <> 0 AND d.verdict = 'rejected' THEN d.reason END"
#define SUMS_PG                                                                                    \
	" count(*), count(*) FILTER (WHERE d.verdict = 'accepted'),"                               \
	" count(*) FILTER (WHERE d.verdict = 'edited'),"                                           \
	" count(*) FILTER (WHERE d.verdict = 'rejected'),"                                         \
	" count(*) FILTER (WHERE d.edit_distance >= 0 AND d.words >= 0),"                          \
	" coalesce(sum(d.edit_distance) FILTER (WHERE d.edit_distance >= 0 AND d.words >= 0), 0),"  \
	" coalesce(sum(d.words) FILTER (WHERE d.edit_distance >= 0 AND d.words >= 0), 0),"         \
	" array_agg(least(d.ms_spent, 4294967295)) FILTER (WHERE d.ms_spent > 0)"
#define FILTER_PG                                                                                  \
	" WHERE d.verdict <> 'skipped' AND d.decided_at >= $1::bigint"                             \
	"   AND d.decided_at < $2::bigint"                                                         \
	"   AND ($4::bigint = 0 OR d.annotator_id = $4::bigint)"                                   \
	"   AND d.sample_id BETWEEN $6::bigint AND $7::bigint"
#define GROUP_PG " GROUP BY 1, 2, 3, 4, 5, 6"

/* With the samples: the batch and the record's field (stats.c's PG_FIELD). */
#define JOIN_HEAD_PG                                                                               \
	"SELECT " KEYS_PG ", CASE WHEN $11::bigint <> 0 THEN s.batch_id ELSE 0 END, " STATS_PG_FIELD ","  \
	SUMS_PG " FROM decisions d JOIN samples s ON s.id = d.sample_id" FILTER_PG                 \
	"   AND ($5::bigint = 0 OR s.batch_id = $5::bigint)"
static const dbi_query q_sums_join = {"stats_sums_join", NULL, JOIN_HEAD_PG GROUP_PG};

/* Without: the sample rows are never read. */
static const dbi_query q_sums = {
    "stats_sums",
    NULL,
    "SELECT " KEYS_PG ", 0, NULL," SUMS_PG " FROM decisions d" FILTER_PG
    "   AND $3::text IS NULL AND $5::bigint = 0 AND $11::bigint = 0" GROUP_PG};

/* Reads "{1,2,3}" (int4/int8 array text, no NULLs) into *ms; false when
 * out of memory. */
static bool parse_ms(const char *t, uint32_t **ms, size_t *n, size_t *cap)
{
	*n = 0;
	if (!t || *t != '{')
		return true;
	for (const char *p = t + 1; *p && *p != '}';) {
		char *end;
		unsigned long long v = strtoull(p, &end, 10);
		if (end == p)
			break;
		if (ASSAY_GROW(*ms, *n + 1, *cap, 1024) < 0)
			return false;
		(*ms)[(*n)++] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
		p = *end == ',' ? end + 1 : end;
	}
	return true;
}

static void bind_filter(dbi_stmt *st, const store_stats_filter *f)
{
	stats_bind_filter(st, f);
	dbi_bind_i64(st, 8, f->need_annotator);
	dbi_bind_i64(st, 9, f->need_day);
	dbi_bind_i64(st, 10, !f->no_reason);
	dbi_bind_i64(st, 11, f->need_batch);
}

static const char *text_or_null(dbi_stmt *st, int col)
{
	return dbi_col_null(st, col) ? NULL : dbi_col_text(st, col, NULL);
}

/* One summed row handed to fn (ms: the caller's buffer, grown here). */
static int hand_row(dbi_stmt *st, uint32_t **ms, size_t *cap,
		    int (*fn)(void *ud, const store_stat_row *row), void *ud)
{
	store_stat_sums sums = {
		.decided = (uint64_t)dbi_col_i64(st, 6),
		.accepted = (uint64_t)dbi_col_i64(st, 7),
		.edited = (uint64_t)dbi_col_i64(st, 8),
		.rejected = (uint64_t)dbi_col_i64(st, 9),
		.edits_measured = (uint64_t)dbi_col_i64(st, 10),
		.dist_sum = (uint64_t)dbi_col_i64(st, 11),
		.words_sum = (uint64_t)dbi_col_i64(st, 12),
	};
	if (!parse_ms(text_or_null(st, 13), ms, &sums.n_ms, cap))
		return ASSAY_ENOMEM;
	sums.ms = *ms;
	store_stat_row row = {
		.annotator_id = dbi_col_i64(st, 0),
		.decided_at = dbi_col_i64(st, 1),
		.verdict = dbi_col_i64(st, 2) ? STORE_REJECTED : STORE_ACCEPTED,
		.reason = text_or_null(st, 3),
		.batch_id = dbi_col_i64(st, 4),
		.field = text_or_null(st, 5),
		.edit_distance = -1,
		.words = -1,
		.sums = &sums,
	};
	return fn(ud, &row);
}

int stats_pg_sums(store *s, const store_stats_filter *f,
		  int (*fn)(void *ud, const store_stat_row *row), void *ud, assay_error *err)
{
	bool join = f->field_path || f->batch_id || f->need_batch, own = f->where != NULL;
	dbi_stmt *st = own    ? store_where_stmt(s, JOIN_HEAD_PG " AND (", ")" GROUP_PG, NULL, NULL,
						 f->where, err)
		       : join ? dbi_stmt_get(s->dbi, &q_sums_join, err)
			      : dbi_stmt_get(s->dbi, &q_sums, err);
	if (!st)
		return err->code;
	bind_filter(st, f);
	uint32_t *ms = NULL;
	size_t cap = 0;
	int rc, out = ASSAY_OK;
	while ((rc = dbi_step(st, err, "reading decisions")) == DBI_ROW)
		if ((out = hand_row(st, &ms, &cap, fn, ud)) != 0)
			break;
	free(ms);
	if (out == ASSAY_OK && rc < 0)
		out = rc;
	if (own)
		dbi_stmt_free(st);
	else
		dbi_reset(st);
	return out;
}
