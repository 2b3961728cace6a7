/* json.c — byte-exact edits of JSON records: find a field's value span by a
 * dotted path and splice a new value in, so every byte the annotators did
 * not change is exported exactly as it was imported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/export.h"

typedef struct scan {
	const char *p;
	size_t n, i;
	int depth;
} scan;

static void ws(scan *s)
{
	while (s->i < s->n && (s->p[s->i] == ' ' || s->p[s->i] == '\t' || s->p[s->i] == '\n' ||
			       s->p[s->i] == '\r'))
		s->i++;
}

/* Skips a string literal starting at s->i (on the quote). */
static int skip_string(scan *s)
{
	for (s->i++; s->i < s->n; s->i++) {
		if (s->p[s->i] == '\\')
			s->i++;
		else if (s->p[s->i] == '"') {
			s->i++;
			return ASSAY_OK;
		}
	}
	return ASSAY_EFORMAT;
}

/* Skips any JSON value; records are validated at import, so this only has
 * to be right for valid JSON and safe for anything else. */
static int skip_value(scan *s)
{
	ws(s);
	if (s->i >= s->n)
		return ASSAY_EFORMAT;
	char c = s->p[s->i];
	if (c == '"')
		return skip_string(s);
	if (c == '{' || c == '[') {
		int depth = 0;
		for (; s->i < s->n; s->i++) {
			c = s->p[s->i];
			if (c == '"') {
				if (skip_string(s) < 0)
					return ASSAY_EFORMAT;
				s->i--;
			} else if (c == '{' || c == '[') {
				depth++;
			} else if (c == '}' || c == ']') {
				if (--depth == 0) {
					s->i++;
					return ASSAY_OK;
				}
			}
		}
		return ASSAY_EFORMAT;
	}
	while (s->i < s->n && !strchr(",}] \t\r\n", s->p[s->i]))
		s->i++;
	return ASSAY_OK;
}

/* Compares the key literal at [a, b) (quotes excluded) with want[0..len),
 * decoding the escapes JSON allows in keys. */
static bool key_equals(const char *a, const char *b, const char *want, size_t len)
{
	size_t j = 0;
	for (const char *p = a; p < b; p++) {
		char c = *p;
		if (c == '\\' && p + 1 < b) {
			p++;
			switch (*p) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				/* Four hex digits copied out: the record need not end in a NUL. */
				char hex[5] = {0};
				if (b - p >= 5)
					memcpy(hex, p + 1, 4);
				unsigned long v = strtoul(hex, NULL, 16);
				if (strspn(hex, "0123456789abcdefABCDEF") != 4 || v >= 0x80)
					return false; /* non-ASCII escapes in keys: not matched */
				c = (char)v;
				p += 4;
				break;
			}
			default: c = *p;
			}
		}
		if (j >= len || want[j++] != c)
			return false;
	}
	return j == len;
}

/* Finds key (len bytes) among the members of the object at s->i; leaves
 * s->i on its value. */
static int find_key(scan *s, const char *key, size_t len)
{
	ws(s);
	if (s->i >= s->n || s->p[s->i] != '{')
		return ASSAY_ENOTFOUND;
	s->i++;
	for (;;) {
		ws(s);
		if (s->i >= s->n || s->p[s->i] == '}')
			return ASSAY_ENOTFOUND;
		if (s->p[s->i] != '"')
			return ASSAY_EFORMAT;
		size_t ks = s->i + 1;
		if (skip_string(s) < 0)
			return ASSAY_EFORMAT;
		size_t ke = s->i - 1;
		ws(s);
		if (s->i >= s->n || s->p[s->i] != ':')
			return ASSAY_EFORMAT;
		s->i++;
		ws(s);
		if (key_equals(s->p + ks, s->p + ke, key, len))
			return ASSAY_OK;
		if (skip_value(s) < 0)
			return ASSAY_EFORMAT;
		ws(s);
		if (s->i < s->n && s->p[s->i] == ',')
			s->i++;
	}
}

/* Finds element idx of the array at s->i; leaves s->i on its value. */
static int find_index(scan *s, size_t idx)
{
	ws(s);
	if (s->i >= s->n || s->p[s->i] != '[')
		return ASSAY_ENOTFOUND;
	s->i++;
	for (size_t k = 0;; k++) {
		ws(s);
		if (s->i >= s->n || s->p[s->i] == ']')
			return ASSAY_ENOTFOUND;
		if (k == idx)
			return ASSAY_OK;
		if (skip_value(s) < 0)
			return ASSAY_EFORMAT;
		ws(s);
		if (s->i >= s->n || s->p[s->i] != ',')
			return ASSAY_ENOTFOUND;
		s->i++;
	}
}

/* A path component that is an array index: decimal digits without a
 * leading zero (so "01" is only ever a key). */
static bool index_of(const char *k, size_t n, size_t *idx)
{
	if (n == 0 || n > 9 || (n > 1 && k[0] == '0'))
		return false;
	*idx = 0;
	for (size_t i = 0; i < n; i++) {
		if (k[i] < '0' || k[i] > '9')
			return false;
		*idx = *idx * 10 + (size_t)(k[i] - '0');
	}
	return true;
}

static int find_path(const char *json, size_t len, size_t at, const char *path, size_t plen,
		     size_t *start, size_t *end)
{
	scan s = {.p = json, .n = len, .i = at};
	ws(&s);
	if (s.i < s.n && json[s.i] == '[') {
		/* Inside an array: the first component is the element's index. */
		const char *dot = memchr(path, '.', plen);
		size_t head = dot ? (size_t)(dot - path) : plen, idx;
		if (!index_of(path, head, &idx))
			return ASSAY_ENOTFOUND;
		int rc = find_index(&s, idx);
		if (rc < 0)
			return rc;
		if (dot)
			return find_path(json, len, s.i, dot + 1, plen - head - 1, start, end);
		*start = s.i;
		if ((rc = skip_value(&s)) == ASSAY_OK)
			*end = s.i;
		return rc;
	}
	int rc = find_key(&s, path, plen);
	if (rc == ASSAY_OK) {
		*start = s.i;
		if ((rc = skip_value(&s)) == ASSAY_OK)
			*end = s.i;
		return rc;
	}
	if (rc != ASSAY_ENOTFOUND)
		return rc;
	/* Not an exact key: try "head.rest" as a nested path. */
	const char *dot = memchr(path, '.', plen);
	if (!dot)
		return ASSAY_ENOTFOUND;
	s.i = at;
	if ((rc = find_key(&s, path, (size_t)(dot - path))) < 0)
		return rc;
	return find_path(json, len, s.i, dot + 1, plen - (size_t)(dot - path) - 1, start, end);
}

int export_json_find(const char *json, size_t len, const char *path, size_t *start, size_t *end)
{
	return find_path(json, len, 0, path, strlen(path), start, end);
}

int export_json_string(abuf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	if (abuf_reserve(out, len + 2) < 0)
		return ASSAY_ENOMEM;
	abuf_putc(out, '"');
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (abuf_append(out, s + run, i - run) < 0)
			return ASSAY_ENOMEM;
		run = i + 1;
		char esc[7] = {'\\', 0};
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
		}
		if (abuf_puts(out, esc) < 0)
			return ASSAY_ENOMEM;
	}
	if (abuf_append(out, s + run, len - run) < 0 || abuf_putc(out, '"') < 0)
		return ASSAY_ENOMEM;
	return ASSAY_OK;
}

int export_rewrite(const char *record, size_t len, const char *text_field, const char *new_text,
		   const char *provenance, abuf *out, assay_error *err)
{
	size_t start = 0, end = 0;
	if (new_text) {
		int rc = export_json_find(record, len, text_field, &start, &end);
		if (rc < 0)
			return assay_fail(err, ASSAY_EFORMAT, "record has no field \"%s\" to correct",
					  text_field);
	}
	/* Where provenance goes: before the object's closing brace. */
	size_t close = len;
	if (provenance) {
		while (close > 0 && record[close - 1] != '}')
			close--;
		if (close == 0)
			return assay_fail(err, ASSAY_EFORMAT, "record is not a JSON object");
		close--;
		if (new_text && close < end) /* the last '}' was inside the text: not an object */
			return assay_fail(err, ASSAY_EFORMAT, "record is not a JSON object");
	}
	int rc = ASSAY_OK;
	if (new_text) {
		rc |= abuf_append(out, record, start);
		rc |= export_json_string(out, new_text, strlen(new_text));
		rc |= abuf_append(out, record + end, close - end);
	} else {
		rc |= abuf_append(out, record, close);
	}
	if (provenance) {
		/* An empty object gets no comma. */
		size_t k = close;
		while (k > 0 && strchr(" \t\r\n", record[k - 1]))
			k--;
		bool empty = k > 0 && record[k - 1] == '{';
		rc |= abuf_printf(out, "%s\"_assay\":%s}", empty ? "" : ",", provenance);
		rc |= abuf_append(out, record + close + 1, len - close - 1);
	}
	return rc ? assay_fail(err, ASSAY_ENOMEM, "out of memory") : ASSAY_OK;
}

int export_json_members(const char *json, size_t len, export_member_fn fn, void *ud)
{
	scan s = {.p = json, .n = len};
	ws(&s);
	if (s.i >= s.n || s.p[s.i] != '{')
		return ASSAY_EFORMAT;
	s.i++;
	for (;;) {
		ws(&s);
		if (s.i < s.n && s.p[s.i] == '}')
			return ASSAY_OK;
		if (s.i >= s.n || s.p[s.i] != '"')
			return ASSAY_EFORMAT;
		size_t ks = s.i;
		if (skip_string(&s) < 0)
			return ASSAY_EFORMAT;
		size_t ke = s.i;
		ws(&s);
		if (s.i >= s.n || s.p[s.i] != ':')
			return ASSAY_EFORMAT;
		s.i++;
		ws(&s);
		size_t vs = s.i;
		if (skip_value(&s) < 0)
			return ASSAY_EFORMAT;
		int rc = fn(ud, json + ks, ke - ks, json + vs, s.i - vs);
		if (rc)
			return rc;
		ws(&s);
		if (s.i < s.n && s.p[s.i] == ',')
			s.i++;
	}
}

bool export_json_key_is(const char *lit, size_t n, const char *want)
{
	return n >= 2 && key_equals(lit + 1, lit + n - 1, want, strlen(want));
}
