/* stats_pg.h — stats summed on a PostgreSQL server (stats_pg.c), which
 * store_stats_each hands over to when the caller takes summed rows. */
#ifndef ASSAY_STORE_STATS_PG_H
#define ASSAY_STORE_STATS_PG_H

#include "store_int.h"

/* The record's field through its JSON path ($."meta"."model" is a jsonpath
 * too), a JSON boolean read as 1 or 0 and a JSON null as NULL, as SQLite's
 * json_extract gives them; $3 the path (text), s the sample. */
#define STATS_PG_FIELD                                                                             \
	"(SELECT CASE jsonb_typeof(v) WHEN 'boolean' THEN CASE WHEN v = 'true'::jsonb"             \
	"  THEN '1' ELSE '0' END WHEN 'null' THEN NULL ELSE v #>> '{}' END"                        \
	"  FROM (SELECT CASE WHEN $3::text IS NULL THEN NULL"                                      \
	"    ELSE jsonb_path_query_first(s.record::jsonb, $3::jsonpath) END AS v) AS j)"

/* Binds the filter's $1..$7 (times, field path, annotator, batch, sample
 * range), the same in every decisions statement of both engines (stats.c). */
void stats_bind_filter(dbi_stmt *st, const store_stats_filter *f);

/* store_stats_each's contract with f->sums on a server store: a row per
 * group (row.sums), in no order. */
int stats_pg_sums(store *s, const store_stats_filter *f,
		  int (*fn)(void *ud, const store_stat_row *row), void *ud, assay_error *err);

#endif
