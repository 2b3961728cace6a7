/* syncshim.c — an LD_PRELOAD shim for the export tests: fsync of a regular
 * file slowed down or failed, to show that the files of a split are all
 * complete and synced before any of them is named.
 *   ASSAY_TEST_FSYNC=sleep:MS  every fsync of a regular file waits MS ms first
 *   ASSAY_TEST_FSYNC=fail:N    the Nth fsync of a regular file fails (EIO)
 *   ASSAY_TEST_RENAME=sleep:MS every rename of a hidden temporary file
 *                              (".assay-" in its name) waits MS ms first
 *   ASSAY_TEST_CLOSE=fail      every close of a hidden temporary file fails
 *                              (EIO) after closing it, as a network file
 *                              system reports a deferred write error */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>

int fsync(int fd);

int fsync(int fd)
{
	static int (*real)(int);
	static int calls;
	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	const char *how = getenv("ASSAY_TEST_FSYNC");
	struct stat st;
	if (how && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		calls++;
		if (strncmp(how, "sleep:", 6) == 0) {
			long ms = atol(how + 6);
			struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
			nanosleep(&t, NULL);
		} else if (strncmp(how, "fail:", 5) == 0 && calls == atoi(how + 5)) {
			errno = EIO;
			return -1;
		}
	}
	return real(fd);
}

int rename(const char *from, const char *to);

int rename(const char *from, const char *to)
{
	static int (*real)(const char *, const char *);
	if (!real)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	const char *how = getenv("ASSAY_TEST_RENAME");
	if (how && strncmp(how, "sleep:", 6) == 0 && strstr(from, ".assay-")) {
		long ms = atol(how + 6);
		struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
		nanosleep(&t, NULL);
	}
	return real(from, to);
}

int close(int fd);

int close(int fd)
{
	static int (*real)(int);
	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "close");
	const char *how = getenv("ASSAY_TEST_CLOSE");
	char proc[64], name[4096];
	ssize_t n = -1;
	if (how && strcmp(how, "fail") == 0) {
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
		n = readlink(proc, name, sizeof name - 1);
	}
	int rc = real(fd);
	if (rc == 0 && n > 0) {
		name[n] = '\0';
		if (strstr(name, ".assay-")) {
			errno = EIO;
			return -1;
		}
	}
	return rc;
}
