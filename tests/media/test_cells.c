/* test_cells.c — media_cells_render: pixels to a grid of symbols with
 * colours in true colour, in the 240 fixed colours of a 256-colour
 * terminal, and in shading only (NO_COLOR); the fitted grid keeps the
 * picture's aspect. */
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "unit.h"

/* A w x h frame, left part (up to split, a fraction) in colour a and the
 * rest in b. Caller frees rgba. */
static media_frame frame(int w, int h, double split, uint32_t a, uint32_t b)
{
	media_frame f = {.w = w, .h = h, .rgba = malloc((size_t)w * h * 4)};
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint32_t c = x < split * w ? a : b;
			uint8_t *p = f.rgba + ((size_t)y * w + x) * 4;
			p[0] = (uint8_t)(c >> 16);
			p[1] = (uint8_t)(c >> 8);
			p[2] = (uint8_t)c;
			p[3] = 255;
		}
	return f;
}

/* The colour a cell shows: its background for a space, else its
 * foreground (a solid area is drawn as one or the other). */
static uint32_t shown(const media_cell *c)
{
	return strcmp(c->sym, " ") == 0 ? c->bg : c->fg;
}

static int render(const media_frame *f, int cols, int rows, media_colors mode, media_cells *out)
{
	assay_error err = {0};
	int rc = media_cells_render(f, cols, rows, mode, out, &err);
	if (rc != ASSAY_OK)
		printf("# %s\n", err.msg);
	return rc;
}

TEST(true_colour_halves)
{
	media_frame f = frame(64, 32, 0.5, 0xFF0000, 0x0000FF);
	media_cells c;
	CHECK_INT(render(&f, 8, 4, MEDIA_COLORS_TRUE, &c), ASSAY_OK);
	CHECK_INT(c.w, 8);
	CHECK_INT(c.h, 4);
	for (int y = 0; y < 4; y++)
		for (int x = 0; x < 8; x++) {
			const media_cell *cell = &c.cells[y * 8 + x];
			uint32_t want = x < 4 ? 0xFF0000 : 0x0000FF;
			if (!fx_near(shown(cell), want, 16))
				printf("# cell %d,%d '%s' fg %06x bg %06x\n", x, y, cell->sym,
				       cell->fg, cell->bg);
			CHECK(fx_near(shown(cell), want, 16));
			CHECK_INT(cell->fg_index, -1);
		}
	media_cells_free(&c);
	free(f.rgba);
}

TEST(palette_240_indexes)
{
	media_frame f = frame(32, 32, 1.0, 0xFF0000, 0);
	media_cells c;
	CHECK_INT(render(&f, 4, 2, MEDIA_COLORS_256, &c), ASSAY_OK);
	for (int i = 0; i < 8; i++) {
		const media_cell *cell = &c.cells[i];
		int idx = strcmp(cell->sym, " ") == 0 ? cell->bg_index : cell->fg_index;
		CHECK_INT(idx, 196); /* xterm's 255,0,0 */
		CHECK(fx_near(shown(cell), 0xFF0000, 8));
	}
	media_cells_free(&c);
	free(f.rgba);
}

TEST(no_color_is_shading_only)
{
	media_frame f = frame(64, 32, 0.5, 0x000000, 0xFFFFFF);
	media_cells c;
	CHECK_INT(render(&f, 8, 4, MEDIA_COLORS_NONE, &c), ASSAY_OK);
	for (int i = 0; i < 32; i++) {
		CHECK(c.cells[i].fg == MEDIA_CELL_DEFAULT && c.cells[i].bg == MEDIA_CELL_DEFAULT);
		CHECK_INT(c.cells[i].fg_index, -1);
	}
	/* dark and light halves are drawn with different symbols */
	CHECK(strcmp(c.cells[0].sym, c.cells[7].sym) != 0);
	CHECK_STR(c.cells[0].sym, c.cells[8].sym);
	media_cells_free(&c);
	free(f.rgba);
}

TEST(symbols_are_single_narrow_printables)
{
	/* a busy picture: stripes of many colours */
	media_frame f = {.w = 97, .h = 61, .rgba = malloc(97 * 61 * 4)};
	for (int i = 0; i < 97 * 61; i++) {
		f.rgba[4 * i] = (uint8_t)(i * 37);
		f.rgba[4 * i + 1] = (uint8_t)(i * 11);
		f.rgba[4 * i + 2] = (uint8_t)(i / 7);
		f.rgba[4 * i + 3] = (uint8_t)(i % 5 ? 255 : 0);
	}
	for (int mode = MEDIA_COLORS_NONE; mode <= MEDIA_COLORS_TRUE; mode++) {
		media_cells c;
		CHECK_INT(render(&f, 23, 9, (media_colors)mode, &c), ASSAY_OK);
		for (int i = 0; i < 23 * 9; i++) {
			const unsigned char *s = (const unsigned char *)c.cells[i].sym;
			size_t n = strlen(c.cells[i].sym);
			CHECK(n >= 1 && n <= 3); /* ASCII or the block elements (U+2580..) */
			CHECK(s[0] >= 0x20 && s[0] != 0x7f);
			if (n == 3)
				CHECK(s[0] == 0xE2);
		}
		media_cells_free(&c);
	}
	free(f.rgba);
}

TEST(fit_keeps_aspect)
{
	int cols, rows;
	media_cells_fit(640, 480, 80, 24, 0.5, &cols, &rows);
	CHECK_INT(rows, 24);
	CHECK_NEAR(cols, 64, 1);
	media_cells_fit(1920, 200, 80, 24, 0, &cols, &rows);
	CHECK_INT(cols, 80);
	CHECK(rows <= 5 && rows >= 3);
	media_cells_fit(0, 0, 10, 5, 0.5, &cols, &rows);
	CHECK(cols >= 1 && rows >= 1);
}

TEST(bad_arguments)
{
	media_frame f = frame(4, 4, 1.0, 0xFF0000, 0);
	media_cells c;
	assay_error err = {0};
	CHECK_INT(media_cells_render(&f, 0, 4, MEDIA_COLORS_TRUE, &c, &err), ASSAY_EINVAL);
	CHECK_INT(media_cells_render(&f, 4, 5000, MEDIA_COLORS_TRUE, &c, &err), ASSAY_EINVAL);
	CHECK_INT(media_cells_render(NULL, 4, 4, MEDIA_COLORS_TRUE, &c, &err), ASSAY_EINVAL);
	CHECK(c.cells == NULL);
	free(f.rgba);
}

UNIT_MAIN(UNIT_CASE(true_colour_halves), UNIT_CASE(palette_240_indexes),
	  UNIT_CASE(no_color_is_shading_only), UNIT_CASE(symbols_are_single_narrow_printables),
	  UNIT_CASE(fit_keeps_aspect), UNIT_CASE(bad_arguments))
