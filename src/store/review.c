/* review.c — annotators' decisions: the event and the current verdict in
 * one transaction, lead adjudications, and undo read back from the
 * append-only event log (so it survives restarts). */
#include "queue_int.h"

#include <stdlib.h>
#include <string.h>

#include "assay/limits.h"
#include "assay/text.h"

static const dbi_query q_ann_add = {
    "annotator_add",
    "INSERT INTO annotators (name, first_seen) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
    NULL};
static const dbi_query q_ann_get = {"annotator_get", "SELECT id FROM annotators WHERE name = ?1",
				    NULL};

/* The annotator's id by name: 1 found, 0 none, < 0 error. */
static int ann_get(store *s, const char *name, int64_t *id, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_ann_get, err);
	if (!st)
		return err->code;
	dbi_bind_text(st, 1, name, -1);
	int rc = dbi_step(st, err, "reading an annotator");
	*id = rc == DBI_ROW ? dbi_col_i64(st, 0) : 0;
	dbi_reset(st);
	return rc == DBI_ROW ? 1 : rc;
}

/* A known annotator is only read: a screen opens while another writer
 * holds the lock. */
int store_annotator_ensure(store *s, const char *name, int64_t *id, assay_error *err)
{
	if (!name || !*name)
		return assay_fail(err, ASSAY_EINVAL, "the annotator's name is empty");
	size_t bad;
	if (!text_utf8_valid(name, strlen(name), &bad) || strlen(name) > ASSAY_ANNOTATOR_MAX)
		return assay_fail(err, ASSAY_EINVAL,
				  "the annotator's name must be valid UTF-8 of at most %u bytes",
				  ASSAY_ANNOTATOR_MAX);
	int rc = ann_get(s, name, id, err);
	if (rc != 0)
		return rc < 0 ? rc : ASSAY_OK;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_ann_add, err);
	if (!st)
		return err->code;
	dbi_bind_text(st, 1, name, -1);
	dbi_bind_i64(st, 2, assay_now_ms());
	if ((rc = dbi_run(st, err, "recording an annotator")) < 0)
		return rc;
	rc = ann_get(s, name, id, err);
	return rc == 1 ? ASSAY_OK
	       : rc < 0 ? rc
			: assay_fail(err, ASSAY_EDB, "reading an annotator: not recorded");
}

static const char *const kind_names[] = {
	[STORE_ACCEPT] = "accept", [STORE_EDIT] = "edit", [STORE_REJECT] = "reject",
	[STORE_SKIP] = "skip",     [STORE_NOTE] = "note",
};
static const char *const verdict_names[] = {
	[STORE_ACCEPT] = "accepted", [STORE_EDIT] = "edited", [STORE_REJECT] = "rejected",
	[STORE_SKIP] = "skipped",
};

static const dbi_query q_sample_text = {
    "decide_sample_text",
    "SELECT s.text, p.b_text, p.sample_id IS NOT NULL FROM samples s"
    " LEFT JOIN pairs p ON p.sample_id = s.id WHERE s.id = ?1",
    NULL};

/* What a verdict on a pair must carry, and a preference only a pair can
 * take: NULL when in is fine, else why not. */
static const char *pair_check(const store_decision_in *in, bool pair)
{
	int p = in->pref, k = in->kind;
	if (p < STORE_PREF_NONE || p > STORE_PREF_BOTH_BAD || in->placement < STORE_PLACE_NONE ||
	    in->placement > STORE_PLACE_BA)
		return "internal: unknown preference or placement";
	if (!pair)
		return p ? "a preference goes on a pair of candidates; this sample is single"
			 : NULL;
	if (!p && k <= STORE_REJECT)
		return "this sample is a pair of candidates: decide it with prefer "
		       "a|b|tie|both-bad";
	if (((p == STORE_PREF_A || p == STORE_PREF_B) && k != STORE_ACCEPT && k != STORE_EDIT) ||
	    (p == STORE_PREF_TIE && k != STORE_ACCEPT) ||
	    (p == STORE_PREF_BOTH_BAD && k != STORE_REJECT))
		return "only a preference for a or b can come with a corrected text";
	return NULL;
}

/* Checks what the decision carries and measures an edit against the
 * original: *distance and *words stay -1 unless it is an edit. */
static int validate(store *s, const store_decision_in *in, int64_t *distance, int64_t *words,
		    assay_error *err)
{
	*distance = *words = -1;
	if (in->kind < STORE_ACCEPT || in->kind > STORE_NOTE)
		return assay_fail(err, ASSAY_EINVAL, "internal: unknown decision kind %d", in->kind);
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_sample_text, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, in->sample_id);
	int rc = dbi_step(st, err, "reading a sample");
	if (rc != DBI_ROW) {
		dbi_reset(st);
		return rc == DBI_DONE ? assay_fail(err, ASSAY_ENOTFOUND, "no sample #%lld",
						   (long long)in->sample_id)
				      : rc;
	}
	bool pair = (int)dbi_col_i64(st, 2) != 0;
	size_t bad;
	const char *needs = pair_check(in, pair);
	if (!needs && (in->kind == STORE_EDIT || in->kind == STORE_NOTE) &&
	    (!in->text || !*in->text))
		needs = in->kind == STORE_EDIT ? "an edit needs the corrected text"
					       : "a note needs its text";
	else if (!needs && in->kind == STORE_REJECT && !in->pref && (!in->reason || !*in->reason))
		needs = "a rejection needs a reason";
	else if (!needs && in->pref && in->reason &&
		 (strlen(in->reason) > ASSAY_REASON_MAX ||
		  !text_utf8_valid(in->reason, strlen(in->reason), &bad)))
		needs = "the reason must be valid UTF-8 within the length allowed";
	if (needs) {
		dbi_reset(st);
		return assay_fail(err, ASSAY_EINVAL, "%s", needs);
	}
	const char *extra = in->kind == STORE_REJECT ? in->reason : in->text;
	const char *what = in->kind == STORE_REJECT ? "reason" : in->kind == STORE_NOTE ? "note"
										    : "text";
	size_t max = in->kind == STORE_REJECT ? ASSAY_REASON_MAX
		     : in->kind == STORE_NOTE ? ASSAY_NOTE_MAX
					      : ASSAY_EDIT_MAX;
	size_t len = extra ? strlen(extra) : 0;
	if (extra && !text_utf8_valid(extra, len, &bad)) {
		dbi_reset(st);
		return assay_fail(err, ASSAY_EINVAL, "the %s is not valid UTF-8 (byte %zu)", what,
				  bad + 1);
	}
	if (len > max) {
		dbi_reset(st);
		return assay_fail(err, ASSAY_EINVAL, "the %s is %zu bytes, longer than the %zu allowed",
				  what, len, (size_t)max);
	}
	if (in->kind == STORE_EDIT) {
		int col = in->pref == STORE_PREF_B ? 1 : 0; /* the chosen one */
		size_t olen = 0;
		const char *orig = dbi_col_text(st, col, &olen);
		if (olen == strlen(in->text) && memcmp(orig, in->text, olen) == 0) {
			dbi_reset(st);
			return assay_fail(err, ASSAY_EINVAL, "the edit is the same as the original text");
		}
		text_diff d = {0};
		if (text_word_diff(orig, olen, in->text, strlen(in->text), &d) == ASSAY_OK) {
			*distance = (int64_t)d.distance;
			*words = (int64_t)d.words_a;
		}
		text_diff_free(&d);
	}
	dbi_reset(st);
	return ASSAY_OK;
}

static const dbi_query q_event = {
    "event_add",
    "INSERT INTO events (sample_id, annotator_id, kind, verdict, text, reason, undoes, at,"
    " ms_spent, session, pref, placement)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
    NULL};

static const char *place_name(int placement)
{
	return placement == STORE_PLACE_AB ? "ab" : placement == STORE_PLACE_BA ? "ba" : NULL;
}

static int add_event(store *s, const store_decision_in *in, const char *kind, const char *verdict,
		     int64_t undoes, int64_t at, int64_t *event_id, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_event, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, in->sample_id);
	dbi_bind_i64(st, 2, in->annotator_id);
	dbi_bind_text(st, 3, kind, -1);
	dbi_bind_text(st, 4, verdict, -1);
	dbi_bind_text(st, 5, in->kind == STORE_EDIT || in->kind == STORE_NOTE ? in->text : NULL, -1);
	dbi_bind_text(st, 6, in->kind == STORE_REJECT || in->pref ? in->reason : NULL, -1);
	if (undoes)
		dbi_bind_i64(st, 7, undoes);
	dbi_bind_i64(st, 8, at);
	dbi_bind_i64(st, 9, in->ms_spent > 0 ? in->ms_spent : 0);
	dbi_bind_text(st, 10, in->session, -1);
	dbi_bind_text(st, 11, store_pref_name(in->pref), -1);
	dbi_bind_text(st, 12, place_name(in->placement), -1);
	int rc = dbi_step(st, err, "recording the event");
	if (rc == DBI_ROW)
		*event_id = dbi_col_i64(st, 0);
	dbi_reset(st);
	return rc == DBI_ROW ? ASSAY_OK
	       : rc < 0      ? rc
			     : assay_fail(err, ASSAY_EDB, "recording the event: no id returned");
}

static const dbi_query q_decision = {
    "decision_set",
    "INSERT INTO decisions (sample_id, annotator_id, verdict, text, reason, event_id, decided_at,"
    " ms_spent, edit_distance, words, pref, placement)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    " ON CONFLICT (sample_id, annotator_id) DO UPDATE SET verdict = excluded.verdict,"
    " text = excluded.text, reason = excluded.reason, event_id = excluded.event_id,"
    " decided_at = excluded.decided_at, ms_spent = excluded.ms_spent,"
    " edit_distance = excluded.edit_distance, words = excluded.words,"
    " pref = excluded.pref, placement = excluded.placement",
    NULL};

static int set_decision(store *s, const store_decision_in *in, int64_t event_id, int64_t at,
			int64_t distance, int64_t words, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_decision, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, in->sample_id);
	dbi_bind_i64(st, 2, in->annotator_id);
	dbi_bind_text(st, 3, verdict_names[in->kind], -1);
	dbi_bind_text(st, 4, in->kind == STORE_EDIT ? in->text : NULL, -1);
	dbi_bind_text(st, 5, in->kind == STORE_REJECT || in->pref ? in->reason : NULL, -1);
	dbi_bind_i64(st, 6, event_id);
	dbi_bind_i64(st, 7, at);
	dbi_bind_i64(st, 8, in->ms_spent > 0 ? in->ms_spent : 0);
	if (distance >= 0) {
		dbi_bind_i64(st, 9, distance);
		dbi_bind_i64(st, 10, words);
	}
	dbi_bind_text(st, 11, store_pref_name(in->pref), -1);
	dbi_bind_text(st, 12, place_name(in->placement), -1);
	int rc = dbi_run(st, err, "recording the decision");
	if (rc == ASSAY_OK)
		rc = store_lease_release(s, in->annotator_id, in->sample_id, err);
	return rc;
}

/* Runs fn inside a transaction of its own unless one is open already. */
static int in_tx(store *s, int (*fn)(store *, void *, assay_error *), void *ud, assay_error *err)
{
	bool own = !s->in_tx;
	int rc = own ? store_begin(s, err) : ASSAY_OK;
	if (rc < 0)
		return rc;
	rc = fn(s, ud, err);
	if (own) {
		if (rc == ASSAY_OK)
			rc = store_commit(s, err);
		else
			store_rollback(s);
	}
	return rc;
}

typedef struct decide_job {
	const store_decision_in *in;
	int64_t *event_id;
	bool adjudicate;
} decide_job;

static const dbi_query q_adjudicate = {
    "adjudication_set",
    "INSERT INTO adjudications (sample_id, annotator_id, verdict, text, reason, event_id,"
    " decided_at, pref) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    " ON CONFLICT (sample_id) DO UPDATE SET annotator_id = excluded.annotator_id,"
    " verdict = excluded.verdict, text = excluded.text, reason = excluded.reason,"
    " event_id = excluded.event_id, decided_at = excluded.decided_at, pref = excluded.pref",
    NULL};

static int decide_tx(store *s, void *ud, assay_error *err)
{
	decide_job *j = ud;
	const store_decision_in *in = j->in;
	int64_t distance, words, at = assay_now_ms();
	int rc = validate(s, in, &distance, &words, err);
	if (rc < 0)
		return rc;
	if (j->adjudicate) {
		if (in->kind > STORE_REJECT)
			return assay_fail(err, ASSAY_EINVAL, "a lead adjudicates with accept, edit or "
					  "reject");
		if ((rc = add_event(s, in, "adjudicate", verdict_names[in->kind], 0, at, j->event_id,
				    err)) < 0)
			return rc;
		dbi_stmt *st = dbi_stmt_get(s->dbi, &q_adjudicate, err);
		if (!st)
			return err->code;
		dbi_bind_i64(st, 1, in->sample_id);
		dbi_bind_i64(st, 2, in->annotator_id);
		dbi_bind_text(st, 3, verdict_names[in->kind], -1);
		dbi_bind_text(st, 4, in->kind == STORE_EDIT ? in->text : NULL, -1);
		dbi_bind_text(st, 5, in->kind == STORE_REJECT || in->pref ? in->reason : NULL, -1);
		dbi_bind_i64(st, 6, *j->event_id);
		dbi_bind_i64(st, 7, at);
		dbi_bind_text(st, 8, store_pref_name(in->pref), -1);
		if ((rc = dbi_run(st, err, "recording the adjudication")) < 0)
			return rc;
		return store_lease_release(s, in->annotator_id, in->sample_id, err);
	}
	if ((rc = add_event(s, in, kind_names[in->kind], NULL, 0, at, j->event_id, err)) < 0)
		return rc;
	if (in->kind == STORE_NOTE)
		return ASSAY_OK;
	return set_decision(s, in, *j->event_id, at, distance, words, err);
}

/* PostgreSQL, outside a transaction: the sample read and the decision
 * checked, then the rest in one round trip (review_pg.c). */
static int decide_pg(store *s, const store_decision_in *in, int64_t *event_id, assay_error *err)
{
	int64_t distance, words, at = assay_now_ms();
	int rc = validate(s, in, &distance, &words, err);
	if (rc < 0)
		return rc;
	review_pg_decision d = {
	    .in = in,
	    .kind = kind_names[in->kind],
	    .verdict = verdict_names[in->kind],
	    .text = in->kind == STORE_EDIT ? in->text : NULL,
	    .reason = in->kind == STORE_REJECT || in->pref ? in->reason : NULL,
	    .pref = store_pref_name(in->pref),
	    .placement = place_name(in->placement),
	    .at = at,
	    .distance = distance,
	    .words = words,
	};
	return review_decide_pg(s, &d, event_id, err);
}

int store_decide(store *s, const store_decision_in *in, int64_t *event_id, assay_error *err)
{
	if (s->pg && !s->in_tx && in->kind != STORE_NOTE)
		return decide_pg(s, in, event_id, err);
	decide_job j = {in, event_id, false};
	return in_tx(s, decide_tx, &j, err);
}

int store_adjudicate(store *s, const store_decision_in *in, int64_t *event_id, assay_error *err)
{
	decide_job j = {in, event_id, true};
	return in_tx(s, decide_tx, &j, err);
}

/* The annotator's latest verdict event that no undo points at. */
static const dbi_query q_last_verdict = {
    "undo_last_verdict",
    "SELECT e.id, e.sample_id FROM events e"
    " WHERE e.annotator_id = ?1 AND e.kind IN ('accept', 'edit', 'reject', 'skip')"
    "   AND NOT EXISTS (SELECT 1 FROM events u WHERE u.undoes = e.id) AND e.id < ?2"
    " ORDER BY e.id DESC LIMIT 1",
    NULL};
/* The same on one sample (?3), found from the sample's events. */
static const dbi_query q_last_verdict_on = {
    "undo_last_verdict_on",
    "SELECT e.id, e.sample_id FROM events e"
    " WHERE e.sample_id = ?3 AND e.annotator_id = ?1"
    "   AND e.kind IN ('accept', 'edit', 'reject', 'skip')"
    "   AND NOT EXISTS (SELECT 1 FROM events u WHERE u.undoes = e.id) AND e.id < ?2"
    " ORDER BY e.id DESC LIMIT 1",
    NULL};
/* The verdict before it on the same sample, if any. */
static const dbi_query q_prev_verdict = {
    "undo_prev_verdict",
    "SELECT e.id, e.kind, e.text, e.reason, e.at, e.ms_spent, e.pref, e.placement"
    " FROM events e"
    " WHERE e.sample_id = ?1 AND e.annotator_id = ?2 AND e.id < ?3"
    "   AND e.kind IN ('accept', 'edit', 'reject', 'skip')"
    "   AND NOT EXISTS (SELECT 1 FROM events u WHERE u.undoes = e.id)"
    " ORDER BY e.id DESC LIMIT 1",
    NULL};
static const dbi_query q_drop_decision = {
    "undo_drop_decision", "DELETE FROM decisions WHERE sample_id = ?1 AND annotator_id = ?2",
    NULL};

typedef struct undo_job {
	int64_t annotator_id;
	const char *session;
	int64_t *sample_id;
	int64_t before;  /* the verdict undone is older than this event */
	int64_t undone;  /* out: the event undone */
	int64_t on;      /* only a verdict on this sample (0: any) */
	const store_queue *claim; /* not NULL: lease the undone sample (store_undo_claim) */
	int leased;      /* out: 1 leased, 0 held by others */
} undo_job;

static int kind_of(const char *name)
{
	for (int k = STORE_ACCEPT; k <= STORE_SKIP; k++)
		if (strcmp(kind_names[k], name) == 0)
			return k;
	return -1;
}

/* Restores the decision that the verdict event `prev` (a row of
 * q_prev_verdict) had made. */
static int restore(store *s, dbi_stmt *prev, int64_t sample_id, int64_t annotator_id,
		   assay_error *err)
{
	char *text = dbi_col_null(prev, 2) ? NULL : store_dcol_str(prev, 2);
	char *reason = dbi_col_null(prev, 3) ? NULL : store_dcol_str(prev, 3);
	char *kind = store_dcol_str(prev, 1);
	int64_t event_id = dbi_col_i64(prev, 0), at = dbi_col_i64(prev, 4);
	store_decision_in in = {
		.sample_id = sample_id,
		.annotator_id = annotator_id,
		.kind = kind ? kind_of(kind) : -1,
		.text = text,
		.reason = reason,
		.ms_spent = dbi_col_i64(prev, 5),
		.pref = store_pref_parse(dbi_col_text(prev, 6, NULL)),
		.placement = dbi_col_null(prev, 7) ? STORE_PLACE_NONE
			     : strcmp(dbi_col_text(prev, 7, NULL), "ab") == 0
				     ? STORE_PLACE_AB
				     : STORE_PLACE_BA,
	};
	dbi_reset(prev);
	int64_t distance = -1, words = -1;
	int rc = in.kind < 0 ? assay_fail(err, ASSAY_EDB, "internal: unknown event kind")
			     : validate(s, &in, &distance, &words, err);
	if (rc == ASSAY_OK)
		rc = set_decision(s, &in, event_id, at, distance, words, err);
	free(text);
	free(reason);
	free(kind);
	return rc;
}

static int undo_tx(store *s, void *ud, assay_error *err)
{
	undo_job *j = ud;
	dbi_stmt *st = j->on ? dbi_stmt_get(s->dbi, &q_last_verdict_on, err)
			     : dbi_stmt_get(s->dbi, &q_last_verdict, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, j->annotator_id);
	dbi_bind_i64(st, 2, j->before);
	if (j->on)
		dbi_bind_i64(st, 3, j->on);
	int rc = dbi_step(st, err, "reading the events");
	if (rc != DBI_ROW) {
		dbi_reset(st);
		return rc == DBI_DONE ? assay_fail(err, ASSAY_ENOTFOUND, "nothing to undo") : rc;
	}
	int64_t undone = dbi_col_i64(st, 0), sample = dbi_col_i64(st, 1);
	dbi_reset(st);
	*j->sample_id = sample;
	j->undone = undone;
	store_decision_in in = {.sample_id = sample, .annotator_id = j->annotator_id,
				.kind = STORE_ACCEPT, .session = j->session};
	int64_t event_id;
	if ((rc = add_event(s, &in, "undo", NULL, undone, assay_now_ms(), &event_id, err)) < 0)
		return rc;
	if (!(st = dbi_stmt_get(s->dbi, &q_prev_verdict, err)))
		return err->code;
	dbi_bind_i64(st, 1, sample);
	dbi_bind_i64(st, 2, j->annotator_id);
	dbi_bind_i64(st, 3, undone);
	rc = dbi_step(st, err, "reading the events");
	if (rc == DBI_ROW) {
		rc = restore(s, st, sample, j->annotator_id, err);
	} else {
		dbi_reset(st);
		if (rc < 0)
			return rc;
		if (!(st = dbi_stmt_get(s->dbi, &q_drop_decision, err)))
			return err->code;
		dbi_bind_i64(st, 1, sample);
		dbi_bind_i64(st, 2, j->annotator_id);
		rc = dbi_run(st, err, "removing the decision");
	}
	if (rc < 0 || !j->claim)
		return rc;
	j->leased = queue_lease_checked(s, j->claim, sample, false, err);
	return j->leased < 0 ? j->leased : ASSAY_OK;
}

int store_undo(store *s, int64_t annotator_id, const char *session, int64_t *sample_id,
	       assay_error *err)
{
	undo_job j = {annotator_id, session, sample_id, INT64_MAX, 0, 0, NULL, 0};
	return in_tx(s, undo_tx, &j, err);
}

int store_undo_claim(store *s, const store_queue *q, const char *session, int64_t *sample_id,
		     bool *leased, assay_error *err)
{
	undo_job j = {q->annotator_id, session, sample_id, INT64_MAX, 0, 0, q, 0};
	int rc = in_tx(s, undo_tx, &j, err);
	*leased = rc == ASSAY_OK && j.leased == 1;
	return rc;
}

int store_undo_on(store *s, int64_t annotator_id, int64_t sample_id, const char *session,
		  assay_error *err)
{
	int64_t sample;
	undo_job j = {annotator_id, session, &sample, INT64_MAX, 0, sample_id, NULL, 0};
	return sample_id > 0 ? in_tx(s, undo_tx, &j, err)
			     : assay_fail(err, ASSAY_EINVAL, "internal: no sample to undo on");
}

/* Each undo starts below the event the previous one undid, so the walk
 * down the annotator's events is one pass, not one per undo. */
int store_undo_all(store *s, int64_t annotator_id, const char *session, int64_t *n,
		   assay_error *err)
{
	if (s->pg && !s->in_tx)
		return review_undo_all_pg(s, annotator_id, session, n, err);
	int64_t sample;
	undo_job j = {annotator_id, session, &sample, INT64_MAX, 0, 0, NULL, 0};
	*n = 0;
	for (;;) {
		int rc = store_begin(s, err);
		for (int i = 0; rc == ASSAY_OK && i < 500; i++) {
			if ((rc = undo_tx(s, &j, err)) == ASSAY_OK) {
				++*n;
				j.before = j.undone;
			}
		}
		if (rc == ASSAY_OK || rc == ASSAY_ENOTFOUND) {
			int done = rc == ASSAY_ENOTFOUND;
			if ((rc = store_commit(s, err)) < 0 || done)
				return rc;
		} else {
			if (store_in_tx(s))
				store_rollback(s);
			return rc;
		}
	}
}
