/* test_text.c — tests for src/text/: UTF-8, display cells and sanitizing,
 * wrapping, tokens, word diff, normalization, hashing, navigation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/text.h"
#include "unit.h"

static size_t next(const char *s, size_t n, uint32_t *cp, bool *ok)
{
	return text_utf8_next(s, n, cp, ok);
}

TEST(utf8_decoder_is_strict)
{
	uint32_t cp;
	bool ok;
	CHECK_INT(next("\xC3\xA9", 2, &cp, &ok), 2);
	CHECK(ok && cp == 0xE9);
	CHECK_INT(next("\xF0\x9F\x98\x80", 4, &cp, &ok), 4);
	CHECK(ok && cp == 0x1F600);
	/* overlong '/', surrogate, past U+10FFFF, truncated, stray continuation */
	const char *bad[] = {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
			     "\xE2\x82", "\x80",	 "\xFF"};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(bad); i++) {
		CHECK_INT(next(bad[i], strlen(bad[i]), &cp, &ok), 1);
		CHECK(!ok && cp == TEXT_REPLACEMENT);
	}
	size_t at = 99;
	CHECK(text_utf8_valid("plain ascii text, long enough for words", 39, &at));
	CHECK(!text_utf8_valid("abc\0def", 7, &at));
	CHECK_INT(at, 3);
	CHECK(!text_utf8_valid("0123456789\xC3", 11, &at));
	CHECK_INT(at, 10);
	char enc[4];
	CHECK_INT(text_utf8_encode(0x20AC, enc), 3);
	CHECK(memcmp(enc, "\xE2\x82\xAC", 3) == 0);
	CHECK_INT(text_utf8_encode(0xD800, enc), 0);
	size_t n;
	char *r = text_utf8_repair("a\xFF\0b", 4, &n);
	CHECK_STR(r, "a\xEF\xBF\xBD\xE2\x90\x80"
		     "b");
	free(r);
}

static char *show(const char *s)
{
	return text_sanitize_line(s, strlen(s));
}

TEST(sanitize_makes_controls_visible)
{
	char *t = show("a\x1b[31mred\x07 \x7f");
	CHECK_STR(t, "a^[[31mred^G ^?");
	free(t);
	t = show("x\xC2\x85y\xC2\x9B");
	CHECK_STR(t, "x<U+0085>y<U+009B>");
	free(t);
	t = show("abc\xE2\x80\xAE"
		 "cba\xE2\x80\x8B!");
	CHECK_STR(t, "abc<U+202E>cba<U+200B>!");
	free(t);
	t = show("bad\xC0\xAF");
	CHECK_STR(t, "bad\xEF\xBF\xBD\xEF\xBF\xBD");
	free(t);
	t = show("two\nlines\ttab");
	CHECK_STR(t, "two lines tab");
	free(t);
	/* a lone combining mark is drawn on a dotted circle */
	t = show("\xCC\x81x");
	CHECK_STR(t, "\xE2\x97\x8C\xCC\x81x");
	free(t);
}

/* No output byte may be one a terminal interprets. */
static bool clean(const char *s)
{
	for (size_t i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7F)
			return false;
		if (c == 0xC2 && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9F)
			return false;
	}
	return true;
}

TEST(no_code_point_or_byte_reaches_the_terminal_raw)
{
	char buf[8];
	int bad = 0;
	for (uint32_t cp = 1; cp <= 0x10FFFF; cp++) {
		size_t n = text_utf8_encode(cp, buf);
		if (!n)
			continue;
		buf[n] = '\0';
		char *t = text_sanitize_line(buf, n);
		if (!t || !clean(t) || strstr(t, "\xE2\x80\xAE") || strstr(t, "\xE2\x81\xA6"))
			bad++;
		free(t);
	}
	CHECK_INT(bad, 0);
	/* every single byte, and random byte strings */
	for (int b = 0; b < 256; b++) {
		char one[2] = {(char)b, 0};
		char *t = text_sanitize_line(one, 1);
		CHECK(t && clean(t));
		free(t);
	}
	uint64_t x = 88172645463325252ull;
	char rnd[64];
	for (int i = 0; i < 20000; i++) {
		for (size_t k = 0; k < sizeof rnd; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			rnd[k] = (char)x;
		}
		char *t = text_sanitize_line(rnd, sizeof rnd);
		if (!t || !clean(t))
			bad++;
		free(t);
	}
	CHECK_INT(bad, 0);
}

TEST(cells_widths_and_clusters)
{
	text_cells c = {0};
	/* family emoji (ZWJ sequence): its three emoji with the joiners as tags
	 * between them; CJK is 2; e + acute is one; a flag is one of 2 columns */
	const char *s = "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7"
			"\xE7\x8C\xAB"
			"e\xCC\x81"
			"\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7";
	CHECK_INT(text_cells_build(s, strlen(s), &c), ASSAY_OK);
	CHECK_INT(c.n, 8);
	CHECK_INT(c.v[0].width, 2);
	CHECK_INT(c.v[0].len, 4);
	CHECK_INT(c.v[1].kind, TEXT_INVISIBLE);
	CHECK_INT(c.v[1].width, 8);
	CHECK_INT(c.v[5].width, 2);
	CHECK_INT(c.v[6].width, 1);
	CHECK_INT(c.v[6].len, 3);
	CHECK_INT(c.v[7].width, 2); /* a flag: two regional indicators */
	CHECK_INT(c.v[7].len, 8);
	CHECK_INT(text_width(s, strlen(s)), 27);
	/* a bidi override inside a word gets its own cell and a tag */
	const char *b = "ab\xE2\x80\xAE"
			"cd";
	text_cells_build(b, strlen(b), &c);
	CHECK_INT(c.n, 5);
	CHECK_INT(c.v[2].kind, TEXT_BIDI);
	char out[32];
	text_cell_bytes(b, &c.v[2], out, sizeof out);
	CHECK_STR(out, "<U+202E>");
	CHECK_INT(c.v[2].width, 8);
	text_cells_build("a\r\nb", 4, &c);
	CHECK_INT(c.n, 3);
	CHECK_INT(c.v[1].kind, TEXT_NEWLINE);
	CHECK_INT(c.v[1].len, 2);
	text_cells_free(&c);
}

/* One sequence class: the text, what the screen shows for it, its cells
 * and its columns. */
static const struct {
	const char *name, *in, *shown;
	size_t cells, width;
} seqs[] = {
    {"ZWJ chain of unrelated emoji",
     "\xF0\x9F\x91\x8D\xE2\x80\x8D\xF0\x9F\x96\x95\xE2\x80\x8D\xF0\x9F\x92\xA9",
     "\xF0\x9F\x91\x8D<U+200D>\xF0\x9F\x96\x95<U+200D>\xF0\x9F\x92\xA9", 5, 22},
    {"skin-tone modifier", "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD", "\xF0\x9F\x91\x8D<U+1F3FD>", 2, 11},
    {"every modifier alone", "\xF0\x9F\x8F\xBB\xF0\x9F\x8F\xBF", "<U+1F3FB><U+1F3FF>", 2, 18},
    {"VS16 on a narrow base", "\xE2\x9D\xA4\xEF\xB8\x8F", "\xE2\x9D\xA4<U+FE0F>", 2, 9},
    {"VS15 on an emoji", "\xF0\x9F\x98\x80\xEF\xB8\x8E", "\xF0\x9F\x98\x80<U+FE0E>", 2, 10},
    {"ideographic variation selector", "\xE8\x91\x9B\xF3\xA0\x84\x80", "\xE8\x91\x9B<U+E0100>", 2,
     11},
    {"last supplementary selector", "a\xF3\xA0\x87\xAF", "a<U+E01EF>", 2, 10},
    {"a run of selectors (hidden bytes)", "x\xEF\xB8\x80\xEF\xB8\x81\xEF\xB8\x82",
     "x<U+FE00><U+FE01><U+FE02>", 4, 25},
    {"flag tag sequence",
     "\xF0\x9F\x8F\xB4\xF3\xA0\x81\xA7\xF3\xA0\x81\xA2\xF3\xA0\x81\xB3\xF3\xA0\x81\xA3\xF3\xA0\x81"
     "\xB4\xF3\xA0\x81\xBF",
     "\xF0\x9F\x8F\xB4<U+E0067><U+E0062><U+E0073><U+E0063><U+E0074><U+E007F>", 7, 56},
    {"tag characters after a letter", "hi\xF3\xA0\x80\xA0\xF3\xA0\x81\xBE", "hi<U+E0020><U+E007E>",
     4, 20},
    {"regional indicator pair", "\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7",
     "\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7", 1, 2},
    {"three regional indicators", "\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7\xF0\x9F\x87\xA9",
     "\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7\xF0\x9F\x87\xA9", 2, 3},
    {"combining stack past curses' limit", "e\xCC\x81\xCC\x81\xCC\x81\xCC\x81\xCC\x81\xCC\x81",
     "e\xCC\x81\xCC\x81\xCC\x81\xCC\x81"
     "\xE2\x97\x8C\xCC\x81\xCC\x81",
     2, 2},
    {"a mark with no base", "\xCC\x81x", "\xE2\x97\x8C\xCC\x81x", 2, 2},
    {"keycap", "1\xEF\xB8\x8F\xE2\x83\xA3", "1<U+FE0F>\xE2\x97\x8C\xE2\x83\xA3", 3, 10},
    {"spacing vowel sign", "\xE0\xA4\xB9\xE0\xA4\xBF", "\xE0\xA4\xB9\xE0\xA4\xBF", 1, 2},
    {"conjoining Hangul jamo", "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8",
     "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8", 1, 2},
    {"ZWNJ and ZWSP",
     "a\xE2\x80\x8C"
     "b\xE2\x80\x8B",
     "a<U+200C>b<U+200B>", 4, 18},
    {"Hangul filler, CGJ, soft hyphen", "\xE3\x85\xA4\xCD\x8F\xC2\xAD", "<U+3164><U+034F><U+00AD>",
     3, 24},
    {"line and paragraph separators",
     "a\xE2\x80\xA8"
     "b\xE2\x80\xA9",
     "a<U+2028>b<U+2029>", 4, 18},
    {"bare CR", "a\rb", "a^Mb", 3, 4},
    {"CR before LF is a line break", "a\r\nb", "a b", 3, 2},
    {"unassigned and noncharacter", "\xCD\xB8\xEF\xBF\xBF", "<U+0378><U+FFFF>", 2, 16},
    {"private use is a glyph", "\xEE\x80\x80", "\xEE\x80\x80", 1, 1},
};

/* The code point a cell's drawn bytes stand for, from its placeholder. */
static uint32_t placeholder_cp(const char *b)
{
	unsigned v = 0;
	if (b[0] == '^')
		return b[1] == '?' ? 0x7F : (uint32_t)(b[1] - 0x40);
	if (sscanf(b, "<U+%X>", &v) != 1)
		return 0xFFFFFFFF;
	return v;
}

/* Rebuilds the source from what the cells draw: glyphs stand for
 * themselves (less the dotted circle under a lone mark), placeholders for
 * the code point they name. Also checks each printable cell's shape. */
static bool round_trip(const char *s, size_t n, const text_cells *c)
{
	abuf back = {0};
	bool ok = true;
	size_t at = 0;
	for (size_t i = 0; i < c->n; i++) {
		const text_cell *x = &c->v[i];
		char b[TEXT_CELL_BYTES];
		size_t k = text_cell_bytes(s, x, b, sizeof b);
		ok = ok && x->off == at && k < sizeof b - 1;
		at += x->len;
		if (x->kind == TEXT_PLAIN) {
			size_t skip = k > x->len ? 3 : 0; /* the dotted circle */
			ok = ok && k - skip == x->len && !memcmp(b + skip, s + x->off, x->len) &&
			     x->width >= 1 && x->width <= 2;
			abuf_append(&back, b + skip, k - skip);
		} else if (x->kind == TEXT_NEWLINE || x->kind == TEXT_SPACE ||
			   x->kind == TEXT_TAB || x->kind == TEXT_INVALID) {
			abuf_append(&back, s + x->off, x->len);
		} else {
			char enc[4];
			ok = ok && k == x->width;
			abuf_append(&back, enc, text_utf8_encode(placeholder_cp(b), enc));
		}
	}
	ok = ok && at == n && back.len == n && (n == 0 || !memcmp(back.data, s, n));
	abuf_free(&back);
	return ok;
}

TEST(every_code_point_is_a_glyph_or_a_placeholder)
{
	text_cells c = {0};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(seqs); i++) {
		const char *in = seqs[i].in;
		char *t = show(in);
		if (!t || strcmp(t, seqs[i].shown))
			printf("#   %s: shown as \"%s\"\n", seqs[i].name, t ? t : "(null)");
		CHECK_STR(t, seqs[i].shown);
		free(t);
		CHECK_INT(text_cells_build(in, strlen(in), &c), ASSAY_OK);
		if (c.n != seqs[i].cells || text_width(in, strlen(in)) != seqs[i].width)
			printf("#   %s: %zu cells, %zu columns\n", seqs[i].name, c.n,
			       text_width(in, strlen(in)));
		CHECK_INT(c.n, seqs[i].cells);
		CHECK_INT(text_width(in, strlen(in)), seqs[i].width);
		CHECK(round_trip(in, strlen(in), &c));
	}
	/* every code point after a letter, after an emoji and alone */
	const char *bases[] = {"a", "\xF0\x9F\x91\x8D", ""};
	int bad = 0;
	for (uint32_t cp = 1; cp <= 0x10FFFF; cp++) {
		char buf[16];
		size_t k = text_utf8_encode(cp, buf + 4);
		if (!k)
			continue;
		for (size_t b = 0; b < ASSAY_ARRAY_LEN(bases); b++) {
			size_t bl = strlen(bases[b]);
			char in[16];
			memcpy(in, bases[b], bl);
			memcpy(in + bl, buf + 4, k);
			memcpy(in + bl + k, buf + 4, k); /* twice: joins with itself too */
			if (text_cells_build(in, bl + 2 * k, &c) < 0 ||
			    !round_trip(in, bl + 2 * k, &c))
				bad++;
		}
	}
	CHECK_INT(bad, 0);
	text_cells_free(&c);
}

static size_t hidden(const char *s)
{
	return text_hidden_count(s, strlen(s));
}

#define ZWJ   "\xE2\x80\x8D"
#define THUMB "\xF0\x9F\x91\x8D"
#define MAN   "\xF0\x9F\x91\xA8"
#define WOMAN "\xF0\x9F\x91\xA9"
#define GIRL  "\xF0\x9F\x91\xA7"
#define BOY   "\xF0\x9F\x91\xA6"

TEST(hidden_sequences_for_the_charset_scorer)
{
	/* ordinary emoji and scripts: nothing */
	const char *fine[] = {
	    "Great job " THUMB "\xF0\x9F\x8F\xBD well done.", /* skin tone */
	    MAN ZWJ WOMAN ZWJ GIRL ZWJ BOY,		      /* family of four */
	    WOMAN ZWJ "\xE2\x9D\xA4\xEF\xB8\x8F" ZWJ "\xF0\x9F\x92\x8B" ZWJ MAN, /* kiss */
	    "\xF0\x9F\x8F\xB3\xEF\xB8\x8F" ZWJ "\xF0\x9F\x8C\x88",		 /* rainbow flag */
	    "\xE2\x9D\xA4\xEF\xB8\x8F 1\xEF\xB8\x8F\xE2\x83\xA3 \xF0\x9F\x87\xAB\xF0\x9F\x87\xB7",
	    ("\xF0\x9F\x8F\xB4\xF3\xA0\x81\xA7\xF3\xA0\x81\xA2\xF3\xA0\x81\xB3\xF3\xA0\x81\xA3"
	     "\xF3\xA0\x81\xB4\xF3\xA0\x81\xBF"), /* Scotland: one flag, two lines */
	    "\xD9\x85\xDB\x8C\xE2\x80\x8C\xD8\xAE\xD9\x88\xD8\xA7\xD9\x87\xD9\x85", /* Persian ZWNJ
										     */
	    "\xE0\xA4\x95\xE0\xA5\x8D\xE2\x80\x8D\xE0\xA4\xB7", /* Devanagari half form */
	    "Vie\xCC\xA3\xCC\x82t, line\r\nbreak, \xE8\x91\x9B\xF3\xA0\x84\x80",
	};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(fine); i++) {
		if (hidden(fine[i]))
			printf("#   fine[%zu] counted %zu\n", i, hidden(fine[i]));
		CHECK_INT(hidden(fine[i]), 0);
	}
	CHECK_INT(hidden("Great job " THUMB ZWJ "\xF0\x9F\x96\x95" ZWJ "\xF0\x9F\x92\xA9 done."),
		  2);
	CHECK_INT(hidden(MAN ZWJ WOMAN ZWJ GIRL ZWJ BOY ZWJ BOY), 1); /* five */
	CHECK_INT(hidden("pay" ZWJ "pal"), 1);
	CHECK_INT(hidden("pay\xE2\x80\x8Cpal"), 1);
	CHECK_INT(hidden(THUMB ZWJ), 1);
	CHECK_INT(hidden("ok\xF3\xA0\x81\x89\xF3\xA0\x81\x87\xF3\xA0\x81\x8E"),
		  3); /* "IGN" in tags */
	CHECK_INT(hidden("\xF0\x9F\x8F\xB4\xF3\xA0\x81\xA7\xF3\xA0\x81\xA2"),
		  2);								/* no cancel tag */
	CHECK_INT(hidden(THUMB "\xEF\xB8\x80\xEF\xB8\x81\xF3\xA0\x84\x82"), 2); /* selector run */
	CHECK_INT(hidden("e\xCC\x81\xCC\x81\xCC\x81\xCC\x81\xCC\x81\xCC\x81\xCC\x81 x"), 1);
	CHECK_INT(hidden("a\rb\r"), 2);
	CHECK_INT(hidden("name\xE3\x85\xA4\xCD\x8F"), 2); /* Hangul filler, CGJ */
	/* what the charset scorer already counts is not counted twice */
	CHECK_INT(hidden("a\xE2\x80\x8B"
			 "b\xE2\x80\xAE"
			 "c\xEF\xBB\xBF"),
		  0);
}

static char *wrapped(const char *s, int width)
{
	text_cells c = {0};
	text_lines l = {0};
	text_cells_build(s, strlen(s), &c);
	text_wrap(s, &c, width, &l);
	abuf out = {0};
	for (size_t i = 0; i < l.n; i++) {
		for (size_t k = l.v[i].first; k < l.v[i].end; k++) {
			char buf[64];
			if (c.v[k].kind == TEXT_PLAIN)
				abuf_append(&out, s + c.v[k].off, c.v[k].len);
			else
				abuf_append(&out, buf,
					    text_cell_bytes(s, &c.v[k], buf, sizeof buf));
		}
		abuf_putc(&out, '|');
	}
	text_cells_free(&c);
	text_lines_free(&l);
	return abuf_take(&out);
}

TEST(wrap_words_long_words_wide_cells_tabs)
{
	char *w = wrapped("the quick brown fox jumps", 10);
	CHECK_STR(w, "the quick |brown fox |jumps|");
	free(w);
	w = wrapped("abcdefghijklmnop", 5);
	CHECK_STR(w, "abcde|fghij|klmno|p|");
	free(w);
	w = wrapped("one\ntwo three", 20);
	CHECK_STR(w, "one|two three|");
	free(w);
	w = wrapped("ab\xE7\x8C\xAB", 3); /* the wide cell does not fit after "ab" */
	CHECK_STR(w, "ab|\xE7\x8C\xAB|");
	free(w);
	w = wrapped("\xE7\x8C\xAB\xE7\x8C\xAB", 1); /* wider than the line: a line each */
	CHECK_STR(w, "\xE7\x8C\xAB|\xE7\x8C\xAB|");
	free(w);
	w = wrapped("a\tb", 20);
	CHECK_STR(w, "a       b|");
	free(w);
	w = wrapped("", 10);
	CHECK_STR(w, "|");
	free(w);
	/* a 100,000-character word is hard-broken, nothing lost */
	char *big = malloc(100001);
	memset(big, 'x', 100000);
	big[100000] = '\0';
	text_cells c = {0};
	text_lines l = {0};
	text_cells_build(big, 100000, &c);
	CHECK_INT(text_wrap(big, &c, 80, &l), ASSAY_OK);
	CHECK_INT(l.n, 1250);
	CHECK_INT(l.v[1249].end, 100000);
	text_cells_free(&c);
	text_lines_free(&l);
	free(big);
}

TEST(words_and_navigation)
{
	text_tokens t = {0};
	const char *s = "Don't stop, well-lit café!  42";
	text_words(s, strlen(s), &t);
	CHECK_INT(t.n, 7);
	CHECK(t.v[0].len == 5 && strncmp(s + t.v[0].off, "Don't", 5) == 0);
	CHECK(strncmp(s + t.v[2].off, ",", 1) == 0);
	CHECK(strncmp(s + t.v[3].off, "well-lit", 8) == 0);
	CHECK(t.v[4].len == 5); /* café: é is two bytes */
	text_tokens_free(&t);
	const char *e = "ab \xE7\x8C\xAB\xCC\x81 cd";
	size_t n = strlen(e);
	CHECK_INT(text_grapheme_next(e, n, 3), 8); /* CJK + combining is one cluster */
	CHECK_INT(text_grapheme_prev(e, n, 8), 3);
	CHECK_INT(text_word_next(e, n, 0), 3);
	CHECK_INT(text_word_prev(e, n, n), 9);
	CHECK_INT(text_word_prev(e, n, 9), 3);
	CHECK_INT(text_grapheme_prev(e, n, 0), 0);
	CHECK_INT(text_grapheme_next(e, n, n), n);
}

static char *diffstr(const char *a, const char *b, text_diff *d)
{
	text_word_diff(a, strlen(a), b, strlen(b), d);
	abuf o = {0};
	for (size_t i = 0; i < d->n; i++) {
		const char *src = d->v[i].op == TEXT_DIFF_DELETE ? a : b;
		abuf_puts(&o, d->v[i].op == TEXT_DIFF_EQUAL    ? "="
			      : d->v[i].op == TEXT_DIFF_DELETE ? "-"
							       : "+");
		abuf_append(&o, src + d->v[i].off, d->v[i].len);
		abuf_putc(&o, '|');
	}
	return abuf_take(&o);
}

TEST(word_diff)
{
	text_diff d = {0};
	char *s = diffstr("A dog runs on the beach.", "A brown dog runs fast on the beach.", &d);
	CHECK_STR(s, "=A|+brown|=dog runs|+fast|=on the beach.|");
	CHECK_INT(d.inserted, 2);
	CHECK_INT(d.deleted, 0);
	CHECK_INT(d.distance, 2);
	CHECK_INT(d.words_a, 7);
	free(s);
	s = diffstr("the cat sat", "the dog sat", &d);
	CHECK_STR(s, "=the|-cat|+dog|=sat|");
	CHECK_INT(d.distance, 1);
	free(s);
	s = diffstr("same text", "same text", &d);
	CHECK_STR(s, "=same text|");
	CHECK_INT(d.distance, 0);
	free(s);
	s = diffstr("", "new words", &d);
	CHECK_STR(s, "+new words|");
	free(s);
	s = diffstr("old words", "", &d);
	CHECK_STR(s, "-old words|");
	CHECK_INT(d.distance, 2);
	free(s);
	/* property: EQUAL+INSERT chunks rebuild b's tokens, EQUAL+DELETE a's */
	uint64_t x = 42;
	const char *vocab[] = {"a", "b", "c", "dog", "cat", "."};
	for (int round = 0; round < 300; round++) {
		abuf a = {0}, b = {0};
		for (int i = 0; i < 20; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			abuf_printf(&a, "%s ", vocab[(x >> 33) % 6]);
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			abuf_printf(&b, "%s ", vocab[(x >> 33) % 6]);
		}
		text_word_diff(a.data, a.len, b.data, b.len, &d);
		size_t wa = 0, wb = 0;
		for (size_t i = 0; i < d.n; i++) {
			const char *src = d.v[i].op == TEXT_DIFF_DELETE ? a.data : b.data;
			text_tokens t = {0};
			text_words(src + d.v[i].off, d.v[i].len, &t);
			if (d.v[i].op != TEXT_DIFF_INSERT)
				wa += t.n;
			if (d.v[i].op != TEXT_DIFF_DELETE)
				wb += t.n;
			text_tokens_free(&t);
		}
		CHECK_INT(wa, 20);
		CHECK_INT(wb, 20);
		CHECK(d.distance <= 20);
		abuf_free(&a);
		abuf_free(&b);
	}
	text_diff_free(&d);
}

static char *norm(const char *s)
{
	abuf b = {0};
	text_normalize(s, strlen(s), &b);
	return abuf_take(&b);
}

TEST(normalization_and_hash)
{
	char *n = norm("  A  Dog\tRUNS\n ");
	CHECK_STR(n, "a dog runs");
	free(n);
	n = norm("Stra\xC3\x9F"
		 "e \xEF\xAC\x81ne\xC2\xA0"
		 "CAF\xC3\x89\xE2\x80\x8B!");
	CHECK_STR(n, "strasse fine caf\xC3\xA9!");
	free(n);
	n = norm("bad\xFFtext");
	CHECK_STR(n, "bad\xEF\xBF\xBDtext");
	free(n);
	/* a joiner between a letter and its mark does not hide a duplicate */
	CHECK(text_normalized_hash("a\xE2\x80\x8D\xCC\x88", 6, NULL) ==
	      text_normalized_hash("\xC3\xA4", 2, NULL));
	n = norm("a\xE2\x80\x8D\xCC\x88");
	char *again = norm(n);
	CHECK_STR(again, n);
	free(again);
	free(n);
	CHECK(text_normalized_hash("A  b", 4, NULL) == text_normalized_hash("a b", 3, NULL));
	CHECK(text_normalized_hash("a b", 3, NULL) != text_normalized_hash("a c", 3, NULL));
	/* XXH64 reference values: stored hashes must never change */
	CHECK(text_hash64("", 0, 0) == 0xEF46DB3751D8E999ull);
	CHECK(text_hash64("a", 1, 0) == 0xD24EC4F1A98C6E5Bull);
	CHECK(text_hash64("abc", 3, 0) == 0x44BC2CF5AD770999ull);
	const char *long_in = "Nobody inspects the spammish repetition";
	CHECK(text_hash64(long_in, strlen(long_in), 0) == 0xFBCEA83C8A378BF1ull);
	/* speed of the normalize + hash path (informational) */
	const char *cap = "A young woman walks along the shoreline on a wide sandy beach. "
			  "Golden-hour sunlight casts long shadows across the wet sand.";
	size_t len = strlen(cap);
	abuf scratch = {0};
	int64_t t0 = assay_mono_ns();
	uint64_t acc = 0;
	for (int i = 0; i < 200000; i++)
		acc ^= text_normalized_hash(cap, len, &scratch);
	double secs = (double)(assay_mono_ns() - t0) / 1e9;
	printf("# normalize+hash: %.0f MB/s (%x)\n", (double)len * 200000 / secs / 1e6,
	       (unsigned)acc & 1);
	abuf_free(&scratch);
}

UNIT_MAIN(UNIT_CASE(utf8_decoder_is_strict), UNIT_CASE(sanitize_makes_controls_visible),
	  UNIT_CASE(no_code_point_or_byte_reaches_the_terminal_raw),
	  UNIT_CASE(cells_widths_and_clusters),
	  UNIT_CASE(every_code_point_is_a_glyph_or_a_placeholder),
	  UNIT_CASE(hidden_sequences_for_the_charset_scorer),
	  UNIT_CASE(wrap_words_long_words_wide_cells_tabs), UNIT_CASE(words_and_navigation),
	  UNIT_CASE(word_diff), UNIT_CASE(normalization_and_hash))
