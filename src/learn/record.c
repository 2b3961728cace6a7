/* record.c — a stored sample's JSON record as named fields for the
 * features: the text under review and its context and metadata. Read by
 * record_scan.c straight from the record's bytes; a record it is unsure
 * of is parsed with cJSON, which gives the same fields. */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "learn_int.h"

void learn_record_free(learn_record *r)
{
	free(r->fields);
	free(r->name_off);
	free(r->value_off);
	abuf_free(&r->names);
	abuf_free(&r->values);
	abuf_free(&r->key);
	abuf_free(&r->scratch);
	*r = (learn_record){0};
}

/* Adds a field whose name starts at name_off in r->names, its value
 * copied into r->values (both pointed to once the buffers stop moving,
 * at the end). */
static int add(learn_record *r, size_t name_off, const char *value, size_t len)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		learn_field *f = realloc(r->fields, cap * sizeof *f);
		size_t *o = realloc(r->name_off, cap * sizeof *o);
		size_t *v = realloc(r->value_off, cap * sizeof *v);
		if (f)
			r->fields = f;
		if (o)
			r->name_off = o;
		if (v)
			r->value_off = v;
		if (!f || !o || !v)
			return ASSAY_ENOMEM;
		r->cap = cap;
	}
	r->name_off[r->n] = name_off;
	r->value_off[r->n] = r->values.len;
	r->fields[r->n++] = (learn_field){.len = len};
	if (abuf_append(&r->values, value, len) < 0 || abuf_putc(&r->values, '\0') < 0)
		return ASSAY_ENOMEM;
	return ASSAY_OK;
}

/* Whether a record's key could pass for one of the features' own
 * namespaces ("text", "text~", "#score", the bias's empty one) or break a
 * feature's name (the 0x1F separator): such a key gets "field:" before it,
 * so no record can pose as a score or as the text. */
static bool reserved(const char *prefix, const char *key)
{
	size_t n = strlen(key);
	return !prefix && (n == 0 || key[0] == '#' || key[n - 1] == '~' ||
			   strcmp(key, "text") == 0 || strchr(key, '\x1f'));
}

static int add_named(learn_record *r, const char *prefix, size_t prefix_len, const char *key,
		     const char *value, size_t len)
{
	size_t off = r->names.len;
	if ((reserved(prefix, key) && abuf_puts(&r->names, "field:") < 0) ||
	    (prefix && (abuf_append(&r->names, prefix, prefix_len) < 0 ||
			abuf_putc(&r->names, '.') < 0)) ||
	    abuf_puts(&r->names, key) < 0 || abuf_putc(&r->names, '\0') < 0)
		return ASSAY_ENOMEM;
	/* a 0x1F inside a nested key is replaced, never passed on */
	for (size_t i = off; i < r->names.len; i++)
		if (r->names.data[i] == '\x1f')
			r->names.data[i] = '?';
	return add(r, off, value, len);
}

/* Whether a field is the text itself (a top-level key) or the sample's id. */
static bool skipped(const char *value, const char *key, const char *text_field,
		    const char *ext_id)
{
	return (text_field && key && strcmp(key, text_field) == 0) ||
	       (ext_id && strcmp(value, ext_id) == 0);
}

typedef struct scan_ctx {
	learn_record *r;
	const char *text_field, *ext_id;
} scan_ctx;

static int on_string(void *ud, const char *outer, size_t outer_len, const char *key,
		     size_t key_len, const char *val, size_t val_len)
{
	(void)key_len;
	scan_ctx *c = ud;
	/* the id test compares C strings, as cJSON's NUL-ended values did */
	if (skipped(val, outer ? NULL : key, outer ? NULL : c->text_field, c->ext_id))
		return 1;
	int rc = add_named(c->r, outer, outer_len, key, val, val_len);
	return rc < 0 ? rc : 1;
}

/* The same fields from cJSON's tree, for a record the scanner gave up on. */
static int parse_tree(learn_record *r, const char *record, size_t len, const char *text_field,
		      const char *ext_id)
{
	cJSON *root = cJSON_ParseWithLength(record, len);
	const cJSON *v, *top = cJSON_IsObject(root) ? root : NULL;
	int rc = ASSAY_OK;
	cJSON_ArrayForEach(v, top)
	{
		if (rc < 0 || !v->string)
			break;
		if (cJSON_IsString(v) && !skipped(v->valuestring, v->string, text_field, ext_id)) {
			rc = add_named(r, NULL, 0, v->string, v->valuestring,
				       strlen(v->valuestring));
			continue;
		}
		const cJSON *in, *obj = cJSON_IsObject(v) ? v : NULL;
		cJSON_ArrayForEach(in, obj)
		{
			if (rc < 0)
				break;
			if (in->string && cJSON_IsString(in) &&
			    !skipped(in->valuestring, NULL, NULL, ext_id))
				rc = add_named(r, v->string, strlen(v->string), in->string,
					       in->valuestring, strlen(in->valuestring));
		}
	}
	cJSON_Delete(root);
	return rc;
}

int learn_record_fields(const char *record, size_t len, const char *text_field,
			const char *ext_id, const char *text, learn_record *r)
{
	r->n = 0;
	abuf_reset(&r->names);
	abuf_reset(&r->values);
	int rc = add(r, 0, "", 0);
	if (rc == 0 && record) {
		scan_ctx c = {r, text_field, ext_id};
		rc = learn_record_scan(record, len, on_string, &c, &r->key, &r->scratch);
		if (rc == 0) {
			/* unsure: start again from cJSON's tree */
			r->n = 1;
			abuf_reset(&r->names);
			r->values.len = 1;
			rc = parse_tree(r, record, len, text_field, ext_id);
		}
	}
	if (rc < 0)
		return rc;
	r->fields[0] = (learn_field){"text", text ? text : "", text ? strlen(text) : 0};
	for (size_t i = 1; i < r->n; i++) {
		r->fields[i].name = r->names.data + r->name_off[i];
		r->fields[i].value = r->values.data + r->value_off[i];
	}
	return ASSAY_OK;
}
