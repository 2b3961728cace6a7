/* samples.c — inserting imported records (with exact-duplicate detection
 * by the unique normalized-text hash) and reading samples back. */
#include "store_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char sql_insert[] =
	"INSERT INTO samples (batch_id, ext_id, line, text_field, text, record, hash, context)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
static const char sql_by_ext[] = "SELECT id, line, hash FROM samples WHERE batch_id = ? AND ext_id = ?";
static const char sql_by_hash[] = "SELECT id FROM samples WHERE hash = ?";
static const char sql_dup_present[] =
	"SELECT sample_id FROM duplicates WHERE batch_id = ? AND ext_id = ?";
static const char sql_dup_insert[] =
	"INSERT INTO duplicates (batch_id, ext_id, line, sample_id) VALUES (?, ?, ?, ?)";

/* Looks up a single integer-ish row; returns 1 found, 0 not found, <0 error. */
static int lookup(store *s, sqlite3_stmt *st, int64_t *a, int64_t *b, int64_t *c,
		  assay_error *err)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (a)
			*a = sqlite3_column_int64(st, 0);
		if (b)
			*b = sqlite3_column_int64(st, 1);
		if (c)
			*c = sqlite3_column_int64(st, 2);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_sqlerr(s, rc, err, "looking up a sample");
}

/* After a failed insert: tells a re-run (same id, same line, same text)
 * from an id used twice and from an exact duplicate of another sample. */
static int classify_conflict(store *s, const store_new_sample *in, int *outcome,
			     int64_t *sample_id, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_by_ext, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, in->batch_id);
	store_bind_text(st, 2, in->ext_id, -1);
	int64_t line = 0, hash = 0;
	int found = lookup(s, st, sample_id, &line, &hash, err);
	if (found < 0)
		return found;
	if (found) {
		*outcome = line == in->line && (uint64_t)hash == in->hash ? STORE_PRESENT
									  : STORE_ID_TAKEN;
		return ASSAY_OK;
	}
	/* The id is new in this batch: the text must already be stored. */
	if (!(st = store_stmt(s, sql_dup_present, err)))
		return err->code;
	sqlite3_bind_int64(st, 1, in->batch_id);
	store_bind_text(st, 2, in->ext_id, -1);
	if ((found = lookup(s, st, sample_id, NULL, NULL, err)) != 0) {
		*outcome = STORE_PRESENT;
		return found < 0 ? found : ASSAY_OK;
	}
	if (!(st = store_stmt(s, sql_by_hash, err)))
		return err->code;
	sqlite3_bind_int64(st, 1, (int64_t)in->hash);
	if ((found = lookup(s, st, sample_id, NULL, NULL, err)) <= 0)
		return found < 0 ? found
				 : assay_fail(err, ASSAY_EDB, "internal: insert refused without a "
							      "conflicting row");
	if (!(st = store_stmt(s, sql_dup_insert, err)))
		return err->code;
	sqlite3_bind_int64(st, 1, in->batch_id);
	store_bind_text(st, 2, in->ext_id, -1);
	sqlite3_bind_int64(st, 3, in->line);
	sqlite3_bind_int64(st, 4, *sample_id);
	*outcome = STORE_DUPLICATE;
	return store_step_done(s, st, err, "recording a duplicate");
}

int store_sample_insert(store *s, const store_new_sample *in, int *outcome, int64_t *sample_id,
			assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_insert, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, in->batch_id);
	store_bind_text(st, 2, in->ext_id, -1);
	sqlite3_bind_int64(st, 3, in->line);
	store_bind_text(st, 4, in->text_field, -1);
	store_bind_text(st, 5, in->text, (int64_t)in->text_len);
	store_bind_text(st, 6, in->record, (int64_t)in->record_len);
	sqlite3_bind_int64(st, 7, (int64_t)in->hash);
	store_bind_text(st, 8, in->context, (int64_t)in->context_len);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, rc, err, "inserting a sample");
	if (sqlite3_changes(s->db) == 1) {
		*outcome = STORE_INSERTED;
		*sample_id = sqlite3_last_insert_rowid(s->db);
		return in->pair ? store_pair_insert(s, *sample_id, in->pair, in->pair_len, err)
				: ASSAY_OK;
	}
	return classify_conflict(s, in, outcome, sample_id, err);
}

static const char sql_reject[] =
	"INSERT OR REPLACE INTO rejects (batch_id, source, line, reason) VALUES (?, ?, ?, ?)";

int store_reject_add(store *s, int64_t batch_id, const char *source, int64_t line,
		     const char *reason, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_reject, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, batch_id);
	store_bind_text(st, 2, source, -1);
	sqlite3_bind_int64(st, 3, line);
	store_bind_text(st, 4, reason, -1);
	return store_step_done(s, st, err, "recording a rejected line");
}

void store_sample_free(store_sample *x)
{
	if (!x)
		return;
	free(x->batch_name);
	free(x->ext_id);
	free(x->text_field);
	free(x->text);
	free(x->record);
	free(x->meta_fields);
	free(x->context);
	free(x->kind);
	*x = (store_sample){0};
}

#define SAMPLE_COLS                                                                                \
	"s.id, s.batch_id, b.name, s.ext_id, s.line, s.text_field, s.text, s.record, "           \
	"b.meta_fields, s.hash, s.quality, s.context, b.kind"

static int read_sample(store *s, sqlite3_stmt *st, store_sample *x, assay_error *err)
{
	*x = (store_sample){
		.id = sqlite3_column_int64(st, 0),
		.batch_id = sqlite3_column_int64(st, 1),
		.batch_name = store_col_str(st, 2),
		.ext_id = store_col_str(st, 3),
		.line = sqlite3_column_int64(st, 4),
		.text_field = store_col_str(st, 5),
		.text = store_col_str(st, 6),
		.record = store_col_str(st, 7),
		.meta_fields = store_col_str(st, 8),
		.hash = (uint64_t)sqlite3_column_int64(st, 9),
		.quality = sqlite3_column_type(st, 10) == SQLITE_NULL ? NAN
								      : sqlite3_column_double(st, 10),
		.context = sqlite3_column_type(st, 11) == SQLITE_NULL ? NULL : store_col_str(st, 11),
		.kind = store_col_str(st, 12),
	};
	(void)s;
	if (!x->batch_name || !x->ext_id || !x->text_field || !x->text || !x->record ||
	    !x->meta_fields || !x->kind ||
	    (!x->context && sqlite3_column_type(st, 11) != SQLITE_NULL)) {
		store_sample_free(x);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	return ASSAY_OK;
}

static const char sql_get[] = "SELECT " SAMPLE_COLS
			      " FROM samples s JOIN batches b ON b.id = s.batch_id WHERE s.id = ?";

int store_sample_get(store *s, int64_t id, store_sample *out, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_get, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = read_sample(s, st, out, err);
	else if (rc == SQLITE_DONE)
		rc = assay_fail(err, ASSAY_ENOTFOUND, "no sample #%lld", (long long)id);
	else
		rc = store_sqlerr(s, rc, err, "reading a sample");
	sqlite3_reset(st);
	return rc;
}

/* Driven from the (few) batches into the unique (batch_id, ext_id) index,
 * so finding an id never scans the samples. */
static const char sql_by_ext_any[] =
	"SELECT " SAMPLE_COLS " FROM batches b CROSS JOIN samples s"
	" ON s.batch_id = b.id AND s.ext_id = ?1"
	" WHERE (?2 IS NULL OR b.name = ?2) ORDER BY s.id LIMIT 2";

int store_sample_by_ext_id(store *s, const char *ext_id, const char *batch, store_sample *out,
			   assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_by_ext_any, err);
	if (!st)
		return err->code;
	store_bind_text(st, 1, ext_id, -1);
	store_bind_text(st, 2, batch, -1);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return assay_fail(err, ASSAY_ENOTFOUND, "no sample with id \"%s\"%s%s", ext_id,
				  batch ? " in batch " : "", batch ? batch : "");
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return store_sqlerr(s, rc, err, "finding a sample");
	}
	if ((rc = read_sample(s, st, out, err)) < 0) {
		sqlite3_reset(st);
		return rc;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		sqlite3_reset(st);
		store_sample_free(out);
		return assay_fail(err, ASSAY_ECONFLICT,
				  "sample id \"%s\" exists in several batches; name one with --batch",
				  ext_id);
	}
	sqlite3_reset(st);
	return ASSAY_OK;
}
