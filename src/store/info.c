/* info.c — the overview behind `assay info`: batches, counts, scorers. */
#include "store_int.h"

#include <stdlib.h>
#include <sys/stat.h>

static const char sql_batch_counts[] =
	"SELECT"
	" (SELECT count(*) FROM samples WHERE batch_id = ?1),"
	" (SELECT count(DISTINCT d.sample_id) FROM decisions d JOIN samples s ON s.id = d.sample_id"
	"   WHERE s.batch_id = ?1 AND d.verdict <> 'skipped'),"
	" (SELECT count(*) FROM decisions d JOIN samples s ON s.id = d.sample_id"
	"   WHERE s.batch_id = ?1 AND d.verdict = 'accepted'),"
	" (SELECT count(*) FROM decisions d JOIN samples s ON s.id = d.sample_id"
	"   WHERE s.batch_id = ?1 AND d.verdict = 'edited'),"
	" (SELECT count(*) FROM decisions d JOIN samples s ON s.id = d.sample_id"
	"   WHERE s.batch_id = ?1 AND d.verdict = 'rejected'),"
	" (SELECT count(*) FROM samples WHERE batch_id = ?1 AND quality IS NOT NULL)";

static const char sql_scorers[] =
	"SELECT scorer, max(version), count(*), sum(flagged) FROM scores GROUP BY scorer"
	" ORDER BY scorer";

static const char sql_totals[] =
	"SELECT (SELECT count(*) FROM samples),"
	" (SELECT count(DISTINCT sample_id) FROM decisions WHERE verdict <> 'skipped'),"
	" (SELECT count(*) FROM annotators), (SELECT count(*) FROM events)";

static int batch_counts(store *s, store_info_batch *b, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_batch_counts, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, b->batch.id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return store_sqlerr(s, rc, err, "counting samples");
	}
	b->samples = sqlite3_column_int64(st, 0);
	b->decided = sqlite3_column_int64(st, 1);
	b->accepted = sqlite3_column_int64(st, 2);
	b->edited = sqlite3_column_int64(st, 3);
	b->rejected = sqlite3_column_int64(st, 4);
	b->scored = sqlite3_column_int64(st, 5);
	sqlite3_reset(st);
	return ASSAY_OK;
}

static int scorers(store *s, store_info *out, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_scorers, err);
	if (!st)
		return err->code;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n_scorers == cap) {
			cap = cap ? cap * 2 : 8;
			store_info_scorer *v = realloc(out->scorers, cap * sizeof *v);
			if (!v) {
				sqlite3_reset(st);
				return assay_fail(err, ASSAY_ENOMEM, "out of memory");
			}
			out->scorers = v;
		}
		store_info_scorer *sc = &out->scorers[out->n_scorers++];
		sc->name = store_col_str(st, 0);
		sc->version = store_col_str(st, 1);
		sc->samples = sqlite3_column_int64(st, 2);
		sc->flagged = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ASSAY_OK : store_sqlerr(s, rc, err, "listing scorers");
}

static int totals(store *s, store_info *out, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_totals, err);
	if (!st)
		return err->code;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->samples = sqlite3_column_int64(st, 0);
		out->decided = sqlite3_column_int64(st, 1);
		out->annotators = sqlite3_column_int64(st, 2);
		out->events = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? ASSAY_OK : store_sqlerr(s, rc, err, "counting");
}

int store_info_get(store *s, store_info *out, assay_error *err)
{
	*out = (store_info){.schema_version = STORE_SCHEMA_VERSION};
	struct stat sb;
	if (stat(s->path, &sb) == 0)
		out->file_bytes = sb.st_size;
	store_batch *batches = NULL;
	size_t n = 0;
	int rc = store_batch_list(s, &batches, &n, err);
	if (rc < 0)
		return rc;
	out->batches = calloc(n ? n : 1, sizeof *out->batches);
	if (!out->batches) {
		for (size_t i = 0; i < n; i++)
			store_batch_free(&batches[i]);
		free(batches);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		out->batches[i].batch = batches[i];
	out->n_batches = n;
	free(batches);
	for (size_t i = 0; i < n && rc == ASSAY_OK; i++)
		rc = batch_counts(s, &out->batches[i], err);
	if (rc == ASSAY_OK)
		rc = scorers(s, out, err);
	if (rc == ASSAY_OK)
		rc = totals(s, out, err);
	if (rc < 0)
		store_info_free(out);
	return rc;
}

void store_info_free(store_info *info)
{
	for (size_t i = 0; i < info->n_batches; i++)
		store_batch_free(&info->batches[i].batch);
	free(info->batches);
	for (size_t i = 0; i < info->n_scorers; i++) {
		free(info->scorers[i].name);
		free(info->scorers[i].version);
	}
	free(info->scorers);
	*info = (store_info){0};
}
