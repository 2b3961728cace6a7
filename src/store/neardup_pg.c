/* neardup_pg.c — the near-duplicate index (neardup.c, neardup_bands.c) on
 * PostgreSQL: the same three tables and rows, the signature and the band
 * blocks as bytea. */
#include "neardup_pg.h"

#include <stdio.h>
#include <string.h>

static const dbi_query q_state = {"pg_neardup_state", NULL,
				  "SELECT version, upto FROM neardup_index WHERE id = 1"};

int store_neardup_state_pg(store *s, char *version, size_t size, int64_t *upto, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_state, err);
	if (!st)
		return err->code;
	snprintf(version, size, "%s", "");
	*upto = 0;
	int rc = dbi_step(st, err, "reading the near-duplicate index");
	if (rc == DBI_ROW) {
		snprintf(version, size, "%s", dbi_col_text(st, 0, NULL));
		*upto = dbi_col_i64(st, 1);
	}
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

static const dbi_query q_clear = {"pg_neardup_clear", NULL,
				  "WITH k AS (DELETE FROM neardup_bands) DELETE FROM neardup"};
static const dbi_query q_version = {
    "pg_neardup_version", NULL,
    "INSERT INTO neardup_index (id, version, upto) VALUES (1, $1, 0)"
    " ON CONFLICT (id) DO UPDATE SET version = excluded.version, upto = 0"};

int store_neardup_reset_pg(store *s, const char *version, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_clear, err);
	int rc = st ? dbi_run(st, err, "resetting the near-duplicate index") : err->code;
	if (rc < 0)
		return rc;
	if (!(st = dbi_stmt_get(s->dbi, &q_version, err)))
		return err->code;
	dbi_bind_text(st, 1, version, -1);
	return dbi_run(st, err, "resetting the near-duplicate index");
}

static const dbi_query q_done = {"pg_neardup_done", NULL,
				 "UPDATE neardup_index SET upto = $1 WHERE id = 1"};

int store_neardup_done_pg(store *s, int64_t upto, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_done, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, upto);
	return dbi_run(st, err, "writing the near-duplicate index");
}

static const dbi_query q_get = {"pg_neardup_get", NULL,
				"SELECT sig, cluster, via, agree_of, agree_max, size"
				" FROM neardup WHERE sample_id = $1"};

int store_neardup_get_pg(store *s, int64_t sample_id, store_neardup *out, bool *found,
			 assay_error *err)
{
	*found = false;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_get, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	int rc = dbi_step(st, err, "reading the near-duplicate index");
	size_t len = 0;
	const void *sig = rc == DBI_ROW ? dbi_col_blob(st, 0, &len) : NULL;
	if (sig && len == STORE_NEARDUP_SIG) {
		*found = true;
		out->sample_id = sample_id;
		memcpy(out->sig, sig, STORE_NEARDUP_SIG);
		out->cluster = dbi_col_null(st, 1) ? sample_id : dbi_col_i64(st, 1);
		out->via = dbi_col_i64(st, 2);
		out->agree_of = (int)dbi_col_i64(st, 3);
		out->agree_max = (int)dbi_col_i64(st, 4);
		out->size = dbi_col_i64(st, 5);
	}
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

static const dbi_query q_put = {
    "pg_neardup_put", NULL,
    "INSERT INTO neardup (sample_id, sig, cluster, via, agree_of, agree_max, size)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sample_id) DO UPDATE SET"
    " sig = excluded.sig, cluster = excluded.cluster, via = excluded.via,"
    " agree_of = excluded.agree_of, agree_max = excluded.agree_max, size = excluded.size"};

int store_neardup_put_pg(store *s, const store_neardup *row, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_put, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, row->sample_id);
	dbi_bind_blob(st, 2, row->sig, STORE_NEARDUP_SIG);
	/* A sample alone (most of them) stores no cluster and no via. */
	if (row->cluster != row->sample_id)
		dbi_bind_i64(st, 3, row->cluster);
	else
		dbi_bind_null(st, 3);
	if (row->via > 0)
		dbi_bind_i64(st, 4, row->via);
	else
		dbi_bind_null(st, 4);
	dbi_bind_i64(st, 5, row->agree_of);
	dbi_bind_i64(st, 6, row->agree_max);
	dbi_bind_i64(st, 7, row->size);
	return dbi_run(st, err, "writing the near-duplicate index");
}

static const dbi_query q_grow = {
    "pg_neardup_grow", NULL, "UPDATE neardup SET size = $2, agree_max = $3 WHERE sample_id = $1"};

int store_neardup_grow_pg(store *s, int64_t sample_id, int64_t size, int agree_max,
			  assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_grow, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	dbi_bind_i64(st, 2, size);
	dbi_bind_i64(st, 3, agree_max);
	return dbi_run(st, err, "writing the near-duplicate index");
}

/* A block's id follows the last one's: the scan reads the last first. */
static const dbi_query q_block_put = {
    "pg_neardup_block_put", NULL,
    "INSERT INTO neardup_bands (id, last, entries)"
    " SELECT coalesce(max(id), 0) + 1, $1, $2 FROM neardup_bands"};

int store_neardup_block_put_pg(store *s, int64_t last, const void *blob, size_t len,
			       assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_block_put, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, last);
	dbi_bind_blob(st, 2, blob, len);
	return dbi_run(st, err, "writing the near-duplicate index");
}

static const dbi_query q_trim = {"pg_neardup_trim", NULL,
				 "DELETE FROM neardup_bands WHERE last > $1"};

int store_neardup_trim_pg(store *s, int64_t upto, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_trim, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, upto);
	return dbi_run(st, err, "writing the near-duplicate index");
}

static const dbi_query q_block_scan = {"pg_neardup_block_scan", NULL,
				       "SELECT entries FROM neardup_bands ORDER BY id DESC"};

int store_neardup_block_scan_pg(store *s, store_neardup_blocks *b, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_block_scan, err);
	if (!st)
		return err->code;
	int rc, out = ASSAY_OK;
	while (out == 0 &&
	       (rc = dbi_step(st, err, "reading the near-duplicate index")) == DBI_ROW) {
		size_t len = 0;
		const void *blob = dbi_col_blob(st, 0, &len);
		out = store_neardup_block_emit(b, blob, len, err);
	}
	dbi_reset(st);
	if (out < 0)
		return out;
	return rc < 0 ? rc : ASSAY_OK;
}
