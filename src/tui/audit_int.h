/* audit_int.h — what the lead's views (the audit dashboard, its read-only
 * drill-down and the conflicts view) share: opening the terminal, drawing
 * untrusted text in a role, a scrollable document of wrapped text with a
 * role per byte, key tables with their footer and help overlay, and the
 * pure chart geometry (audit_chart.c) the dashboard draws with. */
#ifndef ASSAY_TUI_AUDIT_INT_H
#define ASSAY_TUI_AUDIT_INT_H

#include "app.h"
#include "assay/tui.h"

#define TUI_VIEW_MIN_W 40
#define TUI_VIEW_MIN_H 12

/* ---- The terminal (audit_ui.c) ------------------------------------------ */

/* Opens curses on stdin/stdout the way the review screen does (raw, no
 * echo, keypad, quick Esc, no cursor, a one-second input timeout). */
int tui_view_open(SCREEN **scr, assay_error *err);
/* Closes it and leaves stdout line-buffered for what is printed after. */
void tui_view_close(SCREEN *scr);
/* Whether the locale speaks UTF-8 (else charts fall back to ASCII). */
bool tui_view_utf8(void);

/* Draws s (untrusted) at (y, x) in at most w columns of stdscr in the role's
 * attributes; returns the columns used. */
int tui_view_put(app *a, int y, int x, int w, const char *s, int role);
/* Fills row y with the role's background. */
void tui_view_fill(app *a, int y, int role);
/* Clears the screen and says it is smaller than the views need. */
void tui_view_too_small(app *a);
/* The key hints of a key table (rows with hint set) on row y. */
void tui_view_footer(app *a, int y, const tui_key *keys, size_t n);
/* A boxed list of every key of a table until a key is pressed; redraws the
 * view behind (a->redraw) on a resize. */
void tui_view_help(app *a, const char *title, const tui_key *keys, size_t n);
/* Runs the row of keys matching key; false when none does. */
bool tui_view_dispatch(app *a, const tui_key *keys, size_t n, int key);

/* ---- A document: wrapped text with a role per byte (audit_ui.c) ------- */

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
void tui_doc_draw(app *a, tui_doc *d, int y, int x, int rows, int scroll);

/* ---- Chart geometry (audit_chart.c, pure) --------------------------------- */

/* What one cell of a horizontal rate bar shows. */
enum tui_bar_cell {
	TUI_BAR_EMPTY,	 /* beyond the bar and its whisker */
	TUI_BAR_FULL,	 /* the bar below the interval's low end */
	TUI_BAR_UNSURE,	 /* the bar within the interval (lo .. rate) */
	TUI_BAR_WHISKER, /* the interval beyond the bar (rate .. hi) */
	TUI_BAR_CAP,	 /* the interval's high end */
};

/* Fills cells[0..width) for a rate in [0, 1] with its interval [lo, hi]: a
 * cell is "in" the bar when its left edge is below rate * width (rounded to
 * the nearest cell), and likewise for lo and hi. NaN rate: all EMPTY. */
void tui_bar_cells(double rate, double lo, double hi, int width, unsigned char *cells);

/* The level 0..7 of v on a sparkline whose top is max (v <= 0: 0, v >= max:
 * 7, else ceil(v / max * 8) - 1); -1 for NaN (no data). */
int tui_spark_level(double v, double max);

/* The glyph for a bar cell or a sparkline level, UTF-8 or ASCII. */
const char *tui_bar_glyph(int cell, bool utf8);
const char *tui_spark_glyph(int level, bool utf8);

/* Formats a count with thousands separators ("1,234,567") into buf. */
const char *tui_count(uint64_t n, char *buf, size_t size);

/* ---- The dashboard (audit.c: keys and loop, audit_data.c: what the
 * panels show, audit_draw.c: drawing them) ---------------------------- */

#include "assay/audit_stats.h"

enum dash_panel {
	DASH_ANNOTATORS,
	DASH_REASONS,
	DASH_BATCHES,
	DASH_MODELS,
	DASH_DAYS,
	DASH_SCORERS,
	DASH_N
};

/* One panel's definition: its tab, its title and the grouping behind it
 * (by < 0: the scorers' calibration). */
typedef struct dash_panel_def {
	const char *tab;
	const char *title;
	const char *noun; /* what a bar is: "annotator", "reason", ... */
	int by;		  /* enum audit_by */
	const char *field;
} dash_panel_def;

extern const dash_panel_def dash_panels[DASH_N];

/* A bar: a group and the rate it shows (rejected / decided; for reasons,
 * the reason's share of all rejections). */
typedef struct dash_bar {
	const char *label; /* the group's key, owned by the panel's stats */
	audit_rate rate;
	const audit_group *g;
} dash_bar;

typedef struct dash_panel_data {
	bool ready;
	char error[1024]; /* why it could not be computed, or "" */
	audit_stats st;	  /* the grouping (not the scorers panel) */
	dash_bar *bars;
	size_t n;
	int sel, top; /* the selected bar, the first one shown */
} dash_panel_data;

typedef struct dash {
	app a; /* first: the key actions and dialogs get &d->a */
	store *s;
	const tui_audit_opts *o;
	bool utf8;
	bool by_rate; /* bars sorted by rate, else by name */
	int panel;
	int digit; /* the digit of the key being handled */
	dash_panel_data p[DASH_N];
	audit_calibration cal;
	audit_group total; /* every decision in the filter */
	bool have_total;
	int64_t batch_id;		 /* o->batch's id, 0: every batch */
	store_names annotators, batches; /* for the drill-down */
} dash;

/* Computes panel i if it is not ready (an error is kept in p[i].error). */
void dash_compute(dash *d, int i);
/* Orders every ready panel's bars by d->by_rate. */
void dash_sort(dash *d);
void dash_free(dash *d);

/* The decisions behind bar `sel` of panel i: its rejections, or with all
 * every decision of the group (a reason's are always rejections), ordered
 * by sample; at most DASH_MAX_PICKS (*capped then). *out is freed by the
 * caller; its names point into d. */
#define DASH_MAX_PICKS 200000
int dash_picks(dash *d, int i, bool all, tui_pick **out, size_t *n, bool *capped, assay_error *err);

/* The dashboard's key table (audit.c). */
extern const tui_key dash_keys[];
extern const size_t dash_n_keys;

/* Draws the whole dashboard (the redraw hook of d->a). */
void dash_draw(app *a);

#endif
