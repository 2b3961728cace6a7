/* redact.c — the one redaction of what comes back from an endpoint: every
 * string of an answer (a judge's reason, a suggestion, a label, an error
 * message, a header value) passes here, decoded, before it is stored,
 * shown or logged. It removes the configured keys (and a cut-off start of
 * one at the end of the text) and anything shaped like a credential. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assay/net_redact.h"
#include "net_int.h"

static const char mark[] = "[redacted]";

/* The environment variables whose values are keys, wherever they are used. */
static const char *const secret_vars[] = {"ASSAY_API_KEY", "OPENAI_API_KEY", "ASSAY_EXPORT_TOKEN"};

/* Shapes of keys: a prefix, then at least min token characters. */
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

/* The keys to look for: the caller's and the environment's. */
typedef struct secrets {
	const char *s[1 + ASSAY_ARRAY_LEN(secret_vars)];
	size_t n[1 + ASSAY_ARRAY_LEN(secret_vars)];
	size_t count;
} secrets;

static bool key_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static bool token_char(unsigned char c)
{
	return key_char(c) || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
}

static void secrets_add(secrets *k, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n >= SECRET_MIN) {
		k->s[k->count] = s;
		k->n[k->count++] = n;
	}
}

/* A secret at s (n bytes left): its length, or a cut-off start of it of at
 * least 4 bytes at the very end of the text. */
static size_t secret_at(const char *s, size_t n, const secrets *k)
{
	for (size_t i = 0; i < k->count; i++) {
		size_t m = k->n[i];
		if (s[0] != k->s[i][0])
			continue;
		if (n >= m && memcmp(s, k->s[i], m) == 0)
			return m;
		if (n < m && n >= 4 && memcmp(s, k->s[i], n) == 0)
			return n;
	}
	return 0;
}

/* A key shape at s[i]: the bytes it spans, or 0. */
static size_t shape_at(const char *s, size_t len, size_t i)
{
	if (i > 0 && key_char((unsigned char)s[i - 1]))
		return 0;
	for (size_t k = 0; k < ASSAY_ARRAY_LEN(shapes); k++) {
		size_t p = strlen(shapes[k].prefix);
		if (len - i < p || memcmp(s + i, shapes[k].prefix, p) != 0)
			continue;
		size_t j = i + p;
		while (j < len && key_char((unsigned char)s[j]))
			j++;
		if (j - i - p >= shapes[k].min)
			return j - i;
	}
	return 0;
}

/* "Bearer TOKEN" at s[i] (a token of 8 characters with a digit, or of 24):
 * *keep gets the bytes to keep (the word and the space); returns the bytes
 * spanned, or 0. */
static size_t bearer_at(const char *s, size_t len, size_t i, size_t *keep)
{
	if ((i > 0 && key_char((unsigned char)s[i - 1])) || len - i <= 6 ||
	    strncasecmp(s + i, "bearer", 6) != 0 || (s[i + 6] != ' ' && s[i + 6] != '\t'))
		return 0;
	size_t j = i + 6;
	while (j < len && (s[j] == ' ' || s[j] == '\t'))
		j++;
	size_t t = j;
	bool digit = false;
	for (; t < len && token_char((unsigned char)s[t]); t++)
		digit |= s[t] >= '0' && s[t] <= '9';
	if (t - j < 8 || (!digit && t - j < 24))
		return 0;
	*keep = j - i;
	return t - i;
}

/* What is redacted at s[i]: *span bytes, of which the first *keep stay. */
static bool redact_at(const char *s, size_t len, size_t i, const secrets *k, size_t *span,
		      size_t *keep)
{
	*keep = 0;
	return (*span = secret_at(s + i, len - i, k)) || (*span = shape_at(s, len, i)) ||
	       (*span = bearer_at(s, len, i, keep));
}

int net_redact(const char *s, size_t len, const char *secret, abuf *out)
{
	secrets k = {.count = 0};
	secrets_add(&k, secret);
	for (size_t v = 0; v < ASSAY_ARRAY_LEN(secret_vars); v++)
		secrets_add(&k, getenv(secret_vars[v]));
	int rc = abuf_reserve(out, len);
	for (size_t i = 0, from = 0; rc == 0 && i <= len; i++) {
		size_t span = 0, keep = 0;
		if (i < len && !redact_at(s, len, i, &k, &span, &keep))
			continue;
		rc = abuf_append(out, s + from, i - from);
		if (i == len || rc < 0)
			break;
		if (keep)
			rc = abuf_append(out, s + i, keep);
		if (rc == 0)
			rc = abuf_append(out, mark, sizeof mark - 1);
		i += span - 1;
		from = i + 1;
	}
	return rc < 0 ? ASSAY_ENOMEM : ASSAY_OK;
}
