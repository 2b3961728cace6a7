/* pairs.c — pairs of candidates (a sample whose text is candidate a, with
 * a pairs row for candidate b) and the preferences annotators recorded on
 * them, read back for statistics and for export. */
#include "store_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const pref_names[] = {
	[STORE_PREF_A] = "a", [STORE_PREF_B] = "b", [STORE_PREF_TIE] = "tie",
	[STORE_PREF_BOTH_BAD] = "both-bad",
};

const char *store_pref_name(int pref)
{
	return pref > STORE_PREF_NONE && pref <= STORE_PREF_BOTH_BAD ? pref_names[pref] : NULL;
}

int store_pref_parse(const char *name)
{
	for (int p = STORE_PREF_A; name && p <= STORE_PREF_BOTH_BAD; p++)
		if (strcmp(pref_names[p], name) == 0)
			return p;
	return STORE_PREF_NONE;
}

static int place_parse(const char *t)
{
	return !t ? STORE_PLACE_NONE : strcmp(t, "ab") == 0 ? STORE_PLACE_AB : STORE_PLACE_BA;
}

/* The pair's row, from the JSON the import made (one statement, so the
 * sample and its pair are written together in the import's transaction). */
static const dbi_query q_pair_insert = {
    "pair_insert",
    "INSERT INTO pairs (sample_id, a_field, b_field, b_text, a_model, b_model, a_model_field,"
    "  b_model_field, claimed, chat)"
    " SELECT ?1, json_extract(?2, '$.a_field'), json_extract(?2, '$.b_field'),"
    "  json_extract(?2, '$.b_text'), json_extract(?2, '$.a_model'),"
    "  json_extract(?2, '$.b_model'), json_extract(?2, '$.a_model_field'),"
    "  json_extract(?2, '$.b_model_field'), json_extract(?2, '$.claimed'),"
    "  coalesce(json_extract(?2, '$.chat'), 0)",
    "INSERT INTO pairs (sample_id, a_field, b_field, b_text, a_model, b_model, a_model_field,"
    "  b_model_field, claimed, chat)"
    " SELECT $1, j->>'a_field', j->>'b_field', j->>'b_text', j->>'a_model', j->>'b_model',"
    "  j->>'a_model_field', j->>'b_model_field', j->>'claimed',"
    "  CASE WHEN j->'chat' = 'true'::jsonb THEN 1 ELSE 0 END"
    " FROM (SELECT $2::text::jsonb j) x"};

int store_pair_insert(store *s, int64_t sample_id, const char *json, size_t len,
		      assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_pair_insert, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	dbi_bind_text(st, 2, json, (int64_t)len);
	return dbi_run(st, err, "inserting a pair");
}

static const dbi_query q_pair_get = {
    "pair_get",
    "SELECT p.a_field, p.b_field, s.text, p.b_text, p.a_model, p.b_model, p.claimed, p.chat,"
    "  p.a_model_field, p.b_model_field FROM pairs p JOIN samples s ON s.id = p.sample_id"
    " WHERE p.sample_id = ?1",
    NULL};

static char *col_or_null(dbi_stmt *st, int col)
{
	return dbi_col_null(st, col) ? NULL : store_dcol_str(st, col);
}

int store_pair_get(store *s, int64_t sample_id, store_pair *out, bool *found,
		   assay_error *err)
{
	*out = (store_pair){.sample_id = sample_id};
	*found = false;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_pair_get, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	int rc = dbi_step(st, err, "reading a pair");
	if (rc == DBI_ROW) {
		*found = true;
		out->a_field = store_dcol_str(st, 0);
		out->b_field = store_dcol_str(st, 1);
		out->a_text = store_dcol_str(st, 2);
		out->b_text = store_dcol_str(st, 3);
		out->a_model = col_or_null(st, 4);
		out->b_model = col_or_null(st, 5);
		out->claimed = store_pref_parse(dbi_col_null(st, 6) ? NULL : dbi_col_text(st, 6, NULL));
		out->chat = dbi_col_i64(st, 7) != 0;
		out->a_model_field = col_or_null(st, 8);
		out->b_model_field = col_or_null(st, 9);
		rc = out->a_field && out->b_field && out->a_text && out->b_text ? DBI_DONE
										  : ASSAY_ENOMEM;
	}
	dbi_reset(st);
	if (rc == ASSAY_ENOMEM) {
		store_pair_free(out);
		*found = false;
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	return rc;
}

void store_pair_free(store_pair *p)
{
	free(p->a_field);
	free(p->b_field);
	free(p->a_text);
	free(p->b_text);
	free(p->a_model);
	free(p->b_model);
	free(p->a_model_field);
	free(p->b_model_field);
	*p = (store_pair){0};
}

/* ---- preferences ------------------------------------------------------- */

#define PREF_COLS                                                                            \
	"d.sample_id, d.annotator_id, s.batch_id, a.name, p.a_model, p.b_model, p.claimed,"  \
	" d.pref, d.placement, d.text, d.reason, d.decided_at"

#define PREFS_HEAD                                                                           \
	"SELECT " PREF_COLS " FROM decisions d JOIN pairs p ON p.sample_id = d.sample_id"    \
	" JOIN samples s ON s.id = d.sample_id JOIN annotators a ON a.id = d.annotator_id"   \
	" WHERE d.pref IS NOT NULL AND (?1 = 0 OR s.batch_id = ?1)"                           \
	"   AND (?2 OR substr(a.name, 1, length(?3)) <> ?3)"                                  \
	"   AND d.decided_at >= ?4 AND d.decided_at < ?5"                                     \
	"   AND (?6 = 0 OR d.annotator_id = ?6)"
#define PREFS_TAIL " ORDER BY d.sample_id, d.decided_at, d.annotator_id"

#define PREFS_HEAD_PG                                                                        \
	"SELECT " PREF_COLS " FROM decisions d JOIN pairs p ON p.sample_id = d.sample_id"    \
	" JOIN samples s ON s.id = d.sample_id JOIN annotators a ON a.id = d.annotator_id"   \
	" WHERE d.pref IS NOT NULL AND ($1::bigint = 0 OR s.batch_id = $1)"                   \
	"   AND ($2::bigint <> 0 OR substr(a.name, 1, length($3::text)) <> $3)"               \
	"   AND d.decided_at >= $4 AND d.decided_at < $5"                                     \
	"   AND ($6::bigint = 0 OR d.annotator_id = $6)"

static const dbi_query q_prefs = {"pair_prefs_all", PREFS_HEAD PREFS_TAIL,
				  PREFS_HEAD_PG PREFS_TAIL};

static const char *col_text(dbi_stmt *st, int col)
{
	return dbi_col_null(st, col) ? NULL : dbi_col_text(st, col, NULL);
}

static void pref_row(dbi_stmt *st, store_pref_row *r)
{
	*r = (store_pref_row){
		.sample_id = dbi_col_i64(st, 0),
		.annotator_id = dbi_col_i64(st, 1),
		.batch_id = dbi_col_i64(st, 2),
		.annotator = col_text(st, 3),
		.a_model = col_text(st, 4),
		.b_model = col_text(st, 5),
		.claimed = store_pref_parse(col_text(st, 6)),
		.pref = store_pref_parse(col_text(st, 7)),
		.placement = place_parse(col_text(st, 8)),
		.text = col_text(st, 9),
		.reason = col_text(st, 10),
		.at = dbi_col_i64(st, 11),
	};
}

/* The preferences' statement: the cached one, or a --where slice's. */
static dbi_stmt *prefs_stmt(store *s, const store_where *w, assay_error *err)
{
	if (!w)
		return dbi_stmt_get(s->dbi, &q_prefs, err);
	return store_where_stmt(s, PREFS_HEAD " AND (", ")" PREFS_TAIL, PREFS_HEAD_PG " AND (",
				NULL, w, err);
}

int store_prefs_each(store *s, const store_prefs_filter *f,
		     int (*fn)(void *ud, const store_pref_row *r), void *ud, assay_error *err)
{
	dbi_stmt *st = prefs_stmt(s, f->where, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, f->batch_id);
	dbi_bind_i64(st, 2, f->machines);
	dbi_bind_text(st, 3, STORE_AUTO_PREFIX, -1);
	dbi_bind_i64(st, 4, f->since_ms);
	dbi_bind_i64(st, 5, f->until_ms > 0 ? f->until_ms : INT64_MAX);
	dbi_bind_i64(st, 6, f->annotator_id);
	int rc, stop = 0;
	while (!stop && (rc = dbi_step(st, err, "reading the preferences")) == DBI_ROW) {
		store_pref_row r;
		pref_row(st, &r);
		stop = fn(ud, &r);
	}
	if (f->where)
		dbi_stmt_free(st);
	else
		dbi_reset(st);
	if (stop)
		return stop;
	return rc < 0 ? rc : ASSAY_OK;
}

/* ---- export ------------------------------------------------------------ */

static const dbi_query q_pairs_export = {
    "pairs_export",
    "SELECT s.id, s.ext_id, b.name, s.record, s.context, s.text_field, p.a_field, p.b_field,"
    "  s.text, p.b_text, p.a_model, p.b_model, p.claimed, p.chat, p.a_model_field,"
    "  p.b_model_field, j.pref, j.text, la.name"
    " FROM pairs p JOIN samples s ON s.id = p.sample_id JOIN batches b ON b.id = s.batch_id"
    " LEFT JOIN adjudications j ON j.sample_id = p.sample_id"
    " LEFT JOIN annotators la ON la.id = j.annotator_id"
    " WHERE p.sample_id > ?1 AND (?2 IS NULL OR b.name = ?2)"
    " ORDER BY p.sample_id LIMIT 1",
    "SELECT s.id, s.ext_id, b.name, s.record, s.context, s.text_field, p.a_field, p.b_field,"
    "  s.text, p.b_text, p.a_model, p.b_model, p.claimed, p.chat, p.a_model_field,"
    "  p.b_model_field, j.pref, j.text, la.name"
    " FROM pairs p JOIN samples s ON s.id = p.sample_id JOIN batches b ON b.id = s.batch_id"
    " LEFT JOIN adjudications j ON j.sample_id = p.sample_id"
    " LEFT JOIN annotators la ON la.id = j.annotator_id"
    " WHERE p.sample_id > $1 AND ($2::text IS NULL OR b.name = $2)"
    " ORDER BY p.sample_id LIMIT 1"};
static const dbi_query q_pair_prefs = {
    "pair_prefs_one",
    "SELECT " PREF_COLS " FROM decisions d JOIN pairs p ON p.sample_id = d.sample_id"
    " JOIN samples s ON s.id = d.sample_id JOIN annotators a ON a.id = d.annotator_id"
    " WHERE d.sample_id = ?1 AND d.pref IS NOT NULL AND (?2 IS NULL OR a.name = ?2)"
    " ORDER BY d.decided_at, d.annotator_id",
    "SELECT " PREF_COLS " FROM decisions d JOIN pairs p ON p.sample_id = d.sample_id"
    " JOIN samples s ON s.id = d.sample_id JOIN annotators a ON a.id = d.annotator_id"
    " WHERE d.sample_id = $1 AND d.pref IS NOT NULL AND ($2::text IS NULL OR a.name = $2)"
    " ORDER BY d.decided_at, d.annotator_id"};

#define MAX_PREFS 64

/* Reads up to MAX_PREFS of a pair's preferences into prefs (their strings
 * copied: a row's last only until the next step). */
static int read_prefs(store *s, store_pair_row *r, const char *annotator, store_pref_row *prefs,
		      assay_error *err)
{
	dbi_stmt *q = dbi_stmt_get(s->dbi, &q_pair_prefs, err);
	if (!q)
		return err->code;
	dbi_bind_i64(q, 1, r->sample_id);
	dbi_bind_text(q, 2, annotator, -1);
	int rc;
	bool nomem = false;
	while (r->n_prefs < MAX_PREFS &&
	       (rc = dbi_step(q, err, "reading a pair's preferences")) == DBI_ROW) {
		store_pref_row *p = &prefs[r->n_prefs++];
		pref_row(q, p);
		p->a_model = r->pair.a_model;
		p->b_model = r->pair.b_model;
		bool text = p->text != NULL, reason = p->reason != NULL;
		p->annotator = assay_strdup(p->annotator ? p->annotator : "");
		p->text = p->text ? assay_strdup(p->text) : NULL;
		p->reason = p->reason ? assay_strdup(p->reason) : NULL;
		nomem |= !p->annotator || (!p->text && text) || (!p->reason && reason);
	}
	dbi_reset(q);
	if (r->n_prefs == MAX_PREFS)
		rc = DBI_DONE;
	if (rc < 0)
		return rc;
	return nomem ? assay_fail(err, ASSAY_ENOMEM, "out of memory") : ASSAY_OK;
}

/* Calls fn with the pair st is on and up to MAX_PREFS of its preferences. */
static int pair_call(store *s, dbi_stmt *st, const char *annotator,
		     int (*fn)(void *ud, const store_pair_row *r), void *ud, assay_error *err)
{
	size_t record_len = 0;
	const char *record = dbi_col_text(st, 3, &record_len);
	store_pair_row r = {
		.sample_id = dbi_col_i64(st, 0),
		.ext_id = col_text(st, 1),
		.batch = col_text(st, 2),
		.record = record,
		.record_len = record_len,
		.context = col_text(st, 4),
		.text_field = col_text(st, 5),
		.pair = {.sample_id = dbi_col_i64(st, 0),
			 .a_field = (char *)col_text(st, 6),
			 .b_field = (char *)col_text(st, 7),
			 .a_text = (char *)col_text(st, 8),
			 .b_text = (char *)col_text(st, 9),
			 .a_model = (char *)col_text(st, 10),
			 .b_model = (char *)col_text(st, 11),
			 .claimed = store_pref_parse(col_text(st, 12)),
			 .chat = dbi_col_i64(st, 13) != 0,
			 .a_model_field = (char *)col_text(st, 14),
			 .b_model_field = (char *)col_text(st, 15)},
		.adj_pref = store_pref_parse(col_text(st, 16)),
		.adj_text = col_text(st, 17),
		.adj_lead = col_text(st, 18),
	};
	store_pref_row prefs[MAX_PREFS];
	int rc = read_prefs(s, &r, annotator, prefs, err);
	if (rc == ASSAY_OK) {
		r.prefs = prefs;
		rc = fn(ud, &r);
	}
	for (size_t i = 0; i < r.n_prefs; i++) {
		free((char *)prefs[i].annotator);
		free((char *)prefs[i].text);
		free((char *)prefs[i].reason);
	}
	return rc;
}

int store_pairs_each(store *s, const char *batch, const char *annotator,
		     int (*fn)(void *ud, const store_pair_row *r), void *ud, assay_error *err)
{
	int64_t after = 0;
	for (;;) {
		dbi_stmt *st = dbi_stmt_get(s->dbi, &q_pairs_export, err);
		if (!st)
			return err->code;
		dbi_bind_i64(st, 1, after);
		dbi_bind_text(st, 2, batch, -1);
		int rc = dbi_step(st, err, "reading the pairs");
		if (rc != DBI_ROW) {
			dbi_reset(st);
			return rc;
		}
		after = dbi_col_i64(st, 0);
		/* the pair's row stays readable while its preferences are read:
		 * on PostgreSQL its one row has arrived already */
		rc = pair_call(s, st, annotator, fn, ud, err);
		dbi_reset(st);
		if (rc)
			return rc;
	}
}

/* ---- grouping single samples into pairs (import --group-by) ------------- */

/* The single samples (no pair themselves, outside the target batch ?3)
 * holding the group field, in (group, id) order: the field read as a
 * literal key (?2) else as a nested path (?4), as JSON text so any type
 * groups; ?1 the batch they come from (NULL: every batch). The model is
 * the record's model, else meta.model. */
static const dbi_query q_group_each = {
    "pair_group_each",
    "SELECT g, id, ext_id, text, context, model, batch FROM ("
    "  SELECT json_quote(coalesce(json_extract(s.record, ?2), json_extract(s.record, ?4))) g,"
    "   s.id id, s.ext_id ext_id, s.text text, s.context context,"
    "   coalesce(json_extract(s.record, '$.model'), json_extract(s.record, '$.meta.model')) model,"
    "   b.name batch"
    "  FROM samples s JOIN batches b ON b.id = s.batch_id"
    "  WHERE (?1 IS NULL OR b.name = ?1) AND b.name <> ?3"
    "   AND NOT EXISTS (SELECT 1 FROM pairs p WHERE p.sample_id = s.id))"
    " WHERE g IS NOT NULL AND g <> 'null' ORDER BY g, id",
    /* the same paths are SQL/JSON paths; strict: no array unwrapped; silent:
     * a missing key is NULL */
    "SELECT g, id, ext_id, text, context, model, batch FROM ("
    "  SELECT coalesce(jsonb_path_query_first(r, ('strict ' || $2::text)::jsonpath, '{}', true),"
    "    jsonb_path_query_first(r, ('strict ' || $4::text)::jsonpath, '{}', true))::text g,"
    "   id, ext_id, text, context,"
    "   coalesce(r->>'model', r->'meta'->>'model') model, batch"
    "  FROM (SELECT s.record::jsonb r, s.id, s.ext_id, s.text, s.context, b.name batch"
    "   FROM samples s JOIN batches b ON b.id = s.batch_id"
    "   WHERE ($1::text IS NULL OR b.name = $1) AND b.name <> $3::text"
    "    AND NOT EXISTS (SELECT 1 FROM pairs p WHERE p.sample_id = s.id)) x) y"
    " WHERE g IS NOT NULL AND g <> 'null' ORDER BY g COLLATE \"C\", id"};

/* '$."a.b"' and '$."a"."b"' for the field path "a.b"; false when it holds
 * a double quote (no way to write it in a path). */
static bool json_paths(const char *field, abuf *exact, abuf *nested)
{
	if (strchr(field, '"'))
		return false;
	bool ok = abuf_printf(exact, "$.\"%s\"", field) == 0 && abuf_puts(nested, "$") == 0;
	for (const char *p = field; ok && *p;) {
		size_t n = strcspn(p, ".");
		ok = abuf_puts(nested, ".\"") == 0 && abuf_append(nested, p, n) == 0 &&
		     abuf_putc(nested, '"') == 0;
		p += n + (p[n] == '.');
	}
	return ok;
}

int store_group_each(store *s, const char *from_batch, const char *into_batch, const char *field,
		     int (*fn)(void *ud, const store_group_row *r), void *ud, assay_error *err)
{
	abuf exact = {0}, nested = {0};
	if (!json_paths(field, &exact, &nested)) {
		abuf_free(&exact);
		abuf_free(&nested);
		return assay_fail(err, ASSAY_EINVAL, "--group-by \"%.60s\": a field name cannot "
				  "hold a double quote", field);
	}
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_group_each, err);
	int rc = st ? ASSAY_OK : err->code, stop = 0;
	if (st) {
		dbi_bind_text(st, 1, from_batch, -1);
		dbi_bind_text(st, 2, exact.data, (int64_t)exact.len);
		dbi_bind_text(st, 3, into_batch, -1);
		dbi_bind_text(st, 4, nested.data, (int64_t)nested.len);
		while (!stop && (rc = dbi_step(st, err, "reading the samples to pair")) == DBI_ROW) {
			store_group_row r = {
				.group = col_text(st, 0),
				.sample_id = dbi_col_i64(st, 1),
				.ext_id = col_text(st, 2),
				.text = col_text(st, 3),
				.context = col_text(st, 4),
				.model = col_text(st, 5),
				.batch = col_text(st, 6),
			};
			stop = fn(ud, &r);
		}
		dbi_reset(st);
		rc = stop ? stop : rc < 0 ? rc : ASSAY_OK;
	}
	abuf_free(&exact);
	abuf_free(&nested);
	return rc;
}
