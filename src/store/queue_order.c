/* queue_order.c — the review queue's orders as SQL, in one place: for each
 * order and phase, the indexed probe that finds the next sample after a
 * cursor, and where a given sample stands in the order (to resume). */
#include "queue_int.h"
#include "queue_order_pg.h"

#include <math.h>
#include <stdlib.h>

/* The near-duplicate cluster of sample s (its neardup detail's "cluster":
 * the id of the cluster's first sample), else the sample's own id. */
#define CLUSTER                                                                                    \
	"coalesce((SELECT CASE WHEN json_valid(d) THEN json_extract(d, '$.cluster') END"           \
	"          FROM (SELECT note_at(n.notes, (SELECT k.slot FROM scorers k"                    \
	"                WHERE k.name = 'neardup'), 1) AS d"                                       \
	"                FROM score_notes n WHERE n.sample_id = s.id)), s.id)"

/* ?6 the cursor's id (or hash), ?7 its key, ?8 a cluster to pass over (0:
 * none); every probe returns (id, key, hash, cluster). */

/* Each probe is its selection (up to WHERE) and the rest of its test: a
 * queue narrowed by a --where puts the slice between the two (queue_where). */

/* Quality order: unscored samples first, walking the combined score's
 * index (quality, sample_id) from (NULL, id); each sample passed is one
 * seek into samples by id. */
#define QUALITY_FROM                                                                               \
	" FROM sample_quality qy JOIN samples s ON s.id = qy.sample_id WHERE "
#define UNSCORED_SEL "SELECT s.id, qy.quality, s.hash, 0" QUALITY_FROM
#define UNSCORED_REST                                                                              \
	"qy.quality IS NULL AND qy.sample_id > ?6" ELIGIBLE                                         \
	" ORDER BY qy.quality, qy.sample_id LIMIT 1"
#define QUALITY_SEL "SELECT s.id, qy.quality, s.hash, 0" QUALITY_FROM
#define QUALITY_REST                                                                               \
	"(qy.quality, qy.sample_id) > (?7, ?6)" ELIGIBLE " ORDER BY qy.quality, qy.sample_id LIMIT 1"
#define ID_SEL "SELECT s.id, NULL, s.hash, 0 FROM samples s WHERE "
#define ID_REST "s.id > ?6" ELIGIBLE " ORDER BY s.id LIMIT 1"
#define HASH_SEL "SELECT s.id, NULL, s.hash, 0 FROM samples s WHERE "
#define HASH_REST "s.hash > ?6" ELIGIBLE " ORDER BY s.hash LIMIT 1"
/* Learned order: the learned value (1 - P(rejected)) ascending, so the
 * likeliest rejection comes first; a failed score (NULL) is unranked. */
#define LEARNED_SEL                                                                                \
	"SELECT s.id, sc.learned, s.hash, 0 FROM sample_scores sc"                                \
	" INDEXED BY sample_scores_by_learned"                                                     \
	" JOIN samples s ON s.id = sc.sample_id WHERE "
#define LEARNED_REST                                                                               \
	"sc.learned IS NOT NULL AND (sc.learned, sc.sample_id) > (?7, ?6)" ELIGIBLE                \
	" ORDER BY sc.learned, sc.sample_id LIMIT 1"
/* Uncertain order: the distance of the learned value to 0.5 ascending (the
 * decision boundary first), passing over the cluster ?8. The key is sought
 * alone (an expression in a row value is not), ties walked by id. */
#define UNCERTAIN_SEL                                                                              \
	"SELECT s.id, abs(sc.learned - 0.5), s.hash, " CLUSTER                                     \
	" FROM sample_scores sc INDEXED BY sample_scores_by_uncertainty"                           \
	" JOIN samples s ON s.id = sc.sample_id"                                                   \
	" WHERE "
#define UNCERTAIN_REST                                                                             \
	"sc.learned IS NOT NULL AND abs(sc.learned - 0.5) >= ?7"                                   \
	" AND (abs(sc.learned - 0.5) > ?7 OR sc.sample_id > ?6)" ELIGIBLE                         \
	" AND (?8 = 0 OR " CLUSTER " <> ?8)"                                                       \
	" ORDER BY abs(sc.learned - 0.5), sc.sample_id LIMIT 1"
/* The learned orders' last part: samples without a learned value, by id
 * (no index says which those are: one walk of the ids per pass). */
#define UNRANKED_SEL "SELECT s.id, NULL, s.hash, " CLUSTER " FROM samples s WHERE "
#define UNRANKED_REST                                                                              \
	"s.id > ?6"                                                                                \
	" AND NOT EXISTS (SELECT 1 FROM sample_scores x WHERE x.sample_id = s.id"                  \
	"                 AND x.learned IS NOT NULL)" ELIGIBLE                                      \
	" AND (?8 = 0 OR " CLUSTER " <> ?8) ORDER BY s.id LIMIT 1"

enum { P_UNSCORED, P_QUALITY, P_ID, P_HASH, P_LEARNED, P_UNCERTAIN, P_UNRANKED };
/* The plain orders' probes run on both engines as they are (?N turned into
 * $N); the learned orders' (INDEXED BY, the packed notes' note_at) are
 * SQLite's, PostgreSQL's own are in queue_order_pg.c. */
static const char sql_probe_unscored[] = UNSCORED_SEL UNSCORED_REST;
static const char sql_probe_quality[] = QUALITY_SEL QUALITY_REST;
static const char sql_probe_id[] = ID_SEL ID_REST;
static const char sql_probe_hash[] = HASH_SEL HASH_REST;
static const char sql_probe_learned[] = LEARNED_SEL LEARNED_REST;
static const char sql_probe_uncertain[] = UNCERTAIN_SEL UNCERTAIN_REST;
static const char sql_probe_unranked[] = UNRANKED_SEL UNRANKED_REST;
static const dbi_query probes[] = {
	{"queue_probe_unscored", sql_probe_unscored, NULL},
	{"queue_probe_quality", sql_probe_quality, NULL},
	{"queue_probe_id", sql_probe_id, NULL},
	{"queue_probe_hash", sql_probe_hash, NULL},
	{"queue_probe_learned", sql_probe_learned, NULL},
	{"queue_probe_uncertain", sql_probe_uncertain, NULL},
	{"queue_probe_unranked", sql_probe_unranked, NULL}};
/* The same with a slice between head and tail. */
static const char *const slice_heads[] = {
	UNSCORED_SEL "(", QUALITY_SEL "(", ID_SEL "(",	     HASH_SEL "(",
	LEARNED_SEL "(",  UNCERTAIN_SEL "(", UNRANKED_SEL "("};
static const char *const slice_tails[] = {
	") AND " UNSCORED_REST, ") AND " QUALITY_REST,	 ") AND " ID_REST,
	") AND " HASH_REST,	") AND " LEARNED_REST,	 ") AND " UNCERTAIN_REST,
	") AND " UNRANKED_REST};
_Static_assert(ASSAY_ARRAY_LEN(probes) == QUEUE_PROBES && ASSAY_ARRAY_LEN(slice_heads) ==
		       QUEUE_PROBES && ASSAY_ARRAY_LEN(slice_tails) == QUEUE_PROBES,
	       "a probe and its head and tail per order and phase");

/* The top bar's counts of a slice: ?1 the batch (0: all), ?2 the annotator. */
#define SLICE_TOTAL_HEAD "SELECT count(*) FROM samples s WHERE (?1 = 0 OR s.batch_id = ?1) AND ("
#define SLICE_DECIDED_HEAD                                                                         \
	"SELECT count(*) FROM decisions d JOIN samples s ON s.id = d.sample_id"                    \
	" WHERE d.annotator_id = ?2 AND d.verdict <> 'skipped'"                                    \
	" AND (?1 = 0 OR s.batch_id = ?1) AND ("

void store_queue_where_free(store_queue *q)
{
	struct queue_slice *sl = q->slice;
	if (!sl)
		return;
	for (int i = 0; i < QUEUE_PROBES; i++)
		dbi_stmt_free(sl->probe[i]);
	dbi_stmt_free(sl->total);
	dbi_stmt_free(sl->decided);
	free(sl);
	q->slice = NULL;
}

int store_queue_where(store *s, store_queue *q, const store_where *w, assay_error *err)
{
	store_queue_where_free(q);
	if (!w)
		return ASSAY_OK;
	struct queue_slice *sl = calloc(1, sizeof *sl);
	if (!sl)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	q->slice = sl;
	/* each probe walks its order's index and tests the samples it passes
	 * (on PostgreSQL the learned orders' probes are its own) */
	store_where each = *w;
	each.sql = w->sql_each ? w->sql_each : w->sql;
	for (int i = 0; i < QUEUE_PROBES; i++) {
		sl->probe[i] = s->pg && i >= P_LEARNED
				       ? queue_slice_probe_pg(s, i - P_LEARNED, w, err)
				       : store_where_stmt(s, slice_heads[i], slice_tails[i], NULL, NULL,
							  &each, err);
		if (!sl->probe[i])
			goto fail;
	}
	if (!(sl->total = store_where_stmt(s, SLICE_TOTAL_HEAD, ")", NULL, NULL, w, err)) ||
	    !(sl->decided = store_where_stmt(s, SLICE_DECIDED_HEAD, ")", NULL, NULL, w, err)))
		goto fail;
	return ASSAY_OK;
fail:
	store_queue_where_free(q);
	return err->code;
}

static int which_probe(const store_queue *q, int phase)
{
	if (phase == PH_SKIPPED || q->order == STORE_ORDER_IMPORT)
		return P_ID;
	if (q->order == STORE_ORDER_RANDOM)
		return P_HASH;
	if (q->order == STORE_ORDER_QUALITY)
		return phase == PH_UNSCORED ? P_UNSCORED : P_QUALITY;
	if (phase == PH_UNRANKED)
		return P_UNRANKED;
	return q->order == STORE_ORDER_LEARNED ? P_LEARNED : P_UNCERTAIN;
}

int queue_probe(store *s, const store_queue *q, const store_cursor *c, int show,
		int64_t not_cluster, qpos *hit, assay_error *err)
{
	int which = which_probe(q, c->phase);
	int64_t now;
	if (store_clock_ms(s, &now, err) < 0)
		return err->code;
	dbi_stmt *st = q->slice		      ? q->slice->probe[which]
		       : s->pg && which >= P_LEARNED ? queue_probe_pg(s, which - P_LEARNED, err)
						     : dbi_stmt_get(s->dbi, &probes[which], err);
	if (!st)
		return err->code;
	if (q->slice)
		dbi_reset(st);
	/* a statement without ?7 or ?8 ignores their binding */
	dbi_bind_i64(st, 1, q->annotator_id);
	dbi_bind_i64(st, 2, q->batch_id);
	dbi_bind_i64(st, 3, show);
	dbi_bind_i64(st, 4, now);
	dbi_bind_i64(st, 5, q->overlap > 0 ? q->overlap : 1);
	dbi_bind_i64(st, 6, which == P_HASH ? c->key : c->id);
	dbi_bind_f64(st, 7, c->quality);
	dbi_bind_i64(st, 8, not_cluster);
	int rc = dbi_step(st, err, "reading the queue");
	if (rc == DBI_ROW) {
		*hit = (qpos){.ok = true, .phase = c->phase};
		hit->id = dbi_col_i64(st, 0);
		hit->key = dbi_col_null(st, 1) ? NAN : dbi_col_f64(st, 1);
		hit->hash = dbi_col_i64(st, 2);
		hit->cluster = dbi_col_i64(st, 3);
	}
	dbi_reset(st);
	return rc == DBI_ROW ? 1 : rc;
}

static const dbi_query q_pos_plain = {
    "queue_pos_plain",
    "SELECT qy.quality, s.hash, s.batch_id, 0 FROM samples s"
    " LEFT JOIN sample_quality qy ON qy.sample_id = s.id WHERE s.id = ?1",
    NULL};
static const dbi_query q_pos_learned = {
    "queue_pos_learned",
    "SELECT sc.learned, s.hash, s.batch_id, " CLUSTER ", abs(sc.learned - 0.5) FROM samples s"
    " LEFT JOIN sample_scores sc ON sc.sample_id = s.id WHERE s.id = ?1",
    NULL};

int queue_sample_pos(store *s, const store_queue *q, int64_t id, qpos *p, assay_error *err)
{
	bool learned = queue_learned_order(q->order);
	*p = (qpos){.id = id};
	dbi_stmt *st = learned && s->pg ? queue_pos_learned_pg(s, err)
		       : learned	? dbi_stmt_get(s->dbi, &q_pos_learned, err)
					: dbi_stmt_get(s->dbi, &q_pos_plain, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, id);
	int rc = dbi_step(st, err, "reading a sample");
	if (rc == DBI_ROW && (q->batch_id == 0 || dbi_col_i64(st, 2) == q->batch_id)) {
		bool none = dbi_col_null(st, 0);
		int col = q->order == STORE_ORDER_UNCERTAIN ? 4 : 0;
		p->ok = true;
		p->phase = !none						? PH_MAIN
			   : learned						? PH_UNRANKED
			   : q->order == STORE_ORDER_QUALITY ? PH_UNSCORED
							      : PH_MAIN;
		p->key = none ? -INFINITY : dbi_col_f64(st, col);
		p->hash = dbi_col_i64(st, 1);
		p->cluster = dbi_col_i64(st, 3);
	}
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

static const dbi_query q_has_learned = {
    "queue_has_learned", "SELECT 1 FROM sample_scores WHERE learned IS NOT NULL LIMIT 1", NULL};

int store_has_learned(store *s, bool *yes, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_has_learned, err);
	if (!st)
		return err->code;
	int rc = dbi_step(st, err, "reading scores");
	*yes = rc == DBI_ROW;
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}
