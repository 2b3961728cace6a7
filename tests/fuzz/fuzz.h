/* fuzz.h — what every fuzz target shares: the libFuzzer entry point, an
 * invariant check that aborts (so libFuzzer and the replay report it), and
 * a copy of the input with nothing readable past its end. */
#ifndef ASSAY_FUZZ_H
#define ASSAY_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant is a crash: libFuzzer saves the input, replay fails. */
#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                    \
			abort();                                                           \
		}                                                                          \
	} while (0)

/* Bytes placed so that they end exactly at an inaccessible page: any read
 * past the end faults even in code the sanitizers do not instrument (libc's
 * sscanf, strlen). Free with fuzz_guard_free. */
typedef struct fuzz_guard {
	char *map;
	size_t map_len;
	char *data; /* the copy; data[len] is unreadable */
	size_t len;
} fuzz_guard;

static inline int fuzz_guard_copy(fuzz_guard *g, const void *bytes, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t body = (len + page - 1) / page * page;
	g->map_len = body + page;
	g->map = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->map == MAP_FAILED)
		return -1;
	if (mprotect(g->map + body, page, PROT_NONE) != 0) {
		munmap(g->map, g->map_len);
		return -1;
	}
	g->data = g->map + body - len;
	g->len = len;
	if (len)
		memcpy(g->data, bytes, len);
	return 0;
}

static inline void fuzz_guard_free(fuzz_guard *g)
{
	munmap(g->map, g->map_len);
}

#endif
