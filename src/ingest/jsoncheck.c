/* jsoncheck.c — a strict RFC 8259 check of one record before cJSON (which
 * is lenient: it takes 01, 1., raw control bytes in strings, and other
 * white space) reads it, so that every stored record is JSON that any
 * reader, SQLite's JSON functions included, accepts. One pass, an explicit
 * stack, no allocation. */
#include <stdio.h>
#include <string.h>

#include "record.h"

typedef struct jc {
	const char *p;
	size_t n, i;
	const char *what;
	bool nul_escape;
} jc;

static void ws(jc *c)
{
	while (c->i < c->n &&
	       (c->p[c->i] == ' ' || c->p[c->i] == '\t' || c->p[c->i] == '\n' || c->p[c->i] == '\r'))
		c->i++;
}

static bool fail(jc *c, const char *what)
{
	c->what = what;
	return false;
}

static bool is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static bool string(jc *c)
{
	c->i++; /* the opening quote */
	while (c->i < c->n) {
		unsigned char ch = (unsigned char)c->p[c->i];
		if (ch == '"') {
			c->i++;
			return true;
		}
		if (ch < 0x20)
			return fail(c, "a raw control character inside a string");
		if (ch != '\\') {
			c->i++;
			continue;
		}
		if (++c->i >= c->n)
			break;
		char e = c->p[c->i];
		if (e == 'u') {
			if (c->i + 4 >= c->n || !is_hex(c->p[c->i + 1]) || !is_hex(c->p[c->i + 2]) ||
			    !is_hex(c->p[c->i + 3]) || !is_hex(c->p[c->i + 4]))
				return fail(c, "a \\u escape without four hex digits");
			unsigned v = 0;
			for (int k = 1; k <= 4; k++) {
				char h = c->p[c->i + k];
				v = v * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
			}
			if (v == 0)
				c->nul_escape = true;
			c->i += 5;
			/* a surrogate escape must be a high one followed by a low one */
			if (v >= 0xDC00 && v <= 0xDFFF)
				return fail(c, "a lone low surrogate escape");
			if (v >= 0xD800 && v <= 0xDBFF) {
				unsigned lo = 0;
				if (c->i + 5 < c->n && c->p[c->i] == '\\' && c->p[c->i + 1] == 'u')
					for (int k = 2; k <= 5 && is_hex(c->p[c->i + k]); k++) {
						char h = c->p[c->i + k];
						lo = lo * 16 +
						     (unsigned)(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
					}
				if (lo < 0xDC00 || lo > 0xDFFF)
					return fail(c, "a lone high surrogate escape");
				c->i += 6; /* the low half, checked */
			}
		} else if (strchr("\"\\/bfnrt", e) && e) {
			c->i++;
		} else {
			return fail(c, "an unknown escape in a string");
		}
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

int rec_json_check(const char *p, size_t n, int max_depth, size_t *at, const char **what,
		   bool *nul_escape)
{
	jc c = {.p = p, .n = n};
	char stack[INGEST_MAX_DEPTH + 1];
	int depth = 0;
	enum { VALUE, KEY, AFTER } state = VALUE;
	bool ok = true;
	while (ok) {
		ws(&c);
		if (state == AFTER && depth == 0) {
			if (c.i < c.n)
				ok = fail(&c, "unexpected data after the JSON value");
			break;
		}
		if (c.i >= c.n) {
			ok = fail(&c, "the record ends too early");
			break;
		}
		char ch = p[c.i];
		if (state == KEY) {
			if (ch != '"' || !(ok = string(&c)))
				ok = ok && fail(&c, "expected a quoted key");
			if (!ok)
				break;
			ws(&c);
			if (c.i >= c.n || p[c.i] != ':') {
				ok = fail(&c, "expected ':' after a key");
				break;
			}
			c.i++;
			state = VALUE;
		} else if (state == AFTER) {
			char top = stack[depth - 1];
			if (ch == ',') {
				c.i++;
				state = top == '{' ? KEY : VALUE;
			} else if ((ch == '}' && top == '{') || (ch == ']' && top == '[')) {
				c.i++;
				depth--;
			} else {
				ok = fail(&c, "expected ',' or a closing bracket");
			}
		} else if (ch == '{' || ch == '[') {
			if (depth >= max_depth || depth >= INGEST_MAX_DEPTH) {
				ok = fail(&c, "nesting too deep");
				break;
			}
			stack[depth++] = ch;
			c.i++;
			ws(&c);
			if (c.i < c.n && p[c.i] == (ch == '{' ? '}' : ']')) {
				c.i++;
				depth--;
				state = AFTER;
			} else {
				state = ch == '{' ? KEY : VALUE;
			}
		} else {
			if (ch == '"')
				ok = string(&c);
			else if (ch == '-' || (ch >= '0' && ch <= '9'))
				ok = number(&c);
			else if (ch == 't')
				ok = literal(&c, "true");
			else if (ch == 'f')
				ok = literal(&c, "false");
			else if (ch == 'n')
				ok = literal(&c, "null");
			else
				ok = fail(&c, "an unexpected character");
			state = AFTER;
		}
	}
	*at = c.i;
	*what = c.what;
	*nul_escape = c.nul_escape;
	if (ok)
		return ASSAY_OK;
	return strcmp(c.what, "nesting too deep") == 0 ? ASSAY_ECONFLICT : ASSAY_EFORMAT;
}
