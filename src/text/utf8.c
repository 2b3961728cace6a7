/* utf8.c — a strict UTF-8 decoder (no overlongs, no surrogates, nothing
 * past U+10FFFF, one byte consumed per error) and what is built on it. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "assay/text.h"

size_t text_utf8_next(const char *s, size_t n, uint32_t *cp, bool *valid)
{
	assert(s && n > 0); /* it reads s[0] before looking at n */
	const unsigned char *p = (const unsigned char *)s;
	unsigned char c = p[0];
	*valid = true;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t len;
	uint32_t v, min;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		goto bad;
	}
	if (n < len)
		goto bad;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			goto bad;
		v = (v << 6) | (p[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		goto bad;
	*cp = v;
	return len;
bad:
	*cp = TEXT_REPLACEMENT;
	*valid = false;
	return 1;
}

bool text_utf8_valid(const char *s, size_t n, size_t *bad)
{
	size_t i = 0;
	while (i < n) {
		/* ASCII runs, eight bytes at a time where aligned reads allow. */
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			/* a NUL byte in the word: w - 0x01.. borrows into the high bit */
			if ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned char c = (unsigned char)s[i];
		if (c == 0) {
			if (bad)
				*bad = i;
			return false;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		bool ok;
		size_t len = text_utf8_next(s + i, n - i, &cp, &ok);
		if (!ok) {
			if (bad)
				*bad = i;
			return false;
		}
		i += len;
	}
	return true;
}

size_t text_utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return 0;
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	if (cp <= 0x10FFFF) {
		out[0] = (char)(0xF0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[3] = (char)(0x80 | (cp & 0x3F));
		return 4;
	}
	return 0;
}

char *text_utf8_repair(const char *s, size_t n, size_t *out_len)
{
	abuf b = {0};
	if (abuf_reserve(&b, n) < 0)
		return NULL;
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		bool ok;
		size_t len = text_utf8_next(s + i, n - i, &cp, &ok);
		char enc[4];
		if (!ok || cp == 0) {
			size_t k = text_utf8_encode(ok ? 0x2400 : TEXT_REPLACEMENT, enc);
			if (abuf_append(&b, enc, k) < 0)
				goto oom;
		} else if (abuf_append(&b, s + i, len) < 0) {
			goto oom;
		}
		i += len;
	}
	if (out_len)
		*out_len = b.len;
	return abuf_take(&b);
oom:
	abuf_free(&b);
	return NULL;
}
