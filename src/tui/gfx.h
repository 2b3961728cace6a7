/* gfx.h — pictures in the terminal's own graphics (sixel, kitty), opted
 * into with [media] protocol: the media pane places a frame over a box of
 * cells while a view is drawn; view.c, the one owner of the terminal, asks
 * the terminal what it can draw when it opens it, and after each refresh
 * erases the pictures no longer wanted and writes the new ones. Only the
 * view on top shows its pictures: a dialog over a screen hides them.
 * Private to src/tui/. */
#ifndef ASSAY_TUI_GFX_H
#define ASSAY_TUI_GFX_H

#include <stdbool.h>
#include <stdint.h>

#include "assay/conf.h"
#include "assay/media.h"

/* The view that placed a picture, only compared (view.h). */
typedef struct tui_view tui_view;

enum tui_gfx_protocol {
	TUI_GFX_SYMBOLS, /* character cells (the default) */
	TUI_GFX_SIXEL,
	TUI_GFX_KITTY,
};

/* Pictures on screen at once (a strip of frames, or one zoomed). */
#define TUI_GFX_MAX 8

typedef struct tui_gfx_place {
	const tui_view *owner; /* the view that drew it */
	int y, x, cols, rows;  /* the box of cells it covers */
	uint64_t key;	       /* what it shows (same key, same pixels) */
	const media_frame *frame; /* while the frame is drawn; NULL once shown */
	uint32_t id;		  /* kitty's image id */
} tui_gfx_place;

struct tui_gfx {
	enum tui_gfx_protocol protocol;
	int cell_w, cell_h; /* a cell's pixels */
	const tui_view *drawing;
	tui_gfx_place want[TUI_GFX_MAX]; /* placed while this frame was drawn */
	size_t n_want;
	tui_gfx_place shown[TUI_GFX_MAX]; /* on the terminal now */
	size_t n_shown;
	tui_gfx_place emit[TUI_GFX_MAX]; /* to write after this refresh */
	size_t n_emit;
	uint32_t gone[TUI_GFX_MAX]; /* kitty images to delete after it */
	size_t n_gone;
	int lines, cols; /* the screen's size when they were shown */
	uint32_t next_id;
};

/* What the terminal answered to the queries tui_gfx_query_bytes asks. */
typedef struct tui_gfx_answer {
	bool done;  /* its answer to the device attributes (asked last) came */
	bool sixel; /* listed among its attributes (4) */
	bool kitty; /* answered the kitty graphics query OK */
	int cell_w, cell_h;
} tui_gfx_answer;

/* [media] protocol from c (symbols when absent). */
int tui_gfx_protocol_parse(const conf *c, enum tui_gfx_protocol *out, assay_error *err);
/* Whether TERM says the terminal cannot show them (dumb, linux, GNU
 * screen): no query is sent then. */
bool tui_gfx_term_cannot(const char *term);
/* The queries: a cell's size in pixels, kitty's graphics (for KITTY), the
 * device attributes last (every terminal answers those). */
const char *tui_gfx_query_bytes(enum tui_gfx_protocol p);
/* Reads the answers in buf[0..n) into a (pure; n bytes so far). */
void tui_gfx_parse(const char *buf, size_t n, tui_gfx_answer *a);

/* While a view is drawn: the picture f over the box, keyed by what it
 * shows. False when pictures are drawn as cells (then draw them so). */
bool tui_gfx_active(const struct tui_gfx *g);
double tui_gfx_cell_ratio(const struct tui_gfx *g);
void tui_gfx_place_frame(struct tui_gfx *g, int y, int x, int cols, int rows,
			 const media_frame *f, uint64_t key);

/* view.c's part around each refresh: begin before the views draw; before
 * doupdate, the pictures to erase (sixel: their rows repainted whole)
 * given the view on top and whether the screen is repainted whole; after
 * it, the bytes that delete and draw (appended to out). */
void tui_gfx_begin(struct tui_gfx *g);
void tui_gfx_settle(struct tui_gfx *g, const tui_view *top, bool whole);
void tui_gfx_write(struct tui_gfx *g, abuf *out);
/* Everything shown taken away (the terminal is handed to another program,
 * or closed): kitty's images deleted; nothing is counted as shown. */
void tui_gfx_hide_all(struct tui_gfx *g, abuf *out);

#endif
