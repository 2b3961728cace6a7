/* normalize.c — the normal form behind exact-duplicate detection and the
 * 64-bit hash stored with every sample (XXH64, so the values are stable
 * across builds and machines). */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "assay/text.h"

static bool ascii_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Unicode White_Space. */
static bool uni_space(uint32_t cp)
{
	if (cp < 0x80)
		return ascii_space((unsigned char)cp);
	return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

static int normalize_ascii(const char *s, size_t n, abuf *out)
{
	if (abuf_reserve(out, n) < 0)
		return ASSAY_ENOMEM;
	char *d = out->data + out->len;
	size_t k = 0;
	bool pending_space = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (ascii_space(c)) {
			pending_space = k > 0;
			continue;
		}
		if (pending_space) {
			d[k++] = ' ';
			pending_space = false;
		}
		d[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out->len += k;
	out->data[out->len] = '\0';
	return ASSAY_OK;
}

static int normalize_unicode(const char *s, size_t n, abuf *out)
{
	size_t rn = 0;
	char *repaired = text_utf8_repair(s, n, &rn);
	if (!repaired)
		return ASSAY_ENOMEM;
	utf8proc_uint8_t *mapped = NULL;
	utf8proc_ssize_t mn = utf8proc_map((const utf8proc_uint8_t *)repaired, (utf8proc_ssize_t)rn,
					   &mapped,
					   UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
						   UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
	free(repaired);
	if (mn < 0)
		return ASSAY_ENOMEM;
	int rc = abuf_reserve(out, (size_t)mn);
	bool pending_space = false, any = false;
	for (utf8proc_ssize_t i = 0; rc == ASSAY_OK && i < mn;) {
		uint32_t cp;
		bool ok;
		size_t len = text_utf8_next((const char *)mapped + i, (size_t)(mn - i), &cp, &ok);
		if (uni_space(cp)) {
			pending_space = any;
		} else if (utf8proc_category((utf8proc_int32_t)cp) != UTF8PROC_CATEGORY_CF) {
			if (pending_space)
				rc |= abuf_putc(out, ' ');
			pending_space = false;
			any = true;
			rc |= abuf_append(out, mapped + i, len);
		}
		i += (utf8proc_ssize_t)len;
	}
	free(mapped);
	return rc ? ASSAY_ENOMEM : ASSAY_OK;
}

int text_normalize(const char *s, size_t n, abuf *out)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return normalize_unicode(s, n, out);
	return normalize_ascii(s, n, out);
}

/* (UTF8PROC_IGNORE drops default-ignorable characters such as ZWJ before
 * composition, so "a" ZWJ U+0308 composes to "ä" like "a" U+0308 does: the
 * normal form of a normal form is itself.) */

/* ---- XXH64 (Yann Collet's xxHash, 64-bit variant, from its specification) */

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull
#define P5 0x27D4EB2F165667C5ull

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t rd64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v; /* little-endian machines; the stored hashes assume it */
}

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t round64(uint64_t acc, uint64_t in)
{
	acc += in * P2;
	acc = rotl(acc, 31);
	return acc * P1;
}

static uint64_t merge(uint64_t acc, uint64_t v)
{
	acc ^= round64(0, v);
	return acc * P1 + P4;
}

uint64_t text_hash64(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data, *end = p + n;
	uint64_t h;
	if (n >= 32) {
		uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
		const unsigned char *limit = end - 32;
		do {
			v1 = round64(v1, rd64(p));
			v2 = round64(v2, rd64(p + 8));
			v3 = round64(v3, rd64(p + 16));
			v4 = round64(v4, rd64(p + 24));
			p += 32;
		} while (p <= limit);
		h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
		h = merge(h, v1);
		h = merge(h, v2);
		h = merge(h, v3);
		h = merge(h, v4);
	} else {
		h = seed + P5;
	}
	h += (uint64_t)n;
	for (; p + 8 <= end; p += 8) {
		h ^= round64(0, rd64(p));
		h = rotl(h, 27) * P1 + P4;
	}
	if (p + 4 <= end) {
		h ^= (uint64_t)rd32(p) * P1;
		h = rotl(h, 23) * P2 + P3;
		p += 4;
	}
	for (; p < end; p++) {
		h ^= (*p) * P5;
		h = rotl(h, 11) * P1;
	}
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	h ^= h >> 32;
	return h;
}

uint64_t text_normalized_hash(const char *s, size_t n, abuf *scratch)
{
	abuf local = {0};
	abuf *b = scratch ? scratch : &local;
	abuf_reset(b);
	uint64_t h;
	if (text_normalize(s, n, b) == ASSAY_OK)
		h = text_hash64(b->data ? b->data : "", b->len, 0);
	else
		h = text_hash64(s, n, 0); /* out of memory: exact bytes still dedupe */
	abuf_free(&local);
	return h;
}
