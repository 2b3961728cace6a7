/* editor_int.h — the built-in editor's view state, shared by its key loop
 * (editor.c) and its drawing (editor_draw.c). Private to src/tui/. */
#ifndef ASSAY_EDITOR_INT_H
#define ASSAY_EDITOR_INT_H

#include "assay/tui_editor.h"

/* Smallest window the editor draws in: title, one text row, status. */
#define EDITOR_MIN_ROWS 3
#define EDITOR_MIN_COLS 12

typedef struct editor {
	WINDOW *win;
	const char *title;
	tui_editor_theme th;
	const tui_editor_host *host;
	tui_edbuf buf;
	size_t top;	  /* first display line shown */
	const char *note; /* one-shot status message, or NULL */
	bool confirm;	  /* asking "discard changes?" */
	int key_cleft, key_cright, key_aleft, key_aright, key_paste; /* from terminfo */
} editor;

/* Draws the whole editor window and places the cursor; no doupdate. */
void editor_draw(editor *ed);
/* Rows of text the window shows (at least 1). */
int editor_text_rows(const editor *ed);

#endif
