/* editor_int.h — the built-in editor's view state, shared by its key loop
 * (editor.c) and its drawing (editor_draw.c). Private to src/tui/. */
#ifndef ASSAY_EDITOR_INT_H
#define ASSAY_EDITOR_INT_H

#include "editor.h"
#include "view.h"

/* Smallest window the editor draws in: title, one text row, status. */
#define EDITOR_MIN_ROWS 3
#define EDITOR_MIN_COLS 12

/* What the editor hands its owner: a tui_editor_result (or < 0 with err),
 * and on TUI_EDITOR_SAVED the new text (taken over) and its length. */
typedef void (*editor_done)(tui_view *owner, int rc, char *out, size_t len,
			    const assay_error *err);

typedef struct editor {
	tui_view view;
	tui_view *owner;
	editor_done done;
	bool had_keypad;
	int delay;
	WINDOW *win;
	const char *title;
	char *title_copy;
	tui_editor_theme th;
	const tui_editor_host *host;
	tui_edbuf buf;
	size_t top;	  /* first display line shown */
	const char *note; /* one-shot status message, or NULL */
	bool confirm;	  /* asking "discard changes?" */
	int key_cleft, key_cright, key_aleft, key_aright, key_paste, key_cdel; /* terminfo */
} editor;

/* Puts the editor on win on top of b's stack; done gets the result when
 * it closes. */
int editor_push(tui_base *b, WINDOW *win, const char *title, const char *initial, size_t len,
		const tui_editor_theme *theme, const tui_editor_host *host, tui_view *owner,
		editor_done done, assay_error *err);

/* The editor's keys as F1 lists them (editor_draw.c; the editor reads
 * its keys from its own tables, these rows only describe them). */
extern const tui_key editor_keys[];
extern const size_t editor_n_keys;

/* Draws the whole editor window and places the cursor; no doupdate. */
void editor_draw(editor *ed);
/* Rows of text the window shows (at least 1). */
int editor_text_rows(const editor *ed);

#endif
