/* review_pg.c — a decision on PostgreSQL in one round trip: BEGIN, one
 * statement writing the event, the verdict (from the event's id) and the
 * lease's release, COMMIT, sent as one pipeline. The sample was read and
 * the decision checked before (review.c), outside the transaction: a
 * sample's texts never change. */
#include "store_int.h"

#include "assay/common.h"

static const dbi_query q_decide_begin = {"decide_begin", NULL, "BEGIN"};
static const dbi_query q_decide_commit = {"decide_commit", NULL, "COMMIT"};

/* $1 sample, $2 annotator, $3 event kind, $4 text, $5 reason, $6 at, $7 ms
 * spent, $8 session, $9 preference, $10 placement, $11 verdict, $12 edit
 * distance, $13 words. */
static const dbi_query q_decide_all = {
    "decide_all", NULL,
    "WITH e AS (INSERT INTO events (sample_id, annotator_id, kind, verdict, text, reason,"
    "  undoes, at, ms_spent, session, pref, placement)"
    "  VALUES ($1::bigint, $2::bigint, $3::text, NULL, $4::text, $5::text, NULL, $6::bigint,"
    "  $7::bigint, $8::text, $9::text, $10::text) RETURNING id),"
    " d AS (INSERT INTO decisions (sample_id, annotator_id, verdict, text, reason, event_id,"
    "  decided_at, ms_spent, edit_distance, words, pref, placement)"
    "  SELECT $1, $2, $11::text, $4, $5, e.id, $6, $7, $12::bigint, $13::bigint, $9, $10"
    "  FROM e ON CONFLICT (sample_id, annotator_id) DO UPDATE SET verdict = excluded.verdict,"
    "  text = excluded.text, reason = excluded.reason, event_id = excluded.event_id,"
    "  decided_at = excluded.decided_at, ms_spent = excluded.ms_spent,"
    "  edit_distance = excluded.edit_distance, words = excluded.words,"
    "  pref = excluded.pref, placement = excluded.placement),"
    " r AS (DELETE FROM leases WHERE sample_id = $1 AND annotator_id = $2)"
    " SELECT id FROM e"};

int review_decide_pg(store *s, const review_pg_decision *d, int64_t *event_id, assay_error *err)
{
	const store_decision_in *in = d->in;
	dbi_stmt *sts[3] = {dbi_stmt_get(s->dbi, &q_decide_begin, err)};
	if (!sts[0] || !(sts[1] = dbi_stmt_get(s->dbi, &q_decide_all, err)) ||
	    !(sts[2] = dbi_stmt_get(s->dbi, &q_decide_commit, err)))
		return err->code;
	dbi_stmt *st = sts[1];
	dbi_bind_i64(st, 1, in->sample_id);
	dbi_bind_i64(st, 2, in->annotator_id);
	dbi_bind_text(st, 3, d->kind, -1);
	dbi_bind_text(st, 4, d->text, -1);
	dbi_bind_text(st, 5, d->reason, -1);
	dbi_bind_i64(st, 6, d->at);
	dbi_bind_i64(st, 7, in->ms_spent > 0 ? in->ms_spent : 0);
	dbi_bind_text(st, 8, in->session, -1);
	dbi_bind_text(st, 9, d->pref, -1);
	dbi_bind_text(st, 10, d->placement, -1);
	dbi_bind_text(st, 11, d->verdict, -1);
	if (d->distance >= 0) {
		dbi_bind_i64(st, 12, d->distance);
		dbi_bind_i64(st, 13, d->words);
	} else {
		dbi_bind_null(st, 12);
		dbi_bind_null(st, 13);
	}
	int64_t rows[3], firsts[3];
	int rc = dbi_pg_pipeline(s->dbi, sts, 3, rows, firsts, err);
	if (rc < 0)
		return assay_error_prefix(err, "recording the decision");
	if (rows[1] != 1)
		return assay_fail(err, ASSAY_EDB, "recording the event: no id returned");
	*event_id = firsts[1];
	return ASSAY_OK;
}

/* Every verdict event of $1 that no undo points at gets an undo event
 * (at $2, session $3), the latest first as the walk down the events goes,
 * and the annotator's decisions on their samples go: once its last verdict
 * on a sample is undone no earlier one is left to restore. How many. */
static const dbi_query q_undo_all = {
    "undo_all_pg", NULL,
    "WITH v AS (SELECT e.id, e.sample_id FROM events e WHERE e.annotator_id = $1"
    "  AND e.kind IN ('accept', 'edit', 'reject', 'skip')"
    "  AND NOT EXISTS (SELECT 1 FROM events u WHERE u.undoes = e.id)),"
    " u AS (INSERT INTO events (sample_id, annotator_id, kind, verdict, text, reason, undoes,"
    "  at, ms_spent, session, pref, placement)"
    "  SELECT sample_id, $1::bigint, 'undo', NULL, NULL, NULL, id, $2::bigint, 0, $3::text,"
    "  NULL, NULL FROM v ORDER BY id DESC RETURNING id),"
    " d AS (DELETE FROM decisions WHERE annotator_id = $1 AND sample_id IN"
    "  (SELECT sample_id FROM v))"
    " SELECT count(*) FROM u"};

int review_undo_all_pg(store *s, int64_t annotator_id, const char *session, int64_t *n,
		       assay_error *err)
{
	*n = 0;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_undo_all, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, annotator_id);
	dbi_bind_i64(st, 2, assay_now_ms());
	dbi_bind_text(st, 3, session, -1);
	int rc = dbi_step(st, err, "undoing the decisions");
	if (rc == DBI_ROW)
		*n = dbi_col_i64(st, 0);
	dbi_reset(st);
	return rc < 0 ? rc : rc == DBI_ROW ? ASSAY_OK : assay_fail(err, ASSAY_EDB,
								   "undoing the decisions: no count");
}
