/* pane.h — a view's screen laid out from panes. A pane is a row of the
 * view's table: a size rule and a draw function over the view's own state;
 * tui_panes_stack lays a table out top to bottom in a box, so a new pane
 * is a new row. Private to src/tui/. */
#ifndef ASSAY_TUI_PANE_H
#define ASSAY_TUI_PANE_H

#include <stddef.h>

#include "view.h"

typedef struct tui_pane {
	const char *name;
	int fixed; /* rows it always takes when it has no rule; 0: all left */
	/* Its size rule: the rows it takes w columns wide, given the rows of
	 * the whole box (all) and those the panes above it left (left); 0:
	 * not shown. NULL: `fixed`. */
	int (*rows)(tui_view *v, int w, int all, int left);
	/* Draws it in the box (y, x) w wide and rows high (rows > 0). */
	void (*draw)(tui_view *v, int y, int x, int w, int rows);
} tui_pane;

/* Lays the n panes out top to bottom in the box (y, x, w, all): each in
 * turn takes what its rule asks, at most what is left, and is drawn there.
 * Returns the rows used. */
int tui_panes_stack(tui_view *v, const tui_pane *p, size_t n, int y, int x, int w, int all);

#endif
