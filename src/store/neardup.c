/* neardup.c — the near-duplicate index kept in the database: one row per
 * indexed sample (its signature and cluster) and one per (band key, sample)
 * looked up by key, so a run touches only the new samples' keys. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/store_neardup.h"

int store_nd_version(store *s, char *out, size_t cap, assay_error *err)
{
	static const char sql_nd_version[] = "SELECT version FROM neardup_version LIMIT 1";
	sqlite3_stmt *st = store_stmt(s, sql_nd_version, err);
	if (!st)
		return err->code;
	int rc = sqlite3_step(st);
	const char *v = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	snprintf(out, cap, "%s", v ? v : "");
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		   ? ASSAY_OK
		   : store_sqlerr(s, rc, err, "reading the near-duplicate index's version");
}

int store_nd_reset(store *s, const char *version, assay_error *err)
{
	static const char sql_nd_clear[] = "DELETE FROM neardup_bands; DELETE FROM neardup_samples;"
					   " DELETE FROM neardup_version";
	static const char sql_nd_set_version[] = "INSERT INTO neardup_version (version) VALUES (?)";
	int rc = store_exec(s, sql_nd_clear, err);
	sqlite3_stmt *st = rc == 0 ? store_stmt(s, sql_nd_set_version, err) : NULL;
	if (!st)
		return err->code;
	store_bind_text(st, 1, version, -1);
	return store_step_done(s, st, err, "resetting the near-duplicate index");
}

int store_nd_last(store *s, int64_t *last, assay_error *err)
{
	static const char sql_nd_last[] = "SELECT coalesce(max(sample_id), 0) FROM neardup_samples";
	sqlite3_stmt *st = store_stmt(s, sql_nd_last, err);
	if (!st)
		return err->code;
	int rc = sqlite3_step(st);
	*last = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? ASSAY_OK
				: store_sqlerr(s, rc, err, "reading the near-duplicate index");
}

int store_nd_add(store *s, const store_nd_row *row, assay_error *err)
{
	static const char sql_nd_add[] =
	    "INSERT INTO neardup_samples (sample_id, sig, cluster, of, sim_of, sim_max, size)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = store_stmt(s, sql_nd_add, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, row->sample_id);
	sqlite3_bind_blob(st, 2, row->sig, STORE_ND_SIG, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, row->cluster);
	if (row->of)
		sqlite3_bind_int64(st, 4, row->of);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_double(st, 5, row->sim_of);
	sqlite3_bind_double(st, 6, row->sim_max);
	sqlite3_bind_int64(st, 7, row->size);
	return store_step_done(s, st, err, "adding to the near-duplicate index");
}

/* Keys go to SQLite as signed 32-bit values (four bytes in a record), in
 * one JSON array per statement: one statement for a page of samples. */
static int keys_json(abuf *out, const uint32_t *keys, const int64_t *ids, size_t n)
{
	abuf_reset(out);
	int rc = abuf_puts(out, "[");
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (ids)
			rc = abuf_printf(out, "%s[%d,%lld]", i ? "," : "", (int)(int32_t)keys[i],
					 (long long)ids[i]);
		else
			rc = abuf_printf(out, "%s%d", i ? "," : "", (int)(int32_t)keys[i]);
	}
	return rc < 0 ? rc : abuf_puts(out, "]");
}

int store_nd_add_bands(store *s, const uint32_t *keys, const int64_t *ids, size_t n,
		       assay_error *err)
{
	static const char sql_nd_bands[] =
	    "INSERT OR IGNORE INTO neardup_bands (key, sample_id)"
	    " SELECT value ->> 0, value ->> 1 FROM json_each(?1)";
	abuf json = {0};
	if (keys_json(&json, keys, ids, n) < 0)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	sqlite3_stmt *st = store_stmt(s, sql_nd_bands, err);
	int rc = st ? ASSAY_OK : err->code;
	if (st) {
		sqlite3_bind_text(st, 1, json.data, (int)json.len, SQLITE_STATIC);
		rc = store_step_done(s, st, err, "adding to the near-duplicate index");
	}
	abuf_free(&json);
	return rc;
}

int store_nd_lookup(store *s, const uint32_t *keys, size_t n, size_t cap, store_nd_hit **hits,
		    size_t *n_hits, assay_error *err)
{
	/* Every indexed sample holding one of the keys, the cap most recent
	 * per key, grouped by key, the most recent first. */
	static const char sql_nd_lookup[] =
	    "SELECT k, sample_id FROM (SELECT j.value AS k, b.sample_id,"
	    "   row_number() OVER (PARTITION BY j.value ORDER BY b.sample_id DESC) AS rn"
	    "   FROM json_each(?1) j"
	    "   JOIN neardup_bands b ON b.key = j.value)"
	    " WHERE rn <= ?2 ORDER BY k, sample_id DESC";
	*hits = NULL;
	*n_hits = 0;
	abuf json = {0};
	if (keys_json(&json, keys, NULL, n) < 0)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	sqlite3_stmt *st = store_stmt(s, sql_nd_lookup, err);
	if (!st) {
		abuf_free(&json);
		return err->code;
	}
	sqlite3_bind_text(st, 1, json.data, (int)json.len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)cap);
	int rc;
	size_t have = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n_hits == have) {
			size_t more = have ? 2 * have : 256;
			store_nd_hit *v = realloc(*hits, more * sizeof *v);
			if (!v) {
				rc = SQLITE_NOMEM;
				break;
			}
			*hits = v;
			have = more;
		}
		(*hits)[(*n_hits)++] = (store_nd_hit){(uint32_t)sqlite3_column_int64(st, 0),
						      sqlite3_column_int64(st, 1)};
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	abuf_free(&json);
	if (rc == SQLITE_DONE)
		return ASSAY_OK;
	free(*hits);
	*hits = NULL;
	*n_hits = 0;
	return rc == SQLITE_NOMEM ? assay_fail(err, ASSAY_ENOMEM, "out of memory")
				  : store_sqlerr(s, rc, err, "looking up the near-duplicate index");
}

int store_nd_get(store *s, int64_t sample_id, store_nd_row *row, bool *found, assay_error *err)
{
	static const char sql_nd_get[] =
	    "SELECT sig, cluster, coalesce(of, 0), sim_of, sim_max, size FROM neardup_samples"
	    " WHERE sample_id = ?";
	*found = false;
	sqlite3_stmt *st = store_stmt(s, sql_nd_get, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, sample_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *sig = sqlite3_column_blob(st, 0);
		size_t len = (size_t)sqlite3_column_bytes(st, 0);
		*row = (store_nd_row){.sample_id = sample_id,
				      .cluster = sqlite3_column_int64(st, 1),
				      .of = sqlite3_column_int64(st, 2),
				      .sim_of = sqlite3_column_double(st, 3),
				      .sim_max = sqlite3_column_double(st, 4),
				      .size = sqlite3_column_int64(st, 5)};
		memcpy(row->sig, sig, len < STORE_ND_SIG ? len : STORE_ND_SIG);
		*found = len == STORE_ND_SIG;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		   ? ASSAY_OK
		   : store_sqlerr(s, rc, err, "reading the near-duplicate index");
}

int store_nd_grow(store *s, int64_t cluster, int64_t of, double sim, assay_error *err)
{
	static const char sql_nd_size[] =
	    "UPDATE neardup_samples SET size = size + 1 WHERE sample_id = ?";
	static const char sql_nd_sim[] =
	    "UPDATE neardup_samples SET sim_max = ?2 WHERE sample_id = ?1 AND sim_max < ?2";
	sqlite3_stmt *st = store_stmt(s, sql_nd_size, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, cluster);
	int rc = store_step_done(s, st, err, "updating the near-duplicate index");
	if (rc == 0 && !(st = store_stmt(s, sql_nd_sim, err)))
		return err->code;
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, of);
		sqlite3_bind_double(st, 2, sim);
		rc = store_step_done(s, st, err, "updating the near-duplicate index");
	}
	return rc;
}
