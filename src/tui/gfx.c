/* gfx.c — sixel and kitty pictures over the media pane's cells: which
 * protocol the config asks for, what the terminal answered, the pictures
 * placed while a frame is drawn against those on the terminal (erased when
 * gone, moved, covered by a view on top or after a whole repaint; written
 * when new), and the bytes that do it, which view.c writes. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfx.h"

/* Cells of a terminal that did not say their size. */
#define CELL_W 10
#define CELL_H 20
/* kitty image ids this program uses: from here on, one per picture shown */
#define KITTY_ID_BASE 0x41530000u

int tui_gfx_protocol_parse(const conf *c, enum tui_gfx_protocol *out, assay_error *err)
{
	static const char *const words[] = {"symbols", "sixel", "kitty"};
	*out = TUI_GFX_SYMBOLS;
	const char *v = c ? conf_get(c, "media.protocol", NULL) : NULL;
	if (!v)
		return ASSAY_OK;
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(words); i++)
		if (strcmp(v, words[i]) == 0) {
			*out = (enum tui_gfx_protocol)i;
			return ASSAY_OK;
		}
	int line = 0;
	const char *file = conf_origin(c, "media.protocol", &line);
	return assay_fail(err, ASSAY_EINVAL,
			  "%s:%d: \"media.protocol\" must be symbols, sixel or kitty, got \"%.40s\"",
			  file ? file : "config", line, v);
}

bool tui_gfx_term_cannot(const char *term)
{
	return !term || !term[0] || strcmp(term, "dumb") == 0 || strcmp(term, "linux") == 0 ||
	       strncmp(term, "screen", 6) == 0;
}

const char *tui_gfx_query_bytes(enum tui_gfx_protocol p)
{
	/* kitty: a 1x1 query image (a=q: checked, never stored) */
	return p == TUI_GFX_KITTY ? "\033[16t\033_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\033\\\033[c"
				  : "\033[16t\033[c";
}

/* The numbers of a CSI's parameters (p..end), at most cap; how many. */
static int params(const char *p, const char *end, int *out, int cap)
{
	int n = 0, v = 0;
	bool any = false;
	for (; p < end; p++)
		if (*p >= '0' && *p <= '9') {
			v = v * 10 + (*p - '0');
			any = true;
			if (v > 100000)
				v = 100000;
		} else if (*p == ';') {
			if (n < cap)
				out[n++] = any ? v : 0;
			v = 0;
			any = false;
		}
	if (any && n < cap)
		out[n++] = v;
	return n;
}

/* One CSI answer: ESC [ ... final. */
static void csi(const char *p, const char *end, char final, tui_gfx_answer *a)
{
	int v[32];
	int n = params(p, end, v, 32);
	if (final == 't' && n == 3 && v[0] == 6 && v[1] > 0 && v[2] > 0) {
		a->cell_h = v[1];
		a->cell_w = v[2];
	} else if (final == 'c' && p < end && *p == '?') {
		a->done = true;
		for (int i = 1; i < n; i++) /* the first is the terminal's class */
			a->sixel |= v[i] == 4;
	}
}

void tui_gfx_parse(const char *buf, size_t n, tui_gfx_answer *a)
{
	const char *end = buf + n;
	for (const char *p = buf; p + 1 < end; p++) {
		if (p[0] != '\033')
			continue;
		if (p[1] == '[') {
			const char *q = p + 2;
			while (q < end && ((*q >= '0' && *q <= '9') || *q == ';' || *q == '?'))
				q++;
			if (q < end)
				csi(p + 2, q, *q, a);
			p = q - 1 < p ? p : q - 1;
		} else if (p[1] == '_' && end - p > 3 && p[2] == 'G') {
			const char *st = p + 3;
			while (st + 1 < end && !(st[0] == '\033' && st[1] == '\\'))
				st++;
			const char *semi = memchr(p + 3, ';', (size_t)(st - (p + 3)));
			if (semi && st - semi >= 3 && strncmp(semi + 1, "OK", 2) == 0)
				a->kitty = true;
			p = st;
		}
	}
}

bool tui_gfx_active(const struct tui_gfx *g)
{
	return g && g->protocol != TUI_GFX_SYMBOLS;
}

double tui_gfx_cell_ratio(const struct tui_gfx *g)
{
	if (!tui_gfx_active(g))
		return 0.5;
	return (double)g->cell_w / g->cell_h;
}

void tui_gfx_place_frame(struct tui_gfx *g, int y, int x, int cols, int rows,
			 const media_frame *f, uint64_t key)
{
	if (!g || g->n_want >= TUI_GFX_MAX || cols < 1 || rows < 1 || !f || !f->rgba)
		return;
	g->want[g->n_want++] = (tui_gfx_place){.owner = g->drawing, .y = y, .x = x, .cols = cols,
					       .rows = rows, .key = key, .frame = f};
}

void tui_gfx_begin(struct tui_gfx *g)
{
	if (g)
		g->n_want = 0;
}

static bool same(const tui_gfx_place *a, const tui_gfx_place *b)
{
	return a->key == b->key && a->y == b->y && a->x == b->x && a->cols == b->cols &&
	       a->rows == b->rows;
}

/* Takes a picture off the terminal: kitty's deleted after the refresh; a
 * sixel's rows repainted whole by it (curses thinks them blank already). */
static void take_off(struct tui_gfx *g, const tui_gfx_place *s)
{
	if (g->protocol == TUI_GFX_KITTY)
		g->gone[g->n_gone++] = s->id;
	else if (s->y < LINES)
		wredrawln(stdscr, s->y, ASSAY_MIN(s->rows, LINES - s->y));
}

void tui_gfx_settle(struct tui_gfx *g, const tui_view *top, bool whole)
{
	if (!g)
		return;
	whole |= g->lines != LINES || g->cols != COLS;
	g->lines = LINES;
	g->cols = COLS;
	g->n_emit = g->n_gone = 0;
	tui_gfx_place keep[TUI_GFX_MAX], erased[TUI_GFX_MAX];
	size_t n_keep = 0, n_erased = 0;
	for (size_t i = 0; i < g->n_shown; i++) {
		bool wanted = false;
		for (size_t k = 0; k < g->n_want && !wanted && !whole; k++)
			wanted = g->want[k].owner == top && same(&g->want[k], &g->shown[i]);
		if (wanted) {
			keep[n_keep++] = g->shown[i];
		} else {
			take_off(g, &g->shown[i]);
			erased[n_erased++] = g->shown[i];
		}
	}
	g->n_shown = 0;
	for (size_t k = 0; k < g->n_want; k++) {
		tui_gfx_place *w = &g->want[k];
		if (w->owner != top)
			continue; /* under a dialog: hidden */
		size_t i = 0;
		while (i < n_keep && !same(&keep[i], w))
			i++;
		bool damaged = false; /* a sixel under rows repainted for another */
		for (size_t e = 0; e < n_erased && g->protocol == TUI_GFX_SIXEL; e++)
			damaged |= w->y < erased[e].y + erased[e].rows && erased[e].y < w->y + w->rows;
		if (i < n_keep && !damaged) {
			w->id = keep[i].id;
		} else {
			w->id = i < n_keep ? keep[i].id : KITTY_ID_BASE + (g->next_id++ & 0xFFFF);
			g->emit[g->n_emit++] = *w;
		}
		g->shown[g->n_shown] = *w;
		g->shown[g->n_shown++].frame = NULL;
	}
}

/* A sixel's pixels: the box's, the picture's aspect kept (scaled up too:
 * the box was fitted to it). */
static void box_pixels(const struct tui_gfx *g, const tui_gfx_place *p, int *w, int *h)
{
	int bw = p->cols * g->cell_w, bh = p->rows * g->cell_h;
	const media_frame *f = p->frame;
	if ((int64_t)f->w * bh > (int64_t)f->h * bw) {
		*w = bw;
		*h = (int)((int64_t)f->h * bw / f->w);
	} else {
		*h = bh;
		*w = (int)((int64_t)f->w * bh / f->h);
	}
	*w = ASSAY_MAX(1, ASSAY_MIN(*w, 4096));
	*h = ASSAY_MAX(1, ASSAY_MIN(*h, 4096));
}

void tui_gfx_write(struct tui_gfx *g, abuf *out)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n_gone; i++)
		media_kitty_delete(g->gone[i], out);
	for (size_t i = 0; i < g->n_emit; i++) {
		const tui_gfx_place *p = &g->emit[i];
		assay_error e = {0};
		int w, h;
		/* saved and restored: curses' idea of the cursor stays true */
		abuf_printf(out, "\0337\033[%d;%dH", p->y + 1, p->x + 1);
		if (g->protocol == TUI_GFX_KITTY) {
			media_gfx_fit(p->frame, p->cols * g->cell_w, p->rows * g->cell_h, &w, &h);
			media_kitty_encode(p->frame, w, h, p->id, p->cols, p->rows, out, &e);
		} else {
			box_pixels(g, p, &w, &h);
			media_sixel_encode(p->frame, w, h, out, &e);
		}
		abuf_puts(out, "\0338");
	}
	g->n_emit = g->n_gone = 0;
}

void tui_gfx_hide_all(struct tui_gfx *g, abuf *out)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n_shown; i++)
		if (g->protocol == TUI_GFX_KITTY)
			media_kitty_delete(g->shown[i].id, out);
	g->n_shown = g->n_emit = g->n_gone = 0;
}
