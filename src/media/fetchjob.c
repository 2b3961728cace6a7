/* fetchjob.c — media_fetch without blocking the screen: the download runs
 * in a forked child (its own connection; the parent's are left alone) that
 * writes the cached file's path, or why it failed, to a pipe; the parent
 * polls it and kills the child past the fetch's timeout. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "assay/net.h"
#include "media_int.h"

/* The child is given this long beyond the fetch's own timeout. */
#define MARGIN_MS 2000
#define ANSWER_MAX 8192

struct media_fetch_job {
	pid_t pid;
	int fd;
	int64_t deadline;
	char name[256];
	char buf[ANSWER_MAX];
	size_t len;
};

/* The child: one fetch, its answer ("0PATH" or "1REASON") on fd. */
static void child(int fd, const char *url, const media_fetch_options *o)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(sigs); i++)
		signal(sigs[i], SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	char *path = NULL;
	assay_error err = {0};
	char out[ANSWER_MAX];
	int n;
	if (media_fetch(url, o, &path, &err) == ASSAY_OK)
		n = snprintf(out, sizeof out, "0%s", path);
	else
		n = snprintf(out, sizeof out, "1%s", err.msg);
	if (n > 0 && write(fd, out, (size_t)ASSAY_MIN(n, (int)sizeof out - 1)) < 0)
		n = 0;
	_exit(0);
}

media_fetch_job *media_fetch_job_start(const char *url, const media_fetch_options *opt,
				       assay_error *err)
{
	media_fetch_job *j = calloc(1, sizeof *j);
	char safe[512];
	net_safe_url(url, safe, sizeof safe);
	int p[2];
	if (!j || pipe2(p, O_CLOEXEC) != 0) {
		free(j);
		assay_fail(err, ASSAY_EIO, "cannot show %s: %s", media_display_name(safe),
			   strerror(errno));
		return NULL;
	}
	snprintf(j->name, sizeof j->name, "%s", media_display_name(safe));
	long timeout = opt && opt->timeout_ms > 0 ? opt->timeout_ms : 20000;
	j->deadline = assay_mono_ns() + (int64_t)(timeout + MARGIN_MS) * 1000000;
	fflush(NULL);
	j->pid = fork();
	if (j->pid == 0) {
		close(p[0]);
		child(p[1], url, opt);
	}
	close(p[1]);
	if (j->pid < 0) {
		close(p[0]);
		assay_fail(err, ASSAY_EIO, "cannot show %s: fork: %s", j->name, strerror(errno));
		free(j);
		return NULL;
	}
	j->fd = p[0];
	fcntl(j->fd, F_SETFL, fcntl(j->fd, F_GETFL) | O_NONBLOCK);
	return j;
}

int media_fetch_job_fd(const media_fetch_job *j)
{
	return j->fd;
}

int media_fetch_job_timeout_ms(const media_fetch_job *j)
{
	int64_t left = (j->deadline - assay_mono_ns() + 999999) / 1000000;
	return left > 0 ? (int)ASSAY_MIN(left, 1 << 30) : 0;
}

/* Ends the child (killed when it has not ended by itself) and reaps it. */
static void end_child(media_fetch_job *j, bool kill_it)
{
	if (j->pid <= 0)
		return;
	if (kill_it)
		kill(j->pid, SIGKILL);
	while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
		;
	j->pid = -1;
}

int media_fetch_job_step(media_fetch_job *j, char **path, assay_error *err)
{
	*path = NULL;
	for (;;) {
		ssize_t n = read(j->fd, j->buf + j->len, sizeof j->buf - 1 - j->len);
		if (n > 0) {
			j->len += (size_t)n;
			if (j->len < sizeof j->buf - 1)
				continue;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN) {
			if (assay_mono_ns() < j->deadline)
				return 0;
			end_child(j, true);
			return assay_fail(err, ASSAY_ENET, "cannot show %s: no answer in time",
					  j->name);
		}
		break;
	}
	end_child(j, false);
	j->buf[j->len] = '\0';
	if (j->len > 1 && j->buf[0] == '0') {
		*path = assay_strdup(j->buf + 1);
		return *path ? 1 : assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	return assay_fail(err, ASSAY_ENET, "%s",
			  j->len > 1 ? j->buf + 1 : "cannot show it: the download ended early");
}

void media_fetch_job_free(media_fetch_job *j)
{
	if (!j)
		return;
	end_child(j, true);
	close(j->fd);
	free(j);
}
