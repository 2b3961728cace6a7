/* neardup.c — the near-duplicate index on disk: each indexed sample's
 * 8-bit MinHash signature and its place in a cluster (neardup), and the
 * scorer version and the id the index is complete up to (neardup_index).
 * Rows are appended in id order, one per sample: a bulk build writes no
 * index but the rowid's. The band keys are in neardup_bands.c. */
#include "store_int.h"
#include "neardup_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char sql_state[] = "SELECT version, upto FROM neardup_index WHERE id = 1";

int store_neardup_state(store *s, char *version, size_t size, int64_t *upto,
			assay_error *err)
{
	if (s->pg)
		return store_neardup_state_pg(s, version, size, upto, err);
	sqlite3_stmt *st = store_stmt(s, sql_state, err);
	if (!st)
		return err->code;
	snprintf(version, size, "%s", "");
	*upto = 0;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		snprintf(version, size, "%s", v ? v : "");
		*upto = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		   ? ASSAY_OK
		   : store_sqlerr(s, rc, err, "reading the near-duplicate index");
}

static const char sql_clear[] = "DELETE FROM neardup_bands; DELETE FROM neardup;";
static const char sql_version[] = "INSERT OR REPLACE INTO neardup_index (id, version, upto)"
				  " VALUES (1, ?1, 0)";

int store_neardup_reset(store *s, const char *version, assay_error *err)
{
	if (s->pg)
		return store_neardup_reset_pg(s, version, err);
	int rc = store_exec(s, sql_clear, err);
	sqlite3_stmt *st = rc < 0 ? NULL : store_stmt(s, sql_version, err);
	if (!st)
		return err->code;
	sqlite3_bind_text(st, 1, version, -1, SQLITE_TRANSIENT);
	return store_step_done(s, st, err, "resetting the near-duplicate index");
}

static const char sql_done[] = "UPDATE neardup_index SET upto = ?1 WHERE id = 1";

int store_neardup_done(store *s, int64_t upto, assay_error *err)
{
	if (s->pg)
		return store_neardup_done_pg(s, upto, err);
	sqlite3_stmt *st = store_stmt(s, sql_done, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, upto);
	return store_step_done(s, st, err, "writing the near-duplicate index");
}

static const char sql_get[] = "SELECT sig, cluster, via, agree_of, agree_max, size"
			      " FROM neardup WHERE sample_id = ?1";

int store_neardup_get(store *s, int64_t sample_id, store_neardup *out, bool *found,
		      assay_error *err)
{
	if (s->pg)
		return store_neardup_get_pg(s, sample_id, out, found, err);
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
		out->cluster = sqlite3_column_type(st, 1) == SQLITE_NULL
				   ? sample_id
				   : sqlite3_column_int64(st, 1);
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

struct store_neardup_sigs {
	store *s;
	sqlite3_blob *blob; /* on the last row read; NULL: none open */
};

int store_neardup_sigs_open(store *s, store_neardup_sigs **out, assay_error *err)
{
	*out = calloc(1, sizeof **out);
	if (!*out)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory for the near-duplicate index");
	(*out)->s = s;
	return ASSAY_OK;
}

/* A row the handle cannot read (none, or a failed move, after which the
 * handle is spent) is read by the statement, which tells a missing row
 * from an error as it always has. */
static int sigs_by_statement(store_neardup_sigs *r, int64_t sample_id, uint8_t *sig,
			     bool *found, assay_error *err)
{
	store_neardup row;
	int rc = store_neardup_get(r->s, sample_id, &row, found, err);
	if (rc == 0 && *found)
		memcpy(sig, row.sig, STORE_NEARDUP_SIG);
	return rc;
}

int store_neardup_sigs_get(store_neardup_sigs *r, int64_t sample_id,
			   uint8_t sig[STORE_NEARDUP_SIG], bool *found, assay_error *err)
{
	if (r->s->pg)
		return sigs_by_statement(r, sample_id, sig, found, err);
	int rc = r->blob ? sqlite3_blob_reopen(r->blob, sample_id)
			 : sqlite3_blob_open(r->s->db, "main", "neardup", "sig", sample_id, 0,
					     &r->blob);
	if (rc == SQLITE_OK && sqlite3_blob_bytes(r->blob) == STORE_NEARDUP_SIG &&
	    sqlite3_blob_read(r->blob, sig, STORE_NEARDUP_SIG, 0) == SQLITE_OK) {
		*found = true;
		return ASSAY_OK;
	}
	if (rc != SQLITE_OK) {
		sqlite3_blob_close(r->blob);
		r->blob = NULL;
	}
	return sigs_by_statement(r, sample_id, sig, found, err);
}

void store_neardup_sigs_close(store_neardup_sigs *r)
{
	if (r)
		sqlite3_blob_close(r->blob);
	free(r);
}

static const char sql_put[] =
	"INSERT OR REPLACE INTO neardup (sample_id, sig, cluster, via, agree_of, agree_max, size)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
int store_neardup_put(store *s, const store_neardup *row, assay_error *err)
{
	if (s->pg)
		return store_neardup_put_pg(s, row, err);
	sqlite3_stmt *st = store_stmt(s, sql_put, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, row->sample_id);
	sqlite3_bind_blob(st, 2, row->sig, STORE_NEARDUP_SIG, SQLITE_STATIC);
	/* A sample alone (most of them) stores no cluster and no via. */
	if (row->cluster != row->sample_id)
		sqlite3_bind_int64(st, 3, row->cluster);
	if (row->via > 0)
		sqlite3_bind_int64(st, 4, row->via);
	sqlite3_bind_int(st, 5, row->agree_of);
	sqlite3_bind_int(st, 6, row->agree_max);
	sqlite3_bind_int64(st, 7, row->size);
	return store_step_done(s, st, err, "writing the near-duplicate index");
}

static const char sql_grow[] = "UPDATE neardup SET size = ?2, agree_max = ?3"
			       " WHERE sample_id = ?1";

int store_neardup_grow(store *s, int64_t sample_id, int64_t size, int agree_max,
		       assay_error *err)
{
	if (s->pg)
		return store_neardup_grow_pg(s, sample_id, size, agree_max, err);
	sqlite3_stmt *st = store_stmt(s, sql_grow, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, sample_id);
	sqlite3_bind_int64(st, 2, size);
	sqlite3_bind_int(st, 3, agree_max);
	return store_step_done(s, st, err, "writing the near-duplicate index");
}
