/* review_wait.c — a decision or an undo that another writer's lock holds
 * back (a learned rescore in bulk holds it longer than the busy wait): it
 * is never refused for that. The screen keeps it, says it waits for
 * another writer, tries again in short tries from the loop's tick, and
 * carries it out once the lock is free: saved, then the next sample shown,
 * as ever. Meanwhile the sample stays on screen and the keys that only
 * look work; q leaves once it is saved, a second q leaves without it (the
 * summary says so, and the exit code is the lock's). */
#include <stdlib.h>
#include <string.h>

#include "app.h"

bool tui_pend_decision(app *a, const store_decision_in *in, bool was_decided, bool stay)
{
	if (!tui_pend_keep(&a->pend, &a->view, TUI_PEND_DECIDE, in))
		return false;
	a->pend.stay = stay;
	a->pend.was_decided = was_decided;
	return true;
}

void tui_pend_undo(app *a)
{
	tui_pend_keep(&a->pend, &a->view, TUI_PEND_UNDO, NULL);
}

/* Done (saved, or refused for another reason, which the screen shows):
 * the keys as before, or as the claim that follows keeps them. */
static void settle(app *a, int rc)
{
	tui_pending *p = &a->pend;
	bool edit = p->op == TUI_PEND_DECIDE && p->in.kind == STORE_EDIT && !a->pair;
	if (rc == ASSAY_OK && p->op == TUI_PEND_DECIDE && p->in.kind == STORE_NOTE)
		tui_message(a->b, false, "note added");
	if (edit && rc == ASSAY_OK) {
		tui_edit_saved(a, p->in.sample_id);
	} else if (edit) { /* refused for another reason: kept as the draft e opens */
		char *text = (char *)p->in.text;
		p->in.text = NULL;
		tui_draft_keep(a->b, &a->draft, p->in.sample_id, &text);
		free(text);
	}
	if (a->waiting)
		a->wait_need = p->need;
	else
		a->view.need = p->need;
	a->view.refused = NULL;
	bool quit = p->quit;
	tui_pend_free(a);
	if (quit && rc == ASSAY_OK && !a->draft.text)
		a->b->quit = true; /* every view closes: the screen leaves */
}

int tui_pend_tick(app *a, bool idle)
{
	tui_pending *p = &a->pend;
	if (!p->op)
		return -1;
	if (!idle)
		return 0; /* a key came: it is handled before the next try */
	/* keys between tries: the lock is polled every few ms meanwhile, so a
	 * short try misses no pause of the other writer's */
	int rc = p->op == TUI_PEND_UNDO
		     ? tui_undo_commit(a, TUI_TRY_MS)
		     : tui_decide_commit(a, &p->in, p->was_decided, p->stay, TUI_TRY_MS);
	if (rc == ASSAY_EBUSY) {
		if (!a->b->msg[0])
			tui_pend_say(a->b, p);
		return 0;
	}
	settle(a, rc);
	return 0;
}

void tui_pend_quit(app *a)
{
	tui_pending *p = &a->pend;
	if (!p->quit) {
		p->quit = true;
		tui_pend_say(a->b, p);
		return;
	}
	if (!a->sum.unsaved)
		a->sum.unsaved = tui_pend_name(p);
	tui_pend_free(a);
	a->view.done = true;
}

void tui_pend_free(app *a)
{
	tui_pend_clear(&a->pend);
}
