/* draw.c — drawing untrusted text cell by cell at the columns the text
 * layer computed (so curses and the terminal never disagree about where
 * the next cell goes): what every view, dialog and the editor draw text
 * with (draw.h). */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "draw.h"

static bool is_placeholder(const text_cell *c)
{
	return c->kind == TEXT_CONTROL || c->kind == TEXT_BIDI || c->kind == TEXT_INVISIBLE ||
	       c->kind == TEXT_INVALID;
}

/* The text layer puts at most this many marks with one character. */
_Static_assert(CCHARW_MAX - 1 >= TEXT_CELL_MARKS, "a cchar_t holds a cell's marks");

/* The next curses character of b[0..n): a spacing code point and the
 * zero-width ones after it, into wc (NUL-terminated). Returns the bytes it
 * takes and its columns in *cols (-1: one of its code points is unknown to
 * the C library, or it has no spacing character). */
static size_t next_group(const char *b, size_t n, wchar_t wc[CCHARW_MAX + 1], int *cols)
{
	int k = 0;
	size_t i = 0;
	*cols = -1;
	while (i < n && k < CCHARW_MAX) {
		uint32_t cp;
		bool ok;
		size_t len = text_utf8_next(b + i, n - i, &cp, &ok);
		int w = ok ? wcwidth((wchar_t)cp) : -1;
		if (k > 0 && w != 0)
			break;
		if (w < 0 || (k == 0 && w == 0)) {
			*cols = -1;
			return i + len;
		}
		if (k == 0)
			*cols = w;
		wc[k++] = (wchar_t)cp;
		i += len;
	}
	wc[k] = L'\0';
	return i;
}

/* Columns curses gives the characters of b[0..n), -1 if it cannot draw
 * them all. */
static int curses_cols(const char *b, size_t n)
{
	wchar_t wc[CCHARW_MAX + 1];
	int total = 0;
	for (size_t i = 0; i < n;) {
		int cols;
		i += next_group(b + i, n - i, wc, &cols);
		if (cols < 0)
			return -1;
		total += cols;
	}
	return total;
}

/* Draws the characters of b[0..n) from (y, x) while they fit in w columns;
 * returns the columns used. */
static int put_groups(WINDOW *win, int y, int x, int w, const char *b, size_t n, attr_t a)
{
	wchar_t wc[CCHARW_MAX + 1];
	int used = 0;
	for (size_t i = 0; i < n;) {
		int cols;
		i += next_group(b + i, n - i, wc, &cols);
		if (cols < 0 || used + cols > w)
			break;
		cchar_t cc;
		if (setcchar(&cc, wc, a & ~A_COLOR, (short)PAIR_NUMBER(a), NULL) == OK)
			mvwadd_wch(win, y, x + used, &cc);
		used += cols;
	}
	return used;
}

/* Every code point of the cell is drawn: a printable cell as one curses
 * character per spacing code point (the text layer keeps its marks within
 * what a cchar_t holds and its width what wcwidth says, so curses and the
 * terminal agree on the columns); where the C library does not know a code
 * point or counts it otherwise, a replacement mark stands for the cell. */
bool tui_plain_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/* Cells put in place with one call on the screen's own window: stdscr has
 * no background to merge into them (a dialog's window has: its cells go
 * one by one, through curses' rendering). */
#define ASCII_RUN 64

void tui_draw_ascii(WINDOW *win, int y, int x, const char *s, size_t n, attr_t a)
{
	wchar_t blank[2] = {L' ', L'\0'};
	cchar_t cell, run[ASCII_RUN];
	if (setcchar(&cell, blank, a & ~A_COLOR, (short)PAIR_NUMBER(a), NULL) != OK)
		return;
	while (n > 0) {
		size_t k = n < ASCII_RUN ? n : ASCII_RUN;
		for (size_t i = 0; i < k; i++) {
			run[i] = cell;
			run[i].chars[0] = (wchar_t)(unsigned char)s[i];
			if (win != stdscr)
				mvwadd_wch(win, y, x + (int)i, &run[i]);
		}
		if (win == stdscr)
			mvwadd_wchnstr(win, y, x, run, (int)k);
		s += k;
		n -= k;
		x += (int)k;
	}
}

size_t tui_ascii_run(const char *s, const text_cell *c, size_t n, size_t max)
{
	size_t k = 0;
	while (k < n && k < max && c[k].width == 1 && c[k].len == 1 &&
	       (c[k].kind == TEXT_PLAIN || c[k].kind == TEXT_SPACE) &&
	       c[k].off == c[0].off + k && (unsigned char)s[c[k].off] >= 0x20 &&
	       (unsigned char)s[c[k].off] <= 0x7e)
		k++;
	return k;
}

int tui_draw_cell(WINDOW *win, int y, int x, int maxw, const char *s, const text_cell *c,
		  attr_t normal, attr_t ph)
{
	int w = c->width < maxw ? c->width : maxw;
	if (w <= 0)
		return 0;
	if (c->width == 1 && (c->kind == TEXT_SPACE || (c->kind == TEXT_PLAIN && c->len == 1 &&
							 tui_plain_ascii(s + c->off, 1)))) {
		/* a printable ASCII byte or a space: drawn as itself */
		tui_draw_ascii(win, y, x, c->kind == TEXT_SPACE ? " " : s + c->off, 1, normal);
		return 1;
	}
	attr_t a = is_placeholder(c) ? ph : normal;
	char b[TEXT_CELL_BYTES];
	size_t n = text_cell_bytes(s, c, b, sizeof b);
	int used;
	if (c->kind == TEXT_PLAIN && curses_cols(b, n) != c->width) {
		wattrset(win, ph);
		mvwaddnstr(win, y, x, "\xEF\xBF\xBD", 3);
		used = 1;
	} else {
		used = put_groups(win, y, x, w, b, n, a);
	}
	for (; used < w; used++)
		mvwaddch(win, y, x + used, ' ' | a);
	return w;
}

int tui_draw_text(WINDOW *win, int y, int x, int maxw, const char *s, size_t n, attr_t normal,
		  attr_t ph)
{
	if (tui_plain_ascii(s, n)) { /* a cell per byte: no layout needed */
		size_t k = maxw <= 0 ? 0 : n < (size_t)maxw ? n : (size_t)maxw;
		tui_draw_ascii(win, y, x, s, k, normal);
		return (int)k;
	}
	text_cells cells = {0};
	if (text_cells_build(s, n, &cells) < 0) {
		text_cells_free(&cells);
		return ASSAY_ENOMEM;
	}
	int used = 0;
	for (size_t i = 0; i < cells.n && used < maxw; i++) {
		text_cell *c = &cells.v[i];
		if (c->kind == TEXT_NEWLINE || c->kind == TEXT_TAB)
			c->width = 1, c->kind = TEXT_SPACE;
		if (c->width > maxw - used)
			break;
		used += tui_draw_cell(win, y, x + used, maxw - used, s, c, normal, ph);
	}
	text_cells_free(&cells);
	return used;
}
