/* av.c — opens FFmpeg's libraries on first use and fills media_av (see
 * av.h for why they are not linked). The names are the sonames of the
 * versions the build compiled against, so a mismatch cannot happen
 * silently. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "av.h"

#define STR(x) #x
#define SONAME(lib, major) "lib" lib ".so." STR(major)

struct media_av_functions media_av;

static const char *const libraries[] = {
	SONAME("avutil", LIBAVUTIL_VERSION_MAJOR),
	SONAME("avcodec", LIBAVCODEC_VERSION_MAJOR),
	SONAME("avformat", LIBAVFORMAT_VERSION_MAJOR),
	SONAME("swscale", LIBSWSCALE_VERSION_MAJOR),
};
#define N_LIBRARIES (sizeof libraries / sizeof *libraries)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[512];

/* Opens every library (kept open for the process's life) and looks up
 * every function; the first failure is kept for every caller. */
static void load(void)
{
	void *handle[N_LIBRARIES];
	for (size_t i = 0; i < N_LIBRARIES; i++) {
		if (!(handle[i] = dlopen(libraries[i], RTLD_NOW | RTLD_LOCAL))) {
			snprintf(failure, sizeof failure, "cannot load FFmpeg: %s", dlerror());
			return;
		}
	}
	void *fn;
	/* POSIX guarantees a function's address survives the trip through
	 * dlsym's void *; memcpy says so without a cast C forbids. */
#define MEDIA_AV_LOOKUP(lib, name)                                                                 \
	if (!(fn = dlsym(handle[lib], #name))) {                                                   \
		snprintf(failure, sizeof failure, "cannot load FFmpeg: %s has no %s",              \
			 libraries[lib], #name);                                                   \
		return;                                                                            \
	}                                                                                          \
	memcpy(&media_av.name, &fn, sizeof fn);
	MEDIA_AV_FUNCTIONS(MEDIA_AV_LOOKUP)
#undef MEDIA_AV_LOOKUP
}

int media_av_load(assay_error *err)
{
	pthread_once(&once, load);
	if (failure[0])
		return assay_fail(err, ASSAY_EIO, "%s", failure);
	return ASSAY_OK;
}
