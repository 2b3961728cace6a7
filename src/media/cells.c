/* cells.c — pixels as a grid of character cells through libchafa: block
 * symbols with a foreground and background colour each (true colour, the
 * 240 fixed colours of a 256-colour terminal, or shading only for
 * NO_COLOR). A plain struct out; tui/ draws it as ordinary characters. */
#include <stdlib.h>
#include <string.h>

#include <chafa.h>

#include "assay/media.h"

void media_cells_fit(int w, int h, int max_cols, int max_rows, double font_ratio, int *cols,
		     int *rows)
{
	gint dw = ASSAY_MAX(1, max_cols), dh = ASSAY_MAX(1, max_rows);
	if (w > 0 && h > 0)
		chafa_calc_canvas_geometry(
		    w, h, &dw, &dh, (gfloat)(font_ratio > 0 ? font_ratio : 0.5), FALSE, FALSE);
	*cols = ASSAY_MAX(1, dw);
	*rows = ASSAY_MAX(1, dh);
}

static ChafaCanvas *make_canvas(int cols, int rows, media_colors colors)
{
	ChafaSymbolMap *map = chafa_symbol_map_new();
	ChafaCanvasConfig *cfg = chafa_canvas_config_new();
	ChafaSymbolTags tags = CHAFA_SYMBOL_TAG_SPACE | CHAFA_SYMBOL_TAG_BLOCK;
	if (colors == MEDIA_COLORS_NONE)
		tags |= CHAFA_SYMBOL_TAG_STIPPLE;
	chafa_symbol_map_add_by_tags(map, tags);
	chafa_symbol_map_remove_by_tags(map, CHAFA_SYMBOL_TAG_WIDE | CHAFA_SYMBOL_TAG_AMBIGUOUS);
	chafa_canvas_config_set_geometry(cfg, cols, rows);
	chafa_canvas_config_set_canvas_mode(
	    cfg, colors == MEDIA_COLORS_TRUE  ? CHAFA_CANVAS_MODE_TRUECOLOR
		 : colors == MEDIA_COLORS_256 ? CHAFA_CANVAS_MODE_INDEXED_240
					      : CHAFA_CANVAS_MODE_FGBG);
	chafa_canvas_config_set_symbol_map(cfg, map);
	ChafaCanvas *canvas = chafa_canvas_new(cfg);
	chafa_canvas_config_unref(cfg);
	chafa_symbol_map_unref(map);
	return canvas;
}

/* One code point as UTF-8 into sym (8 bytes); a non-printable one (chafa
 * only draws from the symbol map, but a cell is trusted nowhere) is a space. */
static void put_symbol(gunichar c, char sym[8])
{
	if (c < 0x20 || (c >= 0x7f && c < 0xa0) || !g_unichar_isprint(c))
		c = ' ';
	int n = g_unichar_to_utf8(c, sym);
	sym[n] = '\0';
}

static void read_cell(ChafaCanvas *canvas, int x, int y, media_colors colors, media_cell *cell)
{
	put_symbol(chafa_canvas_get_char_at(canvas, x, y), cell->sym);
	cell->fg = cell->bg = MEDIA_CELL_DEFAULT;
	cell->fg_index = cell->bg_index = -1;
	if (colors == MEDIA_COLORS_NONE)
		return;
	gint fg = -1, bg = -1;
	chafa_canvas_get_colors_at(canvas, x, y, &fg, &bg);
	cell->fg = fg < 0 ? MEDIA_CELL_DEFAULT : (uint32_t)fg & 0xFFFFFF;
	cell->bg = bg < 0 ? MEDIA_CELL_DEFAULT : (uint32_t)bg & 0xFFFFFF;
	if (colors != MEDIA_COLORS_256)
		return;
	chafa_canvas_get_raw_colors_at(canvas, x, y, &fg, &bg);
	cell->fg_index = (int16_t)(fg >= 0 && fg < 256 ? fg : -1);
	cell->bg_index = (int16_t)(bg >= 0 && bg < 256 ? bg : -1);
	if (cell->fg_index < 0)
		cell->fg = MEDIA_CELL_DEFAULT;
	if (cell->bg_index < 0)
		cell->bg = MEDIA_CELL_DEFAULT;
}

int media_cells_render(const media_frame *frame, int cols, int rows, media_colors colors,
		       media_cells *out, assay_error *err)
{
	memset(out, 0, sizeof *out);
	if (!frame || !frame->rgba || frame->w < 1 || frame->h < 1)
		return assay_fail(err, ASSAY_EINVAL, "no picture to draw");
	if (cols < 1 || rows < 1 || cols > 1000 || rows > 1000)
		return assay_fail(err, ASSAY_EINVAL,
				  "a grid of %dx%d cells: expected 1 to 1000 a side", cols, rows);
	out->cells = calloc((size_t)cols * rows, sizeof *out->cells);
	ChafaCanvas *canvas = out->cells ? make_canvas(cols, rows, colors) : NULL;
	if (!canvas) {
		media_cells_free(out);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	chafa_canvas_draw_all_pixels(canvas, CHAFA_PIXEL_RGBA8_UNASSOCIATED, frame->rgba, frame->w,
				     frame->h, frame->w * 4);
	out->w = cols;
	out->h = rows;
	out->colors = colors;
	for (int y = 0; y < rows; y++)
		for (int x = 0; x < cols; x++)
			read_cell(canvas, x, y, colors, &out->cells[(size_t)y * cols + x]);
	chafa_canvas_unref(canvas);
	return ASSAY_OK;
}

void media_cells_free(media_cells *c)
{
	if (!c)
		return;
	free(c->cells);
	memset(c, 0, sizeof *c);
}
