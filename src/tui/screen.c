/* screen.c — drawing the review screen: the top bar, the sample's header,
 * the wrapped (scrollable) text or its word diff (panes.c lays out the
 * rest), a message line and the key hints. Every byte from the data goes
 * through the text layer's cells, so nothing reaches the terminal raw. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "editor.h"

static int put(app *a, int y, int x, int w, const char *s, int role)
{
	return tui_put(a->b, y, x, w, s, role);
}

/* Appends bytes with a role for each. */
static void add(app *a, const char *s, size_t n, int role)
{
	size_t at = a->shown.len;
	abuf_append(&a->shown, s, n);
	if (ASSAY_GROW(a->roles, a->shown.len + 1, a->roles_cap, 64) < 0)
		return;
	memset(a->roles + at, role, n);
}

/* The word diff of the original against the edit: removed words in the
 * removed role, added ones in the added role, the rest as text. */
static void build_diff(app *a, const char *orig, const char *edit)
{
	text_diff d = {0};
	if (text_word_diff(orig, strlen(orig), edit, strlen(edit), &d) < 0) {
		add(a, edit, strlen(edit), CONF_ROLE_SAMPLE_TEXT);
		return;
	}
	size_t b_at = 0; /* how far into the edit the drawn text has come */
	for (size_t i = 0; i < d.n; i++) {
		const text_diff_chunk *c = &d.v[i];
		if (c->op == TEXT_DIFF_DELETE) {
			if (a->shown.len && a->shown.data[a->shown.len - 1] != ' ')
				add(a, " ", 1, CONF_ROLE_SAMPLE_TEXT);
			add(a, orig + c->off, c->len, CONF_ROLE_DIFF_REMOVED);
			add(a, " ", 1, CONF_ROLE_SAMPLE_TEXT);
			continue;
		}
		/* the white space of the edit between chunks (one space after a
		 * removed chunk is enough) */
		if (c->off > b_at && !(a->shown.len && a->shown.data[a->shown.len - 1] == ' ' &&
				       strspn(edit + b_at, " ") == c->off - b_at))
			add(a, edit + b_at, c->off - b_at, CONF_ROLE_SAMPLE_TEXT);
		add(a, edit + c->off, c->len,
		    c->op == TEXT_DIFF_INSERT ? CONF_ROLE_DIFF_ADDED : CONF_ROLE_SAMPLE_TEXT);
		b_at = c->off + c->len;
	}
	if (b_at < strlen(edit))
		add(a, edit + b_at, strlen(edit) - b_at, CONF_ROLE_SAMPLE_TEXT);
	text_diff_free(&d);
}

void tui_layout(app *a, int width)
{
	if (!a->layout_dirty && a->wrap_width == width)
		return;
	abuf_reset(&a->shown);
	if (a->has_sample) {
		bool edited = strcmp(a->dec.verdict, "edited") == 0 && a->dec.text;
		if (a->suggestion)
			build_diff(a, edited ? a->dec.text : a->smp.text, a->suggestion);
		else if (edited && a->diff)
			build_diff(a, a->smp.text, a->dec.text);
		else if (edited)
			add(a, a->dec.text, strlen(a->dec.text), CONF_ROLE_SAMPLE_TEXT);
		else
			add(a, a->smp.text, strlen(a->smp.text), CONF_ROLE_SAMPLE_TEXT);
	}
	const char *s = a->shown.data ? a->shown.data : "";
	text_cells_build(s, a->shown.len, &a->cells);
	text_wrap(s, &a->cells, width > 0 ? width : 1, &a->lines);
	a->wrap_width = width;
	a->layout_dirty = false;
	tui_search_mark(a);
	if (a->scroll > (int)a->lines.n - 1)
		a->scroll = a->lines.n ? (int)a->lines.n - 1 : 0;
}

static void top_bar(app *a)
{
	tui_fill(a->b, 0, CONF_ROLE_STATUS_BAR);
	int64_t done = a->decided_before + a->delta;
	int64_t left = a->total - done > 0 ? a->total - done : 0;
	/* in whole seconds: the rate changes once a second, not on every
	 * redraw (while the learned scores are refreshed the loop redraws
	 * every few milliseconds, and each would send the terminal a new rate) */
	double hours = (double)((assay_mono_ns() - a->start_ns) / 1000000000) / 3600.0;
	char right[160], pos[96];
	if (a->counts_pending)
		snprintf(pos, sizeof pos, "counting...");
	else
		snprintf(pos, sizeof pos, "%lld/%lld, %lld left", (long long)done,
			 (long long)a->total, (long long)left);
	int bar = a->counts_pending ? 0 : COLS >= 100 ? 20 : COLS >= 80 ? 10 : 0;
	char bars[32] = "";
	if (bar) {
		int fill = a->total ? (int)((double)done / (double)a->total * bar) : 0;
		bars[0] = '[';
		for (int i = 0; i < bar; i++)
			bars[i + 1] = i < fill ? '#' : '.';
		bars[bar + 1] = ']';
		bars[bar + 2] = '\0';
	}
	if (hours > 0.001 && a->sum.decided)
		snprintf(right, sizeof right, " %s  %.0f/h %s ", pos, (double)a->sum.decided / hours, bars);
	else
		snprintf(right, sizeof right, " %s %s ", pos, bars);
	int rw = (int)strlen(right);
	char left_text[512], model[96];
	const char *db = strrchr(store_name(a->s), '/');
	const char *where = tui_filter_text(a);
	tui_retrain_bar(a, model, sizeof model);
	snprintf(left_text, sizeof left_text, " assay | %s | %s | %s%s%s%s",
		 db ? db + 1 : store_name(a->s), a->o->batch ? a->o->batch : "all batches",
		 a->o->annotator, model, where ? " | where " : "", where ? where : "");
	put(a, 0, 0, COLS - rw - 1, left_text, CONF_ROLE_STATUS_BAR);
	if (rw < COLS)
		put(a, 0, COLS - rw, rw, right, CONF_ROLE_STATUS_ACCENT);
}

/* The text pane: the sample's text (or its diff) wrapped at width and
 * scrolled; the rule below it carries the position, so the indicator
 * never covers the text's last row. */
void tui_text_draw(app *a, int y, int x0, int width, int rows)
{
	a->text_rows = rows;
	tui_layout(a, width);
	for (int r = 0; r < rows && (size_t)(a->scroll + r) < a->lines.n; r++) {
		const text_line *ln = &a->lines.v[a->scroll + r];
		int x = x0;
		for (size_t c = ln->first; c < ln->end && x < x0 + width;) {
			const text_cell *cell = &a->cells.v[c];
			if (cell->kind == TEXT_NEWLINE)
				break;
			int role = a->roles ? a->roles[cell->off] : CONF_ROLE_SAMPLE_TEXT;
			/* a run of plain ASCII in one role goes in one call */
			size_t k = tui_ascii_run(a->shown.data, cell, ln->end - c,
						 (size_t)(x0 + width - x));
			for (size_t i = 1; a->roles && i < k; i++)
				if (a->roles[cell->off + i] != role)
					k = i;
			if (k > 1) {
				tui_draw_ascii(stdscr, y + r, x, a->shown.data + cell->off, k,
					       a->b->attr[role]);
				x += (int)k;
				c += k;
				continue;
			}
			x += tui_draw_cell(stdscr, y + r, x, x0 + width - x, a->shown.data, cell,
					   a->b->attr[role], a->b->attr[CONF_ROLE_SAMPLE_PLACEHOLDER]);
			c++;
		}
	}
	attrset(a->b->attr[CONF_ROLE_META_KEY]);
	mvhline(y + rows, x0, ACS_HLINE, width);
	attrset(A_NORMAL);
	if (a->lines.n > (size_t)rows) {
		char more[64];
		int last = a->scroll + rows < (int)a->lines.n ? a->scroll + rows : (int)a->lines.n;
		snprintf(more, sizeof more, " %d-%d of %zu lines (j/k) ", a->scroll + 1, last,
			 a->lines.n);
		int w = (int)strlen(more);
		put(a, y + rows, x0 + width - w > x0 ? x0 + width - w : x0, w, more,
		    CONF_ROLE_STATUS_ACCENT);
	}
}

void tui_draw(app *a)
{
	if (!tui_fits(a->b))
		return;
	if (a->editing) { /* the editor covers all but the flagged reasons */
		tui_band_draw(a);
		return;
	}
	int y = 1, bottom = tui_frame(&a->view);
	top_bar(a);
	tui_media_show(&a->media, a->s, a->has_sample ? &a->smp : NULL);
	if (a->has_sample && tui_media_draw_zoom(&a->media, bottom)) {
		tui_frame_done();
		return;
	}
	if (!a->has_sample) {
		put(a, LINES / 2 - 1, 2, COLS - 4,
		    a->done ? "Nothing left to review here. Press q to quit, u to undo."
			    : "No sample to show.",
		    CONF_ROLE_META_KEY);
		tui_frame_done();
		return;
	}
	/* the header: id, batch and this annotator's verdict */
	char head[700];
	const char *v = a->dec.verdict[0] ? a->dec.verdict : "undecided";
	snprintf(head, sizeof head, "%s  (%s)  %s%s%s%s%s", a->smp.ext_id, a->smp.batch_name, v,
		 a->dec.reason ? ": " : "", a->dec.reason ? a->dec.reason : "",
		 strcmp(v, "edited") == 0 ? (a->diff ? "  [diff: d]" : "  [d: diff]") : "",
		 a->suggestion ? "  [suggestion: Enter/x]" : a->suggest_for ? "  [asking...]" : "");
	put(a, y, 1, COLS - 2, head, CONF_ROLE_META_KEY);
	tui_panes_draw(a, y + 1, bottom - y - 1);
	tui_frame_done();
}
