/* export.c — the export itself: resolve each sample's verdict, keep those
 * asked for, write the record with its correction (and provenance) into
 * the right split, to files, stdout or an HTTP upload. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/export.h"
#include "assay/net.h"
#include "assay/text_csv.h"
#include "export_int.h"

static const char *ext_for(int format)
{
	return format == EXPORT_CSV ? "csv" : format == EXPORT_JSON ? "json" : "jsonl";
}

/* FILE.jsonl -> FILE.NAME.jsonl (the format's extension). */
static void split_path(const char *output, const char *name, int format, char *out, size_t cap)
{
	size_t n = strlen(output);
	const char *exts[] = {".jsonl", ".json", ".csv"};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(exts); i++) {
		size_t e = strlen(exts[i]);
		if (n > e && strcmp(output + n - e, exts[i]) == 0) {
			n -= e;
			break;
		}
	}
	snprintf(out, cap, "%.*s.%s.%s", (int)n, output, name, ext_for(format));
}

static int sink_write(job *j, sink *k, const void *data, size_t len)
{
	if (k->up)
		return net_upload_write(k->up, data, len, j->err);
	return export_out_write(k->file, data, len, j->err);
}

static int open_sinks(job *j)
{
	const export_options *o = j->o;
	if (o->url) {
		j->n_sinks = 1;
		j->sinks[0].up = net_upload_open(o->url, o->method ? o->method : "PUT",
						 o->format == EXPORT_CSV ? "text/csv"
						 : o->format == EXPORT_JSON ? "application/json"
						 : "application/x-ndjson",
						 o->token, o->net, j->err);
		return j->sinks[0].up ? ASSAY_OK : j->err->code;
	}
	size_t n = o->n_splits ? o->n_splits : 1;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		if (o->n_splits)
			split_path(o->output, o->splits[i].name, o->format, path, sizeof path);
		else
			snprintf(path, sizeof path, "%s", o->output);
		export_out_options oo = {.db = j->s, .stop = o->stop,
					 .reader_gone = &j->sum->reader_gone};
		int rc = export_out_open(path, &oo, &j->sinks[i].file, j->err);
		if (rc < 0)
			return rc;
		j->n_sinks = i + 1;
		snprintf(j->sum->paths[i], sizeof j->sum->paths[i], "%s", path);
	}
	j->sum->n_paths = n;
	return ASSAY_OK;
}

static void abort_sinks(job *j)
{
	for (size_t i = 0; i < j->n_sinks; i++) {
		if (j->sinks[i].up)
			net_upload_abort(j->sinks[i].up);
		else
			export_out_abort(j->sinks[i].file);
	}
	j->n_sinks = 0;
	j->sum->n_paths = 0;
}

/* Closes JSON arrays, then commits every sink: the files of a split as
 * one set (all or none of them); on failure nothing remains. */
static int commit_sinks(job *j)
{
	int rc = ASSAY_OK;
	for (size_t i = 0; i < j->n_sinks && rc == ASSAY_OK; i++) {
		sink *k = &j->sinks[i];
		if (j->o->format == EXPORT_JSON)
			rc = sink_write(j, k, k->count ? "\n]\n" : "[]\n", 3);
	}
	if (rc < 0) {
		abort_sinks(j);
		return rc;
	}
	if (j->sinks[0].up) {
		abuf body = {0};
		rc = net_upload_finish(j->sinks[0].up, &j->sum->http_status, &body, j->err);
		abuf_free(&body);
		j->sinks[0].up = NULL;
		j->n_sinks = 0;
		return rc;
	}
	export_out *files[ASSAY_ARRAY_LEN(j->sinks)];
	for (size_t i = 0; i < j->n_sinks; i++) {
		files[i] = j->sinks[i].file;
		j->sinks[i].file = NULL;
	}
	rc = export_out_commit_set(files, j->n_sinks, j->err);
	j->n_sinks = 0;
	if (rc < 0)
		j->sum->n_paths = 0;
	return rc;
}

/* --fields: a JSON object of just those fields, raw values copied. */
static int project(job *j, const char *rec, size_t len, abuf *out)
{
	abuf_putc(out, '{');
	size_t written = 0;
	for (size_t i = 0; i < j->o->n_fields; i++) {
		size_t a, b;
		if (export_json_find(rec, len, j->o->fields[i], &a, &b) != ASSAY_OK)
			continue;
		if (written++)
			abuf_putc(out, ',');
		export_json_string(out, j->o->fields[i], strlen(j->o->fields[i]));
		abuf_putc(out, ':');
		abuf_append(out, rec + a, b - a);
	}
	return abuf_putc(out, '}');
}

/* *out: the provenance of row (NULL without --provenance): the stored
 * notes and scores wrapped with the verdict and who decided; caller frees. */
static int provenance(job *j, const store_export_row *row, const export_resolution *res,
		      char **out)
{
	const export_options *o = j->o;
	char *prov = NULL;
	int rc = ASSAY_OK;
	*out = NULL;
	if (o->provenance && (rc = store_export_provenance(j->s, row->sample_id, &prov, j->err)) < 0)
		return rc;
	if (prov) {
		/* Wrap the stored notes/scores with the verdict and who decided. */
		abuf p = {0};
		abuf_printf(&p, "{\"verdict\":\"%s\",\"rule\":\"%s\",\"adjudicated\":%s,\"batch\":",
			    export_verdict_name(res->verdict), export_rule_name(o->rule),
			    res->adjudicated ? "true" : "false");
		export_json_string(&p, row->batch, strlen(row->batch));
		abuf_puts(&p, ",\"decisions\":[");
		for (size_t i = 0; i < row->n_verdicts; i++) {
			const store_verdict *v = &row->verdicts[i];
			abuf_printf(&p, "%s{\"annotator\":", i ? "," : "");
			export_json_string(&p, v->annotator, strlen(v->annotator));
			/* a machine's verdict (decide --auto) says so */
			if (strncmp(v->annotator, STORE_AUTO_PREFIX, strlen(STORE_AUTO_PREFIX)) == 0)
				abuf_puts(&p, ",\"auto\":true");
			abuf_printf(&p, ",\"verdict\":\"%s\",\"reason\":", v->verdict);
			if (v->reason)
				export_json_string(&p, v->reason, strlen(v->reason));
			else
				abuf_puts(&p, "null");
			/* on a pair: the candidate preferred and the one shown left */
			if (v->pref != STORE_PREF_NONE)
				abuf_printf(&p, ",\"preference\":\"%s\",\"left\":%s",
					    store_pref_name(v->pref),
					    v->placement == STORE_PLACE_AB   ? "\"a\""
					    : v->placement == STORE_PLACE_BA ? "\"b\""
									     : "null");
			abuf_printf(&p, ",\"at\":%lld}", (long long)v->at);
		}
		abuf_puts(&p, "],\"original_text\":");
		const char *orig = res->original ? res->original : row->text;
		if (res->verdict == EXPORT_EDITED)
			export_json_string(&p, orig, strlen(orig));
		else
			abuf_puts(&p, "null");
		/* prov is {"notes":[...],"scores":{...}}: splice its members in. */
		abuf_putc(&p, ',');
		abuf_append(&p, prov + 1, strlen(prov) - 1);
		free(prov);
		prov = abuf_take(&p);
		if (!prov)
			return assay_fail(j->err, ASSAY_ENOMEM, "out of memory");
	}
	*out = prov;
	return ASSAY_OK;
}

/* The field path the correction of res replaces: the sample's text field,
 * a pair's b field, or for a message list its last assistant turn's
 * content (in buf). NULL when the record has no such turn. */
static const char *edit_path(const store_export_row *row, const export_resolution *res,
			     char *buf, size_t cap)
{
	if (!res->field)
		return row->text_field;
	if (!res->field_chat)
		return res->field;
	size_t a, b;
	if (export_json_find(row->record, row->record_len, res->field, &a, &b) < 0)
		return NULL;
	cJSON *list = cJSON_ParseWithLength(row->record + a, b - a);
	int i = 0, at = -1;
	for (const cJSON *t = list ? list->child : NULL; t; t = t->next, i++) {
		const cJSON *role = cJSON_GetObjectItemCaseSensitive(t, "role");
		if (cJSON_IsString(role) && !strcmp(role->valuestring, "assistant"))
			at = i;
	}
	cJSON_Delete(list);
	if (at < 0 || snprintf(buf, cap, "%s.%d.content", res->field, at) >= (int)cap)
		return NULL;
	return buf;
}

/* One record, one line: from at on, a raw CR or LF (in JSON only white
 * space: a pretty-printed element of an imported array) becomes a space,
 * then the line's end. Records seldom hold either: memchr finds them. */
static int one_line(abuf *b, size_t at)
{
	char *end = b->data + b->len;
	for (const char *c = "\n\r"; *c && b->len > at; c++)
		for (char *p = b->data + at; (p = memchr(p, *c, (size_t)(end - p))); p++)
			*p = ' ';
	return abuf_putc(b, '\n');
}

/* The exported record j->rec as the line its format writes, into j->line. */
static int format_line(job *j, sink *k)
{
	const export_options *o = j->o;
	abuf_reset(&j->line);
	if (o->format == EXPORT_CSV)
		return export_csv_row(j, k, j->rec.data, j->rec.len, &j->line);
	if (o->format == EXPORT_JSON)
		abuf_puts(&j->line, k->count ? ",\n" : "[\n");
	size_t at = j->line.len;
	if (o->n_fields)
		project(j, j->rec.data, j->rec.len, &j->line);
	else
		abuf_append(&j->line, j->rec.data, j->rec.len);
	if (o->format == EXPORT_JSONL)
		return one_line(&j->line, at);
	return 0;
}

/* The split a sample goes to. */
static size_t split_of(const job *j, const char *ext_id)
{
	const export_options *o = j->o;
	return o->n_splits ? export_split_pick(o->splits, o->n_splits, ext_id, o->seed) : 0;
}

/* Counts one line written to split which (by its verdict when verdict >= 0). */
static void count_line(job *j, size_t which, int verdict)
{
	j->sinks[which].count++;
	j->sum->per_split[which]++;
	if (verdict >= 0)
		j->sum->by_verdict[verdict]++;
	j->sum->exported++;
}

/* Writes one exported line to split which's sink and counts it. */
static int put_line(job *j, size_t which, const char *data, size_t len, int verdict)
{
	sink *k = &j->sinks[which];
	int rc = j->capture ? abuf_append(&j->capture[which], data, len) : sink_write(j, k, data, len);
	if (rc < 0 && j->capture)
		return assay_fail(j->err, ASSAY_ENOMEM, "out of memory");
	if (rc < 0)
		return rc;
	count_line(j, which, verdict);
	return 0;
}

int export_sink_write(job *j, size_t which, const void *data, size_t len)
{
	return sink_write(j, &j->sinks[which], data, len);
}

int export_sample(void *ud, const store_export_row *row)
{
	job *j = ud;
	const export_options *o = j->o;
	j->sum->seen++;
	if (o->stop && *o->stop)
		return assay_fail(j->err, ASSAY_EINTR, "interrupted");
	if (o->progress && j->sum->seen % 4096 == 0)
		o->progress(o->ud, j->sum->seen, j->total);
	export_resolution res;
	export_resolve(row, o->rule, &res);
	if (!(o->statuses & (1u << res.verdict)))
		return 0;
	char *prov = NULL;
	int rc = provenance(j, row, &res, &prov);
	if (rc < 0)
		return rc;
	char pathbuf[320];
	const char *path = res.verdict == EXPORT_EDITED ? edit_path(row, &res, pathbuf, sizeof pathbuf)
						      : row->text_field;
	if (!path) {
		free(prov);
		return assay_fail(j->err, ASSAY_EFORMAT, "sample \"%s\": field \"%s\" has no "
				  "assistant turn for the correction", row->ext_id, res.field);
	}
	size_t which = split_of(j, row->ext_id);
	/* A whole JSONL record kept by a worker is written where its line
	 * goes, made one line there: no copy between. */
	bool direct = j->capture && o->format == EXPORT_JSONL && !o->n_fields;
	abuf *into = direct ? &j->capture[which] : &j->rec;
	size_t at = direct ? into->len : 0;
	if (!direct)
		abuf_reset(into);
	rc = export_rewrite(row->record, row->record_len, path,
			    res.verdict == EXPORT_EDITED ? res.text : NULL, prov, into, j->err);
	free(prov);
	if (rc == ASSAY_OK && direct && one_line(into, at) < 0)
		rc = assay_fail(j->err, ASSAY_ENOMEM, "out of memory");
	if (rc < 0) {
		if (direct)
			into->len = at;
		return assay_error_prefix(j->err, "sample \"%s\"", row->ext_id);
	}
	if (direct) {
		count_line(j, which, (int)res.verdict);
		return 0;
	}
	if ((rc = format_line(j, &j->sinks[which])) < 0)
		return o->format == EXPORT_CSV ? assay_error_prefix(j->err, "sample \"%s\"", row->ext_id)
					       : rc;
	return put_line(j, which, j->line.data, j->line.len, (int)res.verdict);
}

int export_put(job *j, const char *ext_id, const char *data, size_t len)
{
	return put_line(j, split_of(j, ext_id), data, len, -1);
}

/* The samples into the open sinks: a JSONL export on every core when it
 * can, else one pass in order. */
static int export_samples(job *j, const store_export_filter *f)
{
	bool taken = false;
	int rc = export_parallel(j, &taken);
	if (rc == ASSAY_OK && !taken)
		rc = store_export_each(j->s, f, export_sample, j, j->err);
	return rc;
}

int export_run(store *s, const export_options *o, export_summary *sum, assay_error *err)
{
	*sum = (export_summary){0};
	job j = {.s = s, .o = o, .sum = sum, .err = err};
	store_export_filter f = o->filter;
	f.no_text = !o->provenance; /* only provenance shows the text */
	/* the estimate is only for the progress shown (with a --where it is
	 * a pass of its own) */
	int rc = o->progress && o->format != EXPORT_DPO
			 ? store_export_estimate(s, &o->filter, &j.total, err)
			 : ASSAY_OK;
	/* a CSV's columns are read by a pass of their own: both passes in
	 * one snapshot, so the second writes the records the first read */
	bool snap = o->format == EXPORT_CSV && !o->n_fields && rc == ASSAY_OK;
	if (snap && (rc = store_read_begin(s, err)) < 0)
		snap = false;
	if (rc == ASSAY_OK && o->format == EXPORT_CSV)
		rc = export_csv_columns(&j, &f);
	if (rc == ASSAY_OK)
		rc = open_sinks(&j);
	if (rc == ASSAY_OK && o->format == EXPORT_DPO)
		rc = store_pairs_each(s, o->filter.batch, o->filter.annotator, export_dpo_each, &j,
				      err);
	else if (rc == ASSAY_OK)
		rc = export_samples(&j, &f);
	if (snap)
		store_read_end(s);
	if (rc == ASSAY_OK) {
		if (o->progress)
			o->progress(o->ud, sum->seen, j.total);
		rc = commit_sinks(&j);
	} else {
		abort_sinks(&j);
	}
	abuf_free(&j.rec);
	abuf_free(&j.line);
	export_csv_free(j.csv);
	return rc;
}
