/* test_color.c — colour names, indices and #rrggbb, the palettes, the
 * 256 -> 88 -> 16 -> 8 -> monochrome fallback, and style specs. */
#include "assay/conf.h"
#include "unit.h"

static int color(const char *s)
{
	int v = -99;
	if (conf_color_parse(s, strlen(s), &v) != 0)
		return -99;
	return v;
}

TEST(test_palette)
{
	uint8_t rgb[3];
	conf_color_rgb(1, rgb);
	CHECK(rgb[0] == 0xcd && rgb[1] == 0 && rgb[2] == 0);
	conf_color_rgb(15, rgb);
	CHECK(rgb[0] == 255 && rgb[1] == 255 && rgb[2] == 255);
	conf_color_rgb(16, rgb);
	CHECK(rgb[0] == 0 && rgb[1] == 0 && rgb[2] == 0);
	conf_color_rgb(67, rgb);
	CHECK(rgb[0] == 95 && rgb[1] == 135 && rgb[2] == 175);
	conf_color_rgb(231, rgb);
	CHECK(rgb[0] == 255 && rgb[1] == 255 && rgb[2] == 255);
	conf_color_rgb(232, rgb);
	CHECK(rgb[0] == 8 && rgb[1] == 8 && rgb[2] == 8);
	conf_color_rgb(255, rgb);
	CHECK(rgb[0] == 238 && rgb[1] == 238 && rgb[2] == 238);
	conf_color_rgb(-1, rgb);
	CHECK(rgb[0] == 0 && rgb[1] == 0 && rgb[2] == 0);
}

TEST(test_distance)
{
	const uint8_t a[3] = {10, 20, 30}, b[3] = {200, 20, 30}, c[3] = {10, 210, 30};
	CHECK_INT(conf_color_distance(a, a), 0);
	CHECK(conf_color_distance(a, b) > 0);
	/* Green differences weigh more than red ones of the same size. */
	CHECK(conf_color_distance(a, c) > conf_color_distance(a, b));
}

TEST(test_from_rgb)
{
	/* Every index of the cube and the grey ramp maps back to itself. */
	for (int i = 16; i < 256; i++) {
		uint8_t rgb[3];
		conf_color_rgb(i, rgb);
		int back = conf_color_from_rgb(rgb[0], rgb[1], rgb[2]);
		if (back != i)
			printf("#   index %d came back as %d\n", i, back);
		CHECK(back == i);
	}
	CHECK_INT(conf_color_from_rgb(0xff, 0, 0), 196);
	CHECK_INT(conf_color_from_rgb(0x80, 0x80, 0x80), 244);
	CHECK_INT(conf_color_from_rgb(0x1e, 0x1e, 0x2e), 235);
	CHECK_INT(conf_color_from_rgb(0xfe, 0x01, 0x02), 196);
	CHECK_INT(conf_color_from_rgb(3, 3, 3), 16);
	CHECK_INT(conf_color_from_rgb(6, 6, 6), 232);
}

TEST(test_parse_forms)
{
	CHECK_INT(color("default"), CONF_COLOR_DEFAULT);
	CHECK_INT(color("Default"), CONF_COLOR_DEFAULT);
	const char *names[] = {"black", "red",	   "green", "yellow",
			       "blue",	"magenta", "cyan",  "white"};
	for (int i = 0; i < 8; i++) {
		char buf[32];
		CHECK_INT(color(names[i]), i);
		snprintf(buf, sizeof buf, "bright-%s", names[i]);
		CHECK_INT(color(buf), i + 8);
		snprintf(buf, sizeof buf, "bright%s", names[i]);
		CHECK_INT(color(buf), i + 8);
		snprintf(buf, sizeof buf, "bright  %s", names[i]);
		CHECK_INT(color(buf), i + 8);
	}
	CHECK_INT(color("RED"), 1);
	CHECK_INT(color(" blue "), 4);
	CHECK_INT(color("gray"), 8);
	CHECK_INT(color("grey"), 8);
	CHECK_INT(color("0"), 0);
	CHECK_INT(color("7"), 7);
	CHECK_INT(color("252"), 252);
	CHECK_INT(color("255"), 255);
	CHECK_INT(color("007"), 7);
	CHECK_INT(color("#ff0000"), 196);
	CHECK_INT(color("#FF0000"), 196);
	CHECK_INT(color("#1e1e2e"), 235);
	const char *bad[] = {
	    "",		  "256",     "-1",     "#12345",      "#1234567",   "#gg0000", "pink",
	    "brightpink", "bright-", "bright", "bright--red", "on",	    "redd",    "0x10",
	    "1 2",	  "1000",    "#",      "red blue",    "bright-gray"};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(bad); i++) {
		if (color(bad[i]) != -99)
			printf("#   \"%s\" parsed\n", bad[i]);
		CHECK(color(bad[i]) == -99);
	}
}

TEST(test_fallback_256_and_88)
{
	for (int c = -1; c < 256; c++)
		CHECK_INT(conf_color_fallback(c, 256), c);
	CHECK_INT(conf_color_fallback(300, 256), CONF_COLOR_DEFAULT);
	CHECK_INT(conf_color_fallback(9, 88), 9);
	CHECK_INT(conf_color_fallback(196, 88), 64);
	CHECK_INT(conf_color_fallback(231, 88), 79);
	CHECK_INT(conf_color_fallback(16, 88), 16);
	/* (128,128,128): the cube's (139,139,139) and grey 139 tie; lower wins. */
	CHECK_INT(conf_color_fallback(244, 88), 37);
	CHECK_INT(conf_color_fallback(236, 88), 80);
	for (int c = 0; c < 256; c++) {
		int f = conf_color_fallback(c, 88);
		CHECK(f >= 0 && f < 88);
	}
}

TEST(test_fallback_16_8_mono)
{
	CHECK_INT(conf_color_fallback(9, 16), 9);
	CHECK_INT(conf_color_fallback(196, 16), 9);
	CHECK_INT(conf_color_fallback(46, 16), 10);
	CHECK_INT(conf_color_fallback(21, 16), 4);
	CHECK_INT(conf_color_fallback(231, 16), 15);
	CHECK_INT(conf_color_fallback(16, 16), 0);
	CHECK_INT(conf_color_fallback(244, 16), 8);
	CHECK_INT(conf_color_fallback(236, 16), 0);
	CHECK_INT(conf_color_fallback(9, 8), 1);
	CHECK_INT(conf_color_fallback(15, 8), 7);
	CHECK_INT(conf_color_fallback(8, 8), 0);
	CHECK_INT(conf_color_fallback(196, 8), 1);
	CHECK_INT(conf_color_fallback(231, 8), 7);
	CHECK_INT(conf_color_fallback(226, 8), 3);
	CHECK_INT(conf_color_fallback(252, 8), 7);
	CHECK_INT(conf_color_fallback(236, 8), 0);
	CHECK_INT(conf_color_fallback(-1, 8), CONF_COLOR_DEFAULT);
	for (int c = 0; c < 256; c++) {
		int f16 = conf_color_fallback(c, 16), f8 = conf_color_fallback(c, 8);
		CHECK(f16 >= 0 && f16 < 16);
		CHECK(f8 >= 0 && f8 < 8);
		CHECK_INT(conf_color_fallback(c, 2), CONF_COLOR_DEFAULT);
		CHECK_INT(conf_color_fallback(c, 0), CONF_COLOR_DEFAULT);
	}
}

/* The message a spec fails with, or its formatted style. */
static const char *style(const char *spec)
{
	static char out[256];
	conf_style s;
	if (conf_style_parse(spec, &s, out, sizeof out) == 0)
		conf_style_format(&s, out, sizeof out);
	return out;
}

TEST(test_style_parse)
{
	CHECK_STR(style("red on default, bold"), "red, bold");
	CHECK_STR(style("#1e1e2e on 252"), "235 on 252");
	CHECK_STR(style("on blue"), "default on blue");
	CHECK_STR(style("bold"), "default, bold");
	CHECK_STR(style("reverse, bold"), "default, bold, reverse");
	CHECK_STR(style("bright red ON bright-blue,underline , italic,dim"),
		  "bright-red on bright-blue, underline, dim, italic");
	CHECK_STR(style("  green  "), "green");
	CHECK_STR(style("default"), "default");
	CHECK_STR(style("redd"),
		  "unknown colour \"redd\" (expected a colour name, 0-255 or #rrggbb)");
	CHECK_STR(style("red on"), "expected a colour after \"on\"");
	CHECK_STR(style("on"), "expected a colour after \"on\"");
	CHECK_STR(style(""), "expected a colour");
	CHECK_STR(style("red on blue on green"),
		  "unknown colour \"blue on green\" (expected a colour name, 0-255 or #rrggbb)");
	CHECK_STR(style("red, bolt"), "unknown attribute \"bolt\" (expected bold, underline, "
				      "reverse, dim or italic)");
	CHECK_STR(style("red,"), "expected an attribute after \",\"");
	CHECK_STR(style("red, blue"), "unknown attribute \"blue\" (expected bold, underline, "
				      "reverse, dim or italic)");
}

TEST(test_style_round_trip)
{
	/* Every colour and attribute set formats to a spec that parses back. */
	for (int fg = -1; fg < 256; fg++) {
		conf_style s = {fg, 255 - (fg + 1), (unsigned)(fg + 1) & 31}, back;
		char buf[128], why[128];
		conf_style_format(&s, buf, sizeof buf);
		CHECK_INT(conf_style_parse(buf, &back, why, sizeof why), 0);
		CHECK(back.fg == s.fg && back.bg == s.bg && back.attrs == s.attrs);
	}
}

UNIT_MAIN(UNIT_CASE(test_palette), UNIT_CASE(test_distance), UNIT_CASE(test_from_rgb),
	  UNIT_CASE(test_parse_forms), UNIT_CASE(test_fallback_256_and_88),
	  UNIT_CASE(test_fallback_16_8_mono), UNIT_CASE(test_style_parse),
	  UNIT_CASE(test_style_round_trip))
