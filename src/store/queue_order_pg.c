/* queue_order_pg.c — the learned orders' probes on PostgreSQL
 * (queue_order.c has SQLite's): the same walks over the learned value and
 * its distance to 0.5, the near-duplicate cluster read from the neardup
 * slot's detail in score_notes' details array (scores_pg.h), and the
 * sample's own eligibility test with PostgreSQL's placeholders. */
#include "queue_int.h"
#include "queue_order_pg.h"

/* The neardup detail's "cluster", else the sample's own id. */
#define CLUSTER_PG                                                                                 \
	"coalesce((SELECT (n.details[(SELECT k.slot FROM scorers k WHERE k.name = 'neardup') + 1]" \
	"   ::jsonb ->> 'cluster')::bigint FROM score_notes n WHERE n.sample_id = s.id), s.id)"

/* Each probe is its selection (up to WHERE) and the rest of its test, a
 * slice between the two (queue_slice_probe_pg). */
#define LEARNED_SEL_PG                                                                             \
	"SELECT s.id, sc.learned, s.hash, 0 FROM sample_scores sc"                                \
	" JOIN samples s ON s.id = sc.sample_id WHERE "
#define LEARNED_REST_PG                                                                            \
	"sc.learned IS NOT NULL AND (sc.learned, sc.sample_id) > ($7, $6)" ELIGIBLE_PG            \
	" ORDER BY sc.learned, sc.sample_id LIMIT 1"
#define UNCERTAIN_SEL_PG                                                                           \
	"SELECT s.id, abs(sc.learned - 0.5), s.hash, " CLUSTER_PG                                  \
	" FROM sample_scores sc JOIN samples s ON s.id = sc.sample_id WHERE "
#define UNCERTAIN_REST_PG                                                                          \
	"sc.learned IS NOT NULL AND abs(sc.learned - 0.5) >= $7"                                   \
	" AND (abs(sc.learned - 0.5) > $7 OR sc.sample_id > $6)" ELIGIBLE_PG                       \
	" AND ($8 = 0 OR " CLUSTER_PG " <> $8)"                                                    \
	" ORDER BY abs(sc.learned - 0.5), sc.sample_id LIMIT 1"
/* no key: $7 only typed, as every probe is bound the same */
#define UNRANKED_SEL_PG                                                                            \
	"SELECT s.id, CASE WHEN false THEN $7::float8 END, s.hash, " CLUSTER_PG " FROM samples s"  \
	" WHERE "
#define UNRANKED_REST_PG                                                                           \
	"s.id > $6 AND NOT EXISTS (SELECT 1 FROM sample_scores x"                                  \
	"  WHERE x.sample_id = s.id AND x.learned IS NOT NULL)" ELIGIBLE_PG                        \
	" AND ($8 = 0 OR " CLUSTER_PG " <> $8) ORDER BY s.id LIMIT 1"

static const char sql_learned_pg[] = LEARNED_SEL_PG LEARNED_REST_PG;
static const char sql_uncertain_pg[] = UNCERTAIN_SEL_PG UNCERTAIN_REST_PG;
static const char sql_unranked_pg[] = UNRANKED_SEL_PG UNRANKED_REST_PG;
static const dbi_query probes_pg[] = {{"queue_probe_learned_pg", NULL, sql_learned_pg},
				      {"queue_probe_uncertain_pg", NULL, sql_uncertain_pg},
				      {"queue_probe_unranked_pg", NULL, sql_unranked_pg}};

dbi_stmt *queue_probe_pg(store *s, int learned_probe, assay_error *err)
{
	if (learned_probe < 0 || learned_probe >= (int)ASSAY_ARRAY_LEN(probes_pg)) {
		assay_fail(err, ASSAY_EINVAL, "internal: no such probe");
		return NULL;
	}
	return dbi_stmt_get(s->dbi, &probes_pg[learned_probe], err);
}

static const char *const slice_heads_pg[] = {LEARNED_SEL_PG "(", UNCERTAIN_SEL_PG "(",
					     UNRANKED_SEL_PG "("};
static const char *const slice_tails_pg[] = {") AND " LEARNED_REST_PG, ") AND " UNCERTAIN_REST_PG,
					     ") AND " UNRANKED_REST_PG};

dbi_stmt *queue_slice_probe_pg(store *s, int learned_probe, const store_where *w,
			       assay_error *err)
{
	if (learned_probe < 0 || learned_probe >= (int)ASSAY_ARRAY_LEN(slice_heads_pg)) {
		assay_fail(err, ASSAY_EINVAL, "internal: no such probe");
		return NULL;
	}
	/* PostgreSQL's text only: SQLite never runs it */
	return store_where_stmt(s, slice_heads_pg[learned_probe], slice_tails_pg[learned_probe],
				NULL, NULL, w, err);
}

static const char sql_pos_learned_pg[] =
	"SELECT sc.learned, s.hash, s.batch_id, " CLUSTER_PG ", abs(sc.learned - 0.5) FROM samples s"
	" LEFT JOIN sample_scores sc ON sc.sample_id = s.id WHERE s.id = $1";
static const dbi_query q_pos_learned_pg = {"queue_pos_learned_pg", NULL, sql_pos_learned_pg};

dbi_stmt *queue_pos_learned_pg(store *s, assay_error *err)
{
	return dbi_stmt_get(s->dbi, &q_pos_learned_pg, err);
}
