/* theme.c — themes as data: the role table, theme files mapped onto it, and
 * the style each role gets on a terminal with fewer colours or none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

/* clang-format off */
#define D CONF_COLOR_DEFAULT
#define B CONF_ATTR_BOLD
#define U CONF_ATTR_UNDERLINE
#define R CONF_ATTR_REVERSE
#define DIM CONF_ATTR_DIM

/* Parents come before their children, so one pass resolves fallbacks. The
 * built-in styles are themes/default.theme (a test keeps them equal). */
const conf_role_info conf_roles[CONF_ROLE_COUNT] = {
	[CONF_ROLE_NORMAL] = {"normal", -1, {D, D, 0}, 0, "everything not named below"},
	[CONF_ROLE_STATUS_BAR] = {"status.bar", -1, {252, 236, 0}, R, "the top status line"},
	[CONF_ROLE_STATUS_ACCENT] = {"status.accent", CONF_ROLE_STATUS_BAR, {117, 236, B}, R | B,
				     "highlighted parts of the status line"},
	[CONF_ROLE_SAMPLE_TEXT] = {"sample.text", CONF_ROLE_NORMAL, {D, D, 0}, 0,
				   "the text under review"},
	[CONF_ROLE_SAMPLE_PLACEHOLDER] = {"sample.placeholder", CONF_ROLE_SAMPLE_TEXT,
					  {215, 237, 0}, R,
					  "visible stand-ins for control and bidi characters"},
	[CONF_ROLE_META_KEY] = {"meta.key", CONF_ROLE_NORMAL, {110, D, 0}, B,
				"metadata field names"},
	[CONF_ROLE_META_VALUE] = {"meta.value", CONF_ROLE_NORMAL, {250, D, 0}, 0,
				  "metadata values"},
	[CONF_ROLE_SCORE_OK] = {"score.ok", CONF_ROLE_NORMAL, {114, D, 0}, 0,
				"a score that passed"},
	[CONF_ROLE_SCORE_BAD] = {"score.bad", CONF_ROLE_NORMAL, {203, D, B}, B,
				 "a flagged score"},
	[CONF_ROLE_SCORE_WARN] = {"score.warn", CONF_ROLE_SCORE_BAD, {221, D, 0}, U,
				  "a score near its threshold"},
	[CONF_ROLE_DIFF_ADDED] = {"diff.added", CONF_ROLE_NORMAL, {114, 22, 0}, U,
				  "words an edit added"},
	[CONF_ROLE_DIFF_REMOVED] = {"diff.removed", CONF_ROLE_NORMAL, {210, 52, 0}, DIM | R,
				    "words an edit removed"},
	[CONF_ROLE_FOOTER_TEXT] = {"footer.text", CONF_ROLE_STATUS_BAR, {248, 235, 0}, 0,
				   "the key hints at the bottom"},
	[CONF_ROLE_FOOTER_KEY] = {"footer.key", CONF_ROLE_FOOTER_TEXT, {117, 235, B}, B,
				  "the keys in the hints"},
	[CONF_ROLE_HELP_TITLE] = {"help.title", CONF_ROLE_META_KEY, {117, D, B}, B | U,
				  "headings in the help screen"},
	[CONF_ROLE_DIALOG] = {"dialog", CONF_ROLE_STATUS_BAR, {252, 238, 0}, R,
			      "pop-up windows (reason picker, confirmations)"},
	[CONF_ROLE_SELECTION] = {"selection", CONF_ROLE_STATUS_ACCENT, {235, 117, 0}, B | U,
				 "the selected line of a list"},
	[CONF_ROLE_CHART_BAR] = {"chart.bar", CONF_ROLE_NORMAL, {74, D, 0}, B,
				 "bars of the dashboard charts"},
	[CONF_ROLE_CHART_WHISKER] = {"chart.whisker", CONF_ROLE_CHART_BAR, {245, D, 0}, DIM,
				     "confidence-interval whiskers"},
	[CONF_ROLE_ERROR] = {"error", CONF_ROLE_SCORE_BAD, {231, 160, B}, B | U | R,
			     "error messages"},
	[CONF_ROLE_CONTEXT_TEXT] = {"context.text", CONF_ROLE_META_VALUE, {250, D, 0}, 0,
				    "what a sample answers (its instruction, earlier turns)"},
	[CONF_ROLE_CONTEXT_LABEL] = {"context.label", CONF_ROLE_META_KEY, {180, D, B}, B,
				     "a context field's name, a system or tool turn's role"},
	[CONF_ROLE_CONTEXT_USER] = {"context.user", CONF_ROLE_CONTEXT_LABEL, {117, D, B}, B | U,
				    "the user's turns of a conversation"},
	[CONF_ROLE_CONTEXT_ASSISTANT] = {"context.assistant", CONF_ROLE_CONTEXT_LABEL,
					 {114, D, 0}, U,
					 "the assistant's earlier turns of a conversation"},
};

#undef D
#undef B
#undef U
#undef R
#undef DIM
/* clang-format on */

int conf_role_find(const char *name)
{
	for (int i = 0; i < CONF_ROLE_COUNT; i++)
		if (strcmp(conf_roles[i].name, name) == 0)
			return i;
	return -1;
}

/* Copies a display name, dropping control bytes and cutting at a character
 * boundary. */
static void set_name(conf_theme *t, const char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < sizeof t->name; i++)
		if ((unsigned char)s[i] >= 0x20 && s[i] != 0x7F)
			t->name[o++] = s[i];
	/* Drop a last character that did not fit whole. */
	size_t lead = o;
	while (lead > 0 && ((unsigned char)t->name[lead - 1] & 0xC0) == 0x80)
		lead--;
	if (lead > 0) {
		unsigned char c = (unsigned char)t->name[lead - 1];
		size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		if (lead - 1 + len > o)
			o = lead - 1;
	}
	t->name[o] = '\0';
}

void conf_theme_init(conf_theme *t)
{
	memset(t, 0, sizeof *t);
	set_name(t, "default", 7);
	for (int i = 0; i < CONF_ROLE_COUNT; i++)
		t->style[i] = conf_roles[i].builtin;
}

int conf_theme_from_conf(const conf *c, conf_theme *t, assay_error *err)
{
	const char *key, *value;
	size_t pos = 0;
	char why[256], ex[64];
	conf_theme_init(t);
	while (conf_next(c, "", &pos, &key, &value)) {
		int line = 0, role = conf_role_find(key);
		const char *origin = conf_origin(c, key, &line);
		if (strcmp(key, "theme.name") == 0) {
			set_name(t, value, strlen(value));
		} else if (strcmp(key, "theme.description") == 0) {
			continue;
		} else if (role < 0) {
			conf_excerpt(ex, sizeof ex, key, strlen(key));
			return assay_fail(err, ASSAY_EFORMAT,
					  "%s:%d: unknown key \"%s\" (expected a role such as "
					  "\"score.bad\", or theme.name)",
					  origin, line, ex);
		} else if (conf_style_parse(value, &t->style[role], why, sizeof why) != ASSAY_OK) {
			return assay_fail(err, ASSAY_EFORMAT, "%s:%d: %s: %s", origin, line, key,
					  why);
		} else {
			t->set[role] = true;
		}
	}
	for (int i = 0; i < CONF_ROLE_COUNT; i++)
		if (!t->set[i] && conf_roles[i].fallback >= 0)
			t->style[i] = t->style[conf_roles[i].fallback];
	return ASSAY_OK;
}

/* The theme's name from a file name: the last path part without ".theme". */
static void name_from_path(conf_theme *t, const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	if (n > 6 && strcmp(base + n - 6, ".theme") == 0)
		n -= 6;
	set_name(t, base, n);
}

/* Maps a loaded conf onto t, named after name unless it says theme.name. */
static int theme_from(const conf *c, const char *name, conf_theme *t, assay_error *err)
{
	int rc = conf_theme_from_conf(c, t, err);
	if (rc == ASSAY_OK && !conf_has(c, "theme.name"))
		name_from_path(t, name);
	return rc;
}

int conf_theme_load_string(const char *name, const char *text, size_t n, conf_theme *t,
			   assay_error *err)
{
	conf *c = conf_new();
	if (!c)
		return assay_fail(err, ASSAY_ENOMEM, "%s: out of memory", name);
	int rc = conf_load_string(c, name, text, n, err);
	if (rc == ASSAY_OK)
		rc = theme_from(c, name, t, err);
	conf_free(c);
	return rc;
}

/* True for a bare theme name: letters, digits, '_' and '-'. */
static bool bare_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

int conf_theme_load(const char *path_or_name, const char *themes_dir, conf_theme *t,
		    assay_error *err)
{
	size_t n = strlen(path_or_name);
	bool is_path =
	    strchr(path_or_name, '/') || (n > 6 && strcmp(path_or_name + n - 6, ".theme") == 0);
	abuf path = {0};
	char ex[64];
	conf_excerpt(ex, sizeof ex, path_or_name, n);
	if (!is_path && !bare_name(path_or_name))
		return assay_fail(err, ASSAY_EINVAL,
				  "invalid theme name \"%s\" (expected a path or a name of "
				  "letters, digits, '_' and '-')",
				  ex);
	if (!is_path && !themes_dir)
		return assay_fail(err, ASSAY_ENOTFOUND, "unknown theme \"%s\": no themes directory",
				  ex);
	if (is_path ? abuf_puts(&path, path_or_name)
		    : abuf_printf(&path, "%s/%s.theme", themes_dir, path_or_name))
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	conf *c = conf_new();
	int rc =
	    c ? conf_load_file(c, path.data, err) : assay_fail(err, ASSAY_ENOMEM, "out of memory");
	if (rc == ASSAY_ENOTFOUND && !is_path)
		rc = assay_fail(err, rc, "unknown theme \"%s\": no %s.theme in %s", ex, ex,
				themes_dir);
	if (rc == ASSAY_OK)
		rc = theme_from(c, path.data, t, err);
	conf_free(c);
	abuf_free(&path);
	return rc;
}

/* Black or white, whichever stands out on bg. */
static int contrast(int bg, int ncolors)
{
	uint8_t rgb[3];
	conf_color_rgb(bg, rgb);
	long luma = 299L * rgb[0] + 587L * rgb[1] + 114L * rgb[2];
	if (luma > 128L * 1000)
		return 0;
	return ncolors >= 16 ? 15 : 7;
}

conf_style conf_theme_style(const conf_theme *t, enum conf_role role, int ncolors, bool no_color)
{
	conf_style s = t->style[role];
	if (no_color || ncolors < 8) {
		s.fg = s.bg = CONF_COLOR_DEFAULT;
		s.attrs |= conf_roles[role].mono;
		return s;
	}
	conf_style out = {conf_color_fallback(s.fg, ncolors), conf_color_fallback(s.bg, ncolors),
			  s.attrs};
	if (out.fg == out.bg && out.fg != CONF_COLOR_DEFAULT && s.fg != s.bg)
		out.fg = contrast(out.bg, ncolors);
	return out;
}

bool conf_no_color(void)
{
	const char *v = getenv("NO_COLOR");
	return v && v[0];
}
