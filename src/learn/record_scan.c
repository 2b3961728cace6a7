/* record_scan.c — the strings of a stored JSON record, top level and one
 * object deep, read straight from its bytes without building a tree (what
 * record.c parsed with cJSON for every sample). Strings are decoded as
 * cJSON decodes them; anything where the two could disagree (a \u0000
 * escape, a bad escape or number, deep nesting, a byte order mark, a
 * record cut short) makes it give up, and the caller parses that record
 * with cJSON as before. */
#include <stdlib.h>
#include <string.h>

#include "learn_int.h"

/* cJSON gives up past 1,000 levels; this scanner gives up well before. */
#define MAX_DEPTH 500

typedef struct scan {
	const unsigned char *p;
	size_t n, i;
	learn_scan_fn *fn;
	void *ud;
} scan;

/* cJSON's white space: every byte up to the space. */
static void ws(scan *s)
{
	while (s->i < s->n && s->p[s->i] <= 32)
		s->i++;
}

static long hex4(const unsigned char *h)
{
	long v = 0;
	for (int k = 0; k < 4; k++) {
		int c = h[k], d = c >= '0' && c <= '9' ? c - '0'
				: c >= 'a' && c <= 'f' ? c - 'a' + 10
				: c >= 'A' && c <= 'F' ? c - 'A' + 10
							: -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* The code point of the \u escape at s->i (its backslash), a surrogate
 * pair read whole; 0 when cJSON would refuse it or stop at a NUL. */
static long u_escape(scan *s)
{
	if (s->i + 6 > s->n)
		return 0;
	long a = hex4(s->p + s->i + 2);
	s->i += 6;
	if (a <= 0 || (a >= 0xDC00 && a <= 0xDFFF))
		return 0;
	if (a < 0xD800 || a > 0xDBFF)
		return a;
	if (s->i + 6 > s->n || s->p[s->i] != '\\' || s->p[s->i + 1] != 'u')
		return 0;
	long b = hex4(s->p + s->i + 2);
	s->i += 6;
	if (b < 0xDC00 || b > 0xDFFF)
		return 0;
	return 0x10000 + (((a & 0x3FF) << 10) | (b & 0x3FF));
}

static int put_utf8(abuf *out, long cp)
{
	unsigned char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xC0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xE0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xF0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return abuf_append(out, b, n);
}

static char short_escape(unsigned char c)
{
	switch (c) {
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case '"': return '"';
	case '\\': return '\\';
	case '/': return '/';
	default: return 0;
	}
}

/* The string whose opening quote is at s->i, decoded onto out (with a
 * NUL after it, not counted). 1 read, 0 give up, ASSAY_ENOMEM. */
static int string(scan *s, abuf *out)
{
	if (s->i >= s->n || s->p[s->i] != '"')
		return 0;
	s->i++;
	for (;;) {
		size_t j = s->i;
		while (j < s->n && s->p[j] != '"' && s->p[j] != '\\' && s->p[j])
			j++;
		/* cJSON's string would end at a raw NUL */
		if (j >= s->n || !s->p[j])
			return 0;
		if (abuf_append(out, s->p + s->i, j - s->i) < 0)
			return ASSAY_ENOMEM;
		s->i = j;
		if (s->p[j] == '"')
			break;
		if (j + 1 >= s->n)
			return 0;
		int rc;
		if (s->p[j + 1] == 'u') {
			long cp = u_escape(s);
			if (!cp)
				return 0;
			rc = put_utf8(out, cp);
		} else {
			char c = short_escape(s->p[j + 1]);
			if (!c)
				return 0;
			rc = abuf_putc(out, c);
			s->i += 2;
		}
		if (rc < 0)
			return ASSAY_ENOMEM;
	}
	s->i++;
	if (abuf_putc(out, '\0') < 0)
		return ASSAY_ENOMEM;
	out->len--;
	return 1;
}

/* A number as cJSON reads one: the run of number characters (under 64)
 * must be all strtod takes. */
static int number(scan *s)
{
	char buf[64];
	size_t k = 0;
	while (s->i + k < s->n && strchr("0123456789+-.eE", s->p[s->i + k]) && s->p[s->i + k])
		if (++k >= sizeof buf)
			return 0;
	memcpy(buf, s->p + s->i, k);
	buf[k] = '\0';
	char *end;
	(void)strtod(buf, &end);
	if (k == 0 || end != buf + k)
		return 0;
	s->i += k;
	return 1;
}

static int literal(scan *s)
{
	static const char *const words[] = {"null", "true", "false"};
	for (size_t w = 0; w < 3; w++) {
		size_t len = strlen(words[w]);
		if (s->i + len <= s->n && memcmp(s->p + s->i, words[w], len) == 0) {
			s->i += len;
			return 1;
		}
	}
	return 0;
}

static int members(scan *s, int depth, size_t outer, size_t outer_len, abuf *key, abuf *val);

/* Skips the value at s->i (its strings decoded into val, then dropped). */
static int skip(scan *s, int depth, abuf *key, abuf *val)
{
	ws(s);
	if (s->i >= s->n || depth > MAX_DEPTH)
		return 0;
	unsigned char c = s->p[s->i];
	size_t mark = val->len;
	int rc;
	if (c == '"') {
		rc = string(s, val);
		val->len = mark;
		return rc;
	}
	if (c == '{')
		return members(s, depth + 1, 0, 0, key, val);
	if (c == '[') {
		s->i++;
		ws(s);
		if (s->i < s->n && s->p[s->i] == ']') {
			s->i++;
			return 1;
		}
		for (;;) {
			if ((rc = skip(s, depth + 1, key, val)) <= 0)
				return rc;
			ws(s);
			if (s->i >= s->n)
				return 0;
			if (s->p[s->i++] == ']')
				return 1;
			if (s->p[s->i - 1] != ',')
				return 0;
		}
	}
	return c == '-' || (c >= '0' && c <= '9') ? number(s) : literal(s);
}

/* The members of the object at s->i (its brace). At depth 1 a string
 * member is a field, and so is a string member of an object member (whose
 * name is key's bytes [outer, outer + outer_len)); deeper, everything is
 * skipped. */
static int members(scan *s, int depth, size_t outer, size_t outer_len, abuf *key, abuf *val)
{
	s->i++;
	ws(s);
	if (s->i < s->n && s->p[s->i] == '}') {
		s->i++;
		return 1;
	}
	for (;;) {
		size_t kmark = key->len;
		ws(s);
		int rc = string(s, key);
		if (rc <= 0)
			return rc;
		ws(s);
		if (s->i >= s->n || s->p[s->i++] != ':')
			return 0;
		ws(s);
		size_t vmark = val->len;
		bool field = depth <= 2 && s->i < s->n && s->p[s->i] == '"';
		if (field && (rc = string(s, val)) > 0)
			rc = s->fn(s->ud, depth == 2 ? key->data + outer : NULL, outer_len,
				   key->data + kmark, key->len - kmark, val->data + vmark,
				   val->len - vmark);
		else if (!field && depth == 1 && s->i < s->n && s->p[s->i] == '{')
			rc = members(s, 2, kmark, key->len - kmark, key, val);
		else if (!field)
			rc = skip(s, depth, key, val);
		key->len = kmark;
		val->len = vmark;
		if (rc <= 0)
			return rc;
		ws(s);
		if (s->i >= s->n)
			return 0;
		if (s->p[s->i++] == '}')
			return 1;
		if (s->p[s->i - 1] != ',')
			return 0;
	}
}

int learn_record_scan(const char *record, size_t len, learn_scan_fn *fn, void *ud, abuf *key,
		      abuf *val)
{
	scan s = {.p = (const unsigned char *)record, .n = len, .fn = fn, .ud = ud};
	if (len >= 3 && memcmp(record, "\xEF\xBB\xBF", 3) == 0)
		return 0;
	ws(&s);
	if (s.i >= s.n || s.p[s.i] != '{')
		return 0;
	abuf_reset(key);
	abuf_reset(val);
	return members(&s, 1, 0, 0, key, val);
}
