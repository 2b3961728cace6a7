/* pair.c — records holding two candidates for one prompt: which fields
 * they are in (--pair A,B, else the first pair of default names present),
 * their generator models (--pair-model, else A_model or model_SUFFIX), the
 * record's own claim of the better one (a dataset's "chosen"), and message
 * lists as candidates (the last assistant turn is the candidate; the
 * turns before it, or a prompt given as messages, are the context). The
 * sample's text is candidate a; the rest travels as f->pair (JSON). */
#include "record.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/text.h"

static const char *const default_pairs[][2] = {
	{"chosen", "rejected"},
	{"response_a", "response_b"},
	{"output_1", "output_2"},
	{"completion_a", "completion_b"},
};

#define REJECT(...) (snprintf(why, whylen, __VA_ARGS__), ASSAY_EFORMAT)

/* "A,B" into two allocated names; false unless exactly two non-empty. */
static bool split_two(const char *list, char **a, char **b)
{
	const char *comma = list ? strchr(list, ',') : NULL;
	if (!comma || comma == list || !comma[1] || strchr(comma + 1, ','))
		return false;
	*a = assay_strndup(list, (size_t)(comma - list));
	*b = assay_strdup(comma + 1);
	return *a && *b;
}

int rec_options_pair(rec_options *ro, const ingest_options *o, assay_error *err)
{
	if (o->pair_fields && !split_two(o->pair_fields, &ro->pair[0], &ro->pair[1]))
		return assay_fail(err, ASSAY_EINVAL, "--pair \"%.60s\": expected two field names "
				  "separated by a comma (e.g. chosen,rejected)", o->pair_fields);
	if (o->pair_model_fields &&
	    !split_two(o->pair_model_fields, &ro->pair_model[0], &ro->pair_model[1]))
		return assay_fail(err, ASSAY_EINVAL, "--pair-model \"%.60s\": expected two field "
				  "names separated by a comma", o->pair_model_fields);
	if (o->pair_model_fields && !o->pair_fields)
		return assay_fail(err, ASSAY_EINVAL, "--pair-model goes with --pair");
	if (ro->pair[0] && o->text_field)
		return assay_fail(err, ASSAY_EINVAL, "--pair names the texts: it goes without --text");
	return ASSAY_OK;
}

void rec_options_pair_free(rec_options *ro)
{
	for (int i = 0; i < 2; i++) {
		free(ro->pair[i]);
		free(ro->pair_model[i]);
		ro->pair[i] = ro->pair_model[i] = NULL;
	}
}

bool rec_pair_wanted(const cJSON *v, const rec_options *o, const char **a, const char **b)
{
	if (o->pair[0]) {
		*a = o->pair[0];
		*b = o->pair[1];
		return true;
	}
	if (o->text_field)
		return false;
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(default_pairs); i++)
		if (ingest_field(v, default_pairs[i][0]) && ingest_field(v, default_pairs[i][1])) {
			*a = default_pairs[i][0];
			*b = default_pairs[i][1];
			return true;
		}
	return false;
}

static bool is_turn(const cJSON *t)
{
	return cJSON_IsObject(t) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(t, "role"));
}

/* A turn's content as text: a string, or its text parts joined. */
static char *content_text(const cJSON *c)
{
	if (cJSON_IsString(c))
		return assay_strdup(c->valuestring);
	abuf b = {0};
	int parts = 0;
	for (const cJSON *p = cJSON_IsArray(c) ? c->child : NULL; p; p = p->next) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "text");
		if (cJSON_IsString(t) && ((parts++ && abuf_puts(&b, "\n\n") < 0) ||
					  abuf_puts(&b, t->valuestring) < 0)) {
			abuf_free(&b);
			return NULL;
		}
	}
	return parts ? abuf_take(&b) : NULL;
}

/* The last assistant turn of a message list, or -1. */
static int last_assistant(const cJSON *list)
{
	int i = 0, at = -1;
	for (const cJSON *t = list->child; t; t = t->next, i++)
		if (is_turn(t) &&
		    !strcmp(cJSON_GetObjectItemCaseSensitive(t, "role")->valuestring, "assistant"))
			at = i;
	return at;
}

/* One candidate's text (owned) from a string or a message list; *turn the
 * turn it came from (-1 for a string). */
static int candidate(const cJSON *v, const char *field, char **text, int *turn, char *why,
		     size_t whylen)
{
	*turn = -1;
	if (!v)
		return REJECT("no field \"%.64s\" (a candidate of the pair)", field);
	if (cJSON_IsArray(v)) {
		if ((*turn = last_assistant(v)) < 0)
			return REJECT("field \"%.64s\": a message list with no assistant turn",
				      field);
		const cJSON *t = cJSON_GetArrayItem(v, *turn);
		*text = content_text(cJSON_GetObjectItemCaseSensitive(t, "content"));
	} else if (cJSON_IsString(v)) {
		*text = assay_strdup(v->valuestring);
	} else {
		return REJECT("field \"%.64s\": expected a string or a list of messages", field);
	}
	if (!*text || !(*text)[strspn(*text, " \t\r\n")])
		return REJECT("field \"%.64s\": the candidate is empty", field);
	return ASSAY_OK;
}

/* The generator model of candidate `field`: --pair-model's field, else
 * FIELD_model, else model_SUFFIX (response_a: model_a). */
static const char *model_of(const cJSON *v, const rec_options *o, int side, const char *field,
			    char *name, size_t cap)
{
	const cJSON *m = NULL;
	if (o->pair_model[side]) {
		m = ingest_field(v, o->pair_model[side]);
		snprintf(name, cap, "%s", o->pair_model[side]);
	} else {
		snprintf(name, cap, "%s_model", field);
		m = ingest_field(v, name);
		const char *us = strrchr(field, '_');
		if (!m && us) {
			snprintf(name, cap, "model_%s", us + 1);
			m = ingest_field(v, name);
		}
	}
	return cJSON_IsString(m) && m->valuestring[0] ? m->valuestring : NULL;
}

/* A message list's turns before `upto` as context parts. */
static int turns_context(const cJSON *list, int upto, cJSON *arr)
{
	int i = 0;
	for (const cJSON *t = list->child; t && i < upto; t = t->next, i++) {
		if (!is_turn(t))
			continue;
		char *text = content_text(cJSON_GetObjectItemCaseSensitive(t, "content"));
		cJSON *o = cJSON_CreateObject();
		const char *role = cJSON_GetObjectItemCaseSensitive(t, "role")->valuestring;
		bool ok = o && cJSON_AddStringToObject(o, "role", role) &&
			  cJSON_AddStringToObject(o, "text", text ? text : "") &&
			  cJSON_AddItemToArray(arr, o);
		free(text);
		if (!ok) {
			cJSON_Delete(o);
			return ASSAY_ENOMEM;
		}
	}
	return ASSAY_OK;
}

/* For chat pairs: the prompt as messages, else candidate a's earlier
 * turns, as the context; f->context stays NULL when neither applies (the
 * context fields are looked up as for any record). */
static int chat_context(const cJSON *v, const cJSON *av, int a_turn, rec_fields *f)
{
	const cJSON *prompt = ingest_field(v, "prompt");
	cJSON *arr = cJSON_CreateArray();
	if (!arr)
		return ASSAY_ENOMEM;
	int rc = ASSAY_OK;
	if (cJSON_IsArray(prompt) && is_turn(prompt->child))
		rc = turns_context(prompt, cJSON_GetArraySize(prompt), arr);
	else if (!prompt && a_turn > 0)
		rc = turns_context(av, a_turn, arr);
	if (rc == ASSAY_OK && arr->child) {
		f->context = cJSON_PrintUnformatted(arr);
		f->context_len = f->context ? strlen(f->context) : 0;
		f->context_arr = arr;
		return f->context ? ASSAY_OK : ASSAY_ENOMEM;
	}
	cJSON_Delete(arr);
	return rc;
}

/* f->pair: what store_new_sample.pair carries. */
static int pair_json(const cJSON *v, const rec_options *o, const char *a, const char *b,
		     const char *b_text, bool chat, rec_fields *f)
{
	cJSON *j = cJSON_CreateObject();
	char fa[160], fb[160];
	const char *ma = model_of(v, o, 0, a, fa, sizeof fa);
	const char *mb = model_of(v, o, 1, b, fb, sizeof fb);
	const char *claim = !strcmp(a, "chosen") ? "a" : !strcmp(b, "chosen") ? "b" : NULL;
	bool ok = j && cJSON_AddStringToObject(j, "a_field", a) &&
		  cJSON_AddStringToObject(j, "b_field", b) &&
		  cJSON_AddStringToObject(j, "b_text", b_text) &&
		  (ma ? cJSON_AddStringToObject(j, "a_model", ma) : cJSON_AddNullToObject(j, "a_model")) &&
		  (mb ? cJSON_AddStringToObject(j, "b_model", mb) : cJSON_AddNullToObject(j, "b_model")) &&
		  (claim ? cJSON_AddStringToObject(j, "claimed", claim)
			 : cJSON_AddNullToObject(j, "claimed")) &&
		  cJSON_AddBoolToObject(j, "chat", chat) &&
		  (!ma || cJSON_AddStringToObject(j, "a_model_field", fa)) &&
		  (!mb || cJSON_AddStringToObject(j, "b_model_field", fb));
	f->pair = ok ? cJSON_PrintUnformatted(j) : NULL;
	f->pair_len = f->pair ? strlen(f->pair) : 0;
	cJSON_Delete(j);
	return f->pair ? ASSAY_OK : ASSAY_ENOMEM;
}

int rec_pair(const cJSON *v, const rec_options *o, const char *a, const char *b, rec_fields *f,
	     char *why, size_t whylen)
{
	const cJSON *av = ingest_field(v, a), *bv = ingest_field(v, b);
	char *b_text = NULL;
	int a_turn, b_turn;
	int rc = candidate(av, a, &f->owned_text, &a_turn, why, whylen);
	if (rc == ASSAY_OK)
		rc = candidate(bv, b, &b_text, &b_turn, why, whylen);
	if (rc == ASSAY_OK && (a_turn < 0) != (b_turn < 0))
		rc = REJECT("fields \"%.64s\" and \"%.64s\": one is a string, the other a list of "
			    "messages", a, b);
	if (rc == ASSAY_OK) {
		f->text = f->owned_text;
		f->text_len = strlen(f->text);
		f->text_field = a;
		if (a_turn >= 0) {
			snprintf(f->field_buf, sizeof f->field_buf, "%s.%d.content", a, a_turn);
			f->text_field = f->field_buf;
		}
		f->pair_hash = text_normalized_hash(b_text, strlen(b_text), o->scratch);
		rc = a_turn >= 0 && chat_context(v, av, a_turn, f) < 0 ? REJECT("out of memory")
								       : ASSAY_OK;
	}
	if (rc == ASSAY_OK && pair_json(v, o, a, b, b_text, a_turn >= 0, f) < 0)
		rc = REJECT("out of memory");
	free(b_text);
	return rc;
}

void rec_pair_key(const rec_options *o, rec_fields *f)
{
	if (f->pair && o->dedup != REC_DEDUP_NONE)
		f->hash = text_hash64(&f->pair_hash, sizeof f->pair_hash, f->hash ^ 0x70616972ull);
}
