/* tokens.c — word tokens (for the word diff and the scorers) and word-wise
 * cursor moves (for the editor), on one definition of a word character. */
#include <stdlib.h>
#include <utf8proc.h>

#include "assay/text.h"

/* Letters, digits and marks make words. */
static bool word_cp(uint32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
	switch (utf8proc_category((utf8proc_int32_t)cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
		return true;
	default:
		return false;
	}
}

static bool space_cp(uint32_t cp)
{
	if (cp < 0x80)
		return cp == ' ' || (cp >= '\t' && cp <= '\r');
	if (cp == 0x85 || cp == 0x2028 || cp == 0x2029)
		return true;
	return utf8proc_category((utf8proc_int32_t)cp) == UTF8PROC_CATEGORY_ZS;
}

/* Apostrophes and hyphens stay inside a word ("don't", "well-lit"). */
static bool inner_cp(uint32_t cp)
{
	return cp == '\'' || cp == '-' || cp == 0x2019 || cp == 0x2010;
}

static int push(text_tokens *t, size_t off, size_t len)
{
	if (ASSAY_GROW(t->v, t->n + 1, t->cap, 32) < 0)
		return ASSAY_ENOMEM;
	t->v[t->n++] = (text_token){(uint32_t)off, (uint32_t)len};
	return ASSAY_OK;
}

static uint32_t cp_at(const char *s, size_t n, size_t i, size_t *len)
{
	uint32_t cp;
	bool ok;
	*len = text_utf8_next(s + i, n - i, &cp, &ok);
	return cp;
}

/* ASCII letters and digits, the common case, without decoding. */
static inline bool ascii_word(unsigned char c)
{
	return (unsigned char)((c | 0x20) - 'a') < 26 || (unsigned char)(c - '0') < 10;
}

/* The end of the word starting at i. */
static size_t word_end(const char *s, size_t n, size_t i)
{
	size_t len;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		if (c < 0x80) {
			if (ascii_word(c)) {
				i++;
				continue;
			}
			cp = c;
			len = 1;
		} else {
			cp = cp_at(s, n, i, &len);
			if (word_cp(cp)) {
				i += len;
				continue;
			}
		}
		if (inner_cp(cp) && i + len < n) {
			size_t l2;
			unsigned char d = (unsigned char)s[i + len];
			if (d < 0x80 ? ascii_word(d) : word_cp(cp_at(s, n, i + len, &l2))) {
				i += len;
				continue;
			}
		}
		break;
	}
	return i;
}

int text_words(const char *s, size_t n, text_tokens *out)
{
	out->n = 0;
	size_t i = 0, len;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		/* ASCII white space and words without decoding (the same answer) */
		if (c == ' ' || (c >= '\t' && c <= '\r')) {
			i++;
			continue;
		}
		uint32_t cp = c;
		len = 1;
		if (c >= 0x80) {
			cp = cp_at(s, n, i, &len);
			if (space_cp(cp)) {
				i += len;
				continue;
			}
		}
		size_t end = (c < 0x80 ? ascii_word(c) : word_cp(cp)) ? word_end(s, n, i)
								     : text_grapheme_next(s, n, i);
		if (push(out, i, end - i) < 0)
			return ASSAY_ENOMEM;
		i = end;
	}
	return ASSAY_OK;
}

void text_tokens_free(text_tokens *t)
{
	free(t->v);
	*t = (text_tokens){0};
}

size_t text_word_next(const char *s, size_t n, size_t off)
{
	size_t len;
	if (off >= n)
		return n;
	if (word_cp(cp_at(s, n, off, &len)))
		off = word_end(s, n, off);
	else
		off += len;
	while (off < n && !word_cp(cp_at(s, n, off, &len)))
		off += len;
	return off;
}

size_t text_word_prev(const char *s, size_t n, size_t off)
{
	if (off > n)
		off = n;
	/* Step back to a non-continuation byte, then over non-word characters,
	 * then to the start of the word. */
	size_t len;
	while (off > 0) {
		size_t p = off - 1;
		while (p > 0 && ((unsigned char)s[p] & 0xC0) == 0x80)
			p--;
		if (word_cp(cp_at(s, n, p, &len)))
			break;
		off = p;
	}
	while (off > 0) {
		size_t p = off - 1;
		while (p > 0 && ((unsigned char)s[p] & 0xC0) == 0x80)
			p--;
		uint32_t cp = cp_at(s, n, p, &len);
		if (!word_cp(cp) && !(inner_cp(cp) && p > 0))
			break;
		off = p;
	}
	return off;
}
