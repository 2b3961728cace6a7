/* scores_pg_prov.c — export's provenance object on PostgreSQL: the notes,
 * scores, the corrected text's scores, the batch's kind and a pair's b
 * scores of one sample, read in one query and written as SQLite's JSON
 * functions write them (export.c's sql_provenance), byte for byte: keys in
 * the same order, reals with 15 significant digits and always a decimal
 * point, strings escaped alike. */
#include "scores_pg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One row per part, in the object's order: 1 a note (by, text, at), 2 a
 * score, 3 an edit's score (edited samples only), 4 the kind and whether
 * the sample is a pair, 5 a b candidate's score. */
static const dbi_query q_prov = {
    "pg_export_provenance", NULL,
    "SELECT * FROM (SELECT 1 AS part, a.name AS k, NULL::float8, 0::bigint, e.text,"
    " NULL::text, e.at, e.id AS ord"
    " FROM events e JOIN annotators a ON a.id = e.annotator_id"
    " WHERE e.sample_id = $1 AND e.kind = 'note'"
    " UNION ALL SELECT 2, k.name, ss.vals[k.slot + 1], (ss.flags >> k.slot::integer) & 1,"
    "  coalesce(n.reasons[k.slot + 1], ''), v.version, 0, 0"
    " FROM sample_scores ss CROSS JOIN scorers k"
    " JOIN scorer_versions v ON v.id = ss.vers[k.slot + 1]"
    " LEFT JOIN score_notes n ON n.sample_id = ss.sample_id WHERE ss.sample_id = $1"
    " UNION ALL SELECT 3, scorer, value, flagged, reason, version, 0, 0 FROM edit_scores"
    " WHERE sample_id = $1 AND (EXISTS (SELECT 1 FROM decisions e WHERE e.sample_id = $1"
    "  AND e.verdict = 'edited') OR EXISTS (SELECT 1 FROM adjudications e"
    "  WHERE e.sample_id = $1 AND e.verdict = 'edited'))"
    " UNION ALL SELECT 4, (SELECT nullif(b.kind, '') FROM samples x"
    "  JOIN batches b ON b.id = x.batch_id WHERE x.id = $1), NULL,"
    "  (SELECT count(*) FROM pairs WHERE sample_id = $1), NULL, NULL, 0, 0"
    " UNION ALL SELECT 5, scorer, value, flagged, reason, version, 0, 0 FROM pair_scores"
    " WHERE sample_id = $1"
    ") x ORDER BY part, ord, k COLLATE \"C\""};

/* A JSON string as SQLite's json functions escape it. */
static int put_str(abuf *b, const char *t, size_t n)
{
	static const char special[32] = {['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n',
					 ['\f'] = 'f', ['\r'] = 'r'};
	int rc = abuf_putc(b, '"');
	for (size_t i = 0; i < n && rc == 0; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c == '"' || c == '\\')
			rc = abuf_printf(b, "\\%c", c);
		else if (c < 0x20 && special[c])
			rc = abuf_printf(b, "\\%c", special[c]);
		else if (c < 0x20)
			rc = abuf_printf(b, "\\u%04x", c);
		else
			rc = abuf_putc(b, (char)c);
	}
	return rc | abuf_putc(b, '"');
}

static int put_col_str(abuf *b, dbi_stmt *st, int col)
{
	if (dbi_col_null(st, col))
		return abuf_puts(b, "null");
	size_t n = 0;
	const char *t = dbi_col_text(st, col, &n);
	return put_str(b, t, n);
}

/* A real as SQLite's "%!.15g": 15 significant digits and a decimal point
 * always (1.0, 1.0e-07); NULL as null. */
static int put_real(abuf *b, dbi_stmt *st, int col)
{
	if (dbi_col_null(st, col))
		return abuf_puts(b, "null");
	double v = dbi_col_f64(st, col);
	if (isnan(v))
		return abuf_puts(b, "null");
	if (isinf(v))
		return abuf_puts(b, v > 0 ? "9.0e+999" : "-9.0e+999");
	char num[40];
	snprintf(num, sizeof num, "%.15g", v);
	if (strchr(num, '.'))
		return abuf_puts(b, num);
	char *e = strchr(num, 'e');
	if (!e)
		return abuf_printf(b, "%s.0", num);
	return abuf_printf(b, "%.*s.0%s", (int)(e - num), num, e);
}

/* A score's object: {"value":…,"flagged":…,"reason":…,"version":…}. */
static int put_score(abuf *b, dbi_stmt *st)
{
	int rc = put_col_str(b, st, 1) | abuf_puts(b, ":{\"value\":") | put_real(b, st, 2);
	rc |= abuf_printf(b, ",\"flagged\":%s,\"reason\":", dbi_col_i64(st, 3) ? "true" : "false");
	rc |= put_col_str(b, st, 4) | abuf_puts(b, ",\"version\":") | put_col_str(b, st, 5);
	return rc | abuf_putc(b, '}');
}

/* Closes the parts before part and opens those up to it. */
static int open_part(abuf *b, int *at, int part, bool pair)
{
	static const char *const opens[] = {"", "{\"notes\":[", "],\"scores\":{",
					    "},\"edit_scores\":{", "},\"kind\":", ",\"b_scores\":{"};
	int rc = 0;
	while (*at < part) {
		++*at;
		if (*at == 5 && !pair)
			continue;
		rc |= abuf_puts(b, opens[*at]);
		if (*at == 4)
			rc |= abuf_puts(b, "null"); /* replaced by the kind's row */
	}
	return rc;
}

static int prov_rows(dbi_stmt *st, abuf *b, bool *pair, assay_error *err)
{
	int rc, at = 0, out = 0;
	bool first = true;
	while ((rc = dbi_step(st, err, "reading provenance")) == DBI_ROW && out == 0) {
		int part = (int)dbi_col_i64(st, 0);
		if (part != at)
			first = true;
		if (part == 4) {
			*pair = dbi_col_i64(st, 3) > 0;
			out |= open_part(b, &at, 3, *pair) | abuf_puts(b, "},\"kind\":");
			at = 4;
			out |= put_col_str(b, st, 1);
			continue;
		}
		out |= open_part(b, &at, part, *pair);
		out |= first ? 0 : abuf_putc(b, ',');
		first = false;
		if (part == 1) {
			out |= abuf_puts(b, "{\"by\":") | put_col_str(b, st, 1);
			out |= abuf_puts(b, ",\"text\":") | put_col_str(b, st, 4);
			out |= abuf_printf(b, ",\"at\":%lld}", (long long)dbi_col_i64(st, 6));
		} else {
			out |= put_score(b, st);
		}
	}
	if (rc == DBI_ROW)
		dbi_reset(st);
	if (rc < 0)
		return rc;
	out |= open_part(b, &at, 5, *pair);
	out |= abuf_puts(b, *pair ? "}}" : "}");
	return out ? assay_fail(err, ASSAY_ENOMEM, "out of memory") : ASSAY_OK;
}

int store_export_provenance_pg(store *s, int64_t sample_id, char **json, assay_error *err)
{
	*json = NULL;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_prov, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	abuf b = {0};
	bool pair = false;
	int rc = prov_rows(st, &b, &pair, err);
	if (rc == 0 && !(*json = abuf_take(&b)))
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	abuf_free(&b);
	return rc;
}
