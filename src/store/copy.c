/* copy.c — a whole store copied into another, SQLite or PostgreSQL on
 * either side: table by table in dependency order, ids kept, in chunks
 * each committed together with its resume marker (the destination's
 * table assay_copy: the source's identity, and per table the last key
 * copied), so a run stopped anywhere continues where it stopped; then the
 * verification (copy_check.c). The source is read in one snapshot. */
#include "copy_int.h"

#include <stdio.h>
#include <string.h>

#include "assay/text.h"

#define DEFAULT_CHUNK 10000
/* Rows per statement into a PostgreSQL destination, and bytes. */
#define BULK_ROWS 2000
#define BULK_BYTES (8 << 20)
/* The marker row of the copy as a whole; the others are named by table. */
#define WHOLE "*"

static const char sql_mark_table[] =
	"CREATE TABLE IF NOT EXISTS assay_copy ("
	"  tbl TEXT PRIMARY KEY,"
	"  source TEXT NOT NULL,"
	"  label TEXT NOT NULL,"
	"  last_key BIGINT NOT NULL,"
	"  n_rows BIGINT NOT NULL,"
	"  done BIGINT NOT NULL)";

static const dbi_query q_has_mark = {
    "copy_has_mark",
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'assay_copy'",
    "SELECT count(*) FROM pg_catalog.pg_tables"
    " WHERE schemaname = current_schema() AND tablename = 'assay_copy'"};
static const dbi_query q_mark_get = {
    "copy_mark_get",
    "SELECT source, label, last_key, n_rows, done FROM assay_copy WHERE tbl = ?1", NULL};
static const dbi_query q_mark_put = {
    "copy_mark_put",
    "INSERT INTO assay_copy (tbl, source, label, last_key, n_rows, done)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    " ON CONFLICT (tbl) DO UPDATE SET source = excluded.source, label = excluded.label,"
    " last_key = excluded.last_key, n_rows = excluded.n_rows, done = excluded.done",
    NULL};
static const dbi_query q_first_batch = {
    "copy_first_batch", "SELECT id, name, created_at FROM batches ORDER BY id LIMIT 1", NULL};

typedef struct copy_run {
	store *src, *dst;
	const store_copy_options *opt;
	store_copy_result *res;
	int64_t chunk;
	char ident[32]; /* the source's identity */
	abuf blobs[COPY_MAX_COLUMNS]; /* a row's blobs, by column */
	copy_bulk bulk;               /* the rows for a PostgreSQL destination */
} copy_run;

/* A marker row: how far a table got (or, for WHOLE, the copy). */
typedef struct mark {
	bool found;
	char source[32];
	char label[512];
	int64_t last_key, rows, done;
} mark;

/* The source's identity: its first batch (id, name, the time it was
 * made), which no other database shares; "empty" when it has none. */
static int source_identity(store *src, char *out, size_t n, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(src->dbi, &q_first_batch, err);
	if (!st)
		return err->code;
	int rc = dbi_step(st, err, "identifying the source");
	snprintf(out, n, "empty");
	if (rc == DBI_ROW) {
		abuf b = {0};
		size_t len = 0;
		const char *name = dbi_col_text(st, 1, &len);
		abuf_printf(&b, "%lld:%lld:", (long long)dbi_col_i64(st, 0),
			    (long long)dbi_col_i64(st, 2));
		abuf_append(&b, name, len);
		if (!b.data)
			rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
		else
			snprintf(out, n, "%016llx",
				 (unsigned long long)text_hash64(b.data, b.len, 0));
		abuf_free(&b);
	}
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

static int mark_get(store *dst, const char *tbl, mark *m, assay_error *err)
{
	*m = (mark){.last_key = INT64_MIN};
	dbi_stmt *st = dbi_stmt_get(dst->dbi, &q_mark_get, err);
	if (!st)
		return err->code;
	dbi_bind_text(st, 1, tbl, -1);
	int rc = dbi_step(st, err, "reading the copy's progress");
	if (rc == DBI_ROW) {
		m->found = true;
		snprintf(m->source, sizeof m->source, "%s", dbi_col_text(st, 0, NULL));
		snprintf(m->label, sizeof m->label, "%s", dbi_col_text(st, 1, NULL));
		m->last_key = dbi_col_i64(st, 2);
		m->rows = dbi_col_i64(st, 3);
		m->done = dbi_col_i64(st, 4);
	}
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

static int mark_put(copy_run *r, const char *tbl, int64_t last_key, int64_t rows, int64_t done,
		    assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(r->dst->dbi, &q_mark_put, err);
	if (!st)
		return err->code;
	dbi_bind_text(st, 1, tbl, -1);
	dbi_bind_text(st, 2, r->ident, -1);
	dbi_bind_text(st, 3, store_path(r->src), -1);
	dbi_bind_i64(st, 4, last_key);
	dbi_bind_i64(st, 5, rows);
	dbi_bind_i64(st, 6, done);
	return dbi_run(st, err, "recording the copy's progress");
}

/* The destination's marker of a previous run, if it has one. */
static int previous_run(store *dst, mark *whole, assay_error *err)
{
	*whole = (mark){0};
	dbi_stmt *st = dbi_stmt_get(dst->dbi, &q_has_mark, err);
	if (!st)
		return err->code;
	int rc = dbi_step(st, err, "reading the destination's tables");
	bool has = rc == DBI_ROW && dbi_col_i64(st, 0) > 0;
	dbi_reset(st);
	if (rc < 0)
		return rc;
	return has ? mark_get(dst, WHOLE, whole, err) : ASSAY_OK;
}

/* Refuses a destination that is neither empty nor a copy of this source;
 * starts the marker of a new copy. */
static int dst_prepare(copy_run *r, assay_error *err)
{
	mark whole;
	int rc = previous_run(r->dst, &whole, err);
	if (rc < 0)
		return rc;
	if (whole.found && strcmp(whole.source, r->ident) != 0)
		return assay_fail(err, ASSAY_ECONFLICT,
				  "%s: holds a copy of another database (%s), not of %s; refusing "
				  "to write into it: copy into an empty database (a new file, or "
				  "an empty schema)",
				  store_path(r->dst), whole.label, store_path(r->src));
	if (whole.found) {
		r->res->resumed = true;
		snprintf(r->res->from, sizeof r->res->from, "%s", whole.label);
		return ASSAY_OK;
	}
	for (size_t i = 0; i < copy_n_tables; i++) {
		int64_t n = 0;
		if ((rc = copy_count(r->dst, i, &n, err)) < 0)
			return rc;
		if (n > 0)
			return assay_fail(err, ASSAY_ECONFLICT,
					  "%s: already holds data (%lld rows in table %s) and is not "
					  "a partial copy of %s; refusing to write into it: copy into "
					  "an empty database (a new file, or an empty schema)",
					  store_path(r->dst), (long long)n, copy_tables[i].name,
					  store_path(r->src));
	}
	if ((rc = store_begin(r->dst, err)) < 0)
		return rc;
	if ((rc = dbi_exec(r->dst->dbi, sql_mark_table, err)) < 0 ||
	    (rc = mark_put(r, WHOLE, 0, 0, 0, err)) < 0) {
		store_rollback(r->dst);
		return assay_error_prefix(err, "%s: starting the copy", store_path(r->dst));
	}
	return store_commit(r->dst, err);
}

/* Binds the source's current row to the destination's insert. A blob is
 * copied into blobs[column] first: an engine may keep only the last blob
 * read valid (PostgreSQL's are unescaped into one buffer). */
static int bind_row(dbi_stmt *from, dbi_stmt *to, const char *types, abuf *blobs,
		    assay_error *err)
{
	for (int c = 0; types[c]; c++) {
		size_t n = 0;
		if (dbi_col_null(from, c)) {
			dbi_bind_null(to, c + 1);
		} else if (types[c] == 'i') {
			dbi_bind_i64(to, c + 1, dbi_col_i64(from, c));
		} else if (types[c] == 'r') {
			dbi_bind_f64(to, c + 1, dbi_col_f64(from, c));
		} else if (types[c] == 't') {
			const char *t = dbi_col_text(from, c, &n);
			dbi_bind_text(to, c + 1, t, (int64_t)n);
		} else if (types[c] == 'M') {
			continue; /* a notes blob is one column on SQLite (N's) */
		} else if (strchr("FVN", types[c])) {
			if (copy_packed_blob(from, c, types[c], false, &blobs[c]) < 0)
				return assay_fail(err, ASSAY_ENOMEM, "out of memory");
			dbi_bind_blob(to, c + 1, blobs[c].data ? blobs[c].data : "", blobs[c].len);
		} else {
			const void *p = dbi_col_blob(from, c, &n);
			abuf_reset(&blobs[c]);
			if (abuf_append(&blobs[c], p, n) < 0)
				return assay_fail(err, ASSAY_ENOMEM, "out of memory");
			dbi_bind_blob(to, c + 1, blobs[c].data, n);
		}
	}
	return ASSAY_OK;
}

/* Writes the source's current row of table i: into the PostgreSQL
 * batch (sent when full), or by its own insert. */
static int write_row(copy_run *r, size_t i, dbi_stmt *st, dbi_stmt *ins, assay_error *err)
{
	const char *types = copy_tables[i].types;
	if (!r->dst->pg) {
		int rc = bind_row(st, ins, types, r->blobs, err);
		return rc < 0 ? rc : dbi_run(ins, err, "writing a row");
	}
	int rc = copy_bulk_add(&r->bulk, st, types, err);
	if (rc == ASSAY_OK && (r->bulk.rows >= BULK_ROWS || r->bulk.bytes >= BULK_BYTES))
		rc = copy_bulk_flush(&r->bulk, r->dst, i, err);
	return rc;
}

static void progress(copy_run *r, size_t i, int64_t rows, int64_t total, bool finished)
{
	if (r->opt && r->opt->progress)
		r->opt->progress(r->opt->ud, copy_tables[i].name, rows, total, finished);
}

/* Commits the chunk in the destination with its marker. */
static int chunk_commit(copy_run *r, size_t i, const mark *m, bool done, assay_error *err)
{
	int rc = copy_bulk_flush(&r->bulk, r->dst, i, err);
	if (rc == ASSAY_OK)
		rc = mark_put(r, copy_tables[i].name, m->last_key, m->rows, done, err);
	return rc < 0 ? rc : store_commit(r->dst, err);
}

/* ASSAY_EINTR when asked to stop (between chunks, all committed). */
static int stopped(copy_run *r, size_t i, const mark *m, assay_error *err)
{
	if (!r->opt || !r->opt->stop || !*r->opt->stop)
		return ASSAY_OK;
	return assay_fail(err, ASSAY_EINTR,
			  "stopped: %lld rows of table %s are committed in %s; run the same "
			  "command again to continue from there",
			  (long long)m->rows, copy_tables[i].name, store_path(r->dst));
}

/* Streams table i's rows after m's key into the destination, a
 * transaction per chunk (rows sharing a key value stay in one). */
static int copy_rows(copy_run *r, size_t i, dbi_stmt *st, dbi_stmt *ins, mark *m, int64_t total,
		     assay_error *err)
{
	const copy_table *t = &copy_tables[i];
	int64_t in_tx = 0;
	int rc = store_begin(r->dst, err);
	while (rc == ASSAY_OK) {
		if ((rc = dbi_step(st, err, "reading the source")) != DBI_ROW)
			break;
		int64_t key = dbi_col_i64(st, t->key);
		rc = ASSAY_OK;
		if (in_tx >= r->chunk && key != m->last_key) {
			if ((rc = chunk_commit(r, i, m, false, err)) < 0)
				break;
			progress(r, i, m->rows, total, false);
			if ((rc = stopped(r, i, m, err)) < 0 || (rc = store_begin(r->dst, err)) < 0)
				break;
			in_tx = 0;
		}
		if ((rc = write_row(r, i, st, ins, err)) < 0)
			break;
		m->rows++;
		m->last_key = key;
		in_tx++;
		r->res->tables[i].copied++;
	}
	if (rc == DBI_DONE && (rc = chunk_commit(r, i, m, true, err)) == ASSAY_OK)
		progress(r, i, m->rows, total, true);
	dbi_reset(st);
	if (rc < 0 && store_in_tx(r->dst))
		store_rollback(r->dst);
	if (rc < 0) {
		copy_bulk_free(&r->bulk);
		r->bulk = (copy_bulk){0};
	}
	if (rc == ASSAY_EINTR)
		return rc;
	return rc < 0 ? assay_error_prefix(err, "copying table %s", t->name) : ASSAY_OK;
}

static int copy_one(copy_run *r, size_t i, assay_error *err)
{
	mark m;
	int64_t total = 0;
	r->res->tables[i].name = copy_tables[i].name;
	int rc = mark_get(r->dst, copy_tables[i].name, &m, err);
	if (rc < 0)
		return rc;
	if (m.done) {
		progress(r, i, m.rows, m.rows, true);
		return ASSAY_OK;
	}
	if (m.rows > 0 && r->opt && r->opt->resuming)
		r->opt->resuming(r->opt->ud, copy_tables[i].name, m.rows, m.last_key);
	if ((rc = copy_count(r->src, i, &total, err)) < 0)
		return rc;
	dbi_stmt *st = copy_read_stmt(r->src, i, err);
	dbi_stmt *ins = st ? copy_insert_stmt(r->dst, i, err) : NULL;
	if (!ins)
		return err->code;
	dbi_bind_i64(st, 1, m.last_key);
	return copy_rows(r, i, st, ins, &m, total, err);
}

/* PostgreSQL's identity columns continue past the largest id copied. */
static int set_sequences(copy_run *r, assay_error *err)
{
	int rc = store_begin(r->dst, err);
	for (size_t i = 0; i < copy_n_tables && rc == ASSAY_OK; i++) {
		if (!copy_tables[i].identity)
			continue;
		dbi_stmt *st = copy_setval_stmt(r->dst, i, err);
		rc = st ? dbi_step(st, err, "setting the identity past the largest id") : err->code;
		if (st)
			dbi_reset(st);
		rc = rc < 0 ? rc : ASSAY_OK;
	}
	if (rc < 0) {
		store_rollback(r->dst);
		return rc;
	}
	return store_commit(r->dst, err);
}

/* PostgreSQL: the planner's statistics of every table of the store (those
 * of its schema, where the copy wrote), as an import leaves them of its
 * samples: until the server's own analysis, a minute or more later, the
 * rows loaded count as none and the review queue's probes are planned as
 * scans of the whole batch. A table the role does not own is passed over
 * with a warning by the server (a notice, not shown). */
static const dbi_query q_analyze_pg = {
    "copy_analyze", NULL,
    "DO $$DECLARE t name; BEGIN"
    " FOR t IN SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
    "  ORDER BY tablename LOOP EXECUTE format('ANALYZE %I', t); END LOOP; END$$"};

static int analyze(copy_run *r, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(r->dst->dbi, &q_analyze_pg, err);
	return st ? dbi_run(st, err, "analysing the tables copied") : err->code;
}

static int run(copy_run *r, assay_error *err)
{
	int rc;
	if ((rc = source_identity(r->src, r->ident, sizeof r->ident, err)) < 0 ||
	    (rc = dst_prepare(r, err)) < 0)
		return rc;
	for (size_t i = 0; i < copy_n_tables; i++)
		if ((rc = copy_one(r, i, err)) < 0)
			return rc;
	if (r->dst->pg && ((rc = set_sequences(r, err)) < 0 || (rc = analyze(r, err)) < 0))
		return rc;
	if (r->opt && r->opt->stop && *r->opt->stop)
		return assay_fail(err, ASSAY_EINTR, "stopped before the verification: every table "
				  "is copied; run the same command again to verify");
	if ((rc = copy_verify(r->src, r->dst, r->res, err)) < 0)
		return rc;
	if ((rc = store_begin(r->dst, err)) < 0)
		return rc;
	if ((rc = mark_put(r, WHOLE, 0, 0, assay_now_ms(), err)) < 0) {
		store_rollback(r->dst);
		return rc;
	}
	return store_commit(r->dst, err);
}

int store_copy(store *src, store *dst, const store_copy_options *opt, store_copy_result *res,
	       assay_error *err)
{
	*res = (store_copy_result){.n = copy_n_tables};
	if (copy_n_tables > STORE_COPY_MAX_TABLES)
		return assay_fail(err, ASSAY_EINVAL, "internal: too many tables to copy");
	copy_run r = {.src = src, .dst = dst, .opt = opt, .res = res,
		      .chunk = opt && opt->chunk_rows > 0 ? opt->chunk_rows : DEFAULT_CHUNK};
	int rc = store_read_begin(src, err);
	if (rc < 0)
		return rc;
	rc = run(&r, err);
	store_read_end(src);
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(r.blobs); i++)
		abuf_free(&r.blobs[i]);
	copy_bulk_free(&r.bulk);
	return rc;
}
