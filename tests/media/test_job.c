/* test_job.c — decoding without blocking: jobs polled side by side in one
 * loop, a cache hit answered without a child, a deadline seen by a step,
 * and a job dropped unfinished leaving no child behind. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"
#include "unit.h"

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
	char s[1024];
	snprintf(s, sizeof s, "%s", fx_path("quick.png"));
	if (access(s, F_OK) != 0)
		fx_ffmpeg("quick.png", "-f lavfi -i color=c=blue:s=32x32 -frames:v 1");
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
	/* 20 ms, and the child stopped as soon as it is started: a step that
	 * finds the answer whole returns it even past the deadline, and the
	 * clip's 150 frames after its one keyframe were not enough on their
	 * own (a quiet machine decoded them within a 200 ms sleep; a busy
	 * one left this process unscheduled while the child finished). A
	 * stopped child sends nothing, so only the deadline can end the job;
	 * the step's SIGKILL ends a stopped process too. */
	media_request r = {.count = 8, .total = 8, .limits = {.timeout_ms = 20}};
	assay_error err = {0};
	media_decoded d;
	media_job *j = v ? media_job_start(v, NULL, &r, NULL, &err) : NULL;
	CHECK(j != NULL);
	if (!j)
		return;
	pid_t pid = fx_child();
	CHECK(pid > 0);
	if (pid > 0)
		kill(pid, SIGSTOP);
	CHECK(media_job_timeout_ms(j) <= 20);
	int rc;
	while ((rc = media_job_step(j, &d, &err)) == 0)
		poll(NULL, 0, 5);
	CHECK_INT(rc, ASSAY_EFORMAT);
	CHECK_CONTAINS(err.msg, "cannot show slow.mp4: timed out after 20 ms");
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

/* The value of one row of /proc/PID/limits ("Max file size"), soft. */
static long long limit_of(pid_t pid, const char *row)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/limits", (int)pid);
	FILE *f = fopen(path, "r");
	long long v = -2;
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, row, strlen(row)) == 0)
			v = strncmp(line + 26, "unlimited", 9) == 0 ? -1 : atoll(line + 26);
	if (f)
		fclose(f);
	return v;
}

TEST(child_is_confined)
{
	/* a descriptor of the parent's without close-on-exec */
	int leak = open("/dev/null", O_RDONLY);
	const char *v = clip();
	media_request r = {
	    .count = 8, .total = 8, .limits = {.timeout_ms = 60000, .cpu_seconds = 7}};
	assay_error err = {0};
	media_job *j = v ? media_job_start(v, NULL, &r, NULL, &err) : NULL;
	CHECK(j != NULL);
	/* the child sets its limits one at a time: wait for the last one
	 * (30 s only guards against a hang) */
	pid_t pid = 0;
	for (int64_t end = assay_mono_ns() + 30000000000; j && assay_mono_ns() < end;) {
		pid = fx_child();
		if (pid > 0 && limit_of(pid, "Max open files") == 16 &&
		    (UNDER_ASAN || limit_of(pid, "Max address space") > 0))
			break;
		usleep(1000);
	}
	CHECK(pid > 0);
	CHECK_INT(limit_of(pid, "Max file size"), 0);
	CHECK_INT(limit_of(pid, "Max cpu time"), 7);
	CHECK_INT(limit_of(pid, "Max core file size"), 0);
	if (!UNDER_ASAN)
		CHECK(limit_of(pid, "Max address space") > 0);
	/* 0-2 on /dev/null (2 kept under the sanitizers), 3 its pipe, 4 the file */
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(dir);
	int n = 0, highest = -1;
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.') {
			n++;
			highest = ASSAY_MAX(highest, atoi(de->d_name));
		}
	if (d)
		closedir(d);
	printf("# child %d: %d descriptors, highest %d (parent's extra one: %d)\n", (int)pid, n,
	       highest, leak);
	CHECK(n <= 5 && highest <= 4);
	media_job_free(j);
	close(leak);
}

UNIT_MAIN(UNIT_CASE(jobs_side_by_side_in_one_loop), UNIT_CASE(cache_hit_needs_no_child),
	  UNIT_CASE(deadline_seen_by_a_step), UNIT_CASE(dropped_job_leaves_no_child),
	  UNIT_CASE(child_is_confined))
