/* decision.c — one line of `decide --from` read with the strict JSON
 * reader: each field of the right type, each string whole and within its
 * documented limit (limits.h), so what is recorded is exactly what the
 * line says or nothing. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "assay/ingest.h"

#define REFUSE(...) (snprintf(why, whylen, __VA_ARGS__), ASSAY_EFORMAT)

/* A string field (NULL when absent or null); false when of another type. */
static bool str_field(const cJSON *o, const char *key, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsString(v))
		return false;
	*out = v->valuestring;
	return true;
}

/* "id": a string, or an integer as imported (line numbers, numeric ids);
 * beyond 2^53 a double no longer holds it exactly. */
static int read_id(const cJSON *o, ingest_decision *d, char *why, size_t whylen)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
	if (cJSON_IsNumber(id)) {
		double v = id->valuedouble;
		if (!(v >= -9007199254740992.0 && v <= 9007199254740992.0 &&
		      v == (double)(long long)v))
			return REFUSE("\"id\": expected a string or an integer (at most 2^53)");
		snprintf(d->id_buf, sizeof d->id_buf, "%lld", (long long)v);
		d->id = d->id_buf;
		return ASSAY_OK;
	}
	if (!str_field(o, "id", &d->id))
		return REFUSE("\"id\": expected a string or an integer (at most 2^53)");
	return ASSAY_OK;
}

/* Refuses a string longer than its limit, naming both. */
static int within(const char *s, const char *field, size_t max, char *why, size_t whylen)
{
	size_t n = s ? strlen(s) : 0;
	if (n > max)
		return REFUSE("\"%s\" is %zu bytes, longer than the %zu allowed", field, n, max);
	return ASSAY_OK;
}

static int read_fields(const cJSON *o, ingest_decision *d, char *why, size_t whylen)
{
	int rc = read_id(o, d, why, whylen);
	if (rc < 0)
		return rc;
	if (!str_field(o, "verdict", &d->verdict) || !str_field(o, "reason", &d->reason) ||
	    !str_field(o, "text", &d->text) || !str_field(o, "annotator", &d->annotator) ||
	    !str_field(o, "batch", &d->batch) || !str_field(o, "prefer", &d->prefer))
		return REFUSE("id, verdict, prefer, reason, text, annotator and batch must be "
			      "strings");
	const cJSON *adj = cJSON_GetObjectItemCaseSensitive(o, "adjudicate");
	if (adj && !cJSON_IsBool(adj) && !cJSON_IsNull(adj))
		return REFUSE("\"adjudicate\": expected true or false");
	d->adjudicate = cJSON_IsTrue(adj);
	bool note = d->verdict && strcmp(d->verdict, "note") == 0;
	if ((rc = within(d->id, "id", ASSAY_ID_MAX, why, whylen)) < 0 ||
	    (rc = within(d->reason, "reason", ASSAY_REASON_MAX, why, whylen)) < 0 ||
	    (rc = within(d->text, "text", note ? ASSAY_NOTE_MAX : ASSAY_EDIT_MAX, why, whylen)) <
		0 ||
	    (rc = within(d->annotator, "annotator", ASSAY_ANNOTATOR_MAX, why, whylen)) < 0 ||
	    (rc = within(d->batch, "batch", ASSAY_BATCH_MAX, why, whylen)) < 0)
		return rc;
	return ASSAY_OK;
}

int ingest_decision_parse(const char *line, size_t len, ingest_decision *d, char *why,
			  size_t whylen)
{
	*d = (ingest_decision){0};
	int rc = ingest_json_parse(line, len, &d->json, why, whylen);
	if (rc < 0)
		return rc;
	if (!cJSON_IsObject(d->json))
		rc = REFUSE("expected a JSON object");
	else
		rc = read_fields(d->json, d, why, whylen);
	if (rc < 0)
		ingest_decision_free(d);
	return rc;
}

void ingest_decision_free(ingest_decision *d)
{
	cJSON_Delete(d->json);
	*d = (ingest_decision){0};
}
