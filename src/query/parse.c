/* parse.c — the recursive-descent parser of the --where language: or over
 * and over not over parentheses and predicates; each predicate is checked
 * against its field's row (argument, operator, value) and its value becomes
 * a typed literal. Nesting and size are bounded (QUERY_MAX_*). */
#include "query_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static query_expr *node_new(qparser *p, int kind, size_t off)
{
	query_expr *e = calloc(1, sizeof *e);
	if (!e) {
		assay_fail(p->err, ASSAY_ENOMEM, "out of memory");
		return NULL;
	}
	e->kind = kind;
	e->col = qcol(p, off);
	return e;
}

/* Adds kid to an and/or node; a kid of the same kind gives its own kids
 * instead, so a chain is one node however it was parenthesized. */
static int add_kid(qparser *p, query_expr *e, query_expr *kid)
{
	size_t more = kid->kind == e->kind ? kid->n_kids : 1;
	query_expr **v = realloc(e->kids, (e->n_kids + more) * sizeof *v);
	if (!v) {
		query_free(kid);
		return assay_fail(p->err, ASSAY_ENOMEM, "out of memory");
	}
	e->kids = v;
	if (kid->kind != e->kind) {
		e->kids[e->n_kids++] = kid;
		return ASSAY_OK;
	}
	memcpy(e->kids + e->n_kids, kid->kids, more * sizeof *v);
	e->n_kids += more;
	free(kid->kids);
	free(kid);
	return ASSAY_OK;
}

static int expect_got(qparser *p, const char *what)
{
	char got[160];
	qtok_describe(p, &p->cur, got, sizeof got);
	return qerr(p, p->cur.off, "expected %s, got %s", what, got);
}

static int parse_or(qparser *p, query_expr **out);

/* FIELD: a word naming a row, with its argument after a dot or in
 * parentheses as the row says. */
static int parse_field(qparser *p, query_expr *e)
{
	const tok w = p->cur;
	const char *s = p->src + w.off;
	const char *dot = memchr(s, '.', w.len);
	size_t name_len = dot ? (size_t)(dot - s) : w.len;
	const query_field *f = query_field_find(s, name_len);
	if (!f) {
		/* the name as the echo shows it: cut by columns, unprintables as ? */
		char name[160];
		qtok_describe(p, &(tok){.type = TK_WORD, .off = w.off, .len = name_len}, name,
			      sizeof name);
		return qerr(p, w.off, "unknown field %s (fields: flagged(NAME), score.NAME, "
				      "quality, learned, meta.PATH, batch, kind, verdict, reason, "
				      "annotator, conflict, edited, decided_after, decided_before, "
				      "text)",
			    name);
	}
	e->field = f;
	bool dotted = f->arg == QUERY_ARG_NAME || f->arg == QUERY_ARG_PATH;
	if (dot && !dotted)
		return qerr(p, w.off + name_len, "%s takes no '.NAME'", f->name);
	if (dotted) {
		const char *rest = dot ? dot + 1 : NULL;
		size_t n = dot ? w.len - name_len - 1 : 0;
		bool empty_step = f->arg == QUERY_ARG_PATH && n &&
				  (memmem(rest, n, "..", 2) || rest[0] == '.' || rest[n - 1] == '.');
		if (!n || empty_step)
			return qerr(p, dot ? (size_t)(rest - p->src) : w.off + w.len,
				    "%s needs a name after the dot (%s)", f->name, f->help);
		if (!(e->arg = assay_strndup(rest, n)))
			return assay_fail(p->err, ASSAY_ENOMEM, "out of memory");
		e->arg_col = qcol(p, (size_t)(rest - p->src));
	}
	int rc = qlex_next(p);
	if (rc < 0 || f->arg != QUERY_ARG_PAREN)
		return rc;
	if (p->cur.type != TK_LPAREN)
		return expect_got(p, "'(' and a scorer's name (flagged(NAME))");
	if ((rc = qlex_next(p)) < 0)
		return rc;
	e->arg_col = qcol(p, p->cur.off);
	if (p->cur.type == TK_STRING)
		rc = qlit_string(p, &p->cur, &e->arg);
	else if (p->cur.type == TK_WORD && (e->arg = assay_strndup(p->src + p->cur.off,
								    p->cur.len)) == NULL)
		rc = assay_fail(p->err, ASSAY_ENOMEM, "out of memory");
	else if (p->cur.type != TK_WORD)
		return expect_got(p, "a scorer's name");
	if (rc < 0 || (rc = qlex_next(p)) < 0)
		return rc;
	if (p->cur.type != TK_RPAREN)
		return expect_got(p, "')' after the scorer's name");
	return qlex_next(p);
}

/* The operators a field takes, spelled out: "= != < <= > >=". */
static void ops_list(unsigned ops, char *out, size_t size)
{
	size_t n = 0;
	out[0] = '\0';
	for (int op = QUERY_OP_EQ; op <= QUERY_OP_MATCH; op++)
		if (ops & 1u << op)
			n += (size_t)snprintf(out + n, size - n, "%s%s", n ? " " : "",
					      query_op_name(op));
}

/* A text value: a string, or a bare word taken as written. */
static int text_value(qparser *p, query_value *v)
{
	v->type = QUERY_LIT_TEXT;
	if (p->cur.type == TK_STRING)
		return qlit_string(p, &p->cur, &v->text);
	if (!(v->text = assay_strndup(p->src + p->cur.off, p->cur.len)))
		return assay_fail(p->err, ASSAY_ENOMEM, "out of memory");
	return ASSAY_OK;
}

/* Whether the current token can be read as a value of kind k. */
static bool value_fits(const qparser *p, int k, int op)
{
	int t = p->cur.type;
	double d;
	bool range;
	bool number = t == TK_WORD && qlit_number(p->src + p->cur.off, p->cur.len, &d, &range);
	switch (k) {
	case QUERY_VAL_NUMBER: return number;
	case QUERY_VAL_ANY:
		return number || ((t == TK_WORD || t == TK_STRING) && op != QUERY_OP_LT &&
				  op != QUERY_OP_LE && op != QUERY_OP_GT && op != QUERY_OP_GE);
	case QUERY_VAL_PATTERN: return t == TK_WORD || t == TK_STRING || t == TK_REGEX;
	default: return t == TK_WORD || t == TK_STRING;
	}
}

static const char *value_wanted(const query_field *f, int op, char *buf, size_t size)
{
	switch (f->value) {
	case QUERY_VAL_NUMBER: return "a number";
	case QUERY_VAL_ANY:
		return op == QUERY_OP_EQ || op == QUERY_OP_NE ? "a number or a string"
							      : "a number";
	case QUERY_VAL_DATE: return "a date (YYYY-MM-DD)";
	case QUERY_VAL_PATTERN: return "a string or a /regex/";
	case QUERY_VAL_ENUM: {
		size_t n = (size_t)snprintf(buf, size, "one of");
		for (size_t i = 0; f->words[i]; i++)
			n += (size_t)snprintf(buf + n, size - n, "%s %s", i ? "," : "",
					      f->words[i]);
		return buf;
	}
	default: return "a string or a word";
	}
}

/* The value after the operator, as the field's kind of literal. */
static int parse_value(qparser *p, query_expr *e, const tok *op)
{
	const query_field *f = e->field;
	query_value *v = &e->value;
	char wanted[160], got[160];
	const char *what = value_wanted(f, e->op, wanted, sizeof wanted);
	const char *s = p->src + p->cur.off;
	double d;
	bool range = false;
	int rc = ASSAY_OK;
	if (!value_fits(p, f->value, e->op)) {
		if (p->cur.type == TK_WORD)
			qlit_number(s, p->cur.len, &d, &range);
		qtok_describe(p, &p->cur, got, sizeof got);
		return qerr(p, p->cur.off, "expected %s after '%.*s', got %s%s", what,
			    (int)op->len, p->src + op->off, got,
			    range ? " (out of range)" : "");
	}
	if (p->cur.type == TK_REGEX) {
		v->type = QUERY_LIT_REGEX;
		rc = qlit_regex(p, &p->cur, &v->text);
	} else if (p->cur.type == TK_WORD &&
		   (f->value == QUERY_VAL_NUMBER || f->value == QUERY_VAL_ANY) &&
		   qlit_number(s, p->cur.len, &d, &range)) {
		v->type = QUERY_LIT_NUMBER;
		v->number = d;
	} else {
		rc = text_value(p, v);
	}
	if (rc == ASSAY_OK && f->value == QUERY_VAL_DATE) {
		v->type = QUERY_LIT_DATE;
		if (!qlit_date(v->text, strlen(v->text), &v->date)) {
			qtok_describe(p, &p->cur, got, sizeof got);
			rc = qerr(p, p->cur.off, "expected %s after '%.*s', got %s", what,
				  (int)op->len, p->src + op->off, got);
		}
		free(v->text);
		v->text = NULL;
	}
	if (rc == ASSAY_OK && f->value == QUERY_VAL_ENUM) {
		size_t i = 0;
		while (f->words[i] && strcmp(f->words[i], v->text) != 0)
			i++;
		if (!f->words[i]) {
			qtok_describe(p, &p->cur, got, sizeof got);
			rc = qerr(p, p->cur.off, "expected %s after '%.*s', got %s", what,
				  (int)op->len, p->src + op->off, got);
		}
	}
	return rc < 0 ? rc : qlex_next(p);
}

static int parse_pred(qparser *p, query_expr **out)
{
	if (p->cur.type != TK_WORD)
		return expect_got(p, "a field, 'not' or '('");
	if (++p->preds > QUERY_MAX_PREDICATES)
		return qerr(p, p->cur.off, "more than %d predicates", QUERY_MAX_PREDICATES);
	query_expr *e = *out = node_new(p, QUERY_PRED, p->cur.off);
	if (!e)
		return ASSAY_ENOMEM;
	int rc = parse_field(p, e);
	if (rc < 0)
		return rc;
	const query_field *f = e->field;
	if (f->value == QUERY_VAL_NONE) {
		if (p->cur.type == TK_OP)
			return qerr(p, p->cur.off, "%s stands alone: it takes no '%s' (%s)",
				    f->name, query_op_name(p->cur.op), f->help);
		return ASSAY_OK;
	}
	char ops[64], what[96];
	ops_list(f->ops, ops, sizeof ops);
	if (p->cur.type != TK_OP) {
		snprintf(what, sizeof what, "an operator after %s (%s)", f->name, ops);
		return expect_got(p, what);
	}
	if (!(f->ops & 1u << p->cur.op))
		return qerr(p, p->cur.off, "%s takes %s, not '%s'", f->name, ops,
			    query_op_name(p->cur.op));
	e->op = p->cur.op;
	tok op = p->cur;
	if ((rc = qlex_next(p)) < 0)
		return rc;
	return parse_value(p, e, &op);
}

static int parse_unary(qparser *p, query_expr **out)
{
	int type = p->cur.type;
	if (type != TK_NOT && type != TK_LPAREN)
		return parse_pred(p, out);
	if (++p->depth > QUERY_MAX_DEPTH)
		return qerr(p, p->cur.off, "nested more than %d deep", QUERY_MAX_DEPTH);
	tok open = p->cur;
	int rc = qlex_next(p);
	if (rc < 0)
		return rc;
	if (type == TK_NOT) {
		query_expr *e = *out = node_new(p, QUERY_NOT, open.off);
		if (!e || !(e->kids = calloc(1, sizeof *e->kids)))
			return assay_fail(p->err, ASSAY_ENOMEM, "out of memory");
		e->n_kids = 1;
		rc = parse_unary(p, &e->kids[0]);
	} else if ((rc = parse_or(p, out)) == ASSAY_OK && p->cur.type != TK_RPAREN) {
		char what[64];
		snprintf(what, sizeof what, "')' to close the '(' at column %zu", qcol(p, open.off));
		return expect_got(p, what);
	} else if (rc == ASSAY_OK) {
		rc = qlex_next(p);
	}
	p->depth--;
	return rc;
}

/* and := unary ("and" unary)*; or := and ("or" and)*. */
static int parse_chain(qparser *p, query_expr **out, int kind)
{
	int keyword = kind == QUERY_OR ? TK_OR : TK_AND;
	int rc = kind == QUERY_OR ? parse_chain(p, out, QUERY_AND) : parse_unary(p, out);
	if (rc < 0 || p->cur.type != keyword)
		return rc;
	query_expr *e = node_new(p, kind, 0);
	if (!e)
		return ASSAY_ENOMEM;
	e->col = (*out)->col; /* where its first kid starts */
	rc = add_kid(p, e, *out);
	*out = e;
	while (rc == ASSAY_OK && p->cur.type == keyword) {
		query_expr *kid = NULL;
		if ((rc = qlex_next(p)) < 0)
			break;
		rc = kind == QUERY_OR ? parse_chain(p, &kid, QUERY_AND) : parse_unary(p, &kid);
		if (kid) {
			int add = add_kid(p, e, kid);
			rc = rc < 0 ? rc : add;
		}
	}
	return rc;
}

static int parse_or(qparser *p, query_expr **out)
{
	*out = NULL;
	return parse_chain(p, out, QUERY_OR);
}

int query_parse(const char *src, size_t len, query_expr **out, size_t *err_col,
		assay_error *err)
{
	assay_error local;
	*out = NULL;
	if (err_col)
		*err_col = 0;
	qparser p = {.src = src ? src : "", .len = src ? len : 0, .err_col = err_col,
		     .err = err ? err : &local};
	query_expr *e = NULL;
	int rc = qlex_check(&p);
	if (rc == ASSAY_OK && (rc = qlex_next(&p)) == ASSAY_OK &&
	    (rc = parse_or(&p, &e)) == ASSAY_OK && p.cur.type != TK_END)
		rc = expect_got(&p, "'and', 'or' or the end of the expression");
	/* the canonical spelling must read back: it must fit the limit too */
	char *canon = rc == ASSAY_OK ? query_print(e) : NULL;
	if (rc == ASSAY_OK && !canon)
		rc = assay_fail(p.err, ASSAY_ENOMEM, "out of memory");
	else if (rc == ASSAY_OK && strlen(canon) > QUERY_MAX_LEN)
		rc = qerr(&p, 0, "the expression is longer than %d bytes when written out in "
				 "full (%zu)", QUERY_MAX_LEN, strlen(canon));
	free(canon);
	if (rc < 0) {
		query_free(e);
		return rc;
	}
	*out = e;
	return ASSAY_OK;
}
