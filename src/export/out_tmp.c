/* out_tmp.c — the hidden temporary files beside a destination. Each one
 * is held by its exporter under an exclusive flock(2) from before it has
 * its hidden name until it is renamed into place or removed (the file
 * stays open till then; the lock goes with the last descriptor, also on
 * kill -9). A file of that name no one holds is left over from an export
 * that was killed between naming its files and renaming them into place
 * (a --split set is named first, then renamed together): the next export
 * to the same destination a minute or more later removes it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "out_int.h"

/* ".BASE.assay-" and six characters of OUT_TMP_CHARS. */
static bool hidden_of(const char *name, const char *base)
{
	size_t b = strlen(base);
	if (name[0] != '.' || strncmp(name + 1, base, b) != 0 ||
	    strncmp(name + 1 + b, ".assay-", 7) != 0)
		return false;
	const char *x = name + 1 + b + 7;
	return strlen(x) == 6 && strspn(x, OUT_TMP_CHARS) == 6;
}

/* flock(fd, LOCK_EX | how), again when a signal interrupts it. */
static int lock_ex(int fd, int how)
{
	int rc;
	while ((rc = flock(fd, LOCK_EX | how)) != 0 && errno == EINTR)
		;
	return rc;
}

/* A leftover is at least this old (seconds since it was last written):
 * where locks are not shared between machines (NFS mounted nolock), a file
 * another machine's export is writing or renaming is not taken for one. */
#define SWEEP_AGE 60

/* Removes dir/name when it is a regular file no exporter holds, still the
 * file that was opened (not one created under the name meanwhile). Opened
 * for writing where it can be (an exclusive flock on NFS needs that), else
 * for reading or writing alone (a leftover keeps the mode of the file it
 * was to replace). */
static void sweep_one(int dfd, const char *name)
{
	struct stat named, held;
	if (fstatat(dfd, name, &named, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(named.st_mode))
		return;
	static const int modes[] = {O_RDWR, O_WRONLY, O_RDONLY};
	int fd = -1;
	for (size_t i = 0; i < sizeof modes / sizeof *modes && fd < 0; i++)
		fd = openat(dfd, name, modes[i] | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &held) == 0 && assay_same_file(&held, &named) &&
	    held.st_mtime < time(NULL) - SWEEP_AGE && lock_ex(fd, LOCK_NB) == 0 &&
	    fstatat(dfd, name, &named, AT_SYMLINK_NOFOLLOW) == 0 && assay_same_file(&held, &named))
		unlinkat(dfd, name, 0);
	close(fd);
}

void export_out_sweep(const char *dir, const char *base)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		if (hidden_of(e->d_name, base))
			sweep_one(dirfd(d), e->d_name);
	closedir(d);
}

void export_out_hold(int fd)
{
	/* where the file system has no flock, no sweep can take it either */
	lock_ex(fd, 0);
}

int export_out_mkstemp(char *tmp)
{
	size_t n = strlen(tmp);
	for (int tries = 0; tries < 100; tries++) {
		strcpy(tmp + n - 6, "XXXXXX");
		int fd = mkstemp(tmp);
		if (fd < 0)
			return -1;
		/* held by a sweep that found the name between its creation and
		 * this lock (and removes the file): another name is made */
		int rc = lock_ex(fd, LOCK_NB);
		struct stat held, named;
		if ((rc == 0 || errno != EWOULDBLOCK) && fstat(fd, &held) == 0 &&
		    stat(tmp, &named) == 0 && assay_same_file(&held, &named))
			return fd;
		close(fd);
	}
	errno = EEXIST;
	return -1;
}

int export_out_close_check(const export_out *o, int fd, assay_error *err)
{
	int d = dup(fd);
	if (d < 0)
		return export_out_error(o, errno, "closing", err);
	return close(d) == 0 || errno == EINTR ? ASSAY_OK : export_out_error(o, errno, "closing", err);
}
