/* import.c — one source into one batch: pick or resume the batch, read
 * records, insert them in chunked transactions (one transaction with
 * --strict), and keep the batch's counts in step with what is committed,
 * so an import killed at any moment can simply be run again.
 *
 * Two threads share the work: a reader thread (import_read.c) cuts the
 * source into records and checks and parses each one (JSON, fields,
 * normalized hash), handing them over in order through a bounded ring;
 * the calling thread only inserts. Every outcome (rejections, their
 * order, --strict, the counts) is what one thread doing both would
 * produce. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/ingest.h"
#include "assay/net.h"
#include "assay/text.h"
#include "import_int.h"

#define DEFAULT_COMMIT_EVERY 131072
#define PROGRESS_EVERY 8192

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

/* Inserts the run's k whole records together (on PostgreSQL one COPY). */
static int insert_run_of(run *r, size_t k, assay_error *err)
{
	ring *q = r->q;
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
		if (r->ro.dedup == REC_DEDUP_NONE) /* the key within its batch and source */
			q->ns[n].hash = text_hash64(&r->source_hash, sizeof r->source_hash,
						    text_hash64(&r->res->batch_id, 8, sl->hash));
		q->at[i] = n++;
	}
	return store_samples_insert_run(r->s, q->ns, n, err);
}

/* The inserting thread's part: a rejection, or the insert's outcome. */
static int take(run *r, slot *sl, size_t i, assay_error *err)
{
	char why[512];
	const record *rec = &sl->rec;
	const char *refused = rec->error[0] ? rec->error : sl->parsed < 0 ? sl->why : NULL;
	const char *hint;
	/* a first record that starts another format: that, said once, ends
	 * the source (not a refusal per line) */
	if (refused && r->jsonl && !r->second_object && r->res->read == 1 &&
	    (hint = sniff_jsonl_mistake(rec->raw, rec->len, refused))) {
		r->end_line = rec->line;
		return assay_fail(err, ASSAY_EFORMAT, "%s:%lld: %s", r->in.name,
				  (long long)rec->line, hint);
	}
	if (rec->error[0])
		return reject(r, rec->line, rec->error, RPT_NONE, err);
	if (sl->parsed < 0)
		return reject(r, rec->line, sl->why, sl->missing, err);
	const store_new_sample *ns = &r->q->ns[r->q->at[i]];
	switch (ns->outcome) {
	case STORE_INSERTED:
		r->res->imported++;
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
	if (strcmp(format, "jsonl") == 0) {
		r->jsonl = true;
		r->second_object = sniff_second_object(&r->rdr.in);
		return reader_jsonl(&r->rdr, err);
	}
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

static bool stopped(const run *r)
{
	return r->o->stop && *r->o->stop;
}

/* Inserts the first `ready` records of the ring; returns 1 when they are
 * all taken (0 at the source's end, or an error). */
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
			/* the input cut off by the stop (a pipe whose writer was
			 * interrupted too) ends inside an element: not bad data */
			if (stopped(r) && (sl->rc >= 0 || sl->rc == ASSAY_EFORMAT))
				return assay_fail(err, ASSAY_EINTR, "interrupted");
			if (sl->rc < 0)
				*err = sl->err;
			return sl->rc; /* the reader thread has ended */
		}
		/* the unfinished last line of an interrupted input is unread input,
		 * not a bad record: neither counted nor kept */
		if (sl->rec.cut && (sl->rec.error[0] || sl->parsed < 0) && stopped(r))
			return assay_fail(err, ASSAY_EINTR, "interrupted");
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
		if (stopped(r) && done + 1 == ready)
			return assay_fail(err, ASSAY_EINTR, "interrupted");
	}
	return rc < 0 ? rc : 1;
}

/* Inserts the records as the reader thread hands them over, a run of
 * those handed over at once at a time. */
static int read_all(run *r, assay_error *err)
{
	int since_commit = 0, rc;
	if ((rc = ring_start(r, err)) < 0)
		return rc;
	ring *q = r->q;
	for (;;) {
		size_t ready = ring_wait(q, r->o->stop);
		if (!ready)
			return assay_fail(err, ASSAY_EINTR, "interrupted");
		if ((rc = insert_run(r, ready, &since_commit, err)) <= 0)
			return rc;
		ring_release(q, ready);
	}
}

/* A batch this import made that nothing but refusals went into is not
 * kept: the refusals were reported, and a corrected re-run (another
 * --text or --format) must not find the batch and its options again. */
static int drop_refused_batch(run *r, assay_error *err)
{
	const ingest_result *res = r->res;
	if (res->resumed || res->imported || res->duplicate || res->present || !res->rejected)
		return ASSAY_OK;
	int rc = store_batch_drop_empty(r->s, res->batch_id, err);
	r->res->dropped = rc == ASSAY_OK;
	return rc;
}

/* --context naming fields that no record has is said once, at the end:
 * unlike a missing text field it refuses nothing (a record may lack its
 * context), but the samples have none. */
static void say_no_context(const run *r)
{
	if (!r->context_looked || r->context_named || !r->o->report)
		return;
	char msg[1024];
	snprintf(msg, sizeof msg, "%s: --context %.400s: no record has %s (%lld read); their "
		 "samples have no context", r->in.name, r->o->context_fields,
		 strchr(r->o->context_fields, ',') ? "any of these fields" : "that field",
		 (long long)r->context_looked);
	r->o->report(r->o->ud, NULL, 0, msg);
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
		rc = store_references_checked(s, false, err);
	if (rc == ASSAY_OK)
		rc = store_begin(s, err);
	if (rc < 0) {
		store_references_checked(s, true, &(assay_error){0});
		store_bulk_end(s);
		close_run(&r);
		return rc;
	}
	rpt_init(&r.rpt, o, r.in.name);
	if ((rc = ingest_pick_batch(s, source, format, o, &r.ro, res, err)) == ASSAY_OK)
		rc = read_all(&r, err);
	bool fatal_format = rc == ASSAY_EFORMAT && !o->strict;
	if (fatal_format) {
		/* A structural error ends the source; keep what came before it. */
		res->rejected++;
		rpt_message(&r.rpt, err->msg);
		rc = store_reject_add(s, res->batch_id, r.in.name, r.end_line, err->msg, err);
	}
	if (rc == ASSAY_OK)
		rc = drop_refused_batch(&r, err);
	bool committed = false;
	if (rc == ASSAY_OK || rc == ASSAY_EINTR) {
		assay_error saved = *err;
		int crc = checkpoint(&r, rc == ASSAY_OK, false, err);
		if (crc < 0)
			rc = crc;
		else if (rc == ASSAY_EINTR)
			*err = saved;
		committed = crc == ASSAY_OK;
	}
	if (!committed) /* any failure, the last commit's own too: out of the transaction */
		store_rollback(s);
	/* the checkpoint thread goes on (folding the last commits' log while a
	 * scoring pass starts) until that pass's end or store_close */
	int frc = store_references_checked(s, true, rc < 0 ? &(assay_error){0} : err);
	if (frc < 0 && rc >= 0)
		rc = frc;
	progress(&r);
	close_run(&r); /* the reader thread has ended: its census can be read */
	rpt_finish(&r.rpt, &r.census);
	if (rc == ASSAY_OK)
		say_no_context(&r);
	if (rc == ASSAY_OK && res->rejected)
		return assay_fail(err, ASSAY_EPARTIAL, "%lld of %lld records rejected",
				  (long long)res->rejected, (long long)res->read);
	return rc;
}
