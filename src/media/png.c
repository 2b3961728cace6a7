/* png.c — a decoded frame as a small PNG in a data: URI, for pages that
 * must carry their pictures inside them (the HTML report). */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "media_int.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* One chunk: length, type, data, CRC of type and data. */
static int chunk(abuf *b, const char type[4], const uint8_t *data, size_t n)
{
	uint8_t head[8], tail[4];
	put32(head, (uint32_t)n);
	memcpy(head + 4, type, 4);
	uLong crc = crc32(0, (const Bytef *)type, 4);
	crc = crc32(crc, data, (uInt)n);
	put32(tail, (uint32_t)crc);
	return abuf_append(b, (const char *)head, 8) < 0 ||
			       abuf_append(b, (const char *)data, n) < 0 ||
			       abuf_append(b, (const char *)tail, 4) < 0
		   ? -1
		   : 0;
}

/* The frame as PNG bytes (RGB, alpha dropped onto white). */
static int png(const media_frame *f, abuf *out)
{
	size_t row = (size_t)f->w * 3 + 1, raw_n = row * (size_t)f->h;
	uint8_t *raw = malloc(raw_n);
	uLongf z_n = compressBound((uLong)raw_n);
	uint8_t *z = malloc(z_n);
	int rc = -1;
	if (raw && z) {
		for (int y = 0; y < f->h; y++) {
			uint8_t *r = raw + row * (size_t)y;
			const uint8_t *p = f->rgba + (size_t)y * (size_t)f->w * 4;
			r[0] = 0; /* no filter */
			for (int x = 0; x < f->w; x++, p += 4)
				for (int c = 0; c < 3; c++)
					r[1 + 3 * x + c] = (uint8_t)((p[c] * p[3] + 255 * (255 - p[3])) / 255);
		}
		uint8_t ihdr[13] = {0};
		put32(ihdr, (uint32_t)f->w);
		put32(ihdr + 4, (uint32_t)f->h);
		ihdr[8] = 8; /* bits */
		ihdr[9] = 2; /* RGB */
		rc = compress2(z, &z_n, raw, (uLong)raw_n, 9) == Z_OK &&
			     abuf_append(out, "\x89PNG\r\n\x1a\n", 8) == 0 &&
			     chunk(out, "IHDR", ihdr, sizeof ihdr) == 0 &&
			     chunk(out, "IDAT", z, z_n) == 0 && chunk(out, "IEND", NULL, 0) == 0
			 ? 0
			 : -1;
	}
	free(raw);
	free(z);
	return rc;
}

int media_png_data_uri(const media_frame *f, abuf *out, assay_error *err)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	abuf bin = {0};
	if (f->w < 1 || f->h < 1 || !f->rgba || png(f, &bin) < 0) {
		abuf_free(&bin);
		return assay_fail(err, ASSAY_ENOMEM, "cannot encode the thumbnail");
	}
	const uint8_t *p = (const uint8_t *)bin.data;
	int rc = abuf_puts(out, "data:image/png;base64,");
	for (size_t i = 0; rc == 0 && i < bin.len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < bin.len ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < bin.len ? p[i + 2] : 0);
		char q[4] = {b64[v >> 18 & 63], b64[v >> 12 & 63],
			     i + 1 < bin.len ? b64[v >> 6 & 63] : '=',
			     i + 2 < bin.len ? b64[v & 63] : '='};
		rc = abuf_append(out, q, 4);
	}
	abuf_free(&bin);
	return rc < 0 ? assay_fail(err, ASSAY_ENOMEM, "out of memory") : ASSAY_OK;
}
