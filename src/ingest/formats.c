/* formats.c — cutting a source into records: JSON Lines (one object per
 * line), a JSON array (elements split by a streaming scanner, so the file
 * is never held whole) and CSV with a header row (each row becomes a JSON
 * object of strings, keys in header order). */
#include "ingest_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assay/text.h"

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

/* ---- JSON Lines ---------------------------------------------------------- */

/* A record longer than --max-line is skipped to its end; one with no end
 * within this many times --max-line ends the source, so a stream that
 * never sends a line end (or a field end) cannot keep an import reading
 * for ever. */
#define SKIP_FACTOR 16

/* The error ending a source at a record with no end in sight. */
static int endless(rd *in, int64_t line, int64_t bytes, assay_error *err)
{
	return assay_fail(err, ASSAY_EFORMAT, "%s:%lld: no end of the record within %lld bytes "
			  "(%d times --max-line); giving up on this source",
			  in->src->name, (long long)line, (long long)bytes, SKIP_FACTOR);
}

/* Discards input up to and including the next newline (a line too long to
 * keep); returns the number of bytes skipped. */
static int skip_line(rd *in, int64_t *skipped, assay_error *err)
{
	for (;;) {
		if (*skipped > (int64_t)in->max_record * SKIP_FACTOR)
			return endless(in, in->line, *skipped, err);
		char *nl = memchr(in->buf + in->pos, '\n', in->end - in->pos);
		if (nl) {
			*skipped += nl - (in->buf + in->pos);
			in->pos = (size_t)(nl - in->buf) + 1;
			return ASSAY_OK;
		}
		*skipped += (int64_t)(in->end - in->pos);
		in->pos = in->end;
		if (in->eof)
			return ASSAY_OK;
		int rc = rd_fill(in, 1, err);
		if (rc < 0)
			return rc;
	}
}

static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

static int jsonl_next(reader *r, record *rec, assay_error *err)
{
	rd *in = &r->in;
	for (;;) {
		size_t scanned = 0;
		char *nl = NULL;
		for (;;) {
			nl = memchr(in->buf + in->pos + scanned, '\n', in->end - in->pos - scanned);
			if (nl || in->eof)
				break;
			scanned = in->end - in->pos;
			if (scanned > in->max_record)
				break;
			int rc = rd_fill(in, scanned + 1, err);
			if (rc < 0)
				return rc;
		}
		size_t avail = in->end - in->pos;
		if (!nl && avail == 0 && in->eof)
			return 0;
		size_t len = nl ? (size_t)(nl - (in->buf + in->pos)) : avail;
		*rec = (record){.line = in->line};
		if (len > in->max_record) {
			int64_t skipped = 0;
			int rc = skip_line(in, &skipped, err);
			if (rc < 0)
				return rc;
			in->line++;
			snprintf(rec->error, sizeof rec->error,
				 "line is longer than --max-line (%lld bytes > %zu)",
				 (long long)skipped, in->max_record);
			return 1;
		}
		const char *p = in->buf + in->pos;
		in->pos += len + (nl ? 1 : 0);
		in->line++;
		if (len && p[len - 1] == '\r')
			len--;
		if (blank(p, len))
			continue;
		rec->raw = p;
		rec->len = len;
		rec->cut = !nl;
		return 1;
	}
}

static void no_free(reader *r)
{
	(void)r;
}

static const reader_ops jsonl_ops = {jsonl_next, no_free};

int reader_jsonl(reader *r, assay_error *err)
{
	(void)err;
	r->ops = &jsonl_ops;
	return ASSAY_OK;
}

/* ---- JSON array --------------------------------------------------------- */

typedef struct json_state {
	bool opened, closed;
	int64_t ordinal;
	assay_error pending; /* a structural error found after the last element */
} json_state;

/* Skips white space, counting lines; fills as needed. Returns the next
 * byte, or -1 at the end of input, or an error (< -1 never; errors go to
 * *rc). */
static int skip_ws(rd *in, int *rc, assay_error *err)
{
	for (;;) {
		if (in->pos == in->end) {
			if (in->eof)
				return -1;
			if ((*rc = rd_fill(in, 1, err)) < 0)
				return -1;
			continue;
		}
		char c = in->buf[in->pos];
		if (c == '\n')
			in->line++;
		else if (c != ' ' && c != '\t' && c != '\r')
			return (unsigned char)c;
		in->pos++;
	}
}

/* Scans one JSON value starting at in->pos without parsing it: strings,
 * brackets and scalars, tracking lines. Sets *len; the value stays in the
 * buffer at in->pos. */
static int scan_value(rd *in, size_t *len, int64_t *lines, assay_error *err)
{
	size_t i = 0;
	int depth = 0;
	bool in_str = false, esc = false, scalar = false;
	*lines = 0;
	for (;;) {
		if (in->pos + i == in->end) {
			if (i > in->max_record)
				return assay_fail(err, ASSAY_EFORMAT,
						  "element is longer than --max-line (%zu bytes)",
						  in->max_record);
			int rc = rd_fill(in, i + 1, err);
			if (rc < 0)
				return rc;
			if (in->pos + i == in->end) {
				if (scalar && !in_str)
					break;
				return assay_fail(err, ASSAY_EFORMAT,
						  "the file ends inside an array element");
			}
		}
		char c = in->buf[in->pos + i];
		if (c == '\n')
			(*lines)++;
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"') {
				in_str = false;
				if (depth == 0) {
					i++;
					break;
				}
			}
			i++;
			continue;
		}
		if (i == 0 && c != '{' && c != '[' && c != '"')
			scalar = true;
		if (scalar && (c == ',' || c == ']' || c == '}' || c == ' ' || c == '\n' ||
			       c == '\t' || c == '\r'))
			break;
		if (c == '"')
			in_str = true;
		else if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && !scalar) {
			if (--depth == 0) {
				i++;
				break;
			}
		}
		i++;
	}
	*len = i;
	return ASSAY_OK;
}

static int json_next(reader *r, record *rec, assay_error *err)
{
	json_state *js = r->state;
	rd *in = &r->in;
	int rc = 0;
	if (js->pending.code) {
		*err = js->pending;
		return err->code;
	}
	if (js->closed) {
		int c = skip_ws(in, &rc, err);
		if (rc < 0)
			return rc;
		if (c != -1)
			return assay_fail(err, ASSAY_EFORMAT, "%s:%lld: unexpected data after the "
					  "closing ']' of the array", in->src->name, (long long)in->line);
		return 0;
	}
	int c = skip_ws(in, &rc, err);
	if (rc < 0)
		return rc;
	if (!js->opened) {
		if (c == -1)
			return 0;
		if (c != '[')
			return assay_fail(err, ASSAY_EFORMAT, "%s:%lld: expected a JSON array ('['), "
					  "got '%c'", in->src->name, (long long)in->line, c);
		in->pos++;
		js->opened = true;
		c = skip_ws(in, &rc, err);
		if (rc < 0)
			return rc;
		if (c == ']') {
			in->pos++;
			js->closed = true;
			return json_next(r, rec, err);
		}
	}
	if (c == -1)
		return assay_fail(err, ASSAY_EFORMAT, "%s:%lld: the file ends before the array's "
				  "closing ']'", in->src->name, (long long)in->line);
	*rec = (record){.line = in->line};
	size_t len = 0;
	int64_t lines = 0;
	if ((rc = scan_value(in, &len, &lines, err)) < 0)
		return assay_error_prefix(err, "%s:%lld", in->src->name, (long long)rec->line);
	abuf_reset(&r->scratch);
	if (abuf_append(&r->scratch, in->buf + in->pos, len) < 0)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	in->pos += len;
	in->line += lines;
	rec->raw = r->scratch.data;
	rec->len = r->scratch.len;
	rec->line = ++js->ordinal; /* elements are numbered, not lines */
	c = skip_ws(in, &rc, err);
	if (rc < 0)
		return rc;
	if (c == ',') {
		in->pos++;
	} else if (c == ']') {
		in->pos++;
		js->closed = true;
	} else {
		/* Hand out this element; the error ends the source on the next call. */
		assay_fail(&js->pending, ASSAY_EFORMAT,
			   "%s:%lld: expected ',' or ']' after array element %lld", in->src->name,
			   (long long)in->line, (long long)js->ordinal);
	}
	return 1;
}

static void json_free(reader *r)
{
	free(r->state);
	r->state = NULL;
}

static const reader_ops json_ops = {json_next, json_free};

int reader_json(reader *r, assay_error *err)
{
	/* A .json file holding objects one per line is JSON Lines. */
	int rc = 0;
	int c = skip_ws(&r->in, &rc, err);
	if (rc < 0)
		return rc;
	if (c == '{')
		return reader_jsonl(r, err);
	if (!(r->state = calloc(1, sizeof(json_state))))
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	r->ops = &json_ops;
	return ASSAY_OK;
}

/* ---- CSV ---------------------------------------------------------------- */

typedef struct csv_state {
	char **cols;
	size_t ncols;
	abuf field;
	abuf out;
	int64_t row_bytes; /* of the row being read */
} csv_state;

/* Reads one CSV field into st->field. *end gets ',' '\n' or -1 (end of
 * input). Errors that only spoil this record go to rec->error. */
static int csv_field(rd *in, csv_state *st, record *rec, int *end, int64_t *lines,
		     assay_error *err)
{
	abuf_reset(&st->field);
	int rc;
	bool quoted = false, after_quote = false;
	if (in->pos == in->end && !in->eof && (rc = rd_fill(in, 1, err)) < 0)
		return rc;
	if (in->pos < in->end && in->buf[in->pos] == '"') {
		quoted = true;
		in->pos++;
	}
	for (;;) {
		if (in->pos == in->end) {
			if (!in->eof && (rc = rd_fill(in, 1, err)) < 0)
				return rc;
			if (in->pos == in->end) {
				if (quoted && !after_quote && !rec->error[0])
					snprintf(rec->error, sizeof rec->error,
						 "unterminated quoted field (the file ends inside it)");
				*end = -1;
				return ASSAY_OK;
			}
		}
		char c = in->buf[in->pos++];
		if (++st->row_bytes > (int64_t)in->max_record * SKIP_FACTOR)
			return endless(in, rec->line, st->row_bytes, err);
		if (quoted && !after_quote) {
			if (c == '"') {
				after_quote = true;
				continue;
			}
			if (c == '\n')
				(*lines)++;
		} else if (c == ',' || c == '\n') {
			if (c == '\n')
				(*lines)++;
			if (st->field.len && st->field.data[st->field.len - 1] == '\r' &&
			    (!quoted || after_quote))
				st->field.data[--st->field.len] = '\0';
			*end = c;
			return ASSAY_OK;
		} else if (after_quote) {
			if (c == '"') { /* "" inside quotes is one quote */
				after_quote = false;
			} else if (c != '\r' && !rec->error[0]) {
				snprintf(rec->error, sizeof rec->error,
					 "unexpected '%c' after the closing quote of a field",
					 c >= 0x20 && c < 0x7f ? c : '?');
			}
			if (c == '\r')
				continue;
		}
		if (st->row_bytes > (int64_t)in->max_record) {
			if (!rec->error[0])
				snprintf(rec->error, sizeof rec->error,
					 "record is longer than --max-line (%zu bytes)", in->max_record);
			continue;
		}
		if (abuf_putc(&st->field, c) < 0)
			return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
}

/* Reads one row of fields; *nfields 0 with *end -1 means end of input. */
static int csv_row(reader *r, record *rec, char ***fields, size_t *nfields, assay_error *err)
{
	csv_state *st = r->state;
	rd *in = &r->in;
	*fields = NULL;
	*nfields = 0;
	size_t cap = 0;
	int64_t lines = 0;
	int end = 0;
	rec->line = in->line;
	st->row_bytes = 0;
	do {
		int rc = csv_field(in, st, rec, &end, &lines, err);
		if (rc < 0)
			return rc;
		if (end == -1 && *nfields == 0 && st->field.len == 0)
			break;
		/* a row over --max-line keeps only its first field (memory stays
		 * bounded however many fields follow) */
		if (*nfields && st->row_bytes > (int64_t)in->max_record)
			continue;
		if (ASSAY_GROW(*fields, *nfields + 1, cap, 16) < 0)
			return assay_fail(err, ASSAY_ENOMEM, "out of memory");
		char *f = assay_strndup(st->field.data ? st->field.data : "", st->field.len);
		if (!f)
			return assay_fail(err, ASSAY_ENOMEM, "out of memory");
		(*fields)[(*nfields)++] = f;
	} while (end == ',');
	in->line += lines;
	rec->cut = end == -1 && *nfields;
	return ASSAY_OK;
}

static void free_fields(char **f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i]);
	free(f);
}

static int csv_next(reader *r, record *rec, assay_error *err)
{
	csv_state *st = r->state;
	for (;;) {
		char **f = NULL;
		size_t n = 0;
		*rec = (record){0};
		int rc = csv_row(r, rec, &f, &n, err);
		if (rc < 0) {
			free_fields(f, n);
			return rc;
		}
		if (n == 0) {
			free(f);
			return 0;
		}
		if (n == 1 && f[0][0] == '\0' && !rec->error[0]) { /* a blank line */
			free_fields(f, n);
			continue;
		}
		if (!rec->error[0] && n != st->ncols)
			snprintf(rec->error, sizeof rec->error,
				 "expected %zu fields (as in the header), got %zu", st->ncols, n);
		cJSON *obj = rec->error[0] ? NULL : cJSON_CreateObject();
		for (size_t i = 0; obj && i < n; i++) {
			size_t bad;
			if (!text_utf8_valid(f[i], strlen(f[i]), &bad)) {
				snprintf(rec->error, sizeof rec->error,
					 "field \"%.64s\": invalid UTF-8 at byte %zu", st->cols[i], bad);
				break;
			}
			if (!cJSON_AddStringToObject(obj, st->cols[i], f[i])) {
				cJSON_Delete(obj);
				free_fields(f, n);
				return assay_fail(err, ASSAY_ENOMEM, "out of memory");
			}
		}
		free_fields(f, n);
		abuf_reset(&st->out);
		if (obj && !rec->error[0]) {
			char *json = cJSON_PrintUnformatted(obj);
			if (!json || abuf_puts(&st->out, json) < 0) {
				free(json);
				cJSON_Delete(obj);
				return assay_fail(err, ASSAY_ENOMEM, "out of memory");
			}
			free(json);
			rec->raw = st->out.data;
			rec->len = st->out.len;
		}
		cJSON_Delete(obj);
		return 1;
	}
}

static void csv_free(reader *r)
{
	csv_state *st = r->state;
	if (!st)
		return;
	free_fields(st->cols, st->ncols);
	abuf_free(&st->field);
	abuf_free(&st->out);
	free(st);
	r->state = NULL;
}

static const reader_ops csv_ops = {csv_next, csv_free};

int reader_csv(reader *r, assay_error *err)
{
	csv_state *st = calloc(1, sizeof *st);
	if (!st)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	r->state = st;
	r->ops = &csv_ops;
	record hdr = {0};
	int rc = csv_row(r, &hdr, &st->cols, &st->ncols, err);
	if (rc < 0)
		return rc;
	const char *name = r->in.src->name;
	if (st->ncols == 0 || (st->ncols == 1 && !st->cols[0][0]))
		return assay_fail(err, ASSAY_EFORMAT, "%s:1: expected a CSV header row naming the "
				  "columns, got an empty line", name);
	const char *first = st->cols[0] + strspn(st->cols[0], " \t");
	bool lines = *first == '{';
	if (lines || *first == '[')
		return assay_fail(err, ASSAY_EFORMAT,
				  "%s:1: this looks like %s, not CSV: import it with --format %s",
				  name, lines ? "JSON Lines" : "a JSON array",
				  lines ? "jsonl" : "json");
	if (hdr.error[0])
		return assay_fail(err, ASSAY_EFORMAT, "%s:1: header row: %s", name, hdr.error);
	for (size_t i = 0; i < st->ncols; i++) {
		if (!st->cols[i][0])
			return assay_fail(err, ASSAY_EFORMAT, "%s:1: header column %zu has no name",
					  name, i + 1);
		size_t bad;
		if (!text_utf8_valid(st->cols[i], strlen(st->cols[i]), &bad))
			return assay_fail(err, ASSAY_EFORMAT, "%s:1: header column %zu: invalid "
					  "UTF-8", name, i + 1);
		for (size_t j = 0; j < i; j++)
			if (strcmp(st->cols[i], st->cols[j]) == 0)
				return assay_fail(err, ASSAY_EFORMAT, "%s:1: duplicate column name "
						  "\"%.64s\" in the header", name, st->cols[i]);
	}
	return ASSAY_OK;
}
