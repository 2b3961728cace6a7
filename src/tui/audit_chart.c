/* audit_chart.c — the geometry of the dashboard's charts, kept pure so it
 * is unit-tested without a terminal: which cells of a rate bar are bar,
 * uncertain or whisker, sparkline levels, glyphs (Unicode blocks or ASCII)
 * and counts with thousands separators. */
#include <math.h>
#include <stdio.h>

#include "audit_int.h"

/* The cell index a fraction of the width reaches, rounded, within [0, w]. */
static int reach(double f, int width)
{
	if (isnan(f) || f <= 0)
		return 0;
	if (f >= 1)
		return width;
	return (int)lround(f * width);
}

void tui_bar_cells(double rate, double lo, double hi, int width, unsigned char *cells)
{
	for (int i = 0; i < width; i++)
		cells[i] = TUI_BAR_EMPTY;
	if (isnan(rate) || width <= 0)
		return;
	int r = reach(rate, width), l = reach(lo, width), h = reach(hi, width);
	if (l > r)
		l = r;
	if (h < r)
		h = r;
	for (int i = 0; i < r; i++)
		cells[i] = i < l ? TUI_BAR_FULL : TUI_BAR_UNSURE;
	for (int i = r; i < h; i++)
		cells[i] = i == h - 1 ? TUI_BAR_CAP : TUI_BAR_WHISKER;
}

int tui_spark_level(double v, double max)
{
	if (isnan(v))
		return -1;
	if (v <= 0 || !(max > 0))
		return 0;
	if (v >= max)
		return 7;
	int l = (int)ceil(v / max * 8) - 1;
	return l < 0 ? 0 : l > 7 ? 7 : l;
}

const char *tui_bar_glyph(int cell, bool utf8)
{
	static const char *const u[] = {" ", "\xe2\x96\x88", "\xe2\x96\x92", "\xe2\x94\x80",
					"\xe2\x94\xa4"}; /* █ ▒ ─ ┤ */
	static const char *const a[] = {" ", "#", "=", "-", "|"};
	if (cell < 0 || cell > TUI_BAR_CAP)
		cell = TUI_BAR_EMPTY;
	return utf8 ? u[cell] : a[cell];
}

const char *tui_spark_glyph(int level, bool utf8)
{
	static const char *const u[] = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
					"\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
					"\xe2\x96\x87", "\xe2\x96\x88"}; /* ▁▂▃▄▅▆▇█ */
	static const char a[][2] = {"_", ".", ",", "-", "=", "+", "*", "#"};
	if (level < 0 || level > 7)
		return " ";
	return utf8 ? u[level] : a[level];
}

const char *tui_count(uint64_t n, char *buf, size_t size)
{
	char digits[32];
	int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
	size_t o = 0;
	for (int i = 0; i < len && o + 1 < size; i++) {
		if (i && (len - i) % 3 == 0 && o + 2 < size)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	if (size)
		buf[o < size ? o : size - 1] = '\0';
	return buf;
}
