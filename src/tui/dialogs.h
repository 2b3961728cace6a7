/* dialogs.h — the small views a screen stacks on top of itself: a one-line
 * prompt, the reason picker, a one-key choice and the help overlay drawn
 * from the key table of the view below. Each hands its answer to the view
 * that opened it (owner) through a callback, then closes. Private to
 * src/tui/. */
#ifndef ASSAY_TUI_DIALOGS_H
#define ASSAY_TUI_DIALOGS_H

#include "view.h"

/* The answer of a prompt or the reason picker: an allocated string the
 * callback takes over, or NULL when cancelled (Esc) or left empty. */
typedef void (*tui_text_done)(tui_view *owner, char *text);

/* A prompt on the row above the footer: text, Backspace, Ctrl-U, Enter,
 * Esc. */
void tui_prompt(tui_view *owner, const char *label, const char *initial, tui_text_done done);
/* The same, but Enter on an empty prompt answers "" (Esc still NULL). */
void tui_prompt_or_empty(tui_view *owner, const char *label, tui_text_done done);
/* A prompt that starts with initial and answers "" when emptied. */
void tui_prompt_edit(tui_view *owner, const char *label, const char *initial, tui_text_done done);
/* The reasons in a box, in the order given (copied): the first ten one
 * digit each (1-9, 0), all of them by Up/Down (j/k) and Enter, the list
 * scrolling when it is longer than the screen ("other" asks for a text). */
void tui_pick_reason(tui_view *owner, const char *const *reasons, size_t n, tui_text_done done);
/* One key answers (the question is the owner's message line): pick says
 * whether the key is an answer (closing the choice); Esc closes it after
 * pick(owner, 27). */
void tui_choose(tui_view *owner, bool (*pick)(tui_view *owner, int key));
/* Every key of owner's table (those its need allows) in a box until a key
 * is pressed. */
void tui_help(tui_view *owner, const char *title);

/* The default reasons offered by `r` (a `reasons` list in the config
 * replaces them); tui_reasons_load reads that list (every one of them:
 * the picker scrolls past ten) and tui_reasons_free frees what it loaded. */
typedef struct tui_reasons {
	char **v;
	size_t n;
	bool owned;
} tui_reasons;
void tui_reasons_load(tui_reasons *r, const conf *config);
void tui_reasons_free(tui_reasons *r);

#endif
