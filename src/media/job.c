/* job.c — the parent's side of a decode: the answer collected from the
 * child's pipe without blocking (never more bytes than the request allows),
 * the child killed at its deadline and reaped with its resource use, the
 * thumbnail cache asked first and filled after; media_decode is this in a
 * poll loop. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "media_int.h"

/* How long a child that closed its pipe may take to be reaped. */
#define GRACE_NS (1000 * 1000000LL)

struct media_job {
	pid_t pid;
	int fd;
	bool done, hit, cache;
	media_request req;
	char name[256];
	int64_t t0, deadline;
	uint8_t *buf;
	size_t len, cap, max;
	media_decoded ready; /* a cache hit */
	char dir[4096], file[80];
	uint64_t cache_bytes;
};

media_job *media_job_start(const char *path, const char *source, const media_request *req,
			   const media_thumbs *thumbs, assay_error *err)
{
	media_job *j = calloc(1, sizeof *j);
	if (!j) {
		assay_fail(err, ASSAY_ENOMEM, "out of memory");
		return NULL;
	}
	j->fd = -1;
	j->t0 = assay_mono_ns();
	if (media_request_norm(req, &j->req, err) < 0) {
		free(j);
		return NULL;
	}
	snprintf(j->name, sizeof j->name, "%s", media_display_name(path));
	j->cache = thumbs &&
		   media_thumb_key(path, source, &j->req, thumbs, j->dir, sizeof j->dir, j->file);
	j->cache_bytes = thumbs ? thumbs->max_bytes : 0;
	if (j->cache && media_thumb_lookup(j->dir, j->file, &j->req, &j->ready)) {
		j->hit = true;
		return j;
	}
	j->max = media_wire_max(&j->req);
	j->deadline = j->t0 + (int64_t)j->req.limits.timeout_ms * 1000000;
	j->pid = media_child_spawn(path, &j->req, &j->fd, err);
	if (j->pid < 0) {
		free(j);
		return NULL;
	}
	return j;
}

int media_job_fd(const media_job *j)
{
	return j->hit || j->done ? -1 : j->fd;
}

int media_job_timeout_ms(const media_job *j)
{
	if (j->hit || j->done)
		return 0;
	int64_t left = (j->deadline - assay_mono_ns() + 999999) / 1000000;
	return left > 0 ? (int)ASSAY_MIN(left, 1 << 30) : 0;
}

/* Reads what the pipe holds: 1 at its end, 0 when it would block, -1 when
 * the child sent more than any answer can take. */
static int pump(media_job *j)
{
	for (;;) {
		if (j->len == j->cap) {
			size_t cap = ASSAY_MIN(ASSAY_MAX(2 * j->cap, (size_t)65536), j->max + 1);
			uint8_t *grown = cap > j->cap ? realloc(j->buf, cap) : NULL;
			if (!grown)
				return -1;
			j->buf = grown;
			j->cap = cap;
		}
		ssize_t n = read(j->fd, j->buf + j->len, j->cap - j->len);
		if (n > 0) {
			j->len += (size_t)n;
			if (j->len > j->max)
				return -1;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			return n < 0 && errno == EAGAIN ? 0 : 1;
		}
	}
}

/* Reaps the child: at once when its answer is in or it is late (killed
 * first), else waits for it to end until the deadline. */
static int reap(pid_t pid, bool kill_now, int64_t deadline, struct rusage *ru)
{
	int status = 0;
	if (kill_now)
		kill(pid, SIGKILL);
	for (;;) {
		pid_t got = wait4(pid, &status, kill_now ? 0 : WNOHANG, ru);
		if (got == pid || (got < 0 && errno != EINTR))
			return status;
		if (got == 0 && assay_mono_ns() >= deadline) {
			kill(pid, SIGKILL);
			kill_now = true;
		} else if (got == 0) {
			usleep(1000);
		}
	}
}

/* Why a child that sent no whole answer ended. */
static void ended_how(int status, const media_request *r, char *why, size_t cap)
{
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU) {
		snprintf(why, cap, "CPU time limit (%d s) exceeded", r->limits.cpu_seconds);
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *name = sigabbrev_np(sig);
		snprintf(why, cap, "decoder killed by signal %d (SIG%s)", sig, name ? name : "?");
	} else {
		snprintf(why, cap, "decoder exited with status %d without an answer",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
}

static void usage_into(const media_job *j, const struct rusage *ru, media_decoded *out)
{
	out->wall_ms = (double)(assay_mono_ns() - j->t0) / 1e6;
	out->child_maxrss_kb = ru->ru_maxrss;
	out->child_cpu_ms = (double)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1e3 +
			    (double)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e3;
}

/* Ends a job whose pipe ended (pumped 1), overflowed (-1) or timed out (0). */
static int finish(media_job *j, int pumped, media_decoded *out, assay_error *err)
{
	char reason[256] = "";
	memset(out, 0, sizeof *out);
	int rc = pumped == 1 ? media_wire_parse(j->buf, j->len, &j->req, out, reason, sizeof reason)
			     : ASSAY_EIO;
	bool ended = pumped == 1 && rc == ASSAY_EIO && strcmp(reason, "ended early") == 0;
	struct rusage ru;
	memset(&ru, 0, sizeof ru);
	int status = reap(j->pid, !ended, assay_mono_ns() + GRACE_NS, &ru);
	j->pid = -1;
	j->done = true;
	close(j->fd);
	j->fd = -1;
	if (rc == ASSAY_OK) {
		usage_into(j, &ru, out);
		if (j->cache)
			media_thumb_store(j->dir, j->file, out, j->cache_bytes);
		return 1;
	}
	media_decoded_free(out);
	if (pumped == 0)
		snprintf(reason, sizeof reason, "timed out after %ld ms", j->req.limits.timeout_ms);
	else if (pumped < 0)
		snprintf(reason, sizeof reason, "the decoder's answer was too long");
	else if (ended)
		ended_how(status, &j->req, reason, sizeof reason);
	else if (rc == ASSAY_EIO)
		snprintf(reason, sizeof reason, "the decoder's answer was malformed");
	return assay_fail(err, ASSAY_EFORMAT, "cannot show %s: %s", j->name, reason);
}

int media_job_step(media_job *j, media_decoded *out, assay_error *err)
{
	if (j->hit) {
		*out = j->ready;
		out->wall_ms = (double)(assay_mono_ns() - j->t0) / 1e6;
		memset(&j->ready, 0, sizeof j->ready);
		j->hit = false;
		j->done = true;
		return 1;
	}
	if (j->done)
		return assay_fail(err, ASSAY_ECONFLICT, "cannot show %s: already answered",
				  j->name);
	int pumped = pump(j);
	if (pumped == 0 && assay_mono_ns() < j->deadline)
		return 0;
	return finish(j, pumped, out, err);
}

void media_job_free(media_job *j)
{
	if (!j)
		return;
	if (j->pid > 0) {
		kill(j->pid, SIGKILL);
		while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (j->fd >= 0)
		close(j->fd);
	media_decoded_free(&j->ready);
	free(j->buf);
	free(j);
}

/* Runs a job to its end in a poll loop. */
static int run(media_job *j, media_decoded *out, assay_error *err)
{
	int rc;
	while ((rc = media_job_step(j, out, err)) == 0) {
		struct pollfd p = {.fd = media_job_fd(j), .events = POLLIN};
		if (poll(&p, 1, media_job_timeout_ms(j)) < 0 && errno != EINTR) {
			rc = assay_fail(err, ASSAY_EIO, "cannot show %s: poll: %s", j->name,
					strerror(errno));
			break;
		}
	}
	media_job_free(j);
	return rc == 1 ? ASSAY_OK : rc;
}

int media_decode(const char *path, const media_request *req, media_decoded *out, assay_error *err)
{
	assay_error local;
	memset(out, 0, sizeof *out);
	err = err ? err : &local;
	media_job *j = media_job_start(path, NULL, req, NULL, err);
	return j ? run(j, out, err) : err->code;
}

int media_decode_cached(const char *path, const char *source, const media_request *req,
			const char *dir, uint64_t cache_bytes, media_decoded *out, assay_error *err)
{
	assay_error local;
	media_thumbs t = {.dir = dir, .max_bytes = cache_bytes};
	memset(out, 0, sizeof *out);
	err = err ? err : &local;
	media_job *j = media_job_start(path, source, req, &t, err);
	return j ? run(j, out, err) : err->code;
}
