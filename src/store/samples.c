/* samples.c — inserting imported records (with exact-duplicate detection
 * by the unique normalized-text hash) and reading samples back. */
#include "store_int.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A conflict (the id in the batch, or the text's hash) inserts nothing:
 * the statement never fails, which on PostgreSQL would end the import's
 * transaction. In SQLite the text is stored once: its place in the record
 * (?9, ?10) when its bytes appear there, else itself (?5). The sample's
 * row of combined score (quality.c) is written with it, empty: on SQLite
 * by the next statement, on PostgreSQL by the same statement. SQLite's
 * statement returns
 * no row: RETURNING
 * collects its rows in a temporary b-tree made and freed at every insert
 * (a third of import's inserting); the new id is the connection's last
 * rowid when a row went in. */
static const dbi_query q_insert_lite = {
    "sample_insert_lite",
    "INSERT INTO samples (batch_id, ext_id, line, text_field, stored_text, record, hash,"
    "  context, text_at, text_len)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    NULL};
static const dbi_query q_insert = {
    "sample_insert", NULL,
    "WITH n AS (INSERT INTO samples (batch_id, ext_id, line, text_field, text, record, hash,"
    "  context)"
    /* PostgreSQL takes an identity value for every row it tries, even one
     * the conflict drops: a known conflict is not tried, so the ids are
     * SQLite's (a sample's id is the same on both stores) */
    " SELECT $1, $2, $3, $4, $5, $6, $7, $8"
    " WHERE NOT EXISTS (SELECT 1 FROM samples WHERE hash = $7::bigint)"
    "   AND NOT EXISTS (SELECT 1 FROM samples WHERE batch_id = $1::bigint AND ext_id = $2::text)"
    " ON CONFLICT DO NOTHING RETURNING id, batch_id),"
    " q AS (INSERT INTO sample_quality (sample_id, batch_id) SELECT id, batch_id FROM n)"
    " SELECT id FROM n"};
static const dbi_query q_by_ext = {
    "sample_by_batch_ext", "SELECT id, line, hash FROM samples WHERE batch_id = ? AND ext_id = ?",
    NULL};
static const dbi_query q_by_hash = {"sample_by_hash", "SELECT id FROM samples WHERE hash = ?",
				    NULL};
static const dbi_query q_dup_present = {
    "duplicate_present", "SELECT sample_id FROM duplicates WHERE batch_id = ? AND ext_id = ?",
    NULL};
static const dbi_query q_dup_insert = {
    "duplicate_insert",
    "INSERT INTO duplicates (batch_id, ext_id, line, sample_id) VALUES (?, ?, ?, ?)", NULL};

/* Looks up a single integer-ish row; returns 1 found, 0 not found, <0 error. */
static int lookup(dbi_stmt *st, int64_t *a, int64_t *b, int64_t *c, assay_error *err)
{
	int rc = dbi_step(st, err, "looking up a sample");
	if (rc == DBI_ROW) {
		if (a)
			*a = dbi_col_i64(st, 0);
		if (b)
			*b = dbi_col_i64(st, 1);
		if (c)
			*c = dbi_col_i64(st, 2);
		dbi_reset(st);
		return 1;
	}
	dbi_reset(st);
	return rc;
}

/* After a failed insert: tells a re-run (same id, same line, same text)
 * from an id used twice and from an exact duplicate of another sample. */
static int classify_conflict(store *s, const store_new_sample *in, int *outcome,
			     int64_t *sample_id, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_by_ext, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, in->batch_id);
	dbi_bind_text(st, 2, in->ext_id, -1);
	int64_t line = 0, hash = 0;
	int found = lookup(st, sample_id, &line, &hash, err);
	if (found < 0)
		return found;
	if (found) {
		*outcome = line == in->line && (uint64_t)hash == in->hash ? STORE_PRESENT
									  : STORE_ID_TAKEN;
		return ASSAY_OK;
	}
	/* The id is new in this batch: the text must already be stored. */
	if (!(st = dbi_stmt_get(s->dbi, &q_dup_present, err)))
		return err->code;
	dbi_bind_i64(st, 1, in->batch_id);
	dbi_bind_text(st, 2, in->ext_id, -1);
	if ((found = lookup(st, sample_id, NULL, NULL, err)) != 0) {
		*outcome = STORE_PRESENT;
		return found < 0 ? found : ASSAY_OK;
	}
	if (!(st = dbi_stmt_get(s->dbi, &q_by_hash, err)))
		return err->code;
	dbi_bind_i64(st, 1, (int64_t)in->hash);
	if ((found = lookup(st, sample_id, NULL, NULL, err)) <= 0)
		return found < 0 ? found
				 : assay_fail(err, ASSAY_EDB, "internal: insert refused without a "
							      "conflicting row");
	if (!(st = dbi_stmt_get(s->dbi, &q_dup_insert, err)))
		return err->code;
	dbi_bind_i64(st, 1, in->batch_id);
	dbi_bind_text(st, 2, in->ext_id, -1);
	dbi_bind_i64(st, 3, in->line);
	dbi_bind_i64(st, 4, *sample_id);
	*outcome = STORE_DUPLICATE;
	return dbi_run(st, err, "recording a duplicate");
}

/* Where the text's bytes are in the record: the caller's place when the
 * bytes there are the text's, else looked for here. */
static bool text_place(const store_new_sample *in, int64_t *at)
{
	if (in->text_found < 0)
		return false;
	if (in->text_found > 0 && in->text && in->text_len && in->text_at >= 0 &&
	    (uint64_t)in->text_at + in->text_len <= in->record_len &&
	    memcmp(in->record + in->text_at, in->text, in->text_len) == 0) {
		*at = in->text_at;
		return true;
	}
	return store_text_place(in->record, in->record_len, in->text, in->text_len, at);
}

int store_sample_insert(store *s, const store_new_sample *in, int *outcome, int64_t *sample_id,
			assay_error *err)
{
	/* the sample and its pair are two writes: both or neither */
	assert(!in->pair || s->in_tx);
	dbi_stmt *st = s->pg ? dbi_stmt_get(s->dbi, &q_insert, err)
			     : dbi_stmt_get(s->dbi, &q_insert_lite, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, in->batch_id);
	dbi_bind_text(st, 2, in->ext_id, -1);
	dbi_bind_i64(st, 3, in->line);
	dbi_bind_text(st, 4, in->text_field, -1);
	int64_t at = 0;
	bool once = !s->pg && text_place(in, &at);
	dbi_bind_text(st, 5, once ? "" : in->text, once ? 0 : (int64_t)in->text_len);
	dbi_bind_text(st, 6, in->record, (int64_t)in->record_len);
	dbi_bind_i64(st, 7, (int64_t)in->hash);
	dbi_bind_text(st, 8, in->context, (int64_t)in->context_len);
	if (once) {
		dbi_bind_i64(st, 9, at);
		dbi_bind_i64(st, 10, (int64_t)in->text_len);
	} else if (!s->pg) {
		dbi_bind_null(st, 9);
		dbi_bind_null(st, 10);
	}
	int rc = dbi_step(st, err, "inserting a sample");
	if (rc == DBI_ROW)
		*sample_id = dbi_col_i64(st, 0);
	if (rc == DBI_DONE && !s->pg && dbi_changes(s->dbi) > 0) {
		*sample_id = sqlite3_last_insert_rowid(s->db);
		rc = DBI_ROW;
	}
	dbi_reset(st);
	if (rc < 0)
		return rc;
	if (rc == DBI_ROW) {
		*outcome = STORE_INSERTED;
		if (!s->pg && (rc = store_quality_row(s, *sample_id, in->batch_id, err)) < 0)
			return rc;
		return in->pair ? store_pair_insert(s, *sample_id, in->pair, in->pair_len, err)
				: ASSAY_OK;
	}
	return classify_conflict(s, in, outcome, sample_id, err);
}

static const dbi_query q_reject = {
    "reject_add",
    "INSERT OR REPLACE INTO rejects (batch_id, source, line, reason) VALUES (?, ?, ?, ?)",
    "INSERT INTO rejects (batch_id, source, line, reason) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (batch_id, source, line) DO UPDATE SET reason = excluded.reason"};

int store_reject_add(store *s, int64_t batch_id, const char *source, int64_t line,
		     const char *reason, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_reject, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, batch_id);
	dbi_bind_text(st, 2, source, -1);
	dbi_bind_i64(st, 3, line);
	dbi_bind_text(st, 4, reason, -1);
	return dbi_run(st, err, "recording a rejected line");
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
	"b.meta_fields, s.hash,"                                                                   \
	" (SELECT qy.quality FROM sample_quality qy WHERE qy.sample_id = s.id), s.context, b.kind"

static int read_sample(dbi_stmt *st, store_sample *x, assay_error *err)
{
	*x = (store_sample){
		.id = dbi_col_i64(st, 0),
		.batch_id = dbi_col_i64(st, 1),
		.batch_name = store_dcol_str(st, 2),
		.ext_id = store_dcol_str(st, 3),
		.line = dbi_col_i64(st, 4),
		.text_field = store_dcol_str(st, 5),
		.text = store_dcol_str(st, 6),
		.record = store_dcol_str(st, 7),
		.meta_fields = store_dcol_str(st, 8),
		.hash = (uint64_t)dbi_col_i64(st, 9),
		.quality = dbi_col_null(st, 10) ? NAN
								      : dbi_col_f64(st, 10),
		.context = dbi_col_null(st, 11) ? NULL : store_dcol_str(st, 11),
		.kind = store_dcol_str(st, 12),
	};
	if (!x->batch_name || !x->ext_id || !x->text_field || !x->text || !x->record ||
	    !x->meta_fields || !x->kind ||
	    (!x->context && !dbi_col_null(st, 11))) {
		store_sample_free(x);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	return ASSAY_OK;
}

static const dbi_query q_get = {
    "sample_get",
    "SELECT " SAMPLE_COLS " FROM samples s JOIN batches b ON b.id = s.batch_id WHERE s.id = ?",
    NULL};

int store_sample_get(store *s, int64_t id, store_sample *out, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_get, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, id);
	int rc = dbi_step(st, err, "reading a sample");
	if (rc == DBI_ROW)
		rc = read_sample(st, out, err);
	else if (rc == DBI_DONE)
		rc = assay_fail(err, ASSAY_ENOTFOUND, "no sample #%lld", (long long)id);
	dbi_reset(st);
	return rc;
}

static const dbi_query q_ext_id = {"sample_ext_id", "SELECT ext_id FROM samples WHERE id = ?1",
				   NULL};

int store_sample_ext_id(store *s, int64_t id, char **ext_id, assay_error *err)
{
	*ext_id = NULL;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_ext_id, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, id);
	int rc = dbi_step(st, err, "reading a sample's id");
	if (rc == DBI_ROW && !(*ext_id = store_dcol_str(st, 0)))
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	else if (rc == DBI_DONE)
		rc = assay_fail(err, ASSAY_ENOTFOUND, "no sample #%lld", (long long)id);
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

/* Driven from the batches into the (batch_id, ext_id) key, as below. */
static const dbi_query q_dup_find = {
    "duplicate_find",
    "SELECT b.name, d.line, s.ext_id, k.name FROM batches b CROSS JOIN duplicates d"
    " ON d.batch_id = b.id AND d.ext_id = ?1 JOIN samples s ON s.id = d.sample_id"
    " JOIN batches k ON k.id = s.batch_id WHERE (?2 IS NULL OR b.name = ?2)"
    " ORDER BY b.id LIMIT 1",
    "SELECT b.name, d.line, s.ext_id, k.name FROM batches b JOIN duplicates d"
    " ON d.batch_id = b.id AND d.ext_id = $1 JOIN samples s ON s.id = d.sample_id"
    " JOIN batches k ON k.id = s.batch_id WHERE ($2::text IS NULL OR b.name = $2)"
    " ORDER BY b.id LIMIT 1"};

int store_duplicate_find(store *s, const char *ext_id, const char *batch, store_duplicate *out,
			 bool *found, assay_error *err)
{
	*out = (store_duplicate){0};
	*found = false;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_dup_find, err);
	if (!st)
		return err->code;
	dbi_bind_text(st, 1, ext_id, -1);
	dbi_bind_text(st, 2, batch, -1);
	int rc = dbi_step(st, err, "reading the duplicates");
	if (rc == DBI_ROW) {
		*out = (store_duplicate){.batch_name = store_dcol_str(st, 0),
					 .line = dbi_col_i64(st, 1),
					 .kept_ext_id = store_dcol_str(st, 2),
					 .kept_batch = store_dcol_str(st, 3)};
		*found = out->batch_name && out->kept_ext_id && out->kept_batch;
		if (!*found) {
			store_duplicate_free(out);
			rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
		}
	}
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

void store_duplicate_free(store_duplicate *d)
{
	free(d->batch_name);
	free(d->kept_ext_id);
	free(d->kept_batch);
	*d = (store_duplicate){0};
}

/* Driven from the (few) batches into the unique (batch_id, ext_id) index,
 * so finding an id never scans the samples. */
static const dbi_query q_by_ext_any = {
    "sample_by_ext",
    "SELECT " SAMPLE_COLS " FROM batches b CROSS JOIN samples s"
    " ON s.batch_id = b.id AND s.ext_id = ?1"
    " WHERE (?2 IS NULL OR b.name = ?2) ORDER BY s.id LIMIT 2",
    "SELECT " SAMPLE_COLS " FROM batches b JOIN samples s"
    " ON s.batch_id = b.id AND s.ext_id = $1"
    " WHERE ($2::text IS NULL OR b.name = $2) ORDER BY s.id LIMIT 2"};

int store_sample_by_ext_id(store *s, const char *ext_id, const char *batch, store_sample *out,
			   assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_by_ext_any, err);
	if (!st)
		return err->code;
	dbi_bind_text(st, 1, ext_id, -1);
	dbi_bind_text(st, 2, batch, -1);
	int rc = dbi_step(st, err, "finding a sample");
	if (rc == DBI_DONE) {
		dbi_reset(st);
		return assay_fail(err, ASSAY_ENOTFOUND, "no sample with id \"%s\"%s%s", ext_id,
				  batch ? " in batch " : "", batch ? batch : "");
	}
	if (rc < 0)
		return rc;
	if ((rc = read_sample(st, out, err)) < 0) {
		dbi_reset(st);
		return rc;
	}
	if ((rc = dbi_step(st, err, "finding a sample")) == DBI_ROW) {
		dbi_reset(st);
		store_sample_free(out);
		return assay_fail(err, ASSAY_ECONFLICT,
				  "sample id \"%s\" exists in several batches; name one with --batch",
				  ext_id);
	}
	dbi_reset(st);
	if (rc < 0)
		store_sample_free(out);
	return rc < 0 ? rc : ASSAY_OK;
}
