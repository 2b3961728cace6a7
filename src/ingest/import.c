/* import.c — one source into one batch: pick or resume the batch, read
 * records, insert them in chunked transactions (one transaction with
 * --strict), and keep the batch's counts in step with what is committed,
 * so an import killed at any moment can simply be run again. */
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assay/ingest.h"
#include "ingest_int.h"
#include "record.h"

#define DEFAULT_COMMIT_EVERY 131072
#define PROGRESS_EVERY 8192

const char *ingest_format_for(const char *source)
{
	const char *q = strpbrk(source, "?#");
	size_t n = q && strncmp(source, "http", 4) == 0 ? (size_t)(q - source) : strlen(source);
	if (n >= 4 && strncasecmp(source + n - 4, ".csv", 4) == 0)
		return "csv";
	if (n >= 5 && strncasecmp(source + n - 5, ".json", 5) == 0)
		return "json";
	return "jsonl";
}

/* The source as recorded on the batch: an absolute path for files, the URL
 * without user information for URLs. */
static void source_key(const char *source, char *out, size_t cap)
{
	if (strcmp(source, "-") == 0) {
		snprintf(out, cap, "stdin");
	} else if (strncmp(source, "http://", 7) == 0 || strncmp(source, "https://", 8) == 0) {
		const char *host = strstr(source, "://") + 3;
		const char *at = strchr(host, '@');
		const char *slash = strchr(host, '/');
		if (at && (!slash || at < slash))
			snprintf(out, cap, "%.*s%s", (int)(host - source), source, at + 1);
		else
			snprintf(out, cap, "%s", source);
	} else {
		char *real = realpath(source, NULL);
		snprintf(out, cap, "%s", real ? real : source);
		free(real);
	}
}

static void default_batch_name(const char *source, char *out, size_t cap)
{
	const char *base = strcmp(source, "-") == 0 ? "stdin" : source;
	const char *q = strpbrk(base, "?#");
	size_t n = q ? (size_t)(q - base) : strlen(base);
	while (n > 1 && base[n - 1] == '/')
		n--;
	const char *slash = memrchr(base, '/', n);
	if (slash) {
		n -= (size_t)(slash + 1 - base);
		base = slash + 1;
	}
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char stamp[32];
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(out, cap, "%.*s@%s", (int)ASSAY_MIN(n, (size_t)200), base, stamp);
}

/* Converts "a, b,c" to the JSON array stored on the batch ("" for NULL). */
static char *meta_json(const char *list)
{
	if (!list)
		return assay_strdup("");
	cJSON *arr = cJSON_CreateArray();
	const char *p = list;
	while (arr && *p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		while (n && (*p == ' ' || *p == '\t'))
			p++, n--;
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n) {
			char *f = assay_strndup(p, n);
			if (!f || !cJSON_AddItemToArray(arr, cJSON_CreateString(f))) {
				free(f);
				cJSON_Delete(arr);
				return NULL;
			}
			free(f);
		}
		p += comma ? (size_t)(comma - p) + 1 : strlen(p);
	}
	char *s = arr ? cJSON_PrintUnformatted(arr) : NULL;
	cJSON_Delete(arr);
	return s;
}

/* Whether an existing batch was made with options compatible with these. */
static int check_compatible(const store_batch *b, const char *format, const ingest_options *o,
			    assay_error *err)
{
	const char *text = o->text_field ? o->text_field : "";
	const char *id = o->id_field ? o->id_field : "";
	if (strcmp(b->text_field, text) != 0 || strcmp(b->id_field, id) != 0)
		return assay_fail(err, ASSAY_EINVAL,
				  "batch \"%s\" was imported with --text \"%s\" --id \"%s\"; import "
				  "into it with the same options, or name another --batch",
				  b->name, b->text_field[0] ? b->text_field : "(default)",
				  b->id_field[0] ? b->id_field : "(default)");
	(void)format;
	return ASSAY_OK;
}

/* Finds the batch this import continues, or creates it (inside the open
 * transaction). */
static int pick_batch(store *s, const char *source, const char *format, const ingest_options *o,
		      ingest_result *res, assay_error *err)
{
	char key[PATH_MAX + 64];
	source_key(source, key, sizeof key);
	store_batch b = {0};
	int rc;
	if (o->batch)
		rc = store_batch_by_name(s, o->batch, &b, err);
	else if (strcmp(source, "-") != 0)
		rc = store_batch_by_source(s, key, &b, err);
	else
		rc = ASSAY_ENOTFOUND;
	if (rc == ASSAY_OK) {
		rc = check_compatible(&b, format, o, err);
		res->batch_id = b.id;
		snprintf(res->batch, sizeof res->batch, "%s", b.name);
		res->resumed = true;
		store_batch_free(&b);
		return rc;
	}
	if (rc != ASSAY_ENOTFOUND)
		return rc;
	assay_error_clear(err);
	char name[256];
	if (o->batch)
		snprintf(name, sizeof name, "%s", o->batch);
	else
		default_batch_name(source, name, sizeof name);
	char *meta = meta_json(o->meta_fields);
	if (!meta)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	b = (store_batch){
		.name = name,
		.source = key,
		.format = (char *)format,
		.text_field = (char *)(o->text_field ? o->text_field : ""),
		.id_field = (char *)(o->id_field ? o->id_field : ""),
		.meta_fields = meta,
		.created_at = assay_now_ms(),
	};
	rc = store_batch_create(s, &b, err);
	free(meta);
	res->batch_id = b.id;
	snprintf(res->batch, sizeof res->batch, "%s", name);
	return rc;
}

typedef struct run {
	store *s;
	const ingest_options *o;
	ingest_result *res;
	reader rdr;
	src in;
	rec_options ro;
	abuf scratch;
	char first_error[768];
	int64_t bytes_at_progress;
} run;

static void progress(run *r)
{
	if (!r->o->progress)
		return;
	ingest_progress p = {
		.source = r->in.name,
		.bytes = r->rdr.in.bytes,
		.total_bytes = r->in.total,
		.read = r->res->read,
		.imported = r->res->imported,
		.duplicate = r->res->duplicate,
		.rejected = r->res->rejected,
		.present = r->res->present,
	};
	r->o->progress(r->o->ud, &p);
}

static int reject(run *r, int64_t line, const char *why, assay_error *err)
{
	r->res->rejected++;
	if (!r->first_error[0])
		snprintf(r->first_error, sizeof r->first_error, "%s:%lld: %s", r->in.name,
			 (long long)line, why);
	if (r->o->report)
		r->o->report(r->o->ud, r->in.name, line, why);
	if (r->o->strict)
		return ASSAY_OK;
	return store_reject_add(r->s, r->res->batch_id, r->in.name, line, why, err);
}

static int take(run *r, const record *rec, assay_error *err)
{
	char why[512];
	if (rec->error[0])
		return reject(r, rec->line, rec->error, err);
	rec_fields f;
	int rc = rec_parse(rec->raw, rec->len, &r->ro, rec->line, &f, why, sizeof why);
	if (rc < 0) {
		rec_fields_free(&f);
		return reject(r, rec->line, why, err);
	}
	store_new_sample ns = {
		.batch_id = r->res->batch_id,
		.ext_id = f.id,
		.line = rec->line,
		.text_field = f.text_field,
		.text = f.text,
		.text_len = f.text_len,
		.record = rec->raw,
		.record_len = rec->len,
		.hash = f.hash,
	};
	int outcome = 0;
	int64_t sid = 0;
	rc = store_sample_insert(r->s, &ns, &outcome, &sid, err);
	if (rc == ASSAY_OK) {
		switch (outcome) {
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
				 "of this batch", f.id);
			rc = reject(r, rec->line, why, err);
		}
	}
	rec_fields_free(&f);
	return rc;
}

static int open_reader(run *r, const char *source, const char *format, assay_error *err)
{
	int rc = src_open(&r->in, source, r->o->net, err);
	if (rc < 0)
		return rc;
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
	if (r->rdr.ops)
		r->rdr.ops->free(&r->rdr);
	abuf_free(&r->rdr.scratch);
	rd_free(&r->rdr.in);
	src_close(&r->in);
	abuf_free(&r->scratch);
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

static int read_all(run *r, assay_error *err)
{
	int every = r->o->commit_every > 0 ? r->o->commit_every : DEFAULT_COMMIT_EVERY;
	int since_commit = 0, rc;
	record rec;
	while ((rc = r->rdr.ops->next(&r->rdr, &rec, err)) == 1) {
		r->res->read++;
		if ((rc = take(r, &rec, err)) < 0)
			return rc;
		if (r->o->strict && r->res->rejected)
			return assay_fail(err, ASSAY_EFORMAT, "%s (--strict: nothing imported)",
					  r->first_error);
		if (!r->o->strict && ++since_commit >= every) {
			since_commit = 0;
			if ((rc = checkpoint(r, false, true, err)) < 0)
				return rc;
		}
		if (r->res->read % PROGRESS_EVERY == 0)
			progress(r);
		if (r->o->stop && *r->o->stop)
			return assay_fail(err, ASSAY_EINTR, "interrupted");
	}
	return rc;
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
	int rc = open_reader(&r, source, format, err);
	if (rc == ASSAY_OK)
		rc = store_bulk_mode(s, err);
	if (rc == ASSAY_OK)
		rc = store_begin(s, err);
	if (rc < 0) {
		close_run(&r);
		return rc;
	}
	if ((rc = pick_batch(s, source, format, o, res, err)) == ASSAY_OK)
		rc = read_all(&r, err);
	bool fatal_format = rc == ASSAY_EFORMAT && !o->strict;
	if (fatal_format) {
		/* A structural error ends the source; keep what came before it. */
		res->rejected++;
		if (o->report)
			o->report(o->ud, NULL, 0, err->msg);
		rc = store_reject_add(s, res->batch_id, r.in.name, r.rdr.in.line, err->msg, err);
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
	close_run(&r);
	if (rc == ASSAY_OK && res->rejected)
		return assay_fail(err, ASSAY_EPARTIAL, "%lld of %lld records rejected",
				  (long long)res->rejected, (long long)res->read);
	return rc;
}
