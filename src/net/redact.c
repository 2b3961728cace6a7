/* redact.c — the one redaction of what comes back from an endpoint: every
 * string of an answer (a judge's reason, a suggestion, a label, an error
 * message, a header value) passes here, decoded, before it is stored,
 * shown or logged. It removes the configured keys, whole or in part, and
 * anything shaped like a credential. Keys are looked for in a normalised
 * copy of the text (ASCII case folded, white space, controls and invisible
 * format characters dropped) mapped back to the original bytes, so a key
 * in capitals or split by U+200B or a space is still found. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "assay/net_redact.h"
#include "net_int.h"

static const char mark[] = "[redacted]";

/* The environment variables whose values are keys, wherever they are used. */
static const char *const secret_vars[] = {"ASSAY_API_KEY", "OPENAI_API_KEY", "ASSAY_EXPORT_TOKEN"};

/* Shapes of keys: a prefix, then at least min token characters. A prefix
 * glued to a word ("token-sk-...", "xsk-...") counts too when what follows
 * has a digit, so hyphenated words ("whisk-...") stay. */
static const struct {
	const char *prefix;
	size_t min;
} shapes[] = {
	{"sk-", 16},  {"sk_live_", 16}, {"sk_test_", 16},    {"rk_live_", 16}, {"ghp_", 20},
	{"gho_", 20}, {"ghs_", 20},	{"github_pat_", 20}, {"glpat-", 20},   {"xoxb-", 10},
	{"xoxp-", 10}, {"hf_", 20},	{"AKIA", 16},	     {"AIza", 30},
};

/* A key shorter than this is not looked for (it would match ordinary text). */
#define SECRET_MIN 4
/* Any run of this many consecutive characters of a key is redacted, so a
 * part of a key (its end, its middle) does not survive. */
#define SECRET_RUN 8

/* The keys to look for, normalised as the text is: the caller's and the
 * environment's. */
typedef struct secrets {
	abuf s[1 + ASSAY_ARRAY_LEN(secret_vars)];
	size_t count;
} secrets;

/* The text normalised: n bytes, each with its offset in the original. */
typedef struct normed {
	char *p;
	size_t *at;
	size_t n;
} normed;

static bool key_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static bool token_char(unsigned char c)
{
	return key_char(c) || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
}

/* A code point a key could be split by without a reader seeing it: white
 * space, a control, a format character (U+200B, U+FEFF, bidi marks...) or
 * another default-ignorable one (variation selectors, U+034F...). */
static bool invisible(int32_t cp)
{
	const utf8proc_property_t *p = utf8proc_get_property(cp);
	utf8proc_category_t k = (utf8proc_category_t)p->category;
	return p->ignorable || k == UTF8PROC_CATEGORY_CF || k == UTF8PROC_CATEGORY_CC ||
	       k == UTF8PROC_CATEGORY_ZS || k == UTF8PROC_CATEGORY_ZL ||
	       k == UTF8PROC_CATEGORY_ZP || cp == 0x85;
}

/* Appends s[0..len) normalised to out (ASCII letters lower-cased, invisible
 * code points dropped, other bytes as they are); at, when not NULL, gets
 * each kept byte's offset in s. */
static void normalise(const char *s, size_t len, char *out, size_t *at, size_t *n)
{
	size_t k = 0;
	for (size_t i = 0; i < len;) {
		unsigned char a = (unsigned char)s[i];
		if (a < 0x80) { /* ASCII at once: white space and controls dropped */
			if (a > 0x20 && a != 0x7F) {
				out[k] = (char)(a >= 'A' && a <= 'Z' ? a + 32 : a);
				if (at)
					at[k] = i;
				k++;
			}
			i++;
			continue;
		}
		int32_t cp;
		utf8proc_ssize_t step =
			utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
		if (step <= 0) { /* invalid UTF-8: the byte as it is */
			step = 1;
			cp = -1;
		}
		if (cp >= 0 && invisible(cp)) {
			i += (size_t)step;
			continue;
		}
		for (utf8proc_ssize_t b = 0; b < step; b++, i++) {
			unsigned char c = (unsigned char)s[i];
			out[k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			if (at)
				at[k] = i;
			k++;
		}
	}
	*n = k;
}

static int secrets_add(secrets *k, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	abuf *b = &k->s[k->count];
	*b = (abuf){0};
	if (n == 0)
		return 0;
	if (abuf_reserve(b, n + 1) < 0)
		return ASSAY_ENOMEM;
	normalise(s, n, b->data, NULL, &b->len);
	if (b->len >= SECRET_MIN)
		k->count++;
	else
		abuf_free(b);
	return 0;
}

static void secrets_free(secrets *k)
{
	for (size_t i = 0; i < k->count; i++)
		abuf_free(&k->s[i]);
}

static uint64_t gram(const char *p, size_t g)
{
	uint64_t v = 0;
	memcpy(&v, p, g);
	return v;
}

/* The grams of a key in an open-addressing set (a power of two slots, at
 * most half full; zero marks an empty slot, so a gram of zero bytes, which
 * normalised text never holds, is left out). */
typedef struct gramset {
	uint64_t *v;
	size_t mask;
} gramset;

static size_t slot(uint64_t v, size_t mask)
{
	return (size_t)((v * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

static int gramset_fill(gramset *g, const abuf *sec, size_t len)
{
	size_t n = sec->len - len + 1, cap = 16;
	while (cap < 2 * n)
		cap *= 2;
	if (!(g->v = calloc(cap, sizeof *g->v)))
		return ASSAY_ENOMEM;
	g->mask = cap - 1;
	for (size_t j = 0; j < n; j++) {
		uint64_t v = gram(sec->data + j, len);
		size_t at = slot(v, g->mask);
		while (v && g->v[at] && g->v[at] != v)
			at = (at + 1) & g->mask;
		g->v[at] = v;
	}
	return 0;
}

static bool gramset_has(const gramset *g, uint64_t v)
{
	for (size_t at = slot(v, g->mask); g->v[at]; at = (at + 1) & g->mask)
		if (g->v[at] == v)
			return true;
	return false;
}

/* Marks in the original every byte of a run of SECRET_RUN characters (the
 * whole key when shorter) of key sec found in the normalised text, and a
 * start of the key of SECRET_MIN or more cut off by the end of the text. */
static int mark_secret(const normed *t, const abuf *sec, bool *mask)
{
	size_t g = sec->len < SECRET_RUN ? sec->len : SECRET_RUN;
	gramset set;
	if (gramset_fill(&set, sec, g) < 0)
		return ASSAY_ENOMEM;
	for (size_t i = 0; i + g <= t->n; i++) {
		if (!gramset_has(&set, gram(t->p + i, g)))
			continue;
		for (size_t b = i; b < i + g; b++)
			mask[t->at[b]] = true;
	}
	free(set.v);
	for (size_t c = sec->len - 1 < t->n ? sec->len - 1 : t->n; c >= SECRET_MIN; c--)
		if (!memcmp(t->p + t->n - c, sec->data, c)) {
			for (size_t b = t->n - c; b < t->n; b++)
				mask[t->at[b]] = true;
			break;
		}
	return 0;
}

/* Marks the configured keys in s (found in its normalised copy); the
 * code points dropped from the copy between two marked bytes are marked
 * with them. */
static int mark_secrets(const char *s, size_t len, const secrets *k, bool *mask)
{
	if (k->count == 0)
		return 0;
	normed t = {malloc(len + 1), malloc((len + 1) * sizeof(size_t)), 0};
	int rc = t.p && t.at ? 0 : ASSAY_ENOMEM;
	if (rc == 0)
		normalise(s, len, t.p, t.at, &t.n);
	bool *hit = rc == 0 ? calloc(len + 1, 1) : NULL;
	if (rc == 0 && !hit)
		rc = ASSAY_ENOMEM;
	for (size_t i = 0; rc == 0 && i < k->count; i++)
		rc = mark_secret(&t, &k->s[i], hit);
	/* a run of marked bytes covers what lies between them in s */
	for (size_t i = 0; rc == 0 && i < t.n; i++) {
		size_t o = t.at[i];
		if (!hit[o])
			continue;
		size_t b = i > 0 && hit[t.at[i - 1]] ? t.at[i - 1] + 1 : o;
		memset(mask + b, 1, o + 1 - b);
	}
	/* whole code points: a run may end inside a key's multibyte character */
	for (size_t i = 0; rc == 0 && i < len; i++)
		if (mask[i] && ((unsigned char)s[i] & 0x80)) {
			for (size_t b = i; b > 0 && ((unsigned char)s[b] & 0xC0) == 0x80; b--)
				mask[b - 1] = true;
			while (i + 1 < len && ((unsigned char)s[i + 1] & 0xC0) == 0x80)
				mask[++i] = true;
		}
	free(hit);
	free(t.p);
	free(t.at);
	return rc;
}

static bool has_digit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= '0' && s[i] <= '9')
			return true;
	return false;
}

/* A key shape at s[i]: the bytes it spans, or 0. */
static size_t shape_at(const char *s, size_t len, size_t i)
{
	bool glued = i > 0 && key_char((unsigned char)s[i - 1]);
	for (size_t k = 0; k < ASSAY_ARRAY_LEN(shapes); k++) {
		if (s[i] != shapes[k].prefix[0])
			continue;
		size_t p = strlen(shapes[k].prefix);
		if (len - i < p || memcmp(s + i, shapes[k].prefix, p) != 0)
			continue;
		size_t j = i + p;
		while (j < len && key_char((unsigned char)s[j]))
			j++;
		if (j - i - p >= shapes[k].min && (!glued || has_digit(s + i + p, j - i - p)))
			return j - i;
	}
	return 0;
}

static size_t b64url_run(const char *s, size_t len, size_t j)
{
	size_t from = j;
	while (j < len && key_char((unsigned char)s[j]))
		j++;
	return j - from;
}

/* A JSON web token at s[i]: "eyJ" (a base64url "{"), a dot, a payload and
 * the signature after another dot (which may be missing); the bytes it
 * spans, or 0. */
static size_t jwt_at(const char *s, size_t len, size_t i)
{
	if (len - i < 3 || memcmp(s + i, "eyJ", 3) != 0)
		return 0;
	size_t j = i + b64url_run(s, len, i);
	if (j - i < 10 || j >= len || s[j] != '.')
		return 0;
	size_t p = b64url_run(s, len, j + 1);
	if (p < 8)
		return 0;
	j += 1 + p;
	if (j < len && s[j] == '.')
		j += 1 + b64url_run(s, len, j + 1);
	return j - i;
}

/* Does a base64 token decode to "user:password" (Basic credentials)? */
static bool basic_pair(const char *s, size_t n)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned bits = 0, nbits = 0;
	for (size_t i = 0; i < n && s[i] != '='; i++) {
		const char *c = memchr(al, s[i], sizeof al - 1);
		if (!c)
			return false;
		bits = (bits << 6 | (unsigned)(c - al)) & 0xFFFF;
		if ((nbits += 6) >= 8 && ((bits >> (nbits -= 8)) & 0xFF) == ':')
			return true;
	}
	return false;
}

/* "WORD TOKEN" at s[i] for WORD Bearer or Basic (a token of 8 characters
 * with a digit, or of 24; a Basic token decoding to "user:password"):
 * *keep gets the bytes to keep (the word and the space); returns the bytes
 * spanned, or 0. */
static size_t scheme_at(const char *s, size_t len, size_t i, size_t *keep)
{
	static const char *const words[] = {"bearer", "basic"};
	if (i > 0 && key_char((unsigned char)s[i - 1]))
		return 0;
	for (size_t w = 0; w < ASSAY_ARRAY_LEN(words); w++) {
		size_t wl = strlen(words[w]);
		if (len - i <= wl || strncasecmp(s + i, words[w], wl) != 0 ||
		    (s[i + wl] != ' ' && s[i + wl] != '\t'))
			continue;
		size_t j = i + wl;
		while (j < len && (s[j] == ' ' || s[j] == '\t'))
			j++;
		size_t t = j;
		while (t < len && token_char((unsigned char)s[t]))
			t++;
		bool ok = (t - j >= 8 && has_digit(s + j, t - j)) || t - j >= 24 ||
			  (w == 1 && t - j >= 4 && basic_pair(s + j, t - j));
		if (!ok)
			return 0;
		*keep = j - i;
		return t - i;
	}
	return 0;
}

/* What is redacted at s[i]: *span bytes, of which the first *keep stay. */
static bool redact_at(const char *s, size_t len, size_t i, size_t *span, size_t *keep)
{
	*keep = 0;
	return (*span = shape_at(s, len, i)) || (*span = jwt_at(s, len, i)) ||
	       (*span = scheme_at(s, len, i, keep));
}

/* Marks the credential shapes of s. */
static void mark_shapes(const char *s, size_t len, bool *mask)
{
	/* the bytes a shape can start with: most of the text is passed over */
	bool first[256] = {['e'] = true, ['b'] = true, ['B'] = true};
	for (size_t k = 0; k < ASSAY_ARRAY_LEN(shapes); k++)
		first[(unsigned char)shapes[k].prefix[0]] = true;
	for (size_t i = 0; i < len; i++) {
		size_t span, keep;
		if (!first[(unsigned char)s[i]] || !redact_at(s, len, i, &span, &keep))
			continue;
		memset(mask + i + keep, 1, span - keep);
		i += span - 1;
	}
}

/* Appends s to out with each run of marked bytes as one mark. */
static int emit(const char *s, size_t len, const bool *mask, abuf *out)
{
	int rc = abuf_reserve(out, len);
	for (size_t i = 0; rc == 0 && i < len;) {
		size_t j = i;
		while (j < len && mask[j] == mask[i])
			j++;
		rc = mask[i] ? abuf_append(out, mark, sizeof mark - 1) : abuf_append(out, s + i, j - i);
		i = j;
	}
	return rc;
}

int net_redact(const char *s, size_t len, const char *secret, abuf *out)
{
	secrets k = {.count = 0};
	int rc = secrets_add(&k, secret);
	for (size_t v = 0; rc == 0 && v < ASSAY_ARRAY_LEN(secret_vars); v++)
		rc = secrets_add(&k, getenv(secret_vars[v]));
	bool *mask = rc == 0 ? calloc(len + 1, 1) : NULL;
	if (rc == 0 && !mask)
		rc = ASSAY_ENOMEM;
	if (rc == 0)
		rc = mark_secrets(s, len, &k, mask);
	if (rc == 0) {
		mark_shapes(s, len, mask);
		rc = emit(s, len, mask, out);
	}
	free(mask);
	secrets_free(&k);
	return rc < 0 ? ASSAY_ENOMEM : ASSAY_OK;
}
