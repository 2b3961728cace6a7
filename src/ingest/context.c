/* context.c — what a sample is judged against: the context fields of an
 * instruction record (instruction and input, prompt, question, ...), or,
 * for a conversation (OpenAI `messages`, ShareGPT `conversations`), the
 * turns before the one under review. The context is kept as a compact JSON
 * array of {"name"|"role", "text"}, and the duplicate key covers it. */
#include "record.h"

#include "report.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/text.h"

/* The default context: the first present of these (instruction brings
 * its input along). */
static const char *const default_context[] = {"instruction", "prompt",	   "question",
					      "query",	     "user_query", "system"};

#define REJECT(...) (snprintf(why, whylen, __VA_ARGS__), ASSAY_EFORMAT)

/* Appends {"name"|"role": key, "text": text} to arr. */
static int add_part(cJSON *arr, const char *label, const char *key, const char *text)
{
	cJSON *o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, label, key) ||
	    !cJSON_AddStringToObject(o, "text", text) || !cJSON_AddItemToArray(arr, o)) {
		cJSON_Delete(o);
		return ASSAY_ENOMEM;
	}
	return ASSAY_OK;
}

/* A field's value as context text: a string as it is, anything else as
 * compact JSON; NULL (nothing to add) for null or an empty string. */
static char *field_text(const cJSON *v)
{
	if (!v || cJSON_IsNull(v))
		return NULL;
	if (cJSON_IsString(v))
		return v->valuestring[0] ? assay_strdup(v->valuestring) : NULL;
	return cJSON_PrintUnformatted(v);
}

static int add_field(cJSON *arr, const cJSON *rec, const char *name, const char *text_field,
		     bool *added)
{
	if (text_field && strcmp(name, text_field) == 0)
		return ASSAY_OK;
	char *t = field_text(ingest_field(rec, name));
	if (!t)
		return ASSAY_OK;
	int rc = add_part(arr, "name", name, t);
	free(t);
	*added |= rc == ASSAY_OK;
	return rc;
}

static int fields_context(const cJSON *rec, const rec_options *o, const char *text_field,
			  cJSON *arr)
{
	bool added = false;
	int rc = ASSAY_OK;
	if (o->context_fields) {
		for (size_t i = 0; i < o->n_context_fields && rc == 0; i++)
			rc = add_field(arr, rec, o->context_fields[i], text_field, &added);
		return rc;
	}
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(default_context) && !added && rc == 0; i++) {
		rc = add_field(arr, rec, default_context[i], text_field, &added);
		if (rc == 0 && added && i == 0)
			rc = add_field(arr, rec, "input", text_field, &added);
	}
	return rc;
}

/* ---- conversations ---------------------------------------------------- */

typedef struct chat_shape {
	const char *list, *role, *text; /* "messages", "role", "content" */
} chat_shape;

static const chat_shape shapes[] = {
	{"messages", "role", "content"},
	{"conversations", "from", "value"},
};

/* ShareGPT's speakers under OpenAI's names. */
static const char *role_name(const char *r)
{
	if (!strcmp(r, "human"))
		return "user";
	if (!strcmp(r, "gpt") || !strcmp(r, "bot") || !strcmp(r, "model"))
		return "assistant";
	return r;
}

static bool is_turn(const cJSON *t, const chat_shape *sh)
{
	return cJSON_IsObject(t) &&
	       cJSON_IsString(cJSON_GetObjectItemCaseSensitive(t, sh->role));
}

/* A turn's text: a string, or the text parts of a list joined by blank
 * lines. *single gets the index of the only text part (-1: none or
 * several, or a string). Returns NULL when there is no text. */
static char *turn_text(const cJSON *c, int *single)
{
	*single = -1;
	if (cJSON_IsString(c))
		return assay_strdup(c->valuestring);
	if (!cJSON_IsArray(c))
		return NULL;
	abuf b = {0};
	int parts = 0, i = 0, at = -1;
	for (const cJSON *p = c->child; p; p = p->next, i++) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "text");
		if (!cJSON_IsString(t))
			continue;
		if ((parts++ && abuf_puts(&b, "\n\n") < 0) || abuf_puts(&b, t->valuestring) < 0) {
			abuf_free(&b);
			return NULL;
		}
		at = i;
	}
	if (!parts)
		return NULL;
	*single = parts == 1 ? at : -1;
	char *s = abuf_take(&b);
	return s ? s : assay_strdup("");
}

const cJSON *rec_chat_list(const cJSON *rec, int *shape)
{
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(shapes); i++) {
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(rec, shapes[i].list);
		if (cJSON_IsArray(l) && l->child && is_turn(l->child, &shapes[i])) {
			*shape = (int)i;
			return l;
		}
	}
	return NULL;
}

/* The turn under review: o->turn, else the last assistant turn. */
static int pick_turn(const cJSON *list, const chat_shape *sh, int want, char *why,
		     size_t whylen)
{
	int n = cJSON_GetArraySize(list);
	if (want >= 0) {
		if (want >= n)
			return REJECT("--turn %d: the conversation has %d turns", want, n);
		if (!is_turn(cJSON_GetArrayItem(list, want), sh))
			return REJECT("%s.%d: expected an object with \"%s\"", sh->list, want,
				      sh->role);
		return want;
	}
	for (int i = n - 1; i >= 0; i--) {
		const cJSON *t = cJSON_GetArrayItem(list, i);
		if (is_turn(t, sh) &&
		    !strcmp(role_name(cJSON_GetObjectItemCaseSensitive(t, sh->role)->valuestring),
			    "assistant"))
			return i;
	}
	return REJECT("%s: no assistant turn to review (name one with --turn N)", sh->list);
}

static int chat_turns(const cJSON *list, const chat_shape *sh, int upto, cJSON *arr)
{
	int i = 0;
	for (const cJSON *t = list->child; t && i < upto; t = t->next, i++) {
		if (!is_turn(t, sh))
			continue;
		int single;
		char *text = turn_text(cJSON_GetObjectItemCaseSensitive(t, sh->text), &single);
		const char *role = cJSON_GetObjectItemCaseSensitive(t, sh->role)->valuestring;
		int rc = add_part(arr, "role", role_name(role), text ? text : "");
		free(text);
		if (rc < 0)
			return rc;
	}
	return ASSAY_OK;
}

/* The index of the first text part of a turn's list of parts, -1 when none. */
static int first_text_part(const cJSON *c)
{
	int i = 0;
	for (const cJSON *p = cJSON_IsArray(c) ? c->child : NULL; p; p = p->next, i++)
		if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(p, "text")))
			return i;
	return -1;
}

/* A turn whose content has several text parts: its first text part is the
 * text under review (a correction replaces that part only, the others and
 * any image parts stay); the others are shown as its context. */
int rec_chat(const cJSON *rec, const rec_options *o, rec_fields *f, char *why, size_t whylen)
{
	int shape;
	const cJSON *list = rec_chat_list(rec, &shape);
	const chat_shape *sh = &shapes[shape];
	int k = pick_turn(list, sh, o->turn - 1, why, whylen);
	if (k < 0)
		return k;
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, k), sh->text);
	int single, first = first_text_part(c);
	f->owned_text = turn_text(c, &single);
	if (!f->owned_text || !f->owned_text[strspn(f->owned_text, " \t\r\n")])
		return REJECT("%s.%d: the turn under review has no text", sh->list, k);
	f->text = f->owned_text;
	if (first >= 0) {
		f->text = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(c, first), "text")
				  ->valuestring;
		if (!f->text[strspn(f->text, " \t\r\n")])
			return REJECT("%s.%d.%s.%d.text: the text under review is empty",
				      sh->list, k, sh->text, first);
		snprintf(f->field_buf, sizeof f->field_buf, "%s.%d.%s.%d.text", sh->list, k,
			 sh->text, first);
	} else {
		snprintf(f->field_buf, sizeof f->field_buf, "%s.%d.%s", sh->list, k, sh->text);
	}
	f->text_len = strlen(f->text);
	f->text_field = f->field_buf;
	f->turn = k;
	return ASSAY_OK;
}

/* The text parts after the first of the turn under review, as context. */
static int turn_other_parts(const cJSON *list, const chat_shape *sh, int k, cJSON *arr)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, k), sh->text);
	int first = first_text_part(c), i = 0;
	for (const cJSON *p = first >= 0 ? c->child : NULL; p; p = p->next, i++) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "text");
		if (i <= first || !cJSON_IsString(t))
			continue;
		char name[96];
		snprintf(name, sizeof name, "%s.%d.%s.%d.text", sh->list, k, sh->text, i);
		int rc = add_part(arr, "name", name, t->valuestring);
		if (rc < 0)
			return rc;
	}
	return ASSAY_OK;
}

/* ---- the context and the duplicate key ----------------------------------- */

int rec_context(const cJSON *rec, const rec_options *o, rec_fields *f)
{
	cJSON *arr = cJSON_CreateArray();
	if (!arr)
		return ASSAY_ENOMEM;
	int shape, rc;
	const cJSON *list = f->turn >= 0 ? rec_chat_list(rec, &shape) : NULL;
	if (list) {
		rc = chat_turns(list, &shapes[shape], f->turn, arr);
		if (rc == 0)
			rc = turn_other_parts(list, &shapes[shape], f->turn, arr);
	} else {
		rc = fields_context(rec, o, f->text_field, arr);
		/* for the import's word when no record has --context's fields */
		f->context_looked = o->n_context_fields > 0;
		for (size_t i = 0; i < o->n_context_fields && !f->context_named; i++)
			f->context_named = ingest_field(rec, o->context_fields[i]) != NULL;
	}
	if (rc == 0 && arr->child) {
		f->context = cJSON_PrintUnformatted(arr);
		rc = f->context ? ASSAY_OK : ASSAY_ENOMEM;
		f->context_len = f->context ? strlen(f->context) : 0;
		f->context_arr = arr; /* for the duplicate key; freed with f */
		return rc;
	}
	cJSON_Delete(arr);
	return rc;
}

/* Context and text: the normalized texts of the context's parts and of
 * the text, each hashed, chained (so moving words between the instruction
 * and the answer changes the key). */
static uint64_t context_hash(const cJSON *arr, uint64_t text_hash, abuf *scratch)
{
	uint64_t h = 0x636f6e7465787421ull;
	for (const cJSON *p = arr ? arr->child : NULL; p; p = p->next) {
		const char *t = cJSON_GetObjectItemCaseSensitive(p, "text")->valuestring;
		uint64_t x = text_normalized_hash(t, strlen(t), scratch);
		h = text_hash64(&x, sizeof x, h);
	}
	return text_hash64(&text_hash, sizeof text_hash, h);
}

void rec_key(const char *raw, size_t len, const rec_options *o, int64_t line, rec_fields *f)
{
	f->hash = text_normalized_hash(f->text, f->text_len, o->scratch);
	if (o->dedup == REC_DEDUP_NONE) {
		/* Never a duplicate: the record itself at its line is the key (the
		 * import mixes the batch and the source in), so a re-run still
		 * finds it. */
		f->hash = text_hash64(raw, len, (uint64_t)line * 0x9e3779b97f4a7c15ull);
		return;
	}
	if (o->dedup == REC_DEDUP_TEXT || !f->context_arr)
		return;
	f->hash = context_hash(f->context_arr, f->hash, o->scratch);
}

/* ---- options --------------------------------------------------------------- */

int rec_options_context(rec_options *ro, const ingest_options *o, assay_error *err)
{
	ro->turn = o->turn_set ? o->turn + 1 : 0;
	if (o->turn_set && o->turn < 0)
		return assay_fail(err, ASSAY_EINVAL, "--turn %d: expected 0 or more", o->turn);
	const char *d = o->dedup_on;
	if (!d || !strcmp(d, "context+text"))
		ro->dedup = REC_DEDUP_DEFAULT;
	else if (!strcmp(d, "text"))
		ro->dedup = REC_DEDUP_TEXT;
	else if (!strcmp(d, "none"))
		ro->dedup = REC_DEDUP_NONE;
	else
		return assay_fail(err, ASSAY_EINVAL,
				  "--dedup-on \"%.40s\": expected text, context+text or none", d);
	const char *k = o->kind;
	if (k && strcmp(k, "caption") && strcmp(k, "response") && strcmp(k, "text"))
		return assay_fail(err, ASSAY_EINVAL,
				  "--kind \"%.40s\": expected caption, response or text", k);
	if (!o->context_fields)
		return ASSAY_OK;
	for (const char *p = o->context_fields; *p;) {
		size_t n = strcspn(p, ","), a = strspn(p, " \t");
		size_t e = n;
		while (e > a && (p[e - 1] == ' ' || p[e - 1] == '\t'))
			e--;
		if (e > a) {
			char **v = realloc(ro->context_fields,
					   (ro->n_context_fields + 1) * sizeof *v);
			char *name = v ? assay_strndup(p + a, e - a) : NULL;
			if (v)
				ro->context_fields = v;
			if (!name)
				return assay_fail(err, ASSAY_ENOMEM, "out of memory");
			v[ro->n_context_fields++] = name;
		}
		p += n + (p[n] == ',');
	}
	if (!ro->context_fields) /* --context "": no context at all */
		ro->context_fields = calloc(1, sizeof *ro->context_fields);
	return ro->context_fields ? ASSAY_OK : assay_fail(err, ASSAY_ENOMEM, "out of memory");
}

void rec_options_free(rec_options *ro)
{
	rec_options_pair_free(ro);
	for (size_t i = 0; i < ro->n_context_fields; i++)
		free(ro->context_fields[i]);
	free(ro->context_fields);
	ro->context_fields = NULL;
	ro->n_context_fields = 0;
}
