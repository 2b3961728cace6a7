/* pager.c — a long text over the whole screen, wrapped to its width and
 * scrolled by line or page: what the panes fold ("+3 more", a value cut
 * after three rows) is read here in full. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "pager.h"

typedef struct pager {
	tui_view view;
	char title[300];
	char *text;
	text_cells cells;
	text_lines lines;
	int width, top, rows;
} pager;

static void pager_draw(tui_view *v)
{
	pager *p = TUI_SELF(v, pager);
	tui_base *b = v->base;
	if (!tui_fits(b))
		return;
	erase();
	int w = COLS - 2;
	if (w != p->width) {
		text_cells_build(p->text, strlen(p->text), &p->cells);
		text_wrap(p->text, &p->cells, w, &p->lines);
		p->width = w;
	}
	p->rows = LINES - 2;
	tui_scroll(&p->top, p->rows, p->lines.n, 0);
	tui_fill(b, 0, CONF_ROLE_STATUS_BAR);
	tui_put(b, 0, 0, COLS, p->title, CONF_ROLE_STATUS_BAR);
	for (int r = 0; r < p->rows && (size_t)(p->top + r) < p->lines.n; r++) {
		const text_line *l = &p->lines.v[p->top + r];
		int x = 1;
		for (size_t k = l->first; k < l->end && p->cells.v[k].kind != TEXT_NEWLINE; k++)
			x += tui_draw_cell(stdscr, 1 + r, x, COLS - 1 - x, p->text, &p->cells.v[k],
					   b->attr[CONF_ROLE_META_VALUE],
					   b->attr[CONF_ROLE_SAMPLE_PLACEHOLDER]);
	}
	char foot[128];
	int last = p->top + p->rows < (int)p->lines.n ? p->top + p->rows : (int)p->lines.n;
	snprintf(foot, sizeof foot, " %d-%d of %zu lines   j/k PgDn/PgUp scroll   q Esc close ",
		 p->lines.n ? p->top + 1 : 0, last, p->lines.n);
	tui_fill(b, LINES - 1, CONF_ROLE_FOOTER_TEXT);
	tui_put(b, LINES - 1, 0, COLS, foot, CONF_ROLE_FOOTER_TEXT);
	wnoutrefresh(stdscr);
}

static int pager_key(tui_view *v, int kind, wint_t ch)
{
	pager *p = TUI_SELF(v, pager);
	int page = tui_page(p->rows), by = 0;
	if (kind == OK && (ch == 'q' || ch == 27))
		return TUI_CLOSE;
	if (kind == OK)
		by = ch == 'j' ? 1 : ch == 'k' ? -1 : ch == ' ' ? page : 0;
	else
		by = ch == KEY_DOWN ? 1 : ch == KEY_UP ? -1 : ch == KEY_NPAGE ? page
		   : ch == KEY_PPAGE ? -page : ch == KEY_HOME ? -(int)p->lines.n
		   : ch == KEY_END ? (int)p->lines.n : 0;
	tui_scroll(&p->top, p->rows, p->lines.n, by);
	return TUI_HANDLED;
}

static void pager_close(tui_view *v)
{
	pager *p = TUI_SELF(v, pager);
	free(p->text);
	text_cells_free(&p->cells);
	text_lines_free(&p->lines);
	free(p);
}

static const tui_view_ops pager_ops = {
	.name = "pager", .draw = pager_draw, .key = pager_key, .close = pager_close,
};

void tui_pager(tui_view *owner, const char *title, const char *text)
{
	pager *p = calloc(1, sizeof *p);
	if (!p || !(p->text = assay_strdup(text))) {
		free(p);
		tui_message(owner->base, true, "out of memory");
		return;
	}
	p->view = (tui_view){.ops = &pager_ops};
	snprintf(p->title, sizeof p->title, "%s", title);
	tui_push(owner->base, &p->view);
}
