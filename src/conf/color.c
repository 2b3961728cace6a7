/* color.c — colours as data: names, xterm-256 indices and #rrggbb, the
 * reference palettes, and the fallback to 88, 16 and 8 colours. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_int.h"

/* xterm's default RGB for the 16 ANSI colours. Terminals differ here, which
 * is why #rrggbb maps only into 16..255. */
static const uint8_t ansi16[16][3] = {
    {0x00, 0x00, 0x00}, {0xcd, 0x00, 0x00}, {0x00, 0xcd, 0x00}, {0xcd, 0xcd, 0x00},
    {0x00, 0x00, 0xee}, {0xcd, 0x00, 0xcd}, {0x00, 0xcd, 0xcd}, {0xe5, 0xe5, 0xe5},
    {0x7f, 0x7f, 0x7f}, {0xff, 0x00, 0x00}, {0x00, 0xff, 0x00}, {0xff, 0xff, 0x00},
    {0x5c, 0x5c, 0xff}, {0xff, 0x00, 0xff}, {0x00, 0xff, 0xff}, {0xff, 0xff, 0xff},
};

static const uint8_t cube256[6] = {0, 95, 135, 175, 215, 255};
/* xterm's 88-colour palette (88colres): a 4x4x4 cube and 8 greys. */
static const uint8_t cube88[4] = {0, 139, 205, 255};
static const uint8_t grey88[8] = {46, 92, 115, 139, 162, 185, 208, 231};

static const char *const names[8] = {"black", "red",	 "green", "yellow",
				     "blue",  "magenta", "cyan",  "white"};

void conf_color_rgb(int color, uint8_t rgb[3])
{
	if (color < 0 || color > 255) {
		rgb[0] = rgb[1] = rgb[2] = 0;
	} else if (color < 16) {
		memcpy(rgb, ansi16[color], 3);
	} else if (color < 232) {
		int c = color - 16;
		rgb[0] = cube256[c / 36];
		rgb[1] = cube256[(c / 6) % 6];
		rgb[2] = cube256[c % 6];
	} else {
		rgb[0] = rgb[1] = rgb[2] = (uint8_t)(8 + 10 * (color - 232));
	}
}

/* The RGB of index i (16..87) of the 88-colour palette. */
static void rgb88(int i, uint8_t rgb[3])
{
	if (i < 80) {
		int c = i - 16;
		rgb[0] = cube88[c / 16];
		rgb[1] = cube88[(c / 4) % 4];
		rgb[2] = cube88[c % 4];
	} else {
		rgb[0] = rgb[1] = rgb[2] = grey88[i - 80];
	}
}

long conf_color_distance(const uint8_t a[3], const uint8_t b[3])
{
	long rmean = ((long)a[0] + b[0]) / 2;
	long dr = (long)a[0] - b[0], dg = (long)a[1] - b[1], db = (long)a[2] - b[2];
	return (((512 + rmean) * dr * dr) >> 8) + 4 * dg * dg + (((767 - rmean) * db * db) >> 8);
}

/* The index in [lo, hi) whose RGB (by get) is nearest to rgb; ties go to
 * the lower index. */
static int nearest(const uint8_t rgb[3], int lo, int hi, void (*get)(int, uint8_t[3]))
{
	int best = lo;
	long best_d = -1;
	for (int i = lo; i < hi; i++) {
		uint8_t p[3];
		get(i, p);
		long d = conf_color_distance(rgb, p);
		if (best_d < 0 || d < best_d) {
			best = i;
			best_d = d;
		}
	}
	return best;
}

int conf_color_from_rgb(uint8_t r, uint8_t g, uint8_t b)
{
	const uint8_t rgb[3] = {r, g, b};
	return nearest(rgb, 16, 256, conf_color_rgb);
}

int conf_color_fallback(int color, int ncolors)
{
	uint8_t rgb[3];
	if (color < 0 || color > 255 || ncolors < 8)
		return CONF_COLOR_DEFAULT;
	if (ncolors >= 256)
		return color;
	if (ncolors >= 16 && color < 16)
		return color;
	if (ncolors < 16 && color < 16)
		return color & 7;
	conf_color_rgb(color, rgb);
	if (ncolors >= 88)
		return nearest(rgb, 16, 88, rgb88);
	return nearest(rgb, 0, ncolors >= 16 ? 16 : 8, conf_color_rgb);
}

/* Case-insensitive comparison of s[0..n) with the word w. */
static bool word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

/* One of the 8 basic names, or -1. */
static int basic_name(const char *s, size_t n)
{
	for (int i = 0; i < 8; i++)
		if (word_is(s, n, names[i]))
			return i;
	return -1;
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* "#rrggbb" to the nearest xterm-256 index, or -1. */
static int parse_hex(const char *s, size_t n)
{
	uint8_t rgb[3];
	if (n != 7 || s[0] != '#')
		return -1;
	for (int i = 0; i < 3; i++) {
		int hi = hex_digit(s[1 + 2 * i]), lo = hex_digit(s[2 + 2 * i]);
		if (hi < 0 || lo < 0)
			return -1;
		rgb[i] = (uint8_t)(hi * 16 + lo);
	}
	return conf_color_from_rgb(rgb[0], rgb[1], rgb[2]);
}

/* "0".."255" to its value, or -1. */
static int parse_index(const char *s, size_t n)
{
	int v = 0;
	if (n == 0 || n > 3)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= 255 ? v : -1;
}

int conf_color_parse(const char *s, size_t n, int *out)
{
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	int v = -1;
	if (word_is(s, n, "default")) {
		*out = CONF_COLOR_DEFAULT;
		return ASSAY_OK;
	}
	if (word_is(s, n, "gray") || word_is(s, n, "grey")) {
		v = 8;
	} else if (n > 6 && strncasecmp(s, "bright", 6) == 0) {
		size_t skip = 6;
		if (s[skip] == '-')
			skip++;
		else
			while (skip < n && (s[skip] == ' ' || s[skip] == '\t'))
				skip++;
		int b = basic_name(s + skip, n - skip);
		v = b >= 0 ? b + 8 : -1;
	} else if (n > 0 && s[0] == '#') {
		v = parse_hex(s, n);
	} else if (n > 0 && s[0] >= '0' && s[0] <= '9') {
		v = parse_index(s, n);
	} else {
		v = basic_name(s, n);
	}
	if (v < 0)
		return ASSAY_EINVAL;
	*out = v;
	return ASSAY_OK;
}

/* Writes a colour as conf_color_parse reads it. */
static size_t format_color(int color, char *buf, size_t len)
{
	int n;
	if (color < 0)
		n = snprintf(buf, len, "default");
	else if (color < 8)
		n = snprintf(buf, len, "%s", names[color]);
	else if (color < 16)
		n = snprintf(buf, len, "bright-%s", names[color - 8]);
	else
		n = snprintf(buf, len, "%d", color);
	return n < 0 ? 0 : ASSAY_MIN((size_t)n, len ? len - 1 : 0);
}

static const struct {
	const char *name;
	unsigned bit;
} attr_names[] = {
    {"bold", CONF_ATTR_BOLD}, {"underline", CONF_ATTR_UNDERLINE}, {"reverse", CONF_ATTR_REVERSE},
    {"dim", CONF_ATTR_DIM},   {"italic", CONF_ATTR_ITALIC},
};

/* The attribute bit named s[0..n), or 0. */
static unsigned attr_bit(const char *s, size_t n)
{
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(attr_names); i++)
		if (word_is(s, n, attr_names[i].name))
			return attr_names[i].bit;
	return 0;
}

/* Trims blanks off both ends of s[*a..*b). */
static void trim(const char *s, size_t *a, size_t *b)
{
	while (*a < *b && (s[*a] == ' ' || s[*a] == '\t'))
		(*a)++;
	while (*b > *a && (s[*b - 1] == ' ' || s[*b - 1] == '\t'))
		(*b)--;
}

/* Parses one colour of a style, or explains why not. */
static int style_color(const char *s, size_t n, int *out, const char *where, char *why,
		       size_t whylen)
{
	char ex[64];
	if (n == 0) {
		snprintf(why, whylen, "expected a colour%s%s", where[0] ? " " : "", where);
		return ASSAY_EINVAL;
	}
	if (conf_color_parse(s, n, out) == ASSAY_OK)
		return ASSAY_OK;
	conf_excerpt(ex, sizeof ex, s, n);
	snprintf(why, whylen, "unknown colour \"%s\" (expected a colour name, 0-255 or #rrggbb)",
		 ex);
	return ASSAY_EINVAL;
}

/* Parses the colour part "FG", "FG on BG" or "on BG" of s[0..n). */
static int style_colors(const char *s, size_t n, conf_style *out, char *why, size_t whylen)
{
	size_t on = n;
	for (size_t i = 0; i + 2 <= n; i++) {
		bool start = i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t';
		bool end = i + 2 == n || s[i + 2] == ' ' || s[i + 2] == '\t';
		if (start && end && strncasecmp(s + i, "on", 2) == 0) {
			on = i;
			break;
		}
	}
	if (on == n)
		return style_color(s, n, &out->fg, "", why, whylen);
	size_t fa = 0, fb = on, ba = on + 2, bb = n;
	trim(s, &fa, &fb);
	trim(s, &ba, &bb);
	if (fb > fa && style_color(s + fa, fb - fa, &out->fg, "", why, whylen) != ASSAY_OK)
		return ASSAY_EINVAL;
	return style_color(s + ba, bb - ba, &out->bg, "after \"on\"", why, whylen);
}

int conf_style_parse(const char *spec, conf_style *out, char *why, size_t whylen)
{
	conf_style st = {CONF_COLOR_DEFAULT, CONF_COLOR_DEFAULT, 0};
	size_t n = strlen(spec), pos = 0;
	for (int item = 0; pos <= n; item++) {
		const char *comma = memchr(spec + pos, ',', n - pos);
		size_t a = pos, b = comma ? (size_t)(comma - spec) : n;
		pos = b + 1;
		trim(spec, &a, &b);
		unsigned bit = attr_bit(spec + a, b - a);
		char ex[64];
		if (bit) {
			st.attrs |= bit;
		} else if (item == 0) {
			if (style_colors(spec + a, b - a, &st, why, whylen) != ASSAY_OK)
				return ASSAY_EINVAL;
		} else if (a == b) {
			snprintf(why, whylen, "expected an attribute after \",\"");
			return ASSAY_EINVAL;
		} else {
			conf_excerpt(ex, sizeof ex, spec + a, b - a);
			snprintf(why, whylen,
				 "unknown attribute \"%s\" (expected bold, underline, reverse, dim "
				 "or italic)",
				 ex);
			return ASSAY_EINVAL;
		}
	}
	*out = st;
	return ASSAY_OK;
}

void conf_style_format(const conf_style *s, char *buf, size_t len)
{
	size_t o = 0;
	if (len == 0)
		return;
	buf[0] = '\0';
	o += format_color(s->fg, buf + o, len - o);
	if (s->bg != CONF_COLOR_DEFAULT && o + 5 < len) {
		memcpy(buf + o, " on ", 5);
		o += 4;
		o += format_color(s->bg, buf + o, len - o);
	}
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(attr_names); i++) {
		if (!(s->attrs & attr_names[i].bit))
			continue;
		int w = snprintf(buf + o, len - o, ", %s", attr_names[i].name);
		if (w < 0 || (size_t)w >= len - o)
			return;
		o += (size_t)w;
	}
}
