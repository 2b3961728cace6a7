/* diff.c — word diff between an original and an edited text (Myers' O(ND)
 * greedy algorithm over word tokens, common prefix and suffix stripped
 * first), and the word-level edit distance that stats report. */
#include <stdlib.h>
#include <string.h>

#include "assay/text.h"

/* Past this many edits the middle is shown as one replacement. */
#define MAX_D 1000
/* Past this many cells the distance falls back to the diff's alignment. */
#define MAX_DP (4u << 20)

typedef struct seq {
	const char *s;
	text_tokens t;
	uint64_t *h;
} seq;

static int load(seq *q, const char *s, size_t n)
{
	q->s = s;
	if (text_words(s, n, &q->t) < 0)
		return ASSAY_ENOMEM;
	q->h = malloc((q->t.n ? q->t.n : 1) * sizeof *q->h);
	if (!q->h)
		return ASSAY_ENOMEM;
	for (size_t i = 0; i < q->t.n; i++)
		q->h[i] = text_hash64(s + q->t.v[i].off, q->t.v[i].len, 0);
	return ASSAY_OK;
}

static void unload(seq *q)
{
	text_tokens_free(&q->t);
	free(q->h);
}

static bool same(const seq *a, size_t i, const seq *b, size_t j)
{
	return a->h[i] == b->h[j] && a->t.v[i].len == b->t.v[j].len &&
	       memcmp(a->s + a->t.v[i].off, b->s + b->t.v[j].off, a->t.v[i].len) == 0;
}

/* Appends a chunk covering tokens [from, to) of q, merging with the last
 * chunk when it has the same op. */
static int chunk(text_diff *d, int op, const seq *q, size_t from, size_t to)
{
	if (from >= to)
		return ASSAY_OK;
	uint32_t off = q->t.v[from].off;
	uint32_t end = q->t.v[to - 1].off + q->t.v[to - 1].len;
	if (d->n && d->v[d->n - 1].op == op) {
		d->v[d->n - 1].len = end - d->v[d->n - 1].off;
		return ASSAY_OK;
	}
	if (ASSAY_GROW(d->v, d->n + 1, d->cap, 16) < 0)
		return ASSAY_ENOMEM;
	d->v[d->n++] = (text_diff_chunk){.op = (uint8_t)op, .off = off, .len = end - off};
	return ASSAY_OK;
}

/* One step of the edit script, recorded backwards then replayed. */
typedef struct step {
	uint8_t op;
	size_t i, j; /* token index in a (delete) or b (insert/equal) */
} step;

/* Myers over a[lo_a, hi_a) and b[lo_b, hi_b); fills steps (in order) or
 * returns 1 when the edit distance exceeds MAX_D. The frontier of each
 * round d is kept (2d+1 entries) to walk the path back. */
static int myers(const seq *a, size_t lo_a, size_t hi_a, const seq *b, size_t lo_b, size_t hi_b,
		 step **out, size_t *nout)
{
	long n = (long)(hi_a - lo_a), m = (long)(hi_b - lo_b);
	long dmax = n + m < MAX_D ? n + m : MAX_D;
	long off = dmax + 1;
	long *v = calloc((size_t)(2 * off + 1), sizeof *v);
	long **trace = calloc((size_t)dmax + 1, sizeof *trace);
	int rc = -1;
	long found = -1;
	if (!v || !trace)
		goto done;
	for (long d = 0; d <= dmax && found < 0; d++) {
		for (long k = -d; k <= d; k += 2) {
			long x;
			if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
				x = v[off + k + 1];
			else
				x = v[off + k - 1] + 1;
			long y = x - k;
			while (x < n && y < m && same(a, lo_a + (size_t)x, b, lo_b + (size_t)y)) {
				x++;
				y++;
			}
			v[off + k] = x;
			if (x >= n && y >= m)
				found = d;
		}
		if (!(trace[d] = malloc((size_t)(2 * d + 1) * sizeof(long))))
			goto done;
		memcpy(trace[d], v + off - d, (size_t)(2 * d + 1) * sizeof(long));
	}
	if (found < 0) {
		rc = 1;
		goto done;
	}
	step *st = malloc((size_t)(n + m + 1) * sizeof *st);
	if (!st)
		goto done;
	size_t cnt = 0;
	long x = n, y = m;
	for (long d = found; d > 0; d--) {
		long *vp = trace[d - 1]; /* vp[k + d - 1] is the frontier of round d-1 */
		long k = x - y;
		bool down = k == -d || (k != d && vp[k - 1 + d - 1] < vp[k + 1 + d - 1]);
		long pk = down ? k + 1 : k - 1;
		long px = vp[pk + d - 1];
		long sx = down ? px : px + 1;
		while (x > sx) {
			st[cnt++] = (step){TEXT_DIFF_EQUAL, lo_a + (size_t)(x - 1), lo_b + (size_t)(y - 1)};
			x--;
			y--;
		}
		if (down) {
			st[cnt++] = (step){TEXT_DIFF_INSERT, 0, lo_b + (size_t)(y - 1)};
			y--;
		} else {
			st[cnt++] = (step){TEXT_DIFF_DELETE, lo_a + (size_t)(x - 1), 0};
			x--;
		}
	}
	while (x > 0 && y > 0) {
		st[cnt++] = (step){TEXT_DIFF_EQUAL, lo_a + (size_t)(x - 1), lo_b + (size_t)(y - 1)};
		x--;
		y--;
	}
	for (size_t i = 0; i < cnt / 2; i++) {
		step t = st[i];
		st[i] = st[cnt - 1 - i];
		st[cnt - 1 - i] = t;
	}
	*out = st;
	*nout = cnt;
	rc = 0;
done:
	if (trace)
		for (long d = 0; d <= dmax; d++)
			free(trace[d]);
	free(trace);
	free(v);
	return rc;
}

/* Word-level Levenshtein distance of the middle parts (two-row DP). */
static size_t levenshtein(const seq *a, size_t la, size_t ha, const seq *b, size_t lb, size_t hb)
{
	size_t n = ha - la, m = hb - lb;
	size_t *prev = malloc((m + 1) * sizeof *prev), *cur = malloc((m + 1) * sizeof *cur);
	if (!prev || !cur) {
		free(prev);
		free(cur);
		return n > m ? n : m;
	}
	for (size_t j = 0; j <= m; j++)
		prev[j] = j;
	for (size_t i = 1; i <= n; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t sub = prev[j - 1] + !same(a, la + i - 1, b, lb + j - 1);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		size_t *t = prev;
		prev = cur;
		cur = t;
	}
	size_t r = prev[m];
	free(prev);
	free(cur);
	return r;
}

int text_word_diff(const char *as, size_t an, const char *bs, size_t bn, text_diff *d)
{
	d->n = 0;
	d->deleted = d->inserted = d->distance = 0;
	seq a = {0}, b = {0};
	int rc = ASSAY_ENOMEM;
	if (load(&a, as, an) < 0 || load(&b, bs, bn) < 0)
		goto out;
	d->words_a = a.t.n;
	d->words_b = b.t.n;
	size_t pre = 0;
	while (pre < a.t.n && pre < b.t.n && same(&a, pre, &b, pre))
		pre++;
	size_t suf = 0;
	while (suf < a.t.n - pre && suf < b.t.n - pre &&
	       same(&a, a.t.n - 1 - suf, &b, b.t.n - 1 - suf))
		suf++;
	size_t ha = a.t.n - suf, hb = b.t.n - suf;
	if (chunk(d, TEXT_DIFF_EQUAL, &b, 0, pre) < 0)
		goto out;
	step *st = NULL;
	size_t ns = 0;
	int m = myers(&a, pre, ha, &b, pre, hb, &st, &ns);
	if (m < 0)
		goto out;
	if (m == 1) {
		/* Too different to align: one replacement. */
		if (chunk(d, TEXT_DIFF_DELETE, &a, pre, ha) < 0 ||
		    chunk(d, TEXT_DIFF_INSERT, &b, pre, hb) < 0)
			goto out;
		d->deleted = ha - pre;
		d->inserted = hb - pre;
	} else {
		for (size_t i = 0; i < ns; i++) {
			int r = st[i].op == TEXT_DIFF_DELETE
					? chunk(d, TEXT_DIFF_DELETE, &a, st[i].i, st[i].i + 1)
					: chunk(d, st[i].op, &b, st[i].j, st[i].j + 1);
			if (r < 0) {
				free(st);
				goto out;
			}
			d->deleted += st[i].op == TEXT_DIFF_DELETE;
			d->inserted += st[i].op == TEXT_DIFF_INSERT;
		}
		free(st);
	}
	if (chunk(d, TEXT_DIFF_EQUAL, &b, hb, b.t.n) < 0)
		goto out;
	if ((ha - pre) * (hb - pre) <= MAX_DP)
		d->distance = levenshtein(&a, pre, ha, &b, pre, hb);
	else
		d->distance = d->deleted > d->inserted ? d->deleted : d->inserted;
	rc = ASSAY_OK;
out:
	unload(&a);
	unload(&b);
	return rc;
}

void text_diff_free(text_diff *d)
{
	free(d->v);
	*d = (text_diff){0};
}
