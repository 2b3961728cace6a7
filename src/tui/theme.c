/* theme.c — a conf theme turned into curses attributes, one colour pair per
 * role, degrading to 8 colours and to monochrome (and NO_COLOR). */
#include "view.h"

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
	int ncolors = no_color ? 0 : COLORS;
	if (!no_color) {
		start_color();
		use_default_colors();
	}
	for (int role = 0; role < CONF_ROLE_COUNT; role++) {
		conf_style st = conf_theme_style(t, (enum conf_role)role, ncolors, no_color);
		attr_t attr = curses_attrs(st.attrs);
		if (!no_color && role + 1 < COLOR_PAIRS &&
		    (st.fg != CONF_COLOR_DEFAULT || st.bg != CONF_COLOR_DEFAULT)) {
			init_pair((short)(role + 1), (short)st.fg, (short)st.bg);
			attr |= COLOR_PAIR(role + 1);
		}
		attr_of[role] = attr;
	}
}
