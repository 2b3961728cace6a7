/* scores_pg.h — the packed scores on a PostgreSQL store: their tables
 * (made by schema_pg.c) and the PostgreSQL side of the score functions of
 * store_scores.h, which the SQLite files hand over to when s->pg.
 *
 * SQLite packs a sample's scores into blobs read through assay's own SQL
 * functions (score_pack.c). PostgreSQL keeps the same rows with its own
 * arrays instead, which its SQL reads without any function of ours:
 * element slot + 1 of vals is the slot's value (NULL: unscored or the
 * scorer failed), of vers its scorer_versions id (NULL: unscored), and of
 * score_notes' reasons and details the slot's reason and detail (NULL:
 * none). A write merges its slots into the stored arrays in one upsert;
 * flags is the same 64-bit mask of flagged slots as on SQLite. */
#ifndef ASSAY_STORE_SCORES_PG_H
#define ASSAY_STORE_SCORES_PG_H

#include "store_int.h"

#define SCORES_PG_TABLES \
	"CREATE TABLE sample_scores (" \
	"  sample_id BIGINT PRIMARY KEY REFERENCES samples(id)," \
	"  flags BIGINT NOT NULL DEFAULT 0, learned DOUBLE PRECISION," \
	"  scored_at BIGINT NOT NULL, vals DOUBLE PRECISION[] NOT NULL," \
	"  vers INTEGER[] NOT NULL);" \
	"CREATE INDEX sample_scores_by_learned ON sample_scores(learned, sample_id)" \
	"  WHERE learned IS NOT NULL;" \
	"CREATE INDEX sample_scores_by_uncertainty ON sample_scores(abs(learned - 0.5), sample_id)" \
	"  WHERE learned IS NOT NULL;" \
	"CREATE TABLE score_notes (" \
	"  sample_id BIGINT PRIMARY KEY REFERENCES samples(id)," \
	"  reasons TEXT[] NOT NULL, details TEXT[] NOT NULL);"

/* ---- scores_pg.c: slots, writes and the readers of stored rows ---- */
int score_slots_load_pg(store *s, assay_error *err);
int score_slot_make_pg(store *s, const char *name, const char *version, int *slot,
		       uint32_t *ver, assay_error *err);
int store_scores_put_at_pg(store *s, const store_score_row *rows, size_t n, int64_t at,
			   assay_error *err);
int store_score_set_detail_pg(store *s, int64_t sample_id, int slot, const char *reason,
			      const char *detail, assay_error *err);
/* Whether slot's version id in the sample's row is ver (store_score_current). */
int store_score_current_pg(store *s, int64_t sample_id, int slot, uint32_t ver, bool *current,
			   assay_error *err);
int store_scores_get_pg(store *s, int64_t sample_id, store_score **out, size_t *n,
			assay_error *err);

/* Appends a text array element: quoted, with " and \ escaped; NULL when
 * t is NULL or empty. */
int scores_pg_text_elem(abuf *b, const char *t);

/* ---- scores_pg_batch.c: the writes of a transaction held back ---- */
/* One sample's n scores (slots, version ids, the mask of written slots,
 * the flagged ones, the learned row's index or -1), sent with the rest of
 * the transaction's in one statement. */
int scores_pg_hold(store *s, const store_score_row *rows, size_t n, const int *slot,
		   const uint32_t *ver, uint64_t mask, uint64_t flags, int learned_i, int64_t at,
		   assay_error *err);
/* A combined score, the same way. */
int scores_pg_hold_quality(store *s, int64_t sample_id, double quality, assay_error *err);

/* ---- scores_pg_rows.c: reading rows in id ranges ---- */
int store_scores_range_each_pg(store *s, int64_t lo, int64_t hi,
			       int (*fn)(void *ud, int64_t sample_id, const char *scorer,
					 double value),
			       void *ud, assay_error *err);
int store_score_rows_read_pg(store *s, int64_t lo, int64_t hi, int note_slot,
			     int (*fn)(void *ud, const store_score_rowview *row), void *ud,
			     assay_error *err);
int store_score_rows_each_pg(store *s, int64_t first, int64_t last,
			     int (*fn)(void *ud, int64_t sample_id, const double *vals, size_t n,
				       uint64_t flags),
			     void *ud, assay_error *err);
int store_scorer_names_pg(store *s, char ***names, size_t *n, assay_error *err);
/* Parses a float8[] (NULL elements: NAN) or integer[] (NULL: 0) column's
 * text into at most max elements; *n gets how many. */
size_t scores_pg_f64s(const char *text, size_t len, double *out, size_t max);
size_t scores_pg_u32s(const char *text, size_t len, uint32_t *out, size_t max);

/* ---- scores_pg_page.c: what a scoring run reads, the combined score, the cache ---- */
int store_score_page_next_pg(store *s, const store_score_query *q, size_t max,
			     store_score_page *page, assay_error *err);
int store_score_scope_pg(store *s, const store_score_query *q, store_score_span *out,
			 assay_error *err);
/* Where a page's keyset starts: after its last id, and not before the
 * query's smallest. */
static inline int64_t store_page_from(const store_score_query *q, const store_score_page *page)
{
	return q->min_id > 0 && page->last_id < q->min_id - 1 ? q->min_id - 1 : page->last_id;
}
int store_quality_set_pg(store *s, int64_t sample_id, double quality, assay_error *err);
int store_quality_missing_pg(store *s, int64_t after, int64_t *ids, size_t max, size_t *n,
			     assay_error *err);
int store_score_cache_get_pg(store *s, uint64_t config_hash, uint64_t text_hash, bool *found,
			     double *value, char **reason, assay_error *err);
int store_score_cache_put_pg(store *s, uint64_t config_hash, uint64_t text_hash, double value,
			     const char *reason, assay_error *err);
int store_field_range_pg(store *s, const store_score_query *q, const char *field, double *min,
			 double *max, int64_t *n, assay_error *err);

/* ---- scores_pg_info.c ---- */
/* info's scorers, in name order, into out->scorers. */
int store_info_scorers_pg(store *s, store_info *out, assay_error *err);

/* ---- scores_pg_prov.c ---- */
/* export's provenance object of one sample, as SQLite writes it. */
int store_export_provenance_pg(store *s, int64_t sample_id, char **json, assay_error *err);

#endif
