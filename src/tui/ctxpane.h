/* ctxpane.h — the context pane: what a sample answers (its named fields or
 * a conversation's earlier turns), each labelled in its theme role, wrapped
 * and drawn cell by cell like the text, scrolled on its own keys and
 * foldable to one line. Shared by the review screen, the conflicts screen
 * and the editor's header. Private to src/tui/. */
#ifndef ASSAY_TUI_CTXPANE_H
#define ASSAY_TUI_CTXPANE_H

#include "assay/text.h"
#include "view.h"

typedef struct tui_ctx {
	int64_t sample_id; /* whose context is loaded; 0: none yet */
	store_turn *v;
	size_t n;
	size_t words;
	/* laid out: the labelled turns, a role per byte, wrapped at width */
	abuf shown;
	unsigned char *roles;
	text_cells cells;
	text_lines lines;
	int width;
	int scroll;
	int rows;    /* rows of context shown at the last draw */
	bool folded; /* one line: how many turns and words (kept across samples) */
} tui_ctx;

/* Loads sample_id's context unless it is the one loaded (scroll back to
 * the top when it changes); an error leaves the pane empty. */
int tui_ctx_load(tui_ctx *c, store *s, int64_t sample_id, assay_error *err);
void tui_ctx_free(tui_ctx *c);
/* The rows the pane takes drawn width wide in at most max rows (its rule
 * below included): 0 without context. */
int tui_ctx_rows(tui_ctx *c, int width, int max);
/* Draws it from (y, x); returns the rows used (tui_ctx_rows). */
int tui_ctx_draw(tui_base *b, tui_ctx *c, int y, int x, int width, int max);
/* Draws it from (y, x) in exactly rows rows (as a pane: 1 is the folded
 * line); returns rows. */
int tui_ctx_draw_rows(tui_base *b, tui_ctx *c, int y, int x, int width, int rows);
/* "context: 3 turns, 120 words" into buf. */
void tui_ctx_summary(const tui_ctx *c, char *buf, size_t len);
/* The first lines of the context, folded to one row each, from (y, x) in
 * at most rows rows; returns the rows used. */
int tui_ctx_head(tui_base *b, tui_ctx *c, int y, int x, int width, int rows);
/* J / K and c: scroll by lines, fold or unfold; a message when the sample
 * has no context. */
void tui_ctx_scroll(tui_base *b, tui_ctx *c, int by);
void tui_ctx_fold(tui_base *b, tui_ctx *c);

#endif
