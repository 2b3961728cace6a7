/* test_thumbs.c — media_decode_cached: a thumbnail decoded once is read
 * back from disk with the same pixels; a changed source, size or frame
 * range is a new entry; a damaged or hostile cache file is dropped, never
 * trusted; the cache stays under its size, least recently used out. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures.h"
#include "media_int.h"
#include "unit.h"

static int cached(const char *path, int max_w, int first, int count, int total, uint64_t cap,
		  media_decoded *d)
{
	media_request r = {.max_w = max_w,
			   .max_h = max_w,
			   .first = first,
			   .count = count,
			   .total = total,
			   .limits = {.timeout_ms = 60000}};
	assay_error err = {0};
	int rc = media_decode_cached(path, NULL, &r, fx_path("thumbs"), cap, d, &err);
	if (rc != ASSAY_OK)
		printf("# %s\n", err.msg);
	return rc;
}

/* The cache's files, and the path of the only (or last) one. */
static int thumbs(char *last, size_t cap)
{
	DIR *dir = opendir(fx_path("thumbs"));
	int n = 0;
	struct dirent *de;
	while (dir && (de = readdir(dir)))
		if (strstr(de->d_name, ".thumb") && de->d_name[0] != '.') {
			n++;
			snprintf(last, cap, "%s/%s", fx_path("thumbs"), de->d_name);
		}
	if (dir)
		closedir(dir);
	return n;
}

TEST(hit_after_miss_same_pixels)
{
	mkdir(fx_path("thumbs"), 0700);
	const char *p = fx_ffmpeg("t.png", "-f lavfi -i testsrc=s=160x120 -frames:v 1");
	media_decoded a, b;
	if (!p || cached(p, 64, 0, 0, 0, 0, &a) != ASSAY_OK) {
		CHECK(!"decoded");
		return;
	}
	CHECK(!a.cached);
	CHECK(a.child_maxrss_kb > 0);
	CHECK_INT(cached(p, 64, 0, 0, 0, 0, &b), ASSAY_OK);
	CHECK(b.cached);
	CHECK_INT(b.child_maxrss_kb, 0);
	CHECK_INT(b.n, a.n);
	CHECK_INT(b.frames[0].w, a.frames[0].w);
	CHECK_INT(b.frames[0].h, a.frames[0].h);
	CHECK(memcmp(a.frames[0].rgba, b.frames[0].rgba,
		     (size_t)a.frames[0].w * a.frames[0].h * 4) == 0);
	CHECK_STR(b.info.codec, "png");
	CHECK_INT(b.info.width, 160);
	media_decoded_free(&a);
	media_decoded_free(&b);
	char file[1200];
	CHECK_INT(thumbs(file, sizeof file), 1);
}

TEST(key_changes_with_source_size_and_frames)
{
	char p[1024];
	snprintf(p, sizeof p, "%s", fx_path("t.png"));
	media_decoded d;
	CHECK_INT(cached(p, 32, 0, 0, 0, 0, &d), ASSAY_OK);
	CHECK(!d.cached); /* another size */
	media_decoded_free(&d);
	struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};
	utimensat(AT_FDCWD, p, ts, 0);
	CHECK_INT(cached(p, 64, 0, 0, 0, 0, &d), ASSAY_OK);
	CHECK(!d.cached); /* the source changed (its mtime) */
	media_decoded_free(&d);
	const char *v = fx_ffmpeg("v.mp4", "-f lavfi -i testsrc=s=64x48:r=10:d=2 -c:v libx264 "
					   "-preset ultrafast -pix_fmt yuv420p");
	CHECK_INT(v ? cached(v, 32, 0, 4, 4, 0, &d) : -1, ASSAY_OK);
	CHECK(!d.cached);
	media_decoded_free(&d);
	CHECK_INT(v ? cached(v, 32, 1, 1, 4, 0, &d) : -1, ASSAY_OK);
	CHECK(!d.cached); /* another frame range */
	media_decoded_free(&d);
	CHECK_INT(v ? cached(v, 32, 0, 4, 4, 0, &d) : -1, ASSAY_OK);
	CHECK(d.cached);
	CHECK_INT(d.n, 4);
	media_decoded_free(&d);
}

TEST(damaged_or_hostile_cache_files_are_dropped)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "rm -f '%s'/*.thumb", fx_path("thumbs"));
	system(cmd);
	char p[1024];
	snprintf(p, sizeof p, "%s", fx_path("t.png"));
	media_decoded d;
	CHECK_INT(cached(p, 48, 0, 0, 0, 0, &d), ASSAY_OK);
	media_decoded_free(&d);
	char file[1200];
	CHECK_INT(thumbs(file, sizeof file), 1);
	/* cut short */
	CHECK_INT(truncate(file, 100), 0);
	CHECK_INT(cached(p, 48, 0, 0, 0, 0, &d), ASSAY_OK);
	CHECK(!d.cached);
	media_decoded_free(&d);
	/* a header claiming a 100000 px frame */
	media_wire_head h = {.magic = MEDIA_WIRE_MAGIC, .n = 1};
	media_wire_frame f = {.w = 100000, .h = 100000};
	FILE *out = fopen(file, "wb");
	fwrite(&h, sizeof h, 1, out);
	fwrite(&f, sizeof f, 1, out);
	fclose(out);
	CHECK_INT(cached(p, 48, 0, 0, 0, 0, &d), ASSAY_OK);
	CHECK(!d.cached);
	CHECK(d.frames[0].w <= 48);
	media_decoded_free(&d);
	/* a FIFO in its place does not hold the reader */
	unlink(file);
	mkfifo(file, 0600);
	CHECK_INT(cached(p, 48, 0, 0, 0, 0, &d), ASSAY_OK);
	media_decoded_free(&d);
	unlink(file);
}

TEST(bounded_least_recently_used_out)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "rm -f '%s'/*.thumb", fx_path("thumbs"));
	system(cmd);
	char p[1024];
	snprintf(p, sizeof p, "%s", fx_path("t.png"));
	media_decoded d;
	/* 64x48 RGBA is 12 KiB a thumbnail: room for two */
	uint64_t cap = 2 * (64 * 48 * 4 + 1024);
	char first[1200];
	CHECK_INT(cached(p, 64, 0, 0, 0, cap, &d), ASSAY_OK);
	media_decoded_free(&d);
	CHECK_INT(thumbs(first, sizeof first), 1);
	struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
	utimensat(AT_FDCWD, first, old, 0);
	CHECK_INT(cached(p, 63, 0, 0, 0, cap, &d), ASSAY_OK);
	media_decoded_free(&d);
	char any[1200];
	CHECK_INT(thumbs(any, sizeof any), 2);
	CHECK_INT(cached(p, 62, 0, 0, 0, cap, &d), ASSAY_OK);
	media_decoded_free(&d);
	CHECK_INT(thumbs(any, sizeof any), 2);
	CHECK(access(first, F_OK) != 0); /* the oldest went */
}

TEST(failures_still_reported_through_the_cache)
{
	fx_write("words.png", "not a picture\n", 14);
	media_decoded d;
	media_request r = {0};
	assay_error err = {0};
	for (int i = 0; i < 2; i++) {
		CHECK_INT(media_decode_cached(fx_path("words.png"), NULL, &r, fx_path("thumbs"), 0,
					      &d, &err),
			  ASSAY_EFORMAT);
		CHECK_CONTAINS(err.msg, "cannot show words.png: not an image or video");
	}
	CHECK_INT(
	    media_decode_cached(fx_path("nothing.png"), NULL, &r, fx_path("thumbs"), 0, &d, &err),
	    ASSAY_EFORMAT);
	CHECK_CONTAINS(err.msg, "cannot show nothing.png: No such file");
}

UNIT_MAIN(UNIT_CASE(hit_after_miss_same_pixels), UNIT_CASE(key_changes_with_source_size_and_frames),
	  UNIT_CASE(damaged_or_hostile_cache_files_are_dropped),
	  UNIT_CASE(bounded_least_recently_used_out),
	  UNIT_CASE(failures_still_reported_through_the_cache))
