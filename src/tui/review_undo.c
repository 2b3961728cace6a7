/* review_undo.c — u on the review screen: the annotator's latest verdict
 * undone, the undone sample leased in the undo's own transaction and put
 * back in this session's walk just before the undecided sample on screen,
 * so that deciding it again comes back to that one (the undo gave up its
 * lease) instead of passing over it to the queue's next. */
#include <string.h>

#include "app.h"

void tui_key_undo(tui_view *v)
{
	app *a = APP(v);
	if (tui_undo_commit(a, TUI_TRY_FIRST_MS) == ASSAY_EBUSY)
		tui_pend_undo(a);
}

/* Puts the undone sample id in the session's history at a->pos: before the
 * undecided sample on screen (the walk forward takes that one's lease
 * again, or passes over it when another annotator was handed it since),
 * or on the entry just before it when that is id (undo after undo walks
 * back), or nowhere when the screen already stands on it (walked back to
 * with h); else at the end, as the queue's samples are. */
static void place(app *a, int64_t id)
{
	if (a->has_sample && a->pos < a->n_hist && a->hist[a->pos] == id)
		return;
	bool before = a->has_sample && !a->dec.verdict[0] && a->pos < a->n_hist &&
		      a->hist[a->pos] == a->smp.id && a->smp.id != id;
	if (before && a->pos > 0 && a->hist[a->pos - 1] == id) {
		a->pos--;
		return;
	}
	if (ASSAY_GROW(a->hist, a->n_hist + 1, a->cap_hist, 64) < 0)
		return;
	size_t at = before ? a->pos : a->n_hist;
	memmove(a->hist + at + 1, a->hist + at, (a->n_hist - at) * sizeof *a->hist);
	a->hist[at] = id;
	a->n_hist++;
	a->pos = at;
}

int tui_undo_commit(app *a, int wait_ms)
{
	int64_t id;
	bool leased = false;
	assay_error err = {0};
	store_busy_wait(a->s, wait_ms);
	/* the undone sample is leased in the undo's own transaction */
	int rc = a->leasing ? store_undo_claim(a->s, &a->q, a->session, &id, &leased, &err)
			    : store_undo(a->s, a->annotator_id, a->session, &id, &err);
	store_busy_wait(a->s, 0);
	if (rc == ASSAY_EBUSY)
		return rc;
	if (rc < 0) {
		tui_message(a->b, rc != ASSAY_ENOTFOUND, "%s", err.msg);
		return rc;
	}
	a->sum.undone++;
	tui_tally_undo(&a->tally, id);
	a->counts_pending = true; /* recounted while idle */
	a->done = false;
	place(a, id);
	tui_show(a, id, true);
	if (a->leasing && !leased)
		tui_message(a->b, false, "undone: back on %s; another annotator holds it now",
			    a->has_sample ? a->smp.ext_id : "?");
	else
		tui_message(a->b, false, "undone: back on %s", a->has_sample ? a->smp.ext_id : "?");
	return ASSAY_OK;
}
