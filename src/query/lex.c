/* lex.c — the tokenizer of the --where language and its errors: every
 * error names the 1-based column of the problem and echoes the expression
 * with a caret under it. */
#include "query_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "assay/text.h"

/* Bytes that end a bare word (and white space). */
static const char specials[] = "()=!<>~\"/";

bool qlex_word_byte(unsigned char c)
{
	return c > ' ' && c != 0x7f && !strchr(specials, c);
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t qcol(const qparser *p, size_t off)
{
	size_t col = 1;
	for (size_t i = 0; i < off && i < p->len; col++) {
		uint32_t cp;
		bool valid;
		i += text_utf8_next(p->src + i, p->len - i, &cp, &valid);
	}
	return col;
}

size_t qoff(const qparser *p, size_t col)
{
	size_t i = 0;
	for (size_t c = 1; c < col && i < p->len; c++) {
		uint32_t cp;
		bool valid;
		i += text_utf8_next(p->src + i, p->len - i, &cp, &valid);
	}
	return i;
}

/* Whether a code point may be echoed as itself: printable, and not a
 * control, a format character or a bidi control that could make the
 * echoed line read differently from what was typed. */
static bool echoable(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return false;
	return !(cp == 0xad || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
		 (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff);
}

/* Appends src's code points [from, to) (columns, 1-based) to b, anything
 * not echoable as '?' (one column each, so the caret lines up). */
static void echo_range(const qparser *p, size_t from, size_t to, abuf *b)
{
	size_t col = 1;
	for (size_t i = 0; i < p->len && col < to; col++) {
		uint32_t cp;
		bool valid;
		size_t n = text_utf8_next(p->src + i, p->len - i, &cp, &valid);
		if (col >= from) {
			if (valid && echoable(cp))
				abuf_append(b, p->src + i, n);
			else
				abuf_putc(b, is_space((unsigned char)p->src[i]) ? ' ' : '?');
		}
		i += n;
	}
}

#define ECHO_HALF 50

/* The expression (a window of it around col when long) and a caret line. */
static void echo(const qparser *p, size_t col, abuf *b)
{
	size_t end = qcol(p, p->len); /* one past the last column */
	size_t from = col > ECHO_HALF ? col - ECHO_HALF : 1;
	size_t to = ASSAY_MIN(end, col + ECHO_HALF);
	abuf_puts(b, "\n  ");
	size_t pad = col - from;
	if (from > 1) {
		abuf_puts(b, "...");
		pad += 3;
	}
	echo_range(p, from, to, b);
	if (to < end)
		abuf_puts(b, "...");
	abuf_puts(b, "\n  ");
	for (size_t i = 0; i < pad; i++)
		abuf_putc(b, ' ');
	abuf_putc(b, '^');
}

int qerr(qparser *p, size_t off, const char *fmt, ...)
{
	size_t col = qcol(p, off);
	if (p->err_col)
		*p->err_col = col;
	abuf b = {0};
	abuf_printf(&b, "column %zu: ", col);
	va_list ap;
	va_start(ap, fmt);
	abuf_vprintf(&b, fmt, ap);
	va_end(ap);
	echo(p, col, &b);
	if (!b.data)
		return assay_fail(p->err, ASSAY_ENOMEM, "out of memory");
	assay_fail(p->err, ASSAY_EINVAL, "%s", b.data);
	abuf_free(&b);
	return ASSAY_EINVAL;
}

void qtok_describe(const qparser *p, const tok *t, char *out, size_t size)
{
	if (t->type == TK_END) {
		snprintf(out, size, "the end of the expression");
		return;
	}
	if (t->type != TK_WORD && t->type != TK_STRING && t->type != TK_REGEX) {
		snprintf(out, size, "'%.*s'", (int)t->len, p->src + t->off);
		return;
	}
	/* the token as written, at most 32 columns of it, unprintables as ?;
	 * a word in quotes (a string or a regex shows its own delimiters) */
	qparser sub = {.src = p->src + t->off, .len = t->len};
	abuf b = {0};
	if (t->type == TK_WORD)
		abuf_putc(&b, '"');
	echo_range(&sub, 1, 33, &b);
	if (qcol(&sub, sub.len) > 33)
		abuf_puts(&b, "...");
	if (t->type == TK_WORD)
		abuf_putc(&b, '"');
	snprintf(out, size, "%s", b.data ? b.data : "a value");
	abuf_free(&b);
}

int qlex_check(qparser *p)
{
	if (p->len > QUERY_MAX_LEN)
		return qerr(p, QUERY_MAX_LEN, "the expression is longer than %d bytes",
			    QUERY_MAX_LEN);
	for (size_t i = 0; i < p->len;) {
		uint32_t cp;
		bool valid;
		size_t n = text_utf8_next(p->src + i, p->len - i, &cp, &valid);
		if (!valid)
			return qerr(p, i, "not UTF-8 (byte 0x%02X)", (unsigned char)p->src[i]);
		if (cp == 0)
			return qerr(p, i, "a NUL byte");
		if ((cp < 0x20 && !is_space((unsigned char)cp)) || (cp >= 0x7f && cp < 0xa0))
			return qerr(p, i, "control character U+%04X", (unsigned)cp);
		i += n;
	}
	return ASSAY_OK;
}

/* Scans a quoted string or regex from its opening delimiter. */
static int scan_delimited(qparser *p, char delim, const char *what)
{
	size_t start = p->pos++;
	while (p->pos < p->len && p->src[p->pos] != delim) {
		/* an escaped byte is checked too: none of them reaches a value raw */
		size_t at = p->pos + (p->src[p->pos] == '\\' && p->pos + 1 < p->len);
		char c = p->src[at];
		if (c != ' ' && is_space((unsigned char)c))
			return qerr(p, at, "a tab or line break inside a %s (write \\t, \\n "
					   "or \\r)", what);
		p->pos = at + 1;
	}
	if (p->pos >= p->len)
		return qerr(p, start, "%s never closed (no %c after it)", what, delim);
	p->pos++;
	p->cur.len = p->pos - start;
	return ASSAY_OK;
}

static bool word_is(const qparser *p, const char *kw)
{
	size_t n = strlen(kw);
	return p->cur.len == n && strncasecmp(p->src + p->cur.off, kw, n) == 0;
}

int qlex_next(qparser *p)
{
	while (p->pos < p->len && is_space((unsigned char)p->src[p->pos]))
		p->pos++;
	p->cur = (tok){.type = TK_END, .off = p->pos, .len = 0};
	if (p->pos >= p->len)
		return ASSAY_OK;
	char c = p->src[p->pos];
	char next = p->pos + 1 < p->len ? p->src[p->pos + 1] : '\0';
	p->cur.len = 1;
	switch (c) {
	case '(': p->cur.type = TK_LPAREN; break;
	case ')': p->cur.type = TK_RPAREN; break;
	case '"': p->cur.type = TK_STRING; return scan_delimited(p, '"', "string");
	case '/': p->cur.type = TK_REGEX; return scan_delimited(p, '/', "regex");
	case '=': p->cur.op = QUERY_OP_EQ; break;
	case '~': p->cur.op = QUERY_OP_MATCH; break;
	case '<': p->cur.op = next == '=' ? QUERY_OP_LE : QUERY_OP_LT; break;
	case '>': p->cur.op = next == '=' ? QUERY_OP_GE : QUERY_OP_GT; break;
	case '!':
		if (next != '=')
			return qerr(p, p->pos, "'!' on its own (write != or not)");
		p->cur.op = QUERY_OP_NE;
		break;
	case '\'':
		/* SQL's and the shell's quotes, read as a word, would match nothing */
		return qerr(p, p->pos, "a single quote: a string takes double quotes (\"...\")");
	default:
		while (p->pos + p->cur.len < p->len &&
		       qlex_word_byte((unsigned char)p->src[p->pos + p->cur.len]))
			p->cur.len++;
		p->cur.type = TK_WORD;
		p->pos += p->cur.len;
		p->cur.type = word_is(p, "and")	 ? TK_AND
			      : word_is(p, "or")	 ? TK_OR
			      : word_is(p, "not") ? TK_NOT
						  : TK_WORD;
		return ASSAY_OK;
	}
	if (p->cur.op) {
		p->cur.type = TK_OP;
		p->cur.len = strlen(query_op_name(p->cur.op));
	}
	p->pos += p->cur.len;
	return ASSAY_OK;
}
