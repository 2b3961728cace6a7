/* jsoncheck.c — the one strict JSON reader of every JSON input assay takes
 * (imported records, decide --from lines, remote answers). A first pass
 * checks RFC 8259 exactly (cJSON alone takes 01, 1., raw control bytes in
 * strings and other white space), strict UTF-8, the nesting depth, no NUL
 * in any string (cJSON's strings end at one) and no key twice in an object
 * (readers disagree on which copy wins); only then does cJSON build the
 * tree, so each of its strings is whole. A refusal names what is wrong and
 * where. */
#include <assert.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/text.h"
#include "record.h"

/* A key seen in an open object: its decoded bytes in the arena. */
typedef struct key_ent {
	uint64_t hash;
	size_t off, len; /* in the arena */
	size_t at;       /* byte offset of its opening quote */
} key_ent;

typedef struct jc {
	const char *p;
	size_t n, i;
	json_fault *f;
	json_key_hash hash; /* of each key's decoded bytes */
	abuf arena;      /* decoded keys of the open objects */
	key_ent *keys;
	size_t nkeys, capkeys;
} jc;

static void ws(jc *c)
{
	while (c->i < c->n &&
	       (c->p[c->i] == ' ' || c->p[c->i] == '\t' || c->p[c->i] == '\n' || c->p[c->i] == '\r'))
		c->i++;
}

static bool fail_at(jc *c, int kind, size_t at, const char *what)
{
	if (c->f->kind == JSON_OK) {
		c->f->kind = kind;
		c->f->at = at;
		c->f->what = what;
	}
	return false;
}

static bool fail(jc *c, const char *what)
{
	return fail_at(c, JSON_SYNTAX, c->i, what);
}

static int hex4(const char *h)
{
	int v = 0;
	for (int k = 0; k < 4; k++) {
		char ch = h[k];
		int d = ch >= '0' && ch <= '9'	 ? ch - '0'
			: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
						 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* A \u escape at c->i (on the 'u'), a surrogate pair taken whole; *cp gets
 * the code point. */
static bool u_escape(jc *c, unsigned *cp)
{
	size_t start = c->i - 1; /* the backslash */
	int v = c->n - c->i > 4 ? hex4(c->p + c->i + 1) : -1;
	if (v < 0)
		return fail_at(c, JSON_SYNTAX, start, "a \\u escape without four hex digits");
	c->i += 5;
	if (v >= 0xDC00 && v <= 0xDFFF)
		return fail_at(c, JSON_SYNTAX, start, "a lone low surrogate escape");
	if (v >= 0xD800 && v <= 0xDBFF) {
		int lo = c->n - c->i > 5 && c->p[c->i] == '\\' && c->p[c->i + 1] == 'u'
			     ? hex4(c->p + c->i + 2)
			     : -1;
		if (lo < 0xDC00 || lo > 0xDFFF)
			return fail_at(c, JSON_SYNTAX, start, "a lone high surrogate escape");
		c->i += 6;
		v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
	}
	if (v == 0)
		return fail_at(c, JSON_NUL, start, "\\u0000");
	*cp = (unsigned)v;
	return true;
}

/* A string from its opening quote; its decoded bytes are appended to out
 * when out is not NULL (keys). */
static bool string(jc *c, abuf *out)
{
	c->i++; /* the opening quote */
	while (c->i < c->n) {
		size_t run = c->i;
		while (c->i < c->n && c->p[c->i] != '"' && c->p[c->i] != '\\' &&
		       (unsigned char)c->p[c->i] >= 0x20)
			c->i++;
		if (out && c->i > run && abuf_append(out, c->p + run, c->i - run) < 0)
			return fail_at(c, JSON_NOMEM, c->i, "out of memory");
		if (c->i >= c->n)
			break;
		unsigned char ch = (unsigned char)c->p[c->i];
		if (ch == '"') {
			c->i++;
			return true;
		}
		if (ch < 0x20)
			return fail(c, "a raw control character inside a string");
		if (++c->i >= c->n)
			break;
		static const char esc[] = "\"\\/bfnrt", dec[] = "\"\\/\b\f\n\r\t";
		const char *e = strchr(esc, c->p[c->i]);
		char buf[4];
		size_t blen = 1;
		if (c->p[c->i] == 'u') {
			unsigned cp;
			if (!u_escape(c, &cp))
				return false;
			blen = text_utf8_encode(cp, buf);
		} else if (e && *e) {
			buf[0] = dec[e - esc];
			c->i++;
		} else {
			return fail_at(c, JSON_SYNTAX, c->i - 1, "an unknown escape in a string");
		}
		if (out && abuf_append(out, buf, blen) < 0)
			return fail_at(c, JSON_NOMEM, c->i, "out of memory");
	}
	return fail(c, "a string that is not closed");
}

static bool digits(jc *c)
{
	size_t start = c->i;
	while (c->i < c->n && c->p[c->i] >= '0' && c->p[c->i] <= '9')
		c->i++;
	return c->i > start;
}

static bool number(jc *c)
{
	if (c->p[c->i] == '-')
		c->i++;
	if (c->i < c->n && c->p[c->i] == '0') {
		c->i++;
		if (c->i < c->n && c->p[c->i] >= '0' && c->p[c->i] <= '9')
			return fail(c, "a number with a leading zero");
	} else if (!digits(c)) {
		return fail(c, "a malformed number");
	}
	if (c->i < c->n && c->p[c->i] == '.') {
		c->i++;
		if (!digits(c))
			return fail(c, "a malformed number");
	}
	if (c->i < c->n && (c->p[c->i] == 'e' || c->p[c->i] == 'E')) {
		c->i++;
		if (c->i < c->n && (c->p[c->i] == '+' || c->p[c->i] == '-'))
			c->i++;
		if (!digits(c))
			return fail(c, "a malformed number");
	}
	return true;
}

static bool literal(jc *c, const char *word)
{
	size_t k = strlen(word);
	if (c->n - c->i < k || memcmp(c->p + c->i, word, k) != 0)
		return fail(c, "an unexpected character");
	c->i += k;
	return true;
}

/* A key of the innermost open object: decoded into the arena. */
static bool key(jc *c)
{
	size_t at = c->i, off = c->arena.len;
	if (!string(c, &c->arena))
		return false;
	if (ASSAY_GROW(c->keys, c->nkeys + 1, c->capkeys, 64) < 0)
		return fail_at(c, JSON_NOMEM, at, "out of memory");
	size_t len = c->arena.len - off;
	/* an empty first key leaves the arena unallocated: hash "" then */
	const char *k = c->arena.data ? c->arena.data + off : "";
	c->keys[c->nkeys++] = (key_ent){c->hash(k, len), off, len, at};
	return true;
}

/* The order of the duplicate check: hash, then length, then the bytes, so
 * equal keys are neighbours whatever their hashes share; equal keys by
 * position. The arena is reached through a file-scope pointer because qsort
 * has no context argument; json_check is never re-entered while sorting. */
static _Thread_local const char *sort_arena;

static int by_key(const void *a, const void *b)
{
	const key_ent *x = a, *y = b;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	/* empty keys only may leave the arena unallocated: never memcmp NULL */
	int d = x->len ? memcmp(sort_arena + x->off, sort_arena + y->off, x->len) : 0;
	if (d)
		return d;
	return x->at < y->at ? -1 : x->at > y->at;
}

static bool same_key(const jc *c, const key_ent *x, const key_ent *y)
{
	return x->hash == y->hash && x->len == y->len &&
	       (x->len == 0 || !memcmp(c->arena.data + x->off, c->arena.data + y->off, x->len));
}

/* Closes an object whose keys are keys[from..]: a key twice is refused (at
 * its later copy). Sorted by (hash, length, bytes), each key is compared
 * with its neighbour only: O(k log k) comparisons for k keys even when
 * every hash is the same (keys made to collide). */
static bool close_object(jc *c, size_t from, size_t arena_from)
{
	key_ent *k = c->keys + from;
	size_t m = c->nkeys - from;
	const key_ent *dup = NULL;
	if (m > 1) {
		assert(!sort_arena); /* not re-entered while sorting */
		sort_arena = c->arena.data;
		qsort(k, m, sizeof *k, by_key);
		sort_arena = NULL;
	}
	/* equal keys sit together, first copy first: the later copy of each run */
	for (size_t a = 0; a + 1 < m; a++)
		if (same_key(c, &k[a], &k[a + 1]) && (!dup || k[a + 1].at < dup->at))
			dup = &k[a + 1];
	if (dup) {
		size_t n = dup->len < sizeof c->f->key - 1 ? dup->len : sizeof c->f->key - 1;
		while (n > 0 && n < dup->len &&
		       ((unsigned char)c->arena.data[dup->off + n] & 0xC0) == 0x80)
			n--; /* not inside a UTF-8 sequence */
		if (n)
			memcpy(c->f->key, c->arena.data + dup->off, n);
		c->f->key[n] = '\0';
		return fail_at(c, JSON_DUPKEY, dup->at, "a duplicate key");
	}
	c->nkeys = from;
	c->arena.len = arena_from;
	return true;
}

/* A scalar value at c->i. */
static bool scalar(jc *c)
{
	char ch = c->p[c->i];
	if (ch == '"')
		return string(c, NULL);
	if (ch == '-' || (ch >= '0' && ch <= '9'))
		return number(c);
	if (ch == 't')
		return literal(c, "true");
	if (ch == 'f')
		return literal(c, "false");
	if (ch == 'n')
		return literal(c, "null");
	return fail(c, "an unexpected character");
}

typedef struct level {
	char open;             /* '{' or '[' */
	size_t keys, arena;    /* where its keys start */
} level;

/* After a value inside level l: ',' or the closing bracket. Returns the
 * new depth, or -1. */
static int after(jc *c, level *stack, int depth, bool *want_key)
{
	level *l = &stack[depth - 1];
	char ch = c->p[c->i];
	if (ch == ',') {
		c->i++;
		*want_key = l->open == '{';
		return depth;
	}
	if ((ch == '}' && l->open == '{') || (ch == ']' && l->open == '[')) {
		if (ch == '}' && !close_object(c, l->keys, l->arena))
			return -1;
		c->i++;
		return depth - 1;
	}
	fail(c, "expected ',' or a closing bracket");
	return -1;
}

static bool scan(jc *c, int max_depth)
{
	level stack[INGEST_MAX_DEPTH + 1];
	int depth = 0;
	bool value_done = false, want_key = false;
	for (;;) {
		ws(c);
		if (value_done && depth == 0)
			return c->i >= c->n ||
			       fail_at(c, JSON_TRAILING, c->i, "unexpected data after the JSON value");
		if (c->i >= c->n)
			return fail(c, "the text ends too early");
		char ch = c->p[c->i];
		if (want_key) {
			if (ch != '"')
				return fail(c, "expected a quoted key");
			if (!key(c))
				return false;
			ws(c);
			if (c->i >= c->n || c->p[c->i] != ':')
				return fail(c, "expected ':' after a key");
			c->i++;
			want_key = false;
			value_done = false;
		} else if (value_done) {
			if ((depth = after(c, stack, depth, &want_key)) < 0)
				return false;
			/* a closing bracket ends a value; a comma asks for the next */
			value_done = c->p[c->i - 1] != ',';
		} else if (ch == '{' || ch == '[') {
			if (depth >= max_depth) {
				c->f->depth = max_depth;
				return fail_at(c, JSON_DEPTH, c->i, "nesting too deep");
			}
			stack[depth++] = (level){ch, c->nkeys, c->arena.len};
			c->i++;
			ws(c);
			if (c->i < c->n && c->p[c->i] == (ch == '{' ? '}' : ']')) {
				c->i++;
				depth--;
				value_done = true;
			} else {
				want_key = ch == '{';
			}
		} else {
			if (!scalar(c))
				return false;
			value_done = true;
		}
	}
}

static uint64_t key_hash(const void *p, size_t n)
{
	return text_hash64(p, n, 0);
}

int json_check(const char *p, size_t n, int max_depth, json_fault *f)
{
	return json_check_hashed(p, n, max_depth, key_hash, f);
}

int json_check_hashed(const char *p, size_t n, int max_depth, json_key_hash hash,
		      json_fault *f)
{
	*f = (json_fault){0};
	size_t bad;
	if (!text_utf8_valid(p, n, &bad)) {
		f->kind = p[bad] == '\0' ? JSON_NULBYTE : JSON_UTF8;
		f->at = bad;
		f->what = p[bad] == '\0' ? "a NUL byte" : "invalid UTF-8";
		return ASSAY_EFORMAT;
	}
	jc c = {.p = p, .n = n, .f = f, .hash = hash};
	bool ok = scan(&c, max_depth < INGEST_MAX_DEPTH ? max_depth : INGEST_MAX_DEPTH);
	abuf_free(&c.arena);
	free(c.keys);
	if (ok)
		return ASSAY_OK;
	return f->kind == JSON_NOMEM ? ASSAY_ENOMEM : ASSAY_EFORMAT;
}

/* " at byte N", with the line and column when the text has several lines.
 * A NUL, a duplicate key and too deep a nesting are named without it: the
 * key or the limit says enough, and import's messages stay as they were. */
static void where(const char *p, size_t at, char *out, size_t cap)
{
	long line = 1;
	size_t col = at + 1;
	for (size_t i = 0; i < at; i++)
		if (p[i] == '\n') {
			line++;
			col = at - i;
		}
	if (line > 1)
		snprintf(out, cap, " at byte %zu (line %ld, column %zu)", at + 1, line, col);
	else
		snprintf(out, cap, " at byte %zu", at + 1);
}

void json_describe(const char *p, const json_fault *f, char *why, size_t whylen)
{
	char at[96];
	where(p, f->at, at, sizeof at);
	switch (f->kind) {
	case JSON_OK:
		snprintf(why, whylen, "valid JSON");
		break;
	case JSON_UTF8:
		snprintf(why, whylen, "invalid UTF-8%s", at);
		break;
	case JSON_NULBYTE:
		snprintf(why, whylen, "NUL byte%s", at);
		break;
	case JSON_NUL:
		snprintf(why, whylen, "contains \\u0000 (a NUL character), which assay refuses to "
				      "store");
		break;
	case JSON_DEPTH:
		snprintf(why, whylen, "nesting deeper than %d levels", f->depth);
		break;
	case JSON_DUPKEY:
		snprintf(why, whylen, "duplicate key \"%s\"", f->key);
		break;
	case JSON_TRAILING:
		snprintf(why, whylen, "%s%s", f->what, at);
		break;
	case JSON_NOMEM:
		snprintf(why, whylen, "could not be read: out of memory");
		break;
	default:
		snprintf(why, whylen, "not valid JSON: %s%s", f->what, at);
	}
}

int ingest_json_parse(const char *p, size_t n, struct cJSON **out, char *why, size_t whylen)
{
	json_fault f;
	if (out)
		*out = NULL;
	int rc = json_check(p, n, INGEST_MAX_DEPTH, &f);
	if (rc < 0) {
		json_describe(p, &f, why, whylen);
		return rc;
	}
	if (!out)
		return ASSAY_OK;
	/* strict JSON now: cJSON fails only when memory runs out */
	*out = cJSON_ParseWithLength(p, n);
	if (!*out) {
		snprintf(why, whylen, "could not be read: out of memory");
		return ASSAY_ENOMEM;
	}
	return ASSAY_OK;
}
