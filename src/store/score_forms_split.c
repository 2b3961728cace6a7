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

uint64_t score_form_hash(const char *t)
{
	uint64_t h = 14695981039346656037ull;
	for (; *t; t++)
		h = (h ^ (unsigned char)*t) * 1099511628211ull;
	return h;
}

/* A number is a run of at most 18 digits without a leading zero (or "0"
 * alone), so that printing it gives back the same digits. */
bool score_form_split_text(const char *t, score_form_split *sp)
{
	size_t len = strlen(t), o = 0;
	sp->n = 0;
	if (len > SCORE_FORM_LEN_MAX)
		return false;
	for (size_t i = 0; i < len;) {
		if (t[i] == SCORE_FORM_NUM)
			return false;
		if (t[i] < '0' || t[i] > '9') {
			sp->form[o++] = t[i++];
			continue;
		}
		size_t j = i;
		while (j < len && t[j] >= '0' && t[j] <= '9')
			j++;
		if (j - i <= NUM_DIGITS_MAX && (t[i] != '0' || j - i == 1) &&
		    sp->n < SCORE_FORM_NUMS_MAX) {
			uint64_t v = 0;
			for (size_t k = i; k < j; k++)
				v = v * 10 + (uint64_t)(t[k] - '0');
			sp->num[sp->n++] = v;
			sp->form[o++] = SCORE_FORM_NUM;
		} else {
			memcpy(sp->form + o, t + i, j - i);
			o += j - i;
		}
		i = j;
	}
	sp->form[o] = 0;
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
	uint64_t h = score_form_hash(sp.form);
	size_t flen = strlen(sp.form);
	b[0] = SCORE_SPLIT_FORM;
	memcpy(b + 1, &h, sizeof h);
	memcpy(b + 1 + sizeof h, sp.form, flen + 1);
	unsigned char *count = b + 1 + sizeof h + flen + 1, *q = count + 1;
	for (size_t i = 0; i < sp.n; i++)
		q += score_leb_encode(q, sp.num[i]);
	*count = (unsigned char)(q - count - 1);
	return (size_t)(q - b);
}

int store_note_split(const char *reason, const char *detail, abuf *out)
{
	unsigned char b[2 * PART_MAX];
	size_t n = part_split(reason, b);
	n += part_split(detail, b + n);
	return abuf_append(out, b, n) < 0 ? ASSAY_ENOMEM : ASSAY_OK;
}
