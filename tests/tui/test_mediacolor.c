/* Tests for src/tui/mediacolor.c: [media] colors read from the config, and
 * the table of colour pairs the media cells are drawn in — one pair per
 * (fg, bg), found again, and started over (not overrun) when a frame would
 * not fit in the pairs left. Curses runs on /dev/null as a 256-colour xterm. */
#include <stdio.h>
#include <stdlib.h>

#include "../../src/tui/mediapane.h"
#include "unit.h"

static media_cell cell(int fg, int bg)
{
	media_cell c = {.sym = " ", .fg_index = (int16_t)fg, .bg_index = (int16_t)bg};
	c.fg = fg < 0 ? MEDIA_CELL_DEFAULT : 0x010101u * (uint32_t)fg;
	c.bg = bg < 0 ? MEDIA_CELL_DEFAULT : 0x010101u * (uint32_t)bg;
	return c;
}

TEST(colors_setting_words_and_a_clear_error)
{
	conf *c = conf_new();
	enum tui_media_want w = TUI_MEDIA_WANT_NONE;
	assay_error e = {0};
	CHECK_INT(tui_media_colors_parse(c, &w, &e), ASSAY_OK);
	CHECK_INT(w, TUI_MEDIA_WANT_AUTO);
	const char *words[] = {"auto", "256", "truecolor", "24bit", "none"};
	const enum tui_media_want want[] = {TUI_MEDIA_WANT_AUTO, TUI_MEDIA_WANT_256,
					    TUI_MEDIA_WANT_TRUE, TUI_MEDIA_WANT_TRUE,
					    TUI_MEDIA_WANT_NONE};
	for (size_t i = 0; i < 5; i++) {
		conf_set(c, "media.colors", words[i]);
		CHECK_INT(tui_media_colors_parse(c, &w, &e), ASSAY_OK);
		CHECK_INT(w, want[i]);
	}
	conf_set(c, "media.colors", "sepia");
	CHECK_INT(tui_media_colors_parse(c, &w, &e), ASSAY_EINVAL);
	CHECK_CONTAINS(e.msg, "\"media.colors\" must be auto, 256, truecolor or none, got \"sepia\"");
	conf_free(c);
}

TEST(one_pair_per_colours_found_again_and_started_over_when_full)
{
	tui_base b = {0};
	tui_media m;
	tui_media_init(&m, &b);
	m.colors = MEDIA_COLORS_256;
	m.colors_known = true;
	tui_media_pairs_reserve(&m, 100);
	media_cell red = cell(196, 16), blue = cell(21, -1), red2 = cell(196, 16);
	int p1 = tui_media_pair(&m, &red), p2 = tui_media_pair(&m, &blue);
	CHECK(p1 > CONF_ROLE_COUNT); /* after the theme's pairs */
	CHECK(p2 > p1);
	CHECK_INT(tui_media_pair(&m, &red2), p1);
	short fg = 0, bg = 0;
	pair_content((short)p1, &fg, &bg);
	CHECK_INT(fg, 196);
	CHECK_INT(bg, 16);
	pair_content((short)p2, &fg, &bg);
	CHECK_INT(bg, -1);
	/* every pair the terminal has, made */
	int made = 2;
	for (int f = 0; f < 256 && m.pairs.next < m.pairs.limit; f++)
		for (int g = -1; g < 256 && m.pairs.next < m.pairs.limit; g++) {
			media_cell c = cell(f, g);
			made += tui_media_pair(&m, &c) > 0;
		}
	CHECK_INT(m.pairs.next, m.pairs.limit);
	CHECK_INT(made, m.pairs.limit - m.pairs.base + 2);
	media_cell other = cell(255, 254);
	CHECK_INT(tui_media_pair(&m, &other), 0); /* none left: drawn without */
	/* the next frame's room: the table starts over from the first pair */
	tui_media_pairs_reserve(&m, 10);
	CHECK_INT(tui_media_pair(&m, &blue), m.pairs.base);
	m.colors = MEDIA_COLORS_NONE; /* shading only: no pair */
	CHECK_INT(tui_media_pair(&m, &red), 0);
	tui_media_free(&m);
}

int main(int argc, char **argv)
{
	static const unit_case_ cases[] = {
	    UNIT_CASE(colors_setting_words_and_a_clear_error),
	    UNIT_CASE(one_pair_per_colours_found_again_and_started_over_when_full),
	};
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	unsetenv("NO_COLOR");
	SCREEN *scr = newterm("xterm-256color", out, in);
	if (!scr) {
		printf("1..0 # SKIP no xterm-256color terminfo\n");
		return 0;
	}
	start_color();
	use_default_colors();
	int rc = unit_run_(cases, ASSAY_ARRAY_LEN(cases), argc, argv);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
	return rc;
}
