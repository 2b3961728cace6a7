/* neardup.c — the near-duplicate index kept in the database: one row per
 * indexed sample (its signature and cluster) and one per (band key, sample)
 * looked up by key, so a run touches only the new samples' keys. */
#include "store_int.h"

#include <stdio.h>
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

int store_nd_add(store *s, const store_nd_row *row, const uint32_t *keys, size_t n_keys,
		 assay_error *err)
{
	static const char sql_nd_add[] =
	    "INSERT INTO neardup_samples (sample_id, sig, cluster, of, sim_of, sim_max, size)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?)";
	static const char sql_nd_band[] =
	    "INSERT OR IGNORE INTO neardup_bands (key, sample_id) VALUES (?, ?)";
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
	int rc = store_step_done(s, st, err, "adding to the near-duplicate index");
	for (size_t i = 0; i < n_keys && rc == 0; i++) {
		if (!(st = store_stmt(s, sql_nd_band, err)))
			return err->code;
		/* As a signed 32-bit value: four bytes in the record. */
		sqlite3_bind_int64(st, 1, (int32_t)keys[i]);
		sqlite3_bind_int64(st, 2, row->sample_id);
		rc = store_step_done(s, st, err, "adding to the near-duplicate index");
	}
	return rc;
}

int store_nd_candidates(store *s, uint32_t key, int64_t before, int64_t *ids, size_t max, size_t *n,
			assay_error *err)
{
	static const char sql_nd_candidates[] =
	    "SELECT sample_id FROM neardup_bands WHERE key = ?1 AND sample_id < ?2"
	    " ORDER BY sample_id DESC LIMIT ?3";
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, sql_nd_candidates, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, (int32_t)key);
	sqlite3_bind_int64(st, 2, before);
	sqlite3_bind_int64(st, 3, (int64_t)max);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		   ? ASSAY_OK
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
