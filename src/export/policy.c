/* policy.c — the rules that decide what gets exported where: verdict
 * resolution across annotators, deterministic splits, CSV quoting. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/export.h"
#include "assay/text.h"

static const char *const rule_names[] = {
	[EXPORT_UNANIMOUS] = "unanimous",
	[EXPORT_MAJORITY] = "majority",
	[EXPORT_ANY_REJECT] = "any-reject",
	[EXPORT_LEAD] = "lead",
};

static const char *const verdict_names[] = {
	[EXPORT_UNDECIDED] = "undecided", [EXPORT_ACCEPTED] = "accepted",
	[EXPORT_EDITED] = "edited",       [EXPORT_REJECTED] = "rejected",
	[EXPORT_CONFLICT] = "conflict",
};

int export_rule_parse(const char *name, int *rule)
{
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(rule_names); i++)
		if (strcmp(name, rule_names[i]) == 0) {
			*rule = (int)i;
			return ASSAY_OK;
		}
	return ASSAY_EINVAL;
}

const char *export_rule_name(int rule)
{
	return rule >= 0 && (size_t)rule < ASSAY_ARRAY_LEN(rule_names) ? rule_names[rule] : "?";
}

const char *export_verdict_name(int v)
{
	return v >= 0 && v < EXPORT_N_VERDICTS ? verdict_names[v] : "?";
}

/* A single verdict as an outcome. */
static void from_verdict(const store_verdict *v, export_resolution *out)
{
	if (strcmp(v->verdict, "rejected") == 0) {
		out->verdict = EXPORT_REJECTED;
	} else if (strcmp(v->verdict, "edited") == 0 && v->text) {
		out->verdict = EXPORT_EDITED;
		out->text = v->text;
		out->field = v->field;
		out->field_chat = v->field_chat;
		out->original = v->original;
	} else {
		out->verdict = EXPORT_ACCEPTED;
	}
}

/* The preference the rule settles a pair on from its counts (n in all),
 * STORE_PREF_NONE when it settles none (a conflict). */
static int pair_settled(const size_t *count, size_t n, int rule)
{
	int top = STORE_PREF_NONE;
	size_t best = 0;
	bool alone = false;
	for (int p = STORE_PREF_A; p <= STORE_PREF_BOTH_BAD; p++) {
		if (count[p] > best) {
			best = count[p];
			top = p;
			alone = true;
		} else if (count[p] && count[p] == best) {
			alone = false;
		}
	}
	switch (rule) {
	case EXPORT_MAJORITY:
		return alone && 2 * best > n ? top : STORE_PREF_NONE;
	case EXPORT_ANY_REJECT:
		return count[STORE_PREF_BOTH_BAD] ? STORE_PREF_BOTH_BAD
		       : best == n		  ? top
						  : STORE_PREF_NONE;
	case EXPORT_LEAD:
		return n == 1 ? top : STORE_PREF_NONE;
	default:
		return best == n ? top : STORE_PREF_NONE;
	}
}

/* A pair is judged by its preferences, as the adjudication screen compares
 * them: a against b (or a tie, or both bad) is a conflict though both are
 * accepts; a against a corrected a is none (the latest correction of the
 * settled candidate is the outcome's text). */
static void resolve_pair(const store_export_row *row, int rule, export_resolution *out)
{
	size_t count[STORE_PREF_BOTH_BAD + 1] = {0};
	for (size_t i = 0; i < row->n_verdicts; i++) {
		int p = row->verdicts[i].pref;
		count[p >= STORE_PREF_NONE && p <= STORE_PREF_BOTH_BAD ? p : STORE_PREF_NONE]++;
	}
	int pref = pair_settled(count, row->n_verdicts, rule);
	out->verdict = pref == STORE_PREF_NONE	    ? EXPORT_CONFLICT
		       : pref == STORE_PREF_BOTH_BAD ? EXPORT_REJECTED
						     : EXPORT_ACCEPTED;
	for (size_t i = 0; out->verdict != EXPORT_CONFLICT && i < row->n_verdicts; i++) {
		const store_verdict *v = &row->verdicts[i];
		if (v->pref == pref && strcmp(v->verdict, "edited") == 0 && v->text)
			from_verdict(v, out); /* oldest first: the latest wins */
	}
}

void export_resolve(const store_export_row *row, int rule, export_resolution *out)
{
	*out = (export_resolution){.verdict = EXPORT_UNDECIDED};
	if (row->adjudication) {
		from_verdict(row->adjudication, out);
		out->adjudicated = true;
		return;
	}
	for (size_t i = 0; i < row->n_verdicts; i++)
		if (row->verdicts[i].pref != STORE_PREF_NONE) {
			resolve_pair(row, rule, out);
			return;
		}
	size_t keep = 0, reject = 0;
	const store_verdict *last_edit = NULL;
	for (size_t i = 0; i < row->n_verdicts; i++) {
		const store_verdict *v = &row->verdicts[i];
		if (strcmp(v->verdict, "rejected") == 0) {
			reject++;
		} else {
			keep++;
			/* verdicts come oldest first: the latest edit wins */
			if (strcmp(v->verdict, "edited") == 0 && v->text)
				last_edit = v;
		}
	}
	if (keep + reject == 0)
		return;
	bool keeps;
	switch (rule) {
	case EXPORT_MAJORITY:
		keeps = keep > reject;
		break;
	case EXPORT_ANY_REJECT:
		keeps = reject == 0;
		break;
	case EXPORT_LEAD:
		if (keep + reject > 1) {
			out->verdict = EXPORT_CONFLICT;
			return;
		}
		keeps = keep == 1;
		break;
	default:
		if (keep && reject) {
			out->verdict = EXPORT_CONFLICT;
			return;
		}
		keeps = keep > 0;
	}
	if (!keeps) {
		out->verdict = EXPORT_REJECTED;
	} else if (last_edit) {
		out->verdict = EXPORT_EDITED;
		out->text = last_edit->text;
		out->field = last_edit->field;
		out->field_chat = last_edit->field_chat;
		out->original = last_edit->original;
	} else {
		out->verdict = EXPORT_ACCEPTED;
	}
}

int export_split_parse(const char *spec, export_split *out, size_t cap, size_t *n,
		       assay_error *err)
{
	*n = 0;
	double total = 0;
	const char *p = spec;
	while (*p) {
		const char *eq = strchr(p, '=');
		const char *comma = strchr(p, ',');
		if (!comma)
			comma = p + strlen(p);
		if (!eq || eq > comma || eq == p)
			return assay_fail(err, ASSAY_EINVAL, "--split: expected NAME=SHARE[,NAME=SHARE...], "
					  "got \"%s\"", spec);
		size_t len = (size_t)(eq - p);
		if (len >= sizeof out->name)
			return assay_fail(err, ASSAY_EINVAL, "--split: name too long in \"%s\"", spec);
		for (size_t i = 0; i < len; i++)
			if (!isalnum((unsigned char)p[i]) && p[i] != '-' && p[i] != '_')
				return assay_fail(err, ASSAY_EINVAL,
						  "--split: names may hold letters, digits, - and _; got "
						  "\"%.*s\"", (int)len, p);
		if (*n == cap)
			return assay_fail(err, ASSAY_EINVAL, "--split: at most %zu splits", cap);
		char num[64];
		size_t nl = (size_t)(comma - eq - 1);
		if (nl == 0 || nl >= sizeof num)
			return assay_fail(err, ASSAY_EINVAL, "--split: missing share for \"%.*s\"",
					  (int)len, p);
		memcpy(num, eq + 1, nl);
		num[nl] = '\0';
		char *end;
		double share = strtod(num, &end);
		if (*end || !(share > 0) || share > 1)
			return assay_fail(err, ASSAY_EINVAL, "--split: share of \"%.*s\" must be a "
					  "number in (0, 1], got \"%s\"", (int)len, p, num);
		for (size_t i = 0; i < *n; i++)
			if (strlen(out[i].name) == len && memcmp(out[i].name, p, len) == 0)
				return assay_fail(err, ASSAY_EINVAL, "--split: \"%.*s\" named twice",
						  (int)len, p);
		memcpy(out[*n].name, p, len);
		out[*n].name[len] = '\0';
		out[*n].share = share;
		total += share;
		(*n)++;
		p = *comma ? comma + 1 : comma;
	}
	if (*n == 0 || fabs(total - 1.0) > 1e-6)
		return assay_fail(err, ASSAY_EINVAL, "--split: shares must add up to 1, got %g",
				  total);
	return ASSAY_OK;
}

size_t export_split_pick(const export_split *splits, size_t n, const char *id, uint64_t seed)
{
	uint64_t h = text_hash64(id, strlen(id), seed ^ 0x73706c6974ull /* "split" */);
	double u = (double)(h >> 11) / 9007199254740992.0; /* 53 bits -> [0,1) */
	double acc = 0;
	for (size_t i = 0; i < n; i++) {
		acc += splits[i].share;
		if (u < acc)
			return i;
	}
	return n - 1;
}
