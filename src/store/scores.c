/* scores.c — automatic scores: pages of samples to score (a keyset cursor
 * in id order), which scores are current, upserts, the combined score on
 * the sample (and the samples lacking it), the remote scorers' answer
 * cache and field ranges. */
#include "store_int.h"
#include "scores_pg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The query's batches as a JSON array text, or NULL for all. Caller frees. */
static int batches_json(const store_score_query *q, char **out, assay_error *err)
{
	*out = NULL;
	if (!q->batch_ids)
		return ASSAY_OK;
	abuf b = {0};
	int rc = abuf_putc(&b, '[');
	for (size_t i = 0; i < q->n_batches && rc == 0; i++)
		rc = abuf_printf(&b, "%s%lld", i ? "," : "", (long long)q->batch_ids[i]);
	if (rc == 0)
		rc = abuf_putc(&b, ']');
	if (rc < 0 || !(*out = abuf_take(&b))) {
		abuf_free(&b);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	return ASSAY_OK;
}

/* The wanted (scorer, version) pairs as score_stale reads them: 5 bytes
 * each, the slot and the version id little-endian (id 0: never stored). */
static int want_blob(store *s, const store_score_query *q, unsigned char *out, int *slots,
		     uint32_t *ids, assay_error *err)
{
	for (size_t i = 0; i < q->n_want; i++) {
		int rc = score_slot_find(s, q->want[i].scorer, q->want[i].version, &slots[i],
					 &ids[i], err);
		if (rc < 0)
			return rc;
		out[i * 5] = (unsigned char)(slots[i] < 0 ? 0 : slots[i]);
		score_pack_put_ver(out + i * 5 + 1, 0, ids[i]);
	}
	return ASSAY_OK;
}

static const char sql_page[] =
    "SELECT s.id, s.hash, s.text, s.text_field, CASE WHEN ?5 THEN s.record END, s.batch_id,"
    "       s.context, (SELECT kind FROM batches WHERE id = s.batch_id), ss.vals, ss.vers"
    " FROM samples s LEFT JOIN sample_scores ss ON ss.sample_id = s.id"
    " WHERE s.id > ?1"
    "   AND (?2 IS NULL OR s.batch_id IN (SELECT value FROM json_each(?2)))"
    "   AND (?3 OR score_stale(ss.vals, ss.vers, ?4) > 0)"
    "   AND (NOT ?8 OR NOT EXISTS (SELECT 1 FROM decisions d WHERE d.sample_id = s.id"
    "                              AND d.verdict <> 'skipped'))"
    "   AND s.id <= ?9"
    " ORDER BY s.id LIMIT ?7";

/* What the wanted scorers are stored as (want_blob). */
typedef struct want_slots {
	int slot[64];
	uint32_t id[64];
	size_t n;
	bool all; /* --rescore: every wanted scorer is needed */
} want_slots;

/* The wanted scorers without a current value in the row's vals (col) and
 * vers (col + 1). */
static uint64_t row_need(sqlite3_stmt *st, int col, const want_slots *w)
{
	uint64_t need = 0;
	const void *vals = sqlite3_column_blob(st, col), *vers = sqlite3_column_blob(st, col + 1);
	size_t vl = (size_t)sqlite3_column_bytes(st, col);
	size_t rl = (size_t)sqlite3_column_bytes(st, col + 1);
	for (size_t i = 0; i < w->n; i++)
		if (w->all || !w->id[i] || score_pack_ver(vers, rl, w->slot[i]) != w->id[i] ||
		    isnan(score_pack_val(vals, vl, w->slot[i])))
			need |= 1ull << i;
	return need;
}

/* Offsets into the arena while rows are read (the arena may move). */
typedef struct item_offsets {
	size_t text, field, record, context, kind;
} item_offsets;

static int append_col(abuf *a, sqlite3_stmt *st, int col, size_t *off, size_t *len)
{
	const void *p = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	*off = a->len;
	*len = n;
	if (abuf_append(a, p ? p : "", n) < 0 || abuf_putc(a, '\0') < 0)
		return ASSAY_ENOMEM;
	return ASSAY_OK;
}

static int read_rows(store *s, sqlite3_stmt *st, const want_slots *w, store_score_page *page,
		     item_offsets **offs, assay_error *err)
{
	int rc;
	size_t cap_off = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (page->n == page->cap) {
			size_t cap = page->cap ? page->cap * 2 : 256;
			store_score_item *v = realloc(page->items, cap * sizeof *v);
			if (!v)
				return assay_fail(err, ASSAY_ENOMEM, "out of memory");
			page->items = v;
			page->cap = cap;
		}
		if (page->n == cap_off) {
			cap_off = page->cap;
			item_offsets *o = realloc(*offs, cap_off * sizeof *o);
			if (!o)
				return assay_fail(err, ASSAY_ENOMEM, "out of memory");
			*offs = o;
		}
		store_score_item *it = &page->items[page->n];
		item_offsets *o = &(*offs)[page->n];
		*it = (store_score_item){.id = sqlite3_column_int64(st, 0),
					 .batch_id = sqlite3_column_int64(st, 5),
					 .hash = (uint64_t)sqlite3_column_int64(st, 1),
					 .need = row_need(st, 8, w)};
		size_t flen, rlen = 0, klen;
		bool has_record = sqlite3_column_type(st, 4) != SQLITE_NULL;
		bool has_context = sqlite3_column_type(st, 6) != SQLITE_NULL;
		if (append_col(&page->arena, st, 2, &o->text, &it->text_len) < 0 ||
		    append_col(&page->arena, st, 3, &o->field, &flen) < 0 ||
		    append_col(&page->arena, st, 4, &o->record, &rlen) < 0 ||
		    append_col(&page->arena, st, 6, &o->context, &it->context_len) < 0 ||
		    append_col(&page->arena, st, 7, &o->kind, &klen) < 0)
			return assay_fail(err, ASSAY_ENOMEM, "out of memory");
		if (!has_record)
			o->record = SIZE_MAX;
		if (!has_context)
			o->context = SIZE_MAX;
		it->record_len = rlen;
		page->n++;
	}
	return rc == SQLITE_DONE ? ASSAY_OK : store_sqlerr(s, rc, err, "reading samples to score");
}

int store_score_page_next(store *s, const store_score_query *q, size_t max, store_score_page *page,
			  assay_error *err)
{
	if (s->pg)
		return store_score_page_next_pg(s, q, max, page, err);
	if (q->n_want > 64)
		return assay_fail(err, ASSAY_EINVAL, "at most 64 scorers per run");
	page->n = 0;
	abuf_reset(&page->arena);
	char *batches = NULL;
	unsigned char want[64 * 5];
	want_slots w = {.n = q->n_want, .all = q->rescore};
	item_offsets *offs = NULL;
	int rc = batches_json(q, &batches, err);
	if (rc == 0)
		rc = want_blob(s, q, want, w.slot, w.id, err);
	sqlite3_stmt *st = rc == 0 ? store_stmt(s, sql_page, err) : NULL;
	if (st) {
		sqlite3_bind_int64(st, 1, store_page_from(q, page));
		store_bind_text(st, 2, batches, -1);
		sqlite3_bind_int(st, 3, q->rescore || q->all);
		sqlite3_bind_blob(st, 4, want, (int)(q->n_want * 5), SQLITE_STATIC);
		sqlite3_bind_int(st, 5, q->with_record);
		sqlite3_bind_int64(st, 7, (int64_t)(max ? max : 1024));
		sqlite3_bind_int(st, 8, q->undecided);
		/* a bound the rowid search stops at (an OR would make every page
		 * scan to the end of the table) */
		sqlite3_bind_int64(st, 9, q->max_id > 0 ? q->max_id : INT64_MAX);
		rc = read_rows(s, st, &w, page, &offs, err);
		sqlite3_reset(st);
	} else if (rc == 0) {
		rc = err->code;
	}
	free(batches);
	if (rc == 0) {
		for (size_t i = 0; i < page->n; i++) {
			store_score_item *it = &page->items[i];
			it->text = page->arena.data + offs[i].text;
			it->text_field = page->arena.data + offs[i].field;
			it->record =
			    offs[i].record == SIZE_MAX ? NULL : page->arena.data + offs[i].record;
			it->context =
			    offs[i].context == SIZE_MAX ? NULL : page->arena.data + offs[i].context;
			it->kind = page->arena.data + offs[i].kind;
		}
		if (page->n)
			page->last_id = page->items[page->n - 1].id;
	}
	free(offs);
	if (rc < 0)
		page->n = 0;
	return rc;
}

void store_score_page_free(store_score_page *page)
{
	free(page->items);
	abuf_free(&page->arena);
	*page = (store_score_page){0};
}

/* Two statements, not one with `?1 IS NULL OR`: that form scans every
 * sample's index entry even for a batch of a thousand in a million. */
static const char sql_scope_all[] =
    "SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM samples";
static const char sql_scope_batches[] =
    "SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM samples"
    " WHERE batch_id IN (SELECT value FROM json_each(?1))";

int store_score_scope(store *s, const store_score_query *q, store_score_span *out,
		      assay_error *err)
{
	*out = (store_score_span){0};
	if (s->pg)
		return store_score_scope_pg(s, q, out, err);
	char *batches = NULL;
	int rc = batches_json(q, &batches, err);
	if (rc < 0)
		return rc;
	sqlite3_stmt *st = store_stmt(s, batches ? sql_scope_batches : sql_scope_all, err);
	if (!st) {
		free(batches);
		return err->code;
	}
	if (batches)
		store_bind_text(st, 1, batches, -1);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = (store_score_span){sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
					  sqlite3_column_int64(st, 2)};
		rc = ASSAY_OK;
	} else {
		rc = store_sqlerr(s, rc, err, "counting samples");
	}
	sqlite3_reset(st);
	free(batches);
	return rc;
}

void store_scores_free(store_score *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].scorer);
		free(v[i].version);
		free(v[i].reason);
		free(v[i].detail);
	}
	free(v);
}

int store_scores_read(store *s, const char *sql, int64_t sample_id, store_score **out,
		      size_t *n, const char *what, assay_error *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, sample_id);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			store_score *v = realloc(*out, cap * sizeof *v);
			if (!v)
				goto nomem;
			*out = v;
		}
		store_score *x = &(*out)[*n];
		*x = (store_score){
		    .scorer = store_col_str(st, 0),
		    .version = store_col_str(st, 1),
		    .value = sqlite3_column_type(st, 2) == SQLITE_NULL
				 ? NAN
				 : sqlite3_column_double(st, 2),
		    .flagged = sqlite3_column_int(st, 3) != 0,
		    .reason = store_col_str(st, 4),
		    .detail = store_col_str(st, 5),
		    .scored_at = sqlite3_column_int64(st, 6),
		};
		(*n)++;
		if (!x->scorer || !x->version || !x->reason || !x->detail)
			goto nomem;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return ASSAY_OK;
	rc = store_sqlerr(s, rc, err, what);
	store_scores_free(*out, *n);
	*out = NULL;
	*n = 0;
	return rc;
nomem:
	sqlite3_reset(st);
	store_scores_free(*out, *n);
	*out = NULL;
	*n = 0;
	return assay_fail(err, ASSAY_ENOMEM, "out of memory");
}

static const char sql_cache_get[] =
    "SELECT value, reason FROM score_cache WHERE config_hash = ? AND text_hash = ?";
static const char sql_cache_put[] =
    "INSERT OR REPLACE INTO score_cache (config_hash, text_hash, value, reason, created_at)"
    " VALUES (?, ?, ?, ?, ?)";

int store_score_cache_get(store *s, uint64_t config_hash, uint64_t text_hash, bool *found,
			  double *value, char **reason, assay_error *err)
{
	if (s->pg)
		return store_score_cache_get_pg(s, config_hash, text_hash, found, value, reason, err);
	*found = false;
	*reason = NULL;
	sqlite3_stmt *st = store_stmt(s, sql_cache_get, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, (int64_t)config_hash);
	sqlite3_bind_int64(st, 2, (int64_t)text_hash);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*value =
		    sqlite3_column_type(st, 0) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 0);
		*reason = store_col_str(st, 1);
		*found = true;
		rc = *reason ? ASSAY_OK : assay_fail(err, ASSAY_ENOMEM, "out of memory");
	} else {
		rc = rc == SQLITE_DONE ? ASSAY_OK
				       : store_sqlerr(s, rc, err, "reading the score cache");
	}
	sqlite3_reset(st);
	return rc;
}

int store_score_cache_put(store *s, uint64_t config_hash, uint64_t text_hash, double value,
			  const char *reason, assay_error *err)
{
	if (s->pg)
		return store_score_cache_put_pg(s, config_hash, text_hash, value, reason, err);
	sqlite3_stmt *st = store_stmt(s, sql_cache_put, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, (int64_t)config_hash);
	sqlite3_bind_int64(st, 2, (int64_t)text_hash);
	if (isnan(value))
		sqlite3_bind_null(st, 3);
	else
		sqlite3_bind_double(st, 3, value);
	store_bind_text(st, 4, reason ? reason : "", -1);
	sqlite3_bind_int64(st, 5, assay_now_ms());
	return store_step_done(s, st, err, "writing the score cache");
}

static const char sql_field_range[] =
    "SELECT min(v), max(v), count(v) FROM (SELECT CASE"
    "   WHEN json_type(record, ?2) IN ('integer', 'real') THEN json_extract(record, ?2)"
    "   WHEN json_type(record, ?2) IS NULL AND json_type(record, ?3) IN ('integer', 'real')"
    "     THEN json_extract(record, ?3) END AS v"
    " FROM samples WHERE json_valid(record)"
    "   AND (?1 IS NULL OR batch_id IN (SELECT value FROM json_each(?1))))";

/* JSON paths for a dotted field: the whole name as one key, and nested. */
static int field_paths(const char *field, abuf *exact, abuf *nested)
{
	int rc = abuf_puts(exact, "$.\"");
	rc |= abuf_puts(nested, "$");
	for (const char *p = field; *p && rc == 0; p++)
		rc |= *p == '"' ? abuf_puts(exact, "\\\"") : abuf_putc(exact, *p);
	rc |= abuf_putc(exact, '"');
	const char *p = field;
	while (*p && rc == 0) {
		size_t n = strcspn(p, ".");
		rc |= abuf_puts(nested, ".\"");
		for (size_t i = 0; i < n && rc == 0; i++)
			rc |= p[i] == '"' ? abuf_puts(nested, "\\\"") : abuf_putc(nested, p[i]);
		rc |= abuf_putc(nested, '"');
		p += n;
		p += *p == '.';
	}
	return rc ? ASSAY_ENOMEM : ASSAY_OK;
}

int store_field_range(store *s, const store_score_query *q, const char *field, double *min,
		      double *max, int64_t *n, assay_error *err)
{
	if (s->pg)
		return store_field_range_pg(s, q, field, min, max, n, err);
	abuf exact = {0}, nested = {0};
	char *batches = NULL;
	int rc = batches_json(q, &batches, err);
	if (rc == 0 && field_paths(field, &exact, &nested) < 0)
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	sqlite3_stmt *st = rc == 0 ? store_stmt(s, sql_field_range, err) : NULL;
	if (st) {
		store_bind_text(st, 1, batches, -1);
		store_bind_text(st, 2, exact.data, (int64_t)exact.len);
		store_bind_text(st, 3, nested.data, (int64_t)nested.len);
		int step = sqlite3_step(st);
		if (step == SQLITE_ROW) {
			*n = sqlite3_column_int64(st, 2);
			*min = *n ? sqlite3_column_double(st, 0) : NAN;
			*max = *n ? sqlite3_column_double(st, 1) : NAN;
		} else {
			rc = store_sqlerr(s, step, err, "reading a field's range");
		}
		sqlite3_reset(st);
	} else if (rc == 0) {
		rc = err->code;
	}
	free(batches);
	abuf_free(&exact);
	abuf_free(&nested);
	return rc;
}
