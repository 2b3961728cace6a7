/* import_read.c — an import's reader thread: it cuts the source into
 * records, checks and parses each one, and hands them over in order to
 * the inserting thread (import.c) through a bounded ring. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "import_int.h"

/* The reader thread's part for one record: copy it out of the reader's
 * buffer, check and parse it, and keep the fields the insert needs. */
static int fill_slot(run *r, slot *sl, assay_error *err)
{
	rec_fields f = {0};
	sl->parsed = ASSAY_EFORMAT;
	if (!sl->rec.error[0])
		sl->parsed = rec_parse(sl->rec.raw, sl->rec.len, &r->ro, sl->rec.line, &f, sl->why,
				       sizeof sl->why);
	if ((sl->missing = f.missing) != RPT_NONE)
		rpt_census_add(&r->census, f.json);
	if (sl->parsed == ASSAY_OK && f.context_looked) {
		r->context_looked++;
		r->context_named += f.context_named;
	}
	size_t tlen = sl->parsed == ASSAY_OK ? f.text_len : 0;
	size_t ilen = sl->parsed == ASSAY_OK ? strlen(f.id) : 0;
	size_t clen = sl->parsed == ASSAY_OK ? f.context_len : 0;
	size_t plen = sl->parsed == ASSAY_OK ? f.pair_len : 0;
	size_t need = sl->rec.len + tlen + ilen + clen + plen + 5;
	if (need > sl->cap) {
		char *b = realloc(sl->buf, need);
		if (!b) {
			rec_fields_free(&f);
			return assay_fail(err, ASSAY_ENOMEM, "out of memory");
		}
		sl->buf = b;
		sl->cap = need;
	}
	char *p = sl->buf;
	if (sl->rec.len) /* a refused record may come without its bytes */
		memcpy(p, sl->rec.raw, sl->rec.len);
	p[sl->rec.len] = '\0';
	sl->rec.raw = p;
	p += sl->rec.len + 1;
	if (sl->parsed == ASSAY_OK) {
		memcpy(p, f.text, tlen);
		p[tlen] = '\0';
		sl->text = p;
		sl->text_len = tlen;
		p += tlen + 1;
		memcpy(p, f.id, ilen + 1);
		sl->id = p;
		p += ilen + 1;
		sl->context = NULL;
		if (f.context) {
			memcpy(p, f.context, clen + 1);
			sl->context = p;
			p += clen + 1;
		}
		sl->context_len = clen;
		sl->pair = f.pair ? memcpy(p, f.pair, plen + 1) : NULL;
		sl->pair_len = plen;
		/* an option's or a default's lives on; a turn's path is copied */
		sl->text_field = f.text_field;
		if (f.text_field == f.field_buf) {
			snprintf(sl->field, sizeof sl->field, "%s", f.field_buf);
			sl->text_field = sl->field;
		}
		sl->hash = f.hash;
		/* looked for here, so the inserting thread does not */
		sl->text_found = store_text_place(sl->rec.raw, sl->rec.len, sl->text, tlen,
						  &sl->text_at) ? 1 : -1;
	}
	rec_fields_free(&f);
	return ASSAY_OK;
}

/* Each record is handed over as soon as it is parsed (a source that
 * stalls must not hold back what came before), with a signal only when
 * the inserting side waits for one; it takes them back in runs. */
static void *reader_main(void *arg)
{
	run *r = arg;
	ring *q = r->q;
	for (;;) {
		pthread_mutex_lock(&q->mu);
		while (!atomic_load(&r->cancel) &&
		       (q->n == RING_SLOTS || (q->n && q->bytes >= RING_BYTES))) {
			q->reader_waits = true;
			pthread_cond_wait(&q->changed, &q->mu);
			q->reader_waits = false;
		}
		bool stop = atomic_load(&r->cancel);
		slot *sl = &q->v[(q->head + q->n) % RING_SLOTS];
		pthread_mutex_unlock(&q->mu);
		if (stop)
			return NULL;
		/* the free slot is this thread's until it is handed over */
		sl->end = false;
		sl->err = (assay_error){0};
		int rc = r->rdr.ops->next(&r->rdr, &sl->rec, &sl->err);
		if (rc == 1)
			rc = fill_slot(r, sl, &sl->err) < 0 ? sl->err.code : 1;
		sl->bytes = r->rdr.in.bytes;
		if (rc != 1) {
			sl->end = true;
			sl->rc = rc;
			sl->rec.line = r->rdr.in.line;
		}
		pthread_mutex_lock(&q->mu);
		q->n++;
		q->bytes += sl->end ? 0 : sl->rec.len;
		if (q->inserter_waits)
			pthread_cond_signal(&q->changed);
		pthread_mutex_unlock(&q->mu);
		if (sl->end)
			return NULL;
	}
}

/* How many records are handed over, waiting for one; 0 when *stop is raised while
 * none comes for 100 ms (a signal, the reader waiting on a silent pipe). */
size_t ring_wait(ring *q, volatile sig_atomic_t *stop)
{
	pthread_mutex_lock(&q->mu);
	while (q->n == 0) {
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 100000000;
		if (t.tv_nsec >= 1000000000) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000;
		}
		q->inserter_waits = true;
		int w = pthread_cond_timedwait(&q->changed, &q->mu, &t);
		q->inserter_waits = false;
		if (w == ETIMEDOUT && stop && *stop)
			break;
	}
	size_t n = q->n;
	pthread_mutex_unlock(&q->mu);
	return n;
}

/* Gives the oldest k slots back to the reader thread. */
void ring_release(ring *q, size_t k)
{
	size_t bytes = 0;
	for (size_t i = 0; i < k; i++) {
		slot *sl = &q->v[(q->head + i) % RING_SLOTS];
		bytes += sl->end ? 0 : sl->rec.len;
		if (sl->cap > (1u << 20)) { /* one huge record does not stay allocated */
			free(sl->buf);
			sl->buf = NULL;
			sl->cap = 0;
		}
	}
	pthread_mutex_lock(&q->mu);
	q->bytes -= bytes;
	q->head = (q->head + k) % RING_SLOTS;
	q->n -= k;
	if (q->reader_waits)
		pthread_cond_signal(&q->changed);
	pthread_mutex_unlock(&q->mu);
}

int ring_start(run *r, assay_error *err)
{
	ring *q = calloc(1, sizeof *q);
	if (!q)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->changed, NULL);
	r->q = q;
	int e = pthread_create(&q->thread, NULL, reader_main, r);
	if (e != 0)
		return assay_fail(err, ASSAY_ENOMEM, "cannot start the reader thread: %s",
				  strerror(e));
	q->started = true;
	return ASSAY_OK;
}

/* Stops the reader thread (wherever it is) and frees the ring. */
void ring_stop(run *r)
{
	ring *q = r->q;
	if (!q)
		return;
	if (q->started) {
		atomic_store(&r->cancel, 1);
		pthread_mutex_lock(&q->mu); /* a reader waiting for room sees it */
		pthread_cond_broadcast(&q->changed);
		pthread_mutex_unlock(&q->mu);
		pthread_join(q->thread, NULL);
	}
	for (size_t i = 0; i < RING_SLOTS; i++)
		free(q->v[i].buf);
	pthread_cond_destroy(&q->changed);
	pthread_mutex_destroy(&q->mu);
	free(q);
	r->q = NULL;
}
