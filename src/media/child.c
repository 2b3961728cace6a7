/* child.c — starts the decoder in a forked child that can do little harm:
 * its address space, CPU time and file writes limited, no descriptor but
 * its pipe and the file it reads, default signal actions. Its parent
 * (job.c) reads the answer and kills it at the deadline. */
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

#include "av.h"
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

pid_t media_child_spawn(const char *path, const media_request *req, int *fd, assay_error *err)
{
	int fds[2];
	const char *name = media_display_name(path);
	/* loaded here, once, so that every child inherits FFmpeg already
	 * mapped instead of each loading it under its address-space limit */
	int rc = media_av_load(err);
	if (rc < 0)
		return assay_error_prefix(err, "cannot show %s", name);
	if (pipe2(fds, O_CLOEXEC) != 0)
		return assay_fail(err, ASSAY_EIO, "cannot show %s: pipe: %s", name,
				  strerror(errno));
	pid_t pid = fork();
	if (pid == 0)
		child_main(path, fds[1], req);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return assay_fail(err, ASSAY_EIO, "cannot show %s: fork: %s", name,
				  strerror(errno));
	}
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	*fd = fds[0];
	return pid;
}
