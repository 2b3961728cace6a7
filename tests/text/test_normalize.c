/* test_normalize.c — text_normalize's piecewise form against the reference
 * (normalize_ref.c: the whole text through utf8proc_map, as every stored
 * hash was computed): byte for byte on texts like the benchmark's, on
 * random mixtures of the characters where NFKC, case folding, the repair
 * of invalid UTF-8 and the white-space rule are delicate, on every code
 * point between ASCII letters, and on every cut of those texts. */
#include <stdint.h>
#include <utf8proc.h>

#include "../unit.h"
#include "assay/text.h"
#include "normalize_ref.h"

static long compared, differing;

/* Compares the two forms of s[0..n); prints the first few differences. */
static void same(const char *s, size_t n)
{
	abuf got = {0}, want = {0};
	int rg = text_normalize(s, n, &got);
	int rw = ref_normalize(s, n, &want);
	compared++;
	bool eq = rg == rw && got.len == want.len &&
		  (got.len == 0 || memcmp(got.data, want.data, got.len) == 0);
	if (!eq && differing++ < 5) {
		printf("#   differs on %zu bytes:", n);
		for (size_t i = 0; i < n && i < 64; i++)
			printf(" %02x", (unsigned char)s[i]);
		printf("\n#   got  %zu bytes \"%s\"\n#   want %zu bytes \"%s\"\n", got.len,
		       got.data ? got.data : "", want.len, want.data ? want.data : "");
	}
	abuf_free(&got);
	abuf_free(&want);
}

static void same_str(const char *s)
{
	same(s, strlen(s));
}

/* Every prefix and suffix of s, and s with an invalid byte, a truncated
 * sequence or a NUL put in at every position. */
static void same_cut(const char *s)
{
	static const char *const bad[] = {"\xFF", "\xC3",	  "\xE2\x80", "\xF0\x9F\x98",
					  "\x80", "\xED\xA0\x80", "\xC0\xAF", ""};
	size_t n = strlen(s);
	abuf b = {0};
	for (size_t i = 0; i <= n; i++) {
		same(s, i);
		same(s + i, n - i);
		for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
			abuf_reset(&b);
			abuf_append(&b, s, i);
			abuf_append(&b, bad[k], *bad[k] ? strlen(bad[k]) : 1); /* "" is a NUL */
			abuf_append(&b, s + i, n - i);
			same(b.data, b.len);
		}
	}
	abuf_free(&b);
}

/* The benchmark's non-ASCII words (curly apostrophes, dashes, bullets,
 * accents, their mojibake) and its hostile additions (a bidi override,
 * zero-width spaces), in sentences. */
static const char *const bench_like[] = {
    "In the video, a middle-aged woman sells apples at the farmers\xE2\x80\x99 market. "
    "It\xC3\xA2\xE2\x82\xAC\xE2\x84\xA2s a calm caf\xC3\xA9.",
    "The photo shows six pale pink caf\xC3\xA9 terraces, next to a newspaper kiosk. "
    "The mood is peaceful\xE2\x80\x94nothing happens.",
    "\xE2\x80\xA2 A chef\xE2\x80\x99s knife beside a jalape\xC3\xB1o \xE2\x80\xA2 "
    "the water\xE2\x80\x99s edge; na\xC3\x83\xC2\xAF"
    "ve caf\xC3\x83\xC2\xA9-style "
    "moment\xC3\xA2\xE2\x82\xAC\xE2\x80\x9Dnothing.",
    "Caf\xC3\xA9. CAF\xC3\x89, Caf\x65\xCC\x81 and CAFE\xCC\x81 at the WATER\xE2\x80\x99S edge",
    "A label on the box reads \"\xE2\x80\xAE"
    "elif_lacol.exe\xE2\x80\xAC\".",
    "A \xE2\x80\x8Bsmall \xE2\x80\x8B"
    "boy scrolls through a phone.",
    "  \xC2\xA0Leading and trailing\xE3\x80\x80 spaces\xE2\x80\x83 ",
    "Stra\xC3\x9F"
    "e \xEF\xAC\x81ne\xC2\xA0"
    "CAF\xC3\x89\xE2\x80\x8B!",
};

TEST(bench_like_texts_and_every_cut_of_them)
{
	compared = differing = 0;
	for (size_t i = 0; i < sizeof bench_like / sizeof *bench_like; i++) {
		same_str(bench_like[i]);
		same_cut(bench_like[i]);
	}
	printf("# %ld texts compared\n", compared);
	CHECK_INT(differing, 0);
}

/* The pieces random texts are made of. */
static const char *const pieces[] = {
    /* ASCII letters, digits, punctuation, white space, controls, NUL */
    "a",
    "E",
    "I",
    "i",
    "s",
    "S",
    "k",
    "z",
    "0",
    ".",
    "'",
    "-",
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\v",
    "\f",
    "\x01",
    "\x1F",
    "\x7F",
    "",
    /* combining marks (several classes, composition exclusions, marks that
     * decompose or case-fold) */
    "\xCC\x80",
    "\xCC\x81",
    "\xCC\x88",
    "\xCC\xA3",
    "\xCC\xA7",
    "\xCD\x85",
    "\xCC\x9B",
    "\xCC\xB4",
    "\xCD\x84",
    "\xCD\x80",
    "\xD6\xB0",
    "\xE0\xA4\xBC",
    "\xE0\xB3\x95",
    "\xE0\xB7\x8A",
    "\xE0\xAC\xBE",
    "\xE0\xBD\xB1",
    "\xE0\xBD\xB2",
    "\xE2\x83\x92",
    "\xE1\xB7\x8E",
    "\xE3\x82\x99",
    /* precomposed letters, case-folding specials */
    "\xC3\xA9",
    "\xC3\x89",
    "\xC3\x85",
    "\xC7\xBA",
    "\xE1\xB8\x94",
    "\xE1\xBB\x87",
    "\xE1\xBA\x9B",
    "\xE1\xBA\x9E",
    "\xC3\x9F",
    "\xC4\xB0",
    "\xC4\xB1",
    "\xCE\xA3",
    "\xCF\x83",
    "\xCF\x82",
    "\xCE\x90",
    "\xE1\xBE\x80",
    "\xE1\xBE\xBC",
    "\xC5\x89",
    "\xC7\xB0",
    "\xD6\x87",
    "\xE0\xA5\x98",
    "\xE0\xA4\x95",
    "\xE3\x81\x8B",
    /* Hangul: syllables, conjoining jamo L, V, T, compatibility jamo */
    "\xEA\xB0\x80",
    "\xEA\xB0\x81",
    "\xE1\x84\x80",
    "\xE1\x85\xA1",
    "\xE1\x86\xA8",
    "\xE1\x87\x82",
    "\xE3\x84\xB1",
    "\xEF\xBE\xA1",
    /* compatibility characters */
    "\xEF\xAC\x81",
    "\xEF\xAC\x80",
    "\xE2\x91\xA0",
    "\xEF\xBC\xA1",
    "\xEF\xBD\xB1",
    "\xE3\x8E\x8F",
    "\xC2\xBC",
    "\xE2\x84\xA2",
    "\xE2\x84\x8C",
    "\xEF\xB7\xBA",
    "\xE3\x8C\x80",
    "\xC2\xAA",
    "\xC2\xB2",
    "\xF0\x9D\x90\x80",
    "\xC2\xA8",
    "\xC2\xB4",
    "\xE1\xBF\xAD",
    "\xCE\x85",
    "\xE2\x80\xA6",
    "\xEF\xBC\x8E",
    /* default-ignorables and format characters */
    "\xE2\x80\x8D",
    "\xE2\x80\x8C",
    "\xC2\xAD",
    "\xEF\xB8\x8F",
    "\xCD\x8F",
    "\xE1\xA0\x8B",
    "\xE2\x81\xA0",
    "\xEF\xBB\xBF",
    "\xF3\xA0\x80\x81",
    "\xF3\xA0\x84\x80",
    "\xE1\x85\x9F",
    "\xE3\x85\xA4",
    "\xD8\x80",
    "\xDB\x9D",
    "\xF0\x91\x82\xBD",
    "\xE2\x80\xAE",
    "\xE2\x81\xA2",
    "\xE2\x80\x8B",
    /* white space beyond ASCII */
    "\xC2\xA0",
    "\xE1\x9A\x80",
    "\xE2\x80\x80",
    "\xE2\x80\x87",
    "\xE2\x80\x8A",
    "\xE2\x80\xA8",
    "\xE2\x80\xA9",
    "\xE2\x80\xAF",
    "\xE2\x81\x9F",
    "\xE3\x80\x80",
    "\xC2\x85",
    /* invalid and truncated UTF-8, surrogates, overlongs, beyond U+10FFFF */
    "\x80",
    "\xBF",
    "\xC0",
    "\xC1",
    "\xF5",
    "\xFF",
    "\xFE",
    "\xE2\x82",
    "\xF0\x9F\x98",
    "\xC3",
    "\xED\xA0\x80",
    "\xE0\x80\xAF",
    "\xF4\x90\x80\x80",
    /* other: the replacement character, unassigned, private use,
     * noncharacters, an emoji sequence, Arabic with marks, mojibake */
    "\xEF\xBF\xBD",
    "\xCD\xB8",
    "\xF4\x8F\xBF\xBF",
    "\xEE\x80\x80",
    "\xEF\xBF\xBF",
    "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA9",
    "\xD8\xA8\xD9\x8E\xD9\x91",
    "\xC3\xA2\xE2\x82\xAC\xE2\x84\xA2",
    "\xE2\x80\x99",
    "\xE2\x80\x94",
};

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

TEST(random_mixtures_of_the_delicate_characters)
{
	compared = differing = 0;
	const size_t np = sizeof pieces / sizeof *pieces;
	abuf b = {0};
	for (int t = 0; t < 150000; t++) {
		abuf_reset(&b);
		size_t k = rng() % 24;
		/* half the texts favour ASCII letters, as real captions do */
		bool wordy = t % 2;
		for (size_t j = 0; j < k; j++) {
			size_t r = wordy && rng() % 2 ? rng() % 23 : rng() % np;
			const char *p = pieces[r];
			abuf_append(&b, p, *p ? strlen(p) : 1);
		}
		same(b.data ? b.data : "", b.len);
	}
	abuf_free(&b);
	printf("# %ld texts compared\n", compared);
	CHECK_INT(differing, 0);
}

/* Runs of combining marks of many classes, some that decompose into
 * several marks (U+0344, U+0F73, U+0F75, U+0F81), with starters and
 * precomposed letters among them, short and up to 4,000 long: the
 * canonical ordering (a counting sort of long runs, by insertion of short
 * ones) gives utf8proc's bytes. Zalgo text is this. */
static const char *const marks[] = {
    "\xcc\x81",	    /* U+0301 acute, 230 */
    "\xcc\x96",	    /* U+0316 grave below, 220 */
    "\xcd\x85",	    /* U+0345 ypogegrammeni, 240 */
    "\xcc\xb4",	    /* U+0334 tilde overlay, 1 */
    "\xcc\xa7",	    /* U+0327 cedilla, 202 */
    "\xcc\x9b",	    /* U+031B horn, 216 */
    "\xcd\x9c",	    /* U+035C double breve below, 233 */
    "\xcd\xa0",	    /* U+0360 double tilde, 234 */
    "\xd6\xb0",	    /* U+05B0 sheva, 10 */
    "\xd6\xbc",	    /* U+05BC dagesh, 21 */
    "\xd9\x8b",	    /* U+064B fathatan, 27 */
    "\xe0\xa4\xbc", /* U+093C nukta, 7 */
    "\xe0\xa5\x8d", /* U+094D virama, 9 */
    "\xe3\x82\x99", /* U+3099 voiced sound mark, 8 */
    "\xcd\x84",	    /* U+0344 -> 0308 0301 */
    "\xe0\xbd\xb3", /* U+0F73 -> 0F71 0F72 */
    "\xe0\xbd\xb5", /* U+0F75 -> 0F71 0F74 */
    "\xe0\xbe\x81", /* U+0F81 -> 0F71 0F80 */
    "\xcc\x88",	    /* U+0308 diaeresis, 230 */
    "\xe2\x83\x90", /* U+20D0 harpoon above, 230 */
};
static const char *const bases[] = {"a", "e", "\xc3\xa9", "\xe1\xb8\x89", "\xd7\x90",
				    "\xe0\xbd\x80", "\xe3\x81\x8b", " ", "O"};

TEST(long_runs_of_combining_marks)
{
	compared = differing = 0;
	abuf b = {0};
	for (int t = 0; t < 3000; t++) {
		abuf_reset(&b);
		size_t runs = 1 + rng() % 4;
		for (size_t r = 0; r < runs; r++) {
			const char *base = bases[rng() % (sizeof bases / sizeof *bases)];
			abuf_append(&b, base, strlen(base));
			size_t len = rng() % 8 == 0 ? rng() % 4000 : rng() % 40;
			for (size_t j = 0; j < len; j++) {
				const char *m = marks[rng() % (sizeof marks / sizeof *marks)];
				abuf_append(&b, m, strlen(m));
			}
		}
		same(b.data ? b.data : "", b.len);
	}
	abuf_free(&b);
	printf("# %ld texts compared\n", compared);
	CHECK_INT(differing, 0);
}

/* ASCII texts, whose runs the ASCII loop takes eight bytes at a time:
 * the bytes at the edges of the ranges it tests (A-Z, TAB-CR, space),
 * runs of spaces, at every alignment; alone (the ASCII path) and with a
 * non-ASCII character before, inside or after them. */
TEST(random_ascii_texts_alone_and_beside_non_ascii)
{
	static const char alphabet[] = "aaaaaaaaeeeeeeeiiiiooooottttnnnsssrrhlzAZKE         "
				       "@[`{,.'-\t\n\r\v\f\x08\x0E\x1F!\x01\x7F\x00";
	const size_t na = sizeof alphabet - 1; /* the NUL at the end is one of them */
	compared = differing = 0;
	char s[128];
	abuf b = {0};
	for (int t = 0; t < 100000; t++) {
		size_t n = rng() % 90;
		for (size_t i = 0; i < n; i++)
			s[i] = alphabet[rng() % na];
		same(s, n);
		size_t at = n ? rng() % (n + 1) : 0;
		abuf_reset(&b);
		abuf_append(&b, s, at);
		abuf_append(&b, t % 3 ? "\xC3\xA9" : "\xC2\xA0", 2);
		abuf_append(&b, s + at, n - at);
		same(b.data, b.len);
	}
	abuf_free(&b);
	printf("# %ld texts compared\n", compared);
	CHECK_INT(differing, 0);
}

/* Stretches of non-ASCII longer than the stack buffer (CJK without spaces,
 * a character whose compatibility form is 18 code points, marks), one
 * after another so the heap buffer is grown and reused, with invalid bytes
 * among them. */
TEST(long_non_ascii_stretches)
{
	static const char *const unit[] = {"\xE6\x97\xA5", "\xEF\xB7\xBA",
					   "e\xCC\x81",	   "\xCC\x88",
					   "\xFF",	   "\xEA\xB0\x80\xE1\x86\xA8"};
	compared = differing = 0;
	abuf b = {0};
	for (size_t len = 100; len <= 3000; len += 700) {
		for (size_t u = 0; u < sizeof unit / sizeof *unit; u++) {
			abuf_puts(&b, "Ab ");
			for (size_t i = 0; i < len; i++)
				abuf_puts(&b, unit[(u + i / 97) % (sizeof unit / sizeof *unit)]);
			abuf_puts(&b, " cD");
			same(b.data, b.len);
		}
	}
	abuf_free(&b);
	CHECK_INT(differing, 0);
}

/* Every code point, encoded, between ASCII letters and before a
 * combining mark, alone, and as an upper-case letter's neighbour. */
TEST(every_code_point_between_ascii_letters)
{
	compared = differing = 0;
	for (uint32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		char s[16] = "A", *e = s + 1;
		size_t k = text_utf8_encode(cp, e);
		same(e, k);
		e[k] = 'z';
		same(s, 1 + k + 1);
		memcpy(e + k, "\xCC\x81z", 3);
		same(s, 1 + k + 3);
	}
	printf("# %ld texts compared\n", compared);
	CHECK_INT(differing, 0);
}

/* What the piecewise form rests on, asked of the utf8proc it runs with: an
 * ASCII character is a starter (combining class 0) that maps to itself or
 * its lower case and is no format character, and no character's canonical
 * decomposition has an ASCII character after its first, so none composes
 * with what is before it. */
TEST(ascii_never_composes_with_what_precedes_it)
{
	for (int c = 1; c < 0x80; c++) {
		CHECK_INT(utf8proc_get_property(c)->combining_class, 0);
		CHECK(utf8proc_category(c) != UTF8PROC_CATEGORY_CF);
		utf8proc_int32_t d[4];
		int bc = 0;
		utf8proc_ssize_t m = utf8proc_decompose_char(
		    c, d, 4,
		    UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE, &bc);
		CHECK_INT(m, 1);
		CHECK_INT(d[0], c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	long seconds = 0;
	for (utf8proc_int32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
		utf8proc_int32_t d[32];
		int bc = 0;
		utf8proc_ssize_t m = utf8proc_decompose_char(cp, d, 32, UTF8PROC_DECOMPOSE, &bc);
		for (utf8proc_ssize_t i = 1; i < m && i < 32; i++)
			seconds += d[i] < 0x80;
	}
	CHECK_INT(seconds, 0);
}

/* A piece followed by ASCII reserves room for the rest of the text and one
 * space owed: texts whose pieces expand (a compatibility form of 18 code
 * points, a syllable, a ligature) and then owe a space before an ASCII
 * tail, at every length that brings the output buffer's capacity exactly
 * to its end. The terminating NUL must fit (len < cap) in every build, not
 * only under the address sanitizer. */
TEST(output_buffer_exactly_full_after_a_piece)
{
	static const char *const grow[] = {"\xEF\xB7\xBA", "\xE3\x8C\x80", "\xC3\xA9",
					   "\xEF\xAC\x81"};
	compared = differing = 0;
	long overrun = 0, tight = 0;
	abuf in = {0};
	for (size_t g = 0; g < sizeof grow / sizeof *grow; g++) {
		for (int k = 0; k <= 40; k++) {
			for (int t = 0; t <= 600; t++) {
				abuf_reset(&in);
				abuf_putc(&in, 'a');
				for (int i = 0; i < k; i++)
					abuf_puts(&in, grow[g]);
				abuf_puts(&in, "\xE3\x80\x80"); /* ideographic space: owed */
				for (int i = 0; i < t; i++)
					abuf_putc(&in, 'b');
				abuf out = {0};
				text_normalize(in.data, in.len, &out);
				overrun += out.len >= out.cap;
				tight += out.len + 1 == out.cap;
				abuf_free(&out);
				same(in.data, in.len);
			}
		}
	}
	abuf_free(&in);
	printf("# %ld texts compared, %ld filled their buffer exactly\n", compared, tight);
	CHECK_INT(differing, 0);
	CHECK_INT(overrun, 0);
	CHECK(tight > 0);
}

/* The composition utf8proc actually runs (its own pair tables, Hangul by
 * arithmetic), asked directly: no character followed by an ASCII character
 * composes with it or changes. */
TEST(no_character_composes_with_a_following_ascii_character)
{
	long changed = 0;
	for (utf8proc_int32_t cp = 0; cp <= 0x10FFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		for (utf8proc_int32_t c = 1; c < 0x80; c++) {
			utf8proc_int32_t b[2] = {cp, c};
			utf8proc_ssize_t m =
			    utf8proc_normalize_utf32(b, 2, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
			changed += m != 2 || b[0] != cp || b[1] != c;
		}
	}
	CHECK_INT(changed, 0);
}

UNIT_MAIN(UNIT_CASE(bench_like_texts_and_every_cut_of_them),
	  UNIT_CASE(random_mixtures_of_the_delicate_characters), UNIT_CASE(long_runs_of_combining_marks),
	  UNIT_CASE(random_ascii_texts_alone_and_beside_non_ascii),
	  UNIT_CASE(long_non_ascii_stretches), UNIT_CASE(every_code_point_between_ascii_letters),
	  UNIT_CASE(ascii_never_composes_with_what_precedes_it),
	  UNIT_CASE(output_buffer_exactly_full_after_a_piece),
	  UNIT_CASE(no_character_composes_with_a_following_ascii_character))
