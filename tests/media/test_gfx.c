/* test_gfx.c — the sixel and kitty encoders against pictures small enough
 * to work out by hand: palette registers, bands, runs, transparency,
 * scaling, base64 chunks; and that nothing but pixels and numbers goes in. */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "assay/media.h"

/* A w x h frame from a string of pixel letters: r red, k black, b blue,
 * w white, . transparent. Caller frees rgba. */
static media_frame pic(int w, int h, const char *px)
{
	media_frame f = {.w = w, .h = h, .rgba = calloc((size_t)w * h, 4)};
	for (int i = 0; i < w * h; i++) {
		uint8_t *p = f.rgba + (size_t)i * 4;
		uint32_t c = px[i] == 'r' ? 0xFF0000 : px[i] == 'b' ? 0x0000FF : px[i] == 'w' ? 0xFFFFFF : 0;
		p[0] = (uint8_t)(c >> 16);
		p[1] = (uint8_t)(c >> 8);
		p[2] = (uint8_t)c;
		p[3] = px[i] == '.' ? 0 : 255;
	}
	return f;
}

static void sixel_is(const media_frame *f, int w, int h, const char *want)
{
	abuf out = {0};
	assay_error e = {0};
	CHECK_INT(media_sixel_encode(f, w, h, &out, &e), ASSAY_OK);
	CHECK_STR(out.data, want);
	abuf_free(&out);
}

TEST(sixel_two_by_two_by_hand)
{
	/* red black / black red: black is register 0, red 36*5 = 180; one
	 * band of two rows: black is row 1 then row 0 (A = 63+2, @ = 63+1) */
	media_frame f = pic(2, 2, "rkkr");
	sixel_is(&f, 2, 2, "\033P0;1;0q\"1;1;2;2#0;2;0;0;0#180;2;100;0;0#0A@$#180@A\033\\");
	free(f.rgba);
}

TEST(sixel_runs_bands_and_transparency)
{
	/* 5 x 7 blue (register 5), the top right pixel transparent: band one is
	 * four full columns (~ = 63+63) and one without its top row (} = 63+62),
	 * band two one row (@) five times */
	char px[36];
	memset(px, 'b', 35);
	px[35] = '\0';
	px[4] = '.';
	media_frame f = pic(5, 7, px);
	sixel_is(&f, 5, 7, "\033P0;1;0q\"1;1;5;7#5;2;0;0;100#5!4~}-#5!5@\033\\");
	free(f.rgba);
}

TEST(sixel_scales_by_nearest_pixel)
{
	media_frame f = pic(4, 4, "rrkk"
				  "rrkk"
				  "kkrr"
				  "kkrr");
	sixel_is(&f, 2, 2, "\033P0;1;0q\"1;1;2;2#0;2;0;0;0#180;2;100;0;0#0A@$#180@A\033\\");
	free(f.rgba);
}

TEST(sixel_carries_only_pixels_and_numbers)
{
	media_frame f = {.w = 37, .h = 23, .rgba = malloc(37 * 23 * 4)};
	for (int i = 0; i < 37 * 23 * 4; i++)
		f.rgba[i] = (uint8_t)(i * 2654435761u >> 13);
	abuf out = {0};
	assay_error e = {0};
	CHECK_INT(media_sixel_encode(&f, 37, 23, &out, &e), ASSAY_OK);
	CHECK(out.len > 12 && memcmp(out.data, "\033P0;1;0q", 8) == 0);
	CHECK(memcmp(out.data + out.len - 2, "\033\\", 2) == 0);
	for (size_t i = 8; i + 2 < out.len; i++) {
		char c = out.data[i];
		bool ok = (c >= '0' && c <= '9') || strchr(";#!\"$-", c) || (c >= '?' && c <= '~');
		if (!ok)
			printf("# byte %zu: %#x\n", i, (unsigned)(unsigned char)c);
		CHECK(ok);
		if (!ok)
			break;
	}
	abuf_free(&out);
	free(f.rgba);
}

TEST(kitty_one_pixel_by_hand_and_delete)
{
	media_frame f = pic(1, 1, "r");
	abuf out = {0};
	assay_error e = {0};
	/* FF 00 00 FF in base64 */
	CHECK_INT(media_kitty_encode(&f, 1, 1, 7, 2, 1, &out, &e), ASSAY_OK);
	CHECK_STR(out.data, "\033_Ga=T,f=32,s=1,v=1,i=7,c=2,r=1,q=2,C=1,m=0;/wAA/w==\033\\");
	abuf_reset(&out);
	media_kitty_delete(7, &out);
	CHECK_STR(out.data, "\033_Ga=d,d=I,i=7,q=2\033\\");
	abuf_free(&out);
	free(f.rgba);
}

TEST(kitty_chunks_of_4096)
{
	/* 40 x 30 x 4 = 4800 bytes: 6400 in base64, a chunk of 4096 then 2304 */
	char px[1201];
	memset(px, 'w', 1200);
	px[1200] = '\0';
	media_frame f = pic(40, 30, px);
	abuf out = {0};
	assay_error e = {0};
	CHECK_INT(media_kitty_encode(&f, 40, 30, 9, 10, 5, &out, &e), ASSAY_OK);
	const char *head = "\033_Ga=T,f=32,s=40,v=30,i=9,c=10,r=5,q=2,C=1,m=1;";
	CHECK(strncmp(out.data, head, strlen(head)) == 0);
	const char *second = out.data + strlen(head) + 4096;
	CHECK(strncmp(second, "\033\\\033_Gm=0;", 9) == 0);
	CHECK_INT(out.len, strlen(head) + 4096 + 2 + 7 + 2304 + 2);
	CHECK(strncmp(out.data + strlen(head), "////", 4) == 0);
	abuf_free(&out);
	free(f.rgba);
}

TEST(fit_keeps_the_aspect_and_never_grows)
{
	media_frame f = {.w = 320, .h = 240};
	int w, h;
	media_gfx_fit(&f, 100, 100, &w, &h);
	CHECK_INT(w, 100);
	CHECK_INT(h, 75);
	media_gfx_fit(&f, 1000, 120, &w, &h);
	CHECK_INT(w, 160);
	CHECK_INT(h, 120);
	media_gfx_fit(&f, 1000, 1000, &w, &h);
	CHECK_INT(w, 320);
	CHECK_INT(h, 240);
}

UNIT_MAIN(UNIT_CASE(sixel_two_by_two_by_hand), UNIT_CASE(sixel_runs_bands_and_transparency),
	  UNIT_CASE(sixel_scales_by_nearest_pixel), UNIT_CASE(sixel_carries_only_pixels_and_numbers),
	  UNIT_CASE(kitty_one_pixel_by_hand_and_delete), UNIT_CASE(kitty_chunks_of_4096),
	  UNIT_CASE(fit_keeps_the_aspect_and_never_grows))
