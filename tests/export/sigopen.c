/* sigopen.c — an LD_PRELOAD shim for the export tests: the first open of
 * $SIGOPEN_PATH first raises SIGTERM in the process, as a SIGTERM landing
 * after the program caught it but before it opened its output would (a
 * moment no test could hit by timing its kill). */
/* open and open64 both defined, not one renamed to the other */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

int open(const char *path, int flags, ...);
int open64(const char *path, int flags, ...);

static void signal_first(const char *path)
{
	static int done;
	const char *at = getenv("SIGOPEN_PATH");
	if (!done && at && path && strcmp(path, at) == 0) {
		done = 1;
		raise(SIGTERM);
	}
}

static int call(const char *name, const char *path, int flags, mode_t mode)
{
	int (*real)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, name);
	signal_first(path);
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
