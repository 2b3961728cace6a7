/* features.c — a sample's fields as hashed features: word n-grams per
 * field, a length bucket per field, optional character n-grams of the
 * text, numbers as a value and a bucket. A feature is named
 * "namespace\x1fterm"; its index is the hash of that name. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/learn.h"
#include "assay/text.h"

#define SEP '\x1f'

void learn_settings_default(learn_settings *s)
{
	*s = (learn_settings){.bits = 20, .ngrams = 2, .char_ngrams = false, .folds = 5,
			      .epochs = 2, .alpha = 0.1, .beta = 1.0, .l1 = 0.5, .l2 = 1.0,
			      .seed = 1, .eval_max = 200000};
}

int learn_settings_check(const learn_settings *s, assay_error *err)
{
	if (s->bits < 16 || s->bits > 24)
		return assay_fail(err, ASSAY_EINVAL, "bits: expected 16 to 24, got %u", s->bits);
	if (s->ngrams < 1 || s->ngrams > 3)
		return assay_fail(err, ASSAY_EINVAL, "ngrams: expected 1 to 3, got %u", s->ngrams);
	if (s->folds < 2 || s->folds > 10)
		return assay_fail(err, ASSAY_EINVAL, "folds: expected 2 to 10, got %u", s->folds);
	if (s->epochs < 1 || s->epochs > 10)
		return assay_fail(err, ASSAY_EINVAL, "epochs: expected 1 to 10, got %u", s->epochs);
	if (!(s->alpha > 0) || !(s->beta >= 0) || !(s->l1 >= 0) || !(s->l2 >= 0) ||
	    !isfinite(s->alpha + s->beta + s->l1 + s->l2))
		return assay_fail(err, ASSAY_EINVAL,
				  "alpha must be > 0 and beta, l1, l2 >= 0 (all finite)");
	return ASSAY_OK;
}

void learn_fvec_free(learn_fvec *fv)
{
	free(fv->v);
	free(fv->set);
	abuf_free(&fv->names);
	abuf_free(&fv->scratch);
	abuf_free(&fv->low);
	text_tokens_free(&fv->tok);
	*fv = (learn_fvec){.keep_names = fv->keep_names};
}

/* Adds the feature named scratch[0..len) with value val; room for it was
 * made by room(). */
static inline int push(const learn_settings *s, learn_fvec *fv, size_t len, float val)
{
	learn_feat *f = &fv->v[fv->n++];
	f->idx = (uint32_t)text_hash64(fv->scratch.data, len, s->seed) & ((1u << s->bits) - 1);
	f->val = val;
	f->name = 0;
	if (fv->keep_names) {
		/* the name and its NUL in one copy */
		if (fv->names.len + len + 2 > fv->names.cap &&
		    abuf_reserve(&fv->names, len + 1) < 0)
			return ASSAY_ENOMEM;
		f->name = (uint32_t)fv->names.len;
		memcpy(fv->names.data + fv->names.len, fv->scratch.data, len);
		fv->names.len += len + 1;
		fv->names.data[fv->names.len - 1] = '\0';
	}
	return ASSAY_OK;
}

/* Room for n more features and a name of up to len bytes in scratch. */
static inline int room(learn_fvec *fv, size_t n, size_t len)
{
	if (fv->n + n <= fv->cap && fv->scratch.len + len + 1 <= fv->scratch.cap)
		return ASSAY_OK; /* the common case, without a call */
	if (ASSAY_GROW(fv->v, fv->n + n, fv->cap, 256) < 0 || abuf_reserve(&fv->scratch, len) < 0)
		return ASSAY_ENOMEM;
	return ASSAY_OK;
}

/* scratch = "ns\x1f"; returns its length (the prefix every term follows). */
static int begin(learn_fvec *fv, const char *ns, size_t *prefix)
{
	abuf_reset(&fv->scratch);
	if (abuf_puts(&fv->scratch, ns) < 0 || abuf_putc(&fv->scratch, SEP) < 0)
		return ASSAY_ENOMEM;
	*prefix = fv->scratch.len;
	return ASSAY_OK;
}

static int push_term(const learn_settings *s, learn_fvec *fv, size_t prefix, const char *term,
		     size_t n, float val)
{
	if (room(fv, 1, n + 1) < 0)
		return ASSAY_ENOMEM;
	memcpy(fv->scratch.data + prefix, term, n);
	return push(s, fv, prefix + n, val);
}

/* How many bits the count takes: 0 for 0, 1 for 1, 2 for 2-3, 3 for 4-7... */
static unsigned bucket_of(size_t n)
{
	unsigned b = 0;
	while (n) {
		b++;
		n >>= 1;
	}
	return b;
}

/* "#len=B" of the bucket B (at most 64: two digits). */
static size_t len_term(unsigned b, char *term)
{
	size_t n = 0;
	memcpy(term, "#len=", 5);
	n = 5;
	if (b >= 10)
		term[n++] = (char)('0' + b / 10);
	term[n++] = (char)('0' + b % 10);
	return n;
}

/* Word n-grams of one lower-cased field: from each word, the 1-gram,
 * then the 2-gram as the 1-gram, a space and the next word, and so on. */
static int field_words(const learn_settings *s, learn_fvec *fv, const char *ns, const char *low,
		       size_t len, text_tokens *tok)
{
	size_t prefix;
	int rc = begin(fv, ns, &prefix);
	if (rc < 0 || (rc = text_words(low, len, tok)) < 0)
		return rc < 0 ? rc : ASSAY_ENOMEM;
	size_t n = ASSAY_MIN(tok->n, (size_t)LEARN_MAX_TOKENS);
	/* a name is at most the prefix, the field and a space per word */
	if (room(fv, n * s->ngrams + 1, prefix + len + s->ngrams + 16) < 0)
		return ASSAY_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char *at = fv->scratch.data + prefix;
		for (unsigned g = 1; g <= s->ngrams && i + g <= n; g++) {
			const text_token *w = &tok->v[i + g - 1];
			if (g > 1)
				*at++ = ' ';
			memcpy(at, low + w->off, w->len);
			at += w->len;
			if ((rc = push(s, fv, (size_t)(at - fv->scratch.data), 1.0f)) < 0)
				return rc;
		}
	}
	char term[16];
	return push_term(s, fv, prefix, term, len_term(bucket_of(tok->n), term), 1.0f);
}

/* Character 3-5-grams of the first LEARN_MAX_TOKENS bytes of the text. */
static int field_chars(const learn_settings *s, learn_fvec *fv, const char *ns, const char *low,
		       size_t len)
{
	char chns[64];
	snprintf(chns, sizeof chns, "%s~", ns);
	size_t prefix;
	int rc = begin(fv, chns, &prefix);
	len = ASSAY_MIN(len, (size_t)LEARN_MAX_TOKENS);
	for (size_t i = 0; rc == 0 && i < len; i++)
		for (size_t g = 3; rc == 0 && g <= 5 && i + g <= len; g++)
			rc = push_term(s, fv, prefix, low + i, g, 1.0f);
	return rc;
}

static int add_field(const learn_settings *s, learn_fvec *fv, const learn_field *f)
{
	abuf *low = &fv->low;
	size_t len = f->value ? f->len : 0;
	abuf_reset(low);
	if (abuf_reserve(low, len + 1) < 0)
		return ASSAY_ENOMEM;
	for (size_t i = 0; i < len; i++) {
		char c = f->value[i];
		low->data[i] = c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
	}
	low->len = len;
	low->data[len] = '\0';
	int rc = field_words(s, fv, f->name, low->data, len, &fv->tok);
	if (rc == 0 && s->char_ngrams && strcmp(f->name, "text") == 0)
		rc = field_chars(s, fv, f->name, low->data, len);
	return rc;
}

/* A number as a value in [0, 1] (scores are; anything else stored in a
 * database is clamped, so one wild value cannot swamp the model) and a
 * bucket of four quarters. */
static int add_number(const learn_settings *s, learn_fvec *fv, const learn_number *num)
{
	if (!isfinite(num->value))
		return ASSAY_OK;
	double v = ASSAY_MAX(0.0, ASSAY_MIN(1.0, num->value));
	size_t prefix;
	int rc = begin(fv, "#score", &prefix);
	size_t nl = strlen(num->name);
	if (rc == 0)
		rc = push_term(s, fv, prefix, num->name, nl, (float)v);
	/* "NAME=B", the name cut at 120 bytes */
	char term[160];
	size_t tn = ASSAY_MIN(nl, (size_t)120);
	memcpy(term, num->name, tn);
	term[tn++] = '=';
	term[tn++] = (char)('0' + (int)floor(v * 4.0));
	return rc < 0 ? rc : push_term(s, fv, prefix, term, tn, 1.0f);
}

/* The product of the numbers in [0, 1]: the rule scorers' combined score
 * with equal weights, a strong prior the words then correct. */
static double product(const learn_example *ex)
{
	double p = 1;
	for (size_t i = 0; i < ex->n_numbers; i++)
		if (isfinite(ex->numbers[i].value))
			p *= ASSAY_MAX(0.0, ASSAY_MIN(1.0, ex->numbers[i].value));
	return p;
}

/* Folds a repeated index into its first occurrence, which keeps its name
 * and the largest value (a word said twice is still present once); the
 * order of first occurrence stays, so sums over the vector are the same
 * on every run. An open-addressed set of positions, cleared per call. */
static int merge(learn_fvec *fv)
{
	size_t want = 64;
	while (want < fv->n * 2)
		want *= 2;
	if (want > fv->set_cap) {
		uint32_t *set = realloc(fv->set, want * sizeof *set);
		if (!set)
			return ASSAY_ENOMEM;
		fv->set = set;
		fv->set_cap = want;
	}
	memset(fv->set, 0, want * sizeof *fv->set);
	size_t mask = want - 1, o = 0;
	for (size_t i = 0; i < fv->n; i++) {
		learn_feat f = fv->v[i];
		size_t h = (f.idx * 0x9e3779b1u) & mask;
		while (fv->set[h] && fv->v[fv->set[h] - 1].idx != f.idx)
			h = (h + 1) & mask;
		if (fv->set[h]) {
			learn_feat *first = &fv->v[fv->set[h] - 1];
			if (fabsf(f.val) > fabsf(first->val))
				first->val = f.val;
			continue;
		}
		fv->v[o] = f;
		fv->set[h] = (uint32_t)++o;
	}
	fv->n = o;
	return ASSAY_OK;
}

int learn_extract(const learn_settings *s, const learn_example *ex, learn_fvec *fv)
{
	assert(s->bits >= 16 && s->bits <= 24);
	fv->n = 0;
	abuf_reset(&fv->names);
	size_t prefix;
	int rc = begin(fv, "", &prefix);
	if (rc == 0)
		rc = push_term(s, fv, prefix, "bias", 4, 1.0f);
	for (size_t i = 0; rc == 0 && i < ex->n_fields; i++)
		rc = add_field(s, fv, &ex->fields[i]);
	for (size_t i = 0; rc == 0 && i < ex->n_numbers; i++)
		rc = add_number(s, fv, &ex->numbers[i]);
	if (rc == 0 && ex->n_numbers > 1)
		rc = add_number(s, fv, &(learn_number){"(all)", product(ex)});
	return rc == 0 ? merge(fv) : rc;
}

/* "repetition" is the value itself; "repetition=B" its bucket B of four
 * quarters (4: exactly 1). */
static void describe_score(const char *term, char *buf, size_t bufsz)
{
	const char *eq = strrchr(term, '=');
	int b, n = eq ? (int)(eq - term) : (int)strlen(term);
	char name[160];
	/* "(all)" is the product of every score: the rules' combined score */
	if (n == 5 && strncmp(term, "(all)", 5) == 0)
		snprintf(name, sizeof name, "the scores' product");
	else
		snprintf(name, sizeof name, "score %.*s", n, term);
	if (!eq || sscanf(eq + 1, "%d", &b) != 1 || b < 0 || b > 4)
		snprintf(buf, bufsz, "%s", name);
	else if (b == 4)
		snprintf(buf, bufsz, "%s = 1", name);
	else
		snprintf(buf, bufsz, "%s %.2f-%.2f", name, b / 4.0, (b + 1) / 4.0);
}

void learn_feature_describe(const char *name, char *buf, size_t bufsz)
{
	const char *sep = strchr(name, SEP);
	if (!sep) {
		snprintf(buf, bufsz, "%s", name);
		return;
	}
	int nsl = (int)(sep - name);
	const char *term = sep + 1;
	unsigned b;
	if (strcmp(name, "\x1f" "bias") == 0)
		snprintf(buf, bufsz, "(base rate)");
	else if (sscanf(term, "#len=%u", &b) == 1)
		snprintf(buf, bufsz, b == 0 ? "%.*s empty" : "%.*s length %lu-%lu words", nsl,
			 name, b ? 1ul << (b - 1) : 0ul, b ? (1ul << b) - 1 : 0ul);
	else if (nsl == 6 && strncmp(name, "#score", 6) == 0)
		describe_score(term, buf, bufsz);
	else if (nsl > 0 && name[nsl - 1] == '~')
		snprintf(buf, bufsz, "%.*s chars '%s'", nsl - 1, name, term);
	else
		snprintf(buf, bufsz, "%.*s '%s'", nsl, name, term);
}
