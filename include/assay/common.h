/* common.h — status codes, the error value every layer fills, a growable
 * byte buffer and a clock. Every other header includes this one. */
#ifndef ASSAY_COMMON_H
#define ASSAY_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Status codes: 0 is success, failures are negative. Only cli/ maps them to
 * process exit codes (cli_exit_code in src/cli/util.c). */
enum assay_status {
	ASSAY_OK = 0,
	ASSAY_EINVAL = -1,    /* bad argument or option value */
	ASSAY_ENOMEM = -2,    /* allocation failed */
	ASSAY_EIO = -3,       /* file system: open, read, write, rename */
	ASSAY_EDB = -4,       /* the database engine reported an error */
	ASSAY_EFORMAT = -5,   /* malformed input data (a bad record, a bad file) */
	ASSAY_ENET = -6,      /* network or remote endpoint failure */
	ASSAY_ENOTFOUND = -7, /* a named thing (sample, batch, file) does not exist */
	ASSAY_EVERSION = -8,  /* database written by a newer assay */
	ASSAY_EBUSY = -9,     /* database locked for longer than the busy timeout */
	ASSAY_ECONFLICT = -10,/* state does not allow it (e.g. nothing to undo) */
	ASSAY_EINTR = -11,    /* interrupted by a signal */
	ASSAY_EFULL = -12,    /* disk or database full */
	ASSAY_ENOTDB = -13,   /* file is not an assay database */
	ASSAY_EPARTIAL = -14, /* finished, but some input records were rejected */
};

/* An error value: the status and a specific message naming the file, line,
 * field and what was expected. Functions fill it and return err->code. */
typedef struct assay_error {
	int code;
	char msg[1024];
} assay_error;

/* Sets err (if not NULL) to code and the formatted message; returns code. */
int assay_fail(assay_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prepends "prefix: " to an existing message, keeping the code; returns it. */
int assay_error_prefix(assay_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void assay_error_clear(assay_error *err);
/* A short name for a status code ("invalid argument", "I/O error", ...). */
const char *assay_strstatus(int code);

/* Wall-clock time in milliseconds since the Unix epoch. */
int64_t assay_now_ms(void);
/* Monotonic time in nanoseconds, for rates and durations. */
int64_t assay_mono_ns(void);

/* Work on several cores. assay_workers(): how many workers to use, the
 * online CPUs or $ASSAY_THREADS (1 to ASSAY_MAX_WORKERS). assay_parallel
 * runs fn(ud, worker, task, err) once for every task in [0, tasks), taken
 * in order by min(workers, tasks) workers; worker 0 is the calling thread,
 * the others are threads of their own, and a worker index is never in use
 * twice at once (so per-worker state needs no lock). After a failure no
 * new task starts; the failure of the lowest task is returned in err. */
#define ASSAY_MAX_WORKERS 16
size_t assay_workers(void);
int assay_parallel(size_t workers, size_t tasks,
		   int (*fn)(void *ud, size_t worker, size_t task, assay_error *err), void *ud,
		   assay_error *err);

/* A growable byte buffer, always NUL-terminated when data != NULL.
 * Zero-initialise ({0}) before use; free with abuf_free. */
typedef struct abuf {
	char *data;
	size_t len;
	size_t cap;
} abuf;

int abuf_reserve(abuf *b, size_t extra);
int abuf_append(abuf *b, const void *data, size_t len);
int abuf_puts(abuf *b, const char *s);
int abuf_putc(abuf *b, char c);
int abuf_printf(abuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int abuf_vprintf(abuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void abuf_reset(abuf *b);
void abuf_free(abuf *b);
/* Hands the buffer's memory to the caller (who frees it) and resets b.
 * Returns an empty allocated string when b was empty; NULL on ENOMEM. */
char *abuf_take(abuf *b);

/* strdup that returns NULL on NULL input. Caller frees. */
char *assay_strdup(const char *s);
/* Duplicates len bytes and NUL-terminates. Caller frees. */
char *assay_strndup(const char *s, size_t len);

/* Whether two stat results are of one file (its device and inode). */
struct stat;
bool assay_same_file(const struct stat *a, const struct stat *b);

/* realloc for the large working arrays of the statistics (millions of
 * scores): blocks of 2 MiB and more are advised to use huge pages, so
 * filling them costs one page fault per 2 MiB instead of one per 4 KiB.
 * Otherwise exactly realloc (free with free). */
void *assay_realloc_big(void *p, size_t bytes);

/* Sorts a few values ascending in place, by insertion: faster than any
 * other way below a few dozen (quadratic beyond). */
void assay_sort_small_u64(uint64_t *k, size_t n);

/* Room for `need` elements in a growable array: the pointer `items` (of
 * any element type) and its capacity `cap` (a size_t lvalue) double from
 * `first` until they hold `need`. ASSAY_OK, or ASSAY_ENOMEM with both left
 * as they were. Use through ASSAY_GROW:
 *     if (ASSAY_GROW(out->v, out->n + 1, out->cap, 64) < 0)
 *             return ASSAY_ENOMEM; */
int assay_grow_(void *items, size_t *cap, size_t need, size_t size, size_t first);
#define ASSAY_GROW(items, need, cap, first)                                                        \
	assay_grow_(&(items), &(cap), (need), sizeof *(items), (first))

#define ASSAY_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A slot in [0, slots) for a pointer, spread by a multiplicative hash: the
 * statement caches key their statements by the address of their SQL. */
static inline size_t assay_ptr_slot(const void *ptr, size_t slots)
{
	uintptr_t p = (uintptr_t)ptr;
	p ^= p >> 17;
	p *= 0x9E3779B97F4A7C15ull;
	return (size_t)(p >> 40) % slots;
}
#define ASSAY_MIN(a, b) ((a) < (b) ? (a) : (b))
#define ASSAY_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
