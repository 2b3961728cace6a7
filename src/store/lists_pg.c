/* lists_pg.c — the samples behind a report's figures on PostgreSQL
 * (lists.c has SQLite's): the same example rejections per reason and
 * surest automatic decisions, in the same order (reasons byte-wise, a
 * rejection without a reason first, as SQLite sorts them), the context
 * taken apart by the server's json functions as context.c reads it. */
#include "lists_pg.h"

#include <math.h>

#include "json_pg.h"

/* What the text answers, "name: text" lines, at most $2 characters: the
 * elements of an array that are objects (a string cut at a \u0000
 * escape, not an error), as lists.c's walk. */
#define CONTEXT_PG                                                                                 \
	"(SELECT substr(string_agg(coalesce(j.value ->> 'name', j.value ->> 'role') || ': '"      \
	"   || (j.value ->> 'text'), chr(10) ORDER BY j.k), 1, $2)"                                \
	"  FROM (SELECT " JSON_SAFE_PG("s.context") " AS c) x CROSS JOIN LATERAL"                  \
	"  json_array_elements(CASE WHEN json_typeof(x.c) = 'array' THEN x.c ELSE '[]' END)"       \
	"  WITH ORDINALITY j(value, k) WHERE json_typeof(j.value) = 'object')"

/* The newest per_reason ($1) rejections of each reason; a slice goes
 * between the head and the tail. */
#define REJECTIONS_HEAD_PG                                                                         \
	"SELECT ext_id, text, annotator, 'rejected', reason, learned, context, id, annotator_id"   \
	" FROM (SELECT s.id, d.annotator_id, s.ext_id, substr(s.text, 1, $2) AS text,"             \
	"  a.name AS annotator, d.reason, " CONTEXT_PG " AS context,"                              \
	"  (SELECT sc.learned FROM sample_scores sc WHERE sc.sample_id = s.id) AS learned,"        \
	"  row_number() OVER (PARTITION BY d.reason ORDER BY d.decided_at DESC, d.sample_id) AS k" \
	" FROM decisions d JOIN samples s ON s.id = d.sample_id"                                   \
	" JOIN annotators a ON a.id = d.annotator_id"                                              \
	" WHERE d.verdict = 'rejected'"
#define REJECTIONS_TAIL_PG ") x WHERE k <= $1 ORDER BY reason COLLATE \"C\" NULLS FIRST, k"
static const dbi_query q_rejections_pg = {"rejection_examples_pg", NULL,
					  REJECTIONS_HEAD_PG REJECTIONS_TAIL_PG};

/* The surest $1 decisions by "auto:" annotators (a prefix test). */
#define AUTO_HEAD_PG                                                                               \
	"SELECT s.ext_id, substr(s.text, 1, $2), a.name, d.verdict, d.reason, sc.learned,"         \
	" " CONTEXT_PG ", s.id, a.id"                                                              \
	" FROM annotators a JOIN decisions d ON d.annotator_id = a.id"                             \
	" JOIN samples s ON s.id = d.sample_id"                                                    \
	" LEFT JOIN sample_scores sc ON sc.sample_id = s.id"                                       \
	" WHERE substr(a.name, 1, 5) = 'auto:' AND d.verdict <> 'skipped'"
#define AUTO_TAIL_PG " ORDER BY abs(coalesce(sc.learned, 0.5) - 0.5) DESC, d.sample_id LIMIT $1"
static const dbi_query q_auto_examples_pg = {"auto_examples_pg", NULL,
					     AUTO_HEAD_PG AUTO_TAIL_PG};

/* A text column, NULL as NULL. */
static const char *text_or_null(dbi_stmt *st, int col)
{
	size_t n;
	return dbi_col_null(st, col) ? NULL : dbi_col_text(st, col, &n);
}

static int examples(dbi_stmt *st, bool own, int limit,
		    int (*fn)(void *ud, const store_example *e), void *ud, assay_error *err)
{
	dbi_bind_i64(st, 1, limit);
	dbi_bind_i64(st, 2, STORE_EXAMPLE_CHARS);
	int rc, out = ASSAY_OK;
	while ((rc = dbi_step(st, err, "reading examples")) == DBI_ROW) {
		store_example e = {
			.ext_id = text_or_null(st, 0),
			.text = text_or_null(st, 1),
			.annotator = text_or_null(st, 2),
			.verdict = text_or_null(st, 3),
			.reason = text_or_null(st, 4),
			.learned = dbi_col_null(st, 5) ? NAN : dbi_col_f64(st, 5),
			.context = text_or_null(st, 6),
			.sample_id = dbi_col_i64(st, 7),
			.annotator_id = dbi_col_i64(st, 8),
		};
		if ((out = fn(ud, &e)) != 0)
			break;
	}
	if (own)
		dbi_stmt_free(st);
	else
		dbi_reset(st);
	return out != ASSAY_OK ? out : rc < 0 ? rc : ASSAY_OK;
}

int store_rejection_examples_pg(store *s, const store_where *w, int per_reason,
				int (*fn)(void *ud, const store_example *e), void *ud,
				assay_error *err)
{
	dbi_stmt *st = w ? store_where_stmt(s, REJECTIONS_HEAD_PG " AND (", ")" REJECTIONS_TAIL_PG,
					    NULL, NULL, w, err)
			 : dbi_stmt_get(s->dbi, &q_rejections_pg, err);
	return st ? examples(st, w != NULL, per_reason, fn, ud, err) : err->code;
}

int store_auto_examples_pg(store *s, const store_where *w, int max,
			   int (*fn)(void *ud, const store_example *e), void *ud, assay_error *err)
{
	dbi_stmt *st = w ? store_where_stmt(s, AUTO_HEAD_PG " AND (", ")" AUTO_TAIL_PG, NULL, NULL,
					    w, err)
			 : dbi_stmt_get(s->dbi, &q_auto_examples_pg, err);
	return st ? examples(st, w != NULL, max, fn, ud, err) : err->code;
}
