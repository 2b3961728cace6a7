/* panes.c — the review screen laid out from its tables of panes (pane.h)
 * by the room there is: the media, the context, the text (wrapped at the
 * measure) and the side panes, every score (flagged first) with the
 * combined quality score, the metadata with its values wrapped, the notes.
 * One above the other on a narrow screen, the media and side panes in a
 * column right of the text on a wide one; what does not fit is counted
 * ("+3 more: ...") and `i` shows all of it in full. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "assay/ingest.h"
#include "editor.h"
#include "pager.h"
#include "pane.h"

/* A side column needs this many columns next to the text to be worth it. */
#define SIDE_MIN 36
/* Rows one score, metadata field or note takes at most in a pane. */
#define ITEM_ROWS 3
/* Rows of context turns, and of flagged reasons, kept above the editor at
 * most. */
#define BAND_MAX 3

/* ---- The metadata, parsed once per sample --------------------------------- */

static void meta_add(app *a, size_t *cap, const char *key, const char *sub, const cJSON *v)
{
	if (ASSAY_GROW(a->meta, a->n_meta + 1, *cap, 8) < 0)
		return;
	char *t = v && !cJSON_IsString(v) ? cJSON_PrintUnformatted(v) : NULL;
	abuf line = {0};
	abuf_printf(&line, "%s%s%s: %s", key, sub ? "." : "", sub ? sub : "",
		    !v ? "-" : t ? t : v->valuestring);
	free(t);
	char *s = abuf_take(&line);
	if (s)
		a->meta[a->n_meta++] = s;
}

/* Whether field k is shown elsewhere: the text, a context field (the
 * context pane shows it in full) or the conversation the text is a turn
 * of ("messages" for "messages.2.content"). */
static bool meta_elsewhere(app *a, const cJSON *k)
{
	const char *tf = a->smp.text_field;
	size_t n = strlen(k->string);
	if (strcmp(k->string, tf) == 0 ||
	    (cJSON_IsArray(k) && strncmp(tf, k->string, n) == 0 && tf[n] == '.'))
		return true;
	for (size_t i = 0; i < a->ctx.n; i++)
		if (a->ctx.v[i].name && strcmp(a->ctx.v[i].name, k->string) == 0)
			return true;
	return false;
}

/* The record's metadata as whole "key: value" lines: the batch's chosen
 * fields, else every field shown nowhere else (one level into objects). */
static void meta_load(app *a)
{
	size_t cap = 0;
	assay_error e = {0};
	if (tui_ctx_load(&a->ctx, a->s, a->smp.id, &e) < 0)
		tui_message(a->b, true, "%s", e.msg);
	cJSON *rec = cJSON_Parse(a->smp.record);
	cJSON *fields = a->smp.meta_fields[0] ? cJSON_Parse(a->smp.meta_fields) : NULL;
	if (rec && fields && cJSON_IsArray(fields)) {
		for (cJSON *f = fields->child; f; f = f->next)
			if (cJSON_IsString(f))
				meta_add(a, &cap, f->valuestring, NULL, ingest_field(rec, f->valuestring));
	} else if (rec) {
		for (cJSON *k = rec->child; k; k = k->next) {
			if (meta_elsewhere(a, k))
				continue;
			if (!cJSON_IsObject(k))
				meta_add(a, &cap, k->string, NULL, k);
			for (cJSON *m = cJSON_IsObject(k) ? k->child : NULL; m; m = m->next)
				meta_add(a, &cap, k->string, m->string, m);
		}
	}
	cJSON_Delete(fields);
	cJSON_Delete(rec);
}

void tui_meta_free(app *a)
{
	for (size_t i = 0; i < a->n_meta; i++)
		free(a->meta[i]);
	free(a->meta);
	a->meta = NULL;
	a->n_meta = 0;
	a->meta_ready = false;
}

static void meta_ready(app *a)
{
	if (!a->meta_ready && a->has_sample)
		meta_load(a);
	a->meta_ready = true;
}

/* ---- The items of each pane ----------------------------------------------- */

static size_t n_flagged(const app *a)
{
	size_t n = 0;
	while (n < a->n_scores && a->scores[n].flagged)
		n++;
	return n;
}

/* "---" for a score that failed, else its value to two places. */
static void put_value(abuf *out, double v)
{
	if (isnan(v))
		abuf_puts(out, "---");
	else
		abuf_printf(out, "%.2f", v);
}

/* One score; for an edited sample, the original's value, an arrow and the
 * corrected text's, whose flag and reason it then shows ("0.62 -> 0.81"). */
static int score_line(const app *a, const store_score *sc, abuf *out)
{
	const store_score *fix = tui_edit_score_of(a, sc);
	const store_score *now = fix ? fix : sc;
	abuf_printf(out, "%s %-12s ", now->flagged ? "!" : " ", sc->scorer);
	put_value(out, sc->value);
	if (fix) {
		abuf_puts(out, " -> ");
		put_value(out, fix->value);
	}
	abuf_printf(out, "  %s", now->reason);
	return now->flagged ? CONF_ROLE_SCORE_BAD : CONF_ROLE_SCORE_OK;
}

static bool has_quality(const app *a)
{
	return !isnan(a->smp.quality);
}

static size_t scores_count(app *a)
{
	return a->n_scores + has_quality(a);
}

/* The flagged scores, the combined one, then the rest (lowest first). */
static int scores_item(app *a, size_t i, abuf *out)
{
	size_t nf = n_flagged(a);
	if (i < nf)
		return score_line(a, &a->scores[i], out);
	if (i == nf && has_quality(a)) {
		abuf_printf(out, "  %-12s %.2f", "quality", a->smp.quality);
		if (!isnan(a->edit_quality))
			abuf_printf(out, " -> %.2f", a->edit_quality);
		abuf_puts(out, "  combined score");
		return CONF_ROLE_META_KEY;
	}
	return score_line(a, &a->scores[i - has_quality(a)], out);
}

static size_t meta_count(app *a)
{
	meta_ready(a);
	return a->n_meta;
}

static int meta_item(app *a, size_t i, abuf *out)
{
	abuf_puts(out, a->meta[i]);
	return CONF_ROLE_META_VALUE;
}

static size_t notes_count(app *a)
{
	return a->n_notes;
}

static int notes_item(app *a, size_t i, abuf *out)
{
	abuf_printf(out, "note %s", a->notes[i]);
	return CONF_ROLE_META_KEY;
}

/* The side panes, in the order they get the room. */
typedef struct pane {
	const char *one, *many; /* what an item is, for what is folded */
	size_t (*count)(app *a);
	int (*item)(app *a, size_t i, abuf *out); /* its text; returns its role */
} pane;

static const pane panes[] = {
	{"score", "scores", scores_count, scores_item},
	{"metadata field", "metadata fields", meta_count, meta_item},
	{"note", "notes", notes_count, notes_item},
};
#define N_PANES ASSAY_ARRAY_LEN(panes)

/* ---- Drawing wrapped items ------------------------------------------------ */

/* The rows s takes wrapped at w (at most max; the last one ends in an
 * ellipsis when more was cut), drawn from (y, x) when draw. Only the bytes
 * the rows can show are laid out: a value may be megabytes. */
static int wrapped(app *a, int y, int x, int w, int max, const char *s, int role, bool draw)
{
	size_t n = strlen(s), cap = (size_t)w * (size_t)max * 8 + 8;
	if (n <= (size_t)w && tui_plain_ascii(s, n)) { /* one row, as the wrap lays it out */
		if (draw)
			tui_draw_ascii(stdscr, y, x, s, n, a->b->attr[role]);
		return 1;
	}
	bool cut = n > cap;
	if (cut)
		for (n = cap; n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80;)
			n--;
	text_cells c = {0};
	text_lines l = {0};
	int rows = 1;
	if (text_cells_build(s, n, &c) == ASSAY_OK && text_wrap(s, &c, w, &l) == ASSAY_OK) {
		rows = l.n ? (int)l.n : 1;
		cut |= rows > max;
		rows = rows < max ? rows : max;
		for (int r = 0; draw && r < rows && (size_t)r < l.n; r++) {
			int cx = x;
			for (size_t k = l.v[r].first; k < l.v[r].end && c.v[k].kind != TEXT_NEWLINE;) {
				size_t run = tui_ascii_run(s, &c.v[k], l.v[r].end - k,
							   (size_t)(x + w - cx));
				if (run > 1) {
					tui_draw_ascii(stdscr, y + r, cx, s + c.v[k].off, run,
						       a->b->attr[role]);
					cx += (int)run;
					k += run;
					continue;
				}
				cx += tui_draw_cell(stdscr, y + r, cx, x + w - cx, s, &c.v[k],
						    a->b->attr[role],
						    a->b->attr[CONF_ROLE_SAMPLE_PLACEHOLDER]);
				k++;
			}
		}
		if (draw && cut)
			tui_put(a->b, y + rows - 1, x + w - 1, 1, tui_utf8() ? "\u2026" : "~",
				CONF_ROLE_STATUS_ACCENT);
	}
	text_cells_free(&c);
	text_lines_free(&l);
	return rows;
}

/* Rows every item of every pane takes at width w, each at most cap; each
 * item's rows kept in a->side_rows until the next redraw. */
static int side_need(app *a, int w, int cap)
{
	if (a->side_valid && a->side_w == w && a->side_cap == cap)
		return a->side_need;
	int need = 0;
	bool kept = true;
	a->n_side = 0;
	for (size_t p = 0; p < N_PANES; p++)
		for (size_t i = 0, n = panes[p].count(a); i < n; i++) {
			abuf t = {0};
			int role = panes[p].item(a, i, &t);
			int r = wrapped(a, 0, 0, w, cap, t.data ? t.data : "", role, false);
			need += r;
			abuf_free(&t);
			if (kept && ASSAY_GROW(a->side_rows, a->n_side + 1, a->cap_side, 16) < 0)
				kept = false;
			if (kept)
				a->side_rows[a->n_side++] = r;
		}
	a->side_valid = kept;
	a->side_w = w;
	a->side_cap = cap;
	a->side_need = need;
	return need;
}

/* The rows of item k (in side_need's order) at w, at most cap each. */
static int side_rows(app *a, size_t k, int w, int cap, const char *s, int role)
{
	if (a->side_valid && a->side_w == w && a->side_cap == cap && k < a->n_side)
		return a->side_rows[k];
	return wrapped(a, 0, 0, w, cap, s, role, false);
}

/* "+5 more: 2 scores, 3 metadata fields (i: all)" on row y. */
static void folded(app *a, int y, int x, int w, const size_t *left)
{
	abuf t = {0};
	size_t total = 0;
	for (size_t p = 0; p < N_PANES; p++)
		total += left[p];
	abuf_printf(&t, "+%zu more:", total);
	const char *sep = " ";
	for (size_t p = 0; p < N_PANES; p++)
		if (left[p]) {
			abuf_printf(&t, "%s%zu %s", sep, left[p], left[p] == 1 ? panes[p].one
										 : panes[p].many);
			sep = ", ";
		}
	abuf_puts(&t, " (i: all in full)");
	tui_put(a->b, y, x, w, t.data, CONF_ROLE_STATUS_ACCENT);
	abuf_free(&t);
}

/* The side panes in rows rows of w columns from (y, x), in order, while
 * whole items fit (one row each when there are few rows); the last row
 * then says what was left out. */
static void side_draw(app *a, int y, int x, int w, int rows)
{
	if (rows <= 0 || w <= 0)
		return;
	int cap = rows >= 8 ? ITEM_ROWS : 1;
	int room = side_need(a, w, cap) <= rows ? rows : rows - 1, used = 0;
	size_t left[N_PANES] = {0}, k = 0;
	bool full = false;
	for (size_t p = 0; p < N_PANES; p++)
		for (size_t i = 0, n = panes[p].count(a); i < n; i++, k++) {
			abuf t = {0};
			int role = panes[p].item(a, i, &t);
			const char *s = t.data ? t.data : "";
			int r = full ? 0 : side_rows(a, k, w, cap, s, role);
			if (full || used + r > room) {
				full = true;
				left[p]++;
			} else {
				used += wrapped(a, y + used, x, w, cap, s, role, true);
			}
			abuf_free(&t);
		}
	if (full)
		folded(a, y + rows - 1, x, w, left);
}

/* ---- The screen's panes ---------------------------------------------------- */

/* The width the text and the context take in a column w wide. */
static int measure_in(const app *a, int w)
{
	return w < a->measure ? w : a->measure;
}

/* The media: at most three fifths of the side column, two fifths of the
 * screen above the text. */
static int media_rows(tui_view *v, int w, int all, int left)
{
	app *a = APP(v);
	return tui_media_rows(&a->media, w, COLS - a->measure - 4 >= SIDE_MIN ? all * 3 / 5
									     : all * 2 / 5);
}

static void media_draw(tui_view *v, int y, int x, int w, int rows)
{
	tui_media_draw(&APP(v)->media, y, x, w, rows);
}

/* A blank row under the media when it is shown. */
static int media_gap_rows(tui_view *v, int w, int all, int left)
{
	return media_rows(v, w, all, left) > 0;
}

static void blank(tui_view *v, int y, int x, int w, int rows)
{
}

/* The context: at most about a third of the room left. */
static int context_rows(tui_view *v, int w, int all, int left)
{
	app *a = APP(v);
	if (!a->has_sample)
		return 0;
	assay_error e = {0};
	if (tui_ctx_load(&a->ctx, a->s, a->smp.id, &e) < 0)
		tui_message(a->b, true, "%s", e.msg);
	return tui_ctx_rows(&a->ctx, measure_in(a, w), left / 3);
}

static void context_draw(tui_view *v, int y, int x, int w, int rows)
{
	app *a = APP(v);
	tui_ctx_draw_rows(a->b, &a->ctx, y, x, measure_in(a, w), rows);
}

/* Beside the side column: every row left but the last. */
static int text_beside_rows(tui_view *v, int w, int all, int left)
{
	return left - 1;
}

/* Above the side panes: the text keeps half the rows (at least 3) when
 * they want more, and one row stays between them. */
static int text_above_rows(tui_view *v, int w, int all, int left)
{
	app *a = APP(v);
	tui_layout(a, measure_in(a, w));
	int text = left - 1 - side_need(a, w, ITEM_ROWS);
	int floor = (int)a->lines.n < left / 2 ? (int)a->lines.n : left / 2;
	if (text < floor || text < 3)
		text = floor < 3 ? 3 : floor;
	return text > left - 1 ? left - 1 : text;
}

static void text_draw(tui_view *v, int y, int x, int w, int rows)
{
	app *a = APP(v);
	tui_text_draw(a, y, x, measure_in(a, w), rows);
}

static void side_pane(tui_view *v, int y, int x, int w, int rows)
{
	side_draw(APP(v), y, x, w, rows);
}

/* A wide screen: the text in a column of the measure, the media and the
 * side panes in a column right of it. */
static const tui_pane wide_text[] = {
	{"context", 0, context_rows, context_draw},
	{"text", 0, text_beside_rows, text_draw},
};
static const tui_pane wide_side[] = {
	{"media", 0, media_rows, media_draw},
	{"gap", 0, media_gap_rows, blank},
	{"side", 0, NULL, side_pane},
};
/* A narrow one: all of them one above the other. */
static const tui_pane narrow[] = {
	{"media", 0, media_rows, media_draw},
	{"context", 0, context_rows, context_draw},
	{"text", 0, text_above_rows, text_draw},
	{"gap", 1, NULL, blank},
	{"side", 0, NULL, side_pane},
};

void tui_panes_draw(app *a, int y, int avail)
{
	/* the side panes' items may have changed since the last redraw */
	a->side_valid = false;
	int side_w = COLS - a->measure - 4;
	if (side_w < SIDE_MIN) {
		tui_panes_stack(&a->view, narrow, ASSAY_ARRAY_LEN(narrow), y, 1, COLS - 2, avail);
		return;
	}
	tui_panes_stack(&a->view, wide_text, ASSAY_ARRAY_LEN(wide_text), y, 1, a->measure, avail);
	attrset(a->b->attr[CONF_ROLE_META_KEY]);
	mvvline(y, a->measure + 2, ACS_VLINE, avail);
	attrset(A_NORMAL);
	tui_panes_stack(&a->view, wide_side, ASSAY_ARRAY_LEN(wide_side), y, a->measure + 4,
			side_w - 1, avail);
}

/* ---- Above the editor, and all in full ------------------------------------ */

/* The context's first turns, one row each (the rest counted), on top. */
static int band_context_rows(app *a)
{
	assay_error e = {0};
	if (tui_ctx_load(&a->ctx, a->s, a->smp.id, &e) < 0)
		tui_message(a->b, true, "%s", e.msg);
	return (int)(a->ctx.n < BAND_MAX ? a->ctx.n : BAND_MAX);
}

static int band_flagged_rows(app *a)
{
	size_t n = n_flagged(a);
	return (int)(n < BAND_MAX ? n : BAND_MAX);
}

int tui_band_rows(app *a)
{
	if (LINES < 16 || !a->has_sample)
		return 0;
	return band_context_rows(a) + band_flagged_rows(a);
}

void tui_band_draw(app *a)
{
	erase();
	int rows = tui_band_rows(a), top = rows ? band_context_rows(a) : 0;
	tui_ctx_head(a->b, &a->ctx, 0, 1, COLS - 2, top);
	for (int i = 0; i < rows - top; i++) {
		abuf t = {0};
		int role = score_line(a, &a->scores[i], &t);
		tui_put(a->b, top + i, 1, COLS - 2, t.data ? t.data : "", role);
		abuf_free(&t);
	}
	wnoutrefresh(stdscr);
}

void tui_key_inspect(tui_view *v)
{
	app *a = APP(v);
	if (!a->has_sample)
		return;
	abuf all = {0};
	for (size_t p = 0; p < N_PANES; p++) {
		size_t n = panes[p].count(a);
		abuf_printf(&all, "%s%s (%zu)\n", p ? "\n" : "", panes[p].many, n);
		for (size_t i = 0; i < n; i++) {
			panes[p].item(a, i, &all);
			abuf_putc(&all, '\n');
		}
	}
	char title[300];
	snprintf(title, sizeof title, " %s: scores, metadata and notes in full ", a->smp.ext_id);
	tui_pager(v, title, all.data ? all.data : "");
	abuf_free(&all);
}
