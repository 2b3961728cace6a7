/* export.c — streaming every sample with its verdicts for `assay export`:
 * one ordered query, grouped by sample in C, so memory stays flat. */
#include "store_int.h"
#include "scores_pg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Whether the sample holds an edit now (a lead's or an annotator's). */
#define SQL_EDITED                                                                                 \
	"(EXISTS (SELECT 1 FROM decisions e WHERE e.sample_id = s.id AND e.verdict = 'edited')"    \
	" OR EXISTS (SELECT 1 FROM adjudications e WHERE e.sample_id = s.id"                       \
	"            AND e.verdict = 'edited'))"

/* The same for the sample ?1. */
#define SQL_EDITED_ID                                                                              \
	"(EXISTS (SELECT 1 FROM decisions e WHERE e.sample_id = ?1 AND e.verdict = 'edited')"      \
	" OR EXISTS (SELECT 1 FROM adjudications e WHERE e.sample_id = ?1"                         \
	"            AND e.verdict = 'edited'))"

/* The sample's combined score, from its narrow table by one key seek (a
 * subquery, not a join: the samples are read as they were). */
#define SQL_QUALITY "(SELECT sq.quality FROM sample_quality sq WHERE sq.sample_id = s.id)"

/* Whether every bound of the JSON object ?N ({"scorer": bound, ...};
 * "quality" is the combined score) holds by OP: an unscored or failed
 * score holds none. No bounds (NULL) is tested first: an empty json_each
 * still costs a quarter of a microsecond per sample. An edited sample is
 * judged by its corrected text's scores where they were computed
 * (score_edit), else by the original's. */
#define SQL_BOUNDS(N, OP)                                                                          \
	" AND (?" N " IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?" N ") m WHERE NOT coalesce((" \
	"   CASE WHEN m.key = 'quality'"                                                           \
	"   THEN coalesce(CASE WHEN " SQL_EDITED " THEN s.edit_quality END, " SQL_QUALITY ")"            \
	"   ELSE coalesce(CASE WHEN " SQL_EDITED " THEN (SELECT es.value FROM edit_scores es"      \
	"                 WHERE es.sample_id = s.id AND es.scorer = m.key) END,"                   \
	"                 (SELECT score_at(sc.vals, (SELECT k.slot FROM scorers k"               \
	"                  WHERE k.name = m.key)) FROM sample_scores sc"                          \
	"                  WHERE sc.sample_id = s.id)) END) " OP " m.value, 0)))"

/* The columns and the joins both engines share; the annotator filter
 * between them is each engine's own (a NULL parameter needs a type on
 * PostgreSQL). Batches and annotators come as ids, named in C
 * (store_names). On SQLite the text is read only when ?7 is NULL (its
 * column is computed from the record: an export without provenance,
 * which never shows it, saves that copy on every row). */
#define SQL_EACH_COLUMNS_TEXT(TEXT)                                                                \
	"SELECT s.id, s.ext_id, s.batch_id, s.record, s.text_field, " TEXT ", " SQL_QUALITY ","    \
	"       d.annotator_id, d.verdict, d.text, d.reason, d.decided_at,"                        \
	"       j.annotator_id, j.verdict, j.text, j.reason, j.decided_at,"                        \
	"       CASE WHEN d.pref = 'b' THEN pr.b_field END, pr.chat, pr.b_text,"                   \
	"       CASE WHEN j.pref = 'b' THEN pr.b_field END, d.pref, d.placement"                   \
	" FROM samples s"                                                                          \
	" LEFT JOIN pairs pr ON pr.sample_id = s.id"                                               \
	" LEFT JOIN decisions d ON d.sample_id = s.id AND d.verdict <> 'skipped'"
#define SQL_EACH_COLUMNS SQL_EACH_COLUMNS_TEXT("CASE WHEN ?7 IS NULL THEN s.text END")
#define SQL_EACH_JOINS " LEFT JOIN adjudications j ON j.sample_id = s.id"

/* One row per (sample, non-skip decision); samples without decisions come
 * once with NULL decision columns. The --min and --max bounds arrive as
 * JSON objects bound to ?3 and ?4, so the SQL text never changes with the
 * data; the range of ids (?5, ?6] is a seek on the rowid (an export on
 * several threads reads one range each); a --where goes between the head
 * and the tail. */
#define SQL_EACH_HEAD_WHERE(ONLY)                                                                  \
	SQL_EACH_COLUMNS                                                                           \
	"   AND (?2 IS NULL OR d.annotator_id = (SELECT id FROM annotators WHERE name = ?2))"      \
	SQL_EACH_JOINS                                                                             \
	" WHERE " ONLY "s.id > ?5 AND s.id <= ?6"                                                  \
	"   AND (?1 IS NULL OR s.batch_id IN (SELECT id FROM batches WHERE name = ?1))"            \
	SQL_BOUNDS("3", ">=") SQL_BOUNDS("4", "<=")
#define SQL_EACH_HEAD SQL_EACH_HEAD_WHERE("")
/* Only the samples with a verdict (filter.decided): the ids come from the
 * decisions and adjudications, in order, and each sample is one seek, so
 * the read is as long as the verdicts, not the database. */
#define SQL_DECIDED_IDS                                                                            \
	"s.id IN (SELECT sample_id FROM decisions WHERE verdict <> 'skipped'"                      \
	" UNION SELECT sample_id FROM adjudications)"
#define SQL_EACH_HEAD_DECIDED SQL_EACH_HEAD_WHERE(SQL_DECIDED_IDS " AND ")
/* Only by sample: the decisions of one sample come in their key's order
 * and are put oldest first in C (a sort of the rows by decided_at cost a
 * sixth of the query on SQLite). */
#define SQL_EACH_TAIL " ORDER BY s.id"

/* PostgreSQL's bounds: the same test on its score arrays (scores_pg.h). */
#define SQL_BOUNDS_PG(N, OP)                                                                       \
	" AND ($" N "::jsonb IS NULL OR NOT EXISTS (SELECT 1 FROM jsonb_each($" N "::jsonb) m"      \
	"   WHERE NOT coalesce((CASE WHEN m.key = 'quality'"                                       \
	"   THEN coalesce(CASE WHEN " SQL_EDITED " THEN s.edit_quality END, " SQL_QUALITY ")"            \
	"   ELSE coalesce(CASE WHEN " SQL_EDITED " THEN (SELECT es.value FROM edit_scores es"      \
	"                 WHERE es.sample_id = s.id AND es.scorer = m.key) END,"                   \
	"                 (SELECT sc.vals[(SELECT k.slot FROM scorers k WHERE k.name = m.key) + 1]" \
	"                  FROM sample_scores sc WHERE sc.sample_id = s.id)) END) " OP             \
	"   (m.value #>> '{}')::float8, false)))"
#define SQL_EACH_HEAD_PG                                                                           \
	SQL_EACH_COLUMNS_TEXT("s.text")                                                            \
	"   AND ($2::text IS NULL OR d.annotator_id = (SELECT id FROM annotators WHERE name = $2))" \
	SQL_EACH_JOINS                                                                             \
	" WHERE ($1::text IS NULL OR s.batch_id IN (SELECT id FROM batches WHERE name = $1))"    \
	SQL_BOUNDS_PG("3", ">=") SQL_BOUNDS_PG("4", "<=")

/* A sample's decisions in their key's order on PostgreSQL too (SQLite
 * reads them through the key): equal times keep it (provenance lists them). */
#define SQL_EACH_TAIL_PG " ORDER BY s.id, d.annotator_id"

static const dbi_query q_each = {"export_each", SQL_EACH_HEAD SQL_EACH_TAIL,
				 SQL_EACH_HEAD_PG SQL_EACH_TAIL_PG};
static const dbi_query q_each_decided = {"export_each_decided",
					 SQL_EACH_HEAD_DECIDED SQL_EACH_TAIL,
					 SQL_EACH_HEAD_PG " AND " SQL_DECIDED_IDS SQL_EACH_TAIL_PG};

#define SQL_ESTIMATE                                                                               \
	"SELECT count(*) FROM samples s JOIN batches b ON b.id = s.batch_id"                       \
	" WHERE (?1 IS NULL OR b.name = ?1)"

#define SQL_ESTIMATE_PG                                                                            \
	"SELECT count(*) FROM samples s JOIN batches b ON b.id = s.batch_id"                       \
	" WHERE ($1::text IS NULL OR b.name = $1)"

static const dbi_query q_estimate = {"export_estimate", SQL_ESTIMATE, SQL_ESTIMATE_PG};

/* The statement for f: cached (the caller's dbi_stmt_get of its query,
 * asked for only when f has no --where), or one prepared with its --where
 * (*own: dbi_stmt_free it; PostgreSQL's head and tail its own). NULL with
 * err filled. */
static dbi_stmt *export_stmt(store *s, const store_export_filter *f, dbi_stmt *cached,
			  const char *sql_head, const char *sql_tail, const char *sql_head_pg,
			  const char *sql_tail_pg, bool *own, assay_error *err)
{
	*own = f->where != NULL;
	if (!f->where)
		return cached;
	return store_where_stmt(s, sql_head, sql_tail, sql_head_pg, sql_tail_pg, f->where, err);
}

/* Strings of the current group live in one arena; verdicts keep offsets
 * into it until the group is complete. Names point into the maps. */
typedef struct group {
	abuf arena;
	struct {
		size_t verdict, text, reason, field, original;
		const char *annotator;
		int64_t at;
		int pref;      /* enum store_pref */
		int placement; /* enum store_place */
		bool has_text, has_reason, has_field, chat;
	} *v;
	size_t n, cap;
	size_t ext_id, record, text_field, text;
	const char *batch;
	size_t record_len;
	double quality;
	int64_t id;
	bool adj;
	size_t adj_verdict, adj_text, adj_reason, adj_field, adj_original;
	const char *adj_annotator;
	bool adj_has_text, adj_has_reason, adj_has_field, adj_chat;
	int64_t adj_at;
	store *s;
	store_names batches, annotators;
	assay_error *err;
} group;

/* The name of the row's id in column col ("" if it vanished). */
static const char *name_of(group *g, bool batch, dbi_stmt *st, int col)
{
	const char *name = store_names_find(g->s, batch ? &g->batches : &g->annotators, batch,
					    dbi_col_i64(st, col), g->err);
	return name ? name : "";
}

/* Copies column col, with its NUL, into the arena at *off (a column known
 * to be NULL, !has, is never read: only its offset is set). */
static int put_if(group *g, dbi_stmt *st, int col, size_t *off, bool has)
{
	*off = g->arena.len;
	if (!has)
		return ASSAY_OK;
	size_t n = 0;
	const char *t = dbi_col_text(st, col, &n);
	if (abuf_append(&g->arena, t, n) < 0)
		return ASSAY_ENOMEM;
	g->arena.len++; /* the NUL abuf_append wrote stays */
	return ASSAY_OK;
}

static int put(group *g, dbi_stmt *st, int col, size_t *off)
{
	return put_if(g, st, col, off, true);
}

static int start_group(group *g, dbi_stmt *st)
{
	abuf_reset(&g->arena);
	g->n = 0;
	g->id = dbi_col_i64(st, 0);
	g->quality = dbi_col_null(st, 6) ? NAN : dbi_col_f64(st, 6);
	dbi_col_text(st, 3, &g->record_len);
	g->adj = !dbi_col_null(st, 13);
	g->batch = name_of(g, true, st, 2);
	int rc = put(g, st, 1, &g->ext_id) | put(g, st, 3, &g->record) |
		 put(g, st, 4, &g->text_field) | put(g, st, 5, &g->text);
	if (g->adj) {
		g->adj_has_text = !dbi_col_null(st, 14);
		g->adj_has_reason = !dbi_col_null(st, 15);
		g->adj_at = dbi_col_i64(st, 16);
		/* a lead's corrected chosen b goes into b's field */
		g->adj_has_field = !dbi_col_null(st, 20);
		g->adj_chat = dbi_col_i64(st, 18) != 0;
		g->adj_annotator = name_of(g, false, st, 12);
		rc |= put(g, st, 13, &g->adj_verdict) |
		      put_if(g, st, 14, &g->adj_text, g->adj_has_text) |
		      put_if(g, st, 15, &g->adj_reason, g->adj_has_reason) |
		      put_if(g, st, 20, &g->adj_field, g->adj_has_field) |
		      put_if(g, st, 19, &g->adj_original, g->adj_has_field);
	}
	return rc ? ASSAY_ENOMEM : ASSAY_OK;
}

static int add_verdict(group *g, dbi_stmt *st)
{
	if (dbi_col_null(st, 8))
		return ASSAY_OK;
	if (ASSAY_GROW(g->v, g->n + 1, g->cap, 8) < 0)
		return ASSAY_ENOMEM;
	memset(&g->v[g->n], 0, sizeof g->v[g->n]);
	g->v[g->n].at = dbi_col_i64(st, 11);
	g->v[g->n].has_text = !dbi_col_null(st, 9);
	g->v[g->n].has_reason = !dbi_col_null(st, 10);
	g->v[g->n].has_field = !dbi_col_null(st, 17);
	g->v[g->n].chat = dbi_col_i64(st, 18) != 0;
	g->v[g->n].pref = store_pref_parse(dbi_col_null(st, 21) ? NULL : dbi_col_text(st, 21, NULL));
	g->v[g->n].placement = dbi_col_null(st, 22)			 ? STORE_PLACE_NONE
			       : strcmp(dbi_col_text(st, 22, NULL), "ab") == 0 ? STORE_PLACE_AB
									       : STORE_PLACE_BA;
	g->v[g->n].annotator = name_of(g, false, st, 7);
	bool field = g->v[g->n].has_field;
	int rc = put(g, st, 8, &g->v[g->n].verdict) |
		 put_if(g, st, 9, &g->v[g->n].text, g->v[g->n].has_text) |
		 put_if(g, st, 10, &g->v[g->n].reason, g->v[g->n].has_reason) |
		 put_if(g, st, 17, &g->v[g->n].field, field) |
		 put_if(g, st, 19, &g->v[g->n].original, field);
	g->n++;
	return rc ? ASSAY_ENOMEM : ASSAY_OK;
}

/* The group's verdicts oldest first (stable: equal times keep the order
 * the rows came in). Groups are a few verdicts long. */
static void sort_verdicts(group *g)
{
	for (size_t i = 1; i < g->n; i++)
		for (size_t k = i; k > 0 && g->v[k - 1].at > g->v[k].at; k--) {
			__typeof__(*g->v) tmp = g->v[k];
			g->v[k] = g->v[k - 1];
			g->v[k - 1] = tmp;
		}
}

/* Builds the row from the group's offsets (the arena no longer moves). */
static int emit(group *g, store_verdict **vs, size_t *vcap,
		int (*fn)(void *ud, const store_export_row *row), void *ud)
{
	const char *a = g->arena.data;
	sort_verdicts(g);
	if (g->n > *vcap) {
		store_verdict *v = realloc(*vs, g->n * sizeof *v);
		if (!v)
			return ASSAY_ENOMEM;
		*vs = v;
		*vcap = g->n;
	}
	for (size_t i = 0; i < g->n; i++)
		(*vs)[i] = (store_verdict){
			.annotator = g->v[i].annotator,
			.verdict = a + g->v[i].verdict,
			.text = g->v[i].has_text ? a + g->v[i].text : NULL,
			.reason = g->v[i].has_reason ? a + g->v[i].reason : NULL,
			.at = g->v[i].at,
			.field = g->v[i].has_field ? a + g->v[i].field : NULL,
			.field_chat = g->v[i].has_field && g->v[i].chat,
			.original = g->v[i].has_field ? a + g->v[i].original : NULL,
			.pref = g->v[i].pref,
			.placement = g->v[i].placement,
		};
	store_verdict adj = {0};
	if (g->adj)
		adj = (store_verdict){
			.annotator = g->adj_annotator,
			.verdict = a + g->adj_verdict,
			.text = g->adj_has_text ? a + g->adj_text : NULL,
			.reason = g->adj_has_reason ? a + g->adj_reason : NULL,
			.at = g->adj_at,
			.field = g->adj_has_field ? a + g->adj_field : NULL,
			.field_chat = g->adj_has_field && g->adj_chat,
			.original = g->adj_has_field ? a + g->adj_original : NULL,
		};
	store_export_row row = {
		.sample_id = g->id,
		.ext_id = a + g->ext_id,
		.batch = g->batch,
		.record = a + g->record,
		.record_len = g->record_len,
		.text_field = a + g->text_field,
		.text = a + g->text,
		.quality = g->quality,
		.verdicts = *vs,
		.n_verdicts = g->n,
		.adjudication = g->adj ? &adj : NULL,
	};
	return fn(ud, &row);
}

/* The --min or --max bounds as the JSON object bound to the query (NULL
 * when there are none, or out of memory: *oom says which). */
static char *bounds_json(const char **scorer, const double *value, size_t n, bool *oom)
{
	if (!n)
		return NULL;
	abuf b = {0};
	int rc = abuf_putc(&b, '{');
	for (size_t i = 0; i < n; i++) {
		rc |= abuf_printf(&b, "%s\"", i ? "," : "");
		for (const char *p = scorer[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				rc |= abuf_putc(&b, '\\');
			if ((unsigned char)*p >= 0x20)
				rc |= abuf_putc(&b, *p);
		}
		rc |= abuf_printf(&b, "\":%.17g", value[i]);
	}
	rc |= abuf_putc(&b, '}');
	char *json = rc < 0 ? NULL : abuf_take(&b);
	abuf_free(&b);
	*oom |= !json;
	return json;
}

int store_export_each(store *s, const store_export_filter *f,
		      int (*fn)(void *ud, const store_export_row *row), void *ud, assay_error *err)
{
	bool oom = false, own = false;
	if (s->pg && (f->after_id || f->upto_id))
		return store_sqlite_only(s, err);
	char *mins = bounds_json(f->min_scorer, f->min_value, f->n_min, &oom);
	char *maxs = bounds_json(f->max_scorer, f->max_value, f->n_max, &oom);
	dbi_stmt *st = NULL;
	if (oom)
		;
	else if (f->decided)
		st = export_stmt(s, f, f->where ? NULL : dbi_stmt_get(s->dbi, &q_each_decided, err),
				 SQL_EACH_HEAD_DECIDED " AND (", ")" SQL_EACH_TAIL,
				 SQL_EACH_HEAD_PG " AND " SQL_DECIDED_IDS " AND (",
				 ")" SQL_EACH_TAIL_PG, &own, err);
	else
		st = export_stmt(s, f, f->where ? NULL : dbi_stmt_get(s->dbi, &q_each, err),
				 SQL_EACH_HEAD " AND (", ")" SQL_EACH_TAIL, SQL_EACH_HEAD_PG " AND (",
				 ")" SQL_EACH_TAIL_PG, &own, err);
	if (!st) {
		free(mins);
		free(maxs);
		return oom ? assay_fail(err, ASSAY_ENOMEM, "out of memory") : err->code;
	}
	dbi_bind_text(st, 1, f->batch, -1);
	dbi_bind_text(st, 2, f->annotator, -1);
	dbi_bind_text(st, 3, mins, -1);
	dbi_bind_text(st, 4, maxs, -1);
	if (!s->pg) {
		bool all = !f->after_id && !f->upto_id;
		dbi_bind_i64(st, 5, all ? INT64_MIN : f->after_id);
		dbi_bind_i64(st, 6, all ? INT64_MAX : f->upto_id);
		if (f->no_text) /* a cached statement keeps its bindings: both set */
			dbi_bind_i64(st, 7, 1);
		else
			dbi_bind_null(st, 7);
	}
	group g = {.s = s, .err = err};
	store_verdict *vs = NULL;
	size_t vcap = 0;
	bool have = false;
	int rc = DBI_DONE, out = store_batch_names(s, &g.batches, err);
	if (out == ASSAY_OK)
		out = store_annotator_names(s, &g.annotators, err);
	while (out == ASSAY_OK && ((rc = dbi_step(st, err, "reading samples to export")) == DBI_ROW)) {
		int64_t id = dbi_col_i64(st, 0);
		if (!have || id != g.id) {
			if (have && (out = emit(&g, &vs, &vcap, fn, ud)) != 0)
				break;
			if ((out = start_group(&g, st)) != 0)
				break;
			have = true;
		}
		if ((out = add_verdict(&g, st)) != 0)
			break;
	}
	if (out == ASSAY_OK && rc == DBI_DONE && have)
		out = emit(&g, &vs, &vcap, fn, ud);
	else if (out == ASSAY_OK && rc < 0)
		out = rc;
	else if (out == ASSAY_ENOMEM)
		assay_fail(err, ASSAY_ENOMEM, "out of memory");
	if (own)
		dbi_stmt_free(st);
	else
		dbi_reset(st);
	abuf_free(&g.arena);
	store_names_free(&g.batches);
	store_names_free(&g.annotators);
	free(g.v);
	free(vs);
	free(mins);
	free(maxs);
	return out;
}

int store_export_estimate(store *s, const store_export_filter *f, int64_t *n, assay_error *err)
{
	bool own = false;
	dbi_stmt *st = export_stmt(s, f, f->where ? NULL : dbi_stmt_get(s->dbi, &q_estimate, err),
				   SQL_ESTIMATE " AND (", ")", SQL_ESTIMATE_PG " AND (", ")", &own, err);
	if (!st)
		return err->code;
	dbi_bind_text(st, 1, f->batch, -1);
	int rc = dbi_step(st, err, "counting samples");
	*n = rc == DBI_ROW ? dbi_col_i64(st, 0) : 0;
	if (own)
		dbi_stmt_free(st);
	else
		dbi_reset(st);
	return rc == DBI_ROW ? ASSAY_OK
	       : rc < 0      ? rc
			     : assay_fail(err, ASSAY_EDB, "counting samples: no count");
}

int store_export_ranges(store *s, int64_t *max_id, bool *ranges, assay_error *err)
{
	*max_id = 0;
	*ranges = !s->pg;
	return s->pg ? ASSAY_OK : store_max_sample_id(s, max_id, err);
}

/* Notes (oldest first) and scores of one sample as one JSON object. */
static const char sql_provenance[] =
	"SELECT json_remove(json_object("
	" 'notes', (SELECT json_group_array(json_object('by', a.name, 'text', e.text, 'at', e.at))"
	"   FROM (SELECT * FROM events WHERE sample_id = ?1 AND kind = 'note' ORDER BY id) e"
	"   JOIN annotators a ON a.id = e.annotator_id),"
	" 'scores', (SELECT json_group_object(name, json(o)) FROM (SELECT k.name,"
	"   json_object('value', score_at(ss.vals, k.slot),"
	"   'flagged', json(CASE WHEN ss.flags >> k.slot & 1 THEN 'true' ELSE 'false' END),"
	"   'reason', note_at(n.notes, k.slot, 0), 'version', v.version) AS o"
	"   FROM sample_scores ss JOIN scorers k"
	"   JOIN scorer_versions v ON v.id = ver_at(ss.vers, k.slot)"
	"   LEFT JOIN score_notes n ON n.sample_id = ss.sample_id WHERE ss.sample_id = ?1"
	"   ORDER BY k.name)),"
	/* the corrected text's scores, beside the original's (edits only) */
	" 'edit_scores', (SELECT json_group_object(scorer, json_object('value', value,"
	"   'flagged', json(CASE WHEN flagged THEN 'true' ELSE 'false' END), 'reason', reason,"
	"   'version', version)) FROM edit_scores WHERE sample_id = ?1 AND " SQL_EDITED_ID "),"
	" 'kind', (SELECT nullif(b.kind, '') FROM samples x JOIN batches b ON b.id = x.batch_id"
	"   WHERE x.id = ?1),"
	/* a pair's candidate b, scored by the same scorers (pair_scores) */
	" 'b_scores', (SELECT json_group_object(scorer, json_object('value', value,"
	"   'flagged', json(CASE WHEN flagged THEN 'true' ELSE 'false' END), 'reason', reason,"
	"   'version', version)) FROM (SELECT * FROM pair_scores WHERE sample_id = ?1"
	"   ORDER BY scorer))),"
	" CASE WHEN EXISTS (SELECT 1 FROM pairs WHERE sample_id = ?1) THEN '$.none'"
	"   ELSE '$.b_scores' END)";

int store_export_provenance(store *s, int64_t sample_id, char **json, assay_error *err)
{
	if (s->pg)
		return store_export_provenance_pg(s, sample_id, json, err);
	*json = NULL;
	sqlite3_stmt *st = store_stmt(s, sql_provenance, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, sample_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*json = store_col_str(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_sqlerr(s, rc, err, "reading provenance");
	return *json ? ASSAY_OK : assay_fail(err, ASSAY_ENOMEM, "out of memory");
}
