/* cells.c — cutting untrusted text into display cells (grapheme clusters)
 * and the bytes to draw for each, so that no byte of a sample that a
 * terminal would interpret (C0, C1, ESC, DEL, bidi controls) ever reaches
 * it. Controls, bidi and invisible format characters always get a cell of
 * their own, shown as a visible placeholder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "assay/text.h"

#define DOTTED_CIRCLE "\xE2\x97\x8C"

static bool is_bidi(uint32_t cp)
{
	return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
	       cp == 0x200F || cp == 0x061C;
}

/* Characters that may sit inside an otherwise printable cluster. */
static bool is_joiner(uint32_t cp)
{
	return cp == 0x200D || cp == 0x200C || (cp >= 0xFE00 && cp <= 0xFE0F) ||
	       (cp >= 0xE0020 && cp <= 0xE007F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

/* The kind of a single code point when it stands alone. */
static enum text_kind kind_of(uint32_t cp)
{
	if (cp == '\t')
		return TEXT_TAB;
	if (cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029 || cp == 0x85)
		return cp == 0x85 ? TEXT_CONTROL : TEXT_NEWLINE;
	if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
		return TEXT_CONTROL;
	if (cp == ' ')
		return TEXT_SPACE;
	if (is_bidi(cp))
		return TEXT_BIDI;
	utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
	if (cat == UTF8PROC_CATEGORY_ZS)
		return TEXT_SPACE;
	if ((cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_ZL ||
	     cat == UTF8PROC_CATEGORY_ZP) && !is_joiner(cp))
		return TEXT_INVISIBLE;
	return TEXT_PLAIN;
}

static int cp_width(uint32_t cp)
{
	int w = utf8proc_charwidth((utf8proc_int32_t)cp);
	return w < 0 ? 0 : w > 2 ? 2 : w;
}

static bool is_mark(uint32_t cp)
{
	utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
	return cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC ||
	       cat == UTF8PROC_CATEGORY_ME;
}

/* Measures the cell starting at off: its length, kind and width. */
static void next_cell(const char *s, size_t n, size_t off, text_cell *c)
{
	uint32_t cp;
	bool ok;
	size_t len = text_utf8_next(s + off, n - off, &cp, &ok);
	*c = (text_cell){.off = (uint32_t)off, .len = (uint32_t)len, .width = 1};
	if (!ok) {
		c->kind = TEXT_INVALID;
		return;
	}
	c->kind = (uint8_t)kind_of(cp);
	switch (c->kind) {
	case TEXT_NEWLINE:
		if (cp == '\r' && off + 1 < n && s[off + 1] == '\n')
			c->len = 2;
		c->width = 0;
		return;
	case TEXT_CONTROL:
		c->width = cp < 0x20 || cp == 0x7F ? 2 : 8;
		return;
	case TEXT_BIDI:
	case TEXT_INVISIBLE:
		c->width = cp > 0xFFFF ? (cp > 0xFFFFF ? 10 : 9) : 8;
		return;
	case TEXT_SPACE:
	case TEXT_TAB:
		return;
	default:
		break;
	}
	/* A printable base: extend while utf8proc says the cluster goes on and
	 * the next code point is itself printable (or a joiner). */
	int width = cp_width(cp);
	bool lone_mark = is_mark(cp) && width == 0;
	bool emoji_seq = false;
	utf8proc_int32_t state = 0;
	uint32_t prev = cp;
	size_t at = off + len;
	while (at < n) {
		uint32_t nx;
		size_t l = text_utf8_next(s + at, n - at, &nx, &ok);
		if (!ok || utf8proc_grapheme_break_stateful((utf8proc_int32_t)prev,
							    (utf8proc_int32_t)nx, &state))
			break;
		if (!is_joiner(nx) && kind_of(nx) != TEXT_PLAIN)
			break;
		if (nx == 0x200D || nx == 0xFE0F || (nx >= 0x1F1E6 && nx <= 0x1F1FF))
			emoji_seq = true;
		int w = cp_width(nx);
		if (w > width)
			width = w;
		prev = nx;
		at += l;
	}
	c->len = (uint32_t)(at - off);
	if (emoji_seq)
		width = 2;
	c->width = (uint8_t)(width == 0 ? 1 : width);
	if (lone_mark)
		c->width = 1;
}

int text_cells_build(const char *s, size_t n, text_cells *out)
{
	out->n = 0;
	size_t off = 0;
	while (off < n) {
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 64;
			text_cell *v = realloc(out->v, cap * sizeof *v);
			if (!v)
				return ASSAY_ENOMEM;
			out->v = v;
			out->cap = cap;
		}
		text_cell *c = &out->v[out->n++];
		next_cell(s, n, off, c);
		off += c->len;
	}
	return ASSAY_OK;
}

void text_cells_free(text_cells *c)
{
	free(c->v);
	*c = (text_cells){0};
}

static size_t put(char *buf, size_t bufsz, const char *src, size_t len)
{
	if (bufsz == 0)
		return 0;
	if (len > bufsz - 1)
		len = bufsz - 1;
	memcpy(buf, src, len);
	buf[len] = '\0';
	return len;
}

size_t text_cell_bytes(const char *s, const text_cell *c, char *buf, size_t bufsz)
{
	char tmp[24];
	uint32_t cp;
	bool ok;
	switch (c->kind) {
	case TEXT_PLAIN:
		text_utf8_next(s + c->off, c->len, &cp, &ok);
		if (is_mark(cp) && cp_width(cp) == 0) {
			/* A mark with no base is drawn on a dotted circle. */
			size_t k = put(buf, bufsz, DOTTED_CIRCLE, 3);
			return k + put(buf + k, bufsz - k, s + c->off, c->len);
		}
		return put(buf, bufsz, s + c->off, c->len);
	case TEXT_SPACE:
		return put(buf, bufsz, " ", 1);
	case TEXT_TAB: {
		size_t w = c->width < sizeof tmp ? c->width : sizeof tmp - 1;
		memset(tmp, ' ', w);
		return put(buf, bufsz, tmp, w);
	}
	case TEXT_NEWLINE:
		return put(buf, bufsz, "", 0);
	case TEXT_INVALID:
		return put(buf, bufsz, "\xEF\xBF\xBD", 3);
	case TEXT_CONTROL:
		text_utf8_next(s + c->off, c->len, &cp, &ok);
		if (cp < 0x20 || cp == 0x7F) {
			tmp[0] = '^';
			tmp[1] = cp == 0x7F ? '?' : (char)(cp + 0x40);
			return put(buf, bufsz, tmp, 2);
		}
		/* fallthrough */
	default:
		text_utf8_next(s + c->off, c->len, &cp, &ok);
		snprintf(tmp, sizeof tmp, "<U+%04X>", (unsigned)cp);
		return put(buf, bufsz, tmp, strlen(tmp));
	}
}

size_t text_width(const char *s, size_t n)
{
	size_t w = 0, off = 0;
	while (off < n) {
		text_cell c;
		next_cell(s, n, off, &c);
		w += c.kind == TEXT_TAB ? 1 : c.width;
		off += c.len;
	}
	return w;
}

/* Appends the drawn bytes of one cell (tabs and newlines as one space). */
static int append_cell(abuf *b, const char *s, const text_cell *c)
{
	char small[32];
	if (c->kind == TEXT_NEWLINE || c->kind == TEXT_TAB)
		return abuf_putc(b, ' ');
	if (c->kind != TEXT_PLAIN)
		return abuf_append(b, small, text_cell_bytes(s, c, small, sizeof small));
	uint32_t cp;
	bool ok;
	text_utf8_next(s + c->off, c->len, &cp, &ok);
	if (is_mark(cp) && cp_width(cp) == 0 && abuf_append(b, DOTTED_CIRCLE, 3) < 0)
		return ASSAY_ENOMEM;
	return abuf_append(b, s + c->off, c->len);
}

char *text_sanitize_line(const char *s, size_t n)
{
	abuf b = {0};
	if (abuf_reserve(&b, n) < 0)
		return NULL;
	size_t off = 0;
	while (off < n) {
		text_cell c;
		next_cell(s, n, off, &c);
		if (append_cell(&b, s, &c) < 0) {
			abuf_free(&b);
			return NULL;
		}
		off += c.len;
	}
	return abuf_take(&b);
}

size_t text_grapheme_next(const char *s, size_t n, size_t off)
{
	if (off >= n)
		return n;
	text_cell c;
	next_cell(s, n, off, &c);
	return off + c.len;
}

size_t text_grapheme_prev(const char *s, size_t n, size_t off)
{
	if (off == 0)
		return 0;
	if (off > n)
		off = n;
	/* Cluster boundaries depend on what came before: walk forward from the
	 * start of the line (a line break always ends a cluster). */
	size_t start = off - 1;
	while (start > 0 && s[start - 1] != '\n')
		start--;
	size_t at = start, last = start;
	while (at < off) {
		last = at;
		at = text_grapheme_next(s, n, at);
	}
	return last;
}
