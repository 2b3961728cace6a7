/* doc.c — a document of wrapped text with a role per byte (the conflicts
 * view's verdicts and word diffs), laid out to a width and drawn cell by
 * cell in its roles. */
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "doc.h"

/* ---- The document ------------------------------------------------------- */

void tui_doc_reset(tui_doc *d)
{
	abuf_reset(&d->text);
	d->width = 0;
}

void tui_doc_free(tui_doc *d)
{
	abuf_free(&d->text);
	free(d->roles);
	text_cells_free(&d->cells);
	text_lines_free(&d->lines);
	*d = (tui_doc){0};
}

void tui_doc_add(tui_doc *d, const char *s, size_t n, int role)
{
	size_t at = d->text.len;
	if (abuf_append(&d->text, s, n) < 0)
		return;
	if (ASSAY_GROW(d->roles, d->text.len + 1, d->roles_cap, 64) < 0) {
		d->text.len = at;
		return;
	}
	memset(d->roles + at, role, n);
	d->width = 0;
}

void tui_doc_line(tui_doc *d, const char *s, int role)
{
	size_t at = d->text.len;
	tui_doc_add(d, s, strlen(s), role);
	for (size_t i = at; i < d->text.len; i++)
		if (d->text.data[i] == '\n' || d->text.data[i] == '\r')
			d->text.data[i] = ' ';
	/* U+2028 and U+2029 break lines too */
	for (size_t i = at; i + 2 < d->text.len; i++)
		if ((unsigned char)d->text.data[i] == 0xe2 &&
		    (unsigned char)d->text.data[i + 1] == 0x80 &&
		    ((unsigned char)d->text.data[i + 2] == 0xa8 ||
		     (unsigned char)d->text.data[i + 2] == 0xa9))
			memset(d->text.data + i, ' ', 3);
	tui_doc_add(d, "\n", 1, role);
}

void tui_doc_diff(tui_doc *d, const char *orig, const char *edit)
{
	text_diff df = {0};
	if (text_word_diff(orig, strlen(orig), edit, strlen(edit), &df) < 0) {
		tui_doc_add(d, edit, strlen(edit), CONF_ROLE_SAMPLE_TEXT);
		text_diff_free(&df);
		return;
	}
	size_t b_at = 0; /* how far into the edit the text has come */
	for (size_t i = 0; i < df.n; i++) {
		const text_diff_chunk *c = &df.v[i];
		if (c->op == TEXT_DIFF_DELETE) {
			if (d->text.len && d->text.data[d->text.len - 1] != ' ' &&
			    d->text.data[d->text.len - 1] != '\n')
				tui_doc_add(d, " ", 1, CONF_ROLE_SAMPLE_TEXT);
			tui_doc_add(d, orig + c->off, c->len, CONF_ROLE_DIFF_REMOVED);
			tui_doc_add(d, " ", 1, CONF_ROLE_SAMPLE_TEXT);
			continue;
		}
		/* the edit's white space between chunks (after a removed chunk's
		 * space, a single space is already there) */
		if (c->off > b_at && !(d->text.len && d->text.data[d->text.len - 1] == ' ' &&
				       strspn(edit + b_at, " ") == c->off - b_at))
			tui_doc_add(d, edit + b_at, c->off - b_at, CONF_ROLE_SAMPLE_TEXT);
		tui_doc_add(d, edit + c->off, c->len,
			    c->op == TEXT_DIFF_INSERT ? CONF_ROLE_DIFF_ADDED
						      : CONF_ROLE_SAMPLE_TEXT);
		b_at = c->off + c->len;
	}
	if (b_at < strlen(edit))
		tui_doc_add(d, edit + b_at, strlen(edit) - b_at, CONF_ROLE_SAMPLE_TEXT);
	text_diff_free(&df);
}

void tui_doc_layout(tui_doc *d, int width)
{
	if (width < 1)
		width = 1;
	if (d->width == width)
		return;
	const char *s = d->text.data ? d->text.data : "";
	text_cells_build(s, d->text.len, &d->cells);
	text_wrap(s, &d->cells, width, &d->lines);
	d->width = width;
}

void tui_doc_draw(tui_base *a, tui_doc *d, int y, int x, int rows, int scroll)
{
	for (int r = 0; r < rows && scroll >= 0 && (size_t)(scroll + r) < d->lines.n; r++) {
		const text_line *ln = &d->lines.v[scroll + r];
		int cx = x;
		for (size_t c = ln->first; c < ln->end && cx < x + d->width; c++) {
			const text_cell *cell = &d->cells.v[c];
			if (cell->kind == TEXT_NEWLINE)
				break;
			int role = d->roles ? d->roles[cell->off] : CONF_ROLE_SAMPLE_TEXT;
			cx +=
			    tui_draw_cell(stdscr, y + r, cx, x + d->width - cx, d->text.data, cell,
					  a->attr[role], a->attr[CONF_ROLE_SAMPLE_PLACEHOLDER]);
		}
	}
}
