/* samples_pg.c — import's inserts a run of records at a time. On
 * PostgreSQL the run streams into a temporary table with COPY (one
 * statement, no round trip or parse per row), one query finds the records
 * that meet a stored sample or an earlier record of the run (by the
 * duplicate key or by the id in the batch), and the others move into
 * samples with INSERT ... SELECT in the run's order, up to each such
 * record, which takes the one-row path (store_sample_insert) in its turn:
 * the outcomes and the samples' ids are those of inserting one record
 * after another. On SQLite each record takes the one-row path. */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

/* Emptied before each run: a temporary table is never analysed or vacuumed,
 * so rows left from earlier runs would be scanned again by every query. */
static const char sql_run_table[] =
	"CREATE TEMP TABLE IF NOT EXISTS assay_import_run ("
	"  run BIGINT NOT NULL, ord INT NOT NULL, batch_id BIGINT NOT NULL, ext_id TEXT NOT NULL,"
	"  line BIGINT NOT NULL, text_field TEXT NOT NULL, text TEXT NOT NULL,"
	"  record TEXT NOT NULL, hash BIGINT NOT NULL, context TEXT) ON COMMIT DELETE ROWS;"
	"TRUNCATE assay_import_run";
static const char sql_run_copy[] =
	"COPY assay_import_run (run, ord, batch_id, ext_id, line, text_field, text, record, hash,"
	" context) FROM STDIN";
/* The records that are not simply new: their key or their id already
 * stored, or met earlier in the run. */
static const dbi_query q_run_met = {
    "import_run_met", NULL,
    "SELECT ord FROM (SELECT r.ord,"
    "  row_number() OVER (PARTITION BY r.hash ORDER BY r.ord) AS nh,"
    "  row_number() OVER (PARTITION BY r.ext_id ORDER BY r.ord) AS ne,"
    "  EXISTS (SELECT 1 FROM samples s WHERE s.hash = r.hash) AS h,"
    "  EXISTS (SELECT 1 FROM samples s WHERE s.batch_id = r.batch_id"
    "          AND s.ext_id = r.ext_id) AS e"
    "  FROM assay_import_run r WHERE r.run = $1) x"
    " WHERE nh > 1 OR ne > 1 OR h OR e ORDER BY ord"};
/* A stretch of new records, in the run's order (so their ids are); a row
 * another client stored meanwhile is left out here and classified alone. */
static const dbi_query q_run_insert = {
    "import_run_insert", NULL,
    "WITH n AS (INSERT INTO samples (batch_id, ext_id, line, text_field, text, record, hash,"
    "  context)"
    " SELECT batch_id, ext_id, line, text_field, text, record, hash, context"
    " FROM assay_import_run WHERE run = $1 AND ord >= $2 AND ord < $3 ORDER BY ord"
    " ON CONFLICT DO NOTHING RETURNING id, hash, batch_id),"
    /* each new sample's row of combined score (quality.c), written after */
    " q AS (INSERT INTO sample_quality (sample_id, batch_id) SELECT id, batch_id FROM n)"
    " SELECT id, hash FROM n ORDER BY id"};

/* Streams the run's records into the temporary table. */
static int copy_run(store *s, int64_t run, const store_new_sample *v, size_t n,
		    assay_error *err)
{
	abuf b = {0};
	int rc = dbi_copy_begin(s->dbi, sql_run_copy, err);
	for (size_t i = 0; rc == ASSAY_OK && i < n; i++) {
		const store_new_sample *x = &v[i];
		b.len = 0;
		if (abuf_printf(&b, "%lld\t%zu\t%lld\t", (long long)run, i, (long long)x->batch_id) < 0 ||
		    dbi_copy_field(&b, x->ext_id, strlen(x->ext_id)) < 0 ||
		    abuf_printf(&b, "\t%lld\t", (long long)x->line) < 0 ||
		    dbi_copy_field(&b, x->text_field, strlen(x->text_field)) < 0 ||
		    abuf_putc(&b, '\t') < 0 || dbi_copy_field(&b, x->text, x->text_len) < 0 ||
		    abuf_putc(&b, '\t') < 0 || dbi_copy_field(&b, x->record, x->record_len) < 0 ||
		    abuf_printf(&b, "\t%lld\t", (long long)(int64_t)x->hash) < 0 ||
		    dbi_copy_field(&b, x->context, x->context_len) < 0 || abuf_putc(&b, '\n') < 0) {
			rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
			break;
		}
		rc = dbi_copy_put(s->dbi, b.data, b.len, err);
	}
	abuf_free(&b);
	if (rc != ASSAY_OK) {
		assay_error ignored = {0};
		dbi_copy_end(s->dbi, "abandoned", &ignored);
		return rc;
	}
	return dbi_copy_end(s->dbi, NULL, err);
}

/* The ords of the run's records that are not simply new, ascending, into
 * met (room n); *k of them. */
static int run_met(store *s, int64_t run, size_t *met, size_t n, size_t *k, assay_error *err)
{
	*k = 0;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_run_met, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, run);
	int rc;
	while ((rc = dbi_step(st, err, "checking the run's records")) == DBI_ROW)
		if (*k < n)
			met[(*k)++] = (size_t)dbi_col_i64(st, 0);
	return rc < 0 ? rc : ASSAY_OK;
}

/* Inserts the new records [lo, hi) of the run; those another client
 * stored meanwhile are marked for the one-row path (*left). */
static int insert_stretch(store *s, int64_t run, store_new_sample *v, size_t lo, size_t hi,
			  bool *left, assay_error *err)
{
	for (size_t i = lo; i < hi; i++)
		v[i].outcome = -1;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_run_insert, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, run);
	dbi_bind_i64(st, 2, (int64_t)lo);
	dbi_bind_i64(st, 3, (int64_t)hi);
	int rc;
	size_t j = lo;
	while ((rc = dbi_step(st, err, "inserting samples")) == DBI_ROW) {
		int64_t hash = dbi_col_i64(st, 1);
		/* rows come back in the run's order: a key within [lo, hi) is unique */
		for (size_t probe = 0; probe < hi - lo; probe++, j = j + 1 < hi ? j + 1 : lo) {
			if ((int64_t)v[j].hash == hash) {
				v[j].outcome = STORE_INSERTED;
				v[j].id = dbi_col_i64(st, 0);
				break;
			}
		}
	}
	if (rc < 0)
		return rc;
	for (size_t i = lo; i < hi; i++)
		*left |= v[i].outcome < 0;
	return ASSAY_OK;
}

/* The one-row path for each record of [lo, hi) not inserted yet. */
static int one_by_one(store *s, store_new_sample *v, size_t lo, size_t hi, assay_error *err)
{
	for (size_t i = lo; i < hi; i++) {
		if (v[i].outcome == STORE_INSERTED)
			continue;
		int rc = store_sample_insert(s, &v[i], &v[i].outcome, &v[i].id, err);
		if (rc < 0)
			return rc;
	}
	return ASSAY_OK;
}

static int run_pg(store *s, store_new_sample *v, size_t n, assay_error *err)
{
	size_t *met = malloc((n + 1) * sizeof *met), k = 0;
	if (!met)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	int64_t run = ++s->import_run;
	int rc = dbi_exec(s->dbi, sql_run_table, err);
	if (rc == ASSAY_OK)
		rc = copy_run(s, run, v, n, err);
	if (rc == ASSAY_OK)
		rc = run_met(s, run, met, n, &k, err);
	met[k] = n; /* the end closes the last stretch */
	size_t lo = 0;
	for (size_t m = 0; rc == ASSAY_OK && m <= k; m++) {
		bool left = false;
		size_t hi = met[m];
		if (hi > lo)
			rc = insert_stretch(s, run, v, lo, hi, &left, err);
		if (rc == ASSAY_OK && left)
			rc = one_by_one(s, v, lo, hi, err);
		if (rc == ASSAY_OK && hi < n) {
			v[hi].outcome = -1;
			rc = one_by_one(s, v, hi, hi + 1, err);
		}
		lo = hi + 1;
	}
	free(met);
	return rc;
}

int store_samples_insert_run(store *s, store_new_sample *v, size_t n, assay_error *err)
{
	bool pairs = false;
	for (size_t i = 0; i < n; i++) {
		pairs |= v[i].pair != NULL;
		v[i].outcome = -1;
		v[i].id = 0;
	}
	if (s->pg && n > 1 && !pairs)
		return run_pg(s, v, n, err);
	return one_by_one(s, v, 0, n, err);
}
