/* lists.c — the samples behind a report's figures: example rejections per
 * reason and the surest automatic decisions, each of a --where slice. */
#include "lists_pg.h"
#include "store_int.h"

#include <math.h>

/* The stored context if it is a JSON array, else an empty one: its
 * elements that are objects are its lines (an object's members or a
 * string's json_each would give values json_extract cannot read). */
#define CONTEXT_ARRAY                                                                              \
	"CASE WHEN json_valid(s.context) AND json_type(s.context) = 'array' THEN s.context"        \
	" ELSE '[]' END"

/* The newest per_reason (?1) rejections of each reason; a slice goes
 * between the head and the tail. */
#define SQL_REJECTIONS_HEAD                                                                        \
	"SELECT ext_id, text, annotator, 'rejected', reason, learned, context, id, annotator_id"   \
	" FROM (SELECT s.id, d.annotator_id, s.ext_id, substr(s.text, 1, ?2) AS text,"             \
	"  a.name AS annotator, d.reason,"                                                         \
	"  (SELECT substr(group_concat(coalesce(json_extract(j.value, '$.name'),"                  \
	"   json_extract(j.value, '$.role')) || ': ' || json_extract(j.value, '$.text'),"          \
	"   char(10)), 1, ?2) FROM json_each(" CONTEXT_ARRAY ") j WHERE j.type = 'object')"       \
	"   AS context,"                                                                           \
	"  (SELECT sc.learned FROM sample_scores sc WHERE sc.sample_id = s.id)"                    \
	"   AS learned,"                                                                           \
	"  row_number() OVER (PARTITION BY d.reason ORDER BY d.decided_at DESC, d.sample_id) AS k" \
	" FROM decisions d JOIN samples s ON s.id = d.sample_id"                                   \
	" JOIN annotators a ON a.id = d.annotator_id"                                              \
	" WHERE d.verdict = 'rejected'"
#define SQL_REJECTIONS_TAIL ") WHERE k <= ?1 ORDER BY reason, k"

static const char sql_rejections[] = SQL_REJECTIONS_HEAD SQL_REJECTIONS_TAIL;

/* The surest ?1 decisions by "auto:" annotators (a prefix test, not LIKE,
 * whose _ and case folding would match more). */
#define SQL_AUTO_HEAD                                                                              \
	"SELECT s.ext_id, substr(s.text, 1, ?2), a.name, d.verdict, d.reason, sc.learned,"         \
	"  (SELECT substr(group_concat(coalesce(json_extract(j.value, '$.name'),"                  \
	"   json_extract(j.value, '$.role')) || ': ' || json_extract(j.value, '$.text'),"          \
	"   char(10)), 1, ?2) FROM json_each(" CONTEXT_ARRAY ") j WHERE j.type = 'object'),"      \
	"  s.id, a.id"                                                                             \
	" FROM annotators a JOIN decisions d ON d.annotator_id = a.id"                             \
	" JOIN samples s ON s.id = d.sample_id"                                                    \
	" LEFT JOIN sample_scores sc ON sc.sample_id = s.id"                                       \
	" WHERE substr(a.name, 1, 5) = 'auto:' AND d.verdict <> 'skipped'"
#define SQL_AUTO_TAIL " ORDER BY abs(coalesce(sc.learned, 0.5) - 0.5) DESC, d.sample_id LIMIT ?1"

static const char sql_auto[] = SQL_AUTO_HEAD SQL_AUTO_TAIL;

/* The statement: cached without a slice, else prepared with it (*own:
 * finalize it). NULL with err filled. */
static sqlite3_stmt *stmt_for(store *s, const store_where *w, const char *sql_cached,
			      const char *sql_head, const char *sql_tail, bool *own, assay_error *err)
{
	sqlite3_stmt *st = NULL;
	*own = w != NULL;
	if (!w)
		return store_stmt(s, sql_cached, err);
	return store_where_prepare(s, sql_head, w, sql_tail, &st, err) < 0 ? NULL : st;
}

static int examples(store *s, sqlite3_stmt *st, bool own, int limit,
		    int (*fn)(void *ud, const store_example *e), void *ud, assay_error *err)
{
	sqlite3_bind_int(st, 1, limit);
	sqlite3_bind_int(st, 2, STORE_EXAMPLE_CHARS);
	int rc, out = ASSAY_OK;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_example e = {
			.ext_id = (const char *)sqlite3_column_text(st, 0),
			.text = (const char *)sqlite3_column_text(st, 1),
			.annotator = (const char *)sqlite3_column_text(st, 2),
			.verdict = (const char *)sqlite3_column_text(st, 3),
			.reason = (const char *)sqlite3_column_text(st, 4),
			.learned = sqlite3_column_type(st, 5) == SQLITE_NULL
					   ? NAN
					   : sqlite3_column_double(st, 5),
			.context = (const char *)sqlite3_column_text(st, 6),
			.sample_id = sqlite3_column_int64(st, 7),
			.annotator_id = sqlite3_column_int64(st, 8),
		};
		if ((out = fn(ud, &e)) != 0)
			break;
	}
	if (out == ASSAY_OK && rc != SQLITE_DONE)
		out = store_sqlerr(s, rc, err, "reading examples");
	if (own)
		sqlite3_finalize(st);
	else
		sqlite3_reset(st);
	return out;
}

int store_rejection_examples(store *s, const store_where *w, int per_reason,
			     int (*fn)(void *ud, const store_example *e), void *ud,
			     assay_error *err)
{
	if (s->pg)
		return store_rejection_examples_pg(s, w, per_reason, fn, ud, err);
	bool own;
	sqlite3_stmt *st = stmt_for(s, w, sql_rejections, SQL_REJECTIONS_HEAD " AND (",
				    ")" SQL_REJECTIONS_TAIL, &own, err);
	return st ? examples(s, st, own, per_reason, fn, ud, err) : err->code;
}

int store_auto_examples(store *s, const store_where *w, int max,
			int (*fn)(void *ud, const store_example *e), void *ud, assay_error *err)
{
	if (s->pg)
		return store_auto_examples_pg(s, w, max, fn, ud, err);
	bool own;
	sqlite3_stmt *st = stmt_for(s, w, sql_auto, SQL_AUTO_HEAD " AND (", ")" SQL_AUTO_TAIL,
				    &own, err);
	return st ? examples(s, st, own, max, fn, ud, err) : err->code;
}
