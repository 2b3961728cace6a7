/* auto_pg.c — what `decide --auto` reads on PostgreSQL (auto.c has
 * SQLite's): the same walk over the learned value, the learned score's
 * reason and detail read from score_notes' arrays at the learned slot + 1
 * (scores_pg.h), the detail's JSON read by the server. A detail that is not
 * a JSON object (none, or one left empty for its length) matches no model,
 * as SQLite's json_valid makes it. */
#include "auto_pg.h"
#include "json_pg.h"
#include "queue_int.h"
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#include "assay/limits.h"
#include "assay/text.h"

/* Undecided: no verdict but skips and no adjudication. */
#define UNDECIDED_PG                                                                               \
	" NOT EXISTS (SELECT 1 FROM decisions d WHERE d.sample_id = s.id"                         \
	"             AND d.verdict <> 'skipped')"                                                 \
	" AND NOT EXISTS (SELECT 1 FROM adjudications a WHERE a.sample_id = s.id)"
/* The learned slot's subscript in the notes' arrays, as k.i. */
#define LEARNED_K_PG " CROSS JOIN (SELECT slot + 1 AS i FROM scorers WHERE name = 'learned') k"
/* The learned detail of the notes row n as jsonb (NULL: none, or not an
 * object; white space around it, and a string cut at a \u0000 escape, as
 * SQLite's json functions read it), as j.d. */
#define LEARNED_J_PG                                                                               \
	" LEFT JOIN score_notes n ON n.sample_id = sc.sample_id"                                   \
	" CROSS JOIN LATERAL (SELECT CASE WHEN btrim(n.details[k.i], chr(32) || chr(9) || chr(10)"  \
	"   || chr(13)) LIKE '{%}' THEN CAST(" JSON_SAFE_PG("n.details[k.i]") " AS JSONB) END AS d) j"
#define OF_MODEL_PG(p) " jsonb_typeof(j.d) = 'object' AND j.d -> 'model' = to_jsonb(" p "::bigint)"

/* The next $3 learned values at or below $1 after the cursor ($4, $5),
 * walked in the index's order and bounded before anything else is read
 * (the server's estimate of the model test is far too low: filtered in the
 * same query it hashes every note of the store for each page), each with
 * whether it is one to take: of model $2 and undecided. */
static const dbi_query q_auto_page_pg = {
    "auto_page_pg", NULL,
    "WITH w AS MATERIALIZED (SELECT sc.sample_id, sc.learned FROM sample_scores sc"
    "  WHERE sc.learned IS NOT NULL AND (sc.learned, sc.sample_id) > ($4::float8, $5::bigint)"
    "  AND sc.learned <= $1::float8 ORDER BY sc.learned, sc.sample_id LIMIT $3)"
    " SELECT s.id, s.ext_id, sc.learned, coalesce(n.reasons[k.i], ''),"
    " CASE WHEN jsonb_typeof(j.d) = 'object' AND jsonb_typeof(j.d -> 'reason') = 'string'"
    "  THEN j.d ->> 'reason' END,"
    " coalesce(" OF_MODEL_PG(
	"$2") " AND" UNDECIDED_PG ", false)"
	      " FROM w sc JOIN samples s ON s.id = sc.sample_id" LEARNED_K_PG LEARNED_J_PG
	      " ORDER BY sc.learned, sc.sample_id"};

static const dbi_query q_auto_unscored_pg = {
    "auto_unscored_pg", NULL,
    "SELECT count(*) FROM samples s WHERE" UNDECIDED_PG
    " AND NOT EXISTS (SELECT 1 FROM sample_scores sc" LEARNED_K_PG LEARNED_J_PG
    "  WHERE sc.sample_id = s.id AND sc.learned IS NOT NULL AND" OF_MODEL_PG("$1") ")"};

/* The sample's claim lock (queue_pg.c's keys), tried: held by the page's
 * transaction until it ends, so that no annotator claims the sample while
 * its rejection is being written, and not granted while a claim of it is
 * in flight. */
static const dbi_query q_auto_lock_pg = {
    "auto_lock_pg", NULL, "SELECT pg_try_advisory_xact_lock(" PG_SAMPLE_KEYS ")::integer"};

static const dbi_query q_auto_open_pg = {
    "auto_open_pg", NULL,
    "SELECT 1 FROM samples s WHERE s.id = $1 AND" UNDECIDED_PG
    " AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.sample_id = s.id AND l.expires_at > " PG_NOW_MS
    ")"};

/* Takes the sample's claim lock: *got false when a claim holds it. */
static int auto_lock(store *s, int64_t sample_id, bool *got, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_auto_lock_pg, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	int rc = dbi_step(st, err, "locking a sample");
	*got = rc == DBI_ROW && dbi_col_i64(st, 0) == 1;
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

/* Inside the page's transaction: the lock first, then the test in a
 * statement of its own, whose snapshot (READ COMMITTED) is taken after the
 * lock was got and so sees a claim that committed before. */
int store_auto_open_pg(store *s, int64_t sample_id, int64_t now_ms, bool *open, assay_error *err)
{
	*open = false;
	bool got = false;
	int rc = auto_lock(s, sample_id, &got, err);
	if (rc < 0 || !got)
		return rc;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_auto_open_pg, err);
	if (!st)
		return err->code;
	(void)now_ms; /* leases end by the server's clock here (queue_pg.c) */
	dbi_bind_i64(st, 1, sample_id);
	rc = dbi_step(st, err, "checking a sample");
	*open = rc == DBI_ROW;
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

/* One result row into r; ASSAY_ENOMEM. */
static int read_row(dbi_stmt *st, store_auto_row *r, assay_error *err)
{
	r->sample_id = dbi_col_i64(st, 0);
	r->ext_id = store_dcol_str(st, 1);
	r->value = dbi_col_f64(st, 2);
	r->why = store_dcol_str(st, 3);
	bool likely = !dbi_col_null(st, 4);
	r->likely = likely ? store_dcol_str(st, 4) : NULL;
	if (!r->ext_id || !r->why || (likely && !r->likely))
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	return ASSAY_OK;
}

/* One window of the walk: the rows to take appended to rows (*n), the
 * cursor moved past every row walked; *more when the window was full. */
static int page_window(store *s, int64_t model, double max_value, size_t max,
		       double *after_value, int64_t *after_id, store_auto_row *rows, size_t *n,
		       bool *more, assay_error *err)
{
	*more = false;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_auto_page_pg, err);
	if (!st)
		return err->code;
	dbi_bind_f64(st, 1, max_value);
	dbi_bind_i64(st, 2, model);
	dbi_bind_i64(st, 3, (int64_t)max);
	dbi_bind_f64(st, 4, *after_value);
	dbi_bind_i64(st, 5, *after_id);
	size_t walked = 0;
	int rc, out = ASSAY_OK;
	while (out == ASSAY_OK && (rc = dbi_step(st, err, "reading the learned scores")) == DBI_ROW) {
		walked++;
		*after_id = dbi_col_i64(st, 0);
		*after_value = dbi_col_f64(st, 2);
		if (dbi_col_i64(st, 5) && *n < max)
			out = read_row(st, &rows[(*n)++], err);
	}
	dbi_reset(st);
	if (out == ASSAY_OK && rc < 0)
		out = rc;
	*more = out == ASSAY_OK && walked == max;
	return out;
}

int store_auto_page_pg(store *s, int64_t model, double max_value, size_t max,
		       double *after_value, int64_t *after_id, store_auto_row **rows, size_t *n,
		       assay_error *err)
{
	*rows = NULL;
	*n = 0;
	if (!max)
		return ASSAY_OK;
	if (!(*rows = calloc(max, sizeof **rows)))
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	/* windows whose rows are all decided or of another model are walked
	 * past: an empty page means the end */
	bool more = true;
	int rc = ASSAY_OK;
	while (rc == ASSAY_OK && !*n && more)
		rc = page_window(s, model, max_value, max, after_value, after_id, *rows, n, &more,
				 err);
	if (rc < 0) {
		store_auto_rows_free(*rows, *n);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

int store_auto_unscored_pg(store *s, int64_t model, int64_t *n, assay_error *err)
{
	*n = 0;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_auto_unscored_pg, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, model);
	int rc = dbi_step(st, err, "counting samples");
	if (rc == DBI_ROW)
		*n = dbi_col_i64(st, 0);
	dbi_reset(st);
	return rc == DBI_ROW ? ASSAY_OK
	       : rc < 0      ? rc
			     : assay_fail(err, ASSAY_EDB, "counting samples: no count");
}

/* ---- a page's rejections, set-based ------------------------------------------------ */

/* The page's claim locks ($1 the ids as an array), tried at once: the ids
 * got (an array), and how many of the page are pairs (their rejection is
 * refused one by one, as SQLite's). */
static const dbi_query q_auto_lock_page_pg = {
    "auto_lock_page_pg", NULL,
    "SELECT coalesce(array_agg(u.id ORDER BY u.ord), '{}')::text,"
    " (SELECT count(*) FROM pairs p WHERE p.sample_id = ANY($1::bigint[]))"
    " FROM unnest($1::bigint[]) WITH ORDINALITY u(id, ord)"
    " WHERE pg_try_advisory_xact_lock(" PG_STORE_KEY ", (u.id & 2147483647)::integer)"};

/* In a statement of its own after the locks (its snapshot sees a claim
 * that committed before): of the page ($1 ids, $2 reasons, in order) the
 * samples locked ($3) still undecided and on nobody's screen get a
 * rejection by $4 at $5: the events in the page's order, the decisions
 * from them, the annotator's own leases of them dropped, as store_decide
 * writes one; how many. */
static const dbi_query q_auto_reject_pg = {
    "auto_reject_pg", NULL,
    "WITH c AS (SELECT u.id, u.reason, u.ord"
    "  FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY u(id, reason, ord)"
    "  JOIN samples s ON s.id = u.id WHERE u.id = ANY($3::bigint[]) AND" UNDECIDED_PG
    "  AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.sample_id = s.id"
    "   AND l.expires_at > " PG_NOW_MS ")),"
    " e AS (INSERT INTO events (sample_id, annotator_id, kind, verdict, text, reason, undoes,"
    "  at, ms_spent, session, pref, placement)"
    "  SELECT id, $4::bigint, 'reject', NULL, NULL, reason, NULL, $5::bigint, 0, 'auto', NULL,"
    "  NULL FROM c ORDER BY ord RETURNING id, sample_id, reason),"
    " d AS (INSERT INTO decisions (sample_id, annotator_id, verdict, text, reason, event_id,"
    "  decided_at, ms_spent, edit_distance, words, pref, placement)"
    "  SELECT sample_id, $4, 'rejected', NULL, reason, id, $5, 0, NULL, NULL, NULL, NULL FROM e"
    "  ON CONFLICT (sample_id, annotator_id) DO UPDATE SET verdict = excluded.verdict,"
    "  text = excluded.text, reason = excluded.reason, event_id = excluded.event_id,"
    "  decided_at = excluded.decided_at, ms_spent = excluded.ms_spent,"
    "  edit_distance = excluded.edit_distance, words = excluded.words,"
    "  pref = excluded.pref, placement = excluded.placement),"
    " r AS (DELETE FROM leases WHERE annotator_id = $4 AND sample_id IN (SELECT sample_id FROM e))"
    " SELECT count(*) FROM e"};

/* The page as two array literals: the ids and the reasons (quoted, " and
 * backslash escaped). false when a reason would be refused (empty, not UTF-8,
 * too long): the rows go one by one, which says why. */
static bool page_arrays(const store_auto_row *rows, size_t n, const char *reason, abuf *ids,
			abuf *why, int *rc)
{
	*rc = ASSAY_OK;
	int e = abuf_putc(ids, '{') | abuf_putc(why, '{');
	for (size_t i = 0; i < n && !e; i++) {
		const char *r = store_auto_reason(&rows[i], reason);
		size_t len = strlen(r), bad;
		if (!len || len > ASSAY_REASON_MAX || !text_utf8_valid(r, len, &bad))
			return false;
		e |= abuf_printf(ids, "%s%lld", i ? "," : "", (long long)rows[i].sample_id);
		e |= abuf_puts(why, i ? ",\"" : "\"");
		for (const char *c = r; *c && !e; c++)
			e |= (*c == '"' || *c == '\\' ? abuf_putc(why, '\\') : 0) | abuf_putc(why, *c);
		e |= abuf_putc(why, '"');
	}
	e |= abuf_putc(ids, '}') | abuf_putc(why, '}');
	if (e)
		*rc = ASSAY_ENOMEM;
	return !e;
}

/* Takes the page's locks: *got the ids got (an array literal), *pairs how
 * many of the page are pairs. */
static int lock_page(store *s, const char *ids, char **got, int64_t *pairs, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_auto_lock_page_pg, err);
	if (!st)
		return err->code;
	dbi_bind_text(st, 1, ids, -1);
	int rc = dbi_step(st, err, "locking samples");
	if (rc == DBI_ROW) {
		*got = assay_strdup(dbi_col_text(st, 0, NULL));
		*pairs = dbi_col_i64(st, 1);
	}
	dbi_reset(st);
	return rc < 0		? rc
	       : rc != DBI_ROW ? assay_fail(err, ASSAY_EDB, "locking samples: no row")
	       : !*got	       ? assay_fail(err, ASSAY_ENOMEM, "out of memory")
			       : ASSAY_OK;
}

static int reject_page(store *s, int64_t who, const char *ids, const char *why,
		       const char *got, int64_t *done, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_auto_reject_pg, err);
	if (!st)
		return err->code;
	dbi_bind_text(st, 1, ids, -1);
	dbi_bind_text(st, 2, why, -1);
	dbi_bind_text(st, 3, got, -1);
	dbi_bind_i64(st, 4, who);
	dbi_bind_i64(st, 5, assay_now_ms());
	int rc = dbi_step(st, err, "recording the rejections");
	if (rc == DBI_ROW)
		*done = dbi_col_i64(st, 0);
	dbi_reset(st);
	return rc < 0 ? rc : rc == DBI_ROW ? ASSAY_OK : assay_fail(err, ASSAY_EDB,
								   "recording the rejections: no count");
}

int store_auto_reject_pg(store *s, int64_t who, const store_auto_row *rows, size_t n,
			 const char *reason, int64_t *done, assay_error *err)
{
	abuf ids = {0}, why = {0};
	char *got = NULL;
	int64_t pairs = 0;
	int rc;
	if (!page_arrays(rows, n, reason, &ids, &why, &rc))
		rc = rc < 0 ? assay_fail(err, rc, "out of memory") : ASSAY_OK;
	else if ((rc = lock_page(s, ids.data, &got, &pairs, err)) == ASSAY_OK && !pairs)
		rc = reject_page(s, who, ids.data, why.data, got, done, err) < 0 ? err->code : 1;
	free(got);
	abuf_free(&ids);
	abuf_free(&why);
	return rc;
}
