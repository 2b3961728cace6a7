/* remote.c — the remote scorers' requests and answers: rubric templates,
 * chat-completions bodies, tolerant parsing of a judge's JSON verdict,
 * /predict label lists, and the configuration hash of the answer cache. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assay/ingest.h"
#include "assay/net_redact.h"
#include "assay/text.h"
#include "score_int.h"

const char score_default_rubric[] =
    "You grade one machine-generated sample for a training data set.\n"
    "Judge it on: faithfulness (nothing invented or contradicted), fluency,\n"
    "completeness (not cut off), and absence of artifacts (refusals, chatter\n"
    "about the task, placeholders, formatting that does not belong).\n"
    "{{#context}}When the sample answers a prompt, judge it against what was\n"
    "asked: it answers that question, does the task asked (not another one,\n"
    "not a refusal in disguise), and makes nothing up.\n"
    "\n"
    "What was asked (instruction and input, or the conversation so far):\n"
    "\"\"\"\n"
    "{{context}}\n"
    "\"\"\"\n"
    "{{/context}}"
    "\n"
    "Sample:\n"
    "\"\"\"\n"
    "{{text}}\n"
    "\"\"\"\n"
    "\n"
    "Answer with a JSON object only: {\"score\": a number from 0 (unusable) to 1\n"
    "(flawless), \"reason\": \"one short sentence\"}.\n";

static const char judge_system[] =
    "You are a strict data-quality judge. Answer with a JSON object "
    "{\"score\": number in [0,1], \"reason\": string} and nothing else.";

/* Hashes a string field with a separator so "ab"+"c" differs from "a"+"bc". */
static uint64_t mix_str(uint64_t h, const char *s)
{
	h = text_hash64(s ? s : "", s ? strlen(s) : 0, h);
	return text_hash64(s ? "\x1f" : "\x1e", 1, h);
}

uint64_t score_remote_config_hash(enum score_id id, const score_remote *r)
{
	uint64_t h = mix_str(0x5ca1ab1eull, score_defs[id].name);
	h = mix_str(h, r->endpoint);
	if (id == SCORE_LLM_JUDGE) {
		h = mix_str(h, r->model);
		h = mix_str(h, r->prompt ? r->prompt : score_default_rubric);
	} else {
		h = mix_str(h, r->label);
		h = mix_str(h, r->label_bad ? "bad" : "good");
		if (r->pairs) /* added only when set: older cache keys stay valid */
			h = mix_str(h, "pairs");
	}
	return h;
}

/* ---- templates ------------------------------------------------------------ */

/* Looks a dotted path up (an exact key wins over a nested path). */
static const cJSON *lookup(const cJSON *obj, const char *path, size_t n)
{
	if (!cJSON_IsObject(obj) || n == 0)
		return NULL;
	for (const cJSON *it = obj->child; it; it = it->next)
		if (it->string && strlen(it->string) == n && !memcmp(it->string, path, n))
			return it;
	const char *dot = memchr(path, '.', n);
	if (!dot)
		return NULL;
	size_t head = (size_t)(dot - path);
	for (const cJSON *it = obj->child; it; it = it->next)
		if (it->string && strlen(it->string) == head && !memcmp(it->string, path, head))
			return lookup(it, dot + 1, n - head - 1);
	return NULL;
}

static int append_value(const cJSON *v, abuf *out)
{
	if (!v || cJSON_IsNull(v))
		return ASSAY_OK;
	if (cJSON_IsString(v))
		return abuf_puts(out, v->valuestring);
	char *s = cJSON_PrintUnformatted(v);
	if (!s)
		return ASSAY_ENOMEM;
	int rc = abuf_puts(out, s);
	cJSON_free(s);
	return rc;
}

/* The end of a {{#context}} ... {{/context}} section: the text after it. */
static const char *section_end(const char *p)
{
	const char *e = strstr(p, "{{/context}}");
	return e ? e + 12 : p + strlen(p);
}

int score_render_prompt(const char *tmpl, const char *text, size_t n, const char *record,
			size_t record_len, abuf *out)
{
	return score_render_prompt_ctx(tmpl, text, n, record, record_len, NULL, 0, out);
}

int score_render_prompt_ctx(const char *tmpl, const char *text, size_t n, const char *record,
			    size_t record_len, const char *context, size_t context_len,
			    abuf *out)
{
	cJSON *root = NULL;
	bool parsed = false;
	int rc = ASSAY_OK;
	const char *p = tmpl;
	while (*p && rc == 0) {
		const char *open = strstr(p, "{{");
		const char *close = open ? strstr(open + 2, "}}") : NULL;
		if (!open || !close) {
			rc = abuf_puts(out, p);
			break;
		}
		rc = abuf_append(out, p, (size_t)(open - p));
		const char *name = open + 2, *end = close;
		while (name < end && *name == ' ')
			name++;
		while (end > name && end[-1] == ' ')
			end--;
		size_t len = (size_t)(end - name);
		if (rc == 0 && len == 4 && !memcmp(name, "text", 4)) {
			rc = abuf_append(out, text, n);
		} else if (rc == 0 && len == 7 && !memcmp(name, "context", 7)) {
			rc = score_context_text(context, context_len, out);
		} else if (rc == 0 && len == 5 && !memcmp(name, "turns", 5)) {
			rc = context ? abuf_append(out, context, context_len) : abuf_puts(out, "[]");
		} else if (rc == 0 && len == 8 && !memcmp(name, "#context", 8)) {
			/* a section shown only when the sample has a context */
			if (!context || !context_len) {
				p = section_end(close + 2);
				continue;
			}
		} else if (rc == 0 && len == 8 && !memcmp(name, "/context", 8)) {
			/* the end of a shown section */
		} else if (rc == 0 && len > 5 && !memcmp(name, "meta.", 5)) {
			if (!parsed && record) {
				root = cJSON_ParseWithLength(record, record_len);
				parsed = true;
			}
			const cJSON *v = lookup(cJSON_GetObjectItemCaseSensitive(root, "meta"),
						name + 5, len - 5);
			if (!v)
				v = lookup(root, name + 5, len - 5);
			rc = append_value(v, out);
		} else if (rc == 0) {
			rc = abuf_append(out, open, (size_t)(close + 2 - open));
		}
		p = close + 2;
	}
	cJSON_Delete(root);
	return rc < 0 ? ASSAY_ENOMEM : ASSAY_OK;
}

/* ---- chat completions ------------------------------------------------------ */

static int chat_body(const char *model, const char *system, const char *user, bool json_format,
		     abuf *out)
{
	cJSON *root = cJSON_CreateObject(), *msgs = cJSON_CreateArray();
	cJSON *sys = cJSON_CreateObject(), *usr = cJSON_CreateObject();
	bool ok = root && msgs && sys && usr;
	if (ok) {
		cJSON_AddItemToObject(root, "model", cJSON_CreateString(model ? model : ""));
		cJSON_AddItemToObject(sys, "role", cJSON_CreateString("system"));
		cJSON_AddItemToObject(sys, "content", cJSON_CreateString(system));
		cJSON_AddItemToObject(usr, "role", cJSON_CreateString("user"));
		cJSON_AddItemToObject(usr, "content", cJSON_CreateString(user));
		cJSON_AddItemToArray(msgs, sys);
		cJSON_AddItemToArray(msgs, usr);
		sys = usr = NULL;
		cJSON_AddItemToObject(root, "messages", msgs);
		msgs = NULL;
		cJSON_AddItemToObject(root, "temperature", cJSON_CreateNumber(0));
		if (json_format) {
			cJSON *fmt = cJSON_CreateObject();
			if (fmt)
				cJSON_AddItemToObject(fmt, "type",
						      cJSON_CreateString("json_object"));
			cJSON_AddItemToObject(root, "response_format", fmt);
		}
	}
	char *s = ok ? cJSON_PrintUnformatted(root) : NULL;
	cJSON_Delete(root);
	cJSON_Delete(msgs);
	cJSON_Delete(sys);
	cJSON_Delete(usr);
	if (!s)
		return ASSAY_ENOMEM;
	int rc = abuf_puts(out, s);
	cJSON_free(s);
	return rc;
}

int score_judge_body(const score_remote *r, const char *system, const char *user,
		     bool response_format, abuf *out)
{
	return chat_body(r->model, system ? system : judge_system, user, response_format, out);
}

/* The assistant message of a chat-completions answer (cJSON-owned). */
static const char *chat_content(const cJSON *root, assay_error *err)
{
	const cJSON *choices = cJSON_GetObjectItemCaseSensitive(root, "choices");
	const cJSON *first = cJSON_IsArray(choices) ? cJSON_GetArrayItem(choices, 0) : NULL;
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(first, "message");
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(msg, "content");
	if (!cJSON_IsString(content)) {
		assay_fail(err, ASSAY_EFORMAT, "the answer has no choices[0].message.content");
		return NULL;
	}
	return content->valuestring;
}

/* The end of the balanced JSON object starting at s[0] == '{' (strings
 * respected), or NULL. */
static const char *object_end(const char *s)
{
	int depth = 0;
	bool str = false;
	for (const char *p = s; *p; p++) {
		if (str) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				str = false;
		} else if (*p == '"') {
			str = true;
		} else if (*p == '{') {
			depth++;
		} else if (*p == '}' && --depth == 0) {
			return p + 1;
		}
	}
	return NULL;
}

/* Copies s, redacted (net_redact), into out (cap bytes) with control
 * characters as spaces, never ending inside a UTF-8 sequence. */
static void copy_clean(const char *s, char *out, size_t cap)
{
	abuf safe = {0};
	if (net_redact(s, strlen(s), NULL, &safe) < 0) {
		snprintf(out, cap, "(not shown: out of memory)");
		return;
	}
	s = safe.data ? safe.data : "";
	size_t j = 0;
	for (; *s && j + 1 < cap; s++)
		out[j++] = (unsigned char)*s < 0x20 || *s == 0x7F ? ' ' : *s;
	/* Do not end inside a UTF-8 sequence. */
	if (*s && ((unsigned char)*s & 0xC0) == 0x80) {
		while (j > 0 && ((unsigned char)out[j - 1] & 0xC0) == 0x80)
			j--;
		if (j > 0)
			j--;
	}
	out[j] = '\0';
	abuf_free(&safe);
}

/* The verdict in a JSON object: true when it has a usable "score". */
static bool verdict_of(const cJSON *obj, double *value, char *reason, size_t cap)
{
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(obj, "score");
	double v;
	if (cJSON_IsNumber(sc))
		v = sc->valuedouble;
	else if (cJSON_IsString(sc) && sc->valuestring[0])
		v = strtod(sc->valuestring, NULL);
	else
		return false;
	*value = v;
	const cJSON *why = cJSON_GetObjectItemCaseSensitive(obj, "reason");
	copy_clean(cJSON_IsString(why) ? why->valuestring : "", reason, cap);
	return true;
}

/* Reads an answer with the strict reader (ingest_json_parse). */
static cJSON *answer_json(const char *body, size_t len, assay_error *err)
{
	char why[300];
	cJSON *root = NULL;
	if (ingest_json_parse(body, len, &root, why, sizeof why) < 0) {
		/* why may quote a key of the answer */
		abuf safe = {0};
		net_redact(why, strlen(why), NULL, &safe);
		assay_fail(err, ASSAY_EFORMAT, "the answer is not JSON as assay reads it: %s",
			   safe.data ? safe.data : "(not shown: out of memory)");
		abuf_free(&safe);
	}
	return root;
}

/* A candidate verdict object in a judge's message, read strictly once its
 * control characters are blanked (as they would be in the reason: a model
 * writing a line break inside a string still gives its verdict). */
static bool verdict_in(const char *p, size_t n, double *value, char *reason, size_t cap)
{
	char *copy = assay_strndup(p, n), why[300];
	if (!copy)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)copy[i] < 0x20)
			copy[i] = ' ';
	cJSON *obj = NULL;
	ingest_json_parse(copy, n, &obj, why, sizeof why);
	bool found = obj && verdict_of(obj, value, reason, cap);
	cJSON_Delete(obj);
	free(copy);
	return found;
}

static int judge_parse(const char *body, size_t len, double *value, char *reason, size_t cap,
		      assay_error *err)
{
	cJSON *root = answer_json(body, len, err);
	if (!root)
		return err->code;
	const char *content = chat_content(root, err);
	int rc = content ? ASSAY_EFORMAT : err->code;
	bool found = false;
	for (const char *p = content; p && (p = strchr(p, '{')) && !found; p++) {
		const char *end = object_end(p);
		if (!end)
			break;
		found = verdict_in(p, (size_t)(end - p), value, reason, cap);
	}
	if (content && !found) {
		char ex[96];
		net_excerpt_escaped(content, strlen(content), NULL, ex, sizeof ex);
		assay_fail(err, ASSAY_EFORMAT,
			   "no JSON object with a \"score\" in the answer (\"%s\")", ex);
	} else if (found && !(isfinite(*value) && *value >= 0 && *value <= 1)) {
		assay_fail(err, ASSAY_EFORMAT, "the judge's score %g is outside [0, 1]", *value);
	} else if (found) {
		rc = ASSAY_OK;
	}
	cJSON_Delete(root);
	return rc;
}

/* ---- /predict ------------------------------------------------------------- */

static int classifier_parse(const char *body, size_t len, const char *label, double *score,
			   assay_error *err)
{
	cJSON *root = answer_json(body, len, err);
	if (!root)
		return err->code;
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return assay_fail(err, ASSAY_EFORMAT, "the answer is not a JSON array of labels");
	}
	const cJSON *list = root;
	if (cJSON_IsArray(cJSON_GetArrayItem(root, 0)))
		list = cJSON_GetArrayItem(root, 0);
	abuf seen = {0};
	bool found = false;
	for (const cJSON *it = list->child; it && !found; it = it->next) {
		const cJSON *lab = cJSON_GetObjectItemCaseSensitive(it, "label");
		const cJSON *sc = cJSON_GetObjectItemCaseSensitive(it, "score");
		if (!cJSON_IsString(lab) || !cJSON_IsNumber(sc))
			continue;
		if (label && !strcasecmp(lab->valuestring, label)) {
			*score = sc->valuedouble;
			found = isfinite(*score);
		} else if (seen.len < 120) {
			abuf_printf(&seen, "%s%.40s", seen.len ? ", " : "", lab->valuestring);
		}
	}
	int rc = ASSAY_OK;
	if (!found) {
		/* the labels are the endpoint's strings: redacted by the excerpt */
		char ex[160];
		net_excerpt(seen.data ? seen.data : "", seen.len, NULL, ex, sizeof ex);
		rc = assay_fail(err, ASSAY_EFORMAT, "no label \"%.60s\" in the answer (labels: %s)",
				label ? label : "", seen.len ? ex : "none");
	}
	abuf_free(&seen);
	cJSON_Delete(root);
	return rc;
}

/* ---- suggestions ---------------------------------------------------------- */

static const char suggest_system[] =
    "You correct captions written for images and videos. Fix only what is wrong: "
    "spelling, grammar, repetition, leftover chatter, placeholders, formatting, a cut-off "
    "ending. Keep everything else word for word. Answer with the corrected caption only.";

int score_suggest_body(const score_remote *judge, const char *text, size_t len, abuf *out)
{
	char *t = assay_strndup(text, len);
	if (!t)
		return ASSAY_ENOMEM;
	int rc = chat_body(judge->model, suggest_system, t, false, out);
	free(t);
	return rc;
}

static int suggest_parse(const char *body, size_t len, abuf *out, assay_error *err)
{
	cJSON *root = answer_json(body, len, err);
	if (!root)
		return err->code;
	const char *c = chat_content(root, err);
	if (!c) {
		cJSON_Delete(root);
		return err->code;
	}
	size_t a = 0, b = strlen(c);
	while (a < b && isspace((unsigned char)c[a]))
		a++;
	/* A code fence around the answer: drop the fence lines. */
	if (b - a >= 3 && !strncmp(c + a, "```", 3)) {
		const char *nl = memchr(c + a, '\n', b - a);
		a = nl ? (size_t)(nl - c) + 1 : b;
		const char *last = b > a ? strstr(c + a, "```") : NULL;
		if (last)
			b = (size_t)(last - c);
	}
	while (b > a && isspace((unsigned char)c[b - 1]))
		b--;
	if (b - a >= 2 && c[a] == '"' && c[b - 1] == '"') {
		a++;
		b--;
	}
	/* the suggestion is the endpoint's text: redacted before anyone sees it */
	int rc = b > a ? net_redact(c + a, b - a, NULL, out)
		       : assay_fail(err, ASSAY_EFORMAT, "the answer is empty");
	cJSON_Delete(root);
	return rc == ASSAY_ENOMEM ? assay_fail(err, rc, "out of memory") : rc;
}

/* ---- every parser's message redacted whole ---------------------------------- */

/* A parser's message may quote the answer, or a label the answer was asked
 * for: the whole message goes through the redaction, never only the quoted
 * part (which may have been cut first). */
static int redacted(assay_error *err, int rc)
{
	if (rc >= 0 || !err)
		return rc;
	abuf b = {0};
	if (net_redact(err->msg, strlen(err->msg), NULL, &b) == 0 && b.data)
		snprintf(err->msg, sizeof err->msg, "%s", b.data);
	abuf_free(&b);
	return rc;
}

int score_judge_parse(const char *body, size_t len, double *value, char *reason, size_t cap,
		      assay_error *err)
{
	return redacted(err, judge_parse(body, len, value, reason, cap, err));
}

int score_classifier_parse(const char *body, size_t len, const char *label, double *score,
			   assay_error *err)
{
	return redacted(err, classifier_parse(body, len, label, score, err));
}

int score_suggest_parse(const char *body, size_t len, abuf *out, assay_error *err)
{
	return redacted(err, suggest_parse(body, len, out, err));
}
