/* theme.c — a conf theme turned into curses attributes, one colour pair per
 * role, degrading to 8 colours and to monochrome (and NO_COLOR); in direct
 * colour the palette's colours given as RGB. */
#include "view.h"

bool tui_direct_colour(void)
{
	return has_colors() && COLORS >= 0x1000000;
}

int tui_colour_value(int c)
{
	if (c < 8 || !tui_direct_colour())
		return c;
	uint8_t rgb[3];
	conf_color_rgb(c, rgb);
	int v = rgb[0] << 16 | rgb[1] << 8 | rgb[2];
	return v < 8 ? 8 : v;
}

static attr_t curses_attrs(unsigned a)
{
	attr_t r = A_NORMAL;
	if (a & CONF_ATTR_BOLD)
		r |= A_BOLD;
	if (a & CONF_ATTR_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & CONF_ATTR_REVERSE)
		r |= A_REVERSE;
	if (a & CONF_ATTR_DIM)
		r |= A_DIM;
#ifdef A_ITALIC
	if (a & CONF_ATTR_ITALIC)
		r |= A_ITALIC;
#endif
	return r;
}

void tui_theme_apply(attr_t *attr_of, const conf_theme *t)
{
	bool no_color = conf_no_color() || !has_colors();
	if (!no_color) {
		start_color();
		use_default_colors();
	}
	/* COLORS is 0 until start_color has run */
	int ncolors = no_color ? 0 : COLORS;
	for (int role = 0; role < CONF_ROLE_COUNT; role++) {
		conf_style st = conf_theme_style(t, (enum conf_role)role, ncolors, no_color);
		attr_t attr = curses_attrs(st.attrs);
		if (!no_color && role + 1 < COLOR_PAIRS &&
		    (st.fg != CONF_COLOR_DEFAULT || st.bg != CONF_COLOR_DEFAULT)) {
			init_extended_pair(role + 1, tui_colour_value(st.fg),
					   tui_colour_value(st.bg));
			attr |= COLOR_PAIR(role + 1);
		}
		attr_of[role] = attr;
	}
}
