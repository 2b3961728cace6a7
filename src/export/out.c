/* out.c — where an export's bytes go. Standard output, a FIFO, a character
 * device or a socket is written directly, as a stream. A regular file (or
 * a new name) appears whole or not at all: where the file system allows
 * (Linux O_TMPFILE), the output is an unnamed file in the destination's
 * directory, written and fsynced, then linked in under a hidden name and
 * renamed over the destination (or linked in under the destination's own
 * name when there is none yet); elsewhere a hidden temporary file renamed
 * over it. An existing file keeps its mode and owner; a symbolic link is
 * written through, not replaced. The database and its side files are never
 * a destination. A killed export leaves nothing at the destination (the
 * unnamed file goes with the process; a hidden name left by a kill before
 * its rename is removed by a later export: out_tmp.c). Several outputs (the files of a split) are
 * committed as one set: every file is complete and synced before any is
 * named (out_set.c). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "out_int.h"

/* open_stream found a regular file: the atomic path takes it. */
#define OUT_REGULAR 1

int export_out_error(const export_out *o, int e, const char *what, assay_error *err)
{
	bool file = o->kind != OUT_STREAM;
	const char *dest = o->to_stdout ? "standard output" : o->path;
	if (e == EPIPE && !file && o->opt.reader_gone)
		*o->opt.reader_gone = true;
	if (e == EINTR)
		return assay_fail(err, ASSAY_EINTR, "%s: interrupted while %s%s", dest, what,
				  file ? "; nothing was written there" : "");
	if (e == ENOSPC || e == EDQUOT)
		return assay_fail(err, ASSAY_EFULL, "%s: disk full while %s; %s", dest, what,
				  file ? "nothing was written there" : "the output is incomplete");
	return assay_fail(err, ASSAY_EIO, "%s: %s failed: %s%s", dest, what, strerror(e),
			  file ? "; nothing was written there" : "");
}

/* Whether a signal asked the export to stop (a blocked call then gives up). */
static bool stopped(const export_out *o)
{
	return o->stop && *o->stop;
}

/* Follows the symbolic links of path's last component (the file a write
 * through the name reaches) and resolves its directory: a path whose last
 * component is not a link, existing or not. NULL with err set on failure. */
static char *resolve_target(const char *path, assay_error *err)
{
	char *p = assay_strdup(path);
	for (int hops = 0; p; hops++) {
		struct stat l;
		if (lstat(p, &l) != 0 || !S_ISLNK(l.st_mode))
			break;
		char link[4096];
		ssize_t n = hops < 40 ? readlink(p, link, sizeof link - 1) : -1;
		if (n < 0) {
			assay_fail(err, ASSAY_EIO, "%s: cannot follow the symbolic link: %s", path,
				   strerror(hops < 40 ? errno : ELOOP));
			free(p);
			return NULL;
		}
		link[n] = '\0';
		abuf next = {0};
		if (link[0] != '/')
			abuf_printf(&next, "%s/", dirname(p));
		abuf_puts(&next, link);
		free(p);
		p = abuf_take(&next);
	}
	char *copy = p ? assay_strdup(p) : NULL;
	char *dir = copy ? realpath(dirname(copy), NULL) : NULL;
	int e = errno;
	abuf t = {0};
	if (dir)
		abuf_printf(&t, "%s/%s", strcmp(dir, "/") ? dir : "", basename(p));
	else if (p && copy)
		assay_fail(err, e == ENOENT ? ASSAY_ENOTFOUND : ASSAY_EIO,
			   "%s: cannot create a file there: %s", path, strerror(e));
	else
		assay_fail(err, ASSAY_ENOMEM, "out of memory");
	bool ok = dir != NULL;
	free(dir);
	free(copy);
	free(p);
	char *target = ok ? abuf_take(&t) : NULL;
	if (ok && !target)
		assay_fail(err, ASSAY_ENOMEM, "out of memory");
	return target;
}

/* Refuses a destination that is the database or one of its side files. */
static int guard(const export_out *o, const char *target, const struct stat *st,
		 assay_error *err)
{
	const char *what = o->opt.db ? store_own_file(o->opt.db, target, st) : NULL;
	if (!what)
		return ASSAY_OK;
	return assay_fail(err, ASSAY_EINVAL,
			  "%s: is %s (%s); refusing to write there: give another output",
			  o->to_stdout && !target ? "standard output" : o->path, what,
			  store_path(o->opt.db));
}

/* A UNIX socket: connected to, then written as a stream. */
static int connect_socket(export_out *o, assay_error *err)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(o->path) >= sizeof a.sun_path)
		return assay_fail(err, ASSAY_EIO, "%s: the socket's name is too long to connect to",
				  o->path);
	strcpy(a.sun_path, o->path);
	int types[] = {SOCK_STREAM, SOCK_SEQPACKET};
	int e = 0;
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(types); i++) {
		o->fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		if (o->fd < 0)
			return export_out_error(o, errno, "opening a socket", err);
		while (connect(o->fd, (struct sockaddr *)&a, sizeof a) != 0) {
			e = errno;
			if (e != EINTR || stopped(o))
				break;
		}
		if (e == 0 || (e == EINTR && stopped(o)) || e != EPROTOTYPE)
			break;
		close(o->fd);
		o->fd = -1;
		e = 0;
	}
	if (e == 0)
		return ASSAY_OK;
	int rc = export_out_error(o, e, "connecting to the socket", err);
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	return rc;
}

/* Opens o->path for writing without truncating, without waiting for a
 * FIFO's reader (a name then checked on its descriptor can be refused
 * before anything blocks). A FIFO no one reads yet is tried again, every
 * 50 ms at most, until a reader comes or a stop: a blocking open() would
 * never see a stop whose signal came just before it. The descriptor
 * blocks as usual. */
static int open_wronly(export_out *o, assay_error *err)
{
	int flags = O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK;
	long wait_ms = 1;
	struct stat st;
	while (!stopped(o) && (o->fd = open(o->path, flags)) < 0) {
		int e = errno;
		if (e == ENXIO && stat(o->path, &st) == 0 && S_ISFIFO(st.st_mode)) {
			/* a signal ends the sleep; the loop then sees the stop */
			nanosleep(&(struct timespec){0, wait_ms * 1000000}, NULL);
			wait_ms = ASSAY_MIN(wait_ms * 2, 50);
		} else if (e != EINTR) {
			return export_out_error(o, e, "opening", err);
		}
	}
	if (o->fd < 0)
		return export_out_error(o, EINTR, "opening", err);
	int fl = fcntl(o->fd, F_GETFL);
	if (fl < 0 || fcntl(o->fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return export_out_error(o, errno, "opening", err);
	return ASSAY_OK;
}

/* Standard output, a FIFO, a character device or a socket: written as it
 * is, never replaced by a file (a FIFO's reader gets every byte). What the
 * name reached is judged on the open descriptor, not on what a stat of the
 * name said before (the name may have been swapped in between): a regular
 * file there returns OUT_REGULAR for the atomic path and its checks. */
static int open_stream(export_out *o, const struct stat *st, assay_error *err)
{
	o->kind = OUT_STREAM;
	if (S_ISSOCK(st->st_mode)) {
		int rc = guard(o, NULL, st, err);
		return rc < 0 ? rc : connect_socket(o, err);
	}
	int rc = S_ISBLK(st->st_mode) ? ASSAY_OK : open_wronly(o, err);
	struct stat now = *st;
	if (rc == ASSAY_OK && !S_ISBLK(st->st_mode) && fstat(o->fd, &now) != 0)
		rc = export_out_error(o, errno, "opening", err);
	if (rc == ASSAY_OK && S_ISREG(now.st_mode)) {
		close(o->fd);
		o->fd = -1;
		return OUT_REGULAR;
	}
	if (rc == ASSAY_OK && S_ISBLK(now.st_mode))
		rc = assay_fail(err, ASSAY_EINVAL,
				"%s: is a block device; an export goes to a file, a FIFO, a "
				"character device or a socket",
				o->path);
	if (rc == ASSAY_OK)
		rc = guard(o, NULL, &now, err);
	if (rc < 0 && o->fd >= 0) {
		close(o->fd);
		o->fd = -1;
	}
	return rc;
}

/* The new file's mode and owner: those of the file it replaces, else the
 * usual mode for new files. Set before a byte is written. */
void export_out_set_mode(const export_out *o, int fd)
{
	if (!o->existed) {
		mode_t mask = umask(0);
		umask(mask);
		fchmod(fd, 0666 & ~mask);
		return;
	}
	/* set-id bits only where the owner is kept too */
	bool owner = fchown(fd, o->was.st_uid, o->was.st_gid) == 0;
	if (!owner && fchown(fd, (uid_t)-1, o->was.st_gid) != 0)
		(void)0; /* not a member of the group: ours it is */
	fchmod(fd, o->was.st_mode & (owner ? 07777 : 0777));
}

/* A regular file, or a new one: an unnamed file in the target's directory,
 * or else a hidden temporary file beside it. */
static int open_file(export_out *o, assay_error *err)
{
	char *copy = assay_strdup(o->target);
	const char *dir = copy ? dirname(copy) : ".";
	const char *base = strrchr(o->target, '/') + 1;
	size_t n = strlen(dir) + strlen(base) + 32;
	o->tmp = malloc(n);
	if (!copy || !o->tmp) {
		free(copy);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	snprintf(o->tmp, n, "%s/.%s.assay-XXXXXX", dir, base);
	export_out_sweep(dir, base);
	o->kind = OUT_NAMED;
#ifdef O_TMPFILE
	/* linking an unnamed file in goes through /proc/self/fd; held before
	 * it has a (hidden) name, so no sweep takes it for a leftover */
	if (access("/proc/self/fd", X_OK) == 0) {
		o->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (o->fd >= 0) {
			export_out_hold(o->fd);
			o->kind = OUT_ANON;
		}
	}
#endif
	free(copy);
	if (o->kind == OUT_NAMED && (o->fd = export_out_mkstemp(o->tmp)) < 0) {
		int e = errno;
		return assay_fail(err, e == ENOENT ? ASSAY_ENOTFOUND : ASSAY_EIO,
				  "%s: cannot create a file there: %s", o->path, strerror(e));
	}
	o->staged = o->kind == OUT_NAMED;
	export_out_set_mode(o, o->fd);
	return ASSAY_OK;
}

/* Where the bytes go, once the destination is known to be allowed. */
static int open_dest(export_out *o, assay_error *err)
{
	struct stat st;
	if (strcmp(o->path, "-") == 0) {
		o->kind = OUT_STREAM;
		o->fd = STDOUT_FILENO;
		o->to_stdout = true;
		return fstat(o->fd, &st) == 0 ? guard(o, NULL, &st, err) : ASSAY_OK;
	}
	if (stat(o->path, &st) == 0 && S_ISDIR(st.st_mode))
		return assay_fail(err, ASSAY_EIO, "%s: is a directory", o->path);
	if (stat(o->path, &st) == 0 && !S_ISREG(st.st_mode)) {
		int rc = open_stream(o, &st, err);
		if (rc != OUT_REGULAR)
			return rc;
		o->kind = OUT_STREAM;
	}
	if (!(o->target = resolve_target(o->path, err)))
		return err->code;
	o->existed = stat(o->target, &o->was) == 0;
	if (o->existed && !S_ISREG(o->was.st_mode))
		return assay_fail(err, ASSAY_EIO, "%s: changed while it was opened", o->path);
	int rc = guard(o, o->target, o->existed ? &o->was : NULL, err);
	return rc < 0 ? rc : open_file(o, err);
}

void export_out_free(export_out *o)
{
	free(o->tmp);
	free(o->target);
	free(o->path);
	free(o);
}

int export_out_open(const char *path, const export_out_options *opt, export_out **out,
		    assay_error *err)
{
	*out = NULL;
	export_out *o = malloc(sizeof *o);
	if (!o)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	*o = (export_out){.fd = -1};
	if (opt)
		o->opt = *opt;
	o->stop = o->opt.stop;
	if (!(o->path = assay_strdup(path))) {
		free(o);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	int rc = open_dest(o, err);
	if (rc < 0) {
		export_out_abort(o);
		return rc;
	}
	*out = o;
	return ASSAY_OK;
}

int export_out_write_fd(const export_out *o, int fd, const char *p, size_t len,
			assay_error *err)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);
		if (n < 0) {
			if (errno == EINTR && !stopped(o))
				continue;
			return export_out_error(o, errno, "writing", err);
		}
		done += (size_t)n;
	}
	return ASSAY_OK;
}

/* Writes p[0..len) to the output; a file's writing is started on the
 * disk as it grows (see OUT_WRITEBACK). */
static int put_out(export_out *o, const char *p, size_t len, assay_error *err)
{
	int rc = export_out_write_fd(o, o->fd, p, len, err);
	if (rc < 0 || o->kind == OUT_STREAM)
		return rc;
	o->written += (off_t)len;
#ifdef SYNC_FILE_RANGE_WRITE
	if (o->written - o->flushed >= OUT_WRITEBACK) {
		/* only a head start for the fsync, which reports any failure */
		(void)sync_file_range(o->fd, o->flushed, o->written - o->flushed,
				      SYNC_FILE_RANGE_WRITE);
		o->flushed = o->written;
	}
#endif
	return rc;
}

int export_out_flush(export_out *o, assay_error *err)
{
	int rc = put_out(o, o->buf, o->len, err);
	if (rc == ASSAY_OK)
		o->len = 0;
	return rc;
}

int export_out_write(export_out *o, const void *data, size_t len, assay_error *err)
{
	const char *p = data;
	/* a long run (a range's lines) is written as it is, not copied */
	if (len >= OUT_BUF) {
		int rc = o->len ? export_out_flush(o, err) : ASSAY_OK;
		return rc < 0 ? rc : put_out(o, p, len, err);
	}
	while (len) {
		if (o->len == OUT_BUF) {
			int rc = export_out_flush(o, err);
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

void export_out_abort(export_out *o)
{
	if (!o)
		return;
	/* removed while still held: no sweep takes it meanwhile */
	if (o->staged)
		unlink(o->tmp);
	if (o->fd >= 0 && !o->to_stdout)
		close(o->fd);
	export_out_free(o);
}

int export_out_commit(export_out *o, assay_error *err)
{
	return export_out_commit_set(&o, 1, err);
}
