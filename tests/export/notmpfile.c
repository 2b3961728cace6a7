/* notmpfile.c — an LD_PRELOAD shim for the export tests: open with
 * O_TMPFILE fails (EOPNOTSUPP), as on a file system without unnamed files,
 * so the hidden temporary file named from the start is exercised. */
/* both names defined here, whichever the program calls */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/types.h>

static int refuse(int flags)
{
	return (flags & O_TMPFILE) == O_TMPFILE;
}

int open(const char *path, int flags, ...);
int open64(const char *path, int flags, ...);

int open(const char *path, int flags, ...)
{
	static int (*real)(const char *, int, ...);
	if (!real)
		real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	va_list ap;
	va_start(ap, flags);
	mode_t mode = (flags & O_CREAT) || refuse(flags) ? (mode_t)va_arg(ap, int) : 0;
	va_end(ap);
	if (refuse(flags)) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return real(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	static int (*real)(const char *, int, ...);
	if (!real)
		real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open64");
	va_list ap;
	va_start(ap, flags);
	mode_t mode = (flags & O_CREAT) || refuse(flags) ? (mode_t)va_arg(ap, int) : 0;
	va_end(ap);
	if (refuse(flags)) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return real(path, flags, mode);
}
