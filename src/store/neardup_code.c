/* neardup_code.c — a block of the near-duplicate band index as bytes: a
 * 20-byte head (count, first key, smallest sample id, the two widths
 * below), then per entry its key's distance from the previous key in a
 * Rice code (k low bits plainly, the rest in unary; a distance too long
 * for that is escaped and written whole) and its sample id less the
 * smallest, in a fixed width. Keys are spread evenly over 32 bits, so an
 * entry takes about log2(2^32 / n) + 2 bits of key and log2(ids spanned)
 * bits of id: 3.6 bytes for a chunk's run, where a (key, id) row of a
 * table would take 15. */
#include "neardup_code.h"

#include <string.h>

#define HEAD 20
/* Ones of a quotient at or past which the distance is written whole. */
#define ESC 24

/* Bits written the lowest first: up to 63 gathered in acc, then stored a
 * word at a time (its whole bytes kept; the block's bound leaves room for
 * the word's other bytes, which later ones overwrite). */
typedef struct bit_out {
	uint8_t *p;
	uint64_t acc;
	unsigned n;
} bit_out;

static inline void flush_bits(bit_out *o)
{
	unsigned bytes = o->n >> 3;
	memcpy(o->p, &o->acc, 8);
	o->p += bytes;
	o->acc >>= 8 * bytes;
	o->n &= 7;
}

/* w <= 32 bits of v. */
static inline void put_bits(bit_out *o, uint64_t v, unsigned w)
{
	if (o->n + w > 63)
		flush_bits(o);
	o->acc |= (v & ((1ull << w) - 1)) << o->n;
	o->n += w;
}

static void put_wide(bit_out *o, uint64_t v, unsigned w)
{
	if (w > 32) {
		put_bits(o, v & 0xFFFFFFFFu, 32);
		v >>= 32;
		w -= 32;
	}
	put_bits(o, v, w);
}

static void put_le(uint8_t *p, uint64_t v, size_t bytes)
{
	for (size_t i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, size_t bytes)
{
	uint64_t v = 0;
	for (size_t i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static unsigned width(uint64_t v)
{
	unsigned w = 0;
	while (w < 64 && v >> w)
		w++;
	return w;
}

size_t neardup_code_bound(size_t n)
{
	/* ESC ones and 32 bits of key, 64 of id at the worst. */
	return HEAD + n * ((ESC + 32 + 64 + 7) / 8) + 8;
}

size_t neardup_code_put(const uint32_t *keys, const int64_t *ids, size_t n, uint8_t *out)
{
	int64_t lo = n ? ids[0] : 0, hi = lo;
	for (size_t i = 1; i < n; i++) {
		lo = ids[i] < lo ? ids[i] : lo;
		hi = ids[i] > hi ? ids[i] : hi;
	}
	/* Rice's best k is near log2 of the mean distance times ln 2. */
	uint64_t mean = n > 1 ? ((uint64_t)keys[n - 1] - keys[0]) / (n - 1) : 0;
	unsigned k = width(mean * 69 / 100), idw = width((uint64_t)hi - (uint64_t)lo);
	k = k ? k - 1 : 0;
	put_le(out, n, 4);
	put_le(out + 4, n ? keys[0] : 0, 4);
	put_le(out + 8, (uint64_t)lo, 8);
	out[16] = (uint8_t)k;
	out[17] = (uint8_t)idw;
	out[18] = out[19] = 0;
	bit_out o = {.p = out + HEAD};
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			uint32_t d = keys[i] - keys[i - 1];
			uint32_t q = d >> k;
			if (q >= ESC) {
				put_bits(&o, (1ull << ESC) - 1, ESC);
				put_bits(&o, d, 32);
			} else {
				put_bits(&o, (1ull << q) - 1, q + 1);
				put_bits(&o, d, k);
			}
		}
		put_wide(&o, (uint64_t)ids[i] - (uint64_t)lo, idw);
	}
	flush_bits(&o);
	if (o.n)
		*o.p++ = (uint8_t)o.acc;
	return (size_t)(o.p - out);
}

/* 57 or more bits from bit pos on (zeros past the end). */
static uint64_t peek(const uint8_t *b, size_t len, size_t pos)
{
	size_t at = pos >> 3;
	uint64_t w = 0;
	if (at + 8 <= len)
		memcpy(&w, b + at, 8);
	else
		for (size_t i = 0; at + i < len; i++)
			w |= (uint64_t)b[at + i] << (8 * i);
	return w >> (pos & 7);
}

static uint64_t low(uint64_t v, unsigned w)
{
	return w >= 64 ? v : v & ((1ull << w) - 1);
}

size_t neardup_code_count(const uint8_t *b, size_t len)
{
	size_t n = len < HEAD ? 0 : (size_t)get_le(b, 4);
	/* every entry after the first takes a bit at least */
	return n > (len - HEAD) * 8 + 1 ? 0 : n;
}

/* A block being read: its head, then an entry at a time. */
typedef struct code_in {
	const uint8_t *p;
	size_t m, pos, n;
	uint32_t key;
	int64_t lo;
	unsigned k, idw;
} code_in;

/* Reads the head; -1 when the bytes are not a block, 0 when it is empty,
 * 1 when the entries follow. */
static int code_open(code_in *in, const uint8_t *b, size_t len)
{
	size_t n = neardup_code_count(b, len);
	if (n == 0 || n != get_le(b, 4))
		return len == HEAD && get_le(b, 4) == 0 ? 0 : -1;
	*in = (code_in){.p = b + HEAD,
			.m = len - HEAD,
			.n = n,
			.key = (uint32_t)get_le(b + 4, 4),
			.lo = (int64_t)get_le(b + 8, 8),
			.k = b[16],
			.idw = b[17]};
	return in->k > 31 || in->idw > 64 ? -1 : 1;
}

/* The key of entry i (after entry i - 1's). */
static inline uint32_t code_key(code_in *in, size_t i)
{
	if (i > 0) {
		uint64_t w = peek(in->p, in->m, in->pos);
		unsigned q = (unsigned)__builtin_ctzll(~w | (1ull << ESC));
		if (q == ESC) {
			in->key += (uint32_t)peek(in->p, in->m, in->pos + ESC);
			in->pos += ESC + 32;
		} else {
			in->key += (uint32_t)((uint64_t)q << in->k | low(w >> (q + 1), in->k));
			in->pos += q + 1 + in->k;
		}
	}
	return in->key;
}

/* The sample id of the entry whose key was just read. */
static inline int64_t code_id(code_in *in)
{
	uint64_t v = peek(in->p, in->m, in->pos);
	if (in->idw > 56)
		v = low(v, 32) | peek(in->p, in->m, in->pos + 32) << 32;
	in->pos += in->idw;
	/* modulo 2^64: an id range may span more than int64_t holds */
	return (int64_t)((uint64_t)in->lo + low(v, in->idw));
}

int neardup_code_get(const uint8_t *b, size_t len, uint32_t *keys, int64_t *ids)
{
	code_in in;
	int rc = code_open(&in, b, len);
	if (rc <= 0)
		return rc;
	for (size_t i = 0; i < in.n; i++) {
		keys[i] = code_key(&in, i);
		ids[i] = code_id(&in);
	}
	return in.pos <= in.m * 8 ? 0 : -1;
}

void neardup_code_filter(const uint32_t *want, size_t n_want, uint64_t *filter)
{
	memset(filter, 0, NEARDUP_FILTER_WORDS * sizeof *filter);
	for (size_t i = 0; i < n_want; i++) {
		uint32_t f = want[i] >> (32 - NEARDUP_FILTER_BITS);
		filter[f >> 6] |= 1ull << (f & 63);
	}
}

/* The first of want from w on not below key: a search in steps doubling
 * from w, then halving (the keys wanted are many beside a block's, so a
 * walk would pass most of them). */
static size_t want_seek(const uint32_t *want, size_t n_want, size_t w, uint32_t key)
{
	size_t step = 1, hi = w;
	while (hi < n_want && want[hi] < key) {
		w = hi + 1;
		hi += step;
		step *= 2;
	}
	if (hi > n_want)
		hi = n_want;
	while (w < hi) {
		size_t mid = w + (hi - w) / 2;
		if (want[mid] < key)
			w = mid + 1;
		else
			hi = mid;
	}
	return w;
}

long neardup_code_match(const uint8_t *b, size_t len, const uint32_t *want, size_t n_want,
			const uint64_t *filter, uint32_t *keys, int64_t *ids)
{
	code_in in;
	int rc = code_open(&in, b, len);
	if (rc <= 0)
		return rc;
	/* the first wanted key not below the block's first */
	size_t w = 0, hi = n_want, out = 0;
	while (w < hi) {
		size_t mid = w + (hi - w) / 2;
		if (want[mid] < in.key)
			w = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = 0; i < in.n; i++) {
		uint32_t key = code_key(&in, i), f = key >> (32 - NEARDUP_FILTER_BITS);
		/* most keys are not wanted: the filter (read in key order) says so */
		if (!(filter[f >> 6] >> (f & 63) & 1)) {
			in.pos += in.idw;
			continue;
		}
		w = want_seek(want, n_want, w, key);
		if (w < n_want && want[w] == key) {
			keys[out] = key;
			ids[out++] = code_id(&in);
		} else {
			in.pos += in.idw;
		}
	}
	return in.pos <= in.m * 8 ? (long)out : -1;
}
