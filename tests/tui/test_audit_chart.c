/* test_audit_chart.c — tests for src/tui/audit_chart.c: rate bars with
 * their whiskers at the edges, sparkline levels, glyphs and counts. */
#include <math.h>
#include <string.h>

#include "../../src/tui/audit_int.h"
#include "unit.h"

/* The bar as a string: '#' full, '=' unsure, '-' whisker, '|' cap, ' '. */
static const char *bar(double rate, double lo, double hi, int width)
{
	static char s[128];
	unsigned char cells[128];
	tui_bar_cells(rate, lo, hi, width, cells);
	for (int i = 0; i < width; i++)
		s[i] = tui_bar_glyph(cells[i], false)[0];
	s[width] = '\0';
	return s;
}

TEST(bar_with_interval_on_both_sides)
{
	CHECK_STR(bar(0.5, 0.3, 0.7, 10), "###==-|   ");
	CHECK_STR(bar(0.25, 0.2, 0.3, 20), "####=|              ");
}

TEST(bar_edges)
{
	/* nothing known: no bar, no whisker */
	CHECK_STR(bar(NAN, 0, 1, 8), "        ");
	/* k = 0: no bar, a whisker from 0 */
	CHECK_STR(bar(0, 0, 0.5, 8), "---|    ");
	/* k = n: the full bar, unsure from lo, no whisker beyond */
	CHECK_STR(bar(1, 0.5, 1, 8), "####====");
	/* an interval narrower than a cell: the bar alone */
	CHECK_STR(bar(0.5, 0.49, 0.51, 8), "####    ");
	/* out of range values are clamped, and an inverted interval is mended */
	CHECK_STR(bar(1.5, 2, -1, 4), "####");
	CHECK_STR(bar(0.5, 0.8, 0.2, 4), "##  ");
	/* width 0 and 1 */
	CHECK_STR(bar(0.5, 0, 1, 0), "");
	CHECK_STR(bar(0.4, 0.1, 0.9, 1), "|");
	CHECK_STR(bar(0.6, 0.1, 0.9, 1), "=");
}

TEST(rounding_to_the_nearest_cell)
{
	/* 0.04 of 10 cells is 0.4: no cell; 0.06 is 0.6: one cell */
	CHECK_STR(bar(0.04, 0.04, 0.04, 10), "          ");
	CHECK_STR(bar(0.06, 0.06, 0.06, 10), "#         ");
}

TEST(spark_levels)
{
	CHECK_INT(tui_spark_level(NAN, 10), -1);
	CHECK_INT(tui_spark_level(0, 10), 0);
	CHECK_INT(tui_spark_level(-3, 10), 0);
	CHECK_INT(tui_spark_level(1, 10), 0);	 /* ceil(0.8) - 1 */
	CHECK_INT(tui_spark_level(1.26, 10), 1); /* ceil(1.008) - 1 */
	CHECK_INT(tui_spark_level(5, 10), 3);	 /* ceil(4) - 1 */
	CHECK_INT(tui_spark_level(9.99, 10), 7);
	CHECK_INT(tui_spark_level(10, 10), 7);
	CHECK_INT(tui_spark_level(11, 10), 7);
	CHECK_INT(tui_spark_level(5, 0), 0); /* no scale */
	CHECK_INT(tui_spark_level(5, NAN), 0);
}

TEST(glyphs_utf8_and_ascii)
{
	CHECK_STR(tui_spark_glyph(0, true), "\xe2\x96\x81");
	CHECK_STR(tui_spark_glyph(7, true), "\xe2\x96\x88");
	CHECK_STR(tui_spark_glyph(0, false), "_");
	CHECK_STR(tui_spark_glyph(7, false), "#");
	CHECK_STR(tui_spark_glyph(-1, true), " ");
	CHECK_STR(tui_spark_glyph(8, false), " ");
	CHECK_STR(tui_bar_glyph(TUI_BAR_FULL, true), "\xe2\x96\x88");
	CHECK_STR(tui_bar_glyph(TUI_BAR_CAP, false), "|");
	CHECK_STR(tui_bar_glyph(99, true), " ");
	/* every ASCII glyph is one printable byte */
	for (int i = 0; i < 8; i++) {
		const char *g = tui_spark_glyph(i, false);
		CHECK(strlen(g) == 1 && g[0] > 0x20 && g[0] < 0x7f);
	}
}

TEST(counts_with_separators)
{
	char b[32];
	CHECK_STR(tui_count(0, b, sizeof b), "0");
	CHECK_STR(tui_count(999, b, sizeof b), "999");
	CHECK_STR(tui_count(1000, b, sizeof b), "1,000");
	CHECK_STR(tui_count(1234567, b, sizeof b), "1,234,567");
	CHECK_STR(tui_count(18446744073709551615ull, b, sizeof b), "18,446,744,073,709,551,615");
	/* a small buffer is cut, never overrun */
	char s[4];
	CHECK_STR(tui_count(123456, s, sizeof s), "123");
}

UNIT_MAIN(UNIT_CASE(bar_with_interval_on_both_sides), UNIT_CASE(bar_edges),
	  UNIT_CASE(rounding_to_the_nearest_cell), UNIT_CASE(spark_levels),
	  UNIT_CASE(glyphs_utf8_and_ascii), UNIT_CASE(counts_with_separators))
