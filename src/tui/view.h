/* view.h — the screens' framework: the one owner of the terminal (open,
 * close, suspend for $EDITOR), the one event loop (keys, resize, timers,
 * the views' sockets) and the view: a table of operations over a screen's
 * own state, stacked (a dialog is a view on top of the one that opened it).
 * Also what every view draws with: text in a role, the footer and help of
 * a key table. Private to src/tui/. */
#ifndef ASSAY_TUI_VIEW_H
#define ASSAY_TUI_VIEW_H

#include <curses.h>
#include <poll.h>
#include <stddef.h>

#include "assay/conf.h"
#include "assay/store.h"

#define TUI_VIEW_MIN_W 40
#define TUI_VIEW_MIN_H 12

/* What handling a key did (htop's HANDLED | BREAK_LOOP | REDRAW). */
enum tui_result {
	TUI_IGNORED = 0,
	TUI_HANDLED = 1,
	TUI_CLOSE = 2, /* the view is done: the loop takes it off the stack */
};

typedef struct tui_view tui_view;
typedef struct tui_base tui_base;
struct tui_gfx;

/* One key of a view: the key, another that does the same (or 0), its label
 * and help (the footer and the help overlay are drawn from these rows). */
enum tui_key_flag {
	TUI_KEY_HINT = 1,   /* shown in the footer */
	TUI_KEY_BROWSE = 2, /* works in a read-only walk too */
	TUI_KEY_WAIT = 4,   /* works while a decision waits for another writer */
	TUI_KEY_LOOK = TUI_KEY_BROWSE | TUI_KEY_WAIT, /* only looks: works in both */
};
typedef struct tui_key {
	int key, alt;
	const char *label;
	const char *help;
	void (*fn)(tui_view *v);
	unsigned flags;
} tui_key;

/* A view's operations; every one but draw may be NULL. */
typedef struct tui_view_ops {
	const char *name;
	/* When pushed: loads what the first frame shows. */
	void (*open)(tui_view *v);
	/* Draws the view onto curses' virtual screen (wnoutrefresh, never
	 * doupdate); the views below it were drawn just before. */
	void (*draw)(tui_view *v);
	/* A key for the view on top (kind: OK or KEY_CODE_YES, as get_wch).
	 * NULL: the key table (tui_view_keys). Returns enum tui_result. */
	int (*key)(tui_view *v, int kind, wint_t ch);
	/* Every wake of the loop, for every view on the stack (idle: no key
	 * came): timers, background work, network. Returns how long the loop
	 * may sleep before the next tick (ms). */
	int (*tick)(tui_view *v, bool idle);
	/* Sockets to wake for (net_pool_pollfds): fills up to cap, returns
	 * how many. */
	int (*pollfds)(tui_view *v, struct pollfd *fds, int cap);
	/* Taken off the stack: frees the view. */
	void (*close)(tui_view *v);
} tui_view_ops;

struct tui_view {
	const tui_view_ops *ops;
	tui_base *base;
	const tui_key *keys; /* its key table (or NULL) */
	size_t n_keys;
	unsigned need;	  /* the flags a key needs to work here (TUI_KEY_BROWSE) */
	const char *refused; /* what a key need refuses says (NULL: read-only) */
	WINDOW *win;	  /* where its keys are read (keypad on); NULL: stdscr */
	bool cursor;	  /* shows the terminal's cursor */
	bool done;	  /* set by a key's action: the view closes */
	tui_view *below;  /* the view under it on the stack */
};

/* The state a view's struct holds its tui_view in, from the view. */
#define TUI_SELF(v, type) ((type *)(void *)((char *)(v)-offsetof(type, view)))

/* What every view shares: the store, the options every screen has, the
 * theme, the message line and the stack of views. */
struct tui_base {
	store *s;
	const char *db_name; /* shown in the top bar */
	const conf *config;
	attr_t attr[CONF_ROLE_COUNT];
	char msg[512];
	bool msg_error;
	tui_view *top;
	SCREEN *scr;
	bool quit; /* every view closes */
	struct tui_gfx *gfx; /* sixel or kitty pictures (gfx.h); NULL: cells */
};

/* ---- The terminal --------------------------------------------------------- */

/* Opens curses on stdin/stdout (raw, no echo, keypad, quick Esc, no
 * cursor) with the theme applied to b->attr; with [media] protocol = sixel
 * or kitty, asks the terminal whether it shows them (else symbols, and a
 * note says why). */
int tui_open(tui_base *b, const conf_theme *theme, assay_error *err);
/* Closes it and leaves stdout line-buffered for what is printed after. */
void tui_close(tui_base *b);
/* Around a program that takes the terminal ($VISUAL): curses is put aside
 * (when it runs) and brought back as it was. */
bool tui_suspend(void);
void tui_resume(bool suspended);
/* Ctrl-Z (raw mode reads it as a key): the terminal is put back as the
 * shell had it, the job stops (SIGTSTP to its process group), and when
 * it is continued the screen is set up again and redrawn whole. */
void tui_stop(tui_base *b);
/* theme.c: the theme's roles as curses attributes into attr. */
void tui_theme_apply(attr_t *attr, const conf_theme *t);
/* Whether curses drives the terminal in direct colour (its description
 * has 2^24 colours: colour numbers from 8 up are 0xRRGGBB, as xterm-direct). */
bool tui_direct_colour(void);
/* A palette index (0-255, -1: the terminal's) as curses takes it here. */
int tui_colour_value(int c);
/* Whether the locale speaks UTF-8 (else charts fall back to ASCII). */
bool tui_utf8(void);

/* ---- The stack and the loop ----------------------------------------------- */

/* Puts v on top (v->base set) and opens it. */
void tui_push(tui_base *b, tui_view *v);
/* Takes v off the stack (wherever it is) and closes it. */
void tui_pop(tui_base *b, tui_view *v);
/* The loop: draws the stack, waits for a key, a socket or a timer, ticks
 * every view, hands the key to the top one; until the stack is empty or
 * b->quit (then every view is closed). */
void tui_run(tui_base *b);
/* The key table's handling: the row matching the key runs (a key the
 * view's need does not allow says so); HANDLED, or IGNORED when no row. */
int tui_view_keys(tui_view *v, int kind, wint_t ch);
/* Keys any view may bind: Ctrl-Z (tui_stop) and Ctrl-L (redraw whole). */
void tui_key_suspend(tui_view *v);
void tui_key_redraw(tui_view *v);

/* Moves *top by `by` display lines within [0, n - rows]; the page a
 * PgDn/PgUp moves for rows rows. */
void tui_scroll(int *top, int rows, size_t n, int by);
int tui_page(int rows);

/* ---- Drawing ------------------------------------------------------------ */

void tui_message(tui_base *b, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Draws s (untrusted) at (y, x) in at most w columns of stdscr in the
 * role's attributes; returns the columns used. */
int tui_put(tui_base *b, int y, int x, int w, const char *s, int role);
/* Fills row y with the role's background. */
void tui_fill(tui_base *b, int y, int role);
/* False (and the screen says so) when it is smaller than the views need. */
bool tui_fits(tui_base *b);
/* A view's frame: clears the screen, the footer of its keys on the last
 * row and the message above it; returns the last row left for the view. */
int tui_frame(tui_view *v);
/* Ends a frame drawn on stdscr. */
void tui_frame_done(void);
/* A bordered window centred on the screen in the dialog role. */
WINDOW *tui_box(tui_base *b, int h, int w);

#endif
