/* conflicts_draw.c — the adjudication screen drawn: the top bar, the
 * sample's header, the media pane (the review screen's), the context, and
 * every verdict; the media pane's keys and its share of the loop. */
#include <stdio.h>
#include <string.h>

#include "assay/tui.h"
#include "conflicts_int.h"

static void top_bar(cview *cv)
{
	cview *a = cv;
	tui_fill(a->b, 0, CONF_ROLE_STATUS_BAR);
	char right[96], left[600];
	snprintf(right, sizeof right, " %lld left, %lld settled ", (long long)cv->left,
		 (long long)a->sum.decided);
	const char *db = strrchr(a->o->db_name, '/');
	snprintf(left, sizeof left, " assay | %s | conflicts | %s | %s",
		 db ? db + 1 : a->o->db_name, a->o->batch ? a->o->batch : "all batches",
		 a->o->annotator);
	int rw = (int)strlen(right);
	tui_put(a->b, 0, 0, COLS - rw - 1, left, CONF_ROLE_STATUS_BAR);
	if (rw < COLS)
		tui_put(a->b, 0, COLS - rw, rw, right, CONF_ROLE_STATUS_ACCENT);
}

/* The sample's id, batch and either what the verdicts are or how it was
 * settled. */
static void header(cview *cv, int y)
{
	cview *a = cv;
	char line[900];
	if (cv->is_pair)
		tui_conflicts_pair_header(cv, line, sizeof line);
	else if (cv->adj.verdict[0]) {
		snprintf(line, sizeof line, "%s  (%s)  settled by %s: %s%s%s", a->smp.ext_id,
			 a->smp.batch_name, cv->adj_lead ? cv->adj_lead : "?", cv->adj.verdict,
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
			 a->smp.ext_id, a->smp.batch_name, cv->nv, n[0], n[1], n[2]);
	}
	tui_put(a->b, y, 1, COLS - 2, line, CONF_ROLE_META_KEY);
}

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
	header(cv, 1);
	tui_media_show(&cv->media, b->s, &cv->smp);
	if (tui_media_draw_zoom(&cv->media, bottom)) {
		tui_frame_done();
		return;
	}
	assay_error e = {0};
	if (tui_ctx_load(&cv->ctx, b->s, cv->smp.id, &e) < 0)
		tui_message(b, true, "%s", e.msg);
	/* the media, then what the sample answers, above the verdicts */
	int media = tui_media_rows(&cv->media, COLS - 2, (bottom - 1) * 2 / 5);
	tui_media_draw(&cv->media, 2, 1, COLS - 2, media);
	int ctx = media + tui_ctx_draw(b, &cv->ctx, 2 + media, 1, COLS - 2, (bottom - 1) / 3);
	cv->text_rows = bottom - 2 - ctx;
	tui_doc_layout(&cv->doc, COLS - 2);
	if (cv->scroll > (int)cv->doc.lines.n - 1)
		cv->scroll = cv->doc.lines.n ? (int)cv->doc.lines.n - 1 : 0;
	tui_doc_draw(b, &cv->doc, 2 + ctx, 1, cv->text_rows, cv->scroll);
	if (cv->doc.lines.n > (size_t)cv->text_rows) {
		char more[64];
		int last = cv->scroll + cv->text_rows;
		snprintf(more, sizeof more, " %d-%d of %zu lines (j/k) ", cv->scroll + 1,
			 last < (int)cv->doc.lines.n ? last : (int)cv->doc.lines.n,
			 cv->doc.lines.n);
		tui_put(b, 1 + ctx + cv->text_rows, COLS - (int)strlen(more) - 1, (int)strlen(more), more,
			CONF_ROLE_STATUS_ACCENT);
	}
	tui_frame_done();
}

int tui_conflicts_tick(tui_view *v, bool idle)
{
	(void)idle;
	return tui_media_tick(&CV(v)->media);
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
