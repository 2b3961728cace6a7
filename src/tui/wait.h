/* wait.h — a screen's write that another writer's lock holds back (a
 * learned rescore in bulk holds it longer than the busy wait): a short
 * try, then again from a later tick, so a screen never stalls for the lock
 * nor refuses a decision for it. The decision is kept (wait.c), the keys
 * that only look work meanwhile, and it is carried out once the lock is
 * free. Private to src/tui/. */
#ifndef ASSAY_TUI_WAIT_H
#define ASSAY_TUI_WAIT_H

#include "view.h"

/* A decision's first try waits this long for another writer's lock (a
 * rescore's step and the pause after it), each try after it this long. */
#define TUI_TRY_FIRST_MS 400
#define TUI_TRY_MS 50

/* A decision or an undo that another writer's lock held back: kept, tried
 * again from the loop's tick, and carried out as it would have been once
 * the lock is free; meanwhile the sample stays on screen. */
enum { TUI_PEND_NONE, TUI_PEND_DECIDE, TUI_PEND_UNDO };
typedef struct tui_pending {
	int op;               /* TUI_PEND_* */
	store_decision_in in; /* the decision (its text and reason owned) */
	bool stay, was_decided;
	bool quit;     /* q: the screen leaves once it is saved */
	unsigned need; /* the keys' need before */
} tui_pending;

/* Keeps a copy of in (op TUI_PEND_DECIDE) or an undo (in NULL), limits v's
 * keys to those that only look and says it waits; false (and the screen
 * says it is not saved) when out of memory. */
bool tui_pend_keep(tui_pending *p, tui_view *v, int op, const store_decision_in *in);
/* What the decision is called in messages: "accept", "undo", ... */
const char *tui_pend_name(const tui_pending *p);
/* The waiting message (with q's meaning). */
void tui_pend_say(tui_base *b, const tui_pending *p);
/* Frees the copy; p is empty after. */
void tui_pend_clear(tui_pending *p);

#endif
