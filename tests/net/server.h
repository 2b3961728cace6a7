/* server.h — for the network tests: starts tests/httpd.py (found through
 * $ASSAY_SOURCE) as a subprocess once, builds URLs on it, stops it at exit. */
#ifndef ASSAY_TEST_SERVER_H
#define ASSAY_TEST_SERVER_H

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "assay/common.h"

static pid_t server_pid;
static char base[64];

static void server_stop(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
		server_pid = 0;
	}
}

/* Starts tests/httpd.py once and remembers its base URL. */
static const char *server(void)
{
	if (server_pid > 0)
		return base;
	const char *src = getenv("ASSAY_SOURCE");
	char script[4096];
	snprintf(script, sizeof script, "%s/tests/httpd.py", src ? src : ".");
	int fd[2];
	if (pipe(fd) != 0)
		return NULL;
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execlp("python3", "python3", script, "--idle", "60", "--max-life", "600",
		       (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	FILE *f = fdopen(fd[0], "r");
	char line[64] = "";
	int port = 0;
	if (!f || !fgets(line, sizeof line, f) || sscanf(line, "PORT %d", &port) != 1) {
		printf("# could not start %s\n", script);
		if (f)
			fclose(f);
		return NULL;
	}
	fclose(f);
	server_pid = pid;
	snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
	return base;
}

/* A URL on the server: the path is fmt with its arguments. */
__attribute__((format(printf, 1, 2))) static char *url(const char *fmt, ...)
{
	va_list ap;
	static char buf[8][512];
	static int k;
	char path[400];
	va_start(ap, fmt);
	vsnprintf(path, sizeof path, fmt, ap);
	va_end(ap);
	k = (k + 1) % 8;
	snprintf(buf[k], sizeof buf[k], "%s%s", server() ? server() : "http://127.0.0.1:9", path);
	return buf[k];
}

/* A name no other case (or earlier run of this case) used, for fault ids. */
static const char *uniq(void)
{
	static char buf[8][48];
	static int k, n;
	k = (k + 1) % 8;
	snprintf(buf[k], sizeof buf[k], "%d-%d-%lld", getpid(), ++n, (long long)assay_mono_ns());
	return buf[k];
}

static double ms_since(int64_t t0)
{
	return (double)(assay_mono_ns() - t0) / 1e6;
}

/* Runs the cases with libcurl initialised and the server up. */
#define NET_TEST_MAIN(...)                                                     \
	int main(int argc, char **argv)                                        \
	{                                                                      \
		static const unit_case_ cases_[] = {__VA_ARGS__};              \
		if (net_global_init(NULL) < 0)                                 \
			return 1;                                              \
		atexit(server_stop);                                           \
		if (!server()) {                                               \
			printf("1..1\nnot ok 1 - the test server did not start\n"); \
			return 1;                                              \
		}                                                              \
		int rc_ = unit_run_(cases_, ASSAY_ARRAY_LEN(cases_), argc, argv); \
		server_stop();                                                 \
		net_global_cleanup();                                          \
		return rc_;                                                    \
	}

#endif
