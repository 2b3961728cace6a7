/* where.c — a --where AST (assay/query.h) compiled to SQL: a boolean
 * fragment over the samples table aliased s, every value bound as a
 * parameter (never written into the SQL text). How each field becomes SQL
 * is one row of the table below, so a change of schema (scores stored one
 * row per sample) or a new field is a change of rows. */
#include "store_int.h"

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/query.h"
#include "assay/text.h"
#include "json_pg.h"

/* What a row's SQL tests: the sample itself, or one current decision d of
 * it. Decision tests joined by `and` must hold for the same decision
 * (annotator = "bob" and verdict = rejected: bob rejected it), so they go
 * into one EXISTS over the sample's decisions. */
enum { W_SAMPLE, W_DECISION };

/* One field's SQL, true or false for every sample (never NULL, so that
 * `not` of it is its complement). A row applies to its field when its literal type, its
 * operator and its value (each when set) match the predicate's; the first
 * that applies is used. In sql, %o is the comparison operator and each ?
 * a parameter bound, in order, from binds: 'a' the field's argument, 'v'
 * the value, 'p' the JSON path of meta.PATH, 'k' the row's constant, 'n'
 * the value's exact number (PostgreSQL's). `!=`
 * is never a row: it compiles as `not` of `=`. */
typedef struct where_row {
	const char *field;
	int lit;           /* enum query_lit, or 0: any */
	int op;            /* enum query_op, or 0: any */
	const char *value; /* or NULL: any */
	int scope;
	const char *sql;
	const char *binds;
	const char *constant;
	/* the test one sample at a time (same parameters), where it differs:
	 * what a walk along another index checks row by row (sql_each) */
	const char *sql_each;
	/* PostgreSQL's text and its binds, where they differ from sql's (in
	 * pg, @ is the JSON value at meta.PATH, each step of the path bound) */
	const char *pg;
	const char *pg_binds;
} where_row;

/* A score test reads the sample's packed scores (score_pack.c) by one
 * primary-key probe: the value of the slot of the scorer named by the
 * bound argument (an uncorrelated subquery: looked up once per statement),
 * false when unscored or failed. The review queue's walk along another
 * index tests each sample it passes the same way. */
#define SCORE_SLOT "(SELECT k.slot FROM scorers k WHERE k.name = ?)"
#define SCORE_IS                                                                                   \
	"coalesce((SELECT score_at(sc.vals, " SCORE_SLOT ") FROM sample_scores sc"                \
	" WHERE sc.sample_id = s.id) %o ?, 0)"
#define FLAG_IS                                                                                    \
	"coalesce((SELECT (sc.flags >> " SCORE_SLOT ") & 1 FROM sample_scores sc"                 \
	" WHERE sc.sample_id = s.id), 0)"
#define LEARNED_IS                                                                                 \
	"coalesce((SELECT sc.learned FROM sample_scores sc WHERE sc.sample_id = s.id) %o ?, 0)"
#define META_IS "CASE WHEN json_valid(s.record) THEN ifnull(json_extract(s.record, ?)"

/* PostgreSQL's: the packed scores are arrays (scores_pg.h), element slot
 * + 1 the slot's value (NULL: unscored or failed); booleans are booleans. */
#define SCORE_IS_PG                                                                                \
	"coalesce((SELECT sc.vals[" SCORE_SLOT " + 1] FROM sample_scores sc"                       \
	" WHERE sc.sample_id = s.id) %o ?, false)"
#define FLAG_IS_PG                                                                                 \
	"coalesce((SELECT (sc.flags >> CAST(" SCORE_SLOT " AS INTEGER)) & 1 = 1"                   \
	" FROM sample_scores sc WHERE sc.sample_id = s.id), false)"
#define LEARNED_IS_PG                                                                              \
	"coalesce((SELECT sc.learned FROM sample_scores sc WHERE sc.sample_id = s.id) %o ?, false)"
/* A JSON number (x.j: the value at the path, a json) as SQLite reads it:
 * an integer of 64 bits exactly (its comparison with the literal's double
 * exact too: the literal bound as its exact decimal), any other a double,
 * a magnitude beyond one infinite or 0 (a number written in more than
 * 1000 characters without an exponent of four digits matches nothing).
 * The value at the path is read once (@ written once). */
#define NUM_T "(x.j #>> '{}')"
#define NUM_N "CAST(x.j #>> '{}' AS NUMERIC)"
#define NUM_INF(neg) "CASE WHEN " neg " THEN -1 ELSE 1 END * CAST('Infinity' AS DOUBLE PRECISION)"
#define META_NUM_PG                                                                                \
	"(SELECT CASE WHEN json_typeof(x.j) <> 'number' THEN false"                                \
	" WHEN " NUM_T " ~ '^-?[0-9]{1,19}$' AND " NUM_N                                           \
	"  BETWEEN -9223372036854775808 AND 9223372036854775807 THEN " NUM_N " %o ?"               \
	" WHEN " NUM_T " ~ '[eE][-+]?[0-9]{4}' THEN"                                               \
	" (CASE WHEN " NUM_T " ~ '^-?[0.]*[eE]' OR " NUM_T " ~ '[eE]-' THEN 0"                     \
	"  ELSE " NUM_INF(NUM_T " ~ '^-'") " END) %o ?"                                            \
	" WHEN length(" NUM_T ") <= 1000 THEN"                                                     \
	" (CASE WHEN abs(" NUM_N ") < 3e-324 THEN 0"                                               \
	"  WHEN abs(" NUM_N ") >= 1.7976931348623158e308 THEN " NUM_INF(NUM_N " < 0")                \
	"  ELSE CAST(" NUM_N " AS DOUBLE PRECISION) END) %o ?"                                     \
	" ELSE false END FROM (SELECT @ AS j) x)"
#define META_TEXT_PG                                                                               \
	"(SELECT CASE WHEN json_typeof(x.j) = 'string' THEN (x.j #>> '{}') = ? ELSE false END"     \
	" FROM (SELECT @ AS j) x)"
/* text_kind (src/text/kind.c) in SQL: the batch's declared kind, else a
 * caption by the last part of the text's field name (text_caption_field's
 * names, ASCII letters in any case), else by whether it has a context */
#define KIND_PG                                                                                    \
	"coalesce((SELECT CASE WHEN b.kind IN ('caption', 'response', 'text') THEN b.kind"         \
	" WHEN s.text_field = '' OR lower(regexp_replace(s.text_field, '^.*[.]', '') COLLATE \"C\")" \
	"  IN ('caption', 'captions', 'alt', 'alt_text', 'alttext', 'description',"               \
	"      'dense_caption', 'short_caption', 'long_caption') THEN 'caption'"                    \
	" WHEN s.context IS NOT NULL THEN 'response' ELSE 'text' END"                               \
	" FROM batches b WHERE b.id = s.batch_id), '') = ?"
/* ASCII letters in any case, as SQLite's lower() folds them */
#define CONTAINS_PG(col) "strpos(lower(" col " COLLATE \"C\"), lower(? COLLATE \"C\")) > 0"

static const where_row rows[] = {
	{"flagged", 0, 0, NULL, W_SAMPLE, FLAG_IS, "a", NULL, NULL, FLAG_IS_PG, NULL},
	{"score", 0, 0, NULL, W_SAMPLE, SCORE_IS, "av", NULL, NULL, SCORE_IS_PG, NULL},
	{"learned", 0, 0, NULL, W_SAMPLE, LEARNED_IS, "v", NULL, NULL, LEARNED_IS_PG, NULL},
	{"quality", 0, 0, NULL, W_SAMPLE,
	 "EXISTS (SELECT 1 FROM sample_quality sq WHERE sq.sample_id = s.id AND sq.quality %o ?)",
	 "v", NULL, NULL, NULL, NULL},
	{"meta", QUERY_LIT_NUMBER, 0, NULL, W_SAMPLE,
	 META_IS " %o ? AND json_type(s.record, ?) IN ('integer', 'real'), 0) ELSE 0 END", "pvp",
	 NULL, NULL, META_NUM_PG, "nvv"},
	{"meta", QUERY_LIT_TEXT, QUERY_OP_EQ, NULL, W_SAMPLE,
	 META_IS " = ? AND json_type(s.record, ?) = 'text', 0) ELSE 0 END", "pvp", NULL, NULL,
	 META_TEXT_PG, "v"},
	{"batch", 0, QUERY_OP_EQ, NULL, W_SAMPLE,
	 "s.batch_id IN (SELECT b.id FROM batches b WHERE b.name = ?)", "v", NULL, NULL, NULL, NULL},
	{"kind", 0, QUERY_OP_EQ, "undeclared", W_SAMPLE,
	 "s.batch_id IN (SELECT b.id FROM batches b WHERE b.kind = '')", "", NULL, NULL, NULL, NULL},
	{"kind", 0, QUERY_OP_EQ, NULL, W_SAMPLE,
	 "coalesce((SELECT assay_kind(b.kind, s.text_field, s.context IS NOT NULL)"
	 " FROM batches b WHERE b.id = s.batch_id), '') = ?", "v", NULL, NULL, KIND_PG, NULL},
	{"verdict", 0, QUERY_OP_EQ, "undecided", W_SAMPLE,
	 "NOT EXISTS (SELECT 1 FROM decisions d WHERE d.sample_id = s.id"
	 " AND d.verdict <> 'skipped')", "", NULL, NULL, NULL, NULL},
	{"verdict", 0, QUERY_OP_EQ, NULL, W_DECISION, "d.verdict = ?", "v", NULL, NULL, NULL, NULL},
	{"reason", 0, QUERY_OP_MATCH, NULL, W_DECISION, "instr(lower(d.reason), lower(?)) > 0",
	 "v", NULL, NULL, CONTAINS_PG("d.reason"), NULL},
	{"reason", 0, QUERY_OP_EQ, NULL, W_DECISION, "d.reason = ?", "v", NULL, NULL, NULL, NULL},
	{"annotator", 0, QUERY_OP_EQ, NULL, W_DECISION,
	 "d.annotator_id IN (SELECT a.id FROM annotators a WHERE a.name = ?)", "v", NULL, NULL, NULL, NULL},
	{"decided_after", 0, QUERY_OP_EQ, NULL, W_DECISION, "d.decided_at >= ?", "v", NULL, NULL, NULL, NULL},
	{"decided_before", 0, QUERY_OP_EQ, NULL, W_DECISION, "d.decided_at < ?", "v", NULL, NULL, NULL, NULL},
	{"conflict", 0, 0, NULL, W_SAMPLE,
	 "(SELECT count(DISTINCT coalesce(d.pref, d.verdict)) FROM decisions d"
	 " WHERE d.sample_id = s.id AND d.verdict <> 'skipped') > 1", "", NULL, NULL, NULL, NULL},
	{"edited", 0, 0, NULL, W_SAMPLE,
	 "EXISTS (SELECT 1 FROM decisions d WHERE d.sample_id = s.id AND d.verdict = 'edited')",
	 "", NULL, NULL, NULL, NULL},
	{"pair", 0, 0, NULL, W_SAMPLE, "EXISTS (SELECT 1 FROM pairs p WHERE p.sample_id = s.id)", "",
	 NULL, NULL, NULL, NULL},
	{"spotcheck", 0, QUERY_OP_EQ, NULL, W_SAMPLE,
	 "s.id IN (SELECT k.sample_id FROM spotcheck_samples k WHERE k.spotcheck_id = ?)", "v",
	 NULL, NULL, NULL, NULL},
	{"text", QUERY_LIT_REGEX, QUERY_OP_MATCH, NULL, W_SAMPLE, "assay_regexp(?, s.text)", "v",
	 NULL, NULL, "s.text ~ ('(?ei)' || ?)", NULL},
	{"text", QUERY_LIT_TEXT, QUERY_OP_MATCH, NULL, W_SAMPLE,
	 "instr(lower(s.text), lower(?)) > 0", "v", NULL, NULL, CONTAINS_PG("s.text"), NULL},
};

typedef struct wbuild {
	store_where *w;
	abuf sql;
	size_t cap;
	bool oom;
	bool each; /* the rows' sql_each where they have one */
	bool pg;   /* PostgreSQL's spelling: the values into pg_values */
	abuf pg_values;
	size_t n_pg;
	assay_error *err;
} wbuild;

/* The row for a predicate (`!=` looked up as `=`), or NULL. */
static const where_row *row_for(const query_expr *e)
{
	int op = e->op == QUERY_OP_NE ? QUERY_OP_EQ : e->op;
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(rows); i++) {
		const where_row *r = &rows[i];
		if (strcmp(r->field, e->field->name) == 0 && (!r->lit || r->lit == e->value.type) &&
		    (!r->op || r->op == op) &&
		    (!r->value || (e->value.text && strcmp(r->value, e->value.text) == 0)))
			return r;
	}
	return NULL;
}

static void put(wbuild *b, const char *s)
{
	b->oom |= abuf_puts(&b->sql, s) < 0;
}

/* PostgreSQL: every value is an element of one text[] parameter, written
 * $W until the statement around the fragment numbers it (store_where_stmt),
 * read back in its type; the array's literal quotes each element. */
static void pg_value(wbuild *b, int type, const char *text)
{
	char ph[24];
	snprintf(ph, sizeof ph, "%zu", ++b->n_pg);
	put(b, type == STORE_WHERE_TEXT ? "" : "CAST(");
	put(b, "(CAST($W AS TEXT[]))[");
	put(b, ph);
	put(b, "]");
	put(b, type == STORE_WHERE_REAL  ? " AS DOUBLE PRECISION)"
	       : type == STORE_WHERE_INT ? " AS BIGINT)"
					 : "");
	int rc = abuf_putc(&b->pg_values, b->n_pg == 1 ? '{' : ',');
	rc |= abuf_putc(&b->pg_values, '"');
	for (const char *p = text ? text : ""; *p && rc == 0; p++) {
		if (*p == '"' || *p == '\\')
			rc |= abuf_putc(&b->pg_values, '\\');
		rc |= abuf_putc(&b->pg_values, *p);
	}
	rc |= abuf_putc(&b->pg_values, '"');
	b->oom |= rc < 0;
}

static store_where_value *new_value(wbuild *b)
{
	store_where *w = b->w;
	if (ASSAY_GROW(w->values, w->n_values + 1, b->cap, 8) < 0) {
		b->oom = true;
		return NULL;
	}
	store_where_value *v = &w->values[w->n_values];
	*v = (store_where_value){0};
	char ph[24];
	snprintf(ph, sizeof ph, "?%zu", STORE_WHERE_PARAM0 + w->n_values++);
	put(b, ph);
	return v;
}

static void bind_text(wbuild *b, const char *t)
{
	if (b->pg) {
		pg_value(b, STORE_WHERE_TEXT, t);
		return;
	}
	store_where_value *v = new_value(b);
	if (v) {
		v->type = STORE_WHERE_TEXT;
		b->oom |= !(v->text = assay_strdup(t));
	}
}

/* meta.a.b -> $."meta"."a"."b" (a step never holds a quote: the parser's
 * words cannot). */
/* PostgreSQL: meta.a.b -> the record's "meta", then "a", then "b", each
 * step an object's key (never an array's index, as SQLite's path reads)
 * and, of duplicate keys, the first, as SQLite's json_extract takes it
 * (the server's json -> takes the last). */
#define PG_STEP_HEAD                                                                               \
	"(SELECT (SELECT e.value FROM json_each(o.v) WITH ORDINALITY e(key, value, n)"            \
	" WHERE e.key = "
#define PG_STEP_TAIL " AS v) o WHERE json_typeof(o.v) = 'object')"
static void pg_path(wbuild *b, const query_expr *e)
{
	/* the steps, outermost (the last) first: the arg's from its end, then
	 * the field's name */
	abuf step = {0};
	size_t n = 1;
	for (const char *end = e->arg + strlen(e->arg); end > e->arg; n++) {
		const char *p = end;
		while (p > e->arg && p[-1] != '.')
			p--;
		step.len = 0;
		b->oom |= abuf_printf(&step, "%.*s", (int)(end - p), p) < 0;
		put(b, PG_STEP_HEAD);
		pg_value(b, STORE_WHERE_TEXT, step.data);
		put(b, " ORDER BY e.n LIMIT 1) FROM (SELECT ");
		end = p > e->arg ? p - 1 : p;
	}
	abuf_free(&step);
	put(b, PG_STEP_HEAD);
	pg_value(b, STORE_WHERE_TEXT, e->field->name);
	put(b, " ORDER BY e.n LIMIT 1) FROM (SELECT " JSON_SAFE_PG("s.record"));
	for (size_t i = 0; i < n; i++)
		put(b, PG_STEP_TAIL);
}

static void bind_path(wbuild *b, const query_expr *e)
{
	abuf path = {0};
	int rc = abuf_printf(&path, "$.\"%s\"", e->field->name);
	for (const char *p = e->arg; *p && rc == 0;) {
		size_t n = strcspn(p, ".");
		rc = abuf_printf(&path, ".\"%.*s\"", (int)n, p);
		p += n + (p[n] == '.');
	}
	if (rc == 0)
		bind_text(b, path.data);
	b->oom |= rc < 0;
	abuf_free(&path);
}

static void bind_value(wbuild *b, const query_value *qv)
{
	if (qv->type != QUERY_LIT_NUMBER && qv->type != QUERY_LIT_DATE) {
		bind_text(b, qv->text);
		return;
	}
	if (b->pg) {
		char num[40];
		if (qv->type == QUERY_LIT_NUMBER)
			snprintf(num, sizeof num, "%.17g", qv->number);
		else
			snprintf(num, sizeof num, "%lld", (long long)qv->date);
		pg_value(b, qv->type == QUERY_LIT_NUMBER ? STORE_WHERE_REAL : STORE_WHERE_INT, num);
		return;
	}
	store_where_value *v = new_value(b);
	if (v && qv->type == QUERY_LIT_NUMBER)
		*v = (store_where_value){.type = STORE_WHERE_REAL, .d = qv->number};
	else if (v)
		*v = (store_where_value){.type = STORE_WHERE_INT, .i = qv->date};
}

/* PostgreSQL: a number's exact value, as NUMERIC (a whole double as all
 * its digits, another by 17, which no other double shares, nor any
 * integer of 64 bits unless it is one). */
static void bind_exact(wbuild *b, const query_value *qv)
{
	char num[400];
	if (isinf(qv->number))
		snprintf(num, sizeof num, "%sInfinity", qv->number < 0 ? "-" : "");
	else if (qv->number == floor(qv->number))
		snprintf(num, sizeof num, "%.0f", qv->number);
	else
		snprintf(num, sizeof num, "%.17g", qv->number);
	put(b, "CAST(");
	pg_value(b, STORE_WHERE_TEXT, num);
	put(b, " AS NUMERIC)");
}

/* A row's SQL for predicate e, its parameters bound in order. */
static void emit_row(wbuild *b, const where_row *r, const query_expr *e)
{
	static const char *const sql_ops[] = {
		[QUERY_OP_EQ] = "=", [QUERY_OP_NE] = "=",  [QUERY_OP_LT] = "<",
		[QUERY_OP_LE] = "<=", [QUERY_OP_GT] = ">", [QUERY_OP_GE] = ">=",
	};
	const char *bind = b->pg && r->pg_binds ? r->pg_binds : r->binds;
	bool quoted = false; /* inside a literal: copied as it is */
	b->w->regex |= e->value.type == QUERY_LIT_REGEX;
	b->w->kind |= strcmp(r->field, "kind") == 0;
	for (const char *p = b->pg && r->pg ? r->pg : b->each && r->sql_each ? r->sql_each : r->sql;
	     *p; p++) {
		quoted ^= *p == '\'';
		if (quoted || *p == '\'') {
			b->oom |= abuf_putc(&b->sql, *p) < 0;
		} else if (*p == '@' && b->pg) {
			pg_path(b, e);
		} else if (*p == '%' && p[1] == 'o') {
			put(b, e->op < QUERY_OP_MATCH && sql_ops[e->op] ? sql_ops[e->op] : "=");
			p++;
		} else if (*p == '?') {
			char c = *bind++;
			if (c == 'a' || c == 'k')
				bind_text(b, c == 'a' ? e->arg : r->constant);
			else if (c == 'p')
				bind_path(b, e);
			else if (c == 'n')
				bind_exact(b, &e->value);
			else
				bind_value(b, &e->value);
		} else {
			b->oom |= abuf_putc(&b->sql, *p) < 0;
		}
	}
}

static int unavailable(wbuild *b, const query_expr *e)
{
	return assay_fail(b->err, ASSAY_EINVAL,
			  "column %zu: %s is not available yet: this version of assay does not "
			  "store it",
			  e->col, e->field->name);
}

/* Whether e is a decision test that can share its decision with others. */
static bool groupable(const query_expr *e)
{
	const where_row *r = e->kind == QUERY_PRED ? row_for(e) : NULL;
	return r && r->scope == W_DECISION && e->op != QUERY_OP_NE;
}

/* EXISTS one current decision of the sample that passes every decision
 * test among kids that can share one (or the one predicate given). */
static void emit_group(wbuild *b, const query_expr *const *kids, size_t n, bool single)
{
	put(b, "EXISTS (SELECT 1 FROM decisions d WHERE d.sample_id = s.id");
	for (size_t i = 0; i < n; i++)
		if (single || groupable(kids[i])) {
			put(b, " AND ");
			emit_row(b, row_for(kids[i]), kids[i]);
		}
	put(b, ")");
}

static int emit(wbuild *b, const query_expr *e);

static int emit_pred(wbuild *b, const query_expr *e)
{
	const where_row *r = row_for(e);
	if (!r)
		return unavailable(b, e);
	if (e->op == QUERY_OP_NE)
		put(b, "NOT ");
	put(b, "(");
	if (r->scope == W_DECISION)
		emit_group(b, (const query_expr *const[]){e}, 1, true);
	else
		emit_row(b, r, e);
	put(b, ")");
	return ASSAY_OK;
}

static int emit(wbuild *b, const query_expr *e)
{
	if (e->kind == QUERY_PRED) {
		if (e->op == QUERY_OP_NE || !groupable(e))
			return emit_pred(b, e);
		emit_group(b, (const query_expr *const[]){e}, 1, true);
		return ASSAY_OK;
	}
	if (e->kind == QUERY_NOT) {
		put(b, "NOT (");
		int rc = emit(b, e->kids[0]);
		put(b, ")");
		return rc;
	}
	put(b, "(");
	bool grouped = false, first = true;
	int rc = ASSAY_OK;
	for (size_t i = 0; i < e->n_kids && rc == ASSAY_OK; i++) {
		const query_expr *k = e->kids[i];
		bool group = e->kind == QUERY_AND && groupable(k);
		if (group && grouped)
			continue;
		put(b, first ? "" : e->kind == QUERY_AND ? " AND " : " OR ");
		first = false;
		if (group) {
			grouped = true;
			emit_group(b, (const query_expr *const *)e->kids, e->n_kids, false);
		} else {
			rc = emit(b, k);
		}
	}
	put(b, ")");
	return rc;
}

/* One spelling of e into w (w->sql), its values bound in order (pg:
 * PostgreSQL's, its values into w->pg_values). */
static int compile(const struct query_expr *e, store_where *w, bool each, bool pg,
		   assay_error *err)
{
	wbuild b = {.w = w, .each = each, .pg = pg, .err = err};
	int rc = e ? emit(&b, e) : (put(&b, pg ? "true" : "1"), ASSAY_OK);
	if (pg)
		b.oom |= abuf_puts(&b.pg_values, b.n_pg ? "}" : "{}") < 0;
	if (rc == ASSAY_OK && b.oom)
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	w->sql = abuf_take(&b.sql);
	w->pg_values = pg ? abuf_take(&b.pg_values) : NULL;
	abuf_free(&b.pg_values);
	if (rc == ASSAY_OK && (!w->sql || (pg && !w->pg_values)))
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	return rc;
}

/* Both spellings bind the same values in the same order (a row's sql_each
 * has its sql's parameters): the second's values are dropped. */
int store_where_compile(const struct query_expr *e, store_where *out, assay_error *err)
{
	*out = (store_where){0};
	store_where each = {0}, pg = {0};
	int rc = compile(e, out, false, false, err);
	if (rc == ASSAY_OK)
		rc = compile(e, &each, true, false, err);
	if (rc == ASSAY_OK && each.n_values != out->n_values)
		rc = assay_fail(err, ASSAY_EDB, "internal: the two spellings of a --where differ");
	if (rc == ASSAY_OK)
		rc = compile(e, &pg, false, true, err);
	out->sql_each = each.sql;
	each.sql = NULL;
	out->sql_pg = pg.sql;
	out->pg_values = pg.pg_values;
	pg.sql = pg.pg_values = NULL;
	store_where_free(&each);
	store_where_free(&pg);
	if (rc < 0)
		store_where_free(out);
	return rc;
}

void store_where_free(store_where *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n_values; i++)
		free(w->values[i].text);
	free(w->values);
	free(w->sql);
	free(w->sql_each);
	free(w->sql_pg);
	free(w->pg_values);
	*w = (store_where){0};
}

static void regex_free(void *p)
{
	regfree(p);
	sqlite3_free(p);
}

/* assay_regexp(pattern, text): whether text matches the POSIX extended
 * regex, ignoring case; the compiled pattern is kept for the statement. */
static void fn_regexp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *text = (const char *)sqlite3_value_text(argv[1]);
	regex_t *re = sqlite3_get_auxdata(ctx, 0);
	bool own = false;
	if (!re) {
		const char *pat = (const char *)sqlite3_value_text(argv[0]);
		if (!pat || !(re = sqlite3_malloc(sizeof *re))) {
			sqlite3_result_error_nomem(ctx);
			return;
		}
		if (regcomp(re, pat, REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0) {
			sqlite3_free(re);
			sqlite3_result_error(ctx, "a bad regex", -1);
			return;
		}
		own = true;
	}
	sqlite3_result_int(ctx, text && regexec(re, text, 0, NULL, 0) == 0);
	if (own)
		sqlite3_set_auxdata(ctx, 0, re, regex_free);
}

/* assay_kind(declared, text_field, has_context): the kind of a sample's
 * text as the scorers take it (text_kind). */
static void fn_kind(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_text(ctx,
			    text_kind((const char *)sqlite3_value_text(argv[0]),
				      (const char *)sqlite3_value_text(argv[1]),
				      sqlite3_value_int(argv[2]) != 0),
			    -1, SQLITE_STATIC);
}

int store_where_prepare(store *s, const char *head, const store_where *w, const char *tail,
			sqlite3_stmt **st, assay_error *err)
{
	if (!s->db)
		return store_sqlite_only(s, err);
	*st = NULL;
	if (w->regex && sqlite3_create_function_v2(s->db, "assay_regexp", 2,
						   SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
						   fn_regexp, NULL, NULL, NULL) != SQLITE_OK)
		return store_sqlerr(s, sqlite3_errcode(s->db), err, "registering the regex match");
	if (w->kind && sqlite3_create_function_v2(s->db, "assay_kind", 3,
						  SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, fn_kind,
						  NULL, NULL, NULL) != SQLITE_OK)
		return store_sqlerr(s, sqlite3_errcode(s->db), err, "registering the kind test");
	abuf sql = {0};
	if (abuf_puts(&sql, head) < 0 || abuf_puts(&sql, w->sql) < 0 || abuf_puts(&sql, tail) < 0) {
		abuf_free(&sql);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	const char *rest = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql.data, (int)sql.len, st, &rest);
	/* one statement, reading only: nothing the fragment holds can add one */
	bool one = rc == SQLITE_OK && rest && rest[strspn(rest, " ")] == '\0' &&
		   sqlite3_stmt_readonly(*st);
	abuf_free(&sql);
	if (rc != SQLITE_OK)
		return store_sqlerr(s, rc, err, "preparing a --where query");
	if (!one) {
		sqlite3_finalize(*st);
		*st = NULL;
		return assay_fail(err, ASSAY_EDB, "a --where query is not one read-only statement");
	}
	for (size_t i = 0; i < w->n_values && rc == SQLITE_OK; i++) {
		const store_where_value *v = &w->values[i];
		int idx = (int)(STORE_WHERE_PARAM0 + i);
		rc = v->type == STORE_WHERE_INT	   ? sqlite3_bind_int64(*st, idx, v->i)
		     : v->type == STORE_WHERE_REAL ? sqlite3_bind_double(*st, idx, v->d)
						   : store_bind_text(*st, idx, v->text, -1);
	}
	if (rc != SQLITE_OK) {
		sqlite3_finalize(*st);
		*st = NULL;
		return store_sqlerr(s, rc, err, "binding a --where value");
	}
	return ASSAY_OK;
}
