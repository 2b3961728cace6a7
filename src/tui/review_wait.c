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

static const char *op_name(const tui_pending *p)
{
	if (p->op == TUI_PEND_UNDO)
		return "undo";
	switch (p->in.kind) {
	case STORE_ACCEPT:
		return "accept";
	case STORE_EDIT:
		return "edit";
	case STORE_REJECT:
		return "reject";
	case STORE_SKIP:
		return "skip";
	default:
		return "note";
	}
}

static void say(app *a)
{
	const tui_pending *p = &a->pend;
	if (p->quit)
		tui_message(a->b, false,
			    "waiting for another writer: your %s is kept and saved "
			    "when it ends, then the screen closes (q again: leave without it)",
			    op_name(p));
	else
		tui_message(a->b, false,
			    "waiting for another writer: your %s is kept and saved "
			    "when it ends (q leaves after it)",
			    op_name(p));
}

static void hold(app *a, int op)
{
	a->pend.op = op;
	a->pend.need = a->view.need;
	a->view.need = TUI_KEY_WAIT; /* only the keys that look meanwhile */
	a->view.refused = "waiting for another writer: this key works once your decision "
			  "is saved (q leaves after it)";
	say(a);
}

static char *dup_or_null(const char *s, bool *ok)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*ok = false;
	return d;
}

bool tui_pend_decision(app *a, const store_decision_in *in, bool was_decided, bool stay)
{
	bool ok = true;
	tui_pending *p = &a->pend;
	p->in = *in;
	p->in.text = dup_or_null(in->text, &ok);
	p->in.reason = dup_or_null(in->reason, &ok);
	p->stay = stay;
	p->was_decided = was_decided;
	p->quit = false;
	if (!ok) {
		tui_pend_free(a);
		tui_message(a->b, true,
			    "not saved: out of memory while another writer holds the "
			    "database");
		return false;
	}
	hold(a, TUI_PEND_DECIDE);
	return true;
}

void tui_pend_undo(app *a)
{
	a->pend.quit = false;
	hold(a, TUI_PEND_UNDO);
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
			say(a);
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
		say(a);
		return;
	}
	if (!a->sum.unsaved)
		a->sum.unsaved = op_name(p);
	tui_pend_free(a);
	a->view.done = true;
}

void tui_pend_free(app *a)
{
	tui_pending *p = &a->pend;
	free((char *)p->in.text);
	free((char *)p->in.reason);
	*p = (tui_pending){0};
}
