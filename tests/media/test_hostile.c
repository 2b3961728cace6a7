/* test_hostile.c — the hostile media corpus, made at run time: truncated
 * PNG and JPEG, a PNG claiming 100000x100000 pixels, an MP4 claiming 10^9
 * frames, text named .png, a FIFO, a symbolic link loop, a directory, an
 * empty file, and a decoder that never ends. Each gives its one line
 * "cannot show NAME: reason" within the timeout; the caller goes on. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "fixtures.h"
#include "media_int.h"
#include "unit.h"

/* What these cases check is the words of the refusal, not the time it
 * takes: a timeout no busy machine reaches (a refusal by the clock would
 * still fail, on its words) */
#define TIMEOUT_MS 30000

/* AddressSanitizer reserves terabytes of address space: the decoder's
 * memory limit is not applied under it. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

/* Decodes path expecting failure; the message must be one line naming
 * the file and contain want, and come within the timeout. */
static void expect_fail(const char *path, const char *want)
{
	media_request r = {.max_w = 64, .max_h = 64, .limits = {.timeout_ms = TIMEOUT_MS}};
	media_decoded d;
	assay_error err = {0};
	int64_t t0 = assay_mono_ns();
	int rc = media_decode(path, &r, &d, &err);
	double ms = (double)(assay_mono_ns() - t0) / 1e6;
	char prefix[300];
	snprintf(prefix, sizeof prefix, "cannot show %s: ", media_display_name(path));
	printf("# %s -> %s (%.0f ms)\n", media_display_name(path), err.msg, ms);
	CHECK_INT(rc, ASSAY_EFORMAT);
	CHECK(strncmp(err.msg, prefix, strlen(prefix)) == 0);
	CHECK(strchr(err.msg, '\n') == NULL);
	CHECK_CONTAINS(err.msg, want);
	/* refused in words, not by a crash of the decoder nor by the clock */
	CHECK(strstr(err.msg, "signal") == NULL);
	CHECK(strstr(err.msg, "timed out") == NULL);
	CHECK(ms < TIMEOUT_MS + 1000);
	CHECK_INT(d.n, 0);
	CHECK(d.frames == NULL);
}

static uint8_t *made(const char *name, const char *args, size_t *len)
{
	const char *p = fx_ffmpeg(name, args);
	return p ? fx_read(p, len) : NULL;
}

TEST(truncated_png_and_jpeg)
{
	size_t len = 0;
	uint8_t *png = made("full.png", "-f lavfi -i testsrc=s=320x240 -frames:v 1", &len);
	CHECK(png && len > 1000);
	if (png) {
		fx_write("cut.png", png, len / 2);
		expect_fail(fx_path("cut.png"), "");
		fx_write("header-only.png", png, 40);
		expect_fail(fx_path("header-only.png"), "");
	}
	free(png);
	uint8_t *jpg = made("full.jpg", "-f lavfi -i testsrc=s=320x240 -frames:v 1", &len);
	CHECK(jpg && len > 1000);
	if (jpg) {
		fx_write("cut.jpg", jpg, 300);
		expect_fail(fx_path("cut.jpg"), "");
	}
	free(jpg);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A PNG chunk: length, type, data, CRC. Returns the bytes written. */
static size_t chunk(uint8_t *out, const char *type, const uint8_t *data, uint32_t len)
{
	put32(out, len);
	memcpy(out + 4, type, 4);
	if (len)
		memcpy(out + 8, data, len);
	put32(out + 8 + len, (uint32_t)crc32(crc32(0, NULL, 0), out + 4, len + 4));
	return 12 + len;
}

TEST(png_claiming_100000_squared)
{
	/* a valid header and a little data: the decoder must refuse the size
	   before it allocates 40 GB */
	uint8_t buf[512], ihdr[13] = {0};
	size_t n = 0;
	memcpy(buf, "\x89PNG\r\n\x1a\n", 8);
	n += 8;
	put32(ihdr, 100000);
	put32(ihdr + 4, 100000);
	ihdr[8] = 8; /* depth */
	ihdr[9] = 6; /* RGBA */
	n += chunk(buf + n, "IHDR", ihdr, 13);
	uint8_t raw[64] = {0}, z[128];
	uLongf zlen = sizeof z;
	compress(z, &zlen, raw, sizeof raw);
	n += chunk(buf + n, "IDAT", z, (uint32_t)zlen);
	n += chunk(buf + n, "IEND", NULL, 0);
	fx_write("huge.png", buf, n);
	expect_fail(fx_path("huge.png"), "size");

	/* within ffmpeg's own bounds but over ours: 20000 x 100 */
	put32(ihdr, 20000);
	put32(ihdr + 4, 100);
	n = 8;
	n += chunk(buf + n, "IHDR", ihdr, 13);
	n += chunk(buf + n, "IDAT", z, (uint32_t)zlen);
	n += chunk(buf + n, "IEND", NULL, 0);
	fx_write("wide.png", buf, n);
	expect_fail(fx_path("wide.png"), "too large");
}

/* Finds a box type in an MP4 (a plain byte search is enough for the
 * small files ffmpeg writes); returns its offset or -1. */
static long find_box(const uint8_t *b, size_t len, const char *type)
{
	for (size_t i = 4; i + 4 <= len; i++)
		if (memcmp(b + i, type, 4) == 0)
			return (long)i - 4;
	return -1;
}

TEST(mp4_claiming_a_billion_frames)
{
	size_t len = 0;
	uint8_t *mp4 =
	    made("small.mp4",
		 "-f lavfi -i color=c=red:s=32x32:r=10:d=1 -c:v libx264 -preset ultrafast "
		 "-pix_fmt yuv420p",
		 &len);
	CHECK(mp4 != NULL);
	if (!mp4)
		return;
	long stsz = find_box(mp4, len, "stsz"), stts = find_box(mp4, len, "stts");
	CHECK(stsz > 0 && stts > 0);
	if (stsz > 0 && stts > 0) {
		/* stsz: a constant sample size and 10^9 samples; stts: one entry of
		   10^9 samples; the header, sizes and chunks are otherwise real */
		put32(mp4 + stsz + 12, 512);
		put32(mp4 + stsz + 16, 1000000000u);
		put32(mp4 + stts + 12, 1);
		put32(mp4 + stts + 16, 1000000000u);
		put32(mp4 + stts + 20, 512);
		fx_write("billion.mp4", mp4, len);
		expect_fail(fx_path("billion.mp4"), "");
	}
	free(mp4);
	/* only the time table claims 10^9 frames (the sizes stay true): the
	   claim is reported, never allocated for, and the strip decodes */
	mp4 = fx_read(fx_path("small.mp4"), &len);
	stts = mp4 ? find_box(mp4, len, "stts") : -1;
	CHECK(stts > 0);
	if (stts > 0) {
		put32(mp4 + stts + 16, 1000000000u);
		fx_write("claims.mp4", mp4, len);
		media_request r = {.max_w = 16,
				   .max_h = 16,
				   .count = 4,
				   .total = 4,
				   .limits = {.timeout_ms = TIMEOUT_MS}};
		media_decoded d;
		assay_error err = {0};
		CHECK_INT(media_decode(fx_path("claims.mp4"), &r, &d, &err), ASSAY_OK);
		CHECK_INT(d.info.frames, 1000000000);
		CHECK_INT(d.n, 4);
		CHECK(d.wall_ms < TIMEOUT_MS);
		CHECK(d.child_maxrss_kb < 256 * 1024);
		media_decoded_free(&d);
	}
	free(mp4);
}

TEST(not_media_and_not_files)
{
	const char *text = "This is a caption file, not a picture.\n";
	fx_write("text.png", text, strlen(text));
	expect_fail(fx_path("text.png"), "not an image or video");
	fx_write("empty.png", "", 0);
	expect_fail(fx_path("empty.png"), "empty file");
	CHECK_INT(mkfifo(fx_path("fifo.png"), 0600), 0);
	expect_fail(fx_path("fifo.png"), "FIFO");
	CHECK_INT(symlink("loop-b.png", fx_path("loop-a.png")), 0);
	CHECK_INT(symlink("loop-a.png", fx_path("loop-b.png")), 0);
	expect_fail(fx_path("loop-a.png"), "symbolic links");
	mkdir(fx_path("dir.png"), 0700);
	expect_fail(fx_path("dir.png"), "directory");
	expect_fail(fx_path("missing.png"), "No such file");
}

TEST(decoder_past_its_time_is_killed)
{
	/* a real clip under a tiny timeout: the parent kills the child */
	const char *p = fx_ffmpeg("long.webm", "-f lavfi -i testsrc=s=320x240:r=25:d=4 -c:v "
					       "libvpx-vp9 -deadline realtime -cpu-used 8 -g 1000");
	CHECK(p != NULL);
	if (!p)
		return;
	/* the child stopped as soon as it is started (its answer, 8 frames of
	 * 64x48 RGBA, is more than a pipe holds, so it cannot have finished
	 * before): however busy the machine, only the deadline ends the job,
	 * and a stopped process is killed too; the bound guards against a hang */
	media_request r = {
	    .max_w = 64, .max_h = 64, .count = 8, .total = 8, .limits = {.timeout_ms = 1}};
	media_decoded d;
	assay_error err = {0};
	int64_t t0 = assay_mono_ns();
	media_job *j = media_job_start(p, NULL, &r, NULL, &err);
	CHECK(j != NULL);
	if (!j)
		return;
	pid_t pid = fx_child();
	CHECK(pid > 0);
	if (pid > 0)
		kill(pid, SIGSTOP);
	int rc;
	while ((rc = media_job_step(j, &d, &err)) == 0 && (assay_mono_ns() - t0) / 1000000 < 10000)
		poll(&(struct pollfd){.fd = media_job_fd(j), .events = POLLIN}, 1,
		     media_job_timeout_ms(j));
	media_job_free(j);
	CHECK_INT(rc, ASSAY_EFORMAT);
	CHECK_CONTAINS(err.msg, "cannot show long.webm: timed out after 1 ms");
	CHECK((assay_mono_ns() - t0) / 1000000 < 10000);
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
	/* and the caller goes on: the same file decodes with time to do it */
	r.limits.timeout_ms = 60000;
	CHECK_INT(media_decode(p, &r, &d, &err), ASSAY_OK);
	CHECK_INT(d.n, 8);
	media_decoded_free(&d);
}

TEST(memory_limit_turns_into_a_message)
{
	/* 8 MiB of address space beyond the parent's cannot hold a 4096x4096
	   frame: the decoder fails for memory, the caller gets one line */
	const char *p = fx_ffmpeg("big.png", "-f lavfi -i color=c=red:s=4096x4096 -frames:v 1");
	CHECK(p != NULL);
	if (!p)
		return;
	media_request r = {.max_w = 64, .max_h = 64, .limits = {.memory = 8u << 20}};
	media_decoded d;
	assay_error err = {0};
	int rc = media_decode(p, &r, &d, &err);
	printf("# %s\n", rc ? err.msg : "decoded (no memory limit under AddressSanitizer)");
	if (!UNDER_ASAN || rc != ASSAY_OK) {
		CHECK_INT(rc, ASSAY_EFORMAT);
		CHECK_CONTAINS(err.msg, "cannot show big.png: out of memory");
	}
	media_decoded_free(&d);
}

UNIT_MAIN(UNIT_CASE(truncated_png_and_jpeg), UNIT_CASE(png_claiming_100000_squared),
	  UNIT_CASE(mp4_claiming_a_billion_frames), UNIT_CASE(not_media_and_not_files),
	  UNIT_CASE(decoder_past_its_time_is_killed), UNIT_CASE(memory_limit_turns_into_a_message))
