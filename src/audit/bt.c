/* bt.c — a Bradley-Terry ranking of generator models from pair verdicts:
 * the comparison graph's components, the MM algorithm of Hunter (2004)
 * with a prior of virtual games, scores on the Elo scale and ranks within
 * each component. The bootstrap intervals are in bt_boot.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bt_int.h"

audit_bt_opts audit_bt_defaults(void)
{
	return (audit_bt_opts){
	    .prior = AUDIT_BT_PRIOR, .resamples = AUDIT_BT_RESAMPLES, .seed = AUDIT_BT_SEED};
}

static void work_free(bt_work *w)
{
	free(w->ci);
	free(w->cj);
	free(w->nij);
	free(w->wij);
	free(w->comp);
	free(w->active);
	free(w->adj_start);
	free(w->adj);
	free(w->atom_cell);
	free(w->atom_kind);
	free(w->cum);
	free(w->win);
	free(w->denom);
	free(w->g_new);
	free(w->scale);
	free(w->f);
	free(w->fp);
	free(w->queue);
	free(w->seen);
}

/* The outcome of a row from the side of its cell's first model. */
static int row_kind(const audit_pair_count *r)
{
	if (r->pref == AUDIT_PREF_TIE)
		return BT_TIE;
	return (r->pref == AUDIT_PREF_A) == (r->a < r->b) ? BT_I_WINS : BT_J_WINS;
}

static bool row_counts(const audit_pair_count *r)
{
	return r->a != r->b && r->count > 0 &&
	       (r->pref == AUDIT_PREF_A || r->pref == AUDIT_PREF_B || r->pref == AUDIT_PREF_TIE);
}

/* Numbers the cells (pairs of models that met) through a dense index and
 * counts each cell's outcomes into cnt[cell * 3 + kind]. */
static int build_cells(bt_work *w, const audit_pair_count *v, size_t n, uint64_t **cnt,
		       assay_error *err)
{
	size_t nm = w->n;
	uint32_t *index = malloc(nm * nm * sizeof *index);
	size_t cap_i = 0, cap_j = 0, cap_cnt = 0;
	if (!index)
		goto oom;
	memset(index, 0xff, nm * nm * sizeof *index);
	for (size_t r = 0; r < n; r++) {
		if (!row_counts(&v[r]))
			continue;
		uint32_t i = v[r].a < v[r].b ? v[r].a : v[r].b, j = v[r].a ^ v[r].b ^ i;
		uint32_t *cell = &index[(size_t)i * nm + j];
		if (*cell == UINT32_MAX) {
			if (ASSAY_GROW(w->ci, w->k + 1, cap_i, 16) < 0 ||
			    ASSAY_GROW(w->cj, w->k + 1, cap_j, 16) < 0 ||
			    ASSAY_GROW(*cnt, (w->k + 1) * 3, cap_cnt, 48) < 0)
				goto oom;
			memset(*cnt + w->k * 3, 0, 3 * sizeof **cnt);
			*cell = (uint32_t)w->k;
			w->ci[w->k] = i;
			w->cj[w->k] = j;
			w->k++;
		}
		(*cnt)[(size_t)*cell * 3 + (size_t)row_kind(&v[r])] += v[r].count;
	}
	free(index);
	return ASSAY_OK;
oom:
	free(index);
	return assay_fail(err, ASSAY_ENOMEM, "Bradley-Terry: out of memory for %zu models", nm);
}

/* Games and wins per cell from the counts, and the atoms to resample. */
static int build_atoms(bt_work *w, const uint64_t *cnt, assay_error *err)
{
	size_t k = w->k ? w->k : 1;
	w->nij = calloc(k, sizeof *w->nij);
	w->wij = calloc(k, sizeof *w->wij);
	w->atom_cell = malloc(3 * k * sizeof *w->atom_cell);
	w->atom_kind = malloc(3 * k * sizeof *w->atom_kind);
	w->cum = malloc(3 * k * sizeof *w->cum);
	if (!w->nij || !w->wij || !w->atom_cell || !w->atom_kind || !w->cum)
		return assay_fail(err, ASSAY_ENOMEM, "Bradley-Terry: out of memory for %zu pairs",
				  w->k);
	for (size_t c = 0; c < w->k; c++)
		for (int kind = 0; kind < 3; kind++) {
			uint64_t x = cnt[c * 3 + (size_t)kind];
			if (!x)
				continue;
			w->nij[c] += (double)x;
			w->wij[c] += kind == BT_I_WINS ? (double)x
				     : kind == BT_TIE  ? 0.5 * (double)x
						       : 0;
			w->total += x;
			w->atom_cell[w->n_atoms] = (uint32_t)c;
			w->atom_kind[w->n_atoms] = (uint8_t)kind;
			w->cum[w->n_atoms++] = w->total;
		}
	return ASSAY_OK;
}

static uint32_t uf_find(uint32_t *parent, uint32_t x)
{
	while (parent[x] != x)
		x = parent[x] = parent[parent[x]];
	return x;
}

/* Components by union-find over the cells, numbered in order of their
 * lowest model; the incidence lists (CSR) for the connectivity check. */
static int build_graph(bt_work *w, assay_error *err)
{
	size_t n = w->n;
	uint32_t *parent = malloc(n * sizeof *parent);
	w->comp = malloc(n * sizeof *w->comp);
	w->active = calloc(n, sizeof *w->active);
	w->adj_start = calloc(n + 1, sizeof *w->adj_start);
	w->adj = malloc((2 * w->k + 1) * sizeof *w->adj);
	if (!parent || !w->comp || !w->active || !w->adj_start || !w->adj) {
		free(parent);
		return assay_fail(err, ASSAY_ENOMEM, "Bradley-Terry: out of memory");
	}
	for (uint32_t i = 0; i < n; i++)
		parent[i] = i;
	for (size_t c = 0; c < w->k; c++) {
		parent[uf_find(parent, w->cj[c])] = uf_find(parent, w->ci[c]);
		w->adj_start[w->ci[c] + 1]++;
		w->adj_start[w->cj[c] + 1]++;
	}
	for (size_t i = 0; i < n; i++)
		w->adj_start[i + 1] += w->adj_start[i];
	uint32_t *fill = calloc(n ? n : 1, sizeof *fill);
	if (!fill) {
		free(parent);
		return assay_fail(err, ASSAY_ENOMEM, "Bradley-Terry: out of memory");
	}
	for (size_t c = 0; c < w->k; c++) {
		w->adj[w->adj_start[w->ci[c]] + fill[w->ci[c]]++] = (uint32_t)c;
		w->adj[w->adj_start[w->cj[c]] + fill[w->cj[c]]++] = (uint32_t)c;
	}
	/* label the roots in model order */
	for (size_t i = 0; i < n; i++)
		fill[i] = AUDIT_BT_NONE;
	for (uint32_t i = 0; i < n; i++) {
		w->comp[i] = AUDIT_BT_NONE;
		if (w->adj_start[i + 1] == w->adj_start[i])
			continue;
		uint32_t root = uf_find(parent, i);
		if (fill[root] == AUDIT_BT_NONE)
			fill[root] = (uint32_t)w->n_comp++;
		w->comp[i] = fill[root];
	}
	free(fill);
	free(parent);
	return ASSAY_OK;
}

bool bt_strongly_connected(bt_work *w, const double *nij, const double *wij, uint32_t c)
{
	/* the component's lowest model, then a search forwards (u beat v)
	 * and one backwards (v beat u): both must reach the whole component */
	uint32_t root = 0;
	while (root < w->n && w->comp[root] != c)
		root++;
	for (int dir = 0; dir < 2; dir++) {
		memset(w->seen, 0, w->n);
		size_t head = 0, tail = 0;
		w->queue[tail++] = root;
		w->seen[root] = 1;
		while (head < tail) {
			uint32_t u = w->queue[head++];
			for (uint32_t e = w->adj_start[u]; e < w->adj_start[u + 1]; e++) {
				uint32_t cell = w->adj[e];
				bool u_first = w->ci[cell] == u;
				uint32_t v = u_first ? w->cj[cell] : w->ci[cell];
				double first_wins = wij[cell], second_wins = nij[cell] - wij[cell];
				double u_wins = u_first ? first_wins : second_wins;
				double v_wins = u_first ? second_wins : first_wins;
				if (w->seen[v] || !((dir == 0 ? u_wins : v_wins) > 0.0))
					continue;
				w->seen[v] = 1;
				w->queue[tail++] = v;
			}
		}
		for (size_t i = 0; i < w->n; i++)
			if (w->comp[i] == c && !w->seen[i])
				return false;
	}
	return true;
}

/* One MM step (Hunter 2004, eq. 3, with the reference's virtual games
 * in the denominator) from g into w->g_new. */
static void mm_step(bt_work *w, const double *nij, double prior, const double *g)
{
	for (size_t i = 0; i < w->n; i++)
		w->denom[i] = prior > 0.0 && w->active[i] ? prior / (g[i] + 1.0) : 0.0;
	for (size_t c = 0; c < w->k; c++) {
		uint32_t i = w->ci[c], j = w->cj[c];
		if (!w->active[i])
			continue;
		double t = nij[c] / (g[i] + g[j]);
		w->denom[i] += t;
		w->denom[j] += t;
	}
	for (size_t i = 0; i < w->n; i++)
		w->g_new[i] = w->active[i] ? (w->win[i] + prior / 2.0) / w->denom[i] : NAN;
}

/* The real games of a component do not change when all its strengths are
 * multiplied by one factor s; only the virtual games do, and the best s
 * makes the models win half of those: sum_i s g_i / (s g_i + 1) = m / 2.
 * Solving it exactly (Newton on log s, monotone) after every MM step is a
 * step up the same objective, and it removes the direction in which plain
 * MM crawls when the real games outnumber the virtual ones (1M games
 * against a prior of 2: 10,000 iterations without converging). */
static void rescale(bt_work *w, double *g)
{
	size_t nc = w->n_comp;
	for (size_t c = 0; c < nc; c++)
		w->scale[c] = 0.0;
	for (int it = 0; it < 60; it++) {
		for (size_t c = 0; c < nc; c++)
			w->f[c] = 0.0, w->fp[c] = 0.0;
		for (size_t i = 0; i < w->n; i++) {
			if (!w->active[i])
				continue;
			uint32_t c = w->comp[i];
			double p = 1.0 / (1.0 + exp(-(w->scale[c] + log(g[i]))));
			w->f[c] += p - 0.5;
			w->fp[c] += p * (1.0 - p);
		}
		double moved = 0.0;
		for (size_t c = 0; c < nc; c++) {
			double step =
			    w->fp[c] > 0.0 ? fmax(-1.0, fmin(1.0, -w->f[c] / w->fp[c])) : 0.0;
			w->scale[c] += step;
			moved = fmax(moved, fabs(step));
		}
		if (moved < 1e-15)
			break;
	}
	for (size_t i = 0; i < w->n; i++)
		if (w->active[i])
			g[i] *= exp(w->scale[w->comp[i]]);
}

bool bt_mm(bt_work *w, const double *nij, const double *wij, double prior, int max_iter, double tol,
	   double *g, int *iters)
{
	size_t n = w->n;
	memset(w->win, 0, n * sizeof *w->win);
	for (size_t c = 0; c < w->k; c++) {
		w->win[w->ci[c]] += wij[c];
		w->win[w->cj[c]] += nij[c] - wij[c];
	}
	for (*iters = 1; *iters <= max_iter; ++*iters) {
		mm_step(w, nij, prior, g);
		if (prior > 0.0) {
			rescale(w, w->g_new);
		} else {
			/* Without a prior the likelihood is scale-free: pin each
			 * component's geometric mean to 1 (the score's scaling). */
			bt_scores(w, w->g_new, w->denom);
			for (size_t i = 0; i < n; i++)
				if (w->active[i])
					w->g_new[i] = pow(10.0, (w->denom[i] - AUDIT_BT_BASE) /
								    AUDIT_BT_SCALE);
		}
		double delta = 0.0;
		for (size_t i = 0; i < n; i++)
			if (w->active[i]) {
				delta = fmax(delta, fabs(log(w->g_new[i]) - log(g[i])));
				g[i] = w->g_new[i];
			}
		if (delta < tol)
			return true;
	}
	*iters = max_iter;
	return false;
}

void bt_scores(const bt_work *w, const double *g, double *score)
{
	for (size_t c = 0; c < w->n_comp; c++) {
		double sum = 0.0;
		size_t m = 0;
		for (size_t i = 0; i < w->n; i++)
			if (w->comp[i] == c && w->active[i])
				sum += log10(g[i]), m++;
		double mean = m ? sum / (double)m : 0.0;
		for (size_t i = 0; i < w->n; i++)
			if (w->comp[i] == c)
				score[i] = w->active[i] ? AUDIT_BT_BASE +
							      AUDIT_BT_SCALE * (log10(g[i]) - mean)
							: NAN;
	}
	for (size_t i = 0; i < w->n; i++)
		if (w->comp[i] == AUDIT_BT_NONE)
			score[i] = NAN;
}

static int check_input(const audit_pair_count *v, size_t n, size_t n_models, const audit_bt_opts *o,
		       assay_error *err)
{
	if (n_models > AUDIT_BT_MAX_MODELS)
		return assay_fail(err, ASSAY_EINVAL, "Bradley-Terry: %zu models, at most %d",
				  n_models, AUDIT_BT_MAX_MODELS);
	if (!(o->prior >= 0.0) || isinf(o->prior) || o->max_iter < 0 || !(o->tol >= 0.0) ||
	    o->resamples < 0 || o->resamples == 1)
		return assay_fail(err, ASSAY_EINVAL,
				  "Bradley-Terry: prior %g, %d iterations, tolerance %g, %d "
				  "resamples (expected a finite prior >= 0, 0 or >= 2 resamples)",
				  o->prior, o->max_iter, o->tol, o->resamples);
	for (size_t i = 0; i < n; i++)
		if (v[i].a >= n_models || v[i].b >= n_models || v[i].pref < 0 ||
		    v[i].pref >= AUDIT_PREF_COUNT)
			return assay_fail(err, ASSAY_EINVAL,
					  "Bradley-Terry: row %zu has models %u, %u and verdict "
					  "%d (expected models below %zu, verdict 0..3)",
					  i, v[i].a, v[i].b, v[i].pref, n_models);
	return ASSAY_OK;
}

/* Games per model, which models are estimable, and competition ranks
 * (1 + the models of the same component scoring higher). */
static void finish_models(bt_work *w, const double *g, audit_bt *out)
{
	for (size_t c = 0; c < w->k; c++) {
		out->m[w->ci[c]].games += (uint64_t)w->nij[c];
		out->m[w->cj[c]].games += (uint64_t)w->nij[c];
	}
	bt_scores(w, g, w->denom);
	for (size_t i = 0; i < w->n; i++) {
		audit_bt_model *m = &out->m[i];
		m->component = w->comp[i];
		m->estimable = w->active[i];
		m->score = w->denom[i];
		m->strength =
		    m->estimable ? pow(10.0, (m->score - AUDIT_BT_BASE) / AUDIT_BT_SCALE) : NAN;
		if (!m->estimable)
			continue;
		m->rank = 1;
		for (size_t j = 0; j < w->n; j++)
			if (w->comp[j] == w->comp[i] && w->active[j] && w->denom[j] > m->score)
				m->rank++;
	}
}

static int alloc_scratch(bt_work *w, size_t n, assay_error *err)
{
	size_t m = n ? n : 1;
	w->win = malloc(m * sizeof *w->win);
	w->denom = malloc(m * sizeof *w->denom);
	w->queue = malloc(m * sizeof *w->queue);
	w->seen = malloc(m);
	size_t nc = w->n_comp ? w->n_comp : 1;
	w->scale = malloc(nc * sizeof *w->scale);
	w->f = malloc(nc * sizeof *w->f);
	w->fp = malloc(nc * sizeof *w->fp);
	if (!w->win || !w->denom || !w->queue || !w->seen || !w->scale || !w->f || !w->fp)
		return assay_fail(err, ASSAY_ENOMEM, "Bradley-Terry: out of memory");
	return ASSAY_OK;
}

int audit_bt_fit(const audit_pair_count *v, size_t n, size_t n_models, const audit_bt_opts *opts,
		 audit_bt *out, assay_error *err)
{
	audit_bt_opts o = opts ? *opts : audit_bt_defaults();
	o.max_iter = o.max_iter ? o.max_iter : 10000;
	o.tol = o.tol > 0.0 ? o.tol : 1e-10;
	*out = (audit_bt){.resamples = o.resamples};
	int rc = check_input(v, n, n_models, &o, err);
	if (rc < 0)
		return rc;
	bt_work w = {.n = n_models};
	uint64_t *cnt = NULL;
	double *g = NULL;
	out->m = calloc(n_models ? n_models : 1, sizeof *out->m);
	if (!out->m) {
		rc = assay_fail(err, ASSAY_ENOMEM, "Bradley-Terry: out of memory");
		goto done;
	}
	out->n = n_models;
	if ((rc = build_cells(&w, v, n, &cnt, err)) < 0 || (rc = build_atoms(&w, cnt, err)) < 0 ||
	    (rc = build_graph(&w, err)) < 0 || (rc = alloc_scratch(&w, n_models, err)) < 0)
		goto done;
	for (size_t i = 0; i < n_models; i++)
		out->m[i] = (audit_bt_model){.component = AUDIT_BT_NONE,
					     .strength = NAN,
					     .score = NAN,
					     .lo = NAN,
					     .hi = NAN,
					     .se = NAN};
	for (uint32_t c = 0; c < w.n_comp; c++) {
		bool ok = o.prior > 0.0 || bt_strongly_connected(&w, w.nij, w.wij, c);
		for (size_t i = 0; i < n_models; i++)
			if (w.comp[i] == c)
				w.active[i] = ok;
	}
	out->n_components = w.n_comp;
	out->connected = w.n_comp == 1;
	g = malloc((n_models ? n_models : 1) * sizeof *g);
	w.g_new = malloc((n_models ? n_models : 1) * sizeof *w.g_new);
	if (!g || !w.g_new) {
		rc = assay_fail(err, ASSAY_ENOMEM, "Bradley-Terry: out of memory");
		goto done;
	}
	for (size_t i = 0; i < n_models; i++)
		g[i] = 1.0;
	out->converged = bt_mm(&w, w.nij, w.wij, o.prior, o.max_iter, o.tol, g, &out->iterations);
	finish_models(&w, g, out);
	if (o.resamples > 0)
		rc = bt_bootstrap(&w, &o, g, out, err);
done:
	free(cnt);
	free(g);
	work_free(&w);
	return rc;
}

void audit_bt_free(audit_bt *bt)
{
	free(bt->m);
	*bt = (audit_bt){0};
}
