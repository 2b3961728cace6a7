/* audit_draw.c — drawing the dashboard: the top bar and panel tabs, rate
 * bars with Wilson whiskers (chart.bar / chart.whisker), daily sparklines,
 * the calibration table and the selected scorer's histograms by verdict,
 * laid out from its table of panes (pane.h). Names, reasons, batches and
 * models are drawn through tui_draw_text. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit_int.h"
#include "draw.h"
#include "pane.h"

/* A rate as "12.3%", or "-" when unknown. */
static const char *pct(double v, char *buf, size_t n)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.1f%%", v * 100);
	return buf;
}

static void top_bar(dash *d)
{
	tui_base *a = d->b;
	tui_fill(a, 0, CONF_ROLE_STATUS_BAR);
	char right[128] = "", left[600], when[64] = "", n[32], r[16];
	if (d->have_total)
		snprintf(right, sizeof right, " %s decisions, %s rejected ",
			 tui_count(d->total.decided, n, sizeof n),
			 pct(d->total.reject_rate.rate, r, sizeof r));
	if (d->o->since_ms || d->o->until_ms) {
		time_t s = (time_t)(d->o->since_ms / 1000), u = (time_t)(d->o->until_ms / 1000 - 1);
		struct tm ts, tu;
		char a1[16] = "start", a2[16] = "now";
		if (d->o->since_ms)
			strftime(a1, sizeof a1, "%Y-%m-%d", gmtime_r(&s, &ts));
		if (d->o->until_ms)
			strftime(a2, sizeof a2, "%Y-%m-%d", gmtime_r(&u, &tu));
		snprintf(when, sizeof when, " | %s..%s", a1, a2);
	}
	const char *db = strrchr(d->o->db_name, '/');
	snprintf(left, sizeof left, " assay audit | %s | %s%s%s%s", db ? db + 1 : d->o->db_name,
		 d->o->batch ? d->o->batch : "all batches", when,
		 d->o->where_text ? " | where " : "", d->o->where_text ? d->o->where_text : "");
	if (d->have_total && (int)strlen(right) > COLS / 2) /* narrow: the rate alone */
		snprintf(right, sizeof right, " %s rejected ", r);
	int rw = (int)strlen(right);
	tui_put(a, 0, 0, COLS - rw - 1, left, CONF_ROLE_STATUS_BAR);
	if (rw && rw < COLS)
		tui_put(a, 0, COLS - rw, rw, right, CONF_ROLE_STATUS_ACCENT);
}

/* "1 annotators  2 reasons ..."; when that does not fit, the other tabs
 * shrink to their digit. */
static void tabs(dash *d, int y)
{
	tui_base *a = d->b;
	int full = 1;
	for (int i = 0; i < DASH_N; i++)
		full += (int)strlen(dash_panels[i].tab) + 5; /* " 1 name" and a gap */
	int x = 1;
	for (int i = 0; i < DASH_N; i++) {
		char t[48];
		if (i == d->panel || full <= COLS)
			snprintf(t, sizeof t, " %d %s ", i + 1, dash_panels[i].tab);
		else
			snprintf(t, sizeof t, " %d ", i + 1);
		x += tui_put(a, y, x, COLS - x, t,
				  i == d->panel ? CONF_ROLE_SELECTION : CONF_ROLE_META_KEY) +
		     1;
	}
}

/* The title of a panel, with a note on the right. */
static void title(dash *d, int y, const char *text, const char *note)
{
	tui_base *a = d->b;
	int nw = note ? (int)strlen(note) : 0;
	if ((int)strlen(text) + nw + 4 > COLS)
		nw = 0; /* the title first */
	tui_put(a, y, 1, COLS - nw - 3, text, CONF_ROLE_HELP_TITLE);
	if (nw && nw + 2 < COLS)
		tui_put(a, y, COLS - nw - 1, nw, note, CONF_ROLE_META_KEY);
}

/* The top of the bar scale: the largest interval end, rounded up to 10%. */
static double bar_scale(const dash_panel_data *p)
{
	double top = 0;
	for (size_t i = 0; i < p->n; i++)
		if (!isnan(p->bars[i].rate.hi) && p->bars[i].rate.n && p->bars[i].rate.hi > top)
			top = p->bars[i].rate.hi;
	top = ceil(top * 10 - 1e-9) / 10;
	return top < 0.1 ? 0.1 : top > 1 ? 1 : top;
}

/* One bar: marker, label, the bar with its whisker, the rate and count. */
static void bar_row(dash *d, int y, const dash_bar *b, bool sel, int lw, int bw, double scale)
{
	tui_base *a = d->b;
	if (sel)
		tui_put(a, y, 0, 1, ">", CONF_ROLE_SELECTION);
	tui_put(a, y, 1, lw, b->label, sel ? CONF_ROLE_SELECTION : CONF_ROLE_META_VALUE);
	unsigned char cells[512];
	if (bw > (int)sizeof cells)
		bw = (int)sizeof cells;
	tui_bar_cells(b->rate.rate / scale, b->rate.lo / scale, b->rate.hi / scale, bw, cells);
	int x = lw + 2;
	for (int i = 0; i < bw; i++) {
		int role = cells[i] == TUI_BAR_WHISKER || cells[i] == TUI_BAR_CAP
			       ? CONF_ROLE_CHART_WHISKER
			       : CONF_ROLE_CHART_BAR;
		attrset(a->attr[role]);
		mvaddstr(y, x + i, tui_bar_glyph(cells[i], d->utf8));
	}
	attrset(A_NORMAL);
	char r[16], n[32], text[64];
	pct(b->rate.rate, r, sizeof r);
	if (COLS - (x + bw) >= 20)
		snprintf(text, sizeof text, "%6s of %s", r, tui_count(b->rate.n, n, sizeof n));
	else
		snprintf(text, sizeof text, "%6s", r);
	tui_put(a, y, x + bw + 1, COLS - (x + bw + 1), text, CONF_ROLE_META_VALUE);
}

/* Keeps the selection in the rows shown. */
static void follow(dash_panel_data *p, int rows)
{
	if (p->sel < p->top)
		p->top = p->sel;
	if (rows > 0 && p->sel >= p->top + rows)
		p->top = p->sel - rows + 1;
	if (p->top < 0)
		p->top = 0;
}

/* A list of bars in rows [y, y + rows), with a scale line under it. */
static void bar_list(dash *d, dash_panel_data *p, int y, int rows)
{
	int lw = 4;
	for (size_t i = 0; i < p->n; i++) {
		int w = (int)text_width(p->bars[i].label, strlen(p->bars[i].label));
		lw = w > lw ? w : lw;
	}
	int maxl = COLS / 3 < 24 ? COLS / 3 : 24;
	lw = lw > maxl ? maxl : lw;
	int tw = COLS >= 60 ? 20 : 7;
	int bw = COLS - lw - tw - 3;
	rows--; /* the scale line */
	follow(p, rows);
	double scale = bar_scale(p);
	for (int r = 0; r < rows && p->top + r < (int)p->n; r++)
		bar_row(d, y + r, &p->bars[p->top + r], p->top + r == p->sel, lw, bw, scale);
	char lo[8] = "0%", hi[16];
	snprintf(hi, sizeof hi, "%.0f%%", scale * 100);
	int sy = y + (rows < (int)p->n ? rows : (int)p->n);
	tui_put(d->b, sy, lw + 2, 3, lo, CONF_ROLE_META_KEY);
	tui_put(d->b, sy, lw + 2 + bw - (int)strlen(hi), (int)strlen(hi), hi,
		     CONF_ROLE_META_KEY);
}

/* What the selected bar stands for, in words. */
static void details(dash *d, int i, int y)
{
	dash_panel_data *p = &d->p[i];
	const dash_bar *b = &p->bars[p->sel];
	const audit_group *g = b->g;
	char line[900], r[16], lo[16], hi[16], k[32], n[32], e[32], secs[32] = "";
	pct(b->rate.rate, r, sizeof r);
	pct(b->rate.lo, lo, sizeof lo);
	pct(b->rate.hi, hi, sizeof hi);
	if (!isnan(g->median_secs))
		snprintf(secs, sizeof secs, "; median %.0f s a sample", g->median_secs);
	if (i == DASH_REASONS)
		snprintf(line, sizeof line, "%s: %s of %s rejections = %s (95%% CI %s-%s)",
			 b->label, tui_count(b->rate.k, k, sizeof k),
			 tui_count(b->rate.n, n, sizeof n), r, lo, hi);
	else
		snprintf(line, sizeof line,
			 "%s: %s of %s rejected = %s (95%% CI %s-%s), %s edited%s", b->label,
			 tui_count(g->rejected, k, sizeof k), tui_count(g->decided, n, sizeof n), r,
			 lo, hi, tui_count(g->edited, e, sizeof e), secs);
	tui_put(d->b, y, 1, COLS - 2, line, CONF_ROLE_META_KEY);
}

static void rates_panel(dash *d, int i, int y, int rows)
{
	dash_panel_data *p = &d->p[i];
	char note[64];
	snprintf(note, sizeof note, "%zu %s, 95%% Wilson interval", p->n,
		 p->n == 1 ? dash_panels[i].noun : dash_panels[i].tab);
	title(d, y, dash_panels[i].title, note);
	if (!p->n) {
		tui_put(d->b, y + 2, 2, COLS - 4,
			     i == DASH_REASONS ? "No rejections here." : "No decisions here.",
			     CONF_ROLE_META_KEY);
		return;
	}
	bar_list(d, p, y + 1, rows - 2);
	details(d, i, y + rows - 1);
}

/* One sparkline row: a label, then one cell per day of [from, from + w),
 * scaled from the lowest to the highest value shown (all equal: mid-height). */
static void spark_row(dash *d, int y, const char *label, const dash_panel_data *p, size_t from,
		      int w, bool rate)
{
	tui_base *a = d->b;
	tui_put(a, y, 1, 9, label, CONF_ROLE_META_KEY);
	double lo = INFINITY, hi = -INFINITY;
	size_t end = from + (size_t)w < p->n ? from + (size_t)w : p->n;
	for (size_t k = from; k < end; k++) {
		double v = rate ? p->bars[k].rate.rate : (double)p->bars[k].g->decided;
		if (!isnan(v)) {
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
	}
	attrset(a->attr[rate ? CONF_ROLE_SCORE_BAD : CONF_ROLE_CHART_BAR]);
	for (size_t k = from; k < end; k++) {
		double v = rate ? p->bars[k].rate.rate : (double)p->bars[k].g->decided;
		int level = hi > lo ? tui_spark_level(v - lo, hi - lo) : isnan(v) ? -1 : 3;
		mvaddstr(y, 11 + (int)(k - from), tui_spark_glyph(level, d->utf8));
	}
	attrset(A_NORMAL);
	char range[64], n1[32], n2[32];
	if (hi < lo)
		snprintf(range, sizeof range, " -");
	else if (rate)
		snprintf(range, sizeof range, " %.1f%%-%.1f%%", lo * 100, hi * 100);
	else
		snprintf(range, sizeof range, " %s-%s", tui_count((uint64_t)lo, n1, sizeof n1),
			 tui_count((uint64_t)hi, n2, sizeof n2));
	int x = 11 + (int)(end - from) + 1;
	tui_put(a, y, x, COLS - x, range, CONF_ROLE_META_VALUE);
}

static void days_panel(dash *d, int y, int rows)
{
	tui_base *a = d->b;
	dash_panel_data *p = &d->p[DASH_DAYS];
	char note[96];
	if (p->n)
		snprintf(note, sizeof note, "%zu day%s, %s to %s", p->n, p->n == 1 ? "" : "s",
			 p->bars[0].label, p->bars[p->n - 1].label);
	else
		snprintf(note, sizeof note, "no days");
	title(d, y, dash_panels[DASH_DAYS].title, note);
	if (!p->n) {
		tui_put(a, y + 2, 2, COLS - 4, "No decisions here.", CONF_ROLE_META_KEY);
		return;
	}
	int w = COLS - 12 - 24;
	if (w < 8)
		w = 8;
	size_t from = 0;
	if (p->n > (size_t)w) {
		long f = (long)p->sel - w / 2;
		long maxf = (long)p->n - w;
		from = (size_t)(f < 0 ? 0 : f > maxf ? maxf : f);
	}
	spark_row(d, y + 1, "decisions", p, from, w, false);
	spark_row(d, y + 2, "rejected", p, from, w, true);
	tui_put(a, y + 3, 11 + (int)((size_t)p->sel - from), 1, "^", CONF_ROLE_SELECTION);
	size_t last = from + (size_t)w < p->n ? from + (size_t)w - 1 : p->n - 1;
	tui_put(a, y + 4, 11, 10, p->bars[from].label, CONF_ROLE_META_VALUE);
	if (last > from && (int)(last - from) >= 20)
		tui_put(a, y + 4, 11 + (int)(last - from) - 9, 10, p->bars[last].label,
			     CONF_ROLE_META_VALUE);
	if (rows > 8)
		bar_list(d, p, y + 5, rows - 6);
	details(d, DASH_DAYS, y + rows - 1);
}

static void calibration_row(dash *d, int y, const audit_scorer_report *s, bool sel)
{
	tui_base *a = d->b;
	if (sel)
		tui_put(a, y, 0, 1, ">", CONF_ROLE_SELECTION);
	char name[64];
	snprintf(name, sizeof name, "%s%s", s->scorer, s->in_sample ? "*" : "");
	tui_put(a, y, 1, 14, name, sel ? CONF_ROLE_SELECTION : CONF_ROLE_META_VALUE);
	char n[32], auc[16] = "-", ci[32] = "-", p[16], r[16], t[16] = "-", cut[64];
	if (!isnan(s->auc.auc))
		snprintf(auc, sizeof auc, "%.3f", s->auc.auc);
	if (s->auc.method != AUDIT_CI_NONE)
		snprintf(ci, sizeof ci, "%.3f-%.3f", s->auc.lo, s->auc.hi);
	pct(s->at_flag.precision, p, sizeof p);
	pct(s->at_flag.recall, r, sizeof r);
	if (s->best95.found) {
		snprintf(t, sizeof t, "%.3f", s->best95.t);
		snprintf(cut, sizeof cut, "removes %.1f%%", s->best95.flagged_share * 100);
	} else {
		snprintf(cut, sizeof cut, "none at 95%%");
	}
	char line[200];
	snprintf(line, sizeof line, "%9s  %5s %-11s %6s %6s  %6s  %s", tui_count(s->n, n, sizeof n),
		 auc, ci, p, r, t, cut);
	tui_put(a, y, 16, COLS - 17, line, CONF_ROLE_META_VALUE);
}

/* The selected scorer's scores in ten bins, rejected against kept, each as
 * a share of its own class. */
static void histogram(dash *d, const audit_scorer_report *s, int y, int rows)
{
	tui_base *a = d->b;
	uint64_t nb = 0, ng = 0;
	for (int i = 0; i < 10; i++) {
		nb += s->hist_bad[i];
		ng += s->hist_good[i];
	}
	char line[300], b[32], g[32];
	snprintf(line, sizeof line, "scores by verdict: rejected (%s) | kept (%s)",
		 tui_count(nb, b, sizeof b), tui_count(ng, g, sizeof g));
	tui_put(a, y, 1, 12, "histogram", CONF_ROLE_META_KEY);
	tui_put(a, y, 12, COLS - 13, line, CONF_ROLE_META_KEY);
	/* bars scaled to the largest share of either class */
	double top = 0;
	for (int i = 0; i < 10; i++) {
		double fb = nb ? (double)s->hist_bad[i] / (double)nb : 0;
		double fg = ng ? (double)s->hist_good[i] / (double)ng : 0;
		top = fb > top ? fb : top;
		top = fg > top ? fg : top;
	}
	int hw = (COLS - 10 - 2 * 8 - 1) / 2;
	for (int i = 0; i < 10 && i + 1 < rows; i++) {
		int row = y + 1 + i;
		char bin[16];
		snprintf(bin, sizeof bin, "%.1f-%.1f", i / 10.0, (i + 1) / 10.0);
		tui_put(a, row, 1, 8, bin, CONF_ROLE_META_KEY);
		int x = 10;
		for (int side = 0; side < 2; side++) {
			uint64_t k = side ? s->hist_good[i] : s->hist_bad[i], all = side ? ng : nb;
			double f = all ? (double)k / (double)all : 0;
			int n = top > 0 ? (int)lround(f / top * hw) : 0;
			if (k && !n)
				n = 1; /* a bin with scores is never blank */
			attrset(a->attr[side ? CONF_ROLE_CHART_BAR : CONF_ROLE_SCORE_BAD]);
			for (int c = 0; c < n; c++)
				mvaddstr(row, x + c, tui_bar_glyph(TUI_BAR_FULL, d->utf8));
			attrset(A_NORMAL);
			char share[16];
			snprintf(share, sizeof share, "%5.1f%%", f * 100);
			tui_put(a, row, x + hw + 1, 6, share, CONF_ROLE_META_VALUE);
			x += hw + 8;
		}
	}
}

/* Under the table: which rows are judged on the verdicts their model
 * learned, and what `learn` measured out of fold. */
static void in_sample_note(dash *d, int y)
{
	for (size_t i = 0; i < d->cal.n; i++) {
		const audit_scorer_report *s = &d->cal.v[i];
		if (!s->in_sample || strcmp(s->scorer, "learned") != 0)
			continue;
		char line[200], oof[64] = "";
		if (!isnan(s->oof_auc))
			snprintf(oof, sizeof oof, "; out of fold ('assay learn'): AUC %.3f", s->oof_auc);
		snprintf(line, sizeof line, "* in-sample: judged on the verdicts the model learned%s",
			 oof);
		tui_put(d->b, y, 2, COLS - 4, line, CONF_ROLE_META_KEY);
	}
}

static void scorers_panel(dash *d, int y, int rows)
{
	tui_base *a = d->b;
	dash_panel_data *p = &d->p[DASH_SCORERS];
	bool filtered = d->o->since_ms || d->o->until_ms || d->o->batch;
	title(d, y, dash_panels[DASH_SCORERS].title,
	      filtered ? "all decisions (no filter)" : "a sample is rejected when most reject it");
	if (!d->cal.n) {
		tui_put(a, y + 2, 2, COLS - 4, "No scored sample has a human verdict yet.",
			     CONF_ROLE_META_KEY);
		return;
	}
	char head[200];
	snprintf(head, sizeof head, "%-14s %9s  %5s %-11s %6s %6s  %6s  %s", "scorer", "samples",
		 "AUC", "95% CI", "flag P", "flag R", "t@95%P", "auto-reject below t");
	tui_put(a, y + 1, 1, COLS - 2, head, CONF_ROLE_META_KEY);
	if (p->sel >= (int)d->cal.n)
		p->sel = (int)d->cal.n - 1;
	int table = (int)d->cal.n < rows / 2 - 2 ? (int)d->cal.n : rows / 2 - 2;
	if (table < 1)
		table = 1;
	follow(p, table);
	for (int r = 0; r < table && p->top + r < (int)d->cal.n; r++)
		calibration_row(d, y + 2 + r, &d->cal.v[p->top + r], p->top + r == p->sel);
	in_sample_note(d, y + 2 + table);
	histogram(d, &d->cal.v[p->sel], y + 3 + table, rows - 3 - table);
}

/* ---- The panes, top to bottom, and the panel under its tab --------------- */

static void top_bar_pane(tui_view *v, int y, int x, int w, int rows)
{
	top_bar(TUI_SELF(v, dash));
}

static void tabs_pane(tui_view *v, int y, int x, int w, int rows)
{
	tabs(TUI_SELF(v, dash), y);
}

static void rates_body(dash *d, int y, int rows)
{
	rates_panel(d, d->panel, y, rows);
}

/* What each tab's panel is drawn by, in its rows from row y. */
static void (*const bodies[DASH_N])(dash *d, int y, int rows) = {
    [DASH_ANNOTATORS] = rates_body, [DASH_REASONS] = rates_body,
    [DASH_BATCHES] = rates_body,    [DASH_MODELS] = rates_body,
    [DASH_DAYS] = days_panel,	    [DASH_SCORERS] = scorers_panel,
    [DASH_LISTS] = dash_lists_draw, [DASH_PAIRS] = dash_pairs_draw,
};

/* The selected tab's panel, in the rows left. */
static void panel_pane(tui_view *v, int y, int x, int w, int rows)
{
	dash *d = TUI_SELF(v, dash);
	dash_panel_data *p = &d->p[d->panel];
	if (p->error[0])
		tui_put(d->b, y + 1, 2, w - 4, p->error, CONF_ROLE_ERROR);
	else if (!p->ready)
		tui_put(d->b, y + 1, 2, w - 4, "computing...", CONF_ROLE_META_KEY);
	else
		bodies[d->panel](d, y, rows);
}

static const tui_pane panes[] = {
	{"top bar", 1, NULL, top_bar_pane},
	{"tabs", 2, NULL, tabs_pane}, /* and a blank row */
	{"panel", 0, NULL, panel_pane},
};

void dash_draw(tui_view *v)
{
	dash *d = TUI_SELF(v, dash);
	if (!tui_fits(d->b))
		return;
	int bottom = tui_frame(v);
	tui_panes_stack(v, panes, ASSAY_ARRAY_LEN(panes), 0, 0, COLS, bottom);
	tui_frame_done();
}
