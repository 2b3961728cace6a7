/* test_theme.c — the role table, theme files, the style a role gets on each
 * kind of terminal, NO_COLOR, and every theme shipped in themes/. */
#include <dirent.h>
#include <limits.h>

#include "assay/conf.h"
#include "unit.h"

/* themes/ of the source tree: $ASSAY_SOURCE/themes, else found from this
 * file's path. */
static const char *themes_dir(void)
{
	static char path[PATH_MAX];
	const char *root = getenv("ASSAY_SOURCE");
	if (root && *root) {
		snprintf(path, sizeof path, "%s/themes", root);
		return path;
	}
	const char *me = __FILE__, *tail = strstr(me, "tests/conf/test_theme.c");
	int n = tail ? (int)(tail - me) : 0;
	snprintf(path, sizeof path, "%.*sthemes", n, me);
	/* A path relative to the build folder; from the source root, themes/. */
	DIR *d = opendir(path);
	if (d)
		closedir(d);
	else
		snprintf(path, sizeof path, "themes");
	return path;
}

static int parse(const char *text, conf_theme *t, assay_error *err)
{
	return conf_theme_load_string("t.theme", text, strlen(text), t, err);
}

static bool same(conf_style a, conf_style b)
{
	return a.fg == b.fg && a.bg == b.bg && a.attrs == b.attrs;
}

TEST(test_role_table)
{
	for (int i = 0; i < CONF_ROLE_COUNT; i++) {
		const conf_role_info *r = &conf_roles[i];
		CHECK(r->name != NULL && r->what != NULL);
		CHECK_INT(conf_role_find(r->name), i);
		/* Parents first, so one pass resolves fallbacks. */
		CHECK(r->fallback < i);
		CHECK(r->fallback >= -1);
	}
	CHECK_INT(conf_role_find("score.bad"), CONF_ROLE_SCORE_BAD);
	CHECK_INT(conf_role_find("status.bar"), CONF_ROLE_STATUS_BAR);
	CHECK_INT(conf_role_find("nope"), -1);
	CHECK_INT(conf_role_find(""), -1);
	CHECK_INT(conf_role_find("Score.bad"), -1);
}

TEST(test_init)
{
	conf_theme t;
	conf_theme_init(&t);
	CHECK_STR(t.name, "default");
	for (int i = 0; i < CONF_ROLE_COUNT; i++) {
		CHECK(same(t.style[i], conf_roles[i].builtin));
		CHECK(!t.set[i]);
	}
}

TEST(test_parse_roles_and_fallbacks)
{
	conf_theme t;
	assay_error err;
	CHECK_INT(parse("status.bar = #1e1e2e on 252\n[score]\nbad = red on default, bold\n"
			"[chart]\nbar = 33\n",
			&t, &err),
		  0);
	CHECK_STR(t.name, "t");
	CHECK(t.set[CONF_ROLE_STATUS_BAR] && t.set[CONF_ROLE_SCORE_BAD]);
	CHECK(!t.set[CONF_ROLE_SCORE_WARN]);
	CHECK(same(t.style[CONF_ROLE_STATUS_BAR], (conf_style){235, 252, 0}));
	CHECK(same(t.style[CONF_ROLE_SCORE_BAD], (conf_style){1, -1, CONF_ATTR_BOLD}));
	/* Unset roles follow their fallback chain within the theme. */
	CHECK(same(t.style[CONF_ROLE_SCORE_WARN], t.style[CONF_ROLE_SCORE_BAD]));
	CHECK(same(t.style[CONF_ROLE_ERROR], t.style[CONF_ROLE_SCORE_BAD]));
	CHECK(same(t.style[CONF_ROLE_STATUS_ACCENT], t.style[CONF_ROLE_STATUS_BAR]));
	CHECK(same(t.style[CONF_ROLE_FOOTER_KEY], t.style[CONF_ROLE_STATUS_BAR]));
	CHECK(same(t.style[CONF_ROLE_SELECTION], t.style[CONF_ROLE_STATUS_BAR]));
	CHECK(same(t.style[CONF_ROLE_CHART_WHISKER], (conf_style){33, -1, 0}));
	/* Roots nobody set keep the built-in style. */
	CHECK(same(t.style[CONF_ROLE_NORMAL], conf_roles[CONF_ROLE_NORMAL].builtin));
	/* Unset roles under an unset root take the root's style. */
	CHECK(same(t.style[CONF_ROLE_META_KEY], conf_roles[CONF_ROLE_NORMAL].builtin));
}

TEST(test_theme_name)
{
	conf_theme t;
	assay_error err;
	CHECK_INT(parse("[theme]\nname = \"Solar\\tized\"\ndescription = anything\n", &t, &err), 0);
	CHECK_STR(t.name, "Solarized");
	CHECK_INT(parse("theme.name = caf\xc3\xa9\n", &t, &err), 0);
	CHECK_STR(t.name, "caf\xc3\xa9");
	CHECK_INT(parse("theme.name = \"a\xe2\x82\xac\"\n", &t, &err), 0);
	CHECK_STR(t.name, "a\xe2\x82\xac");
	CHECK_INT(conf_theme_load_string("dir/x.theme", "", 0, &t, &err), 0);
	CHECK_STR(t.name, "x");
	char longname[200] = "theme.name = ";
	for (int i = 0; i < 40; i++)
		strcat(longname, "\xc3\xa9");
	CHECK_INT(parse(longname, &t, &err), 0);
	/* Cut at a character boundary below 64 bytes. */
	CHECK_INT(strlen(t.name), 62);
	strcpy(longname, "theme.name = a");
	for (int i = 0; i < 30; i++)
		strcat(longname, "\xe2\x82\xac");
	CHECK_INT(parse(longname, &t, &err), 0);
	CHECK_INT(strlen(t.name), 61);
}

TEST(test_theme_errors)
{
	conf_theme t;
	assay_error err;
	CHECK_INT(parse("score.bad = red\n\nscore.badd = blue\n", &t, &err), ASSAY_EFORMAT);
	CHECK_STR(err.msg, "t.theme:3: unknown key \"score.badd\" (expected a role such as "
			   "\"score.bad\", or theme.name)");
	CHECK_INT(parse("# x\n[score]\nbad = redd, bold\n", &t, &err), ASSAY_EFORMAT);
	CHECK_STR(err.msg, "t.theme:3: score.bad: unknown colour \"redd\" (expected a colour "
			   "name, 0-255 or #rrggbb)");
	CHECK_INT(parse("dialog = white on\n", &t, &err), ASSAY_EFORMAT);
	CHECK_STR(err.msg, "t.theme:1: dialog: expected a colour after \"on\"");
	CHECK_INT(parse("error = red, blink\n", &t, &err), ASSAY_EFORMAT);
	CHECK_STR(err.msg, "t.theme:1: error: unknown attribute \"blink\" (expected bold, "
			   "underline, reverse, dim or italic)");
	CHECK_INT(parse("foo\n", &t, &err), ASSAY_EFORMAT);
	CHECK_STR(err.msg, "t.theme:1: expected \"key = value\", got \"foo\"");
	CHECK_INT(parse("selection =\n", &t, &err), ASSAY_EFORMAT);
	CHECK_STR(err.msg, "t.theme:1: selection: expected a colour");
}

TEST(test_load_by_name_and_path)
{
	conf_theme t;
	assay_error err;
	const char *dir = themes_dir();
	char path[PATH_MAX + 32];
	CHECK_INT(conf_theme_load("light", dir, &t, &err), 0);
	CHECK_STR(t.name, "light");
	snprintf(path, sizeof path, "%s/high-contrast.theme", dir);
	CHECK_INT(conf_theme_load(path, NULL, &t, &err), 0);
	CHECK_STR(t.name, "high-contrast");
	CHECK_INT(conf_theme_load("nosuch", dir, &t, &err), ASSAY_ENOTFOUND);
	char want[PATH_MAX + 128];
	snprintf(want, sizeof want, "unknown theme \"nosuch\": no nosuch.theme in %s", dir);
	CHECK_STR(err.msg, want);
	CHECK_INT(conf_theme_load("light", NULL, &t, &err), ASSAY_ENOTFOUND);
	CHECK_STR(err.msg, "unknown theme \"light\": no themes directory");
	CHECK_INT(conf_theme_load("a b", dir, &t, &err), ASSAY_EINVAL);
	CHECK_STR(err.msg, "invalid theme name \"a b\" (expected a path or a name of letters, "
			   "digits, '_' and '-')");
	CHECK_INT(conf_theme_load("", dir, &t, &err), ASSAY_EINVAL);
	CHECK_INT(conf_theme_load("./missing.theme", dir, &t, &err), ASSAY_ENOTFOUND);
	CHECK_STR(err.msg, "cannot open ./missing.theme: No such file or directory");
}

TEST(test_style_for_terminal)
{
	conf_theme t;
	assay_error err;
	CHECK_INT(parse("status.bar = #1e1e2e on 252, italic\nscore.bad = 196, bold\n"
			"diff.added = 34 on 28\nsample.text = 9 on 9\n",
			&t, &err),
		  0);
	conf_style s = conf_theme_style(&t, CONF_ROLE_STATUS_BAR, 256, false);
	CHECK(same(s, (conf_style){235, 252, CONF_ATTR_ITALIC}));
	s = conf_theme_style(&t, CONF_ROLE_STATUS_BAR, 16, false);
	CHECK(same(s, (conf_style){0, 7, CONF_ATTR_ITALIC}));
	s = conf_theme_style(&t, CONF_ROLE_SCORE_BAD, 8, false);
	CHECK(same(s, (conf_style){1, -1, CONF_ATTR_BOLD}));
	/* Two greens that collapse into one: the text turns black or white. */
	s = conf_theme_style(&t, CONF_ROLE_DIFF_ADDED, 8, false);
	CHECK_INT(s.bg, 2);
	CHECK_INT(s.fg, 7);
	s = conf_theme_style(&t, CONF_ROLE_DIFF_ADDED, 256, false);
	CHECK(same(s, (conf_style){34, 28, 0}));
	/* Equal on purpose stays equal. */
	s = conf_theme_style(&t, CONF_ROLE_SAMPLE_TEXT, 8, false);
	CHECK(same(s, (conf_style){1, 1, 0}));
	/* Monochrome: no colour, the role's attributes added to the theme's. */
	s = conf_theme_style(&t, CONF_ROLE_STATUS_BAR, 0, false);
	CHECK(same(s, (conf_style){-1, -1, CONF_ATTR_ITALIC | CONF_ATTR_REVERSE}));
	s = conf_theme_style(&t, CONF_ROLE_SCORE_BAD, 2, false);
	CHECK(same(s, (conf_style){-1, -1, CONF_ATTR_BOLD}));
	s = conf_theme_style(&t, CONF_ROLE_SAMPLE_PLACEHOLDER, 256, true);
	CHECK(same(s, (conf_style){-1, -1, CONF_ATTR_REVERSE}));
	s = conf_theme_style(&t, CONF_ROLE_DIFF_ADDED, 256, true);
	CHECK(same(s, (conf_style){-1, -1, CONF_ATTR_UNDERLINE}));
	s = conf_theme_style(&t, CONF_ROLE_DIFF_REMOVED, 256, true);
	CHECK(same(s, (conf_style){-1, -1, CONF_ATTR_DIM | CONF_ATTR_REVERSE}));
}

/* Roles drawn side by side must not look alike without colour. */
TEST(test_mono_roles_distinct)
{
	static const int groups[][4] = {
	    {CONF_ROLE_SCORE_OK, CONF_ROLE_SCORE_WARN, CONF_ROLE_SCORE_BAD, -1},
	    {CONF_ROLE_SAMPLE_TEXT, CONF_ROLE_SAMPLE_PLACEHOLDER, CONF_ROLE_DIFF_ADDED,
	     CONF_ROLE_DIFF_REMOVED},
	    {CONF_ROLE_STATUS_BAR, CONF_ROLE_STATUS_ACCENT, CONF_ROLE_ERROR, -1},
	    {CONF_ROLE_FOOTER_TEXT, CONF_ROLE_FOOTER_KEY, -1, -1},
	    {CONF_ROLE_DIALOG, CONF_ROLE_SELECTION, -1, -1},
	    {CONF_ROLE_META_KEY, CONF_ROLE_META_VALUE, -1, -1},
	    {CONF_ROLE_CHART_BAR, CONF_ROLE_CHART_WHISKER, CONF_ROLE_NORMAL, -1},
	    {CONF_ROLE_CONTEXT_TEXT, CONF_ROLE_CONTEXT_LABEL, CONF_ROLE_CONTEXT_USER,
	     CONF_ROLE_CONTEXT_ASSISTANT},
	};
	conf_theme t;
	conf_theme_init(&t);
	for (size_t g = 0; g < ASSAY_ARRAY_LEN(groups); g++)
		for (int i = 0; i < 4 && groups[g][i] >= 0; i++)
			for (int j = i + 1; j < 4 && groups[g][j] >= 0; j++) {
				conf_style a = conf_theme_style(&t, groups[g][i], 0, false);
				conf_style b = conf_theme_style(&t, groups[g][j], 0, false);
				if (a.attrs == b.attrs)
					printf("#   %s and %s look alike\n",
					       conf_roles[groups[g][i]].name,
					       conf_roles[groups[g][j]].name);
				CHECK(a.attrs != b.attrs);
			}
}

TEST(test_no_color)
{
	unsetenv("NO_COLOR");
	CHECK(!conf_no_color());
	setenv("NO_COLOR", "", 1);
	CHECK(!conf_no_color());
	setenv("NO_COLOR", "1", 1);
	CHECK(conf_no_color());
	setenv("NO_COLOR", "0", 1);
	CHECK(conf_no_color());
	unsetenv("NO_COLOR");
}

/* Loads themes_dir()/file, which must set every role. */
static void check_shipped(const char *file, conf_theme *t)
{
	char path[PATH_MAX + 64];
	assay_error err = {0};
	snprintf(path, sizeof path, "%s/%s", themes_dir(), file);
	int rc = conf_theme_load(path, NULL, t, &err);
	if (rc != 0)
		printf("#   %s\n", err.msg);
	CHECK_INT(rc, 0);
	for (int i = 0; i < CONF_ROLE_COUNT; i++) {
		if (!t->set[i])
			printf("#   %s leaves %s unset\n", file, conf_roles[i].name);
		CHECK(t->set[i]);
		/* Readable wherever it lands: colours never collapse into one. */
		int counts[] = {256, 88, 16, 8};
		for (size_t k = 0; k < ASSAY_ARRAY_LEN(counts); k++) {
			conf_style s = conf_theme_style(t, i, counts[k], false);
			CHECK(s.fg != s.bg || s.fg == CONF_COLOR_DEFAULT);
		}
	}
}

TEST(test_shipped_themes)
{
	DIR *d = opendir(themes_dir());
	CHECK(d != NULL);
	if (!d)
		return;
	int found = 0, named = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n < 7 || strcmp(de->d_name + n - 6, ".theme") != 0)
			continue;
		conf_theme t;
		check_shipped(de->d_name, &t);
		found++;
		const char *want[] = {"default", "light", "high-contrast", "mono"};
		for (size_t i = 0; i < ASSAY_ARRAY_LEN(want); i++)
			if (strncmp(de->d_name, want[i], n - 6) == 0 && strlen(want[i]) == n - 6) {
				CHECK_STR(t.name, want[i]);
				named++;
			}
	}
	closedir(d);
	CHECK(found >= 4);
	CHECK_INT(named, 4);
}

TEST(test_default_theme_is_builtin)
{
	conf_theme t;
	check_shipped("default.theme", &t);
	for (int i = 0; i < CONF_ROLE_COUNT; i++) {
		if (!same(t.style[i], conf_roles[i].builtin))
			printf("#   %s differs from the built-in style\n", conf_roles[i].name);
		CHECK(same(t.style[i], conf_roles[i].builtin));
	}
}

TEST(test_mono_theme_is_mono_fallback)
{
	conf_theme t;
	check_shipped("mono.theme", &t);
	for (int i = 0; i < CONF_ROLE_COUNT; i++) {
		CHECK(same(t.style[i], (conf_style){-1, -1, conf_roles[i].mono}));
		CHECK(same(conf_theme_style(&t, i, 256, false), conf_theme_style(&t, i, 0, false)));
	}
}

UNIT_MAIN(UNIT_CASE(test_role_table), UNIT_CASE(test_init),
	  UNIT_CASE(test_parse_roles_and_fallbacks), UNIT_CASE(test_theme_name),
	  UNIT_CASE(test_theme_errors), UNIT_CASE(test_load_by_name_and_path),
	  UNIT_CASE(test_style_for_terminal), UNIT_CASE(test_mono_roles_distinct),
	  UNIT_CASE(test_no_color), UNIT_CASE(test_shipped_themes),
	  UNIT_CASE(test_default_theme_is_builtin), UNIT_CASE(test_mono_theme_is_mono_fallback))
