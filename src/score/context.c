/* context.c — what the scorers know of the prompt behind a text: the
 * declared kind of the data, the context as plain text, and the tests the
 * rules ask of it (did the prompt ask for this phrase, for verse or a
 * riddle; is this part of the text code). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "assay/text.h"
#include "score_int.h"

void score_text_kind(score_text *t, const char *kind, const char *text_field)
{
	const char *k = text_kind(kind, text_field, t->context != NULL);
	t->caption = strcmp(k, "caption") == 0;
	t->response = strcmp(k, "response") == 0;
}

int score_context_text(const char *json, size_t len, abuf *out)
{
	if (!json || !len)
		return ASSAY_OK;
	cJSON *arr = cJSON_ParseWithLength(json, len);
	int rc = ASSAY_OK, i = 0;
	for (const cJSON *p = cJSON_IsArray(arr) ? arr->child : NULL; p && rc == 0; p = p->next) {
		const cJSON *label = cJSON_GetObjectItemCaseSensitive(p, "name");
		if (!cJSON_IsString(label))
			label = cJSON_GetObjectItemCaseSensitive(p, "role");
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(p, "text");
		if (!cJSON_IsString(text))
			continue;
		rc = abuf_printf(out, "%s%s: %s", i++ ? "\n\n" : "",
				 cJSON_IsString(label) ? label->valuestring : "context",
				 text->valuestring);
	}
	cJSON_Delete(arr);
	return rc < 0 ? ASSAY_ENOMEM : ASSAY_OK;
}

static bool word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80;
}

/* Whether needle (m bytes) matches s[i..) as whole words: s[i] starts a
 * word (or follows no word) and every byte of needle matches, ASCII case
 * folded, a space in it any run of space or punctuation. */
static bool words_at(const char *s, size_t n, size_t i, const char *needle, size_t m)
{
	if (i > 0 && word_char((unsigned char)s[i - 1]))
		return false;
	size_t a = i, k = 0;
	while (k < m && a < n) {
		char c = s[a];
		if (needle[k] == ' ') {
			if (word_char((unsigned char)c))
				break;
			while (a < n && !word_char((unsigned char)s[a]))
				a++;
			k++;
			continue;
		}
		if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != needle[k])
			break;
		a++, k++;
	}
	return k == m && (a == n || !word_char((unsigned char)s[a]) ||
			  !word_char((unsigned char)needle[m - 1]));
}

/* needle (lower case; a space matches any run of space or punctuation) as
 * whole words in s[0..n), ASCII case folded. A match starts at a byte that
 * folds to needle's first: only those bytes are tried, found by memchr (a
 * scan of every byte for each of a table's phrases cost more than all the
 * other rules together on texts with a prompt). */
static bool has_words(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	unsigned char first = (unsigned char)needle[0];
	if (m == 0 || first == ' ') {
		for (size_t i = 0; i < n; i++)
			if (words_at(s, n, i, needle, m))
				return true;
		return false;
	}
	if (first >= 'A' && first <= 'Z')
		return false; /* no byte folds to an upper case letter */
	const char *end = s + n;
	for (int upper = 0; upper < 1 + (first >= 'a' && first <= 'z'); upper++)
		for (const char *p = s; p < end; p++) {
			if (!(p = memchr(p, upper ? first - 32 : first, (size_t)(end - p))))
				break;
			/* most bytes found are inside a word: words_at's first test */
			if (p > s && word_char((unsigned char)p[-1]))
				continue;
			if (words_at(s, n, (size_t)(p - s), needle, m))
				return true;
		}
	return false;
}

/* The byte a needle's byte k must be (ASCII case folded) when tried at a
 * text's byte c: the needle's bytes are lower case. */
static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

uint64_t score_words_in(const char *s, size_t n, const char *const *needles, size_t k)
{
	/* by a needle's first byte, and by its second when that one must be
	 * equal (not a space, not the end): the needles to try at a word start */
	uint64_t by_first[128] = {0}, by_second[128] = {0}, any_second = 0, found = 0, all = 0;
	size_t len[64];
	for (size_t j = 0; j < k && j < 64; j++) {
		const unsigned char *nd = (const unsigned char *)needles[j];
		len[j] = strlen(needles[j]);
		all |= 1ull << j;
		if (!nd[0] || nd[0] >= 128 || nd[0] == ' ' || (nd[0] >= 'A' && nd[0] <= 'Z')) {
			if (has_words(s, n, needles[j]))
				found |= 1ull << j; /* matched as has_words would */
			continue;
		}
		by_first[nd[0]] |= 1ull << j;
		if (nd[1] && nd[1] != ' ' && nd[1] < 128)
			by_second[nd[1]] |= 1ull << j;
		else
			any_second |= 1ull << j;
	}
	uint64_t left = all & ~found;
	for (size_t i = 0; i < n && left; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((i > 0 && word_char((unsigned char)s[i - 1])) || c >= 128)
			continue;
		uint64_t m = by_first[fold(c)] & left;
		if (!m)
			continue;
		unsigned char c2 = i + 1 < n ? fold((unsigned char)s[i + 1]) : 0;
		m &= (c2 < 128 ? by_second[c2] : 0) | any_second;
		for (; m; m &= m - 1) {
			int j = __builtin_ctzll(m);
			if (words_at(s, n, i, needles[j], len[j]))
				found |= 1ull << j, left &= ~(1ull << j);
		}
	}
	return found;
}

bool score_context_has(const score_text *t, const char *needle)
{
	return t->context && has_words(t->context, t->context_len, needle);
}

bool score_text_has(const score_text *t, const char *needle)
{
	return has_words(t->s, t->n, needle);
}

bool score_context_asks_fiction(const score_text *t)
{
	static const char *const forms[] = {
		"poem", "poems", "poetry", "verse", "verses", "haiku", "limerick", "sonnet",
		"song", "lyrics", "rap", "riddle", "riddles", "joke", "jokes", "story",
		"stories", "tale", "dialogue", "dialog", "script", "screenplay", "scene",
		"role play", "roleplay", "character"};
	return t->context &&
	       score_words_in(t->context, t->context_len, forms, ASSAY_ARRAY_LEN(forms)) != 0;
}

bool score_in_code(const score_text *t, size_t at)
{
	bool in = false;
	const char *s = t->s;
	for (size_t i = 0; i + 2 < t->n && i < at; i++)
		if (s[i] == '`' && s[i + 1] == '`' && s[i + 2] == '`' &&
		    (i == 0 || s[i - 1] == '\n' || s[i - 1] == ' ')) {
			in = !in;
			i += 2;
		}
	return in;
}
