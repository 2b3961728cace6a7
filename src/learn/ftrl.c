/* ftrl.c — FTRL-proximal logistic regression over hashed features. */
#include "ftrl.h"

#include <stdlib.h>

int ftrl_init(ftrl *m, unsigned bits)
{
	size_t n = (size_t)1 << bits;
	m->mask = (uint32_t)(n - 1);
	m->z = calloc(n, sizeof *m->z);
	m->n = calloc(n, sizeof *m->n);
	if (!m->z || !m->n) {
		ftrl_free(m);
		return ASSAY_ENOMEM;
	}
	return ASSAY_OK;
}

void ftrl_free(ftrl *m)
{
	free(m->z);
	free(m->n);
	m->z = m->n = NULL;
}

double ftrl_logit(const learn_settings *s, const ftrl *m, const learn_fvec *fv)
{
	double x = 0;
	for (size_t k = 0; k < fv->n; k++) {
		uint32_t i = fv->v[k].idx & m->mask;
		x += ftrl_weight(s, m->z[i], m->n[i]) * fv->v[k].val;
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
		double n = m->n[i];
		double w = ftrl_weight(s, m->z[i], m->n[i]);
		double sigma = (sqrt(n + g * g) - sqrt(n)) / s->alpha;
		m->z[i] = (float)(m->z[i] + g - sigma * w);
		m->n[i] = (float)(n + g * g);
	}
}

void ftrl_weights(const learn_settings *s, const ftrl *m, float *w)
{
	for (size_t i = 0; i <= m->mask; i++)
		w[i] = (float)ftrl_weight(s, m->z[i], m->n[i]);
}
