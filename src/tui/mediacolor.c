/* mediacolor.c — how the media pane's cells are coloured: [media] colors
 * (auto: true colour where $COLORTERM says so and curses drives the
 * terminal in direct colour, else 256 colours; shading only under
 * NO_COLOR), and the colour pairs that draw the cells, made on first use
 * and kept in a table that starts over when the terminal's pairs run out. */
#include <stdlib.h>
#include <string.h>

#include "mediapane.h"

static const char *const want_words[] = {"auto", "256", "truecolor", "none"};

int tui_media_colors_parse(const conf *c, enum tui_media_want *out, assay_error *err)
{
	*out = TUI_MEDIA_WANT_AUTO;
	const char *v = c ? conf_get(c, "media.colors", NULL) : NULL;
	if (!v)
		return ASSAY_OK;
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(want_words); i++)
		if (strcmp(v, want_words[i]) == 0 || (i == 2 && strcmp(v, "24bit") == 0)) {
			*out = (enum tui_media_want)i;
			return ASSAY_OK;
		}
	int line = 0;
	const char *file = conf_origin(c, "media.colors", &line);
	return assay_fail(err, ASSAY_EINVAL,
			  "%s:%d: \"media.colors\" must be auto, 256, truecolor or none, got \"%.40s\"",
			  file ? file : "config", line, v);
}

/* Whether $COLORTERM says the terminal takes 24-bit colour. */
static bool colorterm_true(void)
{
	const char *ct = getenv("COLORTERM");
	return ct && (strcmp(ct, "truecolor") == 0 || strcmp(ct, "24bit") == 0);
}

/* The mode for this terminal, and a note when what was asked cannot be. */
static media_colors decide(const tui_media *m, char *note, size_t cap)
{
	note[0] = '\0';
	if (conf_no_color() || !has_colors() || m->want == TUI_MEDIA_WANT_NONE)
		return MEDIA_COLORS_NONE;
	bool direct = tui_direct_colour();
	if (direct && (m->want == TUI_MEDIA_WANT_TRUE ||
		       (m->want == TUI_MEDIA_WANT_AUTO && colorterm_true())))
		return MEDIA_COLORS_TRUE;
	if (COLORS < 256) {
		if (m->want != TUI_MEDIA_WANT_AUTO)
			snprintf(note, cap, "media: the terminal has %d colours: pictures shaded only",
				 COLORS);
		return MEDIA_COLORS_NONE;
	}
	if (m->want == TUI_MEDIA_WANT_TRUE)
		snprintf(note, cap,
			 "media: true colour needs a terminal description with direct colour "
			 "(as xterm-direct, tmux-direct): 256 colours");
	return MEDIA_COLORS_256;
}

media_colors tui_media_colors(tui_media *m)
{
	if (!m->colors_known) {
		char note[200];
		m->colors = decide(m, note, sizeof note);
		m->colors_known = true;
		if (note[0])
			tui_message(m->b, false, "%s", note);
	}
	return m->colors;
}

/* A cell's colour as curses takes it: a palette index, or in direct colour
 * 0xRRGGBB with 6 bits a channel (the table of pairs stays small) and
 * never below 8 (those are the ANSI colours there); -1: the terminal's. */
static int colour_value(bool direct, uint32_t rgb, int index)
{
	if (!direct)
		return index;
	if (rgb == MEDIA_CELL_DEFAULT)
		return -1;
	uint32_t q = (rgb & 0xFCFCFC) | ((rgb >> 6) & 0x030303);
	return q < 8 ? 8 : (int)q;
}

void tui_media_pairs_free(tui_media *m)
{
	free(m->pairs.keys);
	free(m->pairs.pair);
	memset(&m->pairs, 0, sizeof m->pairs);
}

/* Forgets every pair made: the numbers are given out again from the first
 * (the screen is repainted whole, so no cell keeps an old meaning). */
static void pairs_restart(tui_media_pairs *p)
{
	if (p->keys)
		memset(p->keys, 0, p->slots * sizeof *p->keys);
	p->next = p->base;
	clearok(curscr, TRUE);
}

void tui_media_pairs_reserve(tui_media *m, int cells)
{
	tui_media_pairs *p = &m->pairs;
	if (!p->keys) {
		p->base = CONF_ROLE_COUNT + 1;
		p->limit = COLOR_PAIRS < 65536 ? COLOR_PAIRS : 65536;
		p->slots = 1;
		while (p->slots < (size_t)(p->limit > 0 ? p->limit : 1) * 2)
			p->slots <<= 1;
		p->keys = calloc(p->slots, sizeof *p->keys);
		p->pair = calloc(p->slots, sizeof *p->pair);
		p->next = p->base;
		if (!p->keys || !p->pair) {
			tui_media_pairs_free(m);
			return;
		}
	}
	if (p->limit - p->next < cells)
		pairs_restart(p);
}

int tui_media_pair(tui_media *m, const media_cell *c)
{
	tui_media_pairs *p = &m->pairs;
	if (!p->keys || m->colors == MEDIA_COLORS_NONE)
		return 0;
	bool direct = tui_direct_colour();
	int fg = colour_value(direct, c->fg, c->fg_index);
	int bg = colour_value(direct, c->bg, c->bg_index);
	uint64_t key = (uint64_t)(uint32_t)(fg + 2) << 32 | (uint32_t)(bg + 2);
	size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (p->slots - 1);
	for (; p->keys[i]; i = (i + 1) & (p->slots - 1))
		if (p->keys[i] == key)
			return p->pair[i];
	if (p->next >= p->limit || init_extended_pair(p->next, fg, bg) == ERR)
		return 0;
	p->keys[i] = key;
	p->pair[i] = p->next;
	return p->next++;
}
