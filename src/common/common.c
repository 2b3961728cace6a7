/* common.c — error values, the byte buffer and clocks shared by every layer. */
#include "assay/common.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

int assay_fail(assay_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		err->code = code;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

int assay_error_prefix(assay_error *err, const char *fmt, ...)
{
	if (!err)
		return ASSAY_EINVAL;
	char prefix[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(prefix, sizeof prefix - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return err->code;
	size_t plen = strlen(prefix);
	memcpy(prefix + plen, ": ", 3);
	plen += 2;
	size_t mlen = strnlen(err->msg, sizeof err->msg - 1);
	if (plen + mlen > sizeof err->msg - 1)
		mlen = sizeof err->msg - 1 - plen;
	memmove(err->msg + plen, err->msg, mlen);
	memcpy(err->msg, prefix, plen);
	err->msg[plen + mlen] = '\0';
	return err->code;
}

void assay_error_clear(assay_error *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}

const char *assay_strstatus(int code)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
		{ASSAY_OK, "ok"},
		{ASSAY_EINVAL, "invalid argument"},
		{ASSAY_ENOMEM, "out of memory"},
		{ASSAY_EIO, "I/O error"},
		{ASSAY_EDB, "database error"},
		{ASSAY_EFORMAT, "malformed input"},
		{ASSAY_ENET, "network error"},
		{ASSAY_ENOTFOUND, "not found"},
		{ASSAY_EVERSION, "database too new"},
		{ASSAY_EBUSY, "database busy"},
		{ASSAY_ECONFLICT, "conflict"},
		{ASSAY_EINTR, "interrupted"},
		{ASSAY_EFULL, "disk full"},
		{ASSAY_ENOTDB, "not an assay database"},
		{ASSAY_EPARTIAL, "some records rejected"},
	};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(names); i++)
		if (names[i].code == code)
			return names[i].name;
	return "unknown error";
}

int64_t assay_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t assay_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int abuf_reserve(abuf *b, size_t extra)
{
	if (extra > SIZE_MAX - b->len - 1)
		return ASSAY_ENOMEM;
	assert(b->data || b->cap == 0);
	bool fresh = !b->data;
	if (ASSAY_GROW(b->data, b->len + extra + 1, b->cap, 64) < 0)
		return ASSAY_ENOMEM;
	if (fresh)
		b->data[0] = '\0';
	return ASSAY_OK;
}

int abuf_append(abuf *b, const void *data, size_t len)
{
	if (abuf_reserve(b, len) != ASSAY_OK)
		return ASSAY_ENOMEM;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return ASSAY_OK;
}

int abuf_puts(abuf *b, const char *s)
{
	return abuf_append(b, s, strlen(s));
}

int abuf_putc(abuf *b, char c)
{
	return abuf_append(b, &c, 1);
}

int abuf_vprintf(abuf *b, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return ASSAY_EINVAL;
	if (abuf_reserve(b, (size_t)n) != ASSAY_OK)
		return ASSAY_ENOMEM;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return ASSAY_OK;
}

int abuf_printf(abuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = abuf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void abuf_reset(abuf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void abuf_free(abuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *abuf_take(abuf *b)
{
	if (!b->data) {
		if (abuf_reserve(b, 0) != ASSAY_OK)
			return NULL;
		b->data[0] = '\0';
	}
	char *p = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void assay_sort_small_u64(uint64_t *k, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t x = k[i];
		size_t j = i;
		for (; j > 0 && k[j - 1] > x; j--)
			k[j] = k[j - 1];
		k[j] = x;
	}
}

#define HUGE_PAGE ((uintptr_t)2 << 20)

int assay_grow_(void *items, size_t *cap, size_t need, size_t size, size_t first)
{
	assert(items && cap && size > 0);
	if (need <= *cap)
		return ASSAY_OK;
	size_t n = *cap ? *cap : (first ? first : 1);
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return ASSAY_ENOMEM;
		n *= 2;
	}
	if (n > SIZE_MAX / size)
		return ASSAY_ENOMEM;
	/* the pointer is read and written through its bytes: `items` is the
	 * address of a pointer to any object type */
	void *old, *p;
	memcpy(&old, items, sizeof old);
	if (!(p = realloc(old, n * size)))
		return ASSAY_ENOMEM;
	memcpy(items, &p, sizeof p);
	*cap = n;
	return ASSAY_OK;
}

void *assay_realloc_big(void *p, size_t bytes)
{
	void *q = realloc(p, bytes);
#ifdef MADV_HUGEPAGE
	/* Only whole huge pages inside the block can be advised; a failure
	 * (no transparent huge pages here) just leaves ordinary pages. */
	uintptr_t start = ((uintptr_t)q + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	uintptr_t end = ((uintptr_t)q + bytes) & ~(HUGE_PAGE - 1);
	if (q && bytes >= HUGE_PAGE && end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE);
#endif
	return q;
}

char *assay_strdup(const char *s)
{
	return s ? assay_strndup(s, strlen(s)) : NULL;
}

bool assay_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

char *assay_strndup(const char *s, size_t len)
{
	char *p = malloc(len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
