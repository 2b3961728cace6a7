/* csv.c — the one CSV field writer: control characters shown as visible
 * placeholders (the review screen's forms), the OWASP formula guard on text
 * fields, RFC 4180 quoting. A CSV opened in a terminal or a spreadsheet
 * then runs nothing that came from the data. */
#include <stdio.h>
#include <string.h>

#include "assay/text.h"
#include "assay/text_csv.h"

bool text_csv_is_number(const char *s, size_t n)
{
	size_t i = 0, d;
	if (i < n && s[i] == '-')
		i++;
	for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i == d)
		return false;
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return false;
	}
	return i == n;
}

static bool is_bidi(uint32_t cp)
{
	return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
	       cp == 0x200F || cp == 0x061C;
}

/* Appends s[0..n) with every control shown as a placeholder. */
static int neutralise(abuf *b, const char *s, size_t n)
{
	int rc = 0;
	size_t off = 0;
	while (off < n && rc == 0) {
		uint32_t cp;
		bool ok;
		size_t len = text_utf8_next(s + off, n - off, &cp, &ok);
		char tmp[16];
		if (!ok)
			rc = abuf_append(b, "\xEF\xBF\xBD", 3);
		else if (cp == '\t' || cp == '\n' || (cp == '\r' && off + 1 < n && s[off + 1] == '\n'))
			rc = abuf_putc(b, (char)cp);
		else if (cp < 0x20 || cp == 0x7F)
			rc = abuf_append(b, tmp, (size_t)snprintf(tmp, sizeof tmp, "^%c",
								cp == 0x7F ? '?' : (char)(cp + 0x40)));
		else if ((cp >= 0x80 && cp <= 0x9F) || is_bidi(cp))
			rc = abuf_printf(b, "<U+%04X>", (unsigned)cp);
		else
			rc = abuf_append(b, s + off, len);
		off += len;
	}
	return rc;
}

static bool needs_quotes(const char *s, size_t n)
{
	if (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		return true;
	for (size_t i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			return true;
	return false;
}

static int quoted(abuf *out, const char *s, size_t n)
{
	if (!needs_quotes(s, n))
		return abuf_append(out, s, n);
	int rc = abuf_putc(out, '"');
	size_t run = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '"') {
			rc |= abuf_append(out, s + run, i + 1 - run);
			rc |= abuf_putc(out, '"');
			run = i + 1;
		}
	rc |= abuf_append(out, s + run, n - run);
	rc |= abuf_putc(out, '"');
	return rc;
}

int text_csv_cell(abuf *out, const char *s, size_t n, unsigned flags)
{
	if (flags & TEXT_CSV_RAW)
		return quoted(out, s, n) ? ASSAY_ENOMEM : ASSAY_OK;
	abuf safe = {0};
	int rc = 0;
	/* The formula guard looks at the field as given: a leading CR or TAB
	 * counts even though a lone CR is shown as ^M. */
	bool number = (flags & TEXT_CSV_NUMBER) && text_csv_is_number(s, n);
	bool guard = !number && n && memchr("=+-@\t\r", s[0], 6);
	size_t plain = 0;
	while (plain < n && (unsigned char)s[plain] >= 0x20 && (unsigned char)s[plain] < 0x7F)
		plain++;
	if (!guard && plain == n)
		return quoted(out, s, n) ? ASSAY_ENOMEM : ASSAY_OK;
	if (guard)
		rc = abuf_putc(&safe, '\'');
	if (rc == 0)
		rc = neutralise(&safe, s, n);
	if (rc == 0)
		rc = quoted(out, safe.data ? safe.data : "", safe.len);
	abuf_free(&safe);
	return rc ? ASSAY_ENOMEM : ASSAY_OK;
}
