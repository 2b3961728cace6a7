/* shape.c — scorers of a text's form: truncation (ends mid-sentence,
 * unbalanced quotes or brackets) and charset (replacement and control
 * characters, bidi controls, mojibake, mixed scripts). */
#include <math.h>
#include <pthread.h>
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

static uint32_t dangling_hashes[ASSAY_ARRAY_LEN(dangling)];
static pthread_once_t dangling_once = PTHREAD_ONCE_INIT;

/* The hashes, made once for every thread that scores. */
static void dangling_hash(void)
{
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(dangling); i++)
		dangling_hashes[i] = score_word_hash(dangling[i], strlen(dangling[i]));
}

static bool dangling_word(uint32_t h)
{
	pthread_once(&dangling_once, dangling_hash);
	const uint32_t *hashes = dangling_hashes;
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(dangling_hashes); i++)
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

/* The code point before s[end) once trailing closers are skipped. */
static uint32_t last_cp(const char *s, size_t end)
{
	size_t start;
	uint32_t cp = cp_before(s, end, &start);
	while (closer(cp) && start > 0) {
		end = start;
		cp = cp_before(s, end, &start);
	}
	return cp;
}

/* Does a line start with a list marker: "- ", "* ", "+ ", "• ", "12. ",
 * "3) ", "a) ", "B. ", "(iv) " or "(2) "? */
static bool list_line(const char *l, size_t n)
{
	if (n >= 2 && (l[0] == '-' || l[0] == '*' || l[0] == '+') && l[1] == ' ')
		return true;
	if (n >= 4 && !memcmp(l, "\xE2\x80\xA2", 3))
		return true;
	size_t i = l[0] == '(', k = i;
	while (k < n && k - i < 3 && l[k] >= '0' && l[k] <= '9')
		k++;
	if (k == i && k < n && (l[k] | 0x20) >= 'a' && (l[k] | 0x20) <= 'z')
		k++;
	while (i && k < n && k - i < 4 && memchr("ivx", l[k], 3)) /* "(iv)" */
		k++;
	return k > i && k + 1 < n && (l[k] == ')' || (l[k] == '.' && !i)) && l[k + 1] == ' ';
}

static bool fence_line(const score_text *t, const score_span *l)
{
	return l->len >= 3 &&
	       (!memcmp(t->s + l->off, "```", 3) || !memcmp(t->s + l->off, "~~~", 3));
}

/* Why a text that is not a caption may end as it does, or NULL when its
 * ending is judged: a code block at the end, verse or code (most lines end
 * without a full stop), or an answer of one or two words. *prose says
 * whether a missing full stop counts: the last line follows a finished
 * sentence (in it or on the line before) or is a sentence of ten words or
 * more; a shorter one may end on its last word, not on "the" or ','. */
static const char *whole_form(const score_text *t, bool *prose)
{
	const score_span *last = &t->lines[t->n_lines - 1];
	size_t counted = 0, ended = 0;
	bool code = false;
	for (size_t i = 0; i < t->n_lines; i++) {
		const score_span *l = &t->lines[i];
		bool fence = fence_line(t, l);
		code ^= fence;
		/* Prose lines only: no code, headings or list items. */
		if (fence || code || l->n_words == 0 || t->s[l->off] == '#' ||
		    list_line(t->s + l->off, l->len))
			continue;
		counted++;
		ended += terminal(last_cp(t->s, l->off + l->len));
	}
	if (fence_line(t, last))
		return "ends with a code block";
	if (counted >= 3 && 2 * ended < counted)
		return "verse or code may end without a full stop";
	size_t sents = 0;
	for (size_t i = t->n_sents; i-- > 0 && t->sents[i].off >= last->off;)
		sents++;
	const score_span *prev = t->n_lines >= 2 ? last - 1 : NULL;
	*prose = sents >= 2 || (prev && terminal(last_cp(t->s, prev->off + prev->len))) ||
		 last->n_words >= 10;
	if (!*prose && last->n_words < 3)
		return "a short answer may end without a full stop";
	return NULL;
}

static void truncation_end(score_text *t, score_result *out)
{
	size_t end = t->n;
	while (end > 0 && (t->s[end - 1] == ' ' || t->s[end - 1] == '\n' || t->s[end - 1] == '\r' ||
			   t->s[end - 1] == '\t'))
		end--;
	uint32_t cp = last_cp(t->s, end);
	if (terminal(cp)) {
		score_set(out, 1, "truncation: ends with a full sentence");
		return;
	}
	/* A list or a "Key: value" record ends without a full stop. */
	const score_span *last = t->n_lines ? &t->lines[t->n_lines - 1] : NULL;
	if (t->n_lines >= 2 && last->len >= 2 &&
	    (list_line(t->s + last->off, last->len) || memchr(t->s + last->off, ':', last->len))) {
		score_set(out, 1, "truncation: ends with a list item");
		return;
	}
	/* Other texts than captions: only prose must end with a full stop. */
	bool prose = true;
	const char *whole = t->caption || !last ? NULL : whole_form(t, &prose);
	if (whole) {
		score_set(out, 1, "truncation: %s", whole);
		return;
	}
	char q[64];
	score_quote(t, t->n_words ? t->n_words - 1 : 0, 1, q, sizeof q);
	if (cp == ':' || cp == ',' || cp == ';')
		score_set(out, 0.15, "truncation: ends on '%c' after \"%s\"", (char)cp, q);
	else if (t->n_words && dangling_word(t->words[t->n_words - 1].hash))
		score_set(out, 0.1, "truncation: ends mid-sentence on \"%s\"", q);
	else if (prose)
		score_set(out, 0.25, "truncation: ends without a full stop (last word \"%s\")", q);
	else
		score_set(out, 1, "truncation: a short sentence may end without a full stop");
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
	int n = 0, fences = 0;
	for (size_t i = 0; i < t->n_lines; i++)
		fences += fence_line(t, &t->lines[i]);
	if (fences % 2) {
		what = "code block ('```') not closed";
		n = 1;
	} else if (t->paren) {
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

/* The first mojibake sequence as the text has it: the lead letter and the
 * non-ASCII characters after it (four at most), with C1 controls, the
 * no-break space and the soft hyphen written as \uXXXX. */
static void mojibake_quote(const score_text *t, char *out, size_t cap)
{
	size_t i = t->mojibake_at, o = 0;
	out[0] = '\0';
	for (int k = 0; k < 4 && i < t->n; k++) {
		uint32_t cp;
		bool ok;
		size_t len = text_utf8_next(t->s + i, t->n - i, &cp, &ok);
		if (!ok || (k > 0 && (cp < 0x80 || cp >= 0x2200)) || o + 8 >= cap)
			break;
		if (cp < 0xA1 || cp == 0xAD)
			o += (size_t)snprintf(out + o, cap - o, "\\u%04X", (unsigned)cp);
		else
			o += (size_t)snprintf(out + o, cap - o, "%.*s", (int)len, t->s + i);
		i += len;
	}
}

void score_charset(score_text *t, const score_config *cfg, score_result *out)
{
	char q[40], moji_one[80] = "", moji_many[88] = "";
	if (t->mojibake) { /* formatted only when there is one to quote */
		mojibake_quote(t, q, sizeof q);
		snprintf(moji_one, sizeof moji_one,
			 "mojibake sequence (\"%s\": UTF-8 read as Windows-1252)", q);
		snprintf(moji_many, sizeof moji_many,
			 "mojibake sequences (first \"%s\": UTF-8 read as Windows-1252)", q);
	}
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
	    {t->mojibake, moji_one, moji_many},
	    {t->mixed_words, "word mixing scripts", "words mixing scripts"},
	    /* what the screen shows as placeholders and other tools hide: see
	     * text_hidden_count for the rule (a skin tone, a family emoji or a
	     * flag is ordinary text and counts nothing) */
	    {t->non_ascii || t->cr ? text_hidden_count(t->s, t->n) : 0,
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
