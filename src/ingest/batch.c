/* batch.c — which batch an import goes into: the one named, the one that
 * last imported the same source, or a new one recording the options the
 * samples were read with (text, id, meta and context fields, kind). */
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest_int.h"
#include "record.h"

/* The source as recorded on the batch: an absolute path for files, the URL
 * without user information for URLs. */
void ingest_source_key(const char *source, char *out, size_t cap)
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

/* A batch's default name: the source's base name and the time, as
 * "data.jsonl@2026-01-02T03:04:05Z"; the nth batch of that name and second
 * (n > 1) is "data.jsonl@2026-01-02T03:04:05Z#n". */
static void default_batch_name(const char *source, time_t now, int n, char *out, size_t cap)
{
	const char *base = strcmp(source, "-") == 0 ? "stdin" : source;
	const char *q = strpbrk(base, "?#");
	size_t len = q ? (size_t)(q - base) : strlen(base);
	while (len > 1 && base[len - 1] == '/')
		len--;
	const char *slash = memrchr(base, '/', len);
	if (slash) {
		len -= (size_t)(slash + 1 - base);
		base = slash + 1;
	}
	struct tm tm;
	gmtime_r(&now, &tm);
	char stamp[32];
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	int at = snprintf(out, cap, "%.*s@%s", (int)ASSAY_MIN(len, (size_t)200), base, stamp);
	if (n > 1 && at > 0 && (size_t)at < cap)
		snprintf(out + at, cap - (size_t)at, "#%d", n);
}

/* Converts "a, b,c" to the JSON array stored on the batch ("" for NULL). */
char *ingest_list_json(const char *list)
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

char *ingest_media_maps_json(const char *const *maps, size_t n)
{
	if (!n)
		return assay_strdup("");
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < n; i++)
		if (!cJSON_AddItemToArray(arr, cJSON_CreateString(maps[i]))) {
			cJSON_Delete(arr);
			arr = NULL;
		}
	char *s = arr ? cJSON_PrintUnformatted(arr) : NULL;
	cJSON_Delete(arr);
	return s;
}

/* A re-import that names the batch's media anew records it: media move,
 * and what a sample is does not depend on them. */
static int update_media(store *s, int64_t batch_id, const ingest_options *o, assay_error *err)
{
	if (!o->media_fields && !o->media_root && !o->n_media_maps)
		return ASSAY_OK;
	char *maps = o->n_media_maps ? ingest_media_maps_json(o->media_maps, o->n_media_maps) : NULL;
	if (o->n_media_maps && !maps)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	int rc = store_batch_set_media(s, batch_id, o->media_fields, o->media_root, maps, err);
	free(maps);
	return rc;
}

/* --dedup-on as recorded: "context+text" is the default, recorded "". */
static const char *dedup_name(const char *d)
{
	return !d || !strcmp(d, "context+text") ? "" : d;
}

/* A batch's --dedup-on as the record reader's key (enum rec_dedup). */
static int dedup_of(const char *d)
{
	return !strcmp(d, "text") ? REC_DEDUP_TEXT
	       : !strcmp(d, "none") ? REC_DEDUP_NONE
				    : REC_DEDUP_DEFAULT;
}

static int differs(const store_batch *b, const char *option, const char *was, assay_error *err)
{
	return assay_fail(err, ASSAY_EINVAL,
			  "batch \"%s\" was imported with %s %s; import into it with the same "
			  "option, or name another --batch",
			  b->name, option, was[0] ? was : "(default)");
}

/* Whether an existing batch was made with options compatible with these:
 * the same text, id, context fields and turn (what a sample is, and so its
 * duplicate key) and the same --dedup-on. Without --dedup-on, the batch's
 * is taken (batches from before schema 3 keyed on the text alone). */
/* --pair and --pair-model: the batch's are taken when none is given (so
 * a later import reads the same candidates), and others are refused. */
static int check_pair(const store_batch *b, const ingest_options *o, rec_options *ro,
		      assay_error *err)
{
	if (!o->pair_fields && !o->pair_model_fields) {
		if (!b->pair_fields[0])
			return ASSAY_OK;
		ingest_options from = {.pair_fields = b->pair_fields,
				       .pair_model_fields = b->pair_model_fields[0]
								    ? b->pair_model_fields
								    : NULL,
				       .text_field = o->text_field};
		return rec_options_pair(ro, &from, err);
	}
	if (strcmp(b->pair_fields, o->pair_fields ? o->pair_fields : "") != 0)
		return differs(b, "--pair", b->pair_fields, err);
	if (strcmp(b->pair_model_fields, o->pair_model_fields ? o->pair_model_fields : "") != 0)
		return differs(b, "--pair-model", b->pair_model_fields, err);
	return ASSAY_OK;
}

static int check_compatible(const store_batch *b, const ingest_options *o, rec_options *ro,
			    assay_error *err)
{
	int *dedup = &ro->dedup;
	const char *text = o->text_field ? o->text_field : "";
	const char *id = o->id_field ? o->id_field : "";
	if (strcmp(b->text_field, text) != 0 || strcmp(b->id_field, id) != 0)
		return assay_fail(err, ASSAY_EINVAL,
				  "batch \"%s\" was imported with --text \"%s\" --id \"%s\"; import "
				  "into it with the same options, or name another --batch",
				  b->name, b->text_field[0] ? b->text_field : "(default)",
				  b->id_field[0] ? b->id_field : "(default)");
	char *context = ingest_list_json(o->context_fields);
	if (!context)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	bool same = strcmp(b->context_fields, context) == 0;
	free(context);
	if (!same)
		return differs(b, "--context", b->context_fields, err);
	char turn[24] = "";
	if (o->turn_set)
		snprintf(turn, sizeof turn, "%d", o->turn);
	if (strcmp(b->turn, turn) != 0)
		return differs(b, "--turn", b->turn, err);
	if (!o->dedup_on)
		*dedup = dedup_of(b->dedup_on);
	else if (strcmp(dedup_name(b->dedup_on), dedup_name(o->dedup_on)) != 0)
		return differs(b, "--dedup-on", dedup_name(b->dedup_on), err);
	return check_pair(b, o, ro, err);
}

/* How many "#n" names a default name tries before giving up. */
#define NAME_TRIES 1000

/* Inserts b under --batch's name, or under the first free default name;
 * the insert itself tells a name taken (by another import, even one
 * running at this moment), so two imports never both take one. */
static int create_named(store *s, store_batch *b, const char *source, const ingest_options *o,
			char *name, size_t cap, assay_error *err)
{
	b->name = name;
	if (o->batch) {
		snprintf(name, cap, "%s", o->batch);
		return store_batch_create(s, b, err);
	}
	time_t now = time(NULL);
	for (int n = 1; n <= NAME_TRIES; n++) {
		default_batch_name(source, now, n, name, cap);
		int rc = store_batch_create(s, b, err);
		if (rc != ASSAY_ECONFLICT)
			return rc;
		assay_error_clear(err);
	}
	return assay_fail(err, ASSAY_ECONFLICT, "batch names up to \"%s\" are all taken: name "
			  "one with --batch NAME", name);
}

/* Creates the batch of a new import, recording its options (inside the
 * open transaction); ASSAY_ECONFLICT when --batch's name is taken. */
static int new_batch(store *s, const char *source, const char *key, const char *format,
		     const ingest_options *o, ingest_result *res, assay_error *err)
{
	char turn[24] = "";
	if (o->turn_set)
		snprintf(turn, sizeof turn, "%d", o->turn);
	char *meta = ingest_list_json(o->meta_fields);
	char *context = ingest_list_json(o->context_fields);
	char *maps = ingest_media_maps_json(o->media_maps, o->n_media_maps);
	if (!meta || !context || !maps) {
		free(meta);
		free(context);
		free(maps);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	store_batch b = {
		.source = (char *)key,
		.format = (char *)format,
		.text_field = (char *)(o->text_field ? o->text_field : ""),
		.id_field = (char *)(o->id_field ? o->id_field : ""),
		.meta_fields = meta,
		.kind = (char *)(o->kind ? o->kind : ""),
		.context_fields = context,
		.dedup_on = (char *)dedup_name(o->dedup_on),
		.turn = turn,
		.media_fields = (char *)(o->media_fields ? o->media_fields : ""),
		.media_root = (char *)(o->media_root ? o->media_root : ""),
		.media_maps = maps,
		.pair_fields = (char *)(o->pair_fields ? o->pair_fields : ""),
		.pair_model_fields = (char *)(o->pair_model_fields ? o->pair_model_fields : ""),
		.created_at = assay_now_ms(),
	};
	char name[256];
	int rc = create_named(s, &b, source, o, name, sizeof name, err);
	free(meta);
	free(context);
	free(maps);
	res->batch_id = b.id;
	snprintf(res->batch, sizeof res->batch, "%s", name);
	return rc;
}

/* Finds the batch this import continues, or creates it (inside the open
 * transaction). */
int ingest_pick_batch(store *s, const char *source, const char *format, const ingest_options *o,
		      rec_options *ro, ingest_result *res, assay_error *err)
{
	char key[PATH_MAX + 64];
	ingest_source_key(source, key, sizeof key);
	store_batch b = {0};
	int rc;
	if (o->batch)
		rc = store_batch_by_name(s, o->batch, &b, err);
	else if (strcmp(source, "-") != 0)
		rc = store_batch_by_source(s, key, &b, err);
	else
		rc = ASSAY_ENOTFOUND;
	if (rc == ASSAY_ENOTFOUND) {
		assay_error_clear(err);
		rc = new_batch(s, source, key, format, o, res, err);
		if (rc != ASSAY_ECONFLICT || !o->batch)
			return rc;
		/* --batch NAME, made by another import since it was looked up:
		 * this one adds to it, as to any existing batch */
		assay_error_clear(err);
		rc = store_batch_by_name(s, o->batch, &b, err);
	}
	if (rc != ASSAY_OK)
		return rc;
	rc = check_compatible(&b, o, ro, err);
	if (rc == ASSAY_OK)
		rc = update_media(s, b.id, o, err);
	res->batch_id = b.id;
	snprintf(res->batch, sizeof res->batch, "%s", b.name);
	res->resumed = true;
	store_batch_free(&b);
	return rc;
}
