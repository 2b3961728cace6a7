/* cache.c — the on-disk caches' plumbing (downloads and thumbnails): where
 * they live, how a file enters one (whole or not at all), and how one is
 * kept under its size by dropping the least recently used files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media_int.h"

static int mkdir_p(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int rc = mkdir(path, 0700);
		*p = '/';
		if (rc != 0 && errno != EEXIST)
			return -1;
	}
	return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

int media_cache_dir(const char *sub, char *out, size_t cap, assay_error *err)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	int n;
	if (xdg && xdg[0] == '/')
		n = snprintf(out, cap, "%s/assay/%s", xdg, sub);
	else if (home && home[0])
		n = snprintf(out, cap, "%s/.cache/assay/%s", home, sub);
	else
		return assay_fail(err, ASSAY_EINVAL,
				  "no cache directory: neither XDG_CACHE_HOME nor HOME is set");
	if (n < 0 || (size_t)n >= cap)
		return assay_fail(err, ASSAY_EINVAL, "cache directory path too long");
	if (mkdir_p(out) != 0)
		return assay_fail(err, ASSAY_EIO, "%s: %s", out, strerror(errno));
	return media_cache_dir_check(out, err);
}

/* What is cached is read back as trusted (a thumbnail is drawn as it
 * is), so the directory must be the user's own: a real directory, not a
 * link, that no one else can write. */
int media_cache_dir_check(const char *dir, assay_error *err)
{
	struct stat st;
	if (lstat(dir, &st) != 0)
		return assay_fail(err, ASSAY_EIO, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return assay_fail(err, ASSAY_EINVAL, "cache directory %s is not a directory", dir);
	if (st.st_uid != getuid())
		return assay_fail(err, ASSAY_EINVAL, "cache directory %s is not owned by you", dir);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return assay_fail(err, ASSAY_EINVAL, "cache directory %s is writable by others",
				  dir);
	return ASSAY_OK;
}

int media_cache_store(const char *dir, const char *name, int (*fill)(int fd, void *ud), void *ud,
		      assay_error *err)
{
	static unsigned serial;
	char tmp[4096], final[4096];
	snprintf(final, sizeof final, "%s/%s", dir, name);
	/* a name no one else uses, created new (O_EXCL): never a file or link
	 * put there first */
	if (snprintf(tmp, sizeof tmp, "%s/.tmp-%ld-%u-%lld-%s", dir, (long)getpid(), serial++,
		     (long long)(assay_mono_ns() % 1000000000), name) >= (int)sizeof tmp)
		return assay_fail(err, ASSAY_EINVAL, "cache path too long");
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return assay_fail(err, ASSAY_EIO, "%s: %s", tmp, strerror(errno));
	int rc = fill(fd, ud);
	if (close(fd) != 0 && rc == 0)
		rc = assay_fail(err, ASSAY_EIO, "%s: %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, final) != 0)
		rc = assay_fail(err, ASSAY_EIO, "%s: %s", final, strerror(errno));
	if (rc != 0)
		unlink(tmp);
	return rc;
}

typedef struct entry {
	char name[256];
	off_t size;
	struct timespec mtime;
} entry;

static int older_first(const void *a, const void *b)
{
	const entry *x = a, *y = b;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The cache's files (regular, named *suffix, not temporaries) into *out. */
static int list_dir(DIR *d, const char *suffix, entry **out, size_t *n, uint64_t *total)
{
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat sb;
		if (de->d_name[0] == '.' || !ends_with(de->d_name, suffix) ||
		    strlen(de->d_name) >= sizeof(*out)->name ||
		    fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		if (ASSAY_GROW(*out, *n + 1, cap, 64) < 0)
			return ASSAY_ENOMEM;
		entry *e = &(*out)[(*n)++];
		snprintf(e->name, sizeof e->name, "%s", de->d_name);
		e->size = sb.st_size;
		e->mtime = sb.st_mtim;
		*total += (uint64_t)sb.st_size;
	}
	return ASSAY_OK;
}

int media_cache_trim(const char *dir, const char *suffix, uint64_t max_bytes, assay_error *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return assay_fail(err, ASSAY_EIO, "%s: %s", dir, strerror(errno));
	entry *list = NULL;
	size_t n = 0;
	uint64_t total = 0;
	int rc = list_dir(d, suffix, &list, &n, &total);
	if (rc == 0 && total > max_bytes) {
		qsort(list, n, sizeof *list, older_first);
		for (size_t i = 0; i < n && total > max_bytes; i++)
			if (unlinkat(dirfd(d), list[i].name, 0) == 0)
				total -= (uint64_t)list[i].size;
	}
	closedir(d);
	free(list);
	return rc == 0 ? ASSAY_OK : assay_fail(err, rc, "%s: out of memory", dir);
}
