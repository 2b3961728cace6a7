/* record.c — a stored sample's JSON record as named fields for the
 * features: the text under review and its context and metadata. */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "assay/learn.h"

void learn_record_free(learn_record *r)
{
	free(r->fields);
	free(r->name_off);
	abuf_free(&r->names);
	cJSON_Delete(r->json);
	*r = (learn_record){0};
}

/* Adds a field whose name starts at name_off in r->names (pointed to once
 * the buffer stops moving, at the end). */
static int add(learn_record *r, size_t name_off, const char *value, size_t len)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		learn_field *f = realloc(r->fields, cap * sizeof *f);
		size_t *o = realloc(r->name_off, cap * sizeof *o);
		if (f)
			r->fields = f;
		if (o)
			r->name_off = o;
		if (!f || !o)
			return ASSAY_ENOMEM;
		r->cap = cap;
	}
	r->name_off[r->n] = name_off;
	r->fields[r->n++] = (learn_field){.value = value, .len = len};
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

static int add_named(learn_record *r, const char *prefix, const char *key, const cJSON *v)
{
	size_t off = r->names.len;
	if ((reserved(prefix, key) && abuf_puts(&r->names, "field:") < 0) ||
	    (prefix && (abuf_puts(&r->names, prefix) < 0 || abuf_putc(&r->names, '.') < 0)) ||
	    abuf_puts(&r->names, key) < 0 || abuf_putc(&r->names, '\0') < 0)
		return ASSAY_ENOMEM;
	/* a 0x1F inside a nested key is replaced, never passed on */
	for (size_t i = off; i < r->names.len; i++)
		if (r->names.data[i] == '\x1f')
			r->names.data[i] = '?';
	return add(r, off, v->valuestring,
		   strlen(v->valuestring));
}

/* Whether a field is the text itself or the sample's id. */
static bool skipped(const cJSON *v, const char *key, const char *text_field, const char *ext_id)
{
	return (text_field && strcmp(key, text_field) == 0) ||
	       (ext_id && strcmp(v->valuestring, ext_id) == 0);
}

int learn_record_fields(const char *record, size_t len, const char *text_field,
			const char *ext_id, const char *text, learn_record *r)
{
	r->n = 0;
	abuf_reset(&r->names);
	cJSON_Delete(r->json);
	r->json = NULL;
	int rc = add(r, 0, text ? text : "", text ? strlen(text) : 0);
	cJSON *root = record ? cJSON_ParseWithLength(record, len) : NULL;
	r->json = root;
	const cJSON *v, *top = cJSON_IsObject(root) ? root : NULL;
	cJSON_ArrayForEach(v, top)
	{
		if (rc < 0 || !v->string)
			break;
		if (cJSON_IsString(v) && !skipped(v, v->string, text_field, ext_id)) {
			rc = add_named(r, NULL, v->string, v);
			continue;
		}
		const cJSON *in, *obj = cJSON_IsObject(v) ? v : NULL;
		cJSON_ArrayForEach(in, obj)
		{
			if (rc < 0)
				break;
			if (in->string && cJSON_IsString(in) && !skipped(in, "", NULL, ext_id))
				rc = add_named(r, v->string, in->string, in);
		}
	}
	if (rc < 0)
		return rc;
	r->fields[0].name = "text";
	for (size_t i = 1; i < r->n; i++)
		r->fields[i].name = r->names.data + r->name_off[i];
	return ASSAY_OK;
}
