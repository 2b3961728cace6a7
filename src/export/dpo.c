/* dpo.c — export --format dpo: each pair with a preference as the
 * {"prompt", "chosen", "rejected"} record preference trainers read (TRL's
 * conversational form, lists of messages, for chat pairs), whatever the
 * placement on screen was: the verdict names the candidate as imported.
 * A corrected chosen one replaces its text; the generator models follow
 * their candidates; the record's other fields are copied byte for byte. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "export_int.h"

/* The pair's preference under the export's rule: a lead's adjudication
 * whatever the rule; else STORE_PREF_NONE when no annotator gave one, -1
 * when they disagree (unanimous: any two differ; majority: no preference
 * has more than half). */
static int resolve(const store_pair_row *r, int rule)
{
	if (r->adj_pref)
		return r->adj_pref;
	if (!r->n_prefs)
		return STORE_PREF_NONE;
	int64_t n[STORE_PREF_BOTH_BAD + 1] = {0};
	for (size_t i = 0; i < r->n_prefs; i++)
		n[r->prefs[i].pref]++;
	for (int p = STORE_PREF_A; p <= STORE_PREF_BOTH_BAD; p++) {
		if (n[p] == (int64_t)r->n_prefs)
			return p;
		if (rule == EXPORT_MAJORITY && 2 * n[p] > (int64_t)r->n_prefs)
			return p;
	}
	return -1;
}

/* The corrected chosen one: an adjudication's (its own correction or none),
 * else the latest among the verdicts for it. */
static const char *correction(const store_pair_row *r, int pref)
{
	if (r->adj_pref)
		return r->adj_pref == pref ? r->adj_text : NULL;
	const char *c = NULL;
	for (size_t i = 0; i < r->n_prefs; i++)
		if (r->prefs[i].pref == pref && r->prefs[i].text)
			c = r->prefs[i].text;
	return c;
}

static int put_str(abuf *out, const char *s)
{
	return s ? export_json_string(out, s, strlen(s)) : abuf_puts(out, "null");
}

/* A candidate: its text, or for chat pairs [{"role": "assistant", ...}]. */
static int put_candidate(abuf *out, const char *text, bool chat)
{
	int rc = chat ? abuf_puts(out, "[{\"role\":\"assistant\",\"content\":") : 0;
	rc |= put_str(out, text);
	return rc | (chat ? abuf_puts(out, "}]") : 0);
}

/* The prompt from the stored context: its texts joined by blank lines, or
 * for chat pairs its turns as messages (a named field as the user's). */
static int put_prompt(abuf *out, const char *context, bool chat)
{
	cJSON *arr = context ? cJSON_Parse(context) : NULL;
	abuf joined = {0};
	int rc = chat ? abuf_putc(out, '[') : 0, i = 0;
	for (const cJSON *p = arr ? arr->child : NULL; p; p = p->next, i++) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "text");
		const cJSON *role = cJSON_GetObjectItemCaseSensitive(p, "role");
		const char *text = cJSON_IsString(t) ? t->valuestring : "";
		if (!chat) {
			rc |= (i ? abuf_puts(&joined, "\n\n") : 0) | abuf_puts(&joined, text);
			continue;
		}
		rc |= abuf_puts(out, i ? ",{\"role\":" : "{\"role\":");
		rc |= put_str(out, cJSON_IsString(role) ? role->valuestring : "user");
		rc |= abuf_puts(out, ",\"content\":");
		rc |= put_str(out, text);
		rc |= abuf_putc(out, '}');
	}
	cJSON_Delete(arr);
	if (chat)
		return rc | abuf_putc(out, ']');
	rc |= export_json_string(out, joined.data ? joined.data : "", joined.len);
	abuf_free(&joined);
	return rc;
}

typedef struct copy {
	abuf *out;
	const store_pair *p;
	int rc;
} copy;

/* The record's members that the export does not write itself. */
static int copy_member(void *ud, const char *key, size_t klen, const char *value, size_t vlen)
{
	copy *c = ud;
	const char *own[] = {"prompt",	   "chosen",	   "rejected",	       "chosen_model",
			     "rejected_model", "preference", "a",		       "b",
			     "_assay",	   c->p->a_field, c->p->b_field,      c->p->a_model_field,
			     c->p->b_model_field};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(own); i++)
		if (own[i] && export_json_key_is(key, klen, own[i]))
			return 0;
	c->rc |= abuf_putc(c->out, ',');
	c->rc |= abuf_append(c->out, key, klen);
	c->rc |= abuf_putc(c->out, ':');
	c->rc |= abuf_append(c->out, value, vlen);
	return 0;
}

/* "_assay": who decided what, where the chosen one was on screen, and
 * whether the export reverses the record's claim; then the members of
 * stored (store_export_provenance's object) when not NULL. */
static int put_provenance(abuf *out, const store_pair_row *r, int pref, const char *original,
			  const char *stored)
{
	const store_pair *p = &r->pair;
	int rc = abuf_puts(out, ",\"_assay\":{\"id\":");
	rc |= put_str(out, r->ext_id);
	rc |= abuf_puts(out, ",\"batch\":");
	rc |= put_str(out, r->batch);
	rc |= abuf_printf(out, ",\"preference\":\"%s\",\"claimed\":", store_pref_name(pref));
	rc |= put_str(out, store_pref_name(p->claimed));
	rc |= abuf_printf(out, ",\"flipped\":%s,\"decisions\":[",
			  p->claimed && (pref == STORE_PREF_A || pref == STORE_PREF_B) &&
					  pref != p->claimed
				  ? "true"
				  : "false");
	for (size_t i = 0; i < r->n_prefs; i++) {
		const store_pref_row *d = &r->prefs[i];
		rc |= abuf_puts(out, i ? ",{\"annotator\":" : "{\"annotator\":");
		rc |= put_str(out, d->annotator);
		rc |= abuf_printf(out, ",\"preference\":\"%s\",\"left\":", store_pref_name(d->pref));
		rc |= put_str(out, d->placement == STORE_PLACE_AB   ? "a"
				   : d->placement == STORE_PLACE_BA ? "b"
								    : NULL);
		rc |= abuf_puts(out, ",\"reason\":");
		rc |= put_str(out, d->reason);
		rc |= abuf_printf(out, ",\"at\":%lld}", (long long)d->at);
	}
	rc |= abuf_puts(out, "],\"adjudicated_by\":");
	rc |= put_str(out, r->adj_pref ? r->adj_lead : NULL);
	rc |= abuf_puts(out, ",\"original_chosen\":");
	rc |= put_str(out, original);
	/* the notes, a's "scores" and b's "b_scores" as a plain export has them */
	if (stored && stored[0] == '{' && stored[1] != '}') {
		rc |= abuf_putc(out, ',');
		rc |= abuf_puts(out, stored + 1);
	} else {
		rc |= abuf_putc(out, '}');
	}
	return rc;
}

/* The line of a pair whose preference is pref. */
static int dpo_line(job *j, const store_pair_row *r, int pref, abuf *out)
{
	const store_pair *p = &r->pair;
	bool decisive = pref == STORE_PREF_A || pref == STORE_PREF_B;
	const char *fix = decisive ? correction(r, pref) : NULL;
	const char *a = p->a_text, *b = p->b_text, *ma = p->a_model, *mb = p->b_model;
	if (pref == STORE_PREF_B) {
		a = p->b_text, b = p->a_text, ma = p->b_model, mb = p->a_model;
	}
	int rc = abuf_puts(out, "{\"prompt\":");
	rc |= put_prompt(out, r->context, p->chat);
	rc |= abuf_puts(out, decisive ? ",\"chosen\":" : ",\"a\":");
	rc |= put_candidate(out, fix ? fix : a, p->chat);
	rc |= abuf_puts(out, decisive ? ",\"rejected\":" : ",\"b\":");
	rc |= put_candidate(out, b, p->chat);
	if (!decisive)
		rc |= abuf_printf(out, ",\"preference\":\"%s\"", store_pref_name(pref));
	if (ma || mb) {
		rc |= abuf_puts(out, decisive ? ",\"chosen_model\":" : ",\"a_model\":");
		rc |= put_str(out, ma);
		rc |= abuf_puts(out, decisive ? ",\"rejected_model\":" : ",\"b_model\":");
		rc |= put_str(out, mb);
	}
	copy c = {out, p, 0};
	if (export_json_members(r->record, r->record_len, copy_member, &c) < 0)
		return assay_fail(j->err, ASSAY_EFORMAT, "pair \"%s\": its record is not a JSON "
				  "object", r->ext_id);
	rc |= c.rc;
	if (j->o->provenance) {
		char *stored = NULL;
		int got = store_export_provenance(j->s, r->sample_id, &stored, j->err);
		if (got < 0)
			return got;
		rc |= put_provenance(out, r, pref, fix ? a : NULL, stored);
		free(stored);
	}
	rc |= abuf_puts(out, "}\n");
	return rc ? assay_fail(j->err, ASSAY_ENOMEM, "out of memory") : ASSAY_OK;
}

int export_dpo_each(void *ud, const store_pair_row *r)
{
	job *j = ud;
	const export_options *o = j->o;
	export_summary *sum = j->sum;
	sum->seen++;
	if (o->stop && *o->stop)
		return assay_fail(j->err, ASSAY_EINTR, "interrupted");
	int pref = resolve(r, o->rule);
	if (pref < 0 || pref == STORE_PREF_NONE) {
		*(pref < 0 ? &sum->pair_conflict : &sum->pair_undecided) += 1;
		return 0;
	}
	bool decisive = pref == STORE_PREF_A || pref == STORE_PREF_B;
	if (!decisive && !(o->pair_extra & (1u << pref))) {
		sum->left_pref[pref]++;
		return 0;
	}
	abuf_reset(&j->line);
	int rc = dpo_line(j, r, pref, &j->line);
	if (rc == ASSAY_OK)
		rc = export_put(j, r->ext_id, j->line.data, j->line.len);
	if (rc < 0)
		return rc;
	sum->by_pref[pref]++;
	sum->flipped += decisive && r->pair.claimed && pref != r->pair.claimed;
	return 0;
}
