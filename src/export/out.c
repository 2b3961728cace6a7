/* out.c — output files that appear whole or not at all. Where the file
 * system allows (Linux O_TMPFILE), the output is an unnamed file in the
 * destination's directory: written, fsynced, then linked in under the
 * destination's name (or under a temporary name renamed over an existing
 * destination), and the directory fsynced. A killed export leaves nothing
 * behind: the unnamed file goes with the process. Elsewhere, a hidden
 * temporary file beside the destination, renamed over it; any failure
 * removes it. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assay/export.h"

#define OUT_BUF (256u << 10)

struct export_out {
	char *path;
	char *tmp;  /* NULL for stdout; else the hidden name ".BASE.assay-XXXXXX" */
	bool anon;  /* fd is an unnamed O_TMPFILE file (tmp not created yet) */
	int fd;
	size_t len;
	char buf[OUT_BUF];
};

static int io_error(const export_out *o, int e, const char *what, assay_error *err)
{
	const char *dest = o->tmp ? o->path : "standard output";
	if (e == ENOSPC || e == EDQUOT)
		return assay_fail(err, ASSAY_EFULL, "%s: disk full while %s; %s", dest, what,
				  o->tmp ? "nothing was written there" : "the output is incomplete");
	return assay_fail(err, ASSAY_EIO, "%s: %s failed: %s%s", dest, what, strerror(e),
			  o->tmp ? "; nothing was written there" : "");
}

int export_out_open(const char *path, export_out **out, assay_error *err)
{
	*out = NULL;
	export_out *o = malloc(sizeof *o);
	if (!o)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	*o = (export_out){.fd = STDOUT_FILENO};
	o->path = assay_strdup(path);
	if (!o->path) {
		free(o);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	if (strcmp(path, "-") == 0) {
		*out = o;
		return ASSAY_OK;
	}
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		free(o->path);
		free(o);
		return assay_fail(err, ASSAY_EIO, "%s: is a directory", path);
	}
	char *copy = assay_strdup(path);
	const char *dir = copy ? dirname(copy) : ".";
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t n = strlen(dir) + strlen(base) + 32;
	o->tmp = malloc(n);
	if (!copy || !o->tmp) {
		free(copy);
		free(o->tmp);
		free(o->path);
		free(o);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	snprintf(o->tmp, n, "%s/.%s.assay-XXXXXX", dir, base);
	mode_t mask = umask(0);
	umask(mask);
#ifdef O_TMPFILE
	/* linking an unnamed file in goes through /proc/self/fd */
	if (access("/proc/self/fd", X_OK) == 0) {
		o->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0666 & ~mask);
		o->anon = o->fd >= 0;
	}
#endif
	free(copy);
	if (o->anon) {
		*out = o;
		return ASSAY_OK;
	}
	o->fd = mkstemp(o->tmp);
	if (o->fd < 0) {
		int e = errno;
		int rc = assay_fail(err, e == ENOENT ? ASSAY_ENOTFOUND : ASSAY_EIO,
				    "%s: cannot create a file there: %s", path, strerror(e));
		free(o->tmp);
		free(o->path);
		free(o);
		return rc;
	}
	/* mkstemp makes 0600; the result gets the usual mode for new files. */
	fchmod(o->fd, 0666 & ~mask);
	*out = o;
	return ASSAY_OK;
}

/* Writes p[0..len) to fd whole (retrying short writes and EINTR). */
static int write_all(const export_out *o, int fd, const char *p, size_t len, assay_error *err)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return io_error(o, errno, "writing", err);
		}
		done += (size_t)n;
	}
	return ASSAY_OK;
}

static int flush(export_out *o, assay_error *err)
{
	int rc = write_all(o, o->fd, o->buf, o->len, err);
	if (rc == ASSAY_OK)
		o->len = 0;
	return rc;
}

int export_out_write(export_out *o, const void *data, size_t len, assay_error *err)
{
	const char *p = data;
	while (len) {
		if (o->len == OUT_BUF) {
			int rc = flush(o, err);
			if (rc < 0)
				return rc;
		}
		size_t n = ASSAY_MIN(len, OUT_BUF - o->len);
		memcpy(o->buf + o->len, p, n);
		o->len += n;
		p += n;
		len -= n;
	}
	return ASSAY_OK;
}

static void release(export_out *o)
{
	free(o->tmp);
	free(o->path);
	free(o);
}

void export_out_abort(export_out *o)
{
	if (!o)
		return;
	if (o->tmp) {
		close(o->fd);
		if (!o->anon)
			unlink(o->tmp);
	}
	release(o);
}

/* A fresh random suffix for the template's XXXXXX. */
static void randomize(char *tmp)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char r[6];
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		for (size_t i = 0; i < sizeof r; i++)
			r[i] = (unsigned char)(rand() ^ getpid() ^ (int)i);
	char *x = tmp + strlen(tmp) - 6;
	for (size_t i = 0; i < sizeof r; i++)
		x[i] = set[r[i] % (sizeof set - 1)];
}

/* Where the unnamed file cannot be linked in (a sandbox refusing links
 * through /proc, say), its bytes are copied into a hidden temporary file
 * beside the destination, which is then renamed over it. */
static int copy_in(export_out *o, assay_error *err)
{
	strcpy(o->tmp + strlen(o->tmp) - 6, "XXXXXX");
	int fd = mkstemp(o->tmp);
	if (fd < 0)
		return io_error(o, errno, "creating a temporary file", err);
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	int rc = ASSAY_OK;
	off_t at = 0;
	for (;;) {
		ssize_t n = pread(o->fd, o->buf, OUT_BUF, at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = io_error(o, errno, "reading back", err);
			break;
		}
		if (n == 0)
			break;
		if ((rc = write_all(o, fd, o->buf, (size_t)n, err)) < 0)
			break;
		at += n;
	}
	if (rc == ASSAY_OK && fsync(fd) != 0)
		rc = io_error(o, errno, "syncing", err);
	if (close(fd) != 0 && rc == ASSAY_OK)
		rc = io_error(o, errno, "closing", err);
	if (rc == ASSAY_OK && rename(o->tmp, o->path) != 0)
		rc = io_error(o, errno, "renaming into place", err);
	if (rc < 0)
		unlink(o->tmp);
	return rc;
}

/* Errors of linkat that say linking is not possible here (rather than
 * that the disk is full or failing): the bytes are copied instead. */
static bool link_refused(int e)
{
	return e != ENOSPC && e != EDQUOT && e != EIO && e != EROFS && e != ENAMETOOLONG &&
	       e != ENOTDIR && e != EISDIR;
}

/* Gives the unnamed file its name: the destination itself when there is
 * none yet (appearing whole in one step), else a temporary name renamed
 * over the destination. Closes the file. */
static int link_in(export_out *o, assay_error *err)
{
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
	int rc = ASSAY_OK;
	if (linkat(AT_FDCWD, proc, AT_FDCWD, o->path, AT_SYMLINK_FOLLOW) == 0)
		goto done;
	if (errno != EEXIST) {
		rc = link_refused(errno) ? copy_in(o, err)
					 : io_error(o, errno, "linking into place", err);
		goto done;
	}
	for (int tries = 0;; tries++) {
		randomize(o->tmp);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, o->tmp, AT_SYMLINK_FOLLOW) == 0)
			break;
		if (errno != EEXIST && link_refused(errno)) {
			rc = copy_in(o, err);
			goto done;
		}
		if (errno != EEXIST || tries == 100) {
			rc = io_error(o, errno, "linking into place", err);
			goto done;
		}
	}
	if (rename(o->tmp, o->path) != 0) {
		rc = io_error(o, errno, "renaming into place", err);
		unlink(o->tmp);
	}
done:
	/* the data is synced and named (or the export failed): nothing a
	 * failing close could still lose */
	close(o->fd);
	return rc;
}

/* Makes the rename itself durable. */
static void sync_dir(const char *path)
{
	char *copy = assay_strdup(path);
	if (!copy)
		return;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int export_out_commit(export_out *o, assay_error *err)
{
	int rc = flush(o, err);
	if (rc < 0) {
		export_out_abort(o);
		return rc;
	}
	if (!o->tmp) {
		release(o);
		return ASSAY_OK;
	}
	if (fsync(o->fd) != 0) {
		rc = io_error(o, errno, "syncing", err);
		export_out_abort(o);
		return rc;
	}
	if (o->anon) {
		if ((rc = link_in(o, err)) == ASSAY_OK)
			sync_dir(o->path);
		release(o);
		return rc;
	}
	if (close(o->fd) != 0) {
		o->fd = -1;
		rc = io_error(o, errno, "closing", err);
		unlink(o->tmp);
		release(o);
		return rc;
	}
	if (rename(o->tmp, o->path) != 0) {
		rc = io_error(o, errno, "renaming into place", err);
		unlink(o->tmp);
		release(o);
		return rc;
	}
	sync_dir(o->path);
	release(o);
	return ASSAY_OK;
}
