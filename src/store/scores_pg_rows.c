/* scores_pg_rows.c — reading the packed scores of PostgreSQL (scores_pg.h)
 * over ranges of sample ids: the arrays' text parsed in C (one row per
 * sample, as SQLite's blobs are unpacked), for the combined score, the
 * learned scorer and the calibration. */
#include "scores_pg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The next element of an array's text at *p: its start and length (0 and
 * *null set for NULL); false at the end. Elements of the numeric arrays
 * are never quoted. */
static bool next_elem(const char **p, const char *end, const char **at, size_t *len, bool *null)
{
	const char *q = *p;
	if (q < end && (*q == '{' || *q == ','))
		q++;
	if (q >= end || *q == '}')
		return false;
	const char *e = q;
	while (e < end && *e != ',' && *e != '}')
		e++;
	*at = q;
	*len = (size_t)(e - q);
	*null = *len == 4 && memcmp(q, "NULL", 4) == 0;
	*p = e;
	return true;
}

size_t scores_pg_f64s(const char *text, size_t len, double *out, size_t max)
{
	const char *p = text, *end = text + len, *at;
	size_t n = 0, el;
	bool null;
	char buf[64];
	while (n < max && next_elem(&p, end, &at, &el, &null)) {
		if (null || el >= sizeof buf) {
			out[n++] = NAN;
			continue;
		}
		memcpy(buf, at, el);
		buf[el] = '\0';
		out[n++] = strtod(buf, NULL);
	}
	return n;
}

size_t scores_pg_u32s(const char *text, size_t len, uint32_t *out, size_t max)
{
	const char *p = text, *end = text + len, *at;
	size_t n = 0, el;
	bool null;
	while (n < max && next_elem(&p, end, &at, &el, &null)) {
		uint32_t v = 0;
		for (size_t i = 0; !null && i < el && at[i] >= '0' && at[i] <= '9'; i++)
			v = v * 10 + (uint32_t)(at[i] - '0');
		out[n++] = v;
	}
	return n;
}

/* A row's vals (col) and vers (col + 1) unpacked: *n slots. */
static void row_arrays(dbi_stmt *st, int col, double *vals, uint32_t *vers, size_t *n)
{
	size_t vl = 0, rl = 0;
	const char *vt = dbi_col_text(st, col, &vl), *rt = dbi_col_text(st, col + 1, &rl);
	size_t nv = scores_pg_f64s(vt, vl, vals, STORE_MAX_SLOTS);
	*n = scores_pg_u32s(rt, rl, vers, STORE_MAX_SLOTS);
	for (size_t k = nv; k < *n; k++)
		vals[k] = NAN;
}

static const dbi_query q_range = {
    "pg_scores_range", NULL,
    "SELECT sample_id, vals, vers FROM sample_scores WHERE sample_id BETWEEN $1 AND $2"
    " ORDER BY sample_id"};

int store_scores_range_each_pg(store *s, int64_t lo, int64_t hi,
			       int (*fn)(void *ud, int64_t sample_id, const char *scorer,
					 double value),
			       void *ud, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_range, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, lo);
	dbi_bind_i64(st, 2, hi);
	double vals[STORE_MAX_SLOTS];
	uint32_t vers[STORE_MAX_SLOTS];
	int rc, out = ASSAY_OK;
	while (out == 0 && (rc = dbi_step(st, err, "reading scores")) == DBI_ROW) {
		size_t n;
		int64_t id = dbi_col_i64(st, 0);
		row_arrays(st, 1, vals, vers, &n);
		for (size_t slot = 0; slot < n && out == 0; slot++) {
			if (!vers[slot])
				continue;
			const char *name = score_slot_name(s, (int)slot, err);
			if (!name) {
				out = err->code ? err->code : ASSAY_OK;
				continue;
			}
			out = fn(ud, id, name, vals[slot]);
		}
	}
	if (out == 0 && rc < 0)
		out = rc;
	dbi_reset(st);
	return out;
}

static const dbi_query q_rows = {
    "pg_score_rows", NULL,
    "SELECT ss.sample_id, ss.vals, ss.vers, ss.flags, coalesce(n.reasons[$3::integer + 1], ''),"
    " coalesce(n.details[$3::integer + 1], '')"
    " FROM sample_scores ss LEFT JOIN score_notes n ON n.sample_id = ss.sample_id"
    " WHERE ss.sample_id BETWEEN $1 AND $2 ORDER BY ss.sample_id"};

int store_score_rows_read_pg(store *s, int64_t lo, int64_t hi, int note_slot,
			     int (*fn)(void *ud, const store_score_rowview *row), void *ud,
			     assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_rows, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, lo);
	dbi_bind_i64(st, 2, hi);
	dbi_bind_i64(st, 3, note_slot);
	double vals[STORE_MAX_SLOTS];
	uint32_t vers[STORE_MAX_SLOTS];
	int rc, out = ASSAY_OK;
	while (out == 0 && (rc = dbi_step(st, err, "reading scores")) == DBI_ROW) {
		store_score_rowview row = {.sample_id = dbi_col_i64(st, 0),
					   .vals = vals, .vers = vers,
					   .flags = (uint64_t)dbi_col_i64(st, 3)};
		row_arrays(st, 1, vals, vers, &row.n);
		row.reason = note_slot >= 0 ? dbi_col_text(st, 4, NULL) : "";
		row.detail = note_slot >= 0 ? dbi_col_text(st, 5, NULL) : "";
		out = fn(ud, &row);
	}
	if (out == 0 && rc < 0)
		out = rc;
	dbi_reset(st);
	return out;
}

static const dbi_query q_rows_between = {
    "pg_score_rows_between", NULL,
    "SELECT sample_id, vals, vers, flags FROM sample_scores WHERE sample_id BETWEEN $1 AND $2"
    " ORDER BY sample_id"};

int store_score_rows_each_pg(store *s, int64_t first, int64_t last,
			     int (*fn)(void *ud, int64_t sample_id, const double *vals, size_t n,
				       uint64_t flags),
			     void *ud, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_rows_between, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, first);
	dbi_bind_i64(st, 2, last);
	double vals[STORE_MAX_SLOTS];
	uint32_t vers[STORE_MAX_SLOTS];
	int rc, out = ASSAY_OK;
	while (out == 0 && (rc = dbi_step(st, err, "reading scores")) == DBI_ROW) {
		size_t n;
		row_arrays(st, 1, vals, vers, &n);
		out = fn(ud, dbi_col_i64(st, 0), vals, n, (uint64_t)dbi_col_i64(st, 3));
	}
	if (out == 0 && rc < 0)
		out = rc;
	dbi_reset(st);
	return out;
}

static const dbi_query q_names = {"pg_scorer_names", NULL,
				  "SELECT name FROM scorers ORDER BY name COLLATE \"C\""};

int store_scorer_names_pg(store *s, char ***names, size_t *n, assay_error *err)
{
	*names = NULL;
	*n = 0;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_names, err);
	if (!st)
		return err->code;
	size_t cap = 0;
	int rc;
	while ((rc = dbi_step(st, err, "reading scorers")) == DBI_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			char **v = realloc(*names, cap * sizeof *v);
			if (!v)
				break;
			*names = v;
		}
		if (!((*names)[*n] = store_dcol_str(st, 0)))
			break;
		(*n)++;
	}
	if (rc == DBI_ROW) {
		dbi_reset(st);
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	if (rc < 0) {
		store_strings_free(*names, *n);
		*names = NULL;
		*n = 0;
		return rc;
	}
	return ASSAY_OK;
}
