/* queue_int.h — what queue.c (the walk, leases) and queue_order.c (the
 * orders' SQL) share: the phases of a pass, a position in an order, and
 * the probe that finds the next sample from a cursor. */
#ifndef ASSAY_QUEUE_INT_H
#define ASSAY_QUEUE_INT_H

#include "store_int.h"

/* Which samples the queue offers. ?1 annotator, ?2 batch (0 = all), ?3 show
 * (enum store_show), ?4 now (ms), ?5 overlap. A sample is offered while
 * fewer than `overlap` other annotators decided it or hold it (one who did
 * both counts once); a lease counts until it expires (no process clears
 * them). The text is PostgreSQL's as well (?N turned into $N): every
 * branch of a CASE a boolean, the subquery in FROM named. The decisions'
 * subqueries end in LIMIT 1 OFFSET 0 (the same rows on either engine): an
 * OFFSET keeps PostgreSQL from turning them into hashed subqueries, which
 * read every decision at each probe (a probe's cost grew with the
 * decisions made), so each sample walked past is tested by the primary
 * key; the leases' one stays hashable (a few live rows). */
#define ELIGIBLE                                                                                   \
	" AND (?2 = 0 OR s.batch_id = ?2)"                                                          \
	" AND CASE CAST(?3 AS INTEGER)"                                                             \
	"   WHEN 0 THEN NOT EXISTS (SELECT 1 FROM decisions d WHERE d.sample_id = s.id"             \
	"                           AND d.annotator_id = ?1"                                        \
	"                  LIMIT 1 OFFSET 0)"                                                       \
	"   WHEN 4 THEN 1 = 1"                                                                      \
	"   ELSE EXISTS (SELECT 1 FROM decisions d WHERE d.sample_id = s.id AND d.annotator_id = ?1" \
	"                AND d.verdict = CASE CAST(?3 AS INTEGER) WHEN 1 THEN 'skipped'"            \
	"                                WHEN 2 THEN 'rejected' ELSE 'edited' END"                  \
	"                  LIMIT 1 OFFSET 0) END"                                                   \
	" AND (?3 NOT IN (0, 1) OR CASE WHEN ?5 <= 1 THEN"                                          \
	"      NOT EXISTS (SELECT 1 FROM decisions d WHERE d.sample_id = s.id"                      \
	"                  AND d.annotator_id <> ?1 AND d.verdict <> 'skipped'"                     \
	"                  LIMIT 1 OFFSET 0)"                                                       \
	"  AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.sample_id = s.id"                         \
	"                  AND l.annotator_id <> ?1 AND l.expires_at > ?4)"                         \
	"    ELSE (SELECT count(*) FROM (SELECT d.annotator_id FROM decisions d"                    \
	"            WHERE d.sample_id = s.id AND d.annotator_id <> ?1 AND d.verdict <> 'skipped'"  \
	"          UNION SELECT l.annotator_id FROM leases l"                                       \
	"            WHERE l.sample_id = s.id AND l.annotator_id <> ?1 AND l.expires_at > ?4) o)"   \
	"         < ?5"                                                                             \
	"    END)"

/* ELIGIBLE with PostgreSQL's $N (queue_pg.c checks it against ELIGIBLE at
 * the first claim). */
#define ELIGIBLE_PG                                                                                \
	" AND ($2 = 0 OR s.batch_id = $2)"                                                          \
	" AND CASE CAST($3 AS INTEGER)"                                                             \
	"   WHEN 0 THEN NOT EXISTS (SELECT 1 FROM decisions d WHERE d.sample_id = s.id"             \
	"                           AND d.annotator_id = $1"                                        \
	"                  LIMIT 1 OFFSET 0)"                                                       \
	"   WHEN 4 THEN 1 = 1"                                                                      \
	"   ELSE EXISTS (SELECT 1 FROM decisions d WHERE d.sample_id = s.id AND d.annotator_id = $1" \
	"                AND d.verdict = CASE CAST($3 AS INTEGER) WHEN 1 THEN 'skipped'"            \
	"                                WHEN 2 THEN 'rejected' ELSE 'edited' END"                  \
	"                  LIMIT 1 OFFSET 0) END"                                                   \
	" AND ($3 NOT IN (0, 1) OR CASE WHEN $5 <= 1 THEN"                                          \
	"      NOT EXISTS (SELECT 1 FROM decisions d WHERE d.sample_id = s.id"                      \
	"                  AND d.annotator_id <> $1 AND d.verdict <> 'skipped'"                     \
	"                  LIMIT 1 OFFSET 0)"                                                       \
	"  AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.sample_id = s.id"                         \
	"                  AND l.annotator_id <> $1 AND l.expires_at > $4)"                         \
	"    ELSE (SELECT count(*) FROM (SELECT d.annotator_id FROM decisions d"                    \
	"            WHERE d.sample_id = s.id AND d.annotator_id <> $1 AND d.verdict <> 'skipped'"  \
	"          UNION SELECT l.annotator_id FROM leases l"                                       \
	"            WHERE l.sample_id = s.id AND l.annotator_id <> $1 AND l.expires_at > $4) o)"   \
	"         < $5"                                                                             \
	"    END)"

/* The parts of a pass: the quality order starts with the unscored samples;
 * the learned orders end their main part with the samples that have no
 * learned score (PH_UNRANKED, after PH_MAIN); the skipped ones come last. */
enum { PH_UNSCORED, PH_MAIN, PH_SKIPPED, PH_DONE, PH_UNRANKED };

/* A sample's position in an order: its phase, its key there (quality,
 * learned value or distance to 0.5; -INFINITY where the phase has none),
 * its id, its hash, its near-duplicate cluster (the uncertain order; else
 * 0). */
typedef struct qpos {
	bool ok;
	int phase;
	double key;
	int64_t id, hash, cluster;
} qpos;

/* A queue narrowed by a --where: each order's probe and the top bar's
 * counts, prepared once with the slice (store_queue_where). */
#define QUEUE_PROBES 7
struct queue_slice {
	dbi_stmt *probe[QUEUE_PROBES];
	dbi_stmt *total, *decided;
};

/* Whether the order ranks by the learned scorer's value. */
static inline bool queue_learned_order(int order)
{
	return order == STORE_ORDER_LEARNED || order == STORE_ORDER_UNCERTAIN;
}

/* The next sample after the cursor in its phase that the filter `show`
 * offers (and, when not_cluster is not 0, that is not in that cluster):
 * one indexed probe. 1 found (*hit filled), 0 none, < 0 error. */
int queue_probe(store *s, const store_queue *q, const store_cursor *c, int show,
		int64_t not_cluster, qpos *hit, assay_error *err);

/* Leases sample id to the queue's annotator and drops the annotator's
 * other leases, inside the caller's transaction (queue_lease.c). */
int queue_claim(store *s, const store_queue *q, int64_t id, assay_error *err);
/* Takes (or extends) q's annotator's lease on sample id unless `overlap`
 * other annotators hold live ones on it, inside the caller's transaction
 * (on PostgreSQL after waiting for the sample's claim lock, so a claim in
 * flight is seen); taken and not keep_others, the annotator's other
 * leases are given up. 1 taken, 0 held by others, < 0 error. */
int queue_lease_checked(store *s, const store_queue *q, int64_t id, bool keep_others,
			assay_error *err);
/* PostgreSQL: waits for the store's transaction advisory lock key (held
 * to the transaction's end), so the statements after it see what the
 * lock's previous holder committed; then, on either engine, the store's
 * clock (store_clock_ms) into *now, for the check that follows. The keys:
 * a sample's claim lock (PG_SAMPLE_KEYS' second key, which the queue's
 * claims and decide --auto try) and the leads' turn at the conflicts. */
int store_pg_wait_lock(store *s, int32_t key, const char *what, int64_t *now, assay_error *err);
#define PG_SAMPLE_LOCK(id) ((int32_t)((id) & 2147483647))
#define PG_CONFLICTS_LOCK (-2)
/* PostgreSQL: the server's clock in ms, in SQL (a lease's end). */
#define PG_NOW_MS "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

/* When a lease taken now ends (by this machine's clock), and how long it
 * lasts. */
int64_t queue_lease_end(const store_queue *q);
int64_t queue_lease_ms(const store_queue *q);
/* PostgreSQL: leases sample id to the annotator (for queue_lease_ms by
 * the server's clock) if it is still offered in the show (queue_pg.c), in
 * one round trip. 1 leased, 0 taken meanwhile, < 0 error. */
int queue_claim_pg(store *s, const store_queue *q, int show, int64_t id, assay_error *err);

/* Where sample id stands in q's order (p->ok false: not in q's batch). */
int queue_sample_pos(store *s, const store_queue *q, int64_t id, qpos *p, assay_error *err);

#endif
