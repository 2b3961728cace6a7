/* report.c — the messages an import gives about refused records, so that a
 * file whose every record fails the same way gives three lines, not one
 * per record: the first few refusals of each kind are passed on as they
 * come, the rest counted; refusals that are all alike so far are held back
 * until a record breaks the run (then they are shown, in order) or the
 * source ends (then one summary replaces them). */
#include "report.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void rpt_init(rpt *p, const ingest_options *o, const char *source)
{
	*p = (rpt){.o = o, .source = source, .uniform = true};
}

/* Two refusals are alike when they differ only in figures and quoted
 * values ("invalid UTF-8 at byte 14" and "... at byte 11"). */
static uint64_t kind_key(const char *why)
{
	uint64_t h = 1469598103934665603ull;
	bool quoted = false, digits = false;
	for (const char *s = why; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"')
			quoted = !quoted;
		else if (quoted || (digits && c >= '0' && c <= '9'))
			continue;
		digits = c >= '0' && c <= '9';
		h = (h ^ (digits ? '#' : c)) * 1099511628211ull;
	}
	return h;
}

static rpt_kind *kind_of(rpt *p, const char *why, int64_t line)
{
	uint64_t key = kind_key(why);
	for (size_t i = 0; i < p->n_kinds; i++)
		if (p->kinds[i].key == key)
			return &p->kinds[i];
	rpt_kind *k = &p->kinds[p->n_kinds < RPT_KINDS ? p->n_kinds++ : RPT_KINDS];
	if (k->count == 0)
		*k = (rpt_kind){.key = key, .first_line = line};
	return k;
}

static void show(rpt *p, int64_t line, const char *why)
{
	if (p->o->report)
		p->o->report(p->o->ud, p->source, line, why);
}

static void say(rpt *p, const char *msg)
{
	if (p->o->report)
		p->o->report(p->o->ud, NULL, 0, msg);
}

/* The run of alike refusals is broken: what was held back is shown. */
static void break_run(rpt *p)
{
	p->uniform = false;
	for (size_t i = 0; i < p->n_held; i++)
		show(p, p->held[i].line, p->held[i].why);
	p->n_held = 0;
}

void rpt_refused(rpt *p, int64_t line, const char *why, int missing)
{
	rpt_kind *k = kind_of(p, why, line);
	if (p->uniform && p->records > 0 && k->count == 0)
		break_run(p);
	if (p->records++ == 0)
		p->missing = missing;
	if (++k->count == 1 || (k->count <= RPT_SHOWN && !p->uniform)) {
		show(p, line, why);
	} else if (k->count <= RPT_SHOWN) {
		p->held[p->n_held].line = line;
		snprintf(p->held[p->n_held++].why, sizeof p->held[0].why, "%s", why);
	}
}

void rpt_accepted(rpt *p)
{
	p->records++;
	if (p->uniform)
		break_run(p);
}

void rpt_message(rpt *p, const char *msg)
{
	break_run(p);
	say(p, msg);
}

/* ---- the census of fields ------------------------------------------------ */

void rpt_census_add(rpt_census *c, const cJSON *record)
{
	if (c->records >= RPT_CENSUS || !cJSON_IsObject(record))
		return;
	c->records++;
	for (const cJSON *v = record->child; v; v = v->next) {
		size_t i = 0;
		while (i < c->n && strncmp(c->f[i].name, v->string, sizeof c->f[i].name - 1))
			i++;
		if (i == c->n && c->n == RPT_FIELDS) {
			c->more = true;
			continue;
		}
		if (i == c->n) {
			snprintf(c->f[i].name, sizeof c->f[i].name, "%s", v->string);
			c->f[i].cut = strlen(v->string) >= sizeof c->f[i].name;
			c->n++;
		}
		c->f[i].present++;
		if (cJSON_IsString(v)) {
			c->f[i].strings++;
			c->f[i].words++;
			for (const char *s = v->valuestring; *s; s++)
				c->f[i].words += *s == ' ' && s[1] && s[1] != ' ';
		} else if (cJSON_IsNumber(v) && v->valuedouble == (double)(int64_t)v->valuedouble) {
			c->f[i].ints++;
		}
	}
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && strcasecmp(s + n - m, tail) == 0;
}

/* A field to name with --text (strings of two words or more on average in
 * most records: the one with the most words) or --id (in every record,
 * strings or integers, named like an id or key); -1 for none. */
static int suggestion(const rpt_census *c, int missing)
{
	int best = -1;
	double best_words = 2;
	for (size_t i = 0; i < c->n; i++) {
		const char *name = c->f[i].name;
		if (c->f[i].cut || strchr(name, '\'') || !*name)
			continue;
		if (missing == RPT_NO_ID && c->f[i].present == c->records &&
		    c->f[i].strings + c->f[i].ints == c->records &&
		    (ends_with(name, "id") || ends_with(name, "key")))
			return (int)i;
		double words = c->f[i].strings ? (double)c->f[i].words / (double)c->f[i].strings : 0;
		if (missing == RPT_NO_TEXT && 2 * c->f[i].strings > c->records && words >= best_words)
			best = (int)i, best_words = words;
	}
	return best;
}

/* 1234567 as "1,234,567". */
static void grouped(int64_t n, char out[32])
{
	char digits[24];
	int len = snprintf(digits, sizeof digits, "%lld", (long long)n), o = 0;
	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0 && digits[i - 1] != '-')
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

/* "no text field in 1,000 records; fields found: a, b; try --text b". */
static void missing_summary(rpt *p, const rpt_census *c, const char *count)
{
	bool text = p->missing == RPT_NO_TEXT;
	const char *named = text ? p->o->text_field : p->o->id_field;
	char msg[1536], what[128];
	if (named)
		snprintf(what, sizeof what, "no field \"%.64s\" (--%s)", named, text ? "text" : "id");
	else
		snprintf(what, sizeof what, "no text field");
	int o = snprintf(msg, sizeof msg, "%s: %s in %s record%s; fields found: ", p->source, what,
			 count, p->kinds[0].count == 1 ? "" : "s");
	for (size_t i = 0; i < c->n && i < 8 && o < (int)sizeof msg; i++)
		o += snprintf(msg + o, sizeof msg - (size_t)o, "%s%s%s", i ? ", " : "", c->f[i].name,
			      c->f[i].cut ? "..." : "");
	if ((c->n > 8 || c->more) && o < (int)sizeof msg)
		o += snprintf(msg + o, sizeof msg - (size_t)o, ", ...");
	if (c->n == 0 && o < (int)sizeof msg)
		o += snprintf(msg + o, sizeof msg - (size_t)o, "none");
	int s = suggestion(c, p->missing);
	if (s >= 0 && o < (int)sizeof msg) {
		const char *name = c->f[s].name;
		bool plain = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "0123456789_./-@") == strlen(name);
		snprintf(msg + o, sizeof msg - (size_t)o, "; try --%s %s%s%s", text ? "text" : "id",
			 plain ? "" : "'", name, plain ? "" : "'");
	}
	say(p, msg);
}

void rpt_finish(rpt *p, const rpt_census *c)
{
	char msg[640], n[32];
	if (p->uniform && p->records > 0) {
		grouped(p->kinds[0].count, n);
		if (p->missing != RPT_NONE) {
			missing_summary(p, c, n);
			return;
		}
		if (p->kinds[0].count <= RPT_SHOWN) {
			break_run(p);
			return;
		}
		snprintf(msg, sizeof msg, "%s: all %s records were refused like line %lld", p->source,
			 n, (long long)p->kinds[0].first_line);
		say(p, msg);
		return;
	}
	for (size_t i = 0; i <= RPT_KINDS; i++) {
		if (p->kinds[i].count <= RPT_SHOWN)
			continue;
		grouped(p->kinds[i].count - RPT_SHOWN, n);
		snprintf(msg, sizeof msg, "%s: ... and %s more refused like line %lld%s", p->source, n,
			 (long long)p->kinds[i].first_line,
			 i == RPT_KINDS ? " or in other ways" : "");
		say(p, msg);
	}
}
