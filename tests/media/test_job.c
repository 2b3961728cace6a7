/* test_job.c — decoding without blocking: jobs polled side by side in one
 * loop, a cache hit answered without a child, a deadline seen by a step,
 * and a job dropped unfinished leaving no child behind. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"
#include "unit.h"

static const char *clip(void)
{
	static char path[1024];
	if (!path[0]) {
		const char *p = fx_ffmpeg("slow.mp4", "-f lavfi -i testsrc=s=640x480:r=25:d=6 "
						      "-c:v libx264 -preset ultrafast -g 1000 "
						      "-pix_fmt yuv420p");
		snprintf(path, sizeof path, "%s", p ? p : "");
	}
	return path[0] ? path : NULL;
}

TEST(jobs_side_by_side_in_one_loop)
{
	const char *v = clip();
	const char *s = fx_ffmpeg("quick.png", "-f lavfi -i color=c=blue:s=32x32 -frames:v 1");
	media_request strip = {.count = 8, .total = 8, .limits = {.timeout_ms = 60000}};
	media_request one = {.limits = {.timeout_ms = 60000}};
	assay_error err = {0};
	media_job *jobs[2] = {v ? media_job_start(v, NULL, &strip, NULL, &err) : NULL,
			      s ? media_job_start(s, NULL, &one, NULL, &err) : NULL};
	CHECK(jobs[0] && jobs[1]);
	if (!jobs[0] || !jobs[1]) {
		media_job_free(jobs[0]);
		media_job_free(jobs[1]);
		return;
	}
	media_decoded out[2];
	int done[2] = {0, 0}, order[2], n = 0, waits = 0;
	while (n < 2) {
		struct pollfd p[2];
		for (int i = 0; i < 2; i++)
			p[i] = (struct pollfd){.fd = done[i] ? -1 : media_job_fd(jobs[i]),
					       .events = POLLIN};
		poll(p, 2, 1000);
		for (int i = 0; i < 2; i++) {
			if (done[i])
				continue;
			int rc = media_job_step(jobs[i], &out[i], &err);
			if (rc == 0) {
				waits++;
				continue;
			}
			CHECK_INT(rc, 1);
			done[i] = 1;
			order[n++] = i;
		}
	}
	CHECK_INT(order[0], 1); /* the still, while the strip was still decoding */
	CHECK(waits > 0);
	CHECK_INT(out[0].n, 8);
	CHECK_INT(out[1].n, 1);
	CHECK(fx_near(fx_avg(&out[1].frames[0], 0, 0, 1, 1), 0x0000FF, 8));
	for (int i = 0; i < 2; i++) {
		media_decoded_free(&out[i]);
		media_job_free(jobs[i]);
	}
}

TEST(cache_hit_needs_no_child)
{
	const char *s = fx_path("quick.png");
	media_thumbs t = {.dir = fx_dir()};
	media_request r = {0};
	assay_error err = {0};
	media_decoded d;
	media_job *j = media_job_start(s, NULL, &r, &t, &err);
	CHECK(j && media_job_fd(j) >= 0);
	while (j && media_job_step(j, &d, &err) == 0)
		poll(NULL, 0, 5);
	CHECK(!d.cached);
	media_decoded_free(&d);
	media_job_free(j);
	j = media_job_start(s, NULL, &r, &t, &err);
	CHECK(j != NULL);
	if (!j)
		return;
	CHECK_INT(media_job_fd(j), -1);
	CHECK_INT(media_job_timeout_ms(j), 0);
	CHECK_INT(media_job_step(j, &d, &err), 1);
	CHECK(d.cached);
	CHECK_INT(d.n, 1);
	CHECK(media_job_step(j, &d, &err) < 0); /* answered once */
	media_decoded_free(&d);
	media_job_free(j);
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
}

TEST(deadline_seen_by_a_step)
{
	const char *v = clip();
	media_request r = {.count = 8, .total = 8, .limits = {.timeout_ms = 50}};
	assay_error err = {0};
	media_decoded d;
	media_job *j = v ? media_job_start(v, NULL, &r, NULL, &err) : NULL;
	CHECK(j != NULL);
	if (!j)
		return;
	CHECK(media_job_timeout_ms(j) <= 50);
	usleep(200 * 1000);
	int rc;
	while ((rc = media_job_step(j, &d, &err)) == 0)
		poll(NULL, 0, 5);
	CHECK_INT(rc, ASSAY_EFORMAT);
	CHECK_CONTAINS(err.msg, "cannot show slow.mp4: timed out after 50 ms");
	media_job_free(j);
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
}

TEST(dropped_job_leaves_no_child)
{
	const char *v = clip();
	media_request r = {.count = 8, .total = 8, .limits = {.timeout_ms = 60000}};
	assay_error err = {0};
	media_job *j = v ? media_job_start(v, NULL, &r, NULL, &err) : NULL;
	CHECK(j != NULL);
	media_job_free(j);
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
	media_job_free(NULL);
}

UNIT_MAIN(UNIT_CASE(jobs_side_by_side_in_one_loop), UNIT_CASE(cache_hit_needs_no_child),
	  UNIT_CASE(deadline_seen_by_a_step), UNIT_CASE(dropped_job_leaves_no_child))
