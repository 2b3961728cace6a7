/* review_media.c — the media pane on the review screen: its keys, and the
 * samples that come next decoded ahead, so moving on finds their media in
 * the thumbnail cache. */
#include "app.h"

void tui_key_media_toggle(tui_view *v)
{
	tui_media_key_toggle(&APP(v)->media);
}

void tui_key_media_zoom(tui_view *v)
{
	tui_media_key_zoom(&APP(v)->media);
}

void tui_key_media_prev(tui_view *v)
{
	tui_media_key_step(&APP(v)->media, -1);
}

void tui_key_media_next(tui_view *v)
{
	tui_media_key_step(&APP(v)->media, 1);
}

void tui_key_media_open(tui_view *v)
{
	tui_media_key_open(&APP(v)->media);
}

void tui_key_media_copy(tui_view *v)
{
	tui_media_key_copy(&APP(v)->media);
}

/* The next samples: those further on in this session's walk, then the
 * queue's next ones, looked at without a lease. */
static void ahead(app *a)
{
	int64_t ids[TUI_MEDIA_PREFETCH];
	size_t n = 0;
	for (size_t i = a->pos + 1; i < a->n_hist && n < TUI_MEDIA_PREFETCH; i++)
		ids[n++] = a->hist[i];
	if (!a->o->only && !a->done) {
		store_queue q = a->q;
		store_cursor c = a->cur;
		assay_error e = {0};
		q.peek = true;
		while (n < TUI_MEDIA_PREFETCH && store_queue_next(a->s, &q, &c, &ids[n], &e) == 0)
			n++;
	}
	tui_media_prefetch(&a->media, a->s, ids, n);
}

int tui_review_media_tick(app *a, bool idle)
{
	if (idle && a->has_sample && a->media_ahead != a->smp.id &&
	    a->media.state != TUI_MEDIA_NONE) {
		a->media_ahead = a->smp.id;
		ahead(a);
	}
	return tui_media_tick(&a->media);
}
