/* swapopen.c — an LD_PRELOAD shim for the export tests: the first open of
 * $SWAPOPEN_PATH first renames $SWAPOPEN_FROM over it, as an attacker
 * swapping the name between the program's stat and its open would. */
/* open and open64 both defined, not one renamed to the other */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

int open(const char *path, int flags, ...);
int open64(const char *path, int flags, ...);

static void swap(const char *path)
{
	static int done;
	const char *at = getenv("SWAPOPEN_PATH"), *from = getenv("SWAPOPEN_FROM");
	if (!done && at && from && path && strcmp(path, at) == 0) {
		done = 1;
		rename(from, at);
	}
}

static int call(const char *name, const char *path, int flags, mode_t mode)
{
	int (*real)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, name);
	swap(path);
	return real(path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	return call("open", path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	return call("open64", path, flags, mode);
}
