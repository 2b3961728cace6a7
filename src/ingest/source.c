/* source.c — byte sources (file, stdin, http(s) URL) and the buffered
 * reader the format readers share. Memory stays bounded by the longest
 * record, never by the size of the input. */
#include "ingest_int.h"
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assay/net.h"

static bool is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* Whether the import asked the source to give up. */
static bool src_stopped(const src *s)
{
	return (s->cancel && atomic_load(s->cancel)) || (s->stop && *s->stop);
}

/* A FIFO opened without blocking reads as ended until a writer comes:
 * waits for its first bytes or its end (a writer that came and left),
 * in steps, so that a stop is seen. */
static int wait_writer(src *s, assay_error *err)
{
	for (;;) {
		if (src_stopped(s))
			return assay_fail(err, ASSAY_EINTR, "%s: interrupted", s->name);
		struct pollfd p = {.fd = s->fd, .events = POLLIN};
		int ready = poll(&p, 1, 100);
		if (ready > 0)
			return ASSAY_OK;
		if (ready < 0 && errno != EINTR)
			return assay_fail(err, ASSAY_EIO, "%s: %s", s->name, strerror(errno));
	}
}

int src_open(src *s, const char *source, const struct net_options *net, assay_error *err)
{
	*s = (src){.name = source, .fd = -1, .total = -1, .cancel = net ? net->cancel : NULL,
		   .stop = net ? net->stop : NULL};
	if (strcmp(source, "-") == 0) {
		s->name = "stdin";
		s->fd = STDIN_FILENO;
		return ASSAY_OK;
	}
	if (is_url(source)) {
		s->net = net_stream_open(source, net, err);
		if (!s->net)
			return err->code;
		s->total = net_stream_length(s->net);
		return ASSAY_OK;
	}
	/* Opened without blocking: a FIFO's blocking open() waits for its
	 * writer, and a stop signalled just before it began would go unseen. */
	s->fd = open(source, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (s->fd < 0)
		return assay_fail(err, errno == ENOENT ? ASSAY_ENOTFOUND : ASSAY_EIO, "%s: %s",
				  source, strerror(errno));
	s->close_fd = true;
	struct stat st;
	int rc = fstat(s->fd, &st) == 0 && S_ISFIFO(st.st_mode) ? wait_writer(s, err) : ASSAY_OK;
	if (rc == ASSAY_OK && fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) & ~O_NONBLOCK) < 0)
		rc = assay_fail(err, ASSAY_EIO, "%s: %s", source, strerror(errno));
	if (rc < 0) {
		src_close(s);
		return rc;
	}
	if (fstat(s->fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			src_close(s);
			return assay_fail(err, ASSAY_EIO, "%s: is a directory", source);
		}
		if (S_ISREG(st.st_mode))
			s->total = st.st_size;
	}
	return ASSAY_OK;
}

int ingest_source_check(const char *source, assay_error *err)
{
	if (strcmp(source, "-") == 0 || is_url(source))
		return ASSAY_OK;
	struct stat st;
	if (stat(source, &st) < 0)
		return assay_fail(err, errno == ENOENT ? ASSAY_ENOTFOUND : ASSAY_EIO, "%s: %s",
				  source, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return assay_fail(err, ASSAY_EIO, "%s: is a directory", source);
	if (!S_ISREG(st.st_mode)) /* a FIFO's open would wait for its writer */
		return ASSAY_OK;
	int fd = open(source, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return assay_fail(err, errno == ENOENT ? ASSAY_ENOTFOUND : ASSAY_EIO, "%s: %s",
				  source, strerror(errno));
	close(fd);
	return ASSAY_OK;
}

int src_read(src *s, char *buf, size_t cap, size_t *got, assay_error *err)
{
	if (s->net) {
		int rc = net_stream_read(s->net, buf, cap, got, err);
		return rc < 0 ? assay_error_prefix(err, "%s", s->name) : rc;
	}
	for (;;) {
		/* a pipe or terminal may stay silent: wait in steps, so that a
		 * cancel is seen (a file is always ready) */
		if (s->cancel || s->stop) {
			if (s->cancel && atomic_load(s->cancel))
				return assay_fail(err, ASSAY_EINTR, "%s: interrupted", s->name);
			struct pollfd p = {.fd = s->fd, .events = POLLIN};
			int ready = poll(&p, 1, 100);
			/* a stop ends a wait; data already there is read first */
			if ((ready == 0 || (ready < 0 && errno == EINTR)) && src_stopped(s))
				return assay_fail(err, ASSAY_EINTR, "%s: interrupted", s->name);
			if (ready == 0 || (ready < 0 && errno == EINTR))
				continue;
		}
		ssize_t n = read(s->fd, buf, cap);
		if (n >= 0) {
			*got = (size_t)n;
			return ASSAY_OK;
		}
		if (errno != EINTR)
			return assay_fail(err, ASSAY_EIO, "%s: read failed: %s", s->name,
					  strerror(errno));
	}
}

void src_close(src *s)
{
	if (s->net)
		net_stream_close(s->net);
	if (s->close_fd && s->fd >= 0)
		close(s->fd);
	s->net = NULL;
	s->fd = -1;
}

#define RD_CHUNK (256u << 10)

int rd_init(rd *r, src *s, size_t max_record, assay_error *err)
{
	*r = (rd){.src = s, .max_record = max_record, .line = 1};
	r->cap = RD_CHUNK * 2;
	r->buf = malloc(r->cap);
	if (!r->buf)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	return ASSAY_OK;
}

void rd_free(rd *r)
{
	free(r->buf);
	r->buf = NULL;
}

int rd_fill(rd *r, size_t want, assay_error *err)
{
	while (!r->eof && r->end - r->pos < want) {
		/* Slide what is left to the front, then grow if it still does not fit. */
		if (r->pos > 0) {
			memmove(r->buf, r->buf + r->pos, r->end - r->pos);
			r->end -= r->pos;
			r->pos = 0;
		}
		if (r->cap - r->end < RD_CHUNK / 4) {
			size_t limit = r->max_record + RD_CHUNK;
			if (r->cap >= limit)
				return ASSAY_OK; /* the caller sees a record over the limit */
			size_t cap = ASSAY_MIN(r->cap * 2, limit);
			char *b = realloc(r->buf, cap);
			if (!b)
				return assay_fail(err, ASSAY_ENOMEM, "out of memory");
			r->buf = b;
			r->cap = cap;
		}
		size_t got = 0;
		int rc = src_read(r->src, r->buf + r->end, ASSAY_MIN(r->cap - r->end, RD_CHUNK),
				  &got, err);
		if (rc < 0)
			return rc;
		if (got == 0)
			r->eof = true;
		r->end += got;
		r->bytes += (int64_t)got;
	}
	return ASSAY_OK;
}

void skip_bom(rd *in)
{
	if (in->end - in->pos >= 3 && memcmp(in->buf + in->pos, "\xEF\xBB\xBF", 3) == 0)
		in->pos += 3;
}

/* Magic numbers of formats that are plainly not text data. */
static const struct {
	const char *magic;
	size_t len;
	const char *what;
	const char *hint;
} magics[] = {
	{"\x1f\x8b", 2, "a gzip-compressed", " (decompress it first, e.g. zcat FILE | assay import -)"},
	{"PK\x03\x04", 4, "a zip archive", " (extract it first)"},
	{"\xfd" "7zXZ\x00", 6, "an xz-compressed", " (decompress it first, e.g. xzcat FILE | assay import -)"},
	{"\x28\xb5\x2f\xfd", 4, "a zstd-compressed", " (decompress it first, e.g. zstdcat FILE | assay import -)"},
	{"BZh", 3, "a bzip2-compressed", " (decompress it first, e.g. bzcat FILE | assay import -)"},
	{"7z\xbc\xaf\x27\x1c", 6, "a 7z archive", ""},
	{"PAR1", 4, "a Parquet file", " (convert it to JSONL first)"},
	{"SQLite format 3", 16, "an SQLite database", ""},
	{"\x7f" "ELF", 4, "an executable", ""},
};

int sniff_binary(rd *in, const char *name, assay_error *err)
{
	int rc = rd_fill(in, 8192, err);
	if (rc < 0)
		return rc;
	const unsigned char *p = (const unsigned char *)in->buf + in->pos;
	size_t n = ASSAY_MIN(in->end - in->pos, (size_t)8192);
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(magics); i++)
		if (n >= magics[i].len && memcmp(p, magics[i].magic, magics[i].len) == 0)
			return assay_fail(err, ASSAY_EFORMAT, "%s: this is %s file, not JSONL, JSON or "
					  "CSV text%s", name, magics[i].what, magics[i].hint);
	size_t controls = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == 0)
			return assay_fail(err, ASSAY_EFORMAT,
					  "%s: binary data (a NUL byte at offset %zu), not JSONL, "
					  "JSON or CSV text",
					  name, i);
		if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t')
			controls++;
	}
	if (n >= 64 && controls * 10 > n)
		return assay_fail(err, ASSAY_EFORMAT,
				  "%s: binary data (%zu control bytes in the first %zu), not JSONL, "
				  "JSON or CSV text",
				  name, controls, n);
	return ASSAY_OK;
}

/* A CSV header row: two or more names (quoted or not) separated by
 * commas, and nothing JSON would have outside a string. */
static bool csv_header(const char *p, size_t n)
{
	size_t cells = 1, len = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c < 0x20)
			return false;
		if (c == ',') {
			if (!len)
				return false;
			cells++;
			len = 0;
		} else if (c != ' ' && c != '"') {
			len++;
		}
	}
	return cells >= 2 && len;
}

bool sniff_second_object(const rd *in)
{
	const char *p = in->buf + in->pos, *end = in->buf + in->end;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	while (nl) {
		p = nl + 1;
		nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : in->eof ? end : NULL;
		if (!e) /* not all buffered */
			return false;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (p == e)
			continue;
		json_fault f;
		return *p == '{' &&
		       json_check(p, (size_t)(e - p), INGEST_MAX_DEPTH, &f) == ASSAY_OK;
	}
	return false;
}

const char *sniff_jsonl_mistake(const char *raw, size_t len, const char *why)
{
	if (!raw)
		return NULL;
	size_t i = 0;
	while (i < len && (raw[i] == ' ' || raw[i] == '\t'))
		i++;
	if (i < len && raw[i] == '[') {
		do
			i++;
		while (i < len && (raw[i] == ' ' || raw[i] == '\t'));
		/* "[" alone (a pretty-printed array) or "[{...}, ...]" on one line */
		if (i == len || raw[i] == '{' || raw[i] == ']')
			return "this looks like a JSON array (it starts with '['), not JSON Lines "
			       "(one object per line): import it with --format json";
	}
	if (!strncmp(why, "not valid JSON", 14) && csv_header(raw, len))
		return "this looks like a CSV header row (names separated by commas), not JSON "
		       "Lines (one object per line): import it with --format csv";
	return NULL;
}
