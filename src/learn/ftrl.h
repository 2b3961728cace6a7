/* ftrl.h — logistic regression trained online with FTRL-proximal
 * (McMahan et al., "Ad Click Prediction: a View from the Trenches", 2013):
 * per-coordinate learning rates, L1 and L2. Private to src/learn/. */
#ifndef ASSAY_LEARN_FTRL_H
#define ASSAY_LEARN_FTRL_H

#include <math.h>
#include <stdint.h>

#include "assay/learn.h"

/* One coordinate: z and n are FTRL's state, w the weight they imply, kept
 * up to date for the coordinates each step touches so a prediction is a
 * gather; the three side by side (12 bytes, no padding: six models of
 * 2^20 coordinates take 72 MiB, not 96), so a step touches one cache line
 * but for the few that straddle two. */
typedef struct ftrl_coord {
	float z, n, w;
} ftrl_coord;

typedef struct ftrl {
	ftrl_coord *c;
	uint32_t mask;
} ftrl;

int ftrl_init(ftrl *m, unsigned bits);
void ftrl_free(ftrl *m);

/* The weight FTRL-proximal derives from (z, n): 0 inside the L1 ball. */
static inline double ftrl_weight(const learn_settings *s, float z, float n)
{
	if (fabs((double)z) <= s->l1)
		return 0.0;
	double sign = z < 0 ? -1.0 : 1.0;
	return -((double)z - sign * s->l1) / ((s->beta + sqrt((double)n)) / s->alpha + s->l2);
}

/* The logistic function, its argument clamped so exp never overflows. */
static inline double learn_sigmoid(double x)
{
	x = x > 35 ? 35 : x < -35 ? -35 : x;
	return 1.0 / (1.0 + exp(-x));
}

double ftrl_logit(const learn_settings *s, const ftrl *m, const learn_fvec *fv);
/* One step on the log loss of (fv, y) at prediction p, scaled by weight. */
void ftrl_update(const learn_settings *s, ftrl *m, const learn_fvec *fv, double p, int y,
		 double weight);
/* The dense weights (2^bits floats) into w. */
void ftrl_weights(const ftrl *m, float *w);

#endif
