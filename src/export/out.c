/* out.c — output files that appear whole or not at all: written to a
 * temporary file beside the destination, fsynced, renamed over it, and the
 * directory fsynced; any failure removes the temporary file. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assay/export.h"

#define OUT_BUF (256u << 10)

struct export_out {
	char *path;
	char *tmp;  /* NULL for stdout */
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
	free(copy);
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
	mode_t mask = umask(0);
	umask(mask);
	fchmod(o->fd, 0666 & ~mask);
	*out = o;
	return ASSAY_OK;
}

static int flush(export_out *o, assay_error *err)
{
	size_t done = 0;
	while (done < o->len) {
		ssize_t n = write(o->fd, o->buf + done, o->len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return io_error(o, errno, "writing", err);
		}
		done += (size_t)n;
	}
	o->len = 0;
	return ASSAY_OK;
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
		unlink(o->tmp);
	}
	release(o);
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
