/* audit_int.h — the audit dashboard's state (audit.c: keys and view
 * operations, audit_data.c: what the panels show, audit_draw.c: drawing
 * them) and the pure chart geometry (audit_chart.c) it draws with. */
#ifndef ASSAY_TUI_AUDIT_INT_H
#define ASSAY_TUI_AUDIT_INT_H

#include "assay/tui.h"
#include "assay/text.h"
#include "view.h"

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

#include "assay/audit_pairs.h"
#include "assay/audit_stats.h"

enum dash_panel {
	DASH_ANNOTATORS,
	DASH_REASONS,
	DASH_BATCHES,
	DASH_MODELS,
	DASH_DAYS,
	DASH_SCORERS,
	DASH_LISTS,
	DASH_PAIRS,
	DASH_N
};

/* One panel's definition: its tab, its title and the grouping behind it
 * (by < 0: the scorers' calibration, the lists of samples or the pairs). */
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

/* A row of the samples panel: a list's heading or a note, or a sample
 * behind a figure (a conflict, a rejection of a reason, an automatic
 * decision) with the decisions the drill-down opens. Strings owned. */
enum dash_row_kind { DASH_ROW_HEAD, DASH_ROW_NOTE, DASH_ROW_CONFLICT, DASH_ROW_REJECTION, DASH_ROW_AUTO };

typedef struct dash_row {
	int kind;
	char *a, *b;	/* the first two columns, or a heading's text in a */
	char *text;	/* the start of the sample's text, or NULL */
	int64_t sample_id;
	int64_t *annotators; /* whose decisions on it the drill-down shows */
	size_t n_annotators;
} dash_row;

typedef struct dash_rows {
	dash_row *v;
	size_t n, cap;
} dash_rows;

typedef struct dash {
	tui_view view;
	tui_base *b;
	store *s;
	const tui_audit_opts *o;
	bool utf8;
	bool by_rate; /* bars sorted by rate, else by name */
	int panel;
	int digit; /* the digit of the key being handled */
	dash_panel_data p[DASH_N];
	audit_calibration cal;
	dash_rows lists; /* the samples panel */
	audit_pairs_report pairs; /* the pairs panel (of --batch or all) */
	audit_group total; /* every decision in the filter */
	bool have_total;
	int64_t batch_id;		 /* o->batch's id, 0: every batch */
	store_names annotators, batches; /* for the drill-down */
	/* the read-only review of a bar, while it is open */
	bool browsing, capped;
	bool pending; /* panels may be left to compute */
	tui_pick *picks;
	char browse_title[600];
	tui_review_opts browse;
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

/* audit_lists.c: the samples panel — the conflicts with every verdict,
 * the newest rejections of each reason and the surest automatic
 * decisions, each of the slice (--where). */
int dash_lists_compute(dash *d, assay_error *err);
void dash_lists_free(dash_rows *r);
void dash_lists_draw(dash *d, int y, int rows);
/* Moves the selection by n rows, over the headings and notes. */
void dash_lists_select(dash *d, int n);
/* The decisions on the selected row's sample, for the drill-down (*out
 * freed by the caller; its names point into d), and a title for it. */
int dash_lists_picks(dash *d, tui_pick **out, size_t *n, char *title, size_t title_size,
		     assay_error *err);

/* audit_pairs.c: the pairs panel — the figures of stats --pairs for the
 * batch (--batch) or all; none under --where, --since or --until, which
 * the pairs' figures do not take. */
void dash_pairs_draw(dash *d, int y, int rows);

/* The dashboard's key table (audit.c). */
extern const tui_key dash_keys[];
extern const size_t dash_n_keys;

/* Draws the whole dashboard (its view's draw). */
void dash_draw(tui_view *v);

#endif
