/* review_scroll.c — the review screen's scrolling keys: the text (j, k,
 * PgDn, PgUp) and the context pane above it (J, K, and c to fold it). */
#include "app.h"

static void scroll_by(tui_view *v, int by)
{
	app *a = APP(v);
	tui_scroll(&a->scroll, a->text_rows, a->lines.n, by);
}

void tui_key_down(tui_view *v)
{
	scroll_by(v, 1);
}

void tui_key_up(tui_view *v)
{
	scroll_by(v, -1);
}

void tui_key_page_down(tui_view *v)
{
	scroll_by(v, tui_page(APP(v)->text_rows));
}

void tui_key_page_up(tui_view *v)
{
	scroll_by(v, -tui_page(APP(v)->text_rows));
}

void tui_key_ctx_down(tui_view *v)
{
	app *a = APP(v);
	if (a->has_sample)
		tui_ctx_scroll(a->b, &a->ctx, 1);
}

void tui_key_ctx_up(tui_view *v)
{
	app *a = APP(v);
	if (a->has_sample)
		tui_ctx_scroll(a->b, &a->ctx, -1);
}

void tui_key_ctx_fold(tui_view *v)
{
	app *a = APP(v);
	if (a->has_sample)
		tui_ctx_fold(a->b, &a->ctx);
}
