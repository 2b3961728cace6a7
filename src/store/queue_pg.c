/* queue_pg.c — a review claim on PostgreSQL in one round trip: four
 * statements sent together in a pipeline (BEGIN, two, COMMIT). The first
 * takes the sample's claim lock without waiting (a transaction advisory
 * lock keyed by the store and the sample: none when another annotator's
 * claim holds it, as SKIP LOCKED skips a locked row) and writes the lease
 * when it got the lock; the second, whose snapshot is taken after the lock
 * was got and so sees what the previous holder committed, keeps the lease
 * only if this transaction wrote it and the sample is still offered, and
 * drops the annotator's other leases. A statement that locked and tested
 * at once would test with a snapshot taken before the lock (a holder
 * committing in between goes unseen), and a test that locked again would
 * take a lock the first statement skipped.
 *
 * The claim locks no row of samples: a scoring run updates those rows
 * (their combined score) and holds their locks until it commits, and the
 * foreign-key checks of decisions being written lock them too; a claim
 * must neither skip nor wait for either. */
#include "dbi_int.h"
#include "queue_int.h"
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

/* The claim's transaction, spelled out (the lock must last from the first
 * statement through the second). */
static const dbi_query q_claim_begin = {"queue_claim_begin", NULL, "BEGIN"};
static const dbi_query q_claim_commit = {"queue_claim_commit", NULL, "COMMIT"};

/* The lease, written only when this transaction takes the sample's claim
 * lock ($1 sample, $2 annotator, $3 its length in ms: it ends by the
 * server's clock, whatever this machine's says). The lock's keys: the store's
 * and the id's low 31 bits (store_int.h: never negative, scores_pg_lock.c's
 * key is -1; ids 2^31 apart share a lock, which only makes a claim of one
 * move on while the other's is in flight). */
static const dbi_query q_claim_lock = {
    "queue_claim_lock", NULL,
    "WITH c AS (SELECT id FROM samples WHERE id = $1"
    "  AND pg_try_advisory_xact_lock(" PG_SAMPLE_KEYS "))"
    " INSERT INTO leases (sample_id, annotator_id, expires_at) SELECT id, $2, " PG_NOW_MS
    " + $3 FROM c"
    " ON CONFLICT (sample_id, annotator_id) DO UPDATE SET expires_at = excluded.expires_at"};

/* $1..$6 as ELIGIBLE's, $6 the sample: the sample when the lease above
 * was written by this transaction (its lock is ours) and the sample is
 * still offered; then the annotator's other leases are dropped, or, when
 * it is not offered, the lease just written. */
#define MINE "xmin = pg_current_xact_id_if_assigned()::xid"
static const dbi_query q_claim_lease = {
    "queue_claim_lease", NULL,
    "WITH ok AS (SELECT s.id FROM samples s WHERE s.id = $6" ELIGIBLE_PG
    "  AND EXISTS (SELECT 1 FROM leases m WHERE m.sample_id = s.id AND m.annotator_id = $1"
    "   AND m." MINE ")),"
    " o AS (DELETE FROM leases WHERE annotator_id = $1 AND CASE WHEN EXISTS (SELECT 1 FROM ok)"
    "  THEN sample_id <> $6 ELSE sample_id = $6 AND " MINE " END)"
    " SELECT id FROM ok"};

static int same_condition(assay_error *err)
{
	static int same = -1;
	if (same < 0) {
		int n;
		char *derived = dbi_pg_text(ELIGIBLE, &n);
		if (!derived)
			return assay_fail(err, ASSAY_ENOMEM, "out of memory");
		same = strcmp(derived, ELIGIBLE_PG) == 0;
		free(derived);
	}
	return same ? ASSAY_OK
		    : assay_fail(err, ASSAY_EDB, "internal: the claim's test of an offered sample "
				 "differs from the queue's");
}

int queue_claim_pg(store *s, const store_queue *q, int show, int64_t id, assay_error *err)
{
	int64_t now;
	int rc = same_condition(err);
	if (rc < 0 || (rc = store_clock_ms(s, &now, err)) < 0)
		return rc;
	dbi_stmt *sts[4] = {dbi_stmt_get(s->dbi, &q_claim_begin, err)};
	if (!sts[0] || !(sts[1] = dbi_stmt_get(s->dbi, &q_claim_lock, err)) ||
	    !(sts[2] = dbi_stmt_get(s->dbi, &q_claim_lease, err)) ||
	    !(sts[3] = dbi_stmt_get(s->dbi, &q_claim_commit, err)))
		return err->code;
	dbi_bind_i64(sts[1], 1, id);
	dbi_bind_i64(sts[1], 2, q->annotator_id);
	dbi_bind_i64(sts[1], 3, queue_lease_ms(q));
	dbi_bind_i64(sts[2], 1, q->annotator_id);
	dbi_bind_i64(sts[2], 2, q->batch_id);
	dbi_bind_i64(sts[2], 3, show);
	dbi_bind_i64(sts[2], 4, now);
	dbi_bind_i64(sts[2], 5, q->overlap > 0 ? q->overlap : 1);
	dbi_bind_i64(sts[2], 6, id);
	int64_t rows[4];
	if ((rc = dbi_pg_pipeline(s->dbi, sts, 4, rows, NULL, err)) < 0)
		return assay_error_prefix(err, "claiming a sample");
	return rows[2] == 1;
}

/* ---- the server's clock ---------------------------------------------------------- */

static const dbi_query q_clock = {"pg_clock", NULL, "SELECT " PG_NOW_MS};

/* Reads the server's clock against this one's (the middle of the round
 * trip). A failure is the caller's: the statement also sends the score
 * writes held back (dbi_before_next), whose failure must not pass
 * unseen. */
static int clock_read(store *s, assay_error *err)
{
	int64_t t0 = assay_now_ms(), m0 = assay_mono_ns();
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_clock, err);
	if (!st)
		return err->code;
	int rc = dbi_step(st, err, "reading the server's clock");
	if (rc == DBI_ROW) {
		int64_t m1 = assay_mono_ns();
		s->clock_skew_ms = dbi_col_i64(st, 0) - (t0 + (m1 - m0) / 2000000);
		s->clock_read_ns = m1;
	}
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

int store_clock_ms(store *s, int64_t *now, assay_error *err)
{
	if (s->pg &&
	    (!s->clock_read_ns || assay_mono_ns() - s->clock_read_ns > 60 * 1000000000LL)) {
		int rc = clock_read(s, err);
		if (rc < 0)
			return rc;
	}
	*now = assay_now_ms() + (s->pg ? s->clock_skew_ms : 0);
	return ASSAY_OK;
}
