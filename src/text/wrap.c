/* wrap.c — word wrapping of display cells to a width, in one pass: breaks
 * after spaces, hard-breaks words longer than a line, honours newlines,
 * never splits a wide cell. */
#include <stdlib.h>

#include "assay/text.h"

static int push(text_lines *out, size_t first, size_t end, int width)
{
	if (ASSAY_GROW(out->v, out->n + 1, out->cap, 32) < 0)
		return ASSAY_ENOMEM;
	out->v[out->n++] = (text_line){.first = first, .end = end, .width = width};
	return ASSAY_OK;
}

int text_wrap(const char *s, text_cells *cells, int width, text_lines *out)
{
	(void)s;
	if (width < 1)
		width = 1;
	out->n = 0;
	size_t start = 0, brk = 0;
	int col = 0, col_at_brk = 0;
	text_cell *v = cells->v;
	for (size_t i = 0; i < cells->n; i++) {
		text_cell *c = &v[i];
		if (c->kind == TEXT_NEWLINE) {
			if (push(out, start, i + 1, col) < 0)
				return ASSAY_ENOMEM;
			start = brk = i + 1;
			col = 0;
			continue;
		}
		if (c->kind == TEXT_TAB) {
			int w = 8 - col % 8;
			if (col + w > width)
				w = width - col > 0 ? width - col : 1;
			c->width = (uint8_t)w;
		}
		int cw = c->width;
		if (c->kind == TEXT_SPACE && col + cw > width) {
			/* a space at the edge stays as trailing space of this line */
			col += cw;
			brk = i + 1;
			col_at_brk = col;
			continue;
		}
		if (col + cw > width && i > start) {
			if (brk > start && brk <= i) {
				/* Word wrap: the line ends after the last run of spaces. */
				int w = col_at_brk > width ? width : col_at_brk;
				if (push(out, start, brk, w) < 0)
					return ASSAY_ENOMEM;
				start = brk;
				col = 0;
				for (size_t k = start; k < i; k++)
					col += v[k].width;
			} else {
				if (push(out, start, i, col) < 0)
					return ASSAY_ENOMEM;
				start = i;
				col = 0;
			}
			brk = start;
			if (col + cw > width && i > start) {
				/* The carried-over word still does not fit: hard break. */
				if (push(out, start, i, col) < 0)
					return ASSAY_ENOMEM;
				start = brk = i;
				col = 0;
			}
			if (c->kind == TEXT_TAB) {
				int w = 8 - col % 8;
				c->width = (uint8_t)(col + w > width ? (width - col > 0 ? width - col : 1) : w);
				cw = c->width;
			}
		}
		col += cw;
		if (c->kind == TEXT_SPACE || c->kind == TEXT_TAB) {
			/* spaces never start a wrapped line: extend the break past them */
			brk = i + 1;
			col_at_brk = col;
		}
	}
	if (start < cells->n || out->n == 0 ||
	    (cells->n && v[cells->n - 1].kind == TEXT_NEWLINE))
		if (push(out, start, cells->n, col) < 0)
			return ASSAY_ENOMEM;
	return ASSAY_OK;
}

void text_lines_free(text_lines *l)
{
	free(l->v);
	*l = (text_lines){0};
}
