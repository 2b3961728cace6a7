/* test_score_split.c — tests for src/store/score_forms_split.c: a text
 * split into its form and numbers exactly as the first, byte-at-a-time
 * split did (kept here as the reference) on crafted and random texts; the
 * forms' hash the same for the same form, whatever memory it is read from. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/store/store_int.h"
#include "unit.h"

/* The split as it was first written: the reference. */
static bool ref_split(const char *t, score_form_split *sp)
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
		if (j - i <= 18 && (t[i] != '0' || j - i == 1) && sp->n < SCORE_FORM_NUMS_MAX) {
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

/* 1 when the split of t is the reference's (its result, form, length and
 * numbers); prints the text otherwise. */
static int same_split(const char *t)
{
	score_form_split a, b;
	bool ra = ref_split(t, &a), rb = score_form_split_text(t, &b);
	bool same = ra == rb;
	if (same && ra)
		same = strcmp(a.form, b.form) == 0 && b.len == strlen(b.form) && a.n == b.n &&
		       memcmp(a.num, b.num, a.n * sizeof *a.num) == 0;
	if (!same)
		printf("#   split differs for \"%.60s\" (%zu bytes)\n", t, strlen(t));
	return same;
}

TEST(a_split_is_the_references_on_crafted_texts)
{
	const char *v[] = {
	    "",
	    "0",
	    "00",
	    "007 agents",
	    "length: 52 words, 263 characters (bounds 3-120 words, 10-1000 characters)",
	    "{\"words\":52,\"chars\":263}",
	    "gopher: passes every rule",
	    "123456789012345678 and 1234567890123456789",
	    "999999999999999999",
	    "a\001b",
	    "\x01",
	    "12\x01",
	    "x 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27",
	    "-5 and +7 and 3.14 and 1e10",
	    "tail digits 42",
	    "\xE2\x80\xA6 caf\xC3\xA9 42 \xFF\xFE",
	};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++)
		CHECK(same_split(v[i]));
}

TEST(a_split_is_the_references_at_the_length_limit)
{
	/* 400 bytes pass, 401 do not: plain bytes, digits and a run of
	 * digits across the limit, at every length around it */
	char t[SCORE_FORM_LEN_MAX + 40];
	const char fill[] = {'a', '7', '0', ' '};
	for (size_t f = 0; f < sizeof fill; f++)
		for (size_t len = SCORE_FORM_LEN_MAX - 20; len < SCORE_FORM_LEN_MAX + 20; len++) {
			memset(t, fill[f], len);
			t[len] = 0;
			CHECK(same_split(t));
			/* digits in the last bytes only, then a \x01 at the end */
			memset(t, 'b', len);
			memcpy(t + len - 5, "12345", 5);
			CHECK(same_split(t));
			t[len - 1] = SCORE_FORM_NUM;
			CHECK(same_split(t));
		}
}

TEST(a_split_is_the_references_on_random_texts)
{
	/* bytes drawn mostly from digits, '0' and the separators, with some
	 * of any value (\x01 among them): every branch of the split */
	uint64_t x = 0x9E3779B97F4A7C15ull;
	char t[SCORE_FORM_LEN_MAX + 64];
	int same = 0, runs = 20000;
	for (int r = 0; r < runs; r++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t len = (size_t)(x % (SCORE_FORM_LEN_MAX + 40));
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			unsigned k = (unsigned)(x >> 40) % 100;
			t[i] = k < 40	? (char)('0' + k % 10)
			       : k < 45 ? '0'
			       : k < 85 ? " a:,.-"[k % 6]
			       : k < 86 ? SCORE_FORM_NUM
					: (char)(1 + (x >> 20) % 255);
		}
		t[len] = 0;
		same += same_split(t);
	}
	CHECK_INT(same, runs);
}

TEST(the_forms_hash_depends_on_the_form_alone)
{
	char a[64], b[80];
	const char *form = "length: \x01 words, \x01 characters (bounds)";
	size_t n = strlen(form);
	strcpy(a, form);
	memset(b, 'z', sizeof b);
	memcpy(b + 3, form, n + 1);
	CHECK(score_form_hash(a, n) == score_form_hash(b + 3, n));
	/* every length up to two words and past it: a byte more, another hash */
	for (size_t k = 1; k <= n; k++)
		CHECK(score_form_hash(a, k) != score_form_hash(a, k - 1));
	a[5] ^= 1;
	CHECK(score_form_hash(a, n) != score_form_hash(b + 3, n));
}

/* The bytes store_note_split writes for one text, made from the reference
 * split (the file header of score_forms_split.c describes them). */
static size_t ref_part(const char *t, unsigned char *b)
{
	score_form_split sp;
	if (!*t) {
		b[0] = 0;
		return 1;
	}
	if (!ref_split(t, &sp)) {
		b[0] = 2;
		return 1;
	}
	size_t flen = strlen(sp.form);
	uint64_t h = score_form_hash(sp.form, flen);
	b[0] = 1;
	memcpy(b + 1, &h, 8);
	memcpy(b + 9, sp.form, flen + 1);
	unsigned char *count = b + 9 + flen + 1, *q = count + 1;
	for (size_t i = 0; i < sp.n; i++)
		q += score_leb_encode(q, sp.num[i]);
	*count = (unsigned char)(q - count - 1);
	return (size_t)(q - b);
}

TEST(a_note_split_again_is_split_as_the_first_time)
{
	/* texts of one length that differ in a byte, said again and again in
	 * an order that makes them meet in the thread's memo of splits */
	const char *v[] = {"gopher: passes every rule",
			   "gopher: passes every rulf",
			   "length: 45 words",
			   "length: 46 words",
			   "length: 4x words",
			   "Length: 45 words",
			   "",
			   "{\"words\":45,\"chars\":262}",
			   "{\"words\":54,\"chars\":262}",
			   "a\001b",
			   "007"};
	size_t n = sizeof v / sizeof *v, same = 0, runs = 4000;
	uint64_t x = 7;
	abuf got = {0};
	for (size_t r = 0; r < runs; r++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		const char *reason = v[x % n], *detail = v[(x >> 20) % n];
		unsigned char want[2048];
		size_t w = ref_part(reason, want);
		w += ref_part(detail, want + w);
		abuf_reset(&got);
		CHECK(store_note_split(reason, detail, &got) == 0);
		same += got.len == w && memcmp(got.data, want, w) == 0;
	}
	abuf_free(&got);
	CHECK_INT(same, runs);
}

UNIT_MAIN(UNIT_CASE(a_split_is_the_references_on_crafted_texts),
	  UNIT_CASE(a_split_is_the_references_at_the_length_limit),
	  UNIT_CASE(a_split_is_the_references_on_random_texts),
	  UNIT_CASE(the_forms_hash_depends_on_the_form_alone),
	  UNIT_CASE(a_note_split_again_is_split_as_the_first_time))
