/* conflicts_draw.c — the adjudication screen drawn: the top bar, the
 * sample's header, the media pane (the review screen's), the context, and
 * every verdict, laid out from its table of panes (pane.h); the media
 * pane's keys and its share of the loop. */
#include <stdio.h>
#include <string.h>

#include "assay/tui.h"
#include "conflicts_int.h"
#include "pane.h"

static void top_bar(cview *cv)
{
	cview *a = cv;
	tui_fill(a->b, 0, CONF_ROLE_STATUS_BAR);
	char right[96], left[600];
	snprintf(right, sizeof right, " %lld left, %lld settled ", (long long)cv->left,
		 (long long)a->sum.decided);
	const char *db = strrchr(store_name(a->b->s), '/');
	snprintf(left, sizeof left, " assay | %s | conflicts | %s | %s",
		 db ? db + 1 : store_name(a->b->s), a->o->batch ? a->o->batch : "all batches",
		 a->o->annotator);
	int rw = (int)strlen(right);
	tui_put(a->b, 0, 0, COLS - rw - 1, left, CONF_ROLE_STATUS_BAR);
	if (rw < COLS)
		tui_put(a->b, 0, COLS - rw, rw, right, CONF_ROLE_STATUS_ACCENT);
}

/* ---- The panes, top to bottom ------------------------------------------- */

/* The sample's id, batch and either what the verdicts are or how it was
 * settled. */
static void header(tui_view *v, int y, int x, int w, int rows)
{
	cview *cv = CV(v);
	char line[900];
	if (cv->is_pair)
		tui_conflicts_pair_header(cv, line, sizeof line);
	else if (cv->adj.verdict[0]) {
		snprintf(line, sizeof line, "%s  (%s)  settled by %s: %s%s%s", cv->smp.ext_id,
			 cv->smp.batch_name, cv->adj_lead ? cv->adj_lead : "?", cv->adj.verdict,
			 cv->adj.reason ? ": " : "", cv->adj.reason ? cv->adj.reason : "");
	} else {
		size_t n[3] = {0};
		for (size_t i = 0; i < cv->nv; i++)
			n[strcmp(cv->v[i].verdict, "rejected") == 0 ? 2
			  : strcmp(cv->v[i].verdict, "edited") == 0 ? 1
								    : 0]++;
		snprintf(line, sizeof line,
			 "%s  (%s)  %zu verdicts: %zu accepted, %zu edited, "
			 "%zu rejected",
			 cv->smp.ext_id, cv->smp.batch_name, cv->nv, n[0], n[1], n[2]);
	}
	tui_put(cv->b, y, x, w, line, CONF_ROLE_META_KEY);
}

/* The media, at most two fifths of the screen. */
static int media_rows(tui_view *v, int w, int all, int left)
{
	return tui_media_rows(&CV(v)->media, w, all * 2 / 5);
}

static void media_draw(tui_view *v, int y, int x, int w, int rows)
{
	tui_media_draw(&CV(v)->media, y, x, w, rows);
}

/* What the sample answers, at most a third of the screen. */
static int context_rows(tui_view *v, int w, int all, int left)
{
	return tui_ctx_rows(&CV(v)->ctx, w, all / 3);
}

static void context_draw(tui_view *v, int y, int x, int w, int rows)
{
	cview *cv = CV(v);
	tui_ctx_draw_rows(cv->b, &cv->ctx, y, x, w, rows);
}

/* Every verdict (the document), scrolled by j / k, in the rows left. */
static void verdicts_draw(tui_view *v, int y, int x, int w, int rows)
{
	cview *cv = CV(v);
	tui_base *b = cv->b;
	cv->text_rows = rows;
	tui_doc_layout(&cv->doc, w);
	if (cv->scroll > (int)cv->doc.lines.n - 1)
		cv->scroll = cv->doc.lines.n ? (int)cv->doc.lines.n - 1 : 0;
	tui_doc_draw(b, &cv->doc, y, x, cv->text_rows, cv->scroll);
	if (cv->doc.lines.n > (size_t)cv->text_rows) {
		char more[64];
		int last = cv->scroll + cv->text_rows;
		snprintf(more, sizeof more, " %d-%d of %zu lines (j/k) ", cv->scroll + 1,
			 last < (int)cv->doc.lines.n ? last : (int)cv->doc.lines.n,
			 cv->doc.lines.n);
		tui_put(b, y + rows - 1, COLS - (int)strlen(more) - 1, (int)strlen(more), more,
			CONF_ROLE_STATUS_ACCENT);
	}
}

static const tui_pane panes[] = {
	{"header", 1, NULL, header},
	{"media", 0, media_rows, media_draw},
	{"context", 0, context_rows, context_draw},
	{"verdicts", 0, NULL, verdicts_draw},
};

void tui_conflicts_draw(tui_view *v)
{
	cview *cv = CV(v);
	tui_base *b = cv->b;
	if (!tui_fits(b))
		return;
	int bottom = tui_frame(v);
	top_bar(cv);
	if (!cv->has_sample) {
		tui_put(b, LINES / 2 - 1, 2, COLS - 4,
			cv->done ? "No conflicting sample left. q quits, h goes back."
				 : "No sample to show.",
			CONF_ROLE_META_KEY);
		tui_frame_done();
		return;
	}
	tui_media_show(&cv->media, b->s, &cv->smp);
	if (tui_media_draw_zoom(&cv->media, bottom)) {
		tui_frame_done();
		return;
	}
	assay_error e = {0};
	if (tui_ctx_load(&cv->ctx, b->s, cv->smp.id, &e) < 0)
		tui_message(b, true, "%s", e.msg);
	tui_panes_stack(v, panes, ASSAY_ARRAY_LEN(panes), 1, 1, COLS - 2, bottom - 1);
	tui_frame_done();
}

int tui_conflicts_tick(tui_view *v, bool idle)
{
	cview *cv = CV(v);
	int held = tui_conflicts_pend_tick(cv, idle);
	/* the lead's lease on the conflict on screen, renewed at a tenth; a
	 * short try, as the review screen's: while another writer holds the
	 * lock a later tick tries again, the screen never stalls for it */
	if (assay_mono_ns() - cv->leased_ns >= cv->q.lease_ms * 1000000 / 10) {
		assay_error e = {0};
		store_busy_wait(cv->b->s, TUI_TRY_MS);
		int rc = store_lease_renew_all(cv->b->s, &cv->q, &e);
		store_busy_wait(cv->b->s, 0);
		if (rc != ASSAY_EBUSY) { /* else the lock is held: a later tick tries again */
			if (rc < 0)
				tui_message(cv->b, true, "%s", e.msg);
			cv->leased_ns = assay_mono_ns();
		}
	}
	int media = tui_media_tick(&cv->media);
	return held >= 0 && held < media ? held : media;
}

int tui_conflicts_pollfds(tui_view *v, struct pollfd *fds, int cap)
{
	return tui_media_pollfds(&CV(v)->media, fds, cap);
}

void tui_conflicts_media_toggle(tui_view *v)
{
	tui_media_key_toggle(&CV(v)->media);
}

void tui_conflicts_media_zoom(tui_view *v)
{
	tui_media_key_zoom(&CV(v)->media);
}

void tui_conflicts_media_prev(tui_view *v)
{
	tui_media_key_step(&CV(v)->media, -1);
}

void tui_conflicts_media_next(tui_view *v)
{
	tui_media_key_step(&CV(v)->media, 1);
}

void tui_conflicts_media_open(tui_view *v)
{
	tui_media_key_open(&CV(v)->media);
}

void tui_conflicts_media_copy(tui_view *v)
{
	tui_media_key_copy(&CV(v)->media);
}
