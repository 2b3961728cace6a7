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

/* The rule, for every screen (review, editor, audit drill-down): each code
 * point reaches the terminal as a glyph of its own or as a visible
 * placeholder, and only in forms whose width every terminal agrees on. A
 * printable cell is one curses character per spacing code point, each
 * with at most TEXT_CELL_MARKS zero-width marks; whatever a terminal might
 * merge into the character before it or draw as nothing (joiners,
 * variation selectors, tag characters, emoji modifiers, format and other
 * default-ignorable characters, line separators, unassigned code points)
 * is a cell of its own shown as <U+XXXX>. So "thumbs up, ZWJ, middle
 * finger" is drawn as the two emoji with <U+200D> between them: terminals
 * that would join them into one picture and terminals that would not both
 * see the same columns, and the reviewer sees what is in the text. */

static bool is_bidi(uint32_t cp)
{
	return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
	       cp == 0x200F || cp == 0x061C;
}

/* Emoji modifiers (skin tones) join the emoji before them in terminals that
 * shape emoji, and take two columns of their own in the others. */
static bool is_modifier(uint32_t cp)
{
	return cp >= 0x1F3FB && cp <= 0x1F3FF;
}

/* Code points drawn as a <U+XXXX> tag: invisible, or merged into what
 * comes before them in some terminals and not in others. */
static bool shown_as_tag(uint32_t cp, const utf8proc_property_t *p)
{
	return p->ignorable || p->category == UTF8PROC_CATEGORY_CF ||
	       p->category == UTF8PROC_CATEGORY_ZL || p->category == UTF8PROC_CATEGORY_ZP ||
	       p->category == UTF8PROC_CATEGORY_CN || is_modifier(cp);
}

/* The kind of a single code point when it stands alone (a CR is a CONTROL
 * unless an LF follows it, see next_cell). */
static enum text_kind kind_of(uint32_t cp)
{
	if (cp == '\t')
		return TEXT_TAB;
	if (cp == '\n')
		return TEXT_NEWLINE;
	if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
		return TEXT_CONTROL;
	if (cp == ' ')
		return TEXT_SPACE;
	if (is_bidi(cp))
		return TEXT_BIDI;
	const utf8proc_property_t *p = utf8proc_get_property((utf8proc_int32_t)cp);
	if (p->category == UTF8PROC_CATEGORY_ZS)
		return TEXT_SPACE;
	if (shown_as_tag(cp, p))
		return TEXT_INVISIBLE;
	return TEXT_PLAIN;
}

/* Columns of a printable code point as the C library's wcwidth (and so
 * curses, and most terminals) counts them: utf8proc's width, except that a
 * spacing mark takes a column and a conjoining Hangul vowel or final
 * consonant none. 0 means it draws over the character before it. */
static int cp_width(uint32_t cp)
{
	const utf8proc_property_t *p = utf8proc_get_property((utf8proc_int32_t)cp);
	if (p->category == UTF8PROC_CATEGORY_MC)
		return 1;
	if ((cp >= 0x1160 && cp <= 0x11FF) || (cp >= 0xD7B0 && cp <= 0xD7FF))
		return 0;
	int w = p->charwidth;
	return w < 0 ? 0 : w > 2 ? 2 : w;
}

/* Columns of the "<U+XXXX>" tag of cp. */
static uint8_t tag_width(uint32_t cp)
{
	return cp > 0xFFFFF ? 10 : cp > 0xFFFF ? 9 : 8;
}

/* Extends the printable cell c that starts with cp over the rest of its
 * grapheme cluster while what joins is printable, the cell stays at most
 * two columns wide (a flag's two regional indicators, a letter and its
 * spacing vowel sign) and holds at most TEXT_CELL_MARKS zero-width code
 * points (curses keeps no more with one character). The cluster goes on in
 * a new cell after that: a mark past the limit is drawn on a dotted circle,
 * a joiner as its tag, and nothing is cut off. */
static void plain_cell(const char *s, size_t n, uint32_t cp, text_cell *c)
{
	int width = cp_width(cp), marks = 0;
	if (width == 0) { /* a mark with no base: drawn on a dotted circle */
		width = 1;
		marks = 1;
	}
	utf8proc_int32_t state = 0;
	uint32_t prev = cp;
	size_t at = c->off + c->len;
	while (at < n) {
		uint32_t nx;
		bool ok;
		size_t l = text_utf8_next(s + at, n - at, &nx, &ok);
		if (!ok || utf8proc_grapheme_break_stateful((utf8proc_int32_t)prev,
							    (utf8proc_int32_t)nx, &state))
			break;
		if (kind_of(nx) != TEXT_PLAIN)
			break;
		int w = cp_width(nx);
		if (w == 0 ? marks == TEXT_CELL_MARKS : width + w > 2)
			break;
		marks += w == 0;
		width += w;
		prev = nx;
		at += l;
	}
	c->len = (uint32_t)(at - c->off);
	c->width = (uint8_t)width;
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
		c->width = 0;
		return;
	case TEXT_CONTROL:
		if (cp == '\r' && off + 1 < n && s[off + 1] == '\n') {
			*c = (text_cell){.off = (uint32_t)off, .len = 2, .kind = TEXT_NEWLINE};
			return;
		}
		c->width = cp < 0x20 || cp == 0x7F ? 2 : 8;
		return;
	case TEXT_BIDI:
	case TEXT_INVISIBLE:
		c->width = tag_width(cp);
		return;
	case TEXT_SPACE:
	case TEXT_TAB:
		return;
	default:
		plain_cell(s, n, cp, c);
	}
}

int text_cells_build(const char *s, size_t n, text_cells *out)
{
	out->n = 0;
	size_t off = 0;
	while (off < n) {
		if (ASSAY_GROW(out->v, out->n + 1, out->cap, 64) < 0)
			return ASSAY_ENOMEM;
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
		if (cp_width(cp) == 0) {
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
	char small[TEXT_CELL_BYTES];
	if (c->kind == TEXT_NEWLINE || c->kind == TEXT_TAB)
		return abuf_putc(b, ' ');
	return abuf_append(b, small, text_cell_bytes(s, c, small, sizeof small));
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
