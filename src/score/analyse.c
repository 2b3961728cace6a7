/* analyse.c — takes a text apart once for every text scorer: words (with
 * case-folded hashes), sentences, lines and character classes, in a single
 * pass with an ASCII fast path. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "assay/score.h"
#include "assay/text.h"

#define FNV_OFFSET 2166136261u
#define FNV_PRIME  16777619u

enum cclass { C_SPACE, C_NEWLINE, C_WORD, C_INNER, C_OTHER };

/* Per ASCII byte: its class for the tokenizer. */
static unsigned char ascii_class[128];

/* Filled once, whichever thread analyses first (texts are analysed on
 * several cores at once). */
static pthread_once_t classes_once = PTHREAD_ONCE_INIT;

static void fill_classes(void)
{
	for (int c = 0; c < 128; c++) {
		unsigned char k = C_OTHER;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			k = C_WORD;
		else if (c == ' ' || c == '\t' || c == '\v' || c == '\f')
			k = C_SPACE;
		else if (c == '\n' || c == '\r')
			k = C_NEWLINE;
		else if (c == '\'' || c == '-')
			k = C_INNER;
		ascii_class[c] = k;
	}
}

/* The script class of a letter, by code point block. */
static uint32_t script_of(uint32_t cp)
{
	if (cp < 0x250 || (cp >= 0x1E00 && cp < 0x1F00) || (cp >= 0xFF21 && cp <= 0xFF5A))
		return SCORE_SCRIPT_LATIN;
	if ((cp >= 0x370 && cp < 0x400) || (cp >= 0x1F00 && cp < 0x2000))
		return SCORE_SCRIPT_GREEK;
	if (cp >= 0x400 && cp < 0x530)
		return SCORE_SCRIPT_CYRILLIC;
	if (cp >= 0x530 && cp < 0x590)
		return SCORE_SCRIPT_ARMENIAN;
	if (cp >= 0x590 && cp < 0x600)
		return SCORE_SCRIPT_HEBREW;
	if ((cp >= 0x600 && cp < 0x800) || (cp >= 0xFB50 && cp < 0xFE00))
		return SCORE_SCRIPT_ARABIC;
	if (cp >= 0x900 && cp < 0xE00)
		return SCORE_SCRIPT_INDIC;
	if (cp >= 0xE00 && cp < 0xE80)
		return SCORE_SCRIPT_THAI;
	if ((cp >= 0x1100 && cp < 0x1200) || (cp >= 0x2E80 && cp < 0xA000) ||
	    (cp >= 0xAC00 && cp < 0xD7B0) || (cp >= 0xF900 && cp < 0xFB00) ||
	    (cp >= 0xFF66 && cp < 0xFFE0) || (cp >= 0x20000 && cp < 0x32000))
		return SCORE_SCRIPT_CJK;
	return SCORE_SCRIPT_OTHER;
}

/* Characters Windows-1252 puts in 0x80-0x9F: what a C2/C3/E2 lead byte
 * becomes when UTF-8 is read as 1252. */
static bool cp1252_high(uint32_t cp)
{
	switch (cp) {
	case 0x20AC:
	case 0x201A:
	case 0x0192:
	case 0x201E:
	case 0x2026:
	case 0x2020:
	case 0x2021:
	case 0x02C6:
	case 0x2030:
	case 0x0160:
	case 0x2039:
	case 0x0152:
	case 0x017D:
	case 0x2018:
	case 0x2019:
	case 0x201C:
	case 0x201D:
	case 0x2022:
	case 0x2013:
	case 0x2014:
	case 0x02DC:
	case 0x2122:
	case 0x0161:
	case 0x203A:
	case 0x0153:
	case 0x017E:
	case 0x0178:
		return true;
	default:
		return false;
	}
}

/* A lead letter (Â Ã Å â) followed by what a UTF-8 continuation byte looks
 * like in Latin-1 or Windows-1252. */
static bool mojibake_pair(uint32_t prev, uint32_t cp)
{
	if (prev == 0xC2 || prev == 0xC3 || prev == 0xC5)
		return (cp >= 0x80 && cp <= 0xBF) || cp1252_high(cp);
	if (prev == 0xE2)
		return cp == 0x20AC || cp == 0x201A || cp == 0x201E;
	return false;
}

/* The tokenizer's running state. */
typedef struct scan {
	score_text *t;
	bool in_word;
	score_word w;
	uint32_t word_scripts;
	bool sent_open, sent_end_pending, line_open, at_line_start;
	score_span sent, line;
	size_t last_nonspace; /* end of the last non-space character */
	uint32_t prev_cp;
	size_t dots;
} scan;

static int end_word(scan *sc, size_t end)
{
	if (!sc->in_word)
		return ASSAY_OK;
	score_text *t = sc->t;
	sc->in_word = false;
	sc->w.len = (uint32_t)(end - sc->w.off);
	if (sc->word_scripts & (sc->word_scripts - 1))
		t->mixed_words++;
	if (t->n_words == t->cap_words && ASSAY_GROW(t->words, t->n_words + 1, t->cap_words, 64) < 0)
		return ASSAY_ENOMEM;
	t->words[t->n_words++] = sc->w;
	return ASSAY_OK;
}

static int push_span(score_span **v, size_t *n, size_t *cap, score_span sp)
{
	if (*n == *cap && ASSAY_GROW(*v, *n + 1, *cap, 64) < 0)
		return ASSAY_ENOMEM;
	(*v)[(*n)++] = sp;
	return ASSAY_OK;
}

static int close_sentence(scan *sc)
{
	score_text *t = sc->t;
	if (!sc->sent_open)
		return ASSAY_OK;
	sc->sent_open = false;
	sc->sent_end_pending = false;
	sc->sent.len = (uint32_t)(sc->last_nonspace - sc->sent.off);
	sc->sent.n_words = (uint32_t)t->n_words - sc->sent.first_word;
	return push_span(&t->sents, &t->n_sents, &t->cap_sents, sc->sent);
}

static int close_line(scan *sc)
{
	score_text *t = sc->t;
	sc->at_line_start = true;
	if (!sc->line_open)
		return ASSAY_OK;
	sc->line_open = false;
	sc->line.len = (uint32_t)(sc->last_nonspace - sc->line.off);
	sc->line.n_words = (uint32_t)t->n_words - sc->line.first_word;
	return push_span(&t->lines, &t->n_lines, &t->cap_lines, sc->line);
}

/* A visible character at off: opens a line and a sentence if needed. */
static void visible(scan *sc, size_t off, size_t end)
{
	score_text *t = sc->t;
	if (!sc->line_open) {
		sc->line_open = true;
		sc->line = (score_span){.off = (uint32_t)off, .first_word = (uint32_t)t->n_words};
	}
	if (!sc->sent_open) {
		sc->sent_open = true;
		sc->sent = (score_span){.off = (uint32_t)off, .first_word = (uint32_t)t->n_words};
	}
	sc->last_nonspace = end;
}

/* A word starts at off. */
static void start_word(scan *sc, size_t off)
{
	sc->in_word = true;
	sc->w = (score_word){.off = (uint32_t)off, .hash = FNV_OFFSET};
	sc->w.line_start = sc->at_line_start;
	sc->w.sent_start = (uint32_t)sc->t->n_words == sc->sent.first_word;
	sc->w.upper = 1;
	sc->word_scripts = 0;
	sc->at_line_start = false;
}

static void word_char(scan *sc, size_t off, uint32_t folded, bool letter, bool upper,
		      uint32_t script)
{
	if (!sc->in_word)
		start_word(sc, off);
	sc->w.chars++;
	if (letter) {
		sc->w.alpha = 1;
		sc->word_scripts |= script;
		if (!upper)
			sc->w.upper = 0;
	}
	do {
		sc->w.hash = (sc->w.hash ^ (folded & 0xFF)) * FNV_PRIME;
		folded >>= 8;
	} while (folded);
}

/* Is the character at s[i] a word character (for inner apostrophes)? */
static bool word_at(const char *s, size_t n, size_t i)
{
	if (i >= n)
		return false;
	unsigned char c = (unsigned char)s[i];
	if (c < 0x80)
		return ascii_class[c] == C_WORD;
	uint32_t cp;
	bool ok;
	text_utf8_next(s + i, n - i, &cp, &ok);
	if (!ok)
		return false;
	utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)cp);
	return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_NO);
}

static void punct(scan *sc, uint32_t cp)
{
	score_text *t = sc->t;
	if (cp == '.') {
		if (++sc->dots == 3)
			t->ellipses++;
	} else {
		sc->dots = 0;
	}
	switch (cp) {
	case '(':
		t->paren++;
		break;
	case ')':
		t->paren--;
		break;
	case '[':
		t->square++;
		break;
	case ']':
		t->square--;
		break;
	case '{':
		t->curly++;
		break;
	case '}':
		t->curly--;
		break;
	case '"':
		t->dquotes++;
		break;
	case 0x201C:
		t->curly_open++;
		break;
	case 0x201D:
		t->curly_close++;
		break;
	default:
		break;
	}
	if (cp == '.' || cp == '!' || cp == '?' || cp == 0x2026 || cp == 0x3002 || cp == 0xFF01 ||
	    cp == 0xFF1F)
		sc->sent_end_pending = true;
	else if (cp == '#')
		t->hashes++;
	if (cp == 0x2026)
		t->ellipses++;
}

/* A ')' right after a word of one letter or of one to three digits that
 * follows a space or a line start, itself followed by a space or the end,
 * while no '(' is open: a list marker ("1) eggs 2) milk", "A) Paris"), not
 * a closing bracket. */
static bool list_marker(const scan *sc, const char *s, size_t n, size_t i)
{
	const score_text *t = sc->t;
	if (t->paren > 0 || t->n_words == 0)
		return false;
	const score_word *w = &t->words[t->n_words - 1];
	if (w->off + w->len != i || w->len > 3 || (w->len > 1 && w->alpha))
		return false;
	char before = w->off ? s[w->off - 1] : ' ', after = i + 1 < n ? s[i + 1] : ' ';
	return (before == ' ' || before == '\n' || before == '\t') &&
	       (after == ' ' || after == '\n' || after == '\t' || after == '\r');
}

/* The run of ASCII letters and digits at s[i] (at least one), as
 * ascii_char would take each of them: returns where it ends. */
static size_t ascii_word_run(scan *sc, const char *s, size_t n, size_t i)
{
	score_text *t = sc->t;
	sc->dots = 0;
	visible(sc, i, i + 1);
	if (!sc->in_word)
		start_word(sc, i);
	uint32_t h = sc->w.hash;
	size_t j = i, letters = 0, digits = 0;
	bool lower = false;
	for (; j < n; j++) {
		unsigned char c = (unsigned char)s[j];
		if (c >= 'a' && c <= 'z') {
			lower = true;
			letters++;
		} else if (c >= 'A' && c <= 'Z') {
			c += 32;
			letters++;
		} else if (c >= '0' && c <= '9') {
			digits++;
		} else {
			break;
		}
		h = (h ^ c) * FNV_PRIME;
	}
	sc->w.hash = h;
	sc->w.chars += (uint32_t)(j - i);
	t->chars += j - i;
	t->letters += letters;
	t->digits += digits;
	if (letters) {
		sc->w.alpha = 1;
		sc->word_scripts |= SCORE_SCRIPT_LATIN;
	}
	if (lower)
		sc->w.upper = 0;
	sc->last_nonspace = j;
	sc->prev_cp = (unsigned char)s[j - 1];
	return j;
}

static int ascii_char(scan *sc, const char *s, size_t n, size_t i)
{
	unsigned char c = (unsigned char)s[i];
	score_text *t = sc->t;
	t->chars++;
	switch (ascii_class[c]) {
	case C_WORD:
		sc->dots = 0;
		visible(sc, i, i + 1);
		if (c >= 'A' && c <= 'Z')
			word_char(sc, i, c + 32, true, true, SCORE_SCRIPT_LATIN);
		else if (c >= 'a')
			word_char(sc, i, c, true, false, SCORE_SCRIPT_LATIN);
		else {
			t->digits++;
			word_char(sc, i, c, false, false, 0);
			return ASSAY_OK;
		}
		t->letters++;
		return ASSAY_OK;
	case C_INNER:
		visible(sc, i, i + 1);
		sc->dots = 0;
		if (sc->in_word && word_at(s, n, i + 1)) {
			word_char(sc, i, c, false, true, 0);
			return ASSAY_OK;
		}
		return end_word(sc, i);
	case C_SPACE:
		t->spaces++;
		sc->dots = 0;
		if (end_word(sc, i) < 0)
			return ASSAY_ENOMEM;
		return sc->sent_end_pending ? close_sentence(sc) : ASSAY_OK;
	case C_NEWLINE:
		t->spaces++;
		t->cr += c == '\r';
		sc->dots = 0;
		if (end_word(sc, i) < 0 || close_sentence(sc) < 0)
			return ASSAY_ENOMEM;
		return c == '\n' || (i + 1 < n && s[i + 1] != '\n') || i + 1 == n ? close_line(sc)
										  : ASSAY_OK;
	default:
		if (end_word(sc, i) < 0)
			return ASSAY_ENOMEM;
		if (c < 0x20 || c == 0x7F) {
			t->controls++;
			return ASSAY_OK;
		}
		if (!t->markup && (c == '<' || c == '[' || c == '{' || c == '`' || c == '#' || c == '*'))
			t->markup = i + 1;
		visible(sc, i, i + 1);
		if (c != ')' || !list_marker(sc, s, n, i))
			punct(sc, c);
		return ASSAY_OK;
	}
}

/* Format and space characters that are not ordinary text. */
static bool special_cp(scan *sc, uint32_t cp, size_t i, size_t len)
{
	score_text *t = sc->t;
	if (cp >= 0x80 && cp <= 0x9F) {
		t->controls++;
	} else if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
		   cp == 0x200E || cp == 0x200F || cp == 0x061C) {
		t->bidi++;
	} else if (cp == 0x200B || cp == 0x2060 || cp == 0xFEFF || cp == 0xAD) {
		t->invisible++;
	} else if (cp == TEXT_REPLACEMENT) {
		t->invalid++;
	} else {
		return false;
	}
	(void)i;
	(void)len;
	return true;
}

static int other_char(scan *sc, const char *s, size_t n, size_t i, size_t *adv,
		      const score_config *cfg)
{
	score_text *t = sc->t;
	uint32_t cp;
	bool ok;
	size_t len = text_utf8_next(s + i, n - i, &cp, &ok);
	*adv = len;
	t->chars++;
	t->non_ascii++;
	if (!ok)
		t->invalid++;
	/* The lead letters (U+00C2, C3, C5, E2) take two bytes each. */
	if (mojibake_pair(sc->prev_cp, cp) && t->mojibake++ == 0)
		t->mojibake_at = i - 2;
	sc->prev_cp = cp;
	if (!ok || special_cp(sc, cp, i, len))
		return end_word(sc, i);
	if (cp == 0x2028 || cp == 0x2029 || cp == 0x85) {
		t->spaces++;
		if (end_word(sc, i) < 0 || close_sentence(sc) < 0)
			return ASSAY_ENOMEM;
		return close_line(sc);
	}
	utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)cp);
	if (k == UTF8PROC_CATEGORY_ZS) {
		t->spaces++;
		if (end_word(sc, i) < 0)
			return ASSAY_ENOMEM;
		return sc->sent_end_pending ? close_sentence(sc) : ASSAY_OK;
	}
	visible(sc, i, i + len);
	sc->dots = 0;
	if (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_NO) {
		bool letter = k <= UTF8PROC_CATEGORY_LO;
		uint32_t script = letter ? script_of(cp) : 0;
		if (letter) {
			t->letters++;
			t->scripts |= script;
			if (cfg && cfg->scripts && !(cfg->scripts & script))
				t->foreign_letters++;
		} else if (k >= UTF8PROC_CATEGORY_ND) {
			t->digits++;
		}
		/* Fold the bytes as they are; only ASCII is case-folded. */
		uint32_t packed = 0;
		for (size_t j = 0; j < len; j++)
			packed |= (uint32_t)(unsigned char)s[i + j] << (8 * j);
		word_char(sc, i, packed, letter, k == UTF8PROC_CATEGORY_LU, script);
		return ASSAY_OK;
	}
	if ((cp == 0x2019 || cp == 0x2010) && sc->in_word && word_at(s, n, i + len)) {
		word_char(sc, i, cp == 0x2019 ? '\'' : '-', false, true, 0);
		return ASSAY_OK;
	}
	if (end_word(sc, i) < 0)
		return ASSAY_ENOMEM;
	punct(sc, cp);
	return ASSAY_OK;
}

int score_text_analyse(score_text *t, const char *s, size_t n, const score_config *cfg)
{
	pthread_once(&classes_once, fill_classes);
	score_word *words = t->words;
	score_span *sents = t->sents, *lines = t->lines;
	uint32_t *scratch = t->scratch;
	size_t cw = t->cap_words, cs = t->cap_sents, cl = t->cap_lines, cx = t->cap_scratch;
	*t = (score_text){.s = s,
			  .n = n,
			  .words = words,
			  .cap_words = cw,
			  .sents = sents,
			  .cap_sents = cs,
			  .lines = lines,
			  .cap_lines = cl,
			  .scratch = scratch,
			  .cap_scratch = cx,
			  .caption = true};
	scan sc = {.t = t, .at_line_start = true};
	size_t i = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		int rc;
		if (c < 0x80 && ascii_class[c] == C_WORD) {
			i = ascii_word_run(&sc, s, n, i);
			continue;
		}
		if (c < 0x80) {
			sc.prev_cp = c;
			rc = ascii_char(&sc, s, n, i);
			i++;
		} else {
			size_t adv;
			rc = other_char(&sc, s, n, i, &adv, cfg);
			i += adv;
		}
		if (rc < 0)
			return rc;
	}
	if (end_word(&sc, n) < 0 || close_sentence(&sc) < 0 || close_line(&sc) < 0)
		return ASSAY_ENOMEM;
	return ASSAY_OK;
}

void score_text_free(score_text *t)
{
	free(t->words);
	free(t->sents);
	free(t->lines);
	free(t->scratch);
	*t = (score_text){0};
}

bool score_caption_field(const char *field)
{
	return text_caption_field(field);
}
