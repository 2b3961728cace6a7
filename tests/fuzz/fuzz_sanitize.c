/* fuzz_sanitize.c — the terminal sanitizer on arbitrary bytes: whatever a
 * sample holds, what is drawn is valid UTF-8 with no byte a terminal would
 * act on (C0, ESC, DEL, C1) and no bidi control. */
#include "assay/text.h"
#include "fuzz.h"

/* True when s[0..n) (valid UTF-8) holds nothing a terminal interprets. */
static bool inert(const char *s, size_t n)
{
	size_t off = 0;
	while (off < n) {
		uint32_t cp;
		bool ok;
		off += text_utf8_next(s + off, n - off, &cp, &ok);
		if (!ok || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
			return false;
		if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
		    cp == 0x200E || cp == 0x200F || cp == 0x061C)
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_guard g;
	if (fuzz_guard_copy(&g, data, size) < 0)
		return 0;
	const char *s = g.data;

	char *line = text_sanitize_line(s, size);
	FUZZ_CHECK(line != NULL);
	FUZZ_CHECK(inert(line, strlen(line)));
	free(line);

	text_cells cells = {0};
	FUZZ_CHECK(text_cells_build(s, size, &cells) == ASSAY_OK);
	size_t at = 0;
	char buf[64];
	for (size_t i = 0; i < cells.n; i++) {
		const text_cell *c = &cells.v[i];
		FUZZ_CHECK(c->off == at && c->len > 0 && (size_t)c->off + c->len <= size);
		at += c->len;
		char *big = NULL;
		char *out = buf;
		size_t cap = sizeof buf;
		if (c->kind == TEXT_PLAIN && c->len + 4 > cap) {
			cap = c->len + 4;
			big = out = malloc(cap);
			FUZZ_CHECK(big);
		}
		size_t k = text_cell_bytes(s, c, out, cap);
		FUZZ_CHECK(k < cap && out[k] == '\0');
		FUZZ_CHECK(c->kind == TEXT_NEWLINE || k > 0);
		FUZZ_CHECK(inert(out, k));
		free(big);
	}
	FUZZ_CHECK(at == size);
	text_cells_free(&cells);

	(void)text_width(s, size);
	size_t rn = 0;
	char *rep = text_utf8_repair(s, size, &rn);
	FUZZ_CHECK(rep != NULL);
	FUZZ_CHECK(text_utf8_valid(rep, rn, NULL));
	FUZZ_CHECK(!text_utf8_valid(s, size, NULL) || (rn == size && memcmp(rep, s, size) == 0));
	free(rep);

	/* Cluster navigation stays inside the text and always moves. */
	for (size_t off = 0; off < size;) {
		size_t nx = text_grapheme_next(s, size, off);
		FUZZ_CHECK(nx > off && nx <= size);
		FUZZ_CHECK(text_grapheme_prev(s, size, nx) <= off);
		size_t w = text_word_next(s, size, off);
		FUZZ_CHECK(w <= size);
		FUZZ_CHECK(text_word_prev(s, size, off) <= off);
		off = nx;
	}
	fuzz_guard_free(&g);
	return 0;
}
