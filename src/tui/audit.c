/* audit.c — `assay audit`: the read-only dashboard's keys and event loop.
 * Only the visible panel is computed before the first frame; the others
 * follow while the lead reads, one per idle moment, so switching is then
 * instant. Enter on a bar opens its decisions in a read-only review. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "audit_int.h"
#include "dialogs.h"

/* How long the loop waits for a key while panels are still to compute. */
#define IDLE_MS 50

#define D(v) TUI_SELF(v, dash)

static dash_panel_data *cur(dash *d)
{
	return &d->p[d->panel];
}

/* Shows panel i, computing it first (with a note on screen) if needed. */
static void show_panel(dash *d, int i)
{
	d->panel = i;
	if (!d->p[i].ready && !d->p[i].error[0]) {
		dash_draw(&d->view);
		doupdate();
		dash_compute(d, i);
	}
}

static void k_tab(tui_view *v)
{
	dash *d = D(v);
	show_panel(d, (d->panel + 1) % DASH_N);
}

static void k_back_tab(tui_view *v)
{
	dash *d = D(v);
	show_panel(d, (d->panel + DASH_N - 1) % DASH_N);
}

static void k_panel(tui_view *v)
{
	dash *d = D(v);
	if (d->digit >= 1 && d->digit <= DASH_N)
		show_panel(d, d->digit - 1);
}

/* Moves the selection by n bars (or scorers), within the panel. */
static void select_by(dash *d, int n)
{
	dash_panel_data *p = cur(d);
	if (d->panel == DASH_LISTS) {
		if (p->ready)
			dash_lists_select(d, n);
		return;
	}
	int count = d->panel == DASH_SCORERS ? (int)d->cal.n : (int)p->n;
	if (!p->ready || !count)
		return;
	p->sel += n;
	if (p->sel >= count)
		p->sel = count - 1;
	if (p->sel < 0)
		p->sel = 0;
}

static void k_down(tui_view *v)
{
	select_by(D(v), 1);
}

static void k_up(tui_view *v)
{
	select_by(D(v), -1);
}

static void k_page_down(tui_view *v)
{
	select_by(D(v), LINES / 2);
}

static void k_page_up(tui_view *v)
{
	select_by(D(v), -(LINES / 2));
}

static void k_home(tui_view *v)
{
	select_by(D(v), -1000000000);
}

static void k_end(tui_view *v)
{
	select_by(D(v), 1000000000);
}

/* The top bar of the read-only review: what the list is. */
static void list_title(dash *d, bool all, char *buf, size_t n)
{
	const dash_panel_data *p = cur(d);
	const char *key = p->bars[p->sel].label;
	const char *what = all ? "decisions" : "rejections";
	switch (d->panel) {
	case DASH_ANNOTATORS:
		snprintf(buf, n, "%s by %s", what, key);
		break;
	case DASH_REASONS:
		snprintf(buf, n, "rejections for %s", key);
		break;
	case DASH_BATCHES:
		snprintf(buf, n, "%s in batch %s", what, key);
		break;
	case DASH_MODELS:
		snprintf(buf, n, "%s of model %s", what, key);
		break;
	default:
		snprintf(buf, n, "%s on %s", what, key);
	}
}

/* The decisions behind the selection: a bar's, or a listed sample's
 * (then *n is never 0 and the title is set). */
static int picks_of(dash *d, bool all, size_t *n, assay_error *err)
{
	free(d->picks);
	d->picks = NULL;
	d->capped = false;
	if (d->panel == DASH_LISTS)
		return dash_lists_picks(d, &d->picks, n, d->browse_title, sizeof d->browse_title,
					err);
	int rc = dash_picks(d, d->panel, all, &d->picks, n, &d->capped, err);
	if (rc == ASSAY_OK)
		list_title(d, all, d->browse_title, sizeof d->browse_title);
	return rc;
}

/* Opens the bar's (or the listed sample's) decisions in a read-only
 * review on top, until q. */
static void open_bar(dash *d, bool all)
{
	tui_base *b = d->b;
	if (d->panel == DASH_SCORERS || d->panel == DASH_PAIRS) {
		tui_message(b, false, "%s; pick a bar on 1-5",
			    d->panel == DASH_SCORERS ? "a scorer row has no samples to open"
						     : "the pairs panel has no bars to open");
		return;
	}
	if (!cur(d)->ready || (d->panel != DASH_LISTS && !cur(d)->n))
		return;
	tui_message(b, false, "reading the decisions...");
	dash_draw(&d->view);
	doupdate();
	size_t n = 0;
	assay_error err = {0};
	if (picks_of(d, all, &n, &err) < 0) {
		tui_message(b, true, "%s", err.msg);
		return;
	}
	b->msg[0] = '\0';
	if (!n) {
		tui_message(b, false, "no %s behind this bar", all ? "decisions" : "rejections");
		return;
	}
	d->browse = (tui_review_opts){
	    .db_name = d->o->db_name,
	    .annotator = d->browse_title,
	    .batch = d->o->batch,
	    .theme = d->o->theme,
	    .config = d->o->config,
	    .only = d->picks,
	    .n_only = n,
	};
	if (tui_review_browse(b, &d->browse, &err) < 0)
		tui_message(b, true, "%s", err.msg);
	else
		d->browsing = true;
}

static void k_open(tui_view *v)
{
	open_bar(D(v), false);
}

static void k_open_all(tui_view *v)
{
	open_bar(D(v), true);
}

static void k_order(tui_view *v)
{
	dash *d = D(v);
	d->by_rate = !d->by_rate;
	dash_sort(d);
	tui_message(D(v)->b, false, "bars ordered by %s", d->by_rate ? "rate, highest first" : "name");
}

/* Forgets every panel and computes the visible one again from the store. */
static void k_reload(tui_view *v)
{
	dash *d = D(v);
	dash_free(d);
	show_panel(d, d->panel);
	tui_message(D(v)->b, false, "read again from the database");
}

static void k_help(tui_view *v)
{
	tui_help(v, " audit keys ");
}

static void k_redraw(tui_view *v)
{
	(void)v;
	clearok(curscr, TRUE);
}

static void k_quit(tui_view *v)
{
	v->done = true;
}

const tui_key dash_keys[] = {
    {'\t', 0, "Tab", "next panel", k_tab, TUI_KEY_HINT},
    {KEY_BTAB, 0, "S-Tab", "previous panel", k_back_tab, 0},
    {'1', 0, "1-8",
     "panel: annotators, reasons, batches, models, days, scorers, samples, pairs",
     k_panel, 0},
    {KEY_DOWN, 'j', "Down j", "next bar", k_down, 0},
    {KEY_UP, 'k', "Up k", "previous bar", k_up, 0},
    {KEY_RIGHT, 'l', "Right l", "next bar (a later day)", k_down, 0},
    {KEY_LEFT, 'h', "Left h", "previous bar (an earlier day)", k_up, 0},
    {KEY_NPAGE, ' ', "PgDn", "half a screen down", k_page_down, 0},
    {KEY_PPAGE, 0, "PgUp", "half a screen up", k_page_up, 0},
    {KEY_HOME, 'g', "Home g", "first bar", k_home, 0},
    {KEY_END, 'G', "End G", "last bar", k_end, 0},
    {'\r', KEY_ENTER, "Enter", "the bar's rejections or the sample, read-only",
     k_open, TUI_KEY_HINT},
    {'a', 0, "a", "all the bar's decisions, read-only", k_open_all, 0},
    {'o', 0, "o", "order bars by rate or by name", k_order, 0},
    {'R', 0, "R", "read the database again", k_reload, 0},
    {'?', 0, "?", "help", k_help, TUI_KEY_HINT},
    {12, 0, "Ctrl-L", "redraw the screen", k_redraw, 0},
    {'q', 0, "q", "quit", k_quit, TUI_KEY_HINT},
};
const size_t dash_n_keys = ASSAY_ARRAY_LEN(dash_keys);

/* Computes the next panel not computed yet; false when all are. */
static bool compute_one(dash *d)
{
	for (int k = 0; k < DASH_N; k++) {
		int i = (d->panel + k) % DASH_N;
		if (!d->p[i].ready && !d->p[i].error[0]) {
			dash_compute(d, i);
			return true;
		}
	}
	return false;
}

/* Panels are computed while idle, one per wake; a closed drill-down
 * says whether it showed every decision. */
static int dash_tick(tui_view *v, bool idle)
{
	dash *d = D(v);
	if (d->browsing && d->b->top == v) {
		d->browsing = false;
		if (d->capped)
			tui_message(d->b, false, "that was the first %d of its decisions",
				    DASH_MAX_PICKS);
		return 0;
	}
	if (idle && d->pending)
		d->pending = compute_one(d);
	return d->pending ? IDLE_MS : 1000;
}

/* 1-9 all run k_panel (the table's row '1') with the digit kept; any key
 * may leave a panel to compute. */
static int dash_key(tui_view *v, int kind, wint_t ch)
{
	dash *d = D(v);
	if (kind == OK && ch >= '1' && ch <= '9') {
		d->digit = (int)ch - '0';
		ch = '1';
	}
	d->pending = true;
	return tui_view_keys(v, kind, ch);
}

static void dash_open(tui_view *v)
{
	show_panel(D(v), DASH_ANNOTATORS);
}

static void dash_close(tui_view *v)
{
	dash *d = D(v);
	dash_free(d);
	free(d->picks);
	d->picks = NULL;
}

static const tui_view_ops dash_ops = {
	.name = "audit",
	.open = dash_open,
	.draw = dash_draw,
	.key = dash_key,
	.tick = dash_tick,
	.close = dash_close,
};

int tui_audit_run(store *s, const tui_audit_opts *o, assay_error *err)
{
	tui_base b = {.s = s, .db_name = o->db_name, .config = o->config};
	dash d = {.view = {.ops = &dash_ops, .keys = dash_keys, .n_keys = dash_n_keys},
		  .b = &b, .s = s, .o = o, .pending = true};
	if (o->batch) {
		store_batch bt;
		int rc = store_batch_by_name(s, o->batch, &bt, err);
		if (rc < 0)
			return assay_fail(err, rc, "no batch named \"%s\"", o->batch);
		d.batch_id = bt.id;
		store_batch_free(&bt);
	}
	int rc = tui_open(&b, o->theme, err);
	if (rc < 0)
		return rc;
	d.utf8 = tui_utf8();
	tui_push(&b, &d.view);
	tui_run(&b);
	tui_close(&b);
	return ASSAY_OK;
}
