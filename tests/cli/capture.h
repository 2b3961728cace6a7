/* capture.h — what a call writes on stdout or stderr, read back as a
 * string: fd is pointed at a temporary file for the call. */
#ifndef ASSAY_TEST_CAPTURE_H
#define ASSAY_TEST_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct capture {
	FILE *tmp;
	int fd, saved;
} capture;

static inline void capture_begin(capture *c, int fd)
{
	fflush(stdout);
	fflush(stderr);
	c->tmp = tmpfile();
	c->fd = fd;
	c->saved = dup(fd);
	dup2(fileno(c->tmp), fd);
}

/* The text written since capture_begin; the caller frees it. */
static inline char *capture_end(capture *c)
{
	fflush(stdout);
	fflush(stderr);
	dup2(c->saved, c->fd);
	close(c->saved);
	fseek(c->tmp, 0, SEEK_END);
	long n = ftell(c->tmp);
	char *s = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
	rewind(c->tmp);
	if (s && n > 0 && fread(s, 1, (size_t)n, c->tmp) != (size_t)n)
		s[0] = '\0';
	fclose(c->tmp);
	return s;
}

#endif
