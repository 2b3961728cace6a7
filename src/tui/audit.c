/* audit.c — `assay audit`: the read-only dashboard's keys and event loop.
 * Only the visible panel is computed before the first frame; the others
 * follow while the lead reads, one per idle moment, so switching is then
 * instant. Enter on a bar opens its decisions in a read-only review. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_int.h"

/* How long the loop waits for a key while panels are still to compute. */
#define IDLE_MS 50

static dash_panel_data *cur(dash *d)
{
	return &d->p[d->panel];
}

/* Shows panel i, computing it first (with a note on screen) if needed. */
static void show_panel(dash *d, int i)
{
	d->panel = i;
	if (!d->p[i].ready && !d->p[i].error[0]) {
		dash_draw(&d->a);
		dash_compute(d, i);
	}
}

static void k_tab(app *a)
{
	dash *d = (dash *)a;
	show_panel(d, (d->panel + 1) % DASH_N);
}

static void k_back_tab(app *a)
{
	dash *d = (dash *)a;
	show_panel(d, (d->panel + DASH_N - 1) % DASH_N);
}

static void k_panel(app *a)
{
	dash *d = (dash *)a;
	if (d->digit >= 1 && d->digit <= DASH_N)
		show_panel(d, d->digit - 1);
}

/* Moves the selection by n bars (or scorers), within the panel. */
static void select_by(dash *d, int n)
{
	dash_panel_data *p = cur(d);
	int count = d->panel == DASH_SCORERS ? (int)d->cal.n : (int)p->n;
	if (!p->ready || !count)
		return;
	p->sel += n;
	if (p->sel >= count)
		p->sel = count - 1;
	if (p->sel < 0)
		p->sel = 0;
}

static void k_down(app *a)
{
	select_by((dash *)a, 1);
}

static void k_up(app *a)
{
	select_by((dash *)a, -1);
}

static void k_page_down(app *a)
{
	select_by((dash *)a, LINES / 2);
}

static void k_page_up(app *a)
{
	select_by((dash *)a, -(LINES / 2));
}

static void k_home(app *a)
{
	select_by((dash *)a, -1000000000);
}

static void k_end(app *a)
{
	select_by((dash *)a, 1000000000);
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

/* Opens the bar's decisions in a read-only review until q. */
static void open_bar(dash *d, bool all)
{
	app *a = &d->a;
	if (d->panel == DASH_SCORERS) {
		tui_message(a, false, "a scorer row has no samples to open; pick a bar on 1-5");
		return;
	}
	if (!cur(d)->ready || !cur(d)->n)
		return;
	tui_message(a, false, "reading the decisions...");
	dash_draw(a);
	tui_pick *picks = NULL;
	size_t n = 0;
	bool capped = false;
	assay_error err = {0};
	if (dash_picks(d, d->panel, all, &picks, &n, &capped, &err) < 0) {
		tui_message(a, true, "%s", err.msg);
		return;
	}
	a->msg[0] = '\0';
	if (!n) {
		tui_message(a, false, "no %s behind this bar", all ? "decisions" : "rejections");
		free(picks);
		return;
	}
	char title[600];
	list_title(d, all, title, sizeof title);
	tui_review_opts ro = {
	    .db_name = d->o->db_name,
	    .annotator = title,
	    .batch = d->o->batch,
	    .theme = d->o->theme,
	    .config = d->o->config,
	    .only = picks,
	    .n_only = n,
	};
	if (tui_review_browse(d->s, &ro, &err) < 0)
		tui_message(a, true, "%s", err.msg);
	else if (capped)
		tui_message(a, false, "that was the first %d of its decisions", DASH_MAX_PICKS);
	free(picks);
	timeout(1000);
	clearok(curscr, TRUE);
}

static void k_open(app *a)
{
	open_bar((dash *)a, false);
}

static void k_open_all(app *a)
{
	open_bar((dash *)a, true);
}

static void k_order(app *a)
{
	dash *d = (dash *)a;
	d->by_rate = !d->by_rate;
	dash_sort(d);
	tui_message(a, false, "bars ordered by %s", d->by_rate ? "rate, highest first" : "name");
}

/* Forgets every panel and computes the visible one again from the store. */
static void k_reload(app *a)
{
	dash *d = (dash *)a;
	dash_free(d);
	show_panel(d, d->panel);
	tui_message(a, false, "read again from the database");
}

static void k_help(app *a)
{
	tui_view_help(a, " audit keys ", dash_keys, dash_n_keys);
}

static void k_redraw(app *a)
{
	clearok(curscr, TRUE);
	(void)a;
}

static void k_quit(app *a)
{
	a->quit = true;
}

const tui_key dash_keys[] = {
    {'\t', 0, "Tab", "next panel", k_tab, true},
    {KEY_BTAB, 0, "S-Tab", "previous panel", k_back_tab, false},
    {'1', 0, "1-6", "panel: annotators, reasons, batches, models, days, scorers", k_panel, false},
    {KEY_DOWN, 'j', "Down j", "next bar", k_down, false},
    {KEY_UP, 'k', "Up k", "previous bar", k_up, false},
    {KEY_RIGHT, 'l', "Right l", "next bar (a later day)", k_down, false},
    {KEY_LEFT, 'h', "Left h", "previous bar (an earlier day)", k_up, false},
    {KEY_NPAGE, ' ', "PgDn", "half a screen down", k_page_down, false},
    {KEY_PPAGE, 0, "PgUp", "half a screen up", k_page_up, false},
    {KEY_HOME, 'g', "Home g", "first bar", k_home, false},
    {KEY_END, 'G', "End G", "last bar", k_end, false},
    {'\r', KEY_ENTER, "Enter", "the bar's rejections, read-only", k_open, true},
    {'a', 0, "a", "all the bar's decisions, read-only", k_open_all, false},
    {'o', 0, "o", "order bars by rate or by name", k_order, false},
    {'R', 0, "R", "read the database again", k_reload, false},
    {'?', 0, "?", "help", k_help, true},
    {12, 0, "Ctrl-L", "redraw the screen", k_redraw, false},
    {'q', 0, "q", "quit", k_quit, true},
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

static void run(dash *d)
{
	bool pending = true;
	while (!d->a.quit) {
		dash_draw(&d->a);
		timeout(pending ? IDLE_MS : 1000);
		wint_t ch;
		int kind = get_wch(&ch);
		if (kind == ERR) {
			if (pending)
				pending = compute_one(d);
			continue;
		}
		if (kind == KEY_CODE_YES && ch == KEY_RESIZE)
			continue;
		d->a.msg[0] = '\0';
		int key = (int)ch;
		if (kind == OK && key >= '1' && key <= '9') {
			d->digit = key - '0';
			key = '1';
		}
		if (kind == OK && key == '\n')
			key = '\r';
		tui_view_dispatch(&d->a, dash_keys, dash_n_keys, key);
		pending = true;
	}
}

int tui_audit_run(store *s, const tui_audit_opts *o, assay_error *err)
{
	dash d = {.a = {.s = s, .redraw = dash_draw}, .s = s, .o = o};
	if (o->batch) {
		store_batch b;
		int rc = store_batch_by_name(s, o->batch, &b, err);
		if (rc < 0)
			return assay_fail(err, rc, "no batch named \"%s\"", o->batch);
		d.batch_id = b.id;
		store_batch_free(&b);
	}
	SCREEN *scr;
	int rc = tui_view_open(&scr, err);
	if (rc < 0)
		return rc;
	d.utf8 = tui_view_utf8();
	tui_theme_apply(&d.a, o->theme);
	show_panel(&d, DASH_ANNOTATORS);
	run(&d);
	tui_view_close(scr);
	dash_free(&d);
	return ASSAY_OK;
}
