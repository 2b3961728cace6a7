/* batches.c — batches: one per named import, with its options and counts. */
#include "store_int.h"

#include <stdlib.h>

#define BATCH_COLS                                                                                 \
	"id, name, source, format, text_field, id_field, meta_fields, created_at, finished_at, "  \
	"n_read, n_imported, n_duplicate, n_rejected, kind, context_fields, dedup_on, turn, "      \
	"media_fields, media_root, media_maps, pair_fields, pair_model_fields"

void store_batch_free(store_batch *b)
{
	if (!b)
		return;
	free(b->name);
	free(b->source);
	free(b->format);
	free(b->text_field);
	free(b->id_field);
	free(b->meta_fields);
	free(b->kind);
	free(b->context_fields);
	free(b->dedup_on);
	free(b->turn);
	free(b->media_fields);
	free(b->media_root);
	free(b->media_maps);
	free(b->pair_fields);
	free(b->pair_model_fields);
	*b = (store_batch){0};
}

static int read_batch(dbi_stmt *st, store_batch *b, assay_error *err)
{
	*b = (store_batch){
		.id = dbi_col_i64(st, 0),
		.name = store_dcol_str(st, 1),
		.source = store_dcol_str(st, 2),
		.format = store_dcol_str(st, 3),
		.text_field = store_dcol_str(st, 4),
		.id_field = store_dcol_str(st, 5),
		.meta_fields = store_dcol_str(st, 6),
		.created_at = dbi_col_i64(st, 7),
		.finished_at = dbi_col_i64(st, 8),
		.n_read = dbi_col_i64(st, 9),
		.n_imported = dbi_col_i64(st, 10),
		.n_duplicate = dbi_col_i64(st, 11),
		.n_rejected = dbi_col_i64(st, 12),
		.kind = store_dcol_str(st, 13),
		.context_fields = store_dcol_str(st, 14),
		.dedup_on = store_dcol_str(st, 15),
		.turn = store_dcol_str(st, 16),
		.media_fields = store_dcol_str(st, 17),
		.media_root = store_dcol_str(st, 18),
		.media_maps = store_dcol_str(st, 19),
		.pair_fields = store_dcol_str(st, 20),
		.pair_model_fields = store_dcol_str(st, 21),
	};
	if (!b->name || !b->source || !b->format || !b->text_field || !b->id_field ||
	    !b->meta_fields || !b->kind || !b->context_fields || !b->dedup_on ||
	    !b->turn || !b->media_fields || !b->media_root || !b->media_maps ||
	    !b->pair_fields || !b->pair_model_fields) {
		store_batch_free(b);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	return ASSAY_OK;
}

/* Runs a query expected to return at most one batch. */
static int one_batch(dbi_stmt *st, store_batch *out, const char *what, assay_error *err)
{
	int rc = dbi_step(st, err, "reading batches");
	if (rc == DBI_ROW) {
		rc = read_batch(st, out, err);
		dbi_reset(st);
		return rc;
	}
	dbi_reset(st);
	if (rc == DBI_DONE)
		return assay_fail(err, ASSAY_ENOTFOUND, "no batch %s", what);
	return rc;
}

static const dbi_query q_by_name = {
    "batch_by_name", "SELECT " BATCH_COLS " FROM batches WHERE name = ?", NULL};

int store_batch_by_name(store *s, const char *name, store_batch *out, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_by_name, err);
	if (!st)
		return err->code;
	dbi_bind_text(st, 1, name, -1);
	return one_batch(st, out, "of that name", err);
}

static const dbi_query q_by_source = {
    "batch_by_source", "SELECT " BATCH_COLS " FROM batches WHERE source = ? ORDER BY id DESC LIMIT 1",
    NULL};

int store_batch_by_source(store *s, const char *source, store_batch *out, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_by_source, err);
	if (!st)
		return err->code;
	dbi_bind_text(st, 1, source, -1);
	return one_batch(st, out, "from that source", err);
}

static const dbi_query q_create = {
    "batch_create",
    "INSERT INTO batches (name, source, format, text_field, id_field, meta_fields, "
    "created_at, kind, context_fields, dedup_on, turn, media_fields, media_root, media_maps, "
    "pair_fields, pair_model_fields) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (name) DO NOTHING RETURNING id",
    NULL};

int store_batch_create(store *s, store_batch *b, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_create, err);
	if (!st)
		return err->code;
	dbi_bind_text(st, 1, b->name, -1);
	dbi_bind_text(st, 2, b->source, -1);
	dbi_bind_text(st, 3, b->format, -1);
	dbi_bind_text(st, 4, b->text_field ? b->text_field : "", -1);
	dbi_bind_text(st, 5, b->id_field ? b->id_field : "", -1);
	dbi_bind_text(st, 6, b->meta_fields ? b->meta_fields : "", -1);
	dbi_bind_i64(st, 7, b->created_at);
	dbi_bind_text(st, 8, b->kind ? b->kind : "", -1);
	dbi_bind_text(st, 9, b->context_fields ? b->context_fields : "", -1);
	dbi_bind_text(st, 10, b->dedup_on ? b->dedup_on : "", -1);
	dbi_bind_text(st, 11, b->turn ? b->turn : "", -1);
	dbi_bind_text(st, 12, b->media_fields ? b->media_fields : "", -1);
	dbi_bind_text(st, 13, b->media_root ? b->media_root : "", -1);
	dbi_bind_text(st, 14, b->media_maps ? b->media_maps : "", -1);
	dbi_bind_text(st, 15, b->pair_fields ? b->pair_fields : "", -1);
	dbi_bind_text(st, 16, b->pair_model_fields ? b->pair_model_fields : "", -1);
	int rc = dbi_step(st, err, "creating a batch");
	if (rc == DBI_ROW)
		b->id = dbi_col_i64(st, 0);
	dbi_reset(st);
	/* no row: the name is taken (by a committed batch, or on PostgreSQL
	 * by one another transaction committed while this insert waited) */
	return rc == DBI_ROW ? ASSAY_OK
	       : rc < 0      ? rc
			     : assay_fail(err, ASSAY_ECONFLICT, "batch \"%s\" already exists",
					  b->name);
}

static const dbi_query q_drop_rejects = {
    "batch_drop_rejects",
    "DELETE FROM rejects WHERE batch_id = ?1"
    " AND NOT EXISTS (SELECT 1 FROM samples WHERE batch_id = ?1)"
    " AND NOT EXISTS (SELECT 1 FROM duplicates WHERE batch_id = ?1)",
    NULL};
static const dbi_query q_drop = {
    "batch_drop",
    "DELETE FROM batches WHERE id = ?1"
    " AND NOT EXISTS (SELECT 1 FROM samples WHERE batch_id = ?1)"
    " AND NOT EXISTS (SELECT 1 FROM duplicates WHERE batch_id = ?1)",
    NULL};

int store_batch_drop_empty(store *s, int64_t batch_id, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_drop_rejects, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, batch_id);
	int rc = dbi_run(st, err, "removing an empty batch's refusals");
	if (rc < 0)
		return rc;
	if (!(st = dbi_stmt_get(s->dbi, &q_drop, err)))
		return err->code;
	dbi_bind_i64(st, 1, batch_id);
	return dbi_run(st, err, "removing an empty batch");
}

static const dbi_query q_set_media = {
    "batch_set_media",
    "UPDATE batches SET media_fields = coalesce(?2, media_fields),"
    " media_root = coalesce(?3, media_root), media_maps = coalesce(?4, media_maps)"
    " WHERE id = ?1",
    NULL};

int store_batch_set_media(store *s, int64_t batch_id, const char *fields, const char *root,
			  const char *maps, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_set_media, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, batch_id);
	dbi_bind_text(st, 2, fields, -1);
	dbi_bind_text(st, 3, root, -1);
	dbi_bind_text(st, 4, maps, -1);
	return dbi_run(st, err, "updating the batch's media");
}

static const dbi_query q_refresh = {
    "batch_refresh",
    "UPDATE batches SET"
    " n_read = max(n_read, ?2),"
    " n_imported = (SELECT count(*) FROM sample_quality WHERE batch_id = ?1),"
    " n_duplicate = (SELECT count(*) FROM duplicates WHERE batch_id = ?1),"
    " n_rejected = (SELECT count(*) FROM rejects WHERE batch_id = ?1),"
    " finished_at = CASE WHEN ?3 THEN ?4 ELSE finished_at END"
    " WHERE id = ?1",
    "UPDATE batches SET"
    " n_read = greatest(n_read, $2),"
    " n_imported = (SELECT count(*) FROM sample_quality WHERE batch_id = $1),"
    " n_duplicate = (SELECT count(*) FROM duplicates WHERE batch_id = $1),"
    " n_rejected = (SELECT count(*) FROM rejects WHERE batch_id = $1),"
    " finished_at = CASE WHEN $3 <> 0 THEN $4 ELSE finished_at END"
    " WHERE id = $1"};

/* PostgreSQL: the planner's statistics of samples at an import's end, as
 * after any bulk load (the server's own analysis comes a minute or more
 * later, and until then the rows loaded count as none: the review queue's
 * probes were planned as a scan and sort of the whole batch each). Inside
 * the import's transaction, whose own rows it counts; a role that does not
 * own the table is only warned (a notice, not shown). */
static const dbi_query q_analyze_pg = {"batch_analyze_samples", NULL,
				       "ANALYZE samples, sample_quality"};

int store_batch_refresh_counts(store *s, int64_t batch_id, int64_t read, bool finished,
			       assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_refresh, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, batch_id);
	dbi_bind_i64(st, 2, read);
	dbi_bind_i64(st, 3, finished);
	dbi_bind_i64(st, 4, assay_now_ms());
	int rc = dbi_run(st, err, "updating batch counts");
	if (rc < 0 || !s->pg || !finished)
		return rc;
	if (!(st = dbi_stmt_get(s->dbi, &q_analyze_pg, err)))
		return err->code;
	return dbi_run(st, err, "analysing the samples loaded");
}

static const dbi_query q_list = {
    "batch_list", "SELECT " BATCH_COLS " FROM batches ORDER BY id", NULL};

int store_batch_list(store *s, store_batch **out, size_t *n, assay_error *err)
{
	*out = NULL;
	*n = 0;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_list, err);
	if (!st)
		return err->code;
	size_t cap = 0;
	int rc;
	while ((rc = dbi_step(st, err, "listing batches")) == DBI_ROW) {
		if (ASSAY_GROW(*out, *n + 1, cap, 8) < 0) {
			rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
			goto fail;
		}
		if ((rc = read_batch(st, &(*out)[*n], err)) < 0)
			goto fail;
		(*n)++;
	}
	dbi_reset(st);
	if (rc == DBI_DONE)
		return ASSAY_OK;
fail:
	dbi_reset(st);
	for (size_t i = 0; i < *n; i++)
		store_batch_free(&(*out)[i]);
	free(*out);
	*out = NULL;
	*n = 0;
	return rc;
}
