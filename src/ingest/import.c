/* import.c — one source into one batch: pick or resume the batch, read
 * records, insert them in chunked transactions (one transaction with
 * --strict), and keep the batch's counts in step with what is committed,
 * so an import killed at any moment can simply be run again.
 *
 * Two threads share the work: a reader thread cuts the source into
 * records and checks and parses each one (JSON, fields, normalized hash),
 * handing them over in order through a bounded ring; the calling thread
 * only inserts. Every outcome (rejections, their order, --strict, the
 * counts) is what one thread doing both would produce. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assay/ingest.h"
#include "assay/net.h"
#include "assay/text.h"
#include "ingest_int.h"
#include "record.h"
#include "report.h"

#define DEFAULT_COMMIT_EVERY 131072
#define PROGRESS_EVERY 8192

/* One record on its way from the reader thread to the inserting one,
 * with what parsing found; everything it points to is in buf (the parse
 * tree is freed by the thread that made it). */
typedef struct slot {
	record rec;      /* raw points into buf */
	char *buf;       /* raw, then the text, the id and the context, each NUL-ended */
	size_t cap;
	int parsed;      /* ASSAY_OK, or rec_parse's refusal (why, missing) */
	int missing;
	const char *text, *id, *text_field, *context, *pair;
	size_t text_len, context_len, pair_len;
	char field[96];  /* a conversation turn's path */
	uint64_t hash;
	int text_found;  /* where the text's bytes are in the record (store_new_sample) */
	int64_t text_at;
	char why[512];
	int64_t bytes;   /* source bytes consumed up to this record */
	bool end;        /* no record: the source ended (rc, err, line) */
	int rc;
	assay_error err;
} slot;

/* The ring between the threads: at most RING_SLOTS records, and no more
 * than RING_BYTES of them (always at least one), so memory stays bounded
 * whatever the records' size. */
#define RING_SLOTS 256
#define RING_BYTES (4u << 20)

typedef struct ring {
	pthread_mutex_t mu;
	pthread_cond_t changed;
	slot v[RING_SLOTS];
	size_t head, n;  /* the oldest filled slot, and how many are filled */
	size_t bytes;    /* raw bytes held by filled slots */
	bool started;
	bool reader_waits, inserter_waits; /* who needs a signal */
	pthread_t thread;
	ingest_view views[RING_SLOTS]; /* the run being inserted, for the scoring */
	store_new_sample ns[RING_SLOTS]; /* the run's samples inserted together */
	size_t at[RING_SLOTS];           /* run record i's is ns[at[i]] */
} ring;

typedef struct run {
	store *s;
	const ingest_options *o;
	ingest_result *res;
	reader rdr;      /* the reader thread's, once it runs */
	src in;
	rec_options ro;
	abuf scratch;
	char first_error[768];
	rpt rpt;         /* what is shown of the refusals (inserting thread) */
	rpt_census census; /* fields of records lacking a field (reader thread) */
	int64_t bytes;   /* source bytes behind the records taken so far */
	int64_t end_line;
	uint64_t source_hash; /* of the source as its batch records it */
	ring *q;
	bool scoring;    /* a run's scoring is started and not finished */
	atomic_int cancel; /* the inserting side stopped: the reader thread and a
			      read waiting for data end */
} run;

static void progress(run *r)
{
	if (!r->o->progress)
		return;
	ingest_progress p = {
		.source = r->in.name,
		.bytes = r->bytes,
		.total_bytes = r->in.total,
		.read = r->res->read,
		.imported = r->res->imported,
		.duplicate = r->res->duplicate,
		.rejected = r->res->rejected,
		.present = r->res->present,
	};
	r->o->progress(r->o->ud, &p);
}

static int reject(run *r, int64_t line, const char *why, int missing, assay_error *err)
{
	r->res->rejected++;
	if (!r->first_error[0])
		snprintf(r->first_error, sizeof r->first_error, "%s:%lld: %s", r->in.name,
			 (long long)line, why);
	rpt_refused(&r->rpt, line, why, missing);
	if (r->o->strict)
		return ASSAY_OK;
	return store_reject_add(r->s, r->res->batch_id, r->in.name, line, why, err);
}

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

/* Whether the import scores (not when it resumes a batch: its declared
 * kind is the batch's), and whether it scores this record. */
static bool scores(const run *r)
{
	return r->o->scoring && !r->res->resumed;
}

static bool scorable(const slot *sl)
{
	return !sl->end && !sl->rec.error[0] && sl->parsed == ASSAY_OK && !sl->pair;
}

/* Starts scoring the k records after the first `from` of the ring, to be
 * inserted after those. */
static int score_start(run *r, size_t from, size_t k, assay_error *err)
{
	if (!scores(r) || !k)
		return ASSAY_OK;
	ring *q = r->q;
	for (size_t i = 0; i < k; i++) {
		const slot *sl = &q->v[(q->head + from + i) % RING_SLOTS];
		q->views[i] = scorable(sl) ? (ingest_view){.text = sl->text, .text_len = sl->text_len,
							   .context = sl->context,
							   .context_len = sl->context_len,
							   .text_field = sl->text_field,
							   .kind = r->o->kind ? r->o->kind : "",
							   .record = sl->rec.raw,
							   .record_len = sl->rec.len}
					   : (ingest_view){0};
	}
	int rc = r->o->scoring->start(r->o->scoring->ud, q->views, k, err);
	r->scoring = rc == ASSAY_OK;
	return rc;
}

/* Waits for the run started last (its scores are then written). */
static int score_finish(run *r, assay_error *err)
{
	bool was = r->scoring;
	r->scoring = false;
	return was ? r->o->scoring->finish(r->o->scoring->ud, err) : ASSAY_OK;
}

/* Inserts the run's k whole records together (on PostgreSQL one COPY),
 * each scored one with its combined score. */
static int insert_run_of(run *r, size_t k, assay_error *err)
{
	ring *q = r->q;
	const ingest_scoring *sc = scores(r) ? r->o->scoring : NULL;
	size_t n = 0;
	for (size_t i = 0; i < k; i++) {
		const slot *sl = &q->v[(q->head + i) % RING_SLOTS];
		if (sl->end || sl->rec.error[0] || sl->parsed != ASSAY_OK)
			continue;
		q->ns[n] = (store_new_sample){
			.batch_id = r->res->batch_id, .ext_id = sl->id, .line = sl->rec.line,
			.text_field = sl->text_field, .text = sl->text, .text_len = sl->text_len,
			.record = sl->rec.raw, .record_len = sl->rec.len, .context = sl->context,
			.context_len = sl->context_len, .hash = sl->hash, .pair = sl->pair,
			.pair_len = sl->pair_len, .text_found = sl->text_found, .text_at = sl->text_at};
		if (sc && sc->combined && scorable(sl)) {
			q->ns[n].has_quality = true;
			q->ns[n].quality = sc->combined(sc->ud, i);
		}
		if (r->ro.dedup == REC_DEDUP_NONE) /* the key within its batch and source */
			q->ns[n].hash = text_hash64(&r->source_hash, sizeof r->source_hash,
						    text_hash64(&r->res->batch_id, 8, sl->hash));
		q->at[i] = n++;
	}
	return store_samples_insert_run(r->s, q->ns, n, err);
}

/* The inserting thread's part: a rejection, or the insert's outcome (scores written). */
static int take(run *r, slot *sl, size_t i, assay_error *err)
{
	char why[512];
	const record *rec = &sl->rec;
	if (rec->error[0])
		return reject(r, rec->line, rec->error, RPT_NONE, err);
	if (sl->parsed < 0)
		return reject(r, rec->line, sl->why, sl->missing, err);
	const store_new_sample *ns = &r->q->ns[r->q->at[i]];
	switch (ns->outcome) {
	case STORE_INSERTED:
		r->res->imported++;
		if (scores(r) && scorable(sl)) {
			const ingest_scoring *sc = r->o->scoring;
			int rc = sc->write(sc->ud, i, ns->id, err);
			if (rc < 0)
				return rc;
			r->res->scored++;
		}
		break;
	case STORE_DUPLICATE:
		r->res->duplicate++;
		break;
	case STORE_PRESENT:
		r->res->present++;
		break;
	default:
		snprintf(why, sizeof why, "id \"%.128s\" is already used by another record "
			 "of this batch", sl->id);
		return reject(r, rec->line, why, RPT_NONE, err);
	}
	rpt_accepted(&r->rpt);
	return ASSAY_OK;
}

/* ---- the reader thread ------------------------------------------------- */

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
static size_t ring_wait(ring *q, volatile sig_atomic_t *stop)
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
static void ring_release(ring *q, size_t k)
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

static int ring_start(run *r, assay_error *err)
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
static void ring_stop(run *r)
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

/* Says where each redirect followed to reach a URL's data led. */
static void announce_redirects(run *r, const char *source)
{
	const char *hop;
	char from[512], msg[1100];
	net_safe_url(source, from, sizeof from);
	for (int i = 0; r->in.net && r->o->report && (hop = net_stream_redirect(r->in.net, i));
	     i++) {
		snprintf(msg, sizeof msg, "%s: followed redirect to %s", from, hop);
		r->o->report(r->o->ud, NULL, 0, msg);
	}
}

static int open_reader(run *r, const char *source, const char *format, assay_error *err)
{
	net_options net = r->o->net ? *r->o->net : (net_options){0};
	net.cancel = &r->cancel;
	net.stop = r->o->stop;
	int rc = src_open(&r->in, source, &net, err);
	if (rc < 0)
		return rc;
	announce_redirects(r, source);
	size_t max = r->o->max_line ? r->o->max_line : INGEST_DEFAULT_MAX_LINE;
	if ((rc = rd_init(&r->rdr.in, &r->in, max, err)) < 0 ||
	    (rc = sniff_binary(&r->rdr.in, r->in.name, err)) < 0)
		return rc;
	skip_bom(&r->rdr.in);
	if (strcmp(format, "csv") == 0)
		return reader_csv(&r->rdr, err);
	if (strcmp(format, "json") == 0)
		return reader_json(&r->rdr, err);
	if (strcmp(format, "jsonl") == 0)
		return reader_jsonl(&r->rdr, err);
	return assay_fail(err, ASSAY_EINVAL, "unknown format \"%s\" (expected jsonl, json or csv)",
			  format);
}

static void close_run(run *r)
{
	ring_stop(r);
	if (r->rdr.ops)
		r->rdr.ops->free(&r->rdr);
	abuf_free(&r->rdr.scratch);
	rd_free(&r->rdr.in);
	src_close(&r->in);
	abuf_free(&r->scratch);
	rec_options_free(&r->ro);
}

/* Commits what is done so far and opens the next transaction. */
static int checkpoint(run *r, bool finished, bool reopen, assay_error *err)
{
	int rc = store_batch_refresh_counts(r->s, r->res->batch_id, r->res->read, finished, err);
	if (rc == ASSAY_OK)
		rc = store_commit(r->s, err);
	if (rc == ASSAY_OK && reopen)
		rc = store_begin(r->s, err);
	return rc;
}

/* Inserts the first `ready` records of the ring (their scores, when the
 * import scores, are ready); returns 1 when they are all taken (0 at the
 * source's end, or an error). */
static int insert_run(run *r, size_t ready, int *since_commit, assay_error *err)
{
	int every = r->o->commit_every > 0 ? r->o->commit_every : DEFAULT_COMMIT_EVERY;
	ring *q = r->q;
	int rc = insert_run_of(r, ready, err);
	for (size_t done = 0; rc == ASSAY_OK && done < ready; done++) {
		slot *sl = &q->v[(q->head + done) % RING_SLOTS];
		r->bytes = sl->bytes;
		if (sl->end) {
			r->end_line = sl->rec.line;
			if (sl->rc < 0)
				*err = sl->err;
			else if (r->o->stop && *r->o->stop) /* the file's end came in this run */
				return assay_fail(err, ASSAY_EINTR, "interrupted");
			return sl->rc; /* the reader thread has ended */
		}
		r->res->read++;
		if ((rc = take(r, sl, done, err)) < 0)
			return rc;
		if (r->o->strict && r->res->rejected)
			return assay_fail(err, ASSAY_EFORMAT, "%s (--strict: nothing imported)",
					  r->first_error);
		if (!r->o->strict && ++*since_commit >= every && done + 1 == ready) { /* a run's end */
			*since_commit = 0;
			if ((rc = checkpoint(r, false, true, err)) < 0)
				return rc;
		}
		if (r->res->read % PROGRESS_EVERY == 0)
			progress(r);
		if (r->o->stop && *r->o->stop && done + 1 == ready)
			return assay_fail(err, ASSAY_EINTR, "interrupted");
	}
	return rc < 0 ? rc : 1;
}

/* Runs of records as the reader thread hands them over: while one run is inserted,
 * the records handed over after it are scored (double buffering: the scoring keeps
 * two runs' results). A scored run is at most half the ring, leaving the reader room. */
#define RUN_CAP(n) ((n) < RING_SLOTS / 2 ? (n) : RING_SLOTS / 2)

static int read_all(run *r, assay_error *err)
{
	int since_commit = 0, rc;
	if ((rc = ring_start(r, err)) < 0)
		return rc;
	ring *q = r->q;
	size_t run_len = 0; /* records at the head whose scoring is started */
	for (;;) {
		size_t ready = ring_wait(q, r->o->stop);
		if (!ready)
			return assay_fail(err, ASSAY_EINTR, "interrupted");
		if (!run_len) {
			run_len = scores(r) ? RUN_CAP(ready) : ready;
			if ((rc = score_start(r, 0, run_len, err)) < 0)
				return rc;
		}
		if ((rc = score_finish(r, err)) < 0)
			return rc;
		size_t next = scores(r) ? ring_wait(q, NULL) - run_len : 0; /* it holds the run */
		next = RUN_CAP(next);
		if (next && (rc = score_start(r, run_len, next, err)) < 0)
			return rc;
		if ((rc = insert_run(r, run_len, &since_commit, err)) <= 0)
			return rc;
		ring_release(q, run_len);
		run_len = next;
	}
}

int ingest_import(store *s, const char *source, const ingest_options *o, ingest_result *res,
		  assay_error *err)
{
	*res = (ingest_result){0};
	const char *format = o->format ? o->format : ingest_format_for(source);
	run r = {.s = s, .o = o, .res = res};
	r.ro = (rec_options){.text_field = o->text_field, .id_field = o->id_field,
			     .scratch = &r.scratch};
	if (o->qualify_line_ids)
		r.ro.qualifier = strcmp(source, "-") == 0 ? "stdin" : source;
	char key[PATH_MAX + 64];
	ingest_source_key(source, key, sizeof key);
	r.source_hash = text_hash64(key, strlen(key), 0);
	int rc = rec_options_context(&r.ro, o, err);
	if (rc == ASSAY_OK)
		rc = rec_options_pair(&r.ro, o, err);
	if (rc < 0) {
		rec_options_free(&r.ro);
		return rc;
	}
	rc = open_reader(&r, source, format, err);
	if (rc == ASSAY_OK)
		rc = store_bulk_mode(s, err);
	if (rc == ASSAY_OK)
		rc = store_begin(s, err);
	if (rc < 0) {
		close_run(&r);
		return rc;
	}
	rpt_init(&r.rpt, o, r.in.name);
	if ((rc = ingest_pick_batch(s, source, format, o, &r.ro, res, err)) == ASSAY_OK)
		rc = read_all(&r, err);
	if (r.scoring) /* stopped with a run being scored: its records stay until it ends */
		score_finish(&r, &(assay_error){0});
	bool fatal_format = rc == ASSAY_EFORMAT && !o->strict;
	if (fatal_format) {
		/* A structural error ends the source; keep what came before it. */
		res->rejected++;
		rpt_message(&r.rpt, err->msg);
		rc = store_reject_add(s, res->batch_id, r.in.name, r.end_line, err->msg, err);
	}
	if (rc == ASSAY_OK || rc == ASSAY_EINTR) {
		assay_error saved = *err;
		int crc = checkpoint(&r, rc == ASSAY_OK, false, err);
		if (crc < 0)
			rc = crc;
		else if (rc == ASSAY_EINTR)
			*err = saved;
	} else {
		store_rollback(s);
	}
	progress(&r);
	close_run(&r); /* the reader thread has ended: its census can be read */
	rpt_finish(&r.rpt, &r.census);
	if (rc == ASSAY_OK && res->rejected)
		return assay_fail(err, ASSAY_EPARTIAL, "%lld of %lld records rejected",
				  (long long)res->rejected, (long long)res->read);
	return rc;
}
