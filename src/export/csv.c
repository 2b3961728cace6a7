/* csv.c — export --format csv: one row per exported record. With --fields
 * the columns are those fields; otherwise they are every top-level key of
 * the records exported, in the order first seen, read by a first pass over
 * the same records (in the export's own snapshot), so a record shaped
 * unlike the first one loses no field: a key a record lacks is an empty
 * cell. A cell holds a string's text, null nothing, and any other value
 * its JSON text as the record has it (1.0 stays 1.0, an object keeps its
 * spacing), as JSONL and --fields copy it. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assay/text_csv.h"
#include "export_int.h"

/* More columns than this is not a table but a map spread over the keys
 * (one key per record): refused, --fields chooses the columns instead. */
#define CSV_MAX_COLS 1024
#define CSV_SLOTS 2048 /* a power of two, twice CSV_MAX_COLS: probes stay short */

struct export_csv {
	char **names; /* the columns: decoded keys, or --fields' paths */
	size_t *lens;
	size_t n;
	bool paths;                 /* --fields: found by path, not by key */
	uint32_t slot[CSV_SLOTS];   /* column + 1 by the hash of its name; 0 free */
	const char **val;           /* this row's value of each column, or NULL */
	size_t *vlen;
	abuf key;                   /* a key with escapes, decoded */
	const char *ext_id;         /* the record being read, for messages */
	bool failed;                /* a member's callback set err */
	assay_error *err;
};

static uint32_t hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The key literal lit[0..n) (quotes included) as its text: the bytes
 * between the quotes unless it has an escape. NULL when out of memory. */
static const char *key_text(export_csv *c, const char *lit, size_t n, size_t *len)
{
	if (!memchr(lit, '\\', n)) {
		*len = n - 2;
		return lit + 1;
	}
	cJSON *k = cJSON_ParseWithLength(lit, n);
	abuf_reset(&c->key);
	int rc = cJSON_IsString(k) ? abuf_puts(&c->key, k->valuestring) : abuf_puts(&c->key, "");
	cJSON_Delete(k);
	*len = c->key.len;
	return rc < 0 ? NULL : c->key.data;
}

/* The hash slot of name: where it is, or the free one it would take. */
static size_t find_slot(const export_csv *c, const char *name, size_t len)
{
	size_t i = hash(name, len) & (CSV_SLOTS - 1);
	for (; c->slot[i]; i = (i + 1) & (CSV_SLOTS - 1)) {
		size_t col = c->slot[i] - 1;
		if (c->lens[col] == len && memcmp(c->names[col], name, len) == 0)
			break;
	}
	return i;
}

/* A column named name, unless there is one (--fields: always, as asked). */
static int add_column(export_csv *c, const char *name, size_t len)
{
	size_t at = find_slot(c, name, len);
	if (c->slot[at] && !c->paths)
		return ASSAY_OK;
	if (c->n == CSV_MAX_COLS)
		return assay_fail(c->err, ASSAY_EFORMAT,
				  "sample \"%s\": the records exported have more than %d different "
				  "fields, too many for a CSV: choose its columns with --fields A,B,...",
				  c->ext_id, CSV_MAX_COLS);
	char **names = realloc(c->names, (c->n + 1) * sizeof *names);
	if (names)
		c->names = names;
	size_t *lens = names ? realloc(c->lens, (c->n + 1) * sizeof *lens) : NULL;
	if (lens)
		c->lens = lens;
	char *copy = lens ? assay_strndup(name, len) : NULL;
	if (!copy)
		return assay_fail(c->err, ASSAY_ENOMEM, "out of memory");
	c->names[c->n] = copy;
	c->lens[c->n++] = len;
	if (!c->slot[at])
		c->slot[at] = (uint32_t)c->n;
	return ASSAY_OK;
}

static int key_member(void *ud, const char *key, size_t klen, const char *value, size_t vlen)
{
	(void)value;
	(void)vlen;
	export_csv *c = ud;
	size_t len;
	const char *name = key_text(c, key, klen, &len);
	int rc = name ? add_column(c, name, len) : assay_fail(c->err, ASSAY_ENOMEM, "out of memory");
	c->failed = rc < 0;
	return rc;
}

/* The first pass: the keys of each record the export will write (its
 * verdict one asked for; a correction or provenance adds no key but
 * "_assay"). */
static int keys_each(void *ud, const store_export_row *row)
{
	job *j = ud;
	const export_options *o = j->o;
	if (o->stop && *o->stop)
		return assay_fail(j->err, ASSAY_EINTR, "interrupted");
	export_resolution res;
	export_resolve(row, o->rule, &res);
	if (!(o->statuses & (1u << res.verdict)))
		return 0;
	j->csv->ext_id = row->ext_id;
	int rc = export_json_members(row->record, row->record_len, key_member, j->csv);
	if (rc == ASSAY_EFORMAT && !j->csv->failed)
		return assay_fail(j->err, rc, "sample \"%s\": the record is not a JSON object",
				  row->ext_id);
	return rc;
}

int export_csv_columns(job *j, const store_export_filter *f)
{
	const export_options *o = j->o;
	export_csv *c = j->csv = calloc(1, sizeof *c);
	if (!c)
		return assay_fail(j->err, ASSAY_ENOMEM, "out of memory");
	c->err = j->err;
	int rc = ASSAY_OK;
	if (o->n_fields) {
		c->paths = true;
		for (size_t i = 0; i < o->n_fields && rc == ASSAY_OK; i++)
			rc = add_column(c, o->fields[i], strlen(o->fields[i]));
	} else {
		rc = store_export_each(j->s, f, keys_each, j, j->err);
		if (rc == ASSAY_OK && o->provenance)
			rc = add_column(c, "_assay", 6);
	}
	c->val = rc == ASSAY_OK ? calloc(c->n ? c->n : 1, sizeof *c->val) : NULL;
	c->vlen = c->val ? calloc(c->n ? c->n : 1, sizeof *c->vlen) : NULL;
	if (rc == ASSAY_OK && !c->vlen)
		rc = assay_fail(j->err, ASSAY_ENOMEM, "out of memory");
	return rc;
}

void export_csv_free(export_csv *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->names);
	free(c->lens);
	free(c->val);
	free(c->vlen);
	abuf_free(&c->key);
	free(c);
}

/* A member of the record being written: its value into its column's cell
 * (the first of duplicate keys, as a field path finds it). */
static int value_member(void *ud, const char *key, size_t klen, const char *value, size_t vlen)
{
	export_csv *c = ud;
	size_t len;
	const char *name = key_text(c, key, klen, &len);
	if (!name) {
		c->failed = true;
		return assay_fail(c->err, ASSAY_ENOMEM, "out of memory");
	}
	size_t at = find_slot(c, name, len);
	c->failed = !c->slot[at];
	if (c->failed)
		return assay_fail(c->err, ASSAY_EFORMAT,
				  "field \"%.*s\" is not among the CSV's columns (the records "
				  "changed while exported?): choose them with --fields A,B,...",
				  (int)ASSAY_MIN(len, 200), name);
	size_t col = c->slot[at] - 1;
	if (!c->val[col]) {
		c->val[col] = value;
		c->vlen[col] = vlen;
	}
	return 0;
}

/* One cell: a string's text, null nothing, any other value as written. */
static int cell(const job *j, abuf *out, const char *v, size_t n)
{
	unsigned raw = j->o->csv_raw ? TEXT_CSV_RAW : 0;
	if (!v || (n == 4 && memcmp(v, "null", 4) == 0))
		return ASSAY_OK;
	if (*v != '"')
		return text_csv_cell(out, v, n, raw ? raw : TEXT_CSV_NUMBER);
	if (!memchr(v, '\\', n))
		return text_csv_cell(out, v + 1, n - 2, raw);
	cJSON *s = cJSON_ParseWithLength(v, n);
	const char *t = cJSON_IsString(s) ? s->valuestring : "";
	int rc = text_csv_cell(out, t, strlen(t), raw);
	cJSON_Delete(s);
	return rc;
}

static int header(const job *j, abuf *out)
{
	const export_csv *c = j->csv;
	for (size_t i = 0; i < c->n; i++) {
		if (i)
			abuf_putc(out, ',');
		text_csv_cell(out, c->names[i], c->lens[i], j->o->csv_raw ? TEXT_CSV_RAW : 0);
	}
	return abuf_puts(out, "\r\n");
}

int export_csv_row(job *j, sink *k, const char *rec, size_t len, abuf *out)
{
	export_csv *c = j->csv;
	if (!k->header_done) {
		header(j, out);
		k->header_done = true;
	}
	memset(c->val, 0, c->n * sizeof *c->val);
	int rc = ASSAY_OK;
	for (size_t i = 0; c->paths && i < c->n; i++) {
		size_t a, b;
		if (export_json_find(rec, len, c->names[i], &a, &b) == ASSAY_OK) {
			c->val[i] = rec + a;
			c->vlen[i] = b - a;
		}
	}
	c->failed = false;
	if (!c->paths && (rc = export_json_members(rec, len, value_member, c)) == ASSAY_EFORMAT &&
	    !c->failed)
		rc = assay_fail(j->err, rc, "the record is not a JSON object");
	for (size_t i = 0; i < c->n && rc == ASSAY_OK; i++) {
		if (i)
			abuf_putc(out, ',');
		rc = cell(j, out, c->val[i], c->vlen[i]);
	}
	if (rc == ASSAY_OK && abuf_puts(out, "\r\n") < 0)
		rc = ASSAY_ENOMEM;
	return rc == ASSAY_ENOMEM ? assay_fail(j->err, rc, "out of memory") : rc;
}
