/* ftrl.c — FTRL-proximal logistic regression over hashed features. */
#include "ftrl.h"

#include <stdlib.h>
#include <string.h>

int ftrl_init(ftrl *m, unsigned bits)
{
	size_t n = (size_t)1 << bits;
	m->mask = (uint32_t)(n - 1);
	m->c = calloc(n, sizeof *m->c);
	if (!m->c) {
		ftrl_free(m);
		return ASSAY_ENOMEM;
	}
	return ASSAY_OK;
}

void ftrl_free(ftrl *m)
{
	free(m->c);
	m->c = NULL;
}

double ftrl_logit(const learn_settings *s, const ftrl *m, const learn_fvec *fv)
{
	double x = 0;
	for (size_t k = 0; k < fv->n; k++) {
		uint32_t i = fv->v[k].idx & m->mask;
		x += (double)m->c[i].w * fv->v[k].val;
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
		ftrl_coord *c = &m->c[i];
		double n = c->n, sn = sqrt(n + g * g);
		double sigma = (sn - sqrt(n)) / s->alpha;
		float z = (float)(c->z + g - sigma * c->w);
		c->z = z;
		c->n = (float)(n + g * g);
		/* the new weight, as ftrl_weight derives it */
		c->w = fabsf(z) <= s->l1 ? 0.0f
			  : (float)(-((double)z - (z < 0 ? -s->l1 : s->l1)) /
				    ((s->beta + sn) / s->alpha + s->l2));
	}
}

void ftrl_weights(const ftrl *m, float *w)
{
	for (size_t i = 0; i <= m->mask; i++)
		w[i] = m->c[i].w;
}
