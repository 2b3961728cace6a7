/* adjudicate.c — what a lead needs to settle conflicts: a keyset walk over
 * the samples whose annotators disagree and that no lead has decided yet,
 * every annotator's verdict on one sample, and the lead's own adjudication. */
#include "queue_int.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A conflict: two or more current verdicts (skips left out) that are not all
 * the same, and no adjudication. On a pair the preferences are compared
 * (every verdict on a pair carries one): a against b is a conflict though
 * both are accepts, and a against a corrected a is none, as export sees it. The decisions' primary key (sample_id,
 * annotator_id) is walked from the cursor in order, so each call reads from
 * where the last one stopped. ?1 cursor, ?2 batch (0 = all). */
#define CONFLICTS                                                                                  \
	" FROM decisions d WHERE d.sample_id > ?1 AND d.verdict <> 'skipped'"                      \
	" GROUP BY d.sample_id"                                                                     \
	" HAVING min(coalesce(d.pref, d.verdict)) <> max(coalesce(d.pref, d.verdict))"             \
	"   AND NOT EXISTS (SELECT 1 FROM adjudications a WHERE a.sample_id = d.sample_id)"        \
	"   AND (?2 = 0 OR (SELECT s.batch_id FROM samples s WHERE s.id = d.sample_id) = ?2)"

static const dbi_query q_conflict_next = {
    "conflict_next", "SELECT d.sample_id" CONFLICTS " ORDER BY d.sample_id LIMIT 1", NULL};
static const dbi_query q_conflict_count = {
    "conflict_count", "SELECT count(*) FROM (SELECT d.sample_id" CONFLICTS ") c", NULL};

int store_conflict_next(store *s, int64_t batch_id, int64_t after_id, int64_t *sample_id,
			assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_conflict_next, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, after_id);
	dbi_bind_i64(st, 2, batch_id);
	int rc = dbi_step(st, err, "looking for conflicts");
	if (rc == DBI_ROW)
		*sample_id = dbi_col_i64(st, 0);
	dbi_reset(st);
	if (rc == DBI_DONE)
		return assay_fail(err, ASSAY_ENOTFOUND, "no conflicting sample left");
	return rc < 0 ? rc : ASSAY_OK;
}

/* The first conflict after ?1 that no one but lead ?3 holds a live lease
 * on (?4 now by the store's clock). */
static const dbi_query q_conflict_free = {
    "conflict_next_free",
    "SELECT d.sample_id" CONFLICTS
    "   AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.sample_id = d.sample_id"
    "                   AND l.annotator_id <> ?3 AND l.expires_at > ?4)"
    " ORDER BY d.sample_id LIMIT 1",
    NULL};
/* Inside the transaction: finds and leases the lead's next conflict (on
 * PostgreSQL the leads' walks take turns: the statement after the lock
 * sees what the one before committed). */
static int conflict_claim_tx(store *s, const store_queue *q, int64_t after_id,
			     int64_t *sample_id, assay_error *err)
{
	int64_t now;
	int rc = store_pg_wait_lock(s, PG_CONFLICTS_LOCK, "waiting for the other leads", &now, err);
	if (rc < 0)
		return rc;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_conflict_free, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, after_id);
	dbi_bind_i64(st, 2, q->batch_id);
	dbi_bind_i64(st, 3, q->annotator_id);
	dbi_bind_i64(st, 4, now);
	rc = dbi_step(st, err, "looking for conflicts");
	if (rc == DBI_ROW)
		*sample_id = dbi_col_i64(st, 0);
	dbi_reset(st);
	if (rc == DBI_DONE)
		return assay_fail(err, ASSAY_ENOTFOUND, "no conflicting sample left");
	if (rc < 0)
		return rc;
	rc = queue_lease_checked(s, q, *sample_id, false, err);
	return rc == 1 ? ASSAY_OK
	       : rc < 0 ? rc
			: assay_fail(err, ASSAY_EDB, "internal: a free conflict was held");
}

int store_conflict_claim(store *s, const store_queue *q, int64_t after_id, int64_t *sample_id,
			 assay_error *err)
{
	int rc = store_begin(s, err);
	if (rc < 0)
		return rc;
	rc = conflict_claim_tx(s, q, after_id, sample_id, err);
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}

/* The newest live lease on ?1 that another annotator than ?2 holds (?3
 * now by the store's clock), with its holder's name. */
static const dbi_query q_lease_holder = {
    "adjudicate_lease_holder",
    "SELECT a.name, l.expires_at FROM leases l JOIN annotators a ON a.id = l.annotator_id"
    " WHERE l.sample_id = ?1 AND l.annotator_id <> ?2 AND l.expires_at > ?3"
    " ORDER BY l.expires_at DESC LIMIT 1",
    NULL};

/* Inside the transaction: who else holds the sample (held->name set), or
 * no one; on PostgreSQL after the leads' turn and the sample's claim lock,
 * so a claim in flight is seen and none is taken before this commits. */
static int holder_tx(store *s, const store_decision_in *in, store_lease_holder *held,
		     assay_error *err)
{
	int64_t now;
	int rc = store_pg_wait_lock(s, PG_CONFLICTS_LOCK, "waiting for the other leads", &now, err);
	if (rc == ASSAY_OK)
		rc = store_pg_wait_lock(s, PG_SAMPLE_LOCK(in->sample_id),
					"waiting for the sample's claim", &now, err);
	if (rc < 0)
		return rc;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_lease_holder, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, in->sample_id);
	dbi_bind_i64(st, 2, in->annotator_id);
	dbi_bind_i64(st, 3, now);
	rc = dbi_step(st, err, "reading the sample's leases");
	if (rc == DBI_ROW) {
		*held = (store_lease_holder){store_dcol_str(st, 0), dbi_col_i64(st, 1), now};
		if (!held->name)
			rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

int store_adjudicate_unheld(store *s, const store_decision_in *in, int64_t *event_id,
			    store_lease_holder *held, assay_error *err)
{
	*held = (store_lease_holder){0};
	int rc = store_begin(s, err);
	if (rc < 0)
		return rc;
	if ((rc = holder_tx(s, in, held, err)) == ASSAY_OK)
		rc = held->name ? assay_fail(err, ASSAY_ECONFLICT,
					     "another lead or annotator holds this sample")
				: store_adjudicate(s, in, event_id, err);
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}

int store_conflict_count(store *s, int64_t batch_id, int64_t *n, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_conflict_count, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, 0);
	dbi_bind_i64(st, 2, batch_id);
	int rc = dbi_step(st, err, "counting conflicts");
	*n = rc == DBI_ROW ? dbi_col_i64(st, 0) : 0;
	dbi_reset(st);
	return rc == DBI_ROW ? ASSAY_OK
	       : rc < 0      ? rc
			     : assay_fail(err, ASSAY_EDB, "counting conflicts: no count");
}

static const dbi_query q_verdicts_of = {
    "conflict_verdicts_of",
    "SELECT d.annotator_id, a.name, d.verdict, d.text, d.reason, d.decided_at, d.pref,"
    " d.placement"
    " FROM decisions d JOIN annotators a ON a.id = d.annotator_id"
    " WHERE d.sample_id = ?1 AND d.verdict <> 'skipped' ORDER BY d.decided_at, d.annotator_id",
    NULL};

/* Copies a nullable text column (NULL stays NULL); *oom set on failure. */
static char *col_or_null(dbi_stmt *st, int col, bool *oom)
{
	if (dbi_col_null(st, col))
		return NULL;
	char *v = store_dcol_str(st, col);
	*oom |= !v;
	return v;
}

/* A nullable text column as it is (NULL: NULL). */
static const char *col_text(dbi_stmt *st, int col)
{
	return dbi_col_null(st, col) ? NULL : dbi_col_text(st, col, NULL);
}

int store_verdicts_of(store *s, int64_t sample_id, store_named_verdict **out, size_t *n,
		      assay_error *err)
{
	*out = NULL;
	*n = 0;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_verdicts_of, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	size_t cap = 0;
	bool oom = false;
	int rc;
	while (!oom && (rc = dbi_step(st, err, "reading verdicts")) == DBI_ROW) {
		if (ASSAY_GROW(*out, *n + 1, cap, 4) < 0) {
			oom = true;
			break;
		}
		store_named_verdict *v = &(*out)[(*n)++];
		*v = (store_named_verdict){.annotator_id = dbi_col_i64(st, 0)};
		v->annotator = store_dcol_str(st, 1);
		oom |= !v->annotator;
		snprintf(v->verdict, sizeof v->verdict, "%s", dbi_col_text(st, 2, NULL));
		v->text = col_or_null(st, 3, &oom);
		v->reason = col_or_null(st, 4, &oom);
		v->decided_at = dbi_col_i64(st, 5);
		v->pref = store_pref_parse(col_text(st, 6));
		const char *place = col_text(st, 7);
		v->placement = !place ? STORE_PLACE_NONE
			       : strcmp(place, "ab") == 0 ? STORE_PLACE_AB
							  : STORE_PLACE_BA;
	}
	dbi_reset(st);
	if (oom || rc != DBI_DONE) {
		store_named_verdicts_free(*out, *n);
		*out = NULL;
		*n = 0;
		return oom ? assay_fail(err, ASSAY_ENOMEM, "out of memory") : rc;
	}
	return ASSAY_OK;
}

void store_named_verdicts_free(store_named_verdict *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].annotator);
		free(v[i].text);
		free(v[i].reason);
	}
	free(v);
}

static const dbi_query q_adjudication_get = {
    "adjudication_get",
    "SELECT j.verdict, j.text, j.reason, j.decided_at, a.name, j.pref FROM adjudications j"
    " JOIN annotators a ON a.id = j.annotator_id WHERE j.sample_id = ?1",
    NULL};

int store_adjudication_get(store *s, int64_t sample_id, store_decision *out, char **lead,
			   assay_error *err)
{
	*out = (store_decision){0};
	if (lead)
		*lead = NULL;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_adjudication_get, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	int rc = dbi_step(st, err, "reading an adjudication");
	bool oom = false;
	if (rc == DBI_ROW) {
		snprintf(out->verdict, sizeof out->verdict, "%s", dbi_col_text(st, 0, NULL));
		out->text = col_or_null(st, 1, &oom);
		out->reason = col_or_null(st, 2, &oom);
		out->decided_at = dbi_col_i64(st, 3);
		out->pref = store_pref_parse(col_text(st, 5));
		if (lead) {
			*lead = store_dcol_str(st, 4);
			oom |= !*lead;
		}
	}
	dbi_reset(st);
	if (oom) {
		store_decision_free(out);
		if (lead) {
			free(*lead);
			*lead = NULL;
		}
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	return rc < 0 ? rc : ASSAY_OK;
}
