/* out_set.c — committing outputs: one file, or the files of a split as one
 * set. First every output is flushed and every file fsynced (a stream is
 * closed); a failure there leaves no file of the set. Then each file is
 * named (a hidden name beside its destination, linked or copied), and,
 * with the stopping signals (INT, TERM, HUP, QUIT) held back only now,
 * all are renamed into place, a few metadata calls with no waiting for the
 * disk between them; then the directories are synced. A lone new file is linked in under its own name
 * in one step. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "out_int.h"

/* A fresh random suffix for the template's XXXXXX. */
static void randomize(char *tmp)
{
	static const char set[] = OUT_TMP_CHARS;
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
 * beside the destination, synced, to be renamed over it. */
static int copy_in(export_out *o, assay_error *err)
{
	int fd = export_out_mkstemp(o->tmp);
	if (fd < 0)
		return export_out_error(o, errno, "creating a temporary file", err);
	export_out_set_mode(o, fd);
	int rc = ASSAY_OK;
	off_t at = 0;
	for (;;) {
		if (o->stop && *o->stop) { /* a big copy is stopped at once */
			rc = export_out_error(o, EINTR, "copying into place", err);
			break;
		}
		ssize_t n = pread(o->fd, o->buf, OUT_BUF, at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = export_out_error(o, errno, "reading back", err);
			break;
		}
		if (n == 0)
			break;
		if ((rc = export_out_write_fd(o, fd, o->buf, (size_t)n, err)) < 0)
			break;
		at += n;
	}
	if (rc == ASSAY_OK && fsync(fd) != 0)
		rc = export_out_error(o, errno, "syncing", err);
	if (rc == ASSAY_OK)
		rc = export_out_close_check(o, fd, err);
	if (rc < 0) {
		unlink(o->tmp);
		close(fd);
		return rc;
	}
	/* the copy is the file now, held open until it is renamed */
	close(o->fd);
	o->fd = fd;
	o->staged = true;
	return rc;
}

/* Errors of linkat that say linking is not possible here (rather than
 * that the disk is full or failing): the bytes are copied instead. */
static bool link_refused(int e)
{
	return e != ENOSPC && e != EDQUOT && e != EIO && e != EROFS && e != ENAMETOOLONG &&
	       e != ENOTDIR && e != EISDIR;
}

/* Links the unnamed file in under a fresh hidden name (or copies it). */
static int link_hidden(export_out *o, const char *proc, assay_error *err)
{
	for (int tries = 0;; tries++) {
		randomize(o->tmp);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, o->tmp, AT_SYMLINK_FOLLOW) == 0) {
			o->staged = true;
			return ASSAY_OK;
		}
		if (errno != EEXIST && link_refused(errno))
			return copy_in(o, err);
		if (errno != EEXIST || tries == 100)
			return export_out_error(o, errno, "linking into place", err);
	}
}

/* Names a complete, synced file: a hidden name to be renamed into place,
 * or (alone and new) the destination itself, which then is in place. The
 * file stays open, and so held (out_tmp.c), until it is renamed or removed
 * (export_out_abort): a sweep by another export to the same destination
 * meanwhile would take a file no one holds for a leftover. */
static int stage(export_out *o, bool alone, assay_error *err)
{
	int rc = ASSAY_OK;
	if (o->kind == OUT_NAMED)
		return export_out_close_check(o, o->fd, err);
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
	bool done = false;
	if (alone && !o->existed) {
		done = linkat(AT_FDCWD, proc, AT_FDCWD, o->target, AT_SYMLINK_FOLLOW) == 0;
		if (!done && errno != EEXIST && !link_refused(errno))
			rc = export_out_error(o, errno, "linking into place", err);
	}
	if (!done && rc == ASSAY_OK)
		rc = link_hidden(o, proc, err);
	return rc;
}

/* Makes the renames themselves durable. */
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

/* Flushes every output; fsyncs every file, closes every stream. */
static int complete(export_out **v, size_t n, assay_error *err)
{
	for (size_t i = 0; i < n; i++) {
		export_out *o = v[i];
		int rc = export_out_flush(o, err);
		if (rc < 0)
			return rc;
		if (o->kind != OUT_STREAM && fsync(o->fd) != 0)
			return export_out_error(o, errno, "syncing", err);
		if (o->stop && *o->stop)
			return export_out_error(o, EINTR, "syncing", err);
		if (o->kind == OUT_STREAM && !o->to_stdout) {
			int c = close(o->fd);
			o->fd = -1;
			if (c != 0 && errno != EINTR)
				return export_out_error(o, errno, "closing", err);
		}
	}
	return ASSAY_OK;
}

/* Names every file of the set (a link, or a copy where links are refused).
 * Done before the stopping signals are held, so a stop during a long copy
 * is seen at once; a stop asked meanwhile leaves nothing in place (but a
 * lone new file already linked in under its own name, which is complete). */
static int stage_all(export_out **v, size_t n, assay_error *err)
{
	size_t files = 0;
	for (size_t i = 0; i < n; i++)
		files += v[i]->kind != OUT_STREAM;
	int rc = ASSAY_OK;
	for (size_t i = 0; i < n && rc == ASSAY_OK; i++)
		if (v[i]->kind != OUT_STREAM)
			rc = stage(v[i], files == 1, err);
	for (size_t i = 0; i < n && rc == ASSAY_OK; i++)
		if (v[i]->staged && v[i]->stop && *v[i]->stop)
			rc = export_out_error(v[i], EINTR, "naming the file", err);
	return rc;
}

/* Renames every staged file into place: a few metadata calls, with the
 * stopping signals held so a set is not left half replaced. */
static int place_all(export_out **v, size_t n, assay_error *err)
{
	size_t files = 0, placed = 0;
	for (size_t i = 0; i < n; i++)
		files += v[i]->kind != OUT_STREAM;
	sigset_t hold, old;
	sigemptyset(&hold);
	sigaddset(&hold, SIGINT);
	sigaddset(&hold, SIGTERM);
	sigaddset(&hold, SIGHUP);
	sigaddset(&hold, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &hold, &old);
	int rc = ASSAY_OK;
	for (size_t i = 0; i < n; i++) {
		if (!v[i]->staged)
			continue;
		if (rename(v[i]->tmp, v[i]->target) != 0) {
			rc = export_out_error(v[i], errno, "renaming into place", err);
			if (placed)
				assay_error_prefix(err, "%zu of the %zu files already replaced", placed,
						   files);
			break;
		}
		v[i]->staged = false;
		placed++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int export_out_commit_set(export_out **v, size_t n, assay_error *err)
{
	int rc = complete(v, n, err);
	if (rc == ASSAY_OK)
		rc = stage_all(v, n, err);
	if (rc == ASSAY_OK)
		rc = place_all(v, n, err);
	for (size_t i = 0; i < n; i++) {
		if (rc == ASSAY_OK && v[i]->kind != OUT_STREAM)
			sync_dir(v[i]->target);
		/* what is not in place goes: a hidden name, an unnamed file */
		export_out_abort(v[i]);
		v[i] = NULL;
	}
	return rc;
}
