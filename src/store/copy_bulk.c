/* copy_bulk.c — rows into a PostgreSQL destination a batch at a time: each
 * column's values gathered into one array literal, bound as one parameter,
 * and the batch inserted by one statement (INSERT ... SELECT FROM
 * unnest($1::bigint[], ...)): one round trip per batch instead of one per
 * row, which is most of the time of a copy into a server. */
#include "copy_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const dbi_query q_bulk[] = {
	{"copy_bulk_batches", NULL,
	 "INSERT INTO batches (id, name, source, format, text_field, id_field, "
	 "meta_fields, created_at, finished_at, n_read, n_imported, n_duplicate, "
	 "n_rejected, kind, context_fields, dedup_on, turn, media_fields, "
	 "media_root, media_maps, pair_fields, pair_model_fields) SELECT * FROM "
	 "unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], "
	 "$6::text[], $7::text[], $8::bigint[], $9::bigint[], $10::bigint[], "
	 "$11::bigint[], $12::bigint[], $13::bigint[], $14::text[], $15::text[], "
	 "$16::text[], $17::text[], $18::text[], $19::text[], $20::text[], "
	 "$21::text[], $22::text[])"},
	{"copy_bulk_annotators", NULL,
	 "INSERT INTO annotators (id, name, first_seen) SELECT * FROM "
	 "unnest($1::bigint[], $2::text[], $3::bigint[])"},
	{"copy_bulk_samples", NULL,
	 "INSERT INTO samples (id, batch_id, ext_id, line, text_field, text, "
	 "record, hash, context, edit_quality) SELECT * FROM "
	 "unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], "
	 "$5::text[], $6::text[], $7::text[], $8::bigint[], "
	 "$9::text[], $10::float8[])"},
	{"copy_bulk_sample_quality", NULL,
	 "INSERT INTO sample_quality (sample_id, batch_id, quality) SELECT * FROM "
	 "unnest($1::bigint[], $2::bigint[], $3::float8[])"},
	{"copy_bulk_duplicates", NULL,
	 "INSERT INTO duplicates (batch_id, ext_id, line, sample_id) SELECT * "
	 "FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[])"},
	{"copy_bulk_rejects", NULL,
	 "INSERT INTO rejects (batch_id, source, line, reason) SELECT * FROM "
	 "unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[])"},
	{"copy_bulk_score_cache", NULL,
	 "INSERT INTO score_cache (config_hash, text_hash, value, reason, "
	 "created_at) SELECT * FROM unnest($1::bigint[], $2::bigint[], "
	 "$3::float8[], $4::text[], $5::bigint[])"},
	{"copy_bulk_scorers", NULL,
	 "INSERT INTO scorers (slot, name) SELECT * FROM unnest($1::bigint[], "
	 "$2::text[])"},
	{"copy_bulk_score_forms", NULL,
	 "INSERT INTO score_forms (id, form) SELECT * FROM unnest($1::bigint[], "
	 "$2::text[])"},
	{"copy_bulk_scorer_versions", NULL,
	 "INSERT INTO scorer_versions (id, slot, version) SELECT * FROM "
	 "unnest($1::bigint[], $2::bigint[], $3::text[])"},
	{"copy_bulk_sample_scores", NULL,
	 "INSERT INTO sample_scores (sample_id, flags, learned, scored_at, vals, "
	 "vers) SELECT a, b, c, d, e::float8[], f::integer[] FROM unnest($1::bigint[], "
	 "$2::bigint[], $3::float8[], $4::bigint[], $5::text[], $6::text[]) AS u(a, b, c, d, e, f)"},
	{"copy_bulk_score_notes", NULL,
	 "INSERT INTO score_notes (sample_id, reasons, details) SELECT a, b::text[], c::text[] "
	 "FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(a, b, c)"},
	{"copy_bulk_pairs", NULL,
	 "INSERT INTO pairs (sample_id, a_field, b_field, b_text, a_model, "
	 "b_model, a_model_field, b_model_field, claimed, chat) SELECT * FROM "
	 "unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], "
	 "$6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[])"},
	{"copy_bulk_pair_scores", NULL,
	 "INSERT INTO pair_scores (sample_id, scorer, value, flagged, reason, "
	 "version, detail, scored_at) SELECT * FROM unnest($1::bigint[], "
	 "$2::text[], $3::float8[], $4::bigint[], $5::text[], $6::text[], "
	 "$7::text[], $8::bigint[])"},
	{"copy_bulk_events", NULL,
	 "INSERT INTO events (id, sample_id, annotator_id, kind, verdict, text, "
	 "reason, undoes, at, ms_spent, session, pref, placement) SELECT * FROM "
	 "unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], "
	 "$5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[], "
	 "$10::bigint[], $11::text[], $12::text[], $13::text[])"},
	{"copy_bulk_decisions", NULL,
	 "INSERT INTO decisions (sample_id, annotator_id, verdict, text, reason, "
	 "event_id, decided_at, ms_spent, edit_distance, words, pref, placement) "
	 "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], "
	 "$4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], "
	 "$9::bigint[], $10::bigint[], $11::text[], $12::text[])"},
	{"copy_bulk_adjudications", NULL,
	 "INSERT INTO adjudications (sample_id, annotator_id, verdict, text, "
	 "reason, event_id, decided_at, pref) SELECT * FROM unnest($1::bigint[], "
	 "$2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], "
	 "$7::bigint[], $8::text[])"},
	{"copy_bulk_leases", NULL,
	 "INSERT INTO leases (sample_id, annotator_id, expires_at) SELECT * FROM "
	 "unnest($1::bigint[], $2::bigint[], $3::bigint[])"},
	{"copy_bulk_models", NULL,
	 "INSERT INTO models (id, name, created_at, n_rejected, n_kept, info, "
	 "model) SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], "
	 "$4::bigint[], $5::bigint[], $6::text[], $7::bytea[])"},
	{"copy_bulk_edit_scores", NULL,
	 "INSERT INTO edit_scores (sample_id, scorer, value, flagged, reason, "
	 "version, text_hash, scored_at) SELECT * FROM unnest($1::bigint[], "
	 "$2::text[], $3::float8[], $4::bigint[], $5::text[], $6::text[], "
	 "$7::bigint[], $8::bigint[])"},
	{"copy_bulk_spotchecks", NULL,
	 "INSERT INTO spotchecks (id, where_text, verdict, reason, annotator_id, "
	 "seed, max_disagree, created_at, applied_at) SELECT * FROM "
	 "unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], "
	 "$6::bigint[], $7::float8[], $8::bigint[], $9::bigint[])"},
	{"copy_bulk_spotcheck_samples", NULL,
	 "INSERT INTO spotcheck_samples (spotcheck_id, sample_id) SELECT * FROM "
	 "unnest($1::bigint[], $2::bigint[])"},
	{"copy_bulk_neardup_index", NULL,
	 "INSERT INTO neardup_index (id, version, upto) SELECT * FROM "
	 "unnest($1::bigint[], $2::text[], $3::bigint[])"},
	{"copy_bulk_neardup", NULL,
	 "INSERT INTO neardup (sample_id, sig, cluster, via, agree_of, agree_max, "
	 "size) SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bigint[], "
	 "$4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])"},
	{"copy_bulk_neardup_bands", NULL,
	 "INSERT INTO neardup_bands (id, last, entries) SELECT * FROM "
	 "unnest($1::bigint[], $2::bigint[], $3::bytea[])"},
};

/* Appends one array element: NULL, a number, or a quoted string (text,
 * or a blob as \x and its hex digits) with " and \ escaped. */
static void put_quoted(abuf *b, const char *p, size_t n)
{
	abuf_putc(b, '"');
	for (size_t k = 0; k < n; k++) {
		if (p[k] == '"' || p[k] == '\\')
			abuf_putc(b, '\\');
		abuf_putc(b, p[k]);
	}
	abuf_putc(b, '"');
}

static void put_blob(abuf *b, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	abuf_puts(b, "\"\\\\x");
	abuf_reserve(b, 2 * n);
	for (size_t k = 0; k < n; k++) {
		abuf_putc(b, hex[p[k] >> 4]);
		abuf_putc(b, hex[p[k] & 15]);
	}
	abuf_putc(b, '"');
}

static void put_real(abuf *b, double v)
{
	if (isnan(v))
		abuf_puts(b, "NaN");
	else if (isinf(v))
		abuf_puts(b, v > 0 ? "Infinity" : "-Infinity");
	else
		abuf_printf(b, "%.17g", v);
}

int copy_bulk_add(copy_bulk *bk, dbi_stmt *from, const char *types, assay_error *err)
{
	for (int c = 0; types[c]; c++) {
		abuf *b = &bk->cols[c];
		size_t n = 0, before = b->len;
		abuf_putc(b, bk->rows ? ',' : '{');
		if (dbi_col_null(from, c))
			abuf_puts(b, "NULL");
		else if (types[c] == 'i')
			abuf_printf(b, "%lld", (long long)dbi_col_i64(from, c));
		else if (types[c] == 'r')
			put_real(b, dbi_col_f64(from, c));
		else if (types[c] == 't') {
			const char *t = dbi_col_text(from, c, &n);
			put_quoted(b, t, n);
		} else if (strchr("FVNM", types[c])) {
			if (copy_packed_literal(from, c, types[c], &bk->scratch) < 0)
				return assay_fail(err, ASSAY_ENOMEM, "out of memory");
			put_quoted(b, bk->scratch.data, bk->scratch.len);
		} else {
			const unsigned char *p = dbi_col_blob(from, c, &n);
			put_blob(b, p, n);
		}
		if (!b->data)
			return assay_fail(err, ASSAY_ENOMEM, "out of memory");
		bk->bytes += b->len - before;
	}
	bk->rows++;
	return ASSAY_OK;
}

int copy_bulk_flush(copy_bulk *bk, store *dst, size_t i, assay_error *err)
{
	if (bk->rows == 0)
		return ASSAY_OK;
	dbi_stmt *st = dbi_stmt_get(dst->dbi, &q_bulk[i], err);
	if (!st)
		return err->code;
	int rc = ASSAY_OK;
	for (int c = 0; copy_tables[i].types[c]; c++) {
		abuf *b = &bk->cols[c];
		if (abuf_putc(b, '}') < 0 || !b->data)
			rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
		else
			dbi_bind_text(st, c + 1, b->data, (int64_t)b->len);
	}
	if (rc == ASSAY_OK)
		rc = dbi_run(st, err, "writing rows");
	else
		dbi_reset(st);
	for (int c = 0; c < COPY_MAX_COLUMNS; c++)
		abuf_reset(&bk->cols[c]);
	bk->rows = 0;
	bk->bytes = 0;
	return rc;
}

void copy_bulk_free(copy_bulk *bk)
{
	for (int c = 0; c < COPY_MAX_COLUMNS; c++)
		abuf_free(&bk->cols[c]);
	abuf_free(&bk->scratch);
}
