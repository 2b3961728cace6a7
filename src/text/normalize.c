/* normalize.c — the normal form behind exact-duplicate detection and the
 * 64-bit hash stored with every sample (XXH64, so the values are stable
 * across builds and machines). */
#include <stdint.h>
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

#define NFKC_CASEFOLD                                                                              \
	(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE)

/* The white-space state carried along the output: a space is owed when
 * white space followed something written, and written only before the
 * next visible character (so leading and trailing space go). */
typedef struct {
	char *d;      /* out's bytes at its current end */
	bool pending; /* white space seen since the last character written */
	bool any;     /* a character written */
} norm_state;

#define ONES 0x0101010101010101ull
#define HIGH 0x8080808080808080ull

/* The high bit of each byte of w that is in [lo, hi] (bytes below 0x80:
 * no sum carries into the next byte). */
static uint64_t bytes_in(uint64_t w, unsigned lo, unsigned hi)
{
	return (w + ONES * (0x80 - lo)) & ~(w + ONES * (0x7F - hi)) & HIGH;
}

/* Eight ASCII bytes at once, when the bytewise rule comes down to
 * lower-casing them: something already written, no white space but single
 * spaces, and no space right after white space already seen. A space as
 * the last byte is owed, not written. (Byte 0 is the lowest: the hashes
 * assume a little-endian machine already.) */
static bool ascii_word(const char *s, norm_state *st)
{
	uint64_t w;
	memcpy(&w, s, 8);
	uint64_t sp = bytes_in(w, ' ', ' ');
	if (!st->any || bytes_in(w, '\t', '\r') || (sp & (sp << 8)) || (st->pending && (sp & 0x80)))
		return false;
	if (st->pending)
		*st->d++ = ' ';
	w |= bytes_in(w, 'A', 'Z') >> 2;
	memcpy(st->d, &w, 8);
	st->d += 8 - (sp >> 63);
	st->pending = sp >> 63;
	return true;
}

/* ASCII bytes s[0..n) (no byte above 0x7F) to st->d (room for n bytes
 * reserved, and one more when a space is owed): white space collapsed,
 * A-Z lower-cased, every other byte as it is. */
static void ascii_run(const char *s, size_t n, norm_state *st)
{
	size_t i = 0;
	while (i < n) {
		if (i + 8 <= n && ascii_word(s + i, st)) {
			i += 8;
			continue;
		}
		size_t end = n - i > 8 ? i + 8 : n;
		for (; i < end; i++) {
			unsigned char c = (unsigned char)s[i];
			if (ascii_space(c)) {
				st->pending = st->any;
				continue;
			}
			if (st->pending) {
				*st->d++ = ' ';
				st->pending = false;
			}
			st->any = true;
			*st->d++ = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
	}
}

static int normalize_ascii(const char *s, size_t n, abuf *out)
{
	if (abuf_reserve(out, n) < 0)
		return ASSAY_ENOMEM;
	norm_state st = {.d = out->data + out->len};
	ascii_run(s, n, &st);
	out->len = (size_t)(st.d - out->data);
	out->data[out->len] = '\0';
	return ASSAY_OK;
}

/* Code points of the segment being normalised: on the stack for the usual
 * word or two, on the heap (kept for the call's later segments) beyond. */
typedef struct {
	utf8proc_int32_t local[256];
	utf8proc_int32_t *heap;
	size_t heap_cap;
	char *repaired; /* the last segment with invalid bytes and NULs replaced */
} seg_buf;

/* The canonical order of a run of non-starters (combining class > 0):
 * stably sorted by class. utf8proc_decompose orders them by exchanging
 * neighbours (its loop swaps a pair when the first's class is greater and
 * the second's is not 0, and steps back), which is a stable sort of each
 * such run and stops only when no neighbours are out of order: the same
 * result, but its time grows with the square of a run's length (a hostile
 * text of 100,000 marks took 21 s). Short runs by insertion; long ones by
 * counting (classes are 1..254), O(n). Returns -1 out of memory. */
static int order_run(utf8proc_int32_t *r, uint8_t *cls, size_t n)
{
	if (n <= 32) {
		for (size_t i = 1; i < n; i++) {
			utf8proc_int32_t c = r[i];
			uint8_t k = cls[i];
			size_t j = i;
			for (; j > 0 && cls[j - 1] > k; j--) {
				r[j] = r[j - 1];
				cls[j] = cls[j - 1];
			}
			r[j] = c;
			cls[j] = k;
		}
		return 0;
	}
	utf8proc_int32_t *tmp = malloc(n * sizeof *tmp);
	if (!tmp)
		return -1;
	size_t at[257] = {0};
	for (size_t i = 0; i < n; i++)
		at[cls[i] + 1]++;
	for (size_t c = 1; c < 257; c++)
		at[c] += at[c - 1];
	for (size_t i = 0; i < n; i++)
		tmp[at[cls[i]]++] = r[i];
	memcpy(r, tmp, n * sizeof *tmp);
	free(tmp);
	return 0;
}

/* utf8proc_decompose with canonical ordering in linear time (order_run):
 * each character decomposed as utf8proc does it, then each run of
 * non-starters ordered. Like it, returns the count needed when cap is too
 * small (nothing ordered then), or a negative error. */
static utf8proc_ssize_t decompose(const char *s, size_t n, utf8proc_int32_t *buf, size_t cap)
{
	size_t w = 0;
	int boundclass = UTF8PROC_BOUNDCLASS_START;
	for (size_t r = 0; r < n;) {
		utf8proc_int32_t uc;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + r,
						      (utf8proc_ssize_t)(n - r), &uc);
		if (k <= 0 || uc < 0)
			return UTF8PROC_ERROR_INVALIDUTF8;
		r += (size_t)k;
		utf8proc_ssize_t d = utf8proc_decompose_char(
		    uc, buf + (w < cap ? w : cap), (utf8proc_ssize_t)(cap > w ? cap - w : 0),
		    NFKC_CASEFOLD, &boundclass);
		if (d < 0)
			return d;
		w += (size_t)d;
	}
	if (w > cap)
		return (utf8proc_ssize_t)w;
	uint8_t cls_local[256], *cls = w <= sizeof cls_local ? cls_local : malloc(w);
	if (!cls)
		return UTF8PROC_ERROR_NOMEM;
	for (size_t i = 0; i < w; i++)
		cls[i] = (uint8_t)utf8proc_get_property(buf[i])->combining_class;
	int rc = 0;
	for (size_t i = 0; i < w && rc == 0;) {
		if (cls[i] == 0) {
			i++;
			continue;
		}
		size_t j = i + 1;
		while (j < w && cls[j] != 0)
			j++;
		rc = order_run(buf + i, cls + i, j - i);
		i = j;
	}
	if (cls != cls_local)
		free(cls);
	return rc < 0 ? UTF8PROC_ERROR_NOMEM : (utf8proc_ssize_t)w;
}

/* NFKC with case folding of one segment (decompose above: utf8proc's
 * decomposition and canonical ordering; then its composition, as
 * utf8proc_map does them) into *cps; returns the count, or -1 out of
 * memory. */
static utf8proc_ssize_t seg_map(const char *s, size_t n, seg_buf *b, utf8proc_int32_t **cps)
{
	if (!text_utf8_valid(s, n, NULL)) {
		free(b->repaired);
		b->repaired = text_utf8_repair(s, n, &n);
		if (!b->repaired)
			return -1;
		s = b->repaired;
	}
	utf8proc_int32_t *buf = b->heap ? b->heap : b->local;
	size_t cap = b->heap ? b->heap_cap : sizeof b->local / sizeof b->local[0];
	utf8proc_ssize_t m = decompose(s, n, buf, cap);
	if (m >= 0 && (size_t)m > cap) {
		free(b->heap);
		b->heap = malloc((size_t)m * sizeof *buf);
		if (!b->heap)
			return -1;
		b->heap_cap = (size_t)m;
		buf = b->heap;
		m = decompose(s, n, buf, (size_t)m);
	}
	if (m < 0)
		return -1;
	*cps = buf;
	return utf8proc_normalize_utf32(buf, m, NFKC_CASEFOLD);
}

/* Normalises the segment s[0..n) and writes it with the carried state:
 * white space collapsed, format characters (Cf) dropped. */
static int unicode_run(const char *s, size_t n, seg_buf *b, abuf *out, norm_state *st)
{
	utf8proc_int32_t *cps = NULL;
	utf8proc_ssize_t m = seg_map(s, n, b, &cps);
	if (m < 0)
		return ASSAY_ENOMEM;
	out->len = (size_t)(st->d - out->data);
	if (abuf_reserve(out, 4 * (size_t)m + 1) < 0)
		return ASSAY_ENOMEM;
	char *d = out->data + out->len;
	for (utf8proc_ssize_t i = 0; i < m; i++) {
		uint32_t cp = (uint32_t)cps[i];
		if (uni_space(cp)) {
			st->pending = st->any;
			continue;
		}
		if (cp >= 0x80 && utf8proc_category((utf8proc_int32_t)cp) == UTF8PROC_CATEGORY_CF)
			continue;
		if (st->pending)
			*d++ = ' ';
		st->pending = false;
		st->any = true;
		d += text_utf8_encode(cp, d);
	}
	st->d = d;
	return ASSAY_OK;
}

/* Bytes that go to utf8proc: non-ASCII, and NUL (which the repair shows as
 * U+2400 once the text is not pure ASCII). */
static bool seg_byte(unsigned char c)
{
	return c >= 0x80 || c == 0;
}

/* Text with non-ASCII bytes, normalised piecewise: ASCII runs by the ASCII
 * loop, each stretch of non-ASCII bytes together with the character before
 * it by utf8proc, up to the next ASCII byte. The normal form of the whole
 * is the concatenation of the pieces' (the argument is in the comment at
 * the end of this file; tests/text/test_normalize.c checks it against the
 * whole-string form). */
static int normalize_mixed(const char *s, size_t n, abuf *out)
{
	if (abuf_reserve(out, n) < 0)
		return ASSAY_ENOMEM;
	seg_buf b;
	b.heap = NULL;
	b.heap_cap = 0;
	b.repaired = NULL;
	norm_state st = {.d = out->data + out->len};
	int rc = ASSAY_OK;
	size_t i = 0;
	while (i < n && rc == ASSAY_OK) {
		size_t p = i;
		while (p < n && !seg_byte((unsigned char)s[p]))
			p++;
		size_t from = p > 0 ? p - 1 : 0; /* the character a mark may compose with */
		if (p == n)
			from = n;
		if (from > i)
			ascii_run(s + i, from - i, &st);
		if (from == n)
			break;
		size_t q = p + 1;
		while (q < n && seg_byte((unsigned char)s[q]))
			q++;
		rc = unicode_run(s + from, q - from, &b, out, &st);
		if (rc == ASSAY_OK) {
			/* the ASCII bytes up to the next segment take their own room
			 * and the space the segment may still owe */
			out->len = (size_t)(st.d - out->data);
			rc = abuf_reserve(out, n - q + 1);
			st.d = out->data + out->len;
		}
		i = q;
	}
	out->len = (size_t)(st.d - out->data);
	out->data[out->len] = '\0';
	free(b.heap);
	free(b.repaired);
	return rc;
}

int text_normalize(const char *s, size_t n, abuf *out)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (w & HIGH)
			return normalize_mixed(s, n, out);
	}
	for (; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return normalize_mixed(s, n, out);
	return normalize_ascii(s, n, out);
}

/* (UTF8PROC_IGNORE drops default-ignorable characters such as ZWJ before
 * composition, so "a" ZWJ U+0308 composes to "ä" like "a" U+0308 does: the
 * normal form of a normal form is itself.) */

/* Why the pieces' normal forms concatenate to the whole's. utf8proc_map
 * (after the repair) does, in order: (1) each code point replaced by its
 * full compatibility decomposition of its case folding, default-ignorables
 * dropped: per code point, no context; (2) canonical ordering: a stable
 * sort of each run of non-starters, which never moves a starter (class 0)
 * nor anything across one; (3) composition: each character tried against
 * the last starter, which may change only that starter, the new starter
 * being the character itself when it does not compose. Every ASCII
 * character maps to itself (A-Z to a-z), is a starter, and is the second
 * half of no composition (no canonical decomposition has an ASCII
 * character after its first: test_normalize checks this of the utf8proc
 * it runs with, and checks every code point between ASCII letters). So at
 * an ASCII character c the whole's processing has finished everything
 * before c, c stays as it is and becomes the starter; the pieces' has the
 * same state when a piece starts with c (the character before the
 * non-ASCII bytes, with which a following mark may compose) and nothing
 * after c reaches back. A piece ends before an ASCII byte: (4) the repair
 * reads a byte 0x01-0x7F as itself and never as part of a sequence before
 * it (a sequence takes continuation bytes only; an error takes one byte),
 * so it splits there too; NUL, which the repair shows as U+2400, goes to
 * utf8proc with the non-ASCII bytes. (5) The white-space and Cf rule reads
 * the output one code point at a time; its state (a space owed, something
 * written) is carried from piece to piece, and no ASCII character is Cf.
 * Pure ASCII text keeps its own path, NUL included, as before. */

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
