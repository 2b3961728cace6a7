/* bt_int.h — the Bradley-Terry fit's working state, shared by the fit
 * (bt.c) and its bootstrap (bt_boot.c). Not part of the audit layer's face. */
#ifndef ASSAY_AUDIT_BT_INT_H
#define ASSAY_AUDIT_BT_INT_H

#include "assay/audit_pairs.h"

/* The comparisons as cells (unordered pairs of models that met, ci < cj)
 * and, for resampling, as atoms: one per cell and outcome that occurred. */
enum bt_kind { BT_I_WINS, BT_J_WINS, BT_TIE };

typedef struct bt_work {
	size_t n, k;	   /* models, cells */
	uint32_t *ci, *cj; /* cell endpoints */
	double *nij, *wij; /* games in a cell, wins of ci (ties half) */
	uint32_t *comp;	   /* component per model, AUDIT_BT_NONE if none */
	size_t n_comp;
	bool *active;		   /* estimable: takes part in the fit */
	uint32_t *adj_start, *adj; /* cells incident to each model (CSR) */
	size_t n_atoms;
	uint32_t *atom_cell;
	uint8_t *atom_kind;	     /* enum bt_kind */
	uint64_t *cum;		     /* cumulative atom counts */
	uint64_t total;		     /* comparisons that enter the fit */
	double *win, *denom, *g_new; /* per-model scratch */
	double *scale, *f, *fp;	     /* per-component scratch */
	uint32_t *queue;
	uint8_t *seen;
} bt_work;

/* The MM iterations from the strengths g (in/out) for the active models;
 * *iters gets the number done. True when converged within max_iter. */
bool bt_mm(bt_work *w, const double *nij, const double *wij, double prior, int max_iter, double tol,
	   double *g, int *iters);

/* Whether component c is strongly connected by wins (ties count both
 * ways) in the cells nij, wij: Hunter's condition for a finite MLE. */
bool bt_strongly_connected(bt_work *w, const double *nij, const double *wij, uint32_t c);

/* Elo-scale scores of the active models, each component's strengths
 * scaled to a geometric mean of 1; NaN for the others. */
void bt_scores(const bt_work *w, const double *g, double *score);

/* A Binomial(n, p) draw, exact: inversion when n p < 10, else Hormann's
 * BTRS. For the multinomial resample; exposed for its test. */
uint64_t bt_binomial(audit_rng *r, uint64_t n, double p);

/* The percentile bootstrap over comparisons into out->m[].lo/hi/se. */
int bt_bootstrap(bt_work *w, const audit_bt_opts *o, const double *g_hat, audit_bt *out,
		 assay_error *err);

#endif
