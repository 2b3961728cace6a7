/* pane.c — laying a view's table of panes out top to bottom (pane.h). */
#include <assert.h>

#include "pane.h"

int tui_panes_stack(tui_view *v, const tui_pane *p, size_t n, int y, int x, int w, int all)
{
	int used = 0;
	for (size_t i = 0; i < n; i++) {
		assert(p[i].draw);
		int left = all - used;
		int rows = p[i].rows	? p[i].rows(v, w, all, left)
			   : p[i].fixed ? p[i].fixed
					: left;
		if (rows > left)
			rows = left;
		if (rows <= 0)
			continue;
		p[i].draw(v, y + used, x, w, rows);
		used += rows;
	}
	return used;
}
