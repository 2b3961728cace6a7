/* neardup_feed.c — the near-duplicate pass's new samples, read and signed
 * ahead of the run: while the run adds a page to its chunk and matches and
 * writes the chunk (one thread), a thread of the feed reads the next pages
 * on a reader connection of its own and signs them, up to a chunk's pages
 * ahead, so both cores work. Pages are handed over in id order, each once.
 *
 * Why reading ahead reads what the run would have read: the pages ahead
 * hold samples after the last one the run has added, and a chunk's
 * transaction writes the near-duplicate rows, band keys, scores and
 * combined scores of its own samples and of earlier ones (the stored
 * clusters a sample joined), never a later sample's. What the page query
 * reads of a sample (its text, context, batch, and its stored scores for
 * the need flag) is therefore the same in a snapshot taken before a
 * chunk's commit as after it; each page is one statement, so one snapshot,
 * and the reader holds none between pages (the writer's checkpoints go
 * on). Another process writing the same samples meanwhile races with the
 * pass as it did when a page was read just before its use. */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "neardup_int.h"

/* Pages held: those of a chunk ahead of the one being added, so a chunk's
 * matching and writes are covered by the signing of the next. */
#define FEED_PAGES (ND_CHUNK / ND_PAGE + 1)

struct nd_feed {
	store *s, *reader; /* reader NULL: read on s when asked */
	store_score_want want;
	store_score_query q;
	store_score_page page; /* the text of the page being signed */
	nd_sigs *sigs;
	volatile sig_atomic_t *stop; /* read by the run's thread only */
	pthread_t thread;
	bool started, joined;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t made, used; /* pages signed, and handed back done with */
	bool end, quit;	   /* end: no page after the made ones; quit: asked to stop */
	int rc;		   /* the reading's failure, after the made pages */
	assay_error err;
	nd_signed pages[FEED_PAGES];
};

/* Reads and signs the next page into out (out->n 0: none is left). */
static int feed_fill(nd_feed *f, store *s, nd_signed *out, assay_error *err)
{
	out->n = 0;
	int rc = store_score_page_next(s, &f->q, ND_PAGE, &f->page, err);
	if (rc < 0 || f->page.n == 0)
		return rc;
	return nd_sigs_page(f->sigs, f->page.items, f->page.n, out, err);
}

/* The feed's thread: fills the pages in turn while there is room. */
static void *feed_thread(void *arg)
{
	nd_feed *f = arg;
	pthread_mutex_lock(&f->mu);
	for (;;) {
		while (!f->quit && f->made - f->used == FEED_PAGES)
			pthread_cond_wait(&f->cv, &f->mu);
		if (f->quit) {
			f->end = true;
			break;
		}
		nd_signed *out = &f->pages[f->made % FEED_PAGES];
		pthread_mutex_unlock(&f->mu);
		assay_error err = {0};
		int rc = feed_fill(f, f->reader, out, &err);
		pthread_mutex_lock(&f->mu);
		if (rc < 0 || out->n == 0) {
			f->rc = rc;
			f->err = err;
			f->end = true;
			break;
		}
		f->made++;
		pthread_cond_broadcast(&f->cv);
	}
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

/* The thread with its reader connection; false (nothing started) when
 * either cannot be had: the pages are then read when asked. */
static bool feed_thread_start(nd_feed *f)
{
	assay_error ignored = {0};
	/* a writer's open transaction holds what a reader could not see */
	if (store_in_tx(f->s) || store_open_reader(f->s, &f->reader, &ignored) < 0)
		return false;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	if (pthread_create(&f->thread, NULL, feed_thread, f) != 0) {
		pthread_mutex_destroy(&f->mu);
		pthread_cond_destroy(&f->cv);
		store_close(f->reader);
		f->reader = NULL;
		return false;
	}
	f->started = true;
	return true;
}

int nd_feed_start(store *s, const store_score_query *q, int64_t after_id, bool ahead,
		  volatile sig_atomic_t *stop, nd_feed **out, assay_error *err)
{
	*out = NULL;
	nd_feed *f = calloc(1, sizeof *f);
	if (!f)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	f->s = s;
	f->q = *q;
	if (q->n_want == 1) {
		f->want = q->want[0];
		f->q.want = &f->want;
	}
	f->page.last_id = after_id;
	f->stop = stop;
	/* Reading ahead, the run's own thread is the other core's. */
	size_t workers = assay_workers();
	ahead = ahead && workers > 1;
	if (!(f->sigs = nd_sigs_new(ahead ? workers - 1 : workers, err))) {
		free(f);
		return err->code;
	}
	if (ahead && !feed_thread_start(f)) {
		nd_sigs_free(f->sigs);
		if (!(f->sigs = nd_sigs_new(workers, err))) {
			free(f);
			return err->code;
		}
	}
	*out = f;
	return ASSAY_OK;
}

int nd_feed_next(nd_feed *f, const nd_signed **page, assay_error *err)
{
	*page = NULL;
	/* The stop is read on this thread only (a signal's handler sets it):
	 * the feed's thread is told to quit. */
	if (f->stop && *f->stop) {
		if (f->started) {
			pthread_mutex_lock(&f->mu);
			f->quit = true;
			pthread_cond_broadcast(&f->cv);
			pthread_mutex_unlock(&f->mu);
		}
		return ASSAY_OK;
	}
	if (!f->started) {
		int rc = feed_fill(f, f->s, &f->pages[0], err);
		if (rc == 0 && f->pages[0].n)
			*page = &f->pages[0];
		return rc;
	}
	pthread_mutex_lock(&f->mu);
	while (f->used == f->made && !f->end)
		pthread_cond_wait(&f->cv, &f->mu);
	int rc = ASSAY_OK;
	if (f->used < f->made)
		*page = &f->pages[f->used % FEED_PAGES];
	else if ((rc = f->rc) < 0)
		*err = f->err;
	pthread_mutex_unlock(&f->mu);
	return rc;
}

void nd_feed_done(nd_feed *f)
{
	if (!f->started)
		return;
	pthread_mutex_lock(&f->mu);
	f->used++;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

bool nd_feed_ahead(const nd_feed *f)
{
	return f->started;
}

size_t nd_feed_bytes(const nd_feed *f)
{
	if (!f)
		return 0;
	/* read when asked, only the first page is ever filled */
	size_t pages = f->started ? FEED_PAGES : 1;
	return offsetof(nd_feed, pages) + pages * sizeof(nd_signed) + f->page.arena.cap +
	       f->page.cap * sizeof *f->page.items + nd_sigs_bytes(f->sigs);
}

void nd_feed_stop(nd_feed *f)
{
	if (!f || !f->started || f->joined)
		return;
	pthread_mutex_lock(&f->mu);
	f->quit = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->thread, NULL);
	f->joined = true;
}

void nd_feed_free(nd_feed *f)
{
	if (!f)
		return;
	nd_feed_stop(f);
	if (f->started) {
		pthread_mutex_destroy(&f->mu);
		pthread_cond_destroy(&f->cv);
	}
	store_close(f->reader);
	store_score_page_free(&f->page);
	nd_sigs_free(f->sigs);
	free(f);
}
