/* record.c — checking one record and pulling out what assay stores: the
 * text (by field path), the id, and the hash of the normalized text. Every
 * refusal says which field and what was expected. */
#include "record.h"

#include "report.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/text.h"

static const char *const default_text_fields[] = {"text", "caption", "output", "response",
						  "completion"};

/* An array's element by a decimal index of at most 9 digits, or NULL. */
static const cJSON *array_item(const cJSON *arr, const char *key, size_t n)
{
	if (n == 0 || n > 9 || strspn(key, "0123456789") < n || (n > 1 && key[0] == '0'))
		return NULL;
	int i = 0;
	for (size_t k = 0; k < n; k++)
		i = i * 10 + (key[k] - '0');
	return cJSON_GetArrayItem(arr, i);
}

const cJSON *ingest_field(const cJSON *obj, const char *path)
{
	bool arr = cJSON_IsArray(obj);
	if (!obj || (!cJSON_IsObject(obj) && !arr))
		return NULL;
	const char *dot = strchr(path, '.');
	size_t n = dot ? (size_t)(dot - path) : strlen(path);
	if (arr) {
		const cJSON *item = array_item(obj, path, n);
		return dot ? ingest_field(item, dot + 1) : item;
	}
	const cJSON *exact = cJSON_GetObjectItemCaseSensitive(obj, path);
	if (exact || !dot)
		return exact;
	char key[256];
	if (n >= sizeof key)
		return NULL;
	memcpy(key, path, n);
	key[n] = '\0';
	return ingest_field(cJSON_GetObjectItemCaseSensitive(obj, key), dot + 1);
}

static const char *type_name(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsObject(v))
		return "an object";
	return "an unknown value";
}

#define REJECT(...) (snprintf(why, whylen, __VA_ARGS__), ASSAY_EFORMAT)

static int check_json(const char *raw, size_t len, cJSON **out, char *why, size_t whylen)
{
	int rc = ingest_json_parse(raw, len, out, why, whylen);
	if (rc < 0)
		return rc == ASSAY_ENOMEM ? ASSAY_EFORMAT : rc;
	if (!cJSON_IsObject(*out)) {
		rc = REJECT("expected a JSON object, got %s", type_name(*out));
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}

static int find_text(const cJSON *v, const char *field, rec_fields *f, char *why, size_t whylen)
{
	const cJSON *t = NULL;
	if (field) {
		if (!(t = ingest_field(v, field))) {
			f->missing = RPT_NO_TEXT;
			return REJECT("no field \"%.64s\" (the text field named by --text)", field);
		}
		f->text_field = field;
	} else {
		for (size_t i = 0; i < ASSAY_ARRAY_LEN(default_text_fields) && !t; i++)
			if ((t = ingest_field(v, default_text_fields[i])))
				f->text_field = default_text_fields[i];
		if (!t) {
			f->missing = RPT_NO_TEXT;
			return REJECT("no text field: none of text, caption, output, response, "
				      "completion (name it with --text FIELD)");
		}
	}
	if (!cJSON_IsString(t))
		return REJECT("field \"%.64s\": expected a string, got %s", f->text_field,
			      type_name(t));
	f->text = t->valuestring;
	f->text_len = strlen(t->valuestring);
	bool empty = true;
	for (size_t i = 0; i < f->text_len && empty; i++)
		empty = f->text[i] == ' ' || f->text[i] == '\t' || f->text[i] == '\n' ||
			f->text[i] == '\r';
	if (empty)
		return REJECT("field \"%.64s\" is empty", f->text_field);
	return ASSAY_OK;
}

static int find_id(const cJSON *v, const char *field, int64_t line, const char *qualifier,
		   rec_fields *f, char *why, size_t whylen)
{
	const cJSON *id = ingest_field(v, field ? field : "id");
	if (!id) {
		if (field) {
			f->missing = RPT_NO_ID;
			return REJECT("no field \"%.64s\" (the id field named by --id)", field);
		}
		if (qualifier)
			snprintf(f->id_buf, sizeof f->id_buf, "%s:%lld", qualifier, (long long)line);
		else
			snprintf(f->id_buf, sizeof f->id_buf, "%lld", (long long)line);
		f->id = f->id_buf;
		return ASSAY_OK;
	}
	const char *name = field ? field : "id";
	if (cJSON_IsString(id)) {
		if (!id->valuestring[0])
			return REJECT("field \"%.64s\" is empty", name);
		if (strlen(id->valuestring) > ASSAY_ID_MAX)
			return REJECT("field \"%.64s\": longer than %u bytes", name, ASSAY_ID_MAX);
		f->id = id->valuestring;
		return ASSAY_OK;
	}
	if (cJSON_IsNumber(id) && id->valuedouble > -9e18 && id->valuedouble < 9e18 &&
	    id->valuedouble == (double)(int64_t)id->valuedouble) {
		snprintf(f->id_buf, sizeof f->id_buf, "%lld", (long long)id->valuedouble);
		f->id = f->id_buf;
		return ASSAY_OK;
	}
	return REJECT("field \"%.64s\": expected a string or an integer, got %s", name,
		      type_name(id));
}

/* Whether the record has one of the default text fields (not null). */
static bool has_default_text(const cJSON *v)
{
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(default_text_fields); i++) {
		const cJSON *t = ingest_field(v, default_text_fields[i]);
		if (t && !cJSON_IsNull(t))
			return true;
	}
	return false;
}

int rec_parse(const char *raw, size_t len, const rec_options *o, int64_t line, rec_fields *f,
	      char *why, size_t whylen)
{
	*f = (rec_fields){.turn = -1};
	cJSON *v = NULL;
	int shape;
	const char *pa, *pb;
	int rc = check_json(raw, len, &v, why, whylen);
	bool pair = rc == ASSAY_OK && (o->pair[0] || !has_default_text(v)) &&
		    rec_pair_wanted(v, o, &pa, &pb);
	/* A conversation's turn is the text only when --text names no field
	 * and the record has none of the default text fields (a record with
	 * both is read by its text field), or when --turn names the turn. */
	if (pair)
		rc = rec_pair(v, o, pa, pb, f, why, whylen);
	else if (rc == ASSAY_OK && !o->text_field && (o->turn > 0 || !has_default_text(v)) &&
		 rec_chat_list(v, &shape))
		rc = rec_chat(v, o, f, why, whylen);
	else if (rc == ASSAY_OK)
		rc = find_text(v, o->text_field, f, why, whylen);
	if (rc == ASSAY_OK)
		rc = find_id(v, o->id_field, line, o->qualifier, f, why, whylen);
	if (rc == ASSAY_OK && !f->context && rec_context(v, o, f) < 0)
		rc = REJECT("out of memory");
	if (rc == ASSAY_OK) {
		rec_key(raw, len, o, line, f);
		rec_pair_key(o, f);
	}
	f->json = v;
	return rc;
}

void rec_fields_free(rec_fields *f)
{
	cJSON_Delete(f->json);
	cJSON_Delete(f->context_arr);
	free(f->owned_text);
	cJSON_free(f->context);
	cJSON_free(f->pair);
	f->json = f->context_arr = NULL;
	f->owned_text = f->context = f->pair = NULL;
}
