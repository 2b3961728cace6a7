/* check_pg.c — `info --check` on a PostgreSQL store: every table of the
 * store read row by row, each row whole (its out-of-line values fetched
 * too), so that the server meets any page it cannot read (a damaged page,
 * a checksum failure, a missing file: SQLSTATE class XX) and says which;
 * and when full, each table counted again through an index (sequential
 * scans turned off for the connection meanwhile) and compared with the
 * rows read, so that an index that lost or gained rows is found. A table
 * that cannot be read is one problem, and the check goes on with the next
 * (each statement on its own, outside a transaction). */
#include "copy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One row each per table of copy_tables, in its order (a table added
 * there and not here fails every check: "the check's tables are not the
 * store's"). */
static const dbi_query q_rows[] = {
	{"check_rows_batches", NULL, "SELECT count(x) FROM batches x"},
	{"check_rows_annotators", NULL, "SELECT count(x) FROM annotators x"},
	{"check_rows_samples", NULL, "SELECT count(x) FROM samples x"},
	{"check_rows_sample_quality", NULL, "SELECT count(x) FROM sample_quality x"},
	{"check_rows_duplicates", NULL, "SELECT count(x) FROM duplicates x"},
	{"check_rows_rejects", NULL, "SELECT count(x) FROM rejects x"},
	{"check_rows_score_cache", NULL, "SELECT count(x) FROM score_cache x"},
	{"check_rows_scorers", NULL, "SELECT count(x) FROM scorers x"},
	{"check_rows_score_forms", NULL, "SELECT count(x) FROM score_forms x"},
	{"check_rows_scorer_versions", NULL, "SELECT count(x) FROM scorer_versions x"},
	{"check_rows_sample_scores", NULL, "SELECT count(x) FROM sample_scores x"},
	{"check_rows_score_notes", NULL, "SELECT count(x) FROM score_notes x"},
	{"check_rows_pairs", NULL, "SELECT count(x) FROM pairs x"},
	{"check_rows_pair_scores", NULL, "SELECT count(x) FROM pair_scores x"},
	{"check_rows_events", NULL, "SELECT count(x) FROM events x"},
	{"check_rows_decisions", NULL, "SELECT count(x) FROM decisions x"},
	{"check_rows_adjudications", NULL, "SELECT count(x) FROM adjudications x"},
	{"check_rows_leases", NULL, "SELECT count(x) FROM leases x"},
	{"check_rows_models", NULL, "SELECT count(x) FROM models x"},
	{"check_rows_edit_scores", NULL, "SELECT count(x) FROM edit_scores x"},
	{"check_rows_spotchecks", NULL, "SELECT count(x) FROM spotchecks x"},
	{"check_rows_spotcheck_samples", NULL, "SELECT count(x) FROM spotcheck_samples x"},
	{"check_rows_neardup_index", NULL, "SELECT count(x) FROM neardup_index x"},
	{"check_rows_neardup", NULL, "SELECT count(x) FROM neardup x"},
	{"check_rows_neardup_bands", NULL, "SELECT count(x) FROM neardup_bands x"},
};

static const dbi_query q_keys[] = {
	{"check_keys_batches", NULL, "SELECT count(*) FROM batches"},
	{"check_keys_annotators", NULL, "SELECT count(*) FROM annotators"},
	{"check_keys_samples", NULL, "SELECT count(*) FROM samples"},
	{"check_keys_sample_quality", NULL, "SELECT count(*) FROM sample_quality"},
	{"check_keys_duplicates", NULL, "SELECT count(*) FROM duplicates"},
	{"check_keys_rejects", NULL, "SELECT count(*) FROM rejects"},
	{"check_keys_score_cache", NULL, "SELECT count(*) FROM score_cache"},
	{"check_keys_scorers", NULL, "SELECT count(*) FROM scorers"},
	{"check_keys_score_forms", NULL, "SELECT count(*) FROM score_forms"},
	{"check_keys_scorer_versions", NULL, "SELECT count(*) FROM scorer_versions"},
	{"check_keys_sample_scores", NULL, "SELECT count(*) FROM sample_scores"},
	{"check_keys_score_notes", NULL, "SELECT count(*) FROM score_notes"},
	{"check_keys_pairs", NULL, "SELECT count(*) FROM pairs"},
	{"check_keys_pair_scores", NULL, "SELECT count(*) FROM pair_scores"},
	{"check_keys_events", NULL, "SELECT count(*) FROM events"},
	{"check_keys_decisions", NULL, "SELECT count(*) FROM decisions"},
	{"check_keys_adjudications", NULL, "SELECT count(*) FROM adjudications"},
	{"check_keys_leases", NULL, "SELECT count(*) FROM leases"},
	{"check_keys_models", NULL, "SELECT count(*) FROM models"},
	{"check_keys_edit_scores", NULL, "SELECT count(*) FROM edit_scores"},
	{"check_keys_spotchecks", NULL, "SELECT count(*) FROM spotchecks"},
	{"check_keys_spotcheck_samples", NULL, "SELECT count(*) FROM spotcheck_samples"},
	{"check_keys_neardup_index", NULL, "SELECT count(*) FROM neardup_index"},
	{"check_keys_neardup", NULL, "SELECT count(*) FROM neardup"},
	{"check_keys_neardup_bands", NULL, "SELECT count(*) FROM neardup_bands"},
};

static int add_problem(char ***v, size_t *n, size_t *cap, const char *table, const char *msg)
{
	if (ASSAY_GROW(*v, *n + 1, *cap, 8) < 0)
		return ASSAY_ENOMEM;
	size_t len = strlen(table) + strlen(msg) + 16;
	if (!((*v)[*n] = malloc(len)))
		return ASSAY_ENOMEM;
	snprintf((*v)[*n], len, "table %s: %s", table, msg);
	(*n)++;
	return ASSAY_OK;
}

/* The count of the query's one row into *count; ASSAY_ENOTDB (err
 * filled) when the server met damage. */
static int count_of(store *s, bool keys, size_t i, int64_t *count, assay_error *err)
{
	dbi_stmt *st = keys ? dbi_stmt_get(s->dbi, &q_keys[i], err)
			    : dbi_stmt_get(s->dbi, &q_rows[i], err);
	if (!st)
		return err->code;
	int rc = dbi_step(st, err, "reading the table");
	if (rc == DBI_ROW)
		*count = dbi_col_i64(st, 0);
	dbi_reset(st);
	if (rc == DBI_DONE)
		return assay_fail(err, ASSAY_EDB, "%s: no count", copy_tables[i].name);
	return rc < 0 ? rc : ASSAY_OK;
}

/* What the server said about damage, without the label and the step
 * (err->msg is "LABEL: reading the table: MESSAGE"). */
static const char *server_words(const assay_error *err)
{
	const char *p = strstr(err->msg, ": reading the table: ");
	return p ? p + strlen(": reading the table: ") : err->msg;
}

/* Reads every table whole (counts[i]: its rows, -1 when unreadable). */
static int read_tables(store *s, int64_t *counts, char ***v, size_t *n, size_t *cap,
		       assay_error *err)
{
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(q_rows) && *n < STORE_CHECK_MAX; i++) {
		counts[i] = -1;
		assay_error e = {0};
		int rc = count_of(s, false, i, &counts[i], &e);
		if (rc == ASSAY_ENOTDB)
			rc = add_problem(v, n, cap, copy_tables[i].name, server_words(&e));
		else if (rc < 0)
			return assay_fail(err, rc, "%s", e.msg);
		if (rc < 0)
			return assay_fail(err, rc, "out of memory");
	}
	return ASSAY_OK;
}

/* Counts every table read whole through an index and compares. */
static int read_indexes(store *s, const int64_t *counts, char ***v, size_t *n, size_t *cap,
			assay_error *err)
{
	int rc = dbi_exec(s->dbi, "SET enable_seqscan = off", err);
	for (size_t i = 0; rc == ASSAY_OK && i < ASSAY_ARRAY_LEN(q_keys) && *n < STORE_CHECK_MAX;
	     i++) {
		if (counts[i] < 0)
			continue;
		int64_t k = -1;
		assay_error e = {0};
		rc = count_of(s, true, i, &k, &e);
		char msg[200];
		if (rc == ASSAY_ENOTDB) {
			rc = add_problem(v, n, cap, copy_tables[i].name, server_words(&e));
		} else if (rc < 0) {
			assay_fail(err, rc, "%s", e.msg);
		} else if (k != counts[i]) {
			snprintf(msg, sizeof msg, "read through an index it has %lld rows, read "
				 "whole %lld", (long long)k, (long long)counts[i]);
			rc = add_problem(v, n, cap, copy_tables[i].name, msg);
		}
		if (rc < 0 && !err->code)
			assay_fail(err, rc, "out of memory");
	}
	assay_error e = {0};
	int back = dbi_exec(s->dbi, "RESET enable_seqscan", &e);
	if (rc == ASSAY_OK && back < 0)
		return assay_fail(err, back, "%s", e.msg);
	return rc < 0 ? err->code : ASSAY_OK;
}

int store_check_pg(store *s, bool full, char ***problems, size_t *n, assay_error *err)
{
	_Static_assert(ASSAY_ARRAY_LEN(q_rows) == ASSAY_ARRAY_LEN(q_keys), "one each per table");
	for (size_t i = 0; i < copy_n_tables || i < ASSAY_ARRAY_LEN(q_rows); i++)
		if (i >= copy_n_tables || i >= ASSAY_ARRAY_LEN(q_rows) ||
		    strcmp(q_rows[i].name + strlen("check_rows_"), copy_tables[i].name) != 0)
			return assay_fail(err, ASSAY_EDB, "internal: the check's tables are not "
					  "the store's (table %zu)", i);
	int64_t counts[ASSAY_ARRAY_LEN(q_rows)];
	size_t cap = 0;
	int rc = read_tables(s, counts, problems, n, &cap, err);
	if (rc == ASSAY_OK && full)
		rc = read_indexes(s, counts, problems, n, &cap, err);
	if (rc < 0) {
		store_strings_free(*problems, *n);
		*problems = NULL;
		*n = 0;
	}
	return rc;
}
