/* queue_lease.c — leases (a sample on an annotator's screen is theirs
 * until the lease expires: expired ones are passed over by the queue's
 * test, never cleared by a process of their own), the queue's counts, and
 * what the screen shows beside a sample (its decision, notes) and finds
 * (a search). Every query runs on both engines. */
#include "queue_int.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ?3: when the lease ends; on PostgreSQL $3 is its length, and it ends by
 * the server's clock (lease_end_param). */
static const dbi_query q_lease = {
    "lease_take",
    "INSERT INTO leases (sample_id, annotator_id, expires_at) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (sample_id, annotator_id) DO UPDATE SET expires_at = excluded.expires_at",
    "INSERT INTO leases (sample_id, annotator_id, expires_at) VALUES ($1, $2, " PG_NOW_MS
    " + $3) ON CONFLICT (sample_id, annotator_id) DO UPDATE SET expires_at = excluded.expires_at"};
static const dbi_query q_drop_other_leases = {
    "lease_drop_others", "DELETE FROM leases WHERE annotator_id = ?1 AND sample_id <> ?2", NULL};

int64_t queue_lease_ms(const store_queue *q)
{
	return q->lease_ms > 0 ? q->lease_ms : 600000;
}

int64_t queue_lease_end(const store_queue *q)
{
	return assay_now_ms() + queue_lease_ms(q);
}

/* The lease's end on SQLite, its length on PostgreSQL (whose queries add
 * it to the server's clock). */
static int64_t lease_end_param(const store *s, const store_queue *q)
{
	return s->pg ? queue_lease_ms(q) : queue_lease_end(q);
}

/* The lease alone (no transaction of its own), whoever else holds the
 * sample: the queue's claim, which tested that first. */
static int lease_write(store *s, const store_queue *q, int64_t sample_id, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_lease, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	dbi_bind_i64(st, 2, q->annotator_id);
	dbi_bind_i64(st, 3, lease_end_param(s, q));
	return dbi_run(st, err, "taking the lease");
}

static int drop_others(store *s, const store_queue *q, int64_t id, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_drop_other_leases, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, q->annotator_id);
	dbi_bind_i64(st, 2, id);
	return dbi_run(st, err, "releasing leases");
}

int queue_claim(store *s, const store_queue *q, int64_t id, assay_error *err)
{
	int rc = lease_write(s, q, id, err);
	return rc < 0 ? rc : drop_others(s, q, id, err);
}

/* PostgreSQL: waits for the store's transaction advisory lock $1 (a
 * sample's claim lock, or the leads' turn). */
static const dbi_query q_wait_lock = {
    "store_wait_lock", NULL,
    "SELECT 1 FROM (SELECT pg_advisory_xact_lock(" PG_STORE_KEY ", $1::integer)) l"};

int store_pg_wait_lock(store *s, int32_t key, const char *what, int64_t *now, assay_error *err)
{
	if (s->pg) {
		dbi_stmt *st = dbi_stmt_get(s->dbi, &q_wait_lock, err);
		if (!st)
			return err->code;
		dbi_bind_i64(st, 1, key);
		int rc = dbi_step(st, err, what);
		dbi_reset(st);
		if (rc < 0)
			return rc;
	}
	return store_clock_ms(s, now, err);
}

/* The lease on ?1 for ?2 (?3 as q_lease's), unless ?5 other annotators
 * hold live leases on it (?4 now by the store's clock). */
static const dbi_query q_lease_checked = {
    "lease_take_checked",
    "INSERT INTO leases (sample_id, annotator_id, expires_at) SELECT ?1, ?2, ?3"
    " WHERE (SELECT count(*) FROM leases o WHERE o.sample_id = ?1 AND o.annotator_id <> ?2"
    "  AND o.expires_at > ?4) < ?5"
    " ON CONFLICT (sample_id, annotator_id) DO UPDATE SET expires_at = excluded.expires_at",
    "INSERT INTO leases (sample_id, annotator_id, expires_at) SELECT $1::bigint, $2::bigint, "
    PG_NOW_MS " + $3::bigint"
    " WHERE (SELECT count(*) FROM leases o WHERE o.sample_id = $1 AND o.annotator_id <> $2"
    "  AND o.expires_at > $4::bigint) < $5::bigint"
    " ON CONFLICT (sample_id, annotator_id) DO UPDATE SET expires_at = excluded.expires_at"};

int queue_lease_checked(store *s, const store_queue *q, int64_t id, bool keep_others,
			assay_error *err)
{
	int64_t now;
	int rc = store_pg_wait_lock(s, PG_SAMPLE_LOCK(id), "waiting for the sample's claim", &now,
				    err);
	if (rc < 0)
		return rc;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_lease_checked, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, id);
	dbi_bind_i64(st, 2, q->annotator_id);
	dbi_bind_i64(st, 3, lease_end_param(s, q));
	dbi_bind_i64(st, 4, now);
	dbi_bind_i64(st, 5, q->overlap > 0 ? q->overlap : 1);
	if ((rc = dbi_run(st, err, "taking the lease")) < 0)
		return rc;
	if (dbi_changes(s->dbi) == 0)
		return 0;
	return keep_others || (rc = drop_others(s, q, id, err)) == ASSAY_OK ? 1 : rc;
}

/* queue_lease_checked in a transaction of its own (unless one is open). */
static int lease_checked_tx(store *s, const store_queue *q, int64_t id, bool keep_others,
			    assay_error *err)
{
	bool own = !s->in_tx;
	int rc = own ? store_begin(s, err) : ASSAY_OK;
	if (rc < 0)
		return rc;
	int got = queue_lease_checked(s, q, id, keep_others, err);
	if (!own)
		return got;
	if (got < 0) {
		store_rollback(s);
		return got;
	}
	return (rc = store_commit(s, err)) < 0 ? rc : got;
}

int store_lease_take(store *s, const store_queue *q, int64_t sample_id, assay_error *err)
{
	return lease_checked_tx(s, q, sample_id, true, err);
}

int store_lease_renew(store *s, const store_queue *q, int64_t sample_id, assay_error *err)
{
	return lease_checked_tx(s, q, sample_id, false, err);
}

/* Only the live ones (?3 now): a lease that ran out may be another
 * annotator's now. */
static const dbi_query q_renew_all = {
    "lease_renew_all",
    "UPDATE leases SET expires_at = ?2 WHERE annotator_id = ?1 AND expires_at > ?3",
    "UPDATE leases SET expires_at = " PG_NOW_MS " + $2 WHERE annotator_id = $1"
    " AND expires_at > $3"};

int store_lease_renew_all(store *s, const store_queue *q, assay_error *err)
{
	int64_t now;
	int rc = store_clock_ms(s, &now, err);
	if (rc < 0)
		return rc;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_renew_all, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, q->annotator_id);
	dbi_bind_i64(st, 2, lease_end_param(s, q));
	dbi_bind_i64(st, 3, now);
	return dbi_run(st, err, "renewing the leases");
}

static const dbi_query q_release_all = {
    "lease_release_all", "DELETE FROM leases WHERE annotator_id = ?1", NULL};

int store_lease_release_all(store *s, int64_t annotator_id, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_release_all, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, annotator_id);
	return dbi_run(st, err, "releasing the leases");
}

static const dbi_query q_release_one = {
    "lease_release", "DELETE FROM leases WHERE sample_id = ?1 AND annotator_id = ?2", NULL};

int store_lease_release(store *s, int64_t annotator_id, int64_t sample_id, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_release_one, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	dbi_bind_i64(st, 2, annotator_id);
	return dbi_run(st, err, "releasing the lease");
}

static const dbi_query q_has_quality = {
    "queue_has_quality", "SELECT 1 FROM sample_quality WHERE quality IS NOT NULL LIMIT 1", NULL};

int store_has_quality(store *s, bool *yes, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_has_quality, err);
	if (!st)
		return err->code;
	int rc = dbi_step(st, err, "reading samples");
	*yes = rc == DBI_ROW;
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

static const dbi_query q_total = {
    "queue_total", "SELECT count(*) FROM sample_quality WHERE (?1 = 0 OR batch_id = ?1)", NULL};
static const dbi_query q_decided = {
    "queue_decided",
    "SELECT count(*) FROM decisions d JOIN samples s ON s.id = d.sample_id"
    " WHERE d.annotator_id = ?1 AND d.verdict <> 'skipped' AND s.batch_id = ?2",
    NULL};
/* every batch: no join (half the time on a big queue) */
static const dbi_query q_decided_all = {
    "queue_decided_all",
    "SELECT count(*) FROM decisions WHERE annotator_id = ?1 AND verdict <> 'skipped'"
    " AND ?2 = 0",
    NULL};

/* One count: st with ?1 and ?2 bound to a and b. */
static int count_one(dbi_stmt *st, int64_t a, int64_t b, int64_t *out, const char *what,
		     assay_error *err)
{
	dbi_reset(st);
	dbi_bind_i64(st, 1, a);
	dbi_bind_i64(st, 2, b);
	int rc = dbi_step(st, err, what);
	*out = rc == DBI_ROW ? dbi_col_i64(st, 0) : 0;
	dbi_reset(st);
	return rc == DBI_ROW ? ASSAY_OK
	       : rc < 0      ? rc
			     : assay_fail(err, ASSAY_EDB, "%s: no count", what);
}

int store_queue_counts(store *s, const store_queue *q, int64_t *total, int64_t *decided,
		       assay_error *err)
{
	if (q->slice) { /* a queue narrowed by a --where */
		int rc = count_one(q->slice->total, q->batch_id, q->annotator_id, total,
				   "counting a --where slice", err);
		return rc < 0 ? rc
			      : count_one(q->slice->decided, q->batch_id, q->annotator_id, decided,
					  "counting a --where slice", err);
	}
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_total, err);
	if (!st)
		return err->code;
	int rc = count_one(st, q->batch_id, 0, total, "counting samples", err);
	if (rc < 0)
		return rc;
	st = q->batch_id ? dbi_stmt_get(s->dbi, &q_decided, err)
			 : dbi_stmt_get(s->dbi, &q_decided_all, err);
	if (!st)
		return err->code;
	return count_one(st, q->annotator_id, q->batch_id, decided, "counting decisions", err);
}

static const dbi_query q_decision_get = {
    "decision_get",
    "SELECT verdict, text, reason, decided_at, pref FROM decisions"
    " WHERE sample_id = ?1 AND annotator_id = ?2",
    NULL};

int store_decision_get(store *s, int64_t sample_id, int64_t annotator_id, store_decision *out,
		       assay_error *err)
{
	*out = (store_decision){0};
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_decision_get, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	dbi_bind_i64(st, 2, annotator_id);
	int rc = dbi_step(st, err, "reading a decision");
	if (rc == DBI_ROW) {
		snprintf(out->verdict, sizeof out->verdict, "%s", dbi_col_text(st, 0, NULL));
		out->text = dbi_col_null(st, 1) ? NULL : store_dcol_str(st, 1);
		out->reason = dbi_col_null(st, 2) ? NULL : store_dcol_str(st, 2);
		out->decided_at = dbi_col_i64(st, 3);
		out->pref = store_pref_parse(dbi_col_null(st, 4) ? NULL : dbi_col_text(st, 4, NULL));
	}
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

void store_decision_free(store_decision *d)
{
	free(d->text);
	free(d->reason);
	*d = (store_decision){0};
}

static const dbi_query q_notes = {
    "queue_notes",
    "SELECT a.name || ': ' || e.text FROM events e JOIN annotators a ON a.id = e.annotator_id"
    " WHERE e.sample_id = ?1 AND e.kind = 'note' ORDER BY e.id",
    NULL};

int store_notes_for(store *s, int64_t sample_id, char ***out, size_t *n, assay_error *err)
{
	*out = NULL;
	*n = 0;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_notes, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	size_t cap = 0;
	int rc;
	while ((rc = dbi_step(st, err, "reading notes")) == DBI_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			char **v = realloc(*out, cap * sizeof *v);
			if (!v) {
				dbi_reset(st);
				return assay_fail(err, ASSAY_ENOMEM, "out of memory");
			}
			*out = v;
		}
		(*out)[(*n)++] = store_dcol_str(st, 0);
	}
	dbi_reset(st);
	return rc;
}

static const dbi_query q_search = {
    "queue_search",
    "SELECT id FROM samples WHERE id > ?1 AND id <= ?4 AND (?2 = 0 OR batch_id = ?2)"
    " AND instr(lower(text), lower(?3)) > 0 ORDER BY id LIMIT 1",
    "SELECT id FROM samples WHERE id > $1 AND id <= $4 AND ($2 = 0 OR batch_id = $2)"
    " AND strpos(lower(text), lower($3)) > 0 ORDER BY id LIMIT 1"};

int store_search(store *s, const store_queue *q, const char *needle, int64_t after_id,
		 int64_t *sample_id, assay_error *err)
{
	for (int round = 0; round < 2; round++) {
		dbi_stmt *st = dbi_stmt_get(s->dbi, &q_search, err);
		if (!st)
			return err->code;
		dbi_bind_i64(st, 1, round ? 0 : after_id);
		dbi_bind_i64(st, 2, q->batch_id);
		dbi_bind_text(st, 3, needle, -1);
		/* the second round stops where the first began */
		dbi_bind_i64(st, 4, round ? after_id : INT64_MAX);
		int rc = dbi_step(st, err, "searching");
		if (rc == DBI_ROW)
			*sample_id = dbi_col_i64(st, 0);
		dbi_reset(st);
		if (rc == DBI_ROW)
			return ASSAY_OK;
		if (rc < 0)
			return rc;
	}
	return assay_fail(err, ASSAY_ENOTFOUND, "no sample contains \"%s\"", needle);
}
