/* conflicts_wait.c — the lead's verdict on a conflict that another
 * writer's lock holds back (a learned rescore in bulk holds it longer than
 * the busy wait), as the review screen's decisions (review_wait.c): never
 * refused for that. It is kept, the screen says so, the tick tries again
 * in short tries, and once the lock is free it is saved and the next
 * conflict shown. Meanwhile the conflict stays on screen and the keys that
 * only look work; q leaves once it is saved, a second q without it (the
 * summary says so, and the exit code is the lock's). */
#include <stdio.h>
#include <stdlib.h>

#include "assay/tui.h"
#include "conflicts_int.h"

bool tui_conflicts_pend(cview *cv, const store_decision_in *in, const char *how)
{
	if (!tui_pend_keep(&cv->pend, &cv->view, TUI_PEND_DECIDE, in))
		return false;
	snprintf(cv->pend_how, sizeof cv->pend_how, "%s", how);
	return true;
}

/* Saved, or refused for another reason (the screen says which): the keys
 * as before; an edit refused is kept as the draft e opens. */
static void settle(cview *cv, int rc, const assay_error *err)
{
	tui_pending *p = &cv->pend;
	cv->view.need = p->need;
	cv->view.refused = NULL;
	bool quit = p->quit;
	if (rc == ASSAY_OK) {
		if (p->in.kind == STORE_EDIT)
			tui_draft_settled(&cv->draft, p->in.sample_id);
		tui_conflicts_saved(cv, &p->in, cv->pend_how);
	} else {
		tui_message(cv->b, true, "not saved: %s", err->msg);
		if (p->in.kind == STORE_EDIT) {
			char *text = (char *)p->in.text;
			p->in.text = NULL;
			tui_draft_keep(cv->b, &cv->draft, p->in.sample_id, &text);
			free(text);
		}
	}
	tui_pend_clear(p);
	if (quit && rc == ASSAY_OK && !cv->draft.text)
		cv->b->quit = true; /* every view closes: the screen leaves */
}

int tui_conflicts_pend_tick(cview *cv, bool idle)
{
	tui_pending *p = &cv->pend;
	if (!p->op)
		return -1;
	if (!idle)
		return 0; /* a key came: it is handled before the next try */
	int64_t event_id;
	assay_error err = {0};
	store_busy_wait(cv->b->s, TUI_TRY_MS);
	int rc = store_adjudicate(cv->b->s, &p->in, &event_id, &err);
	store_busy_wait(cv->b->s, 0);
	if (rc == ASSAY_EBUSY) {
		if (!cv->b->msg[0])
			tui_pend_say(cv->b, p);
		return 0;
	}
	settle(cv, rc, &err);
	return 0;
}

bool tui_conflicts_pend_quit(cview *cv)
{
	tui_pending *p = &cv->pend;
	if (!p->op)
		return false;
	if (!p->quit) {
		p->quit = true;
		tui_pend_say(cv->b, p);
		return true;
	}
	if (!cv->sum.unsaved)
		cv->sum.unsaved = tui_pend_name(p);
	tui_pend_clear(p);
	cv->view.done = true;
	return true;
}
