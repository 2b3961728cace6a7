/* fixtures.h — for the media tests: a scratch directory removed at exit,
 * media made by the ffmpeg command, files written byte by byte, and the
 * average colour of a frame or a region of one. */
#ifndef ASSAY_TEST_MEDIA_FIXTURES_H
#define ASSAY_TEST_MEDIA_FIXTURES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "assay/media.h"

/* The scratch directory (made on first use). */
const char *fx_dir(void);
/* dir/name in a static ring of buffers. */
const char *fx_path(const char *name);
/* Runs "ffmpeg -v error -nostdin -y ARGS -bitexact -threads 1 OUT" making
 * fx_path(name); returns that path, or NULL (with a # line) on failure. */
const char *fx_ffmpeg(const char *name, const char *args);
int fx_write(const char *name, const void *data, size_t len);
/* The whole file (malloc'd, *len set), or NULL. */
uint8_t *fx_read(const char *path, size_t *len);
/* Average colour (0xRRGGBB) of the frame's pixels in [x0,x1) x [y0,y1)
 * given as fractions of its size. */
uint32_t fx_avg(const media_frame *f, double x0, double y0, double x1, double y1);
/* Whether a colour is within tol of want in each channel. */
int fx_near(uint32_t got, uint32_t want, int tol);
/* The decoder child of this process (the only child), or 0. */
pid_t fx_child(void);

#endif
