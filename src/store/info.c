/* info.c — the overview behind `assay info`: batches, counts, scorers. */
#include "store_int.h"
#include "scores_pg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Per-batch counts come from two scans, joined in memory by sample id (a
 * join in SQL looks every decided sample up in the samples table: seconds
 * for a million): every sample's batch from the narrow table of combined
 * scores (one row per sample), then the decisions in sample order. */
static const char sql_sample_batches[] =
	"SELECT sample_id, batch_id, quality IS NOT NULL FROM sample_quality";

/* The flags and version ids of every sample's scores (score_pack.c). */
static const char sql_scorer_rows[] = "SELECT flags, vers, vals FROM sample_scores";

static const dbi_query q_totals = {
    "info_totals",
    "SELECT (SELECT count(*) FROM samples),"
    " (SELECT count(DISTINCT sample_id) FROM decisions WHERE verdict <> 'skipped'),"
    " (SELECT count(*) FROM annotators), (SELECT count(*) FROM events)",
    NULL};

/* On a server the counts per batch are its own aggregates: one row per
 * batch, in id order as store_batch_list lists them. */
static const dbi_query q_batch_counts = {
    "info_batch_counts", NULL,
    "SELECT b.id, coalesce(n.samples, 0), coalesce(n.scored, 0), coalesce(v.decided, 0),"
    "  coalesce(v.accepted, 0), coalesce(v.edited, 0), coalesce(v.rejected, 0)"
    " FROM batches b"
    " LEFT JOIN (SELECT batch_id, count(*) AS samples, count(quality) AS scored"
    "   FROM sample_quality GROUP BY batch_id) n ON n.batch_id = b.id"
    " LEFT JOIN (SELECT s.batch_id, count(DISTINCT d.sample_id) AS decided,"
    "   count(*) FILTER (WHERE d.verdict = 'accepted') AS accepted,"
    "   count(*) FILTER (WHERE d.verdict = 'edited') AS edited,"
    "   count(*) FILTER (WHERE d.verdict = 'rejected') AS rejected"
    "   FROM decisions d JOIN samples s ON s.id = d.sample_id"
    "   WHERE d.verdict <> 'skipped' GROUP BY s.batch_id) v ON v.batch_id = b.id"
    " ORDER BY b.id"};
/* What the store's tables take on the server (info's "MB"), and whether
 * any scorer was ever recorded. */
static const dbi_query q_pg_size = {
    "info_size", NULL,
    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint,"
    " (SELECT count(*) FROM scorers)"
    " FROM pg_catalog.pg_class c WHERE c.relnamespace = current_schema()::regnamespace"
    " AND c.relkind = 'r'"};

static size_t batch_index(const store_info *out, int64_t batch_id)
{
	size_t lo = 0, hi = out->n_batches; /* listed by id */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (out->batches[mid].batch.id < batch_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

typedef struct decided_pass {
	store_info *out;
	const uint32_t *slot;
	int64_t max_id, last;
} decided_pass;

static int on_verdict(void *ud, int64_t id, char v)
{
	decided_pass *d = ud;
	if (id < 0 || id > d->max_id || !d->slot[id] || v == 's')
		return 0;
	store_info_batch *b = &d->out->batches[d->slot[id] - 1];
	b->decided += id != d->last;
	d->last = id;
	b->accepted += v == 'a';
	b->edited += v == 'e';
	b->rejected += v == 'r';
	return 0;
}

static int pg_batch_counts(store *s, store_info *out, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_batch_counts, err);
	if (!st)
		return err->code;
	int rc;
	while ((rc = dbi_step(st, err, "counting samples")) == DBI_ROW) {
		size_t b = batch_index(out, dbi_col_i64(st, 0));
		if (b >= out->n_batches)
			continue;
		store_info_batch *x = &out->batches[b];
		x->samples = dbi_col_i64(st, 1);
		x->scored = dbi_col_i64(st, 2);
		x->decided = dbi_col_i64(st, 3);
		x->accepted = dbi_col_i64(st, 4);
		x->edited = dbi_col_i64(st, 5);
		x->rejected = dbi_col_i64(st, 6);
	}
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

/* The size of the store's tables, and the scorers (scores_pg_info.c). */
static int pg_size_scorers(store *s, store_info *out, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_pg_size, err);
	if (!st)
		return err->code;
	int rc = dbi_step(st, err, "measuring the store");
	int64_t scorers = 0;
	if (rc == DBI_ROW) {
		out->file_bytes = dbi_col_i64(st, 0);
		scorers = dbi_col_i64(st, 1);
	}
	dbi_reset(st);
	if (rc < 0)
		return rc;
	return scorers ? store_info_scorers_pg(s, out, err) : ASSAY_OK;
}

static int batch_counts(store *s, store_info *out, assay_error *err)
{
	if (s->pg)
		return pg_batch_counts(s, out, err);
	int64_t max_id;
	int rc = store_max_sample_id(s, &max_id, err);
	if (rc < 0 || out->n_batches == 0)
		return rc;
	uint32_t *slot = calloc((size_t)max_id + 1, sizeof *slot); /* batch index + 1 */
	if (!slot)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory for %lld samples",
				  (long long)max_id);
	sqlite3_stmt *st = store_stmt(s, sql_sample_batches, err);
	if (!st) {
		free(slot);
		return err->code;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		size_t b = batch_index(out, sqlite3_column_int64(st, 1));
		if (id < 0 || id > max_id || b >= out->n_batches)
			continue;
		slot[id] = (uint32_t)b + 1;
		out->batches[b].samples++;
		out->batches[b].scored += sqlite3_column_int(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(slot);
		return store_sqlerr(s, rc, err, "counting samples");
	}
	decided_pass d = {.out = out, .slot = slot, .max_id = max_id, .last = -1};
	rc = store_verdicts_each(s, NULL, on_verdict, &d, err);
	free(slot);
	return rc;
}

/* Every scorer's count of scores and flags and its newest version in use,
 * from one pass over the packed rows. */
typedef struct tally {
	int64_t n[STORE_MAX_SLOTS], flagged[STORE_MAX_SLOTS], failed[STORE_MAX_SLOTS];
	unsigned char *used; /* by version id */
	uint32_t max_id;
} tally;

static int tally_rows(store *s, tally *t, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_scorer_rows, err);
	if (!st)
		return err->code;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t flags = (uint64_t)sqlite3_column_int64(st, 0);
		const void *vers = sqlite3_column_blob(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		size_t slots = score_pack_nvers(vers, len);
		double v[STORE_MAX_SLOTS];
		size_t nv = score_pack_unpack(sqlite3_column_blob(st, 2),
					      (size_t)sqlite3_column_bytes(st, 2), v, STORE_MAX_SLOTS);
		for (int slot = 0; slot < STORE_MAX_SLOTS && (size_t)slot < slots; slot++) {
			uint32_t id = score_pack_ver(vers, len, slot);
			if (!id)
				continue;
			t->n[slot]++;
			t->flagged[slot] += flags >> slot & 1;
			t->failed[slot] += (size_t)slot >= nv || isnan(v[slot]); /* a version, no value */
			if (id <= t->max_id)
				t->used[id] = 1;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ASSAY_OK : store_sqlerr(s, rc, err, "listing scorers");
}

static int by_slot_name(const void *a, const void *b)
{
	return strcmp(((const store_info_scorer *)a)->name, ((const store_info_scorer *)b)->name);
}

static int scorers(store *s, store_info *out, assay_error *err)
{
	tally t = {0};
	int rc = score_slots_load(s, err);
	for (size_t i = 0; rc == 0 && i < s->n_vers; i++)
		t.max_id = s->vers[i].id > t.max_id ? s->vers[i].id : t.max_id;
	if (rc == 0 && (!(t.used = calloc(t.max_id + 1, 1)) ||
			!(out->scorers = calloc(s->n_slots + 1, sizeof *out->scorers))))
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	if (rc == 0)
		rc = tally_rows(s, &t, err);
	for (size_t slot = 0; rc == 0 && slot < s->n_slots; slot++) {
		if (!s->slot_names[slot])
			continue;
		const char *newest = NULL;
		for (size_t i = 0; i < s->n_vers; i++)
			if ((size_t)s->vers[i].slot == slot && t.used[s->vers[i].id] &&
			    (!newest || strcmp(s->vers[i].version, newest) > 0))
				newest = s->vers[i].version;
		store_info_scorer *sc = &out->scorers[out->n_scorers++];
		*sc = (store_info_scorer){.name = assay_strdup(s->slot_names[slot]),
					  .version = assay_strdup(newest ? newest : ""),
					  .samples = t.n[slot],
					  .flagged = t.flagged[slot],
					  .failed = t.failed[slot]};
		if (!sc->name || !sc->version)
			rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	if (rc == 0)
		qsort(out->scorers, out->n_scorers, sizeof *out->scorers, by_slot_name);
	free(t.used);
	return rc;
}

static int totals(store *s, store_info *out, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_totals, err);
	if (!st)
		return err->code;
	int rc = dbi_step(st, err, "counting");
	if (rc == DBI_ROW) {
		out->samples = dbi_col_i64(st, 0);
		out->decided = dbi_col_i64(st, 1);
		out->annotators = dbi_col_i64(st, 2);
		out->events = dbi_col_i64(st, 3);
	}
	dbi_reset(st);
	return rc == DBI_ROW ? ASSAY_OK
	       : rc < 0      ? rc
			     : assay_fail(err, ASSAY_EDB, "counting: no row");
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
	rc = batch_counts(s, out, err);
	if (rc == ASSAY_OK)
		rc = s->pg ? pg_size_scorers(s, out, err) : scorers(s, out, err);
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

/* (A pragma takes no bound parameters: the limit is written in, and is
 * STORE_CHECK_MAX.) */
static const char sql_quick_check[] = "PRAGMA quick_check(20)";
static const char sql_integrity_check[] = "PRAGMA integrity_check(20)";

/* Appends p[0..len) to the list; false when out of memory. */
static bool add_problem(char ***v, size_t *n, size_t *cap, const char *p, size_t len)
{
	if (ASSAY_GROW(*v, *n + 1, *cap, 8) < 0)
		return false;
	if (!((*v)[*n] = assay_strndup(p, len)))
		return false;
	(*n)++;
	return true;
}

int store_check(store *s, bool full, char ***problems, size_t *n, assay_error *err)
{
	*problems = NULL;
	*n = 0;
	if (s->pg)
		return store_check_pg(s, full, problems, n, err);
	sqlite3_stmt *st = store_stmt(s, full ? sql_integrity_check : sql_quick_check, err);
	if (!st)
		return err->code;
	int rc = SQLITE_OK;
	size_t cap = 0;
	while (rc != SQLITE_NOMEM && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *row = (const char *)sqlite3_column_text(st, 0);
		if (!row || strcmp(row, "ok") == 0)
			continue;
		/* a row may hold several lines, under a "*** in database main ***"
		 * heading: one problem per line, headings left out */
		for (const char *p = row; *p && rc != SQLITE_NOMEM;) {
			size_t len = strcspn(p, "\n");
			bool heading = len >= 3 && strncmp(p, "***", 3) == 0;
			if (len && !heading && !add_problem(problems, n, &cap, p, len))
				rc = SQLITE_NOMEM;
			p += len + (p[len] == '\n');
		}
	}
	if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB) {
		/* damage the check could not walk past is one more problem */
		char why[300];
		snprintf(why, sizeof why, "the check stopped: %s", sqlite3_errmsg(s->db));
		rc = add_problem(problems, n, &cap, why, strlen(why)) ? SQLITE_DONE : SQLITE_NOMEM;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return ASSAY_OK;
	store_strings_free(*problems, *n);
	*problems = NULL;
	*n = 0;
	if (rc == SQLITE_NOMEM)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	return store_sqlerr(s, rc, err, "checking the file");
}

void store_check_words(store *s, bool full, store_check_text *w)
{
	if (s->pg) {
		w->how = full ? "row_and_index_check" : "row_check";
		w->whole = "every table of the store reads whole";
		w->damaged = "the store's tables are damaged";
		snprintf(w->salvage, sizeof w->salvage,
			 "pg_dump of the schema salvages what is readable");
		return;
	}
	w->how = full ? "integrity_check" : "quick_check";
	w->whole = "the file is whole";
	w->damaged = "the database file is damaged";
	snprintf(w->salvage, sizeof w->salvage, "'sqlite3 %s .recover' salvages what is readable",
		 s->path);
}
