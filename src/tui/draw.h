/* draw.h — untrusted text drawn cell by cell, never a control byte:
 * what every view, dialog and the editor draw text with. Private to
 * src/tui/. */
#ifndef ASSAY_TUI_DRAW_H
#define ASSAY_TUI_DRAW_H

#include <curses.h>

#include "assay/text.h"

/* Draws cell c of s at (y, x) of win in exactly min(c->width, maxw)
 * columns: a printable cell as one curses character per spacing code point
 * with its marks (every code point of it; U+FFFD in `ph` instead when the
 * C library does not know one of them or gives other widths), placeholders
 * (CONTROL, BIDI, INVISIBLE, INVALID, from text_cell_bytes) in attribute
 * `ph`, the rest in `normal`. Never sends a control byte. Returns the
 * columns used. */
int tui_draw_cell(WINDOW *win, int y, int x, int maxw, const char *s, const text_cell *c,
		  attr_t normal, attr_t ph);
/* Draws s[0..n) on one row from (y, x), at most maxw columns, cell by cell
 * as tui_draw_cell (newlines and tabs as one space). Returns the columns
 * used, or a negative status on ENOMEM. */
int tui_draw_text(WINDOW *win, int y, int x, int maxw, const char *s, size_t n, attr_t normal,
		  attr_t ph);
/* Whether s[0..n) is printable ASCII only (0x20 to 0x7e): one column per
 * byte, every byte a cell of its own, drawn as itself. */
bool tui_plain_ascii(const char *s, size_t n);
/* Draws such a string from (y, x) as tui_draw_cell draws its cells,
 * without laying it out. */
void tui_draw_ascii(WINDOW *win, int y, int x, const char *s, size_t n, attr_t a);
/* How many of the cells c[0..n) (at most max) are printable ASCII bytes
 * one after the other in s, each a cell of one column: what
 * tui_draw_ascii draws in one go. */
size_t tui_ascii_run(const char *s, const text_cell *c, size_t n, size_t max);

#endif
