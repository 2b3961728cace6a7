/* phrases.c — phrase tables matched on word hashes (so case, spacing and
 * punctuation between words do not matter), and the small helpers every
 * rule scorer uses to state its result. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score_int.h"

#define FNV_OFFSET 2166136261u
#define FNV_PRIME  16777619u

uint32_t score_word_hash(const char *w, size_t n)
{
	uint32_t h = FNV_OFFSET;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w[i];
		if (c >= 'A' && c <= 'Z')
			c += 32;
		h = (h ^ c) * FNV_PRIME;
	}
	return h;
}

void score_set(score_result *out, double value, const char *fmt, ...)
{
	out->value = value < 0 ? 0 : value > 1 ? 1 : value;
	out->detail[0] = '\0';
	/* Most clean results have a fixed reason: skip the formatter. */
	if (!strchr(fmt, '%')) {
		size_t n = strlen(fmt);
		if (n >= sizeof out->reason)
			n = sizeof out->reason - 1;
		memcpy(out->reason, fmt, n);
		out->reason[n] = '\0';
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof out->reason, fmt, ap);
	va_end(ap);
}

void score_fmt_init(score_fmt *f, char *buf, size_t cap)
{
	*f = (score_fmt){.p = buf, .cap = cap};
	buf[0] = '\0';
}

static void fmt_put(score_fmt *f, const char *s, size_t n)
{
	size_t room = f->len + 1 < f->cap ? f->cap - 1 - f->len : 0;
	size_t k = n < room ? n : room;
	if (k)
		memcpy(f->p + f->len, s, k);
	f->len += n;
	f->p[f->len < f->cap ? f->len : f->cap - 1] = '\0';
}

void score_set_start(score_result *out, double value, score_fmt *f)
{
	out->value = value < 0 ? 0 : value > 1 ? 1 : value;
	out->detail[0] = '\0';
	score_fmt_init(f, out->reason, sizeof out->reason);
}

void score_fmt_str(score_fmt *f, const char *s)
{
	fmt_put(f, s, strlen(s));
}

void score_fmt_uint(score_fmt *f, size_t v)
{
	char d[24];
	size_t i = sizeof d;
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fmt_put(f, d + i, sizeof d - i);
}

void score_fmt_int(score_fmt *f, int v)
{
	if (v < 0) {
		fmt_put(f, "-", 1);
		score_fmt_uint(f, (size_t)0 - (size_t)(long long)v);
		return;
	}
	score_fmt_uint(f, (size_t)v);
}

double score_hits(size_t n)
{
	return n == 0 ? 1.0 : n >= 3 ? 0.0 : 0.6 - 0.2 * (double)n;
}

double score_ramp(double x, double good, double limit)
{
	if (isnan(x))
		return NAN;
	double span = limit - good;
	if (span == 0)
		return x == good ? 1.0 : (good < limit) == (x > good) ? 0.0 : 1.0;
	double v = 1.0 - 0.5 * (x - good) / span;
	return v > 1 ? 1 : v < 0 ? 0 : v;
}

int score_phrases_compile(score_phrases *p, const score_phrase *v, size_t n)
{
	p->v = v;
	p->n = n;
	p->hashes = calloc(n, sizeof *p->hashes);
	p->n_words = calloc(n, 1);
	if (!p->hashes || !p->n_words) {
		free(p->hashes);
		free(p->n_words);
		return ASSAY_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = v[i].text;
		uint8_t k = 0;
		while (*s && k < 8) {
			size_t len = strcspn(s, " :");
			if (len)
				p->hashes[i][k++] = score_word_hash(s, len);
			s += len;
			s += strspn(s, " :");
		}
		p->n_words[i] = k;
		uint32_t h = p->hashes[i][0];
		p->bloom[(h >> 6) & 63] |= 1ull << (h & 63);
	}
	/* Buckets by first word, in table order. */
	for (size_t b = 0; b < ASSAY_ARRAY_LEN(p->bucket); b++)
		p->bucket[b] = UINT16_MAX;
	p->chain = malloc(n * sizeof *p->chain);
	if (!p->chain)
		return ASSAY_ENOMEM;
	for (size_t i = n; i-- > 0;) {
		size_t b = p->hashes[i][0] & (ASSAY_ARRAY_LEN(p->bucket) - 1);
		p->chain[i] = p->bucket[b];
		p->bucket[b] = (uint16_t)i;
	}
	return ASSAY_OK;
}

/* Does phrase i match at word w (anchor, words, and a colon after the last
 * word when the phrase ends with one)? */
static bool match_at(const score_phrases *p, size_t i, const score_text *t, size_t w)
{
	size_t k = p->n_words[i];
	if (w + k > t->n_words)
		return false;
	switch (p->v[i].anchor) {
	case ANCHOR_START:
		if (w != 0)
			return false;
		break;
	case ANCHOR_LINE:
		if (!t->words[w].line_start)
			return false;
		break;
	case ANCHOR_SENT:
		if (!t->words[w].sent_start)
			return false;
		break;
	default:
		break;
	}
	for (size_t j = 0; j < k; j++)
		if (t->words[w + j].hash != p->hashes[i][j])
			return false;
	size_t len = strlen(p->v[i].text);
	if (len && p->v[i].text[len - 1] == ':') {
		const score_word *last = &t->words[w + k - 1];
		size_t end = last->off + last->len;
		while (end < t->n && t->s[end] == ' ')
			end++;
		if (end >= t->n || t->s[end] != ':')
			return false;
	}
	return true;
}

size_t score_phrases_match(const score_phrases *p, const score_text *t,
			   void (*fn)(void *ud, const score_phrase *ph, size_t word), void *ud)
{
	size_t hits = 0;
	for (size_t w = 0; w < t->n_words;) {
		uint32_t h = t->words[w].hash;
		size_t best = SIZE_MAX;
		if (!(p->bloom[(h >> 6) & 63] & (1ull << (h & 63)))) {
			w++;
			continue;
		}
		for (uint16_t i = p->bucket[h & (ASSAY_ARRAY_LEN(p->bucket) - 1)]; i != UINT16_MAX;
		     i = p->chain[i])
			if (p->hashes[i][0] == h && match_at(p, i, t, w) &&
			    (best == SIZE_MAX || p->n_words[i] > p->n_words[best]))
				best = i;
		if (best == SIZE_MAX) {
			w++;
			continue;
		}
		hits++;
		if (fn)
			fn(ud, &p->v[best], w);
		w += p->n_words[best];
	}
	return hits;
}

void score_quote(const score_text *t, size_t first, size_t n, char *out, size_t cap)
{
	if (cap == 0)
		return;
	out[0] = '\0';
	if (first >= t->n_words || n == 0)
		return;
	size_t last = first + n - 1 < t->n_words ? first + n - 1 : t->n_words - 1;
	size_t a = t->words[first].off, b = t->words[last].off + t->words[last].len;
	size_t j = 0, max = cap - 1 < 48 ? cap - 1 : 48;
	for (size_t i = a; i < b && j < max; i++) {
		unsigned char c = (unsigned char)t->s[i];
		out[j++] = c < 0x20 || c == 0x7F ? ' ' : (char)c;
	}
	/* Cut short: do not end inside a UTF-8 sequence. */
	while (j > 0 && a + j < b && ((unsigned char)t->s[a + j] & 0xC0) == 0x80)
		j--;
	out[j] = '\0';
}
