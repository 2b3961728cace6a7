/* model.c — a trained model: built from the trainer, saved as bytes and
 * loaded back, and asked for a prediction with its reasons in words. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn_int.h"

#define MAGIC "ASLM"
/* Format 2 adds the fields left out; a format 1 model left none out. */
#define FORMAT 2u

void learn_model_free(learn_model *m)
{
	if (!m)
		return;
	free(m->w);
	for (size_t r = 0; r < m->n_reasons; r++) {
		free(m->reasons[r]);
		free(m->rw ? m->rw[r] : NULL);
	}
	free(m->reasons);
	free(m->rw);
	for (size_t i = 0; i < m->n_signals; i++)
		free(m->signals[i].name);
	free(m->signals);
	learn_names_free(m->left_out, m->n_left_out);
	free(m);
}

int learn_model_left_out(learn_model *m, char *const *names, size_t n, assay_error *err)
{
	char **v = calloc(n + 1, sizeof *v);
	for (size_t i = 0; v && i < n; i++)
		if (!(v[i] = assay_strdup(names[i]))) {
			learn_names_free(v, i);
			v = NULL;
		}
	if (!v)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	learn_names_free(m->left_out, m->n_left_out);
	m->left_out = v;
	m->n_left_out = n;
	return ASSAY_OK;
}

static learn_model *model_alloc(const learn_settings *s, size_t n_reasons)
{
	learn_model *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->settings = *s;
	m->reason_bits = LEARN_REASON_BITS;
	m->w = calloc((size_t)1 << s->bits, sizeof *m->w);
	m->reasons = calloc(n_reasons + 1, sizeof *m->reasons);
	m->rw = calloc(n_reasons + 1, sizeof *m->rw);
	m->signals = calloc(LEARN_MAX_SIGNALS, sizeof *m->signals);
	if (!m->w || !m->reasons || !m->rw || !m->signals) {
		learn_model_free(m);
		return NULL;
	}
	return m;
}

/* Keeps the LEARN_MAX_SIGNALS / 2 strongest of one sign, strongest first. */
static void consider(learn_signal *top, size_t *n, size_t max, float w, uint32_t seen,
		     char *name)
{
	size_t at = *n;
	while (at > 0 && fabsf(top[at - 1].weight) < fabsf(w))
		at--;
	if (at >= max)
		return;
	if (*n == max)
		(*n)--;
	memmove(top + at + 1, top + at, (*n - at) * sizeof *top);
	top[at] = (learn_signal){.name = name, .weight = w, .seen = seen};
	(*n)++;
}

static int pick_signals(learn_model *m, const learn_trainer_view *v)
{
	size_t half = LEARN_MAX_SIGNALS / 2, n_pos = 0, n_neg = 0;
	learn_signal pos[LEARN_MAX_SIGNALS / 2], neg[LEARN_MAX_SIGNALS / 2];
	for (size_t i = 0; i <= v->full->mask; i++) {
		float w = m->w[i];
		if (w == 0 || v->seen[i] < LEARN_SIGNAL_MIN_SEEN || !v->name_at[i])
			continue;
		char *name = (char *)v->names + v->name_at[i] - 1;
		if (name[0] == '\x1f')
			continue; /* the bias is no signal */
		consider(w > 0 ? pos : neg, w > 0 ? &n_pos : &n_neg, half, w, v->seen[i], name);
	}
	for (size_t i = 0; i < n_pos + n_neg; i++) {
		learn_signal sg = i < n_pos ? pos[i] : neg[i - n_pos];
		sg.name = assay_strdup(sg.name);
		if (!sg.name)
			return ASSAY_ENOMEM;
		m->signals[m->n_signals++] = sg;
	}
	return ASSAY_OK;
}

int learn_trainer_model(learn_trainer *t, learn_model **out, assay_error *err)
{
	learn_trainer_view v;
	learn_trainer_parts(t, &v);
	learn_model *m = model_alloc(v.s, v.n_reasons);
	if (!m)
		goto nomem;
	ftrl_weights(v.full, m->w);
	m->n_rejected = v.n_rej;
	m->n_kept = v.n_kept;
	for (size_t r = 0; r < v.n_reasons; r++) {
		m->reasons[r] = assay_strdup(v.reasons[r]);
		m->rw[r] = calloc((size_t)1 << m->reason_bits, sizeof *m->rw[r]);
		m->n_reasons++;
		if (!m->reasons[r] || !m->rw[r])
			goto nomem;
		ftrl_weights(&v.rhead[r], m->rw[r]);
	}
	if (pick_signals(m, &v) < 0)
		goto nomem;
	*out = m;
	return ASSAY_OK;
nomem:
	learn_model_free(m);
	return assay_fail(err, ASSAY_ENOMEM, "out of memory for the model");
}

/* ---- Bytes: little-endian, nonzero weights only ---------------------------- */

static int put32(abuf *b, uint32_t x)
{
	unsigned char c[4] = {x & 255, (x >> 8) & 255, (x >> 16) & 255, x >> 24};
	return abuf_append(b, c, 4);
}

static int put64(abuf *b, uint64_t x)
{
	return put32(b, (uint32_t)x) < 0 ? ASSAY_ENOMEM : put32(b, (uint32_t)(x >> 32));
}

static int putf64(abuf *b, double d)
{
	uint64_t x;
	memcpy(&x, &d, 8);
	return put64(b, x);
}

static int putf32(abuf *b, float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	return put32(b, x);
}

static int putstr(abuf *b, const char *s)
{
	size_t n = strlen(s);
	return put32(b, (uint32_t)n) < 0 ? ASSAY_ENOMEM : abuf_append(b, s, n);
}

static int put_weights(abuf *b, const float *w, size_t n)
{
	uint32_t nz = 0;
	for (size_t i = 0; i < n; i++)
		nz += w[i] != 0;
	int rc = put32(b, nz);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (w[i] != 0)
			rc = put32(b, (uint32_t)i) < 0 ? ASSAY_ENOMEM : putf32(b, w[i]);
	return rc;
}

static int put_settings(abuf *b, const learn_settings *s)
{
	int rc = 0;
	rc |= put32(b, s->bits) | put32(b, s->ngrams) | put32(b, s->char_ngrams);
	rc |= put32(b, s->folds) | put32(b, s->epochs);
	rc |= putf64(b, s->alpha) | putf64(b, s->beta) | putf64(b, s->l1) | putf64(b, s->l2);
	rc |= put64(b, s->seed);
	return rc ? ASSAY_ENOMEM : ASSAY_OK;
}

/* Whether every weight is a finite number (a model that is not is never
 * stored: it could not be loaded back). */
static bool finite_weights(const float *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(w[i]))
			return false;
	return true;
}

int learn_model_save(const learn_model *m, void **out, size_t *len, assay_error *err)
{
	bool ok = finite_weights(m->w, (size_t)1 << m->settings.bits);
	for (size_t r = 0; ok && r < m->n_reasons; r++)
		ok = finite_weights(m->rw[r], (size_t)1 << m->reason_bits);
	if (!ok)
		return assay_fail(err, ASSAY_EINVAL, "the model has a weight that is not a number; "
				  "nothing was stored");
	abuf b = {0};
	int rc = abuf_append(&b, MAGIC, 4) | put32(&b, FORMAT) | put_settings(&b, &m->settings);
	rc |= put64(&b, m->n_rejected) | put64(&b, m->n_kept) | put32(&b, m->reason_bits);
	rc |= put_weights(&b, m->w, (size_t)1 << m->settings.bits);
	rc |= put32(&b, (uint32_t)m->n_reasons);
	for (size_t r = 0; rc == 0 && r < m->n_reasons; r++)
		rc |= putstr(&b, m->reasons[r]) | put_weights(&b, m->rw[r], (size_t)1 << m->reason_bits);
	rc |= put32(&b, (uint32_t)m->n_signals);
	for (size_t i = 0; rc == 0 && i < m->n_signals; i++)
		rc |= putstr(&b, m->signals[i].name) | putf32(&b, m->signals[i].weight) |
		      put32(&b, m->signals[i].seen);
	rc |= put32(&b, (uint32_t)m->n_left_out);
	for (size_t i = 0; rc == 0 && i < m->n_left_out; i++)
		rc |= putstr(&b, m->left_out[i]);
	if (rc) {
		abuf_free(&b);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory saving the model");
	}
	*len = b.len;
	*out = b.data;
	return ASSAY_OK;
}

/* A bounds-checked reader over the saved bytes. */
typedef struct rd {
	const unsigned char *p;
	size_t n, at;
	bool bad;
} rd;

static uint32_t get32(rd *r)
{
	if (r->bad || r->n - r->at < 4) {
		r->bad = true;
		return 0;
	}
	const unsigned char *c = r->p + r->at;
	r->at += 4;
	return (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
}

static uint64_t get64(rd *r)
{
	uint64_t lo = get32(r);
	return lo | (uint64_t)get32(r) << 32;
}

static double getf64(rd *r)
{
	uint64_t x = get64(r);
	double d;
	memcpy(&d, &x, 8);
	return d;
}

static float getf32(rd *r)
{
	uint32_t x = get32(r);
	float f;
	memcpy(&f, &x, 4);
	return f;
}

static char *getstr(rd *r)
{
	uint32_t n = get32(r);
	if (r->bad || r->n - r->at < n) {
		r->bad = true;
		return NULL;
	}
	char *s = assay_strndup((const char *)r->p + r->at, n);
	r->at += n;
	r->bad |= !s;
	return s;
}

static void get_weights(rd *r, float *w, size_t n)
{
	uint32_t nz = get32(r);
	for (uint32_t k = 0; k < nz && !r->bad; k++) {
		uint32_t i = get32(r);
		float x = getf32(r);
		if (i >= n || !isfinite(x))
			r->bad = true;
		else
			w[i] = x;
	}
}

static void get_settings(rd *r, learn_settings *s)
{
	s->bits = get32(r);
	s->ngrams = get32(r);
	s->char_ngrams = get32(r) != 0;
	s->folds = get32(r);
	s->epochs = get32(r);
	s->alpha = getf64(r);
	s->beta = getf64(r);
	s->l1 = getf64(r);
	s->l2 = getf64(r);
	s->seed = get64(r);
}

/* The fields left out (format 2). */
static void get_left_out(rd *r, learn_model *m)
{
	uint32_t n = get32(r);
	/* each name takes at least its 4-byte length */
	r->bad |= n > (r->n - r->at) / 4;
	m->left_out = r->bad ? NULL : calloc((size_t)n + 1, sizeof *m->left_out);
	r->bad |= !m->left_out;
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		m->left_out[i] = getstr(r);
		m->n_left_out++;
	}
}

static void get_body(rd *r, learn_model *m, uint32_t n_reasons)
{
	for (uint32_t i = 0; i < n_reasons && !r->bad; i++) {
		m->reasons[i] = getstr(r);
		m->rw[i] = calloc((size_t)1 << m->reason_bits, sizeof *m->rw[i]);
		m->n_reasons++;
		r->bad |= !m->rw[i];
		if (!r->bad)
			get_weights(r, m->rw[i], (size_t)1 << m->reason_bits);
	}
	uint32_t n_signals = get32(r);
	r->bad |= n_signals > LEARN_MAX_SIGNALS;
	for (uint32_t i = 0; i < n_signals && !r->bad; i++) {
		learn_signal *sg = &m->signals[m->n_signals++];
		sg->name = getstr(r);
		sg->weight = getf32(r);
		sg->seen = get32(r);
	}
}

int learn_model_load(const void *data, size_t len, learn_model **out, assay_error *err)
{
	rd r = {.p = data, .n = len};
	if (len < 8 || memcmp(data, MAGIC, 4) != 0)
		return assay_fail(err, ASSAY_EFORMAT, "not a model written by assay");
	r.at = 4;
	uint32_t format = get32(&r);
	if (format != 1 && format != FORMAT)
		return assay_fail(err, ASSAY_EFORMAT, "a model of another format (want %u)", FORMAT);
	learn_settings s = {0};
	get_settings(&r, &s);
	uint64_t n_rej = get64(&r), n_kept = get64(&r);
	uint32_t rbits = get32(&r);
	assay_error ignored;
	if (r.bad || learn_settings_check(&s, &ignored) < 0 || rbits != LEARN_REASON_BITS)
		return assay_fail(err, ASSAY_EFORMAT, "the model's settings are damaged");
	learn_model *m = model_alloc(&s, LEARN_MAX_REASONS);
	if (!m)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory loading the model");
	m->n_rejected = n_rej;
	m->n_kept = n_kept;
	get_weights(&r, m->w, (size_t)1 << s.bits);
	uint32_t n_reasons = get32(&r);
	r.bad |= n_reasons > LEARN_MAX_REASONS;
	if (!r.bad)
		get_body(&r, m, n_reasons);
	if (!r.bad && format >= 2)
		get_left_out(&r, m);
	if (r.bad || r.at != len) {
		learn_model_free(m);
		return assay_fail(err, ASSAY_EFORMAT, "the model's bytes are damaged or cut short");
	}
	*out = m;
	return ASSAY_OK;
}

/* ---- Predictions ------------------------------------------------------------ */

static double logit_of(const float *w, uint32_t mask, const learn_fvec *fv)
{
	double x = 0;
	for (size_t k = 0; k < fv->n; k++)
		x += (double)w[fv->v[k].idx & mask] * fv->v[k].val;
	return x;
}

/* Asks memory for the weights a vector reads before they are summed: the
 * indexes fall at random over megabytes of weights, each read a likely
 * cache miss, and fetched together they overlap. */
static void prefetch(const float *w, uint32_t mask, const learn_fvec *fv)
{
	for (size_t k = 0; k < fv->n; k++)
		__builtin_prefetch(&w[fv->v[k].idx & mask]);
}

/* The (up to) three features that pushed hardest toward the side the
 * model leans to, in words, comma-separated. */
static int explain(const learn_model *m, const learn_fvec *fv, bool toward_reject, abuf *why)
{
	size_t top[3] = {0};
	double best[3] = {0};
	size_t n = 0;
	uint32_t mask = ((uint32_t)1 << m->settings.bits) - 1;
	for (size_t k = 0; k < fv->n; k++) {
		const char *name = learn_fvec_name(fv, k);
		double c = (double)m->w[fv->v[k].idx & mask] * fv->v[k].val;
		c = toward_reject ? c : -c;
		if (c <= 0 || name[0] == '\x1f')
			continue;
		if (n < 3) {
			n++;
		} else if (c <= best[2]) {
			continue;
		}
		top[n - 1] = k;
		best[n - 1] = c;
		for (size_t i = n - 1; i > 0 && best[i] > best[i - 1]; i--) {
			double tb = best[i];
			size_t tt = top[i];
			best[i] = best[i - 1];
			top[i] = top[i - 1];
			best[i - 1] = tb;
			top[i - 1] = tt;
		}
	}
	for (size_t i = 0; i < n; i++) {
		char buf[256];
		learn_feature_describe(learn_fvec_name(fv, top[i]), buf, sizeof buf);
		if ((i && abuf_puts(why, ", ") < 0) || abuf_puts(why, buf) < 0)
			return ASSAY_ENOMEM;
	}
	return ASSAY_OK;
}

int learn_predict(const learn_model *m, const learn_example *ex, learn_fvec *fv,
		  learn_prediction *out, abuf *why, assay_error *err)
{
	fv->keep_names = why != NULL;
	if (learn_extract(&m->settings, ex, fv) < 0)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory for a sample's features");
	uint32_t mask = ((uint32_t)1 << m->settings.bits) - 1;
	uint32_t rmask = ((uint32_t)1 << m->reason_bits) - 1;
	prefetch(m->w, mask, fv);
	for (size_t r = 0; r < m->n_reasons; r++)
		prefetch(m->rw[r], rmask, fv);
	*out = (learn_prediction){.p_reject = learn_sigmoid(logit_of(m->w, mask, fv))};
	for (size_t r = 0; r < m->n_reasons; r++) {
		double p = learn_sigmoid(logit_of(m->rw[r], rmask, fv));
		if (!out->reason || p > out->reason_p) {
			out->reason = m->reasons[r];
			out->reason_p = p;
		}
	}
	if (why && explain(m, fv, out->p_reject >= 0.5, why) < 0)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory explaining a prediction");
	return ASSAY_OK;
}

int learn_reason_text(const learn_prediction *p, const char *why, abuf *out)
{
	int pct = isfinite(p->p_reject) ? (int)lround(p->p_reject * 100) : -1;
	if (pct < 0)
		return abuf_puts(out, "learned: no prediction") < 0 ? ASSAY_ENOMEM : ASSAY_OK;
	int rc = abuf_printf(out, "learned: %d%% likely rejected", pct);
	if (rc == 0 && why && *why)
		rc = abuf_printf(out, "; %s", why);
	if (rc == 0 && p->reason && p->p_reject >= 0.5)
		rc = abuf_printf(out, " (likely reason: %s)", p->reason);
	return rc < 0 ? ASSAY_ENOMEM : ASSAY_OK;
}
