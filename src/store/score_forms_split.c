/* score_forms_split.c — a score's reason and detail as the forms and
 * numbers they are stored as (score_forms.c), worked out without a
 * store: the scoring threads split a note ahead of its write
 * (store_note_split), so the thread that writes only looks its forms up.
 *
 * A split note is the reason's part then the detail's, each one tag byte:
 * SCORE_SPLIT_EMPTY (the empty text), SCORE_SPLIT_PLAIN (not to be
 * split: the note is stored as it is) or SCORE_SPLIT_FORM followed by the
 * form's hash (8 bytes, native order), the form NUL-ended, the length of
 * its numbers' bytes (one byte: at most 24 numbers of at most 9 bytes)
 * and those bytes (each number as score_leb_put writes it). */
#include "store_int.h"

#include <string.h>

#define NUM_DIGITS_MAX 18

uint64_t score_form_hash(const char *t, size_t n)
{
	/* eight bytes a step (a byte at a time was a fifth of the split's
	 * cost), then a final mix: the map takes the low bits */
	uint64_t h = 0x9E3779B97F4A7C15ull ^ n, w;
	for (; n >= 8; t += 8, n -= 8) {
		memcpy(&w, t, 8);
		h = (h ^ w) * 0xFF51AFD7ED558CCDull;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, t, n);
	h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
	h ^= h >> 33;
	h *= 0xFF51AFD7ED558CCDull;
	return h ^ (h >> 29);
}

/* Per byte: 0 a byte of the form as it is, 1 a digit, 2 the end or
 * SCORE_FORM_NUM (which a text may not hold). */
static const unsigned char byte_kind[256] = {
    [0] = 2,   [(unsigned char) SCORE_FORM_NUM] = 2,
    ['0'] = 1, ['1'] = 1,
    ['2'] = 1, ['3'] = 1,
    ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1,
};

/* The run of digits from t to e (at least one) into sp at *o: a number,
 * or kept as text. */
static void digits(const char *t, const char *e, score_form_split *sp, size_t *o)
{
	size_t n = (size_t)(e - t);
	if (n <= NUM_DIGITS_MAX && (t[0] != '0' || n == 1) && sp->n < SCORE_FORM_NUMS_MAX) {
		uint64_t v = 0;
		for (size_t k = 0; k < n; k++)
			v = v * 10 + (uint64_t)(t[k] - '0');
		sp->num[sp->n++] = v;
		sp->form[(*o)++] = SCORE_FORM_NUM;
	} else {
		memcpy(sp->form + *o, t, n);
		*o += n;
	}
}

/* A number is a run of at most 18 digits without a leading zero (or "0"
 * alone), so that printing it gives back the same digits. One pass: a
 * text longer than SCORE_FORM_LEN_MAX is refused where it passes it. */
bool score_form_split_text(const char *t, score_form_split *sp)
{
	const char *limit = t + SCORE_FORM_LEN_MAX; /* no byte but the end here */
	size_t o = 0;
	sp->n = 0;
	for (;;) {
		unsigned char c = (unsigned char)*t, k = byte_kind[c];
		for (; !k; c = (unsigned char)*++t, k = byte_kind[c]) {
			if (t == limit)
				return false;
			sp->form[o++] = (char)c;
		}
		if (k == 2)
			break;
		const char *e = t + 1;
		while (byte_kind[(unsigned char)*e] == 1)
			e++;
		if (e > limit)
			return false;
		digits(t, e, sp, &o);
		t = e;
	}
	if (*t)
		return false; /* SCORE_FORM_NUM in the text */
	sp->form[o] = 0;
	sp->len = o;
	return true;
}

size_t score_leb_encode(unsigned char *b, uint64_t v)
{
	size_t n = 0;
	v += 1;
	do {
		b[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		b[n] |= v ? 0x80 : 0;
		n++;
	} while (v);
	return n;
}

int score_leb_put(abuf *out, uint64_t v)
{
	unsigned char b[10];
	return abuf_append(out, b, score_leb_encode(b, v));
}

/* The most bytes one text's part takes: tag, hash, form and its NUL,
 * the numbers' length and at most 24 numbers of at most 9 bytes. */
#define PART_MAX (1 + 8 + SCORE_FORM_LEN_MAX + 1 + 1 + SCORE_FORM_NUMS_MAX * 9)

/* One text's part (the file's header comment) written at b; its length. */
static size_t part_split(const char *text, unsigned char *b)
{
	score_form_split sp;
	if (!text || !*text) {
		b[0] = SCORE_SPLIT_EMPTY;
		return 1;
	}
	if (!score_form_split_text(text, &sp)) {
		b[0] = SCORE_SPLIT_PLAIN;
		return 1;
	}
	size_t flen = sp.len;
	uint64_t h = score_form_hash(sp.form, flen);
	b[0] = SCORE_SPLIT_FORM;
	memcpy(b + 1, &h, sizeof h);
	memcpy(b + 1 + sizeof h, sp.form, flen + 1);
	unsigned char *count = b + 1 + sizeof h + flen + 1, *q = count + 1;
	for (size_t i = 0; i < sp.n; i++)
		q += score_leb_encode(q, sp.num[i]);
	*count = (unsigned char)(q - count - 1);
	return (size_t)(q - b);
}

/* The texts a thread split last, by their length and a few of their
 * bytes: most scorers give most samples one of a few reasons ("gopher:
 * passes every rule"), and a part depends on its text's bytes alone. */
#define MEMO_SLOTS 32
#define MEMO_TEXT  128 /* a longer text is split every time */

typedef struct memo_entry {
	uint16_t len, n; /* the text's length (0: none), its part's */
	char text[MEMO_TEXT];
	unsigned char part[1 + 8 + MEMO_TEXT + 1 + 1 + SCORE_FORM_NUMS_MAX * 9];
} memo_entry;

static _Thread_local memo_entry memo[MEMO_SLOTS];

/* part_split through the thread's memo. */
static size_t part_split_memo(const char *text, unsigned char *b)
{
	size_t len = text ? strlen(text) : 0;
	if (len == 0 || len > MEMO_TEXT)
		return part_split(text, b);
	const unsigned char *u = (const unsigned char *)text;
	memo_entry *e = &memo[(len * 31 + u[0] * 7 + u[len / 2] * 131 + u[len - 1]) % MEMO_SLOTS];
	if (e->len == len && memcmp(e->text, text, len) == 0) {
		memcpy(b, e->part, e->n);
		return e->n;
	}
	size_t n = part_split(text, b);
	e->len = (uint16_t)len;
	e->n = (uint16_t)n;
	memcpy(e->text, text, len);
	memcpy(e->part, b, n);
	return n;
}

int store_note_split(const char *reason, const char *detail, abuf *out)
{
	unsigned char b[2 * PART_MAX];
	size_t n = part_split_memo(reason, b);
	n += part_split_memo(detail, b + n);
	return abuf_append(out, b, n) < 0 ? ASSAY_ENOMEM : ASSAY_OK;
}
