/* edbuf_int.h — what the two halves of the editing model share: cluster
 * boundary helpers and the undo bookkeeping. Private to src/tui/. */
#ifndef ASSAY_EDBUF_INT_H
#define ASSAY_EDBUF_INT_H

#include "editor.h"

/* Kinds of edit, so that a run of typing or deleting undoes as one. */
enum edbuf_edit {
	EDBUF_EDIT_NONE = 0,
	EDBUF_EDIT_TYPE,
	EDBUF_EDIT_BACKSPACE,
	EDBUF_EDIT_DELETE,
	EDBUF_EDIT_OTHER,
};

/* One undo step: the whole text and cursor before an edit. */
struct tui_edbuf_undo {
	char *text;
	size_t len, cur;
};

size_t edbuf_next(const tui_edbuf *b, size_t off);
size_t edbuf_prev(const tui_edbuf *b, size_t off);
size_t edbuf_snap_back(const tui_edbuf *b, size_t off);
size_t edbuf_snap_fwd(const tui_edbuf *b, size_t off);
size_t edbuf_line_start(const tui_edbuf *b, size_t off);
size_t edbuf_line_end(const tui_edbuf *b, size_t off);
void edbuf_undo_clear(tui_edbuf *b);

#endif
