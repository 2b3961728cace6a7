/* doc.h — a document: wrapped text with a role per byte, the content of a
 * scrolled text pane (doc.c). Private to src/tui/. */
#ifndef ASSAY_TUI_DOC_H
#define ASSAY_TUI_DOC_H

#include "assay/text.h"
#include "view.h"

typedef struct tui_doc {
	abuf text;
	unsigned char *roles;
	size_t roles_cap;
	text_cells cells;
	text_lines lines;
	int width; /* the width of the last layout; 0: needs one */
} tui_doc;

void tui_doc_reset(tui_doc *d);
void tui_doc_free(tui_doc *d);
/* Appends s[0..n) in a role, as it is (its line breaks break lines). */
void tui_doc_add(tui_doc *d, const char *s, size_t n, int role);
/* Appends s as one line: its own line breaks become spaces (so a name or a
 * reason cannot pose as another line), then a line break. */
void tui_doc_line(tui_doc *d, const char *s, int role);
/* Appends the word diff of edit against orig: removed words in
 * diff.removed, added ones in diff.added, the rest in sample.text. */
void tui_doc_diff(tui_doc *d, const char *orig, const char *edit);
/* Wraps the document to width columns (again only when it changed). */
void tui_doc_layout(tui_doc *d, int width);
/* Draws display lines [scroll, scroll + rows) at (y, x), every cell through
 * tui_draw_cell in its byte's role. */
void tui_doc_draw(tui_base *b, tui_doc *d, int y, int x, int rows, int scroll);

#endif
