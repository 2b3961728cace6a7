/* field.c — the `field` scorer: a numeric field of the original record
 * (a generator's log-probability, a reward model's score) mapped linearly
 * from [min, max] to [0, 1]. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/ingest.h"
#include "score_int.h"

/* The number at path in a record, as a double; false when absent or not
 * a number (numeric strings count). */
static bool field_number(const char *record, size_t len, const char *path, double *out)
{
	cJSON *root = cJSON_ParseWithLength(record, len);
	if (!root)
		return false;
	/* the same dotted paths as import's --text and --id */
	const cJSON *it = ingest_field(root, path);
	bool ok = false;
	if (cJSON_IsNumber(it)) {
		*out = it->valuedouble;
		ok = isfinite(*out);
	} else if (cJSON_IsString(it) && it->valuestring[0]) {
		char *end;
		*out = strtod(it->valuestring, &end);
		ok = *end == '\0' && isfinite(*out);
	} else if (cJSON_IsBool(it)) {
		*out = cJSON_IsTrue(it);
		ok = true;
	}
	cJSON_Delete(root);
	return ok;
}

void score_field(score_text *t, const score_config *cfg, score_result *out)
{
	if (!cfg->field || !*cfg->field) {
		score_set(out, NAN, "field: no field named (--score-field NAME[:MIN:MAX])");
		return;
	}
	double x;
	if (!t->record || !field_number(t->record, t->record_len, cfg->field, &x)) {
		score_set(out, NAN, "field: the record has no number at \"%.60s\"", cfg->field);
		return;
	}
	double lo = cfg->field_min, hi = cfg->field_max;
	double v = hi > lo ? (x - lo) / (hi - lo) : x >= hi ? 1 : 0;
	score_set(out, v, "field: %.60s = %.4g (mapped from [%.4g, %.4g])", cfg->field, x, lo, hi);
	snprintf(out->detail, sizeof out->detail, "{\"raw\":%.17g}", x);
}
