/* conf.h — the one `key = value` format (with [sections]) behind the config
 * file and the theme files, typed getters, and themes as data: roles, colours
 * and their fallback to 88/16/8 colours and monochrome. No curses here. */
#ifndef ASSAY_CONF_H
#define ASSAY_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay/common.h"

/* ---- The format ----------------------------------------------------------
 *
 *   # a comment (also ";"), only on a line of its own
 *   top = value                 key "top"
 *   [score]
 *   threshold = 0.5             key "score.threshold"
 *   title = "tab\there"         quoted: escapes \" \\ \n \t
 *   reasons = hallucination, "factual, error", other     (a list)
 *
 * Keys and section names are ASCII letters, digits, '_', '-' and '.'. An
 * unquoted value is trimmed and may not contain '"'; a quoted value must be
 * quoted whole. A list is items separated by commas outside quotes, each item
 * quoted or not. Blank lines and a leading UTF-8 BOM are ignored, CRLF is
 * accepted. Limits: CONF_MAX_FILE bytes a file, CONF_MAX_LINE bytes a line,
 * CONF_MAX_ENTRIES keys in one conf. Parse errors read
 * "NAME:LINE: what was expected". */

#define CONF_MAX_FILE	 (1024 * 1024)
#define CONF_MAX_LINE	 4096
#define CONF_MAX_ENTRIES 10000

typedef struct conf conf;

/* An empty configuration; NULL on ENOMEM. Free with conf_free. */
conf *conf_new(void);
void conf_free(conf *c);

/* Parses text[0..n) named `name` (used in messages) into c. Keys already in
 * c from an earlier load are overridden; a key twice in the same text is an
 * error. On error c is left exactly as it was. ASSAY_EFORMAT for bad input. */
int conf_load_string(conf *c, const char *name, const char *text, size_t n, assay_error *err);
/* conf_load_string on a file's contents, named by its path. ASSAY_ENOTFOUND
 * when it does not exist, ASSAY_EIO when it cannot be read. */
int conf_load_file(conf *c, const char *path, assay_error *err);
/* The standard lookup: with explicit_path, that file only (it must exist);
 * otherwise $XDG_CONFIG_HOME/assay/config (else $HOME/.config/assay/config)
 * and then ./assay.conf, each if present, the later overriding. */
int conf_load_default(conf *c, const char *explicit_path, assay_error *err);

/* Sets key to value taken literally (no quote processing), overriding any
 * earlier value; its origin reads "command line". ASSAY_EINVAL for an
 * invalid key, ASSAY_ENOMEM, ASSAY_EFORMAT past CONF_MAX_ENTRIES. */
int conf_set(conf *c, const char *key, const char *value);
/* conf_set with the origin named (the option that set it: "--set"). */
int conf_set_from(conf *c, const char *origin, const char *key, const char *value);

/* Checks that every key of assay's configuration (not a theme) is one a
 * reader takes: theme and reasons outside a section, [review], [media],
 * [slice.NAME] with their keys, and [score.NAME] and [weights], whose keys
 * the scorers check (score_config_from_conf). The first other key is
 * ASSAY_EINVAL naming its file and line (or origin) and the known names:
 * `assay.conf:1: [scroe.length]: no such section (known: [review], ...)`. */
int conf_check_config(const conf *c, assay_error *err);

/* ---- Getters -------------------------------------------------------------
 * Each returns the default when the key is absent. A present but malformed or
 * out-of-range value is ASSAY_EINVAL with a message naming the file and line
 * it came from: `assay.conf:3: "score.threshold" must be a number from 0 to 1,
 * got "1.5"`. */

bool conf_has(const conf *c, const char *key);
/* The value (unquoted, escapes applied) or def. Owned by c. */
const char *conf_get(const conf *c, const char *key, const char *def);
/* Where key was set: the file name ("command line" for conf_set) and *line
 * (0 for conf_set). NULL when the key is absent. Owned by c. */
const char *conf_origin(const conf *c, const char *key, int *line);
/* A finite number in [min, max]. */
int conf_get_double(const conf *c, const char *key, double def, double min, double max, double *out,
		    assay_error *err);
/* A decimal integer in [min, max]. */
int conf_get_int(const conf *c, const char *key, long def, long min, long max, long *out,
		 assay_error *err);
/* true/false, yes/no, on/off, 1/0 (any case). */
int conf_get_bool(const conf *c, const char *key, bool def, bool *out, assay_error *err);
/* Splits the value on commas outside quotes; items are trimmed, quoted items
 * unquoted, empty unquoted items dropped. An absent key gives *n = 0 and
 * *items = NULL. The caller frees with conf_list_free. ASSAY_ENOMEM only. */
int conf_get_list(const conf *c, const char *key, char ***items, size_t *n);
void conf_list_free(char **items, size_t n);

/* Number of keys. */
size_t conf_count(const conf *c);
/* Iterates over the keys starting with prefix (byte prefix; "" for all) in
 * the order they were first set. Start with *pos = 0; returns true and sets
 * *key and *value (owned by c) while there is one, false at the end. */
bool conf_next(const conf *c, const char *prefix, size_t *pos, const char **key,
	       const char **value);

/* ---- Colours ---------------------------------------------------------------
 * A colour is CONF_COLOR_DEFAULT (the terminal's own) or an xterm-256 index. */

#define CONF_COLOR_DEFAULT (-1)

enum conf_attr {
	CONF_ATTR_BOLD = 1 << 0,
	CONF_ATTR_UNDERLINE = 1 << 1,
	CONF_ATTR_REVERSE = 1 << 2,
	CONF_ATTR_DIM = 1 << 3,
	CONF_ATTR_ITALIC = 1 << 4,
};

typedef struct conf_style {
	int fg, bg;	/* CONF_COLOR_DEFAULT or 0..255 */
	unsigned attrs; /* enum conf_attr bits */
} conf_style;

/* The reference RGB of an xterm-256 index (0..15 are xterm's defaults). */
void conf_color_rgb(int color, uint8_t rgb[3]);
/* The nearest index in 16..255 (the cube and the grey ramp, whose RGB every
 * xterm-like terminal agrees on) to #rrggbb, by conf_color_distance. */
int conf_color_from_rgb(uint8_t r, uint8_t g, uint8_t b);
/* The "redmean" weighted distance (squared, scaled) between two colours: a
 * cheap approximation of perceived difference, better than plain RGB. */
long conf_color_distance(const uint8_t a[3], const uint8_t b[3]);
/* The colour to use on a terminal with ncolors colours: unchanged for 256 or
 * more; for 88 the nearest of xterm's 88 palette; for 16 the nearest of the
 * 16 ANSI colours; for 8 the nearest of the 8 (brights map to their base);
 * CONF_COLOR_DEFAULT for fewer than 8 (monochrome) and for the default. */
int conf_color_fallback(int color, int ncolors);
/* Parses a colour: a name (black red green yellow blue magenta cyan white,
 * "bright-" or "bright " before one of those, gray/grey, default), 0..255 or
 * #rrggbb. Returns 0 and sets *out, or ASSAY_EINVAL. */
int conf_color_parse(const char *s, size_t n, int *out);
/* Parses "FG", "FG on BG", "on BG", followed or replaced by comma-separated
 * attributes (bold underline reverse dim italic): "red on default, bold".
 * On error fills why (a phrase for a message) and returns ASSAY_EINVAL. */
int conf_style_parse(const char *spec, conf_style *out, char *why, size_t whylen);
/* Writes a style back in the form conf_style_parse reads. */
void conf_style_format(const conf_style *s, char *buf, size_t len);

/* ---- Themes ------------------------------------------------------------- */

enum conf_role {
	CONF_ROLE_NORMAL,
	CONF_ROLE_STATUS_BAR,
	CONF_ROLE_STATUS_ACCENT,
	CONF_ROLE_SAMPLE_TEXT,
	CONF_ROLE_SAMPLE_PLACEHOLDER,
	CONF_ROLE_META_KEY,
	CONF_ROLE_META_VALUE,
	CONF_ROLE_SCORE_OK,
	CONF_ROLE_SCORE_BAD,
	CONF_ROLE_SCORE_WARN,
	CONF_ROLE_DIFF_ADDED,
	CONF_ROLE_DIFF_REMOVED,
	CONF_ROLE_FOOTER_TEXT,
	CONF_ROLE_FOOTER_KEY,
	CONF_ROLE_HELP_TITLE,
	CONF_ROLE_DIALOG,
	CONF_ROLE_SELECTION,
	CONF_ROLE_CHART_BAR,
	CONF_ROLE_CHART_WHISKER,
	CONF_ROLE_ERROR,
	CONF_ROLE_CONTEXT_TEXT,
	CONF_ROLE_CONTEXT_LABEL,
	CONF_ROLE_CONTEXT_USER,
	CONF_ROLE_CONTEXT_ASSISTANT,
	CONF_ROLE_COUNT
};

/* One row per role: its name in theme files, the role it falls back to when
 * a theme leaves it out (-1: the built-in style), the built-in style (which
 * is what themes/default.theme says), and the attributes it gets on a
 * monochrome terminal so roles stay told apart without colour. */
typedef struct conf_role_info {
	const char *name;
	int fallback;
	conf_style builtin;
	unsigned mono;
	const char *what;
} conf_role_info;

extern const conf_role_info conf_roles[CONF_ROLE_COUNT];

/* The role named name, or -1. */
int conf_role_find(const char *name);

typedef struct conf_theme {
	char name[64]; /* theme.name, else the file's stem */
	conf_style style[CONF_ROLE_COUNT];
	bool set[CONF_ROLE_COUNT]; /* named by the theme file */
} conf_theme;

/* The built-in theme: every role its table style, nothing marked set. */
void conf_theme_init(conf_theme *t);
/* Applies the roles in a loaded conf (top-level role keys, plus theme.name
 * and theme.description) over the built-in theme; unset roles take their
 * fallback role's style. Unknown keys and bad styles are ASSAY_EFORMAT with
 * the file and line. */
int conf_theme_from_conf(const conf *c, conf_theme *t, assay_error *err);
/* Parses theme text (for tests and fuzzing) into t. */
int conf_theme_load_string(const char *name, const char *text, size_t n, conf_theme *t,
			   assay_error *err);
/* Loads a theme: a path (containing '/' or ending in ".theme"), or a bare
 * name such as "light" looked up as themes_dir/NAME.theme. */
int conf_theme_load(const char *path_or_name, const char *themes_dir, conf_theme *t,
		    assay_error *err);
/* The style to draw role with on a terminal of ncolors colours (see
 * conf_color_fallback); for monochrome (ncolors < 8, or no_color) colours are
 * dropped and the role's monochrome attributes added. A foreground that the
 * fallback made equal to its background is replaced by black or white,
 * whichever contrasts with it. */
conf_style conf_theme_style(const conf_theme *t, enum conf_role role, int ncolors, bool no_color);

/* True when NO_COLOR is set to a non-empty value (https://no-color.org). */
bool conf_no_color(void);

#endif
