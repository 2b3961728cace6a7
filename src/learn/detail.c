/* detail.c — the learned scorer's detail, {"p_reject": P, "model": V,
 * "reason": R}, written straight into the caller's buffer: the bytes
 * cJSON_PrintUnformatted gives for the same object, without building one
 * per sample. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/learn.h"

/* A number as cJSON prints it: an integer value as one (valueint is the
 * number saturated to an int), else 15 significant digits when they read
 * back as the same number (within an epsilon), else 17. */
static int put_number(abuf *b, double d)
{
	if (isnan(d) || isinf(d))
		return abuf_puts(b, "null");
	int as_int = d >= (double)INT32_MAX ? INT32_MAX : d <= (double)INT32_MIN ? INT32_MIN : (int)d;
	if (d == (double)as_int)
		return abuf_printf(b, "%d", as_int);
	char num[32];
	snprintf(num, sizeof num, "%1.15g", d);
	double back = strtod(num, NULL);
	double max = fabs(back) > fabs(d) ? fabs(back) : fabs(d);
	if (!(fabs(back - d) <= max * DBL_EPSILON))
		snprintf(num, sizeof num, "%1.17g", d);
	return abuf_puts(b, num);
}

/* The escape letter of a byte cJSON writes as a backslash and a letter, or 0. */
static char short_escape(unsigned char c)
{
	switch (c) {
	case '"': return '"';
	case '\\': return '\\';
	case '\b': return 'b';
	case '\f': return 'f';
	case '\n': return 'n';
	case '\r': return 'r';
	case '\t': return 't';
	default: return 0;
	}
}

/* A string as cJSON escapes it: the quote, the backslash and the control
 * characters; every other byte as it is. */
static int put_string(abuf *b, const char *s)
{
	int rc = abuf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; rc == 0 && *p; p++) {
		char e = short_escape(*p);
		if (e)
			rc = abuf_putc(b, '\\') < 0 ? ASSAY_ENOMEM : abuf_putc(b, e);
		else if (*p < 32)
			rc = abuf_printf(b, "\\u%04x", *p);
		else
			rc = abuf_putc(b, (char)*p);
	}
	return rc < 0 ? ASSAY_ENOMEM : abuf_putc(b, '"');
}

int learn_detail_json(double p_reject, int64_t model, const char *reason, char *buf,
		      size_t size, abuf *scratch)
{
	abuf_reset(scratch);
	int rc = abuf_puts(scratch, "{\"p_reject\":");
	rc |= put_number(scratch, round(p_reject * 1e4) / 1e4);
	rc |= abuf_puts(scratch, ",\"model\":");
	rc |= put_number(scratch, (double)model);
	size_t without = scratch->len;
	if (reason) {
		rc |= abuf_puts(scratch, ",\"reason\":");
		rc |= put_string(scratch, reason);
	}
	rc |= abuf_putc(scratch, '}');
	if (rc)
		return ASSAY_ENOMEM;
	/* the reason is left out when the whole would not fit */
	if (scratch->len >= size && reason) {
		scratch->len = without;
		if (abuf_putc(scratch, '}') < 0)
			return ASSAY_ENOMEM;
	}
	if (scratch->len >= size)
		scratch->len = 0;
	memcpy(buf, scratch->data, scratch->len);
	buf[scratch->len] = '\0';
	return ASSAY_OK;
}
