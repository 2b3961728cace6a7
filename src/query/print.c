/* print.c — an AST back to its one canonical spelling (the review
 * screen's top bar, named slices), AST equality for the round-trip
 * tests, and freeing. */
#include "query_int.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/text.h"

void query_free(query_expr *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_kids; i++)
		query_free(e->kids[i]);
	free(e->kids);
	free(e->arg);
	free(e->value.text);
	free(e);
}

static bool str_equal(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

bool query_equal(const query_expr *a, const query_expr *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind || a->n_kids != b->n_kids || a->field != b->field ||
	    !str_equal(a->arg, b->arg) || a->op != b->op || a->value.type != b->value.type ||
	    a->value.number != b->value.number || a->value.date != b->value.date ||
	    !str_equal(a->value.text, b->value.text))
		return false;
	for (size_t i = 0; i < a->n_kids; i++)
		if (!query_equal(a->kids[i], b->kids[i]))
			return false;
	return true;
}

/* The output, and whether memory ran out on the way. */
typedef struct pbuf {
	abuf b;
	bool oom;
} pbuf;

static void pb_append(pbuf *p, const char *s, size_t n)
{
	p->oom |= abuf_append(&p->b, s, n) < 0;
}

static void pb_puts(pbuf *p, const char *s)
{
	pb_append(p, s, strlen(s));
}

static void pb_putc(pbuf *p, char c)
{
	pb_append(p, &c, 1);
}

static void pb_u16(pbuf *p, unsigned v)
{
	char buf[8];
	snprintf(buf, sizeof buf, "\\u%04X", v);
	pb_puts(p, buf);
}

/* The shortest %g that reads back as exactly d, in the C locale. */
static void print_number(pbuf *b, double d)
{
	locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	locale_t old = c ? uselocale(c) : (locale_t)0;
	char buf[40];
	buf[0] = '\0';
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (c) {
		uselocale(old);
		freelocale(c);
	}
	pb_puts(b, buf);
}

/* Whether a code point is written as itself inside quotes: not a control,
 * a format or a bidi character (so the spelling is safe to show). */
static bool plain_cp(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return false;
	return !(cp == 0xad || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
		 (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff);
}

static void print_string(pbuf *b, const char *s)
{
	size_t n = strlen(s);
	pb_putc(b, '"');
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		bool valid;
		size_t k = text_utf8_next(s + i, n - i, &cp, &valid);
		const char *esc = cp == '"' ? "\\\"" : cp == '\\' ? "\\\\" : cp == '\n' ? "\\n"
				  : cp == '\r' ? "\\r" : cp == '\t' ? "\\t" : NULL;
		if (esc)
			pb_puts(b, esc);
		else if (!plain_cp(cp) && cp < 0x10000)
			pb_u16(b, (unsigned)cp);
		else if (!plain_cp(cp)) {
			pb_u16(b, (unsigned)(0xd800 + ((cp - 0x10000) >> 10)));
			pb_u16(b, (unsigned)(0xdc00 + ((cp - 0x10000) & 0x3ff)));
		}
		else
			pb_append(b, s + i, k);
		i += k;
	}
	pb_putc(b, '"');
}

/* A scorer's name bare when it is a plain identifier, else quoted. */
static void print_name(pbuf *b, const char *s)
{
	bool bare = *s != '\0';
	for (const char *p = s; *p && bare; p++)
		bare = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.';
	bare = bare && strcasecmp(s, "and") && strcasecmp(s, "or") && strcasecmp(s, "not");
	if (bare)
		pb_puts(b, s);
	else
		print_string(b, s);
}

static void print_regex(pbuf *b, const char *re)
{
	pb_putc(b, '/');
	for (size_t i = 0; re[i]; i++) {
		if (re[i] == '\\' && re[i + 1])
			pb_append(b, re + i++, 2);
		else if (re[i] == '/')
			pb_puts(b, "\\/");
		else
			pb_putc(b, re[i]);
	}
	pb_putc(b, '/');
}

static void print_pred(pbuf *b, const query_expr *e)
{
	pb_puts(b, e->field->name);
	if (e->field->arg == QUERY_ARG_PAREN) {
		pb_putc(b, '(');
		print_name(b, e->arg);
		pb_putc(b, ')');
	} else if (e->arg) {
		pb_putc(b, '.');
		pb_puts(b, e->arg);
	}
	if (e->op == QUERY_OP_NONE)
		return;
	pb_putc(b, ' ');
	pb_puts(b, query_op_name(e->op));
	pb_putc(b, ' ');
	const query_value *v = &e->value;
	char date[16];
	switch (v->type) {
	case QUERY_LIT_NUMBER: print_number(b, v->number); break;
	case QUERY_LIT_DATE:
		qlit_date_format(v->date, date);
		pb_puts(b, date);
		break;
	case QUERY_LIT_REGEX: print_regex(b, v->text); break;
	default:
		if (e->field->value == QUERY_VAL_ENUM)
			pb_puts(b, v->text);
		else
			print_string(b, v->text);
	}
}

static void print_expr(pbuf *b, const query_expr *e)
{
	if (e->kind == QUERY_PRED) {
		print_pred(b, e);
		return;
	}
	if (e->kind == QUERY_NOT)
		pb_puts(b, "not ");
	for (size_t i = 0; i < e->n_kids; i++) {
		const query_expr *k = e->kids[i];
		/* parentheses where the kid binds more loosely than its place */
		bool paren = (e->kind == QUERY_NOT && (k->kind == QUERY_AND || k->kind == QUERY_OR)) ||
			     (e->kind == QUERY_AND && k->kind == QUERY_OR) || k->kind == e->kind;
		paren = paren && k->kind != QUERY_NOT;
		if (i)
			pb_puts(b, e->kind == QUERY_AND ? " and " : " or ");
		if (paren)
			pb_putc(b, '(');
		print_expr(b, k);
		if (paren)
			pb_putc(b, ')');
	}
}

char *query_print(const query_expr *e)
{
	pbuf b = {0};
	pb_puts(&b, "");
	if (e)
		print_expr(&b, e);
	if (b.oom) {
		abuf_free(&b.b);
		return NULL;
	}
	return abuf_take(&b.b);
}
