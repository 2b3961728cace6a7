/* editor.h — editing a sample's text: the built-in curses editor (a pure
 * editing model, tui_edbuf, plus a view that draws it) and editing in the
 * user's $VISUAL / $EDITOR. */
#ifndef ASSAY_TUI_EDITOR_H
#define ASSAY_TUI_EDITOR_H

#include <stdbool.h>
#include <stddef.h>

#include <curses.h>

#include "assay/common.h"
#include "assay/text.h"

/* ---- The editing model (pure: no curses, no I/O) ------------------------ */

/* A UTF-8 text with a cursor. The text is always valid UTF-8: the initial
 * text is repaired on load (invalid bytes become U+FFFD, NUL becomes U+2400,
 * see text_utf8_repair) and everything inserted is repaired the same way.
 * Other control characters, bidi controls and CR already in the text are
 * kept byte for byte (the view shows them as placeholders); typed and pasted
 * text cannot add them (tui_edbuf_paste drops them).
 *
 * The cursor is a byte offset that is always on a cell boundary
 * (text_cells_build's cells: what the screen shows as one glyph or one
 * placeholder), so it never lands inside a flag, a letter with combining
 * marks or a placeholder, and steps over each emoji and each <U+200D> of a
 * ZWJ sequence on its own ("cluster" below means such a cell). A "line" is the text between two
 * newlines; a "display line" is a row of the text wrapped to the layout
 * width (tui_edbuf_set_width). Zero-initialise is NOT enough: use
 * tui_edbuf_init, then tui_edbuf_free. */
typedef struct tui_edbuf {
	abuf text;	  /* the text (text.data may be NULL when empty) */
	size_t cur;	  /* cursor byte offset, a cluster boundary */
	int goal;	  /* remembered column for Up/Down; -1 when none */
	int width;	  /* layout width in columns (>= 1) */
	bool layout_ok;	  /* cells/lines match text and width */
	text_cells cells; /* layout: clusters of text */
	text_lines lines; /* layout: display lines at width */
	char *orig;	  /* the text as loaded (after repair), for changes */
	size_t orig_len;
	struct tui_edbuf_undo *undo; /* snapshots for undo, newest last */
	size_t undo_n, undo_cap, undo_bytes;
	int last_edit; /* kind of the last edit, to group typing for undo */
} tui_edbuf;

/* Loads s[0..n) (any bytes) with the cursor at the start and the given
 * layout width. Returns ASSAY_OK or ASSAY_ENOMEM. */
int tui_edbuf_init(tui_edbuf *b, const char *s, size_t n, int width);
void tui_edbuf_free(tui_edbuf *b);

/* The text, NUL-terminated (never NULL); valid until the next edit. */
const char *tui_edbuf_text(const tui_edbuf *b, size_t *len);
/* True when the text differs from the loaded (repaired) text. */
bool tui_edbuf_changed(const tui_edbuf *b);

/* Sets the layout width (>= 1; smaller values count as 1). */
void tui_edbuf_set_width(tui_edbuf *b, int width);
/* Recomputes the layout if needed; returns ASSAY_OK or ASSAY_ENOMEM. After
 * it, b->cells and b->lines describe the text at b->width. */
int tui_edbuf_layout(tui_edbuf *b);
/* The cursor's display line (index into b->lines) and column in it. */
int tui_edbuf_cursor_pos(tui_edbuf *b, size_t *row, int *col);

/* Editing. Each returns ASSAY_OK or ASSAY_ENOMEM and leaves the cursor on a
 * cluster boundary after the change. */
/* Inserts s[0..n) at the cursor as typed: invalid UTF-8 repaired, nothing
 * else changed (so a typed TAB or LF goes in); the cursor goes after it. */
int tui_edbuf_insert(tui_edbuf *b, const char *s, size_t n);
/* Inserts one code point (a typed character); invalid code points and
 * controls other than LF and TAB are ignored. */
int tui_edbuf_insert_cp(tui_edbuf *b, uint32_t cp);
/* Inserts pasted text literally after cleaning it: CRLF and CR become LF,
 * control characters other than LF and TAB (C0, DEL, C1, so ESC and NUL)
 * are dropped, invalid UTF-8 becomes U+FFFD. */
int tui_edbuf_paste(tui_edbuf *b, const char *s, size_t n);
int tui_edbuf_backspace(tui_edbuf *b); /* deletes the cluster before */
int tui_edbuf_delete(tui_edbuf *b);    /* deletes the cluster after */
int tui_edbuf_kill_word(tui_edbuf *b); /* Ctrl-W: back to the word start */
/* Alt-D, Ctrl-Delete: forward to the next word's start */
int tui_edbuf_kill_word_next(tui_edbuf *b);
/* Ctrl-K: deletes to the end of the line; at the end of a line, deletes
 * the newline (joining the next line). */
int tui_edbuf_kill_end(tui_edbuf *b);
/* Ctrl-U: deletes to the start of the line; at the start of a line,
 * deletes the newline before it (joining the previous line). */
int tui_edbuf_kill_start(tui_edbuf *b);
/* Undoes the last edit (consecutive typing counts as one edit); returns
 * ASSAY_ECONFLICT when there is nothing to undo. */
int tui_edbuf_undo(tui_edbuf *b);

/* Moves (never fail; at a boundary they do nothing). */
void tui_edbuf_left(tui_edbuf *b);	 /* one cluster back */
void tui_edbuf_right(tui_edbuf *b);	 /* one cluster forward */
void tui_edbuf_word_left(tui_edbuf *b);	 /* start of this/previous word */
void tui_edbuf_word_right(tui_edbuf *b); /* start of the next word */
void tui_edbuf_home(tui_edbuf *b);	 /* start of the line */
void tui_edbuf_end(tui_edbuf *b);	 /* end of the line */
void tui_edbuf_top(tui_edbuf *b);	 /* start of the text */
void tui_edbuf_bottom(tui_edbuf *b);	 /* end of the text */
/* Moves by `delta` display lines (negative: up), keeping the goal column:
 * the cursor lands on the cluster under that column, or at the start of a
 * wide cluster that covers it, or at the end of a shorter line. Does
 * nothing past the first or last display line. */
void tui_edbuf_vertical(tui_edbuf *b, long delta);
/* Puts the cursor at byte offset off, moved back to a cluster boundary. */
void tui_edbuf_set_cursor(tui_edbuf *b, size_t off);

/* ---- The built-in editor ------------------------------------------------- */

/* Attributes (A_* | COLOR_PAIR(n)) the host fills from its theme. */
typedef struct tui_editor_theme {
	attr_t text;	    /* the text */
	attr_t placeholder; /* ^[ <U+202E> U+FFFD placeholders: make it distinct */
	attr_t title;	    /* the title bar (first row) */
	attr_t status;	    /* the status / key-hint row (last row) */
	attr_t prompt;	    /* the "discard changes?" question */
} tui_editor_theme;

/* What the editor asks of its host. */
typedef struct tui_editor_host {
	/* Called on KEY_RESIZE (the screen is already resized by curses): the
	 * host re-lays out and redraws its own windows (wnoutrefresh, no
	 * doupdate needed) and resizes or replaces the editor's window,
	 * storing the new one in *win. NULL: the editor's window is resized
	 * to the whole screen. Return non-zero to abort the editor (treated
	 * as cancel). */
	int (*resize)(void *ctx, WINDOW **win);
	void *ctx;
} tui_editor_host;

enum tui_editor_result {
	TUI_EDITOR_SAVED = 1,	  /* Ctrl-S or F2 with a changed text */
	TUI_EDITOR_UNCHANGED = 2, /* Ctrl-S or F2 with the text as loaded */
	TUI_EDITOR_CANCELLED = 3, /* Esc (confirmed when there were changes) */
};

/* Runs the editor in win (title row, text rows, status row; at least 3x12,
 * smaller shows a "too small" note and waits for a resize) on the text
 * initial[0..len). Keys: arrows, Home/End, Ctrl-A/Ctrl-E (line start/end),
 * Alt-b/Alt-f and Ctrl-Left/Ctrl-Right (words), PgUp/PgDn, Ctrl-W, Alt-D or
 * Ctrl-Delete (the next word), Ctrl-K, Ctrl-U, Backspace, Delete, Enter,
 * Tab, Ctrl-Z or Ctrl-_ (undo), Ctrl-L (redraw), F1 or Alt-? (the list of
 * keys), Ctrl-S or F2 (save), Esc (cancel; asks "discard changes? y/n"
 * when there are changes). The status row gives the cursor's line and
 * column in the text. Bracketed paste is enabled while it runs.
 *
 * The host's curses setup is expected to be: setlocale(LC_ALL, ""),
 * initscr, raw (so Ctrl-S reaches us instead of stopping output), noecho,
 * nonl, set_escdelay(25) so Esc is quick. The editor sets keypad(win) and
 * the cursor visibility itself and restores the visibility on return.
 *
 * On TUI_EDITOR_SAVED *out gets the new text (valid UTF-8, NUL-terminated,
 * caller frees) and *out_len its length; otherwise *out is NULL. Returns a
 * tui_editor_result, or a negative status (ASSAY_ENOMEM) with err filled.
 * theme and host may be NULL (plain attributes, default resize). */
int tui_editor_run(WINDOW *win, const char *title, const char *initial, size_t len, char **out,
		   size_t *out_len, const tui_editor_theme *theme, const tui_editor_host *host,
		   assay_error *err);

/* ---- $VISUAL / $EDITOR --------------------------------------------------- */

/* Largest text read back from an external editor. */
#define TUI_EXTERNAL_MAX (16u << 20)

/* Splits a command line into an argv without a shell: words separated by
 * blanks, '...' literal, "..." with \" and \\ escapes, \x outside quotes
 * is x. The array is NULL-terminated with one spare slot before the NULL
 * (for the file name); free with tui_argv_free. ASSAY_EINVAL for an
 * unterminated quote or an empty command. */
int tui_split_command(const char *cmd, char ***argv, size_t *argc, assay_error *err);
void tui_argv_free(char **argv);

/* Edits text[0..len) in $VISUAL, else $EDITOR, else vi: writes it to a
 * 0600 file in a private mkdtemp directory, suspends curses (def_prog_mode,
 * endwin) if it is active, runs the editor with the file name appended (no
 * shell), restores curses (reset_prog_mode, refresh), reads the file back
 * and removes the file and the directory. A trailing newline the editor
 * added to a text that had none is removed. On ASSAY_OK, *changed tells
 * whether the text differs, and if so *out (caller frees, NUL-terminated,
 * valid UTF-8) and *out_len hold it; otherwise *out is NULL.
 * Errors (all mean "no edit"; err says why): ASSAY_EINVAL (bad $EDITOR),
 * ASSAY_ENOTFOUND (the editor could not be started), ASSAY_ECONFLICT (it
 * exited with a non-zero status or was killed), ASSAY_EFORMAT (the result
 * is not valid UTF-8, has a NUL, or is over TUI_EXTERNAL_MAX), ASSAY_EIO. */
int tui_external_edit(const char *text, size_t len, char **out, size_t *out_len, bool *changed,
		      assay_error *err);

#endif
