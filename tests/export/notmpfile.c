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

typedef int (*open_fn)(const char *, int, ...);

static int shimmed(open_fn *real, const char *sym, const char *path, int flags, va_list ap)
{
	if (!*real)
		*real = (open_fn)dlsym(RTLD_NEXT, sym);
	mode_t mode = (flags & O_CREAT) || refuse(flags) ? (mode_t)va_arg(ap, int) : 0;
	if (refuse(flags)) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return (*real)(path, flags, mode);
}

/* open and open64, each passing on to its own next definition */
#define SHIM(name)                                                                                 \
	int name(const char *path, int flags, ...);                                                \
	int name(const char *path, int flags, ...)                                                 \
	{                                                                                          \
		static open_fn real;                                                               \
		va_list ap;                                                                        \
		va_start(ap, flags);                                                               \
		int rc = shimmed(&real, #name, path, flags, ap);                                   \
		va_end(ap);                                                                        \
		return rc;                                                                         \
	}

SHIM(open)
SHIM(open64)
