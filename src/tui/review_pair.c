/* review_pair.c — the pair screen: when the review queue reaches a pair of
 * candidates, the review view draws both (side by side from 140 columns,
 * stacked below that; the context above) and reads this key table. Which
 * candidate is on the left is a hash of the sample and the annotator, so
 * position bias can be measured; the verdict stored names the candidate
 * (a or b), never the side, with the placement beside it. */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "editor.h"

#define WIDE 140

typedef struct tui_pair {
	store_pair p;
	int placement;    /* enum store_place */
	bool diff;        /* d: the word diff between the two */
	char *editing;    /* the candidate's text the editor has (owned) */
	int editing_pref; /* which candidate it is */
	store_score *b_scores; /* candidate b's (a's are the sample's, a->scores) */
	size_t n_b_scores;
	int top;          /* j/k: the first row of the candidates shown */
	int max_top;      /* the largest top either side can use, as last drawn */
} tui_pair;

/* One side as drawn: its text and a theme role per byte. */
typedef struct side {
	const char *text;
	size_t len;
	unsigned char *roles;
	text_cells cells;
	text_lines lines;
} side;

void tui_pair_free(app *a)
{
	if (!a->pair)
		return;
	store_pair_free(&a->pair->p);
	store_scores_free(a->pair->b_scores, a->pair->n_b_scores);
	free(a->pair->editing);
	free(a->pair);
	a->pair = NULL;
	a->view.keys = tui_keys;
	a->view.n_keys = tui_n_keys;
}

/* Deterministic per sample and annotator: the same annotator sees a pair
 * the same way every time, and about half the pairs swapped. */
static int placement_of(const app *a)
{
	char key[256];
	int n = snprintf(key, sizeof key, "%lld\n%s", (long long)a->smp.id,
			 a->o->annotator ? a->o->annotator : "");
	uint64_t h = text_hash64(key, (size_t)(n < (int)sizeof key ? n : (int)sizeof key - 1),
				 0x70616972);
	return (h >> 17) & 1 ? STORE_PLACE_BA : STORE_PLACE_AB;
}

int tui_pair_load(app *a, assay_error *err)
{
	tui_pair_free(a);
	tui_pair *t = calloc(1, sizeof *t);
	if (!t)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	bool found = false;
	int rc = store_pair_get(a->s, a->smp.id, &t->p, &found, err);
	if (rc < 0 || !found) {
		free(t);
		return rc < 0 ? rc : ASSAY_OK;
	}
	if ((rc = store_pair_b_scores_get(a->s, a->smp.id, &t->b_scores, &t->n_b_scores, err)) <
	    0) {
		store_pair_free(&t->p);
		free(t);
		return rc;
	}
	t->placement = placement_of(a);
	a->pair = t;
	a->view.keys = tui_pair_keys;
	a->view.n_keys = tui_n_pair_keys;
	return ASSAY_OK;
}

/* The candidate (STORE_PREF_A or B) shown on side 0 (left) or 1 (right). */
static int cand_at(const tui_pair *t, int right)
{
	bool a_left = t->placement != STORE_PLACE_BA;
	return (a_left != (right != 0)) ? STORE_PREF_A : STORE_PREF_B;
}

static const char *cand_text(const tui_pair *t, int cand)
{
	return cand == STORE_PREF_A ? t->p.a_text : t->p.b_text;
}

/* Roles: the text's, or with d the words only the left has (removed) and
 * only the right has (added). */
static int side_roles(side *s, side *other, bool diff, bool left)
{
	s->roles = malloc(s->len + 1);
	if (!s->roles)
		return ASSAY_ENOMEM;
	memset(s->roles, CONF_ROLE_SAMPLE_TEXT, s->len + 1);
	if (!diff || !left)
		return ASSAY_OK;
	text_diff d = {0};
	if (text_word_diff(s->text, s->len, other->text, other->len, &d) < 0)
		return ASSAY_ENOMEM;
	for (size_t i = 0; i < d.n; i++) {
		const text_diff_chunk *c = &d.v[i];
		unsigned char *r = c->op == TEXT_DIFF_DELETE ? s->roles
				   : c->op == TEXT_DIFF_INSERT ? other->roles
							       : NULL;
		if (r)
			memset(r + c->off, c->op == TEXT_DIFF_DELETE ? CONF_ROLE_DIFF_REMOVED
								     : CONF_ROLE_DIFF_ADDED,
			       c->len);
	}
	text_diff_free(&d);
	return ASSAY_OK;
}

static void side_free(side *s)
{
	free(s->roles);
	text_cells_free(&s->cells);
	text_lines_free(&s->lines);
}

/* A candidate's scores: a's are the sample's own, b's its pair's. */
static void cand_scores(const app *a, int cand, const store_score **v, size_t *n)
{
	*v = cand == STORE_PREF_A ? a->scores : a->pair->b_scores;
	*n = cand == STORE_PREF_A ? a->n_scores : a->pair->n_b_scores;
}

/* "scorer value" for every score (a flagged one marked !), or "not
 * scored"; with reasons, the flagged ones' reasons instead ("" when none). */
static void score_line(const store_score *v, size_t n, bool reasons, abuf *out)
{
	if (!n && !reasons)
		abuf_puts(out, "not scored");
	for (size_t i = 0; i < n; i++) {
		const store_score *sc = &v[i];
		if (reasons && sc->flagged)
			abuf_printf(out, "%s! %s", out->len ? "   " : "", sc->reason);
		else if (!reasons)
			abuf_printf(out, "%s%s %.2f%s", i ? "  " : "", sc->scorer, sc->value,
				    sc->flagged ? "!" : "");
	}
}

/* The label row, then the flagged scores' reasons on a row of their own
 * when there are any; returns how many rows they took. */
static int draw_label(app *a, int cand, int right, int y, int x, int w)
{
	const store_score *v;
	size_t n;
	cand_scores(a, cand, &v, &n);
	abuf line = {0}, why = {0};
	abuf_printf(&line, "%s%s  ", right ? "Right (2)" : "Left (1)",
		    a->dec.pref == cand ? " \xe2\x80\x94 preferred" : "");
	score_line(v, n, false, &line);
	score_line(v, n, true, &why);
	tui_put(a->b, y, x, w, line.data ? line.data : "", CONF_ROLE_META_KEY);
	int rows = 1;
	if (why.len) {
		tui_put(a->b, y + 1, x, w, why.data, CONF_ROLE_SCORE_BAD);
		rows = 2;
	}
	abuf_free(&line);
	abuf_free(&why);
	return rows;
}

/* One candidate's block: its label and scores, then its text wrapped from
 * the scroll position (the last row it can start from at most). */
static void draw_side(app *a, side *s, int right, int y, int x, int w, int h)
{
	tui_base *b = a->b;
	tui_pair *t = a->pair;
	int used = draw_label(a, cand_at(t, right), right, y, x, w);
	y += used;
	h -= used - 1;
	if (text_cells_build(s->text, s->len, &s->cells) < 0 ||
	    text_wrap(s->text, &s->cells, w > 0 ? w : 1, &s->lines) < 0)
		return;
	int room = h - 1, n = (int)s->lines.n;
	int last = n > room ? n - room + 1 : 0; /* the top row is then "above" */
	if (last > t->max_top)
		t->max_top = last;
	int top = t->top < last ? t->top : last, r = 0;
	if (top > 0 && room > 0)
		tui_put(b, y + r++, x, w, "\xe2\x80\xa6 (above: k)", CONF_ROLE_SAMPLE_PLACEHOLDER);
	for (int l = top; r < room && l < n; r++, l++) {
		if (r == room - 1 && l + 1 < n) {
			tui_put(b, y + r, x, w, "\xe2\x80\xa6 (more: j)", CONF_ROLE_SAMPLE_PLACEHOLDER);
			break;
		}
		const text_line *ln = &s->lines.v[l];
		int cx = x;
		for (size_t k = ln->first; k < ln->end && cx < x + w; k++) {
			const text_cell *c = &s->cells.v[k];
			if (c->kind == TEXT_NEWLINE)
				break;
			cx += tui_draw_cell(stdscr, y + r, cx, x + w - cx, s->text, c,
					    b->attr[s->roles[c->off]],
					    b->attr[CONF_ROLE_SAMPLE_PLACEHOLDER]);
		}
	}
}

/* The top bar: which pair, the session's count, the verdict so far. */
static void draw_top(app *a)
{
	char top[400];
	snprintf(top, sizeof top, " pair %s   %lld decided%s%s", a->smp.ext_id,
		 (long long)(a->decided_before + a->delta), a->dec.verdict[0] ? "   " : "",
		 a->dec.verdict[0] ? a->dec.verdict : "");
	tui_fill(a->b, 0, CONF_ROLE_STATUS_BAR);
	tui_put(a->b, 0, 0, COLS, top, CONF_ROLE_STATUS_BAR);
}

bool tui_pair_draw(app *a)
{
	if (!a->has_sample || !a->pair)
		return false;
	if (!tui_fits(a->b))
		return true;
	int bottom = tui_frame(&a->view);
	draw_top(a);
	assay_error e = {0};
	if (tui_ctx_load(&a->ctx, a->s, a->smp.id, &e) < 0)
		tui_message(a->b, true, "%s", e.msg);
	int y = 1 + tui_ctx_draw(a->b, &a->ctx, 1, 1, COLS - 2, (bottom - 1) / 3);
	side s[2] = {0};
	for (int i = 0; i < 2; i++) {
		s[i].text = cand_text(a->pair, cand_at(a->pair, i));
		s[i].len = strlen(s[i].text);
	}
	if (side_roles(&s[1], &s[0], false, false) == ASSAY_OK &&
	    side_roles(&s[0], &s[1], a->pair->diff, true) == ASSAY_OK) {
		int rows = bottom - y;
		a->pair->max_top = 0;
		if (COLS >= WIDE) {
			int w = (COLS - 3) / 2;
			draw_side(a, &s[0], 0, y, 1, w, rows);
			draw_side(a, &s[1], 1, y, 2 + w, COLS - 3 - w, rows);
		} else {
			int h = rows / 2;
			draw_side(a, &s[0], 0, y, 1, COLS - 2, h);
			draw_side(a, &s[1], 1, y + h, 1, COLS - 2, rows - h);
		}
	}
	side_free(&s[0]);
	side_free(&s[1]);
	tui_frame_done();
	return true;
}

/* ---- keys ---------------------------------------------------------------- */

static void prefer(app *a, int kind, int pref, const char *text, const char *reason)
{
	if (!a->pair)
		return;
	store_decision_in in = {.kind = kind, .pref = pref, .text = text, .reason = reason,
				.placement = a->pair->placement};
	tui_decide_in(a, &in, kind == STORE_EDIT);
}

static void k_left(tui_view *v)
{
	app *a = APP(v);
	if (a->pair)
		prefer(a, STORE_ACCEPT, cand_at(a->pair, 0), NULL, NULL);
}

static void k_right(tui_view *v)
{
	app *a = APP(v);
	if (a->pair)
		prefer(a, STORE_ACCEPT, cand_at(a->pair, 1), NULL, NULL);
}

static void k_tie(tui_view *v)
{
	prefer(APP(v), STORE_ACCEPT, STORE_PREF_TIE, NULL, NULL);
}

static void both_bad(tui_view *v, char *reason)
{
	if (reason)
		prefer(APP(v), STORE_REJECT, STORE_PREF_BOTH_BAD, NULL, reason);
	free(reason);
}

static void k_both_bad(tui_view *v)
{
	app *a = APP(v);
	if (a->pair)
		tui_pick_reason_for(a, both_bad);
}

/* j, k, PgDn, PgUp: both candidates scroll together, each stopping at
 * its own end. */
static void scroll_by(tui_view *v, int by)
{
	tui_pair *t = APP(v)->pair;
	if (!t)
		return;
	t->top += by;
	if (t->top > t->max_top)
		t->top = t->max_top;
	if (t->top < 0)
		t->top = 0;
}

static void k_down(tui_view *v)
{
	scroll_by(v, 1);
}

static void k_up(tui_view *v)
{
	scroll_by(v, -1);
}

/* Half of the rows a stacked candidate gets. */
static int page_rows(void)
{
	int h = (LINES - 4) / 4;
	return h > 1 ? h : 1;
}

static void k_page_down(tui_view *v)
{
	scroll_by(v, page_rows());
}

static void k_page_up(tui_view *v)
{
	scroll_by(v, -page_rows());
}

static void k_diff(tui_view *v)
{
	app *a = APP(v);
	if (a->pair)
		a->pair->diff = !a->pair->diff;
}

/* The editor's answer: a changed text is the corrected chosen one. */
static void edited(tui_view *v, int rc, char *out, const assay_error *err)
{
	app *a = APP(v);
	tui_pair *t = a->pair;
	if (!t || !t->editing)
		;
	else if (rc == TUI_EDITOR_SAVED && strcmp(out, cand_text(t, t->editing_pref)) != 0)
		prefer(a, STORE_EDIT, t->editing_pref, out, NULL);
	else if (rc == TUI_EDITOR_SAVED || rc == TUI_EDITOR_UNCHANGED)
		tui_message(a->b, false, "no change");
	else if (rc < 0)
		tui_message(a->b, true, "%s", err->msg);
	free(out);
	if (a->pair) {
		free(a->pair->editing);
		a->pair->editing = NULL;
	}
}

static int band(tui_view *v)
{
	return tui_band_rows(APP(v));
}

/* e: after a preference for one candidate, the editor on it (on its
 * correction when there is one already). */
static void k_edit(tui_view *v)
{
	app *a = APP(v);
	tui_pair *t = a->pair;
	if (!t)
		return;
	int pref = a->dec.pref;
	if (pref != STORE_PREF_A && pref != STORE_PREF_B) {
		tui_message(a->b, false, "e corrects the preferred one: choose first (1 or 2)");
		return;
	}
	const char *text = a->dec.text ? a->dec.text : cand_text(t, pref);
	free(t->editing);
	if (!(t->editing = assay_strdup(text)))
		return;
	t->editing_pref = pref;
	char title[300];
	snprintf(title, sizeof title, "correct the preferred one of %s   Ctrl-S save   Esc cancel",
		 a->smp.ext_id);
	if (!tui_edit_below(&a->view, band, title, t->editing, edited)) {
		free(t->editing);
		t->editing = NULL;
	}
}

const tui_key tui_pair_keys[] = {
	{'1', 0, "1", "left better", k_left, TUI_KEY_HINT},
	{'2', 0, "2", "right better", k_right, TUI_KEY_HINT},
	{'=', 0, "=", "tie", k_tie, TUI_KEY_HINT},
	{'0', 0, "0", "both bad", k_both_bad, TUI_KEY_HINT},
	{'d', 0, "d", "diff", k_diff, TUI_KEY_HINT | TUI_KEY_LOOK},
	{'e', 0, "e", "correct it", k_edit, TUI_KEY_HINT},
	{'s', 0, "s", "skip", tui_key_skip, TUI_KEY_HINT},
	{'u', 0, "u", "undo", tui_key_undo, TUI_KEY_HINT},
	{'h', KEY_LEFT, "h Left", "previous sample of this session", tui_key_prev, TUI_KEY_BROWSE},
	{'l', KEY_RIGHT, "l Right", "next sample", tui_key_next, TUI_KEY_BROWSE},
	{'j', KEY_DOWN, "j Down", "scroll both candidates down", k_down, TUI_KEY_LOOK},
	{'k', KEY_UP, "k Up", "scroll both candidates up", k_up, TUI_KEY_LOOK},
	{KEY_NPAGE, ' ', "PgDn", "scroll both candidates a page down", k_page_down, TUI_KEY_LOOK},
	{KEY_PPAGE, 0, "PgUp", "scroll both candidates a page up", k_page_up, TUI_KEY_LOOK},
	{'J', 0, "J", "scroll the context down", tui_key_ctx_down, TUI_KEY_LOOK},
	{'K', 0, "K", "scroll the context up", tui_key_ctx_up, TUI_KEY_LOOK},
	{'c', 0, "c", "fold or show the context", tui_key_ctx_fold, TUI_KEY_LOOK},
	{'?', 0, "?", "help", tui_key_help, TUI_KEY_HINT | TUI_KEY_LOOK},
	{12, 0, "Ctrl-L", "redraw the screen", tui_key_redraw, TUI_KEY_LOOK},
	{26, 0, "Ctrl-Z", "suspend (fg resumes)", tui_key_suspend, TUI_KEY_BROWSE},
	{'q', 3, "q", "quit (Ctrl-C too)", tui_key_quit, TUI_KEY_HINT | TUI_KEY_LOOK},
};
const size_t tui_n_pair_keys = ASSAY_ARRAY_LEN(tui_pair_keys);
