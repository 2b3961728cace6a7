/* neardup_int.h — the near-duplicate pass's state between its files:
 * neardup.c (the run: a chunk of new samples at a time through the
 * in-memory LSH, clusters, writes) and neardup_old.c (matching a chunk
 * against the samples the index on disk already holds, those of earlier
 * chunks of the run included, by their band keys in key order, and
 * appending the chunk's own keys to it). */
#ifndef ASSAY_SCORE_NEARDUP_INT_H
#define ASSAY_SCORE_NEARDUP_INT_H

#include "run_int.h"

/* New samples matched against the stored index per pass over its keys. */
#define ND_CHUNK SCORE_ND_CHUNK
/* Samples read from the store at a time (their signatures computed
 * together). */
#define ND_PAGE 4096
/* nd_pairs' buckets: the pairs placed by their key's top bits, then each
 * bucket sorted on its own (about 20 pairs in one at a full chunk). */
#define ND_PAIR_TOP 16
/* Candidates per band key, most recent first (as the in-memory index). */
#define ND_CHAIN 64

/* A chunk of the run's new samples, in id order: their band keys, the
 * same sorted (nd_pairs) and, once matched, the most similar sample of the
 * stored index (old_id 0: none). */
typedef struct nd_chunk {
	size_t n;
	union {
		uint32_t keys[ND_CHUNK][SCORE_MH_BANDS]; /* until nd_pairs */
		uint32_t want[ND_CHUNK * SCORE_MH_BANDS]; /* then the pairs' keys, once each */
	};
	/* key << 32 | (ND_CHUNK - 1 - index) << 5 | band, ascending: by key,
	 * then the latest sample first */
	uint64_t pairs[ND_CHUNK * SCORE_MH_BANDS];
	uint32_t bucket[(1u << ND_PAIR_TOP) + 1]; /* nd_pairs' counts */
	int64_t old_id[ND_CHUNK];
	int old_agree[ND_CHUNK];
	score_lsh_match m[ND_CHUNK]; /* the best among the chunk's earlier samples */
} nd_chunk;

/* Fills ch->pairs from ch->keys (which ch->want then overwrites). */
void nd_pairs(nd_chunk *ch);
/* Fills ch->old_id and ch->old_agree from the samples indexed up to upto
 * (sig(i) gives the 8-bit signature of the chunk's sample i); *bytes gets
 * the memory it held at most. */
int nd_old_match(store *s, int64_t upto, nd_chunk *ch,
		 const uint8_t *(*sig)(void *ud, size_t i), void *ud, size_t *bytes,
		 assay_error *err);
/* Appends the chunk's band keys (ch->pairs; ids[i]: its sample i's id) to
 * the index on disk, a key's entries never split between two blocks. */
int nd_old_append(store *s, const nd_chunk *ch, const int64_t *ids, assay_error *err);

/* A page of new samples read and signed, what the run adds to its chunk:
 * each sample's id, batch, whether its score is wanted (the page query's
 * need), its 8-bit signature (all the in-memory index keeps of it) and its
 * band keys. */
typedef struct nd_signed {
	size_t n;
	int64_t id[ND_PAGE], batch[ND_PAGE];
	bool need[ND_PAGE];
	uint8_t sig[ND_PAGE][SCORE_MH_K];
	uint32_t keys[ND_PAGE][SCORE_MH_BANDS];
} nd_signed;

/* Signs pages of samples on that many threads, the calling one included,
 * each with its own analysis buffers (neardup_sig.c). */
typedef struct nd_sigs nd_sigs;
nd_sigs *nd_sigs_new(size_t workers, assay_error *err);
void nd_sigs_free(nd_sigs *g);
size_t nd_sigs_bytes(const nd_sigs *g);
/* Fills out from items[0..n) (n <= ND_PAGE). */
int nd_sigs_page(nd_sigs *g, const store_score_item *items, size_t n, nd_signed *out,
		 assay_error *err);

/* The run's new samples in id order, a signed page at a time
 * (neardup_feed.c): read on a connection of their own and signed on a
 * thread of their own, a chunk's pages ahead of the one the run adds, or
 * on the caller's connection and thread as it asks for each. */
typedef struct nd_feed nd_feed;
/* The samples of q after after_id; ahead: read them ahead when a reader
 * connection can be had (else, and without ahead, as asked); stop: once
 * raised, nd_feed_next hands over no further page. */
int nd_feed_start(store *s, const store_score_query *q, int64_t after_id, bool ahead,
		  volatile sig_atomic_t *stop, nd_feed **out, assay_error *err);
/* The next page in id order (NULL at the end, or once stopped). The
 * reading's error comes after the pages before it, as it would have. */
int nd_feed_next(nd_feed *f, const nd_signed **page, assay_error *err);
/* The page nd_feed_next gave is done with: its room may be refilled. */
void nd_feed_done(nd_feed *f);
/* Whether pages are read ahead (on a reader connection). */
bool nd_feed_ahead(const nd_feed *f);
/* Ends the reading ahead (a page being signed is finished first) and
 * joins its thread; pages made before stay to be handed over. */
void nd_feed_stop(nd_feed *f);
/* The feed's memory: read once it is stopped (the thread fills it). */
size_t nd_feed_bytes(const nd_feed *f);
/* Stops the reading (a page being signed is finished first), closes the
 * reader connection, frees. */
void nd_feed_free(nd_feed *f);

#endif
