/* hidden.c — finding sequences that hide part of a text from a reader
 * (joiners between unrelated emoji, tag characters, runs of variation
 * selectors, long combining stacks, a bare CR), for the charset scorer. The
 * screen shows all of them (see cells.c); other tools a text goes on to
 * usually do not. */
#include <utf8proc.h>

#include "assay/text.h"

/* Emoji that recommended (RGI) ZWJ sequences put after a joiner: people,
 * hearts and kisses, gender signs, hair, the objects of professions and
 * the few others (rainbow flag, polar bear, phoenix, ...). A joiner before
 * any other emoji joins pictures no font draws as one. */
static const uint32_t zwj_tails[] = {
    0x2194,  0x2195,  0x2620,  0x2640,	0x2642,	 0x2695,  0x2696,  0x26A7,  0x26D3,  0x2708,
    0x2744,  0x2764,  0x27A1,  0x2B1B,	0x1F308, 0x1F32B, 0x1F33E, 0x1F373, 0x1F37C, 0x1F384,
    0x1F393, 0x1F3A4, 0x1F3A8, 0x1F3EB, 0x1F3ED, 0x1F466, 0x1F467, 0x1F468, 0x1F469, 0x1F48B,
    0x1F4A5, 0x1F4A8, 0x1F4AB, 0x1F4BB, 0x1F4BC, 0x1F525, 0x1F527, 0x1F52C, 0x1F5E8, 0x1F680,
    0x1F692, 0x1F7E9, 0x1F7EB, 0x1F91D, 0x1F9AF, 0x1F9B0, 0x1F9B1, 0x1F9B2, 0x1F9B3, 0x1F9BA,
    0x1F9BC, 0x1F9BD, 0x1F9D1, 0x1F9D2, 0x1FA79, 0x1FAF2,
};

/* An RGI sequence has at most four emoji (a family of four, a kiss). */
#define ZWJ_CHAIN_MAX 4

static bool is_tail(uint32_t cp)
{
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(zwj_tails); i++)
		if (zwj_tails[i] == cp)
			return true;
	return false;
}

static bool is_pictographic(uint32_t cp)
{
	return utf8proc_get_property((utf8proc_int32_t)cp)->boundclass ==
	       UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC;
}

static bool is_vs(uint32_t cp)
{
	return (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

static bool is_mark(uint32_t cp)
{
	utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)cp);
	return k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_ME || k == UTF8PROC_CATEGORY_MC;
}

/* Letters of scripts whose spelling uses ZWJ and ZWNJ (Arabic to Sinhala,
 * Myanmar, Khmer, Mongolian): a joiner there shapes the text. */
static bool shaping_letter(uint32_t cp)
{
	return (cp >= 0x0600 && cp <= 0x0DFF) || (cp >= 0x1000 && cp <= 0x109F) ||
	       (cp >= 0x1780 && cp <= 0x18AF);
}

/* Default-ignorable code points not counted by a rule here nor by the
 * charset scorer's own (bidi controls, U+200B, U+2060, U+FEFF, U+00AD):
 * Hangul fillers, the combining grapheme joiner, invisible operators, ... */
static bool other_ignorable(uint32_t cp)
{
	if (cp == 0x200B || cp == 0x2060 || cp == 0xFEFF || cp == 0xAD || cp == 0x061C ||
	    cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
	    (cp >= 0x2066 && cp <= 0x2069) || is_vs(cp))
		return false;
	return utf8proc_get_property((utf8proc_int32_t)cp)->ignorable;
}

typedef struct hscan {
	uint32_t prev;	  /* the code point before, 0 at the start */
	uint32_t emoji;	  /* the emoji the current one modifies or 0 */
	int chain;	  /* emoji joined so far in the current ZWJ chain */
	int marks;	  /* combining marks in a row */
	int vs;		  /* variation selectors in a row */
	bool zwj_pending; /* the previous code point was a ZWJ after an emoji */
	size_t tag_start; /* byte offset of a possible emoji tag sequence */
	int tags;	  /* tag characters in it so far, -1 when none open */
} hscan;

/* A joiner after an emoji waits for what follows it. */
static size_t on_zwj(hscan *h, uint32_t cp)
{
	if (h->emoji && cp == 0x200D) {
		h->zwj_pending = true;
		return 0;
	}
	/* ZWNJ or ZWJ elsewhere: only shaping scripts use them */
	return shaping_letter(h->prev) ? 0 : 1;
}

/* The code point after a joiner that followed an emoji. */
static size_t after_zwj(hscan *h, uint32_t cp)
{
	h->zwj_pending = false;
	if (!is_pictographic(cp) || !is_tail(cp)) {
		h->chain = 0;
		return 1;
	}
	return ++h->chain > ZWJ_CHAIN_MAX ? 1 : 0;
}

/* Tag characters count unless they spell an emoji tag sequence: a black
 * flag, one to six tag letters or digits, a cancel tag. Returns what the
 * tag characters seen so far count when the sequence breaks off. */
static size_t on_tag(hscan *h, uint32_t cp)
{
	bool spec = (cp >= 0xE0030 && cp <= 0xE0039) || (cp >= 0xE0061 && cp <= 0xE007A);
	if (h->tags >= 0 && spec && h->tags < 6) {
		h->tags++;
		return 0;
	}
	if (h->tags > 0 && cp == 0xE007F) {
		h->tags = -1;
		return 0;
	}
	size_t n = h->tags > 0 ? (size_t)h->tags + 1 : 1;
	h->tags = -1;
	return n;
}

static size_t step(hscan *h, uint32_t cp, const char *s, size_t n, size_t at)
{
	size_t hits = 0;
	if (h->tags > 0 && !(cp >= 0xE0020 && cp <= 0xE007F)) {
		hits += (size_t)h->tags; /* an unfinished tag sequence */
		h->tags = -1;
	}
	if (h->zwj_pending)
		hits += after_zwj(h, cp);
	if (cp == 0x200D || cp == 0x200C)
		hits += on_zwj(h, cp);
	else if (cp >= 0xE0000 && cp <= 0xE007F)
		hits += on_tag(h, cp);
	else if (other_ignorable(cp))
		hits++;
	if (is_vs(cp))
		hits += h->vs++ > 0 || h->prev == 0 || h->prev == ' ';
	else
		h->vs = 0;
	if (is_mark(cp) && !is_vs(cp))
		hits += ++h->marks == TEXT_CELL_MARKS + 1;
	else if (!is_vs(cp))
		h->marks = 0;
	if (cp == '\r' && !(at + 1 < n && s[at + 1] == '\n'))
		hits++;
	if (!(cp >= 0xE0020 && cp <= 0xE007F))
		h->tags = -1;
	if (is_pictographic(cp)) {
		h->emoji = cp;
		if (h->chain == 0)
			h->chain = 1;
		h->tags = cp == 0x1F3F4 ? 0 : -1;
	} else if (cp != 0x200D && !is_vs(cp) && !(cp >= 0x1F3FB && cp <= 0x1F3FF) &&
		   !(cp >= 0xE0020 && cp <= 0xE007F)) {
		h->emoji = 0;
		h->chain = 0;
	}
	h->prev = cp;
	return hits;
}

size_t text_hidden_count(const char *s, size_t n)
{
	hscan h = {.tags = -1};
	size_t hits = 0, at = 0;
	while (at < n) {
		unsigned char c = (unsigned char)s[at];
		if (c < 0x80 && c != '\r' && !h.zwj_pending && h.tags <= 0) {
			/* ASCII: ends whatever sequence was open */
			h = (hscan){.prev = c, .tags = -1};
			at++;
			continue;
		}
		uint32_t cp;
		bool ok;
		size_t len = text_utf8_next(s + at, n - at, &cp, &ok);
		hits += step(&h, ok ? cp : TEXT_REPLACEMENT, s, n, at);
		at += len;
	}
	if (h.tags > 0)
		hits += (size_t)h.tags;
	if (h.zwj_pending)
		hits++;
	return hits;
}
