/* ftrl.c — FTRL-proximal logistic regression over hashed features. */
#include "ftrl.h"

#include <stdlib.h>
#include <string.h>

int ftrl_init(ftrl *m, unsigned bits)
{
	size_t n = (size_t)1 << bits;
	m->mask = (uint32_t)(n - 1);
	m->z = calloc(n, sizeof *m->z);
	m->n = calloc(n, sizeof *m->n);
	m->w = calloc(n, sizeof *m->w);
	if (!m->z || !m->n || !m->w) {
		ftrl_free(m);
		return ASSAY_ENOMEM;
	}
	return ASSAY_OK;
}

void ftrl_free(ftrl *m)
{
	free(m->z);
	free(m->n);
	free(m->w);
	m->z = m->n = m->w = NULL;
}

double ftrl_logit(const learn_settings *s, const ftrl *m, const learn_fvec *fv)
{
	double x = 0;
	for (size_t k = 0; k < fv->n; k++) {
		uint32_t i = fv->v[k].idx & m->mask;
		x += (double)m->w[i] * fv->v[k].val;
	}
	return x;
}

void ftrl_update(const learn_settings *s, ftrl *m, const learn_fvec *fv, double p, int y,
		 double weight)
{
	double base = (p - (double)y) * weight;
	for (size_t k = 0; k < fv->n; k++) {
		uint32_t i = fv->v[k].idx & m->mask;
		double g = base * fv->v[k].val;
		if (!isfinite(g))
			continue; /* never let one step make the state infinite */
		double n = m->n[i], sn = sqrt(n + g * g);
		double sigma = (sn - sqrt(n)) / s->alpha;
		float z = (float)(m->z[i] + g - sigma * m->w[i]);
		m->z[i] = z;
		m->n[i] = (float)(n + g * g);
		/* the new weight, as ftrl_weight derives it */
		m->w[i] = fabsf(z) <= s->l1 ? 0.0f
			  : (float)(-((double)z - (z < 0 ? -s->l1 : s->l1)) /
				    ((s->beta + sn) / s->alpha + s->l2));
	}
}

void ftrl_weights(const ftrl *m, float *w)
{
	memcpy(w, m->w, ((size_t)m->mask + 1) * sizeof *w);
}
