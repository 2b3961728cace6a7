/* test_decode.c — media_decode on real media made by the ffmpeg command:
 * stills in every format, scaling, video information, and video frames
 * decoded exactly at evenly spaced times (keyframes far apart). */
#include <stdlib.h>

#include "fixtures.h"
#include "unit.h"

#define RED   0xFF0000
#define GREEN 0x008000 /* ffmpeg's (and CSS's) "green" */
#define BLUE  0x0000FF
#define WHITE 0xFFFFFF

/* Decodes path (one frame unless total is set); fails the case on error. */
static int decode(const char *path, int first, int count, int total, int max_w, int max_h,
		  media_decoded *d)
{
	media_request r = {.max_w = max_w,
			   .max_h = max_h,
			   .first = first,
			   .count = count,
			   .total = total,
			   .limits = {.timeout_ms = 60000}};
	assay_error err = {0};
	int rc = media_decode(path, &r, d, &err);
	if (rc != ASSAY_OK)
		printf("# %s\n", err.msg);
	return rc;
}

TEST(stills_in_every_format)
{
	static const struct {
		const char *name, *args;
	} cases[] = {
	    {"s.png", "-f lavfi -i color=c=red:s=64x48 -frames:v 1"},
	    {"s.jpg", "-f lavfi -i color=c=red:s=64x48 -frames:v 1 -q:v 2"},
	    {"s.webp", "-f lavfi -i color=c=red:s=64x48 -frames:v 1 -c:v libwebp -lossless 1"},
	    {"s.gif", "-f lavfi -i color=c=red:s=64x48 -frames:v 1"},
	};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(cases); i++) {
		const char *p = fx_ffmpeg(cases[i].name, cases[i].args);
		media_decoded d;
		CHECK(p != NULL);
		if (!p || decode(p, 0, 0, 0, 0, 0, &d) != ASSAY_OK) {
			CHECK(!"decoded");
			continue;
		}
		CHECK_INT(d.n, 1);
		CHECK_INT(d.frames[0].w, 64);
		CHECK_INT(d.frames[0].h, 48);
		CHECK_INT(d.info.width, 64);
		uint32_t c = fx_avg(&d.frames[0], 0, 0, 1, 1);
		if (!fx_near(c, RED, 24))
			printf("# %s: average %06x\n", cases[i].name, c);
		CHECK(fx_near(c, RED, 24));
		CHECK(d.child_maxrss_kb > 0);
		media_decoded_free(&d);
	}
}

TEST(scaled_to_fit_never_up)
{
	/* left half red, right half blue, 640x320 */
	const char *p = fx_ffmpeg("halves.png", "-f lavfi -i color=c=red:s=640x320 -vf "
						"drawbox=x=320:y=0:w=320:h=320:color=blue:t=fill "
						"-frames:v 1");
	media_decoded d;
	if (!p || decode(p, 0, 0, 0, 100, 100, &d) != ASSAY_OK) {
		CHECK(!"decoded");
		return;
	}
	CHECK_INT(d.frames[0].w, 100);
	CHECK_INT(d.frames[0].h, 50);
	CHECK(fx_near(fx_avg(&d.frames[0], 0, 0, 0.45, 1), RED, 8));
	CHECK(fx_near(fx_avg(&d.frames[0], 0.55, 0, 1, 1), BLUE, 8));
	CHECK(!d.info.video);
	CHECK_INT(d.info.frames, 1);
	CHECK_INT(d.info.duration_ms, -1);
	CHECK_STR(d.info.codec, "png");
	media_decoded_free(&d);
	if (decode(p, 0, 0, 0, 1000, 1000, &d) != ASSAY_OK) {
		CHECK(!"decoded");
		return;
	}
	CHECK_INT(d.frames[0].w, 640);
	CHECK_INT(d.frames[0].h, 320);
	media_decoded_free(&d);
}

/* A 4 s clip at 10 fps, red, green, blue, white for a second each, with
 * one keyframe only (at 0): every later frame needs decoding forward. */
static const char *four_colours(const char *name, const char *codec)
{
	char args[1024];
	snprintf(
	    args, sizeof args,
	    "-f lavfi -i color=c=red:s=64x48:r=10:d=1 -f lavfi -i color=c=green:s=64x48:r=10:d=1 "
	    "-f lavfi -i color=c=blue:s=64x48:r=10:d=1 -f lavfi -i color=c=white:s=64x48:r=10:d=1 "
	    "-filter_complex '[0][1][2][3]concat=n=4:v=1' -pix_fmt yuv420p -g 1000 %s",
	    codec);
	return fx_ffmpeg(name, args);
}

static void check_strip(const char *p)
{
	media_decoded d;
	if (!p || decode(p, 0, 8, 8, 32, 32, &d) != ASSAY_OK) {
		CHECK(!"decoded");
		return;
	}
	static const uint32_t want[8] = {RED, RED, GREEN, GREEN, BLUE, BLUE, WHITE, WHITE};
	CHECK(d.info.video);
	CHECK_NEAR(d.info.duration_ms, 4000, 50);
	CHECK_NEAR(d.info.frames, 40, 1);
	CHECK_INT(d.n, 8);
	for (int i = 0; i < d.n; i++) {
		uint32_t c = fx_avg(&d.frames[i], 0.2, 0.2, 0.8, 0.8);
		CHECK_INT(d.frames[i].want_ms, 250 + 500 * i);
		/* the frame shown at the time: not after it, less than a frame before */
		CHECK(d.frames[i].pts_ms <= d.frames[i].want_ms);
		CHECK(d.frames[i].want_ms - d.frames[i].pts_ms < 100);
		if (!fx_near(c, want[i], 40))
			printf("# frame %d at %lld ms: %06x, expected %06x\n", i,
			       (long long)d.frames[i].pts_ms, c, want[i]);
		CHECK(fx_near(c, want[i], 40));
	}
	media_decoded_free(&d);
}

TEST(mp4_h264_strip_exact_frames)
{
	check_strip(four_colours("four.mp4", "-c:v libx264 -preset ultrafast"));
}

/* Keyframes between the times (each frame found by a seek) and B-frames
 * (frames decoded out of their display order), with and without. */
TEST(mp4_strip_with_keyframes_and_b_frames)
{
	check_strip(four_colours("keys.mp4", "-c:v libx264 -preset ultrafast -g 7"));
	check_strip(four_colours("bframes.mp4", "-c:v libx264 -preset veryfast -bf 3"));
	check_strip(four_colours("both.mp4", "-c:v libx264 -preset veryfast -bf 3 -g 9"));
}

/* More frames asked than the clip has: several times fall on one frame,
 * each answered with the frame shown then. */
TEST(dense_strip_repeats_frames_exactly)
{
	const char *p = fx_path("bframes.mp4");
	media_decoded d;
	if (decode(p, 0, 64, 64, 8, 8, &d) != ASSAY_OK) {
		CHECK(!"decoded");
		return;
	}
	static const uint32_t want[4] = {RED, GREEN, BLUE, WHITE};
	CHECK_INT(d.n, 64);
	for (int i = 0; i < d.n; i++) {
		const media_frame *f = &d.frames[i];
		if (!(f->pts_ms <= f->want_ms && f->want_ms - f->pts_ms < 100))
			printf("# frame %d: want %lld got %lld\n", i, (long long)f->want_ms, (long long)f->pts_ms);
		CHECK(f->pts_ms <= f->want_ms && f->want_ms - f->pts_ms < 100);
		CHECK(fx_near(fx_avg(f, 0.25, 0.25, 0.75, 0.75), want[f->want_ms / 1000], 40));
	}
	media_decoded_free(&d);
}

TEST(webm_vp9_strip_exact_frames)
{
	check_strip(four_colours("four.webm", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8"));
}

TEST(frame_k_of_m_steps)
{
	const char *p = four_colours("step.mp4", "-c:v libx264 -preset ultrafast");
	media_decoded d;
	static const uint32_t want[4] = {RED, GREEN, BLUE, WHITE};
	for (int k = 3; p && k >= 0; k--) {
		if (decode(p, k, 1, 4, 16, 16, &d) != ASSAY_OK) {
			CHECK(!"decoded");
			return;
		}
		CHECK_INT(d.n, 1);
		CHECK_INT(d.frames[0].want_ms, 500 + 1000 * k);
		CHECK(fx_near(fx_avg(&d.frames[0], 0.2, 0.2, 0.8, 0.8), want[k], 40));
		media_decoded_free(&d);
	}
	/* a still asked for a strip gives its one picture */
	const char *s = fx_ffmpeg("one.png", "-f lavfi -i color=c=blue:s=8x8 -frames:v 1");
	if (!s || decode(s, 0, 4, 4, 16, 16, &d) != ASSAY_OK) {
		CHECK(!"decoded");
		return;
	}
	CHECK_INT(d.n, 1);
	media_decoded_free(&d);
}

/* The committed sample clip: its 4-frame strip shows both halves. */
TEST(sample_clip_blue_then_green)
{
	const char *src = getenv("ASSAY_SOURCE");
	char p[4096];
	snprintf(p, sizeof p, "%s/sample-data/media/blue-then-green.mp4", src ? src : ".");
	media_decoded d;
	if (decode(p, 0, 4, 4, 40, 30, &d) != ASSAY_OK) {
		CHECK(!"decoded");
		return;
	}
	static const uint32_t want[4] = {BLUE, BLUE, GREEN, GREEN};
	CHECK_INT(d.n, 4);
	CHECK_INT(d.info.frames, 40);
	CHECK_NEAR(d.info.duration_ms, 4000, 1);
	for (int i = 0; i < 4; i++)
		CHECK(fx_near(fx_avg(&d.frames[i], 0, 0, 1, 1), want[i], 40));
	media_decoded_free(&d);
}

TEST(bad_requests_refused)
{
	media_decoded d;
	assay_error err = {0};
	media_request r = {.first = 3, .count = 2, .total = 4};
	CHECK_INT(media_decode("x.png", &r, &d, &err), ASSAY_EINVAL);
	r = (media_request){.count = 65, .total = 65};
	CHECK_INT(media_decode("x.png", &r, &d, &err), ASSAY_EINVAL);
	r = (media_request){.max_w = 5000, .max_h = 10};
	CHECK_INT(media_decode("x.png", &r, &d, &err), ASSAY_EINVAL);
	r = (media_request){.max_w = 4096, .max_h = 4096, .count = 2, .total = 2};
	CHECK_INT(media_decode("x.png", &r, &d, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "16 Mpx");
}

UNIT_MAIN(UNIT_CASE(stills_in_every_format), UNIT_CASE(scaled_to_fit_never_up),
	  UNIT_CASE(mp4_h264_strip_exact_frames), UNIT_CASE(mp4_strip_with_keyframes_and_b_frames),
	  UNIT_CASE(dense_strip_repeats_frames_exactly), UNIT_CASE(webm_vp9_strip_exact_frames),
	  UNIT_CASE(frame_k_of_m_steps), UNIT_CASE(sample_clip_blue_then_green),
	  UNIT_CASE(bad_requests_refused))
