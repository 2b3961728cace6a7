/* neardup.c — the near-duplicate index on disk: each indexed sample's
 * 8-bit MinHash signature and its place in a cluster (neardup), its LSH
 * band keys (neardup_keys, looked up by key), and the scorer version the
 * clusters were made with (neardup_index). A run indexes only the samples
 * after the largest indexed id, so its work follows the new data. */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

static const char sql_state[] =
	"SELECT (SELECT version FROM neardup_index WHERE id = 1),"
	" (SELECT max(sample_id) FROM neardup)";

int store_neardup_state(store *s, char *version, size_t size, int64_t *max_id,
			assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_state, err);
	if (!st)
		return err->code;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		snprintf(version, size, "%s", v ? v : "");
		*max_id = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? ASSAY_OK
				: store_sqlerr(s, rc, err, "reading the near-duplicate index");
}

static const char sql_clear[] = "DELETE FROM neardup_keys; DELETE FROM neardup;";
static const char sql_version[] = "INSERT OR REPLACE INTO neardup_index (id, version)"
				  " VALUES (1, ?1)";

int store_neardup_reset(store *s, const char *version, assay_error *err)
{
	int rc = store_exec(s, sql_clear, err);
	sqlite3_stmt *st = rc < 0 ? NULL : store_stmt(s, sql_version, err);
	if (!st)
		return err->code;
	sqlite3_bind_text(st, 1, version, -1, SQLITE_TRANSIENT);
	return store_step_done(s, st, err, "resetting the near-duplicate index");
}

/* The bucket's samples before `before`, most recent first. */
static const char sql_bucket[] = "SELECT sample_id FROM neardup_keys"
				 " WHERE key = ?1 AND sample_id < ?2"
				 " ORDER BY sample_id DESC LIMIT ?3";

int store_neardup_bucket(store *s, int64_t key, int64_t before, int64_t *ids, size_t max,
			 size_t *n, assay_error *err)
{
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, sql_bucket, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_int64(st, 2, before);
	sqlite3_bind_int64(st, 3, (int64_t)max);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		   ? ASSAY_OK
		   : store_sqlerr(s, rc, err, "reading the near-duplicate index");
}

static const char sql_get[] = "SELECT sig, cluster, via, agree_of, agree_max, size"
			      " FROM neardup WHERE sample_id = ?1";

int store_neardup_get(store *s, int64_t sample_id, store_neardup *out, bool *found,
		      assay_error *err)
{
	*found = false;
	sqlite3_stmt *st = store_stmt(s, sql_get, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, sample_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == STORE_NEARDUP_SIG) {
		*found = true;
		out->sample_id = sample_id;
		memcpy(out->sig, sqlite3_column_blob(st, 0), STORE_NEARDUP_SIG);
		out->cluster = sqlite3_column_int64(st, 1);
		out->via = sqlite3_column_int64(st, 2);
		out->agree_of = sqlite3_column_int(st, 3);
		out->agree_max = sqlite3_column_int(st, 4);
		out->size = sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		   ? ASSAY_OK
		   : store_sqlerr(s, rc, err, "reading the near-duplicate index");
}

static const char sql_add[] =
	"INSERT INTO neardup (sample_id, sig, cluster, via, agree_of, agree_max, size)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_add_key[] = "INSERT OR IGNORE INTO neardup_keys (key, sample_id)"
				  " VALUES (?1, ?2)";

int store_neardup_add(store *s, const store_neardup *row, const int64_t *keys, size_t n_keys,
		      assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_add, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, row->sample_id);
	sqlite3_bind_blob(st, 2, row->sig, STORE_NEARDUP_SIG, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, row->cluster);
	if (row->via > 0)
		sqlite3_bind_int64(st, 4, row->via);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int(st, 5, row->agree_of);
	sqlite3_bind_int(st, 6, row->agree_max);
	sqlite3_bind_int64(st, 7, row->size);
	int rc = store_step_done(s, st, err, "writing the near-duplicate index");
	for (size_t i = 0; i < n_keys && rc == 0; i++) {
		if (!(st = store_stmt(s, sql_add_key, err)))
			return err->code;
		sqlite3_bind_int64(st, 1, keys[i]);
		sqlite3_bind_int64(st, 2, row->sample_id);
		rc = store_step_done(s, st, err, "writing the near-duplicate index");
	}
	return rc;
}

static const char sql_grow[] = "UPDATE neardup SET size = ?2, agree_max = ?3"
			       " WHERE sample_id = ?1";

int store_neardup_grow(store *s, int64_t sample_id, int64_t size, int agree_max,
		       assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_grow, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, sample_id);
	sqlite3_bind_int64(st, 2, size);
	sqlite3_bind_int(st, 3, agree_max);
	return store_step_done(s, st, err, "writing the near-duplicate index");
}
