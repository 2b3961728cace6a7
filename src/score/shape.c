/* shape.c — scorers of a text's form: truncation (ends mid-sentence,
 * unbalanced quotes or brackets) and charset (replacement and control
 * characters, bidi controls, mojibake, mixed scripts). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "assay/text.h"
#include "score_int.h"

/* ---- truncation --------------------------------------------------------- */

/* Words a sentence does not end on. */
static const char *const dangling[] = {
    "a",       "an",	 "the", "of",	 "in",	  "on",	   "at",     "to",    "with",
    "and",     "or",	 "but", "for",	 "from",  "by",	   "as",     "into",  "onto",
    "that",    "which",	 "who", "whose", "while", "near",  "behind", "under", "over",
    "between", "across", "his", "her",	 "their", "its",   "my",     "your",  "our",
    "is",      "are",	 "was", "were",	 "this",  "these", "those",  "very",  "some",
};

static bool dangling_word(uint32_t h)
{
	static uint32_t hashes[ASSAY_ARRAY_LEN(dangling)];
	if (!hashes[0])
		for (size_t i = 0; i < ASSAY_ARRAY_LEN(dangling); i++)
			hashes[i] = score_word_hash(dangling[i], strlen(dangling[i]));
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(hashes); i++)
		if (hashes[i] == h)
			return true;
	return false;
}

/* The code point ending at s[end) and its start. */
static uint32_t cp_before(const char *s, size_t end, size_t *start)
{
	size_t i = end - 1;
	while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80 && end - i < 4)
		i--;
	uint32_t cp;
	bool ok;
	text_utf8_next(s + i, end - i, &cp, &ok);
	*start = i;
	return ok ? cp : TEXT_REPLACEMENT;
}

static bool closer(uint32_t cp)
{
	return cp == ')' || cp == ']' || cp == '}' || cp == '"' || cp == '\'' || cp == 0x201D ||
	       cp == 0x2019 || cp == 0xBB || cp == '*' || cp == '`' || cp == 0x300D || cp == 0x300F;
}

static bool terminal(uint32_t cp)
{
	return cp == '.' || cp == '!' || cp == '?' || cp == 0x2026 || cp == 0x3002 ||
	       cp == 0xFF01 || cp == 0xFF1F || cp == 0xFF0E || (cp >= 0x1F300 && cp < 0x1FB00) ||
	       (cp >= 0x2600 && cp < 0x27C0);
}

static void truncation_end(score_text *t, score_result *out)
{
	size_t end = t->n, start;
	while (end > 0 && (t->s[end - 1] == ' ' || t->s[end - 1] == '\n' || t->s[end - 1] == '\r' ||
			   t->s[end - 1] == '\t'))
		end--;
	uint32_t cp = cp_before(t->s, end, &start);
	while (closer(cp) && start > 0) {
		end = start;
		cp = cp_before(t->s, end, &start);
	}
	if (terminal(cp)) {
		score_set(out, 1, "truncation: ends with a full sentence");
		return;
	}
	/* A list or a "Key: value" record ends without a full stop. */
	const score_span *last = t->n_lines ? &t->lines[t->n_lines - 1] : NULL;
	const char *l = last ? t->s + last->off : "";
	if (t->n_lines >= 2 && last->len >= 2 &&
	    ((strchr("-*+", l[0]) && l[1] == ' ') || (l[0] >= '0' && l[0] <= '9' && l[1] == '.') ||
	     memchr(l, ':', last->len) || !strncmp(l, "\xE2\x80\xA2", 3))) {
		score_set(out, 1, "truncation: ends with a list item");
		return;
	}
	char q[64];
	score_quote(t, t->n_words ? t->n_words - 1 : 0, 1, q, sizeof q);
	if (cp == ':' || cp == ',' || cp == ';')
		score_set(out, 0.15, "truncation: ends on '%c' after \"%s\"", (char)cp, q);
	else if (t->n_words && dangling_word(t->words[t->n_words - 1].hash))
		score_set(out, 0.1, "truncation: ends mid-sentence on \"%s\"", q);
	else
		score_set(out, 0.25, "truncation: ends without a full stop (last word \"%s\")", q);
}

void score_truncation(score_text *t, const score_config *cfg, score_result *out)
{
	(void)cfg;
	if (t->n_words == 0) {
		score_set(out, 0, "truncation: no words");
		return;
	}
	truncation_end(t, out);
	const char *what = NULL;
	int n = 0;
	if (t->paren) {
		what = t->paren > 0 ? "'(' not closed" : "')' never opened";
		n = t->paren;
	} else if (t->square) {
		what = t->square > 0 ? "'[' not closed" : "']' never opened";
		n = t->square;
	} else if (t->curly) {
		what = t->curly > 0 ? "'{' not closed" : "'}' never opened";
		n = t->curly;
	} else if (t->dquotes % 2) {
		what = "'\"' not closed";
		n = 1;
	} else if (t->curly_open != t->curly_close) {
		what = t->curly_open > t->curly_close ? "'\xE2\x80\x9C' not closed"
						      : "'\xE2\x80\x9D' never opened";
		n = t->curly_open - t->curly_close;
	}
	if (what && out->value > 0.35)
		score_set(out, 0.35, "truncation: %d %s", n < 0 ? -n : n, what);
	if (out->value < 1)
		snprintf(out->detail, sizeof out->detail,
			 "{\"paren\":%d,\"square\":%d,\"curly\":%d,\"quotes\":%d}", t->paren,
			 t->square, t->curly, t->dquotes % 2 + (t->curly_open - t->curly_close));
}

/* ---- charset ------------------------------------------------------------ */

void score_charset(score_text *t, const score_config *cfg, score_result *out)
{
	struct {
		size_t n;
		const char *one, *many;
	} rules[] = {
	    {t->invalid, "replacement character or invalid UTF-8 byte",
	     "replacement characters or invalid UTF-8 bytes"},
	    {t->controls, "control character", "control characters"},
	    {t->bidi, "bidi control", "bidi controls"},
	    {t->invisible, "invisible character (zero-width, BOM)",
	     "invisible characters (zero-width, BOM)"},
	    {t->mojibake, "mojibake sequence (UTF-8 read as Windows-1252, \"Ã©\")",
	     "mojibake sequences (UTF-8 read as Windows-1252, \"Ã©\")"},
	    {t->mixed_words, "word mixing scripts", "words mixing scripts"},
	    /* what the screen shows as placeholders and other tools hide: see
	     * text_hidden_count for the rule (a skin tone, a family emoji or a
	     * flag is ordinary text and counts nothing) */
	    {text_hidden_count(t->s, t->n),
	     "hidden sequence (joined emoji, tag characters, stacked marks, bare CR)",
	     "hidden sequences (joined emoji, tag characters, stacked marks, bare CR)"},
	};
	size_t total = 0, worst = 0;
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(rules); i++) {
		total += rules[i].n;
		if (rules[i].n > rules[worst].n)
			worst = i;
	}
	double foreign =
	    cfg->scripts && t->letters ? (double)t->foreign_letters / (double)t->letters : 0;
	double vf = score_ramp(foreign, 0.02, 0.1);
	double v = score_hits(total);
	if (total && v <= vf) {
		score_set(out, v, "charset: %zu %s%s", rules[worst].n,
			  rules[worst].n > 1 ? rules[worst].many : rules[worst].one,
			  total > rules[worst].n ? " and other problems" : "");
	} else if (vf < 1) {
		score_set(out, vf, "charset: %.0f%% of letters outside the expected scripts",
			  100 * foreign);
	} else {
		score_set(out, 1, "charset: clean");
	}
	if (out->value < 1)
		snprintf(out->detail, sizeof out->detail,
			 "{\"invalid\":%zu,\"control\":%zu,\"bidi\":%zu,\"invisible\":%zu,"
			 "\"mojibake\":%zu,\"mixed\":%zu,\"hidden\":%zu}",
			 t->invalid, t->controls, t->bidi, t->invisible, t->mojibake,
			 t->mixed_words, rules[ASSAY_ARRAY_LEN(rules) - 1].n);
}
