/* child.c — runs the decoder in a forked child that can do little harm:
 * its address space, CPU time and file writes limited, no descriptor but
 * its pipe and the file it reads, killed by its parent at the deadline.
 * Whatever goes wrong becomes one line, "cannot show NAME: reason". */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "media_int.h"

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

#define WIRE_FD 3

/* The child's address space now (it inherits its parent's), in bytes. */
static uint64_t vm_size(void)
{
	unsigned long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%lu", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	return (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void set_limit(int what, uint64_t soft, uint64_t hard)
{
	struct rlimit rl = {.rlim_cur = soft, .rlim_max = hard};
	setrlimit(what, &rl);
}

/* Leaves the child with stdin/out/err on /dev/null (stderr kept under
 * the sanitizers, whose reports go there), the pipe on WIRE_FD and nothing
 * else, then limits it. */
static void confine(int wfd, const media_limits *l)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (wfd != WIRE_FD) {
		dup2(wfd, WIRE_FD);
		close(wfd);
	}
	int null = open("/dev/null", O_RDWR);
	for (int fd = 0; fd < (UNDER_ASAN ? 2 : 3) && null >= 0; fd++)
		if (fd != null)
			dup2(null, fd);
	if (null > WIRE_FD)
		close(null);
	if (close_range(WIRE_FD + 1, ~0U, 0) != 0)
		for (int fd = WIRE_FD + 1; fd < 1024; fd++)
			close(fd);
	set_limit(RLIMIT_FSIZE, 0, 0);
	set_limit(RLIMIT_CORE, 0, 0);
	set_limit(RLIMIT_CPU, (uint64_t)l->cpu_seconds, (uint64_t)l->cpu_seconds + 1);
	set_limit(RLIMIT_NOFILE, 16, 16);
	if (!UNDER_ASAN)
		set_limit(RLIMIT_AS, vm_size() + l->memory, vm_size() + l->memory);
}

/* The file, if it is one: a FIFO, device, directory or socket is refused
 * before it is read (opened non-blocking, so a FIFO cannot hold us). */
static int open_media(const char *path, char *reason, size_t cap)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat sb;
	if (fd < 0) {
		snprintf(reason, cap, "%s", strerror(errno));
		return -1;
	}
	const char *what = NULL;
	if (fstat(fd, &sb) != 0)
		what = strerror(errno);
	else if (S_ISFIFO(sb.st_mode))
		what = "not a regular file (a FIFO)";
	else if (S_ISDIR(sb.st_mode))
		what = "not a regular file (a directory)";
	else if (S_ISSOCK(sb.st_mode))
		what = "not a regular file (a socket)";
	else if (!S_ISREG(sb.st_mode))
		what = "not a regular file (a device)";
	else if (sb.st_size == 0)
		what = "empty file";
	if (what) {
		snprintf(reason, cap, "%s", what);
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, 0);
	return fd;
}

static void child_main(const char *path, int wfd, const media_request *r)
{
	confine(wfd, &r->limits);
	/* the parent's handlers (a stop flag for SIGINT) must not keep a
	   decoder alive: these signals end it, and none is blocked */
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGXCPU};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(sigs); i++)
		signal(sigs[i], SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	char reason[200] = "";
	media_decoded d;
	memset(&d, 0, sizeof d);
	int fd = open_media(path, reason, sizeof reason);
	int rc = fd < 0 ? -1 : media_decode_fd(fd, r, &d, reason, sizeof reason);
	media_wire_write(WIRE_FD, rc == 0 ? &d : NULL, reason);
	_exit(rc == 0 ? 0 : 1);
}

/* Why a child that sent no answer ended. */
static void ended_how(int status, bool timed_out, const media_request *r, char *why, size_t cap)
{
	if (timed_out) {
		snprintf(why, cap, "timed out after %ld ms", r->limits.timeout_ms);
	} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU) {
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
			usleep(2000);
		}
	}
}

int media_decode(const char *path, const media_request *req, media_decoded *out, assay_error *err)
{
	media_request r;
	memset(out, 0, sizeof *out);
	int rc = media_request_norm(req, &r, err);
	if (rc < 0)
		return rc;
	const char *name = media_display_name(path);
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return assay_fail(err, ASSAY_EIO, "cannot show %s: pipe: %s", name,
				  strerror(errno));
	int64_t t0 = assay_mono_ns();
	pid_t pid = fork();
	if (pid == 0)
		child_main(path, fds[1], &r);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return assay_fail(err, ASSAY_EIO, "cannot show %s: fork: %s", name,
				  strerror(errno));
	}
	char reason[256] = "";
	int64_t deadline = t0 + (int64_t)r.limits.timeout_ms * 1000000;
	rc = media_wire_read(fds[0], &r, deadline, out, reason, sizeof reason);
	bool timed_out = rc == ASSAY_EIO && strcmp(reason, "timed out") == 0;
	close(fds[0]);
	struct rusage ru;
	memset(&ru, 0, sizeof ru);
	bool ended = rc == ASSAY_EIO && strcmp(reason, "ended early") == 0;
	int status = reap(pid, !ended, deadline, &ru);
	out->wall_ms = (double)(assay_mono_ns() - t0) / 1e6;
	out->child_maxrss_kb = ru.ru_maxrss;
	out->child_cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
			    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	if (rc == ASSAY_OK)
		return ASSAY_OK;
	media_decoded_free(out);
	if (ended || timed_out)
		ended_how(status, timed_out, &r, reason, sizeof reason);
	else if (rc == ASSAY_EIO)
		snprintf(reason, sizeof reason, "the decoder's answer was malformed");
	return assay_fail(err, ASSAY_EFORMAT, "cannot show %s: %s", name, reason);
}
