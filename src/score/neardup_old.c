/* neardup_old.c — a chunk of new samples matched against the samples the
 * index on disk already holds, by band key: the stored blocks of (key,
 * sample id) entries are read the last written first (so a key's stored
 * samples come the most recent first) and merged in key order with the
 * chunk's sorted keys; at most ND_CHAIN samples per band and new sample
 * are taken, as the in-memory index walks its buckets; then each
 * candidate's stored signature is read once and compared (a large batch of
 * candidates split between this thread and one reading on a connection of
 * its own). Memory follows the chunk. The chunk's own keys are appended as
 * blocks of their own. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "neardup_int.h"

/* Candidates collected before they are compared (and let go): ~7 MiB. */
#define HIT_CAP (1u << 18)

typedef struct old_pass {
	store *s;
	const uint8_t *(*sig)(void *ud, size_t i);
	void *ud;
	nd_chunk *ch;
	const uint64_t *pairs; /* the chunk's (nd_chunk.pairs) */
	size_t n_pairs;
	int64_t upto;
	size_t workers;
	store *reader; /* a second connection for the candidates' reads, or NULL */
	bool reader_tried;
	uint8_t *taken;	  /* per chunk index and band: candidates taken */
	int64_t *hit_ids; /* candidates: stored sample hit_ids[i] for chunk sample hit_at[i] */
	uint32_t *hit_at;
	size_t n_hits, cap_hits;
} old_pass;

static int old_compare(old_pass *p, assay_error *err);

static int add_hit(old_pass *p, int64_t id, uint32_t at, assay_error *err)
{
	if (p->n_hits == HIT_CAP && old_compare(p, err) < 0)
		return err->code;
	if (p->n_hits == p->cap_hits) {
		size_t cap = p->cap_hits ? 2 * p->cap_hits : 4096;
		int64_t *ids = realloc(p->hit_ids, cap * sizeof *ids);
		if (ids)
			p->hit_ids = ids;
		uint32_t *ats = ids ? realloc(p->hit_at, cap * sizeof *ats) : NULL;
		if (!ats)
			return assay_fail(err, ASSAY_ENOMEM, "out of memory for near-duplicates");
		p->hit_at = ats;
		p->cap_hits = cap;
	}
	p->hit_ids[p->n_hits] = id;
	p->hit_at[p->n_hits++] = at;
	return ASSAY_OK;
}

/* The chunk's index of a pair. */
static uint32_t pair_at(uint64_t pair)
{
	return ND_CHUNK - 1 - ((uint32_t)pair >> 5 & (ND_CHUNK - 1));
}

/* The stored entries [i, j) of one key met by the chunk's pairs [a, b) of
 * that key: every chunk sample's band that has not taken ND_CHAIN
 * candidates yet takes the stored sample. */
static int old_group(old_pass *p, const int64_t *ids, size_t i, size_t j, size_t a, size_t b,
		     assay_error *err)
{
	for (; i < j; i++) {
		if (ids[i] > p->upto)
			continue;
		for (size_t k = a; k < b; k++) {
			uint32_t at = pair_at(p->pairs[k]), band = (uint32_t)p->pairs[k] & 31;
			uint8_t *t = &p->taken[(size_t)at * SCORE_MH_BANDS + band];
			if (*t >= ND_CHAIN)
				continue;
			(*t)++;
			if (add_hit(p, ids[i], at, err) < 0)
				return err->code;
		}
	}
	return ASSAY_OK;
}

/* The first of the pairs from a on whose key is not below key: a search
 * in steps doubling from a, then halving (a block's wanted entries are
 * few beside the chunk's pairs, so a walk would pass most of them). */
static size_t pair_seek(const old_pass *p, size_t a, uint32_t key)
{
	uint64_t lo = (uint64_t)key << 32;
	size_t step = 1, b = a;
	while (b < p->n_pairs && p->pairs[b] < lo) {
		a = b + 1;
		b += step;
		step *= 2;
	}
	if (b > p->n_pairs)
		b = p->n_pairs;
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (p->pairs[mid] < lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a;
}

/* One stored block (its keys ascending, a key's samples the latest first)
 * merged with the chunk's pairs. */
static int old_block(void *ud, const uint32_t *keys, const int64_t *ids, size_t n, assay_error *err)
{
	old_pass *p = ud;
	size_t i = 0, a = 0;
	while (i < n && a < p->n_pairs) {
		uint32_t pk = (uint32_t)(p->pairs[a] >> 32);
		if (keys[i] < pk) {
			i++;
		} else if (keys[i] > pk) {
			a = pair_seek(p, a, keys[i]);
		} else {
			size_t j = i, b2 = a;
			while (j < n && keys[j] == pk)
				j++;
			while (b2 < p->n_pairs && (uint32_t)(p->pairs[b2] >> 32) == pk)
				b2++;
			if (old_group(p, ids, i, j, a, b2, err) < 0)
				return err->code;
			i = j;
			a = b2;
		}
	}
	return ASSAY_OK;
}

/* Sorts a[0, n) stably by bits [lo, hi) of each value (the bits above hi
 * must be 0 or equal in every value), an 11-bit digit a pass, with tmp (n
 * values) as scratch: the result is in a. A pass whose digit is the same
 * in every value is skipped. */
static void radix_sort(uint64_t *a, uint64_t *tmp, size_t n, unsigned lo, unsigned hi)
{
	enum { DIGIT = 11, BUCKETS = 1 << DIGIT };
	uint64_t *src = a, *dst = tmp;
	size_t count[BUCKETS];
	for (unsigned sh = lo; sh < hi; sh += DIGIT) {
		memset(count, 0, sizeof count);
		for (size_t i = 0; i < n; i++)
			count[src[i] >> sh & (BUCKETS - 1)]++;
		if (n == 0 || count[src[0] >> sh & (BUCKETS - 1)] == n)
			continue;
		for (size_t d = 0, at = 0; d < BUCKETS; d++) {
			size_t c = count[d];
			count[d] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[src[i] >> sh & (BUCKETS - 1)]++] = src[i];
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof *a);
}

/* Bits of v: 0 for 0. */
static unsigned bits_of(uint64_t v)
{
	return v ? 64 - (unsigned)__builtin_clzll(v) : 0;
}

/* The candidates ordered by stored sample id (a candidate's chunk index
 * below the id, so every id comes whole and its reads go up the table):
 * order[i] = id << ID_SHIFT | chunk index. */
#define ID_SHIFT 15
_Static_assert(ND_CHUNK <= 1u << ID_SHIFT, "a chunk index fits below the id");

/* A part of a batch of candidates (order[from, to), whole ids) compared on
 * the connection s: the best stored sample of each chunk sample it meets
 * into best_id and best_agree. */
typedef struct cmp_part {
	const old_pass *p;
	const uint64_t *order;
	size_t from, to;
	store *s;
	int64_t *best_id;
	int *best_agree;
	int rc;
	assay_error err;
} cmp_part;

/* The most similar wins, the earliest on a tie: a total order, so that
 * parts and batches of candidates compared apart give what one would. */
static void take_best(int64_t *best_id, int *best_agree, int64_t id, int a)
{
	if (score_minhash_jaccard(a) > 0 &&
	    (a > *best_agree || (a == *best_agree && id < *best_id))) {
		*best_agree = a;
		*best_id = id;
	}
}

/* Candidates ahead of the one compared whose chunk signature is fetched
 * into the cache meanwhile: the chunk's signatures (~4 MiB) are met in no
 * order, most of them from memory, while a stored one's read takes longer
 * than the fetch. */
#define PREFETCH_AHEAD 32

static int compare_part(cmp_part *c, assay_error *err)
{
	uint8_t sig[STORE_NEARDUP_SIG];
	bool found = false;
	store_neardup_sigs *sigs = NULL;
	int rc = store_neardup_sigs_open(c->s, &sigs, err);
	for (size_t i = c->from; i < c->to && rc == 0; i++) {
		int64_t id = (int64_t)(c->order[i] >> ID_SHIFT);
		size_t at = (size_t)(c->order[i] & ((1u << ID_SHIFT) - 1));
		if (i + PREFETCH_AHEAD < c->to) {
			const uint8_t *next =
			    c->p->sig(c->p->ud, (size_t)(c->order[i + PREFETCH_AHEAD] &
							 ((1u << ID_SHIFT) - 1)));
			__builtin_prefetch(next);
			__builtin_prefetch(next + SCORE_MH_K - 1);
		}
		if ((i == c->from || c->order[i - 1] >> ID_SHIFT != c->order[i] >> ID_SHIFT) &&
		    (rc = store_neardup_sigs_get(sigs, id, sig, &found, err)) < 0)
			break;
		/* a pair met again next to itself (the same stored sample through
		 * several shared bands, in a row) is compared once; one met apart
		 * is compared again, to the same result */
		if (found && (i == c->from || c->order[i - 1] != c->order[i]))
			take_best(&c->best_id[at], &c->best_agree[at], id,
				  score_minhash_agree(c->p->sig(c->p->ud, at), sig));
	}
	store_neardup_sigs_close(sigs);
	return rc;
}

static void *compare_thread(void *arg)
{
	cmp_part *c = arg;
	c->rc = compare_part(c, &c->err);
	return NULL;
}

/* Candidates below which a batch is compared on one thread. */
#define TWO_THREADS_FROM 8192

/* The second half of the batch (from its first whole id) on a thread of
 * its own reading on the pass's reader connection, when there is one;
 * returns the part's start (n: none). */
static size_t compare_split(old_pass *p, const uint64_t *order, size_t n, cmp_part *c,
			    pthread_t *th)
{
	if (p->workers < 2 || n < TWO_THREADS_FROM)
		return n;
	/* A connection of its own, opened once a batch is large enough;
	 * without one the batch is read on the pass's alone. */
	if (!p->reader_tried) {
		assay_error e = {0};
		p->reader_tried = true;
		if (store_open_reader(p->s, &p->reader, &e) < 0)
			p->reader = NULL;
	}
	if (!p->reader)
		return n;
	size_t mid = n / 2;
	while (mid < n && order[mid - 1] >> ID_SHIFT == order[mid] >> ID_SHIFT)
		mid++;
	size_t chunk = p->ch->n;
	*c = (cmp_part){.p = p, .order = order, .from = mid, .to = n, .s = p->reader};
	c->best_id = calloc(chunk ? chunk : 1, sizeof *c->best_id);
	c->best_agree = calloc(chunk ? chunk : 1, sizeof *c->best_agree);
	if (mid == n || !c->best_id || !c->best_agree ||
	    pthread_create(th, NULL, compare_thread, c) != 0) {
		free(c->best_id);
		free(c->best_agree);
		return n;
	}
	return mid;
}

/* Each candidate's signature read once, compared with the chunk samples
 * that met it (the two halves of a large batch on two threads). */
static int old_compare(old_pass *p, assay_error *err)
{
	uint64_t *order = malloc((p->n_hits ? p->n_hits : 1) * 2 * sizeof *order);
	if (!order)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory for near-duplicates");
	uint64_t top = 0;
	for (size_t i = 0; i < p->n_hits; i++) {
		order[i] = (uint64_t)p->hit_ids[i] << ID_SHIFT | p->hit_at[i];
		top |= (uint64_t)p->hit_ids[i];
	}
	if (bits_of(top) + ID_SHIFT > 64) {
		free(order);
		return assay_fail(err, ASSAY_EDB,
				  "a sample id too large for the near-duplicate index");
	}
	radix_sort(order, order + p->n_hits, p->n_hits, ID_SHIFT, ID_SHIFT + bits_of(top));
	nd_chunk *ch = p->ch;
	cmp_part other;
	pthread_t th;
	size_t mid = compare_split(p, order, p->n_hits, &other, &th);
	cmp_part mine = {.p = p,
			 .order = order,
			 .from = 0,
			 .to = mid,
			 .s = p->s,
			 .best_id = ch->old_id,
			 .best_agree = ch->old_agree};
	int rc = compare_part(&mine, err);
	if (mid < p->n_hits) {
		pthread_join(th, NULL);
		for (size_t at = 0; at < ch->n; at++)
			if (other.best_id[at])
				take_best(&ch->old_id[at], &ch->old_agree[at], other.best_id[at],
					  other.best_agree[at]);
		if (rc == 0 && other.rc < 0) {
			*err = other.err;
			rc = other.rc;
		}
		free(other.best_id);
		free(other.best_agree);
	}
	free(order);
	p->n_hits = 0;
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Sorts a bucket: by insertion when it is small, else by qsort (a bucket
 * of many near-identical samples' keys stays n log n). The values are
 * distinct (their low halves are), so either gives the one order. */
static void sort_bucket(uint64_t *a, size_t n)
{
	if (n > 48)
		qsort(a, n, sizeof *a, cmp_u64);
	else
		assay_sort_small_u64(a, n);
}

/* Each pair's low half is its sample's place from the latest (and its
 * band), so the pairs in full order are by key, then the latest sample
 * first, its bands in order. Counted into buckets straight from the keys:
 * no second array of pairs. */
void nd_pairs(nd_chunk *ch)
{
	uint32_t *at = ch->bucket;
	memset(at, 0, sizeof ch->bucket);
	for (size_t i = 0; i < ch->n; i++)
		for (size_t b = 0; b < SCORE_MH_BANDS; b++)
			at[(ch->keys[i][b] >> (32 - ND_PAIR_TOP)) + 1]++;
	for (size_t d = 0; d < 1u << ND_PAIR_TOP; d++)
		at[d + 1] += at[d];
	for (size_t i = ch->n; i-- > 0;)
		for (size_t b = 0; b < SCORE_MH_BANDS; b++) {
			uint32_t key = ch->keys[i][b];
			ch->pairs[at[key >> (32 - ND_PAIR_TOP)]++] =
			    (uint64_t)key << 32 | (uint32_t)((ND_CHUNK - 1 - i) << 5 | b);
		}
	/* at[d] is now bucket d's end, the next one's start */
	for (size_t d = 0, from = 0; d < 1u << ND_PAIR_TOP; d++) {
		sort_bucket(ch->pairs + from, at[d] - from);
		from = at[d];
	}
}

int nd_old_match(store *s, int64_t upto, nd_chunk *ch, const uint8_t *(*sig)(void *ud, size_t i),
		 void *ud, size_t *bytes, assay_error *err)
{
	memset(ch->old_id, 0, ch->n * sizeof *ch->old_id);
	memset(ch->old_agree, 0, ch->n * sizeof *ch->old_agree);
	if (upto <= 0 || ch->n == 0)
		return ASSAY_OK;
	old_pass p = {.s = s,
		      .sig = sig,
		      .ud = ud,
		      .ch = ch,
		      .pairs = ch->pairs,
		      .n_pairs = ch->n * SCORE_MH_BANDS,
		      .upto = upto};
	p.taken = calloc(p.n_pairs, 1);
	if (!p.taken)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory for near-duplicates");
	/* Only the stored entries of a key the chunk has are decoded whole. */
	size_t n_want = 0;
	for (size_t i = 0; i < p.n_pairs; i++)
		if (n_want == 0 || ch->want[n_want - 1] != (uint32_t)(p.pairs[i] >> 32))
			ch->want[n_want++] = (uint32_t)(p.pairs[i] >> 32);
	p.workers = assay_workers();
	int rc = store_neardup_block_scan(s, ch->want, n_want, p.workers, old_block, &p, err);
	size_t held = p.n_pairs + p.cap_hits * (sizeof *p.hit_ids + sizeof *p.hit_at + 16);
	if (held > *bytes)
		*bytes = held;
	free(p.taken);
	if (rc == 0)
		rc = old_compare(&p, err);
	free(p.hit_ids);
	free(p.hit_at);
	store_close(p.reader);
	return rc;
}

/* Entries per block written (a key's entries are never split, so a block
 * may hold more): ~58 KiB, so that the part of its last page a block
 * leaves empty is small beside it. */
#define BLOCK 16384

int nd_old_append(store *s, const nd_chunk *ch, const int64_t *ids, assay_error *err)
{
	size_t n = ch->n * SCORE_MH_BANDS, cap = BLOCK, len = 0;
	uint32_t *bk = malloc(cap * sizeof *bk);
	int64_t *bi = malloc(cap * sizeof *bi);
	int rc = bk && bi ? ASSAY_OK : assay_fail(err, ASSAY_ENOMEM, "out of memory");
	for (size_t i = 0; i < n && rc == 0; i++) {
		uint32_t key = (uint32_t)(ch->pairs[i] >> 32);
		if (len >= BLOCK && key != bk[len - 1]) {
			rc = store_neardup_block_put(s, bk, bi, len, err);
			len = 0;
		}
		if (rc == 0 && len == cap) {
			cap *= 2;
			uint32_t *k2 = realloc(bk, cap * sizeof *bk);
			if (k2)
				bk = k2;
			int64_t *i2 = k2 ? realloc(bi, cap * sizeof *bi) : NULL;
			if (i2)
				bi = i2;
			else
				rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
		}
		if (rc == 0) {
			bk[len] = key;
			bi[len++] = ids[pair_at(ch->pairs[i])];
		}
	}
	if (rc == 0)
		rc = store_neardup_block_put(s, bk, bi, len, err);
	free(bk);
	free(bi);
	return rc;
}
