/* gfx.c — a decoded frame as a terminal's own picture: a sixel image (DCS,
 * a fixed 6x6x6 palette, no dithering) or a kitty graphics transmission
 * (APC, raw RGBA in base64 chunks). Only pixels and numbers go into these
 * sequences: nothing of a sample, its name or its path. */
#include <stdlib.h>
#include <string.h>

#include "assay/media.h"

/* The frame's pixel (x, y) of a w x h picture scaled from it (nearest). */
static const uint8_t *pixel(const media_frame *f, int w, int h, int x, int y)
{
	int sx = (int)((int64_t)x * f->w / w), sy = (int)((int64_t)y * f->h / h);
	return f->rgba + ((size_t)sy * f->w + sx) * 4;
}

void media_gfx_fit(const media_frame *f, int max_w, int max_h, int *w, int *h)
{
	*w = f->w;
	*h = f->h;
	if (*w > max_w) {
		*h = (int)((int64_t)*h * max_w / *w);
		*w = max_w;
	}
	if (*h > max_h) {
		*w = (int)((int64_t)*w * max_h / *h);
		*h = max_h;
	}
	*w = ASSAY_MAX(1, *w);
	*h = ASSAY_MAX(1, *h);
}

/* The 6x6x6 palette register of a pixel, or -1 for a transparent one. */
static int reg(const uint8_t *p)
{
	if (p[3] < 128)
		return -1;
	return 36 * ((p[0] * 5 + 127) / 255) + 6 * ((p[1] * 5 + 127) / 255) + (p[2] * 5 + 127) / 255;
}

/* One colour's row of a six-pixel band: a character per column (63 + the
 * bits of the pixels in that colour), runs of 4 or more as !N, the empty
 * end left out. */
static void sixel_row(abuf *out, const int *band, int w, int rows, int c)
{
	int end = w;
	while (end > 0) {
		int bits = 0;
		for (int k = 0; k < rows; k++)
			bits |= (band[k * w + end - 1] == c) << k;
		if (bits)
			break;
		end--;
	}
	for (int x = 0; x < end;) {
		int bits = 0;
		for (int k = 0; k < rows; k++)
			bits |= (band[k * w + x] == c) << k;
		int run = 1;
		for (; x + run < end; run++) {
			int b2 = 0;
			for (int k = 0; k < rows; k++)
				b2 |= (band[k * w + x + run] == c) << k;
			if (b2 != bits)
				break;
		}
		if (run >= 4)
			abuf_printf(out, "!%d%c", run, 63 + bits);
		else
			for (int i = 0; i < run; i++)
				abuf_putc(out, (char)(63 + bits));
		x += run;
	}
}

/* The registers used, each defined once (#N;2;R;G;B in percent). */
static void sixel_palette(abuf *out, const bool used[216])
{
	static const int pct[6] = {0, 20, 40, 60, 80, 100};
	for (int c = 0; c < 216; c++)
		if (used[c])
			abuf_printf(out, "#%d;2;%d;%d;%d", c, pct[c / 36], pct[c / 6 % 6], pct[c % 6]);
}

int media_sixel_encode(const media_frame *f, int w, int h, abuf *out, assay_error *err)
{
	if (!f || !f->rgba || f->w < 1 || f->h < 1 || w < 1 || h < 1 || w > 8192 || h > 8192)
		return assay_fail(err, ASSAY_EINVAL, "no picture to draw as sixel");
	int *regs = malloc((size_t)w * h * sizeof *regs);
	if (!regs)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	bool used[216] = {0};
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			int r = reg(pixel(f, w, h, x, y));
			regs[(size_t)y * w + x] = r;
			if (r >= 0)
				used[r] = true;
		}
	/* P2 = 1: pixels left unpainted keep what is under them */
	abuf_printf(out, "\033P0;1;0q\"1;1;%d;%d", w, h);
	sixel_palette(out, used);
	for (int y0 = 0; y0 < h; y0 += 6) {
		int rows = ASSAY_MIN(6, h - y0);
		const int *band = regs + (size_t)y0 * w;
		bool first = true, here[216] = {0};
		for (int i = 0; i < rows * w; i++)
			if (band[i] >= 0)
				here[band[i]] = true;
		for (int c = 0; c < 216; c++) {
			if (!here[c])
				continue;
			abuf_printf(out, "%s#%d", first ? "" : "$", c);
			sixel_row(out, band, w, rows, c);
			first = false;
		}
		if (y0 + 6 < h)
			abuf_putc(out, '-');
	}
	free(regs);
	if (abuf_puts(out, "\033\\") < 0)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	return ASSAY_OK;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(abuf *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		char q[4] = {b64[v >> 18 & 63], b64[v >> 12 & 63], i + 1 < n ? b64[v >> 6 & 63] : '=',
			     i + 2 < n ? b64[v & 63] : '='};
		abuf_append(out, q, 4);
	}
}

int media_kitty_encode(const media_frame *f, int w, int h, uint32_t id, int cols, int rows,
		       abuf *out, assay_error *err)
{
	if (!f || !f->rgba || f->w < 1 || f->h < 1 || w < 1 || h < 1 || w > 8192 || h > 8192 ||
	    cols < 1 || rows < 1)
		return assay_fail(err, ASSAY_EINVAL, "no picture to draw as a kitty image");
	size_t n = (size_t)w * h * 4;
	uint8_t *px = malloc(n);
	abuf data = {0};
	if (!px)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			memcpy(px + ((size_t)y * w + x) * 4, pixel(f, w, h, x, y), 4);
	base64(&data, px, n);
	free(px);
	/* q=2: the terminal answers nothing (an answer would be read as keys);
	 * C=1: the cursor stays where it is */
	for (size_t at = 0; at < data.len; at += MEDIA_KITTY_CHUNK) {
		size_t part = ASSAY_MIN(MEDIA_KITTY_CHUNK, data.len - at);
		int more = at + part < data.len;
		if (at == 0)
			abuf_printf(out, "\033_Ga=T,f=32,s=%d,v=%d,i=%u,c=%d,r=%d,q=2,C=1,m=%d;", w, h,
				    id, cols, rows, more);
		else
			abuf_printf(out, "\033_Gm=%d;", more);
		abuf_append(out, data.data + at, part);
		abuf_puts(out, "\033\\");
	}
	bool ok = data.data != NULL;
	abuf_free(&data);
	if (!ok || !out->data)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	return ASSAY_OK;
}

void media_kitty_delete(uint32_t id, abuf *out)
{
	abuf_printf(out, "\033_Ga=d,d=I,i=%u,q=2\033\\", id);
}
