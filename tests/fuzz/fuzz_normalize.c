/* fuzz_normalize.c — the duplicate-detection normal form of arbitrary
 * bytes: valid UTF-8 out (NULs kept), no leading, trailing or doubled space,
 * a fixed point after two passes, the hash is the hash of the normal form,
 * and the form is byte for byte the whole-string reference's (the stored
 * hashes were computed with it). */
#include "../text/normalize_ref.h"
#include "assay/text.h"
#include "fuzz.h"

/* Valid UTF-8, NUL bytes allowed (the normal form keeps them). */
static bool utf8_ok(const char *s, size_t n)
{
	for (size_t off = 0; off < n;) {
		uint32_t cp;
		bool ok;
		off += text_utf8_next(s + off, n - off, &cp, &ok);
		if (!ok)
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_guard g;
	if (fuzz_guard_copy(&g, data, size) < 0)
		return 0;
	abuf n1 = {0}, n2 = {0}, scratch = {0};
	FUZZ_CHECK(text_normalize(g.data, g.len, &n1) == ASSAY_OK);
	const char *s = n1.data ? n1.data : "";
	abuf ref = {0};
	FUZZ_CHECK(ref_normalize(g.data, g.len, &ref) == ASSAY_OK);
	FUZZ_CHECK(ref.len == n1.len && memcmp(ref.data ? ref.data : "", s, n1.len) == 0);
	abuf_free(&ref);
	FUZZ_CHECK(utf8_ok(s, n1.len));
	FUZZ_CHECK(n1.len == 0 || (s[0] != ' ' && s[n1.len - 1] != ' '));
	FUZZ_CHECK(!memmem(s, n1.len, "  ", 2));
	/* One pass is not always idempotent (an invisible character removed
	 * after NFKC can leave a composable pair: "a<ZWJ><U+0308>" gives
	 * "a<U+0308>", which a second pass composes), but a second pass must be
	 * a fixed point. */
	abuf n3 = {0};
	FUZZ_CHECK(text_normalize(s, n1.len, &n2) == ASSAY_OK);
	FUZZ_CHECK(text_normalize(n2.data ? n2.data : "", n2.len, &n3) == ASSAY_OK);
	FUZZ_CHECK(n3.len == n2.len && memcmp(n3.data ? n3.data : "", n2.data ? n2.data : "", n2.len) == 0);
	abuf_free(&n3);
	FUZZ_CHECK(text_normalized_hash(g.data, g.len, &scratch) == text_hash64(s, n1.len, 0));
	abuf_free(&n1);
	abuf_free(&n2);
	abuf_free(&scratch);
	fuzz_guard_free(&g);
	return 0;
}
