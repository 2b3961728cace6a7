/* nolink.c — an LD_PRELOAD shim for the export tests: linkat always fails
 * with EPERM, as in a sandbox that refuses links through /proc, so the
 * fallback that copies the unnamed file into a named one is exercised. */
#include <errno.h>

int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);

int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
	(void)olddirfd;
	(void)oldpath;
	(void)newdirfd;
	(void)newpath;
	(void)flags;
	errno = EPERM;
	return -1;
}
