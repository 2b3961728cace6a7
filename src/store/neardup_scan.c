/* neardup_scan.c — the band blocks of a scan (neardup_bands.c) decoded on
 * more than one thread: the connection's thread reads each block's bytes
 * into a ring of slots, helper threads and that thread decode the slots in
 * turn, and that thread hands the decoded entries to the caller's function
 * in the order the blocks were read, so that the caller sees exactly what a
 * scan on one thread gives. Only the reading thread touches the database
 * and the caller's error. */
#include "neardup_code.h"
#include "neardup_pg.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Blocks read ahead of the one handed over: ~0.5 MiB of bytes at most. */
#define RING 8
/* Helper threads at most (the reading thread decodes too). */
#define HELPERS 3

enum { SLOT_FREE, SLOT_READ, SLOT_DECODING, SLOT_DONE };

/* A block read: its bytes, then its (wanted) entries. */
typedef struct scan_slot {
	uint8_t *blob;
	size_t len, cap;
	uint32_t *keys;
	int64_t *ids;
	size_t n_cap;
	long got; /* entries decoded; DAMAGED or NO_MEMORY */
	int state;
} scan_slot;

#define DAMAGED	  (-1)
#define NO_MEMORY (-2)

struct neardup_ring {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const store_neardup_blocks *b;
	scan_slot slot[RING];
	/* counts of blocks: handed over, read, and taken to decode */
	size_t head, tail, next;
	bool stop;
	pthread_t helper[HELPERS];
	size_t helpers;
};

/* Decodes slot t's block (without the lock: the slot is the taker's). */
static void decode(const store_neardup_blocks *b, scan_slot *t)
{
	size_t n = neardup_code_count(t->blob, t->len);
	if (n > t->n_cap) {
		uint32_t *k = realloc(t->keys, n * sizeof *k);
		if (k)
			t->keys = k;
		int64_t *v = k ? realloc(t->ids, n * sizeof *v) : NULL;
		if (!v) {
			t->got = NO_MEMORY;
			return;
		}
		t->ids = v;
		t->n_cap = n;
	}
	if (b->want)
		t->got = neardup_code_match(t->blob, t->len, b->want, b->n_want, b->filter,
					    t->keys, t->ids);
	else
		t->got = neardup_code_get(t->blob, t->len, t->keys, t->ids) < 0 ? DAMAGED
										 : (long)n;
	if (t->got < 0)
		t->got = DAMAGED;
}

/* Takes the next block read and not yet taken and decodes it (called and
 * returning with the lock held). */
static void take_one(neardup_ring *g)
{
	scan_slot *t = &g->slot[g->next++ % RING];
	t->state = SLOT_DECODING;
	pthread_mutex_unlock(&g->mu);
	decode(g->b, t);
	pthread_mutex_lock(&g->mu);
	t->state = SLOT_DONE;
	pthread_cond_broadcast(&g->cv);
}

static void *helper(void *arg)
{
	neardup_ring *g = arg;
	pthread_mutex_lock(&g->mu);
	for (;;) {
		while (!g->stop && g->next == g->tail)
			pthread_cond_wait(&g->cv, &g->mu);
		if (g->stop)
			break;
		take_one(g);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

void neardup_ring_start(store_neardup_blocks *b, size_t workers)
{
	if (workers < 2)
		return;
	neardup_ring *g = calloc(1, sizeof *g);
	if (!g)
		return;
	g->b = b;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	for (size_t i = 0; i + 1 < workers && i < HELPERS; i++)
		if (pthread_create(&g->helper[g->helpers], NULL, helper, g) == 0)
			g->helpers++;
	b->ring = g;
	/* No thread to be had: the scan decodes each block as it reads it. */
	if (g->helpers == 0)
		neardup_ring_finish(b, ASSAY_OK, NULL);
}

/* Hands the oldest block read to the caller's function once decoded,
 * decoding blocks itself meanwhile (called with the lock held; returns
 * with it held). */
static int hand_over(store_neardup_blocks *b, assay_error *err)
{
	neardup_ring *g = b->ring;
	scan_slot *t = &g->slot[g->head % RING];
	while (t->state != SLOT_DONE) {
		if (g->next < g->tail)
			take_one(g);
		else
			pthread_cond_wait(&g->cv, &g->mu);
	}
	pthread_mutex_unlock(&g->mu);
	int rc = ASSAY_OK;
	if (t->got == NO_MEMORY)
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory for the near-duplicate index");
	else if (t->got < 0)
		rc = assay_fail(err, ASSAY_EDB, "%s: a block of the near-duplicate index is damaged",
				b->path);
	else if (t->got > 0)
		rc = b->fn(b->ud, t->keys, t->ids, (size_t)t->got, err);
	pthread_mutex_lock(&g->mu);
	t->state = SLOT_FREE;
	g->head++;
	return rc;
}

int neardup_ring_push(store_neardup_blocks *b, const void *blob, size_t len, assay_error *err)
{
	neardup_ring *g = b->ring;
	int rc = ASSAY_OK;
	pthread_mutex_lock(&g->mu);
	while (rc == 0 && g->tail - g->head == RING)
		rc = hand_over(b, err);
	pthread_mutex_unlock(&g->mu);
	if (rc < 0)
		return rc;
	/* The slot at tail is free and no other thread looks at it. */
	scan_slot *t = &g->slot[g->tail % RING];
	if (len > t->cap) {
		uint8_t *p = realloc(t->blob, len);
		if (!p)
			return assay_fail(err, ASSAY_ENOMEM,
					  "out of memory for the near-duplicate index");
		t->blob = p;
		t->cap = len;
	}
	memcpy(t->blob, blob, len);
	t->len = len;
	pthread_mutex_lock(&g->mu);
	t->state = SLOT_READ;
	g->tail++;
	pthread_cond_broadcast(&g->cv);
	/* The blocks already decoded go on now, in order. */
	while (rc == 0 && g->head < g->tail && g->slot[g->head % RING].state == SLOT_DONE)
		rc = hand_over(b, err);
	pthread_mutex_unlock(&g->mu);
	return rc;
}

int neardup_ring_finish(store_neardup_blocks *b, int rc, assay_error *err)
{
	neardup_ring *g = b->ring;
	if (!g)
		return rc;
	pthread_mutex_lock(&g->mu);
	while (rc == 0 && g->head < g->tail)
		rc = hand_over(b, err);
	g->stop = true;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	/* A helper stops once the block it decodes is done. */
	for (size_t i = 0; i < g->helpers; i++)
		pthread_join(g->helper[i], NULL);
	for (size_t i = 0; i < RING; i++) {
		free(g->slot[i].blob);
		free(g->slot[i].keys);
		free(g->slot[i].ids);
	}
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	free(g);
	b->ring = NULL;
	return rc;
}
