/* where.c — a --where AST (assay/query.h) compiled to SQL: a boolean
 * fragment over the samples table aliased s, every value bound as a
 * parameter (never written into the SQL text). How each field becomes SQL
 * is one row of the table below, so a change of schema (scores stored one
 * row per sample) or a new field is a change of rows. */
#include "store_int.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/query.h"
#include "assay/text.h"

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
 * the value, 'p' the JSON path of meta.PATH, 'k' the row's constant. `!=`
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

static const where_row rows[] = {
	{"flagged", 0, 0, NULL, W_SAMPLE, FLAG_IS, "a", NULL, NULL},
	{"score", 0, 0, NULL, W_SAMPLE, SCORE_IS, "av", NULL, NULL},
	{"learned", 0, 0, NULL, W_SAMPLE, LEARNED_IS, "v", NULL, NULL},
	{"quality", 0, 0, NULL, W_SAMPLE, "(s.quality IS NOT NULL AND s.quality %o ?)", "v", NULL,
	 NULL},
	{"meta", QUERY_LIT_NUMBER, 0, NULL, W_SAMPLE,
	 META_IS " %o ? AND json_type(s.record, ?) IN ('integer', 'real'), 0) ELSE 0 END", "pvp",
	 NULL, NULL},
	{"meta", QUERY_LIT_TEXT, QUERY_OP_EQ, NULL, W_SAMPLE,
	 META_IS " = ? AND json_type(s.record, ?) = 'text', 0) ELSE 0 END", "pvp", NULL, NULL},
	{"batch", 0, QUERY_OP_EQ, NULL, W_SAMPLE,
	 "s.batch_id IN (SELECT b.id FROM batches b WHERE b.name = ?)", "v", NULL, NULL},
	{"kind", 0, QUERY_OP_EQ, "undeclared", W_SAMPLE,
	 "s.batch_id IN (SELECT b.id FROM batches b WHERE b.kind = '')", "", NULL, NULL},
	{"kind", 0, QUERY_OP_EQ, NULL, W_SAMPLE,
	 "coalesce((SELECT assay_kind(b.kind, s.text_field, s.context IS NOT NULL)"
	 " FROM batches b WHERE b.id = s.batch_id), '') = ?", "v", NULL, NULL},
	{"verdict", 0, QUERY_OP_EQ, "undecided", W_SAMPLE,
	 "NOT EXISTS (SELECT 1 FROM decisions d WHERE d.sample_id = s.id"
	 " AND d.verdict <> 'skipped')", "", NULL, NULL},
	{"verdict", 0, QUERY_OP_EQ, NULL, W_DECISION, "d.verdict = ?", "v", NULL, NULL},
	{"reason", 0, QUERY_OP_MATCH, NULL, W_DECISION, "instr(lower(d.reason), lower(?)) > 0",
	 "v", NULL, NULL},
	{"reason", 0, QUERY_OP_EQ, NULL, W_DECISION, "d.reason = ?", "v", NULL, NULL},
	{"annotator", 0, QUERY_OP_EQ, NULL, W_DECISION,
	 "d.annotator_id IN (SELECT a.id FROM annotators a WHERE a.name = ?)", "v", NULL, NULL},
	{"decided_after", 0, QUERY_OP_EQ, NULL, W_DECISION, "d.decided_at >= ?", "v", NULL, NULL},
	{"decided_before", 0, QUERY_OP_EQ, NULL, W_DECISION, "d.decided_at < ?", "v", NULL, NULL},
	{"conflict", 0, 0, NULL, W_SAMPLE,
	 "(SELECT count(DISTINCT coalesce(d.pref, d.verdict)) FROM decisions d"
	 " WHERE d.sample_id = s.id AND d.verdict <> 'skipped') > 1", "", NULL, NULL},
	{"edited", 0, 0, NULL, W_SAMPLE,
	 "EXISTS (SELECT 1 FROM decisions d WHERE d.sample_id = s.id AND d.verdict = 'edited')",
	 "", NULL, NULL},
	{"spotcheck", 0, QUERY_OP_EQ, NULL, W_SAMPLE,
	 "s.id IN (SELECT k.sample_id FROM spotcheck_samples k WHERE k.spotcheck_id = ?)", "v",
	 NULL, NULL},
	{"text", QUERY_LIT_REGEX, QUERY_OP_MATCH, NULL, W_SAMPLE, "assay_regexp(?, s.text)", "v",
	 NULL, NULL},
	{"text", QUERY_LIT_TEXT, QUERY_OP_MATCH, NULL, W_SAMPLE,
	 "instr(lower(s.text), lower(?)) > 0", "v", NULL, NULL},
};

typedef struct wbuild {
	store_where *w;
	abuf sql;
	size_t cap;
	bool oom;
	bool each; /* the rows' sql_each where they have one */
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
	store_where_value *v = new_value(b);
	if (v) {
		v->type = STORE_WHERE_TEXT;
		b->oom |= !(v->text = assay_strdup(t));
	}
}

/* meta.a.b -> $."meta"."a"."b" (a step never holds a quote: the parser's
 * words cannot). */
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
	store_where_value *v = new_value(b);
	if (v && qv->type == QUERY_LIT_NUMBER)
		*v = (store_where_value){.type = STORE_WHERE_REAL, .d = qv->number};
	else if (v)
		*v = (store_where_value){.type = STORE_WHERE_INT, .i = qv->date};
}

/* A row's SQL for predicate e, its parameters bound in order. */
static void emit_row(wbuild *b, const where_row *r, const query_expr *e)
{
	static const char *const sql_ops[] = {
		[QUERY_OP_EQ] = "=", [QUERY_OP_NE] = "=",  [QUERY_OP_LT] = "<",
		[QUERY_OP_LE] = "<=", [QUERY_OP_GT] = ">", [QUERY_OP_GE] = ">=",
	};
	const char *bind = r->binds;
	b->w->regex |= e->value.type == QUERY_LIT_REGEX;
	b->w->kind |= strcmp(r->field, "kind") == 0;
	for (const char *p = b->each && r->sql_each ? r->sql_each : r->sql; *p; p++) {
		if (*p == '%' && p[1] == 'o') {
			put(b, e->op < QUERY_OP_MATCH && sql_ops[e->op] ? sql_ops[e->op] : "=");
			p++;
		} else if (*p == '?') {
			char c = *bind++;
			if (c == 'a' || c == 'k')
				bind_text(b, c == 'a' ? e->arg : r->constant);
			else if (c == 'p')
				bind_path(b, e);
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

/* One spelling of e into w (w->sql), its values bound in order. */
static int compile(const struct query_expr *e, store_where *w, bool each, assay_error *err)
{
	wbuild b = {.w = w, .each = each, .err = err};
	int rc = e ? emit(&b, e) : (put(&b, "1"), ASSAY_OK);
	if (rc == ASSAY_OK && b.oom)
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	w->sql = abuf_take(&b.sql);
	if (rc == ASSAY_OK && !w->sql)
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	return rc;
}

/* Both spellings bind the same values in the same order (a row's sql_each
 * has its sql's parameters): the second's values are dropped. */
int store_where_compile(const struct query_expr *e, store_where *out, assay_error *err)
{
	*out = (store_where){0};
	store_where each = {0};
	int rc = compile(e, out, false, err);
	if (rc == ASSAY_OK)
		rc = compile(e, &each, true, err);
	if (rc == ASSAY_OK && each.n_values != out->n_values)
		rc = assay_fail(err, ASSAY_EDB, "internal: the two spellings of a --where differ");
	out->sql_each = each.sql;
	each.sql = NULL;
	store_where_free(&each);
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

int store_where_count(store *s, const store_where *w, int64_t *n, assay_error *err)
{
	sqlite3_stmt *st;
	*n = 0;
	int rc = store_where_prepare(s, "SELECT count(*) FROM samples s WHERE ", w, "", &st, err);
	if (rc < 0)
		return rc;
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		rc = store_sqlerr(s, step, err, "counting a --where slice");
	sqlite3_finalize(st);
	return rc;
}

int store_where_each(store *s, const store_where *w, int (*fn)(void *ud, int64_t sample_id),
		     void *ud, assay_error *err)
{
	sqlite3_stmt *st;
	int rc = store_where_prepare(s, "SELECT s.id FROM samples s WHERE ", w, " ORDER BY s.id",
				     &st, err);
	if (rc < 0)
		return rc;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = fn(ud, sqlite3_column_int64(st, 0))) != 0)
			break;
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_sqlerr(s, step, err, "reading a --where slice");
	sqlite3_finalize(st);
	return rc;
}

int store_where_tally(store *s, const store_where *w, int64_t *n, int64_t *decided,
		      assay_error *err)
{
	sqlite3_stmt *st;
	*n = *decided = 0;
	int rc = store_where_prepare(s,
				     "SELECT count(*), coalesce(sum(EXISTS (SELECT 1 FROM decisions d"
				     " WHERE d.sample_id = s.id AND d.verdict <> 'skipped')), 0)"
				     " FROM samples s WHERE ",
				     w, "", &st, err);
	if (rc < 0)
		return rc;
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		*n = sqlite3_column_int64(st, 0);
		*decided = sqlite3_column_int64(st, 1);
	} else {
		rc = store_sqlerr(s, step, err, "counting a --where slice");
	}
	sqlite3_finalize(st);
	return rc;
}
