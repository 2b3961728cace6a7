/* scores_pg_info.c — `info`'s scorers on PostgreSQL: each scorer's count
 * of scores and flags and the newest version in use, as one aggregate on
 * the server over the unnested version arrays (SQLite tallies the packed
 * rows in C). */
#include "scores_pg.h"

#include <stdlib.h>

static const dbi_query q_info_scorers = {
    "pg_info_scorers", NULL,
    "SELECT sc.name, coalesce(t.n, 0), coalesce(t.flagged, 0), coalesce(t.newest, ''),"
    " coalesce(t.failed, 0)"
    " FROM scorers sc LEFT JOIN (SELECT u.i - 1 AS slot, count(*) AS n,"
    "   count(*) FILTER (WHERE (ss.flags >> (u.i - 1)::integer) & 1 = 1) AS flagged,"
    "   count(*) FILTER (WHERE ss.vals[u.i] IS NULL) AS failed,"
    "   max(v.version COLLATE \"C\") AS newest"
    "   FROM sample_scores ss CROSS JOIN LATERAL unnest(ss.vers) WITH ORDINALITY AS u(ver, i)"
    "   JOIN scorer_versions v ON v.id = u.ver GROUP BY u.i) t ON t.slot = sc.slot"
    " WHERE sc.slot < 64 ORDER BY sc.name COLLATE \"C\""};

int store_info_scorers_pg(store *s, store_info *out, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_info_scorers, err);
	if (!st)
		return err->code;
	size_t cap = 0;
	int rc;
	while ((rc = dbi_step(st, err, "listing scorers")) == DBI_ROW) {
		if (out->n_scorers == cap) {
			cap = cap ? cap * 2 : 16;
			store_info_scorer *v = realloc(out->scorers, cap * sizeof *v);
			if (!v)
				break;
			out->scorers = v;
		}
		store_info_scorer *sc = &out->scorers[out->n_scorers++];
		*sc = (store_info_scorer){.name = store_dcol_str(st, 0),
					  .version = store_dcol_str(st, 3),
					  .samples = dbi_col_i64(st, 1),
					  .flagged = dbi_col_i64(st, 2),
					  .failed = dbi_col_i64(st, 4)};
		if (!sc->name || !sc->version)
			break;
	}
	if (rc == DBI_ROW) {
		dbi_reset(st);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	return rc < 0 ? rc : ASSAY_OK;
}
