/* edit.h — what the screens that edit a sample's text share: the built-in
 * editor over the whole screen as a view on top, and an edit the store
 * refused kept as a draft until it is saved. Private to src/tui/. */
#ifndef ASSAY_TUI_EDIT_H
#define ASSAY_TUI_EDIT_H

#include "view.h"

/* The editor's answer: a tui_editor_result (or < 0 with err), and on
 * TUI_EDITOR_SAVED the new text (the callback takes it over). */
typedef void (*tui_edit_done)(tui_view *owner, int rc, char *out, const assay_error *err);

/* The built-in editor over the whole screen on text, themed like the
 * screen below it; done gets what it ended with. False (with a message)
 * when it could not open. */
bool tui_edit_full_screen(tui_view *owner, const char *title, const char *text,
			  tui_edit_done done);
/* The same below the rows band(owner) asks for at the screen's height
 * (none when the editor would get fewer than its minimum); the owner
 * draws those rows. */
bool tui_edit_below(tui_view *owner, int (*band)(tui_view *owner), const char *title,
		    const char *text, tui_edit_done done);

/* An edit the store refused (disk full, database locked), kept in memory
 * as the sample's draft so it is never lost: keep takes *text over (sets
 * it NULL) and says so under the store's message; settled drops the draft
 * of sample id once its edit is saved; holds_quit warns once, on the first
 * q, that the draft would be lost (true: do not quit yet). */
typedef struct tui_draft {
	int64_t id;
	char *text;
	bool warned;
} tui_draft;
void tui_draft_keep(tui_base *b, tui_draft *d, int64_t id, char **text);
void tui_draft_settled(tui_draft *d, int64_t id);
bool tui_draft_holds_quit(tui_base *b, tui_draft *d);
/* The draft of sample id, or NULL. */
const char *tui_draft_of(const tui_draft *d, int64_t id);
void tui_draft_free(tui_draft *d);

#endif
