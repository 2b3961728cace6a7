/* scores_pg_page.c — what a scoring run reads on PostgreSQL (scores_pg.h):
 * pages of samples whose wanted scores are not current (the test on the
 * arrays in SQL, where SQLite calls score_stale), the scope, the combined
 * score and the samples lacking it, the remote scorers' answer cache and
 * the range of a record field. */
#include "scores_pg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The query's batches as an array literal, or NULL for all. Caller frees. */
static int batches_arr(const store_score_query *q, char **out, assay_error *err)
{
	*out = NULL;
	if (!q->batch_ids)
		return ASSAY_OK;
	abuf b = {0};
	int rc = abuf_putc(&b, '{');
	for (size_t i = 0; i < q->n_batches && rc == 0; i++)
		rc = abuf_printf(&b, "%s%lld", i ? "," : "", (long long)q->batch_ids[i]);
	if (rc == 0)
		rc = abuf_putc(&b, '}');
	if (rc < 0 || !(*out = abuf_take(&b))) {
		abuf_free(&b);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	return ASSAY_OK;
}

static void bind_opt_text(dbi_stmt *st, int idx, const char *t)
{
	if (t)
		dbi_bind_text(st, idx, t, -1);
	else
		dbi_bind_null(st, idx);
}

/* The wanted scorers as stored: slots (-1 when never stored) and version
 * ids (0 when never stored), as two array literals for the page's query. */
typedef struct want_slots {
	int slot[64];
	uint32_t id[64];
	size_t n;
	bool all; /* --rescore: every wanted scorer is needed */
	char slots[64 * 12 + 2], ids[64 * 12 + 2];
} want_slots;

static int want_read(store *s, const store_score_query *q, want_slots *w, assay_error *err)
{
	size_t a = 0, b = 0;
	w->slots[a++] = '{';
	w->ids[b++] = '{';
	for (size_t i = 0; i < q->n_want; i++) {
		int rc = score_slot_find(s, q->want[i].scorer, q->want[i].version, &w->slot[i],
					 &w->id[i], err);
		if (rc < 0)
			return rc;
		a += (size_t)snprintf(w->slots + a, sizeof w->slots - a, "%s%d", i ? "," : "",
				      w->slot[i]);
		b += (size_t)snprintf(w->ids + b, sizeof w->ids - b, "%s%u", i ? "," : "",
				      (unsigned)w->id[i]);
	}
	snprintf(w->slots + a, sizeof w->slots - a, "}");
	snprintf(w->ids + b, sizeof w->ids - b, "}");
	return ASSAY_OK;
}

/* A wanted scorer is stale when it was never stored (id 0), or the row's
 * slot holds another version or no value (unscored or failed). */
static const dbi_query q_page = {
    "pg_score_page", NULL,
    "SELECT s.id, s.hash, s.text, s.text_field, CASE WHEN $5::integer = 1 THEN s.record END,"
    "       s.batch_id, s.context, (SELECT kind FROM batches WHERE id = s.batch_id),"
    "       ss.vals, ss.vers"
    " FROM samples s LEFT JOIN sample_scores ss ON ss.sample_id = s.id"
    " WHERE s.id > $1"
    "   AND ($2::bigint[] IS NULL OR s.batch_id = ANY($2::bigint[]))"
    "   AND ($3::integer = 1 OR EXISTS (SELECT 1 FROM unnest($4::integer[], $6::bigint[])"
    "        AS w(slot, id) WHERE w.id = 0 OR ss.vers[w.slot + 1] IS DISTINCT FROM w.id"
    "        OR ss.vals[w.slot + 1] IS NULL))"
    "   AND ($8::integer = 0 OR NOT EXISTS (SELECT 1 FROM decisions d"
    "        WHERE d.sample_id = s.id AND d.verdict <> 'skipped'))"
    "   AND s.id <= $9"
    " ORDER BY s.id LIMIT $7"};

/* The wanted scorers without a current value in the row's arrays. */
static uint64_t row_need(dbi_stmt *st, const want_slots *w)
{
	double vals[STORE_MAX_SLOTS];
	uint32_t vers[STORE_MAX_SLOTS];
	size_t vl = 0, rl = 0;
	const char *vt = dbi_col_text(st, 8, &vl), *rt = dbi_col_text(st, 9, &rl);
	size_t nv = scores_pg_f64s(vt, vl, vals, STORE_MAX_SLOTS);
	size_t nr = scores_pg_u32s(rt, rl, vers, STORE_MAX_SLOTS);
	uint64_t need = 0;
	for (size_t i = 0; i < w->n; i++) {
		size_t k = (size_t)w->slot[i];
		if (w->all || !w->id[i] || w->slot[i] < 0 || k >= nr || vers[k] != w->id[i] ||
		    k >= nv || isnan(vals[k]))
			need |= 1ull << i;
	}
	return need;
}

/* Appends a column and a NUL to the arena; *off is where it starts
 * (SIZE_MAX when NULL and nullable). */
static int append_col(abuf *a, dbi_stmt *st, int col, bool nullable, size_t *off, size_t *len)
{
	size_t n = 0;
	const char *p = dbi_col_text(st, col, &n);
	*off = nullable && dbi_col_null(st, col) ? SIZE_MAX : a->len;
	*len = n;
	if (abuf_append(a, p ? p : "", n) < 0 || abuf_putc(a, '\0') < 0)
		return ASSAY_ENOMEM;
	return ASSAY_OK;
}

typedef struct item_offsets {
	size_t text, field, record, context, kind;
} item_offsets;

static int grow(store_score_page *page, item_offsets **offs, assay_error *err)
{
	if (page->n < page->cap)
		return ASSAY_OK;
	size_t cap = page->cap ? page->cap * 2 : 256;
	store_score_item *v = realloc(page->items, cap * sizeof *v);
	if (v)
		page->items = v;
	item_offsets *o = v ? realloc(*offs, cap * sizeof *o) : NULL;
	if (!o)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	*offs = o;
	page->cap = cap;
	return ASSAY_OK;
}

static int read_rows(dbi_stmt *st, const want_slots *w, store_score_page *page,
		     item_offsets **offs, assay_error *err)
{
	int rc;
	while ((rc = dbi_step(st, err, "reading samples to score")) == DBI_ROW) {
		if (grow(page, offs, err) < 0) {
			dbi_reset(st);
			return err->code;
		}
		store_score_item *it = &page->items[page->n];
		item_offsets *o = &(*offs)[page->n];
		*it = (store_score_item){.id = dbi_col_i64(st, 0),
					 .batch_id = dbi_col_i64(st, 5),
					 .hash = (uint64_t)dbi_col_i64(st, 1),
					 .need = row_need(st, w)};
		size_t flen, klen;
		abuf *a = &page->arena;
		if (append_col(a, st, 2, false, &o->text, &it->text_len) < 0 ||
		    append_col(a, st, 3, false, &o->field, &flen) < 0 ||
		    append_col(a, st, 4, true, &o->record, &it->record_len) < 0 ||
		    append_col(a, st, 6, true, &o->context, &it->context_len) < 0 ||
		    append_col(a, st, 7, false, &o->kind, &klen) < 0) {
			dbi_reset(st);
			return assay_fail(err, ASSAY_ENOMEM, "out of memory");
		}
		page->n++;
	}
	return rc;
}

static void page_fix(store_score_page *page, const item_offsets *offs)
{
	for (size_t i = 0; i < page->n; i++) {
		store_score_item *it = &page->items[i];
		const char *base = page->arena.data;
		it->text = base + offs[i].text;
		it->text_field = base + offs[i].field;
		it->record = offs[i].record == SIZE_MAX ? NULL : base + offs[i].record;
		it->context = offs[i].context == SIZE_MAX ? NULL : base + offs[i].context;
		it->kind = base + offs[i].kind;
	}
	if (page->n)
		page->last_id = page->items[page->n - 1].id;
}

int store_score_page_next_pg(store *s, const store_score_query *q, size_t max,
			     store_score_page *page, assay_error *err)
{
	page->n = 0;
	abuf_reset(&page->arena);
	char *batches = NULL;
	want_slots w = {.n = q->n_want, .all = q->rescore};
	item_offsets *offs = NULL;
	int rc = batches_arr(q, &batches, err);
	if (rc == 0)
		rc = want_read(s, q, &w, err);
	/* the offsets as many as the items (a page read before has room) */
	if (rc == 0 && page->cap && !(offs = malloc(page->cap * sizeof *offs)))
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	dbi_stmt *st = rc == 0 ? dbi_stmt_get(s->dbi, &q_page, err) : NULL;
	if (st) {
		dbi_bind_i64(st, 1, store_page_from(q, page));
		bind_opt_text(st, 2, batches);
		dbi_bind_i64(st, 3, q->rescore || q->all);
		dbi_bind_text(st, 4, w.slots, -1);
		dbi_bind_i64(st, 5, q->with_record);
		dbi_bind_text(st, 6, w.ids, -1);
		dbi_bind_i64(st, 7, (int64_t)(max ? max : 1024));
		dbi_bind_i64(st, 8, q->undecided);
		dbi_bind_i64(st, 9, q->max_id > 0 ? q->max_id : INT64_MAX);
		rc = read_rows(st, &w, page, &offs, err);
	} else if (rc == 0) {
		rc = err->code;
	}
	free(batches);
	if (rc == 0)
		page_fix(page, offs);
	free(offs);
	if (rc < 0)
		page->n = 0;
	return rc < 0 ? rc : ASSAY_OK;
}

static const dbi_query q_scope = {
    "pg_score_scope", NULL,
    "SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM samples"
    " WHERE $1::bigint[] IS NULL OR batch_id = ANY($1::bigint[])"};

int store_score_scope_pg(store *s, const store_score_query *q, store_score_span *out,
			 assay_error *err)
{
	char *batches = NULL;
	int rc = batches_arr(q, &batches, err);
	dbi_stmt *st = rc == 0 ? dbi_stmt_get(s->dbi, &q_scope, err) : NULL;
	if (st) {
		bind_opt_text(st, 1, batches);
		rc = dbi_step(st, err, "counting samples");
		if (rc == DBI_ROW) {
			*out = (store_score_span){dbi_col_i64(st, 0), dbi_col_i64(st, 1),
						  dbi_col_i64(st, 2)};
		}
		dbi_reset(st);
	} else if (rc == 0) {
		rc = err->code;
	}
	free(batches);
	return rc < 0 ? rc : ASSAY_OK;
}

static const dbi_query q_quality = {
    "pg_quality_set", NULL,
    "UPDATE sample_quality SET quality = $2 WHERE sample_id = $1"
    " AND quality IS DISTINCT FROM $2::float8"};

int store_quality_set_pg(store *s, int64_t sample_id, double quality, assay_error *err)
{
	if (s->in_tx) /* sent with the transaction's score writes */
		return scores_pg_hold_quality(s, sample_id, quality, err);
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_quality, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	if (isnan(quality))
		dbi_bind_null(st, 2);
	else
		dbi_bind_f64(st, 2, quality);
	return dbi_run(st, err, "writing a combined score");
}

static const dbi_query q_missing = {
    "pg_quality_missing", NULL,
    "SELECT s.sample_id FROM sample_quality s JOIN sample_scores ss ON ss.sample_id = s.sample_id"
    " WHERE s.quality IS NULL AND s.sample_id > $1 ORDER BY s.sample_id LIMIT $2"};

int store_quality_missing_pg(store *s, int64_t after, int64_t *ids, size_t max, size_t *n,
			     assay_error *err)
{
	*n = 0;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_missing, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, after);
	dbi_bind_i64(st, 2, (int64_t)max);
	int rc;
	while ((rc = dbi_step(st, err, "finding samples without a combined score")) == DBI_ROW)
		if (*n < max)
			ids[(*n)++] = dbi_col_i64(st, 0);
	return rc < 0 ? rc : ASSAY_OK;
}

static const dbi_query q_cache_get = {
    "pg_score_cache_get", NULL,
    "SELECT value, reason FROM score_cache WHERE config_hash = $1 AND text_hash = $2"};
static const dbi_query q_cache_put = {
    "pg_score_cache_put", NULL,
    "INSERT INTO score_cache (config_hash, text_hash, value, reason, created_at)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (config_hash, text_hash) DO UPDATE SET"
    " value = excluded.value, reason = excluded.reason, created_at = excluded.created_at"};

int store_score_cache_get_pg(store *s, uint64_t config_hash, uint64_t text_hash, bool *found,
			     double *value, char **reason, assay_error *err)
{
	*found = false;
	*reason = NULL;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_cache_get, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, (int64_t)config_hash);
	dbi_bind_i64(st, 2, (int64_t)text_hash);
	int rc = dbi_step(st, err, "reading the score cache");
	if (rc == DBI_ROW) {
		*value = dbi_col_null(st, 0) ? NAN : dbi_col_f64(st, 0);
		*reason = store_dcol_str(st, 1);
		*found = true;
		rc = *reason ? ASSAY_OK : assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

int store_score_cache_put_pg(store *s, uint64_t config_hash, uint64_t text_hash, double value,
			     const char *reason, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_cache_put, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, (int64_t)config_hash);
	dbi_bind_i64(st, 2, (int64_t)text_hash);
	if (isnan(value))
		dbi_bind_null(st, 3);
	else
		dbi_bind_f64(st, 3, value);
	dbi_bind_text(st, 4, reason ? reason : "", -1);
	dbi_bind_i64(st, 5, assay_now_ms());
	return dbi_run(st, err, "writing the score cache");
}

/* The number at the exact key $2, else (the key absent) at the nested path
 * $3; records are the stored JSON objects. */
static const dbi_query q_field_range = {
    "pg_field_range", NULL,
    "SELECT min(v), max(v), count(v) FROM (SELECT CASE"
    "   WHEN jsonb_typeof(r -> $2) = 'number' THEN (r ->> $2)::float8"
    "   WHEN NOT r ? $2 AND jsonb_typeof(r #> $3::text[]) = 'number'"
    "     THEN (r #>> $3::text[])::float8 END AS v"
    " FROM (SELECT record::jsonb AS r FROM samples"
    "   WHERE ($1::bigint[] IS NULL OR batch_id = ANY($1::bigint[]))) x"
    " WHERE jsonb_typeof(r) = 'object') y"};

/* A dotted field as a text array literal of its parts. */
static int field_path(const char *field, abuf *out)
{
	int rc = abuf_putc(out, '{');
	for (const char *p = field; rc == 0;) {
		size_t n = strcspn(p, ".");
		rc |= abuf_putc(out, '"');
		for (size_t i = 0; i < n && rc == 0; i++)
			rc |= (p[i] == '"' || p[i] == '\\') ? abuf_printf(out, "\\%c", p[i])
							    : abuf_putc(out, p[i]);
		rc |= abuf_putc(out, '"');
		p += n;
		if (!*p)
			break;
		p++;
		rc |= abuf_putc(out, ',');
	}
	return rc | abuf_putc(out, '}') ? ASSAY_ENOMEM : ASSAY_OK;
}

int store_field_range_pg(store *s, const store_score_query *q, const char *field, double *min,
			 double *max, int64_t *n, assay_error *err)
{
	abuf path = {0};
	char *batches = NULL;
	int rc = batches_arr(q, &batches, err);
	if (rc == 0 && field_path(field, &path) < 0)
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	dbi_stmt *st = rc == 0 ? dbi_stmt_get(s->dbi, &q_field_range, err) : NULL;
	if (st) {
		bind_opt_text(st, 1, batches);
		dbi_bind_text(st, 2, field, -1);
		dbi_bind_text(st, 3, path.data, (int64_t)path.len);
		rc = dbi_step(st, err, "reading a field's range");
		if (rc == DBI_ROW) {
			*n = dbi_col_i64(st, 2);
			*min = *n ? dbi_col_f64(st, 0) : NAN;
			*max = *n ? dbi_col_f64(st, 1) : NAN;
		}
		dbi_reset(st);
	} else if (rc == 0) {
		rc = err->code;
	}
	free(batches);
	abuf_free(&path);
	return rc < 0 ? rc : ASSAY_OK;
}
