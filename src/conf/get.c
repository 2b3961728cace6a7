/* get.c — typed getters: numbers with range checks and booleans, whose
 * errors name the file and line the bad value came from. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_int.h"

/* Fails with `ORIGIN:LINE: "key" must be WHAT, got "value"`. */
static int bad_value(const conf *c, const char *key, const char *value, assay_error *err,
		     const char *what)
{
	int line = 0;
	const char *origin = conf_origin(c, key, &line);
	char ex[64];
	conf_excerpt(ex, sizeof ex, value, strlen(value));
	if (line > 0)
		return assay_fail(err, ASSAY_EINVAL, "%s:%d: \"%s\" must be %s, got \"%s\"", origin,
				  line, key, what, ex);
	return assay_fail(err, ASSAY_EINVAL, "%s: \"%s\" must be %s, got \"%s\"", origin, key, what,
			  ex);
}

int conf_get_double(const conf *c, const char *key, double def, double min, double max, double *out,
		    assay_error *err)
{
	const char *v = conf_get(c, key, NULL);
	char what[128];
	if (!v) {
		*out = def;
		return ASSAY_OK;
	}
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	bool ok = end != v && *end == '\0' && !isspace((unsigned char)v[0]) && errno != ERANGE &&
		  isfinite(d);
	if (ok && d >= min && d <= max) {
		*out = d;
		return ASSAY_OK;
	}
	snprintf(what, sizeof what, "a number from %g to %g", min, max);
	return bad_value(c, key, v, err, what);
}

int conf_get_int(const conf *c, const char *key, long def, long min, long max, long *out,
		 assay_error *err)
{
	const char *v = conf_get(c, key, NULL);
	char what[128];
	if (!v) {
		*out = def;
		return ASSAY_OK;
	}
	char *end;
	errno = 0;
	long l = strtol(v, &end, 10);
	bool ok = end != v && *end == '\0' && !isspace((unsigned char)v[0]) && errno != ERANGE;
	if (ok && l >= min && l <= max) {
		*out = l;
		return ASSAY_OK;
	}
	snprintf(what, sizeof what, "a whole number from %ld to %ld", min, max);
	return bad_value(c, key, v, err, what);
}

int conf_get_bool(const conf *c, const char *key, bool def, bool *out, assay_error *err)
{
	static const struct {
		const char *word;
		bool value;
	} words[] = {
	    {"true", true}, {"false", false}, {"yes", true}, {"no", false},
	    {"on", true},   {"off", false},   {"1", true},   {"0", false},
	};
	const char *v = conf_get(c, key, NULL);
	if (!v) {
		*out = def;
		return ASSAY_OK;
	}
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(words); i++) {
		if (strcasecmp(v, words[i].word) == 0) {
			*out = words[i].value;
			return ASSAY_OK;
		}
	}
	return bad_value(c, key, v, err, "true/false, yes/no, on/off or 1/0");
}
