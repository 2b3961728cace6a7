/* fuzz_diff.c — the word diff of two arbitrary texts (the input split at
 * its first 0xFF byte, else in half): chunks stay inside their text, the
 * counts agree with the chunks, and EQUAL+DELETE rebuild a's words while
 * EQUAL+INSERT rebuild b's. */
#include "assay/text.h"
#include "fuzz.h"

static size_t words_in(const char *s, size_t n)
{
	text_tokens t = {0};
	FUZZ_CHECK(text_words(s, n, &t) == ASSAY_OK);
	size_t k = t.n;
	for (size_t i = 0; i < t.n; i++)
		FUZZ_CHECK(t.v[i].len > 0 && (size_t)t.v[i].off + t.v[i].len <= n);
	text_tokens_free(&t);
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cut = memchr(data, 0xFF, size);
	size_t an = cut ? (size_t)(cut - data) : size / 2;
	size_t bo = cut ? an + 1 : an;
	fuzz_guard a, b;
	if (fuzz_guard_copy(&a, data, an) < 0)
		return 0;
	if (fuzz_guard_copy(&b, data + bo, size - bo) < 0) {
		fuzz_guard_free(&a);
		return 0;
	}
	text_diff d = {0};
	FUZZ_CHECK(text_word_diff(a.data, a.len, b.data, b.len, &d) == ASSAY_OK);
	FUZZ_CHECK(d.words_a == words_in(a.data, a.len));
	FUZZ_CHECK(d.words_b == words_in(b.data, b.len));
	size_t wa = 0, wb = 0, del = 0, ins = 0;
	for (size_t i = 0; i < d.n; i++) {
		const text_diff_chunk *c = &d.v[i];
		FUZZ_CHECK(c->op <= TEXT_DIFF_INSERT);
		const char *src = c->op == TEXT_DIFF_DELETE ? a.data : b.data;
		size_t n = c->op == TEXT_DIFF_DELETE ? a.len : b.len;
		FUZZ_CHECK((size_t)c->off + c->len <= n);
		size_t w = words_in(src + c->off, c->len);
		if (c->op != TEXT_DIFF_INSERT)
			wa += w;
		if (c->op != TEXT_DIFF_DELETE)
			wb += w;
		if (c->op == TEXT_DIFF_DELETE)
			del += w;
		if (c->op == TEXT_DIFF_INSERT)
			ins += w;
	}
	FUZZ_CHECK(wa == d.words_a && wb == d.words_b);
	FUZZ_CHECK(del == d.deleted && ins == d.inserted);
	FUZZ_CHECK(d.distance <= d.words_a + d.words_b);
	FUZZ_CHECK(d.distance >= (d.words_a > d.words_b ? d.words_a - d.words_b
							  : d.words_b - d.words_a));
	text_diff_free(&d);
	fuzz_guard_free(&a);
	fuzz_guard_free(&b);
	return 0;
}
